"""The feedback_sentiment analysis in the engine (csm.sentiment.aggregates): every table the report shows equals
what the pandas summaries (csm.sentiment.summaries' per-row functions, the implementation before the engine) give
on the scored rows, on the sample and on a small simulated set with edge cases (empty and letterless texts, NULL
team, comments without a ticket, a comparison month without texts, a latest month without texts, Chinese, English
and mixed texts, tied polarities and ratings); and the bounded sample of texts is stated and changes nothing else.

The pandas reference (:func:`pandas_reference`) is the previous ``analyse`` body, kept here as the test's truth."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from csm import sentiment
from csm.data.load import Dataset, load_tables
from csm.engine import execute
from csm.levels import OTHER, lump_levels
from csm.notes import Note
from csm.sentiment import summaries as sm
from csm.sentiment.aggregates import spearman_sums, validity_cube
from csm.sentiment.analysis import CHARTED, SCORED_LANGUAGES, TOP_AGENTS
from conftest import SAMPLE


def pandas_reference(r) -> dict:
    """What the report's tables were, computed in pandas from the scored rows of result ``r``."""
    when = r.time_column
    key = "response_id" if r.source == "responses" else "ticket_id"
    scored = execute(r.scored).sort_values([when, key], kind="stable", ignore_index=True)
    window = scored[r.window.contains(scored[when])]
    in_period = scored[r.current.contains(scored[when])]
    out = {"headline": sm.period_headline(scored, r.current, r.previous, time=when),
           "window_headline": sm.period_headline(scored, r.window, None, time=when),
           "by_language": sm.sentiment_by(in_period[in_period["language"].isin(SCORED_LANGUAGES)], "language"),
           "breakdowns": {}, "language_mix": {}, "within_language": {}, "mix": {}}
    for by in [d for d in CHARTED if d in r.dims]:
        lumped = lump_levels(window, by, r.max_levels)
        frame = sm.sentiment_by(lumped, by)
        out["breakdowns"][by] = pd.concat([frame[frame[by] != OTHER], frame[frame[by] == OTHER]], ignore_index=True)
        out["language_mix"][by] = sm.language_mix(lumped, by)
        out["mix"][by] = sm.mix_extremes(out["language_mix"][by])
        if out["mix"][by] is not None and out["mix"][by][2]:
            out["within_language"][by] = sm.sentiment_by(lumped[lumped["language"].isin(SCORED_LANGUAGES)],
                                                         ["language", by])
    out["breakdowns"]["language"] = sm.sentiment_by(window, "language")
    out["levels_lumped"] = any(window[by].nunique() > r.max_levels + 1 for by in CHARTED if by in r.dims)
    if "agent_id" in r.dims:
        agents = sm.sentiment_by(window, "agent_id")
        agents = agents[(agents["n"] >= r.agent_min_comments) & (agents["agent_id"] != sm.NO_TICKET)]
        out["agents"] = agents.sort_values("share_negative", ascending=False).head(TOP_AGENTS)
    trend = sm.sentiment_trend(window, time=when, by="language")
    out["trend"] = trend[trend["language"].isin(SCORED_LANGUAGES)].reset_index(drop=True)
    out["negative_languages"] = tuple(sorted(set(window.loc[window["label"] == "negative", "language"])))
    ratings = list(r.ratings)
    if ratings:
        known = scored[scored["language"].isin(SCORED_LANGUAGES)]
        rated = known[known[ratings].notna().any(axis=1) & known["label"].notna()]
        agreement = sm.rating_agreement(known)
        main = ratings[0]
        out["rated"] = {"n": len(rated), "first": rated[when].min(), "last": rated[when].max()}
        out["agreement"] = agreement[agreement["rating"].isin(ratings)]
        out["trust"] = sm.trust_by_language(scored, main)
        out["calibration"] = sm.calibration_by_rating(known, main)
        out["confusion"] = {lang: sm.confusion_matrix(known[(known["language"] == lang) & known[main].notna()], main)
                            for lang in SCORED_LANGUAGES
                            if len(known[(known["language"] == lang) & known[main].notna()])}
    window = window.reset_index(drop=True)
    found = sentiment.aspects(window["comment"])
    out["aspect_table"] = sentiment.aspect_summary(window, found)
    out["text_span"] = (scored[when].min(), scored[when].max())
    return out


