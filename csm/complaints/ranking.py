"""What changed against the comparison period, and the ranked table of findings ("what to fix first")."""
from __future__ import annotations

import numpy as np
import pandas as pd

from csm.complaints.spikes import ALL_LEVEL, level_columns
from csm.stats import adjust_pvalues, rate_ratio_test

__all__ = ["MIN_CONCENTRATION_RATIO", "period_changes", "root_cause_table"]

def period_changes(tickets, current, previous, by: str = "category", *,
                   alpha: float = 0.05, max_levels: int | None = None) -> pd.DataFrame:
    """Complaints per ``by`` level in the ``current`` vs the ``previous`` period (:class:`csm.periods.Period`
    objects, or (start, end) pairs): counts, daily rates, the rate
    ratio (``estimate``) with its exact interval and p-value (:func:`csm.stats.rate_ratio_test`, exposure = days),
    Holm-adjusted p, shares and the share change. Sorted by the change in count. ``tickets``: a frame or a
    relation (one grouped count in the engine); with ``max_levels``, levels outside the largest of both periods
    together are counted as "all others" (:func:`csm.levels.lump_levels`)."""

    from csm.complaints.engine import relation_of, top_levels_of
    from csm.engine import execute
    from csm.complaints.inputs import check_nonempty, require_columns, tickets_in
    from csm.levels import OTHER

    require_columns(tickets, [by, "created_at"], "period_changes")
    rel = relation_of(tickets, "period_changes")
    (c0, c1), (p0, p1) = [(x.start, x.end) if hasattr(x, "start") else tuple(map(pd.Timestamp, x))
                          for x in (current, previous)]
    ts = [pd.Timestamp(x).to_pydatetime() for x in (c0, c1, p0, p1)]
    in_cur = (rel.created_at >= ts[0]) & (rel.created_at < ts[1])
    in_prev = (rel.created_at >= ts[2]) & (rel.created_at < ts[3])
    agg = execute(rel.group_by(rel[by].cast("string").name("level")).aggregate(
        n=rel.count(), cur=in_cur.ifelse(1, 0).sum(), prev=in_prev.ifelse(1, 0).sum(),
        both=((rel.created_at >= min(ts[0], ts[2])) & (rel.created_at < max(ts[1], ts[3]))).ifelse(1, 0).sum()))
    check_nonempty(by, int(agg["n"].sum()), int(agg.loc[agg["level"].notna(), "n"].sum()), "period_changes")
    for col, (a, b), what in (("cur", (c0, c1), "current"), ("prev", (p0, p1), "comparison")):
        if int(agg[col].fillna(0).sum()) == 0:
            tickets_in(rel, a, b, what=f"complaints in the {what} period")  # raises, naming what the data cover
    agg = agg[agg["level"].notna()].copy()
    for col in ("cur", "prev", "both"):
        agg[col] = agg[col].fillna(0).astype("int64")
    if max_levels is not None:
        window = agg.set_index("level")["both"]
        window = window[window > 0]
        if len(window) > max_levels + 1:
            keep = set(top_levels_of(window, max_levels))
            agg["level"] = agg["level"].where(agg["level"].isin(keep), OTHER)
            agg = agg.groupby("level", as_index=False)[["cur", "prev", "both"]].sum()
    cur = agg.set_index("level")["cur"]
    prev = agg.set_index("level")["prev"]
    cur, prev = cur[cur > 0], prev[prev > 0]
    levels = cur.index.union(prev.index)
    cur, prev = cur.reindex(levels, fill_value=0), prev.reindex(levels, fill_value=0)
    e1, e2 = (c1 - c0).days, (p1 - p0).days
    rr = rate_ratio_test(cur.to_numpy(float), e1, prev.to_numpy(float), e2)
    out = pd.DataFrame({by: levels.astype(str), "count": cur.to_numpy(int), "count_previous": prev.to_numpy(int),
                        "per_day": cur.to_numpy() / e1, "per_day_previous": prev.to_numpy() / e2,
                        "estimate": rr["estimate"].to_numpy(), "ci_low": rr["ci_low"].to_numpy(),
                        "ci_high": rr["ci_high"].to_numpy(), "p_value": rr["p_value"].to_numpy(),
                        "share": cur.to_numpy() / cur.sum(), "share_previous": prev.to_numpy() / prev.sum()})
    out["share_change"] = out["share"] - out["share_previous"]
    out["p_adjusted"] = adjust_pvalues(out["p_value"], method="holm")["p_adjusted"].to_numpy()
    out["significant"] = out["p_adjusted"] < alpha
    out["change"] = out["count"] - out["count_previous"] * e1 / e2
    return out.sort_values("change", ascending=False, key=np.abs, kind="stable").reset_index(drop=True)


