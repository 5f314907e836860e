"""The A/B test report (notebooks/ab_test): one function per section, ``show_<section>(result, lang)``, and
:func:`findings` for the summary box, from an :class:`csm.abtest.AbTestResult`.

Below them the report's own tables, sentences and charts; numbers are rounded here for display only.
"""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display
from matplotlib.axes import Axes

from csm.report import format as fmt
from csm.report.labels import axis_label, check_lang, label, phrase
from csm.report.charts import add_legend, format_date_axis, get_axes, require_columns, set_title
from csm.report.theme import COLORS
from csm.report.summary import Finding
from csm.report.display import bullets, display_frame, escape_markdown, heading, paragraph

__all__ = ["effect_with_interval", "srm_table", 
    "VERDICT_COLORS",
    "balance_table",
    "cluster_label",
    "decision_sentences",
    "did_means_table",
    "did_trend_chart",
    "experiment_label",
    "findings",
    "format_effect",
    "format_level",
    "group_label",
    "interval_chart",
    "interval_text",
    "lift_chart",
    "method_table",
    "note_sentence",
    "percentage_points",
    "power_table",
    "results_table",
    "sequential_chart",
    "sequential_table",
    "show_aa",
    "show_appendix",
    "show_assignment",
    "show_cuped",
    "show_method",
    "show_power",
    "show_results",
    "show_rollout",
    "show_sequential",
    "show_title",
    "show_unit_of_analysis",
    "show_warnings",
    "srm_sentence",
    "summary_findings",
    "unadjusted_note",
    "untested_reason",
    "value_unit",
    "value_units",
    "warning_block",
]


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA or x is pd.NaT


def _sep(lang: str) -> str:
    return "、" if lang == "zh" else ", "


# --------------------------------------------------------------------------- the report's sections
def value_units(result) -> dict:
    """metric -> the unit of its "value"-scale numbers (:func:`value_unit` of its column)."""
    return {name: value_unit(spec["column"]) for name, spec in result.specs.items()}


#: parameters a sentence names; their labels (``param_<name>``) fill the ``{param_<name>}`` placeholders
PARAMETERS = ("looks", "experiment_end", "rollout", "rollout_window", "group_column", "treated", "date", "covariate")


def _phrase(key: str, lang: str, **values) -> str:
    """:func:`~csm.report.labels.phrase` with the parameter names it may mention, labelled in ``lang``."""
    names = {f"param_{p}": str(label(f"param_{p}", lang)) for p in PARAMETERS}
    return phrase(key, lang, **names, **values)


def _note_value(value, lang: str):
    if isinstance(value, pd.Timestamp):
        return fmt.day(value, lang)
    if isinstance(value, tuple):
        return _sep(lang).join(str(_note_value(v, lang)) for v in value)
    return value


def note_sentence(note, lang: str) -> str:
    """An analysis :class:`~csm.notes.Note` in words (phrase ``note_<code>``; days written out)."""
    return _phrase(f"note_{note.code}", lang, **{k: _note_value(v, lang) for k, v in note.params.items()})


def _experiment_name(result, lang: str) -> str:
    return experiment_label(result.experiment_id, lang)


def _counts_and_split(result, lang: str) -> tuple[str, str]:
    summary = result.srm.summary
    counts = _sep(lang).join(f"{label(v, lang)} {fmt.count(n, lang)}" for v, n in zip(summary["variant"], summary["n"]))
    split = _sep(lang).join(f"{label(v, lang)} {fmt.percent(s, lang, 0)}" for v, s in result.planned_split.items())
    return counts, split


def srm_sentence(result, lang: str) -> str:
    """The sample-ratio check in one sentence: units per arm against the planned split, its p-value, and
    (when it fails) that the arms are not comparable."""
    counts, split = _counts_and_split(result, lang)
    p = fmt.p_value(result.srm.p_value, lang)
    if result.srm.flagged:
        return phrase("ab_srm_failed", lang, counts=counts, split=split, p=p, threshold=result.srm_threshold)
    return phrase("ab_srm_ok", lang, counts=counts, split=split, p=p)


def _correction(result, lang: str) -> str:
    return phrase(f"ab_correction_{'bh' if result.correction in ('bh', 'fdr_bh') else 'holm'}", lang)


def _decision_text(result, lang: str) -> list[str]:
    return decision_sentences(result.decision, result.reasons, result.metrics, lang,
                              sequential_blocked=result.sequential_blocked, units=value_units(result))


def _needs_text(needs: str, lang: str) -> str:
    """What would enable a skipped part, in words: a column as ``table.column``, a table by name."""
    return needs if "." in needs else phrase("ab_needs_table", lang, table=needs)


def show_title(result, lang: str) -> None:
    """Title and the experiment window, units and tickets."""
    display(heading("ab_title", lang, level=1, experiment=_experiment_name(result, lang)))
    display(paragraph([phrase("ab_period_line", lang, window=fmt.span(result.period.start, result.period.last_day, lang),
                              units=fmt.count(len(result.units), lang),
                              unit_type=label(f"ab_unit_{result.unit_type}", lang),
                              tickets=fmt.count(result.row_counts["tickets"], lang))]))


