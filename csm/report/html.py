"""HTML pages for managers: the exported report, the failure page and ``reports/index.html``.

Every page is self-contained (no script, stylesheet, font or image from the network) and renders the same
on any machine: the text uses a per-page subset of the bundled CJK font
(``csm/report/fonts/CSMSansCJKSC-Regular.otf``) embedded as an ``@font-face`` data URL, holding exactly
the characters the page shows, so Chinese never turns into □ boxes on a machine without CJK fonts.
Table cells wrap instead of overflowing; cells tagged ``appendix`` end the report inside one collapsed
``<details>``. Every string that comes from data or parameters is escaped.

The runner calls :func:`export_html` and :func:`write_error_page` (:mod:`csm.run.export`) and :func:`index_page`
(:mod:`csm.run.manifest`); nothing here knows an analysis.
"""
from __future__ import annotations

import base64
import copy
import html
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

from csm.errors import RunError
from csm.report.theme import FONT_PATH

__all__ = [
    "APPENDIX_TAG", "FONT_FAMILY", "FONT_PATH", "LANGS", "PAGE_CSS", "embed_font", "entry_language", "error_page",
    "explain_error", "export_html", "font_face_css", "html_lang_code", "index_page", "keep_together", "page_characters",
    "page_lang", "period_text", "report_cells", "report_name", "subset_font", "write_error_page",
]

#: Languages a page can be in; anything else is shown as English.
LANGS = ("en", "zh")
#: Tags of cells the HTML report never shows.
HIDDEN_CELL_TAGS = frozenset({"injected-parameters", "parameters"})
#: Tag of cells gathered into the collapsed appendix at the end of the report.
APPENDIX_TAG = "appendix"
APPENDIX_SUMMARY = {"en": "Appendix: method and diagnostics", "zh": "附录：方法与诊断"}

#: Family name of the embedded subset (distinct from any installed font, so the page always uses its own).
FONT_FAMILY = "CSM Report Sans"
FONT_NOTICE = "CSM Sans CJK SC (subset of Noto Sans CJK SC, SIL Open Font License 1.1)"
_FONT_PLACEHOLDER = "/*csm-embedded-font*/"

_SANS = f"'{FONT_FAMILY}', sans-serif"
#: Monospace text keeps a monospace font for Latin; characters it lacks (CJK) fall back to the embedded font.
_MONO = f"'DejaVu Sans Mono', monospace, '{FONT_FAMILY}'"

#: Layout shared by every page: the embedded font for all text, cells that wrap, status colours.
PAGE_CSS = f"""
:root {{
  --jp-ui-font-family: {_SANS};
  --jp-content-font-family: {_SANS};
  --jp-code-font-family: {_MONO};
  --jp-code-font-family-default: {_MONO};
}}
body, table, th, td, summary, button, input {{ font-family: {_SANS}; }}
pre, code, kbd, samp {{ font-family: {_MONO}; }}
/* nothing cut: tables fit their column and cells wrap; long words and codes break only where they must */
table {{ table-layout: auto !important; max-width: 100%; }}
th, td {{ white-space: normal !important; overflow-wrap: break-word; word-break: normal; max-width: none; }}
/* Chinese cells break between words (at spaces and punctuation), never inside one ("相对风险", not "相对风/险") */
:lang(zh) th, :lang(zh) td {{ word-break: keep-all; }}
.jp-OutputArea-output {{ overflow-x: visible; }}
img {{ max-width: 100%; height: auto; }}
details.csm-appendix {{ margin: 2em 0 1em; border-top: 1px solid #ccc; padding-top: 0.5em; }}
details.csm-appendix > summary {{ cursor: pointer; font-size: 1.2em; font-weight: bold; padding: 0.4em 0; }}
.status {{ display: inline-block; padding: 0.05em 0.5em; border-radius: 0.7em; font-weight: bold; white-space: nowrap; }}
.status-ok, .status-met, .status-improved {{ background: #dff3e3; color: #1b6b2a; }}
.status-at_risk {{ background: #fff1d0; color: #7a5200; }}
.status-failed, .status-missed, .status-worse {{ background: #fde0e0; color: #a3001b; }}
.status-no_change, .status-info {{ background: #e8ecf1; color: #33414f; }}
"""


def page_lang(language) -> str:
    """``language`` when it is one of :data:`LANGS`, else ``"en"`` (parameters are data: never pasted unchecked)."""
    return language if isinstance(language, str) and language in LANGS else "en"


def html_lang_code(language) -> str:
    """The ``<html lang>`` value of a report language: ``"zh-CN"`` or ``"en"``."""
    return {"zh": "zh-CN"}.get(page_lang(language), "en")


def _esc(value) -> str:
    return html.escape(str(value), quote=True)


# --------------------------------------------------------------------------- embedded font

