"""The NPS / churn / CLV report (notebooks/nps_churn_clv): its sections, sentences, tables and charts.

One function per report section, ``show_<section>(result, lang)``, turns a
:class:`csm.customers.CustomersResult` into headings, sentences, tables (:func:`csm.report.display.display_frame`)
and charts (each ending in ``plt.show()``) and returns None; :func:`findings` gives the summary box's lines.
Below them: the readings of this topic (hazard and odds ratios in words, the churn trend sentence), the table
cell formatter and the charts (thin matplotlib functions over the result's tidy frames, returning the Axes).
Codes of this topic are labelled from :mod:`csm.report.labels.customers` (``cust_<code>``) first.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import display
from matplotlib.axes import Axes

from csm.compat import BOXPLOT_HORIZONTAL
from csm.customers.churn import SERVICE_COVARIATES
from csm.report import format as fmt
from csm.report.charts import (
    add_legend, bar_with_ci, draw_intervals, format_date_axis, get_axes, interval_chart, require_columns,
    set_title,
)
from csm.report.display import bullets, data_notes, data_quality_table, display_frame, heading, paragraph
from csm.report.display import code_label as _code_label
from csm.report.labels import axis_label, check_lang, label, note_text, phrase
from csm.report.summary import Finding, record_headline, summary_block
from csm.report.theme import COLORS

__all__ = ["findings", "show_summary", "show_nps", "show_drivers", "show_churn", "show_retention", "show_cox",
           "show_at_risk", "show_clv", "show_appendix_nps_churn", "show_appendix_cox", "show_appendix_clv",
           "show_appendix_holdout", "show_appendix_one_time", "show_data",
           "code_label", "term_label", "formatted", "period_text", "ratio_interval", "ratio_digits",
           "points_interval", "driver_rows", "term_kind", "hazard_reading", "times", "label_other", "hazard_rows",
           "top_churn_driver", "change_status", "trend_sentence",
           "retention_chart", "rate_trend_chart", "schoenfeld_chart", "holdout_chart",
           "clv_distribution_chart"]

PREFIX = "cust_"


def code_label(code, lang: str) -> str:
    """Label of a code of this topic: ``cust_<code>`` (labels/customers.py) first, then the shared labels."""
    return _code_label(code, lang, prefix=PREFIX)


def _table(frame: pd.DataFrame, lang: str) -> None:
    display(display_frame(frame, lang, prefix=PREFIX))


def _sep(lang: str) -> str:
    return "、" if lang == "zh" else "; "


def _skipped(result, section: str, lang: str, shown: str | None = None) -> str:
    """The sentence of a skipped section (``nps_by_tier`` reads "Net Promoter Score by Tier: left out — needs …")."""
    entry = result.skip(section)
    needs = entry.needs if entry is not None else ""
    if shown is None and " or " in needs:
        a, b = needs.split(" or ", 1)
        shown = phrase("cust_needs_either", lang, a=a, b=b)
    base, _, by = section.partition("_by_")
    if by:
        return phrase("cust_skipped_by", lang, section=label(f"cust_section_{base}", lang), by=code_label(by, lang),
                      needs=shown or needs)
    return phrase("cust_skipped", lang, section=label(f"cust_section_{section}", lang), needs=shown or needs)


def _not_tested(section: str, lang: str, reason: str) -> str:
    return phrase("cust_not_tested", lang, section=label(f"cust_section_{section}", lang), reason=reason)


def _fit_failed(note, lang: str) -> str:
    """The sentence of a ``fit_failed`` note: "<section>: not tested, because the model could not be fitted …"."""
    return _not_tested(note.params["section"], lang, phrase("cust_reason_fit", lang, detail=note.params["detail"]))


def _nps_points(value, lang: str) -> str:
    return fmt.number(value, lang, 1, signed=True)




# =========================================================================== the report's sections
def findings(result, lang: str) -> list[Finding]:
    """Up to five summary lines: the churn trend, NPS and churn rate of the period and their changes, the
    biggest churn driver, the biggest detractor driver and the expected CLV; the headline (first line) is a
    significant change, else the biggest churn driver, else the first line."""
    r = result
    period_name = period_text(r.current, lang)
    previous_name = period_text(r.previous, lang) if r.previous is not None else None
    found = []
    not_significant = phrase("cust_sum_not_significant", lang)
    if r.churn_trend is not None:  # the churn trend over the whole follow-up leads when it is significant
        status = change_status(r.churn_trend.slope, r.churn_trend.p_value, higher_is_better=False)
        found.append(Finding(trend_sentence(r.churn_trend, lang), status))
    now = r.nps_now
    if now is not None:
        value, n = fmt.number(now["estimate"], lang, 1, signed=True), fmt.count(now["n"], lang)
        change = r.nps_change
        if change is not None:
            status = change_status(change["estimate"], change["p_value"], higher_is_better=True)
            found.append(Finding(phrase("cust_sum_nps", lang, period=period_name, value=value, n=n,
                                        previous=previous_name,
                                        diff=fmt.number(change["estimate"], lang, 1, signed=True)
                                        + (" points" if lang == "en" else "分"),
                                        p=fmt.p_value(change["p_value"], lang),
                                        verdict=not_significant if status == "no_change" else ""), status))
        else:
            found.append(Finding(phrase("cust_sum_nps_alone", lang, period=period_name, value=value, n=n), "info"))
    churn_now = r.churn_now
    if churn_now is not None and not r.snapshot:
        rate, n = fmt.percent(churn_now["estimate"], lang, 1), fmt.count(churn_now["n"], lang)
        if r.previous is not None and np.isfinite(churn_now.get("change", np.nan)):
            status = change_status(churn_now["change"], churn_now["p_value"], higher_is_better=False)
            found.append(Finding(phrase("cust_sum_churn", lang, period=period_name, value=rate, n=n,
                                        previous=previous_name, diff=fmt.points(churn_now["change"], lang, 1),
                                        p=fmt.p_value(churn_now["p_value"], lang),
                                        verdict=not_significant if status == "no_change" else ""), status))
        else:
            found.append(Finding(phrase("cust_sum_churn_alone", lang, period=period_name, value=rate, n=n), "info"))
    elif churn_now is not None:  # a snapshot: the share churned by the snapshot date
        found.append(Finding(phrase("cust_headline_snapshot", lang, date=fmt.day(r.snapshot_date, lang),
                                    value=100 * churn_now["estimate"], low=100 * churn_now["ci_low"],
                                    high=100 * churn_now["ci_high"], n=int(churn_now["n"]),
                                    churned=int(churn_now["churned"])), "info"))
    top_driver = top_churn_driver(r.cox.summary) if r.cox is not None else None
    if top_driver is not None:
        found.append(Finding(phrase("cust_sum_churn_driver", lang,
                                    term=term_label(top_driver["term"], lang, r.reference),
                                    reading=hazard_reading(top_driver["term"], top_driver["hazard_ratio"],
                                                           top_driver["p_value"], lang, reference=r.reference,
                                                           panel=r.panel)), "at_risk"))
    if r.drivers is not None:
        worst = r.drivers.summary.sort_values("marginal_effect", ascending=False).iloc[0]
        if worst["marginal_effect"] > 0 and worst["p_value"] < 0.05:
            found.append(Finding(phrase("cust_sum_detractor", lang, term=code_label(worst["term"], lang),
                                        effect=fmt.points(worst["marginal_effect"], lang)), "at_risk"))
    values = r.clv
    if values is not None and len(values):
        found.append(Finding(phrase("cust_sum_clv", lang, n=fmt.count(len(values), lang),
                                    months=r.parameters["horizon_months"],
                                    total=fmt.money(values["clv"].sum(), lang, _currency(r)),
                                    median=fmt.money(values["clv"].median(), lang, _currency(r))), "info"))
    if not found:  # nothing measured in the period: the sentences below say why
        found.append(Finding(phrase("cust_nothing_in_period", lang, period=period_name), "info"))
    leading = next((f for f in found if f.status in ("worse", "improved")), None) or \
        next((f for f in found if f.status == "at_risk"), None)
    if leading is not None:
        found = [leading] + [f for f in found if f is not leading]
    return found[:5]


def _currency(result) -> str:
    return result.parameters.get("currency", "CNY")


def show_summary(result, lang: str) -> None:
    """Title, the period line, the summary box (its first line recorded as the headline) and what the period
    could not measure."""
    r, lang = result, check_lang(lang)
    period_name = period_text(r.current, lang)
    previous_name = period_text(r.previous, lang) if r.previous is not None else None
    display(heading("cust_title", lang, level=1, period=period_name))
    display(paragraph([phrase("cust_period_line" if r.previous is not None else "cust_period_line_alone",
                                     lang, period=period_name, previous=previous_name,
                                     start=fmt.day(r.data_start, lang), end=fmt.day(r.as_of, lang))]))
    found = findings(r, lang)
    display(summary_block(found, lang))
    record_headline(found[0])
    headline = []  # what the period could not measure (a missing table is said in its section below)
    if r.has_nps and r.nps_now is None:
        headline.append(phrase("cust_headline_nps_none", lang, period=period_name,
                               start=fmt.day(r.nps_first, lang), end=fmt.day(r.nps_last, lang)))
    if not r.has_churn:
        headline.append(_skipped(r, "churn_rate", lang))
    elif r.churn_now is None:
        headline.append(phrase("cust_headline_churn_none", lang, period=period_name, start=fmt.day(r.signup_first, lang),
                               end=fmt.day(r.signup_last, lang)))
    sample = next((n for n in r.notes if n.code == "customer_sample"), None)
    if sample is not None:  # the per-customer models ran on a hash sample: its size and the interval it gives
        headline.append(note_text(sample, lang))
        if sample.params.get("retention_width") is not None:
            width = float(sample.params["retention_width"])
            headline.append(phrase("cust_customer_sample_width", lang, months=sample.params["months"], width=width,
                                   half=width / 2))
    display(paragraph(headline + ([phrase("cust_snapshot_note", lang)] if r.snapshot else [])))


def _nps_compare_sentence(r, lang: str) -> str | None:
    compare = r.parameters.get("nps_compare")
    if r.nps_compare is not None:
        d = r.nps_compare
        return phrase("cust_nps_difference", lang, a=code_label(compare["a"], lang), b=code_label(compare["b"], lang),
                      diff=_nps_points(d["estimate"], lang), low=_nps_points(d["ci_low"], lang),
                      high=_nps_points(d["ci_high"], lang), p=fmt.p_value(d["p_value"], lang))
    note = r.note("nps_compare")
    if note is not None:  # one of the two groups has no responses
        return _fit_failed(note, lang)
    if r.skip("nps_compare") is not None:
        return _skipped(r, "nps_compare", lang)
    return None


def show_nps(result, lang: str) -> None:
    """NPS over the whole history, the breakdowns that differ (charted) or not, two segments compared, the trend."""
    r, lang = result, check_lang(lang)
    display(heading("cust_nps_heading", lang))
    if not r.has_nps:
        display(paragraph([_skipped(r, "nps", lang)]))
        return
    overall = r.nps_overall
    display(paragraph([phrase("cust_nps_overall", lang, start=fmt.day(r.nps_first, lang),
                                     end=fmt.day(r.as_of, lang), value=_nps_points(overall["estimate"], lang),
                                     low=_nps_points(overall["ci_low"], lang),
                                     high=_nps_points(overall["ci_high"], lang), n=int(overall["n"]))]))
    # breakdowns whose NPS differs are charted; the others are named with their test (tables in the appendix)
    tests = r.nps_tests
    differ = [s for s in r.nps_segments if np.isfinite(tests[s]["p_value"]) and tests[s]["p_value"] < 0.05]
    flat = [s for s in r.nps_segments if s not in differ]
    if differ:
        widths = [max(3.6, 1.0 * len(r.nps_by[s])) for s in differ]  # room for every level's name
        fig, axes = plt.subplots(1, len(differ), figsize=(sum(widths) + 0.8, 3.0), constrained_layout=True,
                                 squeeze=False, gridspec_kw={"width_ratios": widths})
        for ax, s in zip(axes.flat, differ):
            t = r.nps_by[s].assign(**{s: [code_label(v, lang) for v in r.nps_by[s][s]]})
            bar_with_ci(t, s, lang=lang, kpi="nps", ax=ax,
                              title=phrase("breakdown_title", lang, kpi="NPS", group=label(s, lang)))
        plt.show()
    sentences = [phrase("cust_nps_flat", lang, by=code_label(s, lang), p=fmt.p_value(tests[s]["p_value"], lang))
                 for s in flat]
    compare = _nps_compare_sentence(r, lang)
    missing = [_skipped(r, f"nps_by_{s}", lang) for s in r.parameters["nps_segments"] if s not in r.nps_segments]
    display(paragraph(sentences + ([compare] if compare else []) + missing))
    ax = rate_trend_chart(r.nps_trend, lang=lang, ylabel=axis_label("nps", lang),
                          title=phrase("cust_nps_trend_title", lang), ax=plt.subplots(figsize=(7.5, 3.0))[1])
    ax.axhline(0, color="#555555", linewidth=0.8)
    plt.show()


def show_drivers(result, lang: str) -> None:
    """The detractor model: odds ratios charted, the change in the chance of a detractor per factor, sentiment."""
    r, lang = result, check_lang(lang)
    display(heading("cust_drivers_heading", lang))
    if r.skip("detractor_drivers") is not None:
        display(paragraph([_skipped(r, "detractor_drivers", lang)]))
    elif r.note("detractor_drivers") is not None:
        display(paragraph([_fit_failed(r.note("detractor_drivers"), lang)]))
    if r.drivers is None:
        return
    summary = r.drivers.summary
    interval_chart(summary.assign(term=[code_label(t, lang) for t in summary["term"]]), "term", "odds_ratio",
                   lang=lang, reference=1.0, log=True, xlabel=phrase("cust_or_axis", lang), ylabel="",
                   title=phrase("cust_drivers_title", lang), style="bar")
    plt.show()
    display(paragraph([phrase("cust_drivers_lead", lang)]))
    _table(driver_rows(summary, lang), lang)
    top = summary.sort_values("marginal_effect", ascending=False).head(3)
    open_, close = ("（", "）") if lang == "zh" else (" (", ")")
    sentences = [phrase("cust_drivers_top", lang, drivers=_sep(lang).join(
        f"{code_label(t, lang)}{open_}{fmt.points(m, lang, 0)}{close}"
        for t, m in zip(top["term"], top["marginal_effect"])))]
    if r.polarity is None:
        sentences.append(_skipped(r, "comment_sentiment", lang))
    else:
        sentences.append(phrase("cust_sentiment_means", lang, **{k: fmt.number(v, lang, 2, signed=True)
                                                                 for k, v in r.polarity_means.to_dict().items()}))
    display(paragraph(sentences))


def _percent_columns(frame: pd.DataFrame, columns=("estimate", "ci_low", "ci_high")) -> pd.DataFrame:
    """Fractions as percent numbers for a chart whose axis reads percent."""
    return frame.assign(**{c: 100 * frame[c] for c in columns})


def show_churn(result, lang: str) -> None:
    """The monthly churn rate and its trend."""
    r, lang = result, check_lang(lang)
    display(heading("cust_churn_heading", lang))
    if r.monthly_churn is None:
        display(paragraph([_skipped(r, "churn_trend", lang,
                                           shown=phrase("cust_needs_churn_dates", lang) if r.snapshot else None)]))
        return
    rate_trend_chart(_percent_columns(r.monthly_churn), lang=lang, ylabel=phrase("cust_churn_axis", lang),
                     title=phrase("cust_churn_trend_title", lang), ax=plt.subplots(figsize=(7.5, 3.0))[1])
    plt.show()
    if r.churn_trend is not None:
        display(paragraph([trend_sentence(r.churn_trend, lang, detail=True)]))


def _retention_items(at: pd.DataFrame, by: str, lang: str) -> str:
    return _sep(lang).join(
        f"{code_label(v, lang)} {fmt.percent(e, lang)} ({fmt.percent(lo, lang)}–{fmt.percent(hi, lang)})"
        for v, e, lo, hi in zip(at[by], at["estimate"], at["ci_low"], at["ci_high"]))


def show_retention(result, lang: str) -> None:
    """Kaplan–Meier retention overall and by the requested columns; those that differ get a panel."""
    r, lang = result, check_lang(lang)
    display(heading("cust_retention_heading", lang))
    if r.survival is None:
        display(paragraph([_skipped(r, "retention", lang)]))
        return
    months = r.parameters["retention_months"]
    sentences = []
    if r.retention_absent:  # one sentence names every requested column the data lack
        absent = r.retention_absent
        sentences.append(phrase("cust_skipped_by", lang, section=label("cust_section_retention", lang),
                                by=("、" if lang == "zh" else ", ").join(code_label(g, lang) for g in absent),
                                needs=", ".join(f"customers.{g}" for g in absent)) + ("" if lang == "zh" else " ") +
                         (phrase("cust_retention_fallback", lang, by=code_label("plan", lang)) if r.retention_fallback
                          else phrase("cust_retention_hint", lang) if not r.retention else ""))
    at = r.retention_overall_at
    sentences.insert(0, phrase("cust_retention_overall", lang, n=len(r.survival), events=int(r.survival["event"].sum()),
                               value=100 * at["estimate"], low=100 * at["ci_low"], high=100 * at["ci_high"],
                               months=months))
    panels, flat = [], []  # groups whose curves differ get a panel beside the overall curve
    for group in r.retention:
        g, items = group.by, _retention_items(group.at, group.by, lang)
        if group.logrank is None:
            sentences.append(_not_tested("retention", lang, phrase("cust_reason_one_group", lang, level=items)))
            continue
        lr = group.logrank
        sentences.append(phrase("cust_logrank", lang, by=code_label(g, lang), chi2=lr["statistic"], dof=int(lr["dof"]),
                                p=fmt.p_value(lr["p_value"], lang), months=months, items=items))
        (panels if lr["p_value"] < 0.05 else flat).append(group)
    fig, axes = plt.subplots(1, 1 + len(panels), figsize=(5.0 * (1 + len(panels)) + 1.2 * len(panels), 3.2),
                             constrained_layout=True, squeeze=False)
    retention_chart(r.retention_overall, "all", lang=lang, ax=axes.flat[0], legend=False,
                    title=phrase("cust_retention_overall_title", lang))
    for ax, group in zip(list(axes.flat)[1:], panels):
        retention_chart(group.curves, group.by, lang=lang, ax=ax,
                        title=phrase("cust_retention_title", lang, by=code_label(group.by, lang)))
    plt.show()
    sentences += [phrase("cust_retention_flat", lang, by=code_label(g.by, lang), p=fmt.p_value(r.logrank_p[g.by], lang))
                  for g in flat]
    display(bullets(sentences))


def _cox_sentences(r, lang: str) -> list[str]:
    """What the Cox section says besides its table: covariates left out, and why no model was fitted."""
    sentences = []
    if r.cox_kind == "cox_service":
        if r.cox_terms_absent:
            sentences.append(phrase("cust_cox_terms_missing", lang, items=_sep(lang).join(
                f"{code_label(t, lang)} ({r.skip(f'cox_service_term_{t}').needs})" for t in r.cox_terms_absent)))
        if r.cox_needs:
            return [_not_tested("cox_service", lang, phrase("cust_reason_no_terms", lang, needs=r.cox_needs))]
        if r.note("cox_service") is not None:
            sentences.insert(0, _fit_failed(r.note("cox_service"), lang))
    elif r.cox_kind == "cox_customer":
        if not r.has_tickets:
            sentences.append(_skipped(r, "cox_service", lang))
        if r.cox_needs:
            sentences.insert(0, _not_tested("cox_customer", lang, phrase("cust_reason_no_terms", lang,
                                                                          needs=r.cox_needs)))
            return sentences
        if r.cox_left_out:
            sentences.append(phrase("cust_cox_left_out", lang, items=_sep(lang).join(
                phrase(f"cust_cox_left_{why}", lang, column=c) for c, why in r.cox_left_out.items())))
        if r.note("cox_customer") is not None:
            sentences.insert(0, _fit_failed(r.note("cox_customer"), lang))
    return sentences


def show_cox(result, lang: str) -> None:
    """The Cox model's hazard ratios in words, and what it could not include."""
    r, lang = result, check_lang(lang)
    display(heading("cust_cox_heading", lang))
    if not r.has_churn:
        display(paragraph([_skipped(r, "cox_service", lang)]))
    if r.cox is not None:
        display(paragraph([phrase("cust_cox_lead", lang)]))
        _table(hazard_rows(r.cox.summary, lang, reference=r.reference, panel=r.panel), lang)
    if r.has_churn:
        display(paragraph(_cox_sentences(r, lang)))


