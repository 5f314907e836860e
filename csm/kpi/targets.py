"""KPI targets: levels or changes against a baseline, deadlines, projections and a status per KPI."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy import stats as st

from csm.errors import ParameterError
from csm.kpi.definitions import is_rate, kpi_direction, period_bounds
from csm.notes import Note
from csm.periods import Period, parse_period

__all__ = ["TARGET_BASELINES", "TARGET_DEADLINES", "MIN_TREND_PERIODS", "MIN_BASELINE_SHARE", "check_targets",
           "baseline_start", "evaluate_targets"]

#: Baselines of change targets (``{"target_change": -0.10, "baseline": …}``). The named windows are relative
#: to the reporting period, so a stored parameter set works on any data range and in any future month.
#: The baseline is the mean of the KPI over the trend periods (months, quarters … as in the trend) that
#: start inside the window; trend periods only partly covered by the ticket data are left out.
TARGET_BASELINES: dict[str, str] = {
    "same_period_last_year": "the reporting period one year earlier (e.g. 2026-06 → 2025-06)",
    "previous_period": "the period just before the reporting period (the previous month, quarter, year or range)",
    "previous_12_months": "the 12 months just before the reporting period (its mean per trend period)",
    "first_period": "the first period of the trend (the default when no baseline is given)",
}
#: Other forms of ``baseline``: a number (a fixed baseline level), or an explicit period such as "2025" or
#: "2025-01-01..2025-12-31" (csm.periods syntax; fixed in the calendar, so skipped once the data no longer
#: covers it). ``baseline_period: [start, end]`` (inclusive dates) is the older spelling of an explicit period.

#: Deadlines: a date ("2026-12-31"), null (no deadline: no projection) or one of these, relative to the
#: reporting period; "N months" (e.g. "6 months") is N months after the reporting period ends.
TARGET_DEADLINES: dict[str, str] = {
    "end_of_period": "the last day of the reporting period",
    "end_of_quarter": "the last day of the calendar quarter holding the reporting period's last day",
    "end_of_year": "the last day of the calendar year holding the reporting period's last day",
    "N months": "N months after the reporting period ends, e.g. '6 months'",
}
#: Fewest trend periods a projection to the deadline (and so an on-track call) is made from. A line through two
#: points fits them exactly: it leaves no residual degree of freedom, so neither its slope's noise nor a prediction
#: interval can be estimated, and two noisy months extrapolated to the year end give absurd values. Three points
#: leave one degree of freedom: the prediction interval exists (and is wide, as it should be).
MIN_TREND_PERIODS = 3
#: Smallest share of its trend periods a relative target's baseline window must have data for. A baseline of one
#: month out of "the previous 12 months" is that month's level, not the window's; with less than half of the
#: window the target is not evaluated and the report names the parameter (``targets.<kpi>.baseline``) to change.
MIN_BASELINE_SHARE = 0.5
_TARGET_KEYS = {"target", "target_change", "direction", "deadline", "baseline", "baseline_period"}
_MONTHS_AHEAD = re.compile(r"^\+?\s*(\d{1,3})\s*months?$")

_TARGET_COLUMNS = ["kpi", "period", "actual", "ci_low", "ci_high", "target", "direction", "deadline", "baseline",
                   "actual_change", "target_change", "status", "projected", "projected_low", "projected_high",
                   "on_track", "n_periods_fit", "baseline_window", "baseline_n", "baseline_periods", "baseline_of",
                   "note"]


def _is_number(x) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool) and np.isfinite(x)


def check_targets(targets) -> None:
    """Raise ParameterError unless ``targets`` is a valid targets mapping (checked without data)."""
    if not isinstance(targets, dict):
        raise ParameterError("targets must be a mapping {kpi: {'target': …, 'direction': …, 'deadline': …}}")
    for code, spec in targets.items():
        if not isinstance(spec, dict) or not ({"target", "target_change"} & set(spec)):
            raise ParameterError(f"target for {code!r} must be a dict with 'target' or 'target_change', got {spec!r}")
        unknown = set(spec) - _TARGET_KEYS
        if unknown:
            raise ParameterError(f"target for {code!r} has unknown keys {sorted(unknown)}; allowed: "
                                 f"{sorted(_TARGET_KEYS)}")
        for key in ("target", "target_change"):
            if key in spec and not _is_number(spec[key]):
                raise ParameterError(f"targets.{code}.{key} must be a number, got {spec[key]!r}")
        for key in ("target", "baseline"):  # a rate is a fraction: 0.80, never 80
            if is_rate(code) and _is_number(spec.get(key)) and not 0 <= spec[key] <= 1:
                raise ParameterError(f"targets.{code}.{key} is {spec[key]!r}, but {code} is a rate, written as a "
                                     f"fraction from 0 to 1: write {spec[key] / 100:.2f} for {spec[key]:g}%")
        if spec.get("direction") not in (None, "higher", "lower"):
            raise ParameterError(f"targets.{code}.direction must be 'higher' or 'lower', got {spec['direction']!r}")
        base = spec.get("baseline")
        if base is not None and not _is_number(base) and base not in TARGET_BASELINES:
            ok = isinstance(base, str) and not base.strip().startswith("latest")
            if ok:
                try:
                    parse_period(base)
                except ParameterError:
                    ok = False
            if not ok:
                raise ParameterError(
                    f"targets.{code}.baseline must be a number, one of {', '.join(TARGET_BASELINES)}, or a "
                    f"period such as '2025' or '2025-01-01..2025-12-31'; got {base!r}")
        if spec.get("baseline_period") is not None:
            period_bounds(spec["baseline_period"], f"targets.{code}.baseline_period")
        _deadline(spec.get("deadline"), None, code, check_only=True)


def _deadline(spec, period, code: str, *, check_only: bool = False):
    """The deadline date of a target (see :data:`TARGET_DEADLINES`), or None."""
    if spec is None:
        return None
    text = str(spec).strip()
    m = _MONTHS_AHEAD.match(text)
    if text in TARGET_DEADLINES or m:
        if check_only:
            return None
        if period is None:
            raise ParameterError(f"targets.{code}.deadline {text!r} is relative to the reporting period; "
                                 "pass period= to evaluate_targets")
        last = period.last_day
        if text == "end_of_period":
            return last
        if text == "end_of_quarter":
            return (last.to_period("Q").end_time).normalize()
        if text == "end_of_year":
            return pd.Timestamp(last.year, 12, 31)
        return (period.end + pd.DateOffset(months=int(m.group(1))) - pd.Timedelta(days=1)).normalize()
    try:
        return pd.Timestamp(text)
    except (ValueError, TypeError):
        raise ParameterError(f"targets.{code}.deadline must be a date like '2026-12-31', null, or one of "
                             f"end_of_period, end_of_quarter, end_of_year, 'N months'; got {spec!r}") from None


def _baseline_window(spec: dict, period, code: str):
    """(window Period or None, how it is named) of a change target's baseline."""
    if spec.get("baseline_period") is not None:
        s, e = period_bounds(spec["baseline_period"], f"targets.{code}.baseline_period")
        return Period(s, e, "range"), "baseline_period"
    base = spec.get("baseline", "first_period")
    if base == "first_period":
        return None, "baseline"
    if base in TARGET_BASELINES:
        if period is None:
            raise ParameterError(f"targets.{code}.baseline {base!r} is relative to the reporting period; "
                                 "pass period= to evaluate_targets")
        if base == "same_period_last_year":
            return period.shifted("year_ago"), "baseline"
        if base == "previous_period":
            return period.shifted("previous"), "baseline"
        return Period(period.start - pd.DateOffset(months=12), period.start, "range"), "baseline"
    return parse_period(str(base)), "baseline"


