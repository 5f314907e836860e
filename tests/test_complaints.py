"""csm.complaints: recovery of the planted complaint spike, false-alarm control, and each statistic
against scipy / statsmodels / hand calculation on small inputs."""
import numpy as np
import pandas as pd
import pytest
import scipy.stats as st
import statsmodels.api as sm

from csm import complaints as C
from csm.compat import STR
from csm.data.sample import TRUTH
from csm.errors import AnalysisError, DataError
from csm.notes import Note
from csm.report import complaints as report
from csm.report.labels import LABELS, PHRASES, note_text


@pytest.fixture(scope="module")
def tickets():
    from pathlib import Path
    return pd.read_parquet(Path(__file__).resolve().parents[1] / "data" / "sample" / "tickets.parquet")


@pytest.fixture(scope="module")
def spikes(tickets):
    return C.find_spikes(tickets)


# --------------------------------------------------------------------------- planted truth
def test_planted_spike_is_recovered_with_its_weeks_and_drivers(tickets, spikes):
    truth = TRUTH["spike"]
    table = C.describe_spikes(tickets, spikes)
    fine = table[table["level"] == "category×region"]
    assert len(fine) == 1, fine  # "No other category/region series has a spike"
    s = fine.iloc[0]
    assert (s["category"], s["region"]) == (truth["category"], truth["region"])
    assert s["start"] == pd.Timestamp(truth["start"]) and s["end"] == pd.Timestamp(truth["end"])
    assert 2.5 < s["ratio"] < 3.5  # planted multiplier 3
    drivers = dict(d.split("=") for d in s["drivers"].split("; "))
    assert drivers.get("carrier") == truth["carrier"] and drivers.get("sub_reason") == truth["sub_reason"]
    assert "product" not in drivers and "channel" not in drivers  # the extra tickets follow the usual mix there
    # the coarser spikes (all logistics, all east, all complaints) are the same event, explained by the finer
    # one: it holds their excess and is concentrated (east is a quarter of logistics, logistics < 1/3 of all)
    coarse = table[table["level"] != "category×region"]
    assert {"category", "region"} <= set(coarse["level"])
    assert (coarse["explained_by"] == "logistics×east").all() and not coarse["finding"].any()
    assert ((coarse["start"] >= s["start"]) & (coarse["end"] <= s["end"])).all()
    assert s["finding"] and s["part_of"] == ""


def test_root_cause_table_puts_the_planted_spike_first(tickets, spikes):
    table = C.describe_spikes(tickets, spikes, period=("2026-06-01", "2026-07-01"))
    root = C.root_cause_table(spikes=table)
    top = root.iloc[0]
    assert (top["kind"], top["category"], top["dimension"], top["level"]) == ("spike", "logistics", "region", "east")
    assert "carrier=swift_express" in top["drivers"] and top["start"] == pd.Timestamp("2025-11-10")
    assert len(root) == 1  # coarse spikes explained by the finer one are not listed twice
    sentence = report.root_cause_sentence(top, "en")
    assert "Swift Express" in sentence and "10–30 November 2025" in sentence and "Logistics · East" in sentence
    assert "迅捷快递" in report.root_cause_sentence(top, "zh")


def test_spike_terms_name_the_delay(tickets):
    east = tickets[(tickets["region"] == "east") & (tickets["category"] == "logistics")
                   & (tickets["created_at"] >= "2025-09-15") & (tickets["created_at"] < "2026-01-26")]
    during = (east["created_at"] >= "2025-11-10") & (east["created_at"] < "2025-12-01")
    terms = C.distinctive_terms(east["description"], during.map({True: "spike", False: "usual"}), top=10)
    spike_terms = set(terms.loc[terms["group"] == "spike", "term"])
    assert {"double", "sale"} & spike_terms and spike_terms & {"延迟", "配送延迟", "超时", "delayed", "overdue"}


# --------------------------------------------------------------------------- spikes: false alarms and STL
def _series(rng, weeks, level=80.0, amp=0.12):
    t = np.arange(weeks)
    mean = level * (1 + amp * np.cos(2 * np.pi * (t - 45) / 52.18))
    return rng.poisson(mean).astype(float)


def _weekly(y):
    return pd.DataFrame({"week": pd.date_range("2023-01-02", periods=len(y), freq="7D"), "count": y})


@pytest.mark.parametrize("weeks,method", [(78, "rolling_median"), (156, "stl")])
def test_no_spike_series_rarely_flagged(weeks, method):
    rng = np.random.default_rng(7)
    n_series = 150 if method == "stl" else 300
    flagged = 0
    for _ in range(n_series):
        res = C.detect_spikes(_weekly(_series(rng, weeks, level=rng.uniform(20, 200))))
        assert (res.scores["method"] == method).all()
        flagged += len(res.summary) > 0
    # family-wise alarm rate per series is nominally alpha = 5%; allow the simulation's sampling error
    # (sd ≈ 1.3–1.8 points at these numbers of series). Measured: 4.7% (78 weeks), 3.3% (156 weeks).
    assert flagged / n_series <= 0.08


@pytest.mark.parametrize("weeks", [78, 156])
def test_planted_spike_found_in_seasonal_series(weeks):
    rng = np.random.default_rng(11)
    y = _series(rng, weeks)
    y[60:63] = rng.poisson(80 * 2.0, 3)  # doubled for three weeks
    res = C.detect_spikes(_weekly(y))
    assert len(res.summary) == 1
    s = res.summary.iloc[0]
    assert s["start"] == pd.Timestamp("2023-01-02") + pd.Timedelta(weeks=60) and s["weeks"] == 3
    assert any(n.code == "short_history" for n in res.notes) == (weeks < 104)