def findings(result, lang: str) -> list[Finding]:
    """The summary box: the decision with the primary metric, guardrails, other changes, a failed SRM."""
    arm_units = result.srm.summary.set_index("variant")["n"]
    return summary_findings(result.decision, result.reasons, result.metrics, result.srm, lang,
                            experiment=_experiment_name(result, lang), units=value_units(result),
                            control_units=int(arm_units.get(result.control, 0)),
                            treatment_units=int(arm_units.get(result.treatment, 0)))


def show_warnings(result, lang: str) -> None:
    """Loud warnings before the results: a failed sample-ratio check, too few randomised clusters."""
    if result.srm.flagged:
        display(warning_block(srm_sentence(result, lang)))
    few = result.note("ab_few_clusters")
    if few is not None:
        display(warning_block(note_sentence(few, lang)))


def show_results(result, lang: str) -> None:
    """The decision, the results table, the correction, skipped metrics and the relative-change chart."""
    display(heading("ab_results_heading", lang))
    text = _decision_text(result, lang)
    display(paragraph(text[:3 if result.sequential_blocked else 2] + [phrase("ab_results_lead", lang)]))
    display(results_table(result.metrics, result.reasons, lang, units=value_units(result)))
    requested = result.requested
    display(paragraph([phrase("ab_correction", lang, n=len(result.metrics), alpha=result.alpha,
                              method=_correction(result, lang))]
                      + [phrase("ab_skipped_metric", lang, metric=label(s.section, lang),
                                role=label(f"role_{requested[s.section]['role']}", lang),
                                needs=_needs_text(s.needs, lang))
                         for s in result.skipped if s.section in requested]))
    unadjusted = unadjusted_note(result.metrics, lang, alpha=result.alpha)
    if unadjusted:
        display(paragraph([unadjusted]))
    lift_chart(result.metrics, result.reasons, lang=lang)
    plt.show()
    m = result.metrics
    no_lift = m[m["relative_lift"].isna() & (m["error"].fillna("") == "")]
    if len(no_lift):  # NPS (can be ≤ 0) and ordinal CSAT have no relative change: said, not silently left out
        display(paragraph([phrase("ab_lift_missing", lang,
                                  metrics=_sep(lang).join(str(label(name, lang)) for name in no_lift["metric"]))]))


def show_rollout(result, lang: str) -> None:
    """Difference in differences of the rollout (nothing when no rollout is set: said in the appendix)."""
    plan = result.rollout
    if plan is None:
        return
    display(heading("ab_did_heading", lang))
    if plan.skipped:
        display(paragraph([_phrase("ab_did_skipped", lang, needs=s["needs"]) for s in plan.skipped]))
        return
    if plan.reason:
        display(paragraph([phrase("ab_did_not_tested", lang,
                                  reason=phrase(f"ab_did_reason_{plan.reason}", lang, **plan.values))]))
        return
    args, did, placebo = plan.args, result.did, result.did_placebo
    d, pl = did.summary.iloc[0], placebo.summary.iloc[0]
    outcome = args["outcome"]
    unit = value_unit(outcome)

    def effect(v):
        return format_effect(v, "value", lang, unit=unit)

    def bounds(lo, hi, v):
        return interval_text(lo, hi, "value", lang, unit=unit, size=v)

    metric = label("aht_minutes", lang) if outcome == "handle_time_minutes" else outcome
    start, stop = args["window"]
    sentences = [phrase("ab_did_text", lang, groups=", ".join(group_label(g, lang) for g in args["treated"]),
                        metric=metric, date=fmt.day(args["change_date"], lang), start=fmt.day(start, lang),
                        end=fmt.day(stop, lang), effect=effect(d["estimate"]),
                        interval=bounds(d["ci_low"], d["ci_high"], d["estimate"]),
                        cluster=cluster_label(args["cluster"], lang), p=fmt.p_value(d["p_value"], lang))]
    derived = result.note("ab_did_window_derived")
    if derived is not None:
        sentences.append(note_sentence(derived, lang))
    credible = result.did_pre_trend_p >= result.alpha and pl["p_value"] >= result.alpha
    sentences.append(phrase("ab_did_pretrend_ok" if credible else "ab_did_pretrend_bad", lang,
                            p=fmt.p_value(result.did_pre_trend_p, lang),
                            placebo=fmt.day(placebo.spec["change_date"], lang), effect=effect(pl["estimate"]),
                            interval=bounds(pl["ci_low"], pl["ci_high"], pl["estimate"]),
                            pp=fmt.p_value(pl["p_value"], lang)))
    if d["few_clusters"]:
        sentences.append(phrase("note_ab_few_clusters", lang, n=int(d["clusters"]), min_n=result.min_clusters))
    if result.did_groups < result.min_clusters and args["cluster"] != args["group_column"]:
        sentences.append(phrase("ab_did_few_groups", lang, n=result.did_groups,
                                cluster=cluster_label(args["cluster"], lang)))
    display(paragraph(sentences))
    display(did_means_table(did.cell_means, lang, unit=unit))
    did_trend_chart(result.did_trend, args["change_date"], lang=lang,
                    ylabel=axis_label("aht_minutes", lang) if outcome == "handle_time_minutes" else str(metric),
                    title=phrase("ab_did_chart_title", lang, metric=metric))
    plt.show()


