"""Report tables and sentences: rounding, intervals, target verdicts, Markdown safety, both languages."""
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import mistune  # the Markdown renderer nbconvert uses for the HTML reports

from csm import kpi
from csm.report import display, tables
from csm.report import format as fmt

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
    assert fcr["Estimate"].startswith("80.0% [") and fcr["Target"] == "≥ 80.0% by 31 December 2026"
    assert fcr["Status"] == "Met" and fcr["n"] == "5"
    aht = table.loc["Average handle time"]
    assert aht["Estimate"].startswith("5.8 min [") and aht["Estimate"].endswith("]")
    assert aht["Previous"] == "6.0 min" and aht["Target"] == "≤ 6.0 min" and aht["Status"] == "Met"
    zh = tables.scorecard_table(card, targets, "zh")
    assert zh.index.name == "指标" and zh.loc["首次解决率", "状态"] == "达标"


def test_target_sentences_in_both_languages(card_and_targets):
    card, targets = card_and_targets
    en = tables.target_sentences(card, targets, "en")
    assert en[0].startswith("First-contact resolution: 80.0% [") and "Met" in en[0]
    zh = tables.target_sentences(card, targets, "zh")
    assert zh[0].startswith("首次解决率：80.0%") and "达标" in zh[0]


def test_format_number_by_unit():
    assert fmt.format_number(69.0771, "%") == "69.1%"
    assert fmt.format_number(3.871, "score (1–5)") == "3.87"
    assert fmt.format_number(3219.0, "tickets") == "3,219"
    assert fmt.format_number(np.nan, "%") == "–"
    assert fmt.format_number(-0.02, "minutes", signed=True) == "±0.0"
    assert fmt.format_number(1.25, "percentage points", "zh", signed=True) == "+1.2 个百分点"


def test_old_import_paths_are_the_new_objects():
    for name in ("ReportFrame", "display_frame", "code_label", "numeric_column", "heading", "paragraph", "bullets",
                 "escape_markdown", "data_quality_table"):
        assert getattr(tables, name) is getattr(display, name), name
    for name in ("format_number", "format_interval", "unit_suffix", "format_quantity", "format_share",
                 "format_p_value", "n_days"):
        assert getattr(tables, name) is getattr(fmt, name), name
    assert set(display.__all__) <= set(dir(display)) and set(fmt.__all__) <= set(dir(fmt))


def test_display_frame_labels_headers_and_indexes_by_the_first_column():
    frame = display.display_frame(pd.DataFrame({"kpi": ["fcr_rate"], "estimate": ["72.3%"], "n": ["1,200"]}), "zh")
    assert isinstance(frame, display.ReportFrame) and frame.index.name == "指标"
    assert list(frame.columns) == ["估计值", "样本量"]
    own = display.display_frame(pd.DataFrame({"x": ["a"], "churn_rate": [0.1]}), "en", headers={"x": "estimate"})
    assert own.index.name == "Estimate" and list(own.columns) == [display.code_label("churn_rate", "en")]
    assert display.code_label(None, "en") == "–" and display.code_label(float("nan"), "zh") == "–"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pandas 2.2 warned when a ReportFrame was sliced
        sliced = frame.iloc[:1]
        copied = frame.rename(columns=str.upper)
    assert isinstance(sliced, display.ReportFrame) and isinstance(copied, display.ReportFrame)  # whole cells still