def _at_risk_view(r, lang: str) -> dict:
    """The at-risk list as shown: the table (first 10 in the section, the rest in the appendix), its sentences and
    the method sentences of the appendix."""
    at_risk, cox, panel, reference = r.at_risk, r.cox, r.panel, r.reference
    t = at_risk.table
    model_columns = [c for c in t.columns if c not in ("customer_id", "tenure_months", "churn_probability",
                                                       "relative_hazard", "main_driver")]
    if r.cox_kind == "cox_service":  # service events that do not change the risk explain nothing: not listed
        unclear = set(cox.summary.loc[cox.summary["p_value"] >= 0.05, "term"])
        model_columns = [c for c in model_columns if c not in unclear]
    shown = pd.DataFrame({
        "customer_id": t["customer_id"], "tenure_months": [fmt.number(v, lang, 1) for v in t["tenure_months"]],
        "churn_probability": [fmt.percent(v, lang) if np.isfinite(v) else label("cust_not_estimated", lang)
                              for v in t["churn_probability"]],
        "risk_vs_average": [fmt.ratio(v, lang, 1) for v in t["relative_hazard"]],
        "main_driver": [code_label(v, lang) if v else label("cust_no_driver", lang) for v in t["main_driver"]]})
    for c in model_columns:  # a 0/1 column (VIP) reads yes/no
        flag = term_kind(c, panel) == "flag" and set(pd.to_numeric(t[c], errors="coerce").dropna()) <= {0, 1}
        shown[c] = [code_label(v, lang) if isinstance(v, str) else phrase("yes" if v else "no", lang) if flag
                    else fmt.number(v, lang, 2).removesuffix(".00") for v in t[c]]
    # columns with one value on every row say nothing per customer: named once in a sentence instead
    covariates_left = bool(set(at_risk.strata) ^ set(model_columns))
    constant = [c for c in shown.columns[3:] if shown[c].nunique(dropna=False) <= 1]
    same = [f"{code_label(c, lang)}{'：' if lang == 'zh' else ': '}{shown[c].iloc[0]}" for c in constant
            if (len(shown) > 1 and covariates_left or c in model_columns) and c != "main_driver"]
    same_driver = shown["main_driver"].iloc[0] if "main_driver" in constant and len(shown) > 1 and covariates_left else None
    shown = shown.drop(columns=constant if len(shown) > 1 else [])
    shown = shown.rename(columns={c: code_label(c, lang) for c in model_columns})
    rest = shown.iloc[10:]  # the main flow shows the first 10; the rest goes to the appendix
    months = r.parameters["at_risk_horizon_months"]
    sentences = [phrase("cust_at_risk_method" if r.cox_kind == "cox_service" else "cust_at_risk_customer_method",
                        lang, n=len(t), months=months)]
    if "risk_vs_average" in shown.columns and len(shown):
        sentences.append(phrase("cust_at_risk_reading", lang, example=shown["risk_vs_average"].iloc[0]))
    if len(rest):
        sentences.append(phrase("cust_at_risk_order", lang, months=months, top=10, rest=len(rest)))
    if same:
        sentences.append(phrase("cust_at_risk_same", lang, items=_sep(lang).join(same)))
    if same_driver:
        sentences.append(phrase("cust_at_risk_same_driver", lang, driver=same_driver))
    method = []  # method and limits of the list: shown in the appendix
    if at_risk.strata:
        columns = ", ".join(code_label(c, lang) for c in at_risk.strata)
        method.append(phrase("cust_at_risk_stratified", lang, columns=columns, rest=phrase(
            "cust_at_risk_rest" if covariates_left else "cust_at_risk_ranked_by_stratum", lang)))
    if r.other_violated:
        method.append(phrase("cust_at_risk_ph_caveat", lang, terms=", ".join(
            term_label(v, lang, reference) for v in r.other_violated)))
    limits = _sep(lang).join(phrase("cust_limit_item", lang, stratum=", ".join(code_label(row[f"_{c}"], lang)
                                                                               for c in at_risk.strata)
                                    or label("cust_all", lang), months=row["tenure_limit"])
                             for _, row in at_risk.support.iterrows())
    method.append(phrase("cust_at_risk_support", lang, n=at_risk.min_at_risk, step=100 / at_risk.min_at_risk,
                         of_stratum=phrase("cust_of_stratum", lang, by=", ".join(
                             code_label(c, lang) for c in at_risk.strata)) if at_risk.strata else "",
                         limits=limits, missing=at_risk.not_estimated, active=at_risk.active, months=months))
    if covariates_left:
        method.append(phrase("cust_at_risk_columns", lang))
    return {"shown": shown, "rest": rest, "sentences": sentences, "method": method}


