"""What a report shows besides charts: headings, paragraphs, bullet lists and THE one table renderer.

- :func:`heading`, :func:`paragraph`, :func:`bullets` — Markdown from phrases and generated sentences, with the
  inserted text escaped (:func:`escape_markdown`), so data is never read as Markdown or HTML;
- :func:`display_frame` — a formatted result frame (cells already text, see :mod:`csm.report.format`) with
  headers in the report's language, the first column as its (named) index, returned as a :class:`ReportFrame`:
  whole cells (never "..."), one header row, text left-aligned and numbers right-aligned
  (:func:`numeric_column`). Every report table goes through it;
- :func:`data_quality_table` — the loaded data's quality summary, the same table in every report.
"""
from __future__ import annotations

import re

import pandas as pd
from IPython.display import Markdown

from csm.report import format as fmt
from csm.report.format import is_missing
from csm.report.labels import label, note_text, phrase

__all__ = ["ReportFrame", "data_notes", "display_frame", "code_label", "numeric_column", "heading", "paragraph", "bullets",
           "escape_markdown", "data_quality_table"]

#: Display options under which a report table shows every character, row and column.
_WHOLE = ("display.max_colwidth", None, "display.max_rows", None, "display.max_columns", None)


class ReportFrame(pd.DataFrame):
    """A DataFrame whose display never cuts text: pandas' ``display.max_colwidth`` (default 50 characters)
    would end a long cell (a KPI definition, a list of missing columns) in "..." in the notebook and in the
    HTML report (and ``max_rows``/``max_columns`` would drop rows and columns). Everything :func:`display_frame`
    returns is one, so every report table shows whole cells."""

    @property
    def _constructor(self):
        return ReportFrame

    def _constructor_from_mgr(self, mgr, axes):
        """A slice or copy is a ReportFrame too, built from pandas' block manager directly (pandas 2.2 would pass
        the manager to ``__init__``, a DeprecationWarning)."""
        return ReportFrame._from_mgr(mgr, axes=axes)

    def _repr_html_(self):
        """One header row (a named index's name heads its own column instead of a second, near-empty row),
        text columns left-aligned and number columns right-aligned (:func:`numeric_column`)."""
        with pd.option_context(*_WHOLE):
            if isinstance(self.index, pd.MultiIndex) or isinstance(self.columns, pd.MultiIndex):
                return super()._repr_html_()
            shown = pd.DataFrame(self)
            if self.index.name is not None and self.columns.name is None:
                shown = shown.rename_axis(None).rename_axis(self.index.name, axis=1)
            page = shown.to_html(escape=True)
        aligns = ["right" if numeric_column(self.index) else "left"] + [
            "right" if numeric_column(self[c]) else "left" for c in self.columns]
        return "<div>\n" + _align_cells(page, aligns) + "\n</div>"

    def __repr__(self) -> str:
        with pd.option_context(*_WHOLE):
            return super().__repr__()


#: A cell that reads as a number (with its unit): "1,070.9", "−4.2 pp", "34.9%", "¥1,234", "p < 0.001",
#: "17.8 h [16.7, 19.2]", "2.3天"; a cell with more words than a unit is text.
_NUMBER_START = re.compile(r"^(?:p\s*[<=>]\s*)?[\s+\-−±<>≤≥~≈¥$€£\[(]*\d")
_WORD = re.compile(r"[^\W\d_]+")
_CELL = re.compile(r"<t[hd](?=[\s>])")


def _numeric_text(text: str) -> bool:
    if not _NUMBER_START.match(text):
        return False
    words = _WORD.findall(text)
    return len(words) <= 3 and sum(len(w) for w in words) <= 12


def numeric_column(values) -> bool:
    """Whether a column (or index) holds numbers: a numeric dtype, or text cells that all read as a number with
    its unit (missing cells — "", "—", "–" — aside; a column of only missing cells is text)."""
    values = pd.Series(values) if not isinstance(values, pd.Series) else values
    if pd.api.types.is_bool_dtype(values):
        return False
    if pd.api.types.is_numeric_dtype(values):
        return True
    shown = [str(v).strip() for v in values if not is_missing(v)]
    shown = [t for t in shown if t not in ("", "—", "–", "-")]
    return bool(shown) and all(_numeric_text(t) for t in shown)


def _align_cells(table: str, aligns: list[str]) -> str:
    """``table`` (pandas' one-header-row HTML) with ``style="text-align: …"`` on every header and body cell,
    by column position within its row."""
    def row(match: re.Match) -> str:
        position = iter(range(10 ** 9))

        def cell(m: re.Match) -> str:
            i = next(position)
            align = aligns[i] if i < len(aligns) else "left"
            return f'{m.group(0)} style="text-align: {align};"'

        return _CELL.sub(cell, match.group(0))

    return re.sub(r"<tr\b.*?</tr>", row, table, flags=re.S)


