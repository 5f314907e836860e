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
