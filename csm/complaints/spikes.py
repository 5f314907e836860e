"""Weekly complaint counts and spikes: a seasonal (STL) or robust rolling-median baseline, a Bonferroni
family over every weekly test, what drives a spike, and which spikes are findings (:func:`spike_hierarchy`)."""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.stats as st

from csm.complaints.engine import profile, relation_of
from csm.engine import execute
from csm.complaints.inputs import check_nonempty, require_columns
from csm.errors import AnalysisError, DataError, ParameterError
from csm.notes import Note

__all__ = ["DRIVER_DIMENSIONS", "SPIKE_LEVELS", "ALL_LEVEL", "MIN_HISTORY_EXTRA_WEEKS", "EXPLAIN_SHARE",
           "EXPLAIN_LIFT", "SpikeResult", "weekly_counts", "min_history_weeks", "detect_spikes", "level_name",
           "level_columns", "find_spikes", "spike_drivers", "spikes_drivers", "WeeklyCube", "weekly_cube", "week_of", "spike_hierarchy", "describe_spikes"]

#: Dimensions characterising a spike (its drivers) and tested for concentration.
DRIVER_DIMENSIONS = ("region", "category", "sub_reason", "carrier", "product", "channel", "priority")

def _week_bounds(start, end) -> pd.DatetimeIndex:
    first = start + pd.Timedelta(days=(7 - start.day_of_week) % 7)
    weeks = pd.date_range(first, end - pd.Timedelta(days=7), freq="7D")
    if len(weeks) == 0:
        raise AnalysisError(f"weekly_counts: no complete Monday–Sunday week between {start:%Y-%m-%d} and "
                            f"{end - pd.Timedelta(days=1):%Y-%m-%d}.")
    return weeks


def week_of(created_at):
    """The Monday (00:00) of a timestamp column's week, as an engine expression (``truncate("W")``: the ISO
    week, Monday-based on DuckDB, Spark and PostgreSQL alike)."""
    return created_at.truncate("W")


@dataclass(frozen=True)
class WeeklyCube:
    """Tickets per complete week and combination of ``columns`` (missing values kept as their own group): one
    grouped count in the engine, from which the weekly series of every subset of ``columns`` are summed."""

    counts: pd.DataFrame
    columns: tuple[str, ...]
    weeks: pd.DatetimeIndex

    def series(self, by=()) -> pd.DataFrame:
        """:func:`weekly_counts` of ``by`` (a subset of ``columns``) from the cube."""
        by = [by] if isinstance(by, str) else list(by)
        sel = self.counts.dropna(subset=by) if by else self.counts
        counts = sel.groupby(["week", *by], observed=True)["count"].sum()
        if by:
            levels = [sorted(sel[c].unique().tolist()) for c in by]
            full = pd.MultiIndex.from_product([self.weeks, *levels], names=["week", *by])
        else:
            full = pd.Index(self.weeks, name="week")
            counts = counts.droplevel(list(range(1, counts.index.nlevels))) if counts.index.nlevels > 1 else counts
        out = counts.reindex(full, fill_value=0).rename("count").reset_index()
        out["count"] = out["count"].astype(int)
        return out.sort_values([*by, "week"], kind="stable").reset_index(drop=True)


def weekly_cube(tickets, columns=(), *, start=None, end=None, info=None) -> WeeklyCube:
    """The :class:`WeeklyCube` of ``tickets`` (a frame or a relation) over ``columns``; weeks as in
    :func:`weekly_counts`. ``info``: the table's :class:`~csm.complaints.engine.Profile` if known (else one
    profile query)."""
    columns = [columns] if isinstance(columns, str) else list(columns)
    require_columns(tickets, ["created_at", *columns], "weekly_counts")
    rel = relation_of(tickets, "weekly_counts")
    info = info if info is not None else profile(rel)
    for col in columns:
        check_nonempty(col, info.n, info.filled.get(col, 0), "weekly_counts")
    if info.n == 0:
        raise AnalysisError("weekly_counts: the tickets table has no rows.")
    start = pd.Timestamp(start) if start is not None else info.first.normalize()
    end = pd.Timestamp(end) if end is not None else info.last.normalize() + pd.Timedelta(days=1)
    weeks = _week_bounds(start, end)
    lo, hi = weeks[0].to_pydatetime(), (weeks[-1] + pd.Timedelta(days=7)).to_pydatetime()
    sel = rel.filter((rel.created_at >= lo) & (rel.created_at < hi))
    sel = sel.mutate(week=week_of(sel.created_at))
    counts = execute(sel.group_by(["week", *columns]).aggregate(count=sel.count()))
    counts["week"] = pd.to_datetime(counts["week"]).astype("datetime64[ns]")
    counts["count"] = counts["count"].astype("int64")
    return WeeklyCube(counts, tuple(columns), weeks)


