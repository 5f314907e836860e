"""Headline results a notebook records for the run manifest.

A notebook calls :func:`record` for each number a manager (or a rerun) cares
about. It becomes a raw display output with the single mimetype
:data:`RESULT_MIMETYPE`; Jupyter does not render it, the HTML export drops it and
:func:`collect` reads it back from the executed notebook. The output's data holds
only ``{"key": key}``; the value sits in the output's metadata under the same
mimetype. nbval compares output data but never metadata, so the committed
notebooks check *which* results are recorded, in which order, while the values,
full-precision floats that differ in the last digits on another CPU or library
version, are checked where a tolerance can be stated: against the sample's truth
in tests/test_reports.py, and by ``csm rerun`` (the shown numbers are compared
by nbval at their displayed precision)::

    record("csat_mean", 4.21)
    record("tickets_by_channel", by_channel)      # a DataFrame -> list of records

Values are stored as JSON: DataFrames become lists of records (a non-default
index is kept as columns), Series become ``{index: value}``, numpy scalars
Python numbers, timestamps ISO strings, NaN/NaT/NA and ±inf ``None``.
"""
from __future__ import annotations

import datetime as _dt
import decimal
import json
import math
from collections.abc import Mapping
from pathlib import Path

__all__ = ["RESULT_MIMETYPE", "to_json_safe", "record", "record_results", "is_result_output", "collect"]

#: The mimetype of a recorded result output.
RESULT_MIMETYPE = "application/vnd.csm.result+json"


def to_json_safe(value, _where: str = "value"):
    """``value`` converted to plain JSON types (dict, list, str, int, float, bool, None).

    Raises ``TypeError`` naming the offending part (e.g. ``value['by_region'][2]``)
    for anything that has no faithful JSON form.
    """
    import numpy as np
    import pandas as pd

    if value is None or type(value) is bool:
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating, decimal.Decimal)):
        number = float(value)
        return number if math.isfinite(number) else None
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, (pd.Timestamp, _dt.datetime, _dt.date, _dt.time, np.datetime64)):
        if isinstance(value, np.datetime64):
            value = pd.Timestamp(value)
            if value is pd.NaT:
                return None
        return value.isoformat()
    if isinstance(value, (pd.Timedelta, _dt.timedelta, np.timedelta64)):
        value = pd.Timedelta(value)
        return None if value is pd.NaT else value.isoformat()
    if isinstance(value, pd.DataFrame):
        frame = value
        if not isinstance(frame.index, pd.RangeIndex) or frame.index.name is not None:
            frame = frame.reset_index()
        columns = [str(c) for c in frame.columns]
        if len(set(columns)) != len(columns):
            raise TypeError(f"{_where}: DataFrame has duplicate column names {columns}; rename them before record().")
        return [
            {col: to_json_safe(cell, f"{_where}[{i}][{col!r}]") for col, cell in zip(columns, row)}
            for i, row in enumerate(frame.itertuples(index=False, name=None))
        ]
    if isinstance(value, pd.Series):
        return {_json_key(k, _where): to_json_safe(v, f"{_where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return [to_json_safe(v, f"{_where}[{i}]") for i, v in enumerate(value.tolist())]
    if isinstance(value, Mapping):
        return {_json_key(k, _where): to_json_safe(v, f"{_where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_safe(v, f"{_where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, (set, frozenset)):
        try:
            items = sorted(value)
        except TypeError:
            raise TypeError(f"{_where}: a set of mixed types has no stable order; pass a sorted list instead.") from None
        return [to_json_safe(v, f"{_where}[{i}]") for i, v in enumerate(items)]
    try:  # other scalar-like objects pandas knows as missing (e.g. np.nan subclasses)
        if pd.isna(value) is True:
            return None
    except (TypeError, ValueError):
        pass
    raise TypeError(
        f"{_where}: cannot record a value of type {type(value).__module__}.{type(value).__qualname__}; "
        "record() takes numbers, strings, booleans, dates, lists, dicts, Series or DataFrames "
        "(record a result object's .summary DataFrame instead of the object)."
    )


def _json_key(key, where: str) -> str:
    import numpy as np

    if isinstance(key, str):
        return str(key)
    if isinstance(key, (bool, int, float, np.integer, np.floating, np.bool_)):
        return str(to_json_safe(key))
    if isinstance(key, (_dt.date, _dt.datetime)) or hasattr(key, "isoformat"):
        return key.isoformat()
    raise TypeError(f"{where}: dictionary key {key!r} of type {type(key).__name__} cannot be a JSON key; use strings.")


def record(key: str, value) -> None:
    """Record a headline result ``key`` = ``value`` in the notebook's outputs.

    The output is invisible in the HTML report; :func:`collect` gathers it into
    the run manifest, where ``csm rerun`` compares it with a later run.
    """
    if not isinstance(key, str) or not key.strip():
        raise TypeError(f"record(key, value): key must be a non-empty string, got {key!r}.")
    payload = {"value": to_json_safe(value, f"record({key!r})")}
    json.dumps(payload, allow_nan=False)  # guaranteed by to_json_safe; fail loudly if not
    from IPython.display import display

    display({RESULT_MIMETYPE: {"key": key}}, raw=True, metadata={RESULT_MIMETYPE: payload})


def record_results(results) -> None:
    """:func:`record` every ``key: value`` of ``results`` in order: an analysis result's ``records()``."""
    for key, value in dict(results).items():
        record(key, value)


def is_result_output(output) -> bool:
    """True when a notebook output is a recorded csm result."""
    return output.get("output_type") in ("display_data", "execute_result") and RESULT_MIMETYPE in output.get(
        "data", {}
    )


def collect(notebook_node) -> dict:
    """All results recorded in an executed notebook, ``{key: value}`` in cell order.

    ``notebook_node`` is an ``nbformat`` notebook (or a path to one). A key
    recorded twice keeps its last value.
    """
    if isinstance(notebook_node, (str, Path)):
        import nbformat

        notebook_node = nbformat.read(str(notebook_node), as_version=4)
    results: dict = {}
    for cell in notebook_node.get("cells", []):
        for output in cell.get("outputs", []) or []:
            if not is_result_output(output):
                continue
            payload = output["data"][RESULT_MIMETYPE]
            if isinstance(payload, str):
                payload = json.loads(payload)
            if isinstance(payload, Mapping) and "key" in payload:
                meta = (output.get("metadata") or {}).get(RESULT_MIMETYPE)
                value = meta["value"] if isinstance(meta, Mapping) and "value" in meta else payload.get("value")
                results[str(payload["key"])] = _plain(value)
    return results


def _plain(value):
    """nbformat's NotebookNode dicts turned back into plain dicts/lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