class _TextCollector(HTMLParser):
    """Characters of a page's rendered text: text nodes outside <head>, <script> and <style>, entities decoded."""

    _SKIP = {"script", "style", "head", "title", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chars: set[str] = set()
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self._skipping += 1

    def handle_endtag(self, tag):
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping:
            self.chars.update(data)


def page_characters(page: str) -> set[str]:
    """Every character the page shows as text (the characters its embedded font must hold)."""
    collector = _TextCollector()
    collector.feed(page)
    collector.close()
    return {c for c in collector.chars if c.isprintable() or c == "\u3000"}


def subset_font(chars, *, flavor: str = "woff") -> bytes:
    """The bundled CJK font cut down to ``chars`` (plus their upper/lower case, for CSS text-transform), as
    WOFF (zlib; deterministic bytes). Characters the bundled font lacks are left to the reader's fonts."""
    from fontTools import subset

    text = set(chars)
    text |= {c.upper() for c in text if len(c.upper()) == 1} | {c.lower() for c in text if len(c.lower()) == 1}
    options = subset.Options()
    options.flavor = flavor
    options.hinting = False  # browsers rasterise CJK outlines well unhinted; a quarter smaller
    options.desubroutinize = True  # compresses better
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # keep copyright, names and the licence
    options.notdef_outline = True
    options.recalc_timestamp = False  # same characters, same bytes
    buffer = io.BytesIO()
    with subset.load_font(str(FONT_PATH), options) as font:  # closed here: an open font file leaks a handle
        subsetter = subset.Subsetter(options)
        subsetter.populate(text="".join(sorted(text)))
        subsetter.subset(font)
        subset.save_font(font, buffer, options)
    return buffer.getvalue()


def font_face_css(chars) -> str:
    """An ``@font-face`` rule embedding the subset of the bundled font for ``chars`` as a data URL."""
    data = base64.b64encode(subset_font(chars)).decode("ascii")
    return (f"/* {FONT_NOTICE} */\n@font-face {{ font-family: '{FONT_FAMILY}'; font-style: normal; "
            f"font-weight: 400 700; font-display: block; src: url(data:font/woff;base64,{data}) format('woff'); }}")


def embed_font(page: str) -> str:
    """``page`` with the font subset for its own text in place of the placeholder in its stylesheet."""
    css = font_face_css(page_characters(page))
    return page.replace(_FONT_PLACEHOLDER, css, 1) if _FONT_PLACEHOLDER in page else page.replace(
        "</head>", f"<style>{css}</style>\n</head>", 1)


# --------------------------------------------------------------------------- report export

_HTML_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_css -%}
<style type="text/css">
""" + _FONT_PLACEHOLDER + """
{{ resources.csm_css }}
</style>
{%- endblock html_head_css -%}
{%- block any_cell -%}
{%- if cell.metadata.get('csm_appendix_open') -%}
<details class="csm-appendix"><summary>{{ cell.metadata.csm_appendix_open | escape }}</summary>
{%- endif -%}
{{ super() }}
{%- if cell.metadata.get('csm_appendix_close') -%}
</details>
{%- endif -%}
{%- endblock any_cell -%}
"""
_EXTERNAL_TAG = re.compile(
    r"<script\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>\s*</script>"
    r"|<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>"
    r"|<img\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>",
    re.IGNORECASE,
)


def _first_heading(nb) -> str | None:
    """Text of the report's first level-1 Markdown heading (a markdown cell or a displayed Markdown output)."""
    for cell in nb.cells:
        texts = [cell.source] if cell.get("cell_type") == "markdown" else [
            o.get("data", {}).get("text/markdown", "") for o in cell.get("outputs", [])]
        for text in texts:
            text = "".join(text) if isinstance(text, list) else str(text)
            m = re.search(r"^# +(.+?)\s*$", text, re.M)
            if m:
                return m.group(1)
    return None


def _tags(cell) -> set:
    tags = cell.get("metadata", {}).get("tags", []) or []
    return set(tags) if isinstance(tags, (list, tuple)) else set()


def report_cells(cells, lang: str) -> list:
    """The cells a report shows, in order: hidden (parameters) cells left out, recorded results dropped from
    the outputs, and every ``appendix`` cell moved to the end, the first marked to open the collapsed
    appendix and the last to close it."""
    from csm.report.results import is_result_output

    main, appendix = [], []
    for cell in cells:
        tags = _tags(cell)
        if HIDDEN_CELL_TAGS & tags:
            continue
        if cell.get("cell_type") == "code":
            cell.outputs = [o for o in cell.get("outputs", []) if not is_result_output(o)]
        (appendix if APPENDIX_TAG in tags else main).append(cell)
    if appendix:
        appendix[0].metadata["csm_appendix_open"] = APPENDIX_SUMMARY[lang]
        appendix[-1].metadata["csm_appendix_close"] = True
    return main + appendix


#: Spaces a line must not break at, in the report's text: "p < 0.001", "< 0.001", "置信区间 1.40–1.56", "CI 1.4–1.6"
#: (the operator stays with its number, a label with its interval), and the en dash inside a numeric range.
_KEEP_TOGETHER = [
    (re.compile(r"(?<![\w])([pP]) (&lt;|&gt;|=|≤|≥|<|>) (?=[\d.−+-])"), "\\1\u00a0\\2\u00a0"),
    (re.compile(r"(&lt;|&gt;|≤|≥) (?=[\d.−+-])"), "\\1\u00a0"),
    (re.compile(r"(置信区间|区间|CI) (?=[\[(−+\-\d])"), "\\1\u00a0"),
    (re.compile(r"(?<=\d)–(?=[\d−-])"), "–\u2060"),
]


