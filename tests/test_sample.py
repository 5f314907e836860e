"""The sample-data generator: determinism, the data contract, the committed files and the planted truth.

Every planted fact is checked with the simple aggregate an analyst would compute, against the number
in ``csm.data.sample.TRUTH``, with a tolerance derived from its sampling error where it has one.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.optimize import minimize
from scipy.special import betaln, gammaln

from csm.compat import STR, read_parquet
from csm.data import sample as S
from csm.data.contract import COMPLAINT_CATEGORIES, REGIONS, TABLES
from csm.errors import ParameterError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "data" / "sample"
TRUTH_MD = ROOT / "csm" / "data" / "SAMPLE_TRUTH.md"
CJK = re.compile("[\u4e00-\u9fff]")  # real characters: RE2 (pyarrow strings) has no \u escapes
END = pd.Timestamp("2026-07-01")
_TEXT = str(pd.Series([], dtype=STR).dtype)  # "str" (pandas 3), "string" (pandas 2.2)
KIND_DTYPE = {"id": _TEXT, "string": _TEXT, "category": _TEXT, "text": _TEXT, "datetime": "datetime64[ns]",
              "bool": "boolean", "int": "float64", "float": "float64"}


@pytest.fixture(scope="module")
def default():
    return S.generate_sample()


@pytest.fixture(scope="module")
def labels():
    return S.sample_labels()


@pytest.fixture(scope="module")
def committed():
    return {name: read_parquet(SAMPLE_DIR / f"{name}.parquet") for name in S.TABLE_NAMES}


@pytest.fixture(scope="module")
def small():
    return S.generate_sample(seed=7, customers=3000)


# ------------------------------------------------------------------------------------------------
# determinism, contract, committed files
# ------------------------------------------------------------------------------------------------
def test_same_seed_gives_identical_frames_and_another_seed_differs():
    a = S.generate_sample(seed=11, customers=800)
    b = S.generate_sample(seed=11, customers=800)
    c = S.generate_sample(seed=12, customers=800)
    for name in S.TABLE_NAMES:
        pd.testing.assert_frame_equal(a[name], b[name])
    assert not a["tickets"].equals(c["tickets"])
    assert not a["transactions"]["amount"].equals(c["transactions"]["amount"])


#: sha256 (first 16 hex digits) of each generated table's CSV text, computed on the generator before it was
#: split into the package csm/data/sample/ (issue 11): a refactoring must not change one value.
#: The same digests under pandas 2.2 / numpy 1.26 and pandas 3 / numpy 2.
GENERATED_DIGESTS = {
    (20250101, 18000): {
        'tickets': '5e51879e9f57abfa',
        'responses': 'f1ba3d1e8dd53ad1',
        'customers': '1252248e9d8f5335',
        'transactions': '71601c2f7b03d448',
        'assignments': '2c82c4494674349f',
        'labels_tickets': '60698479db3db5ae',
        'labels_responses': 'c789813860946aca',
        'labels_customers': '9fc0bf5a613dd528',
    },
    (7, 3000): {
        'tickets': '8ace828dd80180f4',
        'responses': 'fa88a727bbbed3d6',
        'customers': 'c0a091a06dd6af4b',
        'transactions': '8f0b81c98c21fea2',
        'assignments': '1826d6dbe8ba4493',
        'labels_tickets': '877612a30f605203',
        'labels_responses': '40467d2fc4dd1686',
        'labels_customers': '210f18fc48afbed4',
    },
    (11, 800): {
        'tickets': '96127f8cb00ea3fd',
        'responses': '4c4fd7ec186bce12',
        'customers': '1e8062a8da1e947c',
        'transactions': '67e898c31a23f61c',
        'assignments': '674883f5fcfd131f',
        'labels_tickets': '8aee2a93c56bd1aa',
        'labels_responses': 'c993e7b2329b6f1c',
        'labels_customers': '466904f9b20bdf6c',
    },
}
TRUTH_DIGEST = '5d2e15049dd06236'


def digest(frame: pd.DataFrame) -> str:
    text = frame.to_csv(index=False, lineterminator="\n", date_format="%Y-%m-%d %H:%M:%S.%f")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@pytest.mark.parametrize("seed, customers", list(GENERATED_DIGESTS))
def test_generated_tables_are_unchanged_for_the_same_seed(seed, customers):
    frames = S.generate_sample(seed=seed, customers=customers)
    labels = S.sample_labels(seed=seed, customers=customers)
    got = {**{name: digest(f) for name, f in frames.items()},
           **{f"labels_{name}": digest(f) for name, f in labels.items()}}
    assert got == GENERATED_DIGESTS[(seed, customers)]


def test_truth_is_unchanged():
    text = json.dumps(S.TRUTH, sort_keys=True, default=str)
    assert hashlib.sha256(text.encode()).hexdigest()[:16] == TRUTH_DIGEST


def check_contract(frames: dict[str, pd.DataFrame]) -> None:
    for name, table in TABLES.items():
        df = frames[name]
        present = [c.name for c in table.columns if c.name in df.columns]
        assert list(df.columns[: len(present)]) == present, name
        extra = list(df.columns[len(present):])
        assert all(any(e.startswith(p) for p in table.numeric_prefixes) for e in extra), (name, extra)
        assert all(df[e].dtype == "float64" for e in extra)
        assert set(table.required) <= set(df.columns), name
        assert len(df) > 0, name
        for col in table.columns:
            if col.name not in df:
                continue
            s = df[col.name]
            assert str(s.dtype) == KIND_DTYPE[col.kind], (name, col.name, s.dtype)
            if col.required:
                assert s.notna().all(), (name, col.name)
            if col.kind == "id":
                assert (s.str.len() > 0).all(), (name, col.name)
            if col.unique:
                assert s.is_unique, (name, col.name)
            if col.allowed:
                assert set(s.dropna()) <= set(col.allowed), (name, col.name)
            if col.kind in ("int", "float"):
                v = s.dropna()
                if col.kind == "int":
                    assert (v == np.round(v)).all(), (name, col.name)
                if col.min is not None:
                    assert (v >= col.min).all(), (name, col.name)
                if col.max is not None:
                    assert (v <= col.max).all(), (name, col.name)


def check_consistency(f: dict[str, pd.DataFrame]) -> None:
    t, r, c, x, a = (f[name] for name in S.TABLE_NAMES)
    # tickets
    assert t["created_at"].min() >= pd.Timestamp("2025-01-01") and t["created_at"].max() < END
    both = t["first_response_at"].notna()
    assert (t.loc[both, "first_response_at"] >= t.loc[both, "created_at"]).all()
    res = t["resolved_at"].notna()
    assert (t.loc[res, "resolved_at"] >= t.loc[res, "first_response_at"]).all()
    assert (t.loc[res, "resolved_at"] >= t.loc[res, "created_at"]).all()
    assert not (t["resolved_at"].notna() & t["first_response_at"].isna()).any()
    assert t[[col for col in t if col.endswith("_at")]].max().max() < END
    fcr = t["first_contact_resolved"] == True  # noqa: E712
    assert (t.loc[fcr, "contacts"] == 1).all() and t.loc[fcr, "resolved_at"].notna().all()
    assert not (fcr & (t["escalated"] | t["reopened"])).any()
    assert set(t["category"]) == set(COMPLAINT_CATEGORIES)
    assert set(t["region"]) <= set(REGIONS)
    for cat, reasons in S.TRUTH["shares"]["sub_reason"].items():
        assert set(t.loc[t["category"] == cat, "sub_reason"]) <= set(reasons), cat
    assert (t["carrier"].notna() == (t["category"] == "logistics")).all()
    assert t["agent_id"].str.fullmatch(r"A\d{3}").all() and t["team"].str.fullmatch(r"team_[a-f]").all()
    # customers and references
    cust = c.set_index("customer_id")
    for ids in (t["customer_id"], r["customer_id"], x["customer_id"], a["unit_id"]):
        assert (cust.index.get_indexer(ids) >= 0).all()  # (get_indexer: Series.isin is slow on str)
    assert (c["churned"] == c["churn_date"].notna()).all() and c["churned"].notna().all()
    assert (c["churn_date"].dropna() > c.loc[c["churned"], "signup_date"]).all()
    tc = t.join(cust[["signup_date", "churn_date", "region"]].add_suffix("_customer"), on="customer_id")
    assert (tc["created_at"] > tc["signup_date_customer"]).all()
    assert not (tc["created_at"] >= tc["churn_date_customer"]).any()  # tickets only while active
    assert (tc["region"] == tc["region_customer"]).all()
    # responses
    rt = r.join(t.set_index("ticket_id")[["customer_id", "resolved_at"]].add_suffix("_ticket"), on="ticket_id")
    with_ticket = r["ticket_id"].notna()
    assert (pd.Index(t["ticket_id"]).get_indexer(r.loc[with_ticket, "ticket_id"]) >= 0).all()
    assert (rt.loc[with_ticket, "customer_id"] == rt.loc[with_ticket, "customer_id_ticket"]).all()
    assert (rt.loc[with_ticket, "submitted_at"] >= rt.loc[with_ticket, "resolved_at_ticket"]).all()
    assert (r["nps"].notna() | r["csat"].notna()).all()
    # transactions: first purchase at signup, none after churn, revenue = sum
    first = x.groupby("customer_id")["transaction_date"].min()
    assert (first.reindex(cust.index) == cust["signup_date"]).all()
    xc = x.join(cust["churn_date"], on="customer_id")
    assert not (xc["transaction_date"] >= xc["churn_date"]).any()
    assert (x["amount"] > 0).all() and x["transaction_id"].is_unique
    revenue = x.groupby("customer_id")["amount"].sum().reindex(cust.index, fill_value=0)
    assert np.allclose(revenue, cust["revenue"], atol=0.011)
    # assignments: every customer with a ticket in 2026-03-01..2026-04-30, at their first such ticket
    w = t[(t["created_at"] >= "2026-03-01") & (t["created_at"] < "2026-05-01")]
    first_in_window = w.groupby("customer_id")["created_at"].min()
    au = a.set_index("unit_id")
    assert set(au.index) == set(first_in_window.index)
    assert (au["assigned_at"] == first_in_window.reindex(au.index)).all()
    assert set(a["variant"]) == {"control", "treatment"} and set(a["experiment_id"]) == {"smart_triage"}
    assert set(a["unit_type"]) == {"customer"}


def test_frames_satisfy_the_contract(small, default):
    for frames in (small, default):
        check_contract(frames)
        check_consistency(frames)


def test_committed_files_equal_a_fresh_default_generation(committed, default):
    for name in S.TABLE_NAMES:
        pd.testing.assert_frame_equal(committed[name], default[name])


def test_default_is_big_and_varied(default):
    t, r = default["tickets"], default["responses"]
    assert len(t) >= 50_000
    span = t["created_at"].max() - t["created_at"].min()
    assert span >= pd.Timedelta(days=365) and t["created_at"].dt.to_period("M").nunique() == 18
    assert set(t["channel"]) == {"phone", "email", "chat", "social"}
    assert set(t["category"]) == set(COMPLAINT_CATEGORIES)
    zh_comments = r["comment"].dropna().str.contains(CJK.pattern)
    assert 0.35 < zh_comments.mean() < 0.65
    assert 0.35 < t["description"].dropna().str.contains(CJK.pattern).mean() < 0.65
    assert 0.5 < r["comment"].notna().mean() < 0.7
    assert 0.25 < r["ticket_id"].notna().sum() / len(t) < 0.35
    assert 0 < r["ticket_id"].isna().sum() < 0.03 * len(r)


def test_realised_numbers_match_truth_and_truth_markdown_is_current(committed, labels):
    def flat(d, prefix=""):
        for k, v in d.items():
            if isinstance(v, dict):
                yield from flat(v, f"{prefix}{k}.")
            else:
                yield f"{prefix}{k}", v

    got = dict(flat(S.realised(committed, labels)))
    want = dict(flat(S.TRUTH["default_dataset"]))
    assert got.keys() == want.keys()
    for k, v in want.items():
        if isinstance(v, float):
            assert math.isclose(got[k], v, rel_tol=1e-6, abs_tol=1e-4), (k, got[k], v)
        else:
            assert got[k] == v, (k, got[k], v)
    assert TRUTH_MD.read_text(encoding="utf-8") == S.truth_markdown()


# ------------------------------------------------------------------------------------------------
# planted truths
# ------------------------------------------------------------------------------------------------
def weekly(t: pd.DataFrame) -> pd.Series:
    return t["created_at"].dt.to_period("W-SUN").dt.start_time.value_counts()


SPIKE_WEEKS = pd.date_range("2025-11-10", periods=3, freq="7D")
BASE_WEEKS = pd.date_range("2025-10-13", periods=4, freq="7D").append(pd.date_range("2025-12-01", periods=4,
                                                                                    freq="7D"))


def test_spike_triples_east_logistics_and_is_carried_by_swift_express(default, labels):
    t = default["tickets"]
    east = t[(t["category"] == "logistics") & (t["region"] == "east")]
    w = weekly(east)
    base, spike = w.reindex(BASE_WEEKS, fill_value=0).mean(), w.reindex(SPIKE_WEEKS, fill_value=0).mean()
    se = spike / base * math.sqrt(1 / (3 * spike) + 1 / (8 * base))  # Poisson counts
    assert abs(spike / base - S.TRUTH["spike"]["multiplier"]) < 3 * se
    in_spike = (t["created_at"] >= "2025-11-10") & (t["created_at"] < "2025-12-01")
    e = t[in_spike & (t["category"] == "logistics") & (t["region"] == "east")]
    swift_late = (e["carrier"] == "swift_express") & (e["sub_reason"] == "late_delivery")
    excess = len(e) - 3 * base
    swift_base = ((east["carrier"] == "swift_express") & (east["sub_reason"] == "late_delivery")
                  & east["created_at"].dt.to_period("W-SUN").dt.start_time.isin(BASE_WEEKS)).sum() / 8
    assert swift_late.sum() - 3 * swift_base > 0.85 * excess  # the excess is swift_express / late_delivery
    # descriptions of the extra tickets mention the delay, in English and Chinese
    extra = t[labels["tickets"]["spike_excess"].to_numpy()]
    assert len(extra) > 300 and (extra["region"] == "east").all()
    delay = extra["description"].str.contains(r"late|delay|overdue|stuck|延误|延迟|超时|卡了|太慢")
    assert delay.all()
    assert extra["description"].str.contains(CJK.pattern).mean() > 0.3
    assert extra["description"].str.contains(r"Double 11|双十一|双11").mean() > 0.6
    # no other category/region series has a spike
    for (cat, region), g in t.groupby(["category", "region"]):
        if (cat, region) == ("logistics", "east"):
            continue
        gw = weekly(g)
        b, s = gw.reindex(BASE_WEEKS, fill_value=0).mean(), gw.reindex(SPIKE_WEEKS, fill_value=0).mean()
        if b >= 10:
            assert s / b < 1 + 3 * math.sqrt(1 / (3 * b) + 1 / (8 * b)), (cat, region, s, b)


def experiment_tickets(f: dict[str, pd.DataFrame]) -> pd.DataFrame:
    units = f["assignments"].set_index("unit_id")[["assigned_at", "variant"]]
    m = f["tickets"].join(units, on="customer_id", how="inner")
    return m[(m["created_at"] >= m["assigned_at"]) & (m["created_at"] < "2026-05-01")]


def clustered_ratio(df: pd.DataFrame, y: str) -> tuple[float, float]:
    """Mean of y per ticket with a customer-clustered standard error (ratio estimator)."""
    g = df.groupby("customer_id").agg(s=(y, "sum"), n=(y, "size"))
    r = g["s"].sum() / g["n"].sum()
    se = math.sqrt(((g["s"] - r * g["n"]) ** 2).sum()) / g["n"].sum()
    return r, se


def test_experiment_effects_are_recoverable_without_sample_ratio_mismatch(default, labels):
    a = default["assignments"]
    n_t, n = (a["variant"] == "treatment").sum(), len(a)
    assert abs(n_t - n / 2) / math.sqrt(n / 4) < 3.3  # chi-square SRM test at p > 0.001
    m = experiment_tickets(default)
    assert (m.index == np.flatnonzero(labels["tickets"]["experiment_ticket"])).all()
    m = m.assign(fcr=m["first_contact_resolved"].astype(float))
    ht = {v: clustered_ratio(g, "handle_time_minutes") for v, g in m.groupby("variant")}
    fc = {v: clustered_ratio(g, "fcr") for v, g in m.groupby("variant")}
    ratio = ht["treatment"][0] / ht["control"][0]
    se_ratio = ratio * math.hypot(ht["treatment"][1] / ht["treatment"][0], ht["control"][1] / ht["control"][0])
    assert se_ratio < 0.035 and abs(ratio - S.TRUTH["experiment"]["handle_time_multiplier"]) < 3 * se_ratio
    diff = fc["treatment"][0] - fc["control"][0]
    se_diff = math.hypot(fc["treatment"][1], fc["control"][1])
    assert se_diff < 0.02 and abs(diff - S.TRUTH["experiment"]["fcr_lift"]) < 3 * se_diff
    assert abs(fc["control"][0] - S.TRUTH["default_dataset"]["experiment"]["expected_fcr_control"]) < 3 * fc[
        "control"][1]
    # geometric-mean ratio: the multiplier acts on every ticket, so log handle times shift by log(0.9)
    lg = np.log(m["handle_time_minutes"])
    d_log = lg[m["variant"] == "treatment"].mean() - lg[m["variant"] == "control"].mean()
    se_log = math.hypot(*(lg[m["variant"] == v].std() / math.sqrt((m["variant"] == v).sum())
                          for v in ("treatment", "control")))
    assert abs(d_log - math.log(0.9)) < 3 * 1.5 * se_log  # 1.5: allowance for clustering by customer
    # the pre-period covariate correlates with the outcome (CUPED helps)
    y = m.groupby("customer_id")["handle_time_minutes"].mean()
    cov = a.set_index("unit_id").join(y.rename("y"), how="inner")
    assert cov["pre_handle_time_minutes"].corr(cov["y"]) > 0.2
    had = cov["pre_tickets_90d"] > 0
    assert cov.loc[had, "pre_handle_time_minutes"].corr(cov.loc[had, "y"]) > 0.3
    # units without pre-period tickets carry the mean over units with pre-period tickets
    fill = a.loc[a["pre_tickets_90d"] == 0, "pre_handle_time_minutes"]
    assert fill.nunique() == 1
    assert math.isclose(fill.iloc[0], a.loc[a["pre_tickets_90d"] > 0, "pre_handle_time_minutes"].mean(),
                        abs_tol=1e-3)


def test_pre_period_covariates_match_the_tickets(small):
    t, a = small["tickets"], small["assignments"]
    j = t.join(a.set_index("unit_id")["assigned_at"], on="customer_id", how="inner")
    pre = j[(j["created_at"] < j["assigned_at"]) & (j["created_at"] >= j["assigned_at"] - pd.Timedelta(days=90))]
    n = pre.groupby("customer_id").size().reindex(a["unit_id"], fill_value=0)
    mean = pre.groupby("customer_id")["handle_time_minutes"].mean().reindex(a["unit_id"])
    assert (n.to_numpy() == a["pre_tickets_90d"].to_numpy()).all()
    has = n.to_numpy() > 0
    assert np.allclose(mean.to_numpy()[has], a["pre_handle_time_minutes"].to_numpy()[has], atol=1e-4)


def test_team_c_rollout_difference_in_differences(default):
    t = default["tickets"]
    w = t[(t["created_at"] >= "2025-03-01") & (t["created_at"] < "2026-03-01")]
    groups = w.groupby([w["team"] == "team_c", w["created_at"] >= "2025-09-01"])["handle_time_minutes"]
    mean, var, n = groups.mean(), groups.var(), groups.size()
    did = (mean[(True, True)] - mean[(True, False)]) - (mean[(False, True)] - mean[(False, False)])
    se = math.sqrt((var / n).sum())
    assert se < 0.3 and abs(did - S.TRUTH["rollout"]["effect_minutes"]) < 3 * se
    # parallel pre-trends: the team_c gap does not move between the first and second half of the pre-period
    pre = t[t["created_at"] < "2025-09-01"]
    late_half = pre["created_at"] >= "2025-05-01"
    g = pre.groupby([pre["team"] == "team_c", late_half])["handle_time_minutes"]
    pm, pv, pn = g.mean(), g.var(), g.size()
    trend = (pm[(True, True)] - pm[(True, False)]) - (pm[(False, True)] - pm[(False, False)])
    assert abs(trend) < 3 * math.sqrt((pv / pn).sum())


def person_months(f: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per customer and window month at risk: U at the month start, VIP, churned in the month."""
    c, t = f["customers"], f["tickets"]
    months = pd.period_range("2025-01", "2026-06", freq="M")
    idx = pd.Index(c["customer_id"])
    fail = t[t["first_contact_resolved"] == False]  # noqa: E712
    k = (fail["created_at"].dt.to_period("M") - months[0]).apply(lambda d: d.n).to_numpy()
    rows = idx.get_indexer(fail["customer_id"])
    counts = np.zeros((len(c), len(months) + 1), int)
    np.add.at(counts, (rows, k + 1), 1)
    u = counts.cumsum(axis=1)[:, :-1]  # failures created before each month start
    signup = c["signup_date"].dt.to_period("M")
    churn = c["churn_date"].dt.to_period("M")
    out = []
    for i, m in enumerate(months):
        at_risk = (signup < m) & (churn.isna() | (churn >= m))
        out.append(pd.DataFrame({"u": u[at_risk.to_numpy(), i], "vip": (c.loc[at_risk, "tier"] == "VIP").to_numpy(),
                                 "event": (churn[at_risk] == m).to_numpy()}))
    return pd.concat(out, ignore_index=True)


