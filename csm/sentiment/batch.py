"""Sentiment scoring fed by the engine, cached by text hash.

:func:`score_relation` adds :func:`csm.sentiment.score`'s columns to a relation (an Ibis table on DuckDB, Spark …):

1. in the engine: the distinct non-null texts of the column and their SHA-256 (``hexdigest("sha256")``: DuckDB
   ``sha256``, Spark ``sha2``), anti-joined with the persistent cache (:class:`csm.sentiment.cache.ScoreCache`);
2. only those texts are scored by :func:`csm.sentiment.score`, and the scores (never the texts) written to a new
   cache segment (or kept in the engine without a cache):

   - DuckDB (in process): the texts are streamed from the engine in Arrow batches of ``batch_size`` and scored
     here (``n_jobs`` worker processes for large batches);
   - Spark: in the executors, by ``mapInPandas`` over partitions of about ``batch_size`` texts (each task scores
     its partition in one process; Spark runs the tasks in parallel). The texts never reach the driver; the
     scores do only to be written to the cache, a partition at a time. The workers' Python must have csm
     installed (local mode and a Spark Connect server started from this environment do);
3. in the engine: the scores of the data's texts are joined back on the hash, the label derived from the polarity
   by the thresholds.

:func:`score_texts` is the same for a pandas Series: a frame exactly equal to ``score(texts)`` (same index, dtypes
and floats: the cache stores float64 scores, a round trip changes no bit).

What reaches this process: on DuckDB, the texts to score (new distinct texts only, ``batch_size`` at a time); on
Spark, the new texts' scores when there is a cache (none without); and, for
:func:`score_texts`, the per-row scores of the Series (already in memory as texts). The result of
:func:`score_relation` stays lazy.
"""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from csm.engine import execute
from csm.errors import DataError, ParameterError
from csm.sentiment.cache import HASH, ScoreCache, _schema
import csm.sentiment.score  # noqa: F401  (the module; the package's ``score`` is the function)
import sys
_score_module = sys.modules["csm.sentiment.score"]
from csm.text import LANGUAGES

__all__ = ["SCORE_COLUMNS", "BATCH_SIZE", "score_relation", "score_texts", "open_cache", "score_partition"]

#: the columns :func:`score_relation` adds (those of :func:`csm.sentiment.score`, and the text hash)
SCORE_COLUMNS = ("text_hash", "language", "polarity", "subjectivity", "label", "sentiment_words", "truncated")
#: distinct texts fetched from the engine and scored per batch
BATCH_SIZE = 100_000

_names = itertools.count()


def _scorer(texts, **options) -> pd.DataFrame:
    """The scorer the batches go through (:func:`csm.sentiment.score`; one place to count what is scored)."""
    return _score_module.score(texts, **options)


def open_cache(cache_dir, *, method: str = "vader", max_chars: int = 5000) -> ScoreCache | None:
    """The :class:`ScoreCache` of this scorer in ``cache_dir`` (None: no persistent cache)."""
    if cache_dir is None or isinstance(cache_dir, ScoreCache):
        return cache_dir
    return ScoreCache(cache_dir, method=method, max_chars=max_chars)


def _scores_batch(hashes, texts, *, method: str, max_chars: int, n_jobs):
    """Score one batch of distinct texts: an Arrow batch in the cache's schema (NaN polarity stored as null)."""
    import pyarrow as pa
    scored = _scorer(pd.Series(texts, dtype=object), method=method, max_chars=max_chars,
                                 chunk_size=max(1, len(texts)), n_jobs=n_jobs)
    pol = scored["polarity"].to_numpy(dtype=float)
    sub = scored["subjectivity"].to_numpy(dtype=float)
    return pa.RecordBatch.from_arrays([
        pa.array(hashes, type=pa.string()),
        pa.array(scored["language"].astype(object).to_numpy(), type=pa.string()),
        pa.array(pol, mask=np.isnan(pol)),
        pa.array(sub, mask=np.isnan(sub)),
        pa.array(scored["sentiment_words"].to_numpy(dtype=np.int64)),
        pa.array(scored["truncated"].to_numpy(dtype=bool)),
    ], schema=_schema())


#: the cache's columns as a Spark schema (the output of the executors' scoring)
_SPARK_TYPES = {"string": "string", "float64": "double", "int64": "bigint", "bool": "boolean"}