def show_at_risk(result, lang: str) -> None:
    """The customers most at risk (first 10; the rest and the method in the appendix)."""
    r, lang = result, check_lang(lang)
    display(heading("cust_at_risk_heading", lang))
    if r.note("at_risk") is not None:
        display(paragraph([_fit_failed(r.note("at_risk"), lang)]))
    if r.at_risk is not None:
        view = _at_risk_view(r, lang)
        if len(view["shown"]):
            _table(view["shown"].iloc[:10], lang)
        display(paragraph(view["sentences"]))
    elif r.cox is None:
        if not r.has_churn:
            display(paragraph([_skipped(r, "at_risk", lang)]))
        else:  # the Cox model above could not be fitted: its sentence says why
            display(paragraph([_not_tested("at_risk", lang, phrase("cust_reason_no_cox", lang))]))


def _money_or_not(v, lang: str, currency: str) -> str:
    return fmt.money(v, lang, currency) if np.isfinite(v) else label("cust_not_estimated", lang)


def _seed_sentences(r, lang: str) -> list[str]:
    """Groups the simple formula could not estimate, or whose lifetime goes beyond the follow-up."""
    group, sentences = r.seed.columns[0], []
    for _, row in r.seed.iterrows():
        name = code_label(row[group], lang)
        if not row["estimated"]:
            sentences.append(phrase("cust_seed_clv_few", lang, group=name, churned=row["churned"],
                                    needed=r.parameters["min_churners"]))
        elif row["beyond_follow_up"]:
            sentences.append(phrase("cust_seed_clv_beyond", lang, group=name, rate=100 * row["churn_rate_per_year"],
                                    life=row["lifetime_years"], observed=row["max_observed_years"]))
    return sentences


