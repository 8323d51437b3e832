"""A resumable per-sample result store: one JSON line per attacked sample.

Results of an experiment live in ``<data>/results/<profile>/<experiment>-<hash>.jsonl`` (the
profile of the current :func:`sfutils.provenance.start_run`; the committed profile's results are
committed) where ``<hash>`` is a digest of the canonical JSON of the experiment's parameters and
of the SHA-256 of the weights of every registered model they name (a changed parameter or
retrained model starts a new record; ``<experiment>-<hash>.params.json`` keeps both), and of the
images' source where it is not the one the committed results used (:func:`data_of`). A run killed and restarted with
the same parameters skips every sample id already stored, so nothing is recomputed; a row counts
only once its line is complete (ends in a newline), so a line truncated by a kill is ignored and
overwritten. Shard ``k`` of ``n`` appends to ``<experiment>-<hash>.shard<k>of<n>.jsonl``;
:meth:`ResultStore.load` merges every file of the record into one pandas DataFrame.

One process per shard file: concurrent writers to the same shard are not supported. Experiments
fill the store through the one harness, :mod:`sfutils.harness`, which names and keys the records;
``scripts/store_migration.py`` re-keys records stored under older names.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from sfutils import paths, provenance
from sfutils.progress import chunk_bar

SampleId = int | str
# The ``DataFrame.attrs`` key (and the summary tables' column) naming the record, ``<experiment>-<hash>``,
# whose per-sample rows a frame holds: set by :meth:`ResultStore.load`, read back by :func:`load_record`.
RECORD = "record"
# A paired table's second record (a ratio's denominator), paired with :data:`RECORD`'s rows on the image.
RECORD_DENOMINATOR = "record (denominator)"


def _canonical(value: Any) -> Any:
    """``value`` as plain JSON types (dict keys as strings), rejecting anything ambiguous."""
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"parameter values must be JSON-like (numbers, strings, lists, dicts), got {type(value).__name__}")


def canonical_json(params: Mapping[str, Any]) -> str:
    """The canonical JSON of ``params``: sorted keys, no whitespace, tuples as lists."""
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a mapping, got {type(params).__name__}")
    return json.dumps(_canonical(params), sort_keys=True, separators=(",", ":"), allow_nan=False)


def params_hash(params: Mapping[str, Any]) -> str:
    """A 12-hex-digit SHA-256 digest of :func:`canonical_json` (names the record's files)."""
    return hashlib.sha256(canonical_json(params).encode()).hexdigest()[:12]


def _as_id(value: Any) -> SampleId:
    if isinstance(value, (np.integer, torch.Tensor)):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"sample ids must be int or str, got {type(value).__name__}")
    return value


def complete_lines(path: Path) -> list[str]:
    """The newline-terminated lines of ``path`` (a trailing partial line is dropped)."""
    text = path.read_text()
    return text.split("\n")[:-1] if text else []


def default_root() -> Path:
    """``<data>/results/<profile>`` of the current run (``<data>/results`` outside a run)."""
    run = provenance.current_run()
    return paths.results_root() / run.profile if run is not None else paths.results_root()


def record_files(root: Path, stem: str) -> list[Path]:
    """The result files of record ``stem`` under ``root`` (all shards, any shard count), sorted by name."""
    return sorted(p for p in root.glob(f"{stem}*.jsonl")
                  if re.fullmatch(rf"{re.escape(stem)}(\.shard\d+of\d+)?\.jsonl", p.name))


def _record_rows(files: Iterable[Path]) -> list[dict[str, Any]]:
    """The complete rows of a record's ``files``, first occurrence of each id kept."""
    seen: set[SampleId] = set()
    out = []
    for path in files:
        for num, line in enumerate(complete_lines(path), 1):
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f"{path}:{num}: corrupt result line ({err})") from err
            if row["id"] not in seen:
                seen.add(row["id"])
                out.append(row)
    return out


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


def weights_of(params: Mapping[str, Any]) -> dict[str, str | None]:
    """``{model: SHA-256 of its weights}`` for every registered model named anywhere in ``params``
    (``None`` where the weights are not here), so that retraining a model starts a new record."""
    from sfutils.models import REGISTRY, weights_id

    return {name: weights_id(name) for name in sorted(set(_strings(params)) & set(REGISTRY))}


