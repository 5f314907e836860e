"""The HTML pages (csm.report.html) without a kernel: appendix, embedded font, language, failure page, index."""
from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import nbformat
import pytest

from csm.cli import main
from csm.report.html import FONT_FAMILY, error_page, export_html, index_page, page_characters


def _cell(kind: str, text: str, *tags: str):
    if kind == "markdown":
        cell = nbformat.v4.new_markdown_cell(text)
    else:
        cell = nbformat.v4.new_code_cell("x = 1")
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text + "\n")]
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def _font_chars(page: str) -> set[str]:
    from fontTools.ttLib import TTFont

    data = re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", page).group(1)
    return {chr(c) for c in TTFont(io.BytesIO(base64.b64decode(data))).getBestCmap()}


@pytest.mark.parametrize("lang, summary", [("en", "Appendix: method and diagnostics"), ("zh", "附录：方法与诊断")])
def test_appendix_cells_end_the_report_in_one_collapsed_details(tmp_path, lang, summary):
    nb = nbformat.v4.new_notebook()
    nb.cells = [_cell("markdown", "# 报告"), _cell("code", "MODEL-FIT", "appendix"), _cell("code", "MAIN-SECTION"),
                _cell("markdown", "ASSUMPTION-CHECKS", "appendix"), _cell("code", "LAST-SECTION")]
    page = export_html(nb, tmp_path / "r.html", language=lang).read_text(encoding="utf-8")
    assert page.count("<details") == 1 and page.count("</details>") == 1
    assert f'<details class="csm-appendix"><summary>{summary}</summary>' in page  # collapsed: no "open"
    opened, closed = page.index("<details"), page.index("</details>")
    assert page.index("MAIN-SECTION") < page.index("LAST-SECTION") < opened  # the main flow keeps its order
    assert opened < page.index("MODEL-FIT") < page.index("ASSUMPTION-CHECKS") < closed  # appendix, in order


