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
from csm.report.labels import check_lang, kpi_unit, label, phrase

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


def _change_text(row: pd.Series, lang: str) -> str:
    """The change against the comparison period with its unit (:mod:`csm.report.format`): relative changes as
    signed percentages, rates in percentage points ("−0.7 pp [−2.6, +1.1]"), durations in the unit the
    estimate is shown in ("−1.2 h [−2.0, −0.4]")."""
    if _is_missing(row.get("change")):
        return fmt.MISSING
    row = row.copy()
    row["change"] = _shown_change(row)
    unit, value_unit = row["change_unit"], row["unit"]
    low, high = row.get("change_ci_low"), row.get("change_ci_high")
    has_ci = not _is_missing(low) and not _is_missing(high)
    if unit.startswith("relative"):
        text = fmt.percent(row["change"], lang, signed=True)
        return text + (f" [{fmt.percent(low, lang, signed=True)}, {fmt.percent(high, lang, signed=True)}]"
                       if has_ci else "")
    if unit == "percentage points":
        text = fmt.points(row["change"] / 100, lang)
        return text + (f" [{fmt.number(low, lang, signed=True)}, {fmt.number(high, lang, signed=True)}]"
                       if has_ci else "")
    if value_unit in _MINUTES_PER:
        shown = row.get("estimate")
        shown = row["change"] if _is_missing(shown) else shown
        same = fmt.duration_unit(shown * _MINUTES_PER[value_unit])
        if value_unit.startswith("business") and same == "days":
            same = "h"
        per = _MINUTES_PER[value_unit] / {"min": 1, "h": 60, "days": 1440}[same]
        text = _kpi_value(row["change"], value_unit, lang, signed=True, duration_unit=same)
        return text + (f" [{fmt.number(low * per, lang, signed=True)}, {fmt.number(high * per, lang, signed=True)}]"
                       if has_ci else "")
    digits = _DECIMALS.get(value_unit, 2)
    text = fmt.number(row["change"], lang, digits, signed=True)
    if value_unit == "points":
        text += _SCORE_UNITS["points"][lang]
    return text + (f" [{fmt.number(low, lang, digits, signed=True)}, {fmt.number(high, lang, digits, signed=True)}]"
                   if has_ci else "")


def n_days(n: int, lang: str) -> str:
    """A number of days as a sentence says it: "1 day", "3 days", "1,200 days" / "3 天"."""
    shown = fmt.count(int(n), lang)
    if lang == "zh":
        return f"{shown} 天"
    return f"{shown} day" if int(n) == 1 else f"{shown} days"


def _shown_change(row: pd.Series) -> float:
    """The change as the difference of the values as shown (rounded to their displayed precision), so that
    "19.1 h → 17.8 h" reads "−1.3 h", never "−1.2 h"; relative changes and values shown in different units
    keep the exact change."""
    est, prev, change = row.get("estimate"), row.get("previous"), row["change"]
    if _is_missing(est) or _is_missing(prev) or str(row["change_unit"]).startswith("relative"):
        return change
    unit = row["unit"]
    if row["change_unit"] == "percentage points":
        return round(float(est), 1) - round(float(prev), 1) if unit == "%" else change
    if unit in _MINUTES_PER:
        per = _MINUTES_PER[unit]
        shown = [fmt.duration_unit(v * per) for v in (est, prev)]
        if unit.startswith("business"):
            shown = ["h" if u == "days" else u for u in shown]
        if shown[0] != shown[1]:
            return change
        f = {"min": 1, "h": 60, "days": 1440}[shown[0]] / per  # value units per displayed unit
        return (round(float(est) / f, 1) - round(float(prev) / f, 1)) * f
    digits = _DECIMALS.get(unit)
    return change if digits is None else round(float(est), digits) - round(float(prev), digits)


def headline_rows(card: pd.DataFrame, csat_definition: str = "mean") -> pd.DataFrame:
    """The scorecard rows that lead the report: one CSAT definition, no per-channel breakdown rows."""
    per_channel = card["kpi"].str.startswith("first_response_minutes_")
    other_csat = card["kpi"].isin(["csat_mean", "csat_pct_satisfied"]) & (card["kpi"] != f"csat_{csat_definition}")
    return card[~per_channel & ~other_csat]


def channel_rows(card: pd.DataFrame) -> pd.DataFrame:
    """The per-channel first-response rows of a scorecard, with a ``channel`` column."""
    rows = card[card["kpi"].str.startswith("first_response_minutes_")].copy()
    rows["channel"] = rows["kpi"].str.removeprefix("first_response_minutes_")
    return rows