def weekly_counts(tickets, by=(), *, start=None, end=None) -> pd.DataFrame:
    """Complaints per Monday–Sunday week and group, zero-filled, complete weeks only.

    A week is kept when it lies fully inside ``[start, end)`` (default: the first and last
    ticket's days), so a partial first or last week does not look like a dip.
    Columns: week (the Monday), the ``by`` columns, count. ``tickets``: a frame or a relation (one grouped
    count per week and group in the engine).
    """
    by = [by] if isinstance(by, str) else list(by)
    return weekly_cube(tickets, by, start=start, end=end).series(by)


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


@dataclass(frozen=True)
class SpikeResult:
    """Spikes found by :func:`detect_spikes`.

    ``summary``: one row per spike (consecutive flagged weeks of one series): the group columns,
    start (Monday), end (Sunday), weeks, observed, expected, excess, ratio, max_score, p_value
    (Bonferroni-adjusted, smallest week), method. ``scores``: every week of every series with
    baseline, residual, score, flagged. ``method``: per series. ``notes``: :class:`~csm.notes.Note` codes
    (``short_history``, ``spikes_not_tested``, ``spike_level_not_searched``).
    """

    summary: pd.DataFrame
    scores: pd.DataFrame
    by: tuple[str, ...]
    n_tests: int
    threshold: float
    notes: tuple[Note, ...] = ()
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
    require_columns(weekly, ["week", "count", *by], "detect_spikes")
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
        return SpikeResult(pd.DataFrame(columns=cols), scores, tuple(by), n_tests, threshold,
                           (Note("spikes_not_tested", weeks=n_weeks, needed=min_weeks, window=int(window),
                                 extra=MIN_HISTORY_EXTRA_WEEKS),), tested=False,
                           weeks=n_weeks, min_weeks=min_weeks)
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
        notes.append(Note("short_history", weeks=int(n_weeks), needed=int(min_cycles * season_length),
                          window=int(window)))
    return SpikeResult(summary, scores, tuple(by), n_tests, threshold, tuple(notes), weeks=int(n_weeks),
                       min_weeks=min_weeks)


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


def find_spikes(tickets, *, levels=SPIKE_LEVELS, lookback_start=None, end=None, cube: WeeklyCube | None = None,
                info=None, **kwargs) -> SpikeResult:
    """Spikes in weekly complaint counts at several levels (default :data:`SPIKE_LEVELS`: all complaints,
    by category, by region, and by category × region), one Bonferroni family over all series and weeks
    (see :func:`detect_spikes`).

    The whole history serves as baseline; spikes ending before ``lookback_start`` are dropped. A level
    whose column is absent or empty is skipped (``Note("spike_level_not_searched", series=…, column=…)``).
    The summary gets a ``level`` column (e.g. ``"category×region"``, ``"all"``) and missing group columns as NA.
    ``tickets``: a frame or a relation; the weekly series of every level come from one grouped count
    (:func:`weekly_cube`; or the ``cube`` given, over the levels' columns, with ``info`` the table's profile).
    """
    require_columns(tickets, ["created_at"], "find_spikes")
    rel = relation_of(tickets, "find_spikes")
    info = info if info is not None else profile(rel)
    series, skipped, usable = [], [], []
    for lv in levels:
        lv = [lv] if isinstance(lv, str) else list(lv)
        unusable = [c for c in lv if c not in rel.columns or not info.has(c)]
        if unusable:
            skipped.append(Note("spike_level_not_searched", series=level_name(lv), column=unusable[0]))
            continue
        usable.append(lv)
    if usable:
        columns = list(dict.fromkeys(c for lv in usable for c in lv))
        if cube is None or not set(columns) <= set(cube.columns):
            cube = weekly_cube(rel, columns, end=end, info=info)
        series = [(lv, cube.series(lv)) for lv in usable]
    if not series:
        raise DataError("find_spikes: none of the levels " + ", ".join(level_name(lv) for lv in levels)
                        + " can be searched; " + "; ".join(f"column tickets.{n.params['column']} is absent or empty"
                                                          for n in skipped)
                        + ". Fill the column(s) in the export or map them.")
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
    return SpikeResult(summary, score_frame, tuple(all_cols), n_tests, first.threshold,
                       tuple(dict.fromkeys(n for _, r in results for n in r.notes)) + tuple(skipped),
                       tested=all(r.tested for _, r in results), weeks=first.weeks, min_weeks=first.min_weeks)