def baseline_start(targets: dict | None, period) -> pd.Timestamp | None:
    """Earliest start of the baseline windows of ``targets`` for ``period``: the trend passed to
    :func:`evaluate_targets` must start there (or earlier) to hold every baseline."""
    starts = []
    for code, spec in (targets or {}).items():
        if isinstance(spec, dict) and "target_change" in spec and not _is_number(spec.get("baseline")):
            window, _ = _baseline_window(spec, period, code)
            if window is not None:
                starts.append(window.start)
    return min(starts) if starts else None


def _linear_projection(x: np.ndarray, y: np.ndarray, x0: float, conf: float):
    """OLS line through (x, y); prediction at x0 with its prediction interval (NaN with fewer than
    :data:`MIN_TREND_PERIODS` points)."""
    m = x.size
    if m < max(MIN_TREND_PERIODS, 3):
        return np.nan, np.nan, np.nan
    xb = x.mean()
    sxx = np.sum((x - xb) ** 2)
    if sxx == 0:
        return np.nan, np.nan, np.nan
    b = np.sum((x - xb) * (y - y.mean())) / sxx
    a = y.mean() - b * xb
    pred = a + b * x0
    s2 = np.sum((y - a - b * x) ** 2) / (m - 2)
    se = np.sqrt(s2 * (1 + 1 / m + (x0 - xb) ** 2 / sxx))
    t = st.t.ppf(0.5 + conf / 2, m - 2)
    return pred, pred - t * se, pred + t * se


