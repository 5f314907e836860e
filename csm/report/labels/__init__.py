"""Bilingual labels: the one place where codes, KPI names and report sentences get their words.

Everything shown to a reader goes through this module, chosen by ``lang``
(``"en"`` or ``"zh"``):

- :func:`label` — a code (complaint category, channel, priority, region, KPI,
  status word, table column, NPS group, sentiment class, experiment arm) → its
  display label; unknown codes come back as given;
- :func:`kpi_unit` / :func:`axis_label` — a KPI's unit and "name (unit)" for chart axes;
- :func:`phrase` — report sentences and headings, ``str.format`` templates;
- :func:`relabel` / :func:`rename_columns` — the same on a DataFrame's values / headers.

To add a label or phrase, add one entry with both languages to the dict below;
``tests/test_labels.py`` refuses an entry that lacks a language, and checks that
every Chinese character has a glyph in the bundled chart font.
"""
from __future__ import annotations

import difflib
import re
import string
from collections.abc import Hashable, Iterable, Mapping

import pandas as pd

from csm.data.contract import CHANNELS, COMPLAINT_CATEGORIES, PRIORITIES, REGIONS
from csm.errors import ParameterError
from csm.report.labels import abtest as labels_abtest
from csm.report.labels import complaints as labels_complaints
from csm.report.labels import customers as labels_customers
from csm.report.labels import kpi as labels_kpi
from csm.report.labels import sentiment as labels_sentiment

__all__ = ["LANGS", "KPI_NAMES", "KPI_UNITS", "STATUS", "COLUMNS", "LANGUAGE_NAMES", "SEGMENTS", "LABELS", "PHRASES",
           "check_lang", "label", "kpi_unit", "axis_label", "phrase", "note_text", "placeholders", "relabel",
           "rename_columns", "missing_translations", "all_texts"]

LANGS: tuple[str, ...] = ("en", "zh")

#: KPI code -> display name. The codes are the KPI names used by the analysis modules.
KPI_NAMES: dict[str, dict[str, str]] = {
    "csat_mean": {"en": "CSAT (mean score)", "zh": "客户满意度（平均分）"},
    "csat_pct_satisfied": {"en": "CSAT (% satisfied)", "zh": "客户满意度（满意占比）"},
    "nps": {"en": "Net Promoter Score", "zh": "净推荐值（NPS）"},
    "fcr_rate": {"en": "First-contact resolution", "zh": "首次解决率"},
    "aht_minutes": {"en": "Average handle time", "zh": "平均处理时长"},
    "first_response_minutes": {"en": "First response time", "zh": "首次响应时长"},
    "resolution_hours": {"en": "Resolution time", "zh": "解决时长"},
    "sla_24h_rate": {"en": "Resolved within 24 h", "zh": "24小时内解决率"},
    "complaints": {"en": "Complaints", "zh": "投诉量"},
    "churn_rate": {"en": "Churn rate", "zh": "客户流失率"},
}

#: KPI code -> unit. "%" marks a rate/share (stored as a fraction 0–1 or as percent points).
KPI_UNITS: dict[str, dict[str, str]] = {
    "csat_mean": {"en": "score 1–5", "zh": "分，1–5"},
    "csat_pct_satisfied": {"en": "%", "zh": "%"},
    "nps": {"en": "points, −100 to 100", "zh": "分，−100至100"},
    "fcr_rate": {"en": "%", "zh": "%"},
    "aht_minutes": {"en": "minutes", "zh": "分钟"},
    "first_response_minutes": {"en": "minutes", "zh": "分钟"},
    "resolution_hours": {"en": "hours", "zh": "小时"},
    "sla_24h_rate": {"en": "%", "zh": "%"},
    "complaints": {"en": "tickets", "zh": "件"},
    "churn_rate": {"en": "%", "zh": "%"},
}

#: Status words of a scorecard (target met / at risk / missed).
STATUS: dict[str, dict[str, str]] = {
    "met": {"en": "Met", "zh": "达标"},
    "at_risk": {"en": "At risk", "zh": "有风险"},
    "missed": {"en": "Missed", "zh": "未达标"},
    "no_data": {"en": "No data", "zh": "无数据"},
    "dropped": {"en": "dropped", "zh": "已剔除"},
    "warning": {"en": "kept (warning)", "zh": "已保留（警告）"},
}

