"""The KPI scorecard report (notebooks/kpi_scorecard) for a reader: one ``show_<section>(result, lang)`` per
section of the report and :func:`findings` for its summary box, from a :class:`csm.kpi.KpiResult`.

Also the scorecard's tables and sentences (``scorecard_table``, ``target_sentences``, ``change_sentences`` …) and
the KPI definitions in the report's language, and the KPI charts (trend lines, league charts). KPI results hold
rates as fractions; the shared formatter :func:`csm.report.format.format_quantity` take a ``"%"`` value in percent, so every value passes
:func:`_shown` on its way there (percent only on display).
"""
from __future__ import annotations

import html
import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import Markdown, display
from matplotlib.axes import Axes

from csm.errors import ParameterError
from csm.kpi import MIN_BASELINE_SHARE, holiday_years_missing, kpi_direction
from csm.kpi.analysis import available_rows
from csm.report import format as fmt
from csm.report.charts import (
    add_legend, control_chart, dot_with_ci, format_date_axis, get_axes, percent_axis, require_columns, set_title,
    tick_labels, x_positions,
)
from csm.report.display import ReportFrame, bullets, data_notes, data_quality_table, display_frame, heading, paragraph
from csm.report.format import MINUTES_PER, axis_formatter, format_quantity, is_missing, n_days
from csm.report.labels import axis_label, check_lang, kpi_unit, label, phrase
from csm.report.theme import COLORS, PALETTE
from csm.report.summary import Finding, badge_html, summary_block

__all__ = ["StatusFrame", 
    "show_summary", "show_changes", "show_response_times", "show_trend", "show_control", "show_leagues",
    "show_data", "findings", "kpi_findings", "scorecard_table", "target_sentences", "change_sentences",
    "targets_met_sentence", "skipped_sentences", "holiday_sentence", "control_sentence", "channel_sentence",
    "agents_sentence", "agents_distinct", "ranked_only", "league_extremes", "definitions_table", "definition_text",
    "channel_rows", "needs_text", "year_ranges", "control_days", "missed_names", "colour_status",
    "fill_untested", "untested_note", "trend_grid", "period_text", "kpi_trend_chart", "league_chart",
]


# --------------------------------------------------------------------------- values: fractions inside
#: decimals of a change shown in a unit that is not a duration or a rate
_DECIMALS = {"score (1–5)": 2, "points": 1, "tickets": 0}


def _shown(value, unit: str):
    """A KPI value as the shared formatters take it: a rate (a fraction) in percent."""
    return 100 * float(value) if unit == "%" and not is_missing(value) else value


def _quantity(value, unit: str, lang: str, *, low=None, high=None, signed: bool = False) -> str:
    """:func:`csm.report.format.format_quantity` of a KPI value (rates are fractions): "69.1% [67.5%, 70.6%]"."""
    return format_quantity(_shown(value, unit), unit, lang, low=_shown(low, unit), high=_shown(high, unit),
                           signed=signed)


def _quantity_parts(value, unit: str, lang: str, *, low=None, high=None) -> tuple[str, str]:
    """(value with unit, interval) of :func:`_quantity`, for templates with ``{value} {interval}``."""
    value_text = _quantity(value, unit, lang)
    whole = _quantity(value, unit, lang, low=low, high=high)
    return value_text, whole[len(value_text):].strip()


def _shown_change(row: pd.Series) -> float:
    """The change as the difference of the values as shown (rounded to their displayed precision), so that
    "19.1 h → 17.8 h" reads "−1.3 h", never "−1.2 h"; relative changes and values shown in different units
    keep the exact change. Rates and their changes are fractions (a change of 0.001 is 0.1 pp)."""
    est, prev, change = row.get("estimate"), row.get("previous"), row["change"]
    if is_missing(est) or is_missing(prev) or str(row["change_unit"]).startswith("relative"):
        return change
    unit = row["unit"]
    if row["change_unit"] == "percentage points":
        return (round(100 * float(est), 1) - round(100 * float(prev), 1)) / 100 if unit == "%" else change
    if unit in MINUTES_PER:
        per = MINUTES_PER[unit]
        shown = [fmt.duration_unit(v * per) for v in (est, prev)]
        if unit.startswith("business"):
            shown = ["h" if u == "days" else u for u in shown]
        if shown[0] != shown[1]:
            return change
        f = {"min": 1, "h": 60, "days": 1440}[shown[0]] / per  # value units per displayed unit
        return (round(float(est) / f, 1) - round(float(prev) / f, 1)) * f
    digits = _DECIMALS.get(unit)
    return change if digits is None else round(float(est), digits) - round(float(prev), digits)


