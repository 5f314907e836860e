"""Text utilities for Chinese and English service text: language detection, Chinese word segmentation and
PII masking.

Both work on a whole column at once (pandas string methods with regular
expressions) and accept a ``str``, a list or a :class:`pandas.Series`.

- :func:`contains_cjk`, :func:`detect_language` — Chinese characters (hanzi) are
  found by their Unicode code points; exact on mixed Chinese/English comments and
  millions of texts per second (a dictionary-free detector such as langdetect
  mislabels short Chinese as Korean).
- :func:`segment`, :func:`segmenter` — the one jieba wrapper of the project (complaint terms, Chinese sentiment):
  jieba is imported and initialised once, its log messages silenced (they would leak into report stderr).
- :func:`mask_pii` — phone numbers (Chinese, North American, international), e-mail
  addresses (also Chinese ones such as ``张伟@例子.中国``), Chinese resident ID numbers and
  bank-card numbers become ``[PHONE]``, ``[EMAIL]``, ``[ID]``, ``[CARD]`` before text
  is shown in a report or quoted in a data problem (see its docstring for exactly what is covered). Chinese text has no spaces around numbers
  (``我的电话是13812345678请回电``), so numbers are delimited by "not a digit"
  look-arounds, never by ``\\b``.
"""
from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from csm.compat import STR
from csm.errors import ParameterError

# Chinese characters: CJK Unified Ideographs, Extension A, Compatibility Ideographs,
# Extensions B–F and the compatibility supplement. Literal characters (not \u escapes),
# so the same pattern runs in Python's re and in pyarrow's RE2.
HAN_CLASS = ("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
             "\U00020000-\U0002ebef\U0002f800-\U0002fa1f]")
#: Latin letters (ASCII and Latin-1 letters such as é).
LATIN_CLASS = "[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]"
_LATIN_WORD = LATIN_CLASS + "+"

LANGUAGES = ("zh", "en", "mixed", "none")

__all__ = ["HAN_CLASS", "LATIN_CLASS", "LANGUAGES", "PLACEHOLDERS", "PII_PATTERNS", "contains_cjk", "detect_language",
           "segment", "segmenter", "mask_pii", "pseudonymise"]

PLACEHOLDERS = {"phone": "[PHONE]", "email": "[EMAIL]", "id": "[ID]", "card": "[CARD]"}


def _as_str_series(texts) -> pd.Series:
    if isinstance(texts, pd.Series):
        return texts if isinstance(texts.dtype, pd.StringDtype) else texts.astype(STR)
    if isinstance(texts, str) or not isinstance(texts, Iterable):
        raise ParameterError(f"expected a list or Series of texts, got {type(texts).__name__}")
    return pd.Series(list(texts), dtype=STR)


def contains_cjk(texts):
    """Whether each text contains at least one Chinese character (hanzi).

    A ``str`` gives a ``bool``; a list or Series gives a boolean Series (same index);
    missing texts are ``False``.
    """
    if isinstance(texts, str):
        return re.search(HAN_CLASS, texts) is not None
    s = _as_str_series(texts)
    out = s.str.contains(HAN_CLASS, regex=True).fillna(False).astype(bool)
    return out.rename("contains_cjk")


