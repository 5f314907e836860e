"""Complaint root-cause analysis: what customers complain about, where it got worse, why, what to fix first.

Pure functions over the contract's ``tickets`` table (tidy frames in, tidy frames or small
result objects with a ``.summary`` frame out; nothing here draws or reads files):

- :func:`pareto`, :func:`pareto_within`, :func:`category_share_table` — Pareto of complaints;
- :func:`weekly_counts`, :func:`detect_spikes`, :func:`spike_drivers` — weekly volume and spikes
  against a seasonal (STL) or robust rolling-median baseline, with what drives each spike;
- :func:`contingency_test`, :func:`concentration` — chi-square with adjusted standardised
  residuals and Cramér's V;
- :func:`outcome_frame`, :func:`fit_outcome_model`, :func:`outcome_drivers` — logistic
  regressions (odds ratios) of repeat complaint, not resolved at first contact, escalation;
- :func:`resolution_performance` — time to resolve, SLA share, FCR and reopen rates per category;
- :func:`tokenize`, :func:`weighted_log_odds`, :func:`distinctive_terms`, :func:`example_complaints`
  — the words most distinctive of a group (Monroe, Colaresi & Quinn 2008);
- :func:`period_changes`, :func:`root_cause_table` — what changed, and the ranked table of findings.
"""
from __future__ import annotations

import functools
import logging
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import pandas as pd
import scipy.stats as st

from csm.compat import STR
from csm.data.contract import COMPLAINT_CATEGORIES
from csm.errors import AnalysisError, DataError, ParameterError
from csm.stats import adjust_pvalues, median_interval, rate_ratio_test, single_threaded_blas, wilson_interval
from csm.text import mask_pii

#: Outcomes modelled by :func:`outcome_drivers` (codes used in results and labels).
OUTCOMES = ("repeat_complaint", "not_resolved_first_contact", "escalated")
#: Default covariates of the outcome models (``tenure_band`` is derived from ``agent_tenure_months``).
MODEL_COVARIATES = ("category", "channel", "region", "priority", "tenure_band")
#: Dimensions characterising a spike (its drivers) and tested for concentration.
DRIVER_DIMENSIONS = ("region", "category", "sub_reason", "carrier", "product", "channel", "priority")
#: Tenure bands (months): code -> [low, high).
TENURE_BANDS = {"tenure_lt6": (0, 6), "tenure_6_24": (6, 24), "tenure_24_60": (24, 60), "tenure_60plus": (60, np.inf)}
#: Level that rare levels are merged into.
OTHER_LEVELS = "other_levels"


# --------------------------------------------------------------------------- input checks
def _require(tickets: pd.DataFrame, columns, what: str) -> None:
    if not isinstance(tickets, pd.DataFrame):
        raise ParameterError(f"{what}: expected the tickets DataFrame, got {type(tickets).__name__}.")
    missing = [c for c in columns if c not in tickets.columns]
    if missing:
        raise DataError(f"{what}: table tickets has no column(s) {', '.join(repr(c) for c in missing)}; "
                        f"its columns are {', '.join(map(repr, tickets.columns))}. Map the column(s) in the "
                        "mapping file or leave this analysis out.")


def _nonempty(tickets: pd.DataFrame, column: str, what: str) -> pd.Series:
    """The column's values, refusing a column that is empty in every row."""
    _require(tickets, [column], what)
    values = tickets[column]
    if len(values) and values.isna().all():
        raise DataError(f"{what}: column tickets.{column} is empty in all {len(values):,} rows; "
                        f"fill it in the export (or map another column to '{column}'), or leave '{column}' "
                        "out of the dimensions parameter.")
    return values


def tickets_in(tickets: pd.DataFrame, start, end, *, what: str = "complaints") -> pd.DataFrame:
    """Tickets created in ``[start, end)``; :class:`AnalysisError` when there are none."""
    _require(tickets, ["created_at"], what)
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    inside = tickets[(tickets["created_at"] >= start) & (tickets["created_at"] < end)]
    if inside.empty:
        lo, hi = tickets["created_at"].min(), tickets["created_at"].max()
        cover = f"the tickets cover {lo:%Y-%m-%d} to {hi:%Y-%m-%d}" if pd.notna(lo) else "the tickets table is empty"
        raise AnalysisError(f"{what}: no tickets created from {start:%Y-%m-%d} to "
                            f"{end - pd.Timedelta(days=1):%Y-%m-%d}; {cover}. Choose a period inside the data "
                            "(parameter period) or check the export.")
    return inside


def has_values(tickets: pd.DataFrame, column: str) -> bool:
    """True when ``column`` exists in ``tickets`` with at least one value."""
    return column in tickets and bool(tickets[column].notna().any())


def has_customer_key(tickets: pd.DataFrame) -> bool:
    """True when ``customer_id`` links tickets of one customer: some customer has two or more tickets.
    An export without a customer key (the CFPB database: the complaint id doubles as customer id) has
    every id once, so repeat complaints cannot be assessed (rather than reported as 0%)."""
    return has_values(tickets, "customer_id") and bool(tickets["customer_id"].dropna().duplicated().any())


#: Optional report sections and the column each needs (``needs`` as ``table.column``).
SECTION_NEEDS = {
    "sub_reasons": "tickets.sub_reason",
    "spikes_region": "tickets.region",
    "spike_terms": "tickets.description",
    "words": "tickets.description",
    "resolution": "tickets.resolved_at",
    "outcome_repeat_complaint": "tickets.customer_id",
    "outcome_not_resolved_first_contact": "tickets.first_contact_resolved",
    "outcome_escalated": "tickets.escalated",
}
#: Covariates of the outcome models derived from another column.
COVARIATE_SOURCE = {"tenure_band": "agent_tenure_months"}


def skipped_sections(tickets: pd.DataFrame, *, dimensions=(), covariates=()) -> list[dict]:
    """The optional sections of the complaint report that the data cannot fill, each with the column
    that would enable it: ``[{"section": "resolution", "needs": "tickets.resolved_at"}, …]`` (empty when
    nothing is missing). Concentration dimensions and model factors appear as
    ``concentration_<dimension>`` and ``factor_<covariate>``; the repeat-complaint model needs a
    customer key (:func:`has_customer_key`)."""
    out = []
    for section, needs in SECTION_NEEDS.items():
        column = needs.split(".", 1)[1]
        ok = has_customer_key(tickets) if section == "outcome_repeat_complaint" else has_values(tickets, column)
        if not ok:
            out.append({"section": section, "needs": needs})
    for dim in dimensions:
        if not has_values(tickets, dim):
            out.append({"section": f"concentration_{dim}", "needs": f"tickets.{dim}"})
    for cov in covariates:
        source = COVARIATE_SOURCE.get(cov, cov)
        if not has_values(tickets, source):
            out.append({"section": f"factor_{cov}", "needs": f"tickets.{source}"})
    return out


# --------------------------------------------------------------------------- Pareto
def pareto(tickets: pd.DataFrame, by: str = "category", *, vital_share: float = 0.8) -> pd.DataFrame:
    """Pareto table: count, share, cumulative share per level of ``by``, largest first.

    ``vital_few`` marks the levels that together make up ``vital_share`` (80%) of complaints:
    all levels up to and including the one whose cumulative share first reaches it.
    Rows with ``by`` missing are left out (see ``attrs['missing']``).
    """
    if not 0 < vital_share <= 1:
        raise ParameterError(f"vital_share must lie in (0, 1], got {vital_share!r}")
    values = _nonempty(tickets, by, "pareto")
    if values.dropna().empty:
        raise AnalysisError(f"pareto: no tickets to count by {by} (the table has no rows).")
    counts = values.value_counts(dropna=True)
    counts = counts.sort_values(ascending=False, kind="stable")
    counts = counts.iloc[np.lexsort((counts.index.astype(str), -counts.to_numpy()))]  # ties by name
    out = pd.DataFrame({by: counts.index.astype(str), "count": counts.to_numpy().astype(int)})
    total = out["count"].sum()
    out["share"] = out["count"] / total
    out["cumulative_share"] = out["share"].cumsum()
    before = out["cumulative_share"] - out["share"]
    out["vital_few"] = before < vital_share - 1e-12
    out.attrs["missing"] = int(values.isna().sum())
    return out.reset_index(drop=True)


def pareto_within(tickets: pd.DataFrame, parent: str = "category", child: str = "sub_reason", *,
                  parents=None, top: int = 3, vital_share: float = 0.8) -> pd.DataFrame:
    """Pareto of ``child`` inside each of the ``top`` largest ``parent`` levels (or the given ``parents``).

    Columns: parent, child, count, share (within the parent), cumulative_share, share_of_all, vital_few.
    """
    _nonempty(tickets, parent, "pareto_within")
    _nonempty(tickets, child, "pareto_within")
    if parents is None:
        parents = pareto(tickets, parent)[parent].head(top).tolist()
    total = int(tickets[parent].notna().sum())
    parts = []
    for level in parents:
        sub = tickets[tickets[parent] == level]
        if sub[child].notna().sum() == 0:
            continue
        p = pareto(sub, child, vital_share=vital_share)
        p.insert(0, parent, level)
        p["share_of_all"] = p["count"] / total
        parts.append(p)
    if not parts:
        raise AnalysisError(f"pareto_within: no {child} values in the top {parent} levels {list(parents)}.")
    return pd.concat(parts, ignore_index=True)


def category_share_table(pareto_table: pd.DataFrame, by: str = "category") -> pd.DataFrame:
    """The seed documents' table form: type (code), label_en, label_zh, count, share."""
    labels = {code: v for code, v in COMPLAINT_CATEGORIES.items()}
    return pd.DataFrame({
        "type": pareto_table[by],
        "label_en": [labels.get(c, {}).get("en", c) for c in pareto_table[by]],
        "label_zh": [labels.get(c, {}).get("zh", c) for c in pareto_table[by]],
        "count": pareto_table["count"],
        "share": pareto_table["share"],
    })


# --------------------------------------------------------------------------- weekly series and spikes
def _week_start(times: pd.Series) -> pd.Series:
    day = times.dt.normalize()
    return day - pd.to_timedelta(day.dt.day_of_week, unit="D")


