"""The KPI scorecard in the engine (csm.kpi on Ibis/DuckDB) against main's numpy computation, kept verbatim in
tests/kpi_numpy_reference.py: scorecard, trend, the daily control-chart series and league tables on planted data,
on both clocks, with medians and means, empty periods and missing columns; pandas frames, registered relations and
Parquet read by DuckDB give the same results. Counts exactly, statistics to 1e-9 relative."""
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csm import kpi
from csm.engine import as_relation
from csm.kpi.analysis import control_charts, league_tables

sys.path.insert(0, str(Path(__file__).parent))
import kpi_numpy_reference as ref  # noqa: E402

RTOL = 1e-9
MARCH, FEB = ("2025-03-01", "2025-03-31"), ("2025-02-01", "2025-02-28")
HOLIDAYS = ["2025-01-01", "2025-01-28", "2025-01-29", "2025-04-04", "2025-05-01"]


def planted(seed=14, n=2500):
    """Tickets Jan–Apr 2025 (whole seconds), with missing values, ties, negative durations, a few tickets without a
    channel, a long-tail resolution time; responses and customers."""
    rng = np.random.default_rng(seed)
    created = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 120 * 86400, n), unit="s")
    first = created + pd.to_timedelta(rng.exponential(40 * 60, n).round(), unit="s")
    resolved = created + pd.to_timedelta(rng.exponential(30 * 3600, n).round(), unit="s")
    first = pd.Series(first).where(rng.random(n) > 0.08)
    resolved = pd.Series(resolved).where(rng.random(n) > 0.15)
    back = rng.random(n) < 0.01  # negative durations: a reply stamped before creation
    first[back] = pd.Series(created)[back] - pd.Timedelta(minutes=5)
    channel = pd.Series(rng.choice(["phone", "email", "chat", "social", "fax"], n)).where(rng.random(n) > 0.03)
    flag = pd.array(np.where(rng.random(n) < 0.7, True, False), dtype="boolean")
    flag[rng.random(n) < 0.1] = pd.NA
    t = pd.DataFrame({
        "ticket_id": [f"T{i:05d}" for i in range(n)], "created_at": created, "first_response_at": first,
        "resolved_at": resolved, "channel": channel.astype(object),
        "contacts": np.where(rng.random(n) < 0.1, np.nan, rng.integers(1, 4, n)).astype(float),
        "first_contact_resolved": flag,
        "handle_time_minutes": np.where(rng.random(n) < 0.05, np.nan, np.round(rng.gamma(4, 1.6, n), 1)),
        "category": rng.choice(["logistics", "other", "after_sales"], n),
        "agent_id": rng.choice([f"A{i}" for i in range(12)], n), "team": rng.choice(["north", "south", "east"], n),
    })
    m = 900
    r = pd.DataFrame({
        "response_id": [f"R{i}" for i in range(m)], "ticket_id": rng.choice(t["ticket_id"], m),
        "submitted_at": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 120 * 86400, m), unit="s"),
        "csat": np.where(rng.random(m) < 0.1, np.nan, rng.integers(1, 6, m)).astype(float),
        "nps": np.where(rng.random(m) < 0.1, np.nan, rng.integers(0, 11, m)).astype(float),
    })
    k = 400
    signup = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 460, k), unit="D")
    churn = pd.Series(signup + pd.to_timedelta(rng.integers(10, 300, k), unit="D")).where(rng.random(k) < 0.4)
    churned = pd.array(churn.notna() | (rng.random(k) < 0.03), dtype="boolean")
    c = pd.DataFrame({"customer_id": [f"C{i}" for i in range(k)], "signup_date": signup, "churn_date": churn,
                      "churned": churned})
    return t, r, c


DEFINITIONS = [
    {},
    {"time_clock": "business", "sla_clock": "business", "business_calendar": {"holidays": HOLIDAYS}},
    {"time_statistic": "mean", "aht_statistic": "median", "sla_as_of": "latest", "sla_hours": 8},
    {"time_clock": "business", "time_statistic": "mean", "sla_clock": "business", "fcr": "contacts",
     "business_calendar": {"workdays": (6, 0, 1, 2, 3), "start": "08:30", "end": "17:15", "holidays": HOLIDAYS},
     "complaint_categories": ["logistics"]},
]

NUMERIC = ["estimate", "ci_low", "ci_high", "previous", "change", "change_ci_low", "change_ci_high", "p_value"]


def assert_same(got: pd.DataFrame, want: pd.DataFrame):
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want)
    assert got["kpi"].tolist() == want["kpi"].tolist()
    for col in got.columns:
        if col in NUMERIC or col == "n":
            a, b = got[col].to_numpy(float), want[col].to_numpy(float)
            if col == "n":
                np.testing.assert_array_equal(a, b, err_msg=col)
            else:
                np.testing.assert_allclose(a, b, rtol=RTOL, atol=1e-12, equal_nan=True, err_msg=col)
        else:
            assert got[col].tolist() == want[col].tolist(), col