def show_appendix(result, lang: str) -> None:
    """The appendix's opening: the experiment read, derived settings, and one sentence per metric."""
    display(heading("ab_appendix_heading", lang))
    name = _experiment_name(result, lang)
    if name != str(result.experiment_id):
        name = f"{name}（{result.experiment_id}）" if lang == "zh" else f"{name} ({result.experiment_id})"
    notes = [phrase("ab_window", lang, experiment=name, units=fmt.count(len(result.units), lang),
                    unit_type=label(f"ab_unit_{result.unit_type}", lang), start=fmt.day(result.period.start, lang),
                    end=fmt.day(result.period.last_day, lang), tickets=fmt.count(result.row_counts["tickets"], lang))]
    for code in ("ab_end_derived", "ab_period_ignored", "ab_period_used"):
        if result.note(code) is not None:
            notes.append(note_sentence(result.note(code), lang))
    notes.append(phrase("ab_effect_note", lang))
    if result.note("ab_did_off") is not None:
        notes.append(note_sentence(result.note("ab_did_off"), lang))
    display(paragraph(notes))
    display(bullets(_decision_text(result, lang)[3 if result.sequential_blocked else 2:]))


def show_assignment(result, lang: str) -> None:
    """The sample-ratio check and the pre-period balance of the arms."""
    display(heading("ab_srm_heading", lang))
    display(srm_table(result.srm, lang))
    sentences = [srm_sentence(result, lang)]
    if len(result.balance):
        off = result.balance[result.balance["imbalanced"]]
        sentences.append(phrase("ab_balance_off", lang, covariates=", ".join(str(label(c, lang)) for c in off["covariate"]))
                         if len(off) else phrase("ab_balance_ok", lang))
        display(balance_table(result.balance, lang))
    else:
        sentences.append(phrase("ab_balance_untested", lang))
    display(paragraph(sentences))


def show_unit_of_analysis(result, lang: str) -> None:
    """The ticket-level metric whose naive error is most wrong: naive vs delta method vs clustered."""
    shown = result.unit_metric
    if shown is None:
        return
    display(heading("ab_unit_heading", lang))
    rows = result.unit_methods[result.unit_methods["metric"] == shown].reset_index(drop=True)
    scale = result.metrics.set_index("metric").loc[shown, "scale"]
    ratio = rows["se_ratio_to_naive"].iloc[1]
    unit = value_units(result)[shown]
    display(paragraph([phrase("ab_unit_text", lang, metric=label(shown, lang), understate=1 - 1 / ratio,
                              deff=ratio**2)]))
    display(method_table(rows, scale, lang, unit=unit))
    interval_chart(rows, scale=scale, lang=lang, unit=unit,
                   title=phrase("ab_unit_chart_title", lang, metric=label(shown, lang)))
    plt.show()


def show_cuped(result, lang: str) -> None:
    """CUPED: each adjusted metric against its unadjusted comparison; CUPED left out; robust medians."""
    display(heading("ab_cuped_heading", lang))
    units = value_units(result)
    metrics = result.metrics.set_index("metric")
    sentences = []
    for name, rows in result.cuped.groupby("metric", sort=False):
        row, unit = metrics.loc[name], units[name]
        raw, adj = rows.iloc[0], rows.iloc[1]
        sentences.append(phrase(
            "ab_cuped_text", lang, metric=label(name, lang), covariate=label(result.specs[name]["covariate"], lang),
            theta=row["theta"], reduction=row["variance_reduction"],
            effect=format_effect(adj["estimate"], row["scale"], lang, unit=unit),
            interval=interval_text(adj["ci_low"], adj["ci_high"], row["scale"], lang, unit=unit, size=adj["estimate"]),
            raw=format_effect(raw["estimate"], row["scale"], lang, unit=unit),
            raw_interval=interval_text(raw["ci_low"], raw["ci_high"], row["scale"], lang, unit=unit,
                                       size=raw["estimate"])))
        display(method_table(rows, row["scale"], lang, ratio_header="ab_se_ratio_unadjusted", unit=unit))
        interval_chart(rows, scale=row["scale"], lang=lang, unit=unit,
                       title=phrase("ab_cuped_chart_title", lang, metric=label(name, lang)))
        plt.show()
    sentences += [phrase("ab_skipped_cuped", lang, metric=label(s.section.removeprefix("cuped_"), lang),
                         needs=s.needs) for s in result.skipped if s.section.startswith("cuped_")]
    if not sentences:
        sentences.append(_phrase("ab_cuped_none", lang))
    robust = result.metrics[result.metrics["median_estimate"].notna()] if "median_estimate" in result.metrics else \
        result.metrics.iloc[:0]
    for _, row in robust.iterrows():
        unit = units[row["metric"]]
        sentences.append(phrase(
            "ab_robust_text", lang, metric=label(row["metric"], lang),
            control=format_level(row["median_control"], row["scale"], lang, unit),
            treatment=format_level(row["median_treatment"], row["scale"], lang, unit),
            diff=format_effect(row["median_estimate"], row["scale"], lang, unit=unit),
            interval=interval_text(row["median_ci_low"], row["median_ci_high"], row["scale"], lang, unit=unit,
                                   size=row["median_estimate"]),
            p=fmt.p_value(row["median_p_value"], lang)))
    display(paragraph(sentences))


