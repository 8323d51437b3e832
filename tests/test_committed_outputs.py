"""What a reader opens: no committed notebook, figure table or README carries a machine's own
absolute path (a warning's file name, a data folder), which means nothing elsewhere."""

from __future__ import annotations

import re
import subprocess

import pytest

from sfutils import paths

# the home, work, temp and site-packages folders of the machines these outputs were made on
MACHINE_PATH = re.compile(r"(?<![\w.])(/work/|/home/|/root/|/tmp/|/Users/|/private/var/|[A-Z]:\\\\Users)")
TEXT_SUFFIXES = (".ipynb", ".md", ".csv", ".json")


def committed_outputs() -> list[str]:
    root = paths.repo_root()
    try:
        out = subprocess.run(["git", "ls-files", "notebooks", "figures", "README.md"], cwd=root, check=True,
                             capture_output=True, text=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: no list of committed files")
    return [f for f in out if f.endswith(TEXT_SUFFIXES)]


def test_no_committed_output_contains_an_absolute_machine_path():
    files = committed_outputs()
    assert files, "no committed outputs found"
    offenders = {}
    for name in files:
        text = (paths.repo_root() / name).read_text(errors="replace")
        found = MACHINE_PATH.search(text)
        if found:
            offenders[name] = text[max(0, found.start() - 40):found.end() + 40].replace("\n", " ")
    assert not offenders, f"absolute machine paths in committed outputs: {offenders}"


def test_the_pattern_catches_a_warning_path_and_spares_a_url():
    assert MACHINE_PATH.search('"/work/main/sfutils/data.py:348: UserWarning: lossy"')
    assert not MACHINE_PATH.search("https://example.org/work/ and figures/full/tables/01_table1.csv")


# an f-string field left unformatted: {a['n']}, {row["id"]}
TEMPLATE_FIELD = re.compile(r"\{\w+\[['\"]\w+['\"]\]")


def test_no_committed_text_carries_an_unfilled_template_field():
    offenders = {name: TEMPLATE_FIELD.search(text).group(0) for name in committed_outputs()
                 if name.endswith(".md") and TEMPLATE_FIELD.search(text := (paths.repo_root() / name).read_text())}
    assert not offenders, f"unformatted template fields (a missing f prefix?): {offenders}"
    assert TEMPLATE_FIELD.search("agree on {a['same_outcome']} of 20") and not TEMPLATE_FIELD.search("{1, 2}")
