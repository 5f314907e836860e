"""Where the feedback_sentiment report meets the engine (:mod:`csm.engine`): the aggregates its tables are made
of, computed on the scored relation (:func:`csm.sentiment.inputs.scored_relation`), and the bounded, stated sample
of texts for the aspects and quotes. Only these aggregates and the sample reach pandas; the statistics are then
computed from counts by :mod:`csm.sentiment.summaries` (``*_from_counts``), as they are from rows.

Portable spellings (DuckDB, PySpark, PostgreSQL): conditional counts as sums of ``ifelse(…, 1, 0)``; windows as
half-open ``start <= t < end`` against timestamp literals; months by ``truncate("M")``; Spearman's ρ exactly, from
the average ranks (ties share their mean rank) built by a cumulative sum over the distinct polarities per language
and the ratings' few values; results sorted in pandas, never taken in the engine's row order.
"""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from csm.engine import execute

__all__ = ["within", "materialise", "drop", "label_counts", "level_counts", "overview", "period_counts",
           "validity_cube", "spearman_sums", "distinct_values"]

_names = itertools.count()


def _ts(value):
    import ibis

    return ibis.literal(pd.Timestamp(value).to_pydatetime())


def within(t, period):
    """``period.start <= t < period.end`` (:meth:`csm.periods.Period.contains`; a missing time is outside)."""
    return (t >= _ts(period.start)) & (t < _ts(period.end))


def _n(condition):
    import ibis

    return ibis.ifelse(condition, 1, 0).sum()


def _int(value) -> int:
    return 0 if value is None or pd.isna(value) else int(value)


def materialise(rel, columns):
    """The ``columns`` of ``rel`` as a temporary table of its engine (the scored texts are read by many
    aggregates; the texts' hashes and the join with the scores are computed once)."""
    import ibis

    from csm.sentiment.batch import _temp_table

    name = f"csm_sentiment_rows_{next(_names)}"
    return _temp_table(ibis.get_backend(rel), name, rel.select(*columns)), name


def drop(table, name: str) -> None:
    """Drop a table made by :func:`materialise` (DuckDB; Spark's cached view ends with the session)."""
    import ibis

    backend = ibis.get_backend(table)
    if backend.name == "duckdb":
        try:
            backend.con.execute(f'DROP TABLE IF EXISTS "{name}"')
        except Exception:   # already gone
            pass


def _metrics(t) -> dict:
    return {"n": t.count(), "negative": _n(t.label == "negative"), "neutral": _n(t.label == "neutral"),
            "positive": _n(t.label == "positive"), "polarity_mean": t.polarity.mean(),
            "polarity_sd": t.polarity.std(how="sample")}


def label_counts(t, by=(), where=None) -> pd.DataFrame:
    """Per combination of the ``by`` columns (missing values form their own group): the labelled texts ``n``, per
    label, and their polarity's mean and sample standard deviation — what
    :func:`csm.sentiment.summaries.sentiment_from_counts` reads."""
    by = [by] if isinstance(by, str) else list(by)
    t = t.filter(t.label.notnull())
    if where is not None:
        t = t.filter(where(t))
    out = execute(t.group_by(by).aggregate(**_metrics(t)) if by else t.aggregate(**_metrics(t)))
    for c in ("n", "negative", "neutral", "positive"):
        out[c] = out[c].fillna(0).astype("int64")
    return out


def level_counts(t, column: str, where=None) -> pd.DataFrame:
    """Texts (labelled or not) per non-missing level of ``column``: ``column``, ``count``."""
    if where is not None:
        t = t.filter(where(t))
    t = t.filter(t[column].notnull())
    out = execute(t.group_by(column).aggregate(count=t.count()))
    out["count"] = out["count"].astype("int64")
    return out


def overview(t, when: str, latest) -> dict:
    """One pass: rows, labelled texts, first/last time of all rows and of the labelled ones, the labelled texts
    in the period ``latest`` and the last labelled text before it."""
    lab = t.label.notnull()
    row = execute(t.aggregate(rows=t.count(), labelled=_n(lab), first=t[when].min(), last=t[when].max(),
                              first_text=t[when].min(where=lab), last_text=t[when].max(where=lab),
                              in_latest=_n(lab & within(t[when], latest)),
                              before_latest=t[when].max(where=lab & (t[when] < _ts(latest.start))))).iloc[0]
    out = {k: row[k] for k in row.index}
    for k in ("rows", "labelled", "in_latest"):
        out[k] = _int(out[k])
    for k in ("first", "last", "first_text", "last_text", "before_latest"):
        out[k] = pd.Timestamp(out[k]) if pd.notna(out[k]) else pd.NaT
    return out