def _change_text(row: pd.Series, lang: str) -> str:
    """The change against the comparison period with its unit: relative changes as signed percentages, rates
    in percentage points ("−0.7 pp [−2.6, +1.1]"), durations in the unit the estimate is shown in
    ("−1.2 h [−2.0, −0.4]")."""
    if is_missing(row.get("change")):
        return fmt.MISSING
    change = _shown_change(row)
    unit, value_unit = row["change_unit"], row["unit"]
    low, high = row.get("change_ci_low"), row.get("change_ci_high")
    has_ci = not is_missing(low) and not is_missing(high)
    if unit.startswith("relative"):
        text = fmt.percent(change, lang, signed=True)
        return text + (f" [{fmt.percent(low, lang, signed=True)}, {fmt.percent(high, lang, signed=True)}]"
                       if has_ci else "")
    if unit == "percentage points":
        text = fmt.points(change, lang)
        return text + (f" [{fmt.number(100 * low, lang, signed=True)}, {fmt.number(100 * high, lang, signed=True)}]"
                       if has_ci else "")
    if value_unit in MINUTES_PER:
        shown = row.get("estimate")
        shown = change if is_missing(shown) else shown
        same = fmt.duration_unit(shown * MINUTES_PER[value_unit])
        if value_unit.startswith("business") and same == "days":
            same = "h"
        per = MINUTES_PER[value_unit] / {"min": 1, "h": 60, "days": 1440}[same]
        text = fmt.duration(change * MINUTES_PER[value_unit], lang, unit=same, signed=True,
                            business=value_unit.startswith("business"))
        return text + (f" [{fmt.number(low * per, lang, signed=True)}, {fmt.number(high * per, lang, signed=True)}]"
                       if has_ci else "")
    digits = _DECIMALS.get(value_unit, 2)
    text = fmt.number(change, lang, digits, signed=True)
    if value_unit == "points":
        text += " points" if lang == "en" else "分"
    return text + (f" [{fmt.number(low, lang, digits, signed=True)}, {fmt.number(high, lang, digits, signed=True)}]"
                   if has_ci else "")


# --------------------------------------------------------------------------- definitions
def definition_text(definition, lang: str) -> str:
    """A KPI definition (the :class:`csm.notes.Note` in a scorecard's ``definition`` column) in words, from the
    phrase ``kpi_definition_<code>``: statistic, clock and SLA reference said in ``lang``, a channel by its
    label, complaint categories as codes (en) or labels (zh)."""
    from csm.report.labels.kpi import DEFINITION_TERMS

    check_lang(lang)
    params = dict(definition.params)
    for key, words in DEFINITION_TERMS.items():
        if key in params:
            params[key] = words[params[key]][lang]
    if "channel" in params:
        params["channel"] = label(params["channel"], lang)
    if "categories" in params:
        cats = params["categories"]
        params["categories"] = ", ".join(cats) if lang == "en" else "、".join(str(label(c, "zh")) for c in cats)
    return phrase(f"kpi_definition_{definition.code}", lang, **params)


# --------------------------------------------------------------------------- readings
def control_days(chart: pd.DataFrame, lang: str, *, show: int = 8) -> str:
    """The days a control chart flags, with their year: "2 May 2026, 27 May 2026" (and "+3 more")."""
    flagged = chart[chart["out_of_control"].astype(bool)]
    days = ", " if lang == "en" else "、"
    text = days.join(fmt.day(d, lang) for d in flagged["date"].head(show))
    if len(flagged) > show:
        text += phrase("kpi_more_days", lang, n=len(flagged) - show)
    return text


def agents_sentence(league: pd.DataFrame, overall: float, by: str, lang: str, *, estimate: str = "shrunk_estimate",
                    lo: str = "shrunk_ci_low", hi: str = "shrunk_ci_high") -> str:
    """Whether the groups of a league chart can be told apart: how many intervals lie wholly above or below
    the overall level (``overall``, in the league's unit), and what that means for the ranking."""
    ranked = league[~league["too_few"].astype(bool)] if "too_few" in league else league
    unit = league["unit"].iloc[0] if len(league) and "unit" in league else "%"
    above = ranked[ranked[lo] > overall]
    below = ranked[ranked[hi] < overall]
    n, sep = len(ranked), (", " if lang == "en" else "、")
    level = _quantity(overall, unit, lang)
    group = str(label(by, lang))
    few = int(league["too_few"].astype(bool).sum()) if "too_few" in league else 0
    tail = phrase("league_too_few_note", lang, k=fmt.count(few, lang), group_lower=group.lower(),
                  min_n=league.attrs.get("min_n", "–")) if few else ""
    if not len(above) and not len(below):
        return phrase("league_indistinct", lang, n=fmt.count(n, lang), group=group, group_lower=group.lower(),
                      overall=level) + tail
    names = lambda part: sep.join(str(label(v, lang)) for v in part[by])  # noqa: E731
    parts = []
    if len(above):
        parts.append(phrase("league_above", lang, k=fmt.count(len(above), lang), names=names(above)))
    if len(below):
        parts.append(phrase("league_below", lang, k=fmt.count(len(below), lang), names=names(below)))
    return phrase("league_distinct", lang, n=fmt.count(n, lang), group=group, group_lower=group.lower(), overall=level,
                  parts=("; " if lang == "en" else "；").join(parts),
                  rest=fmt.count(n - len(above) - len(below), lang)) + tail