def weekly_counts(tickets: pd.DataFrame, by=(), *, start=None, end=None) -> pd.DataFrame:
    """Complaints per Monday–Sunday week and group, zero-filled, complete weeks only.

    A week is kept when it lies fully inside ``[start, end)`` (default: the first and last
    ticket's days), so a partial first or last week does not look like a dip.
    Columns: week (the Monday), the ``by`` columns, count.
    """
    by = [by] if isinstance(by, str) else list(by)
    _require(tickets, ["created_at", *by], "weekly_counts")
    for col in by:
        _nonempty(tickets, col, "weekly_counts")
    if tickets.empty:
        raise AnalysisError("weekly_counts: the tickets table has no rows.")
    start = pd.Timestamp(start) if start is not None else tickets["created_at"].min().normalize()
    end = pd.Timestamp(end) if end is not None else tickets["created_at"].max().normalize() + pd.Timedelta(days=1)
    first = start + pd.Timedelta(days=(7 - start.day_of_week) % 7)
    weeks = pd.date_range(first, end - pd.Timedelta(days=7), freq="7D")
    if len(weeks) == 0:
        raise AnalysisError(f"weekly_counts: no complete Monday–Sunday week between {start:%Y-%m-%d} and "
                            f"{end - pd.Timedelta(days=1):%Y-%m-%d}.")
    sel = tickets[(tickets["created_at"] >= weeks[0]) & (tickets["created_at"] < weeks[-1] + pd.Timedelta(days=7))]
    sel = sel.dropna(subset=by) if by else sel
    keys = [_week_start(sel["created_at"]).rename("week")] + [sel[c] for c in by]
    counts = sel.groupby(keys, observed=True).size()
    if by:
        levels = [sorted(sel[c].unique().tolist()) for c in by]
        full = pd.MultiIndex.from_product([weeks, *levels], names=["week", *by])
    else:
        full = pd.Index(weeks, name="week")
    out = counts.reindex(full, fill_value=0).rename("count").reset_index()
    out["count"] = out["count"].astype(int)
    return out.sort_values([*by, "week"], kind="stable").reset_index(drop=True)


def _mad_scale(resid: np.ndarray) -> float:
    r = resid[np.isfinite(resid)]
    if r.size == 0:
        return np.nan
    return float(1.4826 * np.median(np.abs(r - np.median(r))))


def _baseline(y: np.ndarray, season_length: int, min_cycles: float, window: int) -> tuple[np.ndarray, str]:
    """Expected weekly counts: STL (robust) trend + seasonal with enough history, else a rolling median."""
    method = "rolling_median"
    seasonal = np.zeros(y.size)
    if season_length >= 2 and y.size >= min_cycles * season_length:
        from statsmodels.tsa.seasonal import STL

        # first pass without season: replace clear outliers by their rolling median, so that a spike in one
        # year is not taken for a seasonal pattern (with two or three cycles STL alone would absorb it)
        first = _leave_one_out_median(y, window)
        root = np.sqrt(y + 0.375) - np.sqrt(np.maximum(first, 0) + 0.375)
        outlier = np.abs(root) > 4 * max(_mad_scale(root), 0.5)
        clean = np.where(outlier, first, y).astype(float)
        fit = STL(clean, period=season_length).fit()  # outliers already replaced: no robust iterations
        # the seasonal profile, smoothed over neighbouring weeks so it does not follow one year's noise
        seasonal = pd.Series(fit.seasonal).rolling(5, center=True, min_periods=1).mean().to_numpy()
        method = "stl"
    return np.clip(_leave_one_out_median(y - seasonal, window) + seasonal, 0, None), method


def _leave_one_out_median(y: np.ndarray, window: int) -> np.ndarray:
    """Centred rolling median of ``window`` weeks that leaves the week itself out (so a spike week does not
    pull its own baseline up and ordinary weeks do not get an optimistic residual)."""
    half = window // 2
    padded = np.concatenate([np.full(half, np.nan), y.astype(float), np.full(half, np.nan)])
    view = np.lib.stride_tricks.sliding_window_view(padded, window).copy()
    view[:, half] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows cannot occur for y.size > 1
        return np.nanmedian(view, axis=1)


@dataclass
class SpikeResult:
    """Spikes found by :func:`detect_spikes`.

    ``summary``: one row per spike (consecutive flagged weeks of one series): the group columns,
    start (Monday), end (Sunday), weeks, observed, expected, excess, ratio, max_score, p_value
    (Bonferroni-adjusted, smallest week), method. ``scores``: every week of every series with
    baseline, residual, score, flagged. ``method``: per series. ``notes``: plain sentences.
    """

    summary: pd.DataFrame
    scores: pd.DataFrame
    by: list[str]
    n_tests: int
    threshold: float
    notes: list[str] = field(default_factory=list)
    #: False when the series are too short to test (``weeks`` < ``min_weeks``): nothing was searched, so the
    #: empty summary means "not tested", never "no spike".
    tested: bool = True
    weeks: int = 0
    min_weeks: int = 0

    def __repr__(self) -> str:
        if not self.tested:
            return f"SpikeResult(not tested: {self.weeks} complete weeks, at least {self.min_weeks} needed)"
        return f"SpikeResult({len(self.summary)} spike(s) in {self.n_tests} weekly tests, threshold z > {self.threshold:.2f})"


#: Weeks of history beyond the rolling-median window that a spike search needs (see :func:`min_history_weeks`).
MIN_HISTORY_EXTRA_WEEKS = 4


def min_history_weeks(window: int = 13) -> int:
    """Complete weeks a spike search needs: the rolling-median window plus
    :data:`MIN_HISTORY_EXTRA_WEEKS` (13 + 4 = 17 weeks, about four months, by default).

    Why: a week's baseline is the median of the other weeks of its window (12 neighbours). With a
    shorter series the window is cut by the data's ends and a surge of a few weeks becomes a large part
    of every window, so the baseline rises with the surge and hides it (two months of data with
    complaints doubling in the second month showed "no spike"). With at least 17 weeks every window
    holds its 12 neighbours for the middle weeks, a surge of up to 4 weeks stays a third of them at most,
    so the median stays at the usual level, and the MAD scale rests on a dozen or more ordinary weeks.
    """
    return int(window) + MIN_HISTORY_EXTRA_WEEKS


def detect_spikes(weekly: pd.DataFrame, by=(), *, season_length: int = 52, min_cycles: float = 2.0,
                  window: int = 13, alpha: float = 0.05, min_ratio: float = 1.2, min_excess: float = 10.0,
                  n_tests: int | None = None, min_weeks: int | None = None) -> SpikeResult:
    """Weeks whose complaints exceed the expected level by more than chance allows.

    Baseline per series: with at least ``min_cycles`` seasons of weekly data (2 × 52 weeks), the
    seasonal part of an STL decomposition of the series with its clear outliers (|z| > 4 against
    a rolling median) replaced (Cleveland et al. 1990, ``statsmodels`` STL; smoothed
    over 5 neighbouring weeks) plus a centred rolling median of ``window`` deseasonalised weeks; with
    a shorter history, the rolling median of the counts alone (seasonality then not separated; stated
    in ``notes``). The median leaves the week itself out. Robust score on the variance-stabilising square-root scale
    (Anscombe 1948): ``z = (√(y+⅜) − √(baseline+⅜)) / s`` with ``s = max(1.4826·MAD, ½)`` (MAD of the
    series' root residuals, floored by the Poisson value ½), so the skew of small counts does not
    inflate false alarms and over-dispersion widens the scale. A week is flagged when ``z`` exceeds the Bonferroni threshold
    ``Φ⁻¹(1 − alpha / n_tests)`` over every week of every series tested (family-wise false-alarm
    rate ≤ ``alpha``), and the week is also practically larger: ``y ≥ min_ratio × baseline`` and
    ``y − baseline ≥ min_excess``. Consecutive flagged weeks form one spike.

    A series shorter than ``min_weeks`` complete weeks (default :func:`min_history_weeks`: the window
    plus 4) is not tested: the result has ``tested=False`` and an empty summary.
    """
    by = [by] if isinstance(by, str) else list(by)
    _require(weekly, ["week", "count", *by], "detect_spikes")
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must lie in (0, 1), got {alpha!r}")
    groups = list(weekly.groupby(by, sort=True, observed=True)) if by else [((), weekly)]
    n_tests = int(n_tests or len(weekly))
    threshold = float(st.norm.isf(alpha / max(n_tests, 1)))
    min_weeks = int(min_weeks if min_weeks is not None else min_history_weeks(window))
    n_weeks = int(weekly["week"].nunique()) if len(weekly) else 0
    cols = [*by, "start", "end", "weeks", "observed", "expected", "excess", "ratio", "max_score", "p_value", "method"]
    if n_weeks < min_weeks:
        scores = weekly.assign(baseline=np.nan, residual=np.nan, score=np.nan, p_value=np.nan, flagged=False,
                               method="not_tested").iloc[:0]
        return SpikeResult(pd.DataFrame(columns=cols), scores, by, n_tests, threshold,
                           [f"not_tested:{n_weeks}:{min_weeks}"], tested=False, weeks=n_weeks, min_weeks=min_weeks)
    parts, methods = [], {}
    for key, g in groups:
        g = g.sort_values("week")
        y = g["count"].to_numpy(dtype=float)
        base, method = _baseline(y, season_length, min_cycles, window)
        resid = y - base
        # Anscombe square-root scale: Poisson counts get variance ≈ 1/4 whatever their level, so small and
        # large series share one threshold; MAD allows for over-dispersion
        root_resid = np.sqrt(y + 0.375) - np.sqrt(np.maximum(base, 0) + 0.375)
        score = root_resid / max(_mad_scale(root_resid), 0.5)
        flagged = (score > threshold) & (y >= min_ratio * base) & (resid >= min_excess)
        part = g.copy()
        part["baseline"], part["residual"], part["score"] = base, resid, score
        part["p_value"] = np.minimum(1.0, st.norm.sf(score) * n_tests)
        part["flagged"] = flagged
        part["method"] = method
        parts.append(part)
        methods[key] = method
    scores = pd.concat(parts, ignore_index=True) if parts else weekly.iloc[:0]
    rows = []
    for key, g in scores.groupby(by, sort=True, observed=True) if by else [((), scores)]:
        g = g.reset_index(drop=True)
        run_id = (g["flagged"] != g["flagged"].shift()).cumsum()
        for _, run in g[g["flagged"]].groupby(run_id[g["flagged"]]):
            key_t = key if isinstance(key, tuple) else (key,)
            obs, exp = float(run["count"].sum()), float(run["baseline"].sum())
            rows.append({**dict(zip(by, key_t)), "start": run["week"].iloc[0],
                         "end": run["week"].iloc[-1] + pd.Timedelta(days=6), "weeks": len(run),
                         "observed": obs, "expected": exp, "excess": obs - exp,
                         "ratio": obs / exp if exp > 0 else np.inf, "max_score": float(run["score"].max()),
                         "p_value": float(run["p_value"].min()), "method": run["method"].iloc[0]})
    summary = pd.DataFrame(rows, columns=cols)
    summary = summary.sort_values("excess", ascending=False, kind="stable").reset_index(drop=True)
    notes = []
    n_weeks = scores.groupby(by, observed=True).size().max() if by and len(scores) else len(scores)
    if any(m == "rolling_median" for m in methods.values()):
        notes.append(f"short_history:{int(n_weeks)}:{int(min_cycles * season_length)}:{window}")
    return SpikeResult(summary, scores, by, n_tests, threshold, notes, weeks=n_weeks, min_weeks=min_weeks)


