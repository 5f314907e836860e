"""Resolution performance per category: time to resolve (median with its interval, 90th percentile), the
share resolved within the SLA, first-contact resolution and reopen rates (fractions, Wilson intervals)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from csm.complaints.engine import bounded_rows, relation_of, seconds_between
from csm.engine import execute
from csm.complaints.inputs import check_nonempty, require_columns
from csm.errors import AnalysisError
from csm.stats import median_ci_ranks, wilson_interval

__all__ = ["resolution_performance", "resolution_hours", "HOURS_SAMPLE"]

#: Resolved tickets :func:`resolution_hours` returns at most (a deterministic sample beyond; the charts of a
#: distribution need no more).
HOURS_SAMPLE = 50_000


def _hours(rel):
    return seconds_between(rel.resolved_at, rel.created_at) / 3600


def resolution_performance(tickets, by: str = "category", *, sla_hours: float = 24,
                           data_end=None, confidence: float = 0.95) -> pd.DataFrame:
    """Per level of ``by``: time to resolve (hours from created_at to resolved_at; median with the
    distribution-free interval, 90th percentile), share resolved within ``sla_hours`` (a ticket
    still open longer than the SLA at ``data_end`` counts as missed, one open for less is left out),
    first-contact resolution rate and reopen rate (Wilson intervals).

    In the engine: one grouped aggregate (counts, exact median and 90th percentile — linear interpolation as
    pandas — SLA, FCR and reopen counts) and one query for the two order statistics of each median's interval
    (row numbers over the sorted hours).
    """
    import ibis

    require_columns(tickets, ["created_at", "resolved_at", by], "resolution_performance")
    rel = relation_of(tickets, "resolution_performance")
    if data_end is None:
        data_end = pd.Timestamp(execute(rel.created_at.max()))
    data_end = pd.Timestamp(data_end)
    hours = _hours(rel)
    open_age = seconds_between(data_end, rel.created_at) / 3600
    known = hours.notnull() | (open_age > sla_hours)
    within = hours.notnull() & (hours <= sla_hours) & known
    metrics = {"n": rel.count(), "resolved": hours.count(), "median_hours": hours.median(),
               "p90_hours": hours.quantile(0.9), "within": within.ifelse(1, 0).sum(),
               "known": known.ifelse(1, 0).sum()}
    flags = {"fcr": "first_contact_resolved", "reopen": "reopened"}
    for key, col in flags.items():
        if col in rel.columns:
            metrics[f"{key}_n"] = rel[col].count()
            metrics[f"{key}_s"] = rel[col].ifelse(1, 0).sum()
    agg = execute(rel.group_by(rel[by].name("level")).aggregate(**metrics))
    n_rows = int(agg["n"].sum())
    check_nonempty(by, n_rows, int(agg["level"].notna().sum()), "resolution_performance")
    has = {key: f"{key}_n" in agg and int(agg[f"{key}_n"].fillna(0).sum()) > 0 for key in flags}
    agg = agg[agg["level"].notna()].sort_values("level", kind="stable").reset_index(drop=True)
    if agg.empty:
        raise AnalysisError(f"resolution_performance: no tickets with a {by}.")
    for col in agg.columns:
        if col not in ("level", "median_hours", "p90_hours"):
            agg[col] = agg[col].fillna(0).astype("int64")
    lo, hi, _ = median_ci_ranks(agg["resolved"].to_numpy(), confidence=confidence)
    ranks = pd.DataFrame({"level": agg["level"].astype(str), "lo": lo.astype("int64"), "hi": hi.astype("int64")})
    ranks = ranks[ranks["lo"] > 0]
    bounds = {}
    if len(ranks):
        r = rel.filter(rel[by].notnull() & hours.notnull())
        r = r.select(level=r[by].cast("string"), hours=_hours(r))
        r = r.mutate(rank=ibis.row_number().over(group_by=r.level, order_by=r.hours) + 1)
        wanted = ibis.memtable(ranks, schema=ibis.schema({"level": "string", "lo": "int64", "hi": "int64"}))
        j = r.join(wanted, r.level == wanted.level)
        picked = execute(j.filter((j["rank"] == j.lo) | (j["rank"] == j.hi)).select("level", "rank", "hours", "lo", "hi"))
        for row in picked.itertuples(index=False):
            entry = bounds.setdefault(row.level, {})
            if row.rank == row.lo:
                entry["low"] = float(row.hours)
            if row.rank == row.hi:
                entry["high"] = float(row.hours)
    rows = []
    for a in agg.itertuples(index=False):
        b = bounds.get(str(a.level), {})
        sla = wilson_interval(int(a.within), int(a.known), confidence=confidence).iloc[0]
        row = {by: a.level, "n": int(a.n), "resolved": int(a.resolved),
               "median_hours": float(a.median_hours) if a.resolved else np.nan,
               "median_ci_low": b.get("low", np.nan), "median_ci_high": b.get("high", np.nan),
               "p90_hours": float(a.p90_hours) if a.resolved else np.nan,
               "sla_rate": sla["estimate"], "sla_ci_low": sla["ci_low"], "sla_ci_high": sla["ci_high"]}
        for key, col in (("fcr", "fcr_rate"), ("reopen", "reopen_rate")):
            if has[key]:
                w = wilson_interval(int(getattr(a, f"{key}_s")), int(getattr(a, f"{key}_n")),
                                    confidence=confidence).iloc[0]
                row.update({col: w["estimate"], f"{col.replace('_rate', '')}_ci_low": w["ci_low"],
                            f"{col.replace('_rate', '')}_ci_high": w["ci_high"]})
        rows.append(row)
    return pd.DataFrame(rows).sort_values("n", ascending=False, kind="stable").reset_index(drop=True)


def resolution_hours(tickets, by: str = "category", *, max_rows: int = HOURS_SAMPLE) -> pd.DataFrame:
    """Tidy hours to resolve per resolved ticket (for distribution charts): ``by``, hours; at most
    ``max_rows`` tickets (a deterministic sample by ticket_id beyond; ``attrs["n"]`` the resolved tickets,
    ``attrs["sampled"]`` whether a sample was drawn)."""
    rel = relation_of(tickets, "resolution_hours")
    sel = rel.filter(rel[by].notnull() & rel.resolved_at.notnull() & rel.created_at.notnull())
    sel = sel.mutate(hours=_hours(sel))
    keep = [c for c in ("created_at", "ticket_id") if c in sel.columns]
    frame, n = bounded_rows(sel, [*keep, by, "hours"], max_rows)
    out = frame[[by, "hours"]].reset_index(drop=True)
    out.attrs.update(n=n, sampled=n > max_rows)
    return out