def keep_together(page: str) -> str:
    """``page`` with no-break spaces (and a word joiner after a range's dash) where a line break would split
    a reading: between "p", "<" and the number, after "置信区间"/"CI" before its interval. Only text is changed:
    tags, attributes (embedded images), ``<style>`` and ``<script>`` are left as they are."""
    parts = re.split(r"(<[^>]*>)", page)
    raw = False
    for i, part in enumerate(parts):
        if part.startswith("<"):
            low = part[:8].lower()
            if low.startswith(("<style", "<script")):
                raw = True
            elif low.startswith(("</style", "</scrip")):
                raw = False
            continue
        if not raw and part:
            for pattern, replacement in _KEEP_TOGETHER:
                part = pattern.sub(replacement, part)
            parts[i] = part
    return "".join(parts)


def export_html(notebook_node, html_path: Path, *, title: str | None = None, language: str | None = None) -> Path:
    """Write a self-contained HTML report of an executed notebook.

    Code, prompts, the parameters cells and recorded csm results are left out;
    images are embedded; no script, stylesheet or image is loaded from the
    network (MathJax/require.js/mermaid are not included; any remaining
    external ``<script>``/``<link>``/``<img>`` is removed). Cells tagged ``appendix`` are gathered at the end
    in one collapsed ``<details>``. The text uses an embedded subset of the bundled CJK font. The page title
    is the report's first heading (else ``title``); ``language`` (the notebook's ``lang`` parameter, "en" or
    "zh"; anything else counts as "en") sets ``<html lang>`` and the appendix's heading.
    """
    import jinja2
    from nbconvert import HTMLExporter

    lang = page_lang(language)
    nb = copy.deepcopy(notebook_node)
    nb.cells = report_cells(nb.cells, lang)
    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[jinja2.DictLoader({"csm_report.html.j2": _HTML_TEMPLATE})],
        template_file="csm_report.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    exporter.language_code = html_lang_code(lang)
    name = _first_heading(nb) or title or "report"
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": name}, "csm_css": PAGE_CSS})
    body = embed_font(keep_together(_EXTERNAL_TAG.sub("", body)))
    html_path = Path(html_path)
    html_path.write_text(body, encoding="utf-8")
    return html_path


# --------------------------------------------------------------------------- failure page

#: The phrase (in :mod:`csm.report.labels`) holding each report's title; the display name is that title
#: without the part that names its period or experiment. Any other notebook shows its code.
_TITLE_PHRASES = {
    "kpi_scorecard": "kpi_scorecard_title",
    "complaint_root_cause": "complaints_title",
    "nps_churn_clv": "cust_title",
    "ab_test": "ab_title",
    "feedback_sentiment": "sentiment_title",
}
_TITLE_TAIL = re.compile(r"[\s,，:：—–(（]*\{[^}]*\}.*$", re.S)


def report_name(code, language=None) -> str:
    """The display name of report ``code`` in ``language`` ("KPI scorecard" / "关键指标记分卡"), else the code.

    Taken from the report's title phrase in the labels ("KPI scorecard, {period}" → "KPI scorecard"), so a
    report's name is written once."""
    key = _TITLE_PHRASES.get(str(code))
    if key is None:
        return str(code)
    from csm.report.labels import PHRASES  # lazily: the labels need pandas, the runner does not

    template = PHRASES.get(key, {}).get(page_lang(language))
    name = _TITLE_TAIL.sub("", template).strip() if isinstance(template, str) else ""
    return name or str(code)


_ERROR_TEXTS = {
    "en": {
        "title": "Report failed: {name}",
        "lead": "The report “{name}” could not be completed, so there is no report for this run.",
        "what": "What went wrong",
        "original": "Message from the report: ",
        "todo": "What to do",
        "who": "Who to ask",
        "analyst": "The analyst who runs the reports. Tell them the run id {run_id} and the folder {folder}.",
        "kept": "The executed notebook {notebook} in that folder holds the technical details.",
        "none": "The notebook did not run far enough to be kept; the console output of csm run has the details.",
        "again": " Then run the report again.",
    },
    "zh": {
        "title": "报告未能生成：{name}",
        "lead": "报告“{name}”未能完成，本次运行没有生成报告。",
        "what": "出了什么问题",
        "original": "报告给出的原始信息（英文）：",
        "todo": "怎么办",
        "who": "请联系谁",
        "analyst": "负责运行报告的分析人员。请告诉对方运行编号 {run_id} 和文件夹 {folder}。",
        "kept": "该文件夹中已执行的笔记本 {notebook} 记录了技术细节。",
        "none": "笔记本未能运行到可保存的程度；csm run 的控制台输出中有详细信息。",
        "again": "然后重新运行报告。",
    },
}

