"""csm.customers.churn: churn rates and Kaplan–Meier by hand, the planted Cox hazards of the sample data, PH check."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csm.customers import churn
from csm.data import sample as S
from csm.errors import AnalysisError, DataError

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "data" / "sample"
d = pd.Timestamp


def _customers():
    return pd.DataFrame({
        "customer_id": ["a", "b", "c", "d", "e"],
        "signup_date": [d("2025-01-10"), d("2025-01-20"), d("2025-02-05"), d("2025-03-03"), d("2025-01-01")],
        "churn_date": [d("2025-03-15"), pd.NaT, d("2025-04-01"), pd.NaT, d("2025-02-10")],
        "tier": ["VIP", "standard", "standard", "VIP", "standard"]})


def test_monthly_churn_rate_by_hand():
    out = churn.monthly_churn_rate(_customers(), start="2025-02-01", end="2025-04-30").set_index("period_start")
    # Feb: active at start a, b, e (c, d signed up later); e churns -> 1/3
    assert out.loc[d("2025-02-01"), "n"] == 3 and out.loc[d("2025-02-01"), "churned"] == 1
    # Mar: a, b, c active (e gone; d signs up in March); a churns -> 1/3
    assert out.loc[d("2025-03-01"), "n"] == 3 and out.loc[d("2025-03-01"), "churned"] == 1
    # Apr: b, c, d; c churns on 04-01 -> 1/3
    assert out.loc[d("2025-04-01"), "n"] == 3 and out.loc[d("2025-04-01"), "churned"] == 1
    assert out["estimate"].tolist() == pytest.approx([1 / 3] * 3)  # fractions
    assert np.all(out["ci_low"] < out["estimate"]) and np.all(out["estimate"] < out["ci_high"])


def test_churned_without_date_is_refused():
    c = _customers().assign(churned=pd.array([True, True, True, False, True], dtype="boolean"))
    with pytest.raises(DataError, match=r"churned = true but no churn_date .*\['b'\]"):
        churn.monthly_churn_rate(c, start="2025-02-01", end="2025-03-31")


def test_kaplan_meier_against_hand_computation():
    # times 2, 3+, 3, 5, 5, 8+, 9: at 2: 7 at risk, 1 event; at 3: 6 at risk, 1 event (3+ censored after it);
    # at 5: 4 at risk, 2 events; at 9: 1 at risk, 1 event
    t = [2, 3, 3, 5, 5, 8, 9]
    e = [1, 0, 1, 1, 1, 0, 1]
    km = churn.kaplan_meier(t, e)
    s = [6 / 7, 6 / 7 * 5 / 6, 6 / 7 * 5 / 6 * 2 / 4, 0.0]
    assert km["time"].tolist() == [2, 3, 5, 9]
    assert km["at_risk"].tolist() == [7, 6, 4, 1]
    assert km["survival"].to_numpy() == pytest.approx(s)
    # Greenwood: S(t)^2 Σ d/(n(n-d))
    var = s[2] ** 2 * (1 / (7 * 6) + 1 / (6 * 5) + 2 / (4 * 2))
    assert km["se"].iloc[2] == pytest.approx(np.sqrt(var))
    assert km["ci_low"].iloc[2] < s[2] < km["ci_high"].iloc[2]


def test_logrank_against_hand_computation():
    surv = pd.DataFrame({"duration": [1, 2, 3, 4, 2, 3, 5, 6], "event": [1, 1, 1, 0, 0, 1, 1, 1],
                         "g": list("aaaabbbb")})
    # hand: event times 1, 2, 3, 5, 6 with risk sets
    O_a, E_a, V = 0.0, 0.0, 0.0
    for time in sorted(set(surv.loc[surv.event == 1, "duration"])):
        risk = surv[surv.duration >= time]
        n, n_a = len(risk), (risk.g == "a").sum()
        dd = ((risk.duration == time) & (risk.event == 1)).sum()
        d_a = ((risk.duration == time) & (risk.event == 1) & (risk.g == "a")).sum()
        O_a += d_a
        E_a += dd * n_a / n
        V += dd * (n_a / n) * (1 - n_a / n) * (n - dd) / max(n - 1, 1)
    chi2 = (O_a - E_a) ** 2 / V
    out = churn.logrank_test(surv, "g").iloc[0]
    assert out["statistic"] == pytest.approx(chi2)
    assert out["dof"] == 1


def test_counting_process_split_gives_the_same_cox_fit():
    rng = np.random.default_rng(4)
    n = 400
    x = rng.integers(0, 2, n).astype(float)
    t = rng.exponential(1 / (0.1 * np.exp(0.7 * x)))
    event = (t < 12).astype(int)
    t = np.minimum(t, 12)
    whole = pd.DataFrame({"customer_id": np.arange(n), "entry": 0.0, "exit": t, "event": event, "x": x})
    cut = t * rng.uniform(0.2, 0.8, n)
    split = pd.concat([whole.assign(exit=cut, event=0), whole.assign(entry=cut)], ignore_index=True)
    a, b = churn.fit_cox(whole, ["x"]), churn.fit_cox(split, ["x"])
    assert b.summary["coef"].iloc[0] == pytest.approx(a.summary["coef"].iloc[0], rel=1e-6)
    assert b.summary["se"].iloc[0] == pytest.approx(a.summary["se"].iloc[0], rel=1e-6)
    assert abs(a.summary["coef"].iloc[0] - 0.7) < 3 * a.summary["se"].iloc[0]


def test_ph_check_flags_a_hazard_ratio_that_changes_over_time():
    rng = np.random.default_rng(8)
    n = 4000
    x = rng.integers(0, 2, n).astype(float)
    # x doubles the hazard in the first 3 months and halves it afterwards (piecewise exponential)
    t1 = rng.exponential(1 / (0.15 * np.where(x == 1, 2.0, 1.0)))
    t2 = 3 + rng.exponential(1 / (0.15 * np.where(x == 1, 0.5, 1.0)))
    t = np.where(t1 < 3, t1, t2)
    event = (t < 24).astype(int)
    frame = pd.DataFrame({"customer_id": np.arange(n), "entry": 0.0, "exit": np.minimum(t, 24), "event": event,
                          "x": x, "z": rng.normal(size=n)})
    check = churn.fit_cox(frame, ["x", "z"]).ph_check.set_index("term")
    assert check.loc["x", "p_value"] < 0.001
    assert check.loc["z", "p_value"] > 0.001


def test_cox_recovers_planted_churn_hazards():
    from csm.data.load import load_tables

    data = load_tables(SAMPLE_DIR, tables=["tickets", "responses", "customers"])
    as_of = d("2026-06-30 23:59:59")
    panel = churn.churn_panel(data.customers, data.tickets, data.responses, start="2025-01-01", as_of=as_of)
    # every churn inside the ticket window (SAMPLE_TRUTH §4)
    assert panel["event"].sum() == S.TRUTH["default_dataset"]["churn"]["churned_in_window"]
    cox = churn.fit_cox(panel, ["vip", "fcr_failed_tickets", "fcr_resolved_tickets", "escalations"])
    s = cox.summary.set_index("term")
    truth = S.TRUTH["churn"]
    # the truth lies inside the 95% intervals, and the estimates are within 10% of it
    for term, key in (("vip", "hr_vip"), ("fcr_failed_tickets", "hr_per_unresolved_ticket")):
        assert s.loc[term, "ci_low"] < truth[key] < s.loc[term, "ci_high"], (term, s.loc[term].to_dict())
        assert abs(s.loc[term, "hazard_ratio"] / truth[key] - 1) < 0.10
    # tickets resolved at first contact and escalations carry no planted hazard
    for term in ("fcr_resolved_tickets", "escalations"):
        assert s.loc[term, "ci_low"] < 1 < s.loc[term, "ci_high"]
    at_risk = churn.at_risk_customers(panel, cox, top=10).table
    active = data.customers.loc[data.customers["churn_date"].isna(), "customer_id"]
    assert at_risk["customer_id"].isin(active).all()
    assert at_risk["churn_probability"].is_monotonic_decreasing
    assert (at_risk["main_driver"] == "fcr_failed_tickets").all()


def test_cox_refuses_constant_covariates_and_few_events():
    frame = pd.DataFrame({"entry": 0.0, "exit": [1.0, 2.0, 3.0], "event": [1, 0, 1], "x": [1.0, 1.0, 1.0]})
    with pytest.raises(AnalysisError, match="do not vary"):
        churn.fit_cox(frame, ["x"])
    frame["x"] = [0.0, 1.0, 0.0]
    with pytest.raises(AnalysisError, match="too few"):
        churn.fit_cox(frame, ["x"])


def test_retention_curves_start_at_one_and_cohort_rates():
    c = _customers()
    surv = churn.survival_frame(c, as_of=d("2025-06-30"))
    assert surv["event"].sum() == 3
    curves = churn.retention_curves(surv, "tier")
    assert (curves.groupby("tier")["survival"].first() == 1.0).all()
    cohorts = churn.cohort_churn_rate(c, start="2025-02-01", end="2025-04-30", cohort_freq="M").set_index("cohort")
    # January sign-ups a, b, e: customer-months Feb 3 + Mar 2 + Apr 1 = 6, churned e (Feb), a (Mar) = 2
    assert cohorts.loc["2025-01", "customer_months"] == 6 and cohorts.loc["2025-01", "churned"] == 2


def test_customer_cox_frame_codes_levels_against_the_most_common_and_lumps_many():
    rng = np.random.default_rng(5)
    n = 3000
    region = rng.choice([f"r{i:02d}" for i in range(15)], size=n, p=np.r_[0.3, np.full(14, 0.05)])
    survival = pd.DataFrame({"customer_id": [f"C{i}" for i in range(n)], "duration": rng.uniform(0, 24, n),
                             "event": rng.integers(0, 2, n), "region": region,
                             "partner": pd.array(rng.integers(0, 2, n).astype(bool), dtype="boolean"),
                             "charges": rng.uniform(20, 100, n), "flat": 1.0})
    survival.loc[0, "charges"] = np.nan
    survival.loc[1, "duration"] = 0.0
    design = churn.customer_cox_frame(survival, ["region", "partner", "charges", "flat", "tier"], max_levels=5)
    assert design.reference == {"region": "r00"}  # the most common level
    region_terms = [t for t in design.terms if t.startswith("region=")]
    assert len(region_terms) == 5 and "region=_other_levels" in region_terms  # 4 largest others + "all others"
    assert {"partner", "charges"} <= set(design.terms)
    assert design.left_out == {"flat": "constant", "tier": "missing"}
    assert design.dropped_rows == 2 and len(design.frame) == n - 2  # missing charge, no follow-up time
    assert set(design.frame["partner"].unique()) == {0.0, 1.0}
    from csm.levels import OTHER

    assert churn.OTHER_LEVELS == OTHER  # shown as "all others" by the report labels


def _non_proportional_customers(n=6000, seed=11):
    """Planted truth for the at-risk list: group "steady" churns at 0.03 a month at every tenure; group "late" at
    0.002 a month up to tenure 36 and 0.06 after (hazards cross: proportional hazards fail for the group);
    a numeric x multiplies the hazard by HR_X per unit in both groups. Follow-up uniform on 0–72 months."""
    rng = np.random.default_rng(seed)
    late = rng.random(n) < 0.5
    x = rng.normal(size=n)
    mult = HR_X ** x
    e = rng.exponential(size=n) / mult  # cumulative baseline hazard at churn
    t_steady = e / 0.03
    t_late = np.where(e < 0.002 * 36, e / 0.002, 36 + (e - 0.002 * 36) / 0.06)
    t = np.where(late, t_late, t_steady)
    follow = rng.uniform(0, 72, n)
    frame = pd.DataFrame({"customer_id": np.arange(n), "entry": 0.0, "exit": np.minimum(t, follow),
                          "event": (t <= follow).astype(int), "group=late": late.astype(float), "x": x})
    return frame


HR_X = 1.5


def _planted_cumulative(late, t):
    t = np.asarray(t, float)
    return np.where(late, 0.002 * np.minimum(t, 36) + 0.06 * np.maximum(t - 36, 0), 0.03 * t)


def test_at_risk_list_recovers_the_planted_risk_where_the_baseline_is_supported():
    frame = _non_proportional_customers()
    cox = churn.fit_cox(frame, ["group=late", "x"])
    assert cox.ph_check.set_index("term").loc["group=late", "p_value"] < 0.001  # the violation is detected
    h = 3.0
    stratified = churn.at_risk_customers(frame, cox, horizon_months=h, top=len(frame), min_at_risk=100,
                                         strata=["group"], reference={"group": "steady"})
    table = stratified.table
    assert stratified.strata == ("group",) and set(table["group"]) == {"late", "steady"}  # levels, not 0/1
    late = (table["group"] == "late").to_numpy()
    tau = table["tenure_months"].to_numpy()
    truth = -np.expm1(-(_planted_cumulative(late, tau + h) - _planted_cumulative(late, tau)) * HR_X ** table["x"])
    ok = table["churn_probability"].notna().to_numpy()
    err = np.abs(table["churn_probability"].to_numpy()[ok] - truth[ok])
    assert np.median(err) < 0.01 and np.quantile(err, 0.95) < 0.04, (np.median(err), np.quantile(err, 0.95))
    # not estimated exactly where fewer than 100 customers of the group remain followed at tenure + horizon
    for level, row in stratified.support.set_index("_group").iterrows():
        sub = frame[frame["group=late"] == (level == "late")]
        limit = row["tenure_limit"]
        assert (sub["exit"] >= limit).sum() >= 100 > (sub["exit"] > limit).sum()
        mine = table["group"] == level
        assert table.loc[mine & (table["tenure_months"] + h > limit + 1e-9), "churn_probability"].isna().all()
        assert table.loc[mine & (table["tenure_months"] + h <= limit), "churn_probability"].notna().all()
    assert stratified.not_estimated == int((~ok).sum()) > 0
    # relative hazard against the average customer: exp(beta (x - mean x)); main driver x exactly when x is above
    # the mean (the stratified group is not a driver)
    xbar = frame["x"].mean()
    beta = np.log(table["relative_hazard"]) / (table["x"] - xbar)
    assert abs(np.exp(np.median(beta)) / HR_X - 1) < 0.05
    assert ((table["main_driver"] == "x") == (table["x"] > xbar)).all()
    assert set(table["main_driver"]) == {"x", ""}
    # the ranking: estimated probabilities first, in decreasing order
    probs = table["churn_probability"]
    assert probs[: ok.sum()].is_monotonic_decreasing and probs[ok.sum():].isna().all()
    # one pooled baseline would lend the late group's long-tenure customers a wrong hazard: the stratified list
    # is closer to the truth for them
    pooled = churn.at_risk_customers(frame, cox, horizon_months=h, top=len(frame), min_at_risk=100).table
    pooled = pooled.set_index("customer_id").loc[table["customer_id"]]
    long_late = late & ok & (tau > 40)
    err_pooled = np.abs(pooled["churn_probability"].to_numpy()[long_late] - truth[long_late])
    assert np.median(err_pooled) > 3 * np.median(np.abs(table["churn_probability"].to_numpy()[long_late] - truth[long_late]))


@pytest.mark.parametrize("spec", ["2026-06", "2026-Q1", "2025"])
def test_churn_rate_is_the_kpi_scorecards_churn_rate(spec):
    """One churn rate: the same customers, the same interval and change as csm.kpi.churn_rate."""
    from csm import kpi
    from csm.data.load import load_tables
    from csm.periods import parse_period

    customers = load_tables(SAMPLE_DIR, tables=["customers"]).customers
    current = parse_period(spec)
    previous = current.shifted("previous")
    mine = churn.churn_rate(customers, current, comparison=previous).iloc[0]
    theirs = kpi.churn_rate(customers, period=(current.start, current.last_day),
                            comparison=(previous.start, previous.last_day)).iloc[0]
    for col in ("estimate", "ci_low", "ci_high", "change"):
        assert mine[col] == pytest.approx(theirs[col], rel=1e-12), col
    assert mine["n"] == theirs["n"] and mine["p_value"] == pytest.approx(theirs["p_value"], rel=1e-12)
    assert mine["previous"] == pytest.approx(theirs["previous"], rel=1e-12)


def test_churn_rate_by_hand_leaves_out_new_signups():
    from csm.periods import parse_period

    out = churn.churn_rate(_customers(), parse_period("2025-03")).iloc[0]
    # March: a, b, c active at the start (e left in February, d signs up in March); a churns
    assert out["n"] == 3 and out["churned"] == 1 and out["estimate"] == pytest.approx(1 / 3)


def test_cox_model_has_the_fitted_model_shape():
    from statsmodels.duration.hazard_regression import PHReg

    rng = np.random.default_rng(2)
    n = 500
    x = rng.integers(0, 2, n).astype(float)
    t = rng.exponential(1 / np.exp(0.7 * x))
    frame = pd.DataFrame({"customer_id": np.arange(n), "entry": 0.0, "exit": np.minimum(t, 2.0),
                          "event": (t < 2.0).astype(int), "x": x})
    cox = churn.fit_cox(frame, ["x"])
    ref = PHReg(frame["exit"], frame[["x"]], status=frame["event"], ties="efron").fit()
    assert cox.params["x"] == pytest.approx(ref.params[0], rel=1e-6)
    assert cox.standard_errors["x"] == pytest.approx(ref.bse[0], rel=1e-6)
    assert cox.loglik == pytest.approx(ref.llf)
    assert cox.relative_hazard(frame.head(2)) == pytest.approx(np.exp(cox.params["x"] * x[:2]))
