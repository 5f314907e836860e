"""League tables: agents or teams ranked fairly, with empirical-Bayes shrinkage towards the overall level."""
from __future__ import annotations

import numpy as np
import pandas as pd

from csm.errors import DataError, ParameterError
from csm.kpi.definitions import UNITS, kpi_direction, period_bounds, resolve_definitions
from csm.kpi.inputs import Prepared, require_columns
from csm.stats import mean_interval_from_stats, shrink_means, shrink_proportions, wilson_interval

__all__ = ["league_table"]

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
