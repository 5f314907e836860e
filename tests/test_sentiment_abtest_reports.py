"""feedback_sentiment and ab_test on the inputs users really have: each optional table or column missing
(combined per run where they do not interact), the real CFPB export (complaint narratives, no survey), and the
sample moved two years later (stored defaults, same findings). Expectations come from the planted truth or
from the full-sample run of the same report."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, SAMPLE, TABLE_NAMES, run_report, write_partial_sample

from csm.cli import main
from csm.data.load import load_tables
from csm.data.sample import TRUTH
from csm.run.rerun import compare_results

EXP = TRUTH["default_dataset"]["experiment"]
ROLLOUT = 'rollout={group_column: team, treated: [team_c], date: "2025-09-01"}'
CFPB = (f"data_dir={ROOT / 'data' / 'examples'}", f"mapping={ROOT / 'data' / 'mappings' / 'cfpb.yaml'}")


def _run(tmp_path_factory, name, *params, drop_tables=(), drop_columns=None):
    folder = tmp_path_factory.mktemp(name)
    params = list(params)
    if drop_tables or drop_columns:
        write_partial_sample(folder / "data", drop_tables=drop_tables, drop_columns=drop_columns)
        params.insert(0, f"data_dir={folder / 'data'}")
    report = name.split("-")[0]
    code, manifest, html = run_report(report, folder / "reports", *params)
    return code, manifest, html, manifest.get("results", {}).get(report, {})


# --------------------------------------------------------------------------- feedback_sentiment
@pytest.fixture(scope="module")
def sentiment_without_tickets_or_ratings(tmp_path_factory):
    return _run(tmp_path_factory, "feedback_sentiment-bare", "lang=zh", drop_tables=("tickets",),
                drop_columns={"responses": ["csat", "nps"]})


@pytest.fixture(scope="module")
def sentiment_without_team_agent_csat(tmp_path_factory):
    return _run(tmp_path_factory, "feedback_sentiment-columns", "max_levels=3",
                drop_columns={"tickets": ["team", "agent_id"], "responses": ["csat"]})


@pytest.fixture(scope="module")
def sentiment_on_cfpb(tmp_path_factory):
    return _run(tmp_path_factory, "feedback_sentiment-cfpb", *CFPB)


def test_sentiment_of_comments_alone_needs_no_tickets_and_no_ratings(sentiment_without_tickets_or_ratings,
                                                                    sample_results):
    code, _, html, results = sentiment_without_tickets_or_ratings
    assert code == 0
    assert results["skipped"] == [{"section": "breakdowns", "needs": "tickets"},
                                  {"section": "validity", "needs": "responses.csat"}]
    assert "未显示按渠道、团队、类别和客服的情感分布：需要 tickets 表" in html
    assert "responses.csat 或 responses.nps" in html
    assert results["spearman_csat"] == {} and results["spearman_nps"] == {}
    full = sample_results["feedback_sentiment"]
    assert results["text_source"] == "responses" and results["period"] == full["period"]
    # the headline is about the comments: the same without tickets or ratings
    assert results["comments"] == full["comments"]
    assert results["share_negative"] == pytest.approx(full["share_negative"], abs=1e-12)
    assert results["aspects"] == full["aspects"]


def test_sentiment_without_team_agent_and_csat_keeps_the_rest(sentiment_without_team_agent_csat, sample_results):
    code, _, html, results = sentiment_without_team_agent_csat
    assert code == 0
    assert results["skipped"] == [{"section": "by_team", "needs": "tickets.team"},
                                  {"section": "by_agent", "needs": "tickets.agent_id"}]
    assert "Sentiment by team is left out: it needs tickets.team." in html
    assert "Sentiment by agent is left out: it needs tickets.agent_id." in html  # escaped "\_" only in Markdown
    # validity is checked against NPS instead; text and NPS agree in both languages
    assert results["spearman_csat"] == {} and min(results["spearman_nps"].values()) > 0.3
    assert "Spearman ρ with NPS" in html
    # five categories (and five channel groups with "no ticket") with max_levels=3: three plus "all others"
    assert "Charts show the 3 largest groups" in html and html.count(">all others</th>") == 2
    assert results["share_negative"] == pytest.approx(sample_results["feedback_sentiment"]["share_negative"], abs=1e-12)


def test_sentiment_of_cfpb_complaint_narratives_end_to_end(sentiment_on_cfpb):
    code, _, html, results = sentiment_on_cfpb
    assert code == 0, html[-2000:]
    tickets = load_tables(ROOT / "data" / "examples", mapping=ROOT / "data" / "mappings" / "cfpb.yaml").tickets
    texts = tickets[tickets["description"].str.contains("[A-Za-z]", na=False)]
    assert len(texts) == 1532  # the export's published narratives
    # the export ends 2020-03-19; February 2020 has no narrative, so the report covers January
    assert not texts["created_at"].between("2020-02-01", "2020-02-29 23:59").any()
    january = texts["created_at"].between("2020-01-01", "2020-01-31 23:59")
    assert results["text_source"] == "tickets" and results["period"]["period"] == "2020-01"
    assert results["comments"] == int(january.sum())
    assert 0 <= results["share_negative"] <= 1 and set(results["mean_polarity"]) == {"en"}
    assert results["skipped"] == [{"section": "by_team", "needs": "tickets.team"},
                                  {"section": "by_agent", "needs": "tickets.agent_id"},
                                  {"section": "validity", "needs": "responses.csat"}]
    assert "The latest complete month of the data, February 2020, has no ticket descriptions" in html
    assert "tickets.description, 1,532 tickets with text" in html
    assert sum(a["mentions"] for a in results["aspects"]) > 0


def test_sentiment_without_any_text_fails_with_what_to_provide(tmp_path_factory):
    code, manifest, _, _ = _run(tmp_path_factory, "feedback_sentiment-notext", drop_tables=("responses",),
                                drop_columns={"tickets": ["description"]})
    assert code != 0
    error = json.dumps(manifest["notebooks"]["feedback_sentiment"]["error"])
    assert "No text to score" in error and "responses.comment" in error and "tickets.description" in error


# --------------------------------------------------------------------------- ab_test
@pytest.fixture(scope="module")
def ab_without_surveys_and_customers(tmp_path_factory):
    return _run(tmp_path_factory, "ab_test-tables", ROLLOUT, drop_tables=("responses", "customers"))


@pytest.fixture(scope="module")
def ab_without_covariates_team_link(tmp_path_factory):
    return _run(tmp_path_factory, "ab_test-columns", ROLLOUT, "lang=zh",
                drop_columns={"assignments": ["pre_tickets_90d", "pre_handle_time_minutes"], "tickets": ["team"],
                              "responses": ["ticket_id"]})


def _recovers_the_experiment(results):
    assert results["decision"] == "ship"
    assert abs(results["srm_p_value"] - EXP["srm_p_value"]) < 5e-4
    fcr = results["metrics"]["fcr_rate"]
    assert fcr["diff"] == pytest.approx(EXP["fcr_difference"], abs=5e-4)
    assert fcr["ci_low"] < TRUTH["experiment"]["fcr_lift"] < fcr["ci_high"] and fcr["p_adjusted"] < 0.05


def test_ab_test_without_responses_and_customers_drops_survey_and_churn_metrics(ab_without_surveys_and_customers):
    code, _, html, results = ab_without_surveys_and_customers
    assert code == 0
    _recovers_the_experiment(results)
    assert set(results["metrics"]) == {"fcr_rate", "aht_minutes", "handle_time_per_ticket", "escalation_rate",
                                       "reopen_rate"}
    assert results["skipped"] == [{"section": m, "needs": "responses"} for m in ("csat_mean", "csat_ordinal", "nps")] + [
        {"section": "churn_rate", "needs": "customers"}]
    assert "Net Promoter Score (guardrail) is left out: it needs the responses table." in html
    assert "Churn rate (guardrail) is left out: it needs the customers table." in html
    assert "p-values are adjusted for 5 metrics" in html
    # the rollout set without a window: derived, and the planted change recovered
    did = results["did"]
    assert did["diff"] == pytest.approx(TRUTH["default_dataset"]["rollout"]["did_minutes"], abs=1e-3)
    assert did["ci_low"] < TRUTH["rollout"]["effect_minutes"] < did["ci_high"]
    assert "The window 1 March 2025 to 28 February 2026 is derived from the change date" in html


def test_ab_test_without_covariates_group_column_or_survey_link(ab_without_covariates_team_link):
    code, _, html, results = ab_without_covariates_team_link
    assert code == 0
    _recovers_the_experiment(results)
    assert results["skipped"] == [
        {"section": "cuped_aht_minutes", "needs": "assignments.pre_handle_time_minutes"},
        *({"section": m, "needs": "responses.ticket_id"} for m in ("csat_mean", "csat_ordinal", "nps")),
        {"section": "did", "needs": "tickets.team"},  # the rollout is a result (main flow), balance a check (appendix)
        {"section": "balance", "needs": "assignments.pre_*"}]
    assert "cuped_variance_reduction" not in results or results["cuped_variance_reduction"] == {}
    assert results["did"] is None and results["metrics"]["aht_minutes"]["verdict"] == "improved"
    assert "未做 CUPED 调整：需要 assignments.pre_handle_time_minutes" in html
    assert "未做双重差分：需要 tickets.team" in html and "分组前均衡性：未检验" in html
    assert "p = 0.000" not in html and "p \\< 0.001" not in html


# --------------------------------------------------------------------------- a later calendar
def _shifted_sample(folder: Path, years: int = 2) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in TABLE_NAMES:
        frame = pd.read_parquet(SAMPLE / f"{name}.parquet")
        for column in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[column]):
                frame[column] = frame[column] + pd.DateOffset(years=years)
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    return folder


@pytest.fixture(scope="module")
def shifted_results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shifted")
    data = _shifted_sample(folder / "data")
    reports = folder / "reports"
    code = main(["run", "feedback_sentiment", "ab_test", "--project", str(ROOT), "--reports-dir", str(reports),
                 "-p", f"data_dir={data}"])
    (manifest,) = reports.glob("*/manifest.json")
    return code, json.loads(manifest.read_text(encoding="utf-8"))["results"]


def test_stored_defaults_give_the_same_findings_two_years_later(shifted_results, sample_results):
    code, results = shifted_results
    assert code == 0
    sentiment, base = results["feedback_sentiment"], sample_results["feedback_sentiment"]
    assert base["period"]["period"] == "2026-06" and sentiment["period"]["period"] == "2028-06"
    # compared as ``csm rerun`` compares: counts and strings exactly, floats to 1e-9 relative (the engine's
    # parallel sums may add in another order from one run to the next)
    keys = ("comments", "share_negative", "share_negative_ci", "share_negative_previous", "mean_polarity",
            "spearman_csat", "spearman_nps", "aspects", "skipped")
    assert compare_results({"s": {k: base[k] for k in keys}}, {"s": {k: sentiment[k] for k in keys}}) == []
    ab, base = results["ab_test"], sample_results["ab_test"]
    _recovers_the_experiment(ab)
    assert ab["decision"] == base["decision"]
    keys = ("srm_p_value", "metrics")
    assert compare_results({"ab": {k: base[k] for k in keys}}, {"ab": {k: ab[k] for k in keys}}) == []
    assert ab["experiment"]["units"] == base["experiment"]["units"]
    assert ab["experiment"]["end"][:10] == "2028-04-30" and base["experiment"]["end"][:10] == "2026-04-30"
    assert ab["looks"]["dates"] == [d.replace("2026", "2028") for d in base["looks"]["dates"]]
    assert [s["crossed"] for s in ab["sequential"]] == [s["crossed"] for s in base["sequential"]]
