"""What the words say: the terms most distinctive of a group of complaint texts (weighted log-odds with an
informative Dirichlet prior, Monroe, Colaresi & Quinn 2008) and masked example complaints."""
from __future__ import annotations

import functools
import re
from collections import Counter
from itertools import pairwise

import numpy as np
import pandas as pd

from .inputs import require_columns
from csm.errors import AnalysisError
from csm.text import mask_pii, segment

__all__ = ["tokenize", "term_counts", "weighted_log_odds", "distinctive_terms", "example_complaints"]

_EN_STOP = frozenset(["a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "out", "over", "own", "same", "she", "should", "so", "some", "still", "such", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "yet", "got", "get", "its", "ve", "ll", "re", "don", "didn", "doesn", "isn", "wasn", "hasn", "haven", "won", "can't", "cannot", "please", "hi", "hello", "thanks", "thank",
    # words that carry no reason: time words, and region names (regions are a dimension of their own)
    "ago", "last", "time", "times", "ever", "again", "really", "north", "south", "east", "west", "central",
    "northeast", "northwest", "southeast", "southwest"])
_ZH_STOP = frozenset(["的", "了", "是", "我", "你", "他", "她", "它", "们", "我们", "你们", "在", "和", "与", "及", "也", "都", "就", "还", "又", "很", "太", "吗", "呢", "吧", "啊", "呀", "把", "被", "给", "让", "对", "从", "到", "说", "这", "那", "这个", "那个", "一个", "没有", "什么", "怎么", "为什么", "已经", "一直", "可以", "还是", "但是", "而且", "因为", "所以", "如果", "然后", "结果", "一下", "一些", "自己", "现在", "请问", "你好", "谢谢", "麻烦", "不是", "就是", "关于", "问题", "处理", "帮忙", "帮忙处理", "需要", "希望",
    "不了", "上次", "之前", "一次", "华北", "华东", "华南", "华中", "华西", "西南", "西北", "东北"])
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’]+|[\u4e00-\u9fff]+")
def tokenize(text: str, *, bigrams: bool = True) -> list[str]:
    """Terms of one text: lower-case English words (stop words, time words, region names and 1–2-letter
    words out) and Chinese
    words from jieba segmentation (single characters and stop words out); with ``bigrams`` also
    the pairs of adjacent kept terms (``"late delivery"``, ``"配送延误"`` style phrases joined by a space
    in English and without one in Chinese). Digits never form terms (no personal data in terms)."""
    if not isinstance(text, str) or not text:
        return []
    return list(_tokenize_cached(text, bigrams))


@functools.lru_cache(maxsize=100_000)
def _tokenize_cached(text: str, bigrams: bool) -> tuple[str, ...]:
    """:func:`tokenize` of one non-empty text, memoised: the same descriptions recur across the spike,
    category and example analyses of one report (jieba segmentation dominates the text analysis time)."""
    terms: list[str] = []
    previous_end = 0
    for m in _TOKEN.finditer(text):
        if text[previous_end:m.start()].strip():
            terms.append("")  # punctuation or digits in between: no bigram across them
        previous_end = m.end()
        piece = m.group(0)
        if piece[0] < "\u4e00":
            w = piece.lower().replace("’", "'").strip("'")
            if len(w) > 2 and w not in _EN_STOP and "'" not in w:  # 2-letter tokens ("jd") read as noise
                terms.append(w)
            else:
                terms.append("")  # a break: no bigram across a stop word
        else:
            for w in segment(piece):
                terms.append(w if len(w) > 1 and w not in _ZH_STOP else "")
    words = [t for t in terms if t]
    if bigrams:
        for a, b in pairwise(terms):
            if a and b:
                sep = "" if a[0] >= "\u4e00" and b[0] >= "\u4e00" else " "
                words.append(a + sep + b)
    return tuple(words)


def term_counts(texts: pd.Series, groups: pd.Series, *, bigrams: bool = True) -> pd.DataFrame:
    """Term counts per group (tidy: group, term, count). Identical texts are tokenised once."""
    frame = pd.DataFrame({"group": groups.to_numpy(), "text": texts.to_numpy()}).dropna()
    uniq = frame.value_counts(["group", "text"], sort=False).reset_index(name="k")
    cache: dict[str, list[str]] = {}
    counters: dict = {}
    for g, text, k in uniq.itertuples(index=False):
        toks = cache.get(text)
        if toks is None:
            toks = cache[text] = set(tokenize(text, bigrams=bigrams))
        c = counters.setdefault(g, Counter())
        for t in toks:  # document frequency: a term counts once per complaint
            c[t] += k
    rows = [(g, t, n) for g, c in counters.items() for t, n in c.items()]
    return pd.DataFrame(rows, columns=["group", "term", "count"])


