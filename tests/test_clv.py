"""csm.customers.clv: BG/NBD, MBG/NBD and Gamma-Gamma against simulated truth, published values and hand computations."""
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csm.customers import clv
from csm.data import sample as S
from csm.errors import AnalysisError, ParameterError

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "data" / "sample"
BG = {"r": 0.75, "alpha": 12.0, "a": 0.8, "b": 2.6}
GG = {"p": 6.0, "q": 4.0, "v": 120.0}


@pytest.fixture(scope="module")
def simulated():
    """30,000 customers from the sample data's BG/NBD + Gamma-Gamma parameters, T uniform 10–180 weeks."""
    T = np.random.default_rng(7).uniform(10, 180, 30_000)
    return clv.simulate_bgnbd(30_000, **BG, T=T, seed=11, **GG)


def _within(fit_summary: pd.DataFrame, truth: dict, n_se: float, rel: float):
    """Each estimate within n_se of its own standard error AND within rel (relative) of the truth."""
    s = fit_summary.set_index("parameter")
    for key, true in truth.items():
        est, se = s.loc[key, "estimate"], s.loc[key, "se"]
        assert abs(est - true) < n_se * se, (key, est, se, true)
        assert abs(est / true - 1) < rel, (key, est, true)


def test_bgnbd_recovers_simulated_parameters(simulated):
    # At n = 30,000 the fitted standard errors are ~1% (r, alpha) to ~4% (a, b) of the values; a correct
    # estimator is within 4 SE (p ≈ 6e-5 per parameter to fail by chance); 20% is a loose sanity bound.
    fit = clv.fit_bgnbd(simulated["frequency"], simulated["recency"], simulated["T"])
    assert set(fit.params) == {"r", "alpha", "a", "b"}
    _within(fit.summary, BG, 4, 0.20)
    assert math.isclose(fit.loglik, clv._bgnbd_loglik(list(fit.params.values()), simulated["frequency"].to_numpy(),
                                                      simulated["recency"].to_numpy(), simulated["T"].to_numpy(),
                                                      False).sum(), rel_tol=1e-9)
    # the true parameters fit worse than the MLE
    truth_ll = clv._bgnbd_loglik(list(BG.values()), simulated["frequency"].to_numpy(), simulated["recency"].to_numpy(),
                                 simulated["T"].to_numpy(), False).sum()
    assert truth_ll < fit.loglik


def test_gamma_gamma_recovers_simulated_parameters(simulated):
    fit = clv.fit_gamma_gamma(simulated["frequency"], simulated["monetary_value"])
    assert set(fit.params) == {"p", "q", "v"}
    assert fit.n == int((simulated["frequency"] > 0).sum())
    _within(fit.summary, GG, 4, 0.20)
    assert abs(fit.mean_spend / 240 - 1) < 0.05  # p v / (q - 1) = 240


def test_mbgnbd_recovers_simulated_parameters():
    T = np.random.default_rng(3).uniform(20, 150, 30_000)
    truth = {"r": 0.9, "alpha": 10.0, "a": 1.5, "b": 6.0}
    sim = clv.simulate_bgnbd(30_000, **truth, T=T, seed=5, modified=True)
    fit = clv.fit_mbgnbd(sim["frequency"], sim["recency"], sim["T"])
    assert fit.model == "mbgnbd"
    _within(fit.summary, truth, 4, 0.25)
    # one-time buyers are not all alive under MBG/NBD, but are under BG/NBD
    zero = sim[sim["frequency"] == 0].head(100)
    assert np.all(fit.p_alive(zero["frequency"], zero["recency"], zero["T"]) < 1)
    bg = clv.fit_bgnbd(sim["frequency"], sim["recency"], sim["T"])
    assert np.all(bg.p_alive(zero["frequency"], zero["recency"], zero["T"]) == 1)


