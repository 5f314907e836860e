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

from csm.abtest import engine as ab_engine
from csm.engine import execute
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


def _window(frame, outcome, group_column, treated, date_column, start, end, cluster):
    """The rows of ``frame`` (a relation or a pandas frame) in the window with a number as outcome, a group and a
    cluster, as a relation with ``y`` (the outcome as a number), ``treated`` (0/1), ``when`` and ``g`` (the
    cluster); the groups of the column are checked against ``treated`` (one distinct-values query)."""
    import ibis

    rel = ab_engine.relation(frame)
    for col in (outcome, group_column, date_column, cluster):
        if col not in rel.columns:
            raise ParameterError(f"difference in differences: column {col!r} is not in the table; its columns are "
                                 f"{list(rel.columns)}")
    treated = [str(t) for t in ([treated] if isinstance(treated, str) else treated)]
    groups = set(_groups(rel, group_column))
    missing = [t for t in treated if t not in groups]
    if missing:
        raise ParameterError(f"difference in differences: treated {group_column} {missing} not found; values are "
                             f"{sorted(groups)[:20]}")
    start, end = pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1)
    when = rel[date_column]
    d = rel.filter(when >= ibis.literal(start.to_pydatetime()), when < ibis.literal(end.to_pydatetime()))
    d = d.select(y=ab_engine.numeric(d[outcome], f"tickets.{outcome}"), group=d[group_column].cast("string"),
                 when=d[date_column], g=d[cluster])
    d = d.filter(d.y.notnull(), d.group.notnull(), d.g.notnull())
    return d.mutate(treated=ibis.ifelse(d.group.isin(treated), 1, 0)), treated


def _groups(rel, column: str) -> list[str]:
    """The distinct values of ``column`` as text (bounded by the number of groups, e.g. teams or regions)."""
    col = rel[column]
    got = execute(rel.filter(col.notnull()).select(v=col.cast("string")).distinct())
    return [str(v) for v in got["v"]]


def _cell_fit(d, cells: list, design: np.ndarray, cell_of):
    """OLS of ``y`` on a design that is constant within cells, with cluster-robust (CR1) errors clustered by
    ``g`` — statsmodels' ``OLS(...).fit(cov_type="cluster", use_t=True)`` from two aggregate queries.

    ``cells``: the cell keys; ``design``: one row of regressors per cell; ``cell_of``: the cell index of each row
    (an engine expression over ``d``). Fitted values are the cell means when the design spans the cells (a
    saturated model, as every fit here is); ``b = (X'X)⁺X'y`` with ``X'X = X_c' diag(n) X_c``; the cluster scores
    ``s_g = Σ_c x_c e_gc`` (``e_gc`` = the residuals of cluster g in cell c summed), so the meat is
    ``X_c' E X_c`` with ``E_cc' = Σ_g e_gc e_gc'``; ``V = (X'X)⁺ meat (X'X)⁺ · G/(G−1) · (N−1)/(N−K)``, t with
    G − 1 degrees of freedom. Returns (params, cov, df, N, G, cell stats frame: cell, n, mean, m2)."""
    import ibis

    k = d.mutate(cell=cell_of)
    k = k.filter(k.cell >= 0)
    stats = execute(k.group_by("cell").aggregate(n=k.count(), total=k.y.sum()))
    stats = stats.set_index("cell").reindex(range(len(cells)))
    n = stats["n"].fillna(0).to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(n > 0, stats["total"].to_numpy(dtype=float) / n, np.nan)
    present = [c for c in range(len(cells)) if n[c] > 0]
    if not present:
        raise AnalysisError("difference in differences: no rows in the window")
    mean_of = ibis.cases(*[(k.cell == c, float(means[c])) for c in present], else_=0.0)
    r = k.mutate(u=k.y - mean_of)
    per = r.group_by("g").aggregate(**{f"e{c}": r.u.sum(where=r.cell == c) for c in present})
    pairs = {}
    for i, a in enumerate(present):
        for b in present[i:]:
            pairs[f"p{a}_{b}"] = (per[f"e{a}"].fill_null(0) * per[f"e{b}"].fill_null(0)).sum()
    m2 = {f"m{c}": (r.u * r.u).sum(where=r.cell == c) for c in present}
    meat_row = execute(per.aggregate(groups=per.count(), **pairs)).iloc[0]
    m2_row = execute(r.aggregate(**m2)).iloc[0]
    e = np.zeros((len(cells), len(cells)))
    for i, a in enumerate(present):
        for b in present[i:]:
            e[a, b] = e[b, a] = float(meat_row[f"p{a}_{b}"])
    x = np.asarray(design, dtype=float)
    xtx = x.T @ (n[:, None] * x)
    bread = np.linalg.pinv(xtx)
    params = bread @ (x.T @ stats["total"].fillna(0).to_numpy(dtype=float))
    g = int(meat_row["groups"])
    nobs, kp = float(n.sum()), x.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = bread @ (x.T @ e @ x) @ bread * (g / (g - 1)) * ((nobs - 1) / (nobs - kp))
    cell_stats = pd.DataFrame({"cell": range(len(cells)), "n": n.astype(int), "mean": means,
                               "m2": [float(m2_row[f"m{c}"]) if n[c] > 0 else np.nan for c in range(len(cells))]})
    return params, cov, g - 1, int(nobs), g, cell_stats