def detect_language(texts, *, mixed_share: float = 0.3):
    """Language of each text: ``"zh"``, ``"en"``, ``"mixed"`` or ``"none"``.

    Counts hanzi ``h`` and Latin words ``w`` (runs of Latin letters). A Chinese word
    averages about two characters, so Chinese weighs ``h / 2`` words. A text is

    - ``"none"`` with neither (empty, missing, digits, emoji, kana-only …);
    - ``"mixed"`` when ``h >= 2``, ``w >= 2`` and the smaller side has at least
      ``mixed_share`` of ``h / 2 + w`` (so one brand name such as "iPhone" in a Chinese
      sentence, or one Chinese term in an English one, does not make it mixed);
    - otherwise ``"zh"`` if ``h / 2 >= w`` else ``"en"``.

    A ``str`` gives a ``str``; a list or Series gives a ``str`` Series named ``language``.
    Only texts with both scripts are counted character by character; the rest is two
    vectorised ``str.contains`` passes (millions of texts per second with pyarrow).
    """
    if not 0 < mixed_share <= 0.5:
        raise ParameterError(f"mixed_share must be in (0, 0.5]; got {mixed_share!r}")
    if isinstance(texts, str):
        return detect_language(pd.Series([texts], dtype=STR), mixed_share=mixed_share).iloc[0]
    s = _as_str_series(texts)
    has_han = s.str.contains(HAN_CLASS, regex=True).fillna(False).to_numpy(dtype=bool)
    has_latin = s.str.contains(LATIN_CLASS, regex=True).fillna(False).to_numpy(dtype=bool)
    code = np.where(has_han, 0, np.where(has_latin, 1, 3)).astype(np.int8)  # index into LANGUAGES
    both = np.flatnonzero(has_han & has_latin)
    if both.size:
        part = s.iloc[both]
        zh_words = part.str.count(HAN_CLASS).to_numpy(dtype=float) / 2.0
        en_words = part.str.count(_LATIN_WORD).to_numpy(dtype=float)
        minority = np.minimum(zh_words, en_words) / (zh_words + en_words)
        mixed = (zh_words >= 1) & (en_words >= 2) & (minority >= mixed_share)
        code[both] = np.where(mixed, 2, np.where(zh_words >= en_words, 0, 1))
    return pd.Series(np.asarray(LANGUAGES, dtype=object)[code], index=s.index, name="language", dtype=STR)


# ---------------------------------------------------------------------------------------------
# Chinese word segmentation (jieba)

_DEFAULT_SEGMENTER = None


def segmenter(words: Iterable[str] = ()):
    """A jieba tokenizer (``.lcut(text, HMM=…)``), with jieba's log messages silenced.

    Without ``words``: jieba's default tokenizer (its dictionary), initialised once and shared. With ``words``: a
    new tokenizer of the default dictionary plus those words (the Chinese sentiment scorer adds its lexicon words and
    contrast markers), so the shared default is never changed."""
    global _DEFAULT_SEGMENTER
    import jieba

    jieba.setLogLevel(logging.WARNING)  # "Building prefix dict …" goes to stderr otherwise
    extra = list(words)
    if not extra:
        if _DEFAULT_SEGMENTER is None:
            jieba.initialize()
            _DEFAULT_SEGMENTER = jieba.dt
        return _DEFAULT_SEGMENTER
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for word in extra:
        tokenizer.add_word(word)
    return tokenizer


@functools.lru_cache(maxsize=100_000)
def segment(text: str, *, hmm: bool = False) -> tuple[str, ...]:
    """jieba words of ``text`` with the default dictionary (``hmm``: jieba's HMM for words outside the dictionary,
    off by default), memoised: service texts repeat the same phrases, and segmentation is most of the time."""
    return tuple(segmenter().lcut(text, HMM=hmm))


# ---------------------------------------------------------------------------------------------
# PII masking

# One separator inside a number: one to three of space, no-break space, ideographic space, hyphen,
# dot (also full-width ．and ·), full-width hyphen and the invisible zero-width characters (U+200B–U+200D, U+2060, U+FEFF) that
# copy-paste from chat apps leaves inside numbers (``138 1234 5678``, ``138.1234.5678``, ``138 - 1234``).
_SEP_CHARS = " \u00a0\u3000\\-\uff0d.\uff0e\u00b7\u200b-\u200d\u2060\ufeff"
_SEP = f"[{_SEP_CHARS}]{{1,3}}"
_NOT_NUM_BEFORE = r"(?<![\dA-Za-z])"   # \d also matches full-width digits (１３８…)
_NOT_NUM_AFTER = r"(?![\dA-Za-z])"