def show_sequential(result, lang: str) -> None:
    """The planned looks at the primary metric against the stopping boundaries."""
    display(heading("ab_sequential_heading", lang))
    looks = result.sequential
    if looks is None:
        display(paragraph([_phrase("ab_sequential_off", lang)]))
        return
    primary = result.primary
    scale = result.metrics.set_index("metric").loc[primary, "scale"]
    stop = looks[looks["stop"]].iloc[0]
    outcome = (phrase("ab_sequential_stop", lang, look=int(stop["look"]), date=fmt.day(stop["look_date"], lang),
                      z=abs(stop["z"]), boundary=stop["z_boundary"]) if stop["crossed"]
               else phrase("ab_sequential_none", lang, z=abs(stop["z"]), boundary=stop["z_boundary"]))
    sentences = [phrase("ab_sequential_text", lang, metric=label(primary, lang), k=len(looks), alpha=result.alpha,
                        outcome=outcome)]
    derived = result.note("ab_looks_derived")
    if derived is not None:
        sentences.append(note_sentence(derived, lang))
    display(paragraph(sentences))
    display(sequential_table(looks, scale, lang, unit=value_units(result)[primary]))
    sequential_chart(looks, lang=lang, title=phrase("ab_sequential_chart_title", lang, metric=label(primary, lang)))
    plt.show()


def show_power(result, lang: str) -> None:
    """Minimum detectable effects for the sample the test had, and units needed for the target effects."""
    display(heading("ab_power_heading", lang))
    primary, units = result.primary, value_units(result)
    p_row = result.power.set_index("metric").loc[primary]
    m_row = result.metrics.set_index("metric").loc[primary]
    display(paragraph([phrase("ab_power_text", lang, n_c=fmt.count(m_row["n_control"], lang),
                              n_t=fmt.count(m_row["n_treatment"], lang), alpha=result.alpha,
                              metric=label(primary, lang),
                              mde=format_effect(p_row["mde"], p_row["scale"], lang, unit=units[primary]),
                              effect=format_effect(m_row["estimate"], m_row["scale"], lang, unit=units[primary]))]))
    display(power_table(result.power, lang, units=units))


def show_aa(result, lang: str) -> None:
    """The A/A check: how often random re-splits of the control arm come out significant."""
    display(heading("ab_aa_heading", lang))
    if result.aa is None:
        display(paragraph([note_sentence(result.note("ab_aa_too_few"), lang)]))
        return
    aa = result.aa.iloc[0]
    display(paragraph([phrase("ab_aa_text", lang, n=int(aa["n_splits"]), metric=label(result.primary, lang),
                              rate=aa["false_positive_rate"], low=aa["ci_low"], high=aa["ci_high"],
                              alpha=result.alpha)]))


def show_method(result, lang: str) -> None:
    """The methods used, and the level of the intervals."""
    display(heading("ab_method_heading", lang))
    display(paragraph([phrase("ab_method_text", lang, method=_correction(result, lang)),
                       phrase("ci_note", lang, level=1 - result.alpha)]))


# --------------------------------------------------------------------------- numbers
def percentage_points(lang: str) -> str:
    """The unit suffix of percentage points in ``lang`` (`` pp`` / ``个百分点``)."""
    return _pp(lang)


def _pp(lang: str) -> str:
    return " pp" if lang == "en" else "个百分点"


def value_unit(column) -> str:
    """The unit of a metric measured on ``column`` (scale "value"): "minutes" for a ``…minutes`` column,
    "hours" for ``…hours``, "rating" for CSAT (1–5), otherwise "number"."""
    name = str(column or "").lower()
    if "minute" in name:
        return "minutes"
    if "hour" in name:
        return "hours"
    if name.startswith("csat"):
        return "rating"
    return "number"


def _value(v, unit: str, lang: str, *, signed: bool = False, bare: bool = False, size=None) -> str:
    """One number of a "value" metric in its unit (``bare``: the number without the unit, for intervals)."""
    if unit in ("minutes", "hours"):
        minutes = v * (60 if unit == "hours" else 1)
        scale_unit = fmt.duration_unit(minutes if size is None else size * (60 if unit == "hours" else 1))
        text = fmt.duration(minutes, lang, 2, unit=scale_unit, signed=signed)
        if bare:
            return fmt.number(minutes / {"min": 1, "h": 60, "days": 1440}[scale_unit], lang, 2, signed=signed)
        return text
    text = fmt.number(v, lang, 2, signed=signed)
    if bare or unit != "rating":
        return text
    if signed:
        return text + (" points" if lang == "en" else "分")
    return text + (" of 5" if lang == "en" else "分（满分5分）")


def format_level(value, scale: str, lang: str = "en", unit: str = "number") -> str:
    """An arm's level: a share as percent, NPS in points, minutes/hours as durations, CSAT "of 5"."""
    if _missing(value):
        return "–"
    if scale == "share":
        return fmt.percent(value, lang)
    if scale == "points":
        return fmt.number(value, lang, 1) + (" points" if lang == "en" else "分")
    return _value(value, unit, lang)


def _one(v, scale: str, lang: str, unit: str, *, bare: bool, size=None) -> str:
    if scale in ("share", "probability"):
        return fmt.number(100 * v, lang, 1, signed=True) + ("" if bare else _pp(lang))
    if scale == "points":
        return fmt.number(v, lang, 1, signed=True) + ("" if bare else (" points" if lang == "en" else "分"))
    return _value(v, unit, lang, signed=True, bare=bare, size=size)