def scorecard_table(card: pd.DataFrame, targets: pd.DataFrame | None, lang: str) -> pd.DataFrame:
    """The scorecard as management reads it: one row per KPI, estimate with interval, previous period,
    change with interval and p-value, target, status and whether the trend reaches the target in time.

    ``card`` is :func:`csm.kpi.scorecard`; ``targets`` is :func:`csm.kpi.evaluate_targets` (or None).
    """
    check_lang(lang)
    t = targets.set_index("kpi") if targets is not None and len(targets) else pd.DataFrame()
    rows = []
    for _, r in card.iterrows():
        unit = r["unit"]
        tr = t.loc[r["kpi"]] if r["kpi"] in t.index else None
        target_text, status, on_track = "", "", ""
        if tr is not None and tr["status"] == "not_evaluated":
            target_text, status = "", str(label("not_evaluated", lang))
        elif tr is not None:
            target_text = (("≥ " if tr["direction"] == "higher" else "≤ ") + format_quantity(tr["target"], unit, lang))
            if not _is_missing(tr["deadline"]):
                target_text += phrase("kpi_by_deadline", lang, deadline=fmt.day(tr["deadline"], lang))
            status = str(label(tr["status"], lang))
            if not _is_missing(tr["on_track"]):
                on_track = phrase("yes" if bool(tr["on_track"]) else "no", lang)
        rows.append({
            "kpi": label(r["kpi"], lang),
            "estimate": format_quantity(r["estimate"], unit, lang, low=r["ci_low"], high=r["ci_high"]),
            "previous": format_quantity(r["previous"], unit, lang),
            "change": _change_text(r, lang),
            "p_value": "" if _is_missing(r["p_value"]) else format_p_value(r["p_value"]),
            "target": target_text,
            "status": status,
            "on_track": on_track,
            "n": "" if _is_missing(r["n"]) else fmt.count(r["n"], lang),
        })
    return _localised(pd.DataFrame(rows), lang)


def target_sentences(card: pd.DataFrame, targets: pd.DataFrame, lang: str) -> list[str]:
    """One sentence per KPI with a target: value, interval, target and verdict, trend to the deadline."""
    from csm.kpi import MIN_BASELINE_SHARE, MIN_TREND_PERIODS

    check_lang(lang)
    est = card.set_index("kpi")
    out = []
    for _, tr in targets.iterrows():
        r = est.loc[tr["kpi"]] if tr["kpi"] in est.index else None
        unit = r["unit"] if r is not None else kpi_unit(tr["kpi"], "en")
        if tr["status"] == "not_evaluated":
            n_base = tr.get("baseline_n")
            if not _is_missing(n_base) and int(n_base) > 0:  # some data, too little of the window
                out.append(phrase("kpi_target_thin_baseline", lang, kpi=label(tr["kpi"], lang),
                                  window=tr["baseline_window"], n=int(n_base), total=int(tr["baseline_periods"]),
                                  share=f"{MIN_BASELINE_SHARE:.0%}", parameter=tr["baseline_of"]))
            else:
                out.append(phrase("kpi_target_skipped", lang, kpi=label(tr["kpi"], lang),
                                  window=tr["baseline_window"], parameter=tr["baseline_of"]))
            continue
        if tr["status"] == "no_data":
            base = r if r is not None else next((est.loc[k] for k in sorted(est.index, key=len, reverse=True)
                                                 if str(tr["kpi"]).startswith(f"{k}_")), None)
            if base is not None and _input_missing(base.get("note")):
                continue  # the section is left out, and said so once (skipped_sentences)
            out.append(phrase("kpi_no_data", lang, kpi=label(tr["kpi"], lang)))
            continue
        value, interval = _quantity_parts(tr["actual"], unit, lang, low=tr["ci_low"], high=tr["ci_high"])
        s = phrase("kpi_against_target", lang, kpi=label(tr["kpi"], lang), value=value, interval=interval,
                   target=format_quantity(tr["target"], unit, lang), status=label(tr["status"], lang))
        if tr["status"] != "met" and not _is_missing(tr["on_track"]):
            key = "trend_reaches_target" if bool(tr["on_track"]) else "trend_misses_target"
            s += " " + phrase(key, lang, deadline=fmt.day(tr["deadline"], lang),
                              projected=format_quantity(tr["projected"], unit, lang))
        elif tr["status"] != "met" and not _is_missing(tr["deadline"]) and not _is_missing(tr["n_periods_fit"]) \
                and int(tr["n_periods_fit"]) < MIN_TREND_PERIODS:
            s += " " + phrase("kpi_no_projection", lang, deadline=fmt.day(tr["deadline"], lang),
                              n=int(tr["n_periods_fit"]), needed=MIN_TREND_PERIODS)
        n_base = tr.get("baseline_n")
        m = re.search(r"from (\d+) of (\d+) trend periods", str(tr.get("note") or ""))
        if m and not _is_missing(n_base):
            s += " " + phrase("kpi_baseline_partial", lang, kpi=label(tr["kpi"], lang), window=tr["baseline_window"],
                              n=m[1], total=m[2])
        out.append(s)
    return out


