"""How long loops report progress: a tqdm bar, or log lines when a notebook runs under the runner.

A notebook executed by :mod:`sfutils.runner` (which sets ``$SFUTILS_RUNNER=1`` for its kernels)
must not draw tqdm's widget bar: papermill saves it without its state, so the executed notebook
would show it frozen at 0 %. There :func:`progress_bar` is off and the store's chunk loop
(:func:`sfutils.results.run_rows`) reports through :class:`LogProgress` in the runner's log.

This module sits at the bottom of the package (it imports nothing from ``sfutils``), so that data
loading, metrics and the result store can report progress without importing the run machinery.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable
from typing import Any, TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")

RUNNER_ENV = "SFUTILS_RUNNER"


def under_runner() -> bool:
    """Whether this process is a notebook kernel started by :mod:`sfutils.runner` (which sets
    ``$SFUTILS_RUNNER=1`` for its kernels)."""
    return os.environ.get(RUNNER_ENV) == "1"


def progress_bar(iterable: Iterable[T], **kwargs: Any) -> Iterable[T]:
    """``tqdm.auto.tqdm(iterable, **kwargs)``, switched off in a notebook run by the runner (module
    docstring)."""
    return tqdm(iterable, **{**kwargs, "disable": kwargs.get("disable", False) or under_runner()})


def _duration(seconds: float) -> str:
    """``seconds`` as a short human duration: '45 s', '12 min', '3.2 h'."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


class LogProgress:
    """Progress as one log line per update on the process's own stderr: samples done, seconds per
    sample and the time left at that rate. A notebook run by :mod:`sfutils.runner` shows it in the
    runner's log (its kernel inherits the runner's stderr), where tqdm's notebook widget would not
    appear. Same interface as the tqdm bar it stands in for."""

    def __init__(self, total: int, desc: str, unit: str = "sample", disable: bool = False) -> None:
        self.total, self.desc, self.unit, self.disable = total, desc, unit, disable
        self.done, self.start = 0, time.perf_counter()

    def __enter__(self) -> LogProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:
        self.done += n
        if self.disable or not self.total:
            return
        spent = time.perf_counter() - self.start
        rate = spent / self.done
        print(f"[{time.strftime('%H:%M:%S')}] {self.desc}: {self.done}/{self.total} {self.unit}s "
              f"({100 * self.done / self.total:.0f} %), {rate:.3g} s/{self.unit}, "
              f"about {_duration(rate * (self.total - self.done))} left", file=sys.__stderr__, flush=True)


def chunk_bar(total: int, desc: str, disable: bool = False) -> LogProgress | tqdm:
    """The progress of a loop over ``total`` samples: :class:`LogProgress` under the runner, else a
    tqdm bar (both used as ``with chunk_bar(...) as bar: bar.update(n)``)."""
    bar_type = LogProgress if under_runner() else tqdm
    return bar_type(total=total, desc=desc, unit="sample", disable=disable)
