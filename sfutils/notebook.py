"""The notebooks' front door: the first code cell calls :func:`setup`, the last :func:`what_we_found`.

A notebook is a paper section: its claim in markdown, a ``parameters`` cell of literals, then
``run, P = setup("05", profile, seed=seed, ...)``; figures and tables go to ``run.output_root``
(:class:`sfutils.provenance.Run`), and ``what_we_found(run)`` judges the claims of this notebook
on the very tables this run wrote, whichever folder that is (a hand-run notebook writes to the
git-ignored ``figures/scratch/<profile>/``, the runner to ``figures/<profile>/``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import torch
from IPython.display import Markdown

from sfutils import data, paths, plotting, provenance
from sfutils.claims.report import render_verdicts
from sfutils.device import default_device
from sfutils.profiles import get_profile

def setup(notebook: str, profile: str, device: torch.device | str | None = None, datasets: Sequence[str] = (),
          **overrides: Any) -> tuple[provenance.Run, SimpleNamespace]:
    """Start notebook ``notebook``'s run in ``profile``: its settings (``overrides``, e.g. ``seed``
    or ``n_cifar``, replace the profile's; ``None`` keeps them), the plot style, warnings shown
    once each without the machine paths of the files that raise them, and a printed line per data
    set in ``datasets`` saying where its images come from, then the profile, device and settings."""
    warnings.simplefilter("once")
    warnings.formatwarning = lambda message, category, *_: f"{category.__name__}: {message}\n"
    settings = get_profile(notebook, profile, **overrides)
    run = provenance.start_run(notebook, profile, device if device is not None else default_device())
    plotting.set_style()
    for name in datasets:
        print(f"{name}: {data.dataset_source(name).description}")
    print(f"profile {profile}, device {run.device}, settings {vars(settings)}")
    return run, settings


def what_we_found(run: provenance.Run) -> Markdown:
    """``run``'s notebook's "What we found", judged on the tables ``run`` itself wrote: what holds
    and what does not in plain words, then the short table of its claims and their details
    (:func:`sfutils.claims.report.render_verdicts`)."""
    hand_run = run.output_root != paths.figures_root(run.profile)
    label = f"{run.profile} profile" + (", this hand run's own tables under figures/scratch/" if hand_run else "")
    return Markdown(render_verdicts(run.notebook, run.output_root, label))


__all__ = ["setup", "what_we_found"]