#: Column headers of result tables and chart axes.
COLUMNS: dict[str, dict[str, str]] = {
    "kpi": {"en": "KPI", "zh": "指标"},
    "estimate": {"en": "Estimate", "zh": "估计值"},
    "ci_low": {"en": "CI low", "zh": "置信区间下限"},
    "ci_high": {"en": "CI high", "zh": "置信区间上限"},
    "p_value": {"en": "p-value", "zh": "p 值"},
    "n": {"en": "n", "zh": "样本量"},
    "target": {"en": "Target", "zh": "目标"},
    "actual": {"en": "Actual", "zh": "实际"},
    "status": {"en": "Status", "zh": "状态"},
    "on_track": {"en": "On track", "zh": "能否按期达标"},
    "previous": {"en": "Previous", "zh": "上期"},
    "change": {"en": "Change", "zh": "变化"},
    "share": {"en": "Share", "zh": "占比"},
    "count": {"en": "Count", "zh": "数量"},
    "value": {"en": "Value", "zh": "数值"},
    "date": {"en": "Date", "zh": "日期"},
    "period": {"en": "Period", "zh": "周期"},
    "period_start": {"en": "Period", "zh": "周期"},
    "week": {"en": "Week", "zh": "周"},
    "month": {"en": "Month", "zh": "月份"},
    "center": {"en": "Centre line", "zh": "中心线"},
    "lcl": {"en": "Lower control limit", "zh": "控制下限"},
    "ucl": {"en": "Upper control limit", "zh": "控制上限"},
    "out_of_control": {"en": "Out of control", "zh": "失控点"},
    "category": {"en": "Category", "zh": "投诉类别"},
    "sub_reason": {"en": "Reason", "zh": "具体原因"},
    "channel": {"en": "Channel", "zh": "渠道"},
    "priority": {"en": "Priority", "zh": "优先级"},
    "region": {"en": "Region", "zh": "区域"},
    "product": {"en": "Product", "zh": "产品"},
    "carrier": {"en": "Carrier", "zh": "承运商"},
    "team": {"en": "Team", "zh": "团队"},
    "agent_id": {"en": "Agent", "zh": "客服"},
    "tier": {"en": "Tier", "zh": "客户等级"},
    "variant": {"en": "Variant", "zh": "实验组别"},
    "language": {"en": "Language", "zh": "语言"},
    "shrunk_estimate": {"en": "Adjusted estimate", "zh": "调整后估计值"},
    "shrunk_ci_low": {"en": "Adjusted CI low", "zh": "调整后区间下限"},
    "shrunk_ci_high": {"en": "Adjusted CI high", "zh": "调整后区间上限"},
    "rank": {"en": "Rank", "zh": "排名"},
    "too_few": {"en": "Too few cases", "zh": "样本过少"},
    "unit": {"en": "Unit", "zh": "单位"},
    "table": {"en": "Table", "zh": "数据表"},
    "file": {"en": "File", "zh": "文件"},
    "format": {"en": "Format", "zh": "格式"},
    "rows_loaded": {"en": "Rows loaded", "zh": "读入行数"},
    "rows_dropped": {"en": "Rows dropped", "zh": "剔除行数"},
    "warnings": {"en": "Warnings", "zh": "警告"},
    "missing_optional_columns": {"en": "Optional columns missing", "zh": "缺少的可选列"},
    "note": {"en": "Note", "zh": "备注"},
    "definition": {"en": "Definition", "zh": "定义"},
    "change_ci_low": {"en": "Change CI low", "zh": "变化区间下限"},
    "change_ci_high": {"en": "Change CI high", "zh": "变化区间上限"},
    "direction": {"en": "Better when", "zh": "改善方向"},
    "deadline": {"en": "Deadline", "zh": "截止日期"},
    "baseline": {"en": "Baseline", "zh": "基线"},
    "signal": {"en": "Signal", "zh": "异常信号"},
    "higher": {"en": "Higher", "zh": "越高越好"},
    "lower": {"en": "Lower", "zh": "越低越好"},
}

#: Language codes of :func:`csm.text.detect_language`.
LANGUAGE_NAMES: dict[str, dict[str, str]] = {
    "zh": {"en": "Chinese", "zh": "中文"},
    "en": {"en": "English", "zh": "英文"},
    "mixed": {"en": "Mixed", "zh": "中英混合"},
    "none": {"en": "No text", "zh": "无文字"},
}

