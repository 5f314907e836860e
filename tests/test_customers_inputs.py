"""nps_churn_clv on partial inputs and on a customers-only CRM snapshot (issue 10).

Each run combines several missing inputs to keep the matrix quick; every run must exit 0, name each skipped
section with the table/column that would enable it (``results.nps_churn_clv.skipped``) and still report what its
inputs allow. The customers-only run goes through ``data/mappings/crm_snapshot.yaml`` and must recover the hazard
ratios planted in ``data/examples/crm_customers_snapshot.csv`` (csm.data.snapshot.SNAPSHOT_TRUTH).
"""
import math

import pytest
from conftest import ROOT, run_report, write_partial_sample

from csm.data.sample import TRUTH
from csm.data.snapshot import SNAPSHOT_TRUTH, retention_truth

NAME = "nps_churn_clv"


def _needs(manifest):
    return {s["section"]: s["needs"] for s in manifest["results"][NAME]["skipped"]}


@pytest.fixture(scope="module")
def no_transactions_no_responses_thin_tickets(tmp_path_factory):
    data = write_partial_sample(tmp_path_factory.mktemp("partial1"), drop_tables=("transactions", "responses"),
                                drop_columns={"tickets": ["resolved_at", "escalated"]})
    return run_report(NAME, tmp_path_factory.mktemp("r1"), f"data_dir={data}")


@pytest.fixture(scope="module")
def no_tickets_no_tier_no_revenue(tmp_path_factory):
    data = write_partial_sample(tmp_path_factory.mktemp("partial2"), drop_tables=("tickets",),
                                drop_columns={"customers": ["tier", "revenue"]})
    return run_report(NAME, tmp_path_factory.mktemp("r2"), f"data_dir={data}")


@pytest.fixture(scope="module")
def crm_snapshot_zh(tmp_path_factory):
    return run_report(NAME, tmp_path_factory.mktemp("r3"), f"data_dir={ROOT / 'data' / 'examples'}",
                      f"mapping={ROOT / 'data' / 'mappings' / 'crm_snapshot.yaml'}", "lang=zh",
                      "customer_covariates=[plan, MonthlyCharges]")  # the stored retention_by [tier, region]


def test_without_transactions_and_responses_the_churn_part_still_runs(no_transactions_no_responses_thin_tickets):
    code, manifest, html = no_transactions_no_responses_thin_tickets
    assert code == 0
    results, needs = manifest["results"][NAME], _needs(manifest)
    assert needs["nps"] == "responses.nps" and needs["detractor_drivers"] == "responses.nps"
    assert needs["purchase_models"] == "transactions"
    # covariates whose ticket columns are missing are named, the rest of the Cox model is fitted
    assert needs["cox_service_term_slow_resolutions"] == "tickets.resolved_at"
    assert needs["cox_service_term_escalations"] == "tickets.escalated"
    assert needs["cox_service_term_detractor_responses"] == "responses.nps"
    hazard = results["cox_hazard_ratios"]
    assert set(hazard) == {"fcr_failed_tickets", "fcr_resolved_tickets", "vip"}
    assert hazard["vip"]["ci_low"] < TRUTH["churn"]["hr_vip"] < hazard["vip"]["ci_high"]
    assert results["bgnbd"] is None and results["nps"] is None
    assert results["churn_rate"]["n"] > 0
    assert "Purchase and spend models, holdout check and expected CLV per customer: left out — needs transactions" in html
    assert "Net Promoter Score: left out — needs responses.nps" in html


def test_without_tickets_customer_attributes_drive_the_cox_model(no_tickets_no_tier_no_revenue):
    code, manifest, html = no_tickets_no_tier_no_revenue
    assert code == 0
    results, needs = manifest["results"][NAME], _needs(manifest)
    assert needs["cox_service"] == "tickets" and needs["detractor_drivers"] == "tickets"
    assert needs["nps_by_tier"] == "customers.tier" and needs["nps_by_channel"] == "tickets.channel"
    assert needs["retention_by_tier"] == "customers.tier" and needs["seed_clv"] == "customers.revenue"
    assert needs["model_tiers"] == "customers.tier"
    assert results["cox_model"] == "cox_customer"
    assert all(t.startswith(("region=", "plan=")) for t in results["cox_hazard_ratios"])
    assert results["nps"]["n"] > 0 and results["bgnbd"]["n"] > 0  # NPS and purchase models still there
    assert "Net Promoter Score by Tier: left out — needs customers.tier" in html
    assert "Retention curves by Tier: left out — needs customers.tier" in html


