"""HTML pages for managers: the exported report, the failure page and ``reports/index.html``.

Every page is self-contained (no script, stylesheet, font or image from the network) and renders the same
on any machine: the text uses a per-page subset of the bundled CJK font
(``csm/report/fonts/CSMSansCJKSC-Regular.otf``) embedded as an ``@font-face`` data URL, holding exactly
the characters the page shows, so Chinese never turns into □ boxes on a machine without CJK fonts.
Table cells wrap instead of overflowing; cells tagged ``appendix`` end the report inside one collapsed
``<details>``. Every string that comes from data or parameters is escaped.

The runner (:mod:`csm.run`) calls :func:`export_html`, :func:`write_error_page` and :func:`index_page`;
nothing here knows an analysis.
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

#: Languages a page can be in; anything else is shown as English.
LANGS = ("en", "zh")
#: Tags of cells the HTML report never shows.
HIDDEN_CELL_TAGS = frozenset({"injected-parameters", "parameters"})
#: Tag of cells gathered into the collapsed appendix at the end of the report.
APPENDIX_TAG = "appendix"
APPENDIX_SUMMARY = {"en": "Appendix: method and diagnostics", "zh": "附录：方法与诊断"}

FONT_PATH = Path(__file__).with_name("fonts") / "CSMSansCJKSC-Regular.otf"
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
    font = subset.load_font(str(FONT_PATH), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(text)))
    subsetter.subset(font)
    buffer = io.BytesIO()
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
    body = embed_font(_EXTERNAL_TAG.sub("", body))
    html_path = Path(html_path)
    html_path.write_text(body, encoding="utf-8")
    return html_path


# --------------------------------------------------------------------------- failure page

_ERROR_TEXTS = {
    "en": {
        "title": "Report {name} failed",
        "lead": "The report {name} could not be completed, so there is no report for this run.",
        "what": "What went wrong",
        "step": "It stopped at step {cell} of the report.",
        "todo": "What to do",
        "kinds": {
            "data": "The input data does not match what the report needs. Correct the file, column or rows "
                    "named above (or the column mapping for your export) and run the report again.",
            "parameter": "A report setting is wrong. Change the setting named above (in params/{name}.yaml or "
                         "the command's -p option) and run the report again.",
            "analysis": "The data given is not enough for this analysis (too few rows, or a period without "
                        "data). Choose another period or add the missing data, and run the report again.",
            "other": "This is an unexpected problem in the report itself, not in your data. Send this page to "
                     "the analyst below.",
        },
        "who": "Who to ask",
        "analyst": "The analyst who runs the reports. Tell them the run id {run_id} and the folder {folder}.",
        "kept": "The executed notebook {notebook} in that folder holds the technical details.",
        "none": "The notebook did not run far enough to be kept; the console output of csm run has the details.",
    },
    "zh": {
        "title": "报告 {name} 生成失败",
        "lead": "报告 {name} 未能完成，本次运行没有生成报告。",
        "what": "出了什么问题",
        "step": "报告在第 {cell} 步停止。",
        "todo": "怎么办",
        "kinds": {
            "data": "输入数据不符合报告的要求。请更正上面提到的文件、列或行（或导出文件的列映射），然后重新运行报告。",
            "parameter": "报告的某个设置有误。请修改上面提到的设置（在 params/{name}.yaml 中或命令的 -p 选项中），"
                         "然后重新运行报告。",
            "analysis": "现有数据不足以完成这项分析（行数太少，或所选期间没有数据）。请选择其他期间或补充缺少的数据，"
                        "然后重新运行报告。",
            "other": "这是报告本身的意外问题，而不是数据的问题。请把本页发给下面的分析人员。",
        },
        "who": "请联系谁",
        "analyst": "负责运行报告的分析人员。请告诉对方运行编号 {run_id} 和文件夹 {folder}。",
        "kept": "该文件夹中已执行的笔记本 {notebook} 记录了技术细节。",
        "none": "笔记本未能运行到可保存的程度；csm run 的控制台输出中有详细信息。",
    },
}
_ERROR_KINDS = {"DataError": "data", "ParameterError": "parameter", "AnalysisError": "analysis"}


def _one_line(text) -> str:
    return " ".join(str(text).split())


def error_page(name: str, error: dict, notebook: str | None, *, language: str | None = None,
               run_id: str | None = None, folder: str | None = None) -> str:
    """The page that stands in for the report of a notebook that failed, in the report's language: what went
    wrong (the analyst-written message: file, column, rows), what to do, and who to ask (the analyst who runs
    the reports, with the run id and folder). No traceback, no code: those stay in the executed notebook."""
    lang = page_lang(language)
    texts = _ERROR_TEXTS[lang]
    error = error if isinstance(error, dict) else {}
    message = _one_line(error.get("message") or error.get("exception") or "unknown error")
    kind = _ERROR_KINDS.get(str(error.get("exception")), "other")
    title = texts["title"].format(name=name)
    step = error.get("cell_index")
    what = [f"<p>{_esc(texts['lead'].format(name=name))}</p>",
            f'<blockquote class="message">{_esc(message)}</blockquote>']
    if isinstance(step, int) and not isinstance(step, bool):
        what.append(f"<p>{_esc(texts['step'].format(cell=step + 1))}</p>")
    who = texts["analyst"].format(run_id=run_id or "—", folder=folder or "—") + " " + (
        texts["kept"].format(notebook=notebook) if notebook else texts["none"])
    body = f"""<h1>{_esc(title)}</h1>
