"""kpi_scorecard end to end on incomplete and real-shaped data, with the stored default parameters:
each optional input missing (the matrix), the real CFPB export, the sample two years later."""
import re

import pandas as pd
import pytest

from conftest import ROOT, SAMPLE, run_report, write_partial_sample

# scenario -> (tables dropped, columns dropped, sections expected to be left out -> the input they need).
# Inputs that do not interact share a run; every optional table and ticket column is missing in one of them.
MATRIX = {
    "no_surveys_customers_aht_agent": (
        ("responses", "customers"), {"tickets": ["handle_time_minutes", "agent_id", "priority"]},
        {"csat": "responses", "nps": "responses", "churn": "customers", "aht": "tickets.handle_time_minutes",
         "agent_league": "tickets.agent_id"}),
    "no_first_response_team_flag": (
        (), {"tickets": ["first_response_at", "team", "first_contact_resolved"], "responses": ["nps"]},
        {"first_response": "tickets.first_response_at", "team_league": "tickets.team", "nps": "responses.nps"}),
    "no_resolution_contacts_churn_date": (
        (), {"tickets": ["resolved_at", "first_contact_resolved", "contacts"], "customers": ["churn_date", "churned"]},
        {"resolution": "tickets.resolved_at", "churn": "customers.churn_date",
         "fcr": "tickets.first_contact_resolved or tickets.contacts with tickets.resolved_at"}),
}
SECTION_KPIS = {"csat": ["csat_mean", "csat_pct_satisfied"], "nps": ["nps"], "fcr": ["fcr_rate"],
                "aht": ["aht_minutes"], "first_response": ["first_response_minutes"],
                "resolution": ["resolution_hours", "sla_24h_rate"], "churn": ["churn_rate"]}


def _text(html: str) -> str:
    # the page keeps ranges on one line with word joiners ("2025–\u20602026"): read as plain text without them
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\\_", "_").replace("\u2060", "")


def _monthly_tickets(tickets: pd.DataFrame) -> pd.Series:
    return tickets["created_at"].dt.to_period("M").value_counts().sort_index()


@pytest.fixture(scope="module", params=list(MATRIX))
def matrix_run(request, tmp_path_factory):
    drop_tables, drop_columns, expected = MATRIX[request.param]
    folder = write_partial_sample(tmp_path_factory.mktemp("data"), drop_tables=drop_tables,
                                  drop_columns=drop_columns)
    code, manifest, html = run_report("kpi_scorecard", tmp_path_factory.mktemp("reports"), f"data_dir={folder}")
    return request.param, expected, code, manifest, _text(html)


def test_missing_inputs_leave_out_only_their_sections(matrix_run):
    scenario, expected, code, manifest, text = matrix_run
    assert code == 0, manifest.get("notebooks")
    results = manifest["results"]["kpi_scorecard"]
    assert {s["section"]: s["needs"] for s in results["skipped"]} == expected
    kpis = results["kpis"]
    for section, codes in SECTION_KPIS.items():
        for c in codes:
            assert (kpis[c] is None) == (section in expected), (scenario, c)
    # the complaint count never depends on optional inputs: June 2026 in the sample
    tickets = pd.read_parquet(SAMPLE / "tickets.parquet")
    assert kpis["complaints"] == int(_monthly_tickets(tickets)[pd.Period("2026-06", "M")])
    for section, needs in expected.items():  # one sentence per section, naming what would enable it
        shown = " or ".join(" with ".join(i if "." in i else f"the {i} table" for i in alt.split(" with "))
                            for alt in needs.split(" or "))
        verb = "are left out: they need" if section in ("resolution", "team_league") else "is left out: it needs"
        assert f"{verb} {shown}, which the data does not have" in text
    assert text.count("is left out: it needs") + text.count("are left out: they need") == len(expected)
    assert not re.search(r"\b0 of 0\b", text) and "Traceback" not in text
    if scenario == "no_first_response_team_flag":  # without the flag, FCR falls back to contacts == 1
        june = tickets[(tickets["created_at"] >= "2026-06-01") & (tickets["created_at"] < "2026-07-01")
                       & tickets["resolved_at"].notna() & tickets["contacts"].notna()]
        assert kpis["fcr_rate"] == pytest.approx((june["contacts"] == 1).mean())  # a fraction


