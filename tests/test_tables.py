"""Report tables and sentences: rounding, intervals, Markdown safety, both languages (the KPI scorecard's
tables and sentences: tests/test_kpi_presentation.py)."""
import re
import warnings

import numpy as np
import pandas as pd
import mistune  # the Markdown renderer nbconvert uses for the HTML reports

from csm.report import display
from csm.report import format as fmt

T = pd.Timestamp


def test_format_number_by_unit():
    assert fmt.format_number(69.0771, "%") == "69.1%"
    assert fmt.format_number(3.871, "score (1–5)") == "3.87"
    assert fmt.format_number(3219.0, "tickets") == "3,219"
    assert fmt.format_number(np.nan, "%") == "–"
    assert fmt.format_number(-0.02, "minutes", signed=True) == "±0.0"
    assert fmt.format_number(1.25, "percentage points", "zh", signed=True) == "+1.2 个百分点"


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


def test_units_in_sentences_and_long_minutes_also_in_hours():
    assert fmt.format_quantity(8.66, "minutes") == "8.7 min"
    # from 2 h on a duration reads in hours, from 2 days on in days; the interval in the value's unit
    assert fmt.format_quantity(1070.94, "minutes", low=1000.2, high=1150.33) == \
        "17.8 h [16.7, 19.2]"  # 1,070.94 / 60 = 17.849; 1,000.2 / 60 = 16.67; 1,150.33 / 60 = 19.17
    assert fmt.format_quantity(1070.94, "minutes", "zh") == "17.8小时"
    assert fmt.format_quantity(119.9, "minutes") == "119.9 min"  # below 2 h: minutes
    assert fmt.format_quantity(30.25, "hours") == "30.2 h"
    assert fmt.format_quantity(60, "hours") == "2.5 days" and fmt.format_quantity(0.4, "hours") == "24.0 min"
    assert fmt.format_quantity(300, "business minutes") == "5.0 business h"
    assert fmt.format_quantity(3000, "business minutes") == "50.0 business h"  # a business day is not 24 h
    assert fmt.format_quantity(72.34, "%", low=70.1, high=74.44) == "72.3% [70.1%, 74.4%]"
    assert fmt.format_quantity(2130, "tickets") == "2,130" and fmt.format_quantity(np.nan, "minutes") == "—"


def test_report_tables_show_long_cells_whole():
    """pandas cuts cells at display.max_colwidth (50) with "...": a report table must show all 300 characters."""
    long = "median calendar-clock minutes from created_at to first_response_at " * 5  # 335 characters
    long = long[:300]
    frame = display.display_frame(pd.DataFrame({"kpi": ["first_response_minutes"], "definition": [long]}), "en")
    html = frame._repr_html_()
    assert long in html and "..." not in html and "…" not in html
    assert long in repr(frame)
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


def test_team_codes_read_as_team_names():
    from csm.report.labels import label

    assert label("team_c", "en") == "Team C" and label("team_c", "zh") == "C组"
    assert label("team_alpha", "en") == "team_alpha"  # only the single-letter sample ids