def test_churn_hazard_rises_with_unresolved_tickets(default):
    pm = person_months(default)
    std = pm[~pm["vip"]]
    hazard = std.groupby(np.minimum(std["u"], 2))["event"].mean()
    assert hazard[0] < hazard[1] < hazard[2]  # simple aggregate: more FCR failures, more churn
    # discrete-time proportional hazards: cloglog(P(churn in month)) = log h0 + U log HR + vip log HR_vip
    x = sm.add_constant(pm[["u", "vip"]].astype(float))
    fit = sm.GLM(pm["event"].astype(float), x,
                 family=sm.families.Binomial(link=sm.families.links.CLogLog())).fit()
    ci = np.exp(fit.conf_int(0.01))
    truth = S.TRUTH["churn"]
    for name, value in (("const", truth["h0_monthly"]), ("u", truth["hr_per_unresolved_ticket"]),
                        ("vip", truth["hr_vip"])):
        assert ci.loc[name, 0] < value < ci.loc[name, 1], (name, ci.loc[name].tolist(), value)


def test_nps_follows_the_service_received(default):
    t, r = default["tickets"], default["responses"]
    j = r.join(t.set_index("ticket_id").drop(columns="customer_id"), on="ticket_id", how="inner")
    j = j[j["nps"].notna()]
    promoter, detractor = j["nps"] >= 9, j["nps"] <= 6
    fcr = j["first_contact_resolved"].astype(bool)
    slow = (j["first_response_at"] - j["created_at"]) > pd.Timedelta(hours=24)
    assert promoter[fcr].mean() > promoter[~fcr].mean() + 0.2
    assert detractor[j["escalated"].astype(bool)].mean() > detractor[~j["escalated"].astype(bool)].mean() + 0.3
    assert detractor[slow].mean() > detractor[~slow].mean() + 0.3
    csat = j["csat"].dropna()
    assert csat.groupby(j["nps"]).mean().is_monotonic_increasing  # CSAT and NPS tell the same story