def test_short_history_fallback_is_stated():
    res = C.detect_spikes(_weekly(np.full(30, 50.0)))
    assert res.notes == (Note("short_history", weeks=30, needed=104, window=13),) and res.summary.empty
    assert report.note_sentence(res.notes[0], "en").startswith("The data hold 30 complete weeks, fewer than the 104")


@pytest.mark.parametrize("weeks,tested", [(8, False), (16, False), (17, True), (30, True)])
def test_too_short_a_history_is_not_tested_never_no_spike(weeks, tested):
    # complaints triple in the last three weeks (the March-April 2019 CFPB shape: ~20 to ~490 a week)
    rng = np.random.default_rng(5)
    y = rng.poisson(60.0, weeks).astype(float)
    y[-5:-2] = rng.poisson(180.0, 3)
    res = C.detect_spikes(_weekly(y))
    assert C.min_history_weeks(13) == 17  # the 13-week rolling-median window plus 4 weeks
    assert (res.tested, res.weeks, res.min_weeks) == (tested, weeks, 17)
    if tested:  # enough history: the planted surge is found, weeks and all
        assert len(res.summary) == 1 and res.summary["weeks"].iloc[0] == 3
    else:  # too short: nothing searched, stated as such (an empty summary is not "no spike")
        assert res.summary.empty and "not tested" in repr(res)
        assert res.notes == (Note("spikes_not_tested", weeks=weeks, needed=17, window=13, extra=4),)
    # find_spikes carries the verdict over all its levels
    start = pd.Timestamp("2023-01-02")
    t = pd.DataFrame({"created_at": start + pd.to_timedelta(np.repeat(np.arange(weeks) * 7, y.astype(int)), unit="D")
                      + pd.Timedelta(hours=12), "category": "a", "region": "x"})
    found = C.find_spikes(t, end=start + pd.Timedelta(weeks=weeks))
    assert (found.tested, found.weeks) == (tested, weeks) and found.summary.empty != tested


def test_not_tested_sentences_in_both_languages():
    note = Note("spikes_not_tested", weeks=8, needed=17, window=13, extra=4)
    en, zh = note_text(note, "en"), note_text(note, "zh")
    assert en.startswith("Spikes not tested: 8 complete weeks of history, at least 17 needed")
    assert zh.startswith("未检测激增：历史数据只有 8 个完整周，至少需要 17 周")


def test_trivial_concentration_is_not_a_finding_even_when_significant():
    cells = pd.DataFrame({"dimension": "channel", "category": ["a", "b", "c"], "level": ["other", "phone", "web"],
                          "observed": [2771.0, 59.0, 1200.0], "expected": [2644.0, 30.8, 1050.0],
                          "ratio": [2771 / 2644, 59 / 30.8, 1200 / 1050], "adjusted_residual": [12.5, 5.5, 6.0],
                          "p_adjusted": [1e-30, 1e-6, 1e-8], "over_represented": True,
                          "level_members": "", "category_members": ""})
    root = C.root_cause_table(concentration_cells=cells)
    # O/E 1.05 (big n, tiny effect) is left out; 1.92 and 1.14 -> only the first passes the 1.2 threshold
    assert root["level"].tolist() == ["phone"] and C.MIN_CONCENTRATION_RATIO == 1.2


def test_a_level_new_this_period_says_new_not_inf():
    changes = pd.DataFrame({"category": ["a", "b"], "count": [1, 5], "count_previous": [0, 4],
                            "estimate": [np.inf, 1.25], "ci_low": [0.03, 0.3], "ci_high": [np.inf, 6.0],
                            "p_adjusted": [1.0, 1.0], "share_change": [0.1, -0.1], "significant": [True, False]})
    for lang, new in (("en", "new (0 before)"), ("zh", "新增（上期为 0）")):
        shown = report.changes_table(changes, lang)
        text = " ".join(shown.astype(str).to_numpy().ravel())
        assert new in text and "inf" not in text and "1.25× (0.30–6.00)" in text
        sentence = report.change_sentences(changes, lang)[0]
        assert "inf" not in sentence and ("none in the previous period" in sentence or "上期为 0" in sentence)


def test_spike_rows_name_their_dimension():
    row = pd.Series({"category": "Credit reporting, credit repair services, or other personal consumer reports",
                     "region": "FL"})
    assert report.spike_level_text(row[["region"]], ["region"], "en") == "Region FL"
    assert report.spike_level_text(row, ["category", "region"], "en") == \
        "Category Credit reporting, credit repair services, or other personal consumer reports · Region FL"  # whole
    assert report.spike_level_text(pd.Series({"category": pd.NA}), ["category"], "en") == "All complaints"
    assert report.spike_level_text(row[["region"]], ["region"], "zh") == "区域“FL”"


# --------------------------------------------------------------------------- chi-square, residuals, V
def _frame_from_table(table, rows="category", cols="channel"):
    r, c = np.indices(np.shape(table))
    reps = np.ravel(table)
    return pd.DataFrame({rows: np.repeat([f"r{i}" for i in r.ravel()], reps),
                         cols: np.repeat([f"c{j}" for j in c.ravel()], reps)})


def test_chi_square_matches_scipy_and_hand_residuals():
    table = np.array([[30, 10, 12], [15, 25, 20], [10, 12, 30]])
    res = C.contingency_test(_frame_from_table(table), "channel")
    chi2, p, dof, expected = st.chi2_contingency(table, correction=False)
    assert res.chi2 == pytest.approx(chi2) and res.p_value == pytest.approx(p) and res.dof == dof
    np.testing.assert_allclose(res.expected.to_numpy(), expected)
    assert res.cramers_v == pytest.approx(st.contingency.association(table, method="cramer"))
    # hand: cell (0,0): O=30, row 52, col 55, n 164
    n, r, c = 164, 52, 55
    e = r * c / n
    hand = (30 - e) / np.sqrt(e * (1 - r / n) * (1 - c / n))
    assert res.cells.iloc[0]["adjusted_residual"] == pytest.approx(hand)
    assert res.cells.iloc[0]["over_represented"]