def channel_sentence(by_channel: pd.DataFrame, lang: str) -> str:
    """Fastest and slowest channel for first response, each with its unit: "Fastest: Phone 0.7 min; slowest:
    E-mail 17.8 h (about 1,530× as long)"."""
    rows = by_channel.dropna(subset=["estimate"]).sort_values("estimate")
    if len(rows) < 2:
        return ""
    fast, slow = rows.iloc[0], rows.iloc[-1]
    times = slow["estimate"] / fast["estimate"] if fast["estimate"] > 0 else float("nan")
    return phrase("channel_fast_slow", lang, fast=label(fast["channel"], lang),
                  fast_value=_quantity(fast["estimate"], fast["unit"], lang),
                  slow=label(slow["channel"], lang), slow_value=_quantity(slow["estimate"], slow["unit"], lang),
                  times=fmt.number(times, lang, 0 if times >= 10 else 1))


# --------------------------------------------------------------------------- summary
_TARGET_STATUS = {"met": "met", "at_risk": "at_risk", "missed": "missed"}


def _target_finding(tr: pd.Series, unit: str, lang: str) -> Finding:
    deadline = fmt.day(tr["deadline"], lang) if not is_missing(tr.get("deadline")) else ""
    key = {"met": "kpi_finding_met", "at_risk": "kpi_finding_at_risk", "missed": "kpi_finding_missed"}[tr["status"]]
    text = phrase(key, lang, kpi=label(tr["kpi"], lang), value=_quantity(tr["actual"], unit, lang),
                  target=_quantity(tr["target"], unit, lang))
    if tr["status"] != "met" and not is_missing(tr.get("on_track")) and deadline:
        text += phrase("kpi_finding_on_track" if bool(tr["on_track"]) else "kpi_finding_off_track", lang,
                       deadline=deadline)
    return Finding(text, _TARGET_STATUS[tr["status"]])


def kpi_findings(card: pd.DataFrame, targets: pd.DataFrame, lang: str, *, period: str, previous: str | None,
                 alpha: float = 0.05, spc: dict | None = None, most: int = 5,
                 units: dict | None = None) -> list[Finding]:
    """The 3–5 findings of the scorecard's summary: targets met (the count), the targets missed or at risk
    (largest gap first), significant changes against the comparison period, process signals. ``units`` gives
    the unit of KPIs with a target that ``card`` leaves out (``{"first_response_minutes_email": "minutes"}``)."""
    check_lang(lang)
    units = {**(units or {}), **dict(zip(card["kpi"], card["unit"]))}  # ``units``: KPIs not in ``card`` (per channel)
    evaluated = targets[targets["status"].isin(["met", "at_risk", "missed"])] if len(targets) else targets
    out = []
    if len(evaluated):
        met = int((evaluated["status"] == "met").sum())
        status = "met" if met == len(evaluated) else "missed" if (evaluated["status"] == "missed").any() else "at_risk"
        names = missed_names(evaluated, lang)  # every missed target named, also those without a line below
        out.append(Finding(phrase("kpi_finding_targets_missed" if names else "kpi_finding_targets", lang,
                                  met=fmt.count(met, lang), total=fmt.count(len(evaluated), lang), period=period,
                                  missed=names), status))
        order = {"missed": 0, "at_risk": 1, "met": 2}
        gap = ((evaluated["actual"] - evaluated["target"]).abs() / evaluated["target"].abs().clip(lower=1e-9))
        ranked = evaluated.assign(_o=evaluated["status"].map(order), _g=-gap.fillna(0))
        for _, tr in ranked.sort_values(["_o", "_g"], kind="stable").iterrows():  # the largest gap first
            if tr["status"] == "met" and len(out) >= 3:
                continue
            out.append(_target_finding(tr, units.get(tr["kpi"], ""), lang))
            if len(out) >= most - 1:
                break
    changed = card[card["p_value"].notna() & (card["p_value"] < alpha)] if len(card) else card
    changed = changed[~changed["kpi"].str.startswith("first_response_minutes_")] if len(changed) else changed
    if len(changed):
        r = changed.sort_values("p_value").iloc[0]
        better = (r["estimate"] > r["previous"]) == (kpi_direction(r["kpi"]) == "higher")
        out.append(Finding(phrase("kpi_finding_changed", lang, kpi=label(r["kpi"], lang),
                                  previous=_quantity(r["previous"], r["unit"], lang),
                                  value=_quantity(r["estimate"], r["unit"], lang), comparison=previous or "—",
                                  p=fmt.p_value(r["p_value"], lang)), "improved" if better else "worse"))
    elif previous:
        out.append(Finding(phrase("kpi_finding_no_change", lang, comparison=previous), "no_change"))
    for code, chart in (spc or {}).items():
        if len(out) >= most:
            break
        k = int(chart["out_of_control"].astype(bool).sum())
        if k:
            out.append(Finding(phrase("kpi_finding_signal", lang, kpi=label(code, lang), n_days=n_days(k, lang),
                                      days=control_days(chart, lang, show=3)), "at_risk"))
    if not out:
        out.append(Finding(phrase("kpi_finding_none", lang, period=period), "info"))
    return out[:most]