def show_clv(result, lang: str) -> None:
    """Lifetime value: the simple formula per group, the expected CLV per customer and the model tiers."""
    r, lang = result, check_lang(lang)
    currency, p = _currency(r), r.parameters
    display(heading("cust_clv_heading", lang))
    if r.seed is not None:
        seed, group = r.seed, r.seed.columns[0]
        shown = pd.DataFrame({
            group: [code_label(v, lang) for v in seed[group]],
            "customers": [fmt.count(v, lang) for v in seed["customers"]],
            "yearly_contribution": [fmt.money(v, lang, currency) for v in seed["yearly_contribution"]],
            "churn_rate_per_year": [fmt.percent(v, lang, 2) for v in seed["churn_rate_per_year"]],
            "capped_lifetime_years": [fmt.number(v, lang, 2) if np.isfinite(v) else label("cust_not_estimated", lang)
                                      for v in seed["capped_lifetime_years"]],
            "clv_ci": [f"{_money_or_not(e, lang, currency)} [{_money_or_not(lo, lang, currency)}–"
                       f"{_money_or_not(hi, lang, currency)}]" if np.isfinite(e) else _money_or_not(e, lang, currency)
                       for e, lo, hi in zip(seed["estimate"], seed["ci_low"], seed["ci_high"])]})
        _table(formatted(shown, lang), lang)
        display(paragraph([phrase("cust_seed_clv_method", lang, margin=p["margin"])]
                                 + ([phrase("cust_seed_clv_snapshot", lang)] if r.snapshot else [])))
    else:
        display(paragraph([_skipped(r, "seed_clv", lang)]))
    if not r.has_transactions:
        display(paragraph([_skipped(r, "purchase_models", lang)]))
    elif r.note("purchase_models") is not None:
        display(paragraph([_fit_failed(r.note("purchase_models"), lang)]))
    values = r.clv
    if values is None:
        return
    display(heading("cust_clv_customer_heading", lang, level=3))
    clv_distribution_chart(values.fillna({"tier": "unknown"}), by="tier", lang=lang, currency=currency,
                           title=phrase("cust_clv_title", lang, months=p["horizon_months"]))
    plt.show()
    sentences = [phrase("cust_clv_sentence", lang, months=p["horizon_months"],
                        rate=fmt.percent(p["annual_discount_rate"], lang, 0), n=fmt.count(len(values), lang),
                        median=fmt.money(values["clv"].median(), lang, currency),
                        mean=fmt.money(values["clv"].mean(), lang, currency),
                        total=fmt.money(values["clv"].sum(), lang, currency)),
                 phrase("cust_clv_chart_note", lang)]
    if r.tiers is not None:
        tiers = r.tiers
        _table(formatted(tiers[["recorded_tier", "model_tier", "customers", "share_of_recorded"]].assign(
            share_of_recorded=[fmt.percent(v, lang) for v in tiers["share_of_recorded"]]), lang,
            codes=["recorded_tier", "model_tier"]), lang)
        sentences += [phrase("cust_model_tier_plain", lang, top=fmt.percent(p["vip_share"], lang, 0),
                             share=fmt.percent(r.recorded_vip_share, lang)),
                      phrase("cust_tier_weak" if tiers["kappa"].iloc[0] < 0.4 else "cust_tier_agrees", lang)]
    else:
        sentences.append(_skipped(r, "model_tiers", lang))
    display(paragraph(sentences))