def data_of(params: Mapping[str, Any]) -> dict[str, str]:
    """``{data set: tag}`` for the data set of every registered model named anywhere in ``params``
    whose images here are not the ones the committed results were computed on
    (:func:`sfutils.data.data_tag`), so that rows on other images never join those records."""
    from sfutils.data import data_tag
    from sfutils.models import REGISTRY, model_info

    datasets = sorted({model_info(name).dataset for name in set(_strings(params)) & set(REGISTRY)})
    tags = {name: data_tag(name) for name in datasets}
    return {name: tag for name, tag in tags.items() if tag is not None}


class ResultStore:
    """The per-sample record of ``experiment`` run with ``params`` (see the module docstring)."""

    def __init__(self, experiment: str, params: Mapping[str, Any], *, shard: int = 0, num_shards: int = 1,
                 root: str | Path | None = None) -> None:
        if not isinstance(num_shards, int) or num_shards < 1:
            raise ValueError(f"num_shards must be a positive int, got {num_shards!r}")
        if not isinstance(shard, int) or not 0 <= shard < num_shards:
            raise ValueError(f"shard must be an int in [0, {num_shards}), got {shard!r}")
        self.experiment = paths.check_stem(experiment, "experiment")
        weights, data = weights_of(params), data_of(params)
        if weights:
            params = {**params, "weights": weights}
        if data:
            params = {**params, "data": data}
        self.params: dict[str, Any] = json.loads(canonical_json(params))
        self.key = params_hash(params)
        self.shard, self.num_shards = shard, num_shards
        self.root = Path(root) if root is not None else default_root()
        self.stem = stem = f"{experiment}-{self.key}"
        suffix = f".shard{shard}of{num_shards}" if num_shards > 1 else ""
        self.path = self.root / f"{stem}{suffix}.jsonl"
        self.params_path = self.root / f"{stem}.params.json"

    def files(self) -> list[Path]:
        """Every result file of this record (all shards, any shard count), sorted by name."""
        return record_files(self.root, f"{self.experiment}-{self.key}")

    def rows(self) -> list[dict[str, Any]]:
        """All complete rows of the record, first occurrence of each id kept."""
        return _record_rows(self.files())

    def done_ids(self) -> set[SampleId]:
        """Ids already stored by any shard."""
        return {row["id"] for row in self.rows()}

    def pending(self, ids: Sequence[Any], chunk_size: int = 1) -> list[int]:
        """Positions in ``ids`` that belong to this shard and are not stored. Shards own whole
        chunks: positions ``[k * chunk_size, (k + 1) * chunk_size)`` go to shard ``k % num_shards``."""
        done = self.done_ids()
        return [i for i in range(len(ids))
                if (i // chunk_size) % self.num_shards == self.shard and _as_id(ids[i]) not in done]

    def append(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Append ``rows`` (each with an ``id``) to this shard's file as complete JSON lines."""
        lines = []
        for row in rows:
            if "id" not in row:
                raise ValueError(f"every result row needs an 'id', got keys {sorted(row)}")
            lines.append(json.dumps(_canonical({**row, "id": _as_id(row["id"])})) + "\n")
        self.root.mkdir(parents=True, exist_ok=True)
        if not self.params_path.exists():
            record = {"experiment": self.experiment, "params": self.params}
            self.params_path.write_text(json.dumps(record, indent=1) + "\n")
        self._drop_partial_line()
        with self.path.open("a") as f:
            f.write("".join(lines))

    def _drop_partial_line(self) -> None:
        """Cut a trailing line left incomplete by a killed writer."""
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            with self.path.open("r+b") as f:
                f.truncate(data.rfind(b"\n") + 1)

    def load(self) -> pd.DataFrame:
        """Every stored row of the record (all shards merged) as a DataFrame sorted by ``id``, its
        ``attrs[RECORD]`` naming the record (pandas keeps it through filters and ``assign``)."""
        return _frame(self.rows(), self.stem)


def _frame(rows: list[dict[str, Any]], stem: str) -> pd.DataFrame:
    """``rows`` as a DataFrame sorted by ``id`` (mixed int / str ids keep their order), named ``stem``."""
    df = pd.DataFrame(rows) if rows else pd.DataFrame(columns=["id"])
    try:
        df = df.sort_values("id", kind="stable")
    except TypeError:  # mixed int / str ids keep their stored order
        pass
    df = df.reset_index(drop=True)
    df.attrs[RECORD] = stem
    return df


def record_folders() -> list[Path]:
    """Where :func:`load_record` and :func:`load_params` look for a record by default, in order:
    :func:`sfutils.paths.results_root` and each profile's folder under it (sorted). Two profiles may
    hold records of one name (same parameters) computed apart, whose rows can differ in the last
    float bit: a reader that must match a table checks each folder."""
    base = paths.results_root()
    return [base, *sorted(p for p in base.iterdir() if p.is_dir())] if base.is_dir() else []


def load_params(stem: str, root: str | Path | None = None) -> dict[str, Any] | None:
    """The parameters record ``stem`` was run with (its ``.params.json``'s ``params``: data set, ``n``,
    ``seed``, ...) under ``root``, or by default in :func:`record_folders`; None when not stored."""
    paths.check_stem(stem, "record")
    for folder in [Path(root)] if root is not None else record_folders():
        meta = folder / f"{stem}.params.json"
        if meta.is_file():
            return dict(json.loads(meta.read_text())["params"])
    return None


def load_record(stem: str, root: str | Path | None = None) -> pd.DataFrame | None:
    """The stored rows of record ``stem`` (``<experiment>-<hash>``, as :data:`RECORD` names it) under
    ``root``, or by default under any profile's folder of :func:`sfutils.paths.results_root` (a
    record's hash keys every parameter, so one name is one record); None when no file of it is there
    (records of the committed profile only are committed)."""
    paths.check_stem(stem, "record")
    for folder in [Path(root)] if root is not None else record_folders():
        files = record_files(folder, stem)
        if files:
            return _frame(_record_rows(files), stem)
    return None


def run_rows(store: ResultStore, compute: Callable[[list[int]], list[dict[str, Any]]], ids: Sequence[Any],
             chunk_size: int = 64, progress: bool = True) -> pd.DataFrame:
    """Compute the missing rows of ``store`` chunk by chunk and return the stored rows of ``ids``.

    ``compute(positions)`` gets positions into ``ids`` and returns one dict per position (the
    ``id`` column is filled in here); each chunk is appended as soon as it is done. Chunks are
    fixed blocks of ``chunk_size`` positions (the missing ones of each), whatever the shard or an
    earlier interrupted run, so a seeded attack seeded per chunk gives the same rows either way.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be positive, got {chunk_size}")
    todo = store.pending(ids, chunk_size)
    chunks: dict[int, list[int]] = {}
    for p in todo:
        chunks.setdefault(p // chunk_size, []).append(p)
    with chunk_bar(len(todo), store.experiment, disable=not progress) as bar:
        for pos in chunks.values():
            rows = compute(pos)
            if len(rows) != len(pos):
                raise ValueError(f"compute returned {len(rows)} rows for {len(pos)} samples")
            store.append({"id": _as_id(ids[p]), **row} for p, row in zip(pos, rows))
            bar.update(len(pos))
    df = store.load()
    wanted = {_as_id(i) for i in ids}
    out = df[df["id"].isin(wanted)].reset_index(drop=True)
    out.attrs[RECORD] = store.stem
    return out


def stored_compute(root: str | Path) -> pd.DataFrame:
    """What the records under ``root`` (one profile's results) cost: per record its experiment (what
    it holds: its name less data set and model),
    data set (its model's when the parameters name none), model, rows and ``hours``, the sum of the
    per-sample ``seconds`` (each chunk's batched wall time shared by its samples), i.e. what
    computing them again costs on the machine that ran them; records without timings (accuracy) count 0. Rows are read as :meth:`ResultStore.rows`
    reads them (complete lines, first row per id). Sorted by experiment, then cost."""
    from sfutils.models import REGISTRY, model_info

    rows = []
    for params_path in sorted(Path(root).glob("*.params.json")):
        meta = json.loads(params_path.read_text())
        stem = params_path.name.removesuffix(".params.json")
        stored = _record_rows(record_files(Path(root), stem))
        p = meta.get("params", {})
        dataset = p.get("dataset") or (model_info(p["model"]).dataset if p.get("model") in REGISTRY else "")
        experiment = meta.get("experiment", stem).removesuffix(f"-{dataset}-{p.get('model', '')}")
        rows.append({"experiment": experiment, "dataset": dataset, "model": p.get("model", ""), "rows": len(stored),
                     "hours": sum(float(r.get("seconds", 0.0)) for r in stored) / 3600})
    df = pd.DataFrame(rows, columns=["experiment", "dataset", "model", "rows", "hours"])
    return df.sort_values(["experiment", "hours"], ascending=[True, False], kind="stable").reset_index(drop=True)
