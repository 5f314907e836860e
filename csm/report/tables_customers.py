"""Report tables of NPS, churn and customer lifetime value (notebooks/nps_churn_clv).

Result frames of :mod:`csm.nps`, :mod:`csm.churn` and :mod:`csm.clv` formatted for display, codes of this
topic labelled from labels_customers (``cust_<code>``) first. Charts are in :mod:`csm.report.plots_customers`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from csm.report.labels import check_lang
from csm.report.tables import code_label as _code_label
from csm.report.tables import display_frame, format_p_value

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
        if pd.api.types.is_float_dtype(out[col]):
            d = decimals.get(col, 2) if isinstance(decimals, dict) else decimals
            out[col] = out[col].round(d)
            finite = out[col].dropna()
            if len(finite) and np.all(finite == np.round(finite)) and finite.abs().max() < 2**53:
                out[col] = out[col].astype("Int64")  # counts show as 12, not 12.0
    if "p_value" in out.columns:
        out["p_value"] = [format_p_value(p) for p in frame["p_value"]]
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
