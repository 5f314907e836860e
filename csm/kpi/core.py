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
from csm.kpi.calendar import NS_DAY
from csm.kpi.definitions import UNITS, period_bounds, resolve_definitions, sla_code
from csm.kpi.inputs import Inputs, PeriodPlan, Stats, missing_inputs
from csm.notes import Note
from csm.stats import (
    mean_difference_from_stats,
    mean_interval_from_stats,
    nps_difference_from_counts,
    nps_interval_from_counts,
    poisson_interval,
    proportion_difference,
    rate_ratio_test,
    wilson_interval,
)

__all__ = ["scorecard", "kpi_trend", "location_from", "scorecard_from", "scorecard_periods", "trend_from", "trend_periods"]

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


def location_from(n, *, statistic: str, mean=None, sd=None, median=None, lo=None, hi=None,
                  confidence: float = 0.95) -> dict:
    """Per-group mean (t interval from n, mean, SD) or median (with its order-statistic interval bounds)."""
    n = np.asarray(n, dtype=float)
    if statistic == "mean":
        ci = mean_interval_from_stats(mean, sd, n, confidence=confidence)
        return {"estimate": ci["estimate"].to_numpy(), "ci_low": ci["ci_low"].to_numpy(),
                "ci_high": ci["ci_high"].to_numpy(), "n": n, "_mean": np.asarray(mean, float),
                "_sd": np.asarray(sd, float)}
    return {"estimate": median, "ci_low": lo, "ci_high": hi, "n": n, "_mean": median}


def _proportion_from(n, k, conf: float) -> dict:
    n, k = np.asarray(n, dtype=float), np.asarray(k, dtype=float)
    ci = wilson_interval(k, n, confidence=conf)
    return {"estimate": ci["estimate"].to_numpy(), "ci_low": ci["ci_low"].to_numpy(),
            "ci_high": ci["ci_high"].to_numpy(), "n": n, "_k": k}


def _medians(defs: dict) -> tuple[str, ...]:
    """The ticket metrics whose periods need exact medians under ``defs``."""
    return tuple(m for m, st_ in (("aht", defs["aht_statistic"]), ("fr", defs["time_statistic"]),
                                  ("res", defs["time_statistic"])) if st_ == "median")


