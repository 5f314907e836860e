"""Sentiment scoring fed by the engine and cached by text hash (csm.sentiment.batch, csm.sentiment.cache).

Reference: csm.sentiment.score itself (the scorer the cache stands in front of), called on the same texts; the hash
reference is Python's hashlib."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from csm import sentiment
from csm.engine import execute
from csm.sentiment import batch, cache
from csm.sentiment.batch import score_relation, score_texts
from csm.sentiment.cache import ScoreCache, scorer_identity

EN = ["The agent was really helpful, thanks.", "Support was slow and rude!!", "Delivery late again, never again.",
      "ok", "The refund took 12 days, not happy.", "Excellent service :)", "I waited 3 hours on the phone line."]
ZH = ["客服很耐心，问题很快解决了", "快递太慢了，等了三天", "质量还行，但是包装破了", "非常满意！", "退款一直不到账，太失望了",
      "骑手态度很差"]
MIXED = ["客服 very helpful", "App 又崩溃了, terrible"]
NO_TEXT = ["", "12345", "!!!", "😀"]


def corpus(n_new: int = 0, seed: int = 0) -> pd.Series:
    """English, Chinese and mixed texts, texts without letters, missing values and repeats; ``n_new`` further
    distinct texts (numbered, so each is new)."""
    rng = np.random.default_rng(seed)
    base = EN + ZH + MIXED + NO_TEXT + [None, np.nan, "x" * 6000]     # one text longer than max_chars
    extra = [f"{EN[i % len(EN)]} order {seed}-{i}" if i % 2 else f"{ZH[i % len(ZH)]}，订单{seed}-{i}"
             for i in range(n_new)]
    texts = base + extra
    picked = [texts[k] for k in rng.integers(0, len(texts), 3 * len(texts))] + texts
    return pd.Series(picked, index=pd.RangeIndex(1000, 1000 + len(picked)) * 2, dtype=object)


def distinct_texts(texts: pd.Series) -> set:
    return {t for t in texts if isinstance(t, str)}


@pytest.fixture
def counted(monkeypatch):
    """The texts passed to the scorer, per call."""
    calls = []
    real = batch._scorer

    def counting(texts, **options):
        calls.append(list(texts))
        return real(texts, **options)

    monkeypatch.setattr(batch, "_scorer", counting)
    return calls


def test_cached_scores_are_bit_identical(tmp_path):
    texts = corpus(40)
    thresholds = {"negative_below": -0.1, "positive_above": 0.3}
    reference = sentiment.score(texts, thresholds=thresholds)
    cold = score_texts(texts, cache_dir=tmp_path, thresholds=thresholds)
    warm = score_texts(texts, cache_dir=tmp_path, thresholds=thresholds)
    pd.testing.assert_frame_equal(cold, reference, check_exact=True)
    pd.testing.assert_frame_equal(warm, reference, check_exact=True)
    # NaN scores (texts without letters) come back as NaN, not as another float
    assert reference["polarity"].isna().sum() == warm["polarity"].isna().sum() > 0
    assert set(reference["language"]) == {"en", "zh", "mixed", "none"}
    # without a cache the function is score() itself
    pd.testing.assert_frame_equal(score_texts(texts, thresholds=thresholds), reference, check_exact=True)


def test_second_run_scores_only_new_texts(tmp_path, counted):
    last_year = corpus(200, seed=1)
    this_month = pd.concat([last_year, corpus(30, seed=2)], ignore_index=True)
    stats = {}
    score_texts(last_year, cache_dir=tmp_path, stats=stats)
    assert sorted(t for call in counted for t in call) == sorted(distinct_texts(last_year))
    assert stats["scored"] == len(distinct_texts(last_year))
    counted.clear()
    result = score_texts(this_month, cache_dir=tmp_path, stats=stats)
    new = distinct_texts(this_month) - distinct_texts(last_year)
    assert len(new) == 30
    assert sorted(t for call in counted for t in call) == sorted(new)          # only the new ones, once each
    assert stats == {"scored": 30, "cached": len(distinct_texts(last_year)), "corrupt": []}
    pd.testing.assert_frame_equal(result, sentiment.score(this_month), check_exact=True)
    counted.clear()
    score_texts(this_month, cache_dir=tmp_path, stats=stats)
    assert counted == [] and stats["scored"] == 0


def test_another_method_or_version_misses(tmp_path, counted, monkeypatch):
    texts = corpus(10)
    n = len(distinct_texts(texts))
    score_texts(texts, cache_dir=tmp_path)
    counted.clear()
    result = score_texts(texts, cache_dir=tmp_path, method="textblob")          # another English method
    assert sum(map(len, counted)) == n
    pd.testing.assert_frame_equal(result, sentiment.score(texts, method="textblob"), check_exact=True)
    counted.clear()
    score_texts(texts, cache_dir=tmp_path, max_chars=100)                        # another truncation
    assert sum(map(len, counted)) == n
    # a new release of VADER (or changed weights: any file or version in the identity) is another scorer
    before = scorer_identity("vader", 5000)["key"]
    scorer_identity.cache_clear()
    real_version = cache._version
    monkeypatch.setattr(cache, "_version", lambda dist: "99.0" if dist == "vaderSentiment" else real_version(dist))
    try:
        assert scorer_identity("vader", 5000)["key"] != before
        counted.clear()
        stats = {}
        score_texts(texts, cache_dir=tmp_path, stats=stats)
        assert sum(map(len, counted)) == n and stats["cached"] == 0
    finally:
        scorer_identity.cache_clear()
    # a changed weights file changes the digest too
    real_files = cache._package_files
    monkeypatch.setattr(cache, "_package_files", lambda package, names: [
        (name, data + b"\n# edited") for name, data in real_files(package, names)])
    try:
        assert scorer_identity("vader", 5000)["key"] != before
    finally:
        scorer_identity.cache_clear()
    assert sorted(p.name.split("-")[0] for p in tmp_path.iterdir()) == ["textblob", "vader", "vader", "vader"]


def segments(folder: Path) -> list[Path]:
    return sorted(folder.glob("*/part-*.parquet"))


@pytest.mark.parametrize("damage", ["garbage", "truncated", "damaged_page", "other_scorer"])
def test_damaged_segment_is_rebuilt(tmp_path, counted, damage):
    """A damaged cache file is set aside (``.corrupt``) and its texts scored again; the results do not change."""
    texts = corpus(20)
    score_texts(texts, cache_dir=tmp_path)
    [segment] = segments(tmp_path)
    if damage == "garbage":
        segment.write_bytes(b"not a parquet file at all")
    elif damage == "truncated":
        segment.write_bytes(segment.read_bytes()[:-40])
    elif damage == "damaged_page":   # the footer is sound (the cheap check passes); a data page is not
        data = bytearray(segment.read_bytes())
        data[8:400] = bytes(range(256)) + bytes(136)
        segment.write_bytes(bytes(data))
        assert ScoreCache(tmp_path).check_segment(segment) is None
    else:   # a segment of another scorer copied into this folder
        other = tmp_path / "other"
        score_texts(texts, cache_dir=other, method="textblob")
        [foreign] = segments(other)
        segment.write_bytes(foreign.read_bytes())
    counted.clear()
    stats = {}
    result = score_texts(texts, cache_dir=tmp_path, stats=stats)
    pd.testing.assert_frame_equal(result, sentiment.score(texts), check_exact=True)
    assert [c["file"] for c in stats["corrupt"]] == [segment.name]
    assert stats["scored"] == sum(map(len, counted)) == len(distinct_texts(texts))
    assert segment.with_name(segment.name + ".corrupt").exists()
    stats = {}
    score_texts(texts, cache_dir=tmp_path, stats=stats)                       # rebuilt: the next run is clean
    assert stats == {"scored": 0, "cached": len(distinct_texts(texts)), "corrupt": []}


def test_cache_holds_hashes_and_scores_never_text(tmp_path):
    texts = corpus(50)
    score_texts(texts, cache_dir=tmp_path)
    words = {t for t in distinct_texts(texts) if len(t.strip()) >= 4}
    # fragments as well as whole texts, in UTF-8 (Chinese included)
    fragments = words | {w for t in words for w in t.split() if len(w) >= 5} | {t[:4] for t in words}
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        for fragment in (fragments if path.suffix == ".parquet" else words):   # scorer.json names word-list files
            assert fragment.encode("utf-8") not in data, (path.name, fragment)
    [segment] = segments(tmp_path)
    # uncompressed values: exactly the hash and score columns; the hashes are SHA-256 of the UTF-8 texts
    table = pq.read_table(segment)
    assert table.column_names == [name for name, _ in cache.CACHE_COLUMNS]
    stored = set(table.column("text_hash").to_pylist())
    assert stored == {hashlib.sha256(t.encode("utf-8")).hexdigest() for t in distinct_texts(texts)}
    assert not stored & distinct_texts(texts)
    assert set(table.column("language").to_pylist()) == {"en", "zh", "mixed", "none"}


def test_score_relation_adds_scores_in_the_engine(tmp_path):
    from csm.engine import as_relation
    texts = corpus(15)
    frame = pd.DataFrame({"response_id": np.arange(len(texts)), "comment": texts.to_numpy()})
    thresholds = {"negative_below": 0.0, "positive_above": 0.5}
    reference = sentiment.score(frame["comment"], thresholds=thresholds)
    for cache_dir in (None, tmp_path, tmp_path):
        rel = score_relation(as_relation(frame), "comment", cache_dir=cache_dir, thresholds=thresholds)
        got = rel.order_by("response_id").execute()
        assert len(got) == len(frame)
        for col in ("polarity", "subjectivity", "sentiment_words"):
            np.testing.assert_array_equal(got[col].to_numpy(dtype=float), reference[col].to_numpy(dtype=float))
        assert got["language"].tolist() == reference["language"].tolist()
        assert got["truncated"].tolist() == reference["truncated"].tolist()
        # the label is derived in the engine from the polarity, NULL where there is none
        def labels(column):
            return [x if isinstance(x, str) else None for x in column]
        assert labels(got["label"]) == labels(reference["label"])
        assert got["label"].isna().sum() == reference["polarity"].isna().sum() > 0
        # the engine's hash is SHA-256 of the UTF-8 text
        known = got["comment"].map(lambda t: isinstance(t, str))
        assert (got.loc[known, "text_hash"] == got.loc[known, "comment"].map(cache.text_hash)).all()


def test_segments_are_merged(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "COMPACT_AT", 2)
    months = [corpus(5, seed=s) for s in range(4)]
    for month in months:
        score_texts(month, cache_dir=tmp_path)
    assert len(segments(tmp_path)) <= 2
    everything = pd.concat(months, ignore_index=True)
    stats = {}
    result = score_texts(everything, cache_dir=tmp_path, stats=stats)
    assert stats["scored"] == 0 and stats["cached"] == len(distinct_texts(everything))
    pd.testing.assert_frame_equal(result, sentiment.score(everything), check_exact=True)
    rows = sum(pq.read_metadata(p).num_rows for p in segments(tmp_path))
    assert rows == len(distinct_texts(everything))                                  # no duplicates kept


_RUN_MONTH = """
import sys
sys.path.insert(0, {tests!r})
from test_sentiment_cache import corpus
from csm.sentiment.batch import score_texts
score_texts(corpus(300, seed={seed}), cache_dir={folder!r})
"""


def test_concurrent_runs_leave_a_readable_cache(tmp_path):
    """Two runs writing at once (their texts overlap), each in a process of its own: no damaged file,
    nothing lost, the same scores."""
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    runs = [subprocess.Popen([sys.executable, "-c", _RUN_MONTH.format(tests=str(root / "tests"), seed=seed,
                                                                     folder=str(tmp_path))], env=env)
            for seed in (5, 6)]
    assert [p.wait(timeout=300) for p in runs] == [0, 0]
    assert not list(tmp_path.rglob("*.tmp")) and not list(tmp_path.rglob("*.corrupt"))
    both = pd.concat([corpus(300, seed=5), corpus(300, seed=6)], ignore_index=True)
    stats = {}
    result = score_texts(both, cache_dir=tmp_path, stats=stats)
    assert stats == {"scored": 0, "cached": len(distinct_texts(both)), "corrupt": []}
    pd.testing.assert_frame_equal(result, sentiment.score(both), check_exact=True)


def test_cache_folder_must_be_a_path(tmp_path):
    from csm.errors import DataError, ParameterError
    with pytest.raises(ParameterError, match="sentiment_cache_dir"):
        ScoreCache("  ")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(DataError, match="cannot be created"):
        score_texts(corpus(), cache_dir=blocker / "cache")


def test_report_results_are_the_same_with_the_cache(tmp_path):
    """The feedback_sentiment analysis on the sample: identical scores with a cold and a warm cache, and the same
    results (floats to 1e-9 relative, as `csm rerun` compares: the engine's parallel sums may add in another
    order from one run to the next; every count, label and score is compared exactly)."""
    from csm.data.load import load_tables
    from csm.run.rerun import compare_results
    data = load_tables(Path(__file__).resolve().parents[1] / "data" / "sample", tables=["tickets", "responses"],
                       required=())
    plain = sentiment.analyse(data)
    assert plain.scoring["cache"] is None
    for run in ("cold", "warm"):
        cached = sentiment.analyse(data, sentiment_cache_dir=tmp_path)
        rows = [execute(r.scored).sort_values("response_id", ignore_index=True) for r in (cached, plain)]
        pd.testing.assert_frame_equal(*rows, check_exact=True)
        a, b = plain.records(), cached.records()
        pd.testing.assert_frame_equal(a.pop("aspects"), b.pop("aspects"), check_exact=True)
        assert compare_results({"sentiment": a}, {"sentiment": b}) == []
        pd.testing.assert_frame_equal(cached.aspect_table, plain.aspect_table, check_exact=True)
        assert (cached.scoring["scored"] == 0) == (run == "warm")


def _spark_texts(spark_engine, texts: pd.Series):
    con = spark_engine.con
    frame = pd.DataFrame({"rid": np.arange(len(texts)),
                          "comment": [t if isinstance(t, str) else None for t in texts]})
    con._session.createDataFrame(frame, schema="rid bigint, comment string") \
        .createOrReplaceTempView("csm_test_sentiment_texts")
    return con.table("csm_test_sentiment_texts"), frame


@pytest.fixture
def driver_cannot_score(monkeypatch):
    """The scorer of this (the driver's) process fails: on Spark the texts must be scored in the executors, whose
    Python workers import csm afresh and never see this patch."""
    def refuse(texts, **options):
        raise AssertionError(f"{len(texts)} texts scored in the driver")

    monkeypatch.setattr(batch, "_scorer", refuse)
    monkeypatch.setattr(batch._score_module, "score", refuse)


@pytest.mark.parametrize("cached", [False, True], ids=["no-cache", "cache"])
def test_score_relation_on_spark(tmp_path, spark_engine, driver_cannot_score, cached):
    """The same scores, labels and hashes when the texts live in Spark (without a cache; with one, cold then
    warm), scored in Spark's executors, in partitions of at most ``batch_size`` texts."""
    texts = corpus(20)
    rel, frame = _spark_texts(spark_engine, texts)
    reference = sentiment.score(frame["comment"])   # the package's binding: the real scorer, unpatched
    for run in (("cold", "warm") if cached else ("once",)):
        stats = {}
        got = score_relation(rel, "comment", cache_dir=tmp_path if cached else None, stats=stats,
                             batch_size=7).order_by("rid").execute()
        assert stats["scored"] == (0 if run == "warm" else len(distinct_texts(texts)))
        for col in ("polarity", "subjectivity", "sentiment_words"):
            np.testing.assert_array_equal(got[col].to_numpy(dtype=float), reference[col].to_numpy(dtype=float))
        assert got["language"].tolist() == reference["language"].tolist()
        assert [x if isinstance(x, str) else None for x in got["label"]] == \
            [x if isinstance(x, str) else None for x in reference["label"]]
        known = got["comment"].map(lambda t: isinstance(t, str))
        assert (got.loc[known, "text_hash"] == got.loc[known, "comment"].map(cache.text_hash)).all()


def test_spark_scoring_partitions_and_worker_message(spark_engine):
    """The executors get at least ``total / batch_size`` partitions (every core scores, none holds more than about
    a batch); a worker whose Python lacks csm is named as such, with what to install."""
    rel, _ = _spark_texts(spark_engine, corpus(30))
    texts = rel.select(text=rel.comment).filter(rel.comment.notnull()).distinct()
    missing = texts.mutate(text_hash=texts.text.hexdigest("sha256")).select("text_hash", "text")
    total = int(execute(missing.count()))
    scored = batch._spark_scored(spark_engine.con, missing, total, method="vader", max_chars=5000, batch_size=5)
    assert scored.rdd.getNumPartitions() >= -(-total // 5)
    assert scored.count() == total
    failure = RuntimeError("PythonException: ... ModuleNotFoundError: No module named 'csm'")
    message = str(batch._spark_worker_failure(failure))
    assert "Python workers, and they cannot import csm" in message and "PYSPARK_PYTHON" in message
    other = ValueError("something else")
    assert batch._spark_worker_failure(other) is other