@pytest.fixture(scope="module")
def cfpb_run(tmp_path_factory):
    return run_report("kpi_scorecard", tmp_path_factory.mktemp("reports"), f"data_dir={ROOT / 'data' / 'examples'}",
                      f"mapping={ROOT / 'data' / 'mappings' / 'cfpb.yaml'}")


def test_cfpb_export_with_the_stored_defaults(cfpb_run):
    from csm.data.load import load_tables

    code, manifest, html = cfpb_run
    assert code == 0, manifest.get("notebooks")
    results = manifest["results"]["kpi_scorecard"]
    tickets = load_tables(ROOT / "data" / "examples", mapping=ROOT / "data" / "mappings" / "cfpb.yaml",
                          tables=["tickets"]).tickets
    monthly = _monthly_tickets(tickets)
    latest = (tickets["created_at"].max() + pd.Timedelta(days=1)).to_period("M") - 1  # last complete month
    assert results["period"]["period"] == str(latest)
    assert results["kpis"]["complaints"] == int(monthly[latest])
    skipped = {s["section"] for s in results["skipped"]}
    assert skipped == {"csat", "nps", "fcr", "aht", "first_response", "resolution", "churn", "team_league",
                       "agent_league"}
    # the complaints target is evaluated against the 12 months before the period, wherever the data lies
    (target,) = [t for t in results["targets"] if t["kpi"] == "complaints"]
    window = pd.period_range(latest - 12, latest - 1, freq="M")
    assert target["baseline"] == pytest.approx(monthly.reindex(window, fill_value=0).mean())
    assert target["status"] in ("met", "at_risk", "missed") and target["deadline"].startswith(f"{latest.year}-12-31")
    text = _text(html)
    assert "Resolution time and the SLA rate are left out: they need tickets.resolved_at" in text
    assert "Team league tables are left out: they need tickets.team" in text and "Complaints" in text
    shown = _text(re.sub(r"<style.*?</style>", "", html, flags=re.S))
    assert "…" not in shown and "..." not in shown  # no cell cut by pandas' display.max_colwidth
    assert "Optional columns missing" in text and "first_contact_resolved, escalated, reopened" in text
    assert "no data in this period" not in text  # targets of left-out KPIs are not repeated one by one


@pytest.fixture(scope="module")
def shifted_run(tmp_path_factory):
    """The sample with every date two years later, trend_periods=6, and one target changed by -p."""
    folder = tmp_path_factory.mktemp("shifted")
    for name in ("tickets", "responses", "customers", "transactions", "assignments"):
        frame = pd.read_parquet(SAMPLE / f"{name}.parquet")
        for column in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[column]):
                frame[column] = frame[column] + pd.DateOffset(years=2)
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    reports = tmp_path_factory.mktemp("reports")
    return (folder, reports, *run_report("kpi_scorecard", reports, f"data_dir={folder}", "trend_periods=6",
                                         "targets={fcr_rate: {target: 0.60}}", "time_clock=business"))


def test_sample_two_years_later_with_the_stored_defaults(shifted_run):
    folder, _, code, manifest, html = shifted_run
    assert code == 0, manifest.get("notebooks")
    results = manifest["results"]["kpi_scorecard"]
    assert results["period"]["period"] == "2028-06" and results["skipped"] == []
    targets = {t["kpi"]: t for t in results["targets"]}
    assert set(targets) == {"csat_mean", "fcr_rate", "aht_minutes", "first_response_minutes_email",
                            "first_response_minutes_chat", "complaints"}  # -p changed one, kept the others
    assert targets["fcr_rate"]["target"] == 0.60 and targets["fcr_rate"]["status"] == "met"
    assert targets["csat_mean"]["target"] == 4.5 and targets["csat_mean"]["deadline"].startswith("2028-12-31")
    monthly = _monthly_tickets(pd.read_parquet(folder / "tickets.parquet"))
    baseline = monthly[pd.period_range("2027-06", "2028-05", freq="M")].mean()  # beyond the 6-month trend
    assert targets["complaints"]["baseline"] == pytest.approx(baseline)
    assert targets["complaints"]["target"] == pytest.approx(0.9 * baseline)
    assert all(t["status"] in ("met", "at_risk", "missed") for t in targets.values())
    # business hours in 2028 (the 6-month trend starts in January): the stored holidays cover 2025–2026 only
    assert "the holidays list covers 2025–2026, not 2028; public holidays in 2028 count as working days" in _text(html)