#: Common failures, recognised by exception type and message: (kind, exception types, pattern). The first that
#: matches explains the failure in the report's language (:data:`_KIND_TEXTS`), with the values it names.
_ERROR_PATTERNS = [
    ("folder_missing", {"DataError"}, re.compile(r"^(?P<path>.+?): (?:data )?folder not found")),
    ("mapping_missing", {"DataError"}, re.compile(r"^mapping file not found: (?P<path>.+?)\s*$")),
    ("file_missing", {"DataError"}, re.compile(r"^(?P<path>.+?): file not found")),
    ("file_missing", {"DataError"}, re.compile(r"^(?P<folder>[^:]+): no (?P<table>\w+) file; expected")),
    ("file_missing", {"DataError"},
     re.compile(r"^(?P<folder>[^:]+): the mapping names (?P<path>.+?) as the (?P<table>\w+) file, but it is not")),
    ("column_missing", {"DataError", "ParameterError"},
     re.compile(r"^(?P<table>[\w. ]+?):.*?\bcolumns?(?:\(s\))? (?P<column>'[^']+'(?:, '[^']+')*|\[[^\]]*\]|\w+)"
                r" (?:missing|not found|not in)\b")),
    ("column_missing", {"DataError", "ParameterError"},
     re.compile(r"(?:\btable (?P<table>\w+) |: the table )has no column(?:\(s\))? (?P<column>'[^']+'(?:, '[^']+')*|\[[^\]]*\]|\w+)")),
    ("column_missing", {"DataError"},
     re.compile(r"^(?P<path>[^:]+): \d+ problem\(s\) in the (?P<table>\w+) table:.*?column (?P<column>'[^']+'): "
                r"is required but missing")),
    ("column_missing", {"DataError"},
     re.compile(r"^(?P<table>\w+) table has no column(?:\(s\))? (?P<column>'[^']+'(?:, '[^']+')*|\[[^\]]*\]|\w+)")),
    ("period_empty", {"ParameterError", "DataError", "AnalysisError"},
     re.compile(r"^period (?P<period>\S+)(?: \([^)]*\))? has no (?P<what>[\w ]+?): the data (?P<span>[^;]+)")),
    ("parameter_invalid", {"ParameterError"},
     re.compile(r"^Parameter '(?P<parameter>[^']+)' = (?P<value>.+?)(?: \(from .+?\))? is not allowed")),
    ("parameter_invalid", {"ParameterError"}, re.compile(r"^Parameter '(?P<parameter>[^']+)'")),
    ("parameter_file", {"ParameterError"}, re.compile(r"^(?:Cannot read )?[Pp]arameter file (?P<path>\S+?)[:.]? ")),
    ("stopped", {"RunStopped"}, re.compile(r"stopped by (?P<reason>.+?) before")),
]

#: kind: {lang: (the reason, what to do)}; ``{name}`` is the report's code (its params/<name>.yaml).
_KIND_TEXTS = {
    "folder_missing": {
        "en": ("The data folder {path} does not exist.",
               "Check the data_dir parameter (in params/{name}.yaml, or -p data_dir=… on the command line): it must "
               "name the folder that holds the exported files."),
        "zh": ("数据文件夹 {path} 不存在。",
               "请检查 data_dir 参数（在 params/{name}.yaml 中，或命令行的 -p data_dir=…）：它必须指向存放导出文件的文件夹。"),
    },
    "mapping_missing": {
        "en": ("The column mapping file {path} does not exist.",
               "Check the mapping parameter (in params/{name}.yaml or -p mapping=…): it must name an existing "
               "mapping file, e.g. one in data/mappings/."),
        "zh": ("列映射文件 {path} 不存在。",
               "请检查 mapping 参数（在 params/{name}.yaml 中或 -p mapping=…）：它必须指向一个存在的映射文件，例如 data/mappings/ 中的文件。"),
    },
    "file_missing": {
        "en": ("A file the report needs is missing{what}.",
               "Put the exported file into the data folder (or correct its name in the column mapping), or point "
               "the data_dir parameter at the folder that holds it."),
        "zh": ("缺少报告需要的文件{what}。",
               "请把导出的文件放进数据文件夹（或在列映射中更正文件名），或把 data_dir 参数指向存放该文件的文件夹。"),
    },
    "column_missing": {
        "en": ("A column the report needs is missing{what}.",
               "Add the column to the export, or name the column of your export that holds it in the column "
               "mapping file (the mapping parameter)."),
        "zh": ("缺少报告需要的列{what}。",
               "请在导出文件中加上这一列，或在列映射文件（mapping 参数）中写明导出文件里对应的列名。"),
    },
    "period_empty": {
        "en": ("The period {period} has no data ({what}): {span}.",
               "Choose a period inside the data with the period parameter (in params/{name}.yaml or -p period=…), "
               "or 'latest' for the latest complete one."),
        "zh": ("所选期间 {period} 没有数据（{what}）：{span}。",
               "请用 period 参数（在 params/{name}.yaml 中或 -p period=…）选择数据范围内的期间，或用 latest 选择最近的完整期间。"),
    },
    "parameter_invalid": {
        "en": ("The report setting {parameter} has a value that is not allowed{value}.",
               "Change {parameter} in params/{name}.yaml (or the -p {parameter}=… option) to an allowed value; the "
               "message below says which values are allowed."),
        "zh": ("报告设置 {parameter} 的取值不允许{value}。",
               "请把 params/{name}.yaml 中（或 -p {parameter}=… 选项中）的 {parameter} 改为允许的值；下面的原始信息列出了允许的取值。"),
    },
    "parameter_file": {
        "en": ("The settings file {path} cannot be used.",
               "Correct the settings file (a UTF-8 YAML file of parameter: value lines) or give the right path."),
        "zh": ("设置文件 {path} 无法使用。",
               "请更正设置文件（UTF-8 编码的 YAML 文件，每行“参数: 值”），或给出正确的路径。"),
    },
    "stopped": {
        "en": ("The run was stopped ({reason}) before this report started.",
               "Nothing is wrong with this report: run it again when the run is not stopped early."),
        "zh": ("本次运行在这份报告开始之前被停止（{reason}）。",
               "这份报告本身没有问题：请在运行不会被提前停止时重新运行。"),
    },
}

