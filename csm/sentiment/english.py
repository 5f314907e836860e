"""English sentiment scorers (see :mod:`csm.sentiment.score` for the methods): exactly TextBlob's
``PatternAnalyzer`` (:class:`TextBlobScorer`) and VADER with a customer-service word list (:class:`VaderScorer`),
both faster than their packages' own loops through bounded caches, with identical results. Called on a text, a
scorer returns (polarity, subjectivity, sentiment words)."""
from __future__ import annotations

import importlib.resources
import math
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
# VADER's constants (vaderSentiment.vaderSentiment.C_INCR, N_SCALAR; checked when a VaderScorer is made)
C_INCR = 0.733
N_SCALAR = -0.74
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
    (pos + neg), sentiment words = tokens found in the lexicon.

    Bit-identical to VADER's own loop (:meth:`_sentiments_reference` per sentence, then ``score_valence``) but
    several times faster on distinct texts: a text is split into whitespace tokens once; what VADER reads of a
    token is computed once per distinct token (:meth:`_token_info`, cached) and sentences are found from the
    tokens (:meth:`_valences`); a text without lexicon words scores 0 with no rule work; a lexicon word with no
    modifier (:attr:`modifiers`) among the three words before it and at most one idiom word (:attr:`idiom_words`)
    among words i−3 … i+2 of its sentence gets its lexicon valence (and the capitals bonus) at once, as no rule of
    VADER's can change it; only the other words go through VADER's rules, re-written over pre-computed lower-case
    words (:meth:`_valence`) and cached per word window; ``score_valence`` is done inline (:meth:`_score`)."""

    def __init__(self):
        from vaderSentiment import vaderSentiment as vs
        from vaderSentiment.vaderSentiment import (BOOSTER_DICT, NEGATE, SPECIAL_CASES, SentimentIntensityAnalyzer,
                                                   SentiText)
        assert (vs.C_INCR, vs.N_SCALAR) == (C_INCR, N_SCALAR)
        self.analyzer = SentimentIntensityAnalyzer()
        self.lexicon = self.analyzer.lexicon = dict(self.analyzer.lexicon)     # own copy: service words below
        self.SentiText, self.boosters = SentiText, BOOSTER_DICT
        self.special_cases = SPECIAL_CASES
        self.negate = frozenset(NEGATE)
        self._strip_punc_if_word = SentiText._strip_punc_if_word
        self._emoji = frozenset(self.analyzer.emojis)
        self.token_info: dict[str, tuple] = {}
        self.hit_words: dict[str, int] = {}
        #: (all-caps flag, position in the window, words i-3 … i+2 as the rules read them, capitals flags of the word
        #: and of boosters) -> valence (:meth:`_valences`)
        self.windows: dict[tuple, float] = {}
        #: words that change a following lexicon word's valence by themselves: negations (and any word with "n't"),
        #: one-word boosters, "no", "least", "so", "this" ("never", "without" are negations; "or", "nor", "at",
        #: "very", "doubt" only act together with one of these, which is then within the window too)
        self.modifiers = frozenset(NEGATE) | {w for w in BOOSTER_DICT if " " not in w} | {"no", "least", "so", "this"}
        #: words of VADER's idioms and two-word boosters: a rule needs two of them side by side
        self.idiom_words = frozenset(w for phrase in [*SPECIAL_CASES, *BOOSTER_DICT] if " " in phrase
                                     for w in phrase.split())
        #: every word VADER's rules compare a neighbour with (besides lexicon membership)
        self.rule_words = self.modifiers | self.idiom_words | {"or", "nor", "at", "very", "doubt", "never", "without"}
        service = importlib.resources.files("csm") / "sentiment_data" / "service_en.tsv"
        for line in service.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                word, valence = line.split("\t")
                if float(valence) == 0:
                    self.lexicon.pop(word, None)
                else:
                    self.lexicon[word] = float(valence)
        # stand-ins for neighbours no rule names (False: not a lexicon word, True: a lexicon word): no rule reads
        # more of them than lexicon membership, so windows that differ only there share one cached valence
        self._stand_in = ("\x00", min(w for w in self.lexicon if w not in self.rule_words and w not in self.boosters
                                       and " " not in w and "n't" not in w and len(w) > 2))
        # the shortcut of _valences relies on this (VADER adds a scalar 0.0 per neighbour: x + 0.0 == x unless x is 0)
        assert all(self.lexicon.values()), "a lexicon valence of 0"

    def _token_info(self, token: str) -> tuple:
        """What VADER reads of one whitespace token: (stripped word, its lower case, lexicon valence if it is a
        lexicon word that is no booster else None, whether it is all capitals, whether it is "but", whether it is
        a modifier (:attr:`modifiers`, or it contains "n't"), whether the raw token counts as a sentiment word for
        :meth:`__call__`, whether it is an idiom word (:attr:`idiom_words`), whether it ends a sentence: its last
        character is one of SENTENCE_END's . ! ? ;, what VADER's rules read of it as a neighbour: its lower case
        if a rule names it, else a stand-in word with the same lexicon membership, and its capitals flag if it is a
        booster, else False)."""
        word = token.strip(_PUNCT)                   # SentiText._strip_punc_if_word
        if len(word) <= 2:
            word = token
        low = word.lower()
        valence = self.lexicon[low] if low in self.lexicon and low not in self.boosters else None
        upper, mod, idiom = word.isupper(), low in self.modifiers or "n't" in low, low in self.idiom_words
        # as a neighbour in a rule window: the word itself if a rule names it, else only whether it is a lexicon word
        context = low if mod or idiom or low in self.rule_words else self._stand_in[low in self.lexicon]
        return (word, low, valence, upper, low == "but", mod, int(token.lower().strip(_PUNCT) in self.lexicon), idiom,
                token[-1] in ".!?;", context, upper and low in self.boosters)

    def _infos(self, tokens: list) -> list:
        """The cached :meth:`_token_info` of each token."""
        table = self.token_info
        infos = list(map(table.get, tokens))
        if None in infos:
            for k, info in enumerate(infos):
                if info is None:
                    info = infos[k] = self._token_info(tokens[k])
                    _keep(table, tokens[k], info)
        return infos

    def _valences(self, infos: list, split: bool = True) -> tuple[list | None, int]:
        """(VADER's per-word valences of a text's tokens, sentence by sentence — None when no token is a lexicon
        word, i.e. all are 0; the number of tokens that are lexicon words once lower-cased and stripped of
        punctuation). Sentences end after a token whose last character is . ! ? or ; (exactly where SENTENCE_END
        splits the text: whitespace after one of them), unless ``split`` is False (one sentence)."""
        n = len(infos)
        if not n:
            return None, 0
        # _token_info's facts as columns
        words, lows, valences, ups, buts, mods, hit, idioms, ends, _, _ = zip(*infos)
        hits = sum(hit)
        candidates = [i for i, v in enumerate(valences) if v is not None]
        if not candidates:
            return None, hits       # all 0 ("but" multiplies zeros: still 0)
        sentiments: list = [0] * n
        cuts = [i + 1 for i, end in enumerate(ends) if end] if split else []
        if not cuts or cuts[-1] != n:
            cuts.append(n)
        windows = self.windows
        k = 0                       # next candidate
        start = 0
        for stop in cuts:
            if k == len(candidates):
                break
            if candidates[k] >= stop:
                start = stop
                continue
            m = stop - start
            upper = sum(ups[start:stop])
            cap = 0 < m - upper < m                        # VADER's allcap_differential of the sentence
            plain = not any(mods[start:stop]) and sum(idioms[start:stop]) < 2     # no rule can apply in it
            while k < len(candidates) and candidates[k] < stop:
                i = candidates[k]
                k += 1
                low = lows[i]
                if low == "kind" and i < stop - 1 and lows[i + 1] == "of":
                    continue
                v = valences[i]
                lo = i - 3 if i - start > 2 else start
                hi = i + 3 if i + 3 < stop else stop
                if plain or (low != "no" and not any(mods[lo:i]) and sum(idioms[lo:hi]) < 2):
                    # no rule can apply: VADER adds 0.0 for each neighbour (a scalar of 0.0), which changes no
                    # valence here (lexicon valences are never 0, so never -0.0)
                    if ups[i] and cap:
                        if v > 0:
                            v += C_INCR
                        else:
                            v -= C_INCR
                else:
                    # VADER's rules read words i-3 … i+2 of the sentence only (every look-back is guarded by the
                    # position): the valence is a function of that window, cached under it
                    j = i - lo
                    context = [infos[t][9] for t in range(lo, hi)]
                    context[j] = low
                    caps = [infos[t][10] for t in range(lo, hi)]
                    caps[j] = ups[i]
                    key = (cap, j, tuple(context), tuple(caps))
                    v = windows.get(key)
                    if v is None:
                        v = self._valence(key[2], key[3], i - lo, cap)
                        _keep(windows, key, v)
                sentiments[i] = v
            if any(buts[start:stop]):
                sentiments[start:stop] = self.analyzer._but_check(words[start:stop], sentiments[start:stop])
            start = stop
        return sentiments, hits

    def _sentiments(self, sentence: str) -> list:
        """VADER's per-word valences of one sentence, identical to :meth:`_sentiments_reference`."""
        infos = self._infos(sentence.split())
        sentiments, _ = self._valences(infos, split=False)
        return [0] * len(infos) if sentiments is None else sentiments

    def _valence(self, lows: tuple, ups: tuple, i: int, cap: bool) -> float:
        """VADER's ``sentiment_valence`` of lexicon word ``i`` (its rules in its order, the same float operations),
        reading pre-computed lower-case words and all-caps flags (of the sentence, or of words i−3 … i+2 only)
        instead of lower-casing the sentence per rule."""
        lex, boosters = self.lexicon, self.boosters
        n = len(lows)
        item = lows[i]
        valence = lex[item]
        if item == "no" and i != n - 1 and lows[i + 1] in lex:
            valence = 0.0
        if (i > 0 and lows[i - 1] == "no") or (i > 1 and lows[i - 2] == "no") \
                or (i > 2 and lows[i - 3] == "no" and lows[i - 1] in ("or", "nor")):
            valence = lex[item] * N_SCALAR
        if ups[i] and cap:
            if valence > 0:
                valence += C_INCR
            else:
                valence -= C_INCR
        for start_i in range(0, 3):
            if i > start_i and lows[i - (start_i + 1)] not in lex:
                j = i - (start_i + 1)
                # scalar_inc_dec
                s = 0.0
                if lows[j] in boosters:
                    s = boosters[lows[j]]
                    if valence < 0:
                        s *= -1
                    if ups[j] and cap:
                        if valence > 0:
                            s += C_INCR
                        else:
                            s -= C_INCR
                if start_i == 1 and s != 0:
                    s = s * 0.95
                if start_i == 2 and s != 0:
                    s = s * 0.9
                valence = valence + s
                # _negation_check
                if start_i == 0:
                    if self._negated(lows[i - 1]):
                        valence = valence * N_SCALAR
                elif start_i == 1:
                    if lows[i - 2] == "never" and (lows[i - 1] == "so" or lows[i - 1] == "this"):
                        valence = valence * 1.25
                    elif lows[i - 2] == "without" and lows[i - 1] == "doubt":
                        pass
                    elif self._negated(lows[i - 2]):
                        valence = valence * N_SCALAR
                else:
                    if lows[i - 3] == "never" and (lows[i - 2] == "so" or lows[i - 2] == "this") or \
                            (lows[i - 1] == "so" or lows[i - 1] == "this"):
                        valence = valence * 1.25
                    elif lows[i - 3] == "without" and (lows[i - 2] == "doubt" or lows[i - 1] == "doubt"):
                        pass
                    elif self._negated(lows[i - 3]):
                        valence = valence * N_SCALAR
                    valence = self._special_idioms(valence, lows, i)
        # _least_check
        if i > 1 and lows[i - 1] not in lex and lows[i - 1] == "least":
            if lows[i - 2] != "at" and lows[i - 2] != "very":
                valence = valence * N_SCALAR
        elif i > 0 and lows[i - 1] not in lex and lows[i - 1] == "least":
            valence = valence * N_SCALAR
        return valence

    def _negated(self, low: str) -> bool:
        """VADER's ``negated([word])`` of a lower-case word."""
        return low in self.negate or "n't" in low

    def _special_idioms(self, valence: float, lows: list, i: int) -> float:
        """VADER's ``_special_idioms_check`` (called only with i > 2)."""
        special, boosters = self.special_cases, self.boosters
        l3, l2, l1, l0 = lows[i - 3], lows[i - 2], lows[i - 1], lows[i]
        twoone, threetwoone, threetwo = f"{l2} {l1}", f"{l3} {l2} {l1}", f"{l3} {l2}"
        for seq in (f"{l1} {l0}", f"{l2} {l1} {l0}", twoone, threetwoone, threetwo):
            if seq in special:
                valence = special[seq]
                break
        n = len(lows)
        if n - 1 > i:
            zeroone = f"{l0} {lows[i + 1]}"
            if zeroone in special:
                valence = special[zeroone]
        if n - 1 > i + 1:
            zeroonetwo = f"{l0} {lows[i + 1]} {lows[i + 2]}"
            if zeroonetwo in special:
                valence = special[zeroonetwo]
        for n_gram in (threetwoone, threetwo, twoone):
            if n_gram in boosters:
                valence = valence + boosters[n_gram]
        return valence

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

    def _split(self, text: str) -> tuple[str, list | None, int | None]:
        """(the text VADER scores: emoji spelled out, stripped; its per-word valences, sentence by sentence, None if
        all are 0; the number of sentiment words among the text's whitespace tokens, None when emoji were spelled
        out)."""
        spelled = False
        if not text.isascii() and not self._emoji.isdisjoint(text):
            emojis = self.analyzer.emojis
            text = "".join(" " + emojis[ch] + " " if ch in emojis else ch for ch in text)
            spelled = True
        text = text.strip()
        sentiments, hits = self._valences(self._infos(text.split()))
        return text, sentiments, None if spelled else hits

    def scores(self, text: str) -> dict:
        """VADER's scores, with negation, degree and "but" kept inside each sentence: VADER looks three words back
        across a full stop ("… without any answer. Worst support ever." read "worst" as negated). A text of one
        sentence without emoji gets exactly ``polarity_scores``."""
        text, sentiments, _ = self._split(text)
        if sentiments is None:
            sentiments = [0] * len(text.split())
        return self.analyzer.score_valence(sentiments, text)

    @staticmethod
    def _score(sentiments: list, text: str) -> tuple[float, float]:
        """(compound, min(1, pos + neg)) exactly as VADER's ``score_valence`` computes them (same operations in
        the same order; zeros only count as neutral words, so they are skipped in the sums)."""
        nonzero = [s for s in sentiments if s]
        if not nonzero:
            return 0.0, 0.0       # score_valence: compound normalize(0.0) = 0.0, pos = neg = 0.0 (or no words)
        sum_s = float(sum(sentiments))
        # _punctuation_emphasis
        ep_count = text.count("!")
        if ep_count > 4:
            ep_count = 4
        ep_amplifier = ep_count * 0.292
        qm_count = text.count("?")
        qm_amplifier = 0
        if qm_count > 1:
            if qm_count <= 3:
                qm_amplifier = qm_count * 0.18
            else:
                qm_amplifier = 0.96
        punct_emph_amplifier = ep_amplifier + qm_amplifier
        if sum_s > 0:
            sum_s += punct_emph_amplifier
        elif sum_s < 0:
            sum_s -= punct_emph_amplifier
        # normalize(alpha=15)
        compound = sum_s / math.sqrt((sum_s * sum_s) + 15)
        if compound < -1.0:
            compound = -1.0
        elif compound > 1.0:
            compound = 1.0
        # _sift_sentiment_scores
        pos_sum = 0.0
        neg_sum = 0.0
        for s in nonzero:
            if s > 0:
                pos_sum += (float(s) + 1)
            else:
                neg_sum += (float(s) - 1)
        neu_count = len(sentiments) - len(nonzero)
        if pos_sum > math.fabs(neg_sum):
            pos_sum += punct_emph_amplifier
        elif pos_sum < math.fabs(neg_sum):
            neg_sum -= punct_emph_amplifier
        total = pos_sum + math.fabs(neg_sum) + neu_count
        return round(compound, 4), min(1.0, round(math.fabs(pos_sum / total), 3) + round(math.fabs(neg_sum / total), 3))

    def __call__(self, text: str) -> tuple[float, float, int]:
        scored, sentiments, hits = self._split(text)
        if hits is None:
            # emoji were spelled out: count the sentiment words of the text as written
            lex, seen = self.lexicon, self.hit_words
            hits = 0
            for w in text.split():
                h = seen.get(w)
                if h is None:
                    h = int(w.lower().strip(_PUNCT) in lex)
                    _keep(seen, w, h)
                hits += h
        if sentiments is None:
            return 0.0, 0.0, hits          # score_valence of zeros (or of no words)
        polarity, subjectivity = self._score(sentiments, scored)
        return polarity, subjectivity, hits