def test_generated_text_is_never_read_as_markdown():
    text = "column created_at is empty; set datetime_format: *now* [x](y) <b>"
    html = mistune.html(display.bullets([text]).data)
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
    one = status.assign(status=["met", "no_data"])
    assert tables.targets_met_sentence(one, "en") == "The only KPI target that could be evaluated was met."
    assert tables.targets_met_sentence(one.assign(status=["missed", "no_data"]), "zh") == "唯一可评估的指标目标未达标。"
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
    plural = tables.skipped_sentences([{"section": "resolution", "needs": "tickets.resolved_at"},
                                       {"section": "team_league", "needs": "tickets.team"},
                                       {"section": "agent_league", "needs": "tickets.agent_id"}], "en")
    assert plural == ["Resolution time and the SLA rate are left out: they need tickets.resolved_at, which the data "
                      "does not have.",
                      "Team league tables are left out: they need tickets.team, which the data does not have.",
                      "Agent league table is left out: it needs tickets.agent_id, which the data does not have."]
    assert tables.skipped_sentences([{"section": "team_league", "needs": "tickets.team"}], "zh") == [
        "未显示团队排名：这部分需要 tickets.team，而数据中没有。"]
    assert "tickets.contacts 及 tickets.resolved_at" in tables.skipped_sentences(skipped, "zh")[0]
    rows = tables.available_rows(card)
    assert "csat_mean" not in set(rows["kpi"]) and "churn_rate" not in set(rows["kpi"])
    assert {"fcr_rate", "aht_minutes", "complaints"} <= set(rows["kpi"])
    assert tables.year_ranges([2028, 2025, 2026]) == "2025–2026, 2028"


def test_units_in_sentences_and_long_minutes_also_in_hours():
    assert tables.format_quantity(8.66, "minutes") == "8.7 min"
    # from 2 h on a duration reads in hours, from 2 days on in days; the interval in the value's unit
    assert tables.format_quantity(1070.94, "minutes", low=1000.2, high=1150.33) == \
        "17.8 h [16.7, 19.2]"  # 1,070.94 / 60 = 17.849; 1,000.2 / 60 = 16.67; 1,150.33 / 60 = 19.17
    assert tables.format_quantity(1070.94, "minutes", "zh") == "17.8小时"
    assert tables.format_quantity(119.9, "minutes") == "119.9 min"  # below 2 h: minutes
    assert tables.format_quantity(30.25, "hours") == "30.2 h"
    assert tables.format_quantity(60, "hours") == "2.5 days" and tables.format_quantity(0.4, "hours") == "24.0 min"
    assert tables.format_quantity(300, "business minutes") == "5.0 business h"
    assert tables.format_quantity(3000, "business minutes") == "50.0 business h"  # a business day is not 24 h
    assert tables.format_quantity(72.34, "%", low=70.1, high=74.44) == "72.3% [70.1%, 74.4%]"
    assert tables.format_quantity(2130, "tickets") == "2,130" and tables.format_quantity(np.nan, "minutes") == "—"


def test_headline_sentences_carry_units(card_and_targets):
    card, targets = card_and_targets
    en = tables.target_sentences(card, targets, "en")
    aht = next(s for s in en if s.startswith("Average handle time"))
    assert aht.startswith("Average handle time: 5.8 min [") and "] against a target of 6.0 min" in aht
    zh = tables.target_sentences(card, targets, "zh")
    assert any(s.startswith("平均处理时长：5.8分钟 [") and "]，目标 6.0分钟" in s for s in zh)


def test_thin_baseline_and_short_trend_are_said_not_projected():
    from csm.periods import parse_period

    # the newcomer's CFPB case: March and April 2019 only; previous_12_months of 2019-04 has 1 month of data
    tickets = pd.DataFrame({"created_at": [T("2019-03-01"), T("2019-03-15"), T("2019-03-31")]
                            + [T("2019-04-02")] * 4 + [T("2019-04-30")], "channel": "email"})
    april = parse_period("2019-04")
    card = kpi.scorecard(tickets, period=(april.start, april.last_day), comparison=("2019-03-01", "2019-03-31"))
    trend = kpi.kpi_trend(tickets, freq="M", start="2018-04-01", end="2019-04-30")
    status = kpi.evaluate_targets(trend, {
        "complaints": {"target_change": -0.1, "baseline": "previous_12_months", "deadline": "end_of_year"},
        "fcr_rate": {"target": 80, "deadline": "end_of_year"}}, period=april)
    c = status.set_index("kpi").loc["complaints"]
    assert c["status"] == "not_evaluated" and (c["baseline_n"], c["baseline_periods"]) == (1, 12)
    en = tables.target_sentences(card, status, "en")
    assert en[0] == ("Complaints: target not evaluated — its baseline 2018-04-01..2019-03-31 has data in only 1 of "
                     "its 12 periods (at least 50% are needed for a baseline). Change the parameter "
                     "targets.complaints.baseline (e.g. previous_period or a number) or remove the target.")
    assert "targets.complaints.baseline" in tables.target_sentences(card, status, "zh")[0]
    assert tables.scorecard_table(card, status, "en").loc["Complaints", "Status"] == "Not evaluated"
    assert tables.scorecard_table(card, status, "en").loc["Complaints", "Target"] == ""
    # a level target on a two-month trend: a verdict on the actual value, but no projection to the year end
    level = kpi.evaluate_targets(trend, {"complaints": {"target": 3, "deadline": "end_of_year"}}, period=april)
    s = tables.target_sentences(card, level, "en")[0]
    assert s.startswith("Complaints: 5 [") and "projected" not in s
    assert s.endswith("No projection to 31 December 2019: the trend has 2 period(s) with data, at least 3 are needed.")


