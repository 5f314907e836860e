"""csm.abtest: reference values (scipy/statsmodels/hand calculation), recovery of the planted experiment and
rollout in the sample data, A/A false-positive rates, sequential type-I error, and analyst-readable errors."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from csm.compat import STR
from csm import abtest
from csm.data.load import load_tables
from csm.engine import execute
from csm.report import format as fmt
from csm.report.labels import label
from csm.data.sample import TRUTH
from csm.errors import AnalysisError, DataError, ParameterError
from csm.notes import Skipped
from csm.report import abtest as report

ROOT = Path(__file__).resolve().parents[1]
EXP = TRUTH["default_dataset"]["experiment"]
SPLIT = {"control": 0.5, "treatment": 0.5}
METRICS = {
    "fcr_rate": {"kind": "ratio", "column": "first_contact_resolved", "direction": "higher", "role": "primary"},
    "aht_minutes": {"kind": "mean", "column": "handle_time_minutes", "direction": "lower", "role": "secondary",
                    "covariate": "pre_handle_time_minutes", "robust": True},
    "handle_time_per_ticket": {"kind": "ratio", "column": "handle_time_minutes", "direction": "lower",
                               "role": "secondary"},
    "escalation_rate": {"kind": "ratio", "column": "escalated", "direction": "lower", "role": "guardrail"},
    "csat_ordinal": {"kind": "ordinal", "table": "responses", "column": "csat", "direction": "higher",
                     "role": "guardrail"},
    "nps": {"kind": "nps", "table": "responses", "column": "nps", "direction": "higher", "role": "guardrail"},
    "churn_rate": {"kind": "proportion", "table": "customers", "column": "churn_date", "direction": "lower",
                   "role": "guardrail"},
}


@pytest.fixture(scope="module")
def data():
    return load_tables(ROOT / "data" / "sample", tables=["tickets", "responses", "customers", "assignments"])


@pytest.fixture(scope="module")
def result(data):
    return abtest.analyse(data, metrics=METRICS, planned_split=SPLIT, experiment_id="smart_triage",
                          experiment_end="2026-04-30", n_boot=500, seed=1)


def analyse(data, *, end="2026-04-30", **params):
    """The analysis without the sequential looks and with a short A/A check (the parts a test here checks)."""
    return abtest.analyse(data, planned_split=SPLIT, experiment_end=end, looks=[], aa_splits=20,
                          **{"metrics": {"fcr_rate": METRICS["fcr_rate"]}, **params})


def row(result, metric):
    return result.metrics.set_index("metric").loc[metric]


# --------------------------------------------------------------------------- public API against references
def test_compare_proportions_matches_statsmodels():
    from statsmodels.stats.proportion import (
        confint_proportions_2indep,
        proportions_ztest,
    )

    r = abtest.compare_proportions(45, 120, 62, 130, confidence=0.95).iloc[0]
    assert r["estimate"] == pytest.approx(62 / 130 - 45 / 120)
    _, p = proportions_ztest([62, 45], [130, 120])
    assert r["p_value"] == pytest.approx(p, rel=1e-10)
    lo, hi = confint_proportions_2indep(62, 130, 45, 120, method="newcomb", compare="diff")
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((lo, hi), abs=1e-10)
    assert r["relative_lift"] == pytest.approx((62 / 130) / (45 / 120) - 1)
    assert r["relative_ci_low"] < r["relative_lift"] < r["relative_ci_high"]


def test_compare_means_is_welch():
    rng = np.random.default_rng(3)
    c, t = rng.normal(10, 2, 40), rng.normal(11, 3, 55)
    r = abtest.compare_means(c, t, confidence=0.9).iloc[0]
    ref = st.ttest_ind(t, c, equal_var=False)
    ci = ref.confidence_interval(0.9)
    assert r["p_value"] == pytest.approx(ref.pvalue, rel=1e-10)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((ci.low, ci.high), rel=1e-10)
    assert r["estimate"] == pytest.approx(t.mean() - c.mean())


def test_compare_medians_bootstrap_and_mann_whitney():
    rng = np.random.default_rng(4)
    c, t = rng.lognormal(2.0, 0.6, 300), rng.lognormal(1.9, 0.6, 320)
    r = abtest.compare_medians(c, t, n_boot=1000, seed=7).iloc[0]
    assert r["p_value"] == pytest.approx(st.mannwhitneyu(t, c, method="asymptotic").pvalue, rel=1e-10)
    assert r["estimate"] == pytest.approx(np.median(t) - np.median(c))
    assert r["ci_low"] < r["estimate"] < r["ci_high"]
    again = abtest.compare_medians(c, t, n_boot=1000, seed=7).iloc[0]
    assert (again["ci_low"], again["ci_high"]) == (r["ci_low"], r["ci_high"])  # seeded


@pytest.mark.parametrize("x", [[3.0, 1.0, 4.0, 1.0, 5.0], [2.0, 7.0, 1.0, 8.0, 2.0, 8.0]], ids=["odd", "even"])
def test_bootstrap_medians_follow_the_exact_bootstrap_distribution(x):
    """The order-statistic draws against every one of the nⁿ equally likely resamples (ties included)."""
    import itertools
    n = len(x)
    exact = pd.Series([float(np.median([x[i] for i in idx])) for idx in itertools.product(range(n), repeat=n)])
    exact = exact.value_counts(normalize=True).sort_index()
    draws = 200_000
    got = pd.Series(abtest.bootstrap_medians(x, draws, np.random.default_rng(11))).value_counts(normalize=True)
    assert set(got.index) <= set(exact.index)
    got = got.reindex(exact.index, fill_value=0.0)
    se = np.sqrt(exact * (1 - exact) / draws)
    assert (np.abs(got - exact) <= 5 * se + 1e-12).all(), pd.DataFrame({"exact": exact, "drawn": got})


def test_compare_medians_interval_matches_resampling():
    """The percentile interval from order-statistic draws against scipy's resampling bootstrap of the same
    statistic (arms resampled independently), both Monte Carlo: agreement to a few Monte Carlo errors."""
    rng = np.random.default_rng(5)
    c, t = rng.lognormal(2.0, 0.6, 401), rng.lognormal(1.9, 0.6, 350)
    r = abtest.compare_medians(c, t, n_boot=40_000, seed=3).iloc[0]
    ref = st.bootstrap((t, c), lambda a, b, axis=-1: np.median(a, axis=axis) - np.median(b, axis=axis),
                       n_resamples=40_000, method="percentile", random_state=np.random.default_rng(9),
                       vectorized=True, batch=2_000).confidence_interval
    width = ref.high - ref.low
    assert r["ci_low"] == pytest.approx(ref.low, abs=0.03 * width)
    assert r["ci_high"] == pytest.approx(ref.high, abs=0.03 * width)


def test_compare_ordinal_probability_of_superiority_by_hand():
    c, t = [1, 2, 3, 3], [2, 3, 4]
    # pairs (t, c): t beats c in 2+... counted by hand: t=2: >1, =2 -> 1 + .5; t=3: >1,2, =3,3 -> 2 + 1; t=4: 4
    a = (1.5 + 3 + 4) / 12
    r = abtest.compare_ordinal(c, t).iloc[0]
    assert r["prob_superiority"] == pytest.approx(a)
    assert r["estimate"] == pytest.approx(a - 0.5)
    assert r["p_value"] == pytest.approx(st.mannwhitneyu(t, c, method="asymptotic").pvalue)


def test_compare_nps_by_hand():
    c = [10, 9, 8, 7, 6, 0, 10, 3]   # P 3, D 3 of 8 -> 0
    t = [10, 10, 9, 9, 8, 2]         # P 4, D 1 of 6 -> 50
    r = abtest.compare_nps(c, t).iloc[0]
    assert (r["control"], r["treatment"], r["estimate"]) == pytest.approx((0.0, 50.0, 50.0))
    se_c = 100 * np.sqrt((3 / 8 + 3 / 8 - 0) / 8)
    se_t = 100 * np.sqrt((4 / 6 + 1 / 6 - (3 / 6) ** 2) / 6)
    assert r["se"] == pytest.approx(np.hypot(se_c, se_t))
    assert r["ci_low"] == pytest.approx(50 - 1.959964 * np.hypot(se_c, se_t), rel=1e-6)


def test_compare_ratio_delta_method_by_hand_and_against_clustered_ols():
    rng = np.random.default_rng(5)
    den_c, den_t = rng.integers(1, 6, 400).astype(float), rng.integers(1, 6, 380).astype(float)
    num_c, num_t = rng.binomial(den_c.astype(int), 0.6), rng.binomial(den_t.astype(int), 0.65)
    r = abtest.compare_ratio(num_c, den_c, num_t, den_t).iloc[0]

    def var(num, den):
        R, n = num.sum() / den.sum(), num.size
        cov = np.cov(num, den)
        return (cov[0, 0] - 2 * R * cov[0, 1] + R**2 * cov[1, 1]) / (n * den.mean() ** 2)

    assert r["se"] == pytest.approx(np.sqrt(var(num_c, den_c) + var(num_t, den_t)))
    assert r["estimate"] == pytest.approx(num_t.sum() / den_t.sum() - num_c.sum() / den_c.sum())
    # the same comparison on the rows with errors clustered by unit: equal up to small-sample factors
    rows_y, rows_t, rows_g = [], [], []
    for arm, nums, dens in ((0, num_c, den_c), (1, num_t, den_t)):
        for i, (k, d) in enumerate(zip(nums, dens)):
            rows_y += [1.0] * int(k) + [0.0] * int(d - k)
            rows_t += [arm] * int(d)
            rows_g += [f"{arm}-{i}"] * int(d)
    clus = abtest.compare_clustered(rows_y, rows_t, rows_g).iloc[0]
    assert clus["estimate"] == pytest.approx(r["estimate"])
    assert clus["se"] == pytest.approx(r["se"], rel=0.01)


def test_compare_clustered_warns_with_few_clusters_and_refuses_mixed_clusters():
    rng = np.random.default_rng(6)
    clusters = np.repeat(np.arange(10), 30)
    treat = clusters % 2 == 1
    y = rng.normal(0, 1, 300) + rng.normal(0, 1, 10)[clusters]
    r = abtest.compare_clustered(y, treat, clusters, min_clusters=30).iloc[0]
    assert r["few_clusters"] and "only 5 clusters" in r["warning"]
    import statsmodels.api as sm
    ref = sm.OLS(y, sm.add_constant(treat.astype(float))).fit(cov_type="cluster", cov_kwds={"groups": clusters})
    assert r["se"] == pytest.approx(ref.bse[1])
    with pytest.raises(ParameterError, match="both arms"):
        abtest.compare_clustered(y, rng.random(300) < 0.5, clusters)


def test_cuped_reduces_variance_by_rho_squared_without_bias():
    rng = np.random.default_rng(8)
    n = 20_000
    x = rng.normal(10, 2, n)
    treat = rng.random(n) < 0.5
    y = 0.6 * x + rng.normal(0, 1.6, n) + 0.3 * treat  # corr(x, y) = 1.2 / sqrt(1.44 + 2.56) = 0.6
    r = abtest.cuped(y, x, treat).iloc[0]
    assert r["variance_reduction"] == pytest.approx(0.36, abs=0.02)
    assert r["ci_low"] < 0.3 < r["ci_high"]
    assert r["se"] < r["se_unadjusted"] * 0.85


def test_srm_test_matches_scipy_and_flags_a_planted_mismatch(data):
    counts = {"control": 2381, "treatment": 2301}
    assert abtest.srm_test(counts, SPLIT) == pytest.approx(st.chisquare([2381, 2301]).pvalue)
    assert abtest.srm_test(counts, SPLIT) == pytest.approx(EXP["srm_p_value"], abs=1e-4)
    assert abtest.srm_test({"a": 50, "b": 30, "c": 20}, {"a": .5, "b": .25, "c": .25}) == pytest.approx(
        st.chisquare([50, 30, 20], [50, 25, 25]).pvalue)
    # drop 10% of treatment units, as a logging bug would
    units = data.assignments
    treated = units.index[units["variant"] == "treatment"]
    broken = units.drop(treated[::10])
    res = analyse(replace(data, assignments=broken))
    assert res.srm.flagged and res.srm.p_value < 0.001
    assert res.decision == "inconclusive_srm"


def test_covariate_balance_on_sample(result):
    bal = result.balance.set_index("covariate")
    assert set(bal.index) == {"pre_tickets_90d", "pre_handle_time_minutes"}
    assert not bal["imbalanced"].any()


# --------------------------------------------------------------------------- power and sequential design
def test_power_against_textbook_formula():
    # arcsine formula per arm: n = 2((z_.975 + z_.8) / h)^2 with h = 2 asin sqrt(.6) - 2 asin sqrt(.5)
    # (Cohen 1988, table 6.4.1: h = 0.20 needs 392 per arm)
    h = 2 * np.arcsin(np.sqrt(0.6)) - 2 * np.arcsin(np.sqrt(0.5))
    n = 2 * ((st.norm.ppf(0.975) + st.norm.ppf(0.8)) / h) ** 2
    assert abs(2 * ((st.norm.ppf(0.975) + st.norm.ppf(0.8)) / 0.2) ** 2 - 392) < 1
    r = abtest.required_sample_size("proportion", 0.1, baseline=0.5).iloc[0]
    assert r["n_control"] == int(np.ceil(n))
    mde = abtest.minimum_detectable_effect("proportion", n, baseline=0.5).iloc[0]
    assert mde["mde"] == pytest.approx(0.1, abs=1e-6)
    # means: t-test sample size for d = 0.5 is the textbook 64 per arm (Cohen 1988, table 2.4.1)
    assert abtest.required_sample_size("mean", 1.0, sd=2.0).iloc[0]["n_control"] == 64
    m = abtest.minimum_detectable_effect("mean", 64, sd=2.0).iloc[0]
    assert m["mde"] == pytest.approx(1.0, abs=0.01)
    assert float(abtest.mde_from_se(0.01)) == pytest.approx(0.028016, abs=1e-5)


def test_sequential_boundaries_spend_alpha_and_keep_type_one_error():
    t = [0.25, 0.5, 0.75, 1.0]
    b = abtest.sequential_boundaries(t, alpha=0.05)
    assert b["alpha_cumulative"].iloc[-1] == pytest.approx(0.05)
    # first boundary is exact: spending at t1 all on |Z1|
    assert b["z_boundary"].iloc[0] == pytest.approx(st.norm.isf(abtest.obrien_fleming_spending(0.25) / 2))
    assert b["z_boundary"].is_monotonic_decreasing and b["z_boundary"].iloc[-1] > 1.96
    # simulated Brownian motion under H0: overall false-positive rate is alpha
    rng = np.random.default_rng(11)
    n = 200_000
    inc = rng.standard_normal((n, 4)) * np.sqrt(np.diff(np.r_[0.0, t]))
    z = inc.cumsum(axis=1) / np.sqrt(t)
    rate = (np.abs(z) >= b["z_boundary"].to_numpy()).any(axis=1).mean()
    assert rate == pytest.approx(0.05, abs=0.003)
    # the naive alternative (1.96 at every look) inflates it
    assert (np.abs(z) >= 1.96).any(axis=1).mean() > 0.10
    one = abtest.sequential_boundaries([1.0])
    assert one["z_boundary"].iloc[0] == pytest.approx(1.959964, abs=1e-5)


def test_sequential_monitor_stops_at_first_crossing():
    m = abtest.sequential_monitor([1.0, 3.2, 2.5], [1 / 3, 2 / 3, 1])
    assert m["crossed"].tolist() == [False, True, True]
    assert m["stop"].tolist() == [False, True, False]
    with pytest.raises(ParameterError, match="increase"):
        abtest.sequential_boundaries([0.5, 0.4, 1.0])


# --------------------------------------------------------------------------- planted truth in the sample
def test_planted_experiment_is_recovered(result):
    assert (result.srm.summary.set_index("variant")["n"].to_dict()
            == {"control": EXP["units_control"], "treatment": EXP["units_treatment"]})
    # the experiment rows stay in the engine: counted there
    per_arm = execute(result.rows["tickets"].group_by("variant").aggregate(n=result.rows["tickets"].count()))
    assert dict(zip(per_arm["variant"], per_arm["n"])) == {
        "control": EXP["tickets_control"], "treatment": EXP["tickets_treatment"]}
    assert result.row_counts["tickets"] == EXP["tickets_control"] + EXP["tickets_treatment"]
    fcr = row(result, "fcr_rate")
    assert fcr["estimate"] == pytest.approx(EXP["fcr_difference"], abs=5e-4)
    assert fcr["ci_low"] < TRUTH["experiment"]["fcr_lift"] < fcr["ci_high"]
    assert fcr["p_adjusted"] < 0.05 and fcr["verdict"] == "improved"
    aht = row(result, "handle_time_per_ticket")
    assert aht["control"] == pytest.approx(EXP["handle_control"], abs=0.01)
    assert aht["relative_ci_low"] < TRUTH["experiment"]["handle_time_multiplier"] - 1 < aht["relative_ci_high"]
    assert aht["verdict"] == "improved"
    cuped = row(result, "aht_minutes")
    assert cuped["variance_reduction"] == pytest.approx(EXP["cuped_variance_reduction"], abs=0.005)
    assert cuped["median_estimate"] < 0 and cuped["median_p_value"] < 0.05
    assert result.decision == "ship"


def test_naive_ticket_level_test_understates_the_variance(result):
    spec = abtest.check_metrics(METRICS)["handle_time_per_ticket"]
    methods = abtest.unit_of_analysis("handle_time_per_ticket", spec, result.units, result.rows,
                                      end="2026-04-30").set_index("method")
    assert methods.loc["delta_method", "se"] > 1.08 * methods.loc["naive_rows", "se"]
    assert methods.loc["cluster_robust", "se"] == pytest.approx(methods.loc["delta_method", "se"], rel=0.01)
    assert row(result, "handle_time_per_ticket")["design_effect"] > 1.15


def test_aa_resplits_are_significant_at_the_nominal_rate(result):
    spec = abtest.check_metrics(METRICS)["fcr_rate"]
    units = abtest.unit_values(spec, result.units[result.units["variant"] == "control"], result.rows, end="2026-04-30")
    aa = abtest.aa_simulation(units["num"], units["den"], n_splits=1000, seed=2).iloc[0]
    sd = np.sqrt(0.05 * 0.95 / 1000)
    assert abs(aa["false_positive_rate"] - 0.05) < 3 * sd
    # all units, treatment effect absent: handle time per customer, a skewed mean
    hv = abtest.unit_values({**spec, "column": "handle_time_minutes"}, result.units, result.rows, end="2026-04-30")
    aa2 = abtest.aa_simulation(hv["num"] / hv["den"], n_splits=1000, seed=3).iloc[0]
    assert abs(aa2["false_positive_rate"] - 0.05) < 3 * sd


def test_sequential_looks_on_sample(result):
    spec = abtest.check_metrics(METRICS)["fcr_rate"]
    looks = abtest.sequential_looks("fcr_rate", spec, result.units, result.rows,
                                    looks=["2026-03-20", "2026-04-10", "2026-04-30"],
                                    time_columns={"tickets": "created_at"})
    assert looks["units"].iloc[-1] == len(result.units)
    assert looks["information_fraction"].iloc[-1] == 1.0 and looks["crossed"].iloc[-1]
    assert looks["estimate"].iloc[-1] == pytest.approx(row(result, "fcr_rate")["estimate"])


def test_planted_rollout_is_recovered_by_difference_in_differences(data):
    rollout = TRUTH["default_dataset"]["rollout"]
    args = {"outcome": "handle_time_minutes", "group_column": "team", "treated": ["team_c"],
            "change_date": "2025-09-01", "window": rollout["window"], "cluster": "customer_id"}
    did = abtest.difference_in_differences(data.tickets, **args)
    s = did.summary.iloc[0]
    assert s["estimate"] == pytest.approx(rollout["did_minutes"], abs=1e-3)
    assert s["ci_low"] < TRUTH["rollout"]["effect_minutes"] < s["ci_high"] and s["p_value"] < 0.001
    assert 0.1 < s["se"] < 0.3
    _, pre_p = abtest.pre_trends(data.tickets, **args)
    assert pre_p > 0.05
    assert abtest.placebo_did(data.tickets, **args).summary.iloc[0]["p_value"] > 0.05
    by_team = abtest.difference_in_differences(data.tickets, **{**args, "cluster": "team"}).summary.iloc[0]
    assert by_team["few_clusters"] and "only 6 clusters" in by_team["warning"]


def test_did_matches_hand_computed_difference_of_differences():
    frame = pd.DataFrame({
        "created_at": pd.to_datetime(["2025-01-05", "2025-01-06", "2025-03-05", "2025-03-06"] * 2),
        "team": ["a"] * 4 + ["b"] * 4,
        "agent_id": list("pqrs") * 2,
        "y": [1.0, 2.0, 5.0, 6.0, 2.0, 3.0, 3.0, 4.0],
    })
    r = abtest.difference_in_differences(frame, outcome="y", group_column="team", treated="a",
                                         change_date="2025-03-01", window=("2025-01-01", "2025-03-31"))
    assert r.summary["estimate"].iloc[0] == pytest.approx((5.5 - 1.5) - (3.5 - 2.5))


# --------------------------------------------------------------------------- decisions and bad input
def _results(verdicts):
    return pd.DataFrame([{"metric": m, "role": r, "verdict": v} for m, r, v in verdicts])


def test_decision_rules():
    assert abtest.decide(_results([("a", "primary", "improved"), ("g", "guardrail", "no_change")])).decision == "ship"
    assert abtest.decide(_results([("a", "primary", "improved"), ("g", "guardrail", "degraded")])).decision == "do_not_ship"
    assert abtest.decide(_results([("a", "primary", "no_change"), ("g", "guardrail", "no_change")])).decision == "inconclusive"
    seq = pd.DataFrame({"crossed": [False, False]})
    verdict = abtest.decide(_results([("a", "primary", "improved")]), sequential=seq)
    decision, reasons = verdict.decision, verdict.reasons
    assert decision == "inconclusive" and reasons["reason"].iloc[0] == "reason_primary_no_change"


def test_unplanned_variant_label_is_named(data):
    bad = data.assignments.copy()
    bad.loc[bad.index[:3], "variant"] = "treatmnet"
    with pytest.raises(ParameterError, match=r"'treatmnet' \(3 units\).*planned"):
        abtest.experiment_units(bad, planned_split=SPLIT)
    with pytest.raises(ParameterError, match="not planned"):
        abtest.srm_test({"control": 10, "treatmnet": 12}, SPLIT)


def test_empty_arm_and_missing_table_give_clear_messages(data):
    only_control = data.assignments[data.assignments["variant"] == "control"]
    with pytest.raises(AnalysisError, match="'treatment' arm is empty"):
        abtest.experiment_units(only_control, planned_split=SPLIT)
    with pytest.raises(AnalysisError, match="treatment arm is empty"):
        abtest.compare_means([1.0, 2.0, 3.0], [])
    with pytest.raises(AnalysisError, match="control arm is empty"):
        abtest.compare_proportions(0, 0, 3, 10)
    with pytest.raises(DataError, match="no assignments table"):
        abtest.experiment_units(None, planned_split=SPLIT)
    with pytest.raises(ParameterError, match="experiment_id 'nope'.*smart_triage"):
        abtest.experiment_units(data.assignments, planned_split=SPLIT, experiment_id="nope")


def test_metric_without_variance_is_explained(data):
    with pytest.raises(AnalysisError, match="no variance"):
        abtest.compare_means([4.0, 4.0, 4.0], [4.0, 4.0])
    with pytest.raises(AnalysisError, match="no variance"):
        abtest.compare_proportions(0, 50, 0, 60)
    with pytest.raises(AnalysisError, match="no variance"):
        abtest.compare_ratio([0, 0, 0], [1, 2, 1], [0, 0], [3, 1])
    tickets = data.tickets.assign(flag=pd.array([False] * len(data.tickets), dtype="boolean"))
    res = analyse(replace(data, tickets=tickets), metrics={
        "fcr_rate": METRICS["fcr_rate"],
        "flag_rate": {"kind": "ratio", "column": "flag", "direction": "lower", "role": "guardrail"}})
    flag = row(res, "flag_rate")
    assert flag["verdict"] == "not_tested" and "no variance" in flag["error"]
    assert flag["error_reason"] == "no_variance" and flag["error_values"] == {"value": "0"}
    assert res.decision == "ship"
    # the appendix's unit-of-analysis comparison leaves the untested metric out (it used to stop the report)
    assert res.unit_metric == "fcr_rate" and set(res.unit_methods["metric"]) == {"fcr_rate"}
    # the report gives the reason in its own language
    expected = {"en": "(guardrail): not tested — the metric has no variance (every value in both arms is 0)",
                "zh": "未检验——该指标没有变异（两组的所有值都是 0）"}
    for lang, text in expected.items():
        sentences = report.decision_sentences(res.decision, res.reasons, res.metrics, lang)
        assert sum(text in s for s in sentences) == 1, sentences
        assert lang == "en" or not any("no variance" in s for s in sentences)
    with pytest.raises(abtest.compare.Untestable) as info:
        abtest.compare_means([1.0], [2.0, 3.0])
    assert (info.value.reason, info.value.values) == ("too_few", {"arm": "control", "n": 1, "need": 2})
    zh = report.untested_reason({"error_reason": "too_few", "error_values": info.value.values}, "zh")
    assert zh == "对照组只有 1 个数据，检验至少需要 2 个。"


def test_bad_metric_specs_are_refused():
    with pytest.raises(ParameterError, match="kind must be one of"):
        abtest.check_metrics({"x": {"kind": "median", "column": "c", "role": "primary"}})
    with pytest.raises(ParameterError, match="role 'primary'"):
        abtest.check_metrics({"x": {"kind": "mean", "column": "c", "role": "guardrail"}})
    with pytest.raises(ParameterError, match="between 0 and 1"):
        abtest.compare_means([1, 2], [3, 4], confidence=5)


# --------------------------------------------------------------------------- presentation
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_tables_sentences_and_charts(result, lang):
    verdict = abtest.decide(result.metrics, srm=result.srm)
    decision, reasons = verdict.decision, verdict.reasons
    sentences = report.decision_sentences(decision, reasons, result.metrics, lang)
    assert len(sentences) == 2 + len(result.metrics)
    assert ("+5.4" in sentences[2]) and ("[+3.2, +7.5]" in sentences[2])
    table = report.results_table(result.metrics, reasons, lang)
    assert len(table) == len(result.metrics)
    ax = report.lift_chart(result.metrics, reasons, lang=lang)
    assert len(ax.get_yticklabels()) == result.metrics["relative_lift"].notna().sum()
    plt.close("all")
    assert report.format_effect(0.0537, "share", "en", interval=(0.032, 0.075)) == "+5.4 pp [+3.2, +7.5]"


def test_agent_randomisation_is_analysed_per_agent_and_warns_with_few_agents(data):
    rng = np.random.default_rng(9)
    agents = sorted(data.tickets["agent_id"].dropna().unique())
    assignments = pd.DataFrame({"unit_id": agents, "variant": np.where(rng.random(len(agents)) < 0.5, "control",
                                                                       "treatment"),
                                "assigned_at": pd.Timestamp("2026-01-01"), "unit_type": "agent"})
    res = analyse(replace(data, assignments=assignments), end="2026-03-31", min_clusters=40)
    assert res.analysis_unit == "agent" and res.few_clusters
    assert sum(res.units_per_arm.values()) == len(agents)
    fcr = row(res, "fcr_rate")
    # the same comparison with errors clustered by agent on the tickets
    t = execute(res.rows["tickets"])  # the experiment rows, fetched here for the row-level reference
    x = t["first_contact_resolved"].astype("Float64").astype(float)
    keep = x.notna()
    clus = abtest.compare_clustered(x[keep], t.loc[keep, "variant"] == "treatment", t.loc[keep, "agent_id"]).iloc[0]
    assert clus["estimate"] == pytest.approx(fcr["estimate"])
    assert clus["se"] == pytest.approx(fcr["se"], rel=0.05)


def test_cluster_id_makes_the_cluster_the_analysis_unit(data):
    units = data.assignments.copy()
    regions = data.customers.set_index("customer_id")["region"]
    units["cluster_id"] = units["unit_id"].map(regions).astype(STR)
    with pytest.raises(DataError, match="more than one variant"):
        analyse(replace(data, assignments=units))
    names = sorted(units["cluster_id"].unique())
    units["variant"] = units["cluster_id"].map({n: ("control", "treatment")[i % 2] for i, n in enumerate(names)})
    res = analyse(replace(data, assignments=units))
    assert res.analysis_unit == "cluster" and res.few_clusters
    assert sum(res.units_per_arm.values()) == len(names) == res.srm.summary["n"].sum()


# --------------------------------------------------------------------------- optional inputs and derived defaults
def test_missing_tables_and_columns_drop_their_metrics_not_the_report(data, result):
    res = analyse(replace(data, assignments=data.assignments.drop(columns=["pre_handle_time_minutes"]), responses=None,
                          customers=data.customers.drop(columns=["churn_date"])),
                  metrics=METRICS, experiment_id="smart_triage", n_boot=500, seed=1)
    assert res.skipped == (Skipped("cuped_aht_minutes", "assignments.pre_handle_time_minutes"),
                           Skipped("csat_ordinal", "responses"), Skipped("nps", "responses"),
                           Skipped("churn_rate", "customers.churn_date"))
    assert list(res.metrics["metric"]) == ["fcr_rate", "aht_minutes", "handle_time_per_ticket", "escalation_rate"]
    assert row(res, "aht_minutes")["verdict"] == "improved" and "variance_reduction" not in res.metrics
    # the metrics kept are the same numbers as with every input (only the correction family shrinks)
    assert row(res, "fcr_rate")["estimate"] == row(result, "fcr_rate")["estimate"]
    assert row(res, "fcr_rate")["p_value"] == row(result, "fcr_rate")["p_value"]
    assert res.decision == "ship"
    unlinked = data.responses.drop(columns=["ticket_id"])
    _, skipped = abtest.usable_metrics(abtest.check_metrics(METRICS), tickets=data.tickets, responses=unlinked,
                                       customers=data.customers, units=data.assignments)
    assert {"section": "nps", "needs": "responses.ticket_id"} in skipped
    with pytest.raises(DataError, match=r"primary metric 'fcr_rate' needs tickets\.first_contact_resolved"):
        analyse(replace(data, tickets=data.tickets.drop(columns=["first_contact_resolved"])), metrics=METRICS)


def test_planned_looks_as_dates_or_equal_steps_over_the_window():
    dates, derived = abtest.planned_looks(None, pd.Timestamp("2026-03-01 00:43"), pd.Timestamp("2026-04-30"))
    assert derived and [f"{d:%Y-%m-%d}" for d in dates] == ["2026-03-21", "2026-04-10", "2026-04-30"]
    assert [f"{d:%m-%d}" for d in abtest.planned_looks(2, "2028-03-01", "2028-04-30")[0]] == ["03-31", "04-30"]
    assert abtest.planned_looks([], "2026-03-01", "2026-04-30") == ([], False)
    assert abtest.planned_looks(["2026-03-20"], "2026-03-01", "2026-04-30") == ([pd.Timestamp("2026-03-20")], False)
    with pytest.raises(ParameterError, match="looks must be"):
        abtest.planned_looks("2026-03-20", "2026-03-01", "2026-04-30")


def test_rollout_window_is_derived_and_missing_inputs_are_named(data):
    plan = abtest.rollout_plan({"group_column": "team", "treated": ["team_c"], "date": "2025-09-01"}, data.tickets,
                               experiment_start=pd.Timestamp("2026-03-01"))
    assert plan.window_derived and plan.args["window"] == TRUTH["default_dataset"]["rollout"]["window"]
    assert plan.args["outcome"] == "handle_time_minutes" and plan.args["cluster"] == "customer_id"
    assert abtest.rollout_plan(None, data.tickets) is None
    no_team = abtest.rollout_plan({"group_column": "team", "treated": ["team_c"], "date": "2025-09-01"},
                                  data.tickets.drop(columns=["team"]))
    assert no_team.args is None and no_team.skipped == [{"section": "did", "needs": "tickets.team"}]
    late = abtest.rollout_plan({"group_column": "team", "treated": ["team_c"], "date": "2031-01-01"}, data.tickets)
    assert late.reason == "date_outside" and late.values["end"] == "2026-06-30"
    unknown = abtest.rollout_plan({"group_column": "team", "treated": ["team_z"], "date": "2025-09-01"}, data.tickets)
    assert unknown.reason == "groups_unknown" and "team_c" in unknown.values["groups"]
    with pytest.raises(ParameterError, match="group_column, treated and date"):
        abtest.rollout_plan({"group_column": "team"}, data.tickets)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_values_carry_their_units_and_the_summary_gives_the_verdict(result, lang):
    units = {name: report.value_unit(spec["column"]) for name, spec in abtest.check_metrics(METRICS).items()}
    assert units["aht_minutes"] == "minutes" and units["fcr_rate"] == "number"
    pp, minutes = (" pp", " min") if lang == "en" else ("个百分点", "分钟")
    assert report.format_level(8.8249, "value", lang, "minutes") == f"8.82{minutes}"
    assert report.format_effect(-1.0612, "value", lang, unit="minutes", interval=(-1.4, -0.72)) == \
        f"−1.06{minutes} [−1.40, −0.72]"
    assert report.format_effect(-0.00004, "share", lang) == f"0.0{pp}"  # never "−0.0"
    assert report.format_level(3.894, "value", lang, "rating") == ("3.89 of 5" if lang == "en" else "3.89分（满分5分）")
    verdict = abtest.decide(result.metrics, srm=result.srm)
    decision, reasons = verdict.decision, verdict.reasons
    table = report.results_table(result.metrics, reasons, lang, units=units)
    aht = table.iloc[list(result.metrics["metric"]).index("aht_minutes")]
    assert all(str(v).endswith(minutes) for v in aht.iloc[1:3])  # control and treatment in minutes
    findings = report.summary_findings(decision, reasons, result.metrics, result.srm, lang,
                                              experiment=report.experiment_label("smart_triage", lang),
                                              units=units)
    assert 3 <= len(findings) <= 5 and findings[0].status == "improved"
    assert f"+5.4{pp}" in findings[0].text and "smart_triage" not in findings[0].text  # the label, not the id
    # the assignment matches the planned split (SRM p ≈ 0.24): said in the appendix, not in the summary
    assert not any(("Assignment" in f.text or "分组" in f.text) for f in findings)
    # "Average handle time" and "Handle time per ticket" read alike (8.82 min in control): only the first is listed
    control_aht = f"{EXP['handle_control']:.2f}{minutes}"
    assert len([f for f in findings if control_aht in f.text]) == 1
    # ordinal CSAT: its effect in points of the 1–5 scale, like its levels (difference of the mean scores)
    csat = result.metrics.set_index("metric").loc["csat_ordinal"]
    row = table.iloc[list(result.metrics["metric"]).index("csat_ordinal")]
    points = " points" if lang == "en" else "分"
    assert row.iloc[3] == fmt.number(csat["treatment"] - csat["control"], lang, 2, signed=True) + points
    # NPS: the interval excludes 0 but the adjusted p does not: the sentence says the interval is unadjusted
    odd = result.metrics.assign(p_adjusted=np.where(result.metrics["metric"] == "nps", 0.063,
                                                    result.metrics["p_adjusted"]))
    nps_row = odd.set_index("metric").loc["nps"]
    note = report.unadjusted_note(odd, lang)
    assert nps_row["ci_low"] > 0 and note and str(label("nps", lang)) in note and "0.063" in note
    assert str(label("fcr_rate", lang)) not in note  # significant after adjustment: not named
    assert report.unadjusted_note(odd.assign(p_adjusted=0.5, ci_low=-1.0, ci_high=1.0), lang) is None
    assert report.experiment_label("smart_triage", "zh") == "智能分诊"
    assert report.experiment_label("pricing_v2", lang) == "pricing_v2"  # no label: the id as given


# --------------------------------------------------------------------------- the report's analysis and sections
def test_analyse_holds_what_the_report_shows_and_records(result):
    records = result.records()
    assert list(records) == ["decision", "srm_p_value", "metrics", "experiment", "cuped_variance_reduction", "looks",
                             "sequential", "aa_false_positive_rate", "did", "skipped"]
    assert records["metrics"]["fcr_rate"]["diff"] == row(result, "fcr_rate")["estimate"]
    assert records["metrics"]["fcr_rate"]["verdict"] == "improved" and not result.sequential_blocked
    assert (result.period.start, result.period.last_day) == (pd.Timestamp("2026-03-01"), pd.Timestamp("2026-04-30"))
    assert records["experiment"]["start"] == result.period.start and records["experiment"]["end"] == result.period.last_day
    # notes: the end was given, the report period is not used, looks derived, no rollout
    assert [n.code for n in result.notes] == ["ab_period_ignored", "ab_looks_derived", "ab_did_off"]
    assert records["looks"] == {"dates": ["2026-03-21", "2026-04-10", "2026-04-30"], "derived": True}
    assert [s["look"] for s in records["sequential"].to_dict("records")] == [1, 2, 3]
    assert "diff" in records["sequential"].columns and records["did"] is None and records["skipped"] == []
    # CUPED: the adjusted and the unadjusted comparison of each adjusted metric, side by side
    cuped = result.cuped.set_index("method")
    aht = row(result, "aht_minutes")
    assert list(result.cuped["metric"].unique()) == ["aht_minutes"]
    assert cuped.loc["cuped", "estimate"] == aht["estimate"] and cuped.loc["unadjusted", "se"] == aht["se_unadjusted"]
    assert records["cuped_variance_reduction"] == {"aht_minutes": aht["variance_reduction"]}
    # unit of analysis: the ticket-level ratio metric whose naive error is most wrong
    ratio = result.unit_methods[result.unit_methods["method"] == "delta_method"].set_index("metric")
    assert set(ratio.index) == {"fcr_rate", "handle_time_per_ticket", "escalation_rate"}
    assert result.unit_metric == ratio["se_ratio_to_naive"].idxmax()
    assert result.power.set_index("metric").loc["fcr_rate", "n_actual"] == min(result.units_per_arm.values())
    assert 0 <= records["aa_false_positive_rate"] <= 1


def test_analyse_reads_a_report_period_and_a_rollout(data):
    rollout = {"group_column": "team", "treated": ["team_c"], "date": "2025-09-01"}
    res = abtest.analyse(data, metrics={"fcr_rate": METRICS["fcr_rate"]}, planned_split=SPLIT,
                         experiment_id="smart_triage", period="2026-03", looks=2, aa_splits=20, rollout=rollout)
    assert res.period.last_day == pd.Timestamp("2026-03-31") and res.units["assigned_at"].max() < pd.Timestamp("2026-04-01")
    assert [n.code for n in res.notes] == ["ab_period_used", "ab_looks_derived", "ab_did_window_derived"]
    assert res.note("ab_period_used").params["period"] == "2026-03"
    assert [f"{d:%m-%d}" for d in res.look_dates] == ["03-16", "03-31"]
    did = res.records()["did"]
    assert did["diff"] == pytest.approx(TRUTH["default_dataset"]["rollout"]["did_minutes"], abs=1e-3)
    assert res.did_pre_trend_p > 0.05 and res.did_groups == 6
    assert {"period_start", "group", "estimate", "ci_low", "ci_high", "n"} <= set(res.did_trend.columns)


def test_did_trend_intervals_are_student_t_means(data):
    args = {"outcome": "handle_time_minutes", "group_column": "team", "treated": ["team_c"],
            "change_date": "2025-09-01", "window": ("2025-03-01", "2026-02-28"), "cluster": "customer_id"}
    trend, _ = abtest.pre_trends(data.tickets, confidence=0.9, **args)
    first = trend.iloc[0]
    t = data.tickets
    month = t[(t["created_at"] >= first["period_start"]) & (t["created_at"] < first["period_start"] + pd.DateOffset(months=1))]
    values = month.loc[(month["team"] == "team_c") == (first["group"] == "treated"), "handle_time_minutes"].dropna()
    ref = st.t.interval(0.9, values.size - 1, loc=values.mean(), scale=st.sem(values))
    assert (first["estimate"], first["ci_low"], first["ci_high"]) == pytest.approx((values.mean(), *ref))


def test_a_primary_that_crosses_no_boundary_does_not_ship(data):
    res = abtest.analyse(data, metrics={"fcr_rate": METRICS["fcr_rate"]}, planned_split=SPLIT,
                         experiment_id="smart_triage", looks=2, planned_units=10**6, aa_splits=20)
    assert row(res, "fcr_rate")["verdict"] == "improved" and not res.sequential["crossed"].any()
    assert res.sequential_blocked and res.decision == "inconclusive"
    assert res.records()["metrics"]["fcr_rate"]["verdict"] == "no_change"


def _shown(monkeypatch):
    """What the report's sections display, as text (charts closed)."""
    shown = []
    monkeypatch.setattr(report, "display", lambda obj: shown.append(getattr(obj, "data", None) or
                                                                      getattr(obj, "plain", None) or repr(obj)))
    monkeypatch.setattr(report.plt, "show", lambda: (shown.append("<chart>"), plt.close("all")))
    return shown