def test_crm_snapshot_recovers_the_planted_hazard_ratios_through_mapping_and_report(crm_snapshot_zh):
    code, manifest, html = crm_snapshot_zh
    assert code == 0
    results, needs = manifest["results"][NAME], _needs(manifest)
    assert {"nps", "detractor_drivers", "churn_trend", "cox_service", "purchase_models"} <= set(needs)
    assert results["cox_model"] == "cox_customer"
    truth = SNAPSHOT_TRUTH["hr_contract_vs_two_year"]
    hazard = results["cox_hazard_ratios"]
    # reference = the most common contract (month-to-month); planted ratios against it: 2/4 and 1/4
    for level in ("One year", "Two year"):
        planted = truth[level] / truth["Month-to-month"]
        row = hazard[f"plan={level}"]
        assert row["ci_low"] < planted < row["ci_high"]
        assert abs(math.log(row["hazard_ratio"] / planted)) < 0.2  # within ±20%
    charge = hazard["MonthlyCharges"]
    assert charge["ci_low"] < SNAPSHOT_TRUTH["hr_per_monthly_charge"] < charge["ci_high"]
    assert abs(charge["hazard_ratio"] ** 10 - SNAPSHOT_TRUTH["hr_per_10_monthly_charges"]) < 0.05
    # the snapshot's churn share (no calendar churn rate) and its interval
    churn = results["churn_rate"]
    assert churn["definition"] == "snapshot_share" and churn["n"] == SNAPSHOT_TRUTH["customers"]
    assert churn["ci_low"] < churn["value"] < churn["ci_high"]
    assert results["logrank_p"]["plan"] < 0.001
    assert "未包含" in html and "需要 tickets" in html  # skipped sections named in Chinese
    # retention: the stored tier/region are absent, named in one sentence; the overall curve and plan are shown
    assert needs["retention_by_tier"] == "customers.tier" and needs["retention_by_region"] == "customers.region"
    assert html.count("需要 customers.tier, customers.region") == 1 and "改为按套餐显示" in html
    assert f"全部 {SNAPSHOT_TRUTH['customers']:,} 位客户" in html
    # reasons localised: no English inside the Chinese sentences
    assert "this export has a churn flag only" not in html and "此导出文件只有流失标记" in html
    # at-risk list: varying relative hazard and main driver, no constant None column
    at_risk = results["at_risk"]
    assert "主要原因" in html and "相对风险" in html and ">None<" not in html
    assert {row["main_driver"] for row in at_risk} <= {"plan", "MonthlyCharges", ""}
    assert all(0 < row["churn_probability"] < 1 for row in at_risk)
    # simple-formula CLV: capped lifetime and the snapshot caveat repeated
    assert "lifetime_cap_years" in html and "快照提示" in html


def test_crm_snapshot_kaplan_meier_recovers_planted_retention():
    from csm.customers import churn
    from csm.data.load import load_tables

    ds = load_tables(ROOT / "data" / "examples", mapping=ROOT / "data" / "mappings" / "crm_snapshot.yaml",
                     tables=["customers"], required=())
    survival = churn.survival_frame(ds.customers, as_of=SNAPSHOT_TRUTH["as_of"] + " 23:59:59")
    curves = churn.retention_curves(survival, "plan")
    for months in (12, 48):
        at = churn.median_retention_at(curves, "plan", months).set_index("plan")
        for contract in SNAPSHOT_TRUTH["contract_shares"]:
            planted = retention_truth(contract, months)
            row = at.loc[contract]
            assert row["ci_low"] < planted < row["ci_high"], (contract, months)
            assert abs(row["estimate"] - planted) < 0.03


def test_committed_snapshot_is_the_seeded_generator_output():
    from csm.data.snapshot import crm_snapshot

    committed = (ROOT / "data" / "examples" / "crm_customers_snapshot.csv").read_text(encoding="utf-8")
    assert crm_snapshot().to_csv(index=False, lineterminator="\n") == committed


def test_report_with_nothing_to_say_or_a_period_without_data_fails_with_a_clear_message(tmp_path):
    data = write_partial_sample(tmp_path / "d", drop_tables=("responses", "transactions"),
                                drop_columns={"customers": ["churn_date"]})
    code, manifest, _ = run_report(NAME, tmp_path / "r1", f"data_dir={data}")
    assert code != 0
    error = manifest["notebooks"][NAME]["error"]["message"]
    assert "Nothing to report" in error and "churn" in error
    code, manifest, _ = run_report(NAME, tmp_path / "r2", "period=2031-01")
    assert code != 0
    error = manifest["notebooks"][NAME]["error"]["message"]
    assert "2031-01 has no data" in error and "2026-06-30" in error


def test_without_churn_dates_nps_and_purchase_models_still_run(tmp_path):
    data = write_partial_sample(tmp_path / "d", drop_columns={"customers": ["churn_date", "region"],
                                                              "tickets": ["first_contact_resolved"]})
    code, manifest, html = run_report(NAME, tmp_path / "r", f"data_dir={data}")
    assert code == 0
    results, needs = manifest["results"][NAME], _needs(manifest)
    for section in ("churn_rate", "churn_trend", "retention", "at_risk", "seed_clv"):
        assert needs[section] == "customers.churn_date", section
    assert "nps_by_region" not in needs  # the surveyed ticket's region stands in for the customer's
    assert results["churn_rate"] is None and results["cox_hazard_ratios"] is None
    assert results["nps"]["n"] > 0 and "fcr_failed" not in results["detractor_odds_ratios"]
    assert needs["cox_service"] == "customers.churn_date"
    # without churn dates T runs to the data end: the documented fit of that choice
    fitted = TRUTH["transactions"]["fit_check"]["T_to_end"]
    assert all(abs(results["bgnbd"][k] / fitted[k] - 1) < 0.01 for k in fitted)
    assert "Churn rate 0.0%" not in html and "0.00%" not in html
