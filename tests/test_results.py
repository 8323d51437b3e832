"""The resumable per-sample result store (sfutils.results) and the run profiles."""

from __future__ import annotations

import json
import os

import pytest
import torch

from sfutils import claims, profiles
from sfutils.results import ResultStore, canonical_json, params_hash, run_rows

PARAMS = {"model": "lenet", "lam": 1.0, "n": 6}


def test_params_hash_is_canonical():
    assert params_hash({"a": 1, "b": (1, 2)}) == params_hash({"b": [1, 2], "a": 1})
    assert params_hash({"a": 1}) != params_hash({"a": 2})
    assert canonical_json({"b": 1, "a": {"y": 2, "x": 1}}) == '{"a":{"x":1,"y":2},"b":1}'
    with pytest.raises(TypeError, match="JSON-like"):
        params_hash({"x": torch.zeros(1)})


def test_shards_write_own_files_and_merge(tmp_path):
    ids = [f"img{i}" for i in range(7)]

    def compute(pos):
        return [{"value": p * 10} for p in pos]

    for k in range(3):
        run_rows(ResultStore("exp", PARAMS, shard=k, num_shards=3, root=tmp_path), compute, ids, 2, False)
    names = sorted(p.name for p in tmp_path.glob("*.jsonl"))
    assert names == [f"exp-{params_hash(PARAMS)}.shard{k}of3.jsonl" for k in range(3)]
    merged = ResultStore("exp", PARAMS, root=tmp_path).load()
    assert sorted(merged["id"]) == sorted(ids)
    assert dict(zip(merged["id"], merged["value"])) == {f"img{i}": i * 10 for i in range(7)}
    # An unsharded rerun finds everything done.
    assert ResultStore("exp", PARAMS, root=tmp_path).pending(ids) == []


def test_store_rejects_bad_input(tmp_path):
    with pytest.raises(ValueError, match="shard"):
        ResultStore("exp", PARAMS, shard=3, num_shards=3, root=tmp_path)
    with pytest.raises(ValueError, match="experiment"):
        ResultStore("../escape", PARAMS, root=tmp_path)
    store = ResultStore("exp", PARAMS, root=tmp_path)
    with pytest.raises(ValueError, match="'id'"):
        store.append([{"value": 1}])


def test_corrupt_middle_line_is_an_error(tmp_path):
    store = ResultStore("exp", PARAMS, root=tmp_path)
    store.append([{"id": 0}])
    with store.path.open("a") as f:
        f.write("garbage\n")
    with pytest.raises(ValueError, match="corrupt"):
        store.load()


def test_profiles():
    p = profiles.get_profile("01_overall", "quick", seed=7)
    assert (p.notebook, p.profile, p.seed) == ("01", "quick", 7)
    for nb in [f"0{i}" for i in range(7)]:
        keys = [set(vars(profiles.get_profile(nb, prof))) for prof in profiles.PROFILE_NAMES]
        assert keys[0] == keys[1] == keys[2], f"notebook {nb}: profiles define different settings"
    with pytest.raises(ValueError, match="unknown profile"):
        profiles.get_profile("01", "fast")
    with pytest.raises(ValueError, match="no profiles for notebook"):
        profiles.get_profile("42", "quick")
    with pytest.raises(ValueError, match="two-digit"):
        profiles.get_profile("overall", "quick")
    with pytest.raises(ValueError, match="unknown setting"):
        profiles.get_profile("01", "quick", sede=3)


def test_retrained_weights_start_a_new_record(tmp_path, monkeypatch):
    """The store's key holds the SHA-256 of every registered model the parameters name, so a
    retrained model never reuses stale rows."""
    import sfutils.models as models

    params = {"model": "lenet-mnist", "n": 2}
    store = ResultStore("exp", params, root=tmp_path)
    assert store.params["weights"] == {"lenet-mnist": models.model_info("lenet-mnist").weights.sha256}
    monkeypatch.setattr(models, "weights_id", lambda name: "0" * 64)  # the same name, other weights
    retrained = ResultStore("exp", params, root=tmp_path)
    assert retrained.path != store.path and retrained.params["weights"] == {"lenet-mnist": "0" * 64}
    assert "weights" not in ResultStore("exp", {"model": "not-a-model"}, root=tmp_path).params


