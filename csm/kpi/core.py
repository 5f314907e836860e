"""Customer-service KPIs: named definitions, scorecard, trend, targets, process control, league tables.

Every KPI has a stable code, a stated formula and a default definition; alternatives are chosen
with the ``definitions`` dict (see :data:`DEFAULT_DEFINITIONS`). Inputs are the contract tables
(:mod:`csm.data.contract`): ``tickets``, ``responses``, ``customers``. Missing optional tables or
columns never raise: the KPIs that need them come back with ``estimate`` NaN and a ``note``: a tuple of
:class:`csm.notes.Note` (codes with parameters, rendered by :mod:`csm.report.labels`).

KPI codes (rates are fractions, 0–1, and so are their changes; NPS in points, −100…100):

======================  ======================================================================
code                    definition (default)
======================  ======================================================================
csat_mean               mean CSAT score (1–5) of responses submitted in the period; t interval
csat_pct_satisfied      share of CSAT responses scoring 4 or 5 (``csat_satisfied``); Wilson interval
nps                     % promoters (9–10) − % detractors (0–6); multinomial normal interval
fcr_rate                share of resolved tickets resolved at first contact (flag, else contacts == 1)
aht_minutes             mean (or median) ``handle_time_minutes`` of tickets created in the period
first_response_minutes  median minutes from creation to first reply (answered tickets); also
                        one row per channel: ``first_response_minutes_<channel>``
resolution_hours        median hours from creation to resolution (resolved tickets)
sla_24h_rate            share of tickets resolved within the SLA (24 h); see :func:`sla_rate` rules
complaints              number of tickets created in the period; exact Poisson interval
churn_rate              customers lost in the period / customers active at its start
======================  ======================================================================

Tickets belong to the period in which they were *created*, responses to the period in which
they were *submitted*.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from csm.compat import STR
from csm.data.contract import CHANNELS
from csm.errors import DataError, ParameterError
from csm.notes import Note
from csm.kpi.calendar import NAT, NS_DAY, NS_HOUR, BusinessCalendar, to_ns
from csm.stats import (
    mean_difference_from_stats,
    mean_interval_from_stats,
    median_ci_ranks,
    nps_difference_from_counts,
    nps_interval_from_counts,
    poisson_interval,
    proportion_difference,
    rate_ratio_test,
    wilson_interval,
)

__all__ = [
    "DEFAULT_DEFINITIONS",
    "UNITS",
    "kpi_direction",
    "is_rate",
    "resolve_definitions",
    "period_bounds",
    "scorecard",
    "kpi_trend",
    "csat",
    "net_promoter_score",
    "first_contact_resolution_rate",
    "average_handle_time",
    "first_response_time",
    "resolution_time",
    "sla_rate",
    "complaint_volume",
    "churn_rate",
]

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


# =========================================================================== definitions and periods
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


def _sla_code(defs: dict) -> str:
    return f"sla_{defs['sla_hours']:g}h_rate".replace(".", "_")


def period_bounds(period, what: str = "period") -> tuple[pd.Timestamp, pd.Timestamp]:
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
    ok = (idx >= 0) & (t != NAT)
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


def require_columns(frame: pd.DataFrame, table: str, columns: tuple[str, ...]):
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"{table} table has no column(s) {missing}, required by the data contract; "
                        f"columns present: {list(frame.columns)[:20]}. Map your column names to the contract "
                        "names when loading.")


def _ordered_channels(ch: pd.Series) -> list[str]:
    present = set(ch.dropna().astype(str).unique())
    return [c for c in CHANNELS if c in present] + sorted(present - set(CHANNELS))


class Prepared:
    """Arrays computed once from the three tables under one set of definitions."""

    def __init__(self, tickets, responses, customers, defs):
        self.defs = defs
        cal: BusinessCalendar = defs["business_calendar"]
        self.has_tickets = tickets is not None
        self.has_responses = responses is not None
        self.has_customers = customers is not None
        self.notes: dict[str, Note] = {}

        # ---- tickets
        if tickets is not None:
            require_columns(tickets, "tickets", ("created_at",))
            t = tickets
            self.created = to_ns(t["created_at"], "tickets.created_at")
            valid = self.created[self.created != NAT]
            self.t_range = (valid.min(), valid.max()) if valid.size else None
            ch = _column(t, "channel")
            self.channels = _ordered_channels(ch) if ch is not None else []
            self.channel_code = None
            if ch is not None:
                codes = pd.Categorical(ch.astype(STR).where(ch.notna()), categories=self.channels).codes
                self.channel_code = codes.astype(np.int64)
            first = _column(t, "first_response_at")
            resolved = _column(t, "resolved_at")
            self.first = to_ns(first, "tickets.first_response_at") if first is not None else None
            self.resolved = to_ns(resolved, "tickets.resolved_at") if resolved is not None else None
            stamps = [a[a != NAT] for a in (self.created, self.first, self.resolved) if a is not None]
            stamps = np.concatenate(stamps) if stamps else np.array([], dtype=np.int64)
            self.snapshot = stamps.max() if stamps.size else NAT

            def hours(end, clock):
                if clock == "business":
                    return cal._hours_ns(self.created, end)
                out = (end - self.created) / NS_HOUR
                out[(end == NAT) | (self.created == NAT)] = np.nan
                return out

            self.first_min = hours(self.first, defs["time_clock"]) * 60 if self.first is not None else None
            self.resolution_h = hours(self.resolved, defs["time_clock"]) if self.resolved is not None else None
            self.sla_dur_h = hours(self.resolved, defs["sla_clock"]) if self.resolved is not None else None
            for name, arr, col in (("first_response", self.first_min, "first_response_at"),
                                   ("resolution", self.resolution_h, "resolved_at")):
                if arr is not None and np.any(arr < 0):
                    self.notes[name] = Note("negative_durations", n=int(np.sum(arr < 0)), column=col)
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
                require_columns(t, "tickets", ("category",))
                self.complaint = t["category"].isin(list(cats)).to_numpy(dtype=bool, na_value=False)

        # ---- responses
        if responses is not None:
            require_columns(responses, "responses", ("submitted_at",))
            self.submitted = to_ns(responses["submitted_at"], "responses.submitted_at")
            valid = self.submitted[self.submitted != NAT]
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
            require_columns(customers, "customers", ("signup_date",))
            self.signup = to_ns(customers["signup_date"], "customers.signup_date")
            cd = _column(customers, "churn_date")
            self.churn = to_ns(cd, "customers.churn_date") if cd is not None else None
            churned = _column(customers, "churned")
            self.churn_unknown = np.zeros(len(customers), dtype=bool)
            if churned is not None and self.churn is not None:
                flag = _bools(churned, "customers.churned")
                self.churn_unknown = (flag == 1) & (self.churn == NAT)
                if self.churn_unknown.any():
                    self.notes["churn"] = Note("churned_without_date", n=int(self.churn_unknown.sum()))

    def _prepare_fcr(self, t: pd.DataFrame):
        method = self.defs["fcr"]
        flag, contacts = _column(t, "first_contact_resolved"), _column(t, "contacts")
        if method == "auto":
            method = "flag" if flag is not None and flag.notna().any() else "contacts"
        resolved = self.resolved != NAT if self.resolved is not None else None
        self.fcr_note: tuple = ()
        if method == "flag":
            if flag is None:
                self.fcr_ok = None
                self.fcr_note = _missing("tickets.first_contact_resolved")
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
                self.fcr_note = _missing(*(f"tickets.{c}" for c in missing))
                return
            c = _floats(contacts, "tickets.contacts")
            ok = resolved & ~np.isnan(c)
            self.fcr_ok, self.fcr_success = ok, ok & (c == 1)


# =========================================================================== per-period computation
#: The note code of a KPI whose period holds no observation.
_EMPTY = {"csat": "no_csat_responses", "nps": "no_nps_responses", "fcr": "no_resolved_tickets",
          "aht": "no_handle_time", "first_response": "no_answered_tickets", "resolution": "no_resolved_tickets",
          "sla": "no_sla_outcome", "complaints": "", "churn": "no_active_customers"}


def _missing(*inputs: str) -> tuple:
    """Notes for missing inputs: ``"responses"`` (a table) or ``"tickets.resolved_at"`` (a column)."""
    return tuple(Note("missing_column", table=i.partition(".")[0], column=i.partition(".")[2]) if "." in i
                 else Note("missing_table", table=i) for i in inputs)


def _notes_column(G: int, notes: tuple = (), where=None, other=()) -> np.ndarray:
    """An object column of G note tuples: ``notes`` where ``where`` (all rows by default), else ``other`` (one
    tuple for every row, or a column of them)."""
    out = np.empty(G, dtype=object)
    for i in range(G):
        keep = other if isinstance(other, tuple) else other[i]
        out[i] = tuple(notes) if where is None or where[i] else tuple(keep)
    return out


def _block(kpi, G, *, kind, unit, definition, note: tuple = (), empty: str = "", **cols) -> pd.DataFrame:
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
        out["note"] = _notes_column(G, tuple(note))
        out["estimate"] = np.nan
    else:
        out["note"] = _notes_column(G, (Note(empty),) if empty else (), (out["n"] == 0).to_numpy())
    return out


def location(values: np.ndarray, g: np.ndarray, G: int, statistic: str, conf: float) -> dict:
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
    return {"estimate": ci["estimate"].to_numpy(), "ci_low": ci["ci_low"].to_numpy(),
            "ci_high": ci["ci_high"].to_numpy(), "n": n, "_k": k}


def _compute(prep: Prepared, starts: np.ndarray, ends: np.ndarray) -> pd.DataFrame:
    """All KPIs for each of G sorted, non-overlapping periods [starts, ends) — a long frame."""
    d = prep.defs
    conf = d["confidence"]
    G = len(starts)
    blocks = []
    hours_unit = "" if d["time_clock"] == "calendar" else "business "

    # ---- survey KPIs
    csat_def = "mean CSAT score (1–5) of responses submitted in the period"
    sat = d["csat_satisfied"]
    pct_def = f"% of CSAT responses scoring {'/'.join(map(str, sat))}"
    nps_def = "% promoters (9–10) − % detractors (0–6) of NPS responses in the period"
    if not prep.has_responses:
        for code, kind, unit, dfn in (("csat_mean", "mean", UNITS["csat_mean"], csat_def),
                                      ("csat_pct_satisfied", "prop", "%", pct_def), ("nps", "nps", "points", nps_def)):
            blocks.append(_block(code, G, kind=kind, unit=unit, definition=dfn, note=_missing("responses")))
    else:
        rid = _period_index(prep.submitted, starts, ends)
        if prep.csat is None:
            for code, kind, unit, dfn in (("csat_mean", "mean", UNITS["csat_mean"], csat_def),
                                          ("csat_pct_satisfied", "prop", "%", pct_def)):
                blocks.append(_block(code, G, kind=kind, unit=unit, definition=dfn, note=_missing("responses.csat")))
        else:
            ok = (rid >= 0) & ~np.isnan(prep.csat)
            g, v = rid[ok], prep.csat[ok]
            blocks.append(_block("csat_mean", G, kind="mean", unit=UNITS["csat_mean"], definition=csat_def,
                                 empty=_EMPTY["csat"], **location(v, g, G, "mean", conf)))
            blocks.append(_block("csat_pct_satisfied", G, kind="prop", unit="%", definition=pct_def,
                                 empty=_EMPTY["csat"], **_proportion(np.isin(v, sat), g, G, conf)))
        if prep.nps is None:
            blocks.append(_block("nps", G, kind="nps", unit="points", definition=nps_def,
                                 note=_missing("responses.nps")))
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
    t_note = () if prep.has_tickets else _missing("tickets")
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
                             note=t_note or _missing("tickets.handle_time_minutes")))
    else:
        ok = in_p & ~np.isnan(prep.aht)
        blocks.append(_block("aht_minutes", G, kind=kind, unit="minutes", definition=aht_def,
                             empty=_EMPTY["aht"], **location(prep.aht[ok], tid[ok], G, st_aht, conf)))

    # first response, overall and per channel
    st_t = d["time_statistic"]
    kind_t = "mean" if st_t == "mean" else "median"
    fr_def = (f"{st_t} {d['time_clock']}-clock minutes from created_at to first_response_at "
              "(tickets without a reply left out)")
    channels = prep.channels if prep.has_tickets else []
    fr_codes = ["first_response_minutes"] + [f"first_response_minutes_{c}" for c in channels]
    fr_unit = f"{hours_unit}minutes"
    if t_note or prep.first_min is None:
        for code in fr_codes:
            blocks.append(_block(code, G, kind=kind_t, unit=fr_unit, definition=fr_def,
                                 note=t_note or _missing("tickets.first_response_at")))
    else:
        ok = in_p & ~np.isnan(prep.first_min)
        extra = prep.notes.get("first_response")
        b = _block("first_response_minutes", G, kind=kind_t, unit=fr_unit, definition=fr_def,
                   empty=_EMPTY["first_response"], **location(prep.first_min[ok], tid[ok], G, st_t, conf))
        blocks.append(_add_note(b, extra))
        if channels:
            C = len(channels)
            okc = ok & (prep.channel_code >= 0)
            res = location(prep.first_min[okc], tid[okc] * C + prep.channel_code[okc], G * C, st_t, conf)
            for ci_, c in enumerate(channels):
                sel = np.arange(G) * C + ci_
                b = _block(f"first_response_minutes_{c}", G, kind=kind_t, unit=fr_unit,
                           definition=fr_def + f"; channel {c}", empty=_EMPTY["first_response"],
                           **{k: v[sel] for k, v in res.items()})
                blocks.append(_add_note(b, extra))

    # resolution time
    res_def = f"{st_t} {d['time_clock']}-clock hours from created_at to resolved_at (resolved tickets)"
    res_unit = f"{hours_unit}hours"
    if t_note or prep.resolution_h is None:
        blocks.append(_block("resolution_hours", G, kind=kind_t, unit=res_unit, definition=res_def,
                             note=t_note or _missing("tickets.resolved_at")))
    else:
        ok = in_p & ~np.isnan(prep.resolution_h)
        b = _block("resolution_hours", G, kind=kind_t, unit=res_unit, definition=res_def,
                   empty=_EMPTY["resolution"], **location(prep.resolution_h[ok], tid[ok], G, st_t, conf))
        blocks.append(_add_note(b, prep.notes.get("resolution")))

    # SLA
    blocks.append(_sla_block(prep, tid, starts, ends, t_note))

    # complaints
    cats = d["complaint_categories"]
    comp_def = ("tickets created in the period" if cats is None
                else f"tickets of categories {', '.join(cats)} created in the period")
    exposure = (ends - starts) / NS_DAY
    if t_note:
        blocks.append(_block("complaints", G, kind="count", unit="tickets", definition=comp_def, note=t_note))
    else:
        k = np.bincount(tid[in_p & prep.complaint], minlength=G).astype(float)
        ci = poisson_interval(k, confidence=conf)
        b = _block("complaints", G, kind="count", unit="tickets", definition=comp_def,
                   estimate=k, ci_low=ci["ci_low"].to_numpy(), ci_high=ci["ci_high"].to_numpy(), n=k, _k=k,
                   _exposure=exposure)
        if prep.t_range is not None:
            lo_day = prep.t_range[0] // NS_DAY * NS_DAY
            hi_day = (prep.t_range[1] // NS_DAY + 1) * NS_DAY
            span = {"first": f"{pd.Timestamp(prep.t_range[0]):%Y-%m-%d}",
                    "last": f"{pd.Timestamp(prep.t_range[1]):%Y-%m-%d}"}
            outside = (ends <= lo_day) | (starts >= hi_day)
            partial = ~outside & ((starts < lo_day) | (ends > hi_day))
            b["note"] = _notes_column(G, (Note("partly_covered", **span),), partial, b["note"].to_numpy())
            b["note"] = _notes_column(G, (Note("outside_data", **span),), outside, b["note"].to_numpy())
            for c in ("estimate", "ci_low", "ci_high"):
                b.loc[outside, c] = np.nan
        blocks.append(b)

    # churn
    blocks.append(_churn_block(prep, starts, ends))
    return pd.concat(blocks, ignore_index=True)


def _add_note(block: pd.DataFrame, extra: Note | None) -> pd.DataFrame:
    if extra is not None:
        block["note"] = [tuple(n) + (extra,) for n in block["note"]]
    return block


def _sla_block(prep: Prepared, tid, starts, ends, t_note) -> pd.DataFrame:
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
        return _block(code, G, kind="prop", unit="%", definition=dfn, note=t_note or _missing("tickets.resolved_at"))
    in_p = tid >= 0
    g = tid[in_p]
    as_of_g = np.minimum(ends, prep.snapshot) if d["sla_as_of"] == "period_end" else np.full(G, prep.snapshot)
    as_of = as_of_g[g]
    created, resolved = prep.created[in_p], prep.resolved[in_p]
    dur = prep.sla_dur_h[in_p]
    done = (resolved != NAT) & (resolved <= as_of) & ~np.isnan(dur)
    met = done & (dur <= sla)
    if clock == "business":
        age = d["business_calendar"]._hours_ns(created, as_of)
    else:
        age = (as_of - created) / NS_HOUR
    late_open = ~done & (age > sla)
    known = met | (done & (dur > sla)) | late_open
    return _block(code, G, kind="prop", unit="%", definition=dfn, empty=_EMPTY["sla"],
                  **_proportion(met[known], g[known], G, d["confidence"]))


def _churn_block(prep: Prepared, starts, ends) -> pd.DataFrame:
    """Churn rate = customers lost in [start, end) / customers active at start (a fraction).

    Active at start: ``signup_date < start`` and not churned before start. Customers who signed up
    during the period are in neither numerator nor denominator. Wilson interval.
    """
    G = len(starts)
    dfn = ("customers with churn_date in the period / customers active at its start × 100 "
           "(signed up before the start, not churned before it; new sign-ups in the period excluded)")
    if not prep.has_customers:
        return _block("churn_rate", G, kind="prop", unit="%", definition=dfn, note=_missing("customers"))
    if prep.churn is None:
        return _block("churn_rate", G, kind="prop", unit="%", definition=dfn, note=_missing("customers.churn_date"))
    signup, churn = prep.signup, prep.churn
    base = (signup != NAT) & ~prep.churn_unknown
    has_churn = churn != NAT
    k, n = np.zeros(G), np.zeros(G)
    for i in range(G):
        active = base & (signup < starts[i]) & (~has_churn | (churn >= starts[i]))
        n[i] = active.sum()
        k[i] = (active & has_churn & (churn < ends[i])).sum()
    ci = wilson_interval(k, n, confidence=prep.defs["confidence"])
    b = _block("churn_rate", G, kind="prop", unit="%", definition=dfn, empty=_EMPTY["churn"],
               estimate=ci["estimate"].to_numpy(), ci_low=ci["ci_low"].to_numpy(),
               ci_high=ci["ci_high"].to_numpy(), n=n, _k=k)
    return _add_note(b, prep.notes.get("churn"))


def _data_range(prep: Prepared) -> tuple[int, int] | None:
    ranges = [r for r in (getattr(prep, "t_range", None), getattr(prep, "r_range", None)) if r is not None]
    if not ranges and prep.has_customers and prep.churn is not None and (prep.churn != NAT).any():
        c = prep.churn[prep.churn != NAT]
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
    defs = resolve_definitions(definitions)
    prep = Prepared(tickets, responses, customers, defs)
    if period is None:
        rng = _data_range(prep)
        if rng is None:
            start, end = pd.Timestamp("1970-01-01"), pd.Timestamp("1970-01-02")
        else:
            start = pd.Timestamp(rng[0]).normalize()
            end = pd.Timestamp(rng[1]).normalize() + pd.Timedelta(days=1)
    else:
        start, end = period_bounds(period, "period")
    cur = _compute(prep, np.array([start.value]), np.array([end.value]))
    out = cur.drop(columns="pidx")
    out["previous"] = np.nan
    for c in ("change", "change_ci_low", "change_ci_high", "p_value"):
        out[c] = np.nan
    out["change_unit"] = ""
    if comparison is not None:
        cs, ce = period_bounds(comparison, "comparison")
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
            vals = (r["estimate"], r["ci_low"], r["ci_high"], r["p_value"])
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
    defs = resolve_definitions(definitions)
    prep = Prepared(tickets, responses, customers, defs)
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
    ``"pct_satisfied"``: ``#(score ∈ satisfied)/n`` with Wilson interval (``csat_pct_satisfied``).
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
    """FCR = resolved at first contact / resolved tickets created in ``period`` (Wilson interval).

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


