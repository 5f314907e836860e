"""Statistical process control of daily KPIs: p chart (rates), individuals/moving-range chart (means)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from csm.errors import DataError, ParameterError
from csm.kpi.calendar import NS_DAY
from csm.kpi.definitions import resolve_definitions

__all__ = ["p_chart", "individuals_chart", "fcr_p_chart", "aht_individuals_chart", "aht_chart_from", "fcr_chart_from"]

def _run_signal(value: np.ndarray, center: np.ndarray, run_length: int) -> np.ndarray:
    """Western Electric rule 4: the ``run_length``-th and later consecutive points on one side of centre.

    Points exactly on the centre line break a run; missing points are skipped.
    """
    out = np.zeros(value.shape, dtype=bool)
    ok = ~np.isnan(value) & ~np.isnan(center)
    side = np.sign(value[ok] - center[ok])
    if side.size == 0:
        return out
    new_run = np.concatenate([[True], side[1:] != side[:-1]])
    run_id = np.cumsum(new_run)
    pos = np.arange(side.size) - np.flatnonzero(new_run)[run_id - 1] + 1
    out[np.flatnonzero(ok)] = (side != 0) & (pos >= run_length)
    return out


def _float_array(x) -> np.ndarray:
    if isinstance(x, pd.Series):
        return x.to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(x, dtype=float)


def _dates_of(x, n: int):
    if isinstance(x, pd.Series):
        return x.index
    return pd.RangeIndex(n)


def _baseline_mask(n: int, baseline) -> np.ndarray:
    m = np.zeros(n, dtype=bool)
    if baseline is None:
        m[:] = True
    elif isinstance(baseline, (int, np.integer)):
        if baseline < 2:
            raise ParameterError(f"baseline must be ≥ 2 points, got {baseline}")
        m[:baseline] = True
    else:
        raise ParameterError("baseline must be None (all points) or the number of leading points to use")
    return m


def p_chart(successes, trials, *, sigma: float = 3.0, run_length: int = 8,
            baseline: int | None = None) -> pd.DataFrame:
    """p chart of a daily rate (e.g. first-contact resolution) with per-point limits.

    ``p̄ = Σk/Σn`` over the baseline points (default all); ``limits = p̄ ± sigma·√(p̄(1−p̄)/nᵢ)``,
    clipped to [0, 1]. ``successes``/``trials`` are Series indexed by date (or arrays).
    Columns: date, value (kᵢ/nᵢ), n, center, lcl, ucl, out_of_control (beyond a limit),
    run_signal (Western Electric: ``run_length`` points in a row on one side of centre), signal.
    """
    k, n = _float_array(successes), _float_array(trials)
    if k.shape != n.shape:
        raise ParameterError("successes and trials must have the same length")
    if np.any((k < 0) | (k > n)):
        raise ParameterError("successes must lie between 0 and trials on every day")
    base = _baseline_mask(k.size, baseline) & (n > 0)
    pbar = k[base].sum() / n[base].sum() if n[base].sum() > 0 else np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(n > 0, k / n, np.nan)
        half = sigma * np.sqrt(pbar * (1 - pbar) / n)
    lcl = np.where(n > 0, np.clip(pbar - half, 0, 1), np.nan)
    ucl = np.where(n > 0, np.clip(pbar + half, 0, 1), np.nan)
    center = np.full(k.size, pbar)
    out = pd.DataFrame({"date": _dates_of(successes, k.size), "value": value, "n": n, "center": center,
                        "lcl": lcl, "ucl": ucl})
    out["out_of_control"] = (value > ucl) | (value < lcl)
    out["run_signal"] = _run_signal(value, center, run_length)
    out["signal"] = out["out_of_control"] | out["run_signal"]
    return out


def individuals_chart(values, *, run_length: int = 8, baseline: int | None = None) -> pd.DataFrame:
    """Individuals and moving-range (XmR) chart, e.g. for daily average handle time.

    ``mRᵢ = |xᵢ − xᵢ₋₁|``; centre ``x̄``; limits ``x̄ ± 2.66·mR̄`` (2.66 = 3/d₂, d₂ = 1.128),
    both from the baseline points (default all). ``values``: Series indexed by date (or array).
    Columns: date, value, moving_range, center, lcl, ucl, out_of_control, run_signal, signal.
    """
    x = _float_array(values)
    ok = ~np.isnan(x)
    mr = np.full(x.size, np.nan)
    idx = np.flatnonzero(ok)
    mr[idx[1:]] = np.abs(np.diff(x[idx]))
    base = _baseline_mask(x.size, baseline)
    if np.sum(base & ok) < 2:
        raise ParameterError("an individuals chart needs at least 2 values in the baseline")
    xbar = np.nanmean(x[base])
    mrbar = np.nanmean(mr[base])
    center = np.full(x.size, xbar)
    out = pd.DataFrame({"date": _dates_of(values, x.size), "value": x, "moving_range": mr, "center": center,
                        "lcl": xbar - 2.66 * mrbar, "ucl": xbar + 2.66 * mrbar})
    out["out_of_control"] = (out["value"] > out["ucl"]) | (out["value"] < out["lcl"])
    out["run_signal"] = _run_signal(x, center, run_length)
    out["signal"] = out["out_of_control"] | out["run_signal"]
    return out


def _daily_stats(tickets, definitions, *, spc_window=(None, None)):
    from csm.kpi.inputs import Inputs, PeriodPlan, Stats

    defs = resolve_definitions(definitions)
    inp = Inputs(tickets, None, None, defs)
    return inp, Stats(inp, PeriodPlan([], spc_window), spc_window=spc_window, spc_median=defs["aht_statistic"] == "median")


def _days(cells: pd.DataFrame, n_col: str):
    """The chart's days: every calendar day from the first to the last day with a value (day numbers, dates)."""
    has = cells.loc[cells[n_col] > 0, "day"] if cells is not None and n_col in cells else pd.Series([], dtype=int)
    if has.empty:
        raise DataError("no tickets in the chart window: nothing to chart")
    days = np.arange(has.min(), has.max() + 1, dtype=np.int64)
    return days, pd.DatetimeIndex((days * NS_DAY).astype("datetime64[ns]"))