# --------------------------------------------------------------------------- appendix
def show_appendix_nps_churn(result, lang: str) -> None:
    """Appendix: NPS tables per breakdown with their tests, the detractor model's method, cohort churn rates."""
    r, lang = result, check_lang(lang)
    display(heading("cust_appendix_heading", lang))
    if r.has_nps:
        display(heading("cust_nps_heading", lang, level=3))
        for s in r.nps_segments:
            t = r.nps_by[s][[s, "estimate", "ci_low", "ci_high", "n", "promoter_share", "detractor_share"]]
            t = t.assign(promoter_share=[fmt.percent(v, lang) for v in t["promoter_share"]],
                         detractor_share=[fmt.percent(v, lang) for v in t["detractor_share"]])
            _table(formatted(t, lang, decimals=1, codes=[s]), lang)
        tests = r.nps_tests
        display(paragraph([phrase("cust_nps_method", lang)] + [
            phrase("cust_nps_test", lang, by=code_label(s, lang), chi2=tests[s]["statistic"], dof=int(tests[s]["dof"]),
                   p=fmt.p_value(tests[s]["p_value"], lang))
            for s in r.nps_segments if np.isfinite(tests[s]["p_value"])]))
    drivers, with_sentiment = r.drivers, r.drivers_with_sentiment
    if drivers is not None:
        display(heading("cust_drivers_heading", lang, level=3))
        sentences = [phrase("cust_drivers_method", lang, n=drivers.n, detractors=drivers.detractors,
                            r2=drivers.pseudo_r2)]
        if r.polarity:
            row = with_sentiment.summary.set_index("term").loc["comment_polarity"] if with_sentiment else None
            # a near-perfect fit (pseudo R² ≥ 0.9) has no stable odds ratio: reported as separation
            sentences.append(phrase("cust_sentiment_separates", lang) if row is None or with_sentiment.pseudo_r2 >= 0.9
                             else phrase("cust_sentiment_used", lang, odds=row["odds_ratio"], low=row["ci_low"],
                                         high=row["ci_high"], n=with_sentiment.n, r2_without=drivers.pseudo_r2,
                                         r2_with=with_sentiment.pseudo_r2))
        display(paragraph(sentences))
    if r.cohorts is not None:
        cohorts = r.cohorts
        display(heading("cust_churn_heading", lang, level=3))
        _table(formatted(cohorts.assign(**{c: [fmt.percent(v, lang, 2) for v in cohorts[c]]
                                           for c in ("estimate", "ci_low", "ci_high")}), lang), lang)
        display(paragraph([phrase("cust_churn_method", lang, start=fmt.month(r.follow_up_start, lang))]))
    if r.survival is not None:
        display(paragraph([phrase("cust_retention_method", lang)]))


def show_appendix_cox(result, lang: str) -> None:
    """Appendix: the Cox model's method, hazard ratios charted and tabled, the proportional-hazards check and the
    at-risk list's method and remaining rows."""
    r, lang = result, check_lang(lang)
    cox, reference = r.cox, r.reference
    if cox is not None:
        display(heading("cust_cox_heading", lang, level=3))
        if r.cox_kind == "cox_service":
            method = phrase("cust_cox_method", lang, rows=cox.n, customers=cox.customers, events=cox.events,
                            start=fmt.day(r.follow_up_start, lang))
        else:
            dropped = phrase("cust_cox_dropped", lang, n=r.cox_dropped_rows) if r.cox_dropped_rows else ""
            method = phrase("cust_cox_customer_method", lang, customers=cox.customers, events=cox.events,
                            dropped=dropped)
        display(paragraph([method]))
        terms = [term_label(t, lang, reference) for t in cox.summary["term"]]
        interval_chart(cox.summary.assign(term=terms), "term", "hazard_ratio", lang=lang, reference=1.0, log=True,
                       xlabel=phrase("cust_hr_axis", lang), ylabel="",
                       title=phrase("cust_cox_title", lang), style="bar")
        plt.show()
        _table(formatted(cox.summary[["term", "hazard_ratio", "ci_low", "ci_high", "p_value"]].assign(term=terms),
                         lang, decimals={"hazard_ratio": 3, "ci_low": 3, "ci_high": 3}), lang)
        display(heading("cust_ph_heading", lang, level=3))
        schoenfeld_chart(cox.schoenfeld, cox.terms, lang=lang,
                         labels={t: term_label(t, lang, reference) for t in cox.terms})
        plt.show()
        _table(formatted(cox.ph_check[["term", "rho", "p_value"]].assign(
            term=[term_label(t, lang, reference) for t in cox.ph_check["term"]]), lang, decimals={"rho": 3}), lang)
        display(paragraph([phrase("cust_ph_method", lang),
                                  phrase("cust_ph_violated", lang, terms=", ".join(
                                      term_label(t, lang, reference) for t in r.violated))
                                  if r.violated else phrase("cust_ph_ok", lang)]))
    if r.at_risk is None:
        return
    view = _at_risk_view(r, lang)
    if view["method"]:
        display(heading("cust_at_risk_heading", lang, level=3))
        display(paragraph(view["method"]))
    if len(view["rest"]):
        display(heading("cust_at_risk_rest_heading", lang, level=3))
        _table(view["rest"], lang)


