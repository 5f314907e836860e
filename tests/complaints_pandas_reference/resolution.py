"""Resolution performance per category: time to resolve (median with its interval, 90th percentile), the
share resolved within the SLA, first-contact resolution and reopen rates (fractions, Wilson intervals)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .inputs import nonempty_column, require_columns
from csm.errors import AnalysisError
from csm.stats import median_interval, wilson_interval

__all__ = ["resolution_performance", "resolution_hours"]

def resolution_performance(tickets: pd.DataFrame, by: str = "category", *, sla_hours: float = 24,
                           data_end=None, confidence: float = 0.95) -> pd.DataFrame:
    """Per level of ``by``: time to resolve (hours from created_at to resolved_at; median with the
    distribution-free interval, 90th percentile), share resolved within ``sla_hours`` (a ticket
    still open longer than the SLA at ``data_end`` counts as missed, one open for less is left out),
    first-contact resolution rate and reopen rate (Wilson intervals).
    """
    require_columns(tickets, ["created_at", "resolved_at", by], "resolution_performance")
    nonempty_column(tickets, by, "resolution_performance")
    data_end = pd.Timestamp(data_end) if data_end is not None else tickets["created_at"].max()
    hours = (tickets["resolved_at"] - tickets["created_at"]).dt.total_seconds() / 3600
    open_age = (data_end - tickets["created_at"]).dt.total_seconds() / 3600
    known = hours.notna() | (open_age > sla_hours)
    within = (hours <= sla_hours) & hours.notna()
    frame = pd.DataFrame({by: tickets[by], "hours": hours, "known": known, "within": within & known})
    has_fcr = "first_contact_resolved" in tickets and tickets["first_contact_resolved"].notna().any()
    has_reopen = "reopened" in tickets and tickets["reopened"].notna().any()
    if has_fcr:
        frame["fcr"] = tickets["first_contact_resolved"].astype("Float64").astype(float)
    if has_reopen:
        frame["reopen"] = tickets["reopened"].astype("Float64").astype(float)
    rows = []
    for level, g in frame.dropna(subset=[by]).groupby(by, sort=True):
        med = median_interval(g["hours"].dropna(), confidence=confidence).iloc[0]
        sla = wilson_interval(int(g["within"].sum()), int(g["known"].sum()), confidence=confidence).iloc[0]
        row = {by: level, "n": len(g), "resolved": int(g["hours"].notna().sum()),
               "median_hours": med["estimate"], "median_ci_low": med["ci_low"], "median_ci_high": med["ci_high"],
               "p90_hours": float(g["hours"].quantile(0.9)) if g["hours"].notna().any() else np.nan,
               "sla_rate": sla["estimate"], "sla_ci_low": sla["ci_low"], "sla_ci_high": sla["ci_high"]}
        for key, col in (("fcr", "fcr_rate"), ("reopen", "reopen_rate")):
            if key in g:
                vals = g[key].dropna()
                w = wilson_interval(int(vals.sum()), len(vals), confidence=confidence).iloc[0]
                row.update({col: w["estimate"], f"{col.replace('_rate', '')}_ci_low": w["ci_low"],
                            f"{col.replace('_rate', '')}_ci_high": w["ci_high"]})
        rows.append(row)
    if not rows:
        raise AnalysisError(f"resolution_performance: no tickets with a {by}.")
    return pd.DataFrame(rows).sort_values("n", ascending=False, kind="stable").reset_index(drop=True)


def resolution_hours(tickets: pd.DataFrame, by: str = "category") -> pd.DataFrame:
    """Tidy hours to resolve per resolved ticket (for distribution charts): ``by``, hours."""
    hours = (tickets["resolved_at"] - tickets["created_at"]).dt.total_seconds() / 3600
    return pd.DataFrame({by: tickets[by], "hours": hours}).dropna().reset_index(drop=True)

