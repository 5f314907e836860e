"""Where the A/B test meets the engine (:mod:`csm.engine`): experiment rows as relations, and the per-unit sums
every comparison is finished from.

The tickets, responses and customers stay in the engine (DuckDB by default, Spark, PostgreSQL). The experiment's
units (one row per assigned unit: the assignments of one experiment) are a bounded pandas frame, handed to the
engine as an in-memory table (``ibis.memtable``, uploaded to whichever backend holds the tickets). Experiment rows
— a unit's tickets from its assignment to the experiment end, the survey answers of those tickets, the unit's
customer row — are relations (:func:`csm.abtest.experiment.experiment_rows`); what comes back to pandas is

- per unit and metric (:func:`unit_sums`): Σx, the number of values, Σx², the smallest and largest value (or, for
  a proportion, whether the unit had the event) — at most one row per assigned unit;
- per unit and score (:func:`unit_score_counts`, ordinal and NPS metrics): answers per score — at most one row per
  unit and distinct score (5 for CSAT, 11 for NPS);
- counts and the distinct experiment ids / groups of a column.

Every statistic of the report is finished from these (Welch from Σx and Σx², the delta method and the
cluster-robust OLS from the per-unit sums, Mann–Whitney from the score counts). Rows never reach pandas.

Portable spellings (DuckDB, PySpark, PostgreSQL): yes/no columns summed as ``CASE`` 0/1 (NULL stays NULL),
timestamps compared with literals; nothing DuckDB-only.
"""
from __future__ import annotations

import pandas as pd

from csm.engine import as_relation, execute, is_relation
from csm.errors import DataError

__all__ = ["is_boolean", "is_time", "relation", "units_table", "numeric", "filled_columns", "unit_sums", "unit_score_counts", "event_flags",
           "row_count"]


def relation(obj):
    """None, an Ibis table (as it is) or a pandas frame (registered with the default engine, zero-copy)."""
    if obj is None or is_relation(obj):
        return obj
    return as_relation(obj)


def units_table(units: pd.DataFrame, columns, rename: dict | None = None):
    """Columns of the (bounded) units frame as an in-memory table the engine of any relation can join."""
    import ibis

    frame = units[list(columns)].rename(columns=rename or {})
    frame = frame.reset_index(drop=True)
    for col in frame.columns:  # canonical types: text as object strings, times as timestamps
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            frame[col] = frame[col].astype("datetime64[ns]")
        elif not pd.api.types.is_numeric_dtype(frame[col]) or pd.api.types.is_bool_dtype(frame[col]):
            frame[col] = frame[col].astype(str).astype(object).where(frame[col].notna(), None)
    return ibis.memtable(frame)


def numeric(col, where: str = "metric"):
    """A column as float64: yes/no as 1/0 (missing stays missing), numbers cast, text parsed (unparsable →
    missing, as ``pd.to_numeric(errors="coerce")``)."""
    import ibis

    t = col.type()
    if t.is_boolean():
        return ibis.cases((col, 1.0), (~col, 0.0), else_=ibis.null("float64")).cast("float64")
    if t.is_numeric():
        return col.cast("float64")
    if t.is_string():
        return col.try_cast("float64")
    raise DataError(f"{where}: column {col.get_name()!r} holds {t}; a metric needs numbers or yes/no values")


def is_boolean(rel, column: str) -> bool:
    if is_relation(rel):
        return rel[column].type().is_boolean()
    s = rel[column]
    return pd.api.types.is_bool_dtype(s) or str(s.dtype) == "boolean"


def is_time(rel, column: str) -> bool:
    if is_relation(rel):
        t = rel[column].type()
        return t.is_timestamp() or t.is_date()
    return pd.api.types.is_datetime64_any_dtype(rel[column])


def filled_columns(rel, columns) -> set:
    """The ``columns`` of ``rel`` present with at least one value (one aggregate query)."""
    present = [c for c in dict.fromkeys(columns) if c in rel.columns]
    if not present:
        return set()
    got = execute(rel.aggregate(**{f"c{i}": rel[c].count() for i, c in enumerate(present)})).iloc[0]
    return {c for i, c in enumerate(present) if int(got[f"c{i}"] or 0) > 0}


def row_count(rel) -> int:
    return int(execute(rel.count()))


def unit_sums(rel, column: str, where: str = "metric") -> pd.DataFrame:
    """Per unit (``unit_id``) of the rows ``rel``: ``num`` = Σx, ``den`` = number of values, ``sq`` = Σx², ``lo``
    and ``hi`` (smallest and largest value) of the column as numbers (:func:`numeric`); units whose values are
    all missing have ``den`` 0. At most one row per unit."""
    t = rel.select(unit_id=rel.unit_id, x=numeric(rel[column], where))
    agg = t.group_by("unit_id").aggregate(num=t.x.sum(), den=t.x.count(), sq=(t.x * t.x).sum(), lo=t.x.min(),
                                          hi=t.x.max())
    out = execute(agg)
    out["den"] = out["den"].astype(float)
    return out


def event_flags(rel, column: str, *, units: pd.DataFrame | None = None, end=None) -> pd.DataFrame:
    """Per unit of the rows ``rel``: ``num`` = 1 when it had the event, else 0 — a yes/no or number column
    above 0, or a date column (``units``: the units' ``assigned_at``) inside the unit's window from its
    assignment to the end of day ``end``. At most one row per unit."""
    import ibis

    col = rel[column]
    if is_time(rel, column):
        starts = units_table(units, ["unit_id", "assigned_at"], {"unit_id": "_unit", "assigned_at": "_start"})
        j = rel.select("unit_id", column).join(starts, rel.unit_id == starts._unit)
        stop = ibis.literal((pd.Timestamp(end).normalize() + pd.Timedelta(days=1)).to_pydatetime())
        hit = (j[column] >= j._start) & (j[column] < stop)
        t = j.select(unit_id=j.unit_id, hit=ibis.ifelse(hit.fill_null(False), 1, 0))
    else:
        x = numeric(col)
        t = rel.select(unit_id=rel.unit_id, hit=ibis.ifelse((x > 0).fill_null(False), 1, 0))
    out = execute(t.group_by("unit_id").aggregate(num=t.hit.max()))
    out["num"] = out["num"].astype(float)
    return out


def unit_score_counts(rel, column: str) -> pd.DataFrame:
    """Answers per unit and score (``unit_id``, ``score``, ``n``) of the rows ``rel``, missing scores left out:
    at most one row per unit and distinct score."""
    t = rel.select(unit_id=rel.unit_id, score=numeric(rel[column]))
    t = t.filter(t.score.notnull())
    out = execute(t.group_by(["unit_id", "score"]).aggregate(n=t.count()))
    out["n"] = out["n"].astype("int64")
    return out
