"""English sentiment scorers (see :mod:`csm.sentiment.score` for the methods): exactly TextBlob's
``PatternAnalyzer`` (:class:`TextBlobScorer`) and VADER with a customer-service word list (:class:`VaderScorer`),
both faster than their packages' own loops through bounded caches, with identical results. Called on a text, a
scorer returns (polarity, subjectivity, sentiment words)."""
from __future__ import annotations

import importlib.resources
import re

from csm.sentiment.cache import keep as _keep

__all__ = ["TextBlobScorer", "VaderScorer", "SENTENCE_END"]

# English fast path: texts of only these characters are tokenised word by word (see csm.sentiment.score).
_SIMPLE_EN = re.compile(r"[A-Za-z0-9 ,.!?'\-]*")
# Emoticons that pattern joins across spaces (X - D, 8 - D …) could form from these characters: keep them on
# pattern's own path.
_EMOTICON_RISK = re.compile(r"[Xx8] *- *D|[Xx] +D")
_DIGIT_LENGTH = {1: "0", 2: "00", 3: "000"}
#: where VADER's rules stop: negation, degree and "but" are kept inside each sentence
SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")
_PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


class TextBlobScorer:
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


class VaderScorer:
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
        for sentence in SENTENCE_END.split(text):
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