def test_two_by_two_adjusted_residual_squared_is_chi_square():
    table = np.array([[20, 30], [35, 15]])
    adj = C.adjusted_residuals(table)
    chi2 = st.chi2_contingency(table, correction=False)[0]
    np.testing.assert_allclose(adj ** 2, chi2)


def test_small_expected_counts_are_pooled_with_a_note():
    table = np.array([[40, 35, 1, 2, 6], [30, 45, 0, 1, 5], [33, 38, 1, 3, 4]])
    res = C.contingency_test(_frame_from_table(table), "channel")
    # rare: fewer than 5 × 3 categories = 15 tickets -> c2 (2) and c3 (6) pooled; c4 (15) kept; the pool (8) is
    # still too small for Cochran's rule and is left out, with its tickets named in a note
    assert list(res.observed.columns) == ["c0", "c1", "c4"]
    assert res.dropped["channel"] == {"c2": 2, "c3": 6}
    assert Note("contingency_dropped", dimension="channel", n=8, levels=("c2", "c3")) in res.notes
    assert report.note_sentence(res.notes[-1], "en") == \
        "Channel: 8 tickets of rare levels left out (too few for the test): c2, c3"
    assert res.expected.to_numpy().min() >= 1


def test_a_large_level_is_never_pooled_and_a_pool_is_named_by_its_members():
    # the CFPB shape: 'other' (thousands), 'phone' (hundreds), 'email' (2): phone is not rare; email alone is
    # too few for the test and is left out rather than pooled with phone into something that looks like "other"
    rng = np.random.default_rng(3)
    table = np.column_stack([rng.integers(300, 900, 8), rng.integers(20, 90, 8), [1, 1] + [0] * 6])
    res = C.contingency_test(_frame_from_table(table), "channel")
    assert "c1" in res.observed.columns and C.OTHER_LEVELS not in res.observed.columns
    assert res.dropped["channel"] == {"c2": 2}
    # several rare levels that together are large enough: one pool, labelled with what it holds
    table = np.column_stack([rng.integers(300, 900, 4), rng.integers(200, 400, 4), [3, 4, 2, 3], [4, 2, 5, 3]])
    res = C.contingency_test(_frame_from_table(table), "channel")
    assert res.pooled["channel"] == ["c2", "c3"] and C.OTHER_LEVELS in res.observed.columns
    pool = res.cells[res.cells["channel"] == C.OTHER_LEVELS]
    assert (pool["channel_members"] == "c2|c3").all()
    pooled_label = report.pooled_label
    assert pooled_label(C.OTHER_LEVELS, "phone|email", "en") == "Phone + E-mail"
    assert pooled_label(C.OTHER_LEVELS, "phone|email", "zh") == "电话 + 邮件"
    assert pooled_label(C.OTHER_LEVELS, "a|b|c|d|e", "en") == "5 rare levels: a + b + c + d + e"  # nothing cut


# --------------------------------------------------------------------------- logistic regression
def _simulated_outcomes(n=20000, seed=3):
    rng = np.random.default_rng(seed)
    channel = rng.choice(["chat", "phone", "email"], n, p=[0.5, 0.3, 0.2])
    priority = rng.choice(["normal", "high"], n, p=[0.7, 0.3])
    logit = -1.0 + np.log(2.0) * (channel == "email") + np.log(0.7) * (channel == "phone") \
        + np.log(1.5) * (priority == "high")
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    return pd.DataFrame({"channel": channel, "priority": priority, "escalated": y})


def test_pattern_aggregated_fit_equals_ticket_level_logit_and_recovers_odds_ratios():
    frame = _simulated_outcomes()
    m = C.fit_outcome_model(frame, "escalated", ["channel", "priority"])
    X = sm.add_constant(pd.get_dummies(frame[["channel", "priority"]], drop_first=False)
                        [["channel_email", "channel_phone", "priority_high"]].astype(float))
    ref = sm.Logit(frame["escalated"], X).fit(disp=0)
    s = m.summary.set_index("level")
    for lvl, col in (("email", "channel_email"), ("phone", "channel_phone"), ("high", "priority_high")):
        term = f"{'priority' if lvl == 'high' else 'channel'}[{lvl}]"
        assert np.log(s.loc[lvl, "estimate"]) == pytest.approx(ref.params[col], rel=1e-6)
        assert np.log(s.loc[lvl, "ci_high"]) == pytest.approx(ref.conf_int().loc[col, 1], rel=1e-6)
        # the fit_* shape: coefficients and standard errors by term, as the ticket-level fit has them
        assert m.params[term] == pytest.approx(ref.params[col], rel=1e-6)
        assert m.standard_errors[term] == pytest.approx(ref.bse[col], rel=1e-6)
    assert m.params["const"] == pytest.approx(ref.params["const"], rel=1e-6) and np.isfinite(m.loglik)
    np.testing.assert_allclose(m.predict(frame).to_numpy(), ref.predict(X).to_numpy(), rtol=1e-6)
    for lvl, true in (("email", 2.0), ("phone", 0.7), ("high", 1.5)):
        assert s.loc[lvl, "ci_low"] < true < s.loc[lvl, "ci_high"]
    assert set(s["reference"]) == {"chat", "normal"}