def fcr_p_chart(tickets, *, definitions: dict | None = None, **chart_options) -> pd.DataFrame:
    """p chart of the daily first-contact resolution rate (tickets by creation day; see :func:`p_chart`).
    ``tickets``: a pandas frame or an Ibis table; the daily counts are computed in the engine."""
    inp, stats = _daily_stats(tickets, definitions)
    return fcr_chart_from(inp, stats, **chart_options)


def fcr_chart_from(inp, stats, **chart_options) -> pd.DataFrame:
    if not inp.fcr_ok_possible:
        raise DataError(f"cannot chart first-contact resolution: {inp.fcr_note}")
    cells = stats.daily()
    days, dates = _days(cells, "fcr_n")
    by_day = cells.groupby("day")[["fcr_n", "fcr_k"]].sum().reindex(days, fill_value=0.0)
    return p_chart(pd.Series(by_day["fcr_k"].to_numpy(float), index=dates),
                   pd.Series(by_day["fcr_n"].to_numpy(float), index=dates), **chart_options)


def aht_individuals_chart(tickets, *, definitions: dict | None = None, **chart_options) -> pd.DataFrame:
    """XmR chart of the daily mean (or median, per ``aht_statistic``) handle time (see :func:`individuals_chart`).
    ``tickets``: a pandas frame or an Ibis table; the daily means (exact medians) are computed in the engine."""
    inp, stats = _daily_stats(tickets, definitions)
    return aht_chart_from(inp, stats, **chart_options)


def aht_chart_from(inp, stats, **chart_options) -> pd.DataFrame:
    if not inp.has_aht:
        raise DataError("cannot chart handle time: tickets.handle_time_minutes missing")
    cells = stats.daily()
    days, dates = _days(cells, "aht_n")
    if inp.defs["aht_statistic"] == "mean":
        by_day = cells.groupby("day")[["aht_n", "aht_s"]].sum().reindex(days, fill_value=0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.where(by_day["aht_n"] > 0, by_day["aht_s"] / by_day["aht_n"], np.nan)
    else:
        value = np.array([stats.order.get(("aht_day", int(d), -1), (0, np.nan))[1] for d in days])
    return individuals_chart(pd.Series(value, index=dates), **chart_options)