#: What to do when the failure is not one of :data:`_ERROR_PATTERNS`, by exception type.
_TODO_BY_EXCEPTION = {
    "en": {
        "data": "The input data does not match what the report needs. Correct the file, column or rows named in the "
                "message (or the column mapping of your export).",
        "parameter": "A report setting is wrong. Change the setting named in the message (in params/{name}.yaml or "
                     "the command's -p option).",
        "analysis": "The data given is not enough for this analysis (too few rows, or a period without data). "
                    "Choose another period or add the missing data.",
        "other": "This is an unexpected problem in the report itself, not in your data. Send this page to the "
                 "analyst below.",
    },
    "zh": {
        "data": "输入数据不符合报告的要求。请更正信息中提到的文件、列或行（或导出文件的列映射）。",
        "parameter": "报告的某个设置有误。请修改信息中提到的设置（在 params/{name}.yaml 中或命令的 -p 选项中）。",
        "analysis": "现有数据不足以完成这项分析（行数太少，或所选期间没有数据）。请选择其他期间或补充缺少的数据。",
        "other": "这是报告本身的意外问题，而不是数据的问题。请把本页发给下面的分析人员。",
    },
}
_ERROR_KINDS = {"DataError": "data", "ParameterError": "parameter", "AnalysisError": "analysis"}
_ZH_WORDS = {"tickets": "工单", "responses": "调查回复", "customers": "客户", "transactions": "交易",
             "comments": "评论", "complaints": "投诉"}
#: Why a run stops (csm.run's signal names), for a reader.
_STOP_REASONS = {"en": {"SIGINT": "interrupted with Ctrl-C, SIGINT", "SIGTERM": "asked to stop, SIGTERM",
                        "SIGHUP": "its terminal was closed, SIGHUP"},
                 "zh": {"SIGINT": "被 Ctrl-C 中断，SIGINT", "SIGTERM": "被要求停止，SIGTERM",
                        "SIGHUP": "终端被关闭，SIGHUP"}}


def _one_line(text) -> str:
    return " ".join(str(text).split())


def _values_text(kind: str, fields: dict, lang: str) -> dict:
    """The values a kind's sentences name, each quoted once ("tickets.csv", 'created_at')."""
    values = {k: (v or "").strip() for k, v in fields.items()}
    colon = ": " if lang == "en" else "："
    if kind == "file_missing":
        what = values.get("path") or (values.get("table") and (
            f"the {values['table']} table" if lang == "en" else f"{values['table']} 表"))
        values["what"] = f"{colon}{what}" if what else ""
    elif kind == "column_missing":
        column = values.get("column", "").strip("[]")
        table = values.get("table", "")
        where = (f" (table {table})" if lang == "en" else f"（{table} 表）") if table else ""
        values["what"] = f"{colon}{column}{where}" if column else ""
    elif kind == "parameter_invalid":
        value = values.get("value", "")
        values["value"] = (f" ({value})" if lang == "en" else f"（{value}）") if value else ""
    elif kind == "period_empty":
        from csm.report import format as fmt

        values["period"] = period_text(values.get("period", "").strip("'"), lang) or values.get("period", "")
        span = re.sub(r"\d{4}-\d{2}-\d{2}", lambda d: fmt.day(d[0], lang), values.get("span", ""))
        m = re.match(r"runs from (.+) to (.+)$", span)
        if lang == "zh":
            values["what"] = _ZH_WORDS.get(values.get("what", ""), values.get("what", ""))
            values["span"] = (f"数据范围是{m[1]}至{m[2]}" if m else span.replace("ends on ", "数据止于").replace(
                "starts on ", "数据始于"))
        else:
            values["span"] = f"the data {span}"
    elif kind == "stopped":
        values["reason"] = _STOP_REASONS[lang].get(values.get("reason", ""), values.get("reason", ""))
    return values


def _error_record(error) -> dict:
    """A failure as the manifest records it (``exception``, ``message`` …), from a RunError or a record."""
    if isinstance(error, RunError):
        return error.as_record()
    return error if isinstance(error, dict) else {}