def test_separation_and_rare_levels_do_not_crash():
    frame = _simulated_outcomes(4000)
    frame.loc[:5, "channel"] = "fax"          # rare level, all escalated: quasi-separation
    frame.loc[:5, "escalated"] = 1.0
    frame["region"] = "east"                   # a single level
    m = C.fit_outcome_model(frame, "escalated", ["channel", "priority", "region"])
    assert "fax" not in set(m.summary["level"]) and np.isfinite(m.summary["estimate"]).all()
    assert any("fax" in n.params.get("levels", ()) for n in m.notes)
    assert Note("model_one_level", outcome="escalated", factor="region") in m.notes
    assert report.note_sentence(Note("model_one_level", outcome="escalated", factor="region"), "en") == \
        "Escalated: Region: only one level left, dropped from the model"
    assert m.predict(frame.assign(channel="telex")).nunique() == 2  # an unseen level counts as the reference
    drivers = C.outcome_drivers(frame.assign(repeat_complaint=np.nan), outcomes=("escalated", "repeat_complaint"),
                                covariates=["channel", "priority", "team"])
    assert "escalated" in drivers.models and "repeat_complaint" in drivers.skipped and "team" in drivers.skipped


def test_repeat_complaints_by_hand():
    t = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "c"],
                      "created_at": pd.to_datetime(["2026-01-01", "2026-01-20", "2026-03-30", "2026-01-05",
                                                    "2026-03-25"])})
    r = C.repeat_complaints(t, within_days=30, data_end=pd.Timestamp("2026-04-10"))
    # a1 → a2 after 19 days; a2 → a3 after 69 days; a3 censored; b no follow-up; c censored
    assert r.tolist()[:2] == [1.0, 0.0] and np.isnan(r.iloc[2]) and r.iloc[3] == 0.0 and np.isnan(r.iloc[4])


# --------------------------------------------------------------------------- Pareto, resolution, changes
def test_pareto_by_hand():
    t = pd.DataFrame({"category": ["a"] * 50 + ["b"] * 30 + ["c"] * 15 + ["d"] * 5})
    p = C.pareto(t)
    assert p["category"].tolist() == ["a", "b", "c", "d"]
    np.testing.assert_allclose(p["cumulative_share"], [0.5, 0.8, 0.95, 1.0])
    assert p["vital_few"].tolist() == [True, True, False, False]
    seed = report.category_share_table(C.pareto(pd.DataFrame({"category": ["logistics", "product_quality"]})))
    assert seed.columns.tolist() == ["type", "label_en", "label_zh", "count", "share"]
    assert seed["label_zh"].tolist() == ["物流配送", "产品质量"]


def test_resolution_performance_by_hand():
    created = pd.Timestamp("2026-06-01")
    hours = [1, 2, 3, 30, np.nan]
    t = pd.DataFrame({"category": ["x"] * 5, "created_at": [created] * 5,
                      "resolved_at": [created + pd.Timedelta(hours=h) if not np.isnan(h) else pd.NaT for h in hours],
                      "first_contact_resolved": pd.array([True, True, False, False, False], dtype="boolean"),
                      "reopened": pd.array([False, False, True, False, False], dtype="boolean")})
    r = C.resolution_performance(t, data_end=created + pd.Timedelta(days=10)).iloc[0]
    assert r["median_hours"] == 2.5 and r["resolved"] == 4
    assert r["sla_rate"] == pytest.approx(3 / 5)  # the open ticket is older than the SLA: missed
    assert r["fcr_rate"] == pytest.approx(2 / 5) and r["reopen_rate"] == pytest.approx(1 / 5)


def test_period_changes_match_rate_ratio_test():
    t = pd.DataFrame({"category": ["a"] * 60 + ["b"] * 30 + ["a"] * 30 + ["b"] * 30,
                      "created_at": [pd.Timestamp("2026-06-10")] * 90 + [pd.Timestamp("2026-05-10")] * 60})
    ch = C.period_changes(t, ("2026-06-01", "2026-07-01"), ("2026-05-01", "2026-06-01")).set_index("category")
    from csm.stats import rate_ratio_test
    ref = rate_ratio_test(60, 30, 30, 31).iloc[0]
    assert ch.loc["a", "estimate"] == pytest.approx(ref["estimate"]) and ch.loc["a", "p_value"] == pytest.approx(ref["p_value"])


# --------------------------------------------------------------------------- words
def test_weighted_log_odds_by_hand():
    counts = pd.DataFrame({"group": ["g1", "g1", "g2", "g2"], "term": ["x", "y", "x", "y"], "count": [8, 2, 3, 7]})
    out = C.weighted_log_odds(counts).set_index(["group", "term"])
    # prior α_w = total count: α_x = 11, α_y = 9, α0 = 20; n1 = n2 = 10
    d = np.log((8 + 11) / (10 + 20 - 8 - 11)) - np.log((3 + 11) / (10 + 20 - 3 - 11))
    z = d / np.sqrt(1 / (8 + 11) + 1 / (3 + 11))
    assert out.loc[("g1", "x"), "log_odds"] == pytest.approx(d) and out.loc[("g1", "x"), "z"] == pytest.approx(z)
    assert out.loc[("g2", "x"), "z"] == pytest.approx(-z)


def test_tokenize_english_and_chinese_without_digits_or_stderr(capfd):
    terms = C.tokenize("迅捷快递配送延迟，订单超时5天未送达。")
    assert "迅捷快递" in terms or "迅捷" in terms
    assert not any(ch.isdigit() for t in terms for ch in t)
    en = C.tokenize("The parcel is late, call 13812345678 about the late delivery")
    assert "late delivery" in en and "the" not in en and not any(ch.isdigit() for t in en for ch in t)
    assert capfd.readouterr().err == ""