<h2>{_esc(texts['what'])}</h2>
{chr(10).join(what)}
<h2>{_esc(texts['todo'])}</h2>
<p>{_esc(texts['kinds'][kind].format(name=name))}</p>
<h2>{_esc(texts['who'])}</h2>
<p>{_esc(who)}</p>"""
    css = PAGE_CSS + """
body { margin: 2em; max-width: 50em; line-height: 1.5; }
h1 { color: #a3001b; }
blockquote.message { margin: 0.5em 0; padding: 0.6em 1em; background: #fdf1f1; border-left: 4px solid #a3001b;
  overflow-wrap: anywhere; }
"""
    return _page(title, body, css, lang)


def write_error_page(html_path: Path, name: str, error: dict, notebook: str | None, *,
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

def _period_text(results: dict, given: dict) -> str:
    """The period a report covers: its recorded ``period`` (or an experiment's window), else the parameter."""
    for key in ("period", "experiment"):
        value = results.get(key)
        if isinstance(value, dict):
            label = value.get("period")
            if isinstance(label, str) and label:
                comparison = value.get("comparison")
                return f"{label} (vs {comparison})" if isinstance(comparison, str) and comparison else label
            start, end = value.get("start"), value.get("end")
            if isinstance(start, str) and isinstance(end, str):
                return f"{start[:10]} – {end[:10]}"
    period = given.get("period")
    return str(period) if isinstance(period, (str, int)) and not isinstance(period, bool) else "—"


def _value_text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _status_class(status: str) -> str:
    return "status status-" + (re.sub(r"[^a-z_]", "", status.lower()) or "info")


def _report_row(folder: str, nb_name: str, entry: dict, results: dict) -> str:
    status = str(entry.get("status", "?"))
    target = entry.get("html") or entry.get("notebook") or ""
    name = f'<a href="{_esc(f"{folder}/{target}")}">{_esc(nb_name)}</a>' if isinstance(target, str) and target \
        else _esc(nb_name)
    state = f'<span class="{_status_class(status)}">{_esc(status)}</span>'
    error = entry.get("error")
    if status != "ok" and isinstance(error, dict):
        reason = _one_line(error.get("message") or error.get("exception") or "")
        if reason:
            state += f'<div class="reason">{_esc(reason)}</div>'
    parameters = entry.get("parameters") if isinstance(entry.get("parameters"), dict) else {}
    given = parameters.get("given") if isinstance(parameters.get("given"), dict) else {}
    sources = parameters.get("sources") if isinstance(parameters.get("sources"), dict) else {}
    lang = given.get("lang")
    lang = lang if isinstance(lang, str) and lang else "—"
    set_here = [f"{k}={_value_text(v)}" for k, v in given.items()
                if k not in ("lang",) and not str(sources.get(k, "")).startswith("params/")]
    parameters_text = "; ".join(set_here) if set_here else "—"
    headline = results.get("headline")
    if isinstance(headline, dict) and isinstance(headline.get("text"), str) and headline["text"].strip():
        head_status = headline.get("status")
        badge = (f'<span class="{_status_class(head_status)}">{_esc(head_status.replace("_", " "))}</span> '
                 if isinstance(head_status, str) and head_status else "")
        headline_html = badge + _esc(headline["text"])
    else:
        headline_html = "—"
    return ("<tr>"
            f"<td>{name}</td><td>{state}</td><td>{_esc(_period_text(results, given))}</td>"
            f"<td>{_esc(lang)}</td><td class=\"params\">{_esc(parameters_text)}</td><td>{headline_html}</td>"
            "</tr>")


def _utc_text(stamp) -> str:
    """``2026-07-02T06:00:00+00:00`` → ``2026-07-02 06:00:00 UTC``."""
    if not isinstance(stamp, str) or not stamp:
        return "—"
    return stamp.replace("T", " ", 1).removesuffix("+00:00") + (" UTC" if stamp.endswith("+00:00") else "")


def index_page(runs: list[tuple[str, dict]], *, latest: str | None = None, unreadable: list[str] = ()) -> str:
    """``reports/index.html``: one section per run (newest first as given): its run id (and folder when it
    differs), start time and status, then one row per report with its status and the reason of a failure, the
    period, the language, the parameters set for this run (beyond the stored params/<name>.yaml) and its
    headline (``record("headline", {"text", "status"})``; "—" when a report records none). Manifests are
    data: every string is escaped, and a malformed entry shows as "—" rather than breaking the page."""
    sections = []
    for folder, manifest in runs:
        manifest = manifest if isinstance(manifest, dict) else {}
        run_id = str(manifest.get("run_id") or folder)
        status = str(manifest.get("status", "?"))
        heading = f'<a href="{_esc(folder)}/manifest.json">{_esc(run_id)}</a>'
        if folder != run_id:
            heading += f' <span class="folder">(folder {_esc(folder)})</span>'
        badge = ' <span class="status status-latest">latest</span>' if folder == latest else ""
        notebooks = manifest.get("notebooks") if isinstance(manifest.get("notebooks"), dict) else {}
        results = manifest.get("results") if isinstance(manifest.get("results"), dict) else {}
        rows = [_report_row(folder, str(nb), entry if isinstance(entry, dict) else {},
                            results.get(nb) if isinstance(results.get(nb), dict) else {})
                for nb, entry in notebooks.items()]
        started = manifest.get("started_utc")
        sections.append(f"""<section>
<h2>{heading} <span class="{_status_class(status)}">{_esc(status)}</span>{badge}</h2>
<p class="meta">Started {_esc(_utc_text(started))}</p>
<table>
<thead><tr><th>Report</th><th>Status</th><th>Period</th><th>Language</th><th>Parameters set for this run</th><th>Headline</th></tr></thead>
<tbody>
{chr(10).join(rows) if rows else '<tr><td colspan="6">No reports in this run.</td></tr>'}
</tbody>
</table>
</section>""")
    if unreadable:  # a hand-edited or truncated manifest is listed, never fatal for the run writing the index
        items = "".join(f"<li>{_esc(name)}: manifest.json unreadable (not a csm manifest)</li>"
                        for name in sorted(unreadable))
        sections.append(f'<section><h2>Unreadable run folders <span class="{_status_class("failed")}">unreadable</span></h2>'
                        f"<ul>{items}</ul></section>")
    body = "<h1>Reports</h1>\n" + ("\n".join(sections) if sections else "<p>No runs yet.</p>")
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
    return _page("csm reports", body, css, "en")