def explain_error(error: RunError | dict, name: str, language=None) -> tuple[str | None, str]:
    """(the reason in the report's language, what to do) of a failed report's ``error``: a common failure
    (data folder or file not found, a column missing, a parameter not allowed, the run stopped) is said in
    ``language`` with the values it names; any other has no translated reason (None) and the advice of its
    exception type."""
    lang = page_lang(language)
    error = _error_record(error)
    exception = str(error.get("exception"))
    message = _one_line(error.get("message") or "")
    for kind, exceptions, pattern in _ERROR_PATTERNS:
        m = pattern.search(message) if exception in exceptions else None
        if m:
            reason, todo = _KIND_TEXTS[kind][lang]
            fields = m.groupdict()
            if kind == "column_missing" and "is required but missing" in message:  # every column, once
                fields["column"] = ", ".join(dict.fromkeys(re.findall(r"column ('[^']+'): is required but missing",
                                                                      message)))
            values = _values_text(kind, fields, lang)
            values = {**{k: "" for k in ("path", "what", "value", "parameter", "reason", "table", "column", "period",
                                          "span")},
                      **values, "name": name}
            return reason.format(**values), todo.format(**values)
    kind = _ERROR_KINDS.get(exception, "other")
    return None, _TODO_BY_EXCEPTION[lang][kind].format(name=name) + (
        _ERROR_TEXTS[lang]["again"] if kind != "other" else "")


def error_page(name: str, error: RunError | dict, notebook: str | None, *, language: str | None = None,
               run_id: str | None = None, folder: str | None = None) -> str:
    """The page that stands in for the report of a notebook that failed, entirely in the report's language:
    what went wrong (a common failure — data folder or file not found, column missing, setting not allowed —
    said in that language, with the analyst-written message below it), what to do for that failure, and who
    to ask (the analyst who runs the reports, with the run id and folder). The title is the report's display
    name (:func:`report_name`). No traceback, no code, no cell numbers: those stay in the executed notebook."""
    lang = page_lang(language)
    texts = _ERROR_TEXTS[lang]
    error = _error_record(error)
    shown_name = report_name(name, lang)
    message = _one_line(error.get("message") or error.get("exception") or "unknown error")
    reason, todo = explain_error(error, name, lang)
    title = texts["title"].format(name=shown_name)
    what = [f"<p>{_esc(texts['lead'].format(name=shown_name))}</p>"]
    if reason:
        what.append(f'<p class="reason">{_esc(reason)}</p>')
    # the analyst's own words below (file, column, rows), said to be English in a Chinese page
    lead = f'<span class="lead">{_esc(texts["original"])}</span>' if lang != "en" or reason else ""
    what.append(f'<blockquote class="message">{lead}{_esc(message)}</blockquote>')
    who = texts["analyst"].format(run_id=run_id or "—", folder=folder or "—") + " " + (
        texts["kept"].format(notebook=notebook) if notebook else texts["none"])
    body = f"""<h1>{_esc(title)}</h1>
<h2>{_esc(texts['what'])}</h2>
{chr(10).join(what)}
<h2>{_esc(texts['todo'])}</h2>
<p>{_esc(todo)}</p>
<h2>{_esc(texts['who'])}</h2>
<p>{_esc(who)}</p>"""
    css = PAGE_CSS + """
body { margin: 2em; max-width: 50em; line-height: 1.5; }
h1 { color: #a3001b; }
p.reason { font-size: 1.15em; font-weight: bold; }
blockquote.message { margin: 0.5em 0; padding: 0.6em 1em; background: #fdf1f1; border-left: 4px solid #a3001b;
  overflow-wrap: anywhere; }
blockquote.message .lead { color: #555; }
"""
    return _page(title, body, css, lang)


def write_error_page(html_path: Path, name: str, error: RunError | dict, notebook: str | None, *,
                     language: str | None = None, run_id: str | None = None, folder: str | None = None) -> Path:
    """Write :func:`error_page` to ``html_path``."""
    html_path = Path(html_path)
    html_path.write_text(error_page(name, error, notebook, language=language, run_id=run_id, folder=folder),
                         encoding="utf-8")
    return html_path


def _page(title: str, body: str, css: str, lang: str) -> str:
    page = f"""<!DOCTYPE html>
<html lang="{html_lang_code(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{_esc(title)}</title>
<style>
{_FONT_PLACEHOLDER}
{css}
</style>
</head>
<body>
{body}
</body>
</html>
"""
    return embed_font(page)


# --------------------------------------------------------------------------- reports/index.html

_INDEX_TEXTS = {
    "en": {"title": "Reports", "started": "Started {time}", "report": "Report", "status": "Status",
           "period": "Period", "language": "Language", "parameters": "Parameters set for this run",
           "headline": "Headline", "no_reports": "No reports in this run.", "no_runs": "No runs yet.",
           "latest": "latest", "folder": "folder {folder}", "vs": "{period} (vs {comparison})",
           "unreadable": "Unreadable run folders", "unreadable_badge": "unreadable",
           "unreadable_item": "{name}: manifest.json unreadable (not a csm manifest)",
           "states": {"ok": "ok", "failed": "failed"}, "languages": {"en": "English", "zh": "Chinese"}},
    "zh": {"title": "报告", "started": "开始于 {time}", "report": "报告", "status": "状态",
           "period": "期间", "language": "语言", "parameters": "本次运行设置的参数",
           "headline": "要点", "no_reports": "本次运行没有报告。", "no_runs": "还没有运行记录。",
           "latest": "最新", "folder": "文件夹 {folder}", "vs": "{period}（对比{comparison}）",
           "unreadable": "无法读取的运行文件夹", "unreadable_badge": "无法读取",
           "unreadable_item": "{name}：manifest.json 无法读取（不是 csm 的运行记录）",
           "states": {"ok": "成功", "failed": "失败"}, "languages": {"en": "英文", "zh": "中文"}},
}
_MONTH_LABEL = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER_LABEL = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR_LABEL = re.compile(r"^(\d{4})$")
_RANGE_LABEL = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