def test_results_are_filed_under_the_run_profile(tmp_path, monkeypatch):
    from sfutils import provenance

    monkeypatch.setenv("SFUTILS_DATA", str(tmp_path))
    monkeypatch.setattr(provenance, "_current", None)
    assert ResultStore("exp", PARAMS).root == tmp_path / "results"
    provenance.start_run("01", "full", device="cpu")
    assert ResultStore("exp", PARAMS).root == tmp_path / "results" / "full"


def test_chunks_are_fixed_blocks_whatever_the_shards_or_an_interruption(tmp_path):
    ids = list(range(10))

    def compute_into(seen):
        def compute(pos):
            seen.append(list(pos))
            return [{"seed": pos[0]} for _ in pos]  # a per-chunk seed, as attack_samples uses
        return compute

    single: list[list[int]] = []
    one = run_rows(ResultStore("a", PARAMS, root=tmp_path), compute_into(single), ids, 4, False)
    assert single == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    sharded: list[list[int]] = []
    for k in range(2):
        run_rows(ResultStore("b", PARAMS, shard=k, num_shards=2, root=tmp_path), compute_into(sharded), ids, 4, False)
    assert sorted(sharded) == single  # shard 0 owns chunks 0 and 2, shard 1 chunk 1
    merged = ResultStore("b", PARAMS, root=tmp_path).load()
    assert merged["seed"].tolist() == one["seed"].tolist()
    # interrupted after the first chunk: the resumed run keeps the same boundaries
    resumed: list[list[int]] = []
    store = ResultStore("c", PARAMS, root=tmp_path)
    store.append({"id": i, "seed": 0} for i in range(4))
    again = run_rows(store, compute_into(resumed), ids, 4, False)
    assert resumed == single[1:]
    assert again["seed"].tolist() == one["seed"].tolist()


def test_a_runner_run_logs_progress_lines_with_the_time_left(tmp_path, monkeypatch, capfd):
    """Under sfutils.runner (its kernels inherit SFUTILS_RUNNER=1) progress goes to the process's own
    stderr, one line per chunk, which the runner's log shows; elsewhere it is tqdm's bar."""
    monkeypatch.setenv("SFUTILS_RUNNER", "1")
    store = ResultStore("exp", {"a": 1}, root=tmp_path)
    run_rows(store, lambda pos: [{"v": p} for p in pos], list(range(10)), chunk_size=4)
    lines = [line for line in capfd.readouterr().err.splitlines() if "exp:" in line]
    assert len(lines) == 3 and "4/10 samples (40 %)" in lines[0] and "10/10 samples (100 %)" in lines[-1]
    assert all("s/sample" in line and "left" in line for line in lines)
    run_rows(store, lambda pos: [{"v": p} for p in pos], list(range(10)), chunk_size=4)  # nothing to do
    assert "exp:" not in capfd.readouterr().err
    monkeypatch.delenv("SFUTILS_RUNNER")
    run_rows(ResultStore("exp2", {"a": 1}, root=tmp_path), lambda pos: [{"v": p} for p in pos], [0, 1],
             progress=False)
    assert "exp2:" not in capfd.readouterr().err


def test_stored_compute_sums_the_attack_seconds_of_every_record_and_shard(tmp_path):
    from sfutils import provenance
    from sfutils.results import stored_compute

    a = ResultStore("01-sparsefool", {"dataset": "mnist", "model": "m", "n": 3}, root=tmp_path)
    a.append([{"id": 0, "seconds": 1800.0}, {"id": 1, "seconds": 1800.0}])
    ResultStore("01-sparsefool", {"dataset": "mnist", "model": "m", "n": 3}, shard=1, num_shards=2,
                root=tmp_path).append([{"id": 2, "seconds": 3600.0}])
    ResultStore("01-accuracy", {"dataset": "mnist", "model": "m", "n": 2}, root=tmp_path).append(
        [{"id": 0, "correct": True}, {"id": 1, "correct": False}])
    df = stored_compute(tmp_path)
    assert df[["experiment", "rows", "hours"]].values.tolist() == [["01-accuracy", 2, 0.0], ["01-sparsefool", 3, 2.0]]
    md = claims.compute_markdown(tmp_path)
    assert "01-sparsefool" in md and "01-accuracy" not in md and "**2.0**" in md
    assert claims.compute_markdown(tmp_path / "missing") == ""


