"""The KPI computation of main before issue 14 (numpy arrays per ticket, bincount per period), kept verbatim as the
independent reference of tests/test_kpi_engine.py: ``Prepared`` (csm/kpi/inputs.py), ``_compute`` / ``scorecard`` /
``kpi_trend`` (csm/kpi/core.py), the daily chart series (csm/kpi/spc.py) and ``league_table`` (csm/kpi/league.py).
Not a production path: nothing in csm imports it."""
from __future__ import annotations

import numpy as np
import pandas as pd

from csm.compat import STR
from csm.customers.churn import churn_counts
from csm.data.contract import CHANNELS
from csm.errors import DataError, ParameterError
from csm.kpi.calendar import NAT, NS_DAY, NS_HOUR, BusinessCalendar, to_ns
from csm.kpi.definitions import UNITS, kpi_direction, period_bounds, period_index, resolve_definitions, sla_code
from csm.kpi.spc import individuals_chart, p_chart
from csm.notes import Note
from csm.stats import (
    DETRACTOR_MAX,
    PROMOTER_MIN,
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

# ====================================================================== main: csm/kpi/inputs.py
def missing_inputs(*inputs: str) -> tuple:
    """Notes for missing inputs: ``"responses"`` (a table) or ``"tickets.resolved_at"`` (a column)."""
    return tuple(Note("missing_column", table=i.partition(".")[0], column=i.partition(".")[2]) if "." in i
                 else Note("missing_table", table=i) for i in inputs)

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
                self.fcr_note = missing_inputs("tickets.first_contact_resolved")
                self.fcr_definition = Note("fcr_flag_among_resolved")
                return
            f = _bools(flag, "tickets.first_contact_resolved")
            ok = ~np.isnan(f)
            if resolved is not None:
                ok &= resolved
                self.fcr_definition = Note("fcr_flag")
            else:
                self.fcr_definition = Note("fcr_flag_all")  # tickets.resolved_at missing
            self.fcr_ok, self.fcr_success = ok, ok & (f == 1)
        else:
            self.fcr_definition = Note("fcr_contacts")
            if contacts is None or resolved is None:
                self.fcr_ok = None
                missing = [c for c, v in (("first_contact_resolved", flag), ("contacts", contacts),
                                          ("resolved_at", resolved)) if v is None]
                self.fcr_note = missing_inputs(*(f"tickets.{c}" for c in missing))
                return
            c = _floats(contacts, "tickets.contacts")
            ok = resolved & ~np.isnan(c)
            self.fcr_ok, self.fcr_success = ok, ok & (c == 1)

# ====================================================================== main: csm/kpi/core.py
# =========================================================================== per-period computation
#: The note code of a KPI whose period holds no observation.
_EMPTY = {"csat": "no_csat_responses", "nps": "no_nps_responses", "fcr": "no_resolved_tickets",
          "aht": "no_handle_time", "first_response": "no_answered_tickets", "resolution": "no_resolved_tickets",
          "sla": "no_sla_outcome", "complaints": "", "churn": "no_active_customers"}


def _notes_column(G: int, notes: tuple = (), where=None, other=()) -> np.ndarray:
    """An object column of G note tuples: ``notes`` where ``where`` (all rows by default), else ``other`` (one
    tuple for every row, or a column of them)."""
    out = np.empty(G, dtype=object)
    for i in range(G):
        keep = other if isinstance(other, tuple) else other[i]
        out[i] = tuple(notes) if where is None or where[i] else tuple(keep)
    return out


def _block(kpi, G, *, kind, unit, definition: Note, note: tuple = (), empty: str = "", **cols) -> pd.DataFrame:
    base = {"pidx": np.arange(G), "kpi": kpi}
    nan = np.full(G, np.nan)
    for c in ("estimate", "ci_low", "ci_high", "n", "_k", "_mean", "_sd", "_P", "_D", "_exposure"):
        base[c] = cols.get(c, nan if c != "n" else np.zeros(G))
    out = pd.DataFrame(base)
    out["n"] = out["n"].fillna(0).astype(np.int64)
    out["_kind"] = kind
    out["unit"] = unit
    out["definition"] = [definition] * G  # a code with parameters, worded by csm.report.kpi.definition_text
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
    csat_def = Note("csat_mean")
    sat = d["csat_satisfied"]
    pct_def = Note("csat_pct_satisfied", scores="/".join(map(str, sat)))
    nps_def = Note("nps")
    if not prep.has_responses:
        for code, kind, unit, dfn in (("csat_mean", "mean", UNITS["csat_mean"], csat_def),
                                      ("csat_pct_satisfied", "prop", "%", pct_def), ("nps", "nps", "points", nps_def)):
            blocks.append(_block(code, G, kind=kind, unit=unit, definition=dfn, note=missing_inputs("responses")))
    else:
        rid = period_index(prep.submitted, starts, ends)
        if prep.csat is None:
            for code, kind, unit, dfn in (("csat_mean", "mean", UNITS["csat_mean"], csat_def),
                                          ("csat_pct_satisfied", "prop", "%", pct_def)):
                blocks.append(_block(code, G, kind=kind, unit=unit, definition=dfn, note=missing_inputs("responses.csat")))
        else:
            ok = (rid >= 0) & ~np.isnan(prep.csat)
            g, v = rid[ok], prep.csat[ok]
            blocks.append(_block("csat_mean", G, kind="mean", unit=UNITS["csat_mean"], definition=csat_def,
                                 empty=_EMPTY["csat"], **location(v, g, G, "mean", conf)))
            blocks.append(_block("csat_pct_satisfied", G, kind="prop", unit="%", definition=pct_def,
                                 empty=_EMPTY["csat"], **_proportion(np.isin(v, sat), g, G, conf)))
        if prep.nps is None:
            blocks.append(_block("nps", G, kind="nps", unit="points", definition=nps_def,
                                 note=missing_inputs("responses.nps")))
        else:
            ok = (rid >= 0) & ~np.isnan(prep.nps)
            g, v = rid[ok], prep.nps[ok]
            n = np.bincount(g, minlength=G).astype(float)
            P = np.bincount(g, weights=(v >= PROMOTER_MIN).astype(float), minlength=G)
            D = np.bincount(g, weights=(v <= DETRACTOR_MAX).astype(float), minlength=G)
            ci = nps_interval_from_counts(P, D, n, confidence=conf)
            blocks.append(_block("nps", G, kind="nps", unit="points", definition=nps_def, empty=_EMPTY["nps"],
                                 estimate=ci["estimate"].to_numpy(), ci_low=ci["ci_low"].to_numpy(),
                                 ci_high=ci["ci_high"].to_numpy(), n=n, _P=P, _D=D))

    # ---- ticket KPIs
    t_note = () if prep.has_tickets else missing_inputs("tickets")
    tid = period_index(prep.created, starts, ends) if prep.has_tickets else None
    in_p = tid >= 0 if tid is not None else None

    # first-contact resolution
    fcr_def = prep.fcr_definition if prep.has_tickets else Note("fcr")
    if t_note or prep.fcr_ok is None:
        blocks.append(_block("fcr_rate", G, kind="prop", unit="%", definition=fcr_def,
                             note=t_note or prep.fcr_note))
    else:
        ok = in_p & prep.fcr_ok
        blocks.append(_block("fcr_rate", G, kind="prop", unit="%", definition=fcr_def, empty=_EMPTY["fcr"],
                             **_proportion(prep.fcr_success[ok], tid[ok], G, conf)))

    # handle time
    st_aht = d["aht_statistic"]
    aht_def = Note("aht", statistic=st_aht)
    kind = "mean" if st_aht == "mean" else "median"
    if t_note or prep.aht is None:
        blocks.append(_block("aht_minutes", G, kind=kind, unit="minutes", definition=aht_def,
                             note=t_note or missing_inputs("tickets.handle_time_minutes")))
    else:
        ok = in_p & ~np.isnan(prep.aht)
        blocks.append(_block("aht_minutes", G, kind=kind, unit="minutes", definition=aht_def,
                             empty=_EMPTY["aht"], **location(prep.aht[ok], tid[ok], G, st_aht, conf)))

    # first response, overall and per channel
    st_t = d["time_statistic"]
    kind_t = "mean" if st_t == "mean" else "median"
    fr_def = Note("first_response", statistic=st_t, clock=d["time_clock"])
    channels = prep.channels if prep.has_tickets else []
    fr_codes = ["first_response_minutes"] + [f"first_response_minutes_{c}" for c in channels]
    fr_unit = f"{hours_unit}minutes"
    if t_note or prep.first_min is None:
        for code in fr_codes:
            blocks.append(_block(code, G, kind=kind_t, unit=fr_unit, definition=fr_def,
                                 note=t_note or missing_inputs("tickets.first_response_at")))
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
                           definition=Note("first_response_channel", **fr_def.params, channel=c), empty=_EMPTY["first_response"],
                           **{k: v[sel] for k, v in res.items()})
                blocks.append(_add_note(b, extra))

    # resolution time
    res_def = Note("resolution", statistic=st_t, clock=d["time_clock"])
    res_unit = f"{hours_unit}hours"
    if t_note or prep.resolution_h is None:
        blocks.append(_block("resolution_hours", G, kind=kind_t, unit=res_unit, definition=res_def,
                             note=t_note or missing_inputs("tickets.resolved_at")))
    else:
        ok = in_p & ~np.isnan(prep.resolution_h)
        b = _block("resolution_hours", G, kind=kind_t, unit=res_unit, definition=res_def,
                   empty=_EMPTY["resolution"], **location(prep.resolution_h[ok], tid[ok], G, st_t, conf))
        blocks.append(_add_note(b, prep.notes.get("resolution")))

    # SLA
    blocks.append(_sla_block(prep, tid, starts, ends, t_note))

    # complaints
    cats = d["complaint_categories"]
    comp_def = Note("complaints") if cats is None else Note("complaints_of", categories=tuple(cats))
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
    code, sla = sla_code(d), float(d["sla_hours"])
    clock = d["sla_clock"]
    dfn = Note("sla", hours=f"{sla:g}", clock=clock, as_of=d["sla_as_of"])
    if t_note or prep.resolved is None:
        return _block(code, G, kind="prop", unit="%", definition=dfn, note=t_note or missing_inputs("tickets.resolved_at"))
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
    dfn = Note("churn")
    if not prep.has_customers:
        return _block("churn_rate", G, kind="prop", unit="%", definition=dfn, note=missing_inputs("customers"))
    if prep.churn is None:
        return _block("churn_rate", G, kind="prop", unit="%", definition=dfn, note=missing_inputs("customers.churn_date"))
    n, k = churn_counts(prep.signup.view("datetime64[ns]"), prep.churn.view("datetime64[ns]"),
                        np.asarray(starts, np.int64).view("datetime64[ns]"),
                        np.asarray(ends, np.int64).view("datetime64[ns]"), counted=~prep.churn_unknown)
    n, k = n.astype(float), k.astype(float)
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

    ``period``/``comparison``: :class:`csm.periods.Period` objects, or ``(start, end)`` typed by hand with
    ``end`` inclusive (a date covers the whole day; a date-time is an exclusive bound). ``period=None`` covers all data. One row per KPI code (see
    the module docstring): estimate, ci_low, ci_high, n, previous (comparison estimate), change and
    its interval and p-value — a difference (Welch t for means, Newcombe interval and pooled z test
    for rates as a difference of fractions (shown in percentage points), multinomial z test for NPS; no interval for medians) or, for
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
    columns = ["period_start", "kpi", "estimate", "ci_low", "ci_high", "n", "unit", "note"]
    if lo is None or hi is None or hi < lo:
        return pd.DataFrame({c: [] for c in columns})
    periods = pd.period_range(lo, hi, freq=_FREQS[freq])
    starts = periods.start_time.as_unit("ns").asi8
    ends = (periods + 1).start_time.as_unit("ns").asi8
    out = _compute(prep, starts, ends)
    out.insert(0, "period_start", pd.DatetimeIndex(starts).as_unit("ns")[out["pidx"].to_numpy()])
    return out.sort_values(["period_start"], kind="stable")[columns].reset_index(drop=True)

