"""complaint_root_cause end to end: the real CFPB export with the stored defaults, and the sample with
optional columns and tables missing (each skipped section named with the column that would enable it)."""
import re

import pytest
from conftest import ROOT, run_report, write_partial_sample

CFPB = (f"data_dir={ROOT / 'data' / 'examples'}", f"mapping={ROOT / 'data' / 'mappings' / 'cfpb.yaml'}")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&lt;", "<").replace("&gt;", ">")


@pytest.fixture(scope="module")
def cfpb(tmp_path_factory):
    return run_report("complaint_root_cause", tmp_path_factory.mktemp("cfpb"), *CFPB)


def test_cfpb_export_runs_and_ranks_the_national_surge_as_one_finding(cfpb):
    code, manifest, html = cfpb
    assert code == 0
    results = manifest["results"]["complaint_root_cause"]
    spikes = [r for r in results["root_causes"] if r["kind"] == "spike"]
    top = spikes[0]
    # the spring-2019 surge across every product: one finding, the first spike, with its breakdown
    assert (top["kind"], top["dimension"], top["level"]) == ("spike", "all", "all_complaints")
    assert (top["start"][:10], top["end"][:10]) == ("2019-03-25", "2019-04-14")
    assert top["impact"] > 1000 and 2 < top["effect"] < 4
    assert top["breakdown"].startswith("category=Credit reporting, credit repair services")
    overlapping = [s for s in spikes if s["start"][:10] <= "2019-04-14" and s["end"][:10] >= "2019-03-25"]
    assert overlapping == [top]  # credit reporting, debt collection, the states … are its breakdown
    cr = [s for s in results["spikes"] if s["level"] == "category" and s["start"][:10] == "2019-03-25"
          and s["category"].startswith("Credit reporting")]
    assert len(cr) == 1 and cr[0]["part_of"] == "all 2019-03-25" and not cr[0]["finding"]
    assert cr[0]["excess"] > 600  # the +700 credit-reporting rise is no longer hidden behind state sub-spikes


def test_cfpb_export_says_what_it_could_not_test(cfpb):
    code, manifest, html = cfpb
    results = manifest["results"]["complaint_root_cause"]
    skipped = {s["section"]: s["needs"] for s in results["skipped"]}
    assert skipped["resolution"] == "tickets.resolved_at"
    assert skipped["outcome_repeat_complaint"] == "tickets.customer_id"  # the complaint id is no customer key
    assert results["resolution"] is None and results["outcome_drivers"] == []
    text = _text(html)
    assert "Not tested, because repeat complaints need a customer key" in text
    assert "No factor changes the odds" not in text and "0.0%" not in text.split("Why outcomes go bad")[1][:300]
    assert "Resolution performance by category left out: it needs tickets.resolved_at" in text
    assert "Product not tested: 100% of tickets have the category most common for their product" in text
    assert "p = 0.000" not in text and " 0 of 0 " not in text
    assert "Traceback" not in html


def test_cfpb_pools_only_rare_levels_and_ranks_no_trivial_cell(cfpb):
    code, manifest, html = cfpb
    results = manifest["results"]["complaint_root_cause"]
    text = _text(html)
    # phone (hundreds of tickets) is a channel of its own, never pooled; email (2) is too few and left out
    assert "Channel: 2 tickets left out of the test, too few to test: E-mail (2)." in text
    assert "Other (rare levels pooled)" not in text and "Channel Phone" in text
    concentration = [r for r in results["root_causes"] if r["kind"] == "concentration"]
    assert concentration and all(r["effect"] >= 1.2 for r in concentration)  # O/E 1.05 on big n is not a finding
    assert "inf (" not in text and "new (0 before)" in text  # a category with 1 complaint against 0
    assert "Region FL" in text  # spike rows name their dimension


@pytest.fixture(scope="module")
def cfpb_two_months(tmp_path_factory):
    """The CFPB export cut to March–April 2019 (8 complete weeks): complaints nearly double in April."""
    pd = pytest.importorskip("pandas")
    rows = pd.read_csv(ROOT / "data" / "examples" / "cfpb_complaints.csv.gz", dtype=str)
    day = pd.to_datetime(rows["Date received"], format="%Y/%m/%d")
    folder = tmp_path_factory.mktemp("cfpb_marapr")
    rows[(day >= "2019-03-01") & (day < "2019-05-01")].to_csv(folder / "cfpb_complaints.csv.gz", index=False)
    return run_report("complaint_root_cause", tmp_path_factory.mktemp("cfpb_marapr_run"), f"data_dir={folder}",
                      f"mapping={ROOT / 'data' / 'mappings' / 'cfpb.yaml'}")


