"""csm.sentiment.analyse (the feedback_sentiment report's analysis) and csm.report.sentiment's sections: windows by
Period.contains, what is recorded, notes and skipped sections, examples, and every show_<section> in both
languages. Expectations are computed by hand from the texts, not copied from a run."""
from __future__ import annotations

import matplotlib
import pandas as pd
import pytest

from csm import sentiment
from csm.data.load import Dataset, load_tables
from csm.engine import execute
from csm.errors import DataError, ParameterError
from csm.notes import Note, Skipped
from csm.periods import Period
from conftest import SAMPLE

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def sample_data():
    return load_tables(SAMPLE, tables=["tickets", "responses"], required=())


@pytest.fixture(scope="module")
def sample_result(sample_data):
    return sentiment.analyse(sample_data)


def _responses(rows):
    """Survey responses from (submitted_at, comment, csat) rows."""
    frame = pd.DataFrame(rows, columns=["submitted_at", "comment", "csat"])
    frame.insert(0, "response_id", [f"R{i}" for i in range(len(frame))])
    frame["submitted_at"] = pd.to_datetime(frame["submitted_at"], format="ISO8601")
    return frame


def test_a_comment_at_midnight_after_the_period_is_outside_it():
    """The bug fixed: the notebook's window ``<= current.last_day + 1 day`` counted a comment stamped 00:00 on the
    day after the period. Every window is a Period now: June's headline, the lookback window and the trend leave
    out the comment of 1 July 00:00 (the data's last moment, so 'latest' is June)."""
    rows = [("2026-06-03 10:00", "The agent was rude and useless.", 1),
            ("2026-06-15 12:00", "Great help, thank you!", 5),
            ("2026-06-30 23:59:59", "Terrible service, nobody answered.", 1),
            ("2026-07-01 00:00:00", "Awful, slow and unhelpful.", 1)]
    result = sentiment.analyse(Dataset(responses=_responses(rows)), comparison=None)
    assert result.current == Period(pd.Timestamp("2026-06-01"), pd.Timestamp("2026-07-01"), "month")
    assert result.headline.n == 3 and result.headline.negative == 2
    assert result.window.end == pd.Timestamp("2026-07-01") and result.window_headline.n == 3
    assert list(result.trend["period_start"].unique()) == [pd.Timestamp("2026-06-01")]
    assert result.trend["n"].sum() == 3
    assert result.records()["comments"] == 3


def test_records_are_what_the_notebook_records(sample_result, sample_data):
    records = sample_result.records()
    assert list(records) == ["period", "text_source", "comments", "share_negative", "share_negative_ci",
                             "share_negative_previous", "mean_polarity", "spearman_csat", "spearman_nps", "aspects",
                             "thresholds", "skipped"]
    current = sample_result.current
    scored = execute(sample_result.scored)
    in_period = scored[current.contains(scored["submitted_at"]) & scored["label"].notna()]
    assert records["comments"] == len(in_period)
    assert records["share_negative"] == pytest.approx((in_period["label"] == "negative").mean(), abs=1e-12)
    lo, hi = records["share_negative_ci"]
    assert lo < records["share_negative"] < hi
    assert records["period"] == {"period": current.label, "start": current.start, "end": current.last_day,
                                 "comparison": sample_result.previous.label}
    assert records["text_source"] == "responses" and records["skipped"] == []
    assert records["thresholds"] == {"negative_below": -0.05, "positive_above": 0.2}
    assert set(records["mean_polarity"]) == {"en", "zh"} and set(records["spearman_csat"]) == {"en", "zh"}
    assert list(records["aspects"].columns) == ["aspect", "mentions", "negative", "share_negative", "impact"]


def test_the_lookback_window_ends_with_the_period(sample_result):
    r = sample_result
    assert r.window.end == r.current.end and r.window.start == r.current.end - pd.DateOffset(months=12)
    scored = execute(r.scored)
    window = scored[r.window.contains(scored["submitted_at"]) & scored["label"].notna()]
    assert r.window_headline.n == len(window)
    assert r.breakdowns["language"]["n"].sum() == len(window)
    assert set(r.breakdowns) == {"channel", "team", "category", "language"}
    assert r.trend["period_start"].min() >= r.window.start and r.trend["period_start"].max() < r.window.end
    assert set(r.trend["language"]) == {"en", "zh"}


def test_agents_are_the_most_negative_with_enough_comments(sample_result):
    agents = sample_result.agents
    assert 0 < len(agents) <= 10 and (agents["n"] >= 30).all()
    assert list(agents["share_negative"]) == sorted(agents["share_negative"], reverse=True)
    assert sentiment.NO_TICKET not in set(agents["agent_id"])


def test_validity_tables_against_the_main_rating(sample_result):
    r = sample_result
    assert r.ratings == ("csat", "nps") and r.main_rating == "csat"
    assert set(r.confusion) == {"en", "zh"}
    scored = execute(r.scored)
    for language, wide in r.confusion.items():
        texts = scored[(scored["language"] == language) & scored["csat"].notna() & scored["label"].notna()]
        assert list(wide.index) == list(sentiment.LABELS) == list(wide.columns)
        assert wide.to_numpy().sum() == len(texts)
    assert set(r.calibration["language"]) == {"en", "zh"} and set(r.trust["language"]) == {"en", "zh"}
    assert set(r.agreement["rating"]) == {"csat", "nps"}


