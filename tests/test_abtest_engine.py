"""csm.abtest in the engine (issue 14): the per-unit tables built in the engine equal the previous pandas
computation on the rows (tests/abtest_pandas_reference.py), the statistics finished from sums equal the row-level
references (scipy, statsmodels), a simulated experiment with a planted effect is recovered, the edge cases of the
join (units without tickets, tickets outside the window, unassigned customers, missing values) come out as the
pandas merge gave them, and a source outside the default engine (a DuckDB connection over Parquet files; local
Spark when available) gives the same report numbers."""
from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

import abtest_pandas_reference as ref
from conftest import SAMPLE
from csm import abtest
from csm.data.load import load_tables
from csm.data.sample import TRUTH
from csm.engine import execute

SPLIT = {"control": 0.5, "treatment": 0.5}
END = "2026-04-30"
REL = 1e-9
METRICS = {
    "fcr_rate": {"kind": "ratio", "column": "first_contact_resolved", "direction": "higher", "role": "primary"},
    "aht_minutes": {"kind": "mean", "column": "handle_time_minutes", "direction": "lower", "role": "secondary",
                    "covariate": "pre_handle_time_minutes", "robust": True},
    "handle_time_per_ticket": {"kind": "ratio", "column": "handle_time_minutes", "direction": "lower",
                               "role": "secondary"},
    "escalated_any": {"kind": "proportion", "column": "escalated", "direction": "lower", "role": "guardrail"},
    "csat_mean": {"kind": "mean", "table": "responses", "column": "csat", "direction": "higher", "role": "secondary"},
    "csat_ordinal": {"kind": "ordinal", "table": "responses", "column": "csat", "direction": "higher",
                     "role": "guardrail"},
    "nps": {"kind": "nps", "table": "responses", "column": "nps", "direction": "higher", "role": "guardrail"},
    "churn_rate": {"kind": "proportion", "table": "customers", "column": "churn_date", "direction": "lower",
                   "role": "guardrail"},
}


@pytest.fixture(scope="module")
def data():
    return load_tables(SAMPLE, tables=["tickets", "responses", "customers", "assignments"])


def _frames(data, units, end=END):
    """The experiment rows as the pandas implementation built them (the reference)."""
    tickets = ref.experiment_rows(data.tickets, units, time_column="created_at", end=end)
    link = tickets[["ticket_id", "unit_id", "variant", "assigned_at"]]
    return {"tickets": tickets, "responses": data.responses.merge(link, on="ticket_id", how="inner"),
            "customers": data.customers.merge(units[["unit_id", "variant", "assigned_at"]], left_on="customer_id",
                                              right_on="unit_id")}


def _relations(data, units, end=END):
    tickets = abtest.experiment_rows(data.relation("tickets"), units, time_column="created_at", end=end)
    return {"tickets": tickets, "responses": abtest.linked_rows(data.relation("responses"), tickets, on="ticket_id"),
            "customers": abtest.linked_rows(data.relation("customers"),
                                            abtest.engine.units_table(units, ["unit_id", "variant", "assigned_at"]),
                                            on="customer_id", right_on="unit_id")}


def _same_units(engine: pd.DataFrame, pandas: pd.DataFrame):
    """Per-unit tables equal: the same units in the same order, counts exactly, sums to 1e-9 relative."""
    assert engine["unit_id"].tolist() == pandas["unit_id"].tolist()
    assert engine["variant"].tolist() == pandas["variant"].tolist()
    np.testing.assert_array_equal(engine["den"].to_numpy(float), pandas["den"].to_numpy(float))
    np.testing.assert_allclose(engine["num"].to_numpy(float), pandas["num"].to_numpy(float), rtol=REL, atol=1e-12)


@pytest.fixture(scope="module")
def sample_units(data):
    return abtest.experiment_units(data.relation("assignments"), planned_split=SPLIT, experiment_id="smart_triage")