def weighted_log_odds(counts: pd.DataFrame, *, prior_scale: float = 1.0) -> pd.DataFrame:
    """Weighted log-odds ratio of each term in each group against all other groups, with an informative
    Dirichlet prior (Monroe, Colaresi & Quinn 2008, "Fightin' Words", eq. 16–22).

    Prior ``α_w = prior_scale × y_w`` (the term's count over all groups), ``α₀ = Σ α_w``.
    ``δ_w = log((y_iw+α_w)/(n_i+α₀−y_iw−α_w)) − log((y_jw+α_w)/(n_j+α₀−y_jw−α_w))`` with ``j`` = the
    other groups, ``σ² ≈ 1/(y_iw+α_w) + 1/(y_jw+α_w)``, ``z = δ/σ``. The prior shrinks rare terms, so
    groups of different sizes can be compared. Columns: group, term, count, log_odds, z.
    """
    require_columns(counts, ["group", "term", "count"], "weighted_log_odds")
    wide = counts.pivot_table(index="term", columns="group", values="count", aggfunc="sum", fill_value=0)
    if wide.shape[1] < 2:
        raise AnalysisError("weighted_log_odds: needs at least two groups of texts to compare; got "
                            f"{wide.shape[1]} ({', '.join(map(str, wide.columns))}).")
    y = wide.to_numpy(dtype=float)
    total_w = y.sum(axis=1, keepdims=True)
    alpha = prior_scale * total_w
    a0 = alpha.sum()
    n_i = y.sum(axis=0, keepdims=True)
    y_j = total_w - y
    n_j = n_i.sum() - n_i
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = (np.log((y + alpha) / (n_i + a0 - y - alpha)) - np.log((y_j + alpha) / (n_j + a0 - y_j - alpha)))
        z = delta / np.sqrt(1 / (y + alpha) + 1 / (y_j + alpha))
    out = pd.DataFrame({"group": np.tile(wide.columns.to_numpy(), len(wide)),
                        "term": np.repeat(wide.index.to_numpy(), wide.shape[1]),
                        "count": y.ravel(), "log_odds": delta.ravel(), "z": z.ravel()})
    return out[out["count"] > 0].reset_index(drop=True)


def distinctive_terms(texts: pd.Series, groups: pd.Series, *, top: int = 8, min_count: int = 5,
                      max_texts_per_group: int | None = 4000, seed: int = 0, prior_scale: float = 1.0) -> pd.DataFrame:
    """The ``top`` terms most distinctive of each group (:func:`weighted_log_odds`, z > 1.96, count ≥
    ``min_count``), from texts in English and Chinese. Groups larger than ``max_texts_per_group`` are
    sampled (seeded) to keep the tokenising time bounded; the z-scores then refer to the sample.
    Columns: group, rank, term, count, log_odds, z.
    """
    frame = pd.DataFrame({"text": texts.to_numpy(), "group": groups.to_numpy()}).dropna()
    frame = frame[frame["text"].str.len() > 0]
    if frame.empty:
        raise AnalysisError("distinctive_terms: no complaint texts (column description empty).")
    if max_texts_per_group:
        rng = np.random.default_rng(seed)
        keep = []
        for _, g in frame.groupby("group", sort=True):
            idx = g.index.to_numpy()
            keep.append(np.sort(rng.choice(idx, max_texts_per_group, replace=False))
                        if len(idx) > max_texts_per_group else idx)
        frame = frame.loc[np.concatenate(keep)]
    scores = weighted_log_odds(term_counts(frame["text"], frame["group"]), prior_scale=prior_scale)
    scores = scores[(scores["count"] >= min_count) & (scores["z"] > 1.96)]
    scores = scores.sort_values(["group", "z", "term"], ascending=[True, False, True], kind="stable")
    scores["rank"] = scores.groupby("group").cumcount() + 1
    out = scores[scores["rank"] <= top][["group", "rank", "term", "count", "log_odds", "z"]]
    return out.reset_index(drop=True)


def example_complaints(texts: pd.Series, groups: pd.Series, terms: pd.DataFrame, *, per_group: int = 2,
                       max_chars: int = 120, seed: int = 0) -> pd.DataFrame:
    """Example complaint texts per group that contain one of its distinctive terms, masked with
    :func:`csm.text.mask_pii` (and shortened to ``max_chars``). Columns: group, term, example."""
    frame = pd.DataFrame({"text": texts.to_numpy(), "group": groups.to_numpy()}).dropna()
    rng = np.random.default_rng(seed)
    rows = []
    for g, tg in terms.groupby("group", sort=True):
        pool = frame[frame["group"] == g]
        if pool.empty:
            continue
        pool = pool.iloc[rng.permutation(len(pool))[:5000]]
        seen = set()
        for term in tg.sort_values("rank")["term"]:
            needle = term if re.search(r"[\u4e00-\u9fff]", term) else term.split(" ")[0]
            hit = pool[pool["text"].str.lower().str.contains(needle, regex=False)]
            hit = hit[~hit["text"].isin(seen)]
            if len(hit):
                text = mask_pii(str(hit["text"].iloc[0]))
                seen.add(hit["text"].iloc[0])
                rows.append({"group": g, "term": term,
                             "example": text if len(text) <= max_chars else text[:max_chars - 1] + "…"})
            if sum(r["group"] == g for r in rows) >= per_group:
                break
    return pd.DataFrame(rows, columns=["group", "term", "example"])

