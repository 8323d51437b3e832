"""Measuring a claim on one run's tables: one function per :class:`~sfutils.claims.model.Measurement`
kind, each returning an :class:`Estimate` (value, 95 % interval or p-value, n) for
:func:`sfutils.claims.judge.judge`.

Intervals (each :class:`Estimate` names its own in ``coverage``): a rate gets the Wilson interval
(:func:`sfutils.stats.rate_interval`); a median or mean the seeded bootstrap interval the
experiment wrote beside it (columns :func:`sfutils.stats.ci_columns`), paired where the
experiment paired it and resampling whole images where trials share them (the measurement's
``interval`` names it); a ratio of two such estimates the conservative interval of
:func:`sfutils.stats.ratio_bounds` (≥ 90 % coverage, not 95 %); a difference of two rates on the
same images Newcombe's paired interval at the least favourable pairing
(:func:`sfutils.stats.paired_rate_difference`); a trend Kendall's rank test. Wall times are judged only from the interleaved, repeated benchmark table
(``01_speed_bench``), never from a full run's per-chunk batch times, which vary several-fold with
the load of a shared machine.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sfutils import stats
from sfutils.claims.model import MIN_N, Measurement, Rows


class NotRun(Exception):
    """The table or the row a claim needs is not in this run's outputs."""


@dataclass
class Estimate:
    """What a measuring function found: ``value`` with its interval ``lo``-``hi`` (or trend p-value
    ``p``) over ``n`` images, and the ``row`` that names our model."""

    value: float | None
    n: int
    lo: float | None = None
    hi: float | None = None
    p: float | None = None
    row: pd.Series | None = None
    detail: dict[str, float] = field(default_factory=dict)
    unfinished: tuple[tuple[int, int], ...] = ()  # (n, planned) of each row read whose run is not finished
    coverage: str = ""  # the interval's kind and the coverage it has
    rows: tuple[pd.Series, ...] = ()  # every row read where several were: a ratio's two, a mean's or a spread's


class Tables:
    """The tables (``<root>/tables/*.csv``) and figures (``<root>/*.png``) of one run's output folder."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._cache: dict[str, pd.DataFrame] = {}

    def read(self, name: str) -> pd.DataFrame:
        if name not in self._cache:
            path = self.root / "tables" / f"{name}.csv"
            if not path.is_file():
                raise NotRun(f"{name} was not written in this run")
            self._cache[name] = pd.read_csv(path)
        return self._cache[name]

    def select(self, name: str, rows: Rows) -> pd.DataFrame:
        sel = self.read(name)
        for col, value in rows:
            if col not in sel.columns:
                raise NotRun(f"table {name} has no column {col!r}")
            sel = sel[sel[col].astype(str) == value]
        if sel.empty:
            raise NotRun(f"no row {', '.join(f'{c} = {v}' for c, v in rows)} in {name}")
        return sel

    def one(self, name: str, rows: Rows) -> pd.Series:
        sel = self.select(name, rows)
        if len(sel) != 1:
            raise ValueError(f"{name}: the claim's row filter matches {len(sel)} rows, not one")
        return sel.iloc[0]

    def has_figure(self, figure: str) -> bool:
        return any((self.root / f"{figure}.{ext}").is_file() for ext in ("png", "pdf"))


def num(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def interval(row: pd.Series, column: str) -> tuple[float, float] | None:
    """The (lo, hi) interval of ``column`` in ``row`` (columns :func:`sfutils.stats.ci_columns`, or
    ``<column>_lo``/``_hi`` as :func:`sfutils.experiments.common.summarize` names them), if written."""
    for lo_col, hi_col in (stats.ci_columns(column), (f"{column}_lo", f"{column}_hi")):
        if lo_col in row.index and hi_col in row.index:
            lo, hi = num(row[lo_col]), num(row[hi_col])
            if not (math.isnan(lo) or math.isnan(hi)):
                return lo, hi
    return None


def _rate(m: Measurement, t: Tables) -> Estimate:
    row = t.one(m.table or "", m.rows)
    n, value = int(row[m.n_column]), num(row[m.columns[0]])
    lo, hi = stats.rate_interval(value, n) if not math.isnan(value) else (None, None)
    return Estimate(value, n, lo, hi, row=row, coverage="Wilson 95 %")


DEGENERATE = ("seeded bootstrap 95 % (percentile), a single value: the median is a whole-pixel count and the "
              "ranks around it share that count, so every resample gives it (a distribution-free order-statistic "
              "interval, ≥ 95 % for a discrete median, is the same single count)")


def _estimate(m: Measurement, t: Tables) -> Estimate:
    row = t.one(m.table or "", m.rows)
    n, value = int(row[m.n_column]), num(row[m.columns[0]])
    lo, hi = interval(row, m.columns[0]) or (None, None)
    detail = {}
    for column in m.columns[1:]:  # e.g. the median with failures counted as ∞, or a rate shown beside a drop
        if column in row.index:
            detail[column] = num(row[column])
    coverage = DEGENERATE if lo is not None and lo == hi and m.unit == "%" else "seeded bootstrap 95 % (percentile)"
    return Estimate(value, n, lo, hi, row=row, detail=detail, coverage=coverage)


def _ratio(m: Measurement, t: Tables) -> Estimate:
    top, bottom = t.one(m.table or "", m.rows), t.one(m.denominator_table or m.table or "", m.denominator_rows)
    a, b = num(top[m.columns[0]]), num(bottom[m.columns[1]])
    ia, ib = interval(top, m.columns[0]), interval(bottom, m.columns[1])
    lo, hi = stats.ratio_bounds(ia, ib) if ia and ib else (None, None)
    n = min(int(top[m.n_column]), int(bottom[m.n_column]))
    return Estimate(a / b if b > 0 else math.nan, n, lo, hi, row=top, rows=(top, bottom),
                    coverage="two marginal 95 % intervals combined: ≥ 90 % coverage (conservative)")


def _min_rate(m: Measurement, t: Tables) -> Estimate:
    sel = t.select(m.table or "", m.rows)
    bounds = [(stats.rate_interval(num(r[m.columns[0]]), int(r[m.n_column])), r) for _, r in sel.iterrows()
              if not math.isnan(num(r[m.columns[0]]))]
    if not bounds:
        return Estimate(math.nan, int(sel[m.n_column].min()), row=sel.iloc[0])
    (lo, hi), row = min(bounds, key=lambda b: b[0][0])
    return Estimate(num(row[m.columns[0]]), int(row[m.n_column]), lo, hi, row=row,
                    coverage="Wilson 95 % of the lowest rate (each row's own)")


def _sweep_progress(sel: pd.DataFrame, m: Measurement) -> None:
    """Raise :class:`NotRun` when a setting of the sweep has fewer than :data:`MIN_N` images
    (a sweep still being computed): a trend over some settings only is not the sweep's."""
    setting, ns = m.columns[0], sel[m.n_column].fillna(0).astype(int)
    planned = int(sel[stats.N_PLANNED].max()) if stats.N_PLANNED in sel.columns else int(ns.max())
    if len(sel) >= 2 and (ns >= MIN_N).all():
        return
    name = SYMBOLS.get(setting, setting)
    done = [f"{name} = {num(v):g} at {k} of {planned} images" for v, k in zip(sel[setting], ns) if k > 0]
    idle = [f"{num(v):g}" for v, k in zip(sel[setting], ns) if k == 0]
    raise NotRun("not run yet: the sweep is in progress (" + "; ".join(
        done + ([f"{name} = {', '.join(idle)} not started"] if idle else [])) + ")")