def first_response_time(tickets: pd.DataFrame, *, statistic: str = "median", clock: str = "calendar",
                        calendar: BusinessCalendar | None = None, period=None, comparison=None,
                        confidence: float = 0.95) -> pd.DataFrame:
    """Minutes from ``created_at`` to ``first_response_at`` (calendar or business clock), overall
    (``first_response_minutes``) and per channel (``first_response_minutes_<channel>``); tickets
    without a reply are left out."""
    return _kpi_rows("first_response_minutes", tickets, period=period, comparison=comparison,
                     definitions={"time_statistic": statistic, "time_clock": clock, "business_calendar": calendar,
                                  "confidence": confidence})


def resolution_time(tickets: pd.DataFrame, *, statistic: str = "median", clock: str = "calendar",
                    calendar: BusinessCalendar | None = None, period=None, comparison=None,
                    confidence: float = 0.95) -> pd.DataFrame:
    """Hours from ``created_at`` to ``resolved_at`` of resolved tickets created in ``period``
    (calendar or business clock; code ``resolution_hours``)."""
    return _kpi_rows("resolution_hours", tickets, period=period, comparison=comparison,
                     definitions={"time_statistic": statistic, "time_clock": clock, "business_calendar": calendar,
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
    """Churn = customers with ``churn_date`` in ``period`` / customers active at its start.

    Active at start: ``signup_date`` before the start and not churned before it. Customers who
    signed up during the period are in neither count; customers marked ``churned`` without a
    ``churn_date`` are left out (noted). Wilson interval (code ``churn_rate``).
    """
    return _kpi_rows("churn_rate", None, None, customers, period=period, comparison=comparison,
                     definitions={"confidence": confidence})