#: Spike levels searched by default: all complaints together, each category, each region, each
#: category × region cell (a level is the tuple of columns that define its series; ``()`` = all complaints).
SPIKE_LEVELS = ((), ("category",), ("region",), ("category", "region"))
#: Name of the all-complaints level in results (``level`` column).
ALL_LEVEL = "all"


def level_name(columns) -> str:
    """``("category", "region")`` -> ``"category×region"``; ``()`` -> :data:`ALL_LEVEL`."""
    columns = [columns] if isinstance(columns, str) else list(columns)
    return "×".join(columns) or ALL_LEVEL


def level_columns(name: str) -> list[str]:
    """Inverse of :func:`level_name`."""
    return [] if name == ALL_LEVEL else name.split("×")


def find_spikes(tickets: pd.DataFrame, *, levels=SPIKE_LEVELS, lookback_start=None, end=None,
                **kwargs) -> SpikeResult:
    """Spikes in weekly complaint counts at several levels (default :data:`SPIKE_LEVELS`: all complaints,
    by category, by region, and by category × region), one Bonferroni family over all series and weeks
    (see :func:`detect_spikes`).

    The whole history serves as baseline; spikes ending before ``lookback_start`` are dropped. A level
    whose column is absent or empty is skipped (a sentence in ``notes``).
    The summary gets a ``level`` column (e.g. ``"category×region"``, ``"all"``) and missing group columns as NA.
    """
    series, skipped = [], []
    for lv in levels:
        lv = [lv] if isinstance(lv, str) else list(lv)
        unusable = [c for c in lv if c not in tickets or tickets[c].isna().all()]
        if unusable:
            skipped.append(f"spikes by {level_name(lv)} not searched: column tickets.{unusable[0]} is absent or empty")
            continue
        series.append((lv, weekly_counts(tickets, lv, end=end)))
    if not series:
        raise DataError("find_spikes: none of the levels " + ", ".join(level_name(lv) for lv in levels)
                        + " can be searched; " + "; ".join(skipped) + ". Fill the column(s) in the export or map them.")
    n_tests = sum(len(w) for _, w in series)
    results = [(lv, detect_spikes(w, lv, n_tests=n_tests, **kwargs)) for lv, w in series]
    all_cols = list(dict.fromkeys(c for lv, _ in results for c in lv))
    summaries, scores = [], []
    for lv, r in results:
        s = r.summary.copy()
        s.insert(0, "level", level_name(lv))
        sc = r.scores.copy()
        sc.insert(0, "level", level_name(lv))
        for c in all_cols:
            if c not in s:
                s[c] = pd.NA
                sc[c] = pd.NA
        summaries.append(s)
        scores.append(sc)
    summary = pd.concat([s for s in summaries if len(s)], ignore_index=True) if any(len(s) for s in summaries) \
        else summaries[0].iloc[:0]
    order = ["level", *all_cols] + [c for c in summary.columns if c not in ("level", *all_cols)]
    summary = summary[order]
    if lookback_start is not None and len(summary):
        summary = summary[summary["end"] >= pd.Timestamp(lookback_start)]
    summary = summary.sort_values(["excess"], ascending=False, kind="stable").reset_index(drop=True)
    score_frame = pd.concat(scores, ignore_index=True)
    first = results[0][1]
    return SpikeResult(summary, score_frame, all_cols, n_tests, first.threshold,
                       list(dict.fromkeys(n for _, r in results for n in r.notes)) + skipped,
                       tested=all(r.tested for _, r in results), weeks=first.weeks, min_weeks=first.min_weeks)


def spike_drivers(tickets: pd.DataFrame, spike: pd.Series, *, dimensions=DRIVER_DIMENSIONS,
                  reference_weeks: int = 8, min_share: float = 0.6, min_lift: float = 1.5) -> pd.DataFrame:
    """What makes up a spike's excess: per dimension, each level's excess over its usual weekly count.

    The spike's own slice (its category/region) is compared with the same slice in the
    ``reference_weeks`` before and after the spike: ``excess = observed − weeks × mean weekly
    count in the reference weeks``. ``share_of_excess`` = level excess / total excess of the slice;
    ``baseline_share`` = the level's share of the slice in the reference weeks. A level is a
    ``driver`` when it holds at least ``min_share`` of the excess and at least ``min_lift`` times its
    usual share (a level that is simply common, such as normal priority, is not a driver).
    Columns: dimension, level, observed, expected, excess, share_of_excess, baseline_share, driver.
    """
    mask = pd.Series(True, index=tickets.index)
    fixed = []
    for col in ("category", "region", "product", "carrier", "channel", "sub_reason", "priority"):
        if col in spike.index and pd.notna(spike[col]) and col in tickets:
            mask &= tickets[col] == spike[col]
            fixed.append(col)
    start, end = pd.Timestamp(spike["start"]), pd.Timestamp(spike["end"]) + pd.Timedelta(days=1)
    n_weeks = (end - start).days / 7
    ref_lo, ref_hi = start - pd.Timedelta(weeks=reference_weeks), end + pd.Timedelta(weeks=reference_weeks)
    t = tickets.loc[mask & (tickets["created_at"] >= ref_lo) & (tickets["created_at"] < ref_hi)]
    in_spike = (t["created_at"] >= start) & (t["created_at"] < end)
    data_lo = max(ref_lo, tickets["created_at"].min().normalize())
    data_hi = min(ref_hi, tickets["created_at"].max().normalize() + pd.Timedelta(days=1))
    ref_weeks = max(((start - data_lo).days + (data_hi - end).days) / 7, 1e-9)
    rows = []
    for dim in dimensions:
        if dim in fixed or dim not in t or t[dim].isna().all():
            continue
        obs = t.loc[in_spike, dim].value_counts()
        ref = t.loc[~in_spike, dim].value_counts()
        levels = obs.index.union(ref.index)
        obs, ref = obs.reindex(levels, fill_value=0), ref.reindex(levels, fill_value=0)
        expected = ref / ref_weeks * n_weeks
        excess = obs - expected
        total_excess = float(obs.sum() - expected.sum())
        frame = pd.DataFrame({"dimension": dim, "level": levels.astype(str), "observed": obs.to_numpy(float),
                              "expected": expected.to_numpy(float), "excess": excess.to_numpy(float)})
        frame["share_of_excess"] = frame["excess"] / total_excess if total_excess > 0 else np.nan
        frame["baseline_share"] = (ref / ref.sum()).to_numpy(float) if ref.sum() else np.nan
        frame["driver"] = ((frame["share_of_excess"] >= min_share)
                           & (frame["share_of_excess"] >= min_lift * frame["baseline_share"]))
        rows.append(frame.sort_values("excess", ascending=False, kind="stable"))
    cols = ["dimension", "level", "observed", "expected", "excess", "share_of_excess", "baseline_share", "driver"]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=cols)


#: A spike is explained by finer spikes holding at least this share of its excess ...
EXPLAIN_SHARE = 0.5
#: ... and at least this multiple of their usual share of its volume (else they are the spike itself, broken down).
EXPLAIN_LIFT = 1.5


def _series_key(row, columns) -> tuple:
    return tuple(row[c] for c in columns)