SYMBOLS = {"lam": "λ", "delta": "δ"}  # a sweep's column as the paper writes it


def _trend(m: Measurement, t: Tables) -> Estimate:
    sel = t.select(m.table or "", m.rows)
    _sweep_progress(sel, m)
    tr = stats.trend(sel[m.columns[0]].astype(float), sel[m.columns[1]].astype(float))
    return Estimate(tr.tau, int(sel[m.n_column].min()), p=tr.p, row=sel.iloc[0], detail={"points": tr.points})


def _gap(m: Measurement, t: Tables) -> Estimate:
    """Every row's interval of the difference must clear the criterion: lo/hi are the extremes."""
    sel = t.select(m.table or "", m.rows)
    value = float((sel[m.columns[0]] - sel[m.columns[1]]).mean())
    lo_col, hi_col = stats.ci_columns(f"{m.columns[0]} - {m.columns[1]}")
    lo, hi = (float(sel[lo_col].min()), float(sel[hi_col].max())) if {lo_col, hi_col} <= set(sel.columns) \
        else (None, None)
    return Estimate(value, int(sel[m.n_column].min()), lo, hi, row=sel.iloc[0],
                    coverage="each row's 95 % interval of the difference; the extremes over the rows")


def _rate_gap(m: Measurement, t: Tables) -> Estimate:
    """Rate columns[0] minus rate columns[1] of one row, both over its n images (the same images):
    the per-image paired interval where the row has one (columns "<a> - <b>" with their bounds and
    a "McNemar p (gap > 0)"), else Newcombe's paired interval at the least favourable pairing the two
    counts allow."""
    row = t.one(m.table or "", m.rows)
    n, rates = int(row[m.n_column]), [num(row[c]) for c in m.columns[:2]]
    if any(math.isnan(r) for r in rates):
        return Estimate(math.nan, n, row=row)
    gap = f"{m.columns[0]} - {m.columns[1]}"
    lo_col, hi_col = stats.ci_columns(gap)
    if {gap, lo_col, hi_col} <= set(row.index) and not math.isnan(num(row[lo_col])):
        return Estimate(num(row[gap]), n, num(row[lo_col]), num(row[hi_col]), row=row,
                        detail={"McNemar one-sided p": num(row.get("McNemar p (gap > 0)", math.nan)),
                                m.columns[1]: rates[1]},
                        coverage="Newcombe's paired 95 % interval on the images' own pairing (SparseFool and the "
                                 "baseline on each image)")
    k1, k2 = (int(round(r / 100.0 * n)) for r in rates)
    d = stats.paired_rate_difference(k1, k2, n)
    return Estimate(100.0 * d.difference, n, 100.0 * d.lo, 100.0 * d.hi, row=row,
                    detail={"McNemar one-sided p (worst case)": d.p_greater, m.columns[1]: rates[1]},
                    coverage="Newcombe's paired 95 % interval, worst case over the pairings the counts allow (≥ 95 %)")