SECTIONS = ("show_title", "show_warnings", "show_results", "show_rollout", "show_appendix", "show_assignment",
            "show_unit_of_analysis", "show_cuped", "show_sequential", "show_power", "show_aa", "show_method")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_section_shows_in_both_languages(result, lang, monkeypatch):
    shown = _shown(monkeypatch)
    for name in SECTIONS:
        assert getattr(report, name)(result, lang) is None
    text = "\n".join(map(str, shown))
    assert shown.count("<chart>") == 4  # lift, unit of analysis, CUPED, sequential (no rollout)
    assert label("handle_time_per_ticket", lang) in text and report.experiment_label("smart_triage", lang) in text
    assert ("parameter rollout" if lang == "en" else "非随机上线（rollout）") in text  # the parameter, labelled
    found = report.findings(result, lang)
    assert found[0].status == "improved" and len(found) <= 5


def test_sections_of_a_failed_assignment_and_few_clusters(data, monkeypatch):
    units = data.assignments.copy()
    regions = data.customers.set_index("customer_id")["region"]
    units["cluster_id"] = units["unit_id"].map(regions).astype(STR)
    names = sorted(units["cluster_id"].unique())
    units["variant"] = units["cluster_id"].map({n: ("control", "treatment")[i % 2] for i, n in enumerate(names)})
    res = analyse(replace(data, assignments=units))
    shown = _shown(monkeypatch)
    for name in SECTIONS:
        getattr(report, name)(res, "en")
    text = "\n".join(map(str, shown))
    assert "> **" in text  # the loud warnings: too few clusters (and, with this split, the SRM)
    assert "The A/A check is left out" in text and res.records()["aa_false_positive_rate"] is None