def _compute(inp: Inputs, stats: Stats, starts: np.ndarray, ends: np.ndarray) -> pd.DataFrame:
    """All KPIs for each of G periods [starts, ends) of ``stats``' plan — a long frame."""
    d = inp.defs
    conf = d["confidence"]
    G = len(starts)
    pids = stats.plan.ids(starts, ends)
    blocks = []
    hours_unit = "" if d["time_clock"] == "calendar" else "business "

    # ---- survey KPIs
    csat_def = Note("csat_mean")
    sat = d["csat_satisfied"]
    pct_def = Note("csat_pct_satisfied", scores="/".join(map(str, sat)))
    nps_def = Note("nps")
    if not inp.has_responses:
        for code, kind, unit, dfn in (("csat_mean", "mean", UNITS["csat_mean"], csat_def),
                                      ("csat_pct_satisfied", "prop", "%", pct_def), ("nps", "nps", "points", nps_def)):
            blocks.append(_block(code, G, kind=kind, unit=unit, definition=dfn, note=missing_inputs("responses")))
    else:
        if "csat" not in inp.rcols:
            for code, kind, unit, dfn in (("csat_mean", "mean", UNITS["csat_mean"], csat_def),
                                          ("csat_pct_satisfied", "prop", "%", pct_def)):
                blocks.append(_block(code, G, kind=kind, unit=unit, definition=dfn, note=missing_inputs("responses.csat")))
        else:
            r = stats.response_sums(("csat_n", "csat_s", "csat_ss", "csat_sat"), pids)
            n = r["csat_n"]
            with np.errstate(invalid="ignore", divide="ignore"):
                # CSAT is a bounded 1–5 score: sums shifted by 3 lose nothing (see csm.kpi.inputs)
                mean = 3 + r["csat_s"] / n
                ss = np.maximum(r["csat_ss"] - r["csat_s"] ** 2 / n, 0.0)
                sd = np.where(n >= 2, np.sqrt(ss / np.maximum(n - 1, 1)), np.nan)
            mean = np.where(n > 0, mean, np.nan)
            blocks.append(_block("csat_mean", G, kind="mean", unit=UNITS["csat_mean"], definition=csat_def,
                                 empty=_EMPTY["csat"], **location_from(n, statistic="mean", mean=mean, sd=sd,
                                                                       confidence=conf)))
            blocks.append(_block("csat_pct_satisfied", G, kind="prop", unit="%", definition=pct_def,
                                 empty=_EMPTY["csat"], **_proportion_from(n, r["csat_sat"], conf)))
        if "nps" not in inp.rcols:
            blocks.append(_block("nps", G, kind="nps", unit="points", definition=nps_def,
                                 note=missing_inputs("responses.nps")))
        else:
            r = stats.response_sums(("nps_n", "nps_p", "nps_d"), pids)
            n, P, D = r["nps_n"], r["nps_p"], r["nps_d"]
            ci = nps_interval_from_counts(P, D, n, confidence=conf)
            blocks.append(_block("nps", G, kind="nps", unit="points", definition=nps_def, empty=_EMPTY["nps"],
                                 estimate=ci["estimate"].to_numpy(), ci_low=ci["ci_low"].to_numpy(),
                                 ci_high=ci["ci_high"].to_numpy(), n=n, _P=P, _D=D))

    # ---- ticket KPIs
    t_note = () if inp.has_tickets else missing_inputs("tickets")

    # first-contact resolution
    fcr_def = inp.fcr_definition if inp.has_tickets else Note("fcr")
    if t_note or not inp.fcr_ok_possible:
        blocks.append(_block("fcr_rate", G, kind="prop", unit="%", definition=fcr_def,
                             note=t_note or inp.fcr_note))
    else:
        s = stats.sums(("fcr_n", "fcr_k"), pids)
        blocks.append(_block("fcr_rate", G, kind="prop", unit="%", definition=fcr_def, empty=_EMPTY["fcr"],
                             **_proportion_from(s["fcr_n"], s["fcr_k"], conf)))

    # handle time
    st_aht = d["aht_statistic"]
    aht_def = Note("aht", statistic=st_aht)
    kind = "mean" if st_aht == "mean" else "median"
    if t_note or not inp.has_aht:
        blocks.append(_block("aht_minutes", G, kind=kind, unit="minutes", definition=aht_def,
                             note=t_note or missing_inputs("tickets.handle_time_minutes")))
    else:
        blocks.append(_block("aht_minutes", G, kind=kind, unit="minutes", definition=aht_def,
                             empty=_EMPTY["aht"], **stats.location("aht", pids, st_aht)))

    # first response, overall and per channel
    st_t = d["time_statistic"]
    kind_t = "mean" if st_t == "mean" else "median"
    fr_def = Note("first_response", statistic=st_t, clock=d["time_clock"])
    channels = inp.channels if inp.has_tickets else []
    fr_codes = ["first_response_minutes"] + [f"first_response_minutes_{c}" for c in channels]
    fr_unit = f"{hours_unit}minutes"
    if t_note or not inp.has_first:
        for code in fr_codes:
            blocks.append(_block(code, G, kind=kind_t, unit=fr_unit, definition=fr_def,
                                 note=t_note or missing_inputs("tickets.first_response_at")))
    else:
        extra = inp.notes.get("first_response")
        b = _block("first_response_minutes", G, kind=kind_t, unit=fr_unit, definition=fr_def,
                   empty=_EMPTY["first_response"], **stats.location("fr", pids, st_t))
        blocks.append(_add_note(b, extra))
        for ci_, c in enumerate(channels):
            b = _block(f"first_response_minutes_{c}", G, kind=kind_t, unit=fr_unit,
                       definition=Note("first_response_channel", **fr_def.params, channel=c),
                       empty=_EMPTY["first_response"], **stats.location("fr", pids, st_t, chan=ci_))
            blocks.append(_add_note(b, extra))

    # resolution time
    res_def = Note("resolution", statistic=st_t, clock=d["time_clock"])
    res_unit = f"{hours_unit}hours"
    if t_note or not inp.has_resolved:
        blocks.append(_block("resolution_hours", G, kind=kind_t, unit=res_unit, definition=res_def,
                             note=t_note or missing_inputs("tickets.resolved_at")))
    else:
        b = _block("resolution_hours", G, kind=kind_t, unit=res_unit, definition=res_def,
                   empty=_EMPTY["resolution"], **stats.location("res", pids, st_t))
        blocks.append(_add_note(b, inp.notes.get("resolution")))

    # SLA
    blocks.append(_sla_block(inp, stats, pids, t_note))

    # complaints
    cats = d["complaint_categories"]
    comp_def = Note("complaints") if cats is None else Note("complaints_of", categories=tuple(cats))
    exposure = (ends - starts) / NS_DAY
    if t_note:
        blocks.append(_block("complaints", G, kind="count", unit="tickets", definition=comp_def, note=t_note))
    else:
        k = stats.sums(("complaint",), pids)["complaint"]
        ci = poisson_interval(k, confidence=conf)
        b = _block("complaints", G, kind="count", unit="tickets", definition=comp_def,
                   estimate=k, ci_low=ci["ci_low"].to_numpy(), ci_high=ci["ci_high"].to_numpy(), n=k, _k=k,
                   _exposure=exposure)
        if inp.t_range is not None:
            lo_day = inp.t_range[0] // NS_DAY * NS_DAY
            hi_day = (inp.t_range[1] // NS_DAY + 1) * NS_DAY
            span = {"first": f"{pd.Timestamp(inp.t_range[0]):%Y-%m-%d}",
                    "last": f"{pd.Timestamp(inp.t_range[1]):%Y-%m-%d}"}
            outside = (ends <= lo_day) | (starts >= hi_day)
            partial = ~outside & ((starts < lo_day) | (ends > hi_day))
            b["note"] = _notes_column(G, (Note("partly_covered", **span),), partial, b["note"].to_numpy())
            b["note"] = _notes_column(G, (Note("outside_data", **span),), outside, b["note"].to_numpy())
            for c in ("estimate", "ci_low", "ci_high"):
                b.loc[outside, c] = np.nan
        blocks.append(b)

    # churn
    blocks.append(_churn_block(inp, stats, pids))
    return pd.concat(blocks, ignore_index=True)


def _add_note(block: pd.DataFrame, extra: Note | None) -> pd.DataFrame:
    if extra is not None:
        block["note"] = [tuple(n) + (extra,) for n in block["note"]]
    return block


def _sla_block(inp: Inputs, stats: Stats, pids, t_note) -> pd.DataFrame:
    """% of tickets resolved within ``sla_hours``.

    Tickets created in the period. Judged *as of* ``min(period end, latest timestamp in tickets)``
    (``sla_as_of="period_end"``, default) or the latest timestamp (``"latest"``): resolved by then
    within the SLA → met; resolved later than the SLA, or still unresolved and older than the SLA
    → breach; unresolved and younger than the SLA → left out (outcome not yet known).
    """
    d = inp.defs
    G = len(pids)
    code, sla = sla_code(d), float(d["sla_hours"])
    clock = d["sla_clock"]
    dfn = Note("sla", hours=f"{sla:g}", clock=clock, as_of=d["sla_as_of"])
    if t_note or not inp.has_resolved:
        return _block(code, G, kind="prop", unit="%", definition=dfn, note=t_note or missing_inputs("tickets.resolved_at"))
    n, k = np.zeros(G), np.zeros(G)
    for i, p in enumerate(pids):
        f = next(j for j, fam in enumerate(stats.plan.families) if p in fam)
        s = stats.sums((f"sla_known_{f}", f"sla_met_{f}"), [p])
        n[i], k[i] = s[f"sla_known_{f}"][0], s[f"sla_met_{f}"][0]
    return _block(code, G, kind="prop", unit="%", definition=dfn, empty=_EMPTY["sla"],
                  **_proportion_from(n, k, d["confidence"]))


def _churn_block(inp: Inputs, stats: Stats, pids) -> pd.DataFrame:
    """Churn rate = customers lost in [start, end) / customers active at start (a fraction).

    Active at start: ``signup_date < start`` and not churned before start. Customers who signed up
    during the period are in neither numerator nor denominator (:func:`csm.customers.churn.churn_counts`,
    the same definition, counted in the engine). Wilson interval.
    """
    G = len(pids)
    dfn = Note("churn")
    if not inp.has_customers:
        return _block("churn_rate", G, kind="prop", unit="%", definition=dfn, note=missing_inputs("customers"))
    if "churn_date" not in inp.ccols:
        return _block("churn_rate", G, kind="prop", unit="%", definition=dfn, note=missing_inputs("customers.churn_date"))
    n = np.array([stats.churn[p][0] for p in pids], dtype=float)
    k = np.array([stats.churn[p][1] for p in pids], dtype=float)
    ci = wilson_interval(k, n, confidence=inp.defs["confidence"])
    b = _block("churn_rate", G, kind="prop", unit="%", definition=dfn, empty=_EMPTY["churn"],
               estimate=ci["estimate"].to_numpy(), ci_low=ci["ci_low"].to_numpy(),
               ci_high=ci["ci_high"].to_numpy(), n=n, _k=k)
    return _add_note(b, inp.notes.get("churn"))


def _data_range(inp: Inputs) -> tuple[int, int] | None:
    ranges = [r for r in ((inp.t_range if inp.has_tickets else None), inp.r_range) if r is not None]
    if not ranges and inp.has_customers:
        ranges = [r for r in (inp.churn_range,) if r is not None]
    if not ranges:
        return None
    return min(r[0] for r in ranges), max(r[1] for r in ranges)


# =========================================================================== public: scorecard and trend
_SCORE_COLUMNS = ["kpi", "estimate", "ci_low", "ci_high", "n", "previous", "change", "change_ci_low",
                  "change_ci_high", "p_value", "unit", "change_unit", "definition", "note"]


def scorecard(tickets, responses=None, customers=None, *, period=None, comparison=None,
              definitions: dict | None = None) -> pd.DataFrame:
    """KPI scorecard for one period, compared with another.

    ``tickets``, ``responses``, ``customers``: pandas frames or Ibis tables (:func:`csm.engine.as_relation`; the
    work runs in the engine, only aggregates reach pandas), or None.
    ``period``/``comparison``: :class:`csm.periods.Period` objects, or ``(start, end)`` typed by hand with
    ``end`` inclusive (a date covers the whole day; a date-time is an exclusive bound). ``period=None`` covers all data. One row per KPI code (see
    the module docstring): estimate, ci_low, ci_high, n, previous (comparison estimate), change and
    its interval and p-value — a difference (Welch t for means, Newcombe interval and pooled z test
    for rates as a difference of fractions (shown in percentage points), multinomial z test for NPS; no interval for medians) or, for
    complaints, the relative change of the daily rate ``(k/days)/(k₀/days₀) − 1`` with an exact
    conditional Poisson interval. Missing tables/columns or empty periods give NaN and a ``note``.
    """
    defs = resolve_definitions(definitions)
    inp = Inputs(tickets, responses, customers, defs)
    cur, prev = scorecard_periods(inp, period, comparison)
    stats = Stats(inp, PeriodPlan([cur] + ([prev] if prev else [])), medians=_medians(defs))
    return scorecard_from(inp, stats, cur, prev)


def scorecard_periods(inp: Inputs, period, comparison):
    """``((start, end), (start, end) | None)`` in int64 ns of a scorecard's period and comparison."""
    if period is None:
        rng = _data_range(inp)
        if rng is None:
            start, end = pd.Timestamp("1970-01-01"), pd.Timestamp("1970-01-02")
        else:
            start = pd.Timestamp(rng[0]).normalize()
            end = pd.Timestamp(rng[1]).normalize() + pd.Timedelta(days=1)
    else:
        start, end = period_bounds(period, "period")
    prev = None
    if comparison is not None:
        cs, ce = period_bounds(comparison, "comparison")
        prev = (cs.as_unit("ns").value, ce.as_unit("ns").value)
    return (start.as_unit("ns").value, end.as_unit("ns").value), prev


def scorecard_from(inp: Inputs, stats: Stats, cur, prev) -> pd.DataFrame:
    """The scorecard of ``cur`` against ``prev`` (int64 ns bounds) from the aggregates ``stats``."""
    out = _compute(inp, stats, np.array([cur[0]]), np.array([cur[1]])).drop(columns="pidx")
    out["previous"] = np.nan
    for c in ("change", "change_ci_low", "change_ci_high", "p_value"):
        out[c] = np.nan
    out["change_unit"] = ""
    if prev is not None:
        before = _compute(inp, stats, np.array([prev[0]]), np.array([prev[1]])).set_index("kpi")
        before = before.reindex(out["kpi"])
        out["previous"] = before["estimate"].to_numpy()
        _changes(out, before.reset_index(drop=True), inp.defs["confidence"])
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


def kpi_trend(tickets, responses=None, customers=None, *, freq: str = "M", start=None, end=None,
              definitions: dict | None = None) -> pd.DataFrame:
    """The scorecard KPIs per calendar period, as a tidy long frame.

    ``tickets``, ``responses``, ``customers``: pandas frames or Ibis tables (or None); the work runs in the engine.
    ``freq``: "M" (month, default), "W" (Monday–Sunday week), "D", "Q" or "Y". Periods cover
    ``start``…``end`` (default: the span of tickets.created_at and responses.submitted_at).
    Columns: period (period start, Timestamp), kpi, estimate, ci_low, ci_high, n, unit, note.
    """
    if freq not in _FREQS:
        raise ParameterError(f"freq must be one of {sorted(_FREQS)}, got {freq!r}")
    defs = resolve_definitions(definitions)
    inp = Inputs(tickets, responses, customers, defs)
    bounds = trend_periods(inp, freq, start, end)
    stats = Stats(inp, PeriodPlan(list(zip(*bounds))) if bounds else PeriodPlan([]), medians=_medians(defs))
    return trend_from(inp, stats, bounds)


_TREND_COLUMNS = ["period_start", "kpi", "estimate", "ci_low", "ci_high", "n", "unit", "note"]


def trend_periods(inp: Inputs, freq: str, start=None, end=None):
    """``(starts, ends)`` (int64 ns arrays) of the trend periods, or None when there is nothing to cover."""
    if freq not in _FREQS:
        raise ParameterError(f"freq must be one of {sorted(_FREQS)}, got {freq!r}")
    rng = _data_range(inp) if start is None or end is None else None
    lo = pd.Timestamp(start) if start is not None else (pd.Timestamp(rng[0]) if rng else None)
    hi = pd.Timestamp(end) if end is not None else (pd.Timestamp(rng[1]) if rng else None)
    if lo is None or hi is None or hi < lo:
        return None
    periods = pd.period_range(lo, hi, freq=_FREQS[freq])
    return periods.start_time.as_unit("ns").asi8, (periods + 1).start_time.as_unit("ns").asi8


def trend_from(inp: Inputs, stats: Stats, bounds) -> pd.DataFrame:
    if bounds is None:
        return pd.DataFrame({c: [] for c in _TREND_COLUMNS})
    starts, ends = bounds
    out = _compute(inp, stats, starts, ends)
    out.insert(0, "period_start", pd.DatetimeIndex(starts).as_unit("ns")[out["pidx"].to_numpy()])
    return out.sort_values(["period_start"], kind="stable")[_TREND_COLUMNS].reset_index(drop=True)