def assert_same(engine, reference, path="result"):
    """Frames equal (values; counts exact, floats to 1e-9 relative), dicts and tuples item by item."""
    if isinstance(reference, pd.DataFrame):
        a, b = engine.reset_index(drop=True), reference.reset_index(drop=True)
        assert list(a.columns) == list(b.columns), path
        for c in a.columns:
            if c == "n" or c.endswith("_n") or c in ("negative", "mentions", "read_negative"):
                assert a[c].astype("int64").tolist() == b[c].astype("int64").tolist(), f"{path}.{c}"
            elif pd.api.types.is_numeric_dtype(b[c]) and not pd.api.types.is_bool_dtype(b[c]):
                np.testing.assert_allclose(a[c].to_numpy(float), b[c].to_numpy(float), rtol=1e-9, atol=1e-12,
                                           err_msg=f"{path}.{c}")
            else:
                assert [None if pd.isna(v) else v for v in a[c]] == [None if pd.isna(v) else v for v in b[c]], \
                    f"{path}.{c}"
    elif isinstance(reference, pd.Series):
        assert_same(engine.to_frame().T, reference.to_frame().T, path)
    elif isinstance(reference, dict):
        assert set(engine) == set(reference), path
        for k in reference:
            assert_same(engine[k], reference[k], f"{path}.{k}")
    elif isinstance(reference, (tuple, list)):
        assert len(engine) == len(reference), path
        for i, (a, b) in enumerate(zip(engine, reference)):
            assert_same(a, b, f"{path}[{i}]")
    elif isinstance(reference, sm.Headline):
        assert_same(engine.__dict__, reference.__dict__, path)
    elif isinstance(reference, float) and not isinstance(reference, bool):
        assert engine == pytest.approx(reference, rel=1e-9, nan_ok=True), path
    elif reference is None or (not isinstance(reference, (str, bool)) and pd.isna(reference)):
        assert engine is None or pd.isna(engine), path
    else:
        assert engine == reference, path


def check_against_pandas(r) -> dict:
    ref = pandas_reference(r)
    for name, value in ref.items():
        assert_same(getattr(r, name), value, name)
    return ref


@pytest.fixture(scope="module")
def sample_result():
    return sentiment.analyse(load_tables(SAMPLE, tables=["tickets", "responses"], required=()))


def test_the_sample_report_equals_the_pandas_tables(sample_result):
    check_against_pandas(sample_result)
    assert not any(n.code == "texts_sampled" for n in sample_result.notes)


# --------------------------------------------------------------------------- a small simulated set
EN = ["The agent was rude and the refund never came.", "Great help, solved quickly, thank you!",
      "Delivery was slow and nobody answered.", "Okay.", "Terrible quality, broken on arrival.",
      "Friendly agent, fast reply."]
ZH = ["服务态度很差，等了半天没人回复。", "物流很快，质量很好，非常满意。", "退款一直没到，太慢了。", "客服很专业，解决了问题。"]
MIXED = ["The delivery was slow 物流太慢了", "客服 very helpful, thanks"]
EMPTY = ["", "12345", "!!!"]


def simulated(seed: int = 7):
    """~500 survey responses Jan–Jun 2026 (none with a comment in April, June without any comment) linked to
    tickets with 5 teams (some NULL), some responses without a ticket."""
    rng = np.random.default_rng(seed)
    n_tickets = 420
    tickets = pd.DataFrame({
        "ticket_id": [f"T{i:04d}" for i in range(n_tickets)],
        "created_at": pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 150 * 24, n_tickets), "h"),
        "channel": rng.choice(["chat", "email", "phone"], n_tickets).tolist(),
        "team": rng.choice(["north", "south", "east", "west", "hub"], n_tickets).tolist(),
        "agent_id": rng.choice([f"A{i}" for i in range(12)], n_tickets).tolist(),
        "category": rng.choice(["billing", "delivery", "product", "account"], n_tickets).tolist()})
    tickets.loc[rng.random(n_tickets) < 0.1, "team"] = None
    rows = []
    for i in range(520):
        day = pd.Timestamp("2026-01-01") + pd.Timedelta(hours=int(rng.integers(0, 181 * 24)))
        pool = rng.choice(4, p=[0.5, 0.3, 0.1, 0.1])
        comment = str(rng.choice([EN, ZH, MIXED, EMPTY][pool]))   # Python text (DuckDB 1.1 reads no numpy str_)
        if day.month in (4, 6) or rng.random() < 0.05:
            comment = None
        rows.append({"response_id": f"R{i:04d}", "submitted_at": day, "comment": comment,
                     "ticket_id": None if rng.random() < 0.15 else f"T{rng.integers(0, n_tickets):04d}",
                     "csat": float(rng.integers(1, 6)) if rng.random() < 0.9 else np.nan,
                     "nps": float(rng.integers(0, 11)) if rng.random() < 0.8 else np.nan})
    responses = pd.DataFrame(rows).sort_values(["submitted_at", "response_id"], ignore_index=True)
    return Dataset(tickets=tickets, responses=responses)


