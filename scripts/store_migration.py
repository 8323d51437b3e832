"""Re-key stored records to the names and keys of :mod:`sfutils.harness`, recomputing nothing.

Records written before the one harness were named after the notebook that first wrote them
(``01-sparsefool-<hash>``, ``01-accuracy-…``, ``02-sparsefool-box-…``, ``06-fmn-l0-…``) and keyed
by the attack keywords as written. :func:`migrate` gives each the name and key the harness asks
for today, ``<what>-<dataset>-<model>-<hash>`` keyed by the attack's effective settings
(:func:`sfutils.harness.effective_settings`), by renaming its files and rewriting its
``.params.json``; the rows are not touched and the stored weights and data tags are kept.

It is safe to rerun: a record already under its current name is left alone, and rows that an
old-style writer appended after a migration are merged into the current record (the first row
of each id kept). Rerun it too after an attack gains a keyword whose default keeps the old answers:
the stored settings are bound again and the new default joins the key. Every committed record
(``data/results/full/``) has been migrated; this script stays, outside the package a user imports,
for a store of one's own written before the harness. Run it as ``python scripts/store_migration.py
[ROOT ...]`` (default: every profile folder of :func:`sfutils.paths.results_root`).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sfutils import paths
from sfutils.attacks import ATTACKS, sparsefool
from sfutils.experiments.perceptibility import BOX
from sfutils.harness import effective_settings, record_name
from sfutils.models import model_info
from sfutils.results import canonical_json, complete_lines, params_hash, record_files
from sfutils.setting import Setting

PARAMS_SUFFIX = ".params.json"


def _setting(params: Mapping[str, Any]) -> Setting:
    """The setting a record's parameters name (the data set of notebook 06's old records is their model's)."""
    dataset = params.get("dataset") or model_info(params["model"]).dataset
    return Setting(dataset, params["model"], params["n"], params["seed"], params.get("crop"))


def _what(experiment: str, params: Mapping[str, Any]) -> str | None:
    """What the record named ``experiment`` holds (a kind of :mod:`sfutils.harness`: ``accuracy``,
    an attack, ``sparsefool-box`` or ``checked-<attack>``), or None for a kind this migration does
    not know (left alone)."""
    old = re.fullmatch(r"(\d\d)-(.+)", experiment)
    if old is not None:
        number, name = old.groups()
        what = f"checked-{name}" if number == "06" else name
    elif {"model", "n", "seed"} <= set(params):
        setting = _setting(params)
        what = experiment.removesuffix(f"-{setting.dataset}-{setting.model}")
    else:
        return None
    known = what in ("accuracy", "sparsefool-box") or what in ATTACKS or what.startswith("checked-")
    return what if known else None


def _key(what: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The key beside the setting that the harness gives a record of ``what`` stored with ``params``."""
    if what.startswith("checked-"):  # notebook 06's rows, keyed by each attack's declared parameters
        return {"attack": params["attack"], "params": params["params"]}
    if what == "sparsefool-box":  # §4.2's box: old records keep lam apart from the other keywords
        settings = params.get("settings") or {"lam": params["lam"], **params["kwargs"]}
        return {"attack": "sparsefool", "delta": params["delta"],
                "settings": effective_settings(sparsefool, settings, BOX)}
    if what in ATTACKS:
        settings = params["settings"] if "settings" in params else params["kwargs"]
        return {"attack": what, "settings": effective_settings(ATTACKS[what], settings)}
    return {}


def current_record(experiment: str, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """``(name, parameters)`` the harness gives today to record ``experiment`` stored with ``params``:
    its name without the hash, and its parameters with the stored weights and data tags; None for
    a record of a kind not migrated here."""
    what = _what(experiment, params)
    if what is None:
        return None
    setting = _setting(params)
    kept = {k: params[k] for k in ("weights", "data") if k in params}
    return record_name(what, setting), json.loads(canonical_json({**setting.key(), **_key(what, params), **kept}))


def _move_rows(source: Path, target: Path) -> None:
    """Move the rows of ``source`` to ``target``: a rename, or, when ``target`` exists, an append of
    the complete rows whose ids it lacks."""
    if not target.exists():
        source.rename(target)
        return
    have = {json.loads(line)["id"] for line in complete_lines(target)}
    new = [line for line in complete_lines(source) if json.loads(line)["id"] not in have]
    text = target.read_bytes()
    with target.open("a") as f:
        f.write(("" if not text or text.endswith(b"\n") else "\n") + "".join(f"{line}\n" for line in new))
    source.unlink()


def migrate_record(params_path: Path) -> tuple[str, str] | None:
    """Give the record of ``params_path`` its current name and key; ``(old stem, new stem)``, or
    None when it has them already or is of a kind not migrated here."""
    root, old_stem = params_path.parent, params_path.name.removesuffix(PARAMS_SUFFIX)
    stored = json.loads(params_path.read_text())
    current = current_record(stored["experiment"], stored["params"])
    if current is None:
        return None
    name, params = current
    new_stem = f"{name}-{params_hash(params)}"
    if new_stem == old_stem and stored == {"experiment": name, "params": params}:
        return None
    for source in record_files(root, old_stem):
        _move_rows(source, root / (new_stem + source.name.removeprefix(old_stem)))
    (root / f"{new_stem}{PARAMS_SUFFIX}").write_text(json.dumps({"experiment": name, "params": params}, indent=1)
                                                     + "\n")
    if new_stem != old_stem:
        params_path.unlink()
    return old_stem, new_stem


def migrate(root: Path) -> list[tuple[str, str]]:
    """Migrate every record under ``root`` (one profile's results); the ``(old, new)`` stems changed."""
    moves = [migrate_record(p) for p in sorted(Path(root).glob(f"*{PARAMS_SUFFIX}"))]
    return [m for m in moves if m is not None]


def main(argv: list[str] | None = None) -> int:
    """``python scripts/store_migration.py [ROOT ...]``: migrate and print each rename."""
    parser = argparse.ArgumentParser(prog="python scripts/store_migration.py", description=__doc__.split("\n")[0])
    parser.add_argument("roots", nargs="*", type=Path, help="profile folders (default: every one under "
                        "<data>/results)")
    args = parser.parse_args(argv)
    base = paths.results_root()
    roots = args.roots or sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else args.roots
    for root in roots:
        for old, new in migrate(root):
            print(f"{root}: {old} -> {new}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
