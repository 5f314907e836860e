"""Report tables of NPS, churn and customer lifetime value (notebooks/nps_churn_clv).

Result frames of :mod:`csm.customers.nps`, :mod:`csm.customers.churn` and :mod:`csm.customers.clv` formatted for display, codes of this
topic labelled from labels_customers (``cust_<code>``) first. Charts are in :mod:`csm.report.plots_customers`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from csm.report import format as fmt
from csm.report.labels import check_lang
from csm.report.tables import code_label as _code_label
from csm.report.tables import display_frame

PREFIX = "cust_"


def code_label(code, lang: str) -> str:
    """Label of a code of this topic: ``cust_<code>`` (labels_customers) first, then the shared labels."""
    return _code_label(code, lang, prefix=PREFIX)


def report_table(frame: pd.DataFrame, lang: str, *, decimals: dict | int = 2, codes=()) -> pd.DataFrame:
    """A result frame for display: numbers rounded, codes in ``codes`` columns and headers labelled
    (``cust_<name>`` first), the first column as the index (no 0, 1, 2 … row numbers)."""
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
    return display_frame(out, lang, prefix=PREFIX)


def term_label(term, lang: str, reference: dict | None = None) -> str:
    """Label of a Cox/logit term: ``column=level`` terms of category columns read "Column: level (vs reference)"."""
    from csm.report.labels import phrase

    text = str(term)
    if "=" in text:
        column, level = text.split("=", 1)
        ref = (reference or {}).get(column)
        if ref is not None:
            return phrase("cust_vs", lang, column=code_label(column, lang), level=code_label(level, lang),
                          reference=code_label(ref, lang))
        return f"{code_label(column, lang)}: {code_label(level, lang)}"
    return code_label(term, lang)


def rounded(value, digits: int = 6):
    """``value`` (number, dict, list, Series, DataFrame) with floats rounded to ``digits`` significant digits, so
    recorded results are stable between machines (fits agree to about 1e-8 relative; BLAS rounding differs
    in the last bits). Non-floats pass unchanged."""
    import math

    if isinstance(value, pd.DataFrame):
        return value.apply(lambda col: col.map(lambda v: rounded(v, digits)) if col.dtype.kind == "f" else col)
    if isinstance(value, pd.Series):
        return value.map(lambda v: rounded(v, digits)) if value.dtype.kind == "f" else value
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(rounded(v, digits) for v in value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if not math.isfinite(v) or v == 0:
            return v
        return round(v, digits - 1 - int(math.floor(math.log10(abs(v)))))
    return value


# --------------------------------------------------------------------------- readings for a manager
def period_text(period, lang: str) -> str:
    """A report period for a reader: a calendar month as "June 2026" / "2026年6月", otherwise its label."""
    from csm.report import format as fmt

    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    if start.day == 1 and end == start + pd.DateOffset(months=1):
        return fmt.month(start, lang)
    return fmt.span(start, period.last_day, lang) if start.day != 1 else str(period.label)


def ratio_interval(estimate, low, high, lang: str, digits: int | None = None) -> str:
    """``"1.36× [1.31×–1.41×]"``: a ratio with its interval."""
    from csm.report import format as fmt

    digits = ratio_digits(estimate, low, high) if digits is None else digits
    return f"{fmt.ratio(estimate, lang, digits)} [{fmt.ratio(low, lang, digits)}–{fmt.ratio(high, lang, digits)}]"


def ratio_digits(*values) -> int:
    """Decimals that keep a ratio and its bounds apart: 3 when all lie within 0.95–1.05 (the per-unit ratio of a
    numeric column, "1.014×"), else 2. Counted and yes/no factors keep 2 (one precision per table)."""
    finite = [float(v) for v in values if v is not None and np.isfinite(v)]
    return 3 if finite and all(0.95 < v < 1.05 for v in finite) else 2


def points_interval(estimate, low, high, lang: str) -> str:
    """``"+25.3 pp [+21.9, +28.7]"``: a difference of fractions with its interval (numbers in points)."""
    from csm.report import format as fmt

    bounds = ", ".join(fmt.number(100 * v, lang, 1, signed=True) for v in (low, high))
    return f"{fmt.points(estimate, lang)} [{bounds}]"


def driver_table(summary: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Detractor drivers for a reader: factor, change in the chance of a detractor (pp) and odds ratio with
    their intervals, p-value. ``marginal_effect`` and its bounds are differences of probabilities (fractions)."""
    from csm.report import format as fmt

    rows = [{"term": code_label(r["term"], lang),
             "effect_ci": points_interval(r["marginal_effect"], r["me_ci_low"], r["me_ci_high"], lang),
             "odds_ci": ratio_interval(r["odds_ratio"], r["ci_low"], r["ci_high"], lang, 2),
             "p_value": fmt.p_value(r["p_value"], lang, prefix=False)} for _, r in summary.iterrows()]
    return display_frame(pd.DataFrame(rows), lang, prefix=PREFIX)