def missed_names(targets: pd.DataFrame, lang: str) -> str:
    """The KPIs whose target is missed, named in one list ("First-contact resolution; Average handle time")."""
    missed = targets[targets["status"] == "missed"] if len(targets) else targets
    # "; " in English: a KPI name may hold a comma itself ("First response time, E-mail")
    return ("; " if lang == "en" else "；").join(str(label(k, lang)) for k in missed["kpi"]) if len(missed) else ""


# --------------------------------------------------------------------------- tables as shown
class StatusFrame(ReportFrame):
    """A scorecard table whose Status cells carry the summary's coloured badge (met / at risk / missed), the
    word still written in the cell (the colour never carries the meaning alone); the text form is unchanged."""

    _metadata = ["_lang"]

    def _repr_html_(self):
        text = super()._repr_html_()
        lang = getattr(self, "_lang", "en")
        words = {str(label(s, lang)): s for s in ("met", "at_risk", "missed")}

        def badge(m):
            return f"{m[1]}{badge_html(words[html.unescape(m[2])], lang)}</td>"

        pattern = "|".join(re.escape(html.escape(w)) for w in sorted(words, key=len, reverse=True))
        return re.sub(rf"(<td[^>]*>)\s*({pattern})\s*</td>", badge, text)


def colour_status(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``frame`` (a :func:`scorecard_table`) with coloured Status cells in HTML."""
    out = StatusFrame(frame)
    out._lang = lang
    return out


def fill_untested(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A scorecard table with its p-value cells never silently empty: a change shown without a test (a change
    of a median time has none) reads "not tested"; a table where no row has a p-value drops the column (the
    caller says why, :func:`untested_note`)."""
    p_col, change_col = str(label("p_value", lang)), str(label("change", lang))
    if p_col not in frame.columns:
        return frame
    empty = frame[p_col].astype(str).str.strip().isin(["", fmt.MISSING])
    if empty.all():
        return frame.drop(columns=p_col)
    out = frame.copy()
    shown = out[change_col].astype(str).str.strip().ne(fmt.MISSING) if change_col in out.columns else empty
    out.loc[empty & shown, p_col] = phrase("kpi_not_tested", lang)
    return out


def untested_note(lang: str) -> str:
    """Why a table of median times has no p-value column."""
    return phrase("kpi_median_untested", lang)


def agents_distinct(league: pd.DataFrame, overall: float, *, lo: str = "shrunk_ci_low",
                    hi: str = "shrunk_ci_high") -> bool:
    """Whether any ranked group's interval lies wholly above or below the overall level (else a best/worst list
    would rank groups that cannot be told apart)."""
    ranked = league[~league["too_few"].astype(bool)] if "too_few" in league else league
    return bool(((ranked[lo] > overall) | (ranked[hi] < overall)).any())


def ranked_only(league: pd.DataFrame) -> pd.DataFrame:
    """The groups with enough cases, ranked 1…n among themselves (the groups flagged "too few" take no rank)."""
    ranked = league[~league["too_few"].astype(bool)].sort_values("rank", kind="stable").copy()
    ranked["rank"] = range(1, len(ranked) + 1)
    ranked.attrs = dict(league.attrs)
    return ranked


# --------------------------------------------------------------------------- scorecard tables and sentences
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
            target_text = ("≥ " if tr["direction"] == "higher" else "≤ ") + _quantity(tr["target"], unit, lang)
            if not is_missing(tr["deadline"]):
                target_text += phrase("kpi_by_deadline", lang, deadline=fmt.day(tr["deadline"], lang))
            status = str(label(tr["status"], lang))
            if not is_missing(tr["on_track"]):
                on_track = phrase("yes" if bool(tr["on_track"]) else "no", lang)
        rows.append({
            "kpi": label(r["kpi"], lang),
            "estimate": _quantity(r["estimate"], unit, lang, low=r["ci_low"], high=r["ci_high"]),
            "previous": _quantity(r["previous"], unit, lang),
            "change": _change_text(r, lang),
            "p_value": "" if is_missing(r["p_value"]) else fmt.format_p_value(r["p_value"]),
            "target": target_text,
            "status": status,
            "on_track": on_track,
            "n": "" if is_missing(r["n"]) else fmt.count(r["n"], lang),
        })
    return display_frame(pd.DataFrame(rows), lang)


def _codes(notes) -> set[str]:
    return {n.code for n in notes} if isinstance(notes, tuple) else set()


def target_sentences(card: pd.DataFrame, targets: pd.DataFrame, lang: str) -> list[str]:
    """One sentence per KPI with a target: value, interval, target and verdict, trend to the deadline."""
    check_lang(lang)
    est = card.set_index("kpi")
    out = []
    for _, tr in targets.iterrows():
        r = est.loc[tr["kpi"]] if tr["kpi"] in est.index else None
        unit = r["unit"] if r is not None else kpi_unit(tr["kpi"], "en")
        notes = {n.code: n.params for n in tr["note"]} if isinstance(tr["note"], tuple) else {}
        if tr["status"] == "not_evaluated":
            if "baseline_thin" in notes:  # some data, too little of the window
                thin = notes["baseline_thin"]
                out.append(phrase("kpi_target_thin_baseline", lang, kpi=label(tr["kpi"], lang),
                                  window=thin["window"], n=thin["n"], total=thin["total"],
                                  share=f"{MIN_BASELINE_SHARE:.0%}", parameter=thin["parameter"]))
            else:
                out.append(phrase("kpi_target_skipped", lang, kpi=label(tr["kpi"], lang),
                                  window=tr["baseline_window"], parameter=tr["baseline_of"]))
            continue
        if tr["status"] == "no_data":
            base = r if r is not None else next((est.loc[k] for k in sorted(est.index, key=len, reverse=True)
                                                 if str(tr["kpi"]).startswith(f"{k}_")), None)
            if base is not None and _codes(base.get("note")) and _codes(base.get("note")) <= {"missing_table",
                                                                                              "missing_column"}:
                continue  # the section is left out, and said so once (skipped_sentences)
            out.append(phrase("kpi_no_data", lang, kpi=label(tr["kpi"], lang)))
            continue
        value, interval = _quantity_parts(tr["actual"], unit, lang, low=tr["ci_low"], high=tr["ci_high"])
        s = phrase("kpi_against_target", lang, kpi=label(tr["kpi"], lang), value=value, interval=interval,
                   target=_quantity(tr["target"], unit, lang), status=label(tr["status"], lang))
        if tr["status"] != "met" and not is_missing(tr["on_track"]):
            key = "trend_reaches_target" if bool(tr["on_track"]) else "trend_misses_target"
            s += " " + phrase(key, lang, deadline=fmt.day(tr["deadline"], lang),
                              projected=_quantity(tr["projected"], unit, lang))
        elif tr["status"] != "met" and "no_projection" in notes:
            s += " " + phrase("kpi_no_projection", lang, deadline=fmt.day(tr["deadline"], lang),
                              n=notes["no_projection"]["n"], needed=notes["no_projection"]["needed"])
        if "baseline_partial" in notes:
            part = notes["baseline_partial"]
            s += " " + phrase("kpi_baseline_partial", lang, kpi=label(tr["kpi"], lang), window=part["window"],
                              n=part["n"], total=part["total"])
        out.append(s)
    return out


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
    missing, covered = holiday_years_missing(holidays, start, end)
    if not covered:
        return phrase("holidays_none", lang)
    if missing:
        return phrase("holidays_not_covered", lang, covered=year_ranges(covered), missing=year_ranges(missing))
    return ""


def skipped_sentences(skipped, lang: str) -> list[str]:
    """One sentence per section left out (:class:`csm.notes.Skipped` of :func:`csm.kpi.skipped_sections`)."""
    from csm.report.labels.kpi import PLURAL_SECTIONS

    return [phrase("kpi_sections_skipped" if s.section in PLURAL_SECTIONS else "kpi_section_skipped", lang,
                   section=label(f"kpi_section_{s.section}", lang), needs=needs_text(s.needs, lang))
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
        if is_missing(r["p_value"]) or r["p_value"] >= alpha:
            continue
        out.append(phrase("kpi_change", lang, kpi=label(r["kpi"], lang),
                          previous=_quantity(r["previous"], r["unit"], lang),
                          value=_quantity(r["estimate"], r["unit"], lang),
                          change=_change_text(r, lang), p=fmt.format_p_value(r["p_value"], prefix=True)))
    if not out:
        out.append(phrase("no_significant_change", lang, alpha=alpha))
    return out


def control_sentence(kpi: str, chart: pd.DataFrame, lang: str) -> str:
    """Which days of a control chart (:func:`csm.kpi.p_chart` / ``individuals_chart``) signal a real change."""
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
        "estimate": [_quantity(e, unit, lang, low=lo, high=hi)
                     for e, lo, hi in zip(show["estimate"], show["ci_low"], show["ci_high"])],
        "shrunk_estimate": [_quantity(e, unit, lang, low=lo, high=hi)
                            for e, lo, hi in zip(show["shrunk_estimate"], show["shrunk_ci_low"],
                                                 show["shrunk_ci_high"])],
    })
    return display_frame(out, lang)