def spike_hierarchy(spikes: SpikeResult, *, explain_share: float = EXPLAIN_SHARE,
                    explain_lift: float = EXPLAIN_LIFT, breakdown_top: int = 5) -> pd.DataFrame:
    """Which spikes are findings, which are explained by finer spikes, which are part of a larger one.

    A spike's *finer spikes* at one finer level are the spikes of that level inside it (the
    category × region spikes of a category spike; the category, the region or the category × region
    spikes of an all-complaints spike) that overlap its weeks. The series of one level split the spike's
    complaints into disjoint parts, so their excesses add up. The spike is **explained** by its finer
    spikes at a level when both hold:

    - they account for most of its excess: their excess inside its weeks (``count − baseline`` over the
      weeks both are flagged) is at least ``explain_share`` (50%) of its excess; and
    - they are concentrated: that share is at least ``explain_lift`` (1.5) times their usual share of its
      volume (their baselines over its weeks / its baseline).

    Otherwise the spike is the finding and its finer spikes are its breakdown. With less than half,
    most of the extra complaints lie outside the finer spikes (a surge spread thin over many children,
    each too small to flag), so listing the children would hide the larger part. Without the
    concentration, the finer spikes are simply where complaints usually are (a rise across every
    category): one event, which the children only cut into pieces. An explained spike is not a finding
    (its explaining spikes are judged in turn; with several levels passing, the most concentrated one
    explains); a spike inside a finding, or inside a spike that is part of one, is ``part_of`` it.
    Levels are judged coarsest first.

    Returns, per row of ``spikes.summary`` (same index): ``finding`` (bool), ``explained_by`` (the
    explaining spikes, ``"logistics×east"``, several joined by ``" / "``), ``part_of`` (the finding
    it belongs to, same notation plus its first week, ``"all 2019-03-25"`` for all complaints), ``breakdown`` (the finer spikes
    inside it, ``"category=x:+724; region=y:+133"``, the ``breakdown_top`` largest of the finer level
    that holds most of its excess), ``explained_share`` (share of its excess held by the finer spikes of
    the explaining level, or else of the breakdown level) and ``explained_lift`` (that share / their usual
    share of its volume).
    """
    summary = spikes.summary
    cols = ["finding", "explained_by", "part_of", "breakdown", "explained_share", "explained_lift"]
    if summary.empty:
        return pd.DataFrame(columns=cols, index=summary.index)
    by = list(spikes.by)
    sc = spikes.scores
    # per series: weekly count/baseline/flagged indexed by week, for the excess inside a parent's weeks
    series = {}
    for lv, g in sc.groupby("level", sort=False):
        lc = level_columns(lv)
        if lc:
            for key, gg in g.groupby(lc, sort=False, observed=True):
                key = key if isinstance(key, tuple) else (key,)
                series[(lv, key)] = gg.set_index("week")[["count", "baseline", "flagged"]]
        else:
            series[(lv, ())] = g.set_index("week")[["count", "baseline", "flagged"]]
    info = []
    for i, row in summary.iterrows():
        lc = level_columns(row["level"])
        info.append({"i": i, "level": row["level"], "cols": lc, "values": {c: row[c] for c in lc},
                     "start": row["start"], "end": row["end"], "excess": float(row["excess"]),
                     "expected": float(row["expected"]), "name": "×".join(str(row[c]) for c in by if c in lc) or ALL_LEVEL})

    def inside(child, parent) -> bool:
        return (set(child["cols"]) > set(parent["cols"]) and child["start"] <= parent["end"]
                and child["end"] >= parent["start"]
                and all(child["values"][c] == v for c, v in parent["values"].items()))

    out = {}
    for p in info:
        weeks = pd.date_range(p["start"], p["end"] - pd.Timedelta(days=6), freq="7D")
        levels = []
        finer = [c for c in info if inside(c, p)]
        for lv in dict.fromkeys(c["level"] for c in finer):
            kids = [c for c in finer if c["level"] == lv]
            per_series = {}
            for c in kids:
                key = tuple(c["values"][k] for k in level_columns(lv))
                frame = series[(lv, key)].reindex(weeks)
                both = frame["flagged"].fillna(False).astype(bool) & (frame.index >= c["start"]) \
                    & (frame.index <= c["end"])
                exc = float((frame["count"] - frame["baseline"])[both].sum())
                entry = per_series.setdefault(key, {"excess": 0.0, "baseline": float(frame["baseline"].sum()),
                                                    "names": [], "label": ""})
                entry["excess"] += exc
                entry["names"].append(c["name"])
                entry["label"] = "; ".join(f"{k}={c['values'][k]}" for k in c["cols"] if k not in p["cols"])
            ranked = sorted(per_series.values(), key=lambda e: (-e["excess"], e["label"]))
            cum, base = sum(e["excess"] for e in ranked), sum(e["baseline"] for e in ranked)
            share = cum / p["excess"] if p["excess"] > 0 else np.nan
            usual = base / p["expected"] if p["expected"] > 0 else np.nan
            lift = share / usual if usual > 0 else np.inf
            levels.append({"passes": bool(share >= explain_share and lift >= explain_lift), "lift": lift,
                           "share": share, "depth": len(level_columns(lv)), "coverage": cum,
                           "names": " / ".join(n for e in ranked for n in dict.fromkeys(e["names"])),
                           "breakdown": "; ".join(f"{e['label']}:{e['excess']:+.0f}" for e in ranked[:breakdown_top])})
        passing = [lv for lv in levels if lv["passes"]]
        # the explaining level: the most concentrated one that passes; the breakdown: the level whose
        # spikes hold most of the excess (ties: the coarser level, whose rows a reader can take in)
        expl = max(passing, key=lambda lv: (lv["lift"], -lv["depth"])) if passing else None
        brk = max(levels, key=lambda lv: (lv["coverage"], -lv["depth"])) if levels else None
        out[p["i"]] = {"passes": expl is not None, "explained_by": expl["names"] if expl else "",
                       "breakdown": brk["breakdown"] if brk else "",
                       "explained_share": (expl or brk)["share"] if (expl or brk) else np.nan,
                       "explained_lift": (expl or brk)["lift"] if (expl or brk) else np.nan}
    # coarsest first: a spike inside a finding, or inside a spike that is part of one, belongs to it
    for p in sorted(info, key=lambda x: len(x["cols"])):
        r = out[p["i"]]
        owners = [out[a["i"]]["part_of"] or f"{a['name']} {a['start']:%Y-%m-%d}" for a in info
                  if inside(p, a) and (out[a["i"]].get("finding") or out[a["i"]].get("part_of"))]
        r["part_of"] = owners[0] if owners else ""
        r["finding"] = not owners and not r["passes"]
        if r["part_of"]:
            r["explained_by"] = ""
    frame = pd.DataFrame.from_dict(out, orient="index").reindex(summary.index)
    frame["finding"] = frame["finding"].astype(bool)
    return frame[cols]


def describe_spikes(tickets: pd.DataFrame, spikes: SpikeResult, *, period=None, explain_share: float = EXPLAIN_SHARE,
                    explain_lift: float = EXPLAIN_LIFT, **kwargs) -> pd.DataFrame:
    """The spike summary with its drivers and its place among the other spikes:

    - ``drivers``: the levels of other dimensions that carry its excess (:func:`spike_drivers`,
      "carrier=swift_express; sub_reason=late_delivery");
    - ``finding``, ``explained_by``, ``part_of``, ``breakdown``, ``explained_share``,
      ``explained_lift``: see :func:`spike_hierarchy` (the rule that decides which spikes the
      root-cause table lists);
    - ``in_period``: overlaps ``period`` = (start, end).
    """
    s = spikes.summary.copy()
    drivers = []
    for _, row in s.iterrows():
        d = spike_drivers(tickets, row, **kwargs)
        drivers.append("; ".join(f"{r.dimension}={r.level}" for r in d[d["driver"]].itertuples()))
    s["drivers"] = drivers
    h = spike_hierarchy(spikes, explain_share=explain_share, explain_lift=explain_lift)
    for col in h.columns:
        s[col] = h[col]
    if period is not None:
        p0, p1 = pd.Timestamp(period[0]), pd.Timestamp(period[1])
        s["in_period"] = (s["start"] < p1) & (s["end"] >= p0)
    else:
        s["in_period"] = False
    return s


# --------------------------------------------------------------------------- concentration
@dataclass
class ContingencyResult:
    """Chi-square test of independence of two ticket dimensions.

    ``cells``: one row per cell — row level, column level, observed, expected, ratio (O/E),
    adjusted_residual, p_value, p_adjusted (Bonferroni over the cells), over_represented, and
    ``<row>_members`` / ``<col>_members``: the levels pooled into :data:`OTHER_LEVELS` ("a|b", else "").
    ``summary``: one row — chi2, dof, p_value, cramers_v, n, min_expected, note.
    """

    row: str
    col: str
    observed: pd.DataFrame
    expected: pd.DataFrame
    cells: pd.DataFrame
    chi2: float
    dof: int
    p_value: float
    cramers_v: float
    n: int
    notes: list[str] = field(default_factory=list)
    #: levels pooled into :data:`OTHER_LEVELS` and levels left out (level -> tickets), per dimension name
    pooled: dict = field(default_factory=dict)
    dropped: dict = field(default_factory=dict)

    @property
    def summary(self) -> pd.DataFrame:
        return pd.DataFrame([{"dimension": self.col, "n": self.n, "chi2": self.chi2, "dof": self.dof,
                              "p_value": self.p_value, "cramers_v": self.cramers_v,
                              "min_expected": float(self.expected.to_numpy().min()),
                              "note": "; ".join(self.notes)}])

    def __repr__(self) -> str:
        return (f"ContingencyResult({self.row} × {self.col}: chi2={self.chi2:.1f}, dof={self.dof}, "
                f"p={self.p_value:.3g}, V={self.cramers_v:.3f}, n={self.n})")


def adjusted_residuals(observed) -> np.ndarray:
    """Adjusted standardised residuals (Haberman 1973): ``(O − E) / √(E (1 − r/n)(1 − c/n))``.

    Approximately standard normal under independence, cell by cell.
    """
    o = np.asarray(observed, dtype=float)
    n = o.sum()
    r, c = o.sum(axis=1, keepdims=True), o.sum(axis=0, keepdims=True)
    e = r @ c / n
    with np.errstate(divide="ignore", invalid="ignore"):
        return (o - e) / np.sqrt(e * (1 - r / n) * (1 - c / n))


def cramers_v(chi2: float, n: int, shape: tuple[int, int]) -> float:
    """Cramér's V = √(χ² / (n · (min(r, c) − 1)))."""
    k = min(shape) - 1
    return float(np.sqrt(chi2 / (n * k))) if n > 0 and k > 0 else np.nan


def _merge_sparse(table: pd.DataFrame, min_expected: float) -> tuple[pd.DataFrame, dict, dict]:
    """Pool the rare levels of each axis, so small expected counts do not distort the test.

    Rule: a level is *rare* when it has fewer than ``min_expected × k`` tickets, ``k`` being the number of
    levels on the other axis, i.e. its expected count in a cell of average size is below ``min_expected``
    (5): with 11 categories a channel needs 55 tickets. Rare levels of an axis (two or more) are pooled into
    one level :data:`OTHER_LEVELS` (its members are returned, so it can be shown by name); repeated until no
    level is rare, since pooling one axis changes ``k`` of the other. A level that is not rare is never pooled,
    however small it looks beside the largest. When the table still breaks Cochran's rule (an expected count
    below 1, or more than 20% below ``min_expected``) and a pool or a single rare level is itself rare, its
    tickets are left out of the test (returned as dropped, noted by the caller). Each axis keeps two levels.

    Returns (table, pooled members per axis ``{0: [...], 1: [...]}``, dropped levels per axis with their
    ticket counts ``{0: {level: n}, 1: {...}}``)."""
    pooled, dropped = {0: [], 1: []}, {0: {}, 1: {}}
    t = table.copy()

    def rare(frame, axis):
        totals = frame.sum(axis=1 - axis)  # axis 0: row totals
        return totals[totals < min_expected * frame.shape[1 - axis]]

    for _ in range(100):
        changed = False
        for axis in (0, 1):
            work = t if axis == 1 else t.T  # levels of ``axis`` as columns
            small = rare(t, axis)
            take = [lv for lv in small.index if lv != OTHER_LEVELS]
            if not take or (OTHER_LEVELS not in work.columns and len(take) < 2):
                continue  # a single rare level is not pooled with anything (it may be dropped below)
            if work.shape[1] - len(take) + (OTHER_LEVELS not in work.columns) < 2:
                continue
            pooled[axis] += [str(c) for c in take]
            other = work[take].sum(axis=1) + (work[OTHER_LEVELS] if OTHER_LEVELS in work.columns else 0)
            work = work.drop(columns=[c for c in [*take, OTHER_LEVELS] if c in work.columns])
            work[OTHER_LEVELS] = other
            t = work if axis == 1 else work.T
            changed = True
        if not changed:
            break

    def cochran(frame):
        o = frame.to_numpy(dtype=float)
        e = np.outer(o.sum(axis=1), o.sum(axis=0)) / o.sum()
        return e.min() >= 1 and (e < min_expected).mean() <= 0.2

    while not cochran(t):
        # the rarest level that is still rare (a pool too small, or a lone rare level): leave it out
        cands = [(float(n), axis, lv) for axis in (0, 1) if t.shape[axis] > 2 for lv, n in rare(t, axis).items()]
        if not cands:
            break
        n, axis, lv = min(cands, key=lambda c: (c[0], c[1], str(c[2])))
        dropped[axis][str(lv)] = int(n)
        t = t.drop(index=lv) if axis == 0 else t.drop(columns=lv)
        if lv == OTHER_LEVELS:
            dropped[axis].pop(str(lv))
            for m in pooled[axis]:
                dropped[axis][m] = int(table.sum(axis=1 - axis)[m] if m in table.sum(axis=1 - axis).index else 0)
            pooled[axis] = []
    return t, pooled, dropped


