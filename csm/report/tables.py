"""KPI scorecard tables and sentences (helper "kpi" moves them to ``csm/report/kpi.py``), and the old import
paths of the shared presentation names.

The shared presentation lives in :mod:`csm.report.display` (headings, paragraphs, bullets, the one table
renderer :func:`~csm.report.display.display_frame`) and :mod:`csm.report.format` (every number, duration,
percentage and p-value). Numbers are rounded there, once, for display (the analysis results keep full precision
and are what :func:`csm.report.results.record` stores).
"""
from __future__ import annotations

import re

import pandas as pd
from IPython.display import Markdown

from csm.report import format as fmt
from csm.report.labels import check_lang, kpi_unit, label, phrase

# --- moved to csm.report.display / csm.report.format; the lead removes this block after the merge ---------------
from csm.report.display import (  # noqa: F401
    ReportFrame,
    bullets,
    code_label,
    data_quality_table,
    display_frame,
    escape_markdown,
    heading,
    numeric_column,
    paragraph,
)
from csm.report.format import (  # noqa: F401
    format_interval,
    format_number,
    format_p_value,
    format_quantity,
    format_share,
    n_days,
    unit_suffix,
)
from csm.report.format import KPI_DECIMALS as _DECIMALS  # noqa: F401
from csm.report.format import MINUTES_PER as _MINUTES_PER  # noqa: F401
from csm.report.format import SCORE_UNITS as _SCORE_UNITS  # noqa: F401
from csm.report.format import is_missing as _is_missing  # noqa: F401
from csm.report.format import kpi_value as _kpi_value  # noqa: F401
from csm.report.format import quantity_parts as _quantity_parts  # noqa: F401
# --- end of the moved names ---------------------------------------------------------------------------------------

__all__ = [
    "headline_rows", "channel_rows", "scorecard_table", "target_sentences", "available_rows", "needs_text",
    "year_ranges", "holiday_sentence", "skipped_sentences", "targets_met_sentence", "change_sentences",
    "control_sentence", "league_extremes", "translate_note", "data_notes", "definitions_table",
]


def _localised(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Headers in ``lang``; the first column becomes the (named) index (:func:`csm.report.display.display_frame`)."""
    return display_frame(frame, lang)


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