def test_conditional_expectation_matches_published_cdnow_example():
    # Fader, Hardie & Lee (2005a), CDNOW: r .243, alpha 4.414, a .793, b 2.426; a customer with x = 2,
    # t_x = 30.43, T = 38.86 weeks is expected to make 1.226 purchases in the next 39 weeks.
    m = clv.BGNBDModel(params={"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, loglik=0.0, n=1)
    assert m.expected_purchases(39, [2], [30.43], [38.86])[0] == pytest.approx(1.226, abs=5e-4)
    # a new customer (x = t_x = T = 0) has the unconditional E[X(t)]
    assert m.expected_purchases([39, 78], [0, 0], [0, 0], [0, 0]) == pytest.approx(m.expected_purchases_new([39, 78]))


def test_expected_purchases_new_matches_simulation():
    sim = clv.simulate_bgnbd(200_000, **BG, T=52.0, seed=2)
    m = clv.BGNBDModel(params=BG, loglik=0.0, n=1)
    expected = m.expected_purchases_new(52.0)
    se = sim["frequency"].std() / math.sqrt(len(sim))
    assert abs(sim["frequency"].mean() - expected) < 4 * se


def test_p_alive_by_hand():
    m = clv.BGNBDModel(params=BG, loglik=0.0, n=1)
    x, tx, T = 3, 20.0, 50.0
    by_hand = 1 / (1 + BG["a"] / (BG["b"] + x - 1) * ((BG["alpha"] + T) / (BG["alpha"] + tx)) ** (BG["r"] + x))
    assert m.p_alive([x], [tx], [T])[0] == pytest.approx(by_hand, rel=1e-12)
    assert m.p_alive([0], [0], [50.0])[0] == 1.0


def test_sample_data_fit_matches_reference_and_observation_end_matters(sample_tables):
    tx, customers = sample_tables["transactions"], sample_tables["customers"]
    end = pd.Timestamp("2026-06-30 23:59:59")  # the sample data are as of this instant
    churn = customers.set_index("customer_id")["churn_date"]
    summary = clv.rfm_summary(tx, calibration_end=end, observation_end=churn)
    fit = clv.fit_bgnbd(summary["frequency"], summary["recency"], summary["T"])
    ref = S.TRUTH["transactions"]["fit_check"]
    for key in ("r", "alpha", "a", "b"):
        assert fit.params[key] == pytest.approx(ref["T_to_churn"][key], rel=0.01), key
    naive = clv.rfm_summary(tx, calibration_end=end)
    fit_naive = clv.fit_bgnbd(naive["frequency"], naive["recency"], naive["T"])
    for key in ("r", "alpha", "a", "b"):
        assert fit_naive.params[key] == pytest.approx(ref["T_to_end"][key], rel=0.01), key


@pytest.fixture(scope="module")
def sample_tables():
    from csm.data.load import load_tables

    data = load_tables(SAMPLE_DIR, tables=["customers", "transactions"])
    return {"transactions": data.transactions, "customers": data.customers}


def test_rfm_summary_by_hand():
    d = pd.Timestamp
    tx = pd.DataFrame({
        "customer_id": ["A", "A", "A", "B", "C", "C", "C"],
        "transaction_date": [d("2026-01-01"), d("2026-01-15"), d("2026-02-12"), d("2026-01-08"),
                             d("2026-01-01"), d("2026-01-29"), d("2026-03-05")],
        "amount": [10.0, 20.0, 40.0, 5.0, 100.0, 50.0, 70.0]})
    s = clv.rfm_summary(tx, calibration_end=d("2026-02-26"), holdout_end=d("2026-03-26"),
                        observation_end=pd.Series({"C": d("2026-02-05")}))
    assert s.loc["A", "frequency"] == 2 and s.loc["A", "recency"] == pytest.approx(6.0)
    assert s.loc["A", "T"] == pytest.approx(8.0) and s.loc["A", "monetary_value"] == pytest.approx(30.0)
    assert s.loc["B", "frequency"] == 0 and s.loc["B", "recency"] == 0 and s.loc["B", "T"] == pytest.approx(7.0)
    assert s.loc["B", "monetary_value"] == 0
    # C left on 2026-02-05: T ends there, the purchase after it is ignored, no holdout time
    assert s.loc["C", "frequency"] == 1 and s.loc["C", "T"] == pytest.approx(5.0)
    assert s.loc["C", "frequency_holdout"] == 0 and s.loc["C", "duration_holdout"] == 0
    assert s.loc["A", "duration_holdout"] == pytest.approx(4.0)


def test_discounted_clv_reduces_to_expected_purchases_times_spend_without_discount(simulated):
    bg = clv.BGNBDModel(params=BG, loglik=0.0, n=1)
    gg = clv.GammaGammaModel(params=GG, loglik=0.0, n=1)
    s = simulated.head(50)
    out = clv.discounted_clv(bg, gg, s, horizon_months=12, annual_discount_rate=0.0, margin=0.3)
    weeks = 12 * clv.WEEKS_PER_MONTH
    expected = 0.3 * gg.expected_spend(s["frequency"], s["monetary_value"]) * bg.expected_purchases(
        weeks, s["frequency"], s["recency"], s["T"])
    assert out["clv"].to_numpy() == pytest.approx(expected, rel=1e-9)
    discounted = clv.discounted_clv(bg, gg, s, horizon_months=12, annual_discount_rate=0.2)
    assert np.all(discounted["clv"] <= out["clv"] / 0.3 + 1e-9)
    # Gamma-Gamma conditional spend by hand: p (v + x m) / (p x + q - 1)
    assert gg.expected_spend([3], [200.0])[0] == pytest.approx(6 * (120 + 600) / (18 + 3))


def test_ill_posed_inputs_raise_clear_errors():
    zeros = np.zeros(500)
    with pytest.raises(AnalysisError, match="none of the 500 customers has a repeat purchase"):
        clv.fit_bgnbd(zeros, zeros, np.full(500, 30.0))
    with pytest.raises(ParameterError, match="recency must not exceed T"):
        clv.fit_bgnbd([1, 2], [5.0, 40.0], [10.0, 30.0])
    with pytest.raises(ParameterError, match="recency must be 0"):
        clv.fit_bgnbd([0, 2], [5.0, 4.0], [10.0, 30.0])
    with pytest.raises(AnalysisError, match="same mean spend"):
        clv.fit_gamma_gamma([1, 2, 3, 4], [10.0, 10.0, 10.0, 10.0])
    with pytest.raises(AnalysisError, match="edge of the parameter space|did not converge"):
        # everybody buys again right at the end and nobody drops out: dropout is not identified
        n = 400
        clv.fit_bgnbd(np.full(n, 3.0), np.full(n, 50.0), np.full(n, 50.0))


def test_seed_clv_by_hand():
    d = pd.Timestamp
    customers = pd.DataFrame({"customer_id": ["a", "b", "c"], "tier": ["VIP", "VIP", "standard"],
                              "signup_date": [d("2024-01-01"), d("2025-01-01"), d("2024-01-01")],
                              "churn_date": [pd.NaT, d("2025-07-02"), d("2025-01-01")],
                              "revenue": [1000.0, 300.0, 200.0]})
    out = clv.seed_clv(customers, as_of=d("2026-01-01"), min_churners=1, lifetime_cap_years=5).set_index("tier")
    years_vip = (d("2026-01-01") - d("2024-01-01")).days / 365.25 + (d("2025-07-02") - d("2025-01-01")).days / 365.25
    contribution = 1300 / years_vip
    rate = 1 / years_vip  # one churn over the exposure
    assert out.loc["VIP", "lifetime_years"] == pytest.approx(1 / rate)
    assert out.loc["VIP", "estimate"] == pytest.approx(contribution * (1 - np.exp(-5 * rate)) / rate)
    assert out.loc["VIP", "ci_low"] < out.loc["VIP", "estimate"] < out.loc["VIP", "ci_high"] < contribution * 5
    # the default needs 20 churners per group: one churn is not estimated
    default = clv.seed_clv(customers, as_of=d("2026-01-01")).set_index("tier")
    assert not default["estimated"].any() and default["estimate"].isna().all()


def test_seed_clv_recovers_planted_churn_and_caps_long_lifetimes():
    """Constant planted churn hazards per plan, customers signed up uniformly over 6 years: the rate is recovered,
    the capped lifetime is the truth's E[min(T, cap)], the plan with an implausible 1/rate is flagged as beyond
    follow-up, and a plan with fewer than min_churners churns is not estimated."""
    rng = np.random.default_rng(5)
    as_of = pd.Timestamp("2024-06-30")
    rates = {"monthly": 0.30, "two_year": 0.006, "tiny": 0.05}  # per year
    sizes = {"monthly": 4000, "two_year": 8000, "tiny": 40}
    frames = []
    for plan, lam in rates.items():
        n = sizes[plan]
        since = rng.uniform(0, 6, n)  # years before as_of
        life = rng.exponential(1 / lam, n)
        churned = life < since
        signup = as_of - pd.to_timedelta(since * 365.25, unit="D")
        frames.append(pd.DataFrame({"plan": plan, "signup_date": signup,
                                    "churn_date": signup.where(churned) + pd.to_timedelta(np.where(churned, life, 0) * 365.25, unit="D"),
                                    "revenue": 100.0 * np.minimum(life, since)}))
    customers = pd.concat(frames, ignore_index=True).assign(churn_date=lambda f: f["churn_date"].where(
        f["churn_date"].notna()))
    out = clv.seed_clv(customers, as_of=as_of, by="plan", lifetime_cap_years=5, min_churners=20).set_index("plan")
    cap = 5.0
    for plan in ("monthly", "two_year"):
        lam = rates[plan]
        row = out.loc[plan]
        assert abs(row["churn_rate_per_year"] / lam - 1) < 0.25
        truth = 100.0 * (1 - np.exp(-lam * cap)) / lam  # contribution 100 a year × E[min(T, 5)]
        assert row["ci_low"] < truth < row["ci_high"], (plan, row.to_dict())
        assert row["estimate"] <= 100.0 * cap
    assert out.loc["two_year", "beyond_follow_up"] and not out.loc["monthly", "beyond_follow_up"]
    assert out.loc["two_year", "lifetime_years"] > 100  # the uncapped figure the report no longer shows as CLV
    assert out.loc["tiny", "churned"] < 20 and not out.loc["tiny", "estimated"] and np.isnan(out.loc["tiny", "estimate"])


def test_model_tiers_counts_and_kappa():
    values = pd.Series(np.arange(1, 11, dtype=float), index=list("abcdefghij"))
    recorded = pd.Series(["VIP"] + ["standard"] * 8 + ["VIP"], index=list("abcdefghij"))
    out = clv.model_tiers(values, recorded, top_share=0.1)
    cell = out.set_index(["recorded_tier", "model_tier"])["customers"]
    assert cell[("VIP", "VIP")] == 1 and cell[("standard", "VIP")] == 0 and cell[("VIP", "standard")] == 1
    po, pe = 9 / 10, (2 * 1 + 8 * 9) / 100
    assert out["kappa"].iloc[0] == pytest.approx((po - pe) / (1 - pe))


def test_fits_converge_to_the_same_estimates_whatever_the_summation_order(simulated):
    """Another CPU or BLAS kernel sums the log-likelihood in another order (different rounding); the polished
    fits must not depend on it beyond ~1e-7 relative, so the report's 3-decimal tables are portable."""
    order = np.random.default_rng(3).permutation(len(simulated))
    shuffled = simulated.iloc[order]
    for fit, cols in ((clv.fit_bgnbd, ("frequency", "recency", "T")), (clv.fit_mbgnbd, ("frequency", "recency", "T")),
                      (clv.fit_gamma_gamma, ("frequency", "monetary_value"))):
        a = fit(*(simulated[c] for c in cols)).params
        b = fit(*(shuffled[c] for c in cols)).params
        assert all(abs(a[k] / b[k] - 1) < 1e-7 for k in a), (fit.__name__, a, b)
    assert clv.STEP_TOL == 1e-7 and clv.GRADIENT_TOL == 1e-6  # the tolerances the README states


def test_purchase_and_spend_models_expose_standard_errors():
    x, t_x, T = clv.simulate_bgnbd(2000, r=0.75, alpha=12.0, a=0.8, b=2.6, T=52.0, seed=1)[["frequency", "recency", "T"]].T.to_numpy()
    m = clv.fit_bgnbd(x, t_x, T)
    assert set(m.standard_errors) == {"r", "alpha", "a", "b"}
    assert all(v > 0 for v in m.standard_errors.values())
    assert m.standard_errors["r"] == pytest.approx(m.summary.set_index("parameter").loc["r", "se"])