# --------------------------------------------------------------------------- the sample: engine = pandas
def test_experiment_rows_stay_in_the_engine_and_hold_the_pandas_rows(data, sample_units):
    rows, frames = _relations(data, sample_units), _frames(data, sample_units)
    for name in rows:
        got = execute(rows[name].select("unit_id", "variant"))
        assert len(got) == len(frames[name]) and len(got) > 0, name
        key = ["unit_id", "variant"]
        assert (got.groupby(key).size().sort_index() == frames[name].groupby(key).size().sort_index()).all(), name
    assert abtest.engine.row_count(rows["tickets"]) == (TRUTH["default_dataset"]["experiment"]["tickets_control"]
                                                        + TRUTH["default_dataset"]["experiment"]["tickets_treatment"])


@pytest.mark.parametrize("metric", ["fcr_rate", "aht_minutes", "handle_time_per_ticket", "escalated_any",
                                    "csat_mean", "churn_rate"])
def test_unit_tables_equal_the_pandas_computation(data, sample_units, metric):
    spec = abtest.check_metrics(METRICS)[metric]
    rows, frames = _relations(data, sample_units), _frames(data, sample_units)
    got = abtest.unit_values(spec, sample_units, rows, end=END)
    want = ref.unit_values(spec, sample_units, frames, end=END)
    _same_units(got, want)
    # the same at a sequential look: units assigned and rows recorded by its day
    cut = pd.Timestamp("2026-04-01")
    u = sample_units[sample_units["assigned_at"] < cut]
    time = {"tickets": "created_at", "responses": "submitted_at"}
    rr = {k: (v.filter(v[time[k]] < cut.to_pydatetime()) if k in time else v) for k, v in rows.items()}
    ff = {k: (v[(v[time[k]] < cut) & v["unit_id"].isin(u["unit_id"])] if k in time else v) for k, v in frames.items()}
    _same_units(abtest.unit_values(spec, u, rr, end="2026-03-31"), ref.unit_values(spec, u, ff, end="2026-03-31"))


def test_row_level_statistics_from_sums_equal_the_row_references(data, sample_units):
    rows, frames = _relations(data, sample_units), _frames(data, sample_units)
    specs = abtest.check_metrics(METRICS)
    for name in ("fcr_rate", "handle_time_per_ticket"):
        methods = abtest.unit_of_analysis(name, specs[name], sample_units, rows, end=END).set_index("method")
        naive = ref.naive_rows(specs[name], frames).iloc[0]
        for col in ("estimate", "se", "ci_low", "ci_high", "p_value"):
            assert methods.loc["naive_rows", col] == pytest.approx(naive[col], rel=REL)
        t = frames["tickets"]
        x = ref._numeric(t[specs[name]["column"]])
        keep = x.notna()
        sm = ref.compare_clustered_statsmodels(x[keep], t.loc[keep, "variant"] == "treatment", t.loc[keep, "unit_id"])
        for col in ("estimate", "se", "ci_low", "ci_high", "p_value"):
            assert methods.loc["cluster_robust", col] == pytest.approx(sm[col], rel=REL), (name, col)
    for name in ("csat_ordinal", "nps"):
        got = abtest.analyse_metric(name, specs[name], sample_units, rows, end=END).iloc[0]
        want = ref.responses_compared(specs[name], frames)
        for col, value in want.items():
            assert got[col] == pytest.approx(value, rel=REL), (name, col)


def test_mann_whitney_from_counts_is_scipy():
    rng = np.random.default_rng(5)
    for _ in range(5):
        c, t = rng.integers(0, 11, rng.integers(5, 300)), rng.integers(2, 11, rng.integers(5, 300))
        values = np.union1d(c, t)
        u, p = abtest.mann_whitney_counts(values, [np.sum(t == v) for v in values], [np.sum(c == v) for v in values])
        ref_ = st.mannwhitneyu(t, c, alternative="two-sided", method="asymptotic")
        assert u == ref_.statistic and p == pytest.approx(ref_.pvalue, rel=1e-12)