def term_kind(term, panel: pd.DataFrame | None = None) -> str:
    """How a Cox term reads: "level" (``column=level`` against a reference), "flag" (0/1), "count" (tickets or
    answers counted) or "numeric" (per unit)."""
    from csm.customers.churn import SERVICE_COVARIATES

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
    from csm.report import format as fmt
    from csm.report.labels import phrase

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
    from csm.report import format as fmt

    if half and np.isfinite(x) and 0.45 <= x < 0.55 and digits < 3:
        return "half" if lang == "en" else "一半"
    digits = max(digits, 2) if np.isfinite(x) and x < 0.995 else digits
    return fmt.ratio(x, lang, digits) if lang == "en" else fmt.ratio(x, lang, digits).removesuffix("×") + " 倍"


def label_other(lang: str) -> str:
    return "the others" if lang == "en" else "其他客户"


def hazard_table(summary: pd.DataFrame, lang: str, *, reference: dict | None = None,
                 panel: pd.DataFrame | None = None) -> pd.DataFrame:
    """Cox hazard ratios for a reader: factor, monthly churn risk × [CI], what it means, p-value."""
    from csm.report import format as fmt

    rows = [{"term": term_label(r["term"], lang, reference),
             "hr_ci": ratio_interval(r["hazard_ratio"], r["ci_low"], r["ci_high"], lang,
                                     None if term_kind(r["term"], panel) == "numeric" else 2),
             "reading": hazard_reading(r["term"], r["hazard_ratio"], r["p_value"], lang, reference=reference,
                                       panel=panel),
             "p_value": fmt.p_value(r["p_value"], lang, prefix=False)} for _, r in summary.iterrows()]
    return display_frame(pd.DataFrame(rows), lang, prefix=PREFIX)


def top_churn_driver(summary: pd.DataFrame, alpha: float = 0.05):
    """The significant term with the largest hazard ratio above 1 (the row), else None."""
    raising = summary[(summary["p_value"] < alpha) & (summary["hazard_ratio"] > 1)]
    return None if raising.empty else raising.loc[raising["hazard_ratio"].idxmax()]


def change_status(diff, p_value, *, higher_is_better: bool, alpha: float = 0.05) -> str:
    """"improved" / "worse" for a significant change in the good / bad direction, else "no_change"."""
    if diff is None or not np.isfinite(p_value) or p_value >= alpha or diff == 0:
        return "no_change"
    return "improved" if (diff > 0) == higher_is_better else "worse"


def trend_sentence(trend: dict, lang: str, *, detail: bool = False, alpha: float = 0.05) -> str:
    """The churn trend of :func:`csm.customers.churn.churn_trend` in one sentence: "Churn has risen from 1.1% to 2.0% a month
    over 18 months (×1.5 per year, p < 0.001)." ``detail`` adds the interval of the yearly multiple."""
    from csm.report import format as fmt
    from csm.report.labels import phrase

    values = {"first": fmt.percent(trend["first_rate"], lang, 1), "last": fmt.percent(trend["last_rate"], lang, 1),
              "months": trend["months"], "p": fmt.p_value(trend["p_value"], lang),
              "ratio": times(trend["rate_ratio_12"], lang, 2, half=False),
              "low": times(trend["ci_low"], lang, 2, half=False),
              "high": times(trend["ci_high"], lang, 2, half=False),
              "start": fmt.month(trend["first_month"], lang), "end": fmt.month(trend["last_month"], lang)}
    if not (np.isfinite(trend["p_value"]) and trend["p_value"] < alpha):
        key = "cust_trend_flat"
    else:
        key = "cust_trend_up" if trend["slope"] > 0 else "cust_trend_down"
    text = phrase(key, lang, **values)
    return text + (phrase("cust_trend_detail", lang, **values) if detail else "")