#: Columns that fix a spike's slice when the spike row has a value for them.
_SLICE_COLUMNS = ("category", "region", "product", "carrier", "channel", "sub_reason", "priority")


def spike_drivers(tickets, spike: pd.Series, *, dimensions=DRIVER_DIMENSIONS,
                  reference_weeks: int = 8, min_share: float = 0.6, min_lift: float = 1.5) -> pd.DataFrame:
    """What makes up a spike's excess: per dimension, each level's excess over its usual weekly count.

    The spike's own slice (its category/region) is compared with the same slice in the
    ``reference_weeks`` before and after the spike: ``excess = observed − weeks × mean weekly
    count in the reference weeks``. ``share_of_excess`` = level excess / total excess of the slice;
    ``baseline_share`` = the level's share of the slice in the reference weeks. A level is a
    ``driver`` when it holds at least ``min_share`` of the excess and at least ``min_lift`` times its
    usual share (a level that is simply common, such as normal priority, is not a driver).
    Columns: dimension, level, observed, expected, excess, share_of_excess, baseline_share, driver.
    ``tickets``: a frame or a relation (see :func:`spikes_drivers`).
    """
    frame = pd.DataFrame([spike]).reset_index(drop=True)
    return spikes_drivers(tickets, frame, dimensions=dimensions, reference_weeks=reference_weeks,
                          min_share=min_share, min_lift=min_lift)[0]