def test_comment_patterns(default, labels):
    t, r = default["tickets"], default["responses"]
    lr = labels["responses"].set_index("response_id")
    j = r.join(t.set_index("ticket_id")[["created_at", "first_response_at", "team"]], on="ticket_id")
    j = j.join(lr, on="response_id")
    c = j[j["comment"].notna()]
    slow = ((c["first_response_at"] - c["created_at"]) > pd.Timedelta(hours=24)).to_numpy()
    negative = c["sentiment"].isin(["very_negative", "negative"]).to_numpy()
    neg_speed = negative & (c["topic"] == "speed").to_numpy()
    assert neg_speed[slow].mean() > 0.5 and neg_speed[~slow].mean() < 0.15
    # visible in the raw text too
    speed_words = c["comment"].str.contains(r"(?i)wait|slow|response time|took|等了|慢|回复用了").to_numpy()
    assert speed_words[slow].mean() > 0.5 and speed_words[~slow].mean() < 0.2
    rude = c["comment"].str.contains(r"rude|impatient|unfriendly|hung up|态度恶劣|态度太差|不耐烦|态度冷淡")
    team_d = (c["team"] == "team_d").to_numpy(dtype=bool, na_value=False)
    other = c["team"].notna().to_numpy() & ~team_d
    assert rude[team_d].mean() > 3 * rude[other].mean()
    very = c["sentiment"] == "very_negative"
    assert 0.02 < very.mean() < 0.08
    assert c.loc[very, "topic"].isin(["speed", "solution"]).mean() > 0.6
    assert c.loc[very, "comment"].str.contains(
        r"[Tt]errible|[Aa]wful|[Ww]orst|[Uu]seless|[Hh]orrible|garbage|太差|最差|糟糕|失望|没用|垃圾|恶劣").all()