def definitions_table(card: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The definition behind each KPI, as computed, in ``lang`` (:func:`definition_text`)."""
    return display_frame(pd.DataFrame({"kpi": card["kpi"].map(lambda c: label(c, lang)),
                                              "definition": card["definition"].map(lambda d: definition_text(d, lang))}),
                                lang)


# --------------------------------------------------------------------------- charts
def trend_grid(trend: pd.DataFrame, kpis, targets: pd.DataFrame, lang: str):
    """The trend of each KPI in ``kpis`` in a 2 × 3 grid, with its target line, and one legend below the grid
    (the fullest legend of the panels: never over a line). Returns the figure (None without KPIs)."""
    if not kpis:
        return None
    fig, axes = plt.subplots(2, 3, figsize=(13, 7), layout="constrained")
    target = targets.set_index("kpi")["target"] if len(targets) else pd.Series(dtype=float)
    legend = ([], [])
    for ax, code in zip(axes.flat, kpis):
        kpi_trend_chart(trend[trend["kpi"] == code], code, target=target.get(code), lang=lang, ax=ax)
        handles, names = ax.get_legend_handles_labels()
        if len(names) > len(legend[1]):
            legend = (handles, names)
        ax.get_legend().remove()
    for ax in list(axes.flat)[len(kpis):]:
        ax.set_visible(False)
    fig.legend(*legend, loc="outside lower center", ncols=len(legend[1]))
    return fig


def _control_grid(charts: dict, lang: str):
    fig, axes = plt.subplots(1, len(charts), figsize=(13, 4), constrained_layout=True, squeeze=False)
    for ax, (code, chart) in zip(axes.flat, charts.items()):
        control_chart(chart, title=phrase("control_chart_title", lang, kpi=label(code, lang)), lang=lang,
                            ylabel=axis_label(code, lang), ax=ax)
        if kpi_unit(code, "en") == "%":  # a rate: fractions shown as percent
            percent_axis(ax, lang)
    return fig


# --------------------------------------------------------------------------- the KPI charts

_X_CANDIDATES = ("period_start", "date", "period", "week", "month", "day")


def kpi_trend_chart(trend: pd.DataFrame, kpi: str, *, target: float | None = None, lang: str,
                    x: str | None = None, hue: str | None = None, estimate: str = "estimate",
                    lo: str = "ci_low", hi: str = "ci_high", level: float = 0.95,
                    ax: Axes | None = None) -> Axes:
    """Line of a KPI over time with its confidence band and an optional target line.

    ``trend`` is tidy: a time column (``x``; default the first of period_start, date,
    period, week, month, day), the value column ``estimate`` (or a column named
    ``kpi``), optionally ``ci_low``/``ci_high``; if it has a ``kpi`` column, the rows
    of ``kpi`` are drawn. ``hue`` draws one line per group (labels via
    :func:`~csm.report.labels.label`). Rate KPIs get percent ticks.
    """
    lang = check_lang(lang)
    frame = trend
    if "kpi" in frame.columns:
        frame = frame[frame["kpi"] == kpi]
        if frame.empty:
            kpis = ", ".join(map(repr, pd.unique(trend["kpi"])))
            raise ParameterError(f"kpi_trend_chart: no rows with kpi == {kpi!r}; the frame has {kpis}.")
    y = estimate if estimate in frame.columns else kpi
    if x is None:
        x = next((c for c in _X_CANDIDATES if c in frame.columns), None)
        if x is None:
            raise ParameterError("kpi_trend_chart: no time column; name it with x=… (looked for "
                                 f"{', '.join(_X_CANDIDATES)}); columns are {', '.join(map(repr, frame.columns))}.")
    require_columns(frame, [x, y] + ([hue] if hue else []), "kpi_trend_chart")
    frame = frame.sort_values(x, kind="stable")
    ax = get_axes(ax)
    has_band = lo in frame.columns and hi in frame.columns
    groups = [(None, frame)] if hue is None else list(frame.groupby(hue, sort=True, observed=True))
    palette = sns.color_palette(PALETTE, n_colors=max(len(groups), 1))
    ticks: list[str] | None = None
    is_date = False
    for i, (group, part) in enumerate(groups):
        xs, ticks_i, is_date = x_positions(part[x])
        if ticks_i is not None:
            if hue is not None:  # categorical x shared by all groups: positions by the full order
                order = list(pd.unique(frame[x].astype(str)))
                xs = np.array([order.index(str(v)) for v in part[x]], dtype=float)
                ticks_i = order
            ticks = ticks_i
        color = COLORS["estimate"] if hue is None else palette[i]
        name = phrase("legend_estimate", lang) if hue is None else str(label(group, lang))
        ax.plot(xs, part[y].to_numpy(dtype=float), marker="o" if len(part) <= 60 else None, markersize=3.5,
                color=color, label=name)
        if has_band:
            band_label = phrase("legend_ci", lang, level=level) if hue is None else None
            ax.fill_between(xs, part[lo].to_numpy(dtype=float), part[hi].to_numpy(dtype=float),
                            color=color, alpha=0.18, linewidth=0, label=band_label)
    if target is not None and not np.isfinite(float(target)):
        target = None  # a target not evaluated (NaN): no line, no legend entry
    if target is not None:
        ax.axhline(float(target), color=COLORS["target"], linestyle="--", linewidth=1.4,
                   label=phrase("legend_target", lang))
    if is_date:
        format_date_axis(ax, lang)
    elif ticks is not None:
        ax.set_xticks(np.arange(len(ticks)), ticks, rotation=45 if len(ticks) > 8 else 0,
                      ha="right" if len(ticks) > 8 else "center")
    if kpi_unit(kpi, "en") == "%":  # a rate: fractions shown as percent
        percent_axis(ax, lang)
    else:  # thousands separators ("4,500", never "4500"), no "4500.00"
        ax.yaxis.set_major_formatter(axis_formatter("count" if kpi_unit(kpi, "en") == "tickets" else "number", lang))
    ax.set_title(str(label(kpi, lang)))
    ax.set_xlabel(str(label(x, lang)))
    ax.set_ylabel(axis_label(kpi, lang))
    add_legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # outside: never covers the data
    return ax


def league_chart(frame: pd.DataFrame, label_col: str, *, lang: str, estimate: str = "estimate",
                 lo: str = "ci_low", hi: str = "ci_high", kpi: str | None = None,
                 reference: float | None = None, ascending: bool | None = None, title: str | None = None,
                 ax: Axes | None = None) -> Axes:
    """League table as a chart: one point with its interval per agent/team, sorted by ``estimate``.

    The first row after sorting is drawn at the top. ``ascending=None`` puts the best on
    top: highest first, lowest first for a ``kpi`` where lower is better (handle and
    resolution times, per :func:`csm.kpi.kpi_direction`). ``reference`` draws a vertical
    line, e.g. the overall rate. For shrunken estimates of :func:`csm.kpi.league_table`
    pass ``estimate="shrunk_estimate", lo="shrunk_ci_low", hi="shrunk_ci_high"``.
    """
    lang = check_lang(lang)
    require_columns(frame, [label_col, estimate], "league_chart")
    if ascending is None:
        ascending = False
        if kpi is not None:
            ascending = kpi_direction(kpi) == "lower"
    data = frame.sort_values(estimate, ascending=ascending, kind="stable", na_position="last")
    ax = get_axes(ax, figsize=(8.0, max(2.5, 0.32 * len(data) + 1.2)) if ax is None else None)
    pos = np.arange(len(data), dtype=float)
    est = data[estimate].to_numpy(dtype=float)
    if lo in data.columns and hi in data.columns:
        low, high = data[lo].to_numpy(dtype=float), data[hi].to_numpy(dtype=float)
        ok = np.isfinite(low) & np.isfinite(high) & np.isfinite(est)
        if ok.any():
            err = np.vstack([np.clip(est[ok] - low[ok], 0, None), np.clip(high[ok] - est[ok], 0, None)])
            ax.errorbar(est[ok], pos[ok], xerr=err, fmt="none", ecolor=COLORS["band"], alpha=0.6,
                        elinewidth=2.0, capsize=0)
    ax.scatter(est, pos, color=COLORS["estimate"], s=28, zorder=3)
    if reference is not None:
        ax.axvline(float(reference), color=COLORS["reference"], linestyle="--", linewidth=1.2,
                   label=phrase("legend_overall", lang))
    ax.set_yticks(pos, tick_labels(data[label_col], lang))
    ax.set_ylim(len(data) - 0.5, -0.5)  # first row on top
    ax.grid(axis="y", visible=False)
    measure = kpi if kpi is not None else estimate
    if kpi is not None and kpi_unit(kpi, "en") == "%":  # a rate: fractions shown as percent
        percent_axis(ax, lang, axis="x")
    ax.set_xlabel(axis_label(measure, lang))
    ax.set_ylabel(str(label(label_col, lang)))
    if title is not None:
        set_title(ax, title)
    add_legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # outside: never over the intervals
    return ax


# --------------------------------------------------------------------------- the report's sections
def period_text(result, lang: str) -> tuple[str, str | None]:
    """The reporting and comparison periods as a reader says them: ("June 2026", "May 2026")."""
    cur, prev = result.current, result.previous
    return (fmt.period_label(cur.start, cur.last_day, lang),
            fmt.period_label(prev.start, prev.last_day, lang) if prev else None)


def findings(result, lang: str) -> list[Finding]:
    """The 3–5 findings of the summary box (:func:`kpi_findings` of the result); the first is the headline."""
    current, previous = period_text(result, lang)
    return kpi_findings(result.headline, result.targets, lang, period=current, previous=previous,
                        spc=dict(result.spc), units=dict(zip(result.scorecard["kpi"], result.scorecard["unit"])))


def show_summary(result, lang: str) -> None:
    """Title, summary box, the comparison and the sections left out, and the scorecard table."""
    current, previous = period_text(result, lang)
    display(heading("kpi_scorecard_title", lang, level=1, period=current))
    display(summary_block(findings(result, lang), lang))
    display(bullets([  # what the summary does not say already: the comparison, sections left out
        phrase("period_compared", lang, period=current, previous=previous or "—"),
        *skipped_sentences(result.skipped, lang),
        holiday_sentence(result.holidays, result.trend_from, result.current.last_day, lang)
        if result.time_clock == "business" else "",
    ]))
    display(colour_status(fill_untested(scorecard_table(result.headline, result.targets, lang), lang), lang))


def show_changes(result, lang: str) -> None:
    """The KPIs that changed significantly against the comparison period."""
    display(heading("change_heading", lang))
    display(bullets(change_sentences(result.headline, lang)))


def show_response_times(result, lang: str) -> None:
    """First response time by channel: the fastest and slowest, the table and a dot chart (nothing when the
    section is left out)."""
    if not result.shows.get("first_response", True):
        return
    by_channel = channel_rows(result.scorecard)
    display(heading("response_heading", lang))
    if not by_channel["estimate"].notna().any():
        display(paragraph([phrase("no_chart_data", lang, what=label("first_response_minutes", lang))]))
        return
    display(paragraph([channel_sentence(by_channel, lang)]))
    table = fill_untested(scorecard_table(by_channel, result.targets, lang), lang)
    display(colour_status(table, lang))
    if str(label("p_value", lang)) not in table.columns:
        display(paragraph([untested_note(lang)]))
    # dots, not bars: minutes for phone and chat and hours for e-mail share one (log) axis honestly
    dot_with_ci(by_channel, "channel", lang=lang, kpi="first_response_minutes",
                      title=phrase("breakdown_title", lang, kpi=label("first_response_minutes", lang),
                                   group=label("channel", lang)))
    plt.show()


def show_trend(result, lang: str) -> None:
    """The trend grid (:func:`trend_grid`)."""
    display(heading("trend_heading", lang))
    trend_grid(result.trend, result.trend_kpis, result.targets, lang)
    plt.show()


def show_control(result, lang: str) -> None:
    """Control charts of the last ``spc_days`` days and what their signals mean."""
    if not result.spc and not result.spc_missing:
        return
    display(heading("control_heading", lang))
    for code in result.spc_missing:
        display(paragraph([phrase("no_chart_data", lang, what=label(code, lang))]))
    if result.spc:
        _control_grid(dict(result.spc), lang)
        plt.show()
        display(bullets([control_sentence(code, chart, lang) for code, chart in result.spc.items()]))


def show_leagues(result, lang: str) -> None:
    """Team league charts, whether agents can be told apart, the agents' chart and best/worst list."""
    leagues = dict(result.leagues)
    if not leagues and not result.league_missing:
        return
    display(heading("league_heading", lang))
    for by, metric in result.league_missing:  # e.g. survey responses that cannot be matched to a team
        display(paragraph([phrase("no_chart_data", lang, what=phrase(
            "league_title", lang, kpi=label(metric, lang), group=label(by, lang)))]))
    teams = {key: league for key, league in leagues.items() if key[0] == "team" and len(league)}
    if teams:
        fig, axes = plt.subplots(1, len(teams), figsize=(13, 4), constrained_layout=True, squeeze=False)
        for ax, ((by, metric), league) in zip(axes.flat, teams.items()):
            league_chart(league, by, lang=lang, ax=ax, estimate="shrunk_estimate", lo="shrunk_ci_low",
                               hi="shrunk_ci_high", kpi=metric,
                               title=phrase("league_title", lang, kpi=label(metric, lang), group=label(by, lang)))
        plt.show()
    agents = leagues.get(("agent_id", "fcr_rate"))
    overall = result.scorecard.set_index("kpi")["estimate"].get("fcr_rate")
    distinct = agents is not None and len(agents) and agents_distinct(agents, overall)
    if agents is not None and len(agents):
        display(paragraph([agents_sentence(agents, overall, "agent_id", lang)]))
    if distinct:  # a ranked chart only when some agents can be told apart from the rest
        fig, ax = plt.subplots(figsize=(9, 1.5 + 0.16 * len(agents)), constrained_layout=True)
        league_chart(agents, "agent_id", lang=lang, ax=ax, estimate="shrunk_estimate", lo="shrunk_ci_low",
                           hi="shrunk_ci_high", kpi="fcr_rate", reference=overall,
                           title=phrase("league_title", lang, kpi=label("fcr_rate", lang),
                                        group=label("agent_id", lang)))
        plt.show()
    if leagues:
        display(paragraph([phrase("league_method", lang, min_n=result.league_min_n)]))
    if distinct:  # a best/worst list only of agents that can be told apart (else the sentence above says so)
        display(heading("league_extremes_heading", lang, level=3, kpi=label("fcr_rate", lang),
                               group=str(label("agent_id", lang)).lower()))  # "… by agent: best and worst"
        display(league_extremes(ranked_only(agents), "agent_id", lang))


class _DataView:
    """The parts of a :class:`csm.data.load.Dataset` the shared data tables read, from a result."""

    def __init__(self, result):
        self.problems, self._quality = result.data_problems, result.data_quality

    def quality_summary(self) -> pd.DataFrame:
        return self._quality


def show_data(result, lang: str) -> None:
    """The appendix: the data's period, rows loaded and dropped, problems and KPI notes, the definitions."""
    view = _DataView(result)
    display(heading("data_heading", lang))
    display(paragraph([phrase("data_period", lang, start=fmt.day(result.data_start, lang),
                                     end=fmt.day(result.data_end, lang)),
                              phrase("ci_note", lang, level=0.95)]))
    display(data_quality_table(view, lang))
    notes = pd.DataFrame({"kpi": [n.params["kpi"] for n in result.notes], "note": [(n,) for n in result.notes]})
    display(bullets(data_notes(view, notes, lang)))
    display(definitions_table(available_rows(result.scorecard), lang))
