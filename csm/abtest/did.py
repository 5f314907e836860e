"""A change rolled out to some teams or regions at a date, without randomisation: difference in differences.

``y = β₀ + β₁·treated + β₂·post + β₃·treated×post + ε`` fitted by OLS on the rows (tickets) of a window
around the change date, with cluster-robust standard errors (statsmodels ``cov_type="cluster"``);
``β₃`` is the DiD estimate (Angrist & Pischke 2009, ch. 5). It is causal only under parallel trends,
checked by the pre-period trend chart, a joint test of treated × period terms before the change, and
a placebo change date inside the pre-period that must find nothing.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from csm.errors import AnalysisError, ParameterError
from csm.stats import mean_interval_from_stats

__all__ = ["DiDResult", "RolloutPlan", "difference_in_differences", "placebo_did", "pre_trends", "rollout_plan"]


@dataclass(frozen=True)
class DiDResult:
    """``summary``: one row (estimate = the DiD estimate, ci_low, ci_high, p_value, se, n, clusters, few_clusters,
    warning); ``cell_means``: the 2×2 table of means (group × before/after); ``spec``: what was fitted."""

    summary: pd.DataFrame
    cell_means: pd.DataFrame
    spec: dict = field(default_factory=dict)


def _window_frame(frame, outcome, group_column, treated, date_column, start, end, cluster):
    for col in (outcome, group_column, date_column, cluster):
        if col not in frame.columns:
            raise ParameterError(f"difference in differences: column {col!r} is not in the table; its columns are "
                                 f"{list(frame.columns)}")
    treated = [str(t) for t in ([treated] if isinstance(treated, str) else treated)]
    groups = set(frame[group_column].dropna().astype(str))
    missing = [t for t in treated if t not in groups]
    if missing:
        raise ParameterError(f"difference in differences: treated {group_column} {missing} not found; values are "
                             f"{sorted(groups)[:20]}")
    start, end = pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1)
    when = frame[date_column]
    d = frame.loc[(when >= start) & (when < end), list(dict.fromkeys([outcome, group_column, date_column, cluster]))].copy()
    d[outcome] = pd.to_numeric(d[outcome], errors="coerce")
    d = d.dropna(subset=[outcome, group_column, cluster])
    d["treated"] = d[group_column].astype(str).isin(treated).astype(float)
    return d, treated


def _fit(d, outcome, formula_terms, cluster):
    import statsmodels.formula.api as smf

    codes = pd.factorize(d[cluster].astype(str))[0]
    model = smf.ols(f"{outcome} ~ {formula_terms}", data=d)
    return model.fit(cov_type="cluster", cov_kwds={"groups": codes}, use_t=True), int(np.unique(codes).size)


def difference_in_differences(frame: pd.DataFrame, *, outcome: str, group_column: str, treated: str | Sequence[str],
                              change_date, window: Sequence, date_column: str = "created_at",
                              cluster: str = "agent_id", confidence: float = 0.95, min_clusters: int = 30) -> DiDResult:
    """DiD of ``outcome`` for rows whose ``group_column`` is in ``treated`` against the others, before vs from
    ``change_date``, over rows with ``date_column`` in ``window`` (inclusive dates). Standard errors are
    clustered by ``cluster`` (e.g. agent); ``few_clusters`` warns when there are fewer than ``min_clusters``.
    """
    start, end = window
    change = pd.Timestamp(change_date)
    if not pd.Timestamp(start) < change <= pd.Timestamp(end):
        raise ParameterError(f"the change date {change:%Y-%m-%d} must lie inside the window {start}..{end}")
    d, treated = _window_frame(frame, outcome, group_column, treated, date_column, start, end, cluster)
    d["post"] = (d[date_column] >= change).astype(float)
    cells = d.groupby(["treated", "post"])[outcome].agg(["mean", "count"])
    if len(cells) < 4 or (cells["count"] < 2).any():
        raise AnalysisError(f"difference in differences: each of treated/other × before/after needs rows in "
                            f"{start}..{end}; counts are {cells['count'].to_dict()}")
    fit, n_clusters = _fit(d, outcome, "treated * post", cluster)
    lo, hi = fit.conf_int(alpha=1 - confidence).loc["treated:post"]
    few = n_clusters < min_clusters
    summary = pd.DataFrame([{
        "estimate": float(fit.params["treated:post"]), "ci_low": float(lo), "ci_high": float(hi),
        "p_value": float(fit.pvalues["treated:post"]), "se": float(fit.bse["treated:post"]), "n": int(fit.nobs),
        "clusters": n_clusters, "few_clusters": few,
        "warning": (f"only {n_clusters} clusters of {cluster} (fewer than {min_clusters}): cluster-robust standard "
                    "errors are unreliable" if few else ""),
    }])
    means = cells["mean"].unstack("post")
    means.columns = ["before", "after"]
    means.index = ["other", "treated"] if len(means) == 2 else means.index
    means["change"] = means["after"] - means["before"]
    means = means.reset_index(names="group")
    return DiDResult(summary, means, {"outcome": outcome, "group_column": group_column, "treated": treated,
                                      "change_date": change, "window": (pd.Timestamp(start), pd.Timestamp(end)),
                                      "cluster": cluster})


def pre_trends(frame: pd.DataFrame, *, outcome: str, group_column: str, treated: str | Sequence[str], change_date,
               window: Sequence, date_column: str = "created_at", cluster: str = "agent_id", freq: str = "MS",
               confidence: float = 0.95) -> tuple[pd.DataFrame, float]:
    """Mean ``outcome`` per period (``freq``, default months) for treated and other groups over the window,
    and the p-value of the joint (cluster-robust Wald) test that the treated − other gap is constant over
    the periods *before* the change (parallel pre-trends).

    Returns ``(trend, pre_trend_p_value)``; ``trend`` columns: period_start, group (treated/other), estimate
    (the mean) with its Student-t interval ci_low, ci_high (:func:`csm.stats.mean_interval_from_stats`), n,
    post (period starts on or after the change date).
    """
    d, _ = _window_frame(frame, outcome, group_column, treated, date_column, window[0], window[1], cluster)
    d["period"] = d[date_column].dt.to_period(freq.removesuffix("S") if freq.endswith("S") else freq).dt.start_time
    agg = d.groupby(["period", "treated"])[outcome].agg(["mean", "std", "count"]).reset_index()
    ci = mean_interval_from_stats(agg["mean"].to_numpy(), agg["std"].to_numpy(), agg["count"].to_numpy(),
                                  confidence=confidence)
    trend = pd.DataFrame({"period_start": agg["period"], "group": np.where(agg["treated"] > 0, "treated", "other"),
                          "estimate": agg["mean"], "ci_low": ci["ci_low"].to_numpy(),
                          "ci_high": ci["ci_high"].to_numpy(), "n": agg["count"]})
    trend["post"] = trend["period_start"] >= pd.Timestamp(change_date)
    pre = d[d[date_column] < pd.Timestamp(change_date)].copy()
    p_value = np.nan
    periods = sorted(pre["period"].unique())
    if len(periods) >= 3:
        pre["pk"] = pd.Categorical(pre["period"], categories=periods).codes.astype(str)
        fit, _ = _fit(pre, outcome, "C(pk) + treated + treated:C(pk)", cluster)
        terms = [n for n in fit.params.index if n.startswith("treated:C(pk)")]
        if terms:
            r = np.zeros((len(terms), len(fit.params)))
            for i, name in enumerate(terms):
                r[i, list(fit.params.index).index(name)] = 1
            p_value = float(fit.wald_test(r, scalar=True, use_f=True).pvalue)
    return trend, p_value


def placebo_did(frame: pd.DataFrame, *, outcome: str, group_column: str, treated: str | Sequence[str], change_date,
                window: Sequence, placebo_date=None, date_column: str = "created_at", cluster: str = "agent_id",
                confidence: float = 0.95, min_clusters: int = 30) -> DiDResult:
    """DiD with a fake change date inside the pre-period (default: its midpoint, on the first of a month),
    using only rows before the real change: an estimate far from 0 means the groups were already drifting
    apart and the real DiD is not trustworthy."""
    start = pd.Timestamp(window[0])
    change = pd.Timestamp(change_date)
    end = change - pd.Timedelta(days=1)
    if placebo_date is None:
        mid = start + (change - start) / 2
        placebo_date = mid.to_period("M").start_time if mid.day < 15 else (mid.to_period("M") + 1).start_time
    return difference_in_differences(frame, outcome=outcome, group_column=group_column, treated=treated,
                                     change_date=placebo_date, window=(start, end), date_column=date_column,
                                     cluster=cluster, confidence=confidence, min_clusters=min_clusters)


@dataclass(frozen=True)
class RolloutPlan:
    """What the ``rollout`` parameter asks for, checked against the tickets.

    ``args``: keyword arguments of :func:`difference_in_differences` (None when it cannot run);
    ``window_derived``: the window was not given and was derived from the date; ``skipped``: the section
    needs a column the data lacks (``[{"section": "did", "needs": "tickets.team"}]``); ``reason`` /
    ``values``: why it was not tested although the data has the columns (``date_outside``: the change date
    is outside the tickets; ``groups_unknown``: no treated group in the column; ``empty_side``: no tickets on
    one side of the change)."""

    args: dict | None
    window_derived: bool = False
    skipped: list = field(default_factory=list)
    reason: str | None = None
    values: dict = field(default_factory=dict)


def rollout_plan(rollout: dict | None, tickets: pd.DataFrame, *, experiment_start=None, months: int = 6,
                 date_column: str = "created_at") -> RolloutPlan | None:
    """The difference-in-differences set-up of the ``rollout`` parameter (None when no rollout is set).

    ``rollout`` needs ``group_column``, ``treated`` and ``date``; ``outcome`` defaults to
    ``handle_time_minutes`` and ``cluster`` to ``customer_id``. Without ``window`` the window is derived:
    ``months`` months before the change date to ``months`` months after it (last day inclusive), cut to the
    tickets' range and ending the day before ``experiment_start`` when the experiment starts after the change
    (so experiment tickets do not enter the comparison)."""
    if not rollout:
        return None
    if not isinstance(rollout, dict) or not {"group_column", "treated", "date"} <= set(rollout):
        raise ParameterError("rollout needs group_column, treated and date, e.g. {'group_column': 'team', "
                             f"'treated': ['team_c'], 'date': '2025-09-01'}}; got {rollout!r}")
    group, outcome = rollout["group_column"], rollout.get("outcome", "handle_time_minutes")
    cluster = rollout.get("cluster", "customer_id")
    treated = [str(t) for t in ([rollout["treated"]] if isinstance(rollout["treated"], str) else rollout["treated"])]
    needs = [f"tickets.{c}" for c in dict.fromkeys([group, outcome, cluster])
             if c not in tickets.columns or not bool(tickets[c].notna().any())]
    if needs:
        return RolloutPlan(None, skipped=[{"section": "did", "needs": n} for n in needs])
    try:
        change = pd.Timestamp(rollout["date"])
    except (ValueError, TypeError):
        raise ParameterError(f"rollout date {rollout['date']!r} is not a date; write it as '2025-09-01'") from None
    first, last = tickets[date_column].min().normalize(), tickets[date_column].max().normalize()
    span = {"date": f"{change:%Y-%m-%d}", "start": f"{first:%Y-%m-%d}", "end": f"{last:%Y-%m-%d}"}
    if not first < change <= last:
        return RolloutPlan(None, reason="date_outside", values=span)
    groups = set(tickets[group].dropna().astype(str))
    if not set(treated) & groups:
        return RolloutPlan(None, reason="groups_unknown",
                           values={"column": group, "treated": ", ".join(treated),
                                   "groups": ", ".join(sorted(groups)[:10])})
    window, derived = rollout.get("window"), False
    if not window:
        derived = True
        start = max(change - pd.DateOffset(months=months), first)
        end = change + pd.DateOffset(months=months) - pd.Timedelta(days=1)
        if experiment_start is not None and pd.Timestamp(experiment_start) > change:
            end = min(end, pd.Timestamp(experiment_start).normalize() - pd.Timedelta(days=1))
        window = [f"{start:%Y-%m-%d}", f"{min(end, last):%Y-%m-%d}"]
    when = tickets[date_column]
    inside = (when >= pd.Timestamp(window[0])) & (when < pd.Timestamp(window[1]) + pd.Timedelta(days=1))
    is_treated = tickets[group].astype(str).isin(treated)
    for side in (when < change, when >= change):
        for arm in (is_treated, ~is_treated):
            if (inside & side & arm).sum() < 2:
                return RolloutPlan(None, derived, reason="empty_side",
                                   values={**span, "start": window[0], "end": window[1]})
    args = {"outcome": outcome, "group_column": group, "treated": treated, "change_date": f"{change:%Y-%m-%d}",
            "window": list(window), "cluster": cluster}
    return RolloutPlan(args, derived)
