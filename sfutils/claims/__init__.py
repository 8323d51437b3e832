"""The paper's claims as data, each checked against the tables a run's notebooks wrote.

* :mod:`~sfutils.claims.model`: :class:`Claim`, :class:`Measurement`, :class:`Criterion`,
  :class:`Verdict` and the criterion builders;
* :mod:`~sfutils.claims.registry`: every claim, its paper values read from :mod:`sfutils.paper`;
* :mod:`~sfutils.claims.measure`: one measuring function per kind of statistic;
* :mod:`~sfutils.claims.judge`: the interval rule that gives the verdict;
* :mod:`~sfutils.claims.summary`: the verdicts in plain words, the short tables and each claim's details;
* :mod:`~sfutils.claims.forest`: the forest plot of every claim judged against a number;
* :mod:`~sfutils.claims.report`: ``report.md``, ``verdicts.csv``, ``figures/README.md`` and the
  README's results block.

``python -m sfutils.claims --profile P`` writes ``figures/P/report.md``,
``figures/P/tables/verdicts.csv``, ``figures/P/verdicts.png`` (and ``.pdf``) and, for the headline
profile, ``figures/README.md`` and the README's results block.
"""

from __future__ import annotations

from sfutils.claims.judge import RULES, judge, measure
from sfutils.claims.measure import Estimate, NotRun, Tables
from sfutils.claims import power
from sfutils.claims.model import (BASELINE_AS_PAPER, BASELINE_DIFFERS, BASELINE_UNSETTLED, BEYOND_FAILS, BEYOND_HOLDS,
                                  BEYOND_UNSETTLED, CONTEXT, FAILS, FAILS_STAND_IN, HOLDS, HOLDS_STAND_IN, ILLUSTRATION,
                                  INCONCLUSIVE, KINDS, LOW_POWER, MAGNITUDE_AS_PAPER, MAGNITUDE_DIFFERS,
                                  MAGNITUDE_FACTOR, MAGNITUDE_UNSETTLED, MIN_N, MIN_POWER, NOT_RUN, PIXELS, ROLES,
                                  VERDICTS, Claim, Criterion, Measurement, Verdict, at_least, at_most, band,
                                  fooling_near, on_pixel_grid, within_factor)
from sfutils.claims.registry import CLAIMS
from sfutils.claims.report import (compute_markdown, counts, official_agreement_line, ours_text, render_report,
                                   readme_results, render_verdicts, runs_markdown, update_readme, verdict_rows, verdicts,
                                   write_front_readme, write_report)

__all__ = ["BASELINE_AS_PAPER", "BASELINE_DIFFERS", "BASELINE_UNSETTLED", "BEYOND_FAILS", "BEYOND_HOLDS",
           "BEYOND_UNSETTLED", "CONTEXT", "FAILS_STAND_IN", "LOW_POWER", "MAGNITUDE_AS_PAPER", "MAGNITUDE_DIFFERS",
           "MAGNITUDE_FACTOR", "MAGNITUDE_UNSETTLED", "MIN_POWER", "ROLES", "power", "CLAIMS", "FAILS", "HOLDS", "HOLDS_STAND_IN", "ILLUSTRATION", "INCONCLUSIVE", "KINDS", "MIN_N", "NOT_RUN",
           "PIXELS", "RULES", "VERDICTS", "Claim", "Criterion", "Estimate", "Measurement", "NotRun", "Tables",
           "Verdict", "at_least", "at_most", "band", "compute_markdown", "counts", "fooling_near", "judge", "measure",
           "official_agreement_line", "on_pixel_grid", "ours_text", "readme_results", "render_report", "render_verdicts",
           "runs_markdown", "verdict_rows", "update_readme", "verdicts", "within_factor", "write_front_readme", "write_report"]