def test_stored_compute_names_the_data_set_of_a_record_keyed_by_its_model_only(tmp_path):
    """Notebook 06's records name the model, not the data set: the compute table takes the model's."""
    from sfutils.results import stored_compute

    ResultStore("06-fmn-l0", {"model": "resnet20-cifar10", "n": 1}, root=tmp_path).append([{"id": 0, "seconds": 36.0}])
    ResultStore("06-fmn-l0", {"model": "not-registered", "n": 1}, root=tmp_path).append([{"id": 0, "seconds": 36.0}])
    assert sorted(stored_compute(tmp_path)["dataset"]) == ["", "cifar10"]


def test_stored_compute_ignores_a_partial_last_line_and_repeated_ids(tmp_path):
    from sfutils.results import stored_compute

    a = ResultStore("01-sparsefool", {"dataset": "mnist", "model": "m", "n": 2}, root=tmp_path)
    a.append([{"id": 0, "seconds": 3600.0}])
    ResultStore("01-sparsefool", {"dataset": "mnist", "model": "m", "n": 2}, shard=1, num_shards=2,
                root=tmp_path).append([{"id": 0, "seconds": 3600.0}])  # the same id again, in a shard file
    with a.path.open("a") as f:
        f.write('{"id": 1, "seconds": 36')  # a writer killed mid-line
    assert stored_compute(tmp_path)[["rows", "hours"]].values.tolist() == [[1, 1.0]]


def test_rows_on_other_images_start_a_new_record(tmp_path, monkeypatch):
    """The key names the images' source wherever they are not the ones the committed results were
    computed on (the mirror's JPEG CIFAR-10 and ImageNet sample, MNIST from anywhere): rows on
    foolbox's 20 ImageNet images or on lossless CIFAR-10 never join those records."""
    from sfutils import data

    mirror = tmp_path / "mirror"
    for part in ("cifar10-jpeg/test.tar", "imagenet-samples/samples-even-classes.tar"):
        (mirror / part).parent.mkdir(parents=True)
        (mirror / part).touch()
    monkeypatch.setenv("SFUTILS_MIRROR", str(mirror))
    params = {"dataset": "cifar10", "model": "resnet20-cifar10", "transfer": ["efficientnet-lite0"], "n": 2}
    committed = ResultStore("exp", params, root=tmp_path)
    assert "data" not in committed.params and data.data_tag("mnist") is None

    monkeypatch.delenv("SFUTILS_MIRROR")
    monkeypatch.setattr(data, "foolbox_samples_dir", lambda: tmp_path)
    elsewhere = ResultStore("exp", params, root=tmp_path)
    assert elsewhere.params["data"] == {"cifar10": "cifar10-lossless", "imagenet": "imagenet-foolbox-samples"}
    assert elsewhere.path != committed.path
    assert "data" not in ResultStore("exp", {"model": "lenet-mnist"}, root=tmp_path).params
    monkeypatch.setattr(data, "foolbox_samples_dir", lambda: None)
    monkeypatch.delenv("SFUTILS_IMAGENET_VAL", raising=False)
    assert data.data_tag("imagenet") == "imagenet-unavailable"
    monkeypatch.setenv("SFUTILS_IMAGENET_VAL", str(tmp_path))
    assert data.data_tag("imagenet") == f"imagenet-folder:{tmp_path.resolve()}"


@pytest.mark.skipif(not os.environ.get("SFUTILS_MIRROR"), reason="the committed records were computed on the mirror's images")
def test_every_committed_record_is_found_under_its_own_key():
    """What the code keys a committed record's parameters to today is the record's own file name:
    a change to the key (weights, data tag) never orphans committed results, and a record left by
    weights since retrained is deleted, not committed as dead weight."""
    from sfutils import paths

    records = sorted((paths.results_root() / "full").glob("*.params.json"))  # the committed ones (.gitignore)
    assert records, "no committed records"
    for params_file in records:
        stored = json.loads(params_file.read_text())
        params = {k: v for k, v in stored["params"].items() if k not in ("weights", "data")}
        store = ResultStore(stored["experiment"], params, root=params_file.parent)
        assert store.params_path == params_file, params_file