def score_partition(frames, *, method: str, max_chars: int):
    """Spark ``mapInPandas`` function: each pandas batch of (text_hash, text) of a partition scored, as the cache's
    columns. Runs in Spark's Python workers (so by reference: this module is imported there)."""
    for frame in frames:
        if not len(frame):
            continue
        scored = _score_module.score(frame["text"].astype(object), method=method, max_chars=max_chars,
                                     chunk_size=len(frame), n_jobs=1)
        yield pd.DataFrame({  # a NaN polarity reaches Spark as null, as the cache stores it
            "text_hash": frame["text_hash"].to_numpy(dtype=object),
            "language": scored["language"].astype(object).to_numpy(),
            "polarity": scored["polarity"].to_numpy(dtype=float),
            "subjectivity": scored["subjectivity"].to_numpy(dtype=float),
            "sentiment_words": scored["sentiment_words"].to_numpy(dtype=np.int64),
            "truncated": scored["truncated"].to_numpy(dtype=bool)})


def _spark_worker_failure(exc: Exception) -> Exception:
    """An executor's failure while scoring, made specific when its Python cannot import csm."""
    text = str(exc)
    if "No module named 'csm'" in text or 'No module named "csm"' in text:
        return DataError("sentiment on Spark scores the texts in Spark's Python workers, and they cannot import "
                         "csm: install csm into the Python the workers run (PYSPARK_PYTHON on a cluster; the "
                         "server's Python for Spark Connect), with pip install and the path of this checkout or its wheel")
    return exc


def _spark_scored(backend, missing, total: int, *, method: str, max_chars: int, batch_size: int):
    """Spark: the texts of ``missing`` (text_hash, text) scored in the executors, a lazy Spark DataFrame of the
    cache's columns (about ``batch_size`` texts per partition, at least as many partitions as Spark shuffles
    into, so every core scores)."""
    import functools
    import math
    session = backend._session
    frame = session.sql(str(backend.compile(missing)))
    try:
        cores = int(session.conf.get("spark.sql.shuffle.partitions"))
    except Exception:
        cores = 1
    frame = frame.repartition(max(cores, math.ceil(total / batch_size), 1), "text_hash")
    schema = ", ".join(f"{c} {_SPARK_TYPES[t]}" for c, t in _schema_items())
    return frame.mapInPandas(functools.partial(score_partition, method=method, max_chars=max_chars), schema=schema)


def _spark_batches(frame, size: int):
    """Arrow batches (the cache's schema) of a Spark DataFrame's rows, fetched a partition at a time."""
    import pyarrow as pa
    names = [c for c, _ in _schema_items()]
    rows = []
    for row in frame.toLocalIterator():
        rows.append(tuple(row))
        if len(rows) >= size:
            yield pa.RecordBatch.from_pylist([dict(zip(names, r)) for r in rows], schema=_schema())
            rows = []
    if rows:
        yield pa.RecordBatch.from_pylist([dict(zip(names, r)) for r in rows], schema=_schema())


def _cached_scores(backend, cache: ScoreCache, paths, temp: list | None = None):
    """The cache's segments as a relation of distinct hashes (DuckDB reads the files; another engine gets them
    uploaded: hashes and scores only)."""
    if backend.name == "duckdb":
        view = f"csm_sentiment_cache_{next(_names)}"
        table = backend.read_parquet([str(p) for p in paths], table_name=view)
        if temp is not None:
            temp.append(view)
    else:
        import pyarrow.parquet as pq
        import pyarrow as pa
        view = f"csm_sentiment_cache_{next(_names)}"
        table = _temp_table(backend, view, pa.concat_tables([pq.read_table(p, schema=_schema()) for p in paths]))
        if temp is not None:
            temp.append(view)
    return table.group_by("text_hash").agg(**{c: table[c].arbitrary() for c, _ in _schema_items()[1:]})


def _schema_items():
    from csm.sentiment.cache import CACHE_COLUMNS
    return CACHE_COLUMNS


