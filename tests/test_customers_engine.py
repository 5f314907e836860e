"""csm.customers.engine: the NPS / churn / CLV report's engine-built tables equal the pandas functions'
results (the reference kept in csm.customers: nps.nps_table on nps.service_history, churn.churn_rate /
monthly_churn_rate / cohort_churn_rate / churn_panel, clv.rfm_summary / seed_clv) — counts exactly, floats to
1e-9 relative — on the sample (as pandas frames and as Parquet read by DuckDB) and on a small simulated dataset
with edge cases; above ``max_customers`` the per-customer models use a stated hash sample while counts stay
exact; the same tables on local Spark (skipped without Spark)."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from conftest import SAMPLE
from csm import customers as customers_analysis
from csm.customers import churn, clv, engine, nps
from csm.levels import lump_levels
from csm.periods import Period

REL = 1e-9
COUNTS = ("n", "promoters", "detractors", "churned", "customers", "customer_months", "frequency",
          "frequency_holdout", "event")
TABLES = ("tickets", "responses", "customers", "transactions")


def assert_table(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Same columns and rows in the same order; count columns exactly, the rest to 1e-9 relative."""
    got, want = got.reset_index(drop=True), want.reset_index(drop=True)
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want)
    for c in want.columns:
        if c in COUNTS:
            assert np.array_equal(got[c].to_numpy(float), want[c].to_numpy(float), equal_nan=True), c
        elif pd.api.types.is_float_dtype(want[c]):
            np.testing.assert_allclose(got[c].to_numpy(float), want[c].to_numpy(float), rtol=REL, atol=1e-12,
                                       err_msg=c)
        else:
            assert got[c].astype(object).tolist() == want[c].astype(object).tolist(), c


# ============================================================================ the data
def _frames(folder) -> SimpleNamespace:
    return SimpleNamespace(**{name: pd.read_parquet(folder / f"{name}.parquet") for name in TABLES})


class _DuckDBFiles:
    """The sample's Parquet files read by DuckDB (relations, nothing loaded into pandas)."""

    def __init__(self, folder):
        import ibis

        self.con = ibis.duckdb.connect()
        self.folder = folder

    def relation(self, name):
        return self.con.read_parquet(str(self.folder / f"{name}.parquet"), table_name=f"sample_{name}")


