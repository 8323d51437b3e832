"""The one harness that attacks into the store (sfutils.harness): rows, record names, keys by the
attack's effective settings, per-chunk seeds and resuming."""

from __future__ import annotations

import functools
import json

import pytest
import torch
from torch import nn

from sfutils.attacks.result import AttackResult
from sfutils.harness import (IMAGENET_CHUNK, attack_store, chunk_for, effective_settings, is_seeded, record_name,
                             store_rows)
from sfutils.setting import Setting

SETTING = Setting("toy", "tiny", 6)
X, Y = 0.5 * torch.rand(6, 1, 4, 4), torch.tensor([0, 1, 0, 1, 0, 1])


def fake_attack(calls: list[tuple[int, int | None]]):
    """An attack changing the first pixel of every sample; logs (chunk size, seed) in ``calls``."""
    def attack(model: nn.Module, x: torch.Tensor, *, lam: float = 3.0, seed: int = 0, batch_size: int | None = None,
               progress: bool = False) -> AttackResult:
        calls.append((x.shape[0], seed))
        n = x.shape[0]
        delta = torch.zeros_like(x)
        delta[:, :, 0, 0] = 0.5
        label, ones = torch.zeros(n, dtype=torch.long), torch.ones(n, dtype=torch.long)
        return AttackResult(adversarial=x + delta, perturbation=delta, label=label, adv_label=ones,
                            success=torch.ones(n, dtype=torch.bool), iterations=ones, grad_evals=2 * ones,
                            forward_evals=3 * ones)
    return attack


def _run(tmp_path, calls, kwargs=None, setting=SETTING, **options):
    return attack_store("fake", fake_attack(calls), setting, kwargs or {}, load=lambda: (nn.Identity(), X, Y),
                        root=tmp_path, progress=False, **options)


def test_rows_record_name_and_params_sidecar(tmp_path):
    calls: list = []
    df = _run(tmp_path, calls, {"lam": 1.0}, key={"attack": "fake"}, chunk_size=4)
    assert calls == [(4, 0), (2, 4)]  # seeded per chunk: setting.seed + the chunk's first position
    assert df["id"].tolist() == list(range(6)) and df["pixels"].tolist() == [1] * 6
    assert df["pct"].iloc[0] == pytest.approx(100 / 16) and df["linf"].iloc[0] == pytest.approx(0.5)
    assert df["correct"].tolist() == [True, False] * 3 and df["grad_evals"].tolist() == [2] * 6
    assert df["delta_idx"].tolist() == [[0]] * 6 and df["invalid"].tolist() == [0] * 6
    (params,) = tmp_path.glob("*.params.json")
    assert params.name.startswith("fake-toy-tiny-") and record_name("fake", SETTING) == "fake-toy-tiny"
    stored = json.loads(params.read_text())
    assert stored["params"] == {**SETTING.key(), "attack": "fake", "settings": {"lam": 1.0}}


def test_default_and_explicit_settings_share_a_record_and_a_changed_one_does_not(tmp_path):
    calls: list = []
    _run(tmp_path, calls)
    _run(tmp_path, calls, {"lam": 3.0, "batch_size": 2, "progress": True})  # the defaults, and memory/reporting
    assert len(calls) == 1 and len(list(tmp_path.glob("*.params.json"))) == 1
    _run(tmp_path, calls, {"lam": 1.0})
    assert len(calls) == 2 and len(list(tmp_path.glob("*.params.json"))) == 2


def test_a_killed_run_resumes_with_the_missing_samples_only(tmp_path):
    calls: list = []
    _run(tmp_path, calls, setting=Setting("toy", "tiny", 6, seed=7), chunk_size=3)
    (path,) = tmp_path.glob("*.jsonl")
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:4]) + lines[4][:10])  # killed while writing the fifth row
    calls.clear()
    df = _run(tmp_path, calls, setting=Setting("toy", "tiny", 6, seed=7), chunk_size=3)
    assert calls == [(2, 10)]  # the rest of the second chunk, seeded as in the first run
    assert df["id"].tolist() == list(range(6)) and len(path.read_text().splitlines()) == 6


def test_settings_are_the_signature_with_defaults_less_what_does_not_change_answers():
    attack = fake_attack([])
    assert effective_settings(attack, {}) == {"lam": 3.0}
    assert effective_settings(attack, {"lam": 2, "batch_size": 8, "progress": True}) == {"lam": 2}
    assert effective_settings(attack, {"lam": 2}, drop=("lam",)) == {}
    with pytest.raises(TypeError):
        effective_settings(attack, {"lamda": 2})
    assert is_seeded(attack) and not is_seeded(lambda model, x, *, lam=3.0: None)
    with pytest.raises(ValueError, match="seed"):
        _run(None, [], {"seed": 1})


def test_store_rows_loads_nothing_for_a_complete_record(tmp_path):
    def rows(model, x, y, pos):
        return [{"v": int(y[p])} for p in pos]

    first = store_rows("labels", SETTING, {}, rows, load=lambda: (None, X, Y), root=tmp_path, progress=False)
    assert first["v"].tolist() == Y.tolist()

    def fail():
        raise AssertionError("loaded although every row is stored")

    again = store_rows("labels", SETTING, {}, rows, load=fail, root=tmp_path, progress=False)
    assert again.equals(first)


def test_imagenet_and_slow_attacks_are_stored_in_small_chunks():
    assert chunk_for("imagenet", 256) == IMAGENET_CHUNK and chunk_for("imagenet", 4) == 4
    assert chunk_for("cifar10", 256) == 256 and chunk_for("mnist", 64) == 64
    assert chunk_for("cifar10", 256, "one_pixel") == IMAGENET_CHUNK and chunk_for("mnist", 256, "jsma") == 256


def test_without_compute_only_the_stored_rows_come_back_and_nothing_loads(tmp_path):
    calls: list = []
    attack = fake_attack(calls)

    @functools.wraps(attack)  # the same signature, so the same record
    def killed_after_one_chunk(model, x, **kwargs):
        if calls:
            raise KeyboardInterrupt  # a background job stopped after storing its first chunk
        return attack(model, x, **kwargs)

    with pytest.raises(KeyboardInterrupt):
        attack_store("fake", killed_after_one_chunk, SETTING, {}, load=lambda: (nn.Identity(), X, Y), root=tmp_path,
                     progress=False, chunk_size=3)

    def refuse():
        raise AssertionError("compute=False must not load the data")

    df = attack_store("fake", attack, SETTING, {}, load=refuse, root=tmp_path, progress=False, chunk_size=3,
                      compute=False)
    assert df["id"].tolist() == [0, 1, 2] and len(calls) == 1
    empty = attack_store("fake", attack, SETTING, {"lam": 1.0}, load=refuse, root=tmp_path, progress=False,
                         compute=False)
    assert empty.empty