@pytest.fixture(scope="module")
def sim():
    return simulated()


@pytest.fixture(scope="module")
def sim_result(sim):
    return sentiment.analyse(sim, lookback_months=6, max_levels=2, agent_min_comments=5)


def test_the_simulated_edge_cases_equal_the_pandas_tables(sim_result):
    r = sim_result
    # the edge cases are there: June has no comment (the report moves to May), April none (empty comparison),
    # teams lumped, a NULL team, comments without a ticket, letterless texts, mixed-language texts
    assert r.current.label == "2026-05" and r.empty_latest.label == "2026-06"
    assert r.headline.previous_n == 0 and np.isnan(r.headline.difference)
    assert r.levels_lumped and OTHER in set(r.breakdowns["team"]["team"])
    scored = execute(r.scored)
    assert r.breakdowns["team"]["team"].isna().any() and (scored["team"] == sm.NO_TICKET).any()
    assert (scored["label"].isna() & scored["comment"].notna()).any() and (scored["language"] == "mixed").any()
    check_against_pandas(r)


def test_a_comparison_with_texts_and_no_ratings(sim):
    r = sentiment.analyse(sim, period="2026-03", comparison="previous", max_levels=10, agent_min_comments=1)
    assert r.headline.previous_n > 0 and not np.isnan(r.headline.p_value)
    check_against_pandas(r)
    unrated = Dataset(tickets=sim.tickets, responses=sim.responses.drop(columns=["csat", "nps"]))
    r = sentiment.analyse(unrated, period="2026-03")
    assert r.ratings == () and r.trust is None
    check_against_pandas(r)


def test_spearman_from_ranks_equals_scipy_with_ties(sim_result):
    rows = sim_result.scored
    rows = rows.filter(rows.language.isin(["en", "zh"]))
    cube = validity_cube(rows, "submitted_at", ["csat", "nps"], sm.CALIBRATION_BINS)
    frame = execute(rows)
    for rating in ("csat", "nps"):
        sums = spearman_sums(rows, rating, cube)
        assert set(sums) == {"en", "zh"}
        for language, (n, sxx, syy, sxy) in sums.items():
            h = frame[(frame["language"] == language) & frame["label"].notna() & frame[rating].notna()]
            rho, p = st.spearmanr(h["polarity"], h[rating])
            assert n == len(h)
            assert sm.spearman_from_sums(n, sxx, syy, sxy) == pytest.approx((rho, p), rel=1e-9)


def test_the_sampled_texts_are_stated_and_change_nothing_else(sim, sim_result):
    window_rows = int(execute(sim_result.scored.filter(
        (sim_result.scored.submitted_at >= sim_result.window.start.to_pydatetime())
        & (sim_result.scored.submitted_at < sim_result.window.end.to_pydatetime())).count()))
    sampled = sentiment.analyse(sim, lookback_months=6, max_levels=2, agent_min_comments=5, max_texts=60)
    assert window_rows > 60
    # stated in scored texts, as every other sentence counts them (the sample's 60 rows include unscored ones)
    assert Note("texts_sampled", n=sampled.window_headline.n, sampled=sampled.aspect_base.n) in sampled.notes
    assert sampled.aspect_base.n < sampled.window_headline.n == sim_result.window_headline.n
    assert sampled.aspect_mentions["position"].max() < 60 and sampled.aspect_table["mentions"].max() <= 60
    assert sampled.aspect_base.n <= 60
    for name in ("headline", "window_headline", "by_language", "breakdowns", "agents", "trend", "agreement",
                 "trust", "calibration", "confusion"):
        assert_same(getattr(sampled, name), getattr(sim_result, name), name)
    again = sentiment.analyse(sim, lookback_months=6, max_levels=2, agent_min_comments=5, max_texts=60)
    assert_same(again.aspect_table, sampled.aspect_table)     # a fixed sample
    from csm.report.sentiment import note_sentences
    k, n = sampled.aspect_base.n, sampled.window_headline.n
    assert f"Topics and example quotes come from {k} of the {n} comments of the window" in note_sentences(sampled,
                                                                                                         "en")[-1]
    assert f"{n} 条评论中按记录编号固定抽取的 {k} 条" in note_sentences(sampled, "zh")[-1]
    from csm.report.sentiment import findings
    topic = [f.text for f in findings(sampled, "en") if "most frequent topic" in f.text]
    assert topic and topic[0].startswith(f"In a fixed sample of {sampled.aspect_base.n} of the "
                                         f"{sampled.window_headline.n} comments")
    assert "95% CI" in topic[0]
    whole = [f.text for f in findings(sim_result, "en") if "most frequent topic" in f.text]
    assert whole and whole[0].startswith("Over ")   # below max_texts: every text, no sample named