def test_examples_are_masked():
    texts = pd.Series(["Parcel late, call me at 13812345678", "Parcel late again, mail wang.lei@example.com",
                       "refund please"])
    groups = pd.Series(["logistics", "logistics", "after_sales"])
    terms = pd.DataFrame({"group": ["logistics", "logistics"], "rank": [1, 2], "term": ["parcel", "late"]})
    ex = C.example_complaints(texts, groups, terms)
    assert len(ex) == 2 and not ex["example"].str.contains("13812345678|wang.lei").any()
    assert ex["example"].str.contains(r"\[PHONE\]|\[EMAIL\]").all()


# --------------------------------------------------------------------------- bad input
def test_period_without_complaints_says_so(tickets):
    with pytest.raises(AnalysisError, match=r"no tickets created from 2030-01-01 to 2030-01-31; the tickets cover 2025-01-01"):
        C.tickets_in(tickets, "2030-01-01", "2030-02-01")


def test_one_category_only_says_so():
    t = pd.DataFrame({"category": ["logistics"] * 20, "channel": ["chat", "phone"] * 10})
    with pytest.raises(AnalysisError, match=r"only one category \('logistics'\)"):
        C.contingency_test(t, "channel")
    with pytest.raises(AnalysisError, match="at least two groups"):
        C.weighted_log_odds(pd.DataFrame({"group": ["a"], "term": ["x"], "count": [1]}))


def test_all_empty_dimension_says_so(tickets):
    t = tickets.iloc[::200]
    t = t.assign(region=pd.Series(pd.NA, index=t.index, dtype=STR))
    with pytest.raises(DataError, match=rf"tickets.region is empty in all {len(t)} rows"):
        C.contingency_test(t, "region")
    with pytest.raises(DataError, match="empty in all"):
        C.weekly_counts(t, ["category", "region"])
    conc = C.concentration(t, ["region", "channel"])
    assert "region" in conc.skipped and "channel" in conc.tests
    found = C.find_spikes(t)  # the report carries on with the levels it can search
    assert Note("spike_level_not_searched", series="region", column="region") in found.notes
    assert report.note_sentence(Note("spike_level_not_searched", series="region", column="region"), "en") == \
        "spikes by region not searched: column tickets.region is absent or empty"
    assert set(found.scores["level"]) == {"all", "category"}


def test_labels_for_every_header_and_kind():
    for code in report.HEADERS.values():
        assert code in LABELS, code
    for code in ("spike", "concentration", "resolution", *C.OUTCOMES, *C.TENURE_BANDS, C.OTHER_LEVELS):
        assert code in LABELS, code
    assert "complaints_title" in PHRASES