_INPUT_MISSING = re.compile(r"^(?:\w+ table not provided|[\w.]+(?: and [\w.]+)* missing)$")


def _input_missing(note) -> bool:
    """Whether a :mod:`csm.kpi` note says only that an input table or column is missing."""
    return isinstance(note, str) and bool(note) and all(_INPUT_MISSING.match(p) for p in note.split("; "))


def available_rows(card: pd.DataFrame) -> pd.DataFrame:
    """Scorecard rows without those left out for a missing input (they are named by :func:`skipped_sentences`)."""
    return card[~(card["estimate"].isna() & card["note"].map(_input_missing))]


def needs_text(needs: str, lang: str) -> str:
    """``"tickets.contacts with tickets.resolved_at or responses"`` for a reader: a bare table name becomes
    "the responses table" / "responses 表"."""
    def one(item: str) -> str:
        if "." in item:
            return item
        return f"the {item} table" if lang == "en" else f"{item} 表"

    join_or, join_with = (" or ", " with ") if lang == "en" else (" 或 ", " 及 ")
    return join_or.join(join_with.join(one(i) for i in alt.split(" with ")) for alt in needs.split(" or "))


def year_ranges(years) -> str:
    """``[2025, 2026, 2028]`` → ``"2025–2026, 2028"``."""
    years = sorted(set(int(y) for y in years))
    parts, i = [], 0
    while i < len(years):
        j = i
        while j + 1 < len(years) and years[j + 1] == years[j] + 1:
            j += 1
        parts.append(str(years[i]) if i == j else f"{years[i]}–{years[j]}")
        i = j + 1
    return ", ".join(parts)


def holiday_sentence(holidays, start, end, lang: str) -> str:
    """For a business-hour clock: say when the holidays list does not cover every year from ``start`` to ``end``."""
    from csm.kpi import holiday_years_missing

    missing, covered = holiday_years_missing(holidays, start, end)
    if not covered:
        return phrase("holidays_none", lang)
    if missing:
        return phrase("holidays_not_covered", lang, covered=year_ranges(covered), missing=year_ranges(missing))
    return ""


def skipped_sentences(skipped: list[dict], lang: str) -> list[str]:
    """One sentence per section left out (``[{"section": code, "needs": …}]`` of :func:`csm.kpi.skipped_sections`)."""
    from csm.report.labels.kpi import PLURAL_SECTIONS

    return [phrase("kpi_sections_skipped" if s["section"] in PLURAL_SECTIONS else "kpi_section_skipped", lang,
                   section=label(f"kpi_section_{s['section']}", lang), needs=needs_text(s["needs"], lang))
            for s in skipped]


def targets_met_sentence(targets: pd.DataFrame, lang: str) -> str:
    """How many targets were met, counting only the targets that could be evaluated (never "0 of 0")."""
    if len(targets) == 0:
        return ""  # no targets set: nothing to say
    evaluated = targets[targets["status"].isin(["met", "at_risk", "missed"])]
    if len(evaluated) == 0:
        return phrase("no_target_evaluated", lang)
    met = int((evaluated["status"] == "met").sum())
    if len(evaluated) == 1 and len(targets) > 1:  # not "1 of the 1 KPI targets … were met"
        return phrase("kpi_only_target_met" if met else "kpi_only_target_not_met", lang)
    key = "kpis_met" if len(evaluated) == len(targets) else "kpis_met_of_evaluated"
    return phrase(key, lang, met=met, total=len(evaluated))


def change_sentences(card: pd.DataFrame, lang: str, *, alpha: float = 0.05) -> list[str]:
    """Sentences for the KPIs whose change against the comparison period is statistically significant."""
    out = []
    for _, r in card.iterrows():
        if _is_missing(r["p_value"]) or r["p_value"] >= alpha:
            continue
        out.append(phrase("kpi_change", lang, kpi=label(r["kpi"], lang),
                          previous=format_quantity(r["previous"], r["unit"], lang),
                          value=format_quantity(r["estimate"], r["unit"], lang),
                          change=_change_text(r, lang), p=format_p_value(r["p_value"], prefix=True)))
    if not out:
        out.append(phrase("no_significant_change", lang, alpha=alpha))
    return out


def control_sentence(kpi: str, chart: pd.DataFrame, lang: str) -> str:
    """Which days of a control chart (:func:`csm.kpi.p_chart` / ``individuals_chart``) signal a real change."""
    from csm.report.tables_kpi import control_days

    flagged = chart[chart["out_of_control"].astype(bool)]
    if flagged.empty:
        text = phrase("process_in_control", lang, kpi=label(kpi, lang))
    else:  # the days with their year ("2 May 2026"), and what a signal means
        text = phrase("out_of_control_days", lang, n_days=n_days(len(flagged), lang), kpi=label(kpi, lang),
                      days=control_days(flagged, lang))
    if "run_signal" in chart and chart["run_signal"].astype(bool).any():
        text += " " + phrase("run_signal_found", lang,
                              n_days=n_days(int(chart["run_signal"].astype(bool).sum()), lang))
    return text


