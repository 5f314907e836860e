"""Service aspects a comment talks about (keyword lists in both languages), the sentiment towards each,
their ranking and masked example quotes."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from csm.compat import STR
from csm.sentiment.score import as_texts, score, score_one
from csm.sentiment.summaries import require_columns, wilson
from csm.text import HAN_CLASS, LATIN_CLASS, mask_pii

__all__ = ["ASPECT_KEYWORDS", "ASPECTS", "aspects", "aspect_summary", "negative_examples"]

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
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?。！？；;\n])\s*")


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


def aspects(texts, *, max_chars: int = 5000, method: str = "vader", n_jobs: int | None = None,
            scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """Service aspects each text talks about, and the sentiment towards each (long, tidy).

    One row per (text, aspect) mentioned: ``position`` (0-based row of the input), ``index``
    (the input's index label), ``aspect`` (a code of :data:`ASPECTS`), ``mentions`` (keyword
    hits) and ``polarity``: the mean polarity of the sentences mentioning the aspect, using the
    comment's polarity for a sentence without sentiment words. Keywords: :data:`ASPECT_KEYWORDS`
    (English whole words, Chinese substrings). ``scores``: the texts' :func:`score` (``language``, ``polarity``,
    row for row) when already known (the report's scored texts), else they are scored here.
    """
    series = as_texts(texts)
    values = series.to_numpy(dtype=object)
    overall = (score(series, max_chars=max_chars, method=method, n_jobs=n_jobs) if scores is None
               else scores[["language", "polarity"]].reset_index(drop=True))
    if len(overall) != len(series):
        raise ValueError(f"aspects: {len(overall)} scores for {len(series)} texts")
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
                        p, _s, nw = score_one(sent, lang, max_chars, method)
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



def aspect_summary(scored: pd.DataFrame, found: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """Aspects ranked by negative volume × negativity.

    ``scored``: :func:`score` output (plus any columns); ``found``: :func:`aspects` of the same texts.
    Per aspect: ``mentions`` (texts mentioning it), ``negative`` (of those, texts labelled negative),
    ``share_negative`` with a Wilson interval, ``negativity`` = −mean polarity of the negative
    mentions, ``mean_polarity`` (aspect sentiment of all mentions) and
    ``impact`` = ``negative`` × ``negativity`` (the ranking key, descending).
    """
    require_columns(scored, ["label", "polarity"], "aspect_summary")
    labels = scored["label"].to_numpy(dtype=object)
    pol = scored["polarity"].to_numpy(dtype=float)
    rows = []
    for aspect in ASPECTS:
        f = found[found["aspect"] == aspect]
        pos = f["position"].to_numpy()
        n = len(pos)
        neg = labels[pos] == "negative" if n else np.zeros(0, dtype=bool)
        k = int(neg.sum())
        lo, hi = wilson(k, n, confidence)
        negativity = float(-pol[pos][neg].mean()) if k else 0.0
        rows.append({"aspect": aspect, "mentions": n, "negative": k, "share_negative": k / n if n else np.nan,
                     "ci_low": lo, "ci_high": hi, "negativity": negativity,
                     "mean_polarity": float(f["polarity"].mean()) if n else np.nan, "impact": k * negativity})
    return pd.DataFrame(rows).sort_values(["impact", "mentions"], ascending=False, ignore_index=True)


def negative_examples(texts: pd.Series, scored: pd.DataFrame, found: pd.DataFrame, aspect: str, *, n: int = 3,
                      seed: int = 0) -> pd.Series:
    """Up to ``n`` distinct negative texts mentioning ``aspect``, PII masked, the most negative first
    (ties broken by a seeded shuffle)."""
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