#: Codes used by several analyses: NPS groups, sentiment classes, experiment arms.
SEGMENTS: dict[str, dict[str, str]] = {
    "promoter": {"en": "Promoters", "zh": "推荐者"},
    "passive": {"en": "Passives", "zh": "中立者"},
    "detractor": {"en": "Detractors", "zh": "贬损者"},
    "positive": {"en": "Positive", "zh": "正面"},
    "neutral": {"en": "Neutral", "zh": "中性"},
    "negative": {"en": "Negative", "zh": "负面"},
    "control": {"en": "Control", "zh": "对照组"},
    "treatment": {"en": "Treatment", "zh": "实验组"},
}

#: Every code -> labels, in lookup order. The contract's vocabularies come first.
_GROUPS: tuple[tuple[str, Mapping[str, Mapping[str, str]]], ...] = (
    ("complaint category", COMPLAINT_CATEGORIES),
    ("channel", CHANNELS),
    ("priority", PRIORITIES),
    ("region", REGIONS),
    ("KPI", KPI_NAMES),
    ("status", STATUS),
    ("column", COLUMNS),
    ("language", LANGUAGE_NAMES),
    ("segment", SEGMENTS),
    ("complaints code", labels_complaints.CODES),
    ("sentiment code", labels_sentiment.CODES),
    ("customers code", labels_customers.CODES),
    ("A/B test code", labels_abtest.CODES),
    ("KPI scorecard code", labels_kpi.CODES),
    ("lumped levels", {"_other_levels": {"en": "all others", "zh": "其他"}}),  # csm.levels.OTHER
)

LABELS: dict[str, dict[str, str]] = {}
for _group, _entries in _GROUPS:
    for _code, _labels in _entries.items():
        if _code in LABELS and LABELS[_code] != dict(_labels):  # pragma: no cover - guarded by a test
            raise RuntimeError(f"label code {_code!r} ({_group}) has two different labels: "
                               f"{LABELS[_code]} and {dict(_labels)}")
        LABELS.setdefault(_code, dict(_labels))