def league_extremes(league: pd.DataFrame, by: str, lang: str, *, top: int = 5) -> pd.DataFrame | Markdown:
    """Best and worst ``top`` ranked groups of :func:`csm.kpi.league_table`, raw and adjusted, formatted
    (a sentence instead when no group has enough cases to be ranked)."""
    ranked = league[~league["too_few"].astype(bool)].sort_values("rank")
    if ranked.empty:
        return paragraph([phrase("league_all_too_few", lang, group=label(by, lang),
                                 min_n=league.attrs.get("min_n", "–"))])
    show = pd.concat([ranked.head(top), ranked.tail(top)]).drop_duplicates(subset=[by])
    unit = league["unit"].iloc[0] if len(league) else ""
    out = pd.DataFrame({
        "rank": show["rank"].astype(int).astype(str),
        by: show[by].map(lambda c: label(c, lang)),
        "n": show["n"].map(lambda v: fmt.count(v, lang)),
        "estimate": [format_quantity(e, unit, lang, low=lo, high=hi)
                     for e, lo, hi in zip(show["estimate"], show["ci_low"], show["ci_high"])],
        "shrunk_estimate": [format_quantity(e, unit, lang, low=lo, high=hi)
                            for e, lo, hi in zip(show["shrunk_estimate"], show["shrunk_ci_low"],
                                                 show["shrunk_ci_high"])],
    })
    return _localised(out, lang)


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

#: Chinese renderings of the notes :mod:`csm.kpi` attaches to KPIs it could not (fully) compute.
_NOTE_PATTERNS_ZH = [
    (re.compile(r"^(\w+) table not provided$"), lambda m: f"未提供 {m[1]} 表"),
    (re.compile(r"^(\w+)\.(\w+) missing$"), lambda m: f"{m[1]} 表缺少 {m[2]} 列"),
    (re.compile(r"^period only partly covered by ticket data \((.+)\)$"), lambda m: f"工单数据仅部分覆盖本期（{m[1]}）"),
    (re.compile(r"^period outside the ticket data \((.+)\)$"), lambda m: f"本期不在工单数据范围内（{m[1]}）"),
    (re.compile(r"^no CSAT responses in period$"), lambda m: "本期没有满意度评分"),
    (re.compile(r"^no NPS responses in period$"), lambda m: "本期没有 NPS 评分"),
    (re.compile(r"^no resolved tickets in period$"), lambda m: "本期没有已解决的工单"),
    (re.compile(r"^no tickets with handle time in period$"), lambda m: "本期没有带处理时长的工单"),
    (re.compile(r"^no answered tickets in period$"), lambda m: "本期没有已响应的工单"),
    (re.compile(r"^no tickets with a known SLA outcome in period$"), lambda m: "本期没有可判定 SLA 结果的工单"),
    (re.compile(r"^no customers active at period start$"), lambda m: "期初没有活跃客户"),
    (re.compile(r"^(\d+) customer\(s\) marked churned without churn_date left out$"),
     lambda m: f"{m[1]} 位标记为流失但没有流失日期的客户未计入"),
]


def translate_note(note: str, lang: str) -> str:
    """A :mod:`csm.kpi` note (``"responses table not provided; …"``) in ``lang``; unknown parts stay as they are."""
    if lang == "en" or not note:
        return note
    parts = []
    for part in note.split("; "):
        for pattern, render in _NOTE_PATTERNS_ZH:
            m = pattern.match(part)
            if m:
                part = render(m)
                break
        parts.append(part)
    return "；".join(parts)


def data_notes(data, card: pd.DataFrame, lang: str) -> list[str]:
    """What the reader must know about the input: dropped rows, warnings, KPIs not computed and why."""
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
    for _, r in card.iterrows():
        if isinstance(r.get("note"), str) and r["note"] and not _input_missing(r["note"]):
            notes.append(f"{label(r['kpi'], lang)}{': ' if lang == 'en' else '：'}{translate_note(r['note'], lang)}")
    if not notes:
        notes.append(phrase("data_clean", lang))
    return notes


def definitions_table(card: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The definition behind each KPI, as computed, in ``lang`` (:func:`csm.report.tables_kpi.definition_text`)."""
    from csm.report.tables_kpi import definition_text

    return _localised(pd.DataFrame({"kpi": card["kpi"].map(lambda c: label(c, lang)),
                                    "definition": card["definition"].map(lambda d: definition_text(d, lang))}), lang)