def test_report_tables_show_long_cells_whole():
    """pandas cuts cells at display.max_colwidth (50) with "...": a report table must show all 300 characters."""
    long = "median calendar-clock minutes from created_at to first_response_at " * 5  # 335 characters
    long = long[:300]
    frame = display.display_frame(pd.DataFrame({"kpi": ["first_response_minutes"], "definition": [long]}), "en")
    html = frame._repr_html_()
    assert long in html and "..." not in html and "…" not in html
    assert long in repr(frame)
    assert long in tables.definitions_table(pd.DataFrame({"kpi": ["aht_minutes"], "definition": [long]}),
                                            "zh")._repr_html_()
    assert pd.get_option("display.max_colwidth") == 50  # nothing changed globally


def test_report_tables_have_one_header_row_and_align_text_left_numbers_right():
    frame = display.display_frame(pd.DataFrame({
        "kpi": ["First response time", "CSAT <b>"],
        "estimate": ["8.7 min (17.8 h) [16.7, 19.2]", "3.87 / 5"],
        "change": ["−4.2 pp", "+0.1个百分点"],
        "p_value": ["< 0.001", "—"],
        "definition": ["Median minutes from creation to the first reply", "满意 4–5 分的回复占比"],
        "rank": [1, 2],
    }), "en")
    html = frame._repr_html_()
    head = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)
    assert head.count("<tr") == 1 and "<th></th>" not in html  # the index name heads its column: no second row
    headers = re.findall(r'<th style="text-align: (\w+);">([^<]*)</th>', head)
    assert headers[0] == ("left", "KPI") and len(headers) == 6
    aligns = dict((name, align) for align, name in headers)
    assert aligns["Definition"] == "left" and aligns["p-value"] == aligns["Rank"] == "right"
    first = re.search(r"<tbody>\s*<tr>(.*?)</tr>", html, re.S).group(1)
    cells = re.findall(r'<t[hd] style="text-align: (\w+);">([^<]*)</t[hd]>', first)
    assert [a for a, _ in cells] == ["left", "right", "right", "right", "left", "right"]
    assert "CSAT &lt;b&gt;" in html  # still escaped
    assert repr(frame).splitlines()[1].startswith("KPI")  # the plain-text table is unchanged
    assert not display.numeric_column(pd.Series(["12 tickets were reopened within a week", "3 of them twice"]))
    assert display.numeric_column(pd.Series(["2.3天", "¥1,234", "p = 0.032", "2026年5月2日"]))


def test_data_table_counts_have_separators_and_a_missing_table_is_said_in_both_languages(tmp_path):
    from conftest import write_partial_sample
    from csm.data.load import load_tables
    from csm.report.display import data_quality_table

    folder = write_partial_sample(tmp_path, drop_tables=("responses", "transactions", "assignments", "customers"))
    data = load_tables(folder)
    for lang, missing in (("en", "(not provided)"), ("zh", "（未提供）")):
        frame = data_quality_table(data, lang)
        text = frame.to_html()
        assert f"{len(data.tickets):,}" in text and str(len(data.tickets)) not in text
        assert missing in text