def _digits(spec: str) -> str:
    """Character class of ASCII digits ``spec`` ("1", "12", "3-9") and their full-width forms."""
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in spec)
    return f"[{spec}{wide}]"


_0, _1, _2, _3, _8 = (_digits(c) for c in "01238")
_1_9 = _digits("1-9")
_MONTH = f"(?:{_0}{_1_9}|{_1}{_digits('0-2')})"
_DAY = f"(?:{_0}{_1_9}|{_digits('12')}\\d|{_3}{_digits('01')})"
_CENTURY = f"(?:{_1}{_digits('89')}|{_2}{_0})"
_PLUS = "[+\uff0b]"

# E-mail: an ASCII local part (jane.doe+csm), or a local part that ends in Chinese characters (张伟) —
# then the whole run of word characters before the @ is masked, since Chinese has no space that says
# where a name starts. Domain labels may be Chinese (例子.中国); the top-level domain is ASCII letters or
# Chinese characters. Full-width ＠ and ．/。 between labels count too.
_HAN_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_LOCAL_ASCII = r"[A-Za-z0-9._%+\-]+"
_LOCAL_HAN = rf"[\w.%+\-]*[{_HAN_CHARS}]"
_DOMAIN_LABEL = rf"(?:[A-Za-z0-9\-]+|[{_HAN_CHARS}][{_HAN_CHARS}A-Za-z0-9\-]*)"
_TLD = rf"(?:[A-Za-z]{{2,}}|中国|中國|公司|网络|網絡|香港|台湾|台灣|新加坡|[{_HAN_CHARS}]{{2,4}})"
_EMAIL = re.compile(rf"(?:{_LOCAL_HAN}|{_LOCAL_ASCII})[@＠](?:{_DOMAIN_LABEL}[.．。])+{_TLD}")
# 18-digit resident ID: 6-digit region, birth date YYYYMMDD, 3-digit sequence, check digit or X.
_RESIDENT_ID = re.compile(
    _NOT_NUM_BEFORE
    + rf"{_1_9}\d{{5}}(?:{_SEP})?{_CENTURY}\d{{2}}{_MONTH}{_DAY}(?:{_SEP})?\d{{3}}[\dXxＸｘ]"
    + _NOT_NUM_AFTER)
# Chinese mobile: 1[3-9]x xxxx xxxx, optional +86 / ＋86 / 0086 / 86 / (+86) prefix.
_MOBILE_CN = re.compile(
    rf"(?<![\d+＋])(?:(?:{_PLUS}|{_0}{_0})?{_8}{_digits('6')}(?:{_SEP})?|[(（]{_PLUS}?86[)）](?:{_SEP})?)?"
    + rf"{_1}{_digits('3-9')}\d(?:{_SEP})?\d{{4}}(?:{_SEP})?\d{{4}}(?!\d)")
# Bank card: 13–19 digits, contiguous or in groups (4-4-4-4[-3], 4-4-4-1..4, Amex 4-6-5).
_CARD = re.compile(
    _NOT_NUM_BEFORE
    + r"(?:\d{13,19}"                                                    # contiguous
    + rf"|\d{{4}}(?:{_SEP}\d{{4}}){{2}}{_SEP}\d{{1,4}}(?:{_SEP}\d{{1,3}})?"  # 4-4-4-1..4[-1..3]
    + rf"|\d{{4}}{_SEP}\d{{6}}{_SEP}\d{{5}})"                               # Amex 4-6-5
    + _NOT_NUM_AFTER)
# International: +country code, optional (area), then groups, e.g. +1 (415) 555-0132, +44 20 7946 0958.
_PHONE_INTL = re.compile(
    r"(?<![\dA-Za-z+＋])" + _PLUS + r"\d{1,3}(?:" + _SEP + r")?(?:\(\d{1,4}\)(?:" + _SEP + r")?)?"
    + rf"\d{{2,4}}(?:{_SEP})?\d{{3,4}}(?:(?:{_SEP})?\d{{2,4}}){{0,2}}(?!\d)")