# --------------------------------------------------------------------------- spike hierarchy: planted truth
def _simulated_tickets(*, categories, regions, weeks=80, per_week=1500.0, surge=None, seed=5):
    """Tickets from weekly Poisson counts per category × region (shares ``categories`` × ``regions``);
    ``surge(week, category, region)`` multiplies the mean (1 = no change)."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01")  # a Monday
    rows_cat, rows_reg, rows_time = [], [], []
    for w in range(weeks):
        for c, pc in categories.items():
            for r, pr in regions.items():
                k = rng.poisson(per_week * pc * pr * (surge(w, c, r) if surge else 1.0))
                if k:
                    rows_cat += [c] * k
                    rows_reg += [r] * k
                    rows_time.append(start + pd.Timedelta(weeks=w)
                                     + pd.to_timedelta(rng.integers(0, 7 * 24 * 60, k), unit="min"))
    times = pd.DatetimeIndex(np.concatenate(rows_time)) if rows_time else pd.DatetimeIndex([])
    return pd.DataFrame({"created_at": times, "category": rows_cat, "region": rows_reg})


def _findings(tickets):
    table = C.describe_spikes(tickets, C.find_spikes(tickets), dimensions=("region", "category"))
    return table, table[table["finding"]]


SURGE_WEEKS = range(50, 53)  # 2024-12-16 .. 2025-01-05


def test_surge_spread_thin_over_many_regions_is_one_category_finding():
    regions = {f"r{i:02d}": 1 / 40 for i in range(40)}
    cats = {"a": 0.4, "b": 0.3, "c": 0.3}
    t = _simulated_tickets(categories=cats, regions=regions,
                           surge=lambda w, c, r: 1.7 if c == "a" and w in SURGE_WEEKS else 1.0)
    table, findings = _findings(t)
    # planted: category a ×1.7 for three weeks in every region (about +3 tickets a week per region: no region
    # series can flag that, the category series can) -> one finding, category a, the planted weeks
    assert len(findings) == 1, findings
    f = findings.iloc[0]
    assert (f["level"], f["category"]) == ("category", "a")
    assert f["start"] == pd.Timestamp("2024-01-01") + pd.Timedelta(weeks=50) and f["weeks"] == 3
    assert 1.4 < f["ratio"] < 2.0
    # all complaints rose with it, but category a holds all of that excess while being 40% of volume: explained
    assert (table.loc[table["level"] == "all", "explained_by"] == "a").all()
    root = C.root_cause_table(spikes=table)
    assert len(root) == 1 and root.iloc[0]["level"] == "a"


def test_spike_concentrated_in_one_region_is_that_cells_finding():
    regions = {f"r{i}": 0.1 for i in range(10)}
    cats = {"a": 0.4, "b": 0.3, "c": 0.3}
    t = _simulated_tickets(categories=cats, regions=regions,
                           surge=lambda w, c, r: 4.0 if (c, r) == ("b", "r3") and w in SURGE_WEEKS else 1.0)
    table, findings = _findings(t)
    assert len(findings) == 1, findings
    f = findings.iloc[0]
    assert (f["level"], f["category"], f["region"]) == ("category×region", "b", "r3")
    assert 3.0 < f["ratio"] < 5.0  # planted ×4
    # the coarser spikes it causes (category b, region r3, maybe all complaints) are explained by it
    coarse = table[table["level"] != "category×region"]
    assert len(coarse) >= 2 and (coarse["explained_by"] == "b×r3").all()


def test_surge_across_every_category_is_one_all_complaints_finding():
    regions = {f"r{i}": 0.1 for i in range(10)}
    cats = {"a": 0.3, "b": 0.25, "c": 0.2, "d": 0.15, "e": 0.1}
    t = _simulated_tickets(categories=cats, regions=regions,
                           surge=lambda w, c, r: 2.0 if w in SURGE_WEEKS else 1.0)
    table, findings = _findings(t)
    assert len(findings) == 1, findings
    f = findings.iloc[0]
    assert f["level"] == "all" and f["weeks"] == 3 and 1.7 < f["ratio"] < 2.3  # planted ×2
    # every category spiked in those weeks: they are the finding's breakdown, not five findings
    cats_found = table[table["level"] == "category"]
    assert set(cats_found["category"]) == set(cats) and (cats_found["part_of"] == "all 2024-12-16").all()
    assert f["breakdown"].startswith("category=a:+")
    root = C.root_cause_table(spikes=table)
    assert len(root) == 1 and (root.iloc[0]["dimension"], root.iloc[0]["level"]) == ("all", "all_complaints")
    assert report.root_cause_sentence(root.iloc[0], "en").startswith("All complaints: ")
    assert report.root_cause_sentence(root.iloc[0], "zh").startswith("全部投诉：")


def test_explanation_rule_by_hand():
    """A parent of excess 100 (expected 100) over one week, two children of one level."""
    week = pd.Timestamp("2025-01-06")

    def result(child_excess, child_baseline):
        rows = [{"level": "category", "category": "a", "region": pd.NA}]
        rows += [{"level": "category×region", "category": "a", "region": f"r{i}"} for i in range(len(child_excess))]
        summary = pd.DataFrame([{**r, "start": week, "end": week + pd.Timedelta(days=6), "weeks": 1} for r in rows])
        summary["expected"] = [100.0, *child_baseline]
        summary["excess"] = [100.0, *child_excess]
        summary["observed"] = summary["expected"] + summary["excess"]
        scores = summary[["level", "category", "region", "observed", "expected"]].rename(
            columns={"observed": "count", "expected": "baseline"}).assign(week=week, flagged=True)
        return C.spike_hierarchy(C.SpikeResult(summary, scores, ["category", "region"], 10, 5.0))

    # 60% of the excess in children holding 20% of the volume: lift 3 -> explained, the children are findings
    h = result([40, 20], [10, 10])
    assert h["explained_by"].iloc[0] == "a×r0 / a×r1" and h["finding"].tolist() == [False, True, True]
    # 40% of the excess: below half -> the parent is the finding, the children its breakdown
    h = result([25, 15], [5, 5])
    assert h["finding"].tolist() == [True, False, False] and (h["part_of"].iloc[1:] == "a 2025-01-06").all()
    assert h["breakdown"].iloc[0] == "region=r0:+25; region=r1:+15"
    # 90% of the excess in children holding 70% of the volume: lift 1.29 < 1.5 -> a broad rise, one finding
    h = result([50, 40], [40, 30])
    assert h["finding"].tolist() == [True, False, False]
    assert h["explained_share"].iloc[0] == pytest.approx(0.9) and h["explained_lift"].iloc[0] == pytest.approx(0.9 / 0.7)


# --------------------------------------------------------------------------- many levels: charts and tables
@pytest.fixture(scope="module")
def many_levels():
    rng = np.random.default_rng(8)
    cats = {f"Category number {i} with a long descriptive name, as real exports have": w
            for i, w in enumerate(rng.dirichlet(np.ones(22)))}
    regions = {f"S{i:02d}": w for i, w in enumerate(rng.dirichlet(np.ones(55)))}
    t = _simulated_tickets(categories=cats, regions=regions, weeks=30, per_week=800.0)
    t["resolved_at"] = t["created_at"] + pd.to_timedelta(rng.exponential(20, len(t)), unit="h")
    return t


def test_many_levels_charts_show_top_n_and_all_others_without_warnings(many_levels):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import warnings
    from csm.levels import OTHER

    t, n = many_levels, 10
    assert t["region"].nunique() >= 50 and t["category"].nunique() >= 20
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # "constrained_layout not applied", "axes … collapsed to zero"
        warnings.simplefilter("error", RuntimeWarning)
        fig, axes = plt.subplots(1, 2, figsize=(13, 4.8), constrained_layout=True)
        pareto = C.pareto(t, "category")
        ax = report.pareto_chart(pareto, lang="en", ax=axes[0], max_levels=n, title="t")
        assert len(ax.patches) == n + 1 and ax.get_xticklabels()[-1].get_text() == "all others"
        report.pareto_chart(C.pareto(t, "region"), "region", lang="zh", ax=axes[1], max_levels=n)
        fig.canvas.draw()
        assert all(a.get_position().width > 0.1 and a.get_position().height > 0.1 for a in axes)
        plt.close(fig)

        fig, ax = plt.subplots(figsize=(10, 3.6), constrained_layout=True)
        weekly = C.weekly_counts(t, "region")
        report.weekly_chart(weekly, "region", lang="en", ax=ax, max_levels=n)
        assert len(ax.get_lines()) == n + 1 and len(ax.get_legend().get_texts()) == n + 1
        fig.canvas.draw()
        plt.close(fig)
        lumped = report.lump_weekly(weekly, "region", n)
        assert lumped.groupby("week")["count"].sum().equals(weekly.groupby("week")["count"].sum())  # totals kept
        assert lumped["region"].iloc[-1] == OTHER

        conc = C.concentration(t, ["region"])
        ax = report.residual_heatmap(conc.cells, "region", lang="en", max_levels=n)
        assert len(ax.get_xticklabels()) <= n + 1 and len(ax.get_yticklabels()) <= n + 1
        ax.figure.canvas.draw()
        plt.close(ax.figure)

        ax = report.resolution_chart(C.resolution_hours(t), lang="en", max_levels=n)
        assert len(ax.get_yticklabels()) == n + 1
        plt.close(ax.figure)


def test_lumped_cells_residual_is_haberman_of_the_merged_table():
    from csm.levels import OTHER

    table = np.array([[30, 10, 12, 4], [15, 25, 20, 6], [10, 12, 30, 9]])
    res = C.contingency_test(_frame_from_table(table), "channel")
    cells = res.cells.rename(columns={"channel": "level"}).assign(dimension="channel")
    lumped = report.lump_cells(cells, 2).set_index(["category", "level"])
    merged = np.column_stack([table[:, 0], table[:, 1] + table[:, 3], table[:, 2]])  # c0, c2 largest; c1+c3 lumped
    adj = C.adjusted_residuals(np.column_stack([merged[:, 0], merged[:, 2], merged[:, 1]]))
    assert lumped.loc[("r0", OTHER), "adjusted_residual"] == pytest.approx(adj[0, 2])
    assert lumped["observed"].sum() == table.sum()


def test_many_levels_tables_keep_totals(many_levels):
    from csm.levels import OTHER, lump_levels

    t, n = many_levels, 10
    pareto = C.pareto(t, "category")
    lumped = report.lump_pareto(pareto, "category", n)
    assert len(lumped) == n + 1 and lumped["category"].iloc[-1] == OTHER
    assert lumped["count"].sum() == len(t) and lumped["share"].sum() == pytest.approx(1.0)
    assert lumped["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    shown = report.pareto_table(lumped, "en")
    assert len(shown) == n + 1 and shown.index[-1] == "all others" and list(shown.columns)[0] == "Count"
    assert report.pareto_table(lumped, "zh").index[-1] == "其他"  # one language per report: no label columns
    perf = C.resolution_performance(lump_levels(t, "category", n))
    assert len(perf) == n + 1 and perf["n"].sum() == len(t)
    half = t["created_at"].min() + (t["created_at"].max() - t["created_at"].min()) / 2
    lo, hi = t["created_at"].min().normalize(), t["created_at"].max().normalize() + pd.Timedelta(days=1)
    ch = C.period_changes(lump_levels(t, "category", n), (half.normalize(), hi), (lo, half.normalize()))
    assert len(ch) == n + 1 and ch["count"].sum() == (t["created_at"] >= half.normalize()).sum()
    sentence = report.pareto_sentence(pareto.assign(vital_few=True), "en", max_levels=n)
    assert "…" not in sentence and f"and {len(pareto) - n} more (see the table)" in sentence


# --------------------------------------------------------------------------- optional inputs, stated reasons
def test_skipped_sections_name_the_column(tickets):
    assert C.skipped_sections(tickets, dimensions=["channel", "region"], covariates=["category", "tenure_band"]) == []
    t = tickets.drop(columns=["resolved_at", "description", "agent_tenure_months", "priority"])
    t = t.assign(customer_id=t["ticket_id"])  # no customer key, as in the CFPB export
    got = C.skipped_sections(t, dimensions=["channel", "priority"], covariates=["tenure_band", "priority"])
    assert {(s.section, s.needs) for s in got} == {
        ("spike_terms", "tickets.description"), ("words", "tickets.description"),
        ("resolution", "tickets.resolved_at"), ("outcome_repeat_complaint", "tickets.customer_id"),
        ("concentration_priority", "tickets.priority"), ("factor_tenure_band", "tickets.agent_tenure_months"),
        ("factor_priority", "tickets.priority")}
    assert "repeat_complaint" not in C.outcome_frame(t)  # not assessed, rather than 0% repeats
    sentences = report.skipped_sentences(got, "en") + report.skipped_sentences(got, "zh")
    assert all("tickets." in s for s in sentences) and any("customer key" in s for s in sentences)


def test_outcomes_not_tested_says_why_in_both_languages():
    skipped = {"repeat_complaint": Note("outcome_unavailable", outcome="repeat_complaint"),
               "not_resolved_first_contact": Note("outcome_unavailable", outcome="not_resolved_first_contact"),
               "escalated": Note("model_failed", outcome="escalated", reason="the outcome takes a single value")}
    en = report.outcomes_not_tested(skipped, "en", has_key=False)
    assert en.startswith("Not tested, because repeat complaints need a customer key")
    assert "tickets.first_contact_resolved" in en and "could not be fitted" in en
    assert report.outcomes_not_tested(skipped, "zh", has_key=False).startswith("未检验")


def test_nested_dimension_is_not_tested_for_concentration():
    t = pd.DataFrame({"category": ["a"] * 60 + ["b"] * 40,
                      "product": ["a1"] * 30 + ["a2"] * 30 + ["b1"] * 40,
                      "channel": (["chat", "phone"] * 50)})
    conc = C.concentration(t, ["product", "channel"])
    assert conc.skipped["product"] == Note("concentration_nested", dimension="product", share=1.0)
    assert "100% of tickets have the category most common for their product" in \
        report.note_sentence(conc.skipped["product"], "en")
    assert "channel" in conc.tests


def test_rare_categories_are_pooled_like_rare_levels():
    # two categories with a handful of tickets: expected counts < 1 in their rows; pooled together (7 tickets)
    # they pass Cochran's rule (3 of 18 cells below 5), and no channel is merged
    table = np.array([[40, 35, 30], [30, 45, 38], [35, 30, 40], [38, 42, 33], [30, 33, 36], [2, 1, 1], [1, 1, 1]])
    res = C.contingency_test(_frame_from_table(table), "channel")
    assert C.OTHER_LEVELS in res.observed.index and res.observed.shape == (6, 3)
    assert res.observed.loc[C.OTHER_LEVELS].sum() == 7
    assert any(n.code == "contingency_pooled" and n.params["dimension"] == "category" for n in res.notes)


def test_for_record_rounds_to_significant_digits():
    f = pd.DataFrame({"x": [1234.56789123, 0.000123456789, np.nan, 0.0], "k": [1, 2, 3, 4]})
    r = C.for_record(f)
    assert r["x"].iloc[0] == 1234.57 and r["x"].iloc[1] == 0.000123457 and np.isnan(r["x"].iloc[2])
    assert r["k"].tolist() == [1, 2, 3, 4]


def test_finding_breakdown_keeps_long_level_names_whole():
    long = "Credit reporting, credit repair services, or other personal consumer reports"
    text = report.breakdown_text(f"category={long}:+724; category=Debt collection:+226", "en")
    assert text == f"{long} +724, Debt collection +226" and "…" not in text


def test_odds_ratios_are_read_as_shares_and_old_spikes_say_when():
    d = pd.Series({"rate": 0.4, "estimate": 2.0, "reference": "chat", "outcome": "escalated", "level": "email",
                   "covariate": "channel"})
    # odds 0.4/0.6 = 0.667; at the reference odds 0.333 → share 0.25; 0.40 / 0.25 = 1.6× as likely
    reading = report.outcome_reading(d, "en")
    assert (reading["rate"], reading["base"], reading["times_n"]) == ("40.0%", "25.0%", "1.6")
    spike = pd.Series({"kind": "spike", "start": pd.Timestamp("2025-11-10"), "end": pd.Timestamp("2025-11-30"),
                       "category": "logistics", "dimension": "region", "level": "east"})
    when, verdict = report._when(spike, "en", (pd.Timestamp("2026-06-01"), pd.Timestamp("2026-07-01")), "")
    assert when == "10–30 November 2025 — ended 6 months before this period" and verdict.startswith("Over")
    when, verdict = report._when(spike, "zh", (pd.Timestamp("2025-11-01"), pd.Timestamp("2025-12-01")), "")
    assert when == "2025年11月10日–30日（在本期内）" and verdict.startswith("立即处理")


def test_heat_map_colours_only_cells_beyond_chance():

    assert report.residual_cutoff(25) == pytest.approx(3.09, abs=0.01)  # z of 0.05 / 50: Bonferroni, 25 cells
    cells = pd.DataFrame({"category": ["a", "a", "b", "b"], "level": ["x", "y", "x", "y"], "dimension": "region",
                          "observed": [160, 40, 40, 160], "expected": [100.0, 100.0, 100.0, 100.0],
                          "adjusted_residual": [12.0, -12.0, -12.0, 12.0], "p_adjusted": [0.0] * 4,
                          "ratio": [1.6, 0.4, 0.4, 1.6]})
    ax = report.residual_heatmap(cells.assign(observed=[101, 99, 99, 101]), "region", lang="en")
    # |residual| 0.4 < 2.50 (4 cells): every cell grey, none coloured by the diverging map
    assert len(ax.collections) == 2 and ax.collections[1].get_array().count() == 0
    assert "more than chance" in report.heatmap_sentence(cells.assign(p_adjusted=1.0), "region", "en")
    assert report.heatmap_sentence(cells, "region", "en").startswith("4 category × level combinations differ")
    one = cells.assign(p_adjusted=[0.0, 1.0, 1.0, 1.0])
    assert report.heatmap_sentence(one, "region", "en").startswith("1 category × level combination differs")
    import matplotlib.pyplot as plt
    plt.close("all")


def test_root_cause_order_current_first_standing_per_month_past_spikes_last():
    """Spike in the period first; standing findings by tickets per month (resolution: 1 month, models: 12);
    a spike that ended before the period last, even though its excess is the largest."""
    spikes = pd.DataFrame({"level": ["category", "category"], "category": ["logistics", "after_sales"],
                           "start": pd.to_datetime(["2025-11-10", "2026-06-01"]),
                           "end": pd.to_datetime(["2025-11-30", "2026-06-14"]), "excess": [900.0, 60.0],
                           "ratio": [3.0, 1.5], "p_value": [1e-6, 1e-4], "max_score": [9.0, 5.0],
                           "drivers": "", "breakdown": "", "finding": True, "in_period": [False, True]})
    drivers = pd.DataFrame({"outcome": "escalated", "covariate": "channel", "level": ["email"], "significant": True,
                            "estimate": [1.5], "ci_low": [1.2], "ci_high": [1.8], "p_adjusted": [1e-4],
                            "excess_events": [600.0]})  # 600 in 12 months: 50 a month
    resolution = pd.DataFrame({"category": ["other"], "n": [1000], "sla_rate": [0.7], "sla_ci_low": [0.67],
                               "sla_ci_high": [0.73]})  # 100 in the 1-month period
    root = C.root_cause_table(spikes=spikes, drivers=drivers, resolution=resolution, sla_target=0.8,
                              model_months=12, period_months=1)
    assert list(root["kind"]) == ["spike", "resolution", "escalated", "spike"]
    assert list(root["category"].fillna("-")) == ["after_sales", "other", "-", "logistics"]
    assert root.loc[2, "impact_per_month"] == pytest.approx(50)
    assert report.impact_text(root.iloc[2], "en") == "600 in 12 months (about 50 a month)"
    assert report.impact_text(root.iloc[3], "en") == "900 in 3 weeks"
    assert report.impact_text(root.iloc[1], "zh") == "本期 100 件"
