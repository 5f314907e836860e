"""Report tables and sentences: analysis results formatted for a reader, in English or Chinese.

Numbers are rounded here, once, for display (the analysis results keep full
precision and are what :func:`csm.report.results.record` stores).
"""
from __future__ import annotations

import math
import re

import pandas as pd
from IPython.display import Markdown

from csm.report import format as fmt
from csm.report.labels import label, note_text, phrase

#: decimals shown per unit of :mod:`csm.kpi` results
_DECIMALS = {"score (1–5)": 2, "%": 1, "percentage points": 1, "points": 1, "minutes": 1, "hours": 1, "tickets": 0,
             "business minutes": 1, "business hours": 1, "days": 1}


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
    shown = [str(v).strip() for v in values if not _is_missing(v)]
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


def _localised(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Headers in ``lang``; the first column becomes the (named) index, so no 0, 1, 2 … row numbers show."""
    return display_frame(frame, lang)


def display_frame(frame: pd.DataFrame, lang: str, *, headers: dict | None = None, prefix: str = "") -> pd.DataFrame:
    """A formatted result frame ready to show: headers labelled in ``lang`` (a column is first renamed to its
    label code via ``headers``, then looked up with :func:`code_label` and ``prefix``); the first column
    becomes the (named) index, so no 0, 1, 2 … row numbers show."""
    headers = headers or {}
    out = frame.rename(columns={c: code_label(headers.get(c, c), lang, prefix=prefix) for c in frame.columns})
    return ReportFrame(out.set_index(out.columns[0]) if len(out.columns) > 1 else out)


def code_label(code, lang: str, *, prefix: str = "") -> str:
    """:func:`csm.report.labels.label` of ``code`` as text, ``"–"`` when missing; with ``prefix`` a topic's own
    label ``<prefix><code>`` (e.g. ``cust_`` of labels_customers) wins over the shared one."""
    if _is_missing(code):
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


def _is_missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA or x is pd.NaT


def format_number(value, unit: str = "", lang: str = "en", *, signed: bool = False,
                  decimals: int | None = None) -> str:
    """``value`` rounded for its unit (``%`` values are already in percent), with the unit where short;
    ``decimals`` overrides the unit's usual number of decimals. Missing values show as ``"–"``."""
    if _is_missing(value):
        return "–"
    decimals = _DECIMALS.get(unit, 2) if decimals is None else decimals
    text = f"{value:+,.{decimals}f}" if signed else f"{value:,.{decimals}f}"
    if text in ("-0", "+0") or text.strip("+-0.,") == "":
        text = text.replace("-", "").replace("+", "") if not signed else "±" + text[1:]
    if unit == "%":
        return text + "%"
    if unit == "percentage points":
        return text + (" pp" if lang == "en" else " 个百分点")
    return text


def format_interval(low, high, unit: str = "", lang: str = "en", *, decimals: int | None = None,
                    brackets: str = "[, ]") -> str:
    """``[low, high]`` formatted like :func:`format_number`; ``brackets="(–)"`` gives ``(low–high)``.
    Empty when a bound is missing."""
    if _is_missing(low) or _is_missing(high):
        return ""
    left, sep, right = (brackets[0], brackets[1:-1], brackets[-1])
    return (f"{left}{format_number(low, unit, lang, decimals=decimals)}{sep}"
            f"{format_number(high, unit, lang, decimals=decimals)}{right}")


#: Short unit words of :mod:`csm.kpi` time units in sentences and tables (``%`` is attached by format_number;
#: scores, NPS points and ticket counts are shown as bare numbers, their KPI name says what they count).
_SHORT_UNITS = {"minutes": {"en": "min", "zh": "分钟"}, "hours": {"en": "h", "zh": "小时"},
                "business minutes": {"en": "business min", "zh": "工作分钟"},
                "business hours": {"en": "business h", "zh": "工作小时"}, "days": {"en": "d", "zh": "天"}}
#: Long calendar durations are shown a second time in a larger unit: (from, divisor, unit). 1,070.9 min reads
#: better as "1,070.9 min (17.8 h)"; business-clock units are not converted (a business day is not 24 h).
_ALSO_IN = {"minutes": (120, 60, "hours"), "hours": (48, 24, "days")}


def unit_suffix(value, unit: str, lang: str = "en", *, convert: bool = True) -> str:
    """What follows a number of ``unit`` in a sentence: ``" min"``, ``" min (17.8 h)"`` (from 120 min on;
    hours from 48 h on also in days), ``"小时"`` …; empty for units shown bare (``%`` is part of the number)."""
    short = _SHORT_UNITS.get(unit)
    if short is None:
        return ""
    text = " " + short[lang]
    also = _ALSO_IN.get(unit) if convert else None
    if also and not _is_missing(value) and math.isfinite(value) and abs(value) >= also[0]:
        other = format_number(value / also[1], also[2], lang)
        text += f" ({other} {_SHORT_UNITS[also[2]]['en']})" if lang == "en" else \
            f"（{other} {_SHORT_UNITS[also[2]]['zh']}）"
    return text


def format_quantity(value, unit: str = "", lang: str = "en", *, low=None, high=None, signed: bool = False) -> str:
    """A KPI value for a reader, with its unit (a :mod:`csm.kpi` unit: ``"minutes"``, ``"%"`` in percent,
    ``"tickets"`` …), through :mod:`csm.report.format`: ``"8.7 min"``, ``"17.8 h [16.7, 19.2]"`` (with
    ``low``/``high``, the interval in the value's unit), ``"72.3% [70.1%, 74.4%]"``; ``"—"`` when missing."""
    number, rest = _quantity_parts(value, unit, lang, low=low, high=high, signed=signed)
    return f"{number} {rest}".strip()


#: minutes per unit of the :mod:`csm.kpi` duration units
_MINUTES_PER = {"minutes": 1, "hours": 60, "days": 1440, "business minutes": 1, "business hours": 60}


def _kpi_value(value, unit: str, lang: str, *, signed: bool = False, duration_unit: str | None = None) -> str:
    """One value of a :mod:`csm.kpi` unit formatted by :mod:`csm.report.format`."""
    if unit == "%":
        return fmt.percent(None if _is_missing(value) else value / 100, lang, signed=signed)
    if unit == "percentage points":
        return fmt.points(None if _is_missing(value) else value / 100, lang)
    if unit in _MINUTES_PER:
        minutes = None if _is_missing(value) else value * _MINUTES_PER[unit]
        return fmt.duration(minutes, lang, unit=duration_unit, signed=signed, business=unit.startswith("business"))
    if unit == "tickets":
        return fmt.count(value, lang)
    text = fmt.number(value, lang, _DECIMALS.get(unit, 2), signed=signed)
    if text != fmt.MISSING and unit in _SCORE_UNITS:  # "3.87 / 5", "0.3 points" / "0.3分"
        text += _SCORE_UNITS[unit][lang]
    return text


#: What follows a score: CSAT on its 1–5 scale, NPS points.
_SCORE_UNITS = {"score (1–5)": {"en": " / 5", "zh": " / 5"}, "points": {"en": " points", "zh": "分"}}


def _quantity_parts(value, unit: str, lang: str, *, low=None, high=None, signed: bool = False) -> tuple[str, str]:
    """(value with unit, interval) of :func:`format_quantity`, for templates with ``{value} {interval}``; the
    interval's bounds are shown in the unit the value is shown in."""
    same = None
    if unit in _MINUTES_PER and not _is_missing(value):
        same = fmt.duration_unit(value * _MINUTES_PER[unit])
        if unit.startswith("business") and same == "days":
            same = "h"
    text = _kpi_value(value, unit, lang, signed=signed, duration_unit=same)
    interval = ""
    if text != fmt.MISSING and not _is_missing(low) and not _is_missing(high):
        if same is not None:  # bounds in the value's unit, which is said once: "17.8 h [16.7, 19.2]"
            per = _MINUTES_PER[unit] / {"min": 1, "h": 60, "days": 1440}[same]
            interval = f"[{fmt.number(low * per, lang)}, {fmt.number(high * per, lang)}]"
        elif unit in _SCORE_UNITS:  # "3.87 / 5 [3.81, 3.93]": the scale is said once
            digits = _DECIMALS.get(unit, 2)
            interval = f"[{fmt.number(low, lang, digits)}, {fmt.number(high, lang, digits)}]"
        else:
            interval = f"[{_kpi_value(low, unit, lang)}, {_kpi_value(high, unit, lang)}]"
    return text, interval


def format_share(fraction, lang: str = "en", *, signed: bool = False) -> str:
    """A fraction (0.123) as a percentage with one decimal (``"12.3%"``); ``"–"`` when missing or infinite."""
    if _is_missing(fraction) or not math.isfinite(fraction):
        return "–"
    return format_number(100 * fraction, "%", lang, signed=signed)


def format_p_value(p, *, prefix: bool = False, lang: str = "en") -> str:
    """A p-value for a reader (:func:`csm.report.format.p_value`): ``"< 0.001"`` below 0.001, else three
    decimals (``"0.042"``), ``"—"`` when missing; with ``prefix`` for sentences: ``"p < 0.001"``,
    ``"p = 0.042"``."""
    return fmt.p_value(p, lang, prefix=prefix)


def n_days(n: int, lang: str) -> str:
    """A number of days as a sentence says it: "1 day", "3 days", "1,200 days" / "3 天"."""
    shown = fmt.count(int(n), lang)
    if lang == "zh":
        return f"{shown} 天"
    return f"{shown} day" if int(n) == 1 else f"{shown} days"


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
    return _localised(summary, lang)


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


