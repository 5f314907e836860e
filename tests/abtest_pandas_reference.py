"""The A/B test's row-level pandas computations as they were before the engine (issue 14): a reference the
engine-built per-unit tables and statistics are checked against (tests/test_abtest_engine.py). Not used by csm."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats as st

from csm.compat import STR
from csm.abtest import compare as cmp
from csm.abtest.did import DiDResult
from csm.abtest.experiment import UNIT_KEYS, unit_type_of
from csm.errors import AnalysisError, DataError, ParameterError
from csm.stats import mean_interval_from_stats


def experiment_rows(table: pd.DataFrame, units: pd.DataFrame, *, time_column: str, end,
                    key: str | None = None) -> pd.DataFrame:
    """Rows of ``table`` belonging to the experiment: the unit's rows (``key`` = the tickets column of the
    unit type, default from ``unit_type``) with ``time_column`` from the unit's ``assigned_at`` to ``end``
    (inclusive day). Adds ``unit_id``, ``variant``, ``assigned_at``."""
    key = key or UNIT_KEYS[unit_type_of(units)]
    if key not in table.columns:
        raise DataError(f"the table has no column {key!r} to link its rows to the randomised units")
    u = units[["unit_id", "variant", "assigned_at"]].rename(columns={"unit_id": key})
    rows = table.merge(u, on=key, how="inner")
    end = pd.Timestamp(end).normalize() + pd.Timedelta(days=1)
    rows = rows[(rows[time_column] >= rows["assigned_at"]) & (rows[time_column] < end)].copy()
    rows["unit_id"] = rows[key]
    return rows.reset_index(drop=True)


def _numeric(s: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(s) or str(s.dtype) == "boolean":
        return s.astype("Float64").astype(float)
    return pd.to_numeric(s, errors="coerce").astype(float)


def unit_values(spec: Mapping, units: pd.DataFrame, rows: Mapping[str, pd.DataFrame], *, end) -> pd.DataFrame:
    """Per-unit numbers of one metric: ``unit_id``, ``variant`` and ``num``, ``den`` (ratio / mean / proportion:
    value = num/den); units without rows get den 0 (ratio) or are dropped (mean)."""
    table = rows[spec["table"]]
    col = spec["column"]
    if col not in table.columns:
        raise DataError(f"{spec['table']}: column {col!r} (metric) is not in the data; columns are "
                        f"{list(table.columns)[:25]}")
    base = units[["unit_id", "variant", "assigned_at"]]
    if spec["kind"] == "proportion":
        if pd.api.types.is_datetime64_any_dtype(table[col]):
            t = table[["unit_id", col]].merge(base[["unit_id", "assigned_at"]], on="unit_id")
            hit = (t[col] >= t["assigned_at"]) & (t[col] < pd.Timestamp(end).normalize() + pd.Timedelta(days=1))
            per = hit.groupby(t["unit_id"]).any()
        else:
            per = _numeric(table[col]).fillna(0).gt(0).groupby(table["unit_id"]).any()
        out = base.merge(per.rename("num").astype(float).reset_index(), on="unit_id", how="left")
        out["num"] = out["num"].fillna(0.0)
        out["den"] = 1.0
        return out[["unit_id", "variant", "num", "den"]]
    x = _numeric(table[col])
    g = pd.DataFrame({"unit_id": table["unit_id"], "x": x}).dropna()
    agg = g.groupby("unit_id")["x"].agg(num="sum", den="count").reset_index()
    out = base.merge(agg, on="unit_id", how="left")
    out[["num", "den"]] = out[["num", "den"]].fillna(0.0)
    if spec["kind"] == "mean":
        out = out[out["den"] > 0]
    return out[["unit_id", "variant", "num", "den"]].reset_index(drop=True)


def naive_rows(spec, rows, *, control="control", treatment="treatment", confidence=0.95):
    """The row-level Welch comparison of a ratio metric (treats rows as independent)."""
    table = rows[spec["table"]]
    x = _numeric(table[spec["column"]])
    return cmp.compare_means(x[table["variant"] == control], x[table["variant"] == treatment], confidence=confidence)


def responses_compared(spec, rows, *, control="control", treatment="treatment", confidence=0.95):
    """Ordinal / NPS metrics on the response rows, with scipy's Mann–Whitney."""
    r = rows["responses"]
    x = _numeric(r[spec["column"]]).to_numpy()
    c, t = x[(r["variant"] == control).to_numpy()], x[(r["variant"] == treatment).to_numpy()]
    c, t = c[~np.isnan(c)], t[~np.isnan(t)]
    if spec["kind"] == "ordinal":
        mw = st.mannwhitneyu(t, c, alternative="two-sided", method="asymptotic")
        return {"p_value": mw.pvalue, "prob_superiority": mw.statistic / (c.size * t.size), "control": c.mean(),
                "treatment": t.mean(), "n_control": c.size, "n_treatment": t.size}
    from csm import stats as cs
    r_ = cs.nps_difference_test(t, c, confidence=confidence).iloc[0]
    return {"estimate": r_["estimate"], "p_value": r_["p_value"], "n_control": c.size, "n_treatment": t.size}


def compare_clustered_statsmodels(values, is_treatment, clusters, *, confidence: float = 0.95):
    """statsmodels' OLS with cluster-robust (CR1) errors: estimate, se, p_value, ci_low, ci_high."""
    import statsmodels.api as sm

    y = np.asarray(values, dtype=float)
    treat = np.asarray(is_treatment, dtype=bool)
    codes = pd.factorize(pd.Series(np.asarray(clusters, dtype=object)).astype(STR))[0]
    fit = sm.OLS(y, sm.add_constant(treat.astype(float))).fit(cov_type="cluster", cov_kwds={"groups": codes},
                                                              use_t=True)
    lo, hi = fit.conf_int(alpha=1 - confidence)[1]
    return {"estimate": float(fit.params[1]), "se": float(fit.bse[1]), "p_value": float(fit.pvalues[1]),
            "ci_low": float(lo), "ci_high": float(hi)}


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