def period_text(label, lang: str, start=None, end=None) -> str | None:
    """A recorded period for a reader (:func:`csm.report.format.period_label`): ``start``/``end`` (the last day)
    when given, else a :class:`csm.periods.Period` label ("2026-06" → "June 2026" / "2026年6月", "2026-Q2",
    "2026", "2026-05-01..2026-05-14"); None when it is neither."""
    import datetime as dt

    from csm.report import format as fmt

    try:
        if isinstance(start, str) and isinstance(end, str) and start[:10] and end[:10]:
            return fmt.period_label(start[:10], end[:10], lang)
        label = label.strip() if isinstance(label, str) else str(label) if isinstance(label, int) else ""
        if m := _MONTH_LABEL.match(label):
            first = dt.date(int(m[1]), int(m[2]), 1)
            after = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
        elif m := _QUARTER_LABEL.match(label):
            q = int(m[2])
            first = dt.date(int(m[1]), 3 * q - 2, 1)
            after = dt.date(first.year + (q == 4), (3 * q) % 12 + 1, 1)
        elif m := _YEAR_LABEL.match(label):
            first, after = dt.date(int(m[1]), 1, 1), dt.date(int(m[1]) + 1, 1, 1)
        elif m := _RANGE_LABEL.match(label):
            return fmt.period_label(m[1], m[2], lang)
        else:
            return None
        return fmt.period_label(first, after - dt.timedelta(days=1), lang)
    except (ValueError, TypeError):
        return None


def _period_cell(results: dict, given: dict, lang: str) -> str:
    """The period a report covers, formatted: its recorded ``period`` with the comparison period (or an
    experiment's window), else the period parameter when it names one ("latest" says nothing: "—")."""
    texts = _INDEX_TEXTS[lang]
    for key in ("period", "experiment"):
        value = results.get(key)
        if isinstance(value, dict):
            shown = period_text(value.get("period"), lang, value.get("start"), value.get("end"))
            if shown is None and isinstance(value.get("period"), str) and value["period"]:
                shown = value["period"]
            if shown:
                comparison = value.get("comparison")
                other = period_text(comparison, lang) or (comparison if isinstance(comparison, str) else None)
                return texts["vs"].format(period=shown, comparison=other) if other else shown
    return period_text(given.get("period"), lang) or "—"


def _value_text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _status_class(status: str) -> str:
    return "status status-" + (re.sub(r"[^a-z_]", "", status.lower()) or "info")


def entry_language(entry: dict) -> str:
    """The language a report ran in: the manifest's ``language`` (the validated ``lang`` parameter or the
    notebook's default), else the resolved or given ``lang`` parameter; "en" otherwise."""
    lang = entry.get("language")
    if lang not in LANGS:
        parameters = entry.get("parameters") if isinstance(entry.get("parameters"), dict) else {}
        for key in ("resolved", "given"):
            values = parameters.get(key) if isinstance(parameters.get(key), dict) else {}
            if values.get("lang") in LANGS:
                lang = values["lang"]
                break
    return page_lang(lang)


def _headline_badge(status, lang: str) -> str:
    from csm.report.summary import STATUSES, status_label

    if not isinstance(status, str) or not status:
        return ""
    text = status_label(status, lang) if status in STATUSES else status.replace("_", " ")
    return f'<span class="{_status_class(status)}">{_esc(text)}</span> '


def _report_row(folder: str, nb_name: str, entry: dict, results: dict) -> str:
    lang = entry_language(entry)
    texts = _INDEX_TEXTS[lang]
    status = str(entry.get("status", "?"))
    target = entry.get("html") or entry.get("notebook") or ""
    shown = report_name(nb_name, lang)
    name = f'<a href="{_esc(f"{folder}/{target}")}">{_esc(shown)}</a>' if isinstance(target, str) and target \
        else _esc(shown)
    state = f'<span class="{_status_class(status)}">{_esc(texts["states"].get(status, status))}</span>'
    error = entry.get("error")
    if status != "ok" and isinstance(error, dict):
        reason = explain_error(error, nb_name, lang)[0] or _one_line(error.get("message") or error.get("exception")
                                                                     or "")
        if reason:
            state += f'<div class="reason">{_esc(reason)}</div>'
    parameters = entry.get("parameters") if isinstance(entry.get("parameters"), dict) else {}
    given = parameters.get("given") if isinstance(parameters.get("given"), dict) else {}
    sources = parameters.get("sources") if isinstance(parameters.get("sources"), dict) else {}
    set_here = [f"{k}={_value_text(v)}" for k, v in given.items()
                if k not in ("lang",) and not str(sources.get(k, "")).startswith("params/")]
    parameters_text = "; ".join(set_here) if set_here else "—"
    headline = results.get("headline")
    if isinstance(headline, dict) and isinstance(headline.get("text"), str) and headline["text"].strip():
        headline_html = _headline_badge(headline.get("status"), lang) + _esc(headline["text"])
    else:
        headline_html = "—"
    return ("<tr>"
            f"<td>{name}</td><td>{state}</td><td>{_esc(_period_cell(results, given, lang))}</td>"
            f"<td>{_esc(texts['languages'][lang])}</td><td class=\"params\">{_esc(parameters_text)}</td>"
            f"<td>{headline_html}</td></tr>")