@pytest.mark.parametrize("defs", DEFINITIONS)
def test_scorecard_matches_numpy_reference(defs):
    t, r, c = planted()
    got = kpi.scorecard(t, r, c, period=MARCH, comparison=FEB, definitions=defs)
    want = ref.scorecard(t, r, c, period=MARCH, comparison=FEB, definitions=defs)
    assert_same(got, want)
    # the planted data exercise what they should: per-channel rows, a negative-duration note, SLA outcomes
    assert "first_response_minutes_fax" in set(got["kpi"])
    assert any(n.code == "negative_durations" for notes in got["note"] for n in notes)


@pytest.mark.parametrize("defs", DEFINITIONS[:2])
@pytest.mark.parametrize("freq", ["M", "W"])
def test_trend_matches_numpy_reference(defs, freq):
    t, r, c = planted()
    got = kpi.kpi_trend(t, r, c, freq=freq, definitions=defs)
    want = ref.kpi_trend(t, r, c, freq=freq, definitions=defs)
    assert got["period_start"].tolist() == want["period_start"].tolist()
    assert_same(got.drop(columns="period_start"), want.drop(columns="period_start"))


def test_relations_and_parquet_give_the_same_scorecard(tmp_path):
    import ibis

    t, r, c = planted()
    defs = DEFINITIONS[1]
    want = ref.scorecard(t, r, c, period=MARCH, comparison=FEB, definitions=defs)
    assert_same(kpi.scorecard(as_relation(t), as_relation(r), as_relation(c), period=MARCH, comparison=FEB,
                              definitions=defs), want)
    con = ibis.duckdb.connect()
    rels = []
    for name, frame in (("tickets", t), ("responses", r), ("customers", c)):
        frame.to_parquet(tmp_path / f"{name}.parquet", index=False)
        rels.append(con.read_parquet(tmp_path / f"{name}.parquet"))
    assert_same(kpi.scorecard(*rels, period=MARCH, comparison=FEB, definitions=defs), want)


def test_period_without_data_hand_typed_bounds_and_missing_columns():
    t, r, c = planted()
    for period, comparison in ((("2030-01-01", "2030-01-31"), MARCH),                 # an empty period
                               (("2025-03-01 12:00", "2025-03-20 06:30"), FEB),      # bounds inside days
                               (None, None)):                                        # all data
        assert_same(kpi.scorecard(t, r, c, period=period, comparison=comparison),
                    ref.scorecard(t, r, c, period=period, comparison=comparison))
    t2 = t.drop(columns=["first_response_at", "handle_time_minutes", "first_contact_resolved"])
    for args in ((t2, None, None), (None, r.drop(columns="nps"), c.drop(columns="churn_date")), (t2, r, None)):
        assert_same(kpi.scorecard(*args, period=MARCH, comparison=FEB),
                    ref.scorecard(*args, period=MARCH, comparison=FEB))


def test_business_clock_day_table_equals_business_calendar():
    """B(t) by the day table joined on the date (engine) = BusinessCalendar's numpy count, to the second."""
    t, _, _ = planted(n=800)
    cal = kpi.BusinessCalendar(workdays=(0, 1, 2, 3, 5), start="08:30", end="17:15", holidays=HOLIDAYS)
    defs = kpi.definitions.resolve_definitions({"time_clock": "business", "business_calendar": cal})
    from csm.kpi.inputs import Inputs, PeriodPlan

    inp = Inputs(t, None, None, defs)
    tt = inp.ticket_table(PeriodPlan([]), None, keep=("ticket_id",), want={"fr", "res"}).execute()  # test only
    tt = tt.set_index("ticket_id").reindex(t["ticket_id"])
    res = cal.business_hours_between(t["created_at"], t["resolved_at"]).to_numpy()
    np.testing.assert_array_equal(tt["res"].to_numpy(float), np.where(res < 0, np.nan, res))
    assert np.isfinite(res).sum() > 500 and (res == 0).sum() > 0  # closed-time intervals count 0
    fr = cal.business_hours_between(t["created_at"], t["first_response_at"]).to_numpy() * 60
    np.testing.assert_array_equal(tt["fr"].to_numpy(float), np.where(fr < 0, np.nan, fr))


def test_standard_deviation_is_two_pass_precise():
    """Values far from zero with a small spread: a one-pass sum of squares would lose most digits."""
    t, r, c = planted(n=600)
    t["handle_time_minutes"] = 1e7 + np.round(np.random.default_rng(3).normal(0, 0.01, len(t)), 4)
    t.loc[t.index[:3], "handle_time_minutes"] = np.nan
    got = kpi.scorecard(t, period=MARCH, comparison=FEB).set_index("kpi").loc["aht_minutes"]
    want = ref.scorecard(t, period=MARCH, comparison=FEB).set_index("kpi").loc["aht_minutes"]
    assert got["estimate"] == pytest.approx(want["estimate"], rel=RTOL)
    # the interval half-widths carry the SDs (the means themselves differ by summation order, ~1e-9 absolute)
    assert got["ci_high"] - got["estimate"] == pytest.approx(want["ci_high"] - want["estimate"], rel=1e-6)
    assert got["change_ci_high"] - got["change_ci_low"] == pytest.approx(
        want["change_ci_high"] - want["change_ci_low"], rel=1e-6)
    assert 1e-4 < got["ci_high"] - got["estimate"] < 1e-2