def test_examples_prefer_the_report_language(sample_result):
    examples = sample_result.examples
    top = list(sample_result.aspect_table["aspect"].head(3))
    for key in ("en", "zh", "any"):
        assert list(examples[key].columns) == ["aspect", "example"] and set(examples[key]["aspect"]) <= set(top)
    assert examples["zh"]["example"].str.contains("[\u4e00-\u9fff]").all()
    assert not examples["en"]["example"].str.contains("[\u4e00-\u9fff]").any()


def test_sections_the_data_cannot_support_are_skipped():
    rows = [("2026-06-03 10:00", "The agent was rude.", None), ("2026-06-30 10:00", "Lovely agent.", None)]
    responses = _responses(rows).drop(columns="csat")
    result = sentiment.analyse(Dataset(responses=responses))
    assert result.skipped == (Skipped("breakdowns", "tickets"), Skipped("validity", "responses.csat"))
    assert result.records()["skipped"] == [{"section": "breakdowns", "needs": "tickets"},
                                           {"section": "validity", "needs": "responses.csat"}]
    assert result.breakdowns == {"language": result.breakdowns["language"]} and result.agents is None
    assert result.trust is None and result.confusion == {} and result.records()["spearman_csat"] == {}


def test_ticket_descriptions_and_a_latest_month_without_text_are_noted():
    tickets = pd.DataFrame({"ticket_id": ["T1", "T2", "T3"],
                            "created_at": pd.to_datetime(["2026-05-02", "2026-05-20", "2026-06-30"]),
                            "description": ["Refund never arrived, useless.", "Thanks, solved quickly.", None]})
    progress = []
    result = sentiment.analyse(Dataset(tickets=tickets), progress=lambda done, total: progress.append((done, total)))
    assert result.source == "tickets" and result.time_column == "created_at"
    assert result.current.label == "2026-05" and result.empty_latest.label == "2026-06"
    assert result.notes == (Note("sentiment_source_tickets", n=2, chosen=True),
                            Note("sentiment_latest_moved", empty="2026-06"))
    assert progress == [(2, 2)]


def test_no_text_and_an_empty_period_fail_with_what_to_do():
    with pytest.raises(DataError, match="No texts with letters or Chinese characters in responses.comment"):
        sentiment.analyse(Dataset(responses=_responses([("2026-06-03", "12345", 3)])))
    with pytest.raises(ParameterError, match="The period 2025-01 holds no texts"):
        sentiment.analyse(Dataset(responses=_responses([("2026-06-03", "Good", 3)])), period="2025-01")


# --------------------------------------------------------------------------- csm.report.sentiment
@pytest.fixture()
def shown(monkeypatch):
    """What the sections display: the objects passed to display() and the number of figures shown."""
    import matplotlib.pyplot as plt

    from csm.report import sentiment as report
    out = {"objects": [], "figures": 0}
    monkeypatch.setattr(report, "display", lambda obj: out["objects"].append(obj))

    def show():
        out["figures"] += len(plt.get_fignums())
        plt.close("all")
    monkeypatch.setattr(plt, "show", show)
    return out


def _text(objects) -> str:
    parts = []
    for obj in objects:
        parts.append(obj.data if hasattr(obj, "data") else obj.to_string() if hasattr(obj, "to_string") else str(obj))
    return "\n".join(map(str, parts))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_section_shows_in_both_languages(sample_result, shown, lang):
    from csm.report import sentiment as report
    for section in (report.show_summary, report.show_distribution, report.show_trend, report.show_aspects,
                    report.show_validity, report.show_appendix, report.show_data_notes):
        section(sample_result, lang)
    text = _text(shown["objects"])
    assert shown["figures"] == 3          # breakdown bars, trend, aspects
    assert "nan" not in text.lower().replace("nana", "")
    if lang == "en":
        for heading in ("# Customer feedback sentiment — ", "## Trend", "## What negative feedback is about",
                        "## How far to trust the scores", "Appendix: rating agreement in detail"):
            assert heading in text
        assert "Label from text" in text   # the confusion tables through display_frame
    else:
        assert "客户反馈情感分析" in text and "## 趋势" in text


def test_findings_lead_with_the_headline(sample_result):
    from csm.report import sentiment as report
    findings = report.findings(sample_result, "en")
    assert 3 <= len(findings) <= 5
    head = sample_result.headline
    assert findings[0].text.startswith(f"{head.n:,} comments in ")
    assert f"{head.share_negative:.1%}" in findings[0].text


def test_skipped_sections_and_notes_are_sentences(shown):
    from csm.report import sentiment as report
    tickets = pd.DataFrame({"ticket_id": ["T1", "T2"], "created_at": pd.to_datetime(["2026-05-02", "2026-05-31"]),
                            "description": ["Refund never arrived, useless.", "Thanks, solved quickly."]})
    result = sentiment.analyse(Dataset(tickets=tickets))
    assert report.note_sentences(result, "en") == [
        "The texts scored are the tickets' descriptions (tickets.description, 2 tickets with text): the data has no "
        "survey comments (responses.comment), and text_source is 'auto'."]
    report.show_validity(result, "en")
    assert "left out: it needs survey comments with a rating" in _text(shown["objects"])