#: An over-represented cell enters the ranked findings only with at least this O/E (the same 1.2 as a spike's
#: minimum ratio): on a large table a cell 5% above its expected count is significant but not worth fixing.
MIN_CONCENTRATION_RATIO = 1.2


def root_cause_table(*, spikes: pd.DataFrame | None = None, concentration_cells: pd.DataFrame | None = None,
                     drivers: pd.DataFrame | None = None, resolution: pd.DataFrame | None = None,
                     sla_target: float | None = None, top: int = 10,
                     min_concentration_ratio: float = MIN_CONCENTRATION_RATIO,
                     model_months: float | None = None, period_months: float | None = None) -> pd.DataFrame:
    """Ranked findings a manager can act on, all measured in tickets (``impact``):

    - ``spike``: a spike that is a finding (:func:`spike_hierarchy`: not explained by finer spikes and not
      part of a larger one; level ``all_complaints`` for a surge of all complaints) — impact = excess
      complaints over the baseline; evidence: ratio, robust z, Bonferroni p; drivers; breakdown (the
      finer spikes inside it);
    - ``concentration``: an over-represented cell (category × dimension level) with O/E at least
      ``min_concentration_ratio`` (:data:`MIN_CONCENTRATION_RATIO`) — impact = O − E; evidence: adjusted
      residual, O/E, Bonferroni p; ``category_members`` / ``level_members`` name a pooled level's members;
    - ``outcome``: a significant odds ratio > 1 — impact = excess bad outcomes at that level;
      evidence: OR with its interval, Holm p; impact = events above what the level would have at the
      reference odds;
    - ``resolution``: a category whose SLA share is significantly below ``sla_target`` (upper
      Wilson bound below the target) — impact = tickets that missed the SLA beyond the target.

    Columns: rank, kind, category, dimension, level, start, end, impact, effect, effect_name, ci_low,
    ci_high, p_value (adjusted), score (robust z or adjusted residual), target (SLA), drivers, breakdown,
    category_members, level_members, months (the window ``impact`` is counted over: a spike's weeks,
    ``model_months`` for concentration and outcome findings, ``period_months`` for resolution),
    impact_per_month, spike_index (a spike's row label in ``spikes``, the exact key back to it; NA for other
    kinds). Order: what is current first — spikes overlapping the reporting period (by excess),
    then the standing findings by tickets affected per month (comparable across windows) — and spikes that
    ended before the period last (over; by excess).
    """
    rows = []
    if spikes is not None and len(spikes):
        for index, s in zip(spikes.index, spikes.to_dict("records")):
            if "finding" in s and not s["finding"]:
                continue  # explained by finer spikes, or part of a larger finding (see spike_hierarchy)
            if "finding" not in s and s.get("explained_by"):
                continue
            dims = level_columns(s["level"])
            cat = s.get("category") if "category" in dims else None
            other = [d for d in dims if d != "category"]
            if not dims:
                dimension, level = ALL_LEVEL, "all_complaints"
            else:
                dimension, level = (other[0], s[other[0]]) if other else ("category", cat)
            rows.append({"kind": "spike", "category": cat, "dimension": dimension, "level": level,
                         "start": s["start"], "end": s["end"], "impact": s["excess"], "effect": s["ratio"],
                         "effect_name": "ratio", "ci_low": np.nan, "ci_high": np.nan, "p_value": s["p_value"],
                         "drivers": s.get("drivers", "") or "", "breakdown": s.get("breakdown", "") or "",
                         "score": s["max_score"], "_in_period": bool(s.get("in_period", False)),
                         "spike_index": index})
    if concentration_cells is not None and len(concentration_cells):
        over = concentration_cells[concentration_cells["over_represented"]
                                   & (concentration_cells["ratio"] >= min_concentration_ratio)]
        for c in over.to_dict("records"):
            rows.append({"kind": "concentration", "category": c["category"], "dimension": c["dimension"],
                         "level": c["level"], "start": pd.NaT, "end": pd.NaT, "impact": c["observed"] - c["expected"],
                         "effect": c["ratio"], "effect_name": "ratio", "ci_low": np.nan, "ci_high": np.nan,
                         "p_value": c["p_adjusted"], "drivers": "", "score": c["adjusted_residual"],
                         "category_members": c.get("category_members", "") or "",
                         "level_members": c.get("level_members", "") or ""})
    if drivers is not None and len(drivers):
        bad = drivers[drivers["significant"] & (drivers["estimate"] > 1)]
        for d in bad.itertuples(index=False):
            rows.append({"kind": d.outcome, "category": d.level if d.covariate == "category" else None,
                         "dimension": d.covariate, "level": d.level, "start": pd.NaT, "end": pd.NaT,
                         "impact": d.excess_events, "effect": d.estimate, "effect_name": "odds_ratio",
                         "ci_low": d.ci_low, "ci_high": d.ci_high, "p_value": d.p_adjusted, "drivers": ""})
    if resolution is not None and len(resolution) and sla_target is not None:
        for r in resolution.itertuples(index=False):
            if r.sla_ci_high < sla_target:
                known = r.n  # approximate: tickets of the category
                rows.append({"kind": "resolution", "category": r.category, "dimension": "category",
                             "level": r.category, "start": pd.NaT, "end": pd.NaT,
                             "impact": (sla_target - r.sla_rate) * known, "effect": r.sla_rate,
                             "effect_name": "sla_rate", "ci_low": r.sla_ci_low, "ci_high": r.sla_ci_high,
                             "p_value": np.nan, "drivers": "", "target": sla_target})
    cols = ["rank", "kind", "category", "dimension", "level", "start", "end", "impact", "effect", "effect_name",
            "ci_low", "ci_high", "p_value", "score", "target", "drivers", "breakdown", "category_members",
            "level_members", "months", "impact_per_month", "spike_index"]
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame(rows)
    in_period = out.get("_in_period")
    out = out.reindex(columns=cols[1:])
    spike_days = (pd.to_datetime(out["end"]) - pd.to_datetime(out["start"])).dt.days + 1
    window = np.where(out["kind"] == "spike", spike_days / (365.25 / 12),
                      np.where(out["kind"] == "resolution", period_months if period_months else np.nan,
                               model_months if model_months else np.nan))
    out["months"] = pd.to_numeric(window, errors="coerce")
    out["impact_per_month"] = out["impact"] / out["months"]
    for col in ("drivers", "breakdown", "category_members", "level_members"):
        out[col] = out[col].astype(object).where(out[col].notna(), "")
    if in_period is not None:
        out["_in_period"] = in_period
    # current problems first: spikes overlapping the reporting period, then the standing findings by tickets
    # affected per month (their windows differ: 12 months of a model, one reporting period); spikes that ended
    # before the period last — they are over, only their cause is left to check
    spike = (out["kind"] == "spike").to_numpy()
    now = out["_in_period"].fillna(False).astype(bool).to_numpy() if "_in_period" in out else np.zeros(len(out), bool)
    tier = np.where(spike, np.where(now, 0, 2), 1)
    key = np.where(spike, out["impact"], out["impact_per_month"].fillna(out["impact"]))
    out = out.assign(_tier=tier, _key=key).sort_values(["_tier", "_key"], ascending=[True, False], kind="stable")
    past = out[out["_tier"] == 2].head(min(3, top))  # the past spikes keep their place at the end of the table
    out = pd.concat([out[out["_tier"] < 2].head(top - len(past)), past]).reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out[cols]

