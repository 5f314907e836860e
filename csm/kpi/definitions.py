"""KPI definitions: the defaults and their checks, the unit and better direction of each KPI, reporting periods
as ``(start, end)`` bounds. :data:`DEFAULT_DEFINITIONS` lists every choice with its default."""
from __future__ import annotations

import numpy as np
import pandas as pd

from csm.errors import ParameterError
from csm.kpi.calendar import NAT, BusinessCalendar
from csm.periods import Period

__all__ = ["DEFAULT_DEFINITIONS", "UNITS", "is_rate", "kpi_direction", "resolve_definitions", "sla_code",
           "period_bounds", "period_index"]

#: Default KPI definitions; pass a dict with any of these keys as ``definitions`` to change them.
DEFAULT_DEFINITIONS: dict = {
    "confidence": 0.95,          # level of every interval
    "csat_satisfied": (4, 5),    # CSAT scores counted as "satisfied" in csat_pct_satisfied
    "fcr": "auto",               # "flag": first_contact_resolved; "contacts": contacts == 1; "auto": flag if present
    "aht_statistic": "mean",     # "mean" (t interval) or "median" (order-statistic interval)
    "time_statistic": "median",  # statistic of first-response and resolution times
    "time_clock": "calendar",    # clock of first-response and resolution times: "calendar" or "business"
    "business_calendar": None,   # BusinessCalendar (or dict of its arguments); None = Mon–Fri 09:00–18:00
    "sla_hours": 24,             # resolution SLA, hours
    "sla_clock": "calendar",     # clock of the SLA: "calendar" or "business"
    "sla_as_of": "period_end",   # unresolved tickets judged at the period end ("period_end") or at the
                                 # latest timestamp in the data ("latest")
    "complaint_categories": None,  # None: every ticket is a complaint; or a list of category codes
}

UNITS = {"csat_mean": "score (1–5)", "csat_pct_satisfied": "%", "nps": "points", "fcr_rate": "%",
          "aht_minutes": "minutes", "first_response_minutes": "minutes", "resolution_hours": "hours",
          "sla": "%", "complaints": "tickets", "churn_rate": "%"}
_LOWER_IS_BETTER = ("aht_minutes", "first_response_minutes", "resolution_hours", "complaints", "churn_rate")


def is_rate(kpi: str) -> bool:
    """Whether a KPI code is a rate (a fraction 0–1): fcr_rate, csat_pct_satisfied, churn_rate, sla_<h>h_rate."""
    return UNITS.get(kpi) == "%" or (kpi.startswith("sla_") and kpi.endswith("_rate"))


def kpi_direction(kpi: str) -> str:
    """"higher" or "lower": which direction is better for a KPI code."""
    return "lower" if any(kpi == c or kpi.startswith(c + "_") for c in _LOWER_IS_BETTER) else "higher"


def resolve_definitions(definitions: dict | None) -> dict:
    defs = dict(DEFAULT_DEFINITIONS)
    if definitions:
        unknown = set(definitions) - set(DEFAULT_DEFINITIONS)
        if unknown:
            raise ParameterError(f"unknown KPI definition(s) {sorted(unknown)}; valid keys: "
                                 f"{sorted(DEFAULT_DEFINITIONS)}")
        defs.update(definitions)
    choices = {"fcr": ("auto", "flag", "contacts"), "aht_statistic": ("mean", "median"),
               "time_statistic": ("mean", "median"), "time_clock": ("calendar", "business"),
               "sla_clock": ("calendar", "business"), "sla_as_of": ("period_end", "latest")}
    for key, allowed in choices.items():
        if defs[key] not in allowed:
            raise ParameterError(f"definition {key!r} must be one of {allowed}, got {defs[key]!r}")
    if not (isinstance(defs["sla_hours"], (int, float)) and defs["sla_hours"] > 0):
        raise ParameterError(f"definition 'sla_hours' must be a positive number of hours, got {defs['sla_hours']!r}")
    sat = tuple(defs["csat_satisfied"])
    if not sat or any(s not in (1, 2, 3, 4, 5) for s in sat):
        raise ParameterError(f"definition 'csat_satisfied' must list CSAT scores 1–5, got {defs['csat_satisfied']!r}")
    defs["csat_satisfied"] = sat
    cal = defs["business_calendar"]
    if cal is None:
        defs["business_calendar"] = BusinessCalendar()
    elif isinstance(cal, dict):
        defs["business_calendar"] = BusinessCalendar(**cal)
    elif not isinstance(cal, BusinessCalendar):
        raise ParameterError("definition 'business_calendar' must be a BusinessCalendar or a dict of its arguments")
    if not (0 < defs["confidence"] < 1):
        raise ParameterError(f"definition 'confidence' must be between 0 and 1, got {defs['confidence']!r}")
    return defs


def sla_code(defs: dict) -> str:
    return f"sla_{defs['sla_hours']:g}h_rate".replace(".", "_")


def period_bounds(period, what: str = "period") -> tuple[pd.Timestamp, pd.Timestamp]:
    """(start, exclusive end) of a :class:`csm.periods.Period` (half-open already), or of a ``(start, end)`` pair
    typed by hand, whose ``end`` is inclusive: a date (midnight) covers that whole day."""
    if isinstance(period, Period):
        return pd.Timestamp(period.start), pd.Timestamp(period.end)
    try:
        start, end = period
        start, end = pd.Timestamp(start), pd.Timestamp(end)
    except (TypeError, ValueError):
        raise ParameterError(f"{what} must be a (start, end) pair of dates such as ('2025-01-01', '2025-03-31'), "
                             f"got {period!r}") from None
    if start.tz is not None or end.tz is not None:
        start, end = start.tz_localize(None), end.tz_localize(None)
    end_excl = end + pd.Timedelta(days=1) if end == end.normalize() else end
    if end_excl <= start:
        raise ParameterError(f"{what} end ({end}) must not be before its start ({start})")
    return start, end_excl


def period_index(t: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Index of the (sorted, non-overlapping) period containing each time, −1 if none."""
    idx = np.searchsorted(starts, t, side="right") - 1
    ok = (idx >= 0) & (t != NAT)
    ok &= t < ends[np.clip(idx, 0, None)]
    return np.where(ok, idx, -1)
