"""League tables: agents or teams ranked fairly, with empirical-Bayes shrinkage towards the overall level."""
from __future__ import annotations

import numpy as np
import pandas as pd

from csm.engine import execute
from csm.errors import DataError, ParameterError
from csm.kpi.definitions import UNITS, kpi_direction, period_bounds, resolve_definitions
from csm.kpi.inputs import Inputs, PeriodPlan, relation_of, require_columns
from csm.stats import mean_interval_from_stats, shrink_means, shrink_proportions, wilson_interval

__all__ = ["league_table", "league_from"]

_LEAGUE_METRICS = {
    "fcr_rate": ("tickets", "prop"),
    "aht_minutes": ("tickets", "mean"),
    "resolution_hours": ("tickets", "mean"),
    "csat_mean": ("responses", "mean"),
    "csat_pct_satisfied": ("responses", "prop"),
}


def league_table(data, *, by: str = "agent_id", metric: str = "fcr_rate", min_n: int = 30,
                 tickets=None, period=None, definitions: dict | None = None,
                 prior_method: str = "mom") -> pd.DataFrame:
    """Rank agents or teams fairly: raw estimate with interval, empirical-Bayes shrunken estimate.

    ``data``: the tickets table (fcr_rate, aht_minutes, resolution_hours — means) or the responses
    table (csat_mean, csat_pct_satisfied) — a pandas frame or an Ibis table (the per-group counts, sums and
    sums of squared deviations are computed in the engine); survey responses get ``by`` from ``tickets`` through
    ``ticket_id`` when they do not carry it. Rates are shrunk with a beta-binomial prior, means
    with a normal–normal prior using the pooled within-group SD (:mod:`csm.stats`), so a group
    with few observations is pulled towards the overall level. ``rank`` 1 = best shrunken
    estimate (lower is better for times); ``too_few`` flags ``n < min_n``.
    Columns: <by>, n, estimate, ci_low, ci_high, shrunk_estimate, shrunk_ci_low, shrunk_ci_high,
    rank, too_few, unit. The fitted prior is in ``.attrs["prior"]``.
    """
    if metric not in _LEAGUE_METRICS:
        raise ParameterError(f"metric must be one of {sorted(_LEAGUE_METRICS)}, got {metric!r}")
    table, _ = _LEAGUE_METRICS[metric]
    defs = resolve_definitions(definitions)
    if table == "responses":
        rel = relation_of(data, "responses")
        require_columns(rel, "responses", ("submitted_at",))
        t_rel = None
        if by not in rel.columns:
            if tickets is None or "ticket_id" not in rel.columns:
                raise DataError(f"responses have no column {by!r}; pass tickets= (with ticket_id and {by}) so "
                                "responses can be matched to tickets through ticket_id")
            t_rel = relation_of(tickets, "tickets")
            require_columns(t_rel, "tickets", ("ticket_id", by))
        return league_from(None, rel, t_rel, by=by, metric=metric, min_n=min_n, period=period, defs=defs,
                           prior_method=prior_method)
    rel = relation_of(data, "tickets")
    require_columns(rel, "tickets", ("created_at", by))
    inp = Inputs(rel, None, None, defs)
    return league_from(inp, None, None, by=by, metric=metric, min_n=min_n, period=period, defs=defs,
                       prior_method=prior_method)


def _group_stats(x, by: str, kind: str, shift: float | None) -> pd.DataFrame:
    """Per group of ``x`` (columns ``g``, ``v``): count, sum, mean and variance (ddof 1), in the engine. Means of
    unbounded values take a second pass (squared deviations from each group's mean); a bounded score (``shift``:
    CSAT about 3) its shifted sums."""
    import ibis

    if kind == "prop" or shift is not None:
        k = 0.0 if shift is None else shift
        agg = x.group_by("g").agg(count=x.v.count(), sum=x.v.sum(), s1=(x.v - k).sum(), s2=((x.v - k) ** 2).sum())
        agg = execute(agg).sort_values("g", kind="stable").reset_index(drop=True)
        n = agg["count"].to_numpy(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            agg["mean"] = k + agg["s1"] / n
            m2 = np.maximum(agg["s2"] - agg["s1"] ** 2 / n, 0.0)
            agg["var"] = np.where(n >= 2, m2 / np.maximum(n - 1, 1), np.nan)
        return agg
    first = execute(x.group_by("g").agg(count=x.v.count(), sum=x.v.sum()))
    first["mean"] = first["sum"] / first["count"]
    means = ibis.memtable(first[["g", "mean"]].rename(columns={"g": "g_m", "mean": "mean_m"}))
    j = x.inner_join(means, x.g == means.g_m)
    m2 = execute(j.group_by("g").agg(m2=((j.v - j.mean_m) ** 2).sum()))
    agg = first.merge(m2, on="g", how="left").sort_values("g", kind="stable").reset_index(drop=True)
    n = agg["count"].to_numpy(float)
    agg["var"] = np.where(n >= 2, agg["m2"] / np.maximum(n - 1, 1), np.nan)
    return agg


def league_from(inp, responses, tickets, *, by: str, metric: str, min_n: int, period, defs: dict,
                prior_method: str = "mom") -> pd.DataFrame:
    """:func:`league_table` on relations: ``inp`` (:class:`Inputs` of the tickets) for a ticket metric, else the
    ``responses`` relation (and ``tickets`` to match ``by`` through ``ticket_id``, or None)."""
    import ibis

    table, kind = _LEAGUE_METRICS[metric]
    conf = defs["confidence"]
    shift = None
    if table == "responses":
        r = responses
        if "csat" not in r.columns:
            raise DataError("responses.csat missing: cannot rank CSAT")
        if tickets is not None:
            tk = tickets.filter(tickets.ticket_id.notnull()).group_by("ticket_id").agg(g_t=tickets[by].min())
            r = r.left_join(tk, r.ticket_id == tk.ticket_id)
            group = r.g_t
        else:
            group = r[by]
        when = r.submitted_at
        v = r.csat
        if metric == "csat_pct_satisfied":
            v = ibis.ifelse(v.isnull(), ibis.null("float64"),
                            v.isin([float(s) for s in defs["csat_satisfied"]]).cast("float64"))
        else:
            shift = 3.0
        x = r.select(g=group.cast("string"), v=v.cast("float64"), when=when)
    else:
        if metric == "fcr_rate" and not inp.fcr_ok_possible:
            raise DataError(f"cannot rank first-contact resolution: {inp.fcr_note}")
        if metric == "aht_minutes" and not inp.has_aht:
            raise DataError("tickets.handle_time_minutes missing: cannot rank handle time")
        if metric == "resolution_hours" and not inp.has_resolved:
            raise DataError("tickets.resolved_at missing: cannot rank resolution time")
        tt = inp.ticket_table(PeriodPlan([]), None, keep=(by,))
        if metric == "fcr_rate":
            v = ibis.ifelse(tt.fcr_ok == 1, tt.fcr_succ.cast("float64"), ibis.null("float64"))
        else:
            v = tt.aht if metric == "aht_minutes" else tt.res
        x = tt.select(g=tt[by].cast("string"), v=v.cast("float64"), when=tt.created_at)
    x = x.filter(x.v.notnull() & x.g.notnull())
    if period is not None:
        s, e = period_bounds(period)
        x = x.filter((x.when >= ibis.literal(s)) & (x.when < ibis.literal(e)))
    agg = _group_stats(x.select("g", "v"), by, kind, shift).set_index("g")
    agg.index = agg.index.astype(str)
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