def _batches(backend, expr, size: int):
    """Arrow record batches of ``expr``'s rows. DuckDB directly through its cursor (ibis 12's
    ``to_pyarrow_batches`` calls ``fetch_record_batch``, which duckdb 2 no longer has)."""
    if backend.name == "duckdb":
        relation = backend.con.sql(backend.compile(expr))
        yield from (relation.to_arrow_reader(size) if hasattr(relation, "to_arrow_reader")
                    else relation.fetch_arrow_reader(size))
    else:
        yield from expr.to_pyarrow_batches(chunk_size=size)


def _label(polarity, thresholds):
    import ibis
    lo, hi = _score_module._check_thresholds(thresholds)
    return ibis.cases((polarity.isnull(), ibis.null().cast("string")), (polarity < lo, "negative"),
                      (polarity > hi, "positive"), else_="neutral")


class _CacheReadError(Exception):
    """The engine failed while reading the cache's segments."""


def _temp_table(backend, name: str, obj):
    """``obj`` (an Arrow table or an Ibis expression) materialised as the temporary table ``name`` of the engine.
    PySpark (whose Ibis backend has no temporary tables): a cached DataFrame behind a temporary view."""
    import pyarrow as pa
    if backend.name != "pyspark":
        return backend.create_table(name, obj, temp=True, overwrite=True)
    session = backend._session
    if isinstance(obj, pa.Table):
        import pyspark
        if int(pyspark.__version__.split(".")[0]) >= 4:
            frame = session.createDataFrame(obj)
        else:   # pyspark 3.5: from pandas, with the schema spelled out (an empty table has no rows to infer from)
            import ibis
            from ibis.backends.pyspark.datatypes import PySparkSchema
            schema = PySparkSchema.from_ibis(ibis.memtable(obj).schema())
            frame = session.createDataFrame(obj.to_pandas(), schema=schema, verifySchema=False)
    else:
        frame = session.sql(str(backend.compile(obj)))
    frame = frame.cache()
    frame.createOrReplaceTempView(name)
    return backend.table(name)


def _count(expr, reads_cache: bool) -> int:
    """``expr``'s rows, an engine failure turned into :class:`_CacheReadError` when it reads cache segments."""
    try:
        return int(execute(expr.count()))
    except Exception as exc:
        if reads_cache:
            raise _CacheReadError(str(exc)) from exc
        raise


def _guarded(batches, reads_cache: bool, spark: bool = False):
    """``batches``, with an engine failure while they are read turned into :class:`_CacheReadError` when the query
    reads cache segments, or (Spark, whose executors score) into the specific message when the workers lack csm."""
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except Exception as exc:
            specific = _spark_worker_failure(exc) if spark else exc
            if specific is not exc:
                raise specific from exc
            if reads_cache:
                raise _CacheReadError(str(exc)) from exc
            raise
        yield batch


def _score_missing(backend, keyed, cache, name, *, method, max_chars, n_jobs, batch_size, progress, temp):
    """Score the texts of ``keyed`` (text, text_hash) that the cache lacks; returns the scores of all of ``keyed``'s
    texts as a temporary table of the engine (materialised, so that later merges of segments cannot disturb it) and
    the number of texts scored."""
    old = cache.segments() if cache is not None else []
    cached = _cached_scores(backend, cache, old, temp) if old else None
    missing = keyed.anti_join(cached, "text_hash") if cached is not None else keyed
    missing = missing.select("text_hash", "text")
    spark = backend.name == "pyspark"
    if spark and cache is None:   # the executors score; the scores stay in Spark
        total = _count(missing, bool(old))
        scored = _spark_scored(backend, missing, total, method=method, max_chars=max_chars, batch_size=batch_size)
        scored = scored.cache()
        scored.createOrReplaceTempView(name)
        try:
            done = scored.count()
        except Exception as exc:
            raise _spark_worker_failure(exc) from exc
        if progress:
            progress(done, total)
        return backend.table(name), done
    writer = cache.writer() if cache is not None else None
    fresh, done = [], 0
    try:
        total = _count(missing, bool(old)) if (progress or spark) else None
        if spark:
            scored = _spark_scored(backend, missing, total, method=method, max_chars=max_chars,
                                   batch_size=batch_size)
            parts = _guarded(_spark_batches(scored, batch_size), bool(old), spark=True)
        else:   # scored here, between two reads (the scorer's own errors unchanged)
            parts = (_scores_batch(b.column(0).to_pylist(), b.column(1).to_pylist(), method=method,
                                   max_chars=max_chars, n_jobs=n_jobs)
                     for b in _guarded(_batches(backend, missing, batch_size), bool(old)) if b.num_rows)
        for part in parts:
            done += part.num_rows
            if writer is not None:
                writer.write_batch(part)
            else:
                fresh.append(part)
            if progress:
                progress(done, total)
        new_segment = writer.close() if writer is not None else None
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    if cache is None:
        import pyarrow as pa
        return _temp_table(backend, name, pa.Table.from_batches(fresh, schema=_schema())), done
    paths = old + ([new_segment] if new_segment else [])
    if not paths:
        return _temp_table(backend, name, _schema().empty_table()), done
    scores_all = _cached_scores(backend, cache, paths, temp)
    try:
        return _temp_table(backend, name, scores_all.semi_join(keyed, "text_hash")), done
    except Exception as exc:
        raise _CacheReadError(str(exc)) from exc