# ====================================================================== main: csm/kpi/spc.py (the daily series)
def _daily(prep: Prepared, mask: np.ndarray) -> tuple[np.ndarray, pd.DatetimeIndex]:
    day = prep.created[mask] // NS_DAY
    if day.size == 0:
        raise DataError("no tickets in the chart window: nothing to chart")
    lo, hi = day.min(), day.max()
    dates = pd.DatetimeIndex((np.arange(lo, hi + 1) * NS_DAY).astype("datetime64[ns]"))
    return day - lo, dates


def fcr_p_chart(tickets: pd.DataFrame, *, definitions: dict | None = None, **chart_options) -> pd.DataFrame:
    """p chart of the daily first-contact resolution rate (tickets by creation day; see :func:`p_chart`)."""
    prep = Prepared(tickets, None, None, resolve_definitions(definitions))
    if prep.fcr_ok is None:
        raise DataError(f"cannot chart first-contact resolution: {prep.fcr_note}")
    ok = prep.fcr_ok & (prep.created != NAT)
    g, dates = _daily(prep, ok)
    n = np.bincount(g, minlength=len(dates)).astype(float)
    k = np.bincount(g, weights=prep.fcr_success[ok].astype(float), minlength=len(dates))
    return p_chart(pd.Series(k, index=dates), pd.Series(n, index=dates), **chart_options)