def simulated() -> SimpleNamespace:
    """60 customers with the edge cases: customers without tickets (41–60) and without transactions (51–60),
    churns before the follow-up and on the same day, unknown tiers and regions, open tickets, unknown
    first-contact outcomes, a ticket, response and purchase of a customer not in the customers table, a
    response without a ticket and one without a score, purchases at the same time (ties broken by
    transaction_id, listed in reverse), a purchase without an amount and purchases after churn."""
    rng = np.random.default_rng(7)
    n = 60
    ids = [f"C{i:03d}" for i in range(1, n + 1)]
    signup = pd.Timestamp("2022-10-01") + pd.to_timedelta(rng.integers(0, 600, n), unit="D")
    churn_date = pd.Series(signup + pd.to_timedelta(rng.integers(60, 700, n), unit="D"))
    churn_date[rng.random(n) < 0.45] = pd.NaT
    churn_date[3] = pd.Timestamp("2023-01-15")  # churned before the follow-up starts
    churn_date[4] = churn_date[5] = pd.Timestamp("2024-03-10")  # same-day churns
    signup = pd.Series(signup)
    signup[3] = pd.Timestamp("2022-10-05")
    customers = pd.DataFrame({
        "customer_id": ids, "signup_date": signup, "churn_date": churn_date, "churned": churn_date.notna(),
        "tier": rng.choice(np.array(["VIP", "standard", None], object), n, p=[0.3, 0.6, 0.1]),
        "region": rng.choice(np.array(["north", "south", "east", "west", None], object), n),
        "plan": rng.choice(["basic", "plus"], n), "revenue": rng.gamma(2, 300, n).round(2)})
    k = 400
    owner = np.array([ids[i] for i in rng.integers(0, 40, k)], object)
    owner[7] = "X999"  # not in the customers table
    created = pd.Timestamp("2023-03-01") + pd.to_timedelta(rng.integers(0, 660 * 24 * 3600, k), unit="s")
    hours = rng.exponential(30, k)
    resolved = pd.Series(created + pd.to_timedelta(hours, unit="h"))
    resolved[rng.random(k) < 0.1] = pd.NaT  # open tickets
    fcr = pd.array(rng.random(k) < 0.6, dtype="boolean")
    fcr[rng.random(k) < 0.1] = pd.NA
    escalated = pd.array(rng.random(k) < 0.2, dtype="boolean")
    escalated[:5] = pd.NA
    tickets = pd.DataFrame({
        "ticket_id": [f"T{i:04d}" for i in range(k)], "customer_id": owner, "created_at": created,
        "first_response_at": created + pd.to_timedelta(rng.exponential(10, k), unit="h"), "resolved_at": resolved,
        "first_contact_resolved": fcr, "escalated": escalated, "reopened": pd.array(rng.random(k) < 0.1, "boolean"),
        "contacts": rng.integers(1, 6, k).astype(float), "channel": rng.choice(["phone", "chat", "email"], k),
        "category": rng.choice(["billing", "service_attitude", "delivery"], k),
        "region": rng.choice(["north", "south"], k)})
    m = 250
    surveyed = rng.choice(k, m, replace=False)
    responses = pd.DataFrame({
        "response_id": [f"R{i:04d}" for i in range(m)], "customer_id": owner[surveyed],
        "ticket_id": tickets["ticket_id"].to_numpy()[surveyed].astype(object),
        "submitted_at": created[surveyed] + pd.to_timedelta(2, unit="D"),
        "nps": rng.integers(0, 11, m).astype(float), "comment": None})
    responses.loc[3, "nps"] = np.nan  # no score
    responses.loc[4, "ticket_id"] = None  # no ticket
    p = 500
    buyer = np.array([ids[i] for i in rng.integers(0, 50, p)], object)
    buyer[11] = "X999"
    when = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 720 * 24 * 3600, p), unit="s")
    transactions = pd.DataFrame({"transaction_id": [f"P{i:05d}" for i in range(p)], "customer_id": buyer,
                                 "transaction_date": when, "amount": rng.gamma(2, 40, p).round(2)})
    first = transactions[transactions["customer_id"] == "C002"]["transaction_date"].min() - pd.Timedelta(days=1)
    ties = pd.DataFrame({"transaction_id": ["P99999", "P99998"], "customer_id": ["C002", "C002"],
                         "transaction_date": [first, first], "amount": [11.0, 22.0]})  # reverse id order
    transactions = pd.concat([ties, transactions], ignore_index=True)
    transactions.loc[20, "amount"] = np.nan
    return SimpleNamespace(customers=customers, tickets=tickets, responses=responses, transactions=transactions)


SOURCES = ("sample_frames", "sample_duckdb", "simulated")


@pytest.fixture(scope="module")
def frames():
    return {"sample": _frames(SAMPLE), "simulated": simulated()}


@pytest.fixture(scope="module", params=SOURCES)
def source(request, frames):
    """(the data as the analysis receives it, the same tables as pandas frames, as_of, follow-up start)."""
    if request.param == "simulated":
        ref = frames["simulated"]
        data, as_of = ref, pd.Timestamp("2024-12-31 23:59:59")
    else:
        ref = frames["sample"]
        data = ref if request.param == "sample_frames" else _DuckDBFiles(SAMPLE)
        as_of = ref.tickets["created_at"].max().to_period("M").start_time - pd.Timedelta(seconds=1)
    start = ref.tickets["created_at"].min().normalize()
    return data, ref, as_of, start


# ============================================================================ NPS
def test_nps_counts_equal_the_pandas_tables(source):
    data, ref, as_of, _ = source
    t = engine.tables(data)
    history = nps.service_history(ref.responses[ref.responses["submitted_at"] <= as_of], ref.tickets, ref.customers)
    scored = engine.scored_relation(t, as_of, ["tier", "region", "channel"])
    assert_table(engine.nps_table(engine.nps_counts(scored)), nps.nps_table(history))
    for by in ("tier", "region", "channel"):
        for levels in (10, 2):  # lumped: the 2 largest levels plus "all others"
            got = engine.nps_table(engine.nps_counts(scored, by), by, levels)
            assert_table(got, nps.nps_table(lump_levels(history, by, levels), by))
            assert_table(nps.nps_group_test_of_table(got), nps.nps_group_test(lump_levels(history, by, levels), by))
    trend = nps.nps_table_from_counts(engine.nps_monthly(scored), "period_start")
    assert_table(trend, nps.nps_by_period(history, freq="M"))
    month = Period(as_of.to_period("M").start_time, as_of + pd.Timedelta(seconds=1), "month")
    now = engine.nps_counts(scored, where=engine.between(scored.submitted_at, month.start, month.end))
    assert_table(engine.nps_table(now), nps.nps_table(history[month.contains(history["submitted_at"])]))