def show_appendix_clv(result, lang: str) -> None:
    """Appendix: the simple formula's cap and caveats, the purchase and spend models' parameters."""
    r, lang = result, check_lang(lang)
    currency = _currency(r)
    if r.seed is not None:
        display(heading("cust_clv_heading", lang, level=3))
        display(paragraph([phrase("cust_seed_clv_cap", lang, cap=r.parameters["lifetime_cap_years"])]
                                 + _seed_sentences(r, lang)))
    if r.bgnbd is None:
        return
    display(heading("cust_bgnbd_heading", lang, level=3))
    params = pd.concat([r.bgnbd.summary.assign(model="BG/NBD"), r.mbgnbd.summary.assign(model="MBG/NBD"),
                        r.gamma_gamma.summary.assign(model="Gamma-Gamma")])
    params = params.assign(parameter=params["parameter"].replace({"alpha": "α"}))
    _table(formatted(params[["model", "parameter", "estimate", "se", "ci_low", "ci_high"]], lang, decimals=3), lang)
    display(paragraph([phrase("cust_bgnbd_method", lang, unit=label(f"cust_unit_{r.parameters['time_unit']}", lang),
                                     n=r.bgnbd.n, mean_spend=fmt.money(r.gamma_gamma.mean_spend, lang, currency, 2),
                                     corr=fmt.number(r.spend_corr, lang, 2, signed=True)),
                              phrase("cust_observation_end_note", lang) if r.has_churn else ""]))
    if r.tiers is not None:
        display(paragraph([phrase("cust_kappa", lang, kappa=fmt.number(float(r.tiers["kappa"].iloc[0]), lang, 2))]))


def show_appendix_holdout(result, lang: str) -> None:
    """Appendix: the purchase model fitted before the holdout against the purchases in it."""
    r, lang = result, check_lang(lang)
    if r.bgnbd is None:
        return
    display(heading("cust_holdout_heading", lang, level=3))
    note = r.note("purchase_models", where="holdout")
    if note is not None:
        display(paragraph([_fit_failed(note, lang)]))
    if r.holdout is None:
        return
    check, total, calibration_end = r.holdout, r.holdout_total, r.calibration_end
    span = fmt.span(calibration_end + pd.Timedelta(seconds=1), r.as_of, lang)
    holdout_chart(check, lang=lang, title=phrase("cust_holdout_title", lang, span=span))
    plt.show()
    _table(formatted(check.assign(frequency_group=[label("cust_all", lang) if g == "all" else g
                                                   for g in check["frequency_group"]]), lang, decimals=3), lang)
    display(paragraph([phrase("cust_holdout_sentence", lang, start=fmt.day(calibration_end, lang),
                                     end=fmt.day(r.as_of, lang), n=int(total["customers"]),
                                     predicted=total["predicted"], actual=total["actual"],
                                     error=fmt.number(100 * (total["predicted"] / total["actual"] - 1), lang, 1,
                                                      signed=True))]))


def show_appendix_one_time(result, lang: str) -> None:
    """Appendix: one-time buyers, alive for BG/NBD, not necessarily for MBG/NBD."""
    r, lang = result, check_lang(lang)
    if r.bgnbd is None:
        return
    display(heading("cust_one_time_heading", lang, level=3))
    o = r.one_time
    display(paragraph([phrase("cust_one_time_note", lang, share=o["share"], n=o["n"], median=o["median"],
                                     low=o["low"], ll_b=fmt.number(r.bgnbd.loglik, lang, 1),
                                     ll_m=fmt.number(r.mbgnbd.loglik, lang, 1))]))


def show_data(result, lang: str) -> None:
    """The data and method notes: the data's range, the interval level, rows loaded and dropped."""
    r, lang = result, check_lang(lang)
    display(heading("data_heading", lang))
    display(paragraph([phrase("data_period", lang, start=fmt.day(r.data_start, lang), end=fmt.day(r.as_of, lang)),
                              phrase("ci_note", lang, level=0.95)]))
    display(data_quality_table(r.data, lang))
    display(bullets(data_notes(r.data, pd.DataFrame(columns=["kpi", "note"]), lang)))


# =========================================================================== readings, cells and charts
def formatted(frame: pd.DataFrame, lang: str, *, decimals: dict | int = 2, codes=()) -> pd.DataFrame:
    """A result frame's cells as text for :func:`display_frame`: counts with thousands separators, other numbers
    rounded to ``decimals`` (one value or per column), p-values as "< 0.001", codes in ``codes`` columns labelled,
    dates as months."""
    lang = check_lang(lang)
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_integer_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            out[col] = [fmt.count(v, lang) for v in out[col]]  # 16,543 in both languages
        elif pd.api.types.is_float_dtype(out[col]):
            d = decimals.get(col, 2) if isinstance(decimals, dict) else decimals
            out[col] = out[col].round(d)
            finite = out[col].dropna()
            if len(finite) and np.all(finite == np.round(finite)) and finite.abs().max() < 2**53:
                out[col] = [fmt.count(v, lang) if pd.notna(v) else "–" for v in out[col]]  # 16,543, not 16543.0
            else:
                d = decimals.get(col, 2) if isinstance(decimals, dict) else decimals
                out[col] = [fmt.number(v, lang, d) for v in out[col]]  # thousands separators, no −0.00
    if "p_value" in out.columns:
        out["p_value"] = [fmt.p_value(p, lang, prefix=False) for p in frame["p_value"]]
    for col in codes:
        out[col] = [code_label(v, lang) for v in out[col]]
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m")
    return out


def term_label(term, lang: str, reference: dict | None = None) -> str:
    """Label of a Cox/logit term: ``column=level`` terms of category columns read "Column: level (vs reference)"."""
    text = str(term)
    if "=" in text:
        column, level = text.split("=", 1)
        ref = (reference or {}).get(column)
        if ref is not None:
            return phrase("cust_vs", lang, column=code_label(column, lang), level=code_label(level, lang),
                          reference=code_label(ref, lang))
        return f"{code_label(column, lang)}: {code_label(level, lang)}"
    return code_label(term, lang)


# --------------------------------------------------------------------------- readings for a manager
def period_text(period, lang: str) -> str:
    """A report period for a reader: a calendar month as "June 2026" / "2026年6月", otherwise its label."""
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    if start.day == 1 and end == start + pd.DateOffset(months=1):
        return fmt.month(start, lang)
    return fmt.span(start, period.last_day, lang) if start.day != 1 else str(period.label)


