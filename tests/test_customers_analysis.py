"""csm.customers.analyse: the NPS / churn / CLV report's numbers without the notebook — what it records, the
planted truths it recovers, one churn rate and one NPS with the KPI scorecard, what it skips on partial inputs."""
import dataclasses
import json

import numpy as np
import pytest
from conftest import SAMPLE, write_partial_sample

from csm import customers, kpi
from csm.customers import churn
from csm.data.load import load_tables
from csm.data.sample import TRUTH
from csm.errors import DataError
from csm.notes import Skipped
from csm.report.results import to_json_safe

TABLES = ["tickets", "responses", "customers", "transactions"]
RECORD_KEYS = ["period", "skipped", "nps", "churn_rate", "detractor_odds_ratios", "cox_model", "cox_hazard_ratios",
               "ph_check", "logrank_p", "bgnbd", "mbgnbd", "gamma_gamma", "holdout", "seed_clv", "clv", "at_risk",
               "data_quality"]


def _load(folder):
    return load_tables(folder, tables=TABLES, required=())


@pytest.fixture(scope="module")
def sample():
    steps = []
    data = _load(SAMPLE)
    result = customers.analyse(data, nps_compare={"by": "tier", "a": "VIP", "b": "standard"},
                               progress=lambda done, total: steps.append((done, total)))
    return data, result, steps


def test_records_are_the_notebooks_keys_in_order_and_json_safe(sample):
    _, result, steps = sample
    records = result.records()
    assert list(records) == RECORD_KEYS
    json.dumps(to_json_safe(records))
    assert steps[-1] == (6, 6) and [d for d, _ in steps] == sorted(d for d, _ in steps)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.cox = None


def test_sample_recovers_the_planted_churn_model(sample):
    _, result, _ = sample
    hazard, truth = result.records()["cox_hazard_ratios"], TRUTH["churn"]
    assert result.cox_kind == "cox_service" and result.snapshot is False
    assert hazard["vip"]["ci_low"] < truth["hr_vip"] < hazard["vip"]["ci_high"]
    per_failure = hazard["fcr_failed_tickets"]
    assert per_failure["ci_low"] < truth["hr_per_unresolved_ticket"] * 1.05
    assert per_failure["ci_high"] > truth["hr_per_unresolved_ticket"] * 0.95
    fitted = TRUTH["transactions"]["fit_check"]["T_to_churn"]
    assert all(abs(result.bgnbd.params[k] / fitted[k] - 1) < 0.01 for k in fitted)


def test_the_headline_churn_rate_and_nps_are_the_kpi_scorecards(sample):
    data, result, _ = sample
    current, previous = result.current, result.previous
    theirs = kpi.churn_rate(data.customers, period=(current.start, current.last_day),
                            comparison=(previous.start, previous.last_day)).iloc[0]
    now = result.churn_now
    assert 0 < now["estimate"] < 1  # a fraction
    assert now["estimate"] == pytest.approx(theirs["estimate"], rel=1e-12)
    assert now["change"] == pytest.approx(theirs["change"], rel=1e-12)
    assert result.records()["churn_rate"]["value"] == pytest.approx(now["estimate"], rel=1e-5)
    nps_kpi = kpi.net_promoter_score(data.responses, period=(current.start, current.last_day)).iloc[0]
    assert result.nps_now["estimate"] == pytest.approx(nps_kpi["estimate"], rel=1e-12)
    assert result.nps_now["n"] == nps_kpi["n"]


def test_monthly_churn_ends_at_the_period_and_cohorts_pool_the_months(sample):
    _, result, _ = sample
    monthly = result.monthly_churn
    assert monthly["period_start"].max() == result.current.start
    assert monthly["period_start"].min() == result.follow_up_start.to_period("M").start_time
    pooled = result.cohorts["churned"].sum() / result.cohorts["customer_months"].sum()
    assert pooled == pytest.approx(monthly["churned"].sum() / monthly["n"].sum())
    assert (result.cohorts["estimate"] < 1).all()


def test_nothing_skipped_on_the_full_sample_and_the_clv_is_of_active_customers(sample):
    data, result, _ = sample
    assert result.skipped == () and result.notes == ()
    c = data.customers
    active = c[c["churn_date"].isna() | (c["churn_date"] > result.as_of)]
    assert set(result.clv.index) <= set(active["customer_id"])
    assert result.records()["clv"]["customers"] == len(result.clv)


def test_partial_inputs_name_what_would_enable_each_section_in_report_order(tmp_path):
    folder = write_partial_sample(tmp_path / "d", drop_tables=("tickets",), drop_columns={"customers": ["tier", "revenue"]})
    result = customers.analyse(_load(folder))
    assert [s.section for s in result.skipped] == [
        "nps_by_tier", "nps_by_channel", "cox_service", "detractor_drivers", "retention_by_tier", "seed_clv",
        "model_tiers"]
    assert result.skip("cox_service") == Skipped("cox_service", "tickets")
    assert result.cox_kind == "cox_customer" and all(t.startswith(("region=", "plan=")) for t in result.cox.terms)
    assert result.records()["skipped"][0] == {"section": "nps_by_tier", "needs": "customers.tier"}


def test_without_churn_dates_or_anything_to_report(tmp_path):
    folder = write_partial_sample(tmp_path / "d", drop_columns={"customers": ["churn_date"]})
    result = customers.analyse(_load(folder))
    assert result.churn_now is None and result.cox is None and result.survival is None
    assert {"churn_rate", "churn_trend", "retention", "cox_service", "at_risk", "seed_clv"} <= {
        s.section for s in result.skipped}
    empty = write_partial_sample(tmp_path / "e", drop_tables=("responses", "transactions"),
                                 drop_columns={"customers": ["churn_date"]})
    with pytest.raises(DataError, match="Nothing to report"):
        customers.analyse(_load(empty))


def test_churn_rate_counts_active_customers_like_the_scorecard_when_a_flag_lacks_a_date():
    import pandas as pd

    from csm.periods import parse_period

    d = pd.Timestamp
    c = pd.DataFrame({"customer_id": list("abc"), "signup_date": [d("2025-01-01")] * 3,
                      "churn_date": [d("2025-03-10"), pd.NaT, pd.NaT], "churned": [True, True, False]})
    out = churn.churn_rate(c, parse_period("2025-03")).iloc[0]
    theirs = kpi.churn_rate(c, period=("2025-03-01", "2025-03-31")).iloc[0]
    assert out["n"] == theirs["n"] == 2 and out["estimate"] == pytest.approx(theirs["estimate"])
    assert np.isnan(out["p_value"])