#: Report sentences and headings: key -> ``str.format`` template per language.
#: Placeholders are named; numbers are formatted by the caller or with a format spec
#: (``{share:.0%}``). Notebook authors add their own entries here.
PHRASES: dict[str, dict[str, str]] = {
    # headings
    "kpi_scorecard_title": {"en": "KPI scorecard, {period}", "zh": "关键指标记分卡（{period}）"},
    "headline_heading": {"en": "Headline", "zh": "要点"},
    "trend_heading": {"en": "Trends", "zh": "趋势"},
    "control_heading": {"en": "Process stability", "zh": "过程稳定性"},
    "league_heading": {"en": "Teams and agents", "zh": "团队与客服"},
    "data_heading": {"en": "Data", "zh": "数据说明"},
    "method_heading": {"en": "Method", "zh": "方法说明"},
    # chart titles
    "trend_title": {"en": "{kpi} by {period}", "zh": "{kpi}（按{period}）"},
    "control_chart_title": {"en": "{kpi}: control chart", "zh": "{kpi}：控制图"},
    "league_title": {"en": "{kpi} by {group}", "zh": "各{group}{kpi}"},
    "breakdown_title": {"en": "{kpi} by {group}", "zh": "{kpi}（按{group}）"},
    # legend entries
    "legend_estimate": {"en": "Estimate", "zh": "估计值"},
    "legend_ci": {"en": "{level:.0%} confidence interval", "zh": "{level:.0%} 置信区间"},
    "legend_target": {"en": "Target", "zh": "目标"},
    "legend_center": {"en": "Centre line", "zh": "中心线"},
    "legend_limits": {"en": "Control limits", "zh": "控制限"},
    "legend_out_of_control": {"en": "Out of control", "zh": "失控点"},
    "legend_overall": {"en": "Overall", "zh": "整体"},
    # sentences
    "data_period": {"en": "Data from {start} to {end}.", "zh": "数据期间：{start} 至 {end}。"},
    "n_tickets": {"en": "{n:,} tickets", "zh": "共 {n:,} 张工单"},
    "n_responses": {"en": "{n:,} survey responses", "zh": "共 {n:,} 份调查回复"},
    "kpi_against_target": {
        "en": "{kpi}: {value} {interval} against a target of {target} — {status}.",
        "zh": "{kpi}：{value} {interval}，目标 {target}——{status}。",
    },
    "kpi_no_data": {"en": "{kpi}: no data in this period.", "zh": "{kpi}：本期无数据。"},
    "trend_reaches_target": {
        "en": "At the current trend it reaches the target by {deadline}; projected: {projected}.",
        "zh": "按当前趋势，可在 {deadline} 前达到目标，预测值 {projected}。",
    },
    "trend_misses_target": {
        "en": "At the current trend it does not reach the target by {deadline}; projected: {projected}.",
        "zh": "按当前趋势，无法在 {deadline} 前达到目标，预测值 {projected}。",
    },
    "kpi_change": {
        "en": "{kpi} changed from {previous} to {value}: {change} ({p}).",
        "zh": "{kpi}由 {previous} 变为 {value}：{change}（{p}）。",
    },
    "no_significant_change": {
        "en": "No KPI changed by more than chance explains against the comparison period (each p-value is {alpha} or above).",
        "zh": "与对比期相比，没有指标的变化超出偶然（各 p 值均不低于 {alpha}）。",
    },
    "yes": {"en": "yes", "zh": "是"},
    "period_compared": {
        "en": "Reporting period {period}, compared with {previous}.",
        "zh": "报告期 {period}，对比期 {previous}。",
    },
    "change_heading": {"en": "What changed since the comparison period", "zh": "与对比期相比的变化"},
    "response_heading": {"en": "First response time by channel", "zh": "各渠道首次响应时长"},
    "run_signal_found": {
        "en": "{n_days} belong to a run of 8 or more on one side of the centre line: a sustained shift.",
        "zh": "有 {n_days}处于中心线同一侧连续 8 天以上的序列中，说明存在持续性变化。",
    },
    "league_method": {
        "en": "Ranks use estimates adjusted for sample size (a group with few cases is pulled towards the overall "
              "level), so it is not ranked first or last by luck; groups with fewer than "
              "{min_n} cases are flagged and left out of the best/worst lists.",
        "zh": "排名基于按样本量调整后的估计值（样本少的向整体水平靠拢），样本少的团队或客服不会因偶然性排在首位或末位；"
              "样本少于 {min_n} 的会被标注，且不列入最佳/最差名单。",
    },
    "data_problem": {
        "en": "{table}, column {column}: {n} row(s) {action}{examples} — {message}",
        "zh": "{table} 表“{column}”列：{n} 行{action}{examples}——{message}",
    },
    "rows_example": {"en": " (e.g. rows {rows}: {values})", "zh": "（如第 {rows} 行：{values}）"},
    "league_all_too_few": {
        "en": "No {group} has {min_n} or more cases in this period, so none is ranked.",
        "zh": "本期没有样本量达到 {min_n} 的{group}，因此不做排名。",
    },
    "no_chart_data": {"en": "{what}: no data to chart in this window.", "zh": "{what}：该时间窗口内没有可绘制的数据。"},
    "data_clean": {"en": "All input rows passed validation.", "zh": "所有输入数据均通过校验。"},
    "no": {"en": "no", "zh": "否"},
    "kpis_met": {"en": "{met} of {total} KPIs met their target.", "zh": "{total} 项指标中有 {met} 项达标。"},
    "out_of_control_points": {
        "en": "{n} point(s) fall outside the control limits of {kpi}.",
        "zh": "{kpi}有 {n} 个点超出控制限。",
    },
    "process_in_control": {
        "en": "{kpi} stayed within its control limits.",
        "zh": "{kpi}始终处于控制限以内。",
    },
    "ci_note": {
        "en": "Intervals are {level:.0%} confidence intervals.",
        "zh": "区间为 {level:.0%} 置信区间。",
    },
    "small_sample": {
        "en": "Only {n} observations: read with care.",
        "zh": "仅有 {n} 个观测值，解读时请谨慎。",
    },
    "significant": {
        "en": "The difference is statistically significant (p = {p:.3f}).",
        "zh": "差异具有统计显著性（p = {p:.3f}）。",
    },
    "not_significant": {
        "en": "The difference is not statistically significant (p = {p:.3f}).",
        "zh": "差异不具有统计显著性（p = {p:.3f}）。",
    },
    "missing_column": {
        "en": "Column '{column}' is not in the data, so {what} is not shown.",
        "zh": "数据中没有“{column}”列，因此未显示{what}。",
    },
    "table_not_provided": {"en": "(not provided)", "zh": "（未提供）"},
    "pii_masked": {
        "en": "Phone numbers, e-mail addresses, ID and card numbers in comments are masked.",
        "zh": "评论中的电话号码、电子邮箱、身份证号和银行卡号已做脱敏处理。",
    },
}