def test_pii_strings_planted_once_each(default, small):
    for f in (default, small):
        text = pd.concat([f["tickets"]["description"].dropna(), f["responses"]["comment"].dropna()])
        for s in S.TRUTH["pii_strings"]:
            assert text.str.contains(s, regex=False).sum() == 1, s
    desc = default["tickets"]["description"].dropna()
    assert all(desc.str.contains(p["value"], regex=False).any() for p in S.TRUTH["pii"]["descriptions"])
    assert len(S.TRUTH["pii_strings"]) == len(set(S.TRUTH["pii_strings"])) == 40


def test_planted_id_and_card_numbers_are_checksum_valid():
    """Maskers that validate check digits must still catch them: GB 11643 (ISO 7064 MOD 11-2) and Luhn."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    pii = S.TRUTH["pii"]["descriptions"] + S.TRUTH["pii"]["comments"]
    ids = [p["value"] for p in pii if p["type"] == "id_card"]
    cards = [p["value"].replace(" ", "") for p in pii if p["type"] == "bank_card"]
    assert len(ids) == 8 and len(cards) == 10 and any(v.endswith("X") for v in ids)
    for v in ids:
        assert re.fullmatch(r"\d{17}[\dX]", v)
        assert "10X98765432"[sum(int(d) * w for d, w in zip(v[:17], weights)) % 11] == v[-1], v
    for v in cards:
        digits = [int(d) for d in v][::-1]
        total = sum(d if i % 2 == 0 else (2 * d - 9 if 2 * d > 9 else 2 * d) for i, d in enumerate(digits))
        assert 16 <= len(v) <= 19 and total % 10 == 0, v


def test_email_and_social_answered_in_business_hours_only(default):
    t = default["tickets"]
    es = t[t["channel"].isin(["email", "social"]) & t["first_response_at"].notna()]
    fr = es["first_response_at"]
    seconds = (fr - fr.dt.normalize()).dt.total_seconds()
    assert (fr.dt.day_of_week < 5).all() and ((seconds >= 9 * 3600) & (seconds < 18 * 3600)).all()
    email = es[es["channel"] == "email"]

    def business_seconds_before(ts: pd.Series) -> np.ndarray:
        days = ts.to_numpy().astype("datetime64[D]")
        within = np.clip((ts - ts.dt.normalize()).dt.total_seconds().to_numpy() - 9 * 3600, 0, 9 * 3600)
        return np.where(np.is_busday(days), within, 0) + np.busday_count("2020-01-01", days) * 9 * 3600

    business_h = (business_seconds_before(email["first_response_at"])
                  - business_seconds_before(email["created_at"])) / 3600
    calendar_h = (email["first_response_at"] - email["created_at"]).dt.total_seconds() / 3600
    assert abs(np.median(business_h) - S.TRUTH["tickets"]["first_response"]["email"][0]) < 0.3
    assert np.median(calendar_h) > 3 * np.median(business_h)
    phone = t[t["channel"] == "phone"]
    assert ((phone["first_response_at"] - phone["created_at"]).dt.total_seconds() < 3601).all()
    assert abs(phone["handle_time_minutes"].median() - 6) < 1
    within_24h = ((t["resolved_at"] - t["created_at"]) <= pd.Timedelta(hours=24)).mean()
    assert 0.75 < within_24h < 0.85 and t["resolved_at"].isna().sum() > 0


def test_volume_shape_and_agents(default):
    t, c = default["tickets"], default["customers"]
    dow = t["created_at"].dt.day_of_week.value_counts()
    assert dow[0] > 1.15 * dow[5]  # Monday busier than Saturday
    month = t["created_at"].dt.to_period("M").value_counts()
    assert month[pd.Period("2025-11")] > 1.2 * month[pd.Period("2025-05")]  # annual season
    h1_2025 = month[[pd.Period(f"2025-{m:02d}") for m in range(1, 7)]].sum()
    h1_2026 = month[[pd.Period(f"2026-{m:02d}") for m in range(1, 7)]].sum()
    assert 1.03 < h1_2026 / h1_2025 < 1.3  # mild growth
    assert (c["signup_date"] < "2025-01-01").mean() > 0.5 and c["signup_date"].min() < pd.Timestamp("2023-02-01")
    assert 0.08 < (c["tier"] == "VIP").mean() < 0.12
    assert set(c["region"]) == set(REGIONS) and set(c["plan"]) == {"basic", "plus", "premium"}
    agents = pd.DataFrame(S.TRUTH["agents"]).set_index("agent_id")
    per_agent = t.groupby("agent_id").agg(n=("ticket_id", "size"), fcr=("first_contact_resolved", "mean"),
                                          first=("created_at", "min"), team=("team", "first"))
    assert len(per_agent) == len(agents) and t["team"].nunique() == agents["team"].nunique()
    assert (per_agent["team"] == agents.loc[per_agent.index, "team"]).all()
    late = per_agent.loc[S.TRUTH["late_joiners"]]
    assert (late["n"] < 50).all() and (late["first"] >= pd.to_datetime(agents.loc[late.index, "hire_date"])).all()
    regular = per_agent[per_agent["n"] > 200]
    assert regular["fcr"].corr(agents.loc[regular.index, "fcr_effect"]) > 0.6  # agent-level FCR differences


def test_volume_scales_linearly_with_customers(default):
    double = S.generate_sample(customers=2 * S.DEFAULT_CUSTOMERS)
    t1, t2 = default["tickets"], double["tickets"]
    assert 1.9 < len(t2) / len(t1) < 2.1
    for col in ("category", "channel", "region"):
        s1, s2 = t1[col].value_counts(normalize=True), t2[col].value_counts(normalize=True)
        assert (s1 - s2).abs().max() < 0.01, col
    for name in ("responses", "transactions", "assignments"):
        assert 1.85 < len(double[name]) / len(default[name]) < 2.15, name


# ------------------------------------------------------------------------------------------------
# purchases: BG/NBD and Gamma-Gamma parameters are recoverable (when T ends at the churn date)
# ------------------------------------------------------------------------------------------------
def bgnbd_fit(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Maximum-likelihood BG/NBD (Fader, Hardie & Lee 2005, eq. 6): returns r, alpha, a, b."""
    def nll(log_params):
        r, alpha, a, b = np.exp(log_params)
        common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        alive = betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + T)
        dead = np.where(x > 0, betaln(a + 1, np.maximum(b + x - 1, 1e-12)) - betaln(a, b)
                        - (r + x) * np.log(alpha + t_x), -np.inf)
        return -(common + np.logaddexp(alive, dead)).sum()

    res = minimize(nll, np.log([1.0, 10.0, 1.0, 2.0]), method="L-BFGS-B")
    return np.exp(res.x)


