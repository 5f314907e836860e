"""The HTML pages (csm.report.html) without a kernel: appendix, embedded font, language, failure page, index."""
from __future__ import annotations

import base64
import io
import re

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
    assert '<html lang="zh-CN">' in page and "报告 kpi_scorecard 生成失败" in page
    assert "tickets.csv, column created_at, rows 5–7: &#x27;下周三&#x27; is not a date &lt;b&gt;" in page
    assert "报告在第 3 步停止。" in page and "输入数据不符合报告的要求" in page
    assert "负责运行报告的分析人员" in page and "2026-06-monthly" in page and "/srv/csm/reports/2026-06-monthly" in page
    assert "DataError" not in page and "Traceback" not in page and "<script" not in page
    other = error_page("x", {"exception": "KeyError", "message": "'region'"}, None, language="en")
    assert "unexpected problem in the report itself" in other and "KeyError" not in other


def _manifest(**notebooks):
    return {"run_id": "2026-06-monthly", "status": "failed", "started_utc": "2026-07-02T06:00:00+00:00",
            "notebooks": {name: entry for name, (entry, _) in notebooks.items()},
            "results": {name: results for name, (_, results) in notebooks.items()}}


def test_index_shows_status_reason_period_language_parameters_and_headline_escaped():
    ok = ({"status": "ok", "html": "kpi_scorecard.html",
           "parameters": {"given": {"lang": "zh", "period": "latest", "data_dir": "data/sample",
                                    "title": "<script>alert(1)</script>"},
                          "sources": {"lang": "-p", "period": "params/kpi_scorecard.yaml",
                                      "data_dir": "params/kpi_scorecard.yaml", "title": "-p"}}},
          {"period": {"period": "2026-06", "comparison": "2026-05"},
           "headline": {"text": "首次解决率 69.1%，未达到 80.0% 的目标 <i>", "status": "missed"}})
    failed = ({"status": "failed", "html": "ab_test.html", "error": {"exception": "DataError",
                                                                      "message": "assignments.csv: no <variant> column"},
               "parameters": {"given": {}, "sources": {}}}, {})
    page = index_page([("2026-06-monthly", _manifest(kpi_scorecard=ok, ab_test=failed))], latest=None)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    kpi = re.search(r'<tr><td><a href="2026-06-monthly/kpi_scorecard.html">kpi_scorecard</a>.*?</tr>', page).group(0)
    assert '<span class="status status-ok">ok</span>' in kpi and "<td>2026-06 (vs 2026-05)</td>" in kpi
    assert "<td>zh</td>" in kpi and "data_dir" not in kpi  # only the parameters set for this run
    assert '<span class="status status-missed">missed</span> 首次解决率 69.1%，未达到 80.0% 的目标 &lt;i&gt;' in kpi
    ab = re.search(r'<tr><td><a href="2026-06-monthly/ab_test.html">ab_test</a>.*?</tr>', page).group(0)
    assert '<span class="status status-failed">failed</span><div class="reason">assignments.csv: no &lt;variant&gt; column' in ab
    assert ab.endswith("<td>—</td></tr>")  # no headline recorded: a dash
    assert page.count("2026-06-monthly</a>") == 1 and "(folder" not in page  # run id = folder: shown once
    assert ">Run id<" not in page and ">Folder<" not in page


def test_index_survives_malformed_manifests():
    page = index_page([("a", {"notebooks": ["x"], "results": None, "status": 3}), ("b", "not a manifest"),
                       ("c.failed-1", {"run_id": "c", "notebooks": {"n": "?"}, "results": {"n": {"headline": "x"}}})],
                      latest="a")
    assert 'href="c.failed-1/manifest.json">c</a> <span class="folder">(folder c.failed-1)</span>' in page
    assert "No reports in this run." in page and "status-latest" in page


def test_run_help_shows_real_parameters(capsys):
    assert main(["run", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps the help text
    assert "-p period=2026-06 or -p lang=zh" in out and "period_start" not in out