def format_effect(value, scale: str, lang: str = "en", *, interval: tuple | None = None,
                  unit: str = "number") -> str:
    """A treatment − control effect (signed) with its optional interval: percentage points for shares and
    ordinal probabilities, points for NPS, minutes for times, otherwise two decimals."""
    if _missing(value):
        return "–"
    text = _one(value, scale, lang, unit, bare=False)
    if interval is not None and not any(_missing(v) for v in interval):
        text += " " + interval_text(interval[0], interval[1], scale, lang, unit=unit, size=value)
    return text


def effect_with_interval(row, lang: str, unit: str = "number") -> str:
    """A metric row's effect and interval in the unit of its levels. An ordinal metric (CSAT 1–5, tested by a
    rank test) shows the difference of the arms' mean scores in points of the scale, without an interval: its
    interval is on the probability scale of the rank test (method in the appendix)."""
    if row.get("scale") == "probability":
        return _value(row["treatment"] - row["control"], "rating", lang, signed=True)
    return f"{format_effect(row['estimate'], row['scale'], lang, unit=unit)} {_interval(row, lang, unit)}".strip()


def _interval(row, lang, unit: str = "number") -> str:
    """``[low, high]`` of an effect row in the row's scale (no unit; it follows the effect)."""
    lo, hi = row.get("ci_low"), row.get("ci_high")
    if _missing(lo) or _missing(hi):
        return ""
    return interval_text(lo, hi, row["scale"], lang, unit=unit, size=row.get("estimate"))


def interval_text(low, high, scale: str, lang: str = "en", *, unit: str = "number", size=None) -> str:
    """``[low, high]`` of an effect, signed, in the scale's unit-less numbers (durations in the unit of
    ``size``, the effect they belong to)."""
    if _missing(low) or _missing(high):
        return ""
    size = low if _missing(size) else size
    return "[" + ", ".join(_one(v, scale, lang, unit, bare=True, size=size) for v in (low, high)) + "]"


def experiment_label(experiment_id, lang: str) -> str:
    """An experiment id for a reader: its label (``ab_experiment_<id>``) with the id, or the id as given."""
    if experiment_id is None or experiment_id == "":
        return "–"
    code = f"ab_experiment_{experiment_id}"
    text = label(code, lang)
    return str(experiment_id) if text == code else str(text)


def group_label(group, lang: str) -> str:
    """A rollout group value (``team_c``) with its label when one exists (``Team C``), else as given."""
    text = label(group, lang)
    return str(group) if text == group else str(text)


# --------------------------------------------------------------------------- sentences
def _unit(units, metric) -> str:
    return (units or {}).get(metric, "number")


def decision_sentences(decision: str, reasons: pd.DataFrame, metrics: pd.DataFrame, lang: str, *,
                       sequential_blocked: bool = False, units: dict | None = None) -> list[str]:
    """The decision, its reason, and one sentence per metric (value per arm, effect, interval, adjusted p,
    verdict). ``units``: metric -> unit of its "value"-scale numbers (:func:`value_unit`)."""
    check_lang(lang)
    out = [phrase("ab_decision", lang, decision=label(f"decision_{decision}", lang)),
           phrase(f"ab_decision_reason_{decision}", lang, n=len(metrics))]
    if sequential_blocked:
        out.append(phrase("ab_sequential_not_crossed", lang))
    verdicts = reasons.set_index("metric")["verdict"]
    for _, r in metrics.iterrows():
        name, role = label(r["metric"], lang), label(f"role_{r['role']}", lang)
        if r.get("error"):
            out.append(phrase("ab_metric_not_tested", lang, metric=name, role=role, reason=untested_reason(r, lang)))
            continue
        unit = _unit(units, r["metric"])
        out.append(phrase("ab_metric_sentence", lang, metric=name, role=role,
                          control=format_level(r["control"], r["scale"], lang, unit),
                          treatment=format_level(r["treatment"], r["scale"], lang, unit),
                          effect=effect_with_interval(r, lang, unit).split(" [")[0],
                          interval="" if r["scale"] == "probability" else _interval(r, lang, unit),
                          p_adj=fmt.p_value(r["p_adjusted"], lang),
                          verdict=label(f"verdict_{verdicts[r['metric']]}", lang)).replace(" ,", ",").replace(" ，", "，"))
    return out


_DECISION_STATUS = {"ship": "improved", "do_not_ship": "worse", "inconclusive": "no_change",
                    "inconclusive_srm": "missed"}