def _utc_text(stamp) -> str:
    """``2026-07-02T06:00:00+00:00`` → ``2026-07-02 06:00:00 UTC``."""
    if not isinstance(stamp, str) or not stamp:
        return "—"
    return stamp.replace("T", " ", 1).removesuffix("+00:00") + (" UTC" if stamp.endswith("+00:00") else "")


def _run_language(notebooks: dict) -> str:
    """A run's language: "zh" when every report of it ran in Chinese, else "en"."""
    langs = {entry_language(e if isinstance(e, dict) else {}) for e in notebooks.values()}
    return "zh" if langs == {"zh"} else "en"


def index_page(runs: list[tuple[str, dict]], *, latest: str | None = None, unreadable: list[str] = ()) -> str:
    """``reports/index.html``: one section per run (newest first as given): its run id (and folder when it
    differs), start time and status, then one row per report with its display name, status and the reason of
    a failure, the period (formatted, with its comparison period), the language, the parameters set for this
    run (beyond the stored params/<name>.yaml) and its headline (``record("headline", {"text", "status"})``;
    "—" when a report records none). Each run's section is in its reports' language (Chinese when all are
    Chinese), each row in its report's; the page's own text is Chinese when every run is. Manifests are data:
    every string is escaped, and a malformed entry shows as "—" rather than breaking the page."""
    sections, section_langs = [], []
    for folder, manifest in runs:
        manifest = manifest if isinstance(manifest, dict) else {}
        notebooks = manifest.get("notebooks") if isinstance(manifest.get("notebooks"), dict) else {}
        lang = _run_language(notebooks) if notebooks else "en"
        section_langs.append(lang)
        texts = _INDEX_TEXTS[lang]
        run_id = str(manifest.get("run_id") or folder)
        status = str(manifest.get("status", "?"))
        heading = f'<a href="{_esc(folder)}/manifest.json">{_esc(run_id)}</a>'
        if folder != run_id:
            heading += f' <span class="folder">({_esc(texts["folder"].format(folder=folder))})</span>'
        badge = f' <span class="status status-latest">{_esc(texts["latest"])}</span>' if folder == latest else ""
        results = manifest.get("results") if isinstance(manifest.get("results"), dict) else {}
        rows = [_report_row(folder, str(nb), entry if isinstance(entry, dict) else {},
                            results.get(nb) if isinstance(results.get(nb), dict) else {})
                for nb, entry in notebooks.items()]
        started = manifest.get("started_utc")
        headers = "".join(f"<th>{_esc(texts[k])}</th>"
                          for k in ("report", "status", "period", "language", "parameters", "headline"))
        empty = f'<tr><td colspan="6">{_esc(texts["no_reports"])}</td></tr>'
        sections.append(f"""<section lang="{html_lang_code(lang)}">
<h2>{heading} <span class="{_status_class(status)}">{_esc(texts["states"].get(status, status))}</span>{badge}</h2>
<p class="meta">{_esc(texts["started"].format(time=_utc_text(started)))}</p>
<table>
<thead><tr>{headers}</tr></thead>
<tbody>
{chr(10).join(rows) if rows else empty}
</tbody>
</table>
</section>""")
    page_language = "zh" if section_langs and set(section_langs) == {"zh"} else "en"
    texts = _INDEX_TEXTS[page_language]
    if unreadable:  # a hand-edited or truncated manifest is listed, never fatal for the run writing the index
        items = "".join(f"<li>{_esc(texts['unreadable_item'].format(name=name))}</li>" for name in sorted(unreadable))
        sections.append(f'<section><h2>{_esc(texts["unreadable"])} <span class="{_status_class("failed")}">'
                        f'{_esc(texts["unreadable_badge"])}</span></h2><ul>{items}</ul></section>')
    body = f"<h1>{_esc(texts['title'])}</h1>\n" + ("\n".join(sections) if sections else
                                                    f"<p>{_esc(texts['no_runs'])}</p>")
    css = PAGE_CSS + """
body { margin: 2em; line-height: 1.4; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ccc; padding: 0.35em 0.8em; text-align: left; vertical-align: top; }
th { background: #f4f6f8; }
.params, .meta, .folder { color: #555; font-size: 90%; }
.reason { margin-top: 0.3em; color: #a3001b; font-size: 90%; }
.status-latest { background: #e3ecfb; color: #1d4f91; }
section { margin-bottom: 2em; }
"""
    return _page("csm reports" if page_language == "en" else "csm 报告", body, css, page_language)