# North American without country code: (415) 555-0132, 415-555-0132, 415.555.0132, 555 123 4567 and
# ten digits in a row (5551234567, area code 2–9 first). Not the Chinese 400/800 service hotlines
# written the same way (400-820-8820), and not ten digits that start like a date (2025111200: an
# order number) — Unix times (1731400000) start with 1 and are kept anyway.
_PHONE_NANP = re.compile(
    r"(?<![\dA-Za-z])(?!(?:400|800)\D)"
    + r"(?:(?:\([2-9]\d{2}\)(?:" + _SEP + r")?|[2-9]\d{2}" + _SEP + r")\d{3}" + _SEP + r"\d{4}"
    + r"|(?!(?:19|20)\d{2}(?:0[1-9]|1[0-2]))[2-9]\d{9})(?![\dA-Za-z])")
# Chinese landline: area code 0xx / 0xxx (optionally in brackets), 7–8 digits: 010-12345678, (021) 1234-5678.
_LANDLINE_CN = re.compile(
    rf"(?<![\d+.])(?:\({_0}\d{{2,3}}\)|（{_0}\d{{2,3}}）|{_0}\d{{2,3}})(?:{_SEP})?\d{{3,4}}(?:{_SEP})?\d{{4}}(?!\d)")

#: Applied in this order: a later pattern never sees what an earlier one masked.
PII_PATTERNS: tuple[tuple[str, re.Pattern, str], ...] = (
    ("email", _EMAIL, PLACEHOLDERS["email"]),
    ("id", _RESIDENT_ID, PLACEHOLDERS["id"]),
    ("phone", _MOBILE_CN, PLACEHOLDERS["phone"]),
    ("card", _CARD, PLACEHOLDERS["card"]),
    ("phone", _PHONE_INTL, PLACEHOLDERS["phone"]),
    ("phone", _PHONE_NANP, PLACEHOLDERS["phone"]),
    ("phone", _LANDLINE_CN, PLACEHOLDERS["phone"]),
)
# The number patterns as one alternation (same priority order), one regex pass per text. The
# leading look-ahead lets the scan skip quickly over positions where no number can start.
_NUMBER_PII = re.compile(
    r"(?=[\d+＋(（])(?:"
    + "|".join(f"(?P<p{i}>{pattern.pattern})" for i, (kind, pattern, _) in enumerate(PII_PATTERNS) if kind != "email")
    + ")")
_PLACEHOLDER_OF_GROUP = {f"p{i}": placeholder for i, (_, _, placeholder) in enumerate(PII_PATTERNS)}
# Cheap pre-filters (valid in pyarrow's RE2 too, which has no look-arounds): e-mail needs an @,
# every number pattern needs six digits in a row (with single separators or brackets between).
_HAS_AT = "[@\uff20]"
_HAS_NUMBER = ("[0-9\uff10-\uff19](?:[" + _SEP_CHARS + "().（）]{0,4}[0-9\uff10-\uff19]){5}")
# ... and a place where one can start: a digit, + or bracket not glued to a Latin letter or digit, or
# (the mobile and landline patterns also match after a letter) 1[3-9] / 0 followed by nine more digits.
# Identifiers such as T00000001 or C008397 fail it, so a column of ids is checked at pyarrow speed.
_NUMBER_START = ("(?:^|[^A-Za-z0-9\uff10-\uff19])[0-9\uff10-\uff19+\uff0b(\uff08]"
                 "|[1\uff11][3-9\uff13-\uff19](?:[" + _SEP_CHARS + "]{0,3}[0-9\uff10-\uff19]){9}"
                 "|[0\uff10](?:[" + _SEP_CHARS + "()（）]{0,3}[0-9\uff10-\uff19]){9}")


def _placeholder(match: re.Match) -> str:
    return _PLACEHOLDER_OF_GROUP[match.lastgroup]


def _mask_str(text: str) -> str:
    return _NUMBER_PII.sub(_placeholder, _EMAIL.sub(PLACEHOLDERS["email"], text))