def test_every_kpi_definition_is_said_in_chinese(card_and_targets):
    from csm.report.tables_kpi import definition_text

    card, _ = card_and_targets
    for definition in card["definition"]:
        zh = definition_text(definition, "zh")
        left = re.findall(r"[A-Za-z_]{2,}", zh)
        assert set(left) <= {"NPS", "SLA"}, (definition, zh)  # no formula left in English
    assert definition_text("median calendar-clock minutes from created_at to first_response_at (tickets without a "
                           "reply left out); channel email", "zh").endswith("；渠道：邮件")


def test_team_codes_read_as_team_names():
    from csm.report.labels import label

    assert label("team_c", "en") == "Team C" and label("team_c", "zh") == "C组"
    assert label("team_alpha", "en") == "team_alpha"  # only the single-letter sample ids


def test_agents_sentence_says_whether_agents_can_be_told_apart():
    from csm.report.tables_kpi import agents_sentence

    league = pd.DataFrame({"agent_id": ["A1", "A2", "A3"], "too_few": [False] * 3, "unit": "%",
                           "shrunk_ci_low": [60.0, 65.0, 75.0], "shrunk_ci_high": [80.0, 78.0, 90.0]})
    overlapping = league.assign(shrunk_ci_low=[60.0, 65.0, 68.0])
    assert agents_sentence(overlapping, 70.0, "agent_id", "en").startswith(
        "None of the 3 agents has an interval wholly above or below the overall 70.0%")
    text = agents_sentence(league, 70.0, "agent_id", "en")  # A3's interval 75–90% lies above 70%
    assert "1 lie above it (A3)" in text and "the other 2 cannot be told apart" in text
    assert "1 个高于整体（A3）" in agents_sentence(league, 70.0, "agent_id", "zh")


def test_kpi_findings_count_targets_and_name_units(card_and_targets):
    from csm.report.tables_kpi import kpi_findings

    card, targets = card_and_targets
    findings = kpi_findings(card, targets, "en", period="June 2026", previous="May 2026")
    # both targets are met (fcr 80.0% ≥ 80, aht 5.8 min ≤ 6): the first finding counts them
    assert (findings[0].text, findings[0].status) == ("2 of 2 KPI targets met in June 2026.", "met")
    aht = next(f for f in findings if f.text.startswith("Average handle time"))
    assert "5.8 min" in aht.text and "6.0 min" in aht.text and aht.status == "met"
    assert 3 <= len(findings) <= 5


def test_scorecard_change_status_colour_and_untested_p_values():
    import pandas as pd

    from csm.report import tables_kpi

    # 19.14 h → 17.76 h is shown as 19.1 h → 17.8 h: the change reads −1.3 h (from the shown values), not −1.4 h
    row = pd.Series({"kpi": "first_response_minutes_email", "estimate": 17.76 * 60, "previous": 19.14 * 60,
                     "change": -1.38 * 60, "change_ci_low": None, "change_ci_high": None, "p_value": None,
                     "unit": "minutes", "change_unit": "minutes"})
    assert tables._change_text(row, "en") == "−1.3 h"
    pp = pd.Series({"estimate": 2.04, "previous": 2.06, "change": -0.02, "change_ci_low": -0.4, "change_ci_high": 0.3,
                    "unit": "%", "change_unit": "percentage points"})
    assert tables._change_text(pp, "en").startswith("−0.1 pp")  # 2.0% → 2.1% shown
    frame = tables.display_frame(pd.DataFrame({"kpi": ["A", "B", "C"], "change": ["+0.1 min", "—", "+1.0 pp"],
                                               "p_value": ["", "", "0.400"], "status": ["Missed", "", "Met"]}), "en")
    filled = tables_kpi.fill_untested(frame, "en")
    assert list(filled["p-value"]) == ["not tested", "", "0.400"]
    assert "p-value" not in tables_kpi.fill_untested(frame.assign(**{"p-value": ""}), "en").columns
    html = tables_kpi.colour_status(filled, "en")._repr_html_()
    assert html.count("csm-status-missed") == 1 and html.count("csm-status-met") == 1
    targets = pd.DataFrame({"kpi": ["fcr_rate", "aht_minutes", "complaints"], "status": ["missed", "missed", "met"]})
    assert tables_kpi.missed_names(targets, "en") == "First-contact resolution; Average handle time"
