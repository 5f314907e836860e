"""The feedback_sentiment report's own sentences and tables (csm.report.sentiment): the verdict on how far
to trust the negative share, the computed calibration wording, merged intervals, the language-mix sentence."""
from __future__ import annotations

import pandas as pd
import pytest

from csm import sentiment
from csm.sentiment.summaries import mix_extremes, wilson


def test_trust_verdict_states_the_precision_of_negative_against_low_ratings():
    """Planted: per language 100 texts read as negative, of which 20 (en) / 25 (zh) have a low CSAT; the verdict
    says "1 in 4" (pooled 45 of 200 = 22.5%) with each language's share and Wilson interval; a language whose
    negatives mostly come with low ratings and whose share matches the ratings is called trustworthy."""
    from csm.report import sentiment as ts

    def texts(language, neg_low, neg_high, pos_high):
        labels = ["negative"] * (neg_low + neg_high) + ["positive"] * pos_high
        csat = [1] * neg_low + [5] * (neg_high + pos_high)
        return pd.DataFrame({"label": labels, "csat": csat, "language": language,
                             "polarity": [-0.5 if x == "negative" else 0.5 for x in labels]})
    scored = pd.concat([texts("en", 20, 80, 100), texts("zh", 25, 75, 100)], ignore_index=True)
    trust = sentiment.trust_by_language(scored, "csat")
    assert list(trust["read_negative"]) == [100, 100] and list(trust["precision"]) == [0.20, 0.25]
    lo, hi = wilson(20, 100, 0.95)
    assert trust.loc[0, "precision_low"] == pytest.approx(lo) and trust.loc[0, "precision_high"] == pytest.approx(hi)
    verdict = ts.trust_verdict(trust, "en")
    assert verdict.startswith("Of the comments read as negative, only about 1 in 4 came with a low rating "
                              f"(English 20% [{100 * lo:.0f}%, {100 * hi:.0f}%]; Chinese 25% [")
    assert "not as the share of unhappy customers" in verdict
    assert ts.trust_verdict(trust, "zh").startswith("判为负面的评论中，大约每 4 条只有 1 条带有低评分（英文 20% [")
    good = sentiment.trust_by_language(texts("en", 45, 5, 150), "csat")  # 25% vs 22.5% low, precision 90%
    assert "can be read as the share of dissatisfied customers" in ts.trust_verdict(good, "en")


def test_calibration_sentence_says_whether_agreement_rises():
    from csm.report import sentiment as ts

    table = pd.DataFrame({"language": ["en"] * 4 + ["zh"] * 4, "abs_polarity": ["0.00–0.25", "0.25–0.50",
                                                                               "0.50–0.75", "0.75–1.00"] * 2,
                          "n": [59, 1808, 1217, 969, 10, 100, 200, 300],
                          "agreement": [0.847, 0.496, 0.981, 1.0, 0.9, 0.5, 0.6, 0.7]})
    text = ts.calibration_sentence(table, "en")
    assert text.startswith("English: agreement does not rise steadily with the strength of the score "
                           "(0.00–0.25 84.7%, 0.25–0.50 49.6%, 0.50–0.75 98.1%, 0.75–1.00 100.0%)")
    # Chinese: the first bin has fewer than 30 texts and is left out; the rest rise
    assert "Chinese: agreement rises with the strength of the score at every step (0.25–0.50 50.0%" in text


def test_formatted_merges_interval_bounds_and_uses_true_minus():
    from csm.report import sentiment as ts

    frame = pd.DataFrame({"n": [1077], "share_negative": [0.466], "ci_low": [0.425], "ci_high": [0.507],
                          "mean_polarity": [-0.06], "polarity_ci_low": [-0.1], "polarity_ci_high": [0.001]})
    out = ts.formatted(frame, "en").iloc[0]
    assert list(ts.formatted(frame, "en").columns) == ["n", "share_negative", "interval", "mean_polarity",
                                                      "polarity_interval"]
    assert (out["n"], out["interval"], out["mean_polarity"]) == ("1,077", "[42.5%, 50.7%]", "\u22120.06")
    assert out["polarity_interval"] == "[\u22120.10, 0.00]"


def test_mix_sentence_is_silent_when_the_texts_have_one_language():
    from csm.report import sentiment as ts

    english = pd.DataFrame({"channel": ["chat", "email"], "n": [100, 100], "share_zh": [0.0, 0.0],
                            "share_en": [1.0, 1.0]})
    assert mix_extremes(english) is None and ts.mix_sentence(None, "channel", "zh") == ""
    mixed = english.assign(share_zh=[0.1, 0.5], share_en=[0.9, 0.5])
    extremes = mix_extremes(mixed)
    differs, sentence = extremes[2], ts.mix_sentence(extremes, "channel", "en")
    assert differs and sentence.startswith("Language mix by channel differs: Chinese is 10% of the texts in ")