def _pvalue(m: Measurement, t: Tables) -> Estimate:
    """A test the experiment ran on per-image data: columns[0] its statistic, columns[1] its p-value."""
    row = t.one(m.table or "", m.rows)
    return Estimate(num(row[m.columns[0]]), int(row[m.n_column]), p=num(row[m.columns[1]]), row=row,
                    coverage="the test's p-value")


def _mean_estimate(m: Measurement, t: Tables) -> Estimate:
    """The mean of the rows' estimates; its interval the mean of their bounds (conservative)."""
    sel = t.select(m.table or "", m.rows)
    bounds = [interval(r, m.columns[0]) for _, r in sel.iterrows()]
    value = float(sel[m.columns[0]].astype(float).mean())
    lo, hi = (sum(b[0] for b in bounds) / len(bounds), sum(b[1] for b in bounds) / len(bounds)) \
        if all(bounds) else (None, None)
    return Estimate(value, int(sel[m.n_column].min()), lo, hi, row=None, detail={"rows": len(sel)},
                    rows=tuple(r for _, r in sel.iterrows()),
                    coverage="the mean of the rows' 95 % bounds (conservative: ≥ 95 %)")


def _spread(m: Measurement, t: Tables) -> Estimate:
    """Largest over smallest estimate among the rows, with the conservative ratio interval."""
    rows = t.select(m.table or "", m.rows)
    sel = rows[rows[m.columns[0]].astype(float).notna()].reset_index(drop=True)  # a net that fooled nothing
    if len(sel) < 2:
        return Estimate(math.nan, int(rows[m.n_column].min()))
    values = sel[m.columns[0]].astype(float)
    top, bottom = sel.iloc[int(values.idxmax())], sel.iloc[int(values.idxmin())]
    ia, ib = interval(top, m.columns[0]), interval(bottom, m.columns[0])
    lo, hi = stats.ratio_bounds(ia, ib) if ia and ib else (None, None)
    if lo is not None:  # largest over smallest is ≥ 1 by construction: the bound below 1 is cut there
        lo = max(lo, 1.0)
    return Estimate(float(values.max() / values.min()), int(sel[m.n_column].min()), lo, hi, row=None,
                    rows=tuple(r for _, r in sel.iterrows()),
                    coverage="two marginal 95 % intervals combined, the lower end cut at 1 (a largest over a "
                             "smallest cannot be below 1): ≥ 90 % coverage (conservative)")


MEASURES: dict[str, Callable[[Measurement, Tables], Estimate]] = {
    "rate": _rate, "estimate": _estimate, "ratio": _ratio, "min_rate": _min_rate, "trend": _trend, "gap": _gap,
    "rate_gap": _rate_gap, "paired_drop": _rate_gap, "pvalue": _pvalue, "mean_estimate": _mean_estimate, "spread": _spread,
}


def estimate(m: Measurement, tables: Tables) -> Estimate:
    """The estimate of ``m`` on ``tables`` (raises :class:`NotRun` when its table, a column it needs
    or its row is missing; an estimate's second column, the median with failures, is optional)."""
    needed = m.columns[:1] if m.kind == "estimate" else m.columns
    if m.table:
        have = tables.read(m.table).columns
        if any(c not in have for c in m.requires):
            raise NotRun(m.reason or f"table {m.table} lacks {', '.join(c for c in m.requires if c not in have)}")
        missing = [c for c in needed if c not in have]
        if missing:
            raise NotRun(f"table {m.table} has no column {missing[0]!r} (re-run notebook {m.notebook} to write it)")
    est = MEASURES[m.kind](m, tables)
    for label, table, rows, column in m.beside:
        try:
            est.detail[label] = num(tables.one(table, rows)[column])
        except NotRun:
            continue
    est.unfinished = _unfinished(m, tables)
    if m.interval:
        est.coverage = m.interval
    return est


def _unfinished(m: Measurement, tables: Tables) -> tuple[tuple[int, int], ...]:
    """(n, planned) of every row ``m`` reads (its ``rows`` and ``denominator_rows``) whose n is below
    the table's :data:`sfutils.stats.N_PLANNED`: a run still being computed, judged on the images stored so far."""
    found = []
    for table, rows in ((m.table, m.rows), (m.denominator_table or m.table, m.denominator_rows)):
        if not table or not rows or stats.N_PLANNED not in tables.read(table).columns:
            continue
        for _, r in tables.select(table, rows).iterrows():
            n, planned = num(r[m.n_column]), num(r[stats.N_PLANNED])
            if not math.isnan(planned) and n < planned:
                found.append((int(n), int(planned)))
    return tuple(dict.fromkeys(found))