def summary_findings(decision: str, reasons: pd.DataFrame, metrics: pd.DataFrame, srm, lang: str, *,
                     experiment: str, units: dict | None = None, control_units: int | None = None,
                     treatment_units: int | None = None) -> list[Finding]:
    """The report's summary: the verdict with the primary metric's change, the guardrails, up to two other
    changed metrics, and the assignment check — one sentence each, with units and a status."""
    check_lang(lang)
    verdicts = reasons.set_index("metric")["verdict"]
    rows = {r["metric"]: r for _, r in metrics.iterrows()}

    def change(r):
        unit = _unit(units, r["metric"])
        return phrase("ab_summary_change", lang, metric=label(r["metric"], lang),
                      control=format_level(r["control"], r["scale"], lang, unit),
                      treatment=format_level(r["treatment"], r["scale"], lang, unit),
                      effect=effect_with_interval(r, lang, unit).split(" [")[0],
                      p=fmt.p_value(r["p_adjusted"], lang))

    primary = next((r for r in rows.values() if r["role"] == "primary" and not r.get("error")), None)
    verdict = phrase("ab_summary_decision", lang, experiment=experiment, decision=label(f"decision_{decision}", lang),
                     change=change(primary) if primary is not None else "")
    findings = [Finding(verdict, _DECISION_STATUS.get(decision, "info"))]
    guard = [m for m, r in rows.items() if r["role"] == "guardrail"]
    worse = [m for m in guard if verdicts[m] == "degraded"]
    sep = "、" if lang == "zh" else ", "
    if worse:
        findings += [Finding(change(rows[m]), "worse") for m in worse[:2]]
    elif guard:
        tested = [m for m in guard if verdicts[m] != "not_tested"]
        findings.append(Finding(phrase("ab_summary_guardrails_ok", lang, n=len(tested),
                                       metrics=sep.join(str(label(m, lang)) for m in tested)), "met"))
    others = [m for m, r in rows.items() if r["role"] == "secondary" and verdicts[m] in ("improved", "degraded")]
    seen = {_level_key(primary, units, lang)} if primary is not None else set()
    for m in others:  # a metric that reads like one already listed (same control level) is left to the table
        key = _level_key(rows[m], units, lang)
        if key in seen or len(findings) >= 4:
            continue
        seen.add(key)
        findings.append(Finding(change(rows[m]), "improved" if verdicts[m] == "improved" else "worse"))
    if not srm.flagged:  # the assignment check is reported in the appendix unless it fails
        return findings[:5]
    counts = {v: int(n) for v, n in zip(srm.summary["variant"], srm.summary["n"])}
    findings.append(Finding(phrase("ab_summary_srm_bad" if srm.flagged else "ab_summary_srm_ok", lang,
                                   control=fmt.count(control_units if control_units is not None else
                                                     counts.get("control", 0), lang),
                                   treatment=fmt.count(treatment_units if treatment_units is not None else
                                                       counts.get("treatment", 0), lang),
                                   p=fmt.p_value(srm.p_value, lang)), "missed" if srm.flagged else "met"))
    return findings[:5]


def _level_key(row, units, lang: str) -> str:
    """A metric's control level as shown, with its unit: two metrics with the same one read as duplicates."""
    unit = _unit(units, row["metric"])
    return f"{row['scale']}|{format_level(row['control'], row['scale'], lang, unit)}"


def unadjusted_note(metrics: pd.DataFrame, lang: str, *, alpha: float = 0.05):
    """A sentence for the metrics whose 95% interval excludes 0 while the adjusted p-value is not significant
    (the intervals are not adjusted for the number of metrics), else None."""
    ok = metrics[metrics["error"].fillna("") == ""] if "error" in metrics else metrics
    odd = ok[((ok["ci_low"] > 0) | (ok["ci_high"] < 0)) & (ok["p_adjusted"] >= alpha) & (ok["scale"] != "probability")]
    if odd.empty:
        return None
    sep = "、" if lang == "zh" else ", "
    return phrase("ab_unadjusted_note", lang, metrics=sep.join(str(label(m, lang)) for m in odd["metric"]),
                  n=len(ok), p=sep.join(fmt.p_value(p, lang) for p in odd["p_adjusted"]))


def untested_reason(row, lang: str) -> str:
    """Why a metric could not be tested, in ``lang``: from its ``error_reason`` code and ``error_values``
    (:class:`csm.abtest.compare.Untestable`); any other analysis error keeps its (English) message."""
    code = row.get("error_reason") or "other"
    values = dict(row.get("error_values") or {}) if isinstance(row.get("error_values"), dict) else {}
    if "arm" in values:
        values["arm"] = phrase(f"ab_arm_{values['arm']}", lang)
    if code == "other":
        return phrase("ab_untestable_other", lang, error=row.get("error", ""))
    return phrase(f"ab_untestable_{code}", lang, **values)


# --------------------------------------------------------------------------- tables
def _p(p, lang):
    return fmt.p_value(p, lang, prefix=False)


def results_table(metrics: pd.DataFrame, reasons: pd.DataFrame, lang: str, *, units: dict | None = None) -> pd.DataFrame:
    """One row per metric: role, arms (with units), effect [CI], relative lift, adjusted p, verdict."""
    check_lang(lang)
    verdicts = reasons.set_index("metric")["verdict"]
    rows = []
    for _, r in metrics.iterrows():
        ok = not r.get("error")
        unit = _unit(units, r["metric"])
        lift = "" if not ok or _missing(r.get("relative_lift")) else fmt.percent(r["relative_lift"], lang, signed=True)
        rows.append({
            "ab_metric": label(r["metric"], lang),
            "ab_role": label(f"role_{r['role']}", lang),
            "ab_control": format_level(r.get("control"), r.get("scale"), lang, unit) if ok else "–",
            "ab_treatment": format_level(r.get("treatment"), r.get("scale"), lang, unit) if ok else "–",
            "ab_effect": effect_with_interval(r, lang, unit) if ok else "–",
            "ab_lift": lift,
            "ab_p_adjusted": _p(r.get("p_adjusted"), lang),
            "ab_verdict": label(f"verdict_{verdicts[r['metric']]}", lang),
        })
    return display_frame(pd.DataFrame(rows), lang)


