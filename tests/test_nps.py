"""csm.customers.nps: NPS tables against the formula, differences against csm.stats, detractor drivers."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csm.customers import nps
from csm.errors import DataError, ParameterError
from csm.stats import nps_difference_test, nps_interval

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "data" / "sample"


def _responses():
    scores = [10, 9, 9, 8, 7, 6, 3, 0, 10, 10, 5, 9, np.nan]
    return pd.DataFrame({"response_id": [f"R{i}" for i in range(len(scores))],
                         "customer_id": [f"C{i % 4}" for i in range(len(scores))],
                         "submitted_at": pd.date_range("2026-01-01", periods=len(scores), freq="5D"),
                         "nps": scores, "tier": ["VIP"] * 6 + ["standard"] * 7})


def test_nps_table_matches_the_formula():
    r = _responses()
    out = nps.nps_table(r).iloc[0]
    n, P, D = 12, 6, 4
    p_p, p_d = P / n, D / n
    assert out["n"] == n and out["promoters"] == P and out["detractors"] == D
    assert out["estimate"] == pytest.approx(100 * (p_p - p_d))
    se = 100 * np.sqrt((p_p + p_d - (p_p - p_d) ** 2) / n)
    assert out["ci_low"] == pytest.approx(100 * (p_p - p_d) - 1.959964 * se, abs=1e-4)
    assert out["ci_high"] == pytest.approx(100 * (p_p - p_d) + 1.959964 * se, abs=1e-4)


def test_nps_by_group_period_and_difference_match_csm_stats():
    r = _responses()
    by = nps.nps_table(r, "tier").set_index("tier")
    for tier, sub in r.groupby("tier"):
        ref = nps_interval(sub["nps"].dropna()).iloc[0]
        assert by.loc[tier, "estimate"] == pytest.approx(ref["estimate"])
        assert by.loc[tier, "ci_high"] == pytest.approx(ref["ci_high"])
    diff = nps.nps_difference(r, "tier", "VIP", "standard").iloc[0]
    ref = nps_difference_test(r.loc[r.tier == "VIP", "nps"].dropna(), r.loc[r.tier == "standard", "nps"].dropna()).iloc[0]
    assert diff["estimate"] == pytest.approx(ref["estimate"]) and diff["p_value"] == pytest.approx(ref["p_value"])
    monthly = nps.nps_by_period(r, freq="M")
    assert monthly["n"].sum() == 12 and monthly["period_start"].is_monotonic_increasing
    with pytest.raises(ParameterError, match="no NPS responses in group 'gold'"):
        nps.nps_difference(r, "tier", "gold", "VIP")


def test_scores_outside_range_are_refused():
    r = _responses()
    r.loc[0, "nps"] = 11
    with pytest.raises(DataError, match="outside 0–10"):
        nps.nps_table(r)


def test_service_history_joins_the_surveyed_ticket():
    t = pd.DataFrame({"ticket_id": ["T1", "T2"], "customer_id": ["C0", "C1"], "channel": ["phone", "chat"],
                      "category": ["service_attitude", "logistics"],
                      "created_at": pd.to_datetime(["2026-01-01 08:00", "2026-01-02 08:00"]),
                      "first_response_at": pd.to_datetime(["2026-01-02 09:00", "2026-01-02 08:05"]),
                      "first_contact_resolved": pd.array([False, True], dtype="boolean"),
                      "escalated": pd.array([True, False], dtype="boolean"),
                      "reopened": pd.array([False, pd.NA], dtype="boolean"), "contacts": [7.0, 1.0]})
    r = pd.DataFrame({"response_id": ["R1", "R2", "R3"], "customer_id": ["C0", "C1", "C2"],
                      "ticket_id": ["T1", "T2", None], "submitted_at": pd.to_datetime(["2026-01-03"] * 3),
                      "nps": [2.0, 10.0, 8.0]})
    c = pd.DataFrame({"customer_id": ["C0", "C1", "C2"], "tier": ["VIP", "standard", "standard"]})
    h = nps.service_history(r, t, c).set_index("response_id")
    assert h.loc["R1", "fcr_failed"] == 1 and h.loc["R2", "fcr_failed"] == 0 and np.isnan(h.loc["R3", "fcr_failed"])
    assert h.loc["R1", "slow_first_response"] == 1 and h.loc["R2", "slow_first_response"] == 0
    assert h.loc["R1", "extra_contacts"] == 4  # capped at 4
    assert h.loc["R1", "service_attitude"] == 1 and h.loc["R1", "vip"] == 1 and h.loc["R3", "vip"] == 0


def test_detractor_model_recovers_simulated_odds_ratios():
    rng = np.random.default_rng(1)
    n = 20_000
    x1, x2 = rng.integers(0, 2, n), rng.poisson(1.0, n)
    logit = -0.5 + np.log(3.0) * x1 + np.log(0.7) * x2
    detractor = rng.random(n) < 1 / (1 + np.exp(-logit))
    h = pd.DataFrame({"nps": np.where(detractor, 3.0, 10.0), "x1": x1.astype(float), "x2": x2.astype(float)})
    h = pd.concat([h, pd.DataFrame({"nps": [7.0, 8.0], "x1": [1.0, 0.0], "x2": [0.0, 1.0]})])  # passives: left out
    m = nps.fit_detractor_model(h, ["x1", "x2"])
    s = m.summary.set_index("term")
    assert m.n == n
    assert s.loc["x1", "ci_low"] < 3.0 < s.loc["x1", "ci_high"]
    assert s.loc["x2", "ci_low"] < 0.7 < s.loc["x2", "ci_high"]
    assert s.loc["x1", "marginal_effect"] > 0 > s.loc["x2", "marginal_effect"]


def test_detractor_model_finds_the_planted_nps_drivers():
    from csm.data.load import load_tables

    data = load_tables(SAMPLE_DIR, tables=["tickets", "responses", "customers"])
    h = nps.service_history(data.responses, data.tickets, data.customers)
    s = nps.fit_detractor_model(h).summary.set_index("term")
    # SAMPLE_TRUTH §5: FCR +1.3, escalated -2.2, first response > 24h -2.6, contacts -0.45, reopened -1.2,
    # service_attitude -1.0 on the latent score -> detractor odds up; VIP +0.3 -> down
    for term in ("fcr_failed", "escalated", "slow_first_response", "extra_contacts", "reopened", "service_attitude"):
        assert s.loc[term, "ci_low"] > 1, term
    assert s.loc["vip", "ci_high"] < 1
    # the biggest latent effect (slow first response, -2.6) has a larger odds ratio than the FCR effect (1.3)
    assert s.loc["slow_first_response", "odds_ratio"] > s.loc["fcr_failed", "odds_ratio"]


def test_net_promoter_score_is_the_kpi_scorecards_nps():
    """One NPS: the per-response computation equals csm.kpi.net_promoter_score for a period."""
    from csm import kpi
    from csm.data.load import load_tables
    from csm.periods import parse_period

    responses = load_tables(SAMPLE_DIR, tables=["responses"]).responses
    for spec in ("2026-06", "2025-Q4"):
        period = parse_period(spec)
        mine = nps.net_promoter_score(responses, period).iloc[0]
        theirs = kpi.net_promoter_score(responses, period=(period.start, period.last_day)).iloc[0]
        for col in ("estimate", "ci_low", "ci_high", "n"):
            assert mine[col] == pytest.approx(theirs[col], rel=1e-12), (spec, col)


def test_detractor_model_has_the_fitted_model_shape():
    """params / standard_errors / loglik / predictions agree with statsmodels' Logit on the same data."""
    import statsmodels.api as sm

    rng = np.random.default_rng(11)
    n = 3000
    x1, x2 = rng.integers(0, 2, n).astype(float), rng.integers(0, 2, n).astype(float)
    p = 1 / (1 + np.exp(-(-0.5 + 0.8 * x1 - 0.6 * x2)))
    h = pd.DataFrame({"x1": x1, "x2": x2, "nps": np.where(rng.random(n) < p, 3, 10)})
    m = nps.fit_detractor_model(h, ["x1", "x2"])
    ref = sm.Logit((h["nps"] <= 6).astype(float), sm.add_constant(h[["x1", "x2"]])).fit(disp=False)
    assert list(m.params) == ["const", "x1", "x2"]
    assert np.array(list(m.params.values())) == pytest.approx(ref.params.to_numpy(), rel=1e-6)
    assert np.array(list(m.standard_errors.values())) == pytest.approx(ref.bse.to_numpy(), rel=1e-6)
    assert m.loglik == pytest.approx(ref.llf)
    assert m.detractor_probability(h) == pytest.approx(ref.predict(sm.add_constant(h[["x1", "x2"]])).to_numpy())