def spikes_drivers(tickets, spikes: pd.DataFrame, *, dimensions=DRIVER_DIMENSIONS, reference_weeks: int = 8,
                   min_share: float = 0.6, min_lift: float = 1.5, info=None) -> list[pd.DataFrame]:
    """:func:`spike_drivers` of every row of ``spikes`` (in order), from one query: the tickets joined with
    the spikes' slices and reference windows, counted per spike, inside/outside its weeks, dimension and
    level."""
    import ibis

    cols = ["dimension", "level", "observed", "expected", "excess", "share_of_excess", "baseline_share", "driver"]
    if spikes.empty:
        return []
    require_columns(tickets, ["created_at"], "spike_drivers")
    rel = relation_of(tickets, "spike_drivers")
    fixed_cols = [c for c in _SLICE_COLUMNS if c in spikes.columns and c in rel.columns]
    dims = [d for d in dimensions if d in rel.columns]
    table = pd.DataFrame({"sid": np.arange(len(spikes), dtype="int64")})
    table["s_start"] = pd.to_datetime(spikes["start"]).to_numpy().astype("datetime64[ns]")
    table["s_end"] = (pd.to_datetime(spikes["end"]) + pd.Timedelta(days=1)).to_numpy().astype("datetime64[ns]")
    table["s_lo"] = table["s_start"] - pd.Timedelta(weeks=reference_weeks)
    table["s_hi"] = table["s_end"] + pd.Timedelta(weeks=reference_weeks)
    schema = {"sid": "int64", "s_start": "timestamp", "s_end": "timestamp", "s_lo": "timestamp", "s_hi": "timestamp"}
    for c in fixed_cols:
        table[f"s_{c}"] = [None if pd.isna(v) else str(v) for v in spikes[c]]
        schema[f"s_{c}"] = "string"
    counts = pd.DataFrame(columns=["sid", "inside", "dimension", "level", "count"])
    if dims:
        sp = ibis.memtable(table, schema=ibis.schema(schema))
        preds = [rel.created_at >= sp.s_lo, rel.created_at < sp.s_hi]
        preds += [sp[f"s_{c}"].isnull() | (rel[c].cast("string") == sp[f"s_{c}"]) for c in fixed_cols]
        joined = rel.join(sp, preds)
        joined = joined.mutate(inside=(joined.created_at >= joined.s_start) & (joined.created_at < joined.s_end))
        parts = [joined.group_by(["sid", "inside", joined[d].cast("string").name("level")])
                 .aggregate(count=joined.count()).mutate(dimension=ibis.literal(d)) for d in dims]
        query = parts[0]
        for p in parts[1:]:
            query = query.union(p, distinct=False)
        counts = execute(query.select("sid", "inside", "dimension", "level", "count"))
    info = info if info is not None else profile(rel)
    counts = counts[counts["level"].notna()]
    counts = counts.assign(inside=counts["inside"].astype(bool), count=counts["count"].astype("int64"))
    empty = pd.Series(dtype="int64", index=pd.Index([], dtype=object))
    by_spike: dict = {}
    for (sid, dim, inside), g in counts.groupby(["sid", "dimension", "inside"], sort=False):
        by_spike.setdefault(int(sid), {}).setdefault(dim, {})[bool(inside)] = g.groupby("level")["count"].sum()
    out = []
    for i, spike in enumerate(spikes.to_dict("records")):
        fixed = [c for c in fixed_cols if pd.notna(spike[c])]
        start, end = table.loc[i, "s_start"], table.loc[i, "s_end"]
        n_weeks = (end - start).days / 7
        ref_lo, ref_hi = table.loc[i, "s_lo"], table.loc[i, "s_hi"]
        data_lo = max(ref_lo, info.first.normalize())
        data_hi = min(ref_hi, info.last.normalize() + pd.Timedelta(days=1))
        ref_weeks = max(((start - data_lo).days + (data_hi - end).days) / 7, 1e-9)
        mine = by_spike.get(i, {})
        rows = []
        for dim in dimensions:
            if dim in fixed or dim not in dims or dim not in mine:
                continue
            d = mine[dim]
            obs, ref = d.get(True, empty), d.get(False, empty)
            levels = obs.index.union(ref.index)
            obs = obs.reindex(levels, fill_value=0).astype("int64")
            ref = ref.reindex(levels, fill_value=0).astype("int64")
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
        out.append(pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=cols))
    return out


#: A spike is explained by finer spikes holding at least this share of its excess ...
EXPLAIN_SHARE = 0.5
#: ... and at least this multiple of their usual share of its volume (else they are the spike itself, broken down).
EXPLAIN_LIFT = 1.5


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
    - ``in_period``: overlaps ``period`` (a :class:`csm.periods.Period`, or (start, end)).

    ``drivers``: the :func:`spikes_drivers` frames of the summary's rows, if already computed.
    """
    s = spikes.summary.copy()
    drivers = []
    frames = kwargs.pop("drivers", None)
    for d in (frames if frames is not None else spikes_drivers(tickets, s, **kwargs)):
        drivers.append("; ".join(f"{r.dimension}={r.level}" for r in d[d["driver"]].itertuples()))
    s["drivers"] = drivers
    h = spike_hierarchy(spikes, explain_share=explain_share, explain_lift=explain_lift)
    for col in h.columns:
        s[col] = h[col]
    if period is not None:
        p0, p1 = (period.start, period.end) if hasattr(period, "start") else map(pd.Timestamp, period)
        s["in_period"] = (s["start"] < p1) & (s["end"] >= p0)
    else:
        s["in_period"] = False
    return s