# ============================================================================ churn
def test_churn_counts_equal_the_pandas_rates(source):
    data, ref, as_of, start = source
    t, c = engine.tables(data), ref.customers
    month = Period(as_of.to_period("M").start_time, as_of + pd.Timedelta(seconds=1), "month")
    before = month.shifted("previous")
    counts = engine.churn_counts(t["customers"], [(month.start, month.end), (before.start, before.end)])
    assert_table(churn.churn_rate_from_counts(*counts[0], counts[1]), churn.churn_rate(c, month, comparison=before))
    for freq in ("Q", "M"):
        all_rows, per_cohort, sizes = engine.cohort_counts(t["customers"], start=start, end=as_of, cohort_freq=freq)
        assert_table(churn.monthly_churn_from_counts(all_rows), churn.monthly_churn_rate(c, start=start, end=as_of))
        assert_table(churn.cohort_churn_from_counts(per_cohort, sizes),
                     churn.cohort_churn_rate(c, start=start, end=as_of, cohort_freq=freq))
    assert_table(churn.churn_share_from_counts(*engine.snapshot_counts(t["customers"], as_of)),
                 churn.churn_share(c, as_of=as_of))


def test_seed_clv_sums_equal_the_pandas_seed(source):
    data, ref, as_of, _ = source
    t = engine.tables(data)
    for by in ("tier", "plan", "all"):
        got = clv.seed_clv_from_sums(engine.seed_sums(t["customers"], as_of=as_of, by=by), by=by, min_churners=5)
        assert_table(got, clv.seed_clv(ref.customers, as_of=as_of, by=by, min_churners=5))


# ============================================================================ per-customer tables
def test_rfm_summary_and_holdout_equal_the_pandas_summary(source):
    data, ref, as_of, _ = source
    t = engine.tables(data)
    obs = ref.customers.set_index("customer_id")["churn_date"]
    got = engine.rfm_summary(t, calibration_end=as_of, observation_end=obs, time_unit="W")
    want = clv.rfm_summary(ref.transactions, calibration_end=as_of, observation_end=obs, time_unit="W")
    assert list(got.index) == list(want.index)
    assert_table(got, want)
    cal_end = as_of - pd.DateOffset(months=6)
    got = engine.rfm_summary(t, calibration_end=cal_end, holdout_end=as_of, observation_end=obs, time_unit="D")
    want = clv.rfm_summary(ref.transactions, calibration_end=cal_end, holdout_end=as_of, observation_end=obs,
                           time_unit="D")
    assert list(got.index) == list(want.index)
    assert_table(got, want)


def test_the_first_of_simultaneous_purchases_is_the_smaller_transaction_id():
    data = simulated()
    summary = clv.rfm_summary(data.transactions, calibration_end="2025-01-01")
    rows = data.transactions[data.transactions["customer_id"] == "C002"]
    repeat = rows["amount"].sum() - 22.0  # P99998 (amount 22) is the first purchase
    assert summary.loc["C002", "monetary_value"] == pytest.approx(repeat / (len(rows) - 1), rel=1e-12)


def test_churn_panel_from_engine_events_equals_the_pandas_panel(source):
    data, ref, as_of, start = source
    t = engine.tables(data)
    months = churn.panel_months(start, as_of)
    frame = engine.customer_frame(t, ["signup_date", "churn_date", "churned", "tier"])
    got = churn.panel_from_events(frame, engine.panel_events(t, months, start=start, as_of=as_of), start=start,
                                  as_of=as_of)
    want = churn.churn_panel(ref.customers, ref.tickets, ref.responses, start=start, as_of=as_of)
    assert_table(got, want)


# ============================================================================ the sample bound
@pytest.fixture(scope="module")
def sampled(frames):
    return customers_analysis.analyse(frames["sample"], max_customers=1500)