def score_relation(rel, column: str, *, cache_dir=None, method: str = "vader", max_chars: int = 5000,
                   thresholds: dict | None = None, batch_size: int = BATCH_SIZE, n_jobs: int | None = None,
                   progress=None, stats: dict | None = None, _temp: list | None = None):
    """``rel`` (an Ibis table) with the sentiment of its text column ``column`` added: :data:`SCORE_COLUMNS`
    (as :func:`csm.sentiment.score` defines them; a missing text has language ``none``, null scores and label).

    ``cache_dir``: None (no persistent cache: every distinct text is scored) or the cache folder (see
    :mod:`csm.sentiment.cache`): only texts whose hash is not in it are scored, and their scores are added to it.
    ``stats``: a dict that receives ``scored`` (texts passed to the scorer), ``cached`` (distinct texts found in the
    cache; counted only with a cache) and ``corrupt`` (segments rebuilt). ``progress(done, total)``: after each
    batch (``total`` is the number of texts to score)."""
    import ibis
    import ibis.expr.types as ir
    if not isinstance(rel, ir.Table):
        raise TypeError(f"score_relation needs an Ibis table; got {type(rel).__name__} (see score_texts)")
    if column not in rel.columns:
        raise DataError(f"score_relation: no column {column!r} (columns: {', '.join(rel.columns)})")
    clash = [c for c in SCORE_COLUMNS if c in rel.columns]
    if clash:
        raise DataError(f"score_relation: the relation already has column(s) {clash}; rename them first")
    if batch_size < 1:
        raise ParameterError(f"batch_size must be positive; got {batch_size}")
    _score_module._check_thresholds(thresholds)
    if method not in _score_module.METHODS:
        raise ParameterError(f"method must be one of {list(_score_module.METHODS)}; got {method!r}")
    cache = open_cache(cache_dir, method=method, max_chars=max_chars)
    backend = ibis.get_backend(rel)
    text = rel[column].cast("string")
    distinct = rel.select(text=text).filter(ibis._.text.notnull()).distinct()
    keyed = distinct.mutate(text_hash=distinct.text.hexdigest(HASH))
    name = f"csm_sentiment_scores_{next(_names)}"
    temp = _temp if _temp is not None else []
    temp.append(name)
    try:
        scores, done = _score_missing(backend, keyed, cache, name, method=method, max_chars=max_chars,
                                      n_jobs=n_jobs, batch_size=batch_size, progress=progress, temp=temp)
    except _CacheReadError:
        # a segment with a sound footer but a damaged page: check every page, set the bad ones aside, once more
        cache.segments(full=True)
        scores, done = _score_missing(backend, keyed, cache, name, method=method, max_chars=max_chars,
                                      n_jobs=n_jobs, batch_size=batch_size, progress=progress, temp=temp)
    if cache is not None:
        cache.stats["scored"] = done
        if stats is not None:
            stats["cached"] = int(execute(scores.count())) - done
        try:
            cache.compact()
        except Exception:   # a full disk, a concurrent merge …: the cache still works unmerged
            pass
    if stats is not None:
        stats["scored"] = done
        stats["corrupt"] = list(cache.stats["corrupt"]) if cache is not None else []
    keyed_rel = rel.mutate(text_hash=text.hexdigest(HASH))
    s = scores.rename({f"_score_{c}": c for c, _ in _schema_items()})
    joined = keyed_rel.left_join(s, keyed_rel.text_hash == s._score_text_hash)
    polarity = joined._score_polarity
    return joined.select(
        *rel.columns, text_hash=joined.text_hash,
        language=ibis.coalesce(joined._score_language, ibis.literal("none")),
        polarity=polarity, subjectivity=joined._score_subjectivity, label=_label(polarity, thresholds),
        sentiment_words=ibis.coalesce(joined._score_sentiment_words, ibis.literal(0, "int64")),
        truncated=ibis.coalesce(joined._score_truncated, ibis.literal(False)))