def display_frame(frame: pd.DataFrame, lang: str, *, headers: dict | None = None, prefix: str = "") -> pd.DataFrame:
    """A formatted result frame ready to show: headers labelled in ``lang`` (a column is first renamed to its
    label code via ``headers``, then looked up with :func:`code_label` and ``prefix``); the first column
    becomes the (named) index, so no 0, 1, 2 … row numbers show. Returns a :class:`ReportFrame`."""
    headers = headers or {}
    out = frame.rename(columns={c: code_label(headers.get(c, c), lang, prefix=prefix) for c in frame.columns})
    return ReportFrame(out.set_index(out.columns[0]) if len(out.columns) > 1 else out)


def code_label(code, lang: str, *, prefix: str = "") -> str:
    """:func:`csm.report.labels.label` of ``code`` as text, ``"–"`` when missing; with ``prefix`` a topic's own
    label ``<prefix><code>`` (e.g. ``cust_`` of labels/customers.py) wins over the shared one."""
    if is_missing(code):
        return "–"
    if prefix:
        own = label(f"{prefix}{code}", lang)
        if own != f"{prefix}{code}":
            return str(own)
    return str(label(code, lang))


def heading(key: str, lang: str, *, level: int = 2, **kwargs) -> Markdown:
    """A Markdown heading from the phrase ``key`` (headings follow ``lang``, so they cannot be static cells).

    Text inserted into the phrase (``kwargs``: an experiment id, a team name — parameters and data) is
    escaped, so it is never read as Markdown or HTML."""
    # an underscore inside a word (smart_triage) is never emphasis: left as it is, so the heading reads the same
    values = {k: re.sub(r"(?<=\w)\\_(?=\w)", "_", escape_markdown(v)) if isinstance(v, str) else v
              for k, v in kwargs.items()}
    return Markdown("#" * level + " " + phrase(key, lang, **values).replace("\n", " "))


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def escape_markdown(text: str) -> str:
    """Backslash-escape Markdown syntax in generated text (``created_at … datetime_format`` is not emphasis)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def paragraph(sentences: list[str]) -> Markdown:
    """Generated sentences as one Markdown paragraph (their text is escaped, never read as Markdown)."""
    return Markdown(" ".join(escape_markdown(s) for s in sentences if s))


def bullets(sentences: list[str]) -> Markdown:
    """Generated sentences as a Markdown bullet list (escaped like :func:`paragraph`)."""
    return Markdown("\n".join(f"- {escape_markdown(s)}" for s in sentences if s))


def data_quality_table(data, lang: str) -> pd.DataFrame:
    """Rows loaded / dropped and optional columns missing per table (:meth:`Dataset.quality_summary`);
    counts with thousands separators, a table that was not provided said so in ``lang``."""
    summary = data.quality_summary().copy()
    for col in ("rows_loaded", "rows_dropped"):
        if col in summary:
            summary[col] = [fmt.count(v, lang) for v in summary[col]]
    if "file" in summary:
        summary["file"] = summary["file"].replace("(not provided)", phrase("table_not_provided", lang))
    if lang == "zh" and "table" in summary:  # the contract's table names, said in Chinese
        summary["table"] = summary["table"].map(lambda t: _TABLES_ZH.get(t, t))
    return display_frame(summary, lang)


_TABLES_ZH = {"tickets": "工单", "responses": "调查回复", "customers": "客户", "transactions": "交易",
              "assignments": "实验分组"}


def data_notes(data, card: pd.DataFrame, lang: str) -> list[str]:
    """What the reader must know about the input: dropped rows, warnings, and the notes of ``card`` (a frame
    with ``kpi`` and ``note``, a tuple of :class:`csm.notes.Note` per row, e.g. a KPI not computed and why)."""
    notes = []
    problems = getattr(data, "problems", None)
    if problems is not None and len(problems):
        for _, p in problems.iterrows():
            examples = ""
            if p["rows"]:
                examples = phrase("rows_example", lang, rows=", ".join(str(r) for r in list(p["rows"])[:5]),
                                  values=", ".join(repr(v) for v in list(p["values"] or [])[:5]) or "–")
            notes.append(phrase("data_problem", lang, table=p["table"], column=p["column"] or "–",
                                n=int(p["n_rows"]), action=label(p["action"], lang), examples=examples,
                                message=p["message"]))
    for _, r in card.iterrows():  # notes of a measure: csm.notes.Note tuples, rendered by their phrases
        for note in r.get("note") or ():
            notes.append(f"{label(r['kpi'], lang)}{': ' if lang == 'en' else '：'}{note_text(note, lang)}")
    if not notes:
        notes.append(phrase("data_clean", lang))
    return notes