def srm_table(srm, lang: str) -> pd.DataFrame:
    """Units per variant against the planned split."""
    rows = [{"ab_variant": label(r["variant"], lang), "ab_units": fmt.count(r["n"], lang),
             "ab_share": fmt.percent(r["share"], lang), "ab_expected_share": fmt.percent(r["expected_share"], lang)}
            for _, r in srm.summary.iterrows()]
    return display_frame(pd.DataFrame(rows), lang)


def balance_table(balance: pd.DataFrame, lang: str) -> pd.DataFrame:
    rows = []
    for _, r in balance.iterrows():
        unit = value_unit(r["covariate"])
        rows.append({"ab_covariate": label(r["covariate"], lang), "ab_control": _value(r["control"], unit, lang),
                     "ab_treatment": _value(r["treatment"], unit, lang),
                     "ab_smd": fmt.number(r["smd"], lang, 3, signed=True), "ab_p": _p(r["p_value"], lang)})
    return display_frame(pd.DataFrame(rows), lang)


def sequential_table(looks: pd.DataFrame, scale: str, lang: str, *, unit: str = "number") -> pd.DataFrame:
    rows = [{"ab_look": int(r["look"]), "ab_look_date": fmt.day(r["look_date"], lang),
             "ab_units": fmt.count(r["units"], lang), "ab_information": fmt.percent(r["information_fraction"], lang, 0),
             "ab_effect": f"{format_effect(r['estimate'], scale, lang, unit=unit)} {_interval({**r, 'scale': scale}, lang, unit)}",
             "ab_z": fmt.number(r["z"], lang, 2), "ab_boundary": fmt.number(r["z_boundary"], lang, 2),
             "ab_crossed": phrase("yes" if r["crossed"] else "no", lang)} for _, r in looks.iterrows()]
    return display_frame(pd.DataFrame(rows), lang)


def power_table(plan: pd.DataFrame, lang: str, *, units: dict | None = None) -> pd.DataFrame:
    """Planning table: metric, control level, effect to detect, units per arm needed, MDE at the actual size."""
    rows = []
    for _, r in plan.iterrows():
        unit = _unit(units, r["metric"])
        rows.append({"ab_metric": label(r["metric"], lang),
                     "ab_baseline": format_level(r["baseline"], r["scale"], lang, unit),
                     "ab_target_effect": format_effect(r["effect"], r["scale"], lang, unit=unit),
                     "ab_needed": fmt.count(r["n_needed"], lang) if not _missing(r["n_needed"]) else "–",
                     "ab_units": fmt.count(r["n_actual"], lang),
                     "ab_mde": format_effect(abs(r["mde"]), r["scale"], lang, unit=unit).lstrip("+")})
    return display_frame(pd.DataFrame(rows), lang)


def method_table(frame: pd.DataFrame, scale: str, lang: str, *, ratio_header: str = "ab_se_ratio",
                 unit: str = "number") -> pd.DataFrame:
    """Rows of :func:`csm.abtest.unit_of_analysis` (or unadjusted/CUPED) side by side; the last column is each
    standard error over the first row's (header ``ratio_header``)."""
    rows = []
    for _, r in frame.iterrows():
        rows.append({"ab_method": label(f"method_{r['method']}", lang),
                     "ab_effect": f"{format_effect(r['estimate'], scale, lang, unit=unit)} "
                                  f"{_interval({**r, 'scale': scale}, lang, unit)}",
                     "ab_se": format_effect(r["se"], scale, lang, unit=unit).lstrip("+"),
                     ratio_header: fmt.ratio(r["se"] / frame["se"].iloc[0], lang, 2), "ab_p": _p(r["p_value"], lang)})
    return display_frame(pd.DataFrame(rows), lang)


def did_means_table(cell_means: pd.DataFrame, lang: str, *, unit: str = "number") -> pd.DataFrame:
    """The 2×2 means of a difference in differences: rollout group and the others, before and after."""
    names = {"treated": "did_treated", "other": "did_comparison"}
    rows = [{"ab_group": label(names.get(r["group"], r["group"]), lang), "did_before": _value(r["before"], unit, lang),
             "did_after": _value(r["after"], unit, lang), "did_change": _value(r["change"], unit, lang, signed=True)}
            for _, r in cell_means.iterrows()]
    return display_frame(pd.DataFrame(rows), lang)


def cluster_label(column: str, lang: str) -> str:
    """What a cluster column means in words (customer, agent, team), else the column name."""
    code = f"ab_cluster_{column}"
    text = label(code, lang)
    return column if text == code else str(text)


def warning_block(sentence: str):
    """A generated warning sentence as a bold Markdown block (its text escaped, never read as Markdown)."""
    return Markdown("> **" + escape_markdown(sentence) + "**")


# --------------------------------------------------------------------------- charts
VERDICT_COLORS = {"improved": "#029e73", "degraded": "#d55e00", "no_change": "#555555", "not_tested": "#bbbbbb"}