def test_purchase_parameters_recoverable(default):
    c, x = default["customers"].set_index("customer_id"), default["transactions"]
    g = x.groupby("customer_id")["transaction_date"].agg(["min", "max", "size"]).reindex(c.index)
    weeks = lambda d: d.dt.total_seconds().to_numpy() / (7 * 86400)  # noqa: E731
    freq, t_x = (g["size"] - 1).to_numpy(float), weeks(g["max"] - g["min"])
    truth, check = S.TRUTH["transactions"]["bgnbd"], S.TRUTH["transactions"]["fit_check"]
    to_churn = bgnbd_fit(freq, t_x, weeks(c["churn_date"].fillna(END) - g["min"]))
    to_end = bgnbd_fit(freq, t_x, weeks(END - g["min"]))
    for est, key in zip(to_churn, ("r", "alpha", "a", "b")):
        assert abs(est / truth[key] - 1) < 0.15, (key, est)
        assert math.isclose(est, check["T_to_churn"][key], rel_tol=0.01), (key, est)
    # the documented consequence of removing purchases after churn: T to the data end overstates dropout
    mean_p = lambda p: p[2] / (p[2] + p[3])  # noqa: E731
    assert mean_p(to_end) > mean_p(to_churn) + 0.02
    assert math.isclose(mean_p(to_end), check["T_to_end"]["a"] / (check["T_to_end"]["a"] + check["T_to_end"]["b"]),
                        rel_tol=0.01)
    # Gamma-Gamma on repeat purchases: the mean spend per customer is p v / (q - 1)
    rep = x.join(c["signup_date"], on="customer_id")
    rep = rep[rep["transaction_date"] > rep["signup_date"]]
    gg = S.TRUTH["transactions"]["gamma_gamma"]
    assert abs(rep["amount"].mean() / (gg["p"] * gg["v"] / (gg["q"] - 1)) - 1) < 0.05


