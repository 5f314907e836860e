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

from csm.errors import ParameterError
from csm.customers.churn import churn_counts
from csm.kpi.calendar import NAT, NS_DAY, NS_HOUR
from csm.kpi.definitions import UNITS, period_bounds, period_index, resolve_definitions, sla_code
from csm.kpi.inputs import Prepared, missing_inputs
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
    wilson_interval,
)

__all__ = ["scorecard", "kpi_trend", "location"]

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
