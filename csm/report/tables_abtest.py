"""Report tables and sentences of the A/B test report (notebooks/ab_test).

They turn :mod:`csm.abtest` results into what a reader sees, in ``lang``; numbers are rounded here for
display only. Charts are in :mod:`csm.report.plots_abtest`.
"""
from __future__ import annotations

import pandas as pd

from csm.report import format as fmt
from csm.report.labels import check_lang, label, phrase
from csm.report.summary import Finding
from csm.report.tables import (
    _is_missing,
    display_frame,
    escape_markdown,
)

__all__ = [
    "balance_table",
    "experiment_label",
    "group_label",
    "summary_findings",
    "value_unit",
    "cluster_label",
    "decision_sentences",
    "did_means_table",
    "format_effect",
    "format_level",
    "interval_text",
    "method_table",
    "percentage_points",
    "power_table",
    "results_table",
    "sequential_table",
    "srm_table",
    "warning_block",
]


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
    if _is_missing(value):
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
    if _is_missing(value):
        return "–"
    text = _one(value, scale, lang, unit, bare=False)
    if interval is not None and not any(_is_missing(v) for v in interval):
        text += " " + interval_text(interval[0], interval[1], scale, lang, unit=unit, size=value)
    return text


def effect_with_interval(row, lang: str, unit: str = "number") -> str:
    """A metric row's effect and interval in the unit of its levels. An ordinal metric (CSAT 1–5, tested by a
    rank test) shows the difference of the arms' mean scores in points of the scale, without an interval: its
    interval is on the probability scale of the rank test (method in the appendix)."""
    if row.get("scale") == "probability":
        return _value(row["treatment"] - row["control"], "rating", lang, signed=True)
    return f"{format_effect(row['diff'], row['scale'], lang, unit=unit)} {_interval(row, lang, unit)}".strip()


def _interval(row, lang, unit: str = "number") -> str:
    """``[low, high]`` of an effect row in the row's scale (no unit; it follows the effect)."""
    lo, hi = row.get("ci_low"), row.get("ci_high")
    if _is_missing(lo) or _is_missing(hi):
        return ""
    return interval_text(lo, hi, row["scale"], lang, unit=unit, size=row.get("diff"))


def interval_text(low, high, scale: str, lang: str = "en", *, unit: str = "number", size=None) -> str:
    """``[low, high]`` of an effect, signed, in the scale's unit-less numbers (durations in the unit of
    ``size``, the effect they belong to)."""
    if _is_missing(low) or _is_missing(high):
        return ""
    size = low if _is_missing(size) else size
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
def _frame(rows: list[dict], lang: str) -> pd.DataFrame:
    return display_frame(pd.DataFrame(rows), lang)


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
        lift = "" if not ok or _is_missing(r.get("relative_lift")) else fmt.percent(r["relative_lift"], lang, signed=True)
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
    return _frame(rows, lang)


def srm_table(srm, lang: str) -> pd.DataFrame:
    """Units per variant against the planned split."""
    rows = [{"ab_variant": label(r["variant"], lang), "ab_units": fmt.count(r["n"], lang),
             "ab_share": fmt.percent(r["share"], lang), "ab_expected_share": fmt.percent(r["expected_share"], lang)}
            for _, r in srm.summary.iterrows()]
    return _frame(rows, lang)


def balance_table(balance: pd.DataFrame, lang: str) -> pd.DataFrame:
    rows = []
    for _, r in balance.iterrows():
        unit = value_unit(r["covariate"])
        rows.append({"ab_covariate": label(r["covariate"], lang), "ab_control": _value(r["control"], unit, lang),
                     "ab_treatment": _value(r["treatment"], unit, lang),
                     "ab_smd": fmt.number(r["smd"], lang, 3, signed=True), "ab_p": _p(r["p_value"], lang)})
    return _frame(rows, lang)


def sequential_table(looks: pd.DataFrame, scale: str, lang: str, *, unit: str = "number") -> pd.DataFrame:
    rows = [{"ab_look": int(r["look"]), "ab_look_date": fmt.day(r["look_date"], lang),
             "ab_units": fmt.count(r["units"], lang), "ab_information": fmt.percent(r["information_fraction"], lang, 0),
             "ab_effect": f"{format_effect(r['diff'], scale, lang, unit=unit)} {_interval({**r, 'scale': scale}, lang, unit)}",
             "ab_z": fmt.number(r["z"], lang, 2), "ab_boundary": fmt.number(r["z_boundary"], lang, 2),
             "ab_crossed": phrase("yes" if r["crossed"] else "no", lang)} for _, r in looks.iterrows()]
    return _frame(rows, lang)


def power_table(plan: pd.DataFrame, lang: str, *, units: dict | None = None) -> pd.DataFrame:
    """Planning table: metric, control level, effect to detect, units per arm needed, MDE at the actual size."""
    rows = []
    for _, r in plan.iterrows():
        unit = _unit(units, r["metric"])
        rows.append({"ab_metric": label(r["metric"], lang),
                     "ab_baseline": format_level(r["baseline"], r["scale"], lang, unit),
                     "ab_target_effect": format_effect(r["effect"], r["scale"], lang, unit=unit),
                     "ab_needed": fmt.count(r["n_needed"], lang) if not _is_missing(r["n_needed"]) else "–",
                     "ab_units": fmt.count(r["n_actual"], lang),
                     "ab_mde": format_effect(abs(r["mde"]), r["scale"], lang, unit=unit).lstrip("+")})
    return _frame(rows, lang)


def method_table(frame: pd.DataFrame, scale: str, lang: str, *, ratio_header: str = "ab_se_ratio",
                 unit: str = "number") -> pd.DataFrame:
    """Rows of :func:`csm.abtest.unit_of_analysis` (or unadjusted/CUPED) side by side; the last column is each
    standard error over the first row's (header ``ratio_header``)."""
    rows = []
    for _, r in frame.iterrows():
        rows.append({"ab_method": label(f"method_{r['method']}", lang),
                     "ab_effect": f"{format_effect(r['diff'], scale, lang, unit=unit)} "
                                  f"{_interval({**r, 'scale': scale}, lang, unit)}",
                     "ab_se": format_effect(r["se"], scale, lang, unit=unit).lstrip("+"),
                     ratio_header: fmt.ratio(r["se"] / frame["se"].iloc[0], lang, 2), "ab_p": _p(r["p_value"], lang)})
    return _frame(rows, lang)


def did_means_table(cell_means: pd.DataFrame, lang: str, *, unit: str = "number") -> pd.DataFrame:
    """The 2×2 means of a difference in differences: rollout group and the others, before and after."""
    names = {"treated": "did_treated", "other": "did_comparison"}
    rows = [{"ab_group": label(names.get(r["group"], r["group"]), lang), "did_before": _value(r["before"], unit, lang),
             "did_after": _value(r["after"], unit, lang), "did_change": _value(r["change"], unit, lang, signed=True)}
            for _, r in cell_means.iterrows()]
    return _frame(rows, lang)


def cluster_label(column: str, lang: str) -> str:
    """What a cluster column means in words (customer, agent, team), else the column name."""
    code = f"ab_cluster_{column}"
    text = label(code, lang)
    return column if text == code else str(text)


def warning_block(sentence: str):
    """A generated warning sentence as a bold Markdown block (its text escaped, never read as Markdown)."""
    from IPython.display import Markdown

    return Markdown("> **" + escape_markdown(sentence) + "**")
