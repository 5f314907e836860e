"""Report tables and sentences of the A/B test report (notebooks/ab_test).

They turn :mod:`csm.abtest` results into what a reader sees, in ``lang``; numbers are rounded here for
display only. Charts are in :mod:`csm.report.plots_abtest`.
"""
from __future__ import annotations

import pandas as pd

from csm.report.labels import check_lang, label, phrase
from csm.report.tables import (
    _is_missing,
    display_frame,
    escape_markdown,
    format_p_value,
)

__all__ = [
    "balance_table",
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
    """The unit suffix of percentage points in ``lang`` (`` pp`` / `` 个百分点``)."""
    return _pp(lang)


def _pp(lang: str) -> str:
    return " pp" if lang == "en" else " 个百分点"


def format_level(value, scale: str, lang: str = "en") -> str:
    """An arm's level: a share as percent, NPS in points, otherwise two decimals."""
    if _is_missing(value):
        return "–"
    if scale == "share":
        return f"{value:.1%}"
    if scale == "points":
        return f"{value:.1f}"
    return f"{value:,.2f}"


def format_effect(value, scale: str, lang: str = "en", *, interval: tuple | None = None) -> str:
    """A treatment − control effect (signed) with its optional interval: percentage points for shares and
    ordinal probabilities, points for NPS, two decimals otherwise."""
    if _is_missing(value):
        return "–"

    def one(v):
        if scale in ("share", "probability"):
            return f"{100 * v:+.1f}"
        if scale == "points":
            return f"{v:+.1f}"
        return f"{v:+,.2f}"

    unit = _pp(lang) if scale in ("share", "probability") else ""
    text = one(value) + unit
    if interval is not None and not any(_is_missing(v) for v in interval):
        text += f" [{one(interval[0])}, {one(interval[1])}]"
    return text


def _interval(row, lang) -> str:
    """``[low, high]`` of an effect row in the row's scale (no unit; it follows the effect)."""
    lo, hi = row.get("ci_low"), row.get("ci_high")
    if _is_missing(lo) or _is_missing(hi):
        return ""
    return "[" + ", ".join(format_effect(v, row["scale"], lang).replace(_pp(lang), "") for v in (lo, hi)) + "]"


def interval_text(low, high, scale: str, lang: str = "en") -> str:
    """``[low, high]`` of an effect, signed, in the scale's unit-less numbers."""
    return _interval({"ci_low": low, "ci_high": high, "scale": scale}, lang)


# --------------------------------------------------------------------------- sentences
def decision_sentences(decision: str, reasons: pd.DataFrame, metrics: pd.DataFrame, lang: str, *,
                       sequential_blocked: bool = False) -> list[str]:
    """The decision, its reason, and one sentence per metric (value per arm, effect, interval, adjusted p,
    verdict)."""
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
        out.append(phrase("ab_metric_sentence", lang, metric=name, role=role,
                          control=format_level(r["control"], r["scale"], lang),
                          treatment=format_level(r["treatment"], r["scale"], lang),
                          effect=format_effect(r["diff"], r["scale"], lang), interval=_interval(r, lang),
                          p_adj=format_p_value(r["p_adjusted"], prefix=True), verdict=label(f"verdict_{verdicts[r['metric']]}", lang)))
    return out


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


def results_table(metrics: pd.DataFrame, reasons: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per metric: role, analysis, arms, effect [CI], relative lift, p, adjusted p, verdict."""
    check_lang(lang)
    verdicts = reasons.set_index("metric")["verdict"]
    rows = []
    for _, r in metrics.iterrows():
        ok = not r.get("error")
        lift = "" if not ok or _is_missing(r.get("relative_lift")) else f"{r['relative_lift']:+.1%}"
        rows.append({
            "ab_metric": label(r["metric"], lang),
            "ab_role": label(f"role_{r['role']}", lang),
            "ab_kind": label(f"kind_{r['kind']}", lang),
            "ab_control": format_level(r.get("control"), r.get("scale"), lang) if ok else "–",
            "ab_treatment": format_level(r.get("treatment"), r.get("scale"), lang) if ok else "–",
            "ab_effect": f"{format_effect(r['diff'], r['scale'], lang)} {_interval(r, lang)}" if ok else "–",
            "ab_lift": lift,
            "ab_p": format_p_value(r.get("p_value")),
            "ab_p_adjusted": format_p_value(r.get("p_adjusted")),
            "ab_verdict": label(f"verdict_{verdicts[r['metric']]}", lang),
        })
    return _frame(rows, lang)


def srm_table(srm, lang: str) -> pd.DataFrame:
    """Units per variant against the planned split."""
    rows = [{"ab_variant": label(r["variant"], lang), "ab_units": f"{int(r['n']):,}", "ab_share": f"{r['share']:.1%}",
             "ab_expected_share": f"{r['expected_share']:.1%}"} for _, r in srm.summary.iterrows()]
    return _frame(rows, lang)


def balance_table(balance: pd.DataFrame, lang: str) -> pd.DataFrame:
    rows = [{"ab_covariate": label(r["covariate"], lang), "ab_control": f"{r['control']:.2f}",
             "ab_treatment": f"{r['treatment']:.2f}", "ab_smd": f"{r['smd']:+.3f}", "ab_p": format_p_value(r["p_value"])}
            for _, r in balance.iterrows()]
    return _frame(rows, lang)


def sequential_table(looks: pd.DataFrame, scale: str, lang: str) -> pd.DataFrame:
    rows = [{"ab_look": int(r["look"]), "ab_look_date": f"{r['look_date']:%Y-%m-%d}", "ab_units": f"{int(r['units']):,}",
             "ab_information": f"{r['information_fraction']:.0%}",
             "ab_effect": f"{format_effect(r['diff'], scale, lang)} {_interval({**r, 'scale': scale}, lang)}",
             "ab_z": f"{r['z']:.2f}", "ab_boundary": f"{r['z_boundary']:.2f}",
             "ab_crossed": phrase("yes" if r["crossed"] else "no", lang)} for _, r in looks.iterrows()]
    return _frame(rows, lang)


def power_table(plan: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Planning table: metric, control level, effect to detect, units per arm needed, MDE at the actual size."""
    rows = [{"ab_metric": label(r["metric"], lang), "ab_baseline": format_level(r["baseline"], r["scale"], lang),
             "ab_target_effect": format_effect(r["effect"], r["scale"], lang),
             "ab_needed": f"{int(r['n_needed']):,}" if not _is_missing(r["n_needed"]) else "–",
             "ab_units": f"{int(r['n_actual']):,}",
             "ab_mde": format_effect(abs(r["mde"]), r["scale"], lang).lstrip("+")} for _, r in plan.iterrows()]
    return _frame(rows, lang)


def method_table(frame: pd.DataFrame, scale: str, lang: str, *, ratio_header: str = "ab_se_ratio") -> pd.DataFrame:
    """Rows of :func:`csm.abtest.unit_of_analysis` (or unadjusted/CUPED) side by side; the last column is each
    standard error over the first row's (header ``ratio_header``)."""
    rows = []
    for _, r in frame.iterrows():
        rows.append({"ab_method": label(f"method_{r['method']}", lang),
                     "ab_effect": f"{format_effect(r['diff'], scale, lang)} {_interval({**r, 'scale': scale}, lang)}",
                     "ab_se": format_effect(r["se"], scale, lang).lstrip("+"),
                     ratio_header: f"{r['se'] / frame['se'].iloc[0]:.2f}", "ab_p": format_p_value(r["p_value"])})
    return _frame(rows, lang)


def did_means_table(cell_means: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The 2×2 means of a difference in differences: rollout group and the others, before and after."""
    names = {"treated": "did_treated", "other": "did_comparison"}
    rows = [{"ab_group": label(names.get(r["group"], r["group"]), lang), "did_before": f"{r['before']:.2f}",
             "did_after": f"{r['after']:.2f}", "did_change": f"{r['change']:+.2f}"} for _, r in cell_means.iterrows()]
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
