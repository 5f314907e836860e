"""csm.stats against scipy/statsmodels references and hand calculations."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats as st
from statsmodels.stats.meta_analysis import combine_effects
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint, proportions_ztest
from statsmodels.stats import rates as sm_rates

from csm import stats
from csm.errors import AnalysisError, ParameterError


# ----------------------------------------------------------------------------- proportions
@pytest.mark.parametrize("k,n", [(0, 10), (3, 10), (10, 10), (1, 1), (47, 120), (999, 1000)])
@pytest.mark.parametrize("conf", [0.90, 0.95])
def test_wilson_matches_statsmodels(k, n, conf):
    got = stats.wilson_interval(k, n, confidence=conf).iloc[0]
    lo, hi = proportion_confint(k, n, alpha=1 - conf, method="wilson")
    assert got["estimate"] == pytest.approx(k / n)
    assert got["ci_low"] == pytest.approx(lo, abs=1e-12)
    assert got["ci_high"] == pytest.approx(hi, abs=1e-12)
    assert got["n"] == n


def test_wilson_vectorised_keeps_index_and_handles_empty():
    k = pd.Series([3, 0], index=["a", "b"])
    out = stats.wilson_interval(k, pd.Series([10, 0], index=["a", "b"]))
    assert list(out.index) == ["a", "b"]
    assert out.loc["b"].isna()[["estimate", "ci_low", "ci_high"]].all()
    with pytest.raises(ParameterError, match="between 0 and trials"):
        stats.wilson_interval(11, 10)
    with pytest.raises(ParameterError, match="confidence"):
        stats.wilson_interval(1, 10, confidence=95)


def test_proportion_difference_matches_statsmodels():
    got = stats.proportion_difference(45, 60, 30, 55).iloc[0]
    lo, hi = confint_proportions_2indep(45, 60, 30, 55, method="newcomb", compare="diff")
    z, p = proportions_ztest([45, 30], [60, 55])
    assert got["estimate"] == pytest.approx(45 / 60 - 30 / 55)
    assert (got["ci_low"], got["ci_high"]) == pytest.approx((lo, hi), abs=1e-10)
    assert got["z"] == pytest.approx(z)
    assert got["p_value"] == pytest.approx(p)


# ----------------------------------------------------------------------------- means and medians
def test_mean_interval_matches_scipy_t():
    x = np.array([4.0, 5, 3, 5, 1, 4, 4])
    got = stats.mean_interval(x).iloc[0]
    lo, hi = st.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=st.sem(x))
    assert got["estimate"] == pytest.approx(x.mean())
    assert (got["ci_low"], got["ci_high"]) == pytest.approx((lo, hi))
    assert got["n"] == 7
    # missing values are dropped; one value gives no interval
    assert stats.mean_interval([2.0, np.nan]).iloc[0][["estimate", "n"]].tolist() == [2.0, 1]
    assert np.isnan(stats.mean_interval([2.0]).iloc[0]["ci_low"])


def test_mean_difference_matches_scipy_welch():
    a = np.array([3.1, 4.2, 5.0, 4.4, 3.9, 4.8])
    b = np.array([2.0, 3.5, 2.9, 4.1, 3.3, 2.2, 3.0, 2.7])
    ref = st.ttest_ind(a, b, equal_var=False)
    ci = ref.confidence_interval(0.95)
    got = stats.mean_difference(a, b).iloc[0]
    assert got["estimate"] == pytest.approx(a.mean() - b.mean())
    assert got["t"] == pytest.approx(ref.statistic)
    assert got["dof"] == pytest.approx(ref.df)  # Welch–Satterthwaite degrees of freedom
    assert got["p_value"] == pytest.approx(ref.pvalue)
    assert (got["ci_low"], got["ci_high"]) == pytest.approx((ci.low, ci.high))


def test_median_ci_ranks_hand_values_and_brute_force():
    # n = 10 at 95%: the classic ranks 2 and 9, coverage 1 − 2·P(B ≤ 1) = 1 − 2·11/1024
    lo, hi, cov = stats.median_ci_ranks([10])
    assert (lo[0], hi[0]) == (2, 9)
    assert cov[0] == pytest.approx(1 - 2 * 11 / 1024)
    # too small for 95%: n = 5 (P(B ≤ 0) = 1/32 > 2.5%)
    assert stats.median_ci_ranks([5])[0][0] == 0
    ns = np.arange(6, 150)
    lo, hi, cov = stats.median_ci_ranks(ns)
    for n, l, u, c in zip(ns, lo, hi, cov):
        cdf = st.binom.cdf(np.arange(n), n, 0.5)
        j = np.flatnonzero(cdf <= 0.025).max()
        assert (l, u) == (j + 1, n - j)
        assert c >= 0.95
        assert 1 - 2 * st.binom.cdf(j + 1, n, 0.5) < 0.95  # the next narrower interval would fall short


def test_median_interval_picks_order_statistics():
    x = np.array([9.0, 1, 8, 2, 7, 3, 6, 4, 5, 10])
    got = stats.median_interval(x).iloc[0]
    assert got["estimate"] == 5.5
    assert (got["ci_low"], got["ci_high"]) == (2.0, 9.0)  # x(2), x(9)
    small = stats.median_interval([1.0, 2, 3]).iloc[0]
    assert small["estimate"] == 2 and np.isnan(small["ci_low"])


def test_median_interval_coverage_by_simulation():
    rng = np.random.default_rng(3)
    x = rng.exponential(size=(2000, 25))
    lo, hi, cov = stats.median_ci_ranks([25])
    xs = np.sort(x, axis=1)
    covered = (xs[:, lo[0] - 1] <= np.log(2)) & (xs[:, hi[0] - 1] >= np.log(2))
    assert covered.mean() == pytest.approx(cov[0], abs=0.02)


# ----------------------------------------------------------------------------- NPS
def test_nps_interval_hand_calculation():
    scores = [10] * 50 + [7] * 30 + [3] * 20  # 50% promoters, 20% detractors
    got = stats.nps_interval(scores).iloc[0]
    se = 100 * np.sqrt((0.5 + 0.2 - 0.3**2) / 100)
    assert got["estimate"] == pytest.approx(30.0)
    assert got["se"] == pytest.approx(se)
    assert got["ci_low"] == pytest.approx(30 - 1.959963985 * se)
    assert got["ci_high"] == pytest.approx(30 + 1.959963985 * se)
    assert (got["promoters"], got["detractors"], got["n"]) == (50, 20, 100)
    with pytest.raises(ParameterError, match="0 and 10"):
        stats.nps_interval([11, 5])


def test_nps_difference_z_test_hand_calculation():
    a = [10] * 60 + [8] * 20 + [2] * 20   # NPS 40
    b = [9] * 40 + [7] * 30 + [0] * 30    # NPS 10
    got = stats.nps_difference_test(a, b).iloc[0]
    va = (0.6 + 0.2 - 0.4**2) / 100
    vb = (0.4 + 0.3 - 0.1**2) / 100
    se = 100 * np.sqrt(va + vb)
    z = 30 / se
    assert got["estimate"] == pytest.approx(30)
    assert got["z"] == pytest.approx(z)
    assert got["p_value"] == pytest.approx(2 * st.norm.sf(z))
    assert got["ci_low"] == pytest.approx(30 - st.norm.ppf(0.975) * se)


def test_nps_interval_coverage_by_simulation():
    rng = np.random.default_rng(7)
    probs = np.array([0.2, 0.3, 0.5])  # detractor, passive, promoter; true NPS = 30
    counts = rng.multinomial(400, probs, size=4000)
    out = stats.nps_interval_from_counts(counts[:, 2], counts[:, 0], 400)
    covered = (out["ci_low"] <= 30) & (out["ci_high"] >= 30)
    assert covered.mean() == pytest.approx(0.95, abs=0.015)


# ----------------------------------------------------------------------------- counts and rates
@pytest.mark.parametrize("k", [0, 1, 7, 250])
def test_poisson_interval_matches_statsmodels_exact(k):
    got = stats.poisson_interval(k, 2.0).iloc[0]
    lo, hi = sm_rates.confint_poisson(k, 2.0, method="exact-c")
    assert got["estimate"] == k / 2
    assert got["ci_low"] == pytest.approx(lo, abs=1e-12)
    assert got["ci_high"] == pytest.approx(hi)


def test_rate_ratio_exact_conditional():
    k1, e1, k2, e2 = 30, 31.0, 18, 28.0
    got = stats.rate_ratio_test(k1, e1, k2, e2).iloc[0]
    ref = sm_rates.test_poisson_2indep(k1, e1, k2, e2, method="exact-cond")
    assert got["estimate"] == pytest.approx((30 / 31) / (18 / 28))
    assert got["p_value"] == pytest.approx(ref.pvalue, rel=1e-6)
    # interval: Clopper–Pearson for π = k1/K mapped to the rate ratio
    pl, pu = proportion_confint(k1, k1 + k2, method="beta")
    assert got["ci_low"] == pytest.approx(pl / (1 - pl) * e2 / e1)
    assert got["ci_high"] == pytest.approx(pu / (1 - pu) * e2 / e1)
    none = stats.rate_ratio_test(0, 1, 0, 1).iloc[0]
    assert np.isnan(none["estimate"])


# ----------------------------------------------------------------------------- shrinkage
def _simulate_binomial_groups(seed, G=1500, a=8.0, b=2.0):
    rng = np.random.default_rng(seed)
    p = rng.beta(a, b, G)
    n = rng.integers(5, 200, G)
    k = rng.binomial(n, p)
    return p, k, n


@pytest.mark.parametrize("method", ["mom", "ml"])
def test_shrink_proportions_recovers_prior_and_beats_raw(method):
    p, k, n = _simulate_binomial_groups(11)
    res = stats.shrink_proportions(k, n, method=method)
    assert res.prior["mean"] == pytest.approx(0.8, abs=0.01)
    assert res.prior["strength"] == pytest.approx(10.0, rel=0.25)
    s = res.summary
    mse_raw = np.mean((s["raw"] - p) ** 2)
    mse_shrunk = np.mean((s["estimate"] - p) ** 2)
    assert mse_shrunk < 0.8 * mse_raw
    # posterior intervals are calibrated when the prior is right
    assert ((s["ci_low"] <= p) & (p <= s["ci_high"])).mean() == pytest.approx(0.95, abs=0.03)
    # small groups are pulled harder than large ones
    assert s["weight_raw"].iloc[np.argmin(n)] < s["weight_raw"].iloc[np.argmax(n)]


def test_shrink_proportions_ml_maximises_beta_binomial_likelihood():
    _, k, n = _simulate_binomial_groups(5, G=300)
    res = stats.shrink_proportions(k, n, method="ml")
    a, b = res.prior["alpha"], res.prior["beta"]

    def loglik(a, b):
        return st.betabinom.logpmf(k, n, a, b).sum()

    best = loglik(a, b)
    mom = stats.shrink_proportions(k, n, method="mom").prior
    assert best >= loglik(mom["alpha"], mom["beta"]) - 1e-6
    for fa in (0.9, 1.1):
        for fb in (0.9, 1.1):
            assert best >= loglik(a * fa, b * fb)


def test_shrink_proportions_posterior_hand_values():
    # prior is fitted, then posterior mean must be (k + α)/(n + α + β) for every group
    res = stats.shrink_proportions([5, 40, 3, 20], [5, 50, 10, 30])
    a, b = res.prior["alpha"], res.prior["beta"]
    s = res.summary
    np.testing.assert_allclose(s["estimate"], (s["successes"] + a) / (s["n"] + a + b))
    np.testing.assert_allclose(s["ci_low"], st.beta.ppf(0.025, a + s["successes"], b + s["n"] - s["successes"]))
    with pytest.raises(AnalysisError, match="at least 2 groups"):
        stats.shrink_proportions([3], [10])


def test_shrink_proportions_no_spread_pools_completely():
    res = stats.shrink_proportions([50, 50, 50], [100, 100, 100])
    assert res.summary["estimate"].to_numpy() == pytest.approx(0.5, abs=1e-4)


def test_shrink_means_dl_matches_statsmodels_meta_analysis():
    rng = np.random.default_rng(2)
    n = rng.integers(3, 80, 25)
    y = rng.normal(4.0, 0.3, 25) + rng.normal(0, 1, 25) / np.sqrt(n)
    res = stats.shrink_means(y, n, within_sd=1.0, method="mom")
    ref = combine_effects(y, 1.0 / n, method_re="dl")
    assert res.prior["tau2"] == pytest.approx(ref.tau2)
    assert res.prior["mean"] == pytest.approx(ref.mean_effect_re)
    B = (1 / n) / (1 / n + ref.tau2)
    np.testing.assert_allclose(res.summary["estimate"], ref.mean_effect_re + (1 - B) * (y - ref.mean_effect_re))


def test_shrink_means_ml_maximises_marginal_likelihood_and_beats_raw():
    rng = np.random.default_rng(4)
    G = 400
    theta = rng.normal(6.0, 0.8, G)
    n = rng.integers(2, 60, G)
    y = theta + rng.normal(0, 3.0, G) / np.sqrt(n)
    res = stats.shrink_means(y, n, within_sd=3.0, method="ml")
    v = 9.0 / n

    def loglik(tau2):
        w = 1 / (v + tau2)
        mu = np.sum(w * y) / w.sum()
        return -0.5 * np.sum(np.log(v + tau2) + w * (y - mu) ** 2)

    grid = np.linspace(0, 3, 3001)
    assert res.prior["tau2"] == pytest.approx(grid[np.argmax([loglik(t) for t in grid])], abs=2e-3)
    assert res.prior["tau"] == pytest.approx(0.8, abs=0.12)
    s = res.summary
    assert np.mean((s["estimate"] - theta) ** 2) < 0.7 * np.mean((s["raw"] - theta) ** 2)
    assert ((s["ci_low"] <= theta) & (theta <= s["ci_high"])).mean() == pytest.approx(0.95, abs=0.04)


def test_shrink_means_rejects_zero_spread_and_keeps_index():
    with pytest.raises(AnalysisError, match="standard deviation"):
        stats.shrink_means([4.0, 5.0], [3, 3], within_sd=[0.0, 1.0])
    res = stats.shrink_means(pd.Series([4.0, 5.0, 4.5], index=["x", "y", "z"]), [10, 10, 10], within_sd=1.0)
    assert list(res.summary.index) == ["x", "y", "z"]


# ----------------------------------------------------------------------------- multiplicity
@pytest.mark.parametrize("method,sm", [("holm", "holm"), ("bh", "fdr_bh")])
def test_adjust_pvalues_matches_multipletests_and_skips_missing(method, sm):
    p = pd.Series([0.01, 0.04, np.nan, 0.03, 0.5], index=list("abcde"))
    out = stats.adjust_pvalues(p, method=method)
    rej, adj, _, _ = multipletests(p.dropna().to_numpy(), method=sm)
    np.testing.assert_allclose(out["p_adjusted"].dropna(), adj)
    assert out["reject"].dropna().tolist() == [rej[0], rej[1], False, rej[2], rej[3]]
    assert np.isnan(out.loc["c", "p_adjusted"])
    with pytest.raises(ParameterError, match="method"):
        stats.adjust_pvalues([0.1], method="nope")