def contingency_test(tickets: pd.DataFrame, col: str, row: str = "category", *, min_expected: float = 5.0,
                     alpha: float = 0.05) -> ContingencyResult:
    """Pearson chi-square test of ``row`` × ``col`` with adjusted residuals and Cramér's V.

    Rows with either value missing are left out (noted). Small expected counts are guarded by
    pooling rare ``row`` or ``col`` levels into ``other_levels`` (rule: :func:`_merge_sparse`; noted), and
    leaving out a pool or level still too small for Cochran's rule (noted); if the rule still fails the
    note says the p-value is approximate. Cells are
    over-represented when the adjusted residual is positive and significant after Bonferroni
    correction over all cells. Same statistic as ``scipy.stats.chi2_contingency(correction=False)``.
    """
    for c in (row, col):
        _nonempty(tickets, c, f"contingency of {row} × {col}")
    both = tickets[[row, col]].dropna()
    notes = []
    if len(both) < len(tickets):
        notes.append(f"{len(tickets) - len(both):,} tickets without {row} or {col} left out")
    table = pd.crosstab(both[row], both[col])
    for name, axis in ((row, 0), (col, 1)):
        if table.shape[axis] < 2:
            only = table.index[0] if axis == 0 and len(table.index) else (table.columns[0] if len(table.columns) else "–")
            raise AnalysisError(f"contingency of {row} × {col}: only one {name} ({only!r}) in the "
                                f"{len(both):,} tickets; a chi-square test needs at least two levels of each. "
                                "Widen the period or choose another dimension.")
    table, pooled, dropped = _merge_sparse(table, min_expected)
    for name, axis in ((row, 0), (col, 1)):
        if pooled[axis]:
            notes.append(f"rare {name} levels merged into {OTHER_LEVELS}: {', '.join(pooled[axis])}")
        if dropped[axis]:
            notes.append(f"{sum(dropped[axis].values()):,} tickets of rare {name} levels left out (too few for the "
                         f"test): {', '.join(f'{k} ({v:,})' for k, v in dropped[axis].items())}")
    o = table.to_numpy(dtype=float)
    n = int(o.sum())
    e = np.outer(o.sum(axis=1), o.sum(axis=0)) / n
    if e.min() < 1 or (e < min_expected).mean() > 0.2:
        notes.append(f"{(e < min_expected).mean():.0%} of expected counts below {min_expected:g}: p-value approximate")
    chi2 = float(((o - e) ** 2 / e).sum())
    dof = (o.shape[0] - 1) * (o.shape[1] - 1)
    p = float(st.chi2.sf(chi2, dof))
    adj = adjusted_residuals(o)
    pv = 2 * st.norm.sf(np.abs(adj))
    cells = pd.DataFrame({
        row: np.repeat(table.index.astype(str), o.shape[1]),
        col: np.tile(table.columns.astype(str), o.shape[0]),
        "observed": o.ravel(), "expected": e.ravel(), "ratio": (o / e).ravel(),
        "adjusted_residual": adj.ravel(), "p_value": pv.ravel(),
    })
    # members of a pooled level, so it can be shown by name ("phone + email"), never as a plain "other"
    cells[f"{row}_members"] = np.where(cells[row] == OTHER_LEVELS, "|".join(pooled[0]), "")
    cells[f"{col}_members"] = np.where(cells[col] == OTHER_LEVELS, "|".join(pooled[1]), "")
    cells["p_adjusted"] = np.minimum(1.0, cells["p_value"] * len(cells))
    cells["over_represented"] = (cells["adjusted_residual"] > 0) & (cells["p_adjusted"] < alpha)
    return ContingencyResult(row, col, table, pd.DataFrame(e, index=table.index, columns=table.columns), cells,
                             chi2, dof, p, cramers_v(chi2, n, o.shape), n, notes,
                             pooled={row: pooled[0], col: pooled[1]}, dropped={row: dropped[0], col: dropped[1]})


#: A dimension is nested in the categories when at least this share of tickets have their level's commonest category.
NESTED_SHARE = 0.95


def nested_share(tickets: pd.DataFrame, col: str, row: str = "category") -> float:
    """Share of tickets (with both values) whose ``row`` is the most common ``row`` of their ``col`` level: 1.0
    when ``col`` is a finer classification inside ``row`` (the CFPB export's sub-product inside its product),
    where a chi-square test of independence is bound to be significant and tells nothing. NaN when a column
    is absent or empty, or ``col`` has a single level."""
    if not (has_values(tickets, col) and has_values(tickets, row)):
        return np.nan
    both = tickets[[row, col]].dropna()
    if both[col].nunique() < 2 or both[row].nunique() < 2:
        return np.nan
    table = pd.crosstab(both[col], both[row])
    return float(table.max(axis=1).sum() / table.to_numpy().sum())


@dataclass
class Concentration:
    """:func:`concentration` result: ``summary`` (one row per dimension), ``cells`` (all dimensions,
    with a ``dimension`` and a ``level`` column), ``tests`` (the :class:`ContingencyResult` per dimension),
    ``skipped`` (dimension -> reason)."""

    summary: pd.DataFrame
    cells: pd.DataFrame
    tests: dict
    skipped: dict

    def __repr__(self) -> str:
        return f"Concentration({len(self.tests)} dimension(s) tested, {int(self.cells['over_represented'].sum())} over-represented cell(s))"


def concentration(tickets: pd.DataFrame, dimensions=("channel", "region", "product", "priority"), *,
                  row: str = "category", min_expected: float = 5.0, alpha: float = 0.05) -> Concentration:
    """:func:`contingency_test` of ``row`` against each dimension; dimensions that are absent, empty,
    have a single level or are nested in ``row`` (:func:`nested_share` ≥ :data:`NESTED_SHARE`) are skipped with
    the reason (they do not stop the report)."""
    tests, skipped, cells = {}, {}, []
    for dim in dimensions:
        nested = nested_share(tickets, dim, row)
        if nested >= NESTED_SHARE:
            skipped[dim] = (f"{nested:.0%} of tickets have the {row} that is most common for their {dim}: each {dim} "
                            f"lies within one {row} (a finer classification), so a test of independence says nothing")
            continue
        try:
            res = contingency_test(tickets, dim, row, min_expected=min_expected, alpha=alpha)
        except (DataError, AnalysisError) as err:
            skipped[dim] = str(err)
            continue
        tests[dim] = res
        c = res.cells.rename(columns={dim: "level", f"{dim}_members": "level_members",
                                      f"{row}_members": "category_members"})
        c.insert(0, "dimension", dim)
        cells.append(c)
    if not tests:
        raise AnalysisError("concentration: no dimension could be tested — " + " | ".join(skipped.values()))
    summary = pd.concat([t.summary for t in tests.values()], ignore_index=True)
    summary["p_adjusted"] = adjust_pvalues(summary["p_value"], method="holm")["p_adjusted"].to_numpy()
    cells = pd.concat(cells, ignore_index=True)
    cells["excess"] = cells["observed"] - cells["expected"]
    return Concentration(summary, cells, tests, skipped)


# --------------------------------------------------------------------------- outcomes (logistic regression)
def repeat_complaints(tickets: pd.DataFrame, *, within_days: float = 30, data_end=None) -> pd.Series:
    """1.0 when the same customer opens another ticket within ``within_days`` after this one, else 0.0;
    NaN (unknown, censored) when the follow-up window runs past ``data_end`` (default: last ticket)."""
    _require(tickets, ["customer_id", "created_at"], "repeat_complaints")
    if within_days <= 0:
        raise ParameterError(f"repeat_within_days must be positive, got {within_days!r}")
    data_end = pd.Timestamp(data_end) if data_end is not None else tickets["created_at"].max()
    order = tickets.sort_values(["customer_id", "created_at"], kind="stable")
    nxt = order.groupby("customer_id", sort=False)["created_at"].shift(-1)
    gap = (nxt - order["created_at"]).dt.total_seconds() / 86400
    out = (gap <= within_days).astype(float)
    out[order["created_at"] + pd.Timedelta(days=within_days) > data_end] = np.nan
    out[(gap <= within_days)] = 1.0  # a repeat seen before the data end is known
    return out.reindex(tickets.index).rename("repeat_complaint")


def tenure_band(months: pd.Series) -> pd.Series:
    """Agent tenure in bands :data:`TENURE_BANDS` (codes ``tenure_lt6`` …); missing stays missing."""
    out = pd.Series(pd.NA, index=months.index, dtype=STR)
    for code, (lo, hi) in TENURE_BANDS.items():
        out[(months >= lo) & (months < hi)] = code
    return out


def outcome_frame(tickets: pd.DataFrame, *, repeat_within_days: float = 30, data_end=None) -> pd.DataFrame:
    """Tickets with the modelled outcomes as 0/1 floats (NaN unknown): repeat_complaint (only when
    ``customer_id`` is a customer key, :func:`has_customer_key`), not_resolved_first_contact
    (first_contact_resolved False), escalated; and ``tenure_band``. An outcome whose column is absent is
    absent from the frame (:func:`outcome_drivers` then skips it)."""
    out = tickets.copy()
    if has_customer_key(tickets):  # else every customer has one ticket: repeats cannot be assessed
        out["repeat_complaint"] = repeat_complaints(tickets, within_days=repeat_within_days, data_end=data_end)
    if "first_contact_resolved" in tickets:
        out["not_resolved_first_contact"] = (~tickets["first_contact_resolved"]).astype("Float64").astype(float)
    if "escalated" in tickets:
        out["escalated"] = tickets["escalated"].astype("Float64").astype(float)
    if "agent_tenure_months" in tickets:
        out["tenure_band"] = tenure_band(tickets["agent_tenure_months"])
    return out


@dataclass
class OutcomeModel:
    """A fitted logistic regression of one outcome (see :func:`fit_outcome_model`).

    ``summary``: one row per non-reference level — outcome, covariate, level, reference,
    odds_ratio, ci_low, ci_high, p_value, n (tickets at the level), events, rate.
    """

    outcome: str
    covariates: list[str]
    summary: pd.DataFrame
    n: int
    events: int
    llf: float
    converged: bool
    notes: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"OutcomeModel({self.outcome}: n={self.n:,}, events={self.events:,}, {len(self.summary)} terms)"