def _mask_series(s: pd.Series) -> pd.Series:
    if isinstance(s.dtype, pd.CategoricalDtype):
        categories = _mask_series(pd.Series(s.cat.categories, dtype=object))
        if categories.is_unique:
            return s.cat.rename_categories(list(categories))
        return _mask_series(s.astype(object))
    if s.dtype == object:
        is_text = s.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    elif isinstance(s.dtype, pd.StringDtype):
        is_text = s.notna().to_numpy(dtype=bool)
    else:  # numbers, dates …: nothing to mask
        return s.copy()
    if isinstance(s.dtype, pd.StringDtype):  # missing values are never candidates (contains -> NA -> False)
        texts, positions = s, np.arange(len(s))
    else:
        texts, positions = s[is_text], np.flatnonzero(is_text)
    hits = []
    for prefilters, pattern, repl in (((_HAS_AT,), _EMAIL, PLACEHOLDERS["email"]),
                                      ((_HAS_NUMBER, _NUMBER_START), _NUMBER_PII, _placeholder)):
        candidate = np.ones(len(texts), dtype=bool)
        for prefilter in prefilters:
            candidate &= texts.str.contains(prefilter, regex=True).fillna(False).to_numpy(dtype=bool)
        hits.append((positions[candidate], pattern, repl))
    if not any(hit.size for hit, _, _ in hits):
        return s.copy()
    values = s.to_numpy(dtype=object, copy=True)
    for hit, pattern, repl in hits:
        if hit.size:
            values[hit] = pd.Series(values[hit], dtype=object).str.replace(pattern, repl, regex=True).to_numpy()
    return pd.Series(values, index=s.index, name=s.name, dtype=s.dtype)


def mask_pii(texts):
    """Replace personal data in text by typed placeholders; same shape and type as the input.

    Masked (placeholder):

    - ``[PHONE]`` Chinese mobile numbers (``13812345678``, ``138-1234-5678``, ``138 1234 5678``,
      ``138.1234.5678``, with a ``+86`` / ``＋86`` / ``0086`` / ``86`` / ``(+86)`` prefix); Chinese
      landlines (``010-12345678``, ``(021) 1234-5678``); international numbers with ``+``
      (``+1 (415) 555-0132``, ``+1 555-123-4567``, ``+44 20 7946 0958``); North American numbers
      without ``+``: ``(555) 123-4567``, ``555-123-4567``, ``555.123.4567``, ``555 123 4567`` and ten
      digits in a row starting with 2–9 (``5551234567``) unless they start like a date (``2025111200``);
    - ``[EMAIL]`` e-mail addresses, also with Chinese characters in the local part or the domain
      (``张伟@例子.中国``) and with a full-width ``＠``; a local part ending in Chinese characters is masked
      together with the Chinese text directly before it (``邮箱是张伟@例子.中国`` → ``[EMAIL]``), since
      nothing marks where the name starts;
    - ``[ID]`` 18-digit resident ID numbers (valid birth date; last character may be X or x);
    - ``[CARD]`` bank-card-like numbers: 13–19 digits, contiguous or grouped by spaces or
      dashes (no Luhn check: a mistyped card number is still personal data).

    Inside a number, a separator is one to three of: space, no-break or ideographic space, hyphen (also
    full-width), dot, and the zero-width characters U+200B–U+200D, U+2060, U+FEFF (so double spaces and
    invisible characters pasted from chat apps do not hide a number). Full-width digits count as digits.

    Kept: amounts (``¥1,299.00``, ``12345.67``), dates (``2025-11-12``, ``2025.11.12``, ``20251112``),
    times, order ids up to 9 digits and longer ones that start like a date (``20251112001``), Unix times
    in seconds (``1731400000``), service hotlines (``400-820-8820``), and numbers glued to Latin letters
    (tracking numbers such as ``SF1234567890123``). Masked on the safe side: an order id that looks
    exactly like a phone number (11 digits starting 13–19, or 10 digits starting 2–9 and not like a
    date) or has 13+ digits (also Unix times in milliseconds). Not covered: names and postal addresses,
    numbers spelled out in words, 15-digit old resident IDs (masked as ``[CARD]``).

    ``texts``: a ``str`` (returns ``str``), a list or tuple (returns the same type) or a
    Series (same index, name and dtype). Missing values and non-text items are kept as given.
    """
    if texts is None or isinstance(texts, float):
        return texts
    if isinstance(texts, str):
        return _mask_str(texts)
    if isinstance(texts, pd.Series):
        return _mask_series(texts)
    if isinstance(texts, (list, tuple)):
        masked = _mask_series(pd.Series(list(texts), dtype=object)).tolist()
        return type(texts)(masked) if isinstance(texts, tuple) else masked
    raise ParameterError(f"mask_pii expects a str, a list or a pandas Series of texts; got {type(texts).__name__}")