# --------------------------------------------------------------------------- charts
def lift_chart(metrics: pd.DataFrame, reasons: pd.DataFrame, *, lang: str, ax: Axes | None = None) -> Axes:
    """Relative change (treatment / control − 1) of each metric with its 95% interval, coloured by verdict;
    metrics without a relative lift (NPS, ordinal) are left out."""
    check_lang(lang)
    require_columns(metrics, ["metric", "relative_lift", "relative_ci_low", "relative_ci_high"], "lift_chart")
    verdicts = reasons.set_index("metric")["verdict"]
    data = metrics[metrics["relative_lift"].notna()].iloc[::-1]
    ax = get_axes(ax, figsize=(8, 0.9 + 0.45 * max(len(data), 1)))
    pos = np.arange(len(data))
    for y, (_, r) in zip(pos, data.iterrows()):
        color = VERDICT_COLORS.get(verdicts[r["metric"]], COLORS["estimate"])
        ax.plot([r["relative_ci_low"], r["relative_ci_high"]], [y, y], color=color, linewidth=2.2)
        ax.plot([r["relative_lift"]], [y], "o", color=color, markersize=7)
    ax.axvline(0, color=COLORS["reference"], linewidth=1)
    open_, close = ("（", "）") if lang == "zh" else (" (", ")")
    ax.set_yticks(pos, [f"{label(m, lang)}{open_}{label('role_' + ro, lang)}{close}"
                        for m, ro in zip(data["metric"], data["role"])])
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: fmt.percent(v, lang, 0, signed=True)))
    ax.set_xlabel(str(label("ab_relative_lift_axis", lang)))
    ax.grid(axis="y", visible=False)
    ax.set_title(phrase("ab_lift_chart_title", lang))
    return ax


def interval_chart(frame: pd.DataFrame, *, scale: str, title: str, lang: str, unit: str = "number",
                   ax: Axes | None = None) -> Axes:
    """Effect and interval of the same comparison done several ways (rows of ``frame``: method, estimate,
    ci_low, ci_high) — e.g. naive vs delta method vs clustered, or unadjusted vs CUPED."""
    check_lang(lang)
    require_columns(frame, ["method", "estimate", "ci_low", "ci_high"], "interval_chart")
    data = frame.iloc[::-1]
    ax = get_axes(ax, figsize=(8, 0.9 + 0.5 * len(data)))
    factor = 100 if scale in ("share", "probability") else 1
    pos = np.arange(len(data))
    ax.hlines(pos, data["ci_low"] * factor, data["ci_high"] * factor, color=COLORS["estimate"], linewidth=2.4)
    ax.plot(data["estimate"] * factor, pos, "o", color=COLORS["estimate"], markersize=7)
    ax.xaxis.set_major_formatter(fmt.axis_formatter("number", lang))
    ax.axvline(0, color=COLORS["reference"], linewidth=1)
    ax.set_yticks(pos, [str(label(f"method_{m}", lang)) for m in data["method"]])
    suffix = {"en": {"pp": " (pp)", "minutes": " (min)", "hours": " (h)"},
              "zh": {"pp": "（百分点）", "minutes": "（分钟）", "hours": "（小时）"}}[lang]
    ax.set_xlabel(str(label("ab_effect_axis", lang)) + suffix.get("pp" if factor == 100 else unit, ""))
    ax.grid(axis="y", visible=False)
    set_title(ax, title)
    return ax


def sequential_chart(looks: pd.DataFrame, *, title: str, lang: str, ax: Axes | None = None) -> Axes:
    """Observed cumulative z at each look against the ± stopping boundaries, by information fraction."""
    check_lang(lang)
    require_columns(looks, ["information_fraction", "z", "z_boundary"], "sequential_chart")
    ax = get_axes(ax)
    t = looks["information_fraction"].to_numpy()
    b = looks["z_boundary"].to_numpy()
    ax.plot(t, b, "--", color=COLORS["limit"], marker="s", label=phrase("ab_legend_boundary", lang))
    ax.plot(t, -b, "--", color=COLORS["limit"], marker="s")
    ax.plot(t, looks["z"], "-o", color=COLORS["estimate"], label=phrase("ab_legend_z", lang))
    ax.axhline(0, color=COLORS["reference"], linewidth=1)
    ax.set_xlim(0, 1.05)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_xlabel(str(label("ab_information", lang)))
    ax.set_ylabel(str(label("ab_z_axis", lang)))
    ax.yaxis.set_major_formatter(fmt.axis_formatter("number", lang))
    set_title(ax, title)
    add_legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)  # beside the plot, over no line
    return ax


def did_trend_chart(trend: pd.DataFrame, change_date, *, title: str, ylabel: str, lang: str,
                    ax: Axes | None = None) -> Axes:
    """Monthly means (with intervals) of the rollout group and the other groups, the change date marked:
    the pre-period lines should run parallel."""
    check_lang(lang)
    require_columns(trend, ["period_start", "group", "estimate", "ci_low", "ci_high"], "did_trend_chart")
    ax = get_axes(ax)
    for group, color, code in (("treated", COLORS["limit"], "did_treated"), ("other", COLORS["estimate"],
                                                                              "did_comparison")):
        g = trend[trend["group"] == group].sort_values("period_start")
        ax.fill_between(g["period_start"].to_numpy(), g["ci_low"], g["ci_high"], color=color, alpha=0.15, linewidth=0)
        ax.plot(g["period_start"].to_numpy(), g["estimate"], "-o", color=color, markersize=4, label=str(label(code, lang)))
    ax.axvline(pd.Timestamp(change_date), color=COLORS["reference"], linestyle=":", linewidth=1.5,
               label=phrase("ab_did_change_line", lang))
    format_date_axis(ax, lang)
    ax.set_ylabel(ylabel)
    set_title(ax, title)
    add_legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)  # beside the plot, over no line
    return ax