def period_counts(t, when: str, periods: dict) -> dict:
    """{name: (negative, labelled texts, all rows)} of each period (None: skipped), in one aggregate."""
    lab = t.label.notnull()
    metrics = {}
    for i, (name, period) in enumerate(periods.items()):
        if period is None:
            continue
        inside = within(t[when], period)
        metrics[f"k{i}"] = _n(lab & inside & (t.label == "negative"))
        metrics[f"n{i}"] = _n(lab & inside)
        metrics[f"r{i}"] = _n(inside)
    row = execute(t.aggregate(**metrics)).iloc[0] if metrics else {}
    return {name: (_int(row[f"k{i}"]), _int(row[f"n{i}"]), _int(row[f"r{i}"])) if period is not None else None
            for i, (name, period) in enumerate(periods.items())}


def distinct_values(t, column: str, where=None) -> list:
    """The distinct non-missing values of ``column`` (of the rows ``where`` selects), sorted."""
    if where is not None:
        t = t.filter(where(t))
    values = execute(t.filter(t[column].notnull()).select(column).distinct())[column]
    return sorted(values.tolist())


def _bin(polarity, edges):
    import ibis

    a = polarity.abs()
    cases = [(a < float(edge), i) for i, edge in enumerate(edges[1:-1])]
    return ibis.cases(*cases, else_=len(edges) - 2)


def validity_cube(t, when: str, ratings: list[str], edges) -> pd.DataFrame:
    """The en/zh texts counted per ``language``, ``label``, polarity sign ``psign``, |polarity| bin ``pbin``
    (of ``edges``) and the ``ratings``' values, with the first and last text time of each cell (what
    :func:`csm.sentiment.summaries.validity_from_counts` reads)."""
    import ibis

    known = t.filter(t.language.isin(["en", "zh"]))
    p = known.polarity
    known = known.mutate(psign=ibis.cases((p > 0, 1), (p < 0, -1), (p == 0, 0), else_=ibis.null().cast("int64")),
                         pbin=ibis.ifelse(p.isnull(), ibis.null().cast("int64"), _bin(p, edges)))
    keys = ["language", "label", "psign", "pbin", *ratings]
    out = execute(known.group_by(keys).aggregate(count=known.count(), first=known[when].min(),
                                                 last=known[when].max()))
    out["count"] = out["count"].astype("int64")
    for c in ("first", "last"):
        out[c] = pd.to_datetime(out[c])
    return out


def _average_ranks(values: pd.Series, counts: pd.Series) -> pd.Series:
    """Average rank (1-based, ties sharing their mean) of each distinct value with ``counts`` rows."""
    order = np.argsort(values.to_numpy(dtype=float), kind="stable")
    c = counts.to_numpy(dtype=np.int64)[order]
    before = np.concatenate([[0], np.cumsum(c)[:-1]])
    ranks = np.empty(len(c), dtype=float)
    ranks[order] = before + (c + 1) / 2
    return pd.Series(ranks, index=values.index)


def spearman_sums(t, rating: str, cube: pd.DataFrame) -> dict:
    """{language: (n, Sxx, Syy, Sxy)}: the centred sums of squares and products of the average ranks of polarity
    (x) and ``rating`` (y) over the labelled en/zh texts with the rating, exactly: the ratings' ranks from the
    ``cube``'s counts, the polarities' from a cumulative count over their distinct values in the engine."""
    import ibis

    labelled = cube[cube["label"].notna() & cube[rating].notna()]
    y = labelled.groupby(["language", rating], as_index=False)["count"].sum()
    out, cases, means = {}, [], []
    for language, g in y.groupby("language", sort=True):
        n = int(g["count"].sum())
        m = (n + 1) / 2
        ry = _average_ranks(g[rating], g["count"])
        syy = float((g["count"].to_numpy(dtype=float) * (ry.to_numpy() - m) ** 2).sum())
        out[language] = [n, np.nan, syy, np.nan]
        means.append((language, m))
        cases += [(language, float(v), float(r)) for v, r in zip(g[rating], ry)]
    if not out:
        return {}
    rows = t.filter(t.label.notnull() & t.language.isin(list(out)) & t[rating].notnull())
    rows = rows.mutate(_ry=ibis.cases(*[((rows.language == language) & (rows[rating] == v), r)
                                        for language, v, r in cases], else_=ibis.null().cast("float64")))
    per = rows.group_by(["language", "polarity"]).aggregate(_np=rows.count(), _sy=rows._ry.sum())
    w = ibis.cumulative_window(group_by=per.language, order_by=per.polarity)
    per = per.mutate(_rx=per._np.sum().over(w).cast("float64") - (per._np.cast("float64") - 1) / 2)
    m = ibis.cases(*[(per.language == language, mean) for language, mean in means],
                   else_=ibis.null().cast("float64"))
    d = per._rx - m
    sums = execute(per.group_by("language").aggregate(sxx=(per._np.cast("float64") * d * d).sum(),
                                                      sxy=(d * (per._sy - per._np.cast("float64") * m)).sum()))
    for r in sums.itertuples():
        out[r.language][1], out[r.language][3] = float(r.sxx), float(r.sxy)
    return {k: tuple(v) for k, v in out.items()}