def test_report_without_appendix_cells_has_no_details(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [_cell("markdown", "# Report"), _cell("code", "BODY")]
    assert "<details" not in export_html(nb, tmp_path / "r.html").read_text(encoding="utf-8")


def test_embedded_font_holds_the_page_characters_and_no_others(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [_cell("markdown", "# 客服周报"), _cell("code", "首次解决率 69.1%，目标 80.0%")]
    page = export_html(nb, tmp_path / "r.html", language="zh").read_text(encoding="utf-8")
    font = _font_chars(page)
    shown = page_characters(page)
    assert set("客服周报首次解决率目标69.1%，") <= font and set("客服周报首次解决率") <= shown
    assert not set("龙鼎曦") & font  # characters the page does not show are not embedded
    assert f"font-family: '{FONT_FAMILY}'" in page and "data:font/woff;base64," in page
    assert len(page.encode()) - len(page.split("@font-face")[0].encode()) < 40_000  # a few glyphs, a few KB


@pytest.mark.parametrize("given, expected", [("zh", "zh-CN"), ("en", "en"), ('en"><script>alert(1)</script>', "en"),
                                             (None, "en"), ("fr", "en")])
def test_html_lang_is_a_checked_language(tmp_path, given, expected):
    nb = nbformat.v4.new_notebook()
    nb.cells = [_cell("markdown", "# R")]
    page = export_html(nb, tmp_path / "r.html", language=given).read_text(encoding="utf-8")
    assert f'<html lang="{expected}">' in page and "alert(1)" not in page


def test_failure_page_says_what_to_do_and_whom_to_ask_in_the_report_language():
    error = {"exception": "DataError", "cell_index": 2,
             "message": "tickets.csv, column created_at, rows 5–7: '下周三' is not a date <b>; use YYYY-MM-DD."}
    page = error_page("kpi_scorecard", error, "kpi_scorecard.ipynb", language="zh", run_id="2026-06-monthly",
                      folder="/srv/csm/reports/2026-06-monthly")
    assert '<html lang="zh-CN">' in page and "<title>报告未能生成：关键指标记分卡</title>" in page
    assert "报告给出的原始信息（英文）：" in page  # an untranslated message has a Chinese lead-in
    assert "tickets.csv, column created_at, rows 5–7: &#x27;下周三&#x27; is not a date &lt;b&gt;" in page
    assert "输入数据不符合报告的要求" in page and "步" not in page and "3" not in page.split("<body", 1)[1]
    assert "负责运行报告的分析人员" in page and "2026-06-monthly" in page and "/srv/csm/reports/2026-06-monthly" in page
    assert "DataError" not in page and "Traceback" not in page and "<script" not in page
    from csm.errors import RunError

    same = RunError(error["message"], notebook="kpi_scorecard", cell=2, exception="DataError")
    assert error_page("kpi_scorecard", same, "kpi_scorecard.ipynb", language="zh", run_id="2026-06-monthly",
                      folder="/srv/csm/reports/2026-06-monthly") == page  # the runner's RunError, or its record
    other = error_page("x", {"exception": "KeyError", "message": "'region'"}, None, language="en")
    assert "unexpected problem in the report itself" in other and "KeyError" not in other
    assert "<title>Report failed: x</title>" in other  # a notebook without a display name keeps its code


@pytest.mark.parametrize("lang, reason, todo", [
    ("en", "The data folder /tmp/nonexistent does not exist.", "Check the data_dir parameter"),
    ("zh", "数据文件夹 /tmp/nonexistent 不存在。", "请检查 data_dir 参数"),
])
def test_failure_page_says_a_missing_data_folder_in_the_report_language(lang, reason, todo):
    error = {"exception": "DataError", "cell_index": 1, "message": "/tmp/nonexistent: data folder not found"}
    page = error_page("kpi_scorecard", error, None, language=lang)
    body = page.split("<body", 1)[1]
    assert f'<p class="reason">{reason}</p>' in body and todo in body
    assert ("KPI scorecard" if lang == "en" else "关键指标记分卡") in body
    assert "kpi_scorecard" not in body.replace("params/kpi_scorecard.yaml", "")  # the code only in the file name
    assert "step" not in body and "Correct the file, column or rows" not in body
    if lang == "zh":  # every sentence Chinese; the analyst's own message only after a Chinese lead-in
        assert not re.search(r"[A-Za-z]{4,}", re.sub(r"<[^>]+>|/tmp/nonexistent|data_dir|params/kpi_scorecard.yaml"
                                                    r"|csm run|data folder not found", "", body))


@pytest.mark.parametrize("exception, message, en, zh", [
    ("DataError", "sample: no tickets file; expected one of tickets.csv. Files in the folder: (none)",
     "A file the report needs is missing: the tickets table.", "缺少报告需要的文件：tickets 表。"),
    ("DataError", "tickets.csv: 2 problem(s) in the tickets table: - tickets.csv, column 'channel': is required but "
                  "missing; rename - tickets.csv, column 'team': is required but missing; rename",
     "A column the report needs is missing: 'channel', 'team' (table tickets).", "缺少报告需要的列：'channel', 'team'（tickets 表）。"),
    ("ParameterError", "Parameter 'period' = '2026-13' (from -p) is not allowed: expected a month.",
     "The report setting period has a value that is not allowed ('2026-13').", "报告设置 period 的取值不允许（'2026-13'）。"),
    ("ParameterError", "period 2030-01 has no tickets: the data runs from 2025-01-01 to 2026-06-30; choose a period",
     "The period January 2030 has no data (tickets): the data runs from 1 January 2025 to 30 June 2026.",
     "所选期间 2030年1月 没有数据（工单）：数据范围是2025年1月1日至2026年6月30日。"),
])
def test_common_failures_are_explained_in_both_languages(exception, message, en, zh):
    from csm.report.html import explain_error

    assert explain_error({"exception": exception, "message": message}, "kpi_scorecard", "en")[0] == en
    reason, todo = explain_error({"exception": exception, "message": message}, "kpi_scorecard", "zh")
    assert reason == zh and todo.startswith("请")
    assert explain_error({"exception": "KeyError", "message": message}, "x", "en")[0] is None  # a bug: not explained


def _manifest(**notebooks):
    return {"run_id": "2026-06-monthly", "status": "failed", "started_utc": "2026-07-02T06:00:00+00:00",
            "notebooks": {name: entry for name, (entry, _) in notebooks.items()},
            "results": {name: results for name, (_, results) in notebooks.items()}}


def test_index_shows_status_reason_period_language_parameters_and_headline_escaped():
    ok = ({"status": "ok", "html": "kpi_scorecard.html", "language": "en",
           "parameters": {"given": {"period": "latest", "data_dir": "data/sample",
                                    "title": "<script>alert(1)</script>"},
                          "sources": {"period": "params/kpi_scorecard.yaml",
                                      "data_dir": "params/kpi_scorecard.yaml", "title": "-p"}}},
          {"period": {"period": "2026-06", "start": "2026-06-01", "end": "2026-06-30", "comparison": "2026-05"},
           "headline": {"text": "FCR 69.1%, below the 80.0% target <i>", "status": "missed"}})
    failed = ({"status": "failed", "html": "ab_test.html", "error": {"exception": "DataError",
                                                                      "message": "assignments.csv: no <variant> column"},
               "parameters": {"given": {"period": "latest"}, "sources": {"period": "-p"}}}, {})
    page = index_page([("2026-06-monthly", _manifest(kpi_scorecard=ok, ab_test=failed))], latest=None)
    assert '<html lang="en">' in page and "<h1>Reports</h1>" in page
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    kpi = re.search(r'<tr><td><a href="2026-06-monthly/kpi_scorecard.html">KPI scorecard</a>.*?</tr>', page).group(0)
    assert '<span class="status status-ok">ok</span>' in kpi and "<td>June 2026 (vs May 2026)</td>" in kpi
    assert "<td>English</td>" in kpi and "data_dir" not in kpi  # only the parameters set for this run
    assert '<span class="status status-missed">Missed</span> FCR 69.1%, below the 80.0% target &lt;i&gt;' in kpi
    ab = re.search(r'<tr><td><a href="2026-06-monthly/ab_test.html">A/B test</a>.*?</tr>', page).group(0)
    assert '<span class="status status-failed">failed</span><div class="reason">assignments.csv: no &lt;variant&gt; column' in ab
    assert "<td>—</td><td>English</td>" in ab and "<td>latest</td>" not in ab  # a failed run: no raw "latest" period
    assert ab.endswith("<td>—</td></tr>")  # no headline recorded: a dash
    assert page.count("2026-06-monthly</a>") == 1 and "(folder" not in page  # run id = folder: shown once
    assert ">Run id<" not in page and ">Folder<" not in page


def test_index_of_chinese_runs_is_chinese_and_a_mixed_page_says_each_run_in_its_language():
    zh_ok = ({"status": "ok", "html": "kpi_scorecard.html", "language": "zh",
              "parameters": {"given": {"lang": "zh"}, "sources": {"lang": "-p"}}},
             {"period": {"period": "2026-06", "start": "2026-06-01", "end": "2026-06-30", "comparison": "2026-05"},
              "headline": {"text": "首次解决率 69.1%，未达到 80.0% 的目标", "status": "no_change"}})
    zh_failed = ({"status": "failed", "html": "kpi_scorecard.html", "language": "zh",
                  "error": {"exception": "DataError", "message": "/tmp/nonexistent: data folder not found"},
                  "parameters": {"given": {"lang": "zh", "period": "latest"}, "sources": {}}}, {})
    page = index_page([("zh-run", _manifest(kpi_scorecard=zh_ok)), ("zh-failed", _manifest(kpi_scorecard=zh_failed))])
    assert '<html lang="zh-CN">' in page and "<h1>报告</h1>" in page and "<title>csm 报告</title>" in page
    for english in (">Reports<", ">Status<", ">ok<", ">failed<", "No change", "kpi_scorecard</a>", "2026-06 ",
                    "Started", "data folder not found</div>"):
        assert english not in page, english
    assert '>关键指标记分卡</a>' in page and "<td>2026年6月（对比2026年5月）</td>" in page and "<td>中文</td>" in page
    assert '<span class="status status-no_change">无变化</span> 首次解决率' in page
    assert '<div class="reason">数据文件夹 /tmp/nonexistent 不存在。</div>' in page and "开始于 2026-07-02" in page
    en_ok = ({"status": "ok", "html": "kpi_scorecard.html", "language": "en", "parameters": {}}, {})
    mixed = index_page([("zh-run", _manifest(kpi_scorecard=zh_ok)), ("en-run", _manifest(kpi_scorecard=en_ok))])
    assert '<html lang="en">' in mixed and "<h1>Reports</h1>" in mixed
    zh_section, en_section = mixed.split("<section")[1:3]
    assert zh_section.startswith(' lang="zh-CN"') and "<th>状态</th>" in zh_section and ">关键指标记分卡<" in zh_section
    assert en_section.startswith(' lang="en"') and "<th>Status</th>" in en_section and ">KPI scorecard<" in en_section


def test_index_survives_malformed_manifests():
    page = index_page([("a", {"notebooks": ["x"], "results": None, "status": 3}), ("b", "not a manifest"),
                       ("c.failed-1", {"run_id": "c", "notebooks": {"n": "?"}, "results": {"n": {"headline": "x"}}})],
                      latest="a")
    assert 'href="c.failed-1/manifest.json">c</a> <span class="folder">(folder c.failed-1)</span>' in page
    assert "No reports in this run." in page and "status-latest" in page


def test_report_text_keeps_p_values_and_intervals_on_one_line(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [_cell("markdown", "# 报告\n\n差异显著（p < 0.001），比值比 1.47（95% 置信区间 1.40–1.56）。")]
    page = export_html(nb, tmp_path / "r.html", language="zh").read_text(encoding="utf-8")
    assert "p\u00a0&lt;\u00a00.001" in page and "置信区间\u00a01.40–\u20601.56" in page
    assert "p &lt; 0.001" not in page and "置信区间 1.40" not in page


def test_run_help_shows_real_parameters(capsys):
    assert main(["run", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps the help text
    assert "-p period=2026-06 or -p lang=zh" in out and "period_start" not in out


def test_report_names_are_the_report_titles_from_the_labels_without_their_period():
    """One copy of each report's name: the title phrase in csm.report.labels, its period part cut off."""
    from csm.report.html import report_name
    from csm.report.labels import phrase

    expected = {
        "kpi_scorecard": ("KPI scorecard", "关键指标记分卡"),
        "complaint_root_cause": ("Complaint root-cause briefing", "投诉根因分析简报"),
        "nps_churn_clv": ("NPS, churn and customer lifetime value", "净推荐值、客户流失与客户终身价值"),
        "ab_test": ("A/B test", "A/B 测试"),
        "feedback_sentiment": ("Customer feedback sentiment", "客户反馈情感分析"),
    }
    notebooks = sorted(p.stem for p in (Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
    assert sorted(expected) == notebooks  # every report has a display name
    titles = {"kpi_scorecard": ("kpi_scorecard_title", {"period": "P"}),
              "complaint_root_cause": ("complaints_title", {"period": "P"}),
              "nps_churn_clv": ("cust_title", {"period": "P"}),
              "ab_test": ("ab_title", {"experiment": "P"}),
              "feedback_sentiment": ("sentiment_title", {"period": "P"})}
    for code, names in expected.items():
        for lang, name in zip(("en", "zh"), names):
            assert report_name(code, lang) == name, (code, lang)
            key, values = titles[code]
            assert phrase(key, lang, **values).startswith(name)  # the name is the title's beginning
    assert report_name("my_own_report", "zh") == "my_own_report"