def _pooled_levels(frame: pd.DataFrame, cov: str, outcome: str, min_n: int, min_events: int):
    """Merge levels with fewer than ``min_n`` tickets, ``min_events`` events or non-events into ``other_levels``;
    if the pooled group is still that small, count it with the most common level instead.
    Returns (values, rare levels, pooled-into-reference flag)."""
    g = frame.groupby(cov, observed=True)[outcome].agg(["size", "sum"])
    small = (g["size"] < min_n) | (g["sum"] < min_events) | (g["size"] - g["sum"] < min_events)
    rare = g.index[small].tolist()
    if not rare:
        return frame[cov], [], False
    pooled = g[small].sum()
    into_reference = bool((pooled["size"] < min_n) or (pooled["sum"] < min_events)
                          or (pooled["size"] - pooled["sum"] < min_events))
    # a pooled group still too small to estimate on its own (separation) is counted with the most common level
    target = g["size"].idxmax() if into_reference else OTHER_LEVELS
    values = frame[cov].where(~frame[cov].isin(rare), target)
    return values, [str(r) for r in rare], into_reference


def fit_outcome_model(frame: pd.DataFrame, outcome: str, covariates=MODEL_COVARIATES, *, min_level_n: int = 50,
                      min_level_events: int = 5, confidence: float = 0.95) -> OutcomeModel:
    """Logistic regression of a 0/1 ``outcome`` on categorical ``covariates`` (statsmodels GLM Binomial).

    ``logit P(y=1) = β₀ + Σ β_level``; odds ratio ``exp(β)`` against the covariate's most common level,
    Wald interval ``exp(β ± z·se)``. For speed the tickets are aggregated to covariate patterns
    (successes, failures), which gives the same estimates as the ticket-level fit. Rows with a missing
    outcome or covariate are left out; rare levels (fewer than ``min_level_n`` tickets or
    ``min_level_events`` events / non-events — the source of (quasi-)separation) are merged into
    ``other_levels``; a covariate left with one level is dropped (noted). If the fit still fails, a
    ridge-penalised fit without intervals is not attempted: :class:`AnalysisError` says why.
    """
    # the GLM module directly: ``statsmodels.api`` imports every submodule (~1–2 s of report time)
    from statsmodels.genmod.families import Binomial
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.sm_exceptions import (
        ConvergenceWarning,
        PerfectSeparationWarning,
    )

    covariates = [c for c in covariates]
    _require(frame, [outcome, *covariates], f"model of {outcome}")
    data = frame[[outcome, *covariates]].dropna()
    notes = []
    if len(data) < len(frame):
        notes.append(f"{len(frame) - len(data):,} tickets with a missing value left out")
    if data.empty or data[outcome].nunique() < 2:
        raise AnalysisError(f"model of {outcome}: the outcome takes a single value (or no value) in the "
                            f"{len(data):,} usable tickets; there is nothing to explain.")
    used, levels_info = [], {}
    for cov in covariates:
        values, rare, into_reference = _pooled_levels(data, cov, outcome, min_level_n, min_level_events)
        if rare and into_reference:
            notes.append(f"{cov}: rare levels counted with the most common level (too few to estimate): "
                         f"{', '.join(rare)}")
        elif rare:
            notes.append(f"{cov}: rare levels merged into {OTHER_LEVELS}: {', '.join(rare)}")
        data[cov] = values
        if data[cov].nunique() < 2:
            notes.append(f"{cov}: only one level left, dropped from the model")
            continue
        used.append(cov)
    if not used:
        raise AnalysisError(f"model of {outcome}: no covariate has two or more levels with enough tickets.")
    patt = data.groupby(used, observed=True)[outcome].agg(["sum", "size"]).reset_index()
    design_parts = [pd.Series(1.0, index=patt.index, name="const")]
    level_counts = {cov: patt.groupby(cov)[["size", "sum"]].sum() for cov in used}
    for cov in used:
        counts = level_counts[cov]["size"]
        counts = counts.iloc[np.lexsort((counts.index.astype(str), -counts.to_numpy()))]
        ref = counts.index[0] if counts.index[0] != OTHER_LEVELS else counts.index[1]
        levels = sorted(l for l in counts.index if l != ref)
        levels_info[cov] = (ref, levels)
        for lvl in levels:
            design_parts.append((patt[cov] == lvl).astype(float).rename(f"{cov}[{lvl}]"))
    X = pd.concat(design_parts, axis=1)
    endog = np.column_stack([patt["sum"].to_numpy(float), (patt["size"] - patt["sum"]).to_numpy(float)])
    with warnings.catch_warnings():
        # separation is handled by pooling rare levels above; a remaining warning is reported via the check below
        warnings.simplefilter("ignore", (ConvergenceWarning, PerfectSeparationWarning, RuntimeWarning))
        try:
            with single_threaded_blas():
                # tight convergence (deviance change < 1e-12): odds ratios agree to their shown digits on any CPU
                res = GLM(endog, X, family=Binomial()).fit(tol=1e-12, maxiter=200)
        except Exception as err:  # noqa: BLE001 - report any numerical failure in plain words
            raise AnalysisError(f"model of {outcome}: the logistic regression could not be fitted ({err}). "
                                "Use fewer covariates or a longer period.") from None
    converged = bool(getattr(res, "converged", True))
    z = st.norm.isf((1 - confidence) / 2)
    rows = []
    for cov in used:
        ref, levels = levels_info[cov]
        for lvl in levels:
            name = f"{cov}[{lvl}]"
            b, se = float(res.params[name]), float(res.bse[name])
            n_lvl, ev_lvl = level_counts[cov].loc[lvl]
            with np.errstate(over="ignore"):
                rows.append({"outcome": outcome, "covariate": cov, "level": str(lvl), "reference": str(ref),
                             "odds_ratio": np.exp(b), "ci_low": np.exp(b - z * se), "ci_high": np.exp(b + z * se),
                             "p_value": float(res.pvalues[name]), "n": int(n_lvl), "events": int(ev_lvl),
                             "rate": float(ev_lvl / n_lvl)})
    summary = pd.DataFrame(rows)
    if not converged or (summary["ci_high"] / summary["ci_low"] > 1e4).any():
        notes.append("fit did not converge cleanly (possible separation); treat extreme odds ratios with care")
    return OutcomeModel(outcome, used, summary, len(data), int(data[outcome].sum()), float(res.llf),
                        converged, notes)


@dataclass
class OutcomeDrivers:
    """:func:`outcome_drivers` result: ``summary`` (all terms of all models, Holm-adjusted within the
    family of all terms, ranked by strength of a significant effect), ``models``, ``skipped``."""

    summary: pd.DataFrame
    models: dict
    skipped: dict

    def __repr__(self) -> str:
        return f"OutcomeDrivers({', '.join(self.models)}; {int(self.summary['significant'].sum())} significant term(s))"


def outcome_drivers(frame: pd.DataFrame, outcomes=OUTCOMES, covariates=MODEL_COVARIATES, *, alpha: float = 0.05,
                    **kwargs) -> OutcomeDrivers:
    """One :func:`fit_outcome_model` per outcome; covariates that are absent or all empty are left out
    (noted in ``skipped``); an outcome that cannot be modelled is skipped with the reason.

    Ranking: significant terms (Holm-adjusted p < ``alpha``) first, then by |log odds ratio|.
    ``excess_events`` ≈ events at the level − events expected at the reference rate
    (``n × rate_ref``-scaled by the odds ratio), a count a manager can compare across findings.
    """
    usable = [c for c in covariates if c in frame and frame[c].notna().any()]
    skipped = {c: "column absent or empty" for c in covariates if c not in usable}
    models, parts = {}, []
    for outcome in outcomes:
        if outcome not in frame or frame[outcome].notna().sum() == 0:
            skipped[outcome] = "outcome not available"
            continue
        try:
            m = fit_outcome_model(frame, outcome, usable, **kwargs)
        except AnalysisError as err:
            skipped[outcome] = str(err)
            continue
        models[outcome] = m
        parts.append(m.summary)
    cols = ["outcome", "covariate", "level", "reference", "odds_ratio", "ci_low", "ci_high", "p_value", "n",
            "events", "rate", "p_adjusted", "significant", "excess_events"]
    if not parts:
        return OutcomeDrivers(pd.DataFrame(columns=cols), models, skipped)
    s = pd.concat(parts, ignore_index=True)
    s["p_adjusted"] = adjust_pvalues(s["p_value"], method="holm")["p_adjusted"].to_numpy()
    s["significant"] = s["p_adjusted"] < alpha
    # events above what the level would have at the reference odds: n·rate − n·p0, with p0 from OR
    odds = s["rate"] / (1 - s["rate"]).clip(lower=1e-12)
    p0 = (odds / s["odds_ratio"]) / (1 + odds / s["odds_ratio"])
    s["excess_events"] = s["events"] - s["n"] * p0
    strength = np.abs(np.log(s["odds_ratio"]))
    s = s.assign(_k=(~s["significant"]).astype(int), _s=-strength).sort_values(["_k", "_s"], kind="stable")
    return OutcomeDrivers(s.drop(columns=["_k", "_s"]).reset_index(drop=True)[cols], models, skipped)


# --------------------------------------------------------------------------- resolution
def resolution_performance(tickets: pd.DataFrame, by: str = "category", *, sla_hours: float = 24,
                           data_end=None, confidence: float = 0.95) -> pd.DataFrame:
    """Per level of ``by``: time to resolve (hours from created_at to resolved_at; median with the
    distribution-free interval, 90th percentile), share resolved within ``sla_hours`` (a ticket
    still open longer than the SLA at ``data_end`` counts as missed, one open for less is left out),
    first-contact resolution rate and reopen rate (Wilson intervals).
    """
    _require(tickets, ["created_at", "resolved_at", by], "resolution_performance")
    _nonempty(tickets, by, "resolution_performance")
    data_end = pd.Timestamp(data_end) if data_end is not None else tickets["created_at"].max()
    hours = (tickets["resolved_at"] - tickets["created_at"]).dt.total_seconds() / 3600
    open_age = (data_end - tickets["created_at"]).dt.total_seconds() / 3600
    known = hours.notna() | (open_age > sla_hours)
    within = (hours <= sla_hours) & hours.notna()
    frame = pd.DataFrame({by: tickets[by], "hours": hours, "known": known, "within": within & known})
    has_fcr = "first_contact_resolved" in tickets and tickets["first_contact_resolved"].notna().any()
    has_reopen = "reopened" in tickets and tickets["reopened"].notna().any()
    if has_fcr:
        frame["fcr"] = tickets["first_contact_resolved"].astype("Float64").astype(float)
    if has_reopen:
        frame["reopen"] = tickets["reopened"].astype("Float64").astype(float)
    rows = []
    for level, g in frame.dropna(subset=[by]).groupby(by, sort=True):
        med = median_interval(g["hours"].dropna(), confidence=confidence).iloc[0]
        sla = wilson_interval(int(g["within"].sum()), int(g["known"].sum()), confidence=confidence).iloc[0]
        row = {by: level, "n": len(g), "resolved": int(g["hours"].notna().sum()),
               "median_hours": med["estimate"], "median_ci_low": med["ci_low"], "median_ci_high": med["ci_high"],
               "p90_hours": float(g["hours"].quantile(0.9)) if g["hours"].notna().any() else np.nan,
               "sla_rate": sla["estimate"], "sla_ci_low": sla["ci_low"], "sla_ci_high": sla["ci_high"]}
        for key, col in (("fcr", "fcr_rate"), ("reopen", "reopen_rate")):
            if key in g:
                vals = g[key].dropna()
                w = wilson_interval(int(vals.sum()), len(vals), confidence=confidence).iloc[0]
                row.update({col: w["estimate"], f"{col.replace('_rate', '')}_ci_low": w["ci_low"],
                            f"{col.replace('_rate', '')}_ci_high": w["ci_high"]})
        rows.append(row)
    if not rows:
        raise AnalysisError(f"resolution_performance: no tickets with a {by}.")
    return pd.DataFrame(rows).sort_values("n", ascending=False, kind="stable").reset_index(drop=True)