def _digest(value: str) -> str:
    import hashlib

    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:12]


def pseudonymise(texts, *, always: bool = False):
    """Identifiers that are personal data, replaced by a stable pseudonym; same shape and type as the input.

    A value that :func:`mask_pii` would change (an e-mail address or phone number used as a customer id)
    becomes its masked form plus ``#`` and the first 12 hex digits of the SHA-256 of the value
    (``jane@example.com`` → ``[EMAIL]#<12 hex>``): the same value always gives the same pseudonym, so
    tables still join and a customer can be followed through a report, but the address is not shown.
    With ``always=True`` every value becomes ``#<12 hex>`` (for keys such as contact names, which no pattern
    recognises: the mapping option ``pseudonymise:``). Other values, missing values and non-text items are
    kept. Note: a hash of a known address can be recomputed by someone who has the address; it hides
    the identifier from readers, it does not anonymise the data.
    """
    if texts is None or isinstance(texts, float):
        return texts
    if isinstance(texts, str):
        if always:
            return "#" + _digest(texts)
        masked = _mask_str(texts)
        return texts if masked == texts else f"{masked}#{_digest(texts)}"
    if isinstance(texts, (list, tuple)):
        out = pseudonymise(pd.Series(list(texts), dtype=object), always=always).tolist()
        return type(texts)(out) if isinstance(texts, tuple) else out
    if not isinstance(texts, pd.Series):
        raise ParameterError(f"pseudonymise expects a str, a list or a pandas Series; got {type(texts).__name__}")
    s = texts
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = pseudonymise(pd.Series(s.cat.categories, dtype=object), always=always)
        return s.cat.rename_categories(list(cats)) if cats.is_unique else pseudonymise(s.astype(object), always=always)
    is_text = s.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool) if s.dtype == object else (
        s.notna().to_numpy(dtype=bool) if isinstance(s.dtype, pd.StringDtype) else None)
    if is_text is None:
        return s.copy()
    if not always and isinstance(s.dtype, pd.StringDtype):  # fast path: nothing to change (the usual case)
        if ((_mask_series(s) == s) | s.isna()).all():
            return s.copy()
    values = s.to_numpy(dtype=object, copy=True)
    pos = np.flatnonzero(is_text)
    if always:
        changed = pos
        masked = None
    else:
        texts = s.iloc[pos] if isinstance(s.dtype, pd.StringDtype) else pd.Series(values[pos], dtype=STR)
        masked = _mask_series(texts).to_numpy(dtype=object)
        keep = masked != values[pos]
        changed, masked = pos[keep], masked[keep]
    if changed.size:
        codes, uniques = pd.factorize(pd.Series(values[changed], dtype=object))
        digests = np.array([_digest(u) for u in uniques], dtype=object)[codes]
        prefix = np.full(changed.size, "", dtype=object) if masked is None else masked
        values[changed] = [f"{m}#{d}" for m, d in zip(prefix, digests)]
    return pd.Series(values, index=s.index, name=s.name, dtype=s.dtype)