def test_difference_in_differences_from_aggregates_equals_statsmodels_on_rows(data):
    rollout = TRUTH["default_dataset"]["rollout"]
    args = {"outcome": "handle_time_minutes", "group_column": "team", "treated": ["team_c"],
            "change_date": "2025-09-01", "window": rollout["window"], "cluster": "customer_id"}
    for rel in (data.tickets, data.relation("tickets")):
        got, want = abtest.difference_in_differences(rel, **args), ref.difference_in_differences(data.tickets, **args)
        g, w = got.summary.iloc[0], want.summary.iloc[0]
        assert (g["n"], g["clusters"]) == (w["n"], w["clusters"])
        for col in ("estimate", "se", "ci_low", "ci_high"):
            assert g[col] == pytest.approx(w[col], rel=REL)
        np.testing.assert_allclose(got.cell_means[["before", "after"]], want.cell_means[["before", "after"]], rtol=REL)
    weeks = {**args, "change_date": "2025-09-03", "window": ("2025-08-01", "2025-09-30")}  # a change mid-week
    for freq, a in (("MS", args), ("W", weeks)):
        (trend, p), (trend_ref, p_ref) = (abtest.pre_trends(data.relation("tickets"), freq=freq, **a),
                                          ref.pre_trends(data.tickets, freq=freq, **a))
        assert p == pytest.approx(p_ref, rel=1e-9)
        assert trend["period_start"].tolist() == trend_ref["period_start"].tolist()
        assert trend["n"].tolist() == trend_ref["n"].tolist()
        np.testing.assert_allclose(trend[["estimate", "ci_low", "ci_high"]], trend_ref[["estimate", "ci_low", "ci_high"]],
                                   rtol=REL)


# --------------------------------------------------------------------------- a simulated experiment
def _simulated(seed=3, n_customers=1200, lift=0.08):
    """Customers randomised 50/50 on 2026-03-01 .. 03-30 with a planted FCR lift, and the join's edge cases:
    units without tickets, tickets before the assignment and after the end, an unassigned customer, missing
    values."""
    rng = np.random.default_rng(seed)
    ids = [f"C{i:05d}" for i in range(n_customers)]
    variant = np.where(rng.random(n_customers) < 0.5, "control", "treatment")
    assigned = pd.Timestamp("2026-03-01") + pd.to_timedelta(rng.integers(0, 30, n_customers), unit="D")
    assignments = pd.DataFrame({"unit_id": ids, "variant": variant, "assigned_at": assigned,
                                "experiment_id": "sim", "unit_type": "customer",
                                "pre_handle_time_minutes": rng.gamma(4, 2, n_customers)})
    rows = []
    for i, cid in enumerate(ids):
        k = rng.poisson(2.5) if i % 10 else 0  # every tenth unit has no tickets
        for j in range(k):
            created = assigned[i] + pd.Timedelta(hours=float(rng.uniform(0, 24 * 40)))
            p = 0.6 + (lift if variant[i] == "treatment" else 0.0)
            rows.append({"customer_id": cid, "created_at": created, "first_contact_resolved": bool(rng.random() < p),
                         "handle_time_minutes": float(rng.gamma(3, 3) + 0.5 * assignments.loc[i, "pre_handle_time_minutes"])})
        rows.append({"customer_id": cid, "created_at": assigned[i] - pd.Timedelta(days=2),  # before the assignment
                     "first_contact_resolved": False, "handle_time_minutes": 99.0})
    rows.append({"customer_id": "C99999", "created_at": pd.Timestamp("2026-03-15"),  # not assigned
                 "first_contact_resolved": True, "handle_time_minutes": 5.0})
    tickets = pd.DataFrame(rows)
    tickets.insert(0, "ticket_id", [f"T{i:06d}" for i in range(len(tickets))])
    tickets["first_contact_resolved"] = tickets["first_contact_resolved"].astype("boolean")
    tickets.loc[tickets.index[::17], "first_contact_resolved"] = pd.NA  # missing values
    tickets.loc[tickets.index[::13], "handle_time_minutes"] = np.nan
    return assignments, tickets


class _Frames:
    """Data given as plain pandas frames (no Dataset): the frames are registered with the default engine."""

    def __init__(self, **tables):
        self.__dict__.update({"responses": None, "customers": None, **tables})