def _drop(rel, temp: list) -> None:
    """Drop the temporary tables and views of one score_texts call, and the registered frame (DuckDB keeps a
    reference to it otherwise)."""
    import ibis
    backend = ibis.get_backend(rel)
    if backend.name != "duckdb":
        return
    raw = backend.con
    for name in temp:
        for kind in ("TABLE", "VIEW"):
            try:
                raw.execute(f'DROP {kind} IF EXISTS "{name}"')
            except Exception:   # the other kind of object under that name
                pass
    try:
        raw.unregister(rel.get_name())
    except Exception:
        pass


def score_texts(texts, *, cache_dir=None, thresholds: dict | None = None, max_chars: int = 5000,
                method: str = "vader", n_jobs: int | None = None, batch_size: int = BATCH_SIZE, progress=None,
                stats: dict | None = None, engine=None) -> pd.DataFrame:
    """:func:`csm.sentiment.score` of ``texts`` through the engine and the cache: the same frame, bit for bit.

    Without ``cache_dir`` this is ``score(texts, …)`` itself (the texts are in memory already; the engine adds
    nothing). With it, the texts are registered with the engine (no copy on DuckDB) and go through
    :func:`score_relation`; the per-row scores come back in the Series' order."""
    series = _score_module.as_texts(texts)
    if cache_dir is None:
        if stats is not None:
            stats.update(scored=None, cached=0, corrupt=[])
        return _score_module.score(series, thresholds=thresholds, max_chars=max_chars, method=method,
                                   n_jobs=n_jobs, progress=progress)
    from csm.engine import as_relation
    lo_hi = _score_module._check_thresholds(thresholds)
    values = series.to_numpy(dtype=object)
    is_text = np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=len(values))
    n = len(series)
    if not is_text.any():
        return _score_module.score(series, thresholds=thresholds, max_chars=max_chars, method=method, n_jobs=1)
    frame = pd.DataFrame({"_row": np.arange(n, dtype=np.int64),
                          "text": pd.array(np.where(is_text, values, None), dtype=object)})
    rel = as_relation(frame, engine)
    temp: list = []
    try:
        out = score_relation(rel, "text", cache_dir=cache_dir, method=method, max_chars=max_chars,
                             thresholds=thresholds, batch_size=batch_size, n_jobs=n_jobs, progress=progress,
                             stats=stats, _temp=temp)
        res = out.select("_row", "language", "polarity", "subjectivity", "sentiment_words", "truncated") \
            .order_by("_row").to_pyarrow()
    finally:
        _drop(rel, temp)
    if res.num_rows != n:   # pragma: no cover - a duplicate in the cache would show here
        raise DataError(f"sentiment cache: {res.num_rows} scored rows for {n} texts; delete the folder {cache_dir}")
    index = series.index
    lang = pd.Categorical(res.column("language").to_pylist(), categories=LANGUAGES)
    polarity = res.column("polarity").to_numpy(zero_copy_only=False).astype(float)
    subjectivity = res.column("subjectivity").to_numpy(zero_copy_only=False).astype(float)
    str_codes = _score_module._str_from_codes
    return pd.DataFrame({
        "language": str_codes(lang.codes.astype(np.int8), LANGUAGES, index, "language"),
        "polarity": pd.Series(polarity, index=index, copy=False),
        "subjectivity": pd.Series(subjectivity, index=index, copy=False),
        "label": str_codes(_score_module._label_codes(polarity, *lo_hi), _score_module.LABELS, index, "label"),
        "sentiment_words": pd.Series(res.column("sentiment_words").to_numpy().astype(np.int64), index=index,
                                     copy=False),
        "truncated": pd.Series(res.column("truncated").to_numpy(zero_copy_only=False).astype(bool), index=index,
                               copy=False),
    }, copy=False)