def aht_individuals_chart(tickets: pd.DataFrame, *, definitions: dict | None = None,
                          **chart_options) -> pd.DataFrame:
    """XmR chart of the daily mean (or median, per ``aht_statistic``) handle time (see :func:`individuals_chart`)."""
    defs = resolve_definitions(definitions)
    prep = Prepared(tickets, None, None, defs)
    if prep.aht is None:
        raise DataError("cannot chart handle time: tickets.handle_time_minutes missing")
    ok = ~np.isnan(prep.aht) & (prep.created != NAT)
    g, dates = _daily(prep, ok)
    loc = location(prep.aht[ok], g, len(dates), defs["aht_statistic"], defs["confidence"])
    return individuals_chart(pd.Series(loc["estimate"], index=dates), **chart_options)

# ====================================================================== main: csm/kpi/league.py
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
    defs = resolve_definitions(definitions)
    conf = defs["confidence"]
    frame = data
    if table == "responses":
        require_columns(frame, "responses", ("submitted_at",))
        if by not in frame.columns:
            if tickets is None or "ticket_id" not in frame.columns:
                raise DataError(f"responses have no column {by!r}; pass tickets= (with ticket_id and {by}) so "
                                "responses can be matched to tickets through ticket_id")
            require_columns(tickets, "tickets", ("ticket_id", by))
            frame = frame.merge(tickets[["ticket_id", by]].drop_duplicates("ticket_id"), on="ticket_id", how="left")
        prep = Prepared(None, frame, None, defs)
        when = prep.submitted
        if prep.csat is None:
            raise DataError("responses.csat missing: cannot rank CSAT")
        values = prep.csat
    else:
        require_columns(frame, "tickets", ("created_at", by))
        prep = Prepared(frame, None, None, defs)
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
        s, e = period_bounds(period)
        ok &= (when >= s.value) & (when < e.value)
    groups = frame[by][ok].astype(str)
    v = pd.Series(values[ok], index=groups.index)
    agg = v.groupby(groups.to_numpy()).agg(["count", "sum", "mean", "var"])
    agg.index.name = by
    n = agg["count"].to_numpy(dtype=float)
    out = pd.DataFrame({by: agg.index.astype(str), "n": n.astype(np.int64)})
    prior: dict = {}
    if kind == "prop":
        ci = wilson_interval(agg["sum"].to_numpy(), n, confidence=conf)
    else:
        sd = np.sqrt(agg["var"].to_numpy())
        ci = mean_interval_from_stats(agg["mean"].to_numpy(), sd, n, confidence=conf)
    out["estimate"] = ci["estimate"].to_numpy()
    out["ci_low"] = ci["ci_low"].to_numpy()
    out["ci_high"] = ci["ci_high"].to_numpy()
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
            out["shrunk_estimate"] = sh.summary["estimate"].to_numpy()
            out["shrunk_ci_low"] = sh.summary["ci_low"].to_numpy()
            out["shrunk_ci_high"] = sh.summary["ci_high"].to_numpy()
    if "shrunk_estimate" not in out:
        for c in ("estimate", "ci_low", "ci_high"):
            out["shrunk_" + c] = out[c]
        prior = {"note": "fewer than 2 groups (or no within-group spread): no shrinkage"}
    ascending = kpi_direction(metric) == "lower"
    out["rank"] = out["shrunk_estimate"].rank(ascending=ascending, method="min").astype("Int64")
    out["too_few"] = out["n"] < min_n
    out["unit"] = UNITS.get(metric, "")
    out = out.sort_values(["rank", by], kind="stable").reset_index(drop=True)
    out.attrs["prior"] = prior
    out.attrs["min_n"] = min_n
    return out
