"""The sentiment scorers' caches: bounded in-memory caches of the scorers (word tokens, token sequences, sentences,
Chinese clauses: :func:`keep`) and the persistent score cache by text hash (:class:`ScoreCache`), so that a monthly
report does not rescore last year's comments.

The persistent cache
--------------------
A folder (the ``sentiment_cache_dir`` parameter of the feedback_sentiment report) holding one sub-folder per
**scorer identity** (:func:`scorer_identity`: the English method, ``max_chars`` and a SHA-256 digest of everything
a score depends on — the scorers' code, language detection and segmentation code, the word lists and model
weights, the versions of VADER, TextBlob, jieba and cnsenti, Python and the machine), and in it Parquet
*segments* of rows::

    text_hash (64 hex digits: SHA-256 of the UTF-8 text), language, polarity, subjectivity, sentiment_words, truncated

- **Key**: (text hash, scorer identity). A changed scorer (any of its files or versions) has another identity and
  so another folder: it never reads the old scores. Language is a column, not part of the key: it is a function of
  the text and of the detection code, which is in the identity. Labels are not stored (they depend on the report's
  thresholds and are derived from the polarity).
- **Hash**: SHA-256 of the UTF-8 bytes, as lower-case hex. The same function exists in DuckDB (``sha256``), Spark
  (``sha2(x, 256)``) and Python (``hashlib``), so the engine computes it where the texts are; it is stable across
  versions and machines (DuckDB's ``hash`` is not; xxhash is in neither DuckDB nor as the same variant in Spark);
  at 2^-128 the chance that two of a billion texts share a hash is nil (MD5 and SHA-1 have known collisions).
- **No raw text** is ever written: only hashes and scores (texts are personal data). A hash of a short text can be
  found by trying candidate texts, so treat the folder as internal data all the same.
- **Concurrent runs**: a run never changes a segment; it writes its new scores to a hidden temporary file in the
  same folder and renames it (atomic on POSIX) to ``part-….parquet``; readers list only complete segments. Two runs
  that score the same new text both store it; duplicates are dropped when read. Past :data:`COMPACT_AT` segments a
  run merges them into one (written and renamed the same way, then the merged ones removed).
- **Damaged segments** (not Parquet, truncated, another schema or another scorer's identity in the file) are
  *rebuilt*: the segment is renamed ``….parquet.corrupt`` (kept for inspection, never read again), its texts are
  scored again like new ones, and :attr:`ScoreCache.stats` lists it under ``"corrupt"``. Results are the same
  either way; only time is lost.
"""
from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.resources
import json
import os
import platform
import sys
import uuid
from pathlib import Path

from csm.errors import DataError, ParameterError

__all__ = ["CACHE_LIMIT", "keep", "HASH", "text_hash", "scorer_identity", "ScoreCache", "COMPACT_AT",
           "CACHE_COLUMNS", "SegmentWriter"]

CACHE_LIMIT = 50_000   # entries per cache


def keep(cache: dict, key, value) -> None:
    """Store ``value`` under ``key`` in one of the scorers' bounded caches (emptied once it passes
    :data:`CACHE_LIMIT` entries, so memory stays bounded on long runs)."""
    if len(cache) > CACHE_LIMIT:
        cache.clear()
    cache[key] = value


# ---------------------------------------------------------------------------------------------
# The persistent cache by text hash

#: the text hash (Ibis ``hexdigest(HASH)``; DuckDB ``sha256``, Spark ``sha2(…, 256)``)
HASH = "sha256"
#: segments in a scorer's folder past which a run merges them into one
COMPACT_AT = 12
#: the columns of a segment, in order, with their Arrow types
CACHE_COLUMNS = (("text_hash", "string"), ("language", "string"), ("polarity", "float64"),
                 ("subjectivity", "float64"), ("sentiment_words", "int64"), ("truncated", "bool"))
_META_KEY = b"csm.sentiment.scorer"
_SEGMENT_GLOB = "part-*.parquet"


