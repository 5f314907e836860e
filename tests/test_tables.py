"""Report tables and sentences: rounding, intervals, target verdicts, Markdown safety, both languages."""
import numpy as np
import pandas as pd
import pytest
import mistune  # the Markdown renderer nbconvert uses for the HTML reports

from csm import kpi
from csm.report import tables

T = pd.Timestamp


@pytest.fixture(scope="module")
def card_and_targets():
    tickets = pd.DataFrame({
        "ticket_id": [f"t{i}" for i in range(8)],
        "created_at": [T("2026-05-03"), T("2026-05-10"), T("2026-06-02"), T("2026-06-03"),
                       T("2026-06-05"), T("2026-06-09"), T("2026-06-20"), T("2026-06-28")],
        "resolved_at": [T("2026-05-03 05:00"), T("2026-05-12"), T("2026-06-02 02:00"), T("2026-06-03 03:00"),
                        T("2026-06-07"), T("2026-06-09 01:00"), pd.NaT, T("2026-06-28 04:00")],
        "channel": ["phone", "email", "chat", "chat", "email", "phone", "chat", "phone"],
        "first_contact_resolved": pd.array([True, False, True, True, False, True, pd.NA, True], dtype="boolean"),
        "handle_time_minutes": [5.0, 7.0, 4.0, 6.0, 8.0, 5.0, 9.0, 3.0],
    })
    card = kpi.scorecard(tickets, period=("2026-06-01", "2026-06-30"), comparison=("2026-05-01", "2026-05-31"))
    trend = kpi.kpi_trend(tickets, freq="M")
    targets = kpi.evaluate_targets(trend, {"fcr_rate": {"target": 80, "direction": "higher", "deadline": "2026-12-31"},
                                           "aht_minutes": {"target": 6, "direction": "lower"}}, as_of="2026-06-30")
    return card, targets


def test_scorecard_table_rounds_once_and_states_verdicts(card_and_targets):
    card, targets = card_and_targets
    table = tables.scorecard_table(card, targets, "en")
    fcr = table.loc["First-contact resolution"]
    # June: 5 resolved tickets, 4 resolved at first contact -> 80.0%; target ≥ 80 is met
    assert fcr["Estimate"].startswith("80.0% [") and fcr["Target"] == "≥ 80.0% by 2026-12-31"
    assert fcr["Status"] == "Met" and fcr["n"] == "5"
    aht = table.loc["Average handle time"]
    assert aht["Estimate"].startswith("5.8 [") and aht["Previous"] == "6.0" and aht["Status"] == "Met"
    zh = tables.scorecard_table(card, targets, "zh")
    assert zh.index.name == "指标" and zh.loc["首次解决率", "状态"] == "达标"


def test_target_sentences_in_both_languages(card_and_targets):
    card, targets = card_and_targets
    en = tables.target_sentences(card, targets, "en")
    assert en[0].startswith("First-contact resolution: 80.0% [") and "Met" in en[0]
    zh = tables.target_sentences(card, targets, "zh")
    assert zh[0].startswith("首次解决率：80.0%") and "达标" in zh[0]


def test_format_number_by_unit():
    assert tables.format_number(69.0771, "%") == "69.1%"
    assert tables.format_number(3.871, "score (1–5)") == "3.87"
    assert tables.format_number(3219.0, "tickets") == "3,219"
    assert tables.format_number(np.nan, "%") == "–"
    assert tables.format_number(-0.02, "minutes", signed=True) == "±0.0"
    assert tables.format_number(1.25, "percentage points", "zh", signed=True) == "+1.2 个百分点"


def test_generated_text_is_never_read_as_markdown():
    text = "column created_at is empty; set datetime_format: *now* [x](y) <b>"
    html = mistune.html(tables.bullets([text]).data)
    assert "<em>" not in html and "<a " not in html and "<b>" not in html
    assert "created_at" in html and "datetime_format" in html


@pytest.mark.parametrize("note, zh", [
    ("responses table not provided", "未提供 responses 表"),
    ("tickets.handle_time_minutes missing", "tickets 表缺少 handle_time_minutes 列"),
    ("period only partly covered by ticket data (2025-03-01 to 2025-03-30)",
     "工单数据仅部分覆盖本期（2025-03-01 to 2025-03-30）"),
    ("no CSAT responses in period; 3 customer(s) marked churned without churn_date left out",
     "本期没有满意度评分；3 位标记为流失但没有流失日期的客户未计入"),
    ("something new", "something new"),
])
def test_kpi_notes_in_chinese(note, zh):
    assert tables.translate_note(note, "zh") == zh
    assert tables.translate_note(note, "en") == note


def test_headline_and_channel_rows(card_and_targets):
    card, _ = card_and_targets
    head = tables.headline_rows(card, "pct_satisfied")["kpi"].tolist()
    assert "csat_pct_satisfied" in head and "csat_mean" not in head
    assert not any(k.startswith("first_response_minutes_") for k in head) and "first_response_minutes" in head
    ch = tables.channel_rows(card)
    assert set(ch["channel"]) == {"phone", "email", "chat"}


def test_targets_not_evaluated_and_sections_left_out_are_said_once(card_and_targets):
    from csm.periods import parse_period

    card, _ = card_and_targets  # no responses, no customers, no first_response_at
    trend = kpi.kpi_trend(pd.DataFrame({"created_at": [T("2026-05-03"), T("2026-06-02")],
                                        "channel": ["chat", "chat"]}), freq="M")
    status = kpi.evaluate_targets(trend, {"complaints": {"target_change": -0.1, "baseline": "same_period_last_year"},
                                          "csat_mean": {"target": 4.5}}, period=parse_period("2026-06"))
    assert tables.targets_met_sentence(status, "en") == "No KPI target could be evaluated for this period " \
                                                        "(see the notes below)."  # never "0 of 0"
    assert tables.targets_met_sentence(status.iloc[:0], "en") == ""  # no targets set: nothing to say
    en = tables.target_sentences(card, status, "en")
    assert en == ["Complaints: target not evaluated — its baseline 2025-06 has no data. Change the parameter "
                  "targets.complaints.baseline (e.g. previous_12_months, same_period_last_year or a number) or "
                  "remove the target."]  # CSAT: left out for the missing responses table, said by its section
    zh = tables.target_sentences(card, status, "zh")
    assert "targets.complaints.baseline" in zh[0] and "基准期 2025-06 没有数据" in zh[0]
    skipped = [{"section": "fcr", "needs": "tickets.first_contact_resolved or tickets.contacts with tickets.resolved_at"},
               {"section": "churn", "needs": "customers"}]
    assert tables.skipped_sentences(skipped, "en")[1] == ("Churn rate is left out: it needs the customers table, "
                                                          "which the data does not have.")
    assert "tickets.contacts 及 tickets.resolved_at" in tables.skipped_sentences(skipped, "zh")[0]
    rows = tables.available_rows(card)
    assert "csat_mean" not in set(rows["kpi"]) and "churn_rate" not in set(rows["kpi"])
    assert {"fcr_rate", "aht_minutes", "complaints"} <= set(rows["kpi"])
    assert tables.year_ranges([2028, 2025, 2026]) == "2025–2026, 2028"