def ratio_interval(estimate, low, high, lang: str, digits: int | None = None) -> str:
    """``"1.36× [1.31×–1.41×]"``: a ratio with its interval."""
    digits = ratio_digits(estimate, low, high) if digits is None else digits
    return f"{fmt.ratio(estimate, lang, digits)} [{fmt.ratio(low, lang, digits)}–{fmt.ratio(high, lang, digits)}]"


def ratio_digits(*values) -> int:
    """Decimals that keep a ratio and its bounds apart: 3 when all lie within 0.95–1.05 (the per-unit ratio of a
    numeric column, "1.014×"), else 2. Counted and yes/no factors keep 2 (one precision per table)."""
    finite = [float(v) for v in values if v is not None and np.isfinite(v)]
    return 3 if finite and all(0.95 < v < 1.05 for v in finite) else 2


def points_interval(estimate, low, high, lang: str) -> str:
    """``"+25.3 pp [+21.9, +28.7]"``: a difference of fractions with its interval (numbers in points)."""
    bounds = ", ".join(fmt.number(100 * v, lang, 1, signed=True) for v in (low, high))
    return f"{fmt.points(estimate, lang)} [{bounds}]"


def driver_rows(summary: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Detractor drivers for a reader (shown with :func:`display_frame`): factor, change in the chance of a detractor (pp) and odds ratio with
    their intervals, p-value. ``marginal_effect`` and its bounds are differences of probabilities (fractions)."""
    rows = [{"term": code_label(r["term"], lang),
             "effect_ci": points_interval(r["marginal_effect"], r["me_ci_low"], r["me_ci_high"], lang),
             "odds_ci": ratio_interval(r["odds_ratio"], r["ci_low"], r["ci_high"], lang, 2),
             "p_value": fmt.p_value(r["p_value"], lang, prefix=False)} for _, r in summary.iterrows()]
    return pd.DataFrame(rows)


def term_kind(term, panel: pd.DataFrame | None = None) -> str:
    """How a Cox term reads: "level" (``column=level`` against a reference), "flag" (0/1), "count" (tickets or
    answers counted) or "numeric" (per unit)."""
    text = str(term)
    if "=" in text:
        return "level"
    if text == "vip":
        return "flag"
    if panel is not None and text in panel.columns:
        values = pd.to_numeric(panel[text], errors="coerce").dropna().unique()
        if len(values) <= 2 and set(values) <= {0, 1}:
            return "flag"
    return "count" if text in SERVICE_COVARIATES else "numeric"


def hazard_reading(term, hazard_ratio, p_value, lang: str, *, reference: dict | None = None,
                   panel: pd.DataFrame | None = None, alpha: float = 0.05) -> str:
    """A hazard ratio in plain words: "each one makes a customer 1.36× as likely to leave in a given month"."""
    if not (np.isfinite(p_value) and p_value < alpha):
        return phrase("cust_hr_unclear", lang, p=fmt.p_value(p_value, lang))
    kind = term_kind(term, panel)
    hr = times(hazard_ratio, lang, ratio_digits(hazard_ratio) if kind == "numeric" else 1)
    if kind == "level":
        column = str(term).split("=", 1)[0]
        ref = (reference or {}).get(column)
        return phrase("cust_hr_level", lang, hr=hr, reference=code_label(ref, lang) if ref is not None
                      else label_other(lang))
    return phrase(f"cust_hr_{kind}", lang, hr=hr)


def times(x, lang: str, digits: int = 1, *, half: bool = True) -> str:
    """A multiple in words for a sentence: "1.4×" / "1.4 倍"; about a half (0.45–0.55) reads "half" / "一半"."""
    if half and np.isfinite(x) and 0.45 <= x < 0.55 and digits < 3:
        return "half" if lang == "en" else "一半"
    digits = max(digits, 2) if np.isfinite(x) and x < 0.995 else digits
    return fmt.ratio(x, lang, digits) if lang == "en" else fmt.ratio(x, lang, digits).removesuffix("×") + " 倍"


def label_other(lang: str) -> str:
    """"the others" / "其他客户": the reference of a level without a named reference."""
    return "the others" if lang == "en" else "其他客户"


def hazard_rows(summary: pd.DataFrame, lang: str, *, reference: dict | None = None,
                panel: pd.DataFrame | None = None) -> pd.DataFrame:
    """Cox hazard ratios for a reader (shown with :func:`display_frame`): factor, monthly churn risk × [CI], what it means, p-value."""
    rows = [{"term": term_label(r["term"], lang, reference),
             "hr_ci": ratio_interval(r["hazard_ratio"], r["ci_low"], r["ci_high"], lang,
                                     None if term_kind(r["term"], panel) == "numeric" else 2),
             "reading": hazard_reading(r["term"], r["hazard_ratio"], r["p_value"], lang, reference=reference,
                                       panel=panel),
             "p_value": fmt.p_value(r["p_value"], lang, prefix=False)} for _, r in summary.iterrows()]
    return pd.DataFrame(rows)


def top_churn_driver(summary: pd.DataFrame, alpha: float = 0.05):
    """The significant term with the largest hazard ratio above 1 (the row), else None."""
    raising = summary[(summary["p_value"] < alpha) & (summary["hazard_ratio"] > 1)]
    return None if raising.empty else raising.loc[raising["hazard_ratio"].idxmax()]


def change_status(diff, p_value, *, higher_is_better: bool, alpha: float = 0.05) -> str:
    """"improved" / "worse" for a significant change in the good / bad direction, else "no_change"."""
    if diff is None or not np.isfinite(p_value) or p_value >= alpha or diff == 0:
        return "no_change"
    return "improved" if (diff > 0) == higher_is_better else "worse"


def trend_sentence(trend, lang: str, *, detail: bool = False, alpha: float = 0.05) -> str:
    """The churn trend of :func:`csm.customers.churn.fit_churn_trend` in one sentence: "Churn has risen from 1.1% to 2.0% a month
    over 18 months (×1.5 per year, p < 0.001)." ``detail`` adds the interval of the yearly multiple."""
    values = {"first": fmt.percent(trend.first_rate, lang, 1), "last": fmt.percent(trend.last_rate, lang, 1),
              "months": trend.months, "p": fmt.p_value(trend.p_value, lang),
              "ratio": times(trend.rate_ratio_12, lang, 2, half=False),
              "low": times(trend.ci_low, lang, 2, half=False),
              "high": times(trend.ci_high, lang, 2, half=False),
              "start": fmt.month(trend.first_month, lang), "end": fmt.month(trend.last_month, lang)}
    if not (np.isfinite(trend.p_value) and trend.p_value < alpha):
        key = "cust_trend_flat"
    else:
        key = "cust_trend_up" if trend.slope > 0 else "cust_trend_down"
    text = phrase(key, lang, **values)
    return text + (phrase("cust_trend_detail", lang, **values) if detail else "")


# --------------------------------------------------------------------------- charts
def retention_chart(curves: pd.DataFrame, by: str, *, lang: str, title: str | None = None,
                    ax: Axes | None = None, legend: bool = True) -> Axes:
    """Kaplan–Meier retention curves (steps) per group with shaded pointwise confidence bands (``legend=False``
    for a single overall curve)."""
    lang = check_lang(lang)
    require_columns(curves, [by, "time", "survival", "ci_low", "ci_high"], "retention_chart")
    ax = get_axes(ax)
    colors = sns.color_palette(n_colors=curves[by].nunique())
    for color, (g, c) in zip(colors, curves.groupby(by, sort=True)):
        ax.step(c["time"], 100 * c["survival"], where="post", color=color, label=str(code_label(g, lang)))
        ax.fill_between(c["time"].to_numpy(float), 100 * c["ci_low"].to_numpy(float),
                        100 * c["ci_high"].to_numpy(float), step="post", color=color, alpha=0.2, linewidth=0)
    ax.set_xlabel(phrase("cust_tenure_months_axis", lang))
    ax.set_ylabel(phrase("cust_retained_axis", lang))
    if legend:  # beside the plot, so it never covers a curve
        add_legend(ax, title=str(code_label(by, lang)), loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    if title:
        set_title(ax, title)
    return ax


def rate_trend_chart(trend: pd.DataFrame, *, x: str = "period_start", lang: str, ylabel: str, title: str | None = None,
                     by: str | None = None, ax: Axes | None = None) -> Axes:
    """A rate per period (estimate with a shaded interval), optionally one line per group."""
    lang = check_lang(lang)
    require_columns(trend, [x, "estimate", "ci_low", "ci_high"], "rate_trend_chart")
    ax = get_axes(ax)
    groups = trend.groupby(by, sort=True) if by else [(None, trend)]
    colors = sns.color_palette(n_colors=max(trend[by].nunique(), 1) if by else 1)
    for color, (g, t) in zip(colors, groups):
        ax.plot(t[x], t["estimate"], marker="o", markersize=3, color=color,
                label=str(code_label(g, lang)) if by else phrase("legend_estimate", lang))
        ax.fill_between(t[x], t["ci_low"].to_numpy(float), t["ci_high"].to_numpy(float), color=color, alpha=0.2,
                        linewidth=0)
    if pd.api.types.is_datetime64_any_dtype(trend[x]):
        format_date_axis(ax, lang)
    ax.set_xlabel(str(code_label(x, lang)))
    ax.set_ylabel(ylabel)
    if by:
        add_legend(ax, title=str(code_label(by, lang)), loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    ax.yaxis.set_major_formatter(fmt.axis_formatter("number", lang))
    if title:
        set_title(ax, title)
    return ax


def schoenfeld_chart(residuals: pd.DataFrame, terms, *, lang: str, bins: int = 10, labels=None) -> plt.Figure:
    """Proportional-hazards check: mean Schoenfeld residual per decile of event time for each term
    (flat around 0 = hazard ratio constant over time), with ±2 standard-error whiskers."""
    lang = check_lang(lang)
    terms = list(terms)
    cols = min(3, len(terms))
    rows = int(np.ceil(len(terms) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.3 * cols, 2.8 * rows), constrained_layout=True, squeeze=False)
    q = pd.qcut(residuals["time"], bins, duplicates="drop")
    mids = residuals.groupby(q, observed=True)["time"].median().to_numpy()
    for ax, t in zip(axes.flat, terms):
        g = residuals.groupby(q, observed=True)[t]
        mean, se = g.mean().to_numpy(), (g.std() / np.sqrt(g.size())).to_numpy()
        draw_intervals(ax, mids, mean, mean - 2 * se, mean + 2 * se, style="bar", ecolor="#777777", capsize=3)
        ax.plot(mids, mean, "o-", color=COLORS["estimate"])
        ax.axhline(0, color=COLORS["reference"], linestyle="--", linewidth=1)
        ax.set_title(str(labels[t]) if labels and t in labels else str(code_label(t, lang)), fontsize=11)
        ax.set_xlabel(phrase("cust_tenure_months_axis", lang))
    for ax in list(axes.flat)[len(terms):]:
        ax.set_visible(False)
    return fig


def holdout_chart(comparison: pd.DataFrame, *, lang: str, title: str | None = None, ax: Axes | None = None) -> Axes:
    """Mean actual vs predicted holdout repeat purchases per calibration-frequency group (:func:`csm.customers.clv.holdout_comparison`)."""
    lang = check_lang(lang)
    require_columns(comparison, ["frequency_group", "actual", "predicted"], "holdout_chart")
    data = comparison[comparison["frequency_group"] != "all"]
    ax = get_axes(ax, (7.5, 3.2))
    pos = np.arange(len(data), dtype=float)
    ax.bar(pos - 0.2, data["actual"], width=0.4, color="#999999", label=phrase("cust_legend_actual", lang))
    ax.bar(pos + 0.2, data["predicted"], width=0.4, color=COLORS["estimate"], label=phrase("cust_legend_predicted", lang))
    ax.set_xticks(pos, data["frequency_group"].tolist())
    ax.set_xlabel(phrase("cust_calibration_purchases_axis", lang))
    ax.set_ylabel(phrase("cust_holdout_purchases_axis", lang))
    ax.grid(axis="x", visible=False)
    add_legend(ax, loc="upper left")
    if title:
        set_title(ax, title)
    return ax


def clv_distribution_chart(clv: pd.DataFrame, *, by: str, lang: str, title: str | None = None,
                           currency: str = "CNY", ax: Axes | None = None) -> Axes:
    """Distribution of expected CLV per customer by group: box plots on a linear money axis (boxes: the middle
    half, whiskers 5–95%; the few customers beyond are not drawn, the axis ends just past the longest whisker)."""
    lang = check_lang(lang)
    require_columns(clv, [by, "clv"], "clv_distribution_chart")
    ax = get_axes(ax, (7.5, 1.3 + 0.55 * clv[by].nunique()))
    data = clv[np.isfinite(clv["clv"])]
    order = sorted(data[by].astype(str).unique())
    groups = [data.loc[data[by].astype(str) == g, "clv"].to_numpy(float) for g in order]
    ax.boxplot(groups, whis=(5, 95), showfliers=False, **BOXPLOT_HORIZONTAL, patch_artist=True,
               boxprops={"facecolor": COLORS["band"], "alpha": 0.35}, medianprops={"color": "#333333"})
    ax.set_yticks(np.arange(1, len(order) + 1), [str(code_label(g, lang)) for g in order])
    top = max((np.quantile(g, 0.95) for g in groups if len(g)), default=1.0)
    ax.set_xlim(min(0.0, min((np.quantile(g, 0.05) for g in groups if len(g)), default=0.0)), 1.08 * top)
    ax.xaxis.set_major_formatter(fmt.axis_formatter("money", lang, currency=currency))
    symbol = fmt.CURRENCY_SYMBOLS.get(str(currency).upper(), str(currency).upper())
    ax.set_xlabel(phrase("cust_clv_axis_currency", lang, symbol=symbol))
    ax.grid(axis="y", visible=False)
    if title:
        set_title(ax, title)
    return ax
