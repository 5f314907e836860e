"""The KPI scorecard's summary, readings and Chinese definitions (:mod:`csm.kpi` results for a reader).

The scorecard tables themselves are in :mod:`csm.report.tables` (``scorecard_table``, ``target_sentences`` …);
this module adds what a manager reads first: the findings of the summary box, whether agents can be told apart,
and the KPI definitions in the report's language.
"""
from __future__ import annotations

import html
import re

import pandas as pd

from csm.report import format as fmt
from csm.report.labels import check_lang, label, phrase
from csm.report.summary import Finding, badge_html
from csm.report.tables import ReportFrame, _is_missing, _kpi_value, format_quantity, n_days

# --------------------------------------------------------------------------- definitions in Chinese
_STAT_ZH = {"mean": "平均值", "median": "中位数"}
_CLOCK_ZH = {"calendar": "自然时间", "business": "工作时间"}
_FR = re.compile(r"^(mean|median) (calendar|business)-clock minutes from created_at to first_response_at "
                 r"\(tickets without a reply left out\)(?:; channel (\S+))?$")
_RES = re.compile(r"^(mean|median) (calendar|business)-clock hours from created_at to resolved_at \(resolved tickets\)$")
_SLA = re.compile(r"^% of tickets resolved within ([\d.]+) (calendar|business) hours; unresolved tickets older than "
                  r"the SLA at (the period end|the latest data timestamp) count as breaches, younger ones are left out$")
_DEFINITIONS_ZH = [
    (re.compile(r"^mean CSAT score \(1–5\) of responses submitted in the period$"),
     lambda m: "本期提交的满意度评分（1–5 分）的平均值"),
    (re.compile(r"^% of CSAT responses scoring (.+)$"), lambda m: f"满意度评分为 {m[1]} 分的回复占比"),
    (re.compile(r"^% promoters \(9–10\) − % detractors \(0–6\) of NPS responses in the period$"),
     lambda m: "本期 NPS 回复中推荐者（9–10 分）占比减去贬损者（0–6 分）占比"),
    (re.compile(r"^% of resolved tickets with first_contact_resolved = true$"),
     lambda m: "已解决工单中标记为首次接触即解决的占比"),
    (re.compile(r"^% of tickets with first_contact_resolved = true \(tickets.resolved_at missing: all tickets with "
                r"the flag\)$"), lambda m: "标记为首次接触即解决的工单占比（数据缺少解决时间：计入所有带该标记的工单）"),
    (re.compile(r"^% of resolved tickets needing one contact \(contacts == 1\)$"),
     lambda m: "只需一次接触即解决的已解决工单占比"),
    (re.compile(r"^first_contact_resolved among resolved tickets$"), lambda m: "已解决工单中首次接触即解决的占比"),
    (re.compile(r"^% of resolved tickets resolved at first contact$"), lambda m: "已解决工单中首次接触即解决的占比"),
    (re.compile(r"^(mean|median) handle_time_minutes of tickets created in the period$"),
     lambda m: f"本期创建工单的处理时长（分钟）{_STAT_ZH[m[1]]}"),
    (_FR, lambda m: f"从创建到首次响应的{_CLOCK_ZH[m[2]]}分钟数{_STAT_ZH[m[1]]}（未回复的工单不计入）"
     + (f"；渠道：{label(m[3], 'zh')}" if m[3] else "")),
    (_RES, lambda m: f"从创建到解决的{_CLOCK_ZH[m[2]]}小时数{_STAT_ZH[m[1]]}（仅已解决工单）"),
    (_SLA, lambda m: f"在 {m[1]} 个{_CLOCK_ZH[m[2]]}小时内解决的工单占比；截至"
     f"{'期末' if m[3] == 'the period end' else '最新数据时间'}仍未解决且已超过 SLA 时限的工单计为未达标，未超过的不计入"),
    (re.compile(r"^tickets created in the period$"), lambda m: "本期创建的工单数"),
    (re.compile(r"^tickets of categories (.+) created in the period$"),
     lambda m: "本期创建的" + "、".join(str(label(c, "zh")) for c in m[1].split(", ")) + "类工单数"),
    (re.compile(r"^customers with churn_date in the period / customers active at its start × 100 \(signed up before "
                r"the start, not churned before it; new sign-ups in the period excluded\)$"),
     lambda m: "本期流失客户数 ÷ 期初活跃客户数 × 100（期初前注册且此前未流失的客户；本期新注册客户不计入）"),
]
_CHANNEL_EN = re.compile(r"; channel (\S+)$")


def definition_text(definition: str, lang: str) -> str:
    """A :mod:`csm.kpi` definition for a reader: in Chinese for ``zh`` (every definition the scorecard
    writes has a rendering), with the channel code named by its label in both languages."""
    check_lang(lang)
    text = str(definition or "")
    if lang == "en":
        return _CHANNEL_EN.sub(lambda m: f"; channel {label(m[1], 'en')}", text)
    for pattern, render in _DEFINITIONS_ZH:
        m = pattern.match(text)
        if m:
            return render(m)
    return text


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
    level = format_quantity(overall, unit, lang)
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
                  fast_value=_kpi_value(fast["estimate"], fast["unit"], lang),
                  slow=label(slow["channel"], lang), slow_value=_kpi_value(slow["estimate"], slow["unit"], lang),
                  times=fmt.number(times, lang, 0 if times >= 10 else 1))


# --------------------------------------------------------------------------- summary
_TARGET_STATUS = {"met": "met", "at_risk": "at_risk", "missed": "missed"}


def _target_finding(tr: pd.Series, unit: str, lang: str) -> Finding:
    deadline = fmt.day(tr["deadline"], lang) if not _is_missing(tr.get("deadline")) else ""
    key = {"met": "kpi_finding_met", "at_risk": "kpi_finding_at_risk", "missed": "kpi_finding_missed"}[tr["status"]]
    text = phrase(key, lang, kpi=label(tr["kpi"], lang), value=_kpi_value(tr["actual"], unit, lang),
                  target=_kpi_value(tr["target"], unit, lang))
    if tr["status"] != "met" and not _is_missing(tr.get("on_track")) and deadline:
        text += phrase("kpi_finding_on_track" if bool(tr["on_track"]) else "kpi_finding_off_track", lang,
                       deadline=deadline)
    return Finding(text, _TARGET_STATUS[tr["status"]])


def kpi_findings(card: pd.DataFrame, targets: pd.DataFrame, lang: str, *, period: str, previous: str | None,
                 alpha: float = 0.05, spc: dict | None = None, most: int = 5,
                 units: dict | None = None) -> list[Finding]:
    """The 3–5 findings of the scorecard's summary: targets met (the count), the targets missed or at risk
    (largest gap first), significant changes against the comparison period, process signals. ``units`` gives
    the unit of KPIs with a target that ``card`` leaves out (``{"first_response_minutes_email": "minutes"}``)."""
    from csm.kpi import kpi_direction

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
                                  previous=_kpi_value(r["previous"], r["unit"], lang),
                                  value=_kpi_value(r["estimate"], r["unit"], lang), comparison=previous or "—",
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
    """``frame`` (a :func:`csm.report.tables.scorecard_table`) with coloured Status cells in HTML."""
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