def test_above_max_customers_the_models_use_a_stated_hash_sample_and_counts_stay_exact(sampled, frames):
    r, ref = sampled, frames["sample"]
    (note,) = [n for n in r.notes if n.code == "customer_sample"]
    assert note.params["sampled"] == 1500 and note.params["customers"] == len(ref.customers)
    assert r.customers_used == 1500 and r.customers_total == len(ref.customers)
    at = r.retention_overall_at
    assert note.params["retention_width"] == pytest.approx(100 * (at["ci_high"] - at["ci_low"]), abs=1e-3)
    # the sample: the 1,500 customers with the smallest DuckDB hash of customer_id read as a signed 64-bit
    # integer (Ibis's hash()), ties by customer_id
    import duckdb

    con = duckdb.connect()
    con.register("ids", ref.customers[["customer_id"]])
    smallest = con.sql("select customer_id from ids order by cast(cast(hash(customer_id) as bit) as bigint), "
                       "customer_id limit 1500").df()
    ids = set(smallest["customer_id"])
    assert set(r.survival["customer_id"]) <= ids and set(r.rfm.index) <= ids
    assert len(r.survival) == (ref.customers["customer_id"].isin(ids) & (ref.customers["signup_date"] <= r.as_of)).sum()
    assert set(r.panel["customer_id"]) <= ids and set(r.scored["customer_id"]) <= ids
    # counts, rates and NPS over every customer: as the pandas functions on the whole tables
    want = churn.churn_rate(ref.customers, r.current, comparison=r.previous).iloc[0]
    assert int(r.churn_now["n"]) == int(want["n"]) and int(r.churn_now["churned"]) == int(want["churned"])
    history = nps.service_history(ref.responses[ref.responses["submitted_at"] <= r.as_of], ref.tickets, ref.customers)
    assert int(r.nps_overall["n"]) == len(history)


def test_the_report_states_the_sample_size_and_interval_width(sampled, monkeypatch):
    from csm.report import customers as report

    shown = []
    monkeypatch.setattr(report, "display", lambda obj: shown.append(str(getattr(obj, "data", obj))))
    report.show_summary(sampled, "en")
    text = " ".join(shown)
    assert "1,500 of the 18,000 customers" in text
    (note,) = [n for n in sampled.notes if n.code == "customer_sample"]
    width = note.params["retention_width"]
    assert f"±{width / 2:.2f} percentage points (95% CI width {width:.2f} points)" in text
    shown.clear()
    report.show_summary(sampled, "zh")
    assert "18,000 位客户中的 1,500 位" in " ".join(shown)


def test_below_max_customers_nothing_is_sampled(frames):
    t = engine.tables(frames["simulated"], max_customers=60)
    assert not t.sampled and t.population == 60
    t = engine.tables(frames["simulated"], max_customers=59)
    assert t.sampled and len(engine.customer_frame(t, [])) == 59


# ============================================================================ Spark
def test_the_engine_tables_on_spark_equal_the_pandas_ones(spark_engine):
    spark = spark_engine
    ref = simulated()
    rel = {name: spark.relation(getattr(ref, name), f"cust_{name}") for name in TABLES}
    data = SimpleNamespace(relation=rel.get)
    t = engine.tables(data)
    as_of, start = pd.Timestamp("2024-12-31 23:59:59"), ref.tickets["created_at"].min().normalize()
    history = nps.service_history(ref.responses[ref.responses["submitted_at"] <= as_of], ref.tickets, ref.customers)
    scored = engine.scored_relation(t, as_of, ["region"])
    assert_table(engine.nps_table(engine.nps_counts(scored, "region"), "region", 2),
                 nps.nps_table(lump_levels(history, "region", 2), "region"))
    all_rows, per_cohort, sizes = engine.cohort_counts(t["customers"], start=start, end=as_of)
    assert_table(churn.cohort_churn_from_counts(per_cohort, sizes),
                 churn.cohort_churn_rate(ref.customers, start=start, end=as_of))
    obs = ref.customers.set_index("customer_id")["churn_date"]
    assert_table(engine.rfm_summary(t, calibration_end=as_of, observation_end=obs, time_unit="W"),
                 clv.rfm_summary(ref.transactions, calibration_end=as_of, observation_end=obs, time_unit="W"))
    months = churn.panel_months(start, as_of)
    frame = engine.customer_frame(t, ["signup_date", "churn_date", "churned", "tier"])
    assert_table(churn.panel_from_events(frame, engine.panel_events(t, months, start=start, as_of=as_of),
                                         start=start, as_of=as_of),
                 churn.churn_panel(ref.customers, ref.tickets, ref.responses, start=start, as_of=as_of))