#: Each analysis keeps its own phrases in ``csm/report/labels/<topic>.py``; a key has one text.
for _topic in (labels_complaints, labels_sentiment, labels_customers, labels_abtest, labels_kpi):
    for _key, _texts in _topic.PHRASES.items():
        if _key in PHRASES and PHRASES[_key] != _texts:  # pragma: no cover - guarded by a test
            raise RuntimeError(f"phrase {_key!r} ({_topic.__name__}) has two different texts")
        PHRASES[_key] = _texts


def check_lang(lang: object) -> str:
    """Return ``lang`` if it is a supported language code, else raise :class:`ParameterError`."""
    if lang not in LANGS:
        raise ParameterError(f"lang must be one of {', '.join(repr(x) for x in LANGS)}; got {lang!r}. "
                             "Set the notebook parameter lang to 'en' or 'zh'.")
    return lang  # type: ignore[return-value]


def label(code: object, lang: str) -> object:
    """Display label of ``code`` in ``lang``; codes without a label are returned unchanged.

    Looks up complaint categories, channels, priorities, regions (from
    :mod:`csm.data.contract`), KPI names, status words, column headers, language
    codes and :data:`SEGMENTS`; parameterised KPI codes of :mod:`csm.kpi` such as
    ``sla_8h_rate`` or ``first_response_minutes_chat`` are labelled from their parts.
    Missing values (None/NaN) come back as given.
    """
    check_lang(lang)
    if isinstance(code, Hashable) and not isinstance(code, float):
        entry = LABELS.get(code)  # type: ignore[arg-type]
        if entry is not None:
            return entry[lang]
        derived = _derived(code)
        if derived is not None:
            return derived[0][lang]
        team = _TEAM_CODE.match(code) if isinstance(code, str) else None
        if team:  # the sample's team ids ("team_c") as a reader names them: "Team C" / "C组"
            return f"Team {team[1].upper()}" if lang == "en" else f"{team[1].upper()}组"
    return code


_TEAM_CODE = re.compile(r"^team_([a-z0-9])$")


_SLA_CODE = re.compile(r"^sla_(\d+(?:_\d+)?)h_rate$")


def _derived(code: object) -> tuple[dict[str, str], str] | None:
    """Labels and base KPI of parameterised KPI codes: ``sla_8h_rate``, ``first_response_minutes_chat``."""
    if not isinstance(code, str):
        return None
    m = _SLA_CODE.match(code)
    if m:
        hours = m.group(1).replace("_", ".")
        return {"en": f"Resolved within {hours} h", "zh": f"{hours}小时内解决率"}, "sla_24h_rate"
    for base in ("first_response_minutes", "resolution_hours", "aht_minutes"):
        suffix = code[len(base) + 1:] if code.startswith(base + "_") else None
        if suffix in CHANNELS:
            names, channel = KPI_NAMES[base], CHANNELS[suffix]
            return ({"en": f"{names['en']}, {channel['en']}", "zh": f"{names['zh']}（{channel['zh']}）"}, base)
    return None


def kpi_unit(kpi: str, lang: str) -> str:
    """Unit of a KPI (``"%"`` for rates); empty string for an unknown KPI."""
    check_lang(lang)
    entry = KPI_UNITS.get(kpi)
    if entry is None:
        derived = _derived(kpi)
        entry = KPI_UNITS[derived[1]] if derived else None
    return entry[lang] if entry else ""