def difference_in_differences(frame, *, outcome: str, group_column: str, treated: str | Sequence[str],
                              change_date, window: Sequence, date_column: str = "created_at",
                              cluster: str = "agent_id", confidence: float = 0.95, min_clusters: int = 30) -> DiDResult:
    """DiD of ``outcome`` for rows whose ``group_column`` is in ``treated`` against the others, before vs from
    ``change_date``, over rows with ``date_column`` in ``window`` (inclusive dates). Standard errors are
    clustered by ``cluster`` (e.g. agent); ``few_clusters`` warns when there are fewer than ``min_clusters``.
    ``frame``: the tickets, a relation or a pandas frame; the fit runs on aggregates from the engine
    (:func:`_cell_fit`: cell counts and means, per-cluster residual sums), rows are never fetched.
    """
    from scipy import stats as st

    start, end = window
    change = pd.Timestamp(change_date)
    if not pd.Timestamp(start) < change <= pd.Timestamp(end):
        raise ParameterError(f"the change date {change:%Y-%m-%d} must lie inside the window {start}..{end}")
    d, treated = _window(frame, outcome, group_column, treated, date_column, start, end, cluster)
    import ibis

    post = ibis.ifelse(d.when >= ibis.literal(change.to_pydatetime()), 1, 0)
    cells = [(0, 0), (0, 1), (1, 0), (1, 1)]  # (treated, post)
    design = np.array([[1, t, p, t * p] for t, p in cells])
    params, cov, df, nobs, n_clusters, stats = _cell_fit(d, cells, design, d.treated * 2 + post)
    counts = {c: int(k) for c, k in zip(cells, stats["n"]) if k > 0}
    if len(counts) < 4 or min(counts.values()) < 2:
        raise AnalysisError(f"difference in differences: each of treated/other × before/after needs rows in "
                            f"{start}..{end}; counts are {counts}")
    est, se = float(params[3]), float(np.sqrt(max(cov[3, 3], 0.0)))  # rounding: a tiny negative is 0
    q = st.t.ppf(0.5 + confidence / 2, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_value = float(2 * st.t.sf(np.abs(np.float64(est) / se), df))
    few = n_clusters < min_clusters
    summary = pd.DataFrame([{
        "estimate": est, "ci_low": est - q * se, "ci_high": est + q * se,
        "p_value": p_value, "se": se, "n": nobs,
        "clusters": n_clusters, "few_clusters": few,
        "warning": (f"only {n_clusters} clusters of {cluster} (fewer than {min_clusters}): cluster-robust standard "
                    "errors are unreliable" if few else ""),
    }])
    m = stats["mean"].to_numpy()
    means = pd.DataFrame({"group": ["other", "treated"], "before": [m[0], m[2]], "after": [m[1], m[3]]})
    means["change"] = means["after"] - means["before"]
    return DiDResult(summary, means, {"outcome": outcome, "group_column": group_column, "treated": treated,
                                      "change_date": change, "window": (pd.Timestamp(start), pd.Timestamp(end)),
                                      "cluster": cluster})


#: pandas period frequencies of the trend and the engine's truncation unit for each
_FREQ_UNITS = {"MS": "M", "M": "M", "ME": "M", "W": "W", "W-SUN": "W", "D": "D", "QS": "Q", "Q": "Q", "QE": "Q",
               "YS": "Y", "Y": "Y", "YE": "Y", "AS": "Y", "A": "Y"}


def pre_trends(frame, *, outcome: str, group_column: str, treated: str | Sequence[str], change_date,
               window: Sequence, date_column: str = "created_at", cluster: str = "agent_id", freq: str = "MS",
               confidence: float = 0.95) -> tuple[pd.DataFrame, float]:
    """Mean ``outcome`` per period (``freq``, default months; weeks start on Monday) for treated and other groups
    over the window, and the p-value of the joint (cluster-robust Wald) test that the treated − other gap is
    constant over the periods *before* the change (parallel pre-trends).

    Returns ``(trend, pre_trend_p_value)``; ``trend`` columns: period_start, group (treated/other), estimate
    (the mean) with its Student-t interval ci_low, ci_high (:func:`csm.stats.mean_interval_from_stats`), n,
    post (period starts on or after the change date). Aggregates only come back from the engine.
    """
    import ibis
    from scipy import stats as st

    unit = _FREQ_UNITS.get(str(freq).upper())
    if unit is None:
        raise ParameterError(f"pre_trends: freq {freq!r} is not supported; use one of {sorted(_FREQ_UNITS)}")
    d, _ = _window(frame, outcome, group_column, treated, date_column, window[0], window[1], cluster)
    d = d.mutate(period=d.when.truncate(unit))
    agg = execute(d.group_by(["period", "treated"]).aggregate(n=d.count(), total=d.y.sum()))
    agg["period"] = pd.to_datetime(agg["period"]).astype("datetime64[ns]")
    agg = agg.sort_values(["period", "treated"], kind="stable").reset_index(drop=True)
    # the spread per cell, from the deviations about the cell mean (two passes, as numpy's std)
    cells = list(zip(agg["period"], agg["treated"]))
    mean = agg["total"].to_numpy(dtype=float) / agg["n"].to_numpy(dtype=float)
    cell_of = ibis.cases(*[((d.period == ibis.literal(p.to_pydatetime())) & (d.treated == int(t)), i)
                           for i, (p, t) in enumerate(cells)], else_=-1)
    mean_of = ibis.cases(*[((d.period == ibis.literal(p.to_pydatetime())) & (d.treated == int(t)), float(m))
                           for (p, t), m in zip(cells, mean)], else_=0.0)
    dev = d.mutate(cell=cell_of, u=d.y - mean_of)
    m2 = execute(dev.group_by("cell").aggregate(m2=(dev.u * dev.u).sum())).set_index("cell")["m2"]
    n = agg["n"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.where(n >= 2, np.sqrt(m2.reindex(range(len(cells))).to_numpy(dtype=float) / (n - 1)), np.nan)
    ci = mean_interval_from_stats(mean, sd, n, confidence=confidence)
    trend = pd.DataFrame({"period_start": agg["period"], "group": np.where(agg["treated"] > 0, "treated", "other"),
                          "estimate": mean, "ci_low": ci["ci_low"].to_numpy(),
                          "ci_high": ci["ci_high"].to_numpy(), "n": agg["n"].astype("int64")})
    trend["post"] = trend["period_start"] >= pd.Timestamp(change_date)
    # parallel pre-trends: y ~ C(period) + treated + treated:C(period) on the rows before the change
    change = pd.Timestamp(change_date)
    pre = d.filter(d.when < ibis.literal(change.to_pydatetime()))
    periods = sorted(pd.to_datetime(execute(pre.select("period").distinct())["period"]).astype("datetime64[ns]"))
    p_value = np.nan
    if len(periods) >= 3:
        pairs = [(p, t) for p in periods for t in (0, 1)]
        design = np.array([[1.0] + [float(p == q) for q in periods[1:]] + [float(t)]
                           + [float(t and p == q) for q in periods[1:]] for p, t in pairs])
        cell_of = ibis.cases(*[((pre.period == ibis.literal(p.to_pydatetime())) & (pre.treated == int(t)), i)
                               for i, (p, t) in enumerate(pairs)], else_=-1)
        params, cov, df, _, _, _ = _cell_fit(pre, pairs, design, cell_of)
        terms = range(len(periods) + 1, design.shape[1])  # treated × period (the first period the reference)
        r = np.zeros((len(terms), design.shape[1]))
        for i, j in enumerate(terms):
            r[i, j] = 1
        rb = r @ params
        cov_r = r @ cov @ r.T
        j_ = min(len(terms), int(np.linalg.matrix_rank(cov_r)))
        f = float(rb @ np.linalg.pinv(cov_r) @ rb) / j_
        p_value = float(st.f.sf(f, j_, df))
    return trend, p_value


def placebo_did(frame, *, outcome: str, group_column: str, treated: str | Sequence[str], change_date,
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


def rollout_plan(rollout: dict | None, tickets, *, experiment_start=None, months: int = 6,
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
    rel = ab_engine.relation(tickets)
    wanted = list(dict.fromkeys([group, outcome, cluster]))
    filled = ab_engine.filled_columns(rel, wanted)
    needs = [f"tickets.{c}" for c in wanted if c not in filled]
    if needs:
        return RolloutPlan(None, skipped=[{"section": "did", "needs": n} for n in needs])
    try:
        change = pd.Timestamp(rollout["date"])
    except (ValueError, TypeError):
        raise ParameterError(f"rollout date {rollout['date']!r} is not a date; write it as '2025-09-01'") from None
    import ibis

    when = rel[date_column]
    span_row = execute(rel.aggregate(first=when.min(), last=when.max())).iloc[0]
    first, last = pd.Timestamp(span_row["first"]).normalize(), pd.Timestamp(span_row["last"]).normalize()
    span = {"date": f"{change:%Y-%m-%d}", "start": f"{first:%Y-%m-%d}", "end": f"{last:%Y-%m-%d}"}
    if not first < change <= last:
        return RolloutPlan(None, reason="date_outside", values=span)
    groups = set(_groups(rel, group))
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
    lit = lambda t: ibis.literal(pd.Timestamp(t).to_pydatetime())  # noqa: E731
    inside = (when >= lit(window[0])) & (when < lit(pd.Timestamp(window[1]) + pd.Timedelta(days=1)))
    is_treated = rel[group].cast("string").isin(treated).fill_null(False)
    sides = {}
    for i, side in enumerate((when < lit(change), when >= lit(change))):
        for j, arm in enumerate((is_treated, ~is_treated)):
            sides[f"n{i}{j}"] = rel.count(where=inside & side & arm)
    got = execute(rel.aggregate(**sides)).iloc[0]
    if min(int(got[k] or 0) for k in sides) < 2:
        return RolloutPlan(None, derived, reason="empty_side", values={**span, "start": window[0], "end": window[1]})
    args = {"outcome": outcome, "group_column": group, "treated": treated, "change_date": f"{change:%Y-%m-%d}",
            "window": list(window), "cluster": cluster}
    return RolloutPlan(args, derived)