def test_simulated_experiment_recovers_the_planted_lift_and_matches_pandas():
    assignments, tickets = _simulated()
    end = "2026-04-05"  # tickets after it (up to 40 days after the assignment) fall outside the window
    metrics = {"fcr_rate": METRICS["fcr_rate"], "aht_minutes": {**METRICS["aht_minutes"], "robust": False}}
    res = abtest.analyse(_Frames(tickets=tickets, assignments=assignments), metrics=metrics, planned_split=SPLIT,
                         experiment_end=end, looks=2, aa_splits=50, n_boot=100)
    fcr = res.metrics.set_index("metric").loc["fcr_rate"]
    assert fcr["ci_low"] < 0.08 < fcr["ci_high"] and fcr["verdict"] == "improved"
    aht = res.metrics.set_index("metric").loc["aht_minutes"]
    assert aht["ci_low"] < 0 < aht["ci_high"]  # no effect planted on handle time
    # the same per-unit numbers as the pandas merge of the rows
    units = res.units
    frames = {"tickets": ref.experiment_rows(tickets, units, time_column="created_at", end=end)}
    window = frames["tickets"]
    assert "C99999" not in set(window["unit_id"])  # the unassigned customer's ticket is not an experiment row
    assert (window["created_at"] >= window["assigned_at"]).all()  # tickets before the assignment are out
    assert (window["created_at"] < pd.Timestamp(end) + pd.Timedelta(days=1)).all()  # and after the end
    assert res.row_counts["tickets"] == len(window) < len(tickets) - len(assignments)
    for name, spec in abtest.check_metrics(metrics).items():
        got = abtest.unit_values({**spec, "kind": "ratio"}, units, res.rows, end=end)
        want = ref.unit_values({**spec, "kind": "ratio"}, units, frames, end=end)
        _same_units(got, want)
        assert (got.loc[got["unit_id"].isin(assignments["unit_id"][::10]), "den"] == 0).all()  # no tickets: 0
    # the statistics equal the previous implementation's on the same rows
    reference = ref.naive_rows(abtest.check_metrics(metrics)["fcr_rate"], frames).iloc[0]
    assert fcr["se_naive"] == pytest.approx(reference["se"], rel=REL)
    assert fcr["p_value_naive"] == pytest.approx(reference["p_value"], rel=REL)
    assert res.sequential["units"].iloc[-1] == len(units)


def test_a_parquet_source_on_its_own_connection_gives_the_frames_numbers(tmp_path, data):
    """Tables on another DuckDB connection (Parquet files): the units travel to that backend as an in-memory
    table, and every number equals the run on frames."""
    import ibis

    con = ibis.duckdb.connect()
    tables = {}
    for name in ("tickets", "responses", "customers", "assignments"):
        path = tmp_path / f"{name}.parquet"
        getattr(data, name).to_parquet(path, index=False)
        tables[name] = con.read_parquet(path, table_name=name)

    class Source:
        def relation(self, name):
            return tables.get(name)

    kw = dict(metrics=METRICS, planned_split=SPLIT, experiment_id="smart_triage", experiment_end=END, looks=2,
              aa_splits=30, n_boot=200, seed=4)
    a, b = abtest.analyse(Source(), **kw), abtest.analyse(data, **kw)
    cols = ["estimate", "ci_low", "ci_high", "p_value", "p_adjusted"]
    np.testing.assert_allclose(a.metrics[cols].to_numpy(float), b.metrics[cols].to_numpy(float), rtol=REL)
    assert a.decision == b.decision and a.row_counts == b.row_counts
    np.testing.assert_allclose(a.sequential["estimate"], b.sequential["estimate"], rtol=REL)
    assert a.aa["false_positives"].iloc[0] == b.aa["false_positives"].iloc[0]


# --------------------------------------------------------------------------- Spark (optional)
def test_spark_gives_the_same_experiment_numbers(data, spark_engine):
    engine = spark_engine
    on_spark = load_tables(SAMPLE, tables=["tickets", "responses", "customers", "assignments"], engine=engine)
    kw = dict(metrics={k: METRICS[k] for k in ("fcr_rate", "handle_time_per_ticket", "nps", "churn_rate")},
              planned_split=SPLIT, experiment_id="smart_triage", experiment_end=END, looks=[], aa_splits=20)
    a, b = abtest.analyse(on_spark, **kw), abtest.analyse(data, **kw)
    cols = ["estimate", "ci_low", "ci_high", "p_value"]
    np.testing.assert_allclose(a.metrics[cols].to_numpy(float), b.metrics[cols].to_numpy(float), rtol=REL)
    assert a.row_counts == b.row_counts and a.units["unit_id"].tolist() == b.units["unit_id"].tolist()
    np.testing.assert_allclose(a.unit_methods["se"], b.unit_methods["se"], rtol=REL)