def test_medians_with_ties_and_too_few_values():
    t, _, _ = planted(n=300)
    t["handle_time_minutes"] = np.round(t["handle_time_minutes"])  # many ties
    few = t[t["created_at"] < "2025-01-03"]  # a handful of tickets: no median interval
    for frame in (t, few):
        defs = {"aht_statistic": "median"}
        assert_same(kpi.scorecard(frame, period=("2025-01-01", "2025-01-31"), definitions=defs),
                    ref.scorecard(frame, period=("2025-01-01", "2025-01-31"), definitions=defs))


@pytest.mark.parametrize("defs", [{}, {"aht_statistic": "median", "fcr": "contacts"}])
def test_daily_control_chart_series_match_reference(defs):
    t, _, _ = planted()
    for make, reference in ((kpi.fcr_p_chart, ref.fcr_p_chart), (kpi.aht_individuals_chart, ref.aht_individuals_chart)):
        got, want = make(t, definitions=defs), reference(t, definitions=defs)
        pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True), rtol=RTOL,
                                      check_dtype=False)
    from csm.periods import parse_period

    june = parse_period("2025-04")
    charts, missing = control_charts(as_relation(t), june, days=30, definitions=defs)
    created = t["created_at"]
    window = t[(created >= june.end - pd.Timedelta(days=30)) & (created < june.end)]
    assert missing == ()
    pd.testing.assert_frame_equal(charts["fcr_rate"], ref.fcr_p_chart(window, definitions=defs).reset_index(),
                                  rtol=RTOL, check_dtype=False)


@pytest.mark.parametrize("by,metric,table", [("agent_id", "fcr_rate", "t"), ("team", "aht_minutes", "t"),
                                             ("team", "resolution_hours", "t"), ("team", "csat_mean", "r"),
                                             ("agent_id", "csat_pct_satisfied", "r")])
def test_league_tables_match_reference(by, metric, table):
    t, r, _ = planted()
    data = t if table == "t" else r
    for period in (None, MARCH):
        got = kpi.league_table(data, by=by, metric=metric, tickets=t, period=period, min_n=20)
        want = ref.league_table(data, by=by, metric=metric, tickets=t, period=period, min_n=20)
        pd.testing.assert_frame_equal(got, want, rtol=RTOL, check_dtype=False)
        assert got.attrs["prior"].keys() == want.attrs["prior"].keys()


def test_report_leagues_on_relations():
    from csm.periods import parse_period

    t, r, _ = planted()
    march = parse_period("2025-03")
    leagues, missing = league_tables(as_relation(t), as_relation(r.drop(columns="ticket_id")), march, min_n=20)
    assert missing == (("team", "csat_mean"),)  # responses cannot be matched to a team
    want = ref.league_table(t, by="agent_id", metric="fcr_rate", period=march, min_n=20)
    pd.testing.assert_frame_equal(leagues[("agent_id", "fcr_rate")], want, rtol=RTOL, check_dtype=False)


def test_bracketed_order_statistics_equal_a_full_sort():
    """The order statistics of medians and their intervals (DuckDB: bracketing quantiles, no sort) are the values
    at the ranks numpy's sort gives, for groups of 1 to 5,000 values with many ties."""
    import ibis

    from csm.engine import as_relation
    from csm.kpi.inputs import _bracketed_ranks
    from csm.stats import median_ci_ranks

    rng = np.random.default_rng(7)
    parts = []
    for key, size in enumerate([1, 2, 5, 6, 17, 300, 5000]):
        v = np.round(rng.lognormal(1, 1, size), 1 if key % 2 else 3)
        parts.append(pd.DataFrame({"metric": "fr", "key": key, "chan": -1, "v": v}))
    frame = pd.concat(parts, ignore_index=True)
    rel = as_relation(frame)
    u = rel.select(metric=rel.metric, key=rel.key.cast("int64"), chan=rel.chan.cast("int64"), v=rel.v)
    got = _bracketed_ranks(u, 0.95)
    assert got is not None and ibis.get_backend(u).name == "duckdb"
    for key, g in frame.groupby("key"):
        x = np.sort(g["v"].to_numpy())
        n = len(x)
        lo, hi, _ = median_ci_ranks(n, confidence=0.95)
        mine = got[got["key"] == key].set_index("rn")["v"]
        assert (mine.index.to_numpy() >= 1).all() and (mine.index.to_numpy() <= n).all()
        np.testing.assert_array_equal(mine.to_numpy(), x[mine.index.to_numpy() - 1])
        need = {(n - 1) // 2 + 1, n // 2 + 1} | ({int(lo[0]), int(hi[0])} if lo[0] > 0 else set())
        assert need <= set(mine.index)