def text_hash(text: str) -> str:
    """The cache key of one text in Python (the engine computes the same: SHA-256 of the UTF-8 text, hex)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _package_files(package: str, names) -> list[tuple[str, bytes]]:
    try:
        base = importlib.resources.files(package)
    except ModuleNotFoundError:  # pragma: no cover - install problem, reported by the scorer itself
        return [(f"{package}: missing", b"")]
    out = []
    for name in names:
        try:
            out.append((f"{package}/{name}", (base / name).read_bytes()))
        except (FileNotFoundError, OSError):
            out.append((f"{package}/{name}: missing", b""))
    return out


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "missing"


@functools.lru_cache(maxsize=None)
def scorer_identity(method: str = "vader", max_chars: int = 5000) -> dict:
    """What a score depends on, and its digest: ``{"key": folder name, "method", "max_chars", "digest", "parts"}``.

    The digest is SHA-256 over the bytes of the scorers' code (``csm/sentiment/score.py``, ``english.py``,
    ``chinese.py``), of language detection and segmentation (``csm/text.py``), of the word lists and the Chinese model
    weights (``csm/sentiment_data/*.tsv``), of the English method's lexicon (VADER's lexicon files or TextBlob's
    ``en-sentiment.xml``) and of the versions of vaderSentiment, textblob, jieba and cnsenti, Python (major.minor)
    and the machine type. Any change there gives another key, so stale scores are never read."""
    from csm.sentiment.score import METHODS
    if method not in METHODS:
        raise ParameterError(f"method must be one of {list(METHODS)}; got {method!r}")
    files = _package_files("csm", ["sentiment/score.py", "sentiment/english.py", "sentiment/chinese.py", "text.py",
                                   "sentiment_data/service_en.tsv", "sentiment_data/service_zh.tsv",
                                   "sentiment_data/zh_review_model.tsv"])
    if method == "vader":
        files += _package_files("vaderSentiment", ["vaderSentiment.py", "vader_lexicon.txt", "emoji_utf8_lexicon.txt"])
    else:
        files += _package_files("textblob", ["en/en-sentiment.xml", "en/sentiments.py", "_text.py"])
    versions = {dist: _version(dist) for dist in ("vaderSentiment", "textblob", "jieba", "cnsenti")}
    versions["python"] = "%d.%d" % sys.version_info[:2]
    versions["machine"] = platform.machine()
    digest = hashlib.sha256()
    for part in [f"method={method}", f"max_chars={int(max_chars)}", json.dumps(versions, sort_keys=True)]:
        digest.update(part.encode() + b"\0")
    for name, data in files:
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    digest = digest.hexdigest()
    return {"key": f"{method}-{int(max_chars)}-{digest[:20]}", "method": method, "max_chars": int(max_chars),
            "digest": digest, "versions": versions, "files": [name for name, _ in files]}


def _schema():
    import pyarrow as pa
    return pa.schema([(name, getattr(pa, "bool_" if kind == "bool" else kind)()) for name, kind in CACHE_COLUMNS])


class ScoreCache:
    """The persistent score cache of one scorer identity in ``folder`` (see the module docstring).

    ``segments()`` checks and lists the readable segments; ``writer()`` gives a :class:`SegmentWriter` that stores
    new scores (call ``.close()`` to publish them atomically); ``compact()`` merges segments; ``stats`` counts what a
    run found, scored and rebuilt."""

    def __init__(self, folder, *, method: str = "vader", max_chars: int = 5000):
        if not isinstance(folder, (str, os.PathLike)) or not str(folder).strip():
            raise ParameterError(f"sentiment_cache_dir must be a folder path or None; got {folder!r}")
        self.root = Path(folder).expanduser()
        self.identity = scorer_identity(method, max_chars)
        self.folder = self.root / self.identity["key"]
        self.stats = {"cached": 0, "scored": 0, "corrupt": []}

    def __repr__(self) -> str:
        return f"ScoreCache({str(self.root)!r}, {self.identity['key']!r})"

    def _ensure(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DataError(f"The sentiment cache folder {self.folder} cannot be created ({exc.strerror or exc}). "
                            "Give a writable folder as sentiment_cache_dir, or None for no cache.") from None
        about = self.folder / "scorer.json"
        if not about.exists():
            tmp = self.folder / f".scorer-{uuid.uuid4().hex}.tmp"
            tmp.write_text(json.dumps(self.identity, indent=1, sort_keys=True), encoding="utf-8")
            os.replace(tmp, about)

    def _quarantine(self, path: Path, reason: str) -> None:
        try:
            os.replace(path, path.with_name(path.name + ".corrupt"))
        except FileNotFoundError:   # another run moved or merged it meanwhile
            return
        self.stats["corrupt"].append({"file": path.name, "reason": reason})

    def check_segment(self, path: Path, *, full: bool = False) -> str | None:
        """Why the segment at ``path`` cannot be used (None when it can): its footer and schema are read, and with
        ``full`` every page."""
        import pyarrow.parquet as pq
        try:
            meta = pq.read_metadata(path)
            schema = meta.schema.to_arrow_schema()
            if not schema.remove_metadata().equals(_schema()):
                return "another schema"
            if (schema.metadata or {}).get(_META_KEY) != self.identity["key"].encode():
                return "another scorer's scores"
            if full:
                pf = pq.ParquetFile(path)
                for batch in pf.iter_batches():
                    del batch
        except FileNotFoundError:
            raise
        except Exception as exc:   # pyarrow raises ArrowInvalid, OSError … for damaged files
            return f"unreadable ({type(exc).__name__})"
        return None

    def segments(self, *, full: bool = False) -> list[Path]:
        """The segments that can be read (damaged ones are quarantined and counted in ``stats``)."""
        if not self.folder.is_dir():
            return []
        good = []
        for path in sorted(self.folder.glob(_SEGMENT_GLOB)):
            try:
                problem = self.check_segment(path, full=full)
            except FileNotFoundError:      # merged by another run meanwhile
                continue
            if problem is None:
                good.append(path)
            else:
                self._quarantine(path, problem)
        return good

    def writer(self) -> "SegmentWriter":
        self._ensure()
        return SegmentWriter(self)

    def compact(self) -> Path | None:
        """Merge the segments into one (duplicates dropped) when there are more than :data:`COMPACT_AT`; returns
        the new segment or None. DuckDB does the merge out of core, streaming into the new segment."""
        parts = self.segments()
        if len(parts) <= COMPACT_AT:
            return None
        import duckdb
        columns = ", ".join(f"arbitrary({name}) AS {name}" for name, _ in CACHE_COLUMNS[1:])
        con = duckdb.connect()
        writer = self.writer()
        try:
            files = "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in parts) + "]"
            relation = con.sql(f"SELECT text_hash, {columns} FROM read_parquet({files}) GROUP BY text_hash")
            reader = (relation.to_arrow_reader(200_000) if hasattr(relation, "to_arrow_reader")
                      else relation.fetch_arrow_reader(200_000))
            for batch in reader:
                writer.write_batch(batch)
            merged = writer.close()
        except BaseException:
            writer.abort()
            raise
        finally:
            con.close()
        for p in parts:
            try:
                p.unlink()
            except FileNotFoundError:   # merged by another run at the same time: its segment holds the rows too
                pass
        return merged


class SegmentWriter:
    """New scores of one run: written to a hidden temporary file, published by :meth:`close` (rename)."""

    def __init__(self, cache: ScoreCache):
        import pyarrow.parquet as pq
        self.cache = cache
        name = f"part-{os.getpid()}-{uuid.uuid4().hex[:16]}.parquet"
        self.path = cache.folder / name
        self.tmp = cache.folder / f".{name}.tmp"
        schema = _schema().with_metadata({_META_KEY: cache.identity["key"].encode()})
        self._writer = pq.ParquetWriter(self.tmp, schema, compression="zstd")
        self.rows = 0

    def write_batch(self, batch) -> None:
        import pyarrow as pa
        if batch.num_rows:
            table = pa.Table.from_batches([batch]) if isinstance(batch, pa.RecordBatch) else batch
            self._writer.write_table(table.cast(self._writer.schema))
            self.rows += batch.num_rows

    def close(self) -> Path | None:
        """Publish the segment (None when it holds no row: nothing is written)."""
        self._writer.close()
        if not self.rows:
            self.tmp.unlink(missing_ok=True)
            return None
        with open(self.tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(self.tmp, self.path)
        return self.path

    def abort(self) -> None:
        try:
            self._writer.close()
        finally:
            self.tmp.unlink(missing_ok=True)
