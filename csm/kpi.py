"""Customer-service KPIs: named definitions, scorecard, trend, targets, process control, league tables.

Every KPI has a stable code, a stated formula and a default definition; alternatives are chosen
with the ``definitions`` dict (see :data:`DEFAULT_DEFINITIONS`). Inputs are the contract tables
(:mod:`csm.data.contract`): ``tickets``, ``responses``, ``customers``. Missing optional tables or
columns never raise: the KPIs that need them come back with ``estimate`` NaN and a ``note``.

KPI codes (rates are in percent, 0–100; NPS in points, −100…100):

======================  ======================================================================
code                    definition (default)
======================  ======================================================================
csat_mean               mean CSAT score (1–5) of responses submitted in the period; t interval
csat_pct_satisfied      % of CSAT responses scoring 4 or 5 (``csat_satisfied``); Wilson interval
nps                     % promoters (9–10) − % detractors (0–6); multinomial normal interval
fcr_rate                % of resolved tickets resolved at first contact (flag, else contacts == 1)
aht_minutes             mean (or median) ``handle_time_minutes`` of tickets created in the period
first_response_minutes  median minutes from creation to first reply (answered tickets); also
                        one row per channel: ``first_response_minutes_<channel>``
resolution_hours        median hours from creation to resolution (resolved tickets)
sla_24h_rate            % of tickets resolved within the SLA (24 h); see :func:`sla_rate` rules
complaints              number of tickets created in the period; exact Poisson interval
churn_rate              customers lost in the period / customers active at its start × 100
======================  ======================================================================

Tickets belong to the period in which they were *created*, responses to the period in which
they were *submitted*.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as st

from csm.compat import STR
from csm.data.contract import CHANNELS
from csm.errors import DataError, ParameterError
from csm.periods import parse_period
from csm.stats import (
    mean_difference_from_stats,
    mean_interval_from_stats,
    median_ci_ranks,
    nps_difference_from_counts,
    nps_interval_from_counts,
    poisson_interval,
    proportion_difference,
    rate_ratio_test,
    shrink_means,
    shrink_proportions,
    wilson_interval,
)

__all__ = [
    "DEFAULT_DEFINITIONS",
    "BusinessCalendar",
    "kpi_direction",
    "csat",
    "net_promoter_score",
    "first_contact_resolution_rate",
    "average_handle_time",
    "first_response_time",
    "resolution_time",
    "sla_rate",
    "complaint_volume",
    "churn_rate",
    "scorecard",
    "kpi_trend",
    "evaluate_targets",
    "skipped_sections",
    "SECTION_INPUTS",
    "holiday_years_missing",
    "check_targets",
    "baseline_start",
    "TARGET_BASELINES",
    "TARGET_DEADLINES",
    "MIN_TREND_PERIODS",
    "MIN_BASELINE_SHARE",
    "p_chart",
    "individuals_chart",
    "fcr_p_chart",
    "aht_individuals_chart",
    "league_table",
]

_NS_SEC = 10**9
_NS_MIN = 60 * _NS_SEC
_NS_HOUR = 3600 * _NS_SEC
_NS_DAY = 86400 * _NS_SEC
_NAT = np.iinfo(np.int64).min

#: Default KPI definitions; pass a dict with any of these keys as ``definitions`` to change them.
DEFAULT_DEFINITIONS: dict = {
    "confidence": 0.95,          # level of every interval
    "csat_satisfied": (4, 5),    # CSAT scores counted as "satisfied" in csat_pct_satisfied
    "fcr": "auto",               # "flag": first_contact_resolved; "contacts": contacts == 1; "auto": flag if present
    "aht_statistic": "mean",     # "mean" (t interval) or "median" (order-statistic interval)
    "time_statistic": "median",  # statistic of first-response and resolution times
    "hours": "calendar",         # clock of first-response and resolution times: "calendar" or "business"
    "business_calendar": None,   # BusinessCalendar (or dict of its arguments); None = Mon–Fri 09:00–18:00
    "sla_hours": 24,             # resolution SLA, hours
    "sla_clock": "calendar",     # clock of the SLA: "calendar" or "business"
    "sla_as_of": "period_end",   # unresolved tickets judged at the period end ("period_end") or at the
                                 # latest timestamp in the data ("latest")
    "complaint_categories": None,  # None: every ticket is a complaint; or a list of category codes
}

_UNITS = {"csat_mean": "score (1–5)", "csat_pct_satisfied": "%", "nps": "points", "fcr_rate": "%",
          "aht_minutes": "minutes", "first_response_minutes": "minutes", "resolution_hours": "hours",
          "sla": "%", "complaints": "tickets", "churn_rate": "%"}
_LOWER_IS_BETTER = ("aht_minutes", "first_response_minutes", "resolution_hours", "complaints", "churn_rate")


def kpi_direction(kpi: str) -> str:
    """"higher" or "lower": which direction is better for a KPI code."""
    return "lower" if any(kpi == c or kpi.startswith(c + "_") for c in _LOWER_IS_BETTER) else "higher"


# =========================================================================== business calendar
def _parse_clock(text: str, what: str) -> int:
    try:
        parts = [int(p) for p in str(text).split(":")]
        if len(parts) not in (2, 3):
            raise ValueError
        h, m, s = (parts + [0])[:3]
        seconds = h * 3600 + m * 60 + s
        if not (0 <= m < 60 and 0 <= s < 60 and 0 <= seconds <= 86400):
            raise ValueError
    except ValueError:
        raise ParameterError(f"BusinessCalendar {what} must be a clock time like '09:00' (00:00–24:00), "
                             f"got {text!r}") from None
    return seconds * _NS_SEC


@dataclass(frozen=True)
class BusinessCalendar:
    """Working days and hours for business-hour durations.

    ``workdays``: weekday numbers (Monday = 0 … Sunday = 6); ``start``/``end``: daily opening
    hours ("HH:MM", ``end`` may be "24:00"; overnight shifts are not supported); ``holidays``:
    dates that are closed all day.
    """

    workdays: tuple = (0, 1, 2, 3, 4)
    start: str = "09:00"
    end: str = "18:00"
    holidays: tuple = field(default=())

    def __post_init__(self):
        days = tuple(sorted({int(d) for d in self.workdays}))
        if not days or any(d < 0 or d > 6 for d in days):
            raise ParameterError(f"BusinessCalendar workdays must be weekday numbers 0 (Mon) … 6 (Sun), "
                                 f"got {self.workdays!r}")
        s, e = _parse_clock(self.start, "start"), _parse_clock(self.end, "end")
        if e <= s:
            raise ParameterError(f"BusinessCalendar end ({self.end}) must be after start ({self.start}); "
                                 "overnight opening hours are not supported")
        try:
            hol = tuple(sorted({pd.Timestamp(h).strftime("%Y-%m-%d") for h in self.holidays}))
        except (ValueError, TypeError):
            raise ParameterError(f"BusinessCalendar holidays must be dates like '2025-10-01', "
                                 f"got {self.holidays!r}") from None
        object.__setattr__(self, "workdays", days)
        object.__setattr__(self, "holidays", hol)
        object.__setattr__(self, "_start_ns", s)
        object.__setattr__(self, "_len_ns", e - s)
        object.__setattr__(self, "_cal", np.busdaycalendar(
            weekmask=[1 if d in days else 0 for d in range(7)],
            holidays=np.array(hol, dtype="datetime64[D]")))

    @property
    def hours_per_day(self) -> float:
        return self._len_ns / _NS_HOUR

    def _cumulative(self, t: np.ndarray, epoch: np.datetime64) -> np.ndarray:
        """Business nanoseconds from ``epoch`` (a date) to each time ``t`` (int64 ns, no NaT)."""
        day = t // _NS_DAY
        days = day.astype("datetime64[D]")
        tod = t - day * _NS_DAY
        count = np.busday_count(epoch, days, busdaycal=self._cal).astype(np.int64)
        open_ = np.is_busday(days, busdaycal=self._cal)
        return count * self._len_ns + open_ * np.clip(tod - self._start_ns, 0, self._len_ns)

    def _hours_ns(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        bad = (start == _NAT) | (end == _NAT)
        if bad.all():
            return np.full(start.shape, np.nan)
        fill = start[~bad].min()
        s, e = np.where(bad, fill, start), np.where(bad, fill, end)
        epoch = (min(s.min(), e.min()) // _NS_DAY).astype("datetime64[D]")
        out = (self._cumulative(e, epoch) - self._cumulative(s, epoch)) / _NS_HOUR
        out[bad] = np.nan
        return out

    def business_hours_between(self, start, end):
        """Business hours between ``start`` and ``end`` (vectorised; NaT gives NaN; negative if end < start).

        ``B(t)`` = open hours from a fixed date to ``t`` = (working days before t's date) × day length
        + (time of day past opening, clipped to the day length, if t's date is a working day);
        the result is ``B(end) − B(start)``. Uses ``numpy.busday_count``; no per-row Python loop.
        Returns a Series (index of ``start``) for Series input, else a float array or a float.
        """
        scalar = np.ndim(start) == 0 and np.ndim(end) == 0
        s = _to_ns(pd.Series([start]) if np.ndim(start) == 0 else start)
        e = _to_ns(pd.Series([end]) if np.ndim(end) == 0 else end)
        s, e = np.broadcast_arrays(s, e)
        out = self._hours_ns(np.ascontiguousarray(s), np.ascontiguousarray(e))
        if scalar:
            return float(out[0])
        if isinstance(start, pd.Series):
            return pd.Series(out, index=start.index)
        return out


def _to_ns(values, where: str = "") -> np.ndarray:
    """Date-times as int64 nanoseconds (NaT = int64 min); any datetime unit, tz dropped to local time."""
    try:
        idx = pd.DatetimeIndex(pd.to_datetime(values) if not isinstance(values, pd.DatetimeIndex) else values)
    except (ValueError, TypeError) as exc:
        raise DataError(f"{where or 'values'}: could not read as date-times ({exc}); expected dates such as "
                        "2025-03-31 or 2025-03-31 14:05") from None
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    return np.asarray(idx.as_unit("ns").asi8, dtype=np.int64)


# =========================================================================== definitions and periods
def _definitions(definitions: dict | None) -> dict:
    defs = dict(DEFAULT_DEFINITIONS)
    if definitions:
        unknown = set(definitions) - set(DEFAULT_DEFINITIONS)
        if unknown:
            raise ParameterError(f"unknown KPI definition(s) {sorted(unknown)}; valid keys: "
                                 f"{sorted(DEFAULT_DEFINITIONS)}")
        defs.update(definitions)
    choices = {"fcr": ("auto", "flag", "contacts"), "aht_statistic": ("mean", "median"),
               "time_statistic": ("mean", "median"), "hours": ("calendar", "business"),
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


def _sla_code(defs: dict) -> str:
    return f"sla_{defs['sla_hours']:g}h_rate".replace(".", "_")


def _period_bounds(period, what: str = "period") -> tuple[pd.Timestamp, pd.Timestamp]:
    """(start, exclusive end). ``end`` is inclusive: a date (midnight) covers that whole day."""
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


def _period_index(t: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Index of the (sorted, non-overlapping) period containing each time, −1 if none."""
    idx = np.searchsorted(starts, t, side="right") - 1
    ok = (idx >= 0) & (t != _NAT)
    ok &= t < ends[np.clip(idx, 0, None)]
    return np.where(ok, idx, -1)


# =========================================================================== prepared inputs
def _column(frame: pd.DataFrame | None, name: str) -> pd.Series | None:
    if frame is None or name not in frame.columns:
        return None
    return frame[name]


def _floats(s: pd.Series, where: str) -> np.ndarray:
    try:
        return pd.to_numeric(s, errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (ValueError, TypeError):
        bad = pd.to_numeric(s, errors="coerce").isna() & s.notna()
        rows = (np.flatnonzero(bad.to_numpy())[:5] + 2).tolist()
        raise DataError(f"{where}: values must be numbers; rows {rows} hold "
                        f"{s[bad].head(5).tolist()}") from None


def _check_range(x: np.ndarray, lo: float, hi: float, where: str):
    bad = ~np.isnan(x) & ((x < lo) | (x > hi))
    if bad.any():
        rows = (np.flatnonzero(bad)[:5] + 2).tolist()
        raise DataError(f"{where}: values must be from {lo:g} to {hi:g}; {int(bad.sum())} row(s) outside, "
                        f"e.g. rows {rows} with values {x[bad][:5].tolist()} (row 2 = first data row)")


def _bools(s: pd.Series, where: str) -> np.ndarray:
    """Nullable boolean as float (1/0/NaN)."""
    try:
        return s.astype("boolean").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        raise DataError(f"{where}: values must be true/false; found {s.dropna().unique()[:5].tolist()}") from None


def _require(frame: pd.DataFrame, table: str, columns: tuple[str, ...]):
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"{table} table has no column(s) {missing}, required by the data contract; "
                        f"columns present: {list(frame.columns)[:20]}. Map your column names to the contract "
                        "names when loading.")


def _ordered_channels(ch: pd.Series) -> list[str]:
    present = set(ch.dropna().astype(str).unique())
    return [c for c in CHANNELS if c in present] + sorted(present - set(CHANNELS))


class _Prepared:
    """Arrays computed once from the three tables under one set of definitions."""

    def __init__(self, tickets, responses, customers, defs):
        self.defs = defs
        cal: BusinessCalendar = defs["business_calendar"]
        self.has_tickets = tickets is not None
        self.has_responses = responses is not None
        self.has_customers = customers is not None
        self.notes: dict[str, str] = {}

        # ---- tickets
        if tickets is not None:
            _require(tickets, "tickets", ("created_at",))
            t = tickets
            self.created = _to_ns(t["created_at"], "tickets.created_at")
            valid = self.created[self.created != _NAT]
            self.t_range = (valid.min(), valid.max()) if valid.size else None
            ch = _column(t, "channel")
            self.channels = _ordered_channels(ch) if ch is not None else []
            self.channel_code = None
            if ch is not None:
                codes = pd.Categorical(ch.astype(STR).where(ch.notna()), categories=self.channels).codes
                self.channel_code = codes.astype(np.int64)
            first = _column(t, "first_response_at")
            resolved = _column(t, "resolved_at")
            self.first = _to_ns(first, "tickets.first_response_at") if first is not None else None
            self.resolved = _to_ns(resolved, "tickets.resolved_at") if resolved is not None else None
            stamps = [a[a != _NAT] for a in (self.created, self.first, self.resolved) if a is not None]
            stamps = np.concatenate(stamps) if stamps else np.array([], dtype=np.int64)
            self.snapshot = stamps.max() if stamps.size else _NAT

            def hours(end, clock):
                if clock == "business":
                    return cal._hours_ns(self.created, end)
                out = (end - self.created) / _NS_HOUR
                out[(end == _NAT) | (self.created == _NAT)] = np.nan
                return out

            self.first_min = hours(self.first, defs["hours"]) * 60 if self.first is not None else None
            self.resolution_h = hours(self.resolved, defs["hours"]) if self.resolved is not None else None
            self.sla_dur_h = hours(self.resolved, defs["sla_clock"]) if self.resolved is not None else None
            for name, arr, col in (("first_response", self.first_min, "first_response_at"),
                                   ("resolution", self.resolution_h, "resolved_at")):
                if arr is not None and np.any(arr < 0):
                    self.notes[name] = (f"{int(np.sum(arr < 0))} ticket(s) with {col} before created_at "
                                        "left out")
                    arr[arr < 0] = np.nan
            if self.sla_dur_h is not None:
                self.sla_dur_h[self.sla_dur_h < 0] = np.nan
            aht = _column(t, "handle_time_minutes")
            self.aht = _floats(aht, "tickets.handle_time_minutes") if aht is not None else None
            self._prepare_fcr(t)
            cats = defs["complaint_categories"]
            if cats is None:
                self.complaint = np.ones(len(t), dtype=bool)
            else:
                _require(t, "tickets", ("category",))
                self.complaint = t["category"].isin(list(cats)).to_numpy(dtype=bool, na_value=False)

        # ---- responses
        if responses is not None:
            _require(responses, "responses", ("submitted_at",))
            self.submitted = _to_ns(responses["submitted_at"], "responses.submitted_at")
            valid = self.submitted[self.submitted != _NAT]
            self.r_range = (valid.min(), valid.max()) if valid.size else None
            cs, nps = _column(responses, "csat"), _column(responses, "nps")
            self.csat = _floats(cs, "responses.csat") if cs is not None else None
            self.nps = _floats(nps, "responses.nps") if nps is not None else None
            if self.csat is not None:
                _check_range(self.csat, 1, 5, "responses.csat")
            if self.nps is not None:
                _check_range(self.nps, 0, 10, "responses.nps")

        # ---- customers
        if customers is not None:
            _require(customers, "customers", ("signup_date",))
            self.signup = _to_ns(customers["signup_date"], "customers.signup_date")
            cd = _column(customers, "churn_date")
            self.churn = _to_ns(cd, "customers.churn_date") if cd is not None else None
            churned = _column(customers, "churned")
            self.churn_unknown = np.zeros(len(customers), dtype=bool)
            if churned is not None and self.churn is not None:
                flag = _bools(churned, "customers.churned")
                self.churn_unknown = (flag == 1) & (self.churn == _NAT)
                if self.churn_unknown.any():
                    self.notes["churn"] = (f"{int(self.churn_unknown.sum())} customer(s) marked churned without "
                                           "churn_date left out")

    def _prepare_fcr(self, t: pd.DataFrame):
        method = self.defs["fcr"]
        flag, contacts = _column(t, "first_contact_resolved"), _column(t, "contacts")
        if method == "auto":
            method = "flag" if flag is not None and flag.notna().any() else "contacts"
        resolved = self.resolved != _NAT if self.resolved is not None else None
        self.fcr_note = ""
        if method == "flag":
            if flag is None:
                self.fcr_ok = None
                self.fcr_note = "tickets.first_contact_resolved missing"
                self.fcr_definition = "first_contact_resolved among resolved tickets"
                return
            f = _bools(flag, "tickets.first_contact_resolved")
            ok = ~np.isnan(f)
            if resolved is not None:
                ok &= resolved
                self.fcr_definition = "% of resolved tickets with first_contact_resolved = true"
            else:
                self.fcr_definition = ("% of tickets with first_contact_resolved = true "
                                       "(tickets.resolved_at missing: all tickets with the flag)")
            self.fcr_ok, self.fcr_success = ok, ok & (f == 1)
        else:
            self.fcr_definition = "% of resolved tickets needing one contact (contacts == 1)"
            if contacts is None or resolved is None:
                self.fcr_ok = None
                missing = [c for c, v in (("first_contact_resolved", flag), ("contacts", contacts),
                                          ("resolved_at", resolved)) if v is None]
                self.fcr_note = " and ".join(f"tickets.{c}" for c in missing) + " missing"
                return
            c = _floats(contacts, "tickets.contacts")
            ok = resolved & ~np.isnan(c)
            self.fcr_ok, self.fcr_success = ok, ok & (c == 1)


# =========================================================================== per-period computation
_EMPTY = {"csat": "no CSAT responses in period", "nps": "no NPS responses in period",
          "fcr": "no resolved tickets in period", "aht": "no tickets with handle time in period",
          "first_response": "no answered tickets in period", "resolution": "no resolved tickets in period",
          "sla": "no tickets with a known SLA outcome in period", "complaints": "",
          "churn": "no customers active at period start"}


def _block(kpi, G, *, kind, unit, definition, note="", empty="", **cols) -> pd.DataFrame:
    base = {"pidx": np.arange(G), "kpi": kpi}
    nan = np.full(G, np.nan)
    for c in ("estimate", "ci_low", "ci_high", "n", "_k", "_mean", "_sd", "_P", "_D", "_exposure"):
        base[c] = cols.get(c, nan if c != "n" else np.zeros(G))
    out = pd.DataFrame(base)
    out["n"] = out["n"].fillna(0).astype(np.int64)
    out["_kind"] = kind
    out["unit"] = unit
    out["definition"] = definition
    if note:
        out["note"] = note
        out["estimate"] = np.nan
    else:
        out["note"] = np.where((out["n"] == 0) & bool(empty), empty, "")
    return out


def _location(values: np.ndarray, g: np.ndarray, G: int, statistic: str, conf: float) -> dict:
    """Per-group mean (t interval) or median (order-statistic interval) of values with group ids g."""
    n = np.bincount(g, minlength=G).astype(float)
    if statistic == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.bincount(g, weights=values, minlength=G) / n
            ss = np.bincount(g, weights=(values - mean[g]) ** 2, minlength=G)
            sd = np.where(n >= 2, np.sqrt(ss / np.maximum(n - 1, 1)), np.nan)
        ci = mean_interval_from_stats(mean, sd, n, confidence=conf)
        return {"estimate": ci["estimate"].to_numpy(), "ci_low": ci["ci_low"].to_numpy(),
                "ci_high": ci["ci_high"].to_numpy(), "n": n, "_mean": mean, "_sd": sd}
    by_value = np.argsort(values)
    x = values[by_value][np.argsort(g[by_value], kind="stable")]  # sorted by group, then value
    n_int = n.astype(np.int64)
    offset = np.concatenate([[0], np.cumsum(n_int)[:-1]])
    est, lo_v, hi_v = (np.full(G, np.nan) for _ in range(3))
    has = n_int > 0
    est[has] = (x[offset[has] + (n_int[has] - 1) // 2] + x[offset[has] + n_int[has] // 2]) / 2
    lo, hi, _ = median_ci_ranks(n_int, confidence=conf)
    ok = lo > 0
    lo_v[ok], hi_v[ok] = x[offset[ok] + lo[ok] - 1], x[offset[ok] + hi[ok] - 1]
    return {"estimate": est, "ci_low": lo_v, "ci_high": hi_v, "n": n, "_mean": est}


def _proportion(success: np.ndarray, g: np.ndarray, G: int, conf: float) -> dict:
    n = np.bincount(g, minlength=G).astype(float)
    k = np.bincount(g, weights=success.astype(float), minlength=G)
    ci = wilson_interval(k, n, confidence=conf)
    return {"estimate": 100 * ci["estimate"].to_numpy(), "ci_low": 100 * ci["ci_low"].to_numpy(),
            "ci_high": 100 * ci["ci_high"].to_numpy(), "n": n, "_k": k}


def _compute(prep: _Prepared, starts: np.ndarray, ends: np.ndarray) -> pd.DataFrame:
    """All KPIs for each of G sorted, non-overlapping periods [starts, ends) — a long frame."""
    d = prep.defs
    conf = d["confidence"]
    G = len(starts)
    blocks = []
    hours_unit = "" if d["hours"] == "calendar" else "business "

    # ---- survey KPIs
    csat_def = "mean CSAT score (1–5) of responses submitted in the period"
    sat = d["csat_satisfied"]
    pct_def = f"% of CSAT responses scoring {'/'.join(map(str, sat))}"
    nps_def = "% promoters (9–10) − % detractors (0–6) of NPS responses in the period"
    if not prep.has_responses:
        for code, kind, unit, dfn in (("csat_mean", "mean", _UNITS["csat_mean"], csat_def),
                                      ("csat_pct_satisfied", "prop", "%", pct_def), ("nps", "nps", "points", nps_def)):
            blocks.append(_block(code, G, kind=kind, unit=unit, definition=dfn, note="responses table not provided"))
    else:
        rid = _period_index(prep.submitted, starts, ends)
        if prep.csat is None:
            for code, kind, unit, dfn in (("csat_mean", "mean", _UNITS["csat_mean"], csat_def),
                                          ("csat_pct_satisfied", "prop", "%", pct_def)):
                blocks.append(_block(code, G, kind=kind, unit=unit, definition=dfn, note="responses.csat missing"))
        else:
            ok = (rid >= 0) & ~np.isnan(prep.csat)
            g, v = rid[ok], prep.csat[ok]
            blocks.append(_block("csat_mean", G, kind="mean", unit=_UNITS["csat_mean"], definition=csat_def,
                                 empty=_EMPTY["csat"], **_location(v, g, G, "mean", conf)))
            blocks.append(_block("csat_pct_satisfied", G, kind="prop", unit="%", definition=pct_def,
                                 empty=_EMPTY["csat"], **_proportion(np.isin(v, sat), g, G, conf)))
        if prep.nps is None:
            blocks.append(_block("nps", G, kind="nps", unit="points", definition=nps_def,
                                 note="responses.nps missing"))
        else:
            ok = (rid >= 0) & ~np.isnan(prep.nps)
            g, v = rid[ok], prep.nps[ok]
            n = np.bincount(g, minlength=G).astype(float)
            P = np.bincount(g, weights=(v >= 9).astype(float), minlength=G)
            D = np.bincount(g, weights=(v <= 6).astype(float), minlength=G)
            ci = nps_interval_from_counts(P, D, n, confidence=conf)
            blocks.append(_block("nps", G, kind="nps", unit="points", definition=nps_def, empty=_EMPTY["nps"],
                                 estimate=ci["estimate"].to_numpy(), ci_low=ci["ci_low"].to_numpy(),
                                 ci_high=ci["ci_high"].to_numpy(), n=n, _P=P, _D=D))

    # ---- ticket KPIs
    t_note = "" if prep.has_tickets else "tickets table not provided"
    tid = _period_index(prep.created, starts, ends) if prep.has_tickets else None
    in_p = tid >= 0 if tid is not None else None

    # first-contact resolution
    fcr_def = prep.fcr_definition if prep.has_tickets else "% of resolved tickets resolved at first contact"
    if t_note or prep.fcr_ok is None:
        blocks.append(_block("fcr_rate", G, kind="prop", unit="%", definition=fcr_def,
                             note=t_note or prep.fcr_note))
    else:
        ok = in_p & prep.fcr_ok
        blocks.append(_block("fcr_rate", G, kind="prop", unit="%", definition=fcr_def, empty=_EMPTY["fcr"],
                             **_proportion(prep.fcr_success[ok], tid[ok], G, conf)))

    # handle time
    st_aht = d["aht_statistic"]
    aht_def = f"{st_aht} handle_time_minutes of tickets created in the period"
    kind = "mean" if st_aht == "mean" else "median"
    if t_note or prep.aht is None:
        blocks.append(_block("aht_minutes", G, kind=kind, unit="minutes", definition=aht_def,
                             note=t_note or "tickets.handle_time_minutes missing"))
    else:
        ok = in_p & ~np.isnan(prep.aht)
        blocks.append(_block("aht_minutes", G, kind=kind, unit="minutes", definition=aht_def,
                             empty=_EMPTY["aht"], **_location(prep.aht[ok], tid[ok], G, st_aht, conf)))

    # first response, overall and per channel
    st_t = d["time_statistic"]
    kind_t = "mean" if st_t == "mean" else "median"
    fr_def = (f"{st_t} {d['hours']}-clock minutes from created_at to first_response_at "
              "(tickets without a reply left out)")
    channels = prep.channels if prep.has_tickets else []
    fr_codes = ["first_response_minutes"] + [f"first_response_minutes_{c}" for c in channels]
    fr_unit = f"{hours_unit}minutes"
    if t_note or prep.first_min is None:
        for code in fr_codes:
            blocks.append(_block(code, G, kind=kind_t, unit=fr_unit, definition=fr_def,
                                 note=t_note or "tickets.first_response_at missing"))
    else:
        ok = in_p & ~np.isnan(prep.first_min)
        extra = prep.notes.get("first_response", "")
        b = _block("first_response_minutes", G, kind=kind_t, unit=fr_unit, definition=fr_def,
                   empty=_EMPTY["first_response"], **_location(prep.first_min[ok], tid[ok], G, st_t, conf))
        blocks.append(_add_note(b, extra))
        if channels:
            C = len(channels)
            okc = ok & (prep.channel_code >= 0)
            res = _location(prep.first_min[okc], tid[okc] * C + prep.channel_code[okc], G * C, st_t, conf)
            for ci_, c in enumerate(channels):
                sel = np.arange(G) * C + ci_
                b = _block(f"first_response_minutes_{c}", G, kind=kind_t, unit=fr_unit,
                           definition=fr_def + f"; channel {c}", empty=_EMPTY["first_response"],
                           **{k: v[sel] for k, v in res.items()})
                blocks.append(_add_note(b, extra))

    # resolution time
    res_def = f"{st_t} {d['hours']}-clock hours from created_at to resolved_at (resolved tickets)"
    res_unit = f"{hours_unit}hours"
    if t_note or prep.resolution_h is None:
        blocks.append(_block("resolution_hours", G, kind=kind_t, unit=res_unit, definition=res_def,
                             note=t_note or "tickets.resolved_at missing"))
    else:
        ok = in_p & ~np.isnan(prep.resolution_h)
        b = _block("resolution_hours", G, kind=kind_t, unit=res_unit, definition=res_def,
                   empty=_EMPTY["resolution"], **_location(prep.resolution_h[ok], tid[ok], G, st_t, conf))
        blocks.append(_add_note(b, prep.notes.get("resolution", "")))

    # SLA
    blocks.append(_sla_block(prep, tid, starts, ends, t_note))

    # complaints
    cats = d["complaint_categories"]
    comp_def = ("tickets created in the period" if cats is None
                else f"tickets of categories {', '.join(cats)} created in the period")
    exposure = (ends - starts) / _NS_DAY
    if t_note:
        blocks.append(_block("complaints", G, kind="count", unit="tickets", definition=comp_def, note=t_note))
    else:
        k = np.bincount(tid[in_p & prep.complaint], minlength=G).astype(float)
        ci = poisson_interval(k, confidence=conf)
        b = _block("complaints", G, kind="count", unit="tickets", definition=comp_def,
                   estimate=k, ci_low=ci["ci_low"].to_numpy(), ci_high=ci["ci_high"].to_numpy(), n=k, _k=k,
                   _exposure=exposure)
        if prep.t_range is not None:
            lo_day = prep.t_range[0] // _NS_DAY * _NS_DAY
            hi_day = (prep.t_range[1] // _NS_DAY + 1) * _NS_DAY
            span = f"{pd.Timestamp(prep.t_range[0]):%Y-%m-%d} to {pd.Timestamp(prep.t_range[1]):%Y-%m-%d}"
            outside = (ends <= lo_day) | (starts >= hi_day)
            partial = ~outside & ((starts < lo_day) | (ends > hi_day))
            b["note"] = np.where(partial, f"period only partly covered by ticket data ({span})",
                                 np.where(outside, f"period outside the ticket data ({span})", b["note"]))
            for c in ("estimate", "ci_low", "ci_high"):
                b.loc[outside, c] = np.nan
        blocks.append(b)

    # churn
    blocks.append(_churn_block(prep, starts, ends))
    return pd.concat(blocks, ignore_index=True)


def _add_note(block: pd.DataFrame, extra: str) -> pd.DataFrame:
    if extra:
        block["note"] = np.where(block["note"] == "", extra, block["note"] + "; " + extra)
    return block


def _sla_block(prep: _Prepared, tid, starts, ends, t_note) -> pd.DataFrame:
    """% of tickets resolved within ``sla_hours``.

    Tickets created in the period. Judged *as of* ``min(period end, latest timestamp in tickets)``
    (``sla_as_of="period_end"``, default) or the latest timestamp (``"latest"``): resolved by then
    within the SLA → met; resolved later than the SLA, or still unresolved and older than the SLA
    → breach; unresolved and younger than the SLA → left out (outcome not yet known).
    """
    d = prep.defs
    G = len(starts)
    code, sla = _sla_code(d), float(d["sla_hours"])
    clock = d["sla_clock"]
    dfn = (f"% of tickets resolved within {sla:g} {clock} hours; unresolved tickets older than the SLA at "
           f"{'the period end' if d['sla_as_of'] == 'period_end' else 'the latest data timestamp'} "
           "count as breaches, younger ones are left out")
    if t_note or prep.resolved is None:
        return _block(code, G, kind="prop", unit="%", definition=dfn, note=t_note or "tickets.resolved_at missing")
    in_p = tid >= 0
    g = tid[in_p]
    as_of_g = np.minimum(ends, prep.snapshot) if d["sla_as_of"] == "period_end" else np.full(G, prep.snapshot)
    as_of = as_of_g[g]
    created, resolved = prep.created[in_p], prep.resolved[in_p]
    dur = prep.sla_dur_h[in_p]
    done = (resolved != _NAT) & (resolved <= as_of) & ~np.isnan(dur)
    met = done & (dur <= sla)
    if clock == "business":
        age = d["business_calendar"]._hours_ns(created, as_of)
    else:
        age = (as_of - created) / _NS_HOUR
    late_open = ~done & (age > sla)
    known = met | (done & (dur > sla)) | late_open
    return _block(code, G, kind="prop", unit="%", definition=dfn, empty=_EMPTY["sla"],
                  **_proportion(met[known], g[known], G, d["confidence"]))


def _churn_block(prep: _Prepared, starts, ends) -> pd.DataFrame:
    """Churn rate = customers lost in [start, end) / customers active at start × 100.

    Active at start: ``signup_date < start`` and not churned before start. Customers who signed up
    during the period are in neither numerator nor denominator. Wilson interval.
    """
    G = len(starts)
    dfn = ("customers with churn_date in the period / customers active at its start × 100 "
           "(signed up before the start, not churned before it; new sign-ups in the period excluded)")
    if not prep.has_customers:
        return _block("churn_rate", G, kind="prop", unit="%", definition=dfn, note="customers table not provided")
    if prep.churn is None:
        return _block("churn_rate", G, kind="prop", unit="%", definition=dfn, note="customers.churn_date missing")
    signup, churn = prep.signup, prep.churn
    base = (signup != _NAT) & ~prep.churn_unknown
    has_churn = churn != _NAT
    k, n = np.zeros(G), np.zeros(G)
    for i in range(G):
        active = base & (signup < starts[i]) & (~has_churn | (churn >= starts[i]))
        n[i] = active.sum()
        k[i] = (active & has_churn & (churn < ends[i])).sum()
    ci = wilson_interval(k, n, confidence=prep.defs["confidence"])
    b = _block("churn_rate", G, kind="prop", unit="%", definition=dfn, empty=_EMPTY["churn"],
               estimate=100 * ci["estimate"].to_numpy(), ci_low=100 * ci["ci_low"].to_numpy(),
               ci_high=100 * ci["ci_high"].to_numpy(), n=n, _k=k)
    return _add_note(b, prep.notes.get("churn", ""))


def _data_range(prep: _Prepared) -> tuple[int, int] | None:
    ranges = [r for r in (getattr(prep, "t_range", None), getattr(prep, "r_range", None)) if r is not None]
    if not ranges and prep.has_customers and prep.churn is not None and (prep.churn != _NAT).any():
        c = prep.churn[prep.churn != _NAT]
        ranges = [(c.min(), c.max())]
    if not ranges:
        return None
    return min(r[0] for r in ranges), max(r[1] for r in ranges)


# =========================================================================== public: scorecard and trend
_SCORE_COLUMNS = ["kpi", "estimate", "ci_low", "ci_high", "n", "previous", "change", "change_ci_low",
                  "change_ci_high", "p_value", "unit", "change_unit", "definition", "note"]


def scorecard(tickets: pd.DataFrame | None, responses: pd.DataFrame | None = None,
              customers: pd.DataFrame | None = None, *, period=None, comparison=None,
              definitions: dict | None = None) -> pd.DataFrame:
    """KPI scorecard for one period, compared with another.

    ``period``/``comparison``: ``(start, end)`` with ``end`` inclusive (a date covers the whole day;
    a date-time is an exclusive bound). ``period=None`` covers all data. One row per KPI code (see
    the module docstring): estimate, ci_low, ci_high, n, previous (comparison estimate), change and
    its interval and p-value — a difference (Welch t for means, Newcombe interval and pooled z test
    for rates in percentage points, multinomial z test for NPS; no interval for medians) or, for
    complaints, the relative change of the daily rate ``(k/days)/(k₀/days₀) − 1`` with an exact
    conditional Poisson interval. Missing tables/columns or empty periods give NaN and a ``note``.
    """
    defs = _definitions(definitions)
    prep = _Prepared(tickets, responses, customers, defs)
    if period is None:
        rng = _data_range(prep)
        if rng is None:
            start, end = pd.Timestamp("1970-01-01"), pd.Timestamp("1970-01-02")
        else:
            start = pd.Timestamp(rng[0]).normalize()
            end = pd.Timestamp(rng[1]).normalize() + pd.Timedelta(days=1)
    else:
        start, end = _period_bounds(period, "period")
    cur = _compute(prep, np.array([start.value]), np.array([end.value]))
    out = cur.drop(columns="pidx")
    out["previous"] = np.nan
    for c in ("change", "change_ci_low", "change_ci_high", "p_value"):
        out[c] = np.nan
    out["change_unit"] = ""
    if comparison is not None:
        cs, ce = _period_bounds(comparison, "comparison")
        prev = _compute(prep, np.array([cs.value]), np.array([ce.value])).set_index("kpi")
        prev = prev.reindex(out["kpi"])
        out["previous"] = prev["estimate"].to_numpy()
        _changes(out, prev.reset_index(drop=True), defs["confidence"])
    return out[_SCORE_COLUMNS].reset_index(drop=True)


def _changes(out: pd.DataFrame, prev: pd.DataFrame, conf: float):
    """Fill change columns of ``out`` (current) against ``prev`` (same row order)."""
    kind = out["_kind"].to_numpy()
    valid = out["estimate"].notna().to_numpy() & prev["estimate"].notna().to_numpy()
    change = np.full(len(out), np.nan)
    lo, hi, p = change.copy(), change.copy(), change.copy()
    unit = np.full(len(out), "", dtype=object)
    for k in ("mean", "median", "prop", "nps", "count"):
        m = (kind == k) & valid
        if not m.any():
            continue
        a, b = out[m], prev[m]
        if k == "mean":
            r = mean_difference_from_stats(a["_mean"], a["_sd"], a["n"], b["_mean"], b["_sd"], b["n"],
                                           confidence=conf)
            vals = (r["estimate"], r["ci_low"], r["ci_high"], r["p_value"])
            unit[m] = out.loc[m, "unit"].to_numpy()
        elif k == "median":
            vals = (a["estimate"].to_numpy() - b["estimate"].to_numpy(), np.nan, np.nan, np.nan)
            unit[m] = out.loc[m, "unit"].to_numpy()
        elif k == "prop":
            r = proportion_difference(a["_k"], a["n"], b["_k"], b["n"], confidence=conf)
            vals = (100 * r["estimate"], 100 * r["ci_low"], 100 * r["ci_high"], r["p_value"])
            unit[m] = "percentage points"
        elif k == "nps":
            r = nps_difference_from_counts(a["_P"], a["_D"], a["n"], b["_P"], b["_D"], b["n"], confidence=conf)
            vals = (r["estimate"], r["ci_low"], r["ci_high"], r["p_value"])
            unit[m] = "points"
        else:
            r = rate_ratio_test(a["_k"], a["_exposure"], b["_k"], b["_exposure"], confidence=conf)
            vals = (r["estimate"] - 1, r["ci_low"] - 1, r["ci_high"] - 1, r["p_value"])
            unit[m] = "relative (rate ratio − 1)"
        for arr, v in zip((change, lo, hi, p), vals):
            arr[m] = np.asarray(v, dtype=float)
    out["change"], out["change_ci_low"], out["change_ci_high"], out["p_value"] = change, lo, hi, p
    out["change_unit"] = unit


_FREQS = {"M": "M", "ME": "M", "MS": "M", "W": "W", "D": "D", "Q": "Q", "QE": "Q", "QS": "Q",
          "Y": "Y", "YE": "Y", "YS": "Y", "A": "Y"}


def kpi_trend(tickets: pd.DataFrame | None, responses: pd.DataFrame | None = None,
              customers: pd.DataFrame | None = None, *, freq: str = "M", start=None, end=None,
              definitions: dict | None = None) -> pd.DataFrame:
    """The scorecard KPIs per calendar period, as a tidy long frame.

    ``freq``: "M" (month, default), "W" (Monday–Sunday week), "D", "Q" or "Y". Periods cover
    ``start``…``end`` (default: the span of tickets.created_at and responses.submitted_at).
    Columns: period (period start, Timestamp), kpi, estimate, ci_low, ci_high, n, unit, note.
    """
    if freq not in _FREQS:
        raise ParameterError(f"freq must be one of {sorted(_FREQS)}, got {freq!r}")
    defs = _definitions(definitions)
    prep = _Prepared(tickets, responses, customers, defs)
    rng = _data_range(prep)
    lo = pd.Timestamp(start) if start is not None else (pd.Timestamp(rng[0]) if rng else None)
    hi = pd.Timestamp(end) if end is not None else (pd.Timestamp(rng[1]) if rng else None)
    columns = ["period", "kpi", "estimate", "ci_low", "ci_high", "n", "unit", "note"]
    if lo is None or hi is None or hi < lo:
        return pd.DataFrame({c: [] for c in columns})
    periods = pd.period_range(lo, hi, freq=_FREQS[freq])
    starts = periods.start_time.as_unit("ns").asi8
    ends = (periods + 1).start_time.as_unit("ns").asi8
    out = _compute(prep, starts, ends)
    out.insert(0, "period", pd.DatetimeIndex(starts).as_unit("ns")[out["pidx"].to_numpy()])
    return out.sort_values(["period"], kind="stable")[columns].reset_index(drop=True)


# =========================================================================== one KPI at a time
def _kpi_rows(prefix: str, tickets=None, responses=None, customers=None, *, period=None, comparison=None,
              definitions: dict | None = None) -> pd.DataFrame:
    sc = scorecard(tickets, responses, customers, period=period, comparison=comparison, definitions=definitions)
    rows = sc[(sc["kpi"] == prefix) | sc["kpi"].str.startswith(prefix + "_")]
    if comparison is None:
        rows = rows.drop(columns=["previous", "change", "change_ci_low", "change_ci_high", "p_value",
                                  "change_unit"])
    return rows.reset_index(drop=True)


def csat(responses: pd.DataFrame, *, definition: str = "mean", satisfied=(4, 5), period=None,
         comparison=None, confidence: float = 0.95) -> pd.DataFrame:
    """Customer satisfaction of responses submitted in ``period``.

    ``definition="mean"``: mean 1–5 score, ``x̄ ± t_{n−1}·s/√n`` (code ``csat_mean``);
    ``"pct_satisfied"``: ``100 · #(score ∈ satisfied)/n`` with Wilson interval (``csat_pct_satisfied``).
    """
    if definition not in ("mean", "pct_satisfied"):
        raise ParameterError(f"CSAT definition must be 'mean' or 'pct_satisfied', got {definition!r}")
    return _kpi_rows(f"csat_{definition}", None, responses, period=period, comparison=comparison,
                     definitions={"csat_satisfied": satisfied, "confidence": confidence})


def net_promoter_score(responses: pd.DataFrame, *, period=None, comparison=None,
                       confidence: float = 0.95) -> pd.DataFrame:
    """NPS = 100·(p_P − p_D), promoters 9–10, detractors 0–6; interval from the multinomial SE
    ``√((p_P + p_D − (p_P − p_D)²)/n)``; change by two-sample z test (code ``nps``)."""
    return _kpi_rows("nps", None, responses, period=period, comparison=comparison,
                     definitions={"confidence": confidence})


def first_contact_resolution_rate(tickets: pd.DataFrame, *, method: str = "auto", period=None,
                                  comparison=None, confidence: float = 0.95) -> pd.DataFrame:
    """FCR = 100 · resolved at first contact / resolved tickets created in ``period`` (Wilson interval).

    ``method="flag"``: ``first_contact_resolved`` is true; ``"contacts"``: ``contacts == 1``;
    ``"auto"`` (default): the flag when the column has values, else contacts. The denominator is
    the *resolved* tickets (``resolved_at`` present); without ``resolved_at`` the flag method uses
    every ticket with a flag (code ``fcr_rate``).
    """
    return _kpi_rows("fcr_rate", tickets, period=period, comparison=comparison,
                     definitions={"fcr": method, "confidence": confidence})


def average_handle_time(tickets: pd.DataFrame, *, statistic: str = "mean", period=None, comparison=None,
                        confidence: float = 0.95) -> pd.DataFrame:
    """Handle time (``handle_time_minutes``) of tickets created in ``period``: mean with t interval or
    median with the binomial order-statistic interval (code ``aht_minutes``)."""
    return _kpi_rows("aht_minutes", tickets, period=period, comparison=comparison,
                     definitions={"aht_statistic": statistic, "confidence": confidence})


def first_response_time(tickets: pd.DataFrame, *, statistic: str = "median", hours: str = "calendar",
                        calendar: BusinessCalendar | None = None, period=None, comparison=None,
                        confidence: float = 0.95) -> pd.DataFrame:
    """Minutes from ``created_at`` to ``first_response_at`` (calendar or business clock), overall
    (``first_response_minutes``) and per channel (``first_response_minutes_<channel>``); tickets
    without a reply are left out."""
    return _kpi_rows("first_response_minutes", tickets, period=period, comparison=comparison,
                     definitions={"time_statistic": statistic, "hours": hours, "business_calendar": calendar,
                                  "confidence": confidence})


def resolution_time(tickets: pd.DataFrame, *, statistic: str = "median", hours: str = "calendar",
                    calendar: BusinessCalendar | None = None, period=None, comparison=None,
                    confidence: float = 0.95) -> pd.DataFrame:
    """Hours from ``created_at`` to ``resolved_at`` of resolved tickets created in ``period``
    (calendar or business clock; code ``resolution_hours``)."""
    return _kpi_rows("resolution_hours", tickets, period=period, comparison=comparison,
                     definitions={"time_statistic": statistic, "hours": hours, "business_calendar": calendar,
                                  "confidence": confidence})


def sla_rate(tickets: pd.DataFrame, *, sla_hours: float = 24, clock: str = "calendar",
             as_of: str = "period_end", calendar: BusinessCalendar | None = None, period=None,
             comparison=None, confidence: float = 0.95) -> pd.DataFrame:
    """% of tickets created in ``period`` resolved within ``sla_hours`` (code ``sla_<h>h_rate``).

    Judged as of the period end (``as_of="period_end"``; capped at the latest timestamp in the
    tickets) or the latest timestamp (``"latest"``): resolved by then within the SLA → met;
    resolved later than the SLA, or still open and older than the SLA → breach; still open and
    younger than the SLA → left out (outcome not yet known). Wilson interval.
    """
    return _kpi_rows("sla", tickets, period=period, comparison=comparison,
                     definitions={"sla_hours": sla_hours, "sla_clock": clock, "sla_as_of": as_of,
                                  "business_calendar": calendar, "confidence": confidence})


def complaint_volume(tickets: pd.DataFrame, *, categories=None, period=None, comparison=None,
                     confidence: float = 0.95) -> pd.DataFrame:
    """Number of tickets (of ``categories``, default all) created in ``period``, exact Poisson interval;
    with ``comparison``: relative change of the daily rate ``(k/days)/(k₀/days₀) − 1`` with the exact
    conditional rate-ratio interval and p-value (code ``complaints``)."""
    return _kpi_rows("complaints", tickets, period=period, comparison=comparison,
                     definitions={"complaint_categories": categories, "confidence": confidence})


def churn_rate(customers: pd.DataFrame, *, period, comparison=None, confidence: float = 0.95) -> pd.DataFrame:
    """Churn = 100 · customers with ``churn_date`` in ``period`` / customers active at its start.

    Active at start: ``signup_date`` before the start and not churned before it. Customers who
    signed up during the period are in neither count; customers marked ``churned`` without a
    ``churn_date`` are left out (noted). Wilson interval (code ``churn_rate``).
    """
    return _kpi_rows("churn_rate", None, None, customers, period=period, comparison=comparison,
                     definitions={"confidence": confidence})


# =========================================================================== report sections and inputs
#: Scorecard sections that need an optional input: code -> alternatives, each a tuple of "table.column"
#: (or "table") that must all be present; the section is shown when any alternative is complete.
SECTION_INPUTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "csat": (("responses.csat",),),
    "nps": (("responses.nps",),),
    "fcr": (("tickets.first_contact_resolved",), ("tickets.contacts", "tickets.resolved_at")),
    "aht": (("tickets.handle_time_minutes",),),
    "first_response": (("tickets.first_response_at",),),
    "resolution": (("tickets.resolved_at",),),
    "churn": (("customers.churn_date",),),
    "team_league": (("tickets.team",),),
    "agent_league": (("tickets.agent_id",),),
}


def skipped_sections(has) -> list[dict]:
    """The scorecard sections the data cannot support: ``[{"section": code, "needs": "tickets.resolved_at"}]``.

    ``has(table, *columns)`` says whether a table (with those columns, holding values) was loaded, e.g.
    :meth:`csm.data.load.Dataset.has`. ``needs`` names what would enable the section (alternatives
    joined by " or ", columns needed together by " with "); a missing table is named by itself ("responses").
    """
    out = []
    for code, alternatives in SECTION_INPUTS.items():
        ok = False
        for alt in alternatives:
            by_table: dict[str, list[str]] = {}
            for item in alt:
                table, _, column = item.partition(".")
                by_table.setdefault(table, []).extend([column] if column else [])
            if all(has(t, *cols) for t, cols in by_table.items()):
                ok = True
                break
        if ok:
            continue
        texts = []
        for alt in alternatives:
            parts = [item if has(item.partition(".")[0]) else item.partition(".")[0] for item in alt]
            texts.append(" with ".join(dict.fromkeys(parts)))
        out.append({"section": code, "needs": " or ".join(dict.fromkeys(texts))})
    return out


def holiday_years_missing(holidays, start, end) -> tuple[list[int], list[int]]:
    """(years from ``start`` to ``end`` with no date in ``holidays``, the years the list covers).

    A business-hour clock counts a public holiday as a working day in a year the list does not cover;
    the report says so."""
    covered = sorted({pd.Timestamp(h).year for h in (holidays or [])})
    years = range(pd.Timestamp(start).year, pd.Timestamp(end).year + 1)
    return [y for y in years if y not in covered], covered


# =========================================================================== targets
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
            _period_bounds(spec["baseline_period"], f"targets.{code}.baseline_period")
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
    from csm.periods import Period

    if spec.get("baseline_period") is not None:
        s, e = _period_bounds(spec["baseline_period"], f"targets.{code}.baseline_period")
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
    need = {"period", "kpi", "estimate", "ci_low", "ci_high"}
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
        row.update(kpi=code, note="", status="no_data", on_track=None, baseline_window="", baseline_of="")
        every = trend[(trend["kpi"] == code) & (pd.to_datetime(trend["period"]) <= as_of)].sort_values("period")
        sub = every[every["estimate"].notna()]
        direction = spec.get("direction")
        if direction is None:
            direction = ("lower" if spec["target_change"] < 0 else "higher") if "target_change" in spec \
                else kpi_direction(code)
        row["direction"] = direction
        deadline = _deadline(spec.get("deadline"), period, code)
        row["deadline"] = deadline
        if sub.empty:
            row["note"] = f"no estimate for {code} on or before {as_of:%Y-%m-%d}"
            rows.append(row)
            continue
        periods = pd.to_datetime(sub["period"])
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
                    row["note"] = f"baseline = first period {periods.iloc[0]:%Y-%m-%d}"
                else:
                    p_all = pd.to_datetime(every["period"])
                    in_w = ((p_all >= window.start) & (p_all < window.end)).to_numpy()
                    notes = every["note"].astype(str) if "note" in every else pd.Series("", index=every.index)
                    usable = in_w & every["estimate"].notna().to_numpy() & \
                        ~notes.str.startswith("period only partly covered").to_numpy()
                    expected = max(int(in_w.sum()), _periods_in(window, p_all))
                    row.update(baseline_window=window.label, baseline_n=int(usable.sum()),
                               baseline_periods=expected, baseline_of=f"targets.{code}.{of}")
                    if not usable.any():
                        row["status"] = "not_evaluated"
                        row["note"] = (f"no {code} data in the baseline {window.label} (targets.{code}.{of}"
                                       f" = {spec.get(of)!r}): target not evaluated; set targets.{code}.{of} to "
                                       "a window the data covers (same_period_last_year, previous_12_months, "
                                       "previous_period), a number, or remove the target")
                        rows.append(row)
                        continue
                    needed = int(np.ceil(MIN_BASELINE_SHARE * expected))
                    if usable.sum() < needed:
                        row["status"] = "not_evaluated"
                        row["note"] = (f"baseline {window.label} has data in only {int(usable.sum())} of {expected} "
                                       f"trend periods (at least {needed} needed; targets.{code}.{of} = "
                                       f"{spec.get(of)!r}): target not evaluated; set targets.{code}.{of} to a "
                                       "window the data covers, a number, or remove the target")
                        rows.append(row)
                        continue
                    baseline = float(every.loc[usable, "estimate"].mean())
                    if usable.sum() < expected:
                        row["note"] = (f"baseline {window.label} from {int(usable.sum())} of {expected} "
                                       "trend periods (the rest have no data)")
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
            x = ((pd.to_datetime(tail["period"]) - origin) / pd.Timedelta(days=1)).to_numpy(dtype=float)
            x0 = (deadline - origin) / pd.Timedelta(days=1)
            pred, plo, phi = _linear_projection(x, tail["estimate"].to_numpy(dtype=float), x0, confidence)
            row.update(projected=pred, projected_low=plo, projected_high=phi, n_periods_fit=len(tail))
            if np.isfinite(pred):
                on_track = bool(meets(pred))
            elif len(tail) < MIN_TREND_PERIODS:
                row["note"] = "; ".join(filter(None, [row["note"], (
                    f"trend of {len(tail)} period(s): no projection to {deadline:%Y-%m-%d} "
                    f"(needs at least {MIN_TREND_PERIODS})")]))
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


# =========================================================================== process control
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


def _daily(prep: _Prepared, mask: np.ndarray) -> tuple[np.ndarray, pd.DatetimeIndex]:
    day = prep.created[mask] // _NS_DAY
    if day.size == 0:
        raise DataError("no tickets in the chart window: nothing to chart")
    lo, hi = day.min(), day.max()
    dates = pd.DatetimeIndex((np.arange(lo, hi + 1) * _NS_DAY).astype("datetime64[ns]"))
    return day - lo, dates


def fcr_p_chart(tickets: pd.DataFrame, *, definitions: dict | None = None, **chart_options) -> pd.DataFrame:
    """p chart of the daily first-contact resolution rate (tickets by creation day; see :func:`p_chart`)."""
    prep = _Prepared(tickets, None, None, _definitions(definitions))
    if prep.fcr_ok is None:
        raise DataError(f"cannot chart first-contact resolution: {prep.fcr_note}")
    ok = prep.fcr_ok & (prep.created != _NAT)
    g, dates = _daily(prep, ok)
    n = np.bincount(g, minlength=len(dates)).astype(float)
    k = np.bincount(g, weights=prep.fcr_success[ok].astype(float), minlength=len(dates))
    return p_chart(pd.Series(k, index=dates), pd.Series(n, index=dates), **chart_options)


def aht_individuals_chart(tickets: pd.DataFrame, *, definitions: dict | None = None,
                          **chart_options) -> pd.DataFrame:
    """XmR chart of the daily mean (or median, per ``aht_statistic``) handle time (see :func:`individuals_chart`)."""
    defs = _definitions(definitions)
    prep = _Prepared(tickets, None, None, defs)
    if prep.aht is None:
        raise DataError("cannot chart handle time: tickets.handle_time_minutes missing")
    ok = ~np.isnan(prep.aht) & (prep.created != _NAT)
    g, dates = _daily(prep, ok)
    loc = _location(prep.aht[ok], g, len(dates), defs["aht_statistic"], defs["confidence"])
    return individuals_chart(pd.Series(loc["estimate"], index=dates), **chart_options)


# =========================================================================== league tables
_LEAGUE_METRICS = {
    "fcr_rate": ("tickets", "prop"),
    "aht_minutes": ("tickets", "mean"),
    "resolution_hours": ("tickets", "mean"),
    "csat_mean": ("responses", "mean"),
    "csat_pct_satisfied": ("responses", "prop"),
}


def league_table(data: pd.DataFrame, *, by: str = "agent_id", metric: str = "fcr_rate", min_n: int = 30,
                 tickets: pd.DataFrame | None = None, period=None, definitions: dict | None = None,
                 prior_method: str = "mom") -> pd.DataFrame:
    """Rank agents or teams fairly: raw estimate with interval, empirical-Bayes shrunken estimate.

    ``data``: the tickets table (fcr_rate, aht_minutes, resolution_hours — means) or the responses
    table (csat_mean, csat_pct_satisfied); survey responses get ``by`` from ``tickets`` through
    ``ticket_id`` when they do not carry it. Rates are shrunk with a beta-binomial prior, means
    with a normal–normal prior using the pooled within-group SD (:mod:`csm.stats`), so a group
    with few observations is pulled towards the overall level. ``rank`` 1 = best shrunken
    estimate (lower is better for times); ``too_few`` flags ``n < min_n``.
    Columns: <by>, n, estimate, ci_low, ci_high, shrunk_estimate, shrunk_ci_low, shrunk_ci_high,
    rank, too_few, unit. The fitted prior is in ``.attrs["prior"]``.
    """
    if metric not in _LEAGUE_METRICS:
        raise ParameterError(f"metric must be one of {sorted(_LEAGUE_METRICS)}, got {metric!r}")
    table, kind = _LEAGUE_METRICS[metric]
    defs = _definitions(definitions)
    conf = defs["confidence"]
    frame = data
    if table == "responses":
        _require(frame, "responses", ("submitted_at",))
        if by not in frame.columns:
            if tickets is None or "ticket_id" not in frame.columns:
                raise DataError(f"responses have no column {by!r}; pass tickets= (with ticket_id and {by}) so "
                                "responses can be matched to tickets through ticket_id")
            _require(tickets, "tickets", ("ticket_id", by))
            frame = frame.merge(tickets[["ticket_id", by]].drop_duplicates("ticket_id"), on="ticket_id", how="left")
        prep = _Prepared(None, frame, None, defs)
        when = prep.submitted
        if prep.csat is None:
            raise DataError("responses.csat missing: cannot rank CSAT")
        values = prep.csat
    else:
        _require(frame, "tickets", ("created_at", by))
        prep = _Prepared(frame, None, None, defs)
        when = prep.created
        if metric == "fcr_rate":
            if prep.fcr_ok is None:
                raise DataError(f"cannot rank first-contact resolution: {prep.fcr_note}")
            values = np.where(prep.fcr_ok, prep.fcr_success, np.nan)
        elif metric == "aht_minutes":
            if prep.aht is None:
                raise DataError("tickets.handle_time_minutes missing: cannot rank handle time")
            values = prep.aht
        else:
            if prep.resolution_h is None:
                raise DataError("tickets.resolved_at missing: cannot rank resolution time")
            values = prep.resolution_h
    if metric == "csat_pct_satisfied":
        values = np.where(np.isnan(values), np.nan, np.isin(values, defs["csat_satisfied"]))
    ok = ~np.isnan(values) & frame[by].notna().to_numpy()
    if period is not None:
        s, e = _period_bounds(period)
        ok &= (when >= s.value) & (when < e.value)
    groups = frame[by][ok].astype(str)
    v = pd.Series(values[ok], index=groups.index)
    agg = v.groupby(groups.to_numpy()).agg(["count", "sum", "mean", "var"])
    agg.index.name = by
    n = agg["count"].to_numpy(dtype=float)
    out = pd.DataFrame({by: agg.index.astype(str), "n": n.astype(np.int64)})
    scale = 100.0 if kind == "prop" else 1.0
    prior: dict = {}
    if kind == "prop":
        ci = wilson_interval(agg["sum"].to_numpy(), n, confidence=conf)
    else:
        sd = np.sqrt(agg["var"].to_numpy())
        ci = mean_interval_from_stats(agg["mean"].to_numpy(), sd, n, confidence=conf)
    out["estimate"] = scale * ci["estimate"].to_numpy()
    out["ci_low"] = scale * ci["ci_low"].to_numpy()
    out["ci_high"] = scale * ci["ci_high"].to_numpy()
    if len(out) >= 2:
        if kind == "prop":
            sh = shrink_proportions(agg["sum"].to_numpy(), n, method=prior_method, confidence=conf)
        else:
            dof = np.sum(np.maximum(n - 1, 0))
            pooled = np.sqrt(np.nansum((n - 1) * agg["var"].to_numpy()) / dof) if dof > 0 else np.nan
            if not pooled > 0:
                pooled = np.nan
            sh = shrink_means(agg["mean"].to_numpy(), n, within_sd=pooled, method=prior_method, confidence=conf) \
                if np.isfinite(pooled) else None
        if sh is not None:
            prior = sh.prior
            out["shrunk_estimate"] = scale * sh.summary["estimate"].to_numpy()
            out["shrunk_ci_low"] = scale * sh.summary["ci_low"].to_numpy()
            out["shrunk_ci_high"] = scale * sh.summary["ci_high"].to_numpy()
    if "shrunk_estimate" not in out:
        for c in ("estimate", "ci_low", "ci_high"):
            out["shrunk_" + c] = out[c]
        prior = {"note": "fewer than 2 groups (or no within-group spread): no shrinkage"}
    ascending = kpi_direction(metric) == "lower"
    out["rank"] = out["shrunk_estimate"].rank(ascending=ascending, method="min").astype("Int64")
    out["too_few"] = out["n"] < min_n
    out["unit"] = _UNITS.get(metric, "")
    out = out.sort_values(["rank", by], kind="stable").reset_index(drop=True)
    out.attrs["prior"] = prior
    out.attrs["min_n"] = min_n
    return out