# ------------------------------------------------------------------------------------------------
# writing files
# ------------------------------------------------------------------------------------------------
def test_write_sample_parquet_is_byte_identical_and_csv_is_utf8(tmp_path):
    a = S.write_sample(tmp_path / "a", seed=3, customers=400)
    b = S.write_sample(tmp_path / "b", seed=3, customers=400)
    assert [p.name for p in a] == [f"{n}.parquet" for n in S.TABLE_NAMES]
    assert all(p.read_bytes() == q.read_bytes() for p, q in zip(a, b))
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(p.name for p in a)  # no temp files left
    frames = S.generate_sample(seed=3, customers=400)
    pd.testing.assert_frame_equal(read_parquet(a[0]), frames["tickets"])
    csv = S.write_sample(tmp_path / "c", seed=3, customers=400, fmt="csv")
    assert [p.name for p in csv] == [f"{n}.csv" for n in S.TABLE_NAMES]
    text = csv[0].read_text(encoding="utf-8")
    assert CJK.search(text) and text.splitlines()[0].split(",") == list(frames["tickets"].columns)
    back = pd.read_csv(csv[0])
    assert len(back) == len(frames["tickets"]) and back["contacts"].dtype == "int64"
    assert (back["contacts"].astype(str).str.fullmatch(r"\d+")).all()  # whole numbers written as 3, not 3.0


def test_bad_arguments_raise_parameter_error(tmp_path):
    with pytest.raises(ParameterError, match="customers"):
        S.generate_sample(customers=10)
    with pytest.raises(ParameterError, match="seed"):
        S.generate_sample(seed=-1)
    with pytest.raises(ParameterError, match="fmt"):
        S.write_sample(tmp_path, fmt="xlsx")
    assert not any(tmp_path.iterdir())