def resolution_hours(tickets: pd.DataFrame, by: str = "category") -> pd.DataFrame:
    """Tidy hours to resolve per resolved ticket (for distribution charts): ``by``, hours."""
    hours = (tickets["resolved_at"] - tickets["created_at"]).dt.total_seconds() / 3600
    return pd.DataFrame({by: tickets[by], "hours": hours}).dropna().reset_index(drop=True)


# --------------------------------------------------------------------------- words
_EN_STOP = frozenset(["a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "out", "over", "own", "same", "she", "should", "so", "some", "still", "such", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "yet", "got", "get", "its", "ve", "ll", "re", "don", "didn", "doesn", "isn", "wasn", "hasn", "haven", "won", "can't", "cannot", "please", "hi", "hello", "thanks", "thank",
    # words that carry no reason: time words, and region names (regions are a dimension of their own)
    "ago", "last", "time", "times", "ever", "again", "really", "north", "south", "east", "west", "central",
    "northeast", "northwest", "southeast", "southwest"])
_ZH_STOP = frozenset(["的", "了", "是", "我", "你", "他", "她", "它", "们", "我们", "你们", "在", "和", "与", "及", "也", "都", "就", "还", "又", "很", "太", "吗", "呢", "吧", "啊", "呀", "把", "被", "给", "让", "对", "从", "到", "说", "这", "那", "这个", "那个", "一个", "没有", "什么", "怎么", "为什么", "已经", "一直", "可以", "还是", "但是", "而且", "因为", "所以", "如果", "然后", "结果", "一下", "一些", "自己", "现在", "请问", "你好", "谢谢", "麻烦", "不是", "就是", "关于", "问题", "处理", "帮忙", "帮忙处理", "需要", "希望",
    "不了", "上次", "之前", "一次", "华北", "华东", "华南", "华中", "华西", "西南", "西北", "东北"])
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’]+|[\u4e00-\u9fff]+")
_jieba = None


def _segmenter():
    """jieba, initialised once with its log messages silenced (they would leak into report stderr)."""
    global _jieba
    if _jieba is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)  # "Building prefix dict …" goes to stderr otherwise
        jieba.initialize()
        _jieba = jieba
    return _jieba


@functools.lru_cache(maxsize=100_000)
def _segment(piece: str) -> tuple[str, ...]:
    """jieba words of one run of Chinese characters (dictionary only, no HMM), memoised: complaint texts
    repeat the same phrases, and segmentation is most of the tokenising time."""
    return tuple(_segmenter().lcut(piece, HMM=False))


def tokenize(text: str, *, bigrams: bool = True) -> list[str]:
    """Terms of one text: lower-case English words (stop words, time words, region names and 1–2-letter
    words out) and Chinese
    words from jieba segmentation (single characters and stop words out); with ``bigrams`` also
    the pairs of adjacent kept terms (``"late delivery"``, ``"配送延误"`` style phrases joined by a space
    in English and without one in Chinese). Digits never form terms (no personal data in terms)."""
    if not isinstance(text, str) or not text:
        return []
    return list(_tokenize_cached(text, bigrams))


@functools.lru_cache(maxsize=100_000)
def _tokenize_cached(text: str, bigrams: bool) -> tuple[str, ...]:
    """:func:`tokenize` of one non-empty text, memoised: the same descriptions recur across the spike,
    category and example analyses of one report (jieba segmentation dominates the text analysis time)."""
    terms: list[str] = []
    previous_end = 0
    for m in _TOKEN.finditer(text):
        if text[previous_end:m.start()].strip():
            terms.append("")  # punctuation or digits in between: no bigram across them
        previous_end = m.end()
        piece = m.group(0)
        if piece[0] < "\u4e00":
            w = piece.lower().replace("’", "'").strip("'")
            if len(w) > 2 and w not in _EN_STOP and "'" not in w:  # 2-letter tokens ("jd") read as noise
                terms.append(w)
            else:
                terms.append("")  # a break: no bigram across a stop word
        else:
            for w in _segment(piece):
                terms.append(w if len(w) > 1 and w not in _ZH_STOP else "")
    words = [t for t in terms if t]
    if bigrams:
        for a, b in pairwise(terms):
            if a and b:
                sep = "" if a[0] >= "\u4e00" and b[0] >= "\u4e00" else " "
                words.append(a + sep + b)
    return tuple(words)


def term_counts(texts: pd.Series, groups: pd.Series, *, bigrams: bool = True) -> pd.DataFrame:
    """Term counts per group (tidy: group, term, count). Identical texts are tokenised once."""
    frame = pd.DataFrame({"group": groups.to_numpy(), "text": texts.to_numpy()}).dropna()
    uniq = frame.value_counts(["group", "text"], sort=False).reset_index(name="k")
    cache: dict[str, list[str]] = {}
    counters: dict = {}
    for g, text, k in uniq.itertuples(index=False):
        toks = cache.get(text)
        if toks is None:
            toks = cache[text] = set(tokenize(text, bigrams=bigrams))
        c = counters.setdefault(g, Counter())
        for t in toks:  # document frequency: a term counts once per complaint
            c[t] += k
    rows = [(g, t, n) for g, c in counters.items() for t, n in c.items()]
    return pd.DataFrame(rows, columns=["group", "term", "count"])


def weighted_log_odds(counts: pd.DataFrame, *, prior_scale: float = 1.0) -> pd.DataFrame:
    """Weighted log-odds ratio of each term in each group against all other groups, with an informative
    Dirichlet prior (Monroe, Colaresi & Quinn 2008, "Fightin' Words", eq. 16–22).

    Prior ``α_w = prior_scale × y_w`` (the term's count over all groups), ``α₀ = Σ α_w``.
    ``δ_w = log((y_iw+α_w)/(n_i+α₀−y_iw−α_w)) − log((y_jw+α_w)/(n_j+α₀−y_jw−α_w))`` with ``j`` = the
    other groups, ``σ² ≈ 1/(y_iw+α_w) + 1/(y_jw+α_w)``, ``z = δ/σ``. The prior shrinks rare terms, so
    groups of different sizes can be compared. Columns: group, term, count, log_odds, z.
    """
    _require(counts, ["group", "term", "count"], "weighted_log_odds")
    wide = counts.pivot_table(index="term", columns="group", values="count", aggfunc="sum", fill_value=0)
    if wide.shape[1] < 2:
        raise AnalysisError("weighted_log_odds: needs at least two groups of texts to compare; got "
                            f"{wide.shape[1]} ({', '.join(map(str, wide.columns))}).")
    y = wide.to_numpy(dtype=float)
    total_w = y.sum(axis=1, keepdims=True)
    alpha = prior_scale * total_w
    a0 = alpha.sum()
    n_i = y.sum(axis=0, keepdims=True)
    y_j = total_w - y
    n_j = n_i.sum() - n_i
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = (np.log((y + alpha) / (n_i + a0 - y - alpha)) - np.log((y_j + alpha) / (n_j + a0 - y_j - alpha)))
        z = delta / np.sqrt(1 / (y + alpha) + 1 / (y_j + alpha))
    out = pd.DataFrame({"group": np.tile(wide.columns.to_numpy(), len(wide)),
                        "term": np.repeat(wide.index.to_numpy(), wide.shape[1]),
                        "count": y.ravel(), "log_odds": delta.ravel(), "z": z.ravel()})
    return out[out["count"] > 0].reset_index(drop=True)


def distinctive_terms(texts: pd.Series, groups: pd.Series, *, top: int = 8, min_count: int = 5,
                      max_texts_per_group: int | None = 4000, seed: int = 0, prior_scale: float = 1.0) -> pd.DataFrame:
    """The ``top`` terms most distinctive of each group (:func:`weighted_log_odds`, z > 1.96, count ≥
    ``min_count``), from texts in English and Chinese. Groups larger than ``max_texts_per_group`` are
    sampled (seeded) to keep the tokenising time bounded; the z-scores then refer to the sample.
    Columns: group, rank, term, count, log_odds, z.
    """
    frame = pd.DataFrame({"text": texts.to_numpy(), "group": groups.to_numpy()}).dropna()
    frame = frame[frame["text"].str.len() > 0]
    if frame.empty:
        raise AnalysisError("distinctive_terms: no complaint texts (column description empty).")
    if max_texts_per_group:
        rng = np.random.default_rng(seed)
        keep = []
        for _, g in frame.groupby("group", sort=True):
            idx = g.index.to_numpy()
            keep.append(np.sort(rng.choice(idx, max_texts_per_group, replace=False))
                        if len(idx) > max_texts_per_group else idx)
        frame = frame.loc[np.concatenate(keep)]
    scores = weighted_log_odds(term_counts(frame["text"], frame["group"]), prior_scale=prior_scale)
    scores = scores[(scores["count"] >= min_count) & (scores["z"] > 1.96)]
    scores = scores.sort_values(["group", "z", "term"], ascending=[True, False, True], kind="stable")
    scores["rank"] = scores.groupby("group").cumcount() + 1
    out = scores[scores["rank"] <= top][["group", "rank", "term", "count", "log_odds", "z"]]
    return out.reset_index(drop=True)