def evaluate_targets(trend: pd.DataFrame, targets: dict | None, *, as_of=None, period=None, k: int = 6,
                     confidence: float = 0.95) -> pd.DataFrame:
    """Compare the latest value of each KPI in ``trend`` (from :func:`kpi_trend`) with its target.

    ``targets``: ``{kpi: {"target": level} or {"target_change": relative change, "baseline": …},
    "direction": "higher"|"lower", "deadline": …}`` — ``baseline`` is a number, one of
    :data:`TARGET_BASELINES` (relative to ``period``, the reporting :class:`~csm.periods.Period`) or an
    explicit period; ``deadline`` a date, None or one of :data:`TARGET_DEADLINES`. ``as_of`` defaults
    to the last day of ``period``. Direction defaults to the KPI's better direction (for
    ``target_change``: lower if negative). A change target becomes the level ``baseline × (1 +
    target_change)``; the baseline is the mean of the trend's estimates in the baseline window (the
    trend must reach back that far: see :func:`baseline_start`).

    *actual*: the latest period starting on or before ``as_of`` with an estimate.
    *projection*: OLS of estimate on period start (days) over the last ``k`` periods, predicted at
    the deadline with a ``confidence`` prediction interval (only for deadlines not yet passed, and only
    from at least :data:`MIN_TREND_PERIODS` periods: with fewer, ``projected`` is NaN, ``on_track`` is
    missing and ``note`` says so); ``on_track`` = the projected value meets the target.
    *status*: "met" — actual meets the target; "at_risk" — not met, but the actual's interval
    contains the target or the projection is on track; "missed" — neither; "no_data" — no estimate;
    "not_evaluated" — a change target whose baseline window has data in fewer than
    :data:`MIN_BASELINE_SHARE` of its trend periods (none at all included; ``note`` names the parameter to
    change; ``baseline_window`` the window, ``baseline_n`` / ``baseline_periods`` the periods with data /
    in the window, ``baseline_of`` the parameter). Never raises for lack of data.
    """
    if targets is None:
        targets = {}
    check_targets(targets)
    need = {"period_start", "kpi", "estimate", "ci_low", "ci_high"}
    if not need <= set(trend.columns):
        raise ParameterError(f"trend must be a frame from kpi_trend with columns {sorted(need)}")
    if as_of is None:
        if period is None:
            raise ParameterError("evaluate_targets needs as_of= (a date) or period= (the reporting period)")
        as_of = period.last_day
    as_of = pd.Timestamp(as_of)
    rows = []
    for code, spec in targets.items():
        row = dict.fromkeys(_TARGET_COLUMNS, np.nan)
        row.update(kpi=code, note=(), status="no_data", on_track=None, baseline_window="", baseline_of="")
        every = trend[(trend["kpi"] == code) & (pd.to_datetime(trend["period_start"]) <= as_of)].sort_values("period_start")
        sub = every[every["estimate"].notna()]
        direction = spec.get("direction")
        if direction is None:
            direction = ("lower" if spec["target_change"] < 0 else "higher") if "target_change" in spec \
                else kpi_direction(code)
        row["direction"] = direction
        deadline = _deadline(spec.get("deadline"), period, code)
        row["deadline"] = deadline
        if sub.empty:
            row["note"] = (Note("no_estimate", as_of=f"{as_of:%Y-%m-%d}"),)
            rows.append(row)
            continue
        periods = pd.to_datetime(sub["period_start"])
        if "target" in spec:
            target = float(spec["target"])
        else:
            row["target_change"] = float(spec["target_change"])
            if _is_number(spec.get("baseline")):
                baseline = float(spec["baseline"])
            else:
                window, of = _baseline_window(spec, period, code)
                if window is None:
                    baseline = float(sub["estimate"].iloc[0])
                    row["note"] = (Note("baseline_first_period", start=f"{periods.iloc[0]:%Y-%m-%d}"),)
                else:
                    p_all = pd.to_datetime(every["period_start"])
                    in_w = ((p_all >= window.start) & (p_all < window.end)).to_numpy()
                    partly = np.array([any(n.code == "partly_covered" for n in notes) for notes in every["note"]],
                                      dtype=bool) if "note" in every else np.zeros(len(every), dtype=bool)
                    usable = in_w & every["estimate"].notna().to_numpy() & ~partly
                    expected = max(int(in_w.sum()), _periods_in(window, p_all))
                    row.update(baseline_window=window.label, baseline_n=int(usable.sum()),
                               baseline_periods=expected, baseline_of=f"targets.{code}.{of}")
                    if not usable.any():
                        row["status"] = "not_evaluated"
                        row["note"] = (Note("baseline_empty", window=window.label,
                                            parameter=f"targets.{code}.{of}", value=repr(spec.get(of))),)
                        rows.append(row)
                        continue
                    needed = int(np.ceil(MIN_BASELINE_SHARE * expected))
                    if usable.sum() < needed:
                        row["status"] = "not_evaluated"
                        row["note"] = (Note("baseline_thin", window=window.label, n=int(usable.sum()),
                                            total=expected, needed=needed, parameter=f"targets.{code}.{of}",
                                            value=repr(spec.get(of))),)
                        rows.append(row)
                        continue
                    baseline = float(every.loc[usable, "estimate"].mean())
                    if usable.sum() < expected:
                        row["note"] = (Note("baseline_partial", window=window.label, n=int(usable.sum()),
                                            total=expected),)
            row["baseline"] = baseline
            target = baseline * (1 + row["target_change"])
        row["target"] = target
        last = sub.iloc[-1]
        actual = float(last["estimate"])
        row.update(period=periods.iloc[-1], actual=actual, ci_low=float(last["ci_low"]),
                   ci_high=float(last["ci_high"]))
        if np.isfinite(row["baseline"]) and row["baseline"] != 0:
            row["actual_change"] = actual / row["baseline"] - 1

        def meets(v):
            return v >= target if direction == "higher" else v <= target

        met = meets(actual)
        contains = bool(row["ci_low"] <= target <= row["ci_high"])
        on_track = None
        if deadline is not None and deadline >= as_of:
            tail = sub.tail(k)
            origin = periods.iloc[0]
            x = ((pd.to_datetime(tail["period_start"]) - origin) / pd.Timedelta(days=1)).to_numpy(dtype=float)
            x0 = (deadline - origin) / pd.Timedelta(days=1)
            pred, plo, phi = _linear_projection(x, tail["estimate"].to_numpy(dtype=float), x0, confidence)
            row.update(projected=pred, projected_low=plo, projected_high=phi, n_periods_fit=len(tail))
            if np.isfinite(pred):
                on_track = bool(meets(pred))
            elif len(tail) < MIN_TREND_PERIODS:
                row["note"] = tuple(row["note"]) + (Note("no_projection", n=len(tail), needed=MIN_TREND_PERIODS,
                                                         deadline=f"{deadline:%Y-%m-%d}"),)
        row["on_track"] = on_track
        row["status"] = "met" if met else ("at_risk" if (contains or on_track) else "missed")
        rows.append(row)
    out = pd.DataFrame(rows, columns=_TARGET_COLUMNS)
    out["on_track"] = out["on_track"].astype("boolean")
    out["baseline_n"] = out["baseline_n"].astype("Int64")
    out["baseline_periods"] = out["baseline_periods"].astype("Int64")
    return out


def _periods_in(window, periods: pd.Series) -> int:
    """How many trend periods (of the spacing seen in ``periods``) start inside ``window``."""
    p = pd.DatetimeIndex(periods.drop_duplicates().sort_values())
    if len(p) < 2:
        return 0
    step = pd.Series(p).diff().dropna().median()
    days = (window.end - window.start) / pd.Timedelta(days=1)
    return int(round(days / (step / pd.Timedelta(days=1))))