def axis_label(kpi: str, lang: str) -> str:
    """``"name (unit)"`` for a chart axis, e.g. ``"Average handle time (minutes)"`` / ``"平均处理时长（分钟）"``.

    A name that already ends in a bracket takes the unit inside it — "CSAT (mean score, 1–5)", never
    "CSAT (mean score) (score 1–5)"."""
    name = str(label(kpi, lang))
    unit = kpi_unit(kpi, lang)
    if not unit:
        return name
    close = ")" if lang == "en" else "）"
    if name.endswith(close):
        if ("score" in name and unit.startswith("score ")) or ("分" in name and unit.startswith("分，")):
            unit = unit.split(" ", 1)[1] if lang == "en" else unit.split("，", 1)[1]  # "mean score, 1–5"
        return f"{name[:-1]}, {unit})" if lang == "en" else f"{name[:-1]}，{unit}）"
    return f"{name} ({unit})" if lang == "en" else f"{name}（{unit}）"


def phrase(key: str, lang: str, /, **kwargs: object) -> str:
    """Report sentence or heading ``key`` in ``lang``, filled with ``kwargs`` (``str.format``).

    >>> phrase("kpis_met", "en", met=3, total=5)
    '3 of 5 KPIs met their target.'
    """
    check_lang(lang)
    try:
        template = PHRASES[key][lang]
    except KeyError:
        close = difflib.get_close_matches(str(key), PHRASES, n=3)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ParameterError(f"no report phrase {key!r} in csm/report/labels.py PHRASES.{hint} "
                             "Add it there with an 'en' and a 'zh' template.") from None
    try:
        return template.format(**kwargs)
    except KeyError as err:
        needed = sorted(placeholders(template))
        raise ParameterError(f"phrase {key!r} needs the value {err.args[0]!r}; its placeholders are "
                             f"{', '.join(needed)}; got {', '.join(sorted(kwargs)) or 'none'}.") from None
    except (ValueError, TypeError) as err:
        raise ParameterError(f"phrase {key!r} ({lang}): cannot format {kwargs!r} into {template!r}: {err}") from None


def note_text(note, lang: str) -> str:
    """A :class:`csm.notes.Note` in words: the phrase ``note_<code>`` filled with the note's parameters."""
    return phrase(f"note_{note.code}", lang, **dict(note.params))


def placeholders(template: str) -> set[str]:
    """Names of the ``{placeholders}`` in a ``str.format`` template."""
    return {field.split(".")[0].split("[")[0]
            for _, field, _, _ in string.Formatter().parse(template) if field}


def _labelled(values: pd.Series, lang: str) -> pd.Series:
    if isinstance(values.dtype, pd.CategoricalDtype):
        new = [label(c, lang) for c in values.cat.categories]
        if len(set(new)) == len(new):  # keeps the category order (e.g. for sorted charts)
            return values.cat.rename_categories(new)
        values = values.astype(object)
    return values.map(lambda v: label(v, lang))


def relabel(frame: pd.DataFrame, columns: str | Iterable[str], lang: str) -> pd.DataFrame:
    """Copy of ``frame`` with the codes in ``columns`` replaced by their labels (unknown codes kept)."""
    check_lang(lang)
    cols = [columns] if isinstance(columns, str) else list(columns)
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise ParameterError(f"relabel: column(s) {', '.join(repr(c) for c in missing)} not in the frame; "
                             f"its columns are {', '.join(map(repr, frame.columns))}.")
    out = frame.copy()
    for col in cols:
        out[col] = _labelled(out[col], lang)
    return out


def rename_columns(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Copy of ``frame`` with known column codes (``estimate``, ``ci_low``, KPI codes, …) as headers."""
    check_lang(lang)
    return frame.rename(columns=lambda c: label(c, lang))


def missing_translations() -> list[str]:
    """Entries that lack a language or have an empty text (empty when complete)."""
    problems = []
    named = [*_GROUPS, ("KPI unit", KPI_UNITS), ("phrase", PHRASES)]
    for group, entries in named:
        for code, texts in entries.items():
            for lang in LANGS:
                if not str(texts.get(lang, "")).strip():
                    problems.append(f"{group} {code!r}: no {lang!r} text")
            extra = set(texts) - set(LANGS)
            if extra:
                problems.append(f"{group} {code!r}: unknown language(s) {sorted(extra)}")
    return problems


def all_texts() -> list[str]:
    """Every display text in this module (both languages), e.g. to check font coverage."""
    named = [*_GROUPS, ("KPI unit", KPI_UNITS), ("phrase", PHRASES)]
    return [text for _, entries in named for texts in entries.values() for text in texts.values()]