def example_complaints(texts: pd.Series, groups: pd.Series, terms: pd.DataFrame, *, per_group: int = 2,
                       max_chars: int = 120, seed: int = 0) -> pd.DataFrame:
    """Example complaint texts per group that contain one of its distinctive terms, masked with
    :func:`csm.text.mask_pii` (and shortened to ``max_chars``). Columns: group, term, example."""
    frame = pd.DataFrame({"text": texts.to_numpy(), "group": groups.to_numpy()}).dropna()
    rng = np.random.default_rng(seed)
    rows = []
    for g, tg in terms.groupby("group", sort=True):
        pool = frame[frame["group"] == g]
        if pool.empty:
            continue
        pool = pool.iloc[rng.permutation(len(pool))[:5000]]
        seen = set()
        for term in tg.sort_values("rank")["term"]:
            needle = term if re.search(r"[\u4e00-\u9fff]", term) else term.split(" ")[0]
            hit = pool[pool["text"].str.lower().str.contains(needle, regex=False)]
            hit = hit[~hit["text"].isin(seen)]
            if len(hit):
                text = mask_pii(str(hit["text"].iloc[0]))
                seen.add(hit["text"].iloc[0])
                rows.append({"group": g, "term": term,
                             "example": text if len(text) <= max_chars else text[:max_chars - 1] + "…"})
            if sum(r["group"] == g for r in rows) >= per_group:
                break
    return pd.DataFrame(rows, columns=["group", "term", "example"])


# --------------------------------------------------------------------------- changes and root causes
def period_changes(tickets: pd.DataFrame, current: tuple, previous: tuple, by: str = "category", *,
                   alpha: float = 0.05) -> pd.DataFrame:
    """Complaints per ``by`` level in the current vs the comparison period: counts, daily rates, the rate
    ratio with its exact interval and p-value (:func:`csm.stats.rate_ratio_test`, exposure = days),
    Holm-adjusted p, shares and the share change. Sorted by the change in count."""
    _nonempty(tickets, by, "period_changes")
    (c0, c1), (p0, p1) = [tuple(map(pd.Timestamp, x)) for x in (current, previous)]
    cur = tickets_in(tickets, c0, c1, what="complaints in the current period")[by].value_counts()
    prev = tickets_in(tickets, p0, p1, what="complaints in the comparison period")[by].value_counts()
    levels = cur.index.union(prev.index)
    cur, prev = cur.reindex(levels, fill_value=0), prev.reindex(levels, fill_value=0)
    e1, e2 = (c1 - c0).days, (p1 - p0).days
    rr = rate_ratio_test(cur.to_numpy(float), e1, prev.to_numpy(float), e2)
    out = pd.DataFrame({by: levels.astype(str), "count": cur.to_numpy(int), "count_previous": prev.to_numpy(int),
                        "per_day": cur.to_numpy() / e1, "per_day_previous": prev.to_numpy() / e2,
                        "rate_ratio": rr["estimate"].to_numpy(), "ci_low": rr["ci_low"].to_numpy(),
                        "ci_high": rr["ci_high"].to_numpy(), "p_value": rr["p_value"].to_numpy(),
                        "share": cur.to_numpy() / cur.sum(), "share_previous": prev.to_numpy() / prev.sum()})
    out["share_change"] = out["share"] - out["share_previous"]
    out["p_adjusted"] = adjust_pvalues(out["p_value"], method="holm")["p_adjusted"].to_numpy()
    out["significant"] = out["p_adjusted"] < alpha
    out["change"] = out["count"] - out["count_previous"] * e1 / e2
    return out.sort_values("change", ascending=False, key=np.abs, kind="stable").reset_index(drop=True)


#: An over-represented cell enters the ranked findings only with at least this O/E (the same 1.2 as a spike's
#: minimum ratio): on a large table a cell 5% above its expected count is significant but not worth fixing.
MIN_CONCENTRATION_RATIO = 1.2


def root_cause_table(*, spikes: pd.DataFrame | None = None, concentration_cells: pd.DataFrame | None = None,
                     drivers: pd.DataFrame | None = None, resolution: pd.DataFrame | None = None,
                     sla_target: float | None = None, top: int = 10,
                     min_concentration_ratio: float = MIN_CONCENTRATION_RATIO,
                     model_months: float | None = None, period_months: float | None = None) -> pd.DataFrame:
    """Ranked findings a manager can act on, all measured in tickets (``impact``):

    - ``spike``: a spike that is a finding (:func:`spike_hierarchy`: not explained by finer spikes and not
      part of a larger one; level ``all_complaints`` for a surge of all complaints) — impact = excess
      complaints over the baseline; evidence: ratio, robust z, Bonferroni p; drivers; breakdown (the
      finer spikes inside it);
    - ``concentration``: an over-represented cell (category × dimension level) with O/E at least
      ``min_concentration_ratio`` (:data:`MIN_CONCENTRATION_RATIO`) — impact = O − E; evidence: adjusted
      residual, O/E, Bonferroni p; ``category_members`` / ``level_members`` name a pooled level's members;
    - ``outcome``: a significant odds ratio > 1 — impact = excess bad outcomes at that level;
      evidence: OR with its interval, Holm p; impact = events above what the level would have at the
      reference odds;
    - ``resolution``: a category whose SLA share is significantly below ``sla_target`` (upper
      Wilson bound below the target) — impact = tickets that missed the SLA beyond the target.

    Columns: rank, kind, category, dimension, level, start, end, impact, effect, effect_name, ci_low,
    ci_high, p_value (adjusted), score (robust z or adjusted residual), target (SLA), drivers, breakdown,
    category_members, level_members, months (the window ``impact`` is counted over: a spike's weeks,
    ``model_months`` for concentration and outcome findings, ``period_months`` for resolution),
    impact_per_month. Order: what is current first — spikes overlapping the reporting period (by excess),
    then the standing findings by tickets affected per month (comparable across windows) — and spikes that
    ended before the period last (over; by excess).
    """
    rows = []
    if spikes is not None and len(spikes):
        for s in spikes.to_dict("records"):
            if "finding" in s and not s["finding"]:
                continue  # explained by finer spikes, or part of a larger finding (see spike_hierarchy)
            if "finding" not in s and s.get("explained_by"):
                continue
            dims = level_columns(s["level"])
            cat = s.get("category") if "category" in dims else None
            other = [d for d in dims if d != "category"]
            if not dims:
                dimension, level = ALL_LEVEL, "all_complaints"
            else:
                dimension, level = (other[0], s[other[0]]) if other else ("category", cat)
            rows.append({"kind": "spike", "category": cat, "dimension": dimension, "level": level,
                         "start": s["start"], "end": s["end"], "impact": s["excess"], "effect": s["ratio"],
                         "effect_name": "ratio", "ci_low": np.nan, "ci_high": np.nan, "p_value": s["p_value"],
                         "drivers": s.get("drivers", "") or "", "breakdown": s.get("breakdown", "") or "",
                         "score": s["max_score"], "_in_period": bool(s.get("in_period", False))})
    if concentration_cells is not None and len(concentration_cells):
        over = concentration_cells[concentration_cells["over_represented"]
                                   & (concentration_cells["ratio"] >= min_concentration_ratio)]
        for c in over.to_dict("records"):
            rows.append({"kind": "concentration", "category": c["category"], "dimension": c["dimension"],
                         "level": c["level"], "start": pd.NaT, "end": pd.NaT, "impact": c["observed"] - c["expected"],
                         "effect": c["ratio"], "effect_name": "ratio", "ci_low": np.nan, "ci_high": np.nan,
                         "p_value": c["p_adjusted"], "drivers": "", "score": c["adjusted_residual"],
                         "category_members": c.get("category_members", "") or "",
                         "level_members": c.get("level_members", "") or ""})
    if drivers is not None and len(drivers):
        bad = drivers[drivers["significant"] & (drivers["odds_ratio"] > 1)]
        for d in bad.itertuples(index=False):
            rows.append({"kind": d.outcome, "category": d.level if d.covariate == "category" else None,
                         "dimension": d.covariate, "level": d.level, "start": pd.NaT, "end": pd.NaT,
                         "impact": d.excess_events, "effect": d.odds_ratio, "effect_name": "odds_ratio",
                         "ci_low": d.ci_low, "ci_high": d.ci_high, "p_value": d.p_adjusted, "drivers": ""})
    if resolution is not None and len(resolution) and sla_target is not None:
        for r in resolution.itertuples(index=False):
            if r.sla_ci_high < sla_target:
                known = r.n  # approximate: tickets of the category
                rows.append({"kind": "resolution", "category": r.category, "dimension": "category",
                             "level": r.category, "start": pd.NaT, "end": pd.NaT,
                             "impact": (sla_target - r.sla_rate) * known, "effect": r.sla_rate,
                             "effect_name": "sla_rate", "ci_low": r.sla_ci_low, "ci_high": r.sla_ci_high,
                             "p_value": np.nan, "drivers": "", "target": sla_target})
    cols = ["rank", "kind", "category", "dimension", "level", "start", "end", "impact", "effect", "effect_name",
            "ci_low", "ci_high", "p_value", "score", "target", "drivers", "breakdown", "category_members",
            "level_members", "months", "impact_per_month"]
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame(rows)
    in_period = out.get("_in_period")
    out = out.reindex(columns=cols[1:])
    spike_days = (pd.to_datetime(out["end"]) - pd.to_datetime(out["start"])).dt.days + 1
    window = np.where(out["kind"] == "spike", spike_days / (365.25 / 12),
                      np.where(out["kind"] == "resolution", period_months if period_months else np.nan,
                               model_months if model_months else np.nan))
    out["months"] = pd.to_numeric(window, errors="coerce")
    out["impact_per_month"] = out["impact"] / out["months"]
    for col in ("drivers", "breakdown", "category_members", "level_members"):
        out[col] = out[col].astype(object).where(out[col].notna(), "")
    if in_period is not None:
        out["_in_period"] = in_period
    # current problems first: spikes overlapping the reporting period, then the standing findings by tickets
    # affected per month (their windows differ: 12 months of a model, one reporting period); spikes that ended
    # before the period last — they are over, only their cause is left to check
    spike = (out["kind"] == "spike").to_numpy()
    now = out["_in_period"].fillna(False).astype(bool).to_numpy() if "_in_period" in out else np.zeros(len(out), bool)
    tier = np.where(spike, np.where(now, 0, 2), 1)
    key = np.where(spike, out["impact"], out["impact_per_month"].fillna(out["impact"]))
    out = out.assign(_tier=tier, _key=key).sort_values(["_tier", "_key"], ascending=[True, False], kind="stable")
    past = out[out["_tier"] == 2].head(min(3, top))  # the past spikes keep their place at the end of the table
    out = pd.concat([out[out["_tier"] < 2].head(top - len(past)), past]).reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out[cols]