def test_cfpb_two_months_say_spikes_not_tested_never_no_spike(cfpb_two_months):
    code, manifest, html = cfpb_two_months
    assert code == 0
    results = manifest["results"]["complaint_root_cause"]
    assert results["spike_search"] == {"tested": False, "weeks": 8, "needed": 17}
    assert results["spikes"] == [] and not [r for r in results["root_causes"] if r["kind"] == "spike"]
    text = _text(html)
    assert "Spikes not tested: 8 complete weeks of history, at least 17 needed" in text
    assert "No spike" not in text and "no spike" not in text
    # the window sentences state what the data cover, not the 12 months asked for
    assert "models use the 3,305 tickets of 1 March 2019 – 30 April 2019, all the data up to the period end" in text
    assert "12 months ending with the period" not in text


@pytest.fixture(scope="module")
def partial_runs(tmp_path_factory):
    """Two runs covering every optional column and table of this report (inputs that do not interact
    share a run): text, times and agent columns missing; then dimensions, outcome flags and every other table."""
    base = tmp_path_factory.mktemp("partial")
    first = write_partial_sample(base / "a", drop_columns={"tickets": [
        "resolved_at", "first_response_at", "description", "sub_reason", "agent_tenure_months", "agent_id", "team",
        "handle_time_minutes", "contacts"]})
    second = write_partial_sample(base / "b", drop_tables=("responses", "customers", "transactions", "assignments"),
                                  drop_columns={"tickets": ["region", "product", "carrier", "priority",
                                                            "first_contact_resolved", "escalated", "reopened"]})
    return (run_report("complaint_root_cause", base / "ra", f"data_dir={first}"),
            run_report("complaint_root_cause", base / "rb", f"data_dir={second}", "lang=zh"))


def test_missing_times_texts_and_agents_leave_out_only_their_sections(partial_runs):
    code, manifest, html = partial_runs[0]
    assert code == 0
    results = manifest["results"]["complaint_root_cause"]
    assert {(s["section"], s["needs"]) for s in results["skipped"]} == {
        ("resolution", "tickets.resolved_at"), ("sub_reasons", "tickets.sub_reason"),
        ("spike_terms", "tickets.description"), ("words", "tickets.description"),
        ("factor_tenure_band", "tickets.agent_tenure_months")}
    text = _text(html)
    for sentence in ("Resolution performance by category left out: it needs tickets.resolved_at",
                     "Complaints by sub-reason left out: it needs tickets.sub_reason",
                     "What the words say left out: it needs tickets.description",
                     "Agent tenure is not a factor of the outcome models: it needs tickets.agent_tenure_months"):
        assert text.count(sentence) == 1, sentence
    # the rest still finds the planted root cause (a spike long over: listed after the current findings)
    top = [r for r in results["root_causes"] if r["kind"] == "spike"][0]
    assert (top["kind"], top["category"], top["level"]) == ("spike", "logistics", "east")
    assert results["outcome_drivers"] and results["resolution"] is None


def test_missing_dimensions_outcome_flags_and_tables_in_chinese(partial_runs):
    code, manifest, html = partial_runs[1]
    assert code == 0
    results = manifest["results"]["complaint_root_cause"]
    assert {s["section"] for s in results["skipped"]} == {
        "spikes_region", "outcome_not_resolved_first_contact", "outcome_escalated", "concentration_region",
        "concentration_product", "concentration_priority", "factor_region", "factor_priority"}
    text = _text(html)
    assert "未检验区域的集中度：需要 tickets.region 列" in text
    assert "首次解决模型未列出：需要 tickets.first_contact_resolved 列" in text
    # the repeat-complaint model still runs (the customer key is there): a tested statement, not "not tested"
    assert "未检验，原因" not in text and "重复投诉" in text
    # without regions the planted spike is found as the logistics spike
    top = [r for r in results["root_causes"] if r["kind"] == "spike"][0]
    assert (top["kind"], top["category"], top["start"][:10]) == ("spike", "logistics", "2025-11-10")
