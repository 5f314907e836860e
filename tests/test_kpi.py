"""csm.kpi on hand-made frames: every KPI definition, missing inputs, targets, SPC, league tables."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as st
from statsmodels.stats.proportion import proportion_confint

from csm import kpi
from csm.errors import DataError, ParameterError
from csm.notes import Note


def _col(name: str) -> Note:
    """The note of a missing column, e.g. ``_col("tickets.resolved_at")``."""
    table, column = name.split(".")
    return Note("missing_column", table=table, column=column)

T = pd.Timestamp
NaT = pd.NaT
MARCH = ("2025-03-01", "2025-03-31")
FEB = ("2025-02-01", "2025-02-28")


# ============================================================================ hand-made tables
def make_tickets() -> pd.DataFrame:
    """March: T1–T6, February: T7–T8, April: T9 (the latest timestamp, 2025-04-02 11:00)."""
    rows = [
        # id, created, first response, resolved, channel, contacts, fcr flag, handle minutes
        ("T1", "2025-03-03 10:00", "2025-03-03 10:30", "2025-03-03 14:00", "phone", 1, True, 6.0),     # 4 h
        ("T2", "2025-03-04 09:00", "2025-03-04 09:10", "2025-03-06 09:00", "email", 2, False, 10.0),   # 48 h
        ("T3", "2025-03-05 16:00", "2025-03-05 17:00", "2025-03-06 12:00", "email", 1, True, 8.0),     # 20 h
        ("T4", "2025-03-10 11:00", None, None, "chat", None, None, None),                             # open, old
        ("T5", "2025-03-31 20:00", "2025-03-31 20:05", None, "chat", None, None, 4.0),                # open, young
        ("T6", "2025-03-20 08:00", "2025-03-20 08:20", "2025-03-21 09:00", "phone", 1, False, 12.0),   # 25 h
        ("T7", "2025-02-10 10:00", "2025-02-10 10:20", "2025-02-10 12:00", "phone", 1, True, 5.0),
        ("T8", "2025-02-11 10:00", "2025-02-11 11:00", "2025-02-12 09:00", "email", 1, True, 7.0),
        ("T9", "2025-04-02 10:00", "2025-04-02 10:05", "2025-04-02 11:00", "phone", 1, True, 3.0),
    ]
    t = pd.DataFrame(rows, columns=["ticket_id", "created_at", "first_response_at", "resolved_at", "channel",
                                    "contacts", "first_contact_resolved", "handle_time_minutes"])
    for c in ("created_at", "first_response_at", "resolved_at"):
        t[c] = pd.to_datetime(t[c])
    t["customer_id"] = "C1"
    t["category"] = ["logistics", "other", "logistics", "other", "logistics", "other", "logistics", "other", "other"]
    t["agent_id"] = ["A", "A", "B", "B", "A", "B", "A", "B", "A"]
    t["contacts"] = t["contacts"].astype(float)
    t["first_contact_resolved"] = pd.array(t["first_contact_resolved"], dtype="boolean")
    return t


def make_responses() -> pd.DataFrame:
    rows = [("R1", "2025-03-03", 5, 10), ("R2", "2025-03-05", 4, 9), ("R3", "2025-03-07", 3, 7),
            ("R4", "2025-03-12", 5, 3), ("R5", "2025-03-20", 1, 0), ("R8", "2025-03-25", None, 8),
            ("R6", "2025-02-10", 4, 10), ("R7", "2025-02-11", 5, None)]
    r = pd.DataFrame(rows, columns=["response_id", "submitted_at", "csat", "nps"])
    r["submitted_at"] = pd.to_datetime(r["submitted_at"])
    r["csat"] = r["csat"].astype(float)
    r["nps"] = r["nps"].astype(float)
    r["customer_id"] = "C1"
    return r


def make_customers() -> pd.DataFrame:
    rows = [("C1", "2024-01-01", None, False),       # active throughout
            ("C2", "2024-06-01", "2025-03-15", True),  # lost in March
            ("C3", "2024-06-01", "2025-02-10", True),  # lost in February (not in March's base)
            ("C4", "2025-03-05", "2025-03-20", True),  # signed up during March: excluded
            ("C5", "2024-12-31", "2025-04-10", True),  # in March's base, lost in April
            ("C6", "2024-02-02", None, True),          # churned without a date: left out
            ("C7", "2025-03-01", None, False)]         # signed up at the start of March: not in base
    c = pd.DataFrame(rows, columns=["customer_id", "signup_date", "churn_date", "churned"])
    c["signup_date"] = pd.to_datetime(c["signup_date"])
    c["churn_date"] = pd.to_datetime(c["churn_date"])
    c["churned"] = pd.array(c["churned"], dtype="boolean")
    return c


@pytest.fixture
def march():
    sc = kpi.scorecard(make_tickets(), make_responses(), make_customers(), period=MARCH, comparison=FEB)
    return sc.set_index("kpi")


# ============================================================================ business calendar
def slow_business_hours(start, end, cal: kpi.BusinessCalendar) -> float:
    """Reference: walk day by day and add the overlap with each open window."""
    if pd.isna(start) or pd.isna(end):
        return np.nan
    if end < start:
        return -slow_business_hours(end, start, cal)
    open_, close = pd.Timedelta(cal.start + ":00"), pd.Timedelta(cal.end + ":00")
    holidays = {pd.Timestamp(h).date() for h in cal.holidays}
    total, day = 0.0, start.normalize()
    while day <= end:
        if day.weekday() in cal.workdays and day.date() not in holidays:
            lo, hi = max(start, day + open_), min(end, day + close)
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += pd.Timedelta(days=1)
    return total / 3600


def test_business_hours_hand_cases():
    cal = kpi.BusinessCalendar(holidays=["2025-05-01"])  # Thursday
    f = cal.business_hours_between
    assert f(T("2025-03-03 10:00"), T("2025-03-03 14:00")) == 4          # same day
    assert f(T("2025-03-07 17:00"), T("2025-03-10 10:00")) == 2          # Fri → Mon over the weekend
    assert f(T("2025-03-03 07:00"), T("2025-03-03 20:00")) == 9          # both outside opening hours
    assert f(T("2025-03-08 10:00"), T("2025-03-09 15:00")) == 0          # Saturday → Sunday
    assert f(T("2025-03-03 19:00"), T("2025-03-04 08:00")) == 0          # overnight, closed
    assert f(T("2025-04-30 17:00"), T("2025-05-02 10:00")) == 2          # across the holiday
    assert f(T("2025-03-03 14:00"), T("2025-03-03 10:00")) == -4         # reversed
    assert np.isnan(f(T("2025-03-03 14:00"), NaT))
    s = pd.Series([T("2025-03-03 10:00"), NaT], index=[5, 9])
    out = f(s, pd.Series([T("2025-03-04 10:00"), T("2025-03-04")], index=[5, 9]))
    assert list(out.index) == [5, 9] and out.iloc[0] == 9 and np.isnan(out.iloc[1])


@pytest.mark.parametrize("cal", [
    kpi.BusinessCalendar(holidays=["2025-01-01", "2025-05-01", "2025-05-02", "2025-10-01"]),
    kpi.BusinessCalendar(workdays=(6, 0, 1, 2, 3), start="08:30", end="17:15", holidays=["2025-03-09"]),
    kpi.BusinessCalendar(workdays=(0, 1, 2, 3, 4, 5, 6), start="00:00", end="24:00"),
])
def test_business_hours_match_slow_reference_on_random_intervals(cal):
    rng = np.random.default_rng(42)
    n = 1500
    start = T("2024-12-20") + pd.to_timedelta(rng.integers(0, 300 * 86400, n), unit="s")
    # lengths from −1 day (reversed) to 20 days: weekends, holidays, nights, starts/ends outside hours
    length = pd.to_timedelta(rng.integers(-86400, 86400 * 20, n), unit="s")
    start = pd.Series(start)
    end = start + length
    start[::97] = NaT
    got = cal.business_hours_between(start, end)
    ref = [slow_business_hours(a, b, cal) for a, b in zip(start, end)]
    np.testing.assert_allclose(got.to_numpy(), ref, atol=1e-9)


def test_business_hours_accept_any_datetime_unit_and_validate_parameters():
    cal = kpi.BusinessCalendar()
    s = pd.Series(pd.to_datetime(["2025-03-03 10:00"])).astype("datetime64[s]")
    e = pd.Series(pd.to_datetime(["2025-03-04 10:00"])).astype("datetime64[ms]")
    assert cal.business_hours_between(s, e).iloc[0] == 9
    assert cal.hours_per_day == 9
    with pytest.raises(ParameterError, match="overnight"):
        kpi.BusinessCalendar(start="22:00", end="06:00")
    with pytest.raises(ParameterError, match="clock time"):
        kpi.BusinessCalendar(start="9am")
    with pytest.raises(ParameterError, match="weekday"):
        kpi.BusinessCalendar(workdays=(7,))


# ============================================================================ scorecard, hand values
def test_csat_mean_and_pct_satisfied(march):
    scores = np.array([5, 4, 3, 5, 1.0])
    row = march.loc["csat_mean"]
    lo, hi = st.t.interval(0.95, 4, loc=scores.mean(), scale=st.sem(scores))
    assert (row["estimate"], row["n"]) == (pytest.approx(3.6), 5)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi))
    row = march.loc["csat_pct_satisfied"]
    lo, hi = proportion_confint(3, 5, method="wilson")
    assert row["estimate"] == pytest.approx(0.60)  # rates are fractions
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi))
    # change vs February (4, 5): Welch difference
    ref = st.ttest_ind(scores, [4, 5.0], equal_var=False)
    assert march.loc["csat_mean", "previous"] == pytest.approx(4.5)
    assert march.loc["csat_mean", "change"] == pytest.approx(-0.9)
    assert march.loc["csat_mean", "p_value"] == pytest.approx(ref.pvalue)


def test_csat_satisfied_definition_is_a_parameter():
    sc = kpi.scorecard(make_tickets(), make_responses(), period=MARCH,
                       definitions={"csat_satisfied": (5,)}).set_index("kpi")
    assert sc.loc["csat_pct_satisfied", "estimate"] == pytest.approx(0.40)


def test_nps_counts_promoters_minus_detractors(march):
    row = march.loc["nps"]
    # March: 10, 9, 7, 3, 0, 8 → P = 2, D = 2, n = 6
    assert (row["estimate"], row["n"]) == (pytest.approx(0.0), 6)
    se = 100 * np.sqrt((2 / 6 + 2 / 6) / 6)
    assert row["ci_high"] == pytest.approx(1.959963985 * se)
    assert row["previous"] == pytest.approx(100.0)       # February: a single 10
    assert row["change"] == pytest.approx(-100.0)


def test_fcr_uses_flag_among_resolved_tickets(march):
    row = march.loc["fcr_rate"]
    # resolved in March: T1 (T), T2 (F), T3 (T), T6 (F)
    assert (row["estimate"], row["n"]) == (pytest.approx(0.50), 4)
    assert row["definition"] == Note("fcr_flag")  # named, worded by csm.report.kpi.definition_text
    assert row["previous"] == pytest.approx(1.0)


def test_fcr_falls_back_to_contacts_when_flag_absent():
    t = make_tickets().drop(columns="first_contact_resolved")
    row = kpi.scorecard(t, period=MARCH).set_index("kpi").loc["fcr_rate"]
    # contacts among resolved: T1 1, T2 2, T3 1, T6 1 → 3/4
    assert (row["estimate"], row["n"]) == (pytest.approx(0.75), 4)
    assert row["definition"] == Note("fcr_contacts")
    forced = kpi.scorecard(make_tickets(), period=MARCH, definitions={"fcr": "contacts"}).set_index("kpi")
    assert forced.loc["fcr_rate", "estimate"] == pytest.approx(0.75)


def test_aht_mean_and_median():
    t = make_tickets()
    mean = kpi.scorecard(t, period=MARCH).set_index("kpi").loc["aht_minutes"]
    x = np.array([6, 10, 8, 4, 12.0])
    assert (mean["estimate"], mean["n"]) == (pytest.approx(8.0), 5)
    assert mean["ci_low"] == pytest.approx(st.t.interval(0.95, 4, loc=8, scale=st.sem(x))[0])
    med = kpi.scorecard(t, period=MARCH, definitions={"aht_statistic": "median"}).set_index("kpi")
    assert med.loc["aht_minutes", "estimate"] == 8.0
    assert np.isnan(med.loc["aht_minutes", "ci_low"])  # n = 5 is too small for a 95% median interval


def test_first_response_overall_and_by_channel(march):
    # minutes: T1 30, T2 10, T3 60, T5 5, T6 20 (T4 unanswered)
    assert march.loc["first_response_minutes", "estimate"] == 20
    assert march.loc["first_response_minutes", "n"] == 5
    assert march.loc["first_response_minutes_phone", "estimate"] == 25
    assert march.loc["first_response_minutes_email", "estimate"] == 35
    assert march.loc["first_response_minutes_chat", "estimate"] == 5
    mean = kpi.scorecard(make_tickets(), period=MARCH, definitions={"time_statistic": "mean"}).set_index("kpi")
    assert mean.loc["first_response_minutes", "estimate"] == pytest.approx(25.0)


def test_resolution_hours_calendar_and_business(march):
    assert march.loc["resolution_hours", "estimate"] == pytest.approx(22.5)  # 4, 20, 25, 48
    bh = kpi.scorecard(make_tickets(), period=MARCH, definitions={"time_clock": "business"}).set_index("kpi")
    # business hours Mon–Fri 09–18: T1 4, T2 18, T3 5, T6 9 → median 7
    assert bh.loc["resolution_hours", "estimate"] == pytest.approx(7.0)
    assert bh.loc["resolution_hours", "unit"] == "business hours"
    # first response in business minutes: T1 30, T2 10, T3 60, T6 (08:00→08:20, before opening) 0,
    # T5 (Mon 20:00→20:05) 0 → median 10
    assert bh.loc["first_response_minutes", "estimate"] == pytest.approx(10.0)
    cal = {"business_calendar": {"holidays": ["2025-03-05"]}, "time_clock": "business"}
    hol = kpi.scorecard(make_tickets(), period=MARCH, definitions=cal).set_index("kpi")
    # 5 March closed: T2 9 h, T3 (Wed 16:00 → Thu 12:00) 3 h → 3, 4, 9, 9 → median 6.5
    assert hol.loc["resolution_hours", "estimate"] == pytest.approx(6.5)


def test_sla_counts_old_open_tickets_as_breaches_and_leaves_young_ones_out(march):
    row = march.loc["sla_24h_rate"]
    # met: T1 (4 h), T3 (20 h); breach: T2 (48 h), T6 (25 h), T4 (open since 10 March); T5 open 4 h → left out
    assert (row["estimate"], row["n"]) == (pytest.approx(0.40), 5)
    latest = kpi.scorecard(make_tickets(), period=MARCH, definitions={"sla_as_of": "latest"}).set_index("kpi")
    # judged at the latest timestamp (2 April 11:00) T5 is 39 h old → breach
    assert latest.loc["sla_24h_rate", "estimate"] == pytest.approx(2 / 6)
    h48 = kpi.scorecard(make_tickets(), period=MARCH, definitions={"sla_hours": 48}).set_index("kpi")
    # 48 h: T1, T2 (exactly 48 h), T3, T6 met; T4 still a breach; T5 left out
    assert h48.loc["sla_48h_rate", "estimate"] == pytest.approx(0.80)


def test_complaints_count_and_rate_ratio_change(march):
    row = march.loc["complaints"]
    assert (row["estimate"], row["n"]) == (6, 6)
    lo, hi = st.chi2.ppf(0.025, 12) / 2, st.chi2.ppf(0.975, 14) / 2
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi))
    assert row["previous"] == 2
    # daily rates: 6 in 31 days vs 2 in 28 days
    assert row["change"] == pytest.approx((6 / 31) / (2 / 28) - 1)
    assert row["change_unit"].startswith("relative")
    only = kpi.scorecard(make_tickets(), period=MARCH, definitions={"complaint_categories": ["logistics"]})
    assert only.set_index("kpi").loc["complaints", "estimate"] == 3  # T1, T3, T5

def test_churn_rate_denominator_is_customers_active_at_start(march):
    row = march.loc["churn_rate"]
    # base: C1, C2, C5 (C3 left before, C4/C7 joined during March, C6 has no date); lost: C2
    assert (row["estimate"], row["n"]) == (pytest.approx(1 / 3), 3)
    lo, hi = proportion_confint(1, 3, method="wilson")
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi))
    assert row["note"] == (Note("churned_without_date", n=1),)  # C6: churned, no date
    assert row["previous"] == pytest.approx(0.25)  # February: C1, C2, C3, C5; lost C3


def test_scorecard_columns_and_units(march):
    assert list(march.reset_index().columns) == ["kpi", "estimate", "ci_low", "ci_high", "n", "previous", "change",
                                                 "change_ci_low", "change_ci_high", "p_value", "unit",
                                                 "change_unit", "definition", "note"]
    assert list(march.index) == ["csat_mean", "csat_pct_satisfied", "nps", "fcr_rate", "aht_minutes",
                                 "first_response_minutes", "first_response_minutes_phone",
                                 "first_response_minutes_email", "first_response_minutes_chat",
                                 "resolution_hours", "sla_24h_rate", "complaints", "churn_rate"]
    assert march.loc["fcr_rate", "change_unit"] == "percentage points"
    assert march.loc["fcr_rate", "change"] == pytest.approx(-0.50)  # a difference of fractions (−50 pp)


def test_single_kpi_functions_match_scorecard(march):
    t, r, c = make_tickets(), make_responses(), make_customers()
    cases = [
        (kpi.csat(r, period=MARCH), ["csat_mean"]),
        (kpi.csat(r, definition="pct_satisfied", period=MARCH), ["csat_pct_satisfied"]),
        (kpi.net_promoter_score(r, period=MARCH), ["nps"]),
        (kpi.first_contact_resolution_rate(t, period=MARCH), ["fcr_rate"]),
        (kpi.average_handle_time(t, period=MARCH), ["aht_minutes"]),
        (kpi.first_response_time(t, period=MARCH), [k for k in march.index if k.startswith("first_response")]),
        (kpi.resolution_time(t, period=MARCH), ["resolution_hours"]),
        (kpi.sla_rate(t, period=MARCH), ["sla_24h_rate"]),
        (kpi.complaint_volume(t, period=MARCH), ["complaints"]),
        (kpi.churn_rate(c, period=MARCH), ["churn_rate"]),
    ]
    for rows, codes in cases:
        assert rows["kpi"].tolist() == codes
        np.testing.assert_allclose(rows["estimate"], march.loc[codes, "estimate"])
    change = kpi.complaint_volume(t, period=MARCH, comparison=FEB)
    assert change["change"].item() == pytest.approx(march.loc["complaints", "change"])
    assert kpi.sla_rate(t, sla_hours=48, period=MARCH)["estimate"].item() == pytest.approx(0.80)
    bh = kpi.resolution_time(t, clock="business", calendar=kpi.BusinessCalendar(holidays=["2025-03-05"]),
                             period=MARCH)
    assert bh["estimate"].item() == pytest.approx(6.5)
    with pytest.raises(ParameterError, match="CSAT definition"):
        kpi.csat(r, definition="top2")


# ============================================================================ missing inputs and empty periods
def test_missing_tables_give_notes_not_errors():
    sc = kpi.scorecard(make_tickets(), None, None, period=MARCH).set_index("kpi")
    for code in ("csat_mean", "csat_pct_satisfied", "nps"):
        assert np.isnan(sc.loc[code, "estimate"]) and sc.loc[code, "note"] == (Note("missing_table", table="responses"),)
    assert sc.loc["churn_rate", "note"] == (Note("missing_table", table="customers"),)
    assert sc.loc["fcr_rate", "estimate"] == pytest.approx(0.50)
    none = kpi.scorecard(None, make_responses(), None, period=MARCH).set_index("kpi")
    assert none.loc["csat_mean", "estimate"] == pytest.approx(3.6)
    assert none.loc["complaints", "note"] == (Note("missing_table", table="tickets"),)


def test_missing_optional_columns_give_notes():
    t = make_tickets().drop(columns=["handle_time_minutes", "first_contact_resolved", "contacts"])
    r = make_responses().drop(columns="csat")
    c = make_customers().drop(columns="churn_date")
    sc = kpi.scorecard(t, r, c, period=MARCH).set_index("kpi")
    assert sc.loc["aht_minutes", "note"] == (_col("tickets.handle_time_minutes"),)
    assert sc.loc["fcr_rate", "note"] == (_col("tickets.first_contact_resolved"), _col("tickets.contacts"))
    assert sc.loc["csat_mean", "note"] == (_col("responses.csat"),)
    assert sc.loc["nps", "estimate"] == pytest.approx(0.0)
    assert sc.loc["churn_rate", "note"] == (_col("customers.churn_date"),)
    no_res = kpi.scorecard(make_tickets().drop(columns=["resolved_at", "first_response_at"]), period=MARCH)
    no_res = no_res.set_index("kpi")
    assert no_res.loc["resolution_hours", "note"] == (_col("tickets.resolved_at"),)
    assert no_res.loc["sla_24h_rate", "note"] == (_col("tickets.resolved_at"),)
    assert no_res.loc["first_response_minutes_phone", "note"] == (_col("tickets.first_response_at"),)
    # without resolved_at the flag is used over all flagged tickets, and the definition says so
    assert no_res.loc["fcr_rate", "n"] == 4 \
        and no_res.loc["fcr_rate", "definition"] == Note("fcr_flag_all")


def test_all_unresolved_tickets():
    t = make_tickets()
    t["resolved_at"] = NaT
    sc = kpi.scorecard(t, period=MARCH).set_index("kpi")
    assert np.isnan(sc.loc["fcr_rate", "estimate"]) and sc.loc["fcr_rate", "note"] == (Note("no_resolved_tickets"),)
    assert np.isnan(sc.loc["resolution_hours", "estimate"])
    # open tickets older than 24 h at the end of March are breaches; T5 (4 h old) is left out
    assert (sc.loc["sla_24h_rate", "estimate"], sc.loc["sla_24h_rate", "n"]) == (0.0, 5)


def test_period_without_data():
    sc = kpi.scorecard(make_tickets(), make_responses(), make_customers(), period=("2030-01-01", "2030-01-31"),
                       comparison=MARCH).set_index("kpi")
    assert sc["estimate"].drop("churn_rate").isna().all()
    assert (sc["n"].drop("churn_rate") == 0).all()
    assert sc.loc["csat_mean", "note"] == (Note("no_csat_responses"),)
    assert sc.loc["complaints", "note"] == (Note("outside_data", first="2025-02-10", last="2025-04-02"),)
    assert sc["change"].drop("churn_rate").isna().all()
    assert sc.loc["churn_rate", "estimate"] == 0.0  # customers are still active in 2030: a real 0%


def test_bad_input_raises_analyst_readable_errors():
    with pytest.raises(DataError, match="created_at"):
        kpi.scorecard(make_tickets().drop(columns="created_at"), period=MARCH)
    r = make_responses()
    r.loc[2, "csat"] = 7
    with pytest.raises(DataError, match=r"responses.csat.*rows \[4\]"):
        kpi.scorecard(make_tickets(), r, period=MARCH)
    t = make_tickets().astype({"created_at": object})
    t.loc[3, "created_at"] = "not a date"
    with pytest.raises(DataError, match="tickets.created_at"):
        kpi.scorecard(t, period=MARCH)
    with pytest.raises(ParameterError, match="unknown KPI definition"):
        kpi.scorecard(make_tickets(), definitions={"sla": 4})
    with pytest.raises(ParameterError, match="hours"):
        kpi.scorecard(make_tickets(), definitions={"hours": "office"})
    with pytest.raises(ParameterError, match="period"):
        kpi.scorecard(make_tickets(), period="2025-03")


# ============================================================================ trend
def test_trend_months_agree_with_scorecard():
    t, r, c = make_tickets(), make_responses(), make_customers()
    trend = kpi.kpi_trend(t, r, c, freq="M")
    assert list(trend.columns) == ["period_start", "kpi", "estimate", "ci_low", "ci_high", "n", "unit", "note"]
    assert sorted(trend["period_start"].unique()) == [T("2025-02-01"), T("2025-03-01"), T("2025-04-01")]
    m = trend[trend["period_start"] == T("2025-03-01")].set_index("kpi")
    sc = kpi.scorecard(t, r, c, period=MARCH).set_index("kpi")
    # SLA is judged at min(period end, latest timestamp) in both; everything else is identical too
    pd.testing.assert_series_equal(m["estimate"], sc["estimate"], check_names=False)
    pd.testing.assert_series_equal(m["n"], sc["n"], check_names=False)
    assert trend[(trend["kpi"] == "complaints")].set_index("period_start")["estimate"].tolist() == [2, 6, 1]


def test_trend_weeks_start_on_monday():
    trend = kpi.kpi_trend(make_tickets(), freq="W")
    assert (pd.DatetimeIndex(trend["period_start"]).day_of_week == 0).all()
    wk = trend[(trend["kpi"] == "complaints") & (trend["period_start"] == T("2025-03-03"))]
    assert wk["estimate"].item() == 3  # T1, T2, T3
    with pytest.raises(ParameterError, match="freq"):
        kpi.kpi_trend(make_tickets(), freq="fortnight")


# ============================================================================ targets
def _trend(code, values, half_width=0.2, start="2025-01-01"):
    periods = pd.date_range(start, periods=len(values), freq="MS")
    v = np.asarray(values, dtype=float)
    return pd.DataFrame({"period_start": periods, "kpi": code, "estimate": v, "ci_low": v - half_width,
                         "ci_high": v + half_width, "n": 100})


def test_targets_status_and_projection_against_statsmodels():
    trend = pd.concat([
        _trend("csat_mean", [4.0, 4.08, 4.22, 4.29, 4.41, 4.44], half_width=0.03),
        _trend("aht_minutes", [8.0, 8.1, 7.9, 8.0, 8.05, 7.95], half_width=0.1),
        _trend("nps", [20, 22, 25, 24, 26, 25], half_width=4),
        _trend("complaints", [100, 96, 94, 90, 88, 85], half_width=10),
        _trend("fcr_rate", [0.70, 0.71, 0.70, 0.71, 0.70, 0.71], half_width=0.02),  # rates are fractions
        _trend("csat_pct_satisfied", [0.80, 0.82, 0.84, 0.86, 0.88, 0.90, 0.99], half_width=0.01),  # last: after as_of
    ])
    targets = {
        "csat_mean": {"target": 4.5, "deadline": "2025-12-31"},
        "aht_minutes": {"target": 5, "direction": "lower", "deadline": "2025-12-31"},
        "nps": {"target": 20},
        "complaints": {"target_change": -0.10},
        "fcr_rate": {"target": 0.72, "deadline": "2025-09-30"},
        "csat_pct_satisfied": {"target": 0.95, "deadline": "2025-06-30"},
        "churn_rate": {"target": 0.02},
    }
    out = kpi.evaluate_targets(trend, targets, as_of="2025-06-30").set_index("kpi")
    assert out.loc["csat_mean", "status"] == "at_risk" and out.loc["csat_mean", "on_track"]
    assert out.loc["aht_minutes", "status"] == "missed" and out.loc["aht_minutes", "on_track"] == False  # noqa: E712
    assert out.loc["nps", "status"] == "met"
    c = out.loc["complaints"]
    assert (c["baseline"], c["target"], c["direction"], c["status"]) == (100, 90, "lower", "met")
    assert c["actual_change"] == pytest.approx(-0.15)
    # flat at 70.5 ± 2 with target 72: interval contains the target, projection does not reach it
    assert out.loc["fcr_rate", "status"] == "at_risk" and out.loc["fcr_rate", "on_track"] == False  # noqa: E712
    assert out.loc["csat_pct_satisfied", "actual"] == 0.90  # the July value is after as_of
    assert out.loc["churn_rate", "status"] == "no_data" and out.loc["churn_rate", "note"] == (Note("no_estimate", as_of="2025-06-30"),)
    # projection = OLS prediction at the deadline with its prediction interval
    sub = trend[trend["kpi"] == "csat_mean"]
    x = ((sub["period_start"] - sub["period_start"].iloc[0]) / pd.Timedelta(days=1)).to_numpy()
    fit = sm.OLS(sub["estimate"].to_numpy(), sm.add_constant(x)).fit()
    x0 = (T("2025-12-31") - sub["period_start"].iloc[0]) / pd.Timedelta(days=1)
    pred = fit.get_prediction(np.array([[1.0, x0]])).summary_frame(alpha=0.05).iloc[0]
    row = out.loc["csat_mean"]
    assert row["projected"] == pytest.approx(pred["mean"])
    assert (row["projected_low"], row["projected_high"]) == pytest.approx((pred["obs_ci_lower"],
                                                                           pred["obs_ci_upper"]))


def test_targets_use_last_k_periods_and_baseline_period():
    trend = _trend("complaints", [200, 100, 100, 98, 96, 94, 92])
    out = kpi.evaluate_targets(trend, {"complaints": {"target_change": -0.2, "baseline_period":
                                                      ("2025-02-01", "2025-03-31"), "deadline": "2025-12-01"}},
                               as_of="2025-07-31", k=4).iloc[0]
    assert out["baseline"] == 100 and out["target"] == pytest.approx(80)
    assert out["n_periods_fit"] == 4
    # last four months fall by 2 per month (≈ 0.0657/day); December 1 is 5 months on: ≈ 82 > 80
    assert out["projected"] == pytest.approx(92 - 2 * (T("2025-12-01") - T("2025-07-01")).days / (
        (T("2025-07-01") - T("2025-04-01")).days / 3), rel=0.01)
    assert out["on_track"] == False and out["status"] == "missed"  # noqa: E712
    with pytest.raises(ParameterError, match="target"):
        kpi.evaluate_targets(trend, {"complaints": {"goal": 3}}, as_of="2025-07-31")


# ============================================================================ process control
def test_p_chart_hand_computation():
    dates = pd.date_range("2025-03-01", periods=3)
    out = kpi.p_chart(pd.Series([8, 5, 9], index=dates), pd.Series([10, 10, 20], index=dates))
    pbar = 22 / 40
    assert out["center"].tolist() == pytest.approx([pbar] * 3)
    assert out["ucl"].tolist() == pytest.approx([min(1, pbar + 3 * np.sqrt(pbar * (1 - pbar) / n))
                                                 for n in (10, 10, 20)])
    assert out["lcl"].iloc[2] == pytest.approx(pbar - 3 * np.sqrt(pbar * (1 - pbar) / 20))
    assert out["value"].tolist() == pytest.approx([0.8, 0.5, 0.45])
    assert list(out["date"]) == list(dates)
    assert list(out.columns) == ["date", "value", "n", "center", "lcl", "ucl", "out_of_control", "run_signal",
                                 "signal"]


def test_individuals_chart_hand_computation():
    out = kpi.individuals_chart([10, 12, 11, 15, 9.0])
    mr = (2 + 1 + 4 + 6) / 4
    assert out["moving_range"].tolist()[1:] == [2, 1, 4, 6]
    assert out["center"].iloc[0] == pytest.approx(11.4)
    assert out["ucl"].iloc[0] == pytest.approx(11.4 + 2.66 * mr)
    assert out["lcl"].iloc[0] == pytest.approx(11.4 - 2.66 * mr)
    assert not out["signal"].any()


def test_run_rule_flags_eighth_point_on_one_side():
    x = [1.0, -1.0] * 5 + [0.5] * 8 + [-0.5]
    out = kpi.individuals_chart(x, baseline=10)
    assert not out["out_of_control"].any()
    assert np.flatnonzero(out["run_signal"]).tolist() == [17]
    seven = kpi.individuals_chart([1.0, -1.0] * 5 + [0.5] * 7 + [-0.5], baseline=10)
    assert not seven["run_signal"].any()


def test_p_chart_flags_injected_shift():
    rng = np.random.default_rng(8)
    n = np.full(80, 200)
    p = np.r_[np.full(60, 0.70), np.full(20, 0.55)]
    k = rng.binomial(n, p)
    out = kpi.p_chart(k, n, baseline=60)
    assert out["signal"].iloc[60:].sum() >= 15
    assert out["signal"].iloc[:60].sum() <= 1
    assert out["center"].iloc[0] == pytest.approx(k[:60].sum() / n[:60].sum())  # limits from the baseline only


def test_individuals_chart_flags_injected_shift():
    rng = np.random.default_rng(9)
    x = np.r_[rng.normal(8, 1, 50), rng.normal(11, 1, 20)]
    out = kpi.individuals_chart(x, baseline=50)
    assert out["signal"].iloc[50:].sum() >= 15
    assert out["signal"].iloc[:50].sum() <= 1


def test_charts_false_alarm_rate_is_nominal_in_control():
    rng = np.random.default_rng(10)
    days = 20_000
    n = np.full(days, 5000)
    p = kpi.p_chart(rng.binomial(n, 0.5), n)
    assert 0.0015 <= p["out_of_control"].mean() <= 0.0040  # nominal 0.27%
    x = kpi.individuals_chart(rng.normal(0, 1, 60_000))
    assert 0.0020 <= x["out_of_control"].mean() <= 0.0035


def test_daily_fcr_and_aht_charts_from_tickets():
    t = make_tickets()
    fcr = kpi.fcr_p_chart(t)
    # resolved tickets with a flag, by creation day: 10 Feb … 2 April, one row per calendar day
    assert fcr["date"].iloc[0] == T("2025-02-10") and fcr["date"].iloc[-1] == T("2025-04-02")
    assert len(fcr) == (T("2025-04-02") - T("2025-02-10")).days + 1
    assert fcr["n"].sum() == 7
    assert fcr["center"].iloc[0] == pytest.approx(5 / 7)
    aht = kpi.aht_individuals_chart(t)
    assert aht.set_index("date").loc[T("2025-03-03"), "value"] == 6.0
    assert np.isnan(aht.set_index("date").loc[T("2025-03-15"), "value"])
    with pytest.raises(DataError, match="handle_time_minutes"):
        kpi.aht_individuals_chart(t.drop(columns="handle_time_minutes"))


# ============================================================================ league tables
def _survey_league():
    rng = np.random.default_rng(1)
    agents, scores = [], []
    for i in range(12):  # ordinary agents, true means 3.6 … 4.5
        m = 3.6 + 0.08 * i
        s = np.clip(np.round(rng.normal(m, 0.9, 100)), 1, 5)
        agents += [f"agent{i:02d}"] * 100
        scores += s.tolist()
    agents += ["big"] * 400 + ["small"] * 5
    scores += [5] * 320 + [4] * 80 + [5] * 5   # big: mean 4.8 over 400; small: five perfect surveys
    r = pd.DataFrame({"response_id": [f"R{i}" for i in range(len(agents))], "ticket_id": [f"T{i}" for i in
                                                                                          range(len(agents))],
                      "submitted_at": T("2025-03-10"), "csat": np.asarray(scores, dtype=float)})
    t = pd.DataFrame({"ticket_id": r["ticket_id"], "created_at": T("2025-03-09"), "agent_id": agents})
    return r, t


def test_league_small_perfect_agent_not_ranked_above_large_strong_agent():
    r, t = _survey_league()
    lt = kpi.league_table(r, by="agent_id", metric="csat_mean", tickets=t, min_n=30).set_index("agent_id")
    assert lt.loc["small", "estimate"] == 5.0 and lt["estimate"].idxmax() == "small"  # raw would put it first
    assert lt.loc["big", "rank"] == 1
    assert lt.loc["small", "rank"] > 1
    assert lt.loc["small", "too_few"] and not lt.loc["big", "too_few"]
    assert lt.loc["big", "n"] == 400
    assert lt.loc["small", "shrunk_estimate"] < lt.loc["big", "shrunk_estimate"]
    assert lt.attrs["prior"]["family"] == "normal"
    pct = kpi.league_table(r, metric="csat_pct_satisfied", tickets=t).set_index("agent_id")
    assert pct.loc["big", "estimate"] == pytest.approx(1.0) and pct.loc["small", "rank"] > pct.loc["big", "rank"]


def test_league_shrinkage_beats_raw_on_simulated_agents():
    rng = np.random.default_rng(12)
    raw_err, shrunk_err = [], []
    for rep in range(5):
        G = 60
        true = rng.beta(30, 12, G)
        n = rng.integers(3, 150, G)
        agent = np.repeat([f"a{i:02d}" for i in range(G)], n)
        success = rng.random(n.sum()) < np.repeat(true, n)
        t = pd.DataFrame({"ticket_id": np.arange(n.sum()).astype(str), "created_at": T("2025-03-01"),
                          "resolved_at": T("2025-03-02"), "agent_id": agent,
                          "first_contact_resolved": pd.array(success, dtype="boolean")})
        lt = kpi.league_table(t, metric="fcr_rate", prior_method="ml" if rep % 2 else "mom").set_index("agent_id")
        truth = pd.Series(true, index=[f"a{i:02d}" for i in range(G)]).loc[lt.index]
        raw_err.append(np.mean((lt["estimate"] - truth) ** 2))
        shrunk_err.append(np.mean((lt["shrunk_estimate"] - truth) ** 2))
    assert np.mean(shrunk_err) < 0.7 * np.mean(raw_err)


def test_league_aht_lower_is_better_and_team_grouping():
    rng = np.random.default_rng(13)
    true = {"x": 6.0, "y": 8.0, "z": 10.0}
    rows = [(team, v) for team, m in true.items() for v in rng.normal(m, 2.0, 200)]
    t = pd.DataFrame(rows, columns=["team", "handle_time_minutes"])
    t["created_at"] = T("2025-03-01")
    lt = kpi.league_table(t, by="team", metric="aht_minutes")
    assert lt["team"].tolist() == ["x", "y", "z"] and lt["rank"].tolist() == [1, 2, 3]
    assert lt["unit"].iloc[0] == "minutes"
    with pytest.raises(DataError, match="tickets="):
        kpi.league_table(make_responses(), metric="csat_mean")
    with pytest.raises(ParameterError, match="metric"):
        kpi.league_table(t, metric="nps")


# ============================================================================ targets relative to the period
def test_baselines_and_deadlines_relative_to_the_reporting_period():
    from csm.periods import parse_period

    # 24 months of complaints: 2025-01 … 2026-12, value = 100 + month index
    trend = _trend("complaints", 100 + np.arange(24.0), start="2025-01-01")
    june = parse_period("2026-06")  # index 17 → 117
    targets = {
        "complaints": {"target_change": -0.10, "baseline": "previous_12_months", "deadline": "end_of_year"},
    }
    row = kpi.evaluate_targets(trend, targets, period=june).iloc[0]
    assert row["actual"] == 117 and row["period"] == T("2026-06-01")
    assert row["baseline"] == pytest.approx(np.mean(100 + np.arange(5, 17)))  # 2025-06 … 2026-05
    assert row["target"] == pytest.approx(row["baseline"] * 0.9) and row["baseline_n"] == 12
    assert row["deadline"] == T("2026-12-31")
    same = kpi.evaluate_targets(trend, {"complaints": {"target_change": -0.1, "baseline": "same_period_last_year",
                                                       "deadline": "6 months"}}, period=june).iloc[0]
    assert same["baseline"] == 105 and same["deadline"] == T("2026-12-31")  # 2025-06; six months after June
    prev = kpi.evaluate_targets(trend, {"complaints": {"target_change": -0.1, "baseline": "previous_period",
                                                       "deadline": "end_of_quarter"}}, period=june).iloc[0]
    assert prev["baseline"] == 116 and prev["deadline"] == T("2026-06-30")
    fixed = kpi.evaluate_targets(trend, {"complaints": {"target_change": -0.1, "baseline": "2025",
                                                        "deadline": None}}, period=june).iloc[0]
    assert fixed["baseline"] == pytest.approx(105.5) and pd.isna(fixed["projected"])  # no deadline, no projection
    assert kpi.baseline_start(targets, june) == T("2025-06-01")


def test_a_baseline_without_data_skips_the_target_and_names_the_parameter():
    from csm.periods import parse_period

    trend = _trend("complaints", [90, 95, 100.0], start="2026-04-01")  # three months of data only
    june = parse_period("2026-06")
    out = kpi.evaluate_targets(trend, {
        "complaints": {"target_change": -0.1, "baseline": "same_period_last_year"},
        "csat_mean": {"target": 4.5},
    }, period=june).set_index("kpi")
    c = out.loc["complaints"]
    assert c["status"] == "not_evaluated" and c["baseline_window"] == "2025-06"
    assert c["baseline_of"] == "targets.complaints.baseline"
    assert c["note"] == (Note("baseline_empty", window="2025-06", parameter="targets.complaints.baseline",
                              value="'same_period_last_year'"),)
    assert out.loc["csat_mean", "status"] == "no_data"
    # a baseline window with data in 2 of its 12 months (less than half): not evaluated, the parameter named
    part = kpi.evaluate_targets(trend, {"complaints": {"target_change": -0.1, "baseline": "previous_12_months"}},
                                period=june).iloc[0]
    assert part["status"] == "not_evaluated" and np.isnan(part["target"]) and np.isnan(part["baseline"])
    assert (part["baseline_n"], part["baseline_periods"]) == (2, 12)
    assert part["note"] == (Note("baseline_thin", window="2025-06-01..2026-05-31", n=2, total=12, needed=6,
                                 parameter="targets.complaints.baseline", value="'previous_12_months'"),)
    # the older fixed spelling no longer raises either
    old = kpi.evaluate_targets(trend, {"complaints": {"target_change": -0.1,
                                                      "baseline_period": ["2025-01-01", "2025-12-31"]}},
                               period=june).iloc[0]
    assert old["status"] == "not_evaluated" and old["baseline_of"] == "targets.complaints.baseline_period"


def test_a_baseline_needs_half_of_its_periods():
    """previous_12_months of 2026-06 is 2025-06 … 2026-05. With data from 2025-11 on (7 of the 12 months) the
    baseline is their mean; from 2025-12 on (6 of 12, exactly half) still evaluated; from 2026-01 (5) not."""
    from csm.periods import parse_period

    june = parse_period("2026-06")
    target = {"complaints": {"target_change": -0.1, "baseline": "previous_12_months"}}
    seven = _trend("complaints", [100, 110, 120, 130, 140, 150, 160, 170.0], start="2025-11-01")  # … 2026-06
    row = kpi.evaluate_targets(seven, target, period=june).iloc[0]
    assert row["status"] != "not_evaluated" and (row["baseline_n"], row["baseline_periods"]) == (7, 12)
    assert row["baseline"] == pytest.approx(130.0)  # mean of 100 … 160
    assert row["target"] == pytest.approx(117.0) \
        and row["note"] == (Note("baseline_partial", window="2025-06-01..2026-05-31", n=7, total=12),)
    six = kpi.evaluate_targets(seven.iloc[1:], target, period=june).iloc[0]
    assert six["baseline_n"] == 6 and six["baseline"] == pytest.approx(135.0)  # mean of 110 … 160
    five = kpi.evaluate_targets(seven.iloc[2:], target, period=june).iloc[0]
    assert five["status"] == "not_evaluated" and five["baseline_n"] == 5 and np.isnan(five["target"])
    assert kpi.MIN_BASELINE_SHARE == 0.5


def test_no_projection_and_no_on_track_call_from_fewer_than_three_periods():
    """Two months (the newcomer's CFPB March–April 2019: 1,175 then 2,130 complaints): a line through two points
    projected 10,571 for December. Now: no projection, no on-track call, and the note says why."""
    two = _trend("complaints", [1175, 2130.0], half_width=90, start="2019-03-01")
    row = kpi.evaluate_targets(two, {"complaints": {"target": 1000, "deadline": "2019-12-31"}},
                               as_of="2019-04-30").iloc[0]
    assert np.isnan(row["projected"]) and np.isnan(row["projected_low"]) and pd.isna(row["on_track"])
    assert row["n_periods_fit"] == 2 and row["status"] == "missed"  # 2,130 ± 90 does not reach ≤ 1,000
    assert row["note"] == (Note("no_projection", n=2, needed=3, deadline="2019-12-31"),)
    # three months, by hand: x = 0, 31, 59 days (Jan 1, Feb 1, Mar 1), y = 100, 96, 94;
    # x̄ = 30, ȳ = 290/3, Sxx = 30² + 1² + 29² = 1742, Sxy = −30·(10/3) + 1·(−2/3) + 29·(−8/3) = −178,
    # b = −178/1742, a = ȳ − 30·b; December 31 is day 364
    three = _trend("complaints", [100, 96, 94.0], half_width=1)
    row = kpi.evaluate_targets(three, {"complaints": {"target": 60, "deadline": "2025-12-31"}},
                               as_of="2025-03-31").iloc[0]
    b = -178 / 1742
    a = 290 / 3 - 30 * b
    assert row["projected"] == pytest.approx(a + b * 364) and row["n_periods_fit"] == 3
    assert row["on_track"] == False and row["status"] == "missed"  # noqa: E712  (≈ 62.5 > 60)
    # one residual degree of freedom: the 95% prediction interval uses t(0.975, 1) = 12.706
    resid = np.array([100, 96, 94.0]) - (a + b * np.array([0, 31, 59]))
    se = np.sqrt(np.sum(resid ** 2) / 1 * (1 + 1 / 3 + (364 - 30) ** 2 / 1742))
    assert row["projected_high"] - row["projected"] == pytest.approx(12.7062 * se, rel=1e-4)


@pytest.mark.parametrize("bad, match", [
    ({"complaints": {"target_change": -0.1, "baseline": "last_year"}}, "baseline must be"),
    ({"complaints": {"target": "high"}}, "must be a number"),
    ({"fcr_rate": {"target": 0.80, "deadline": "next spring"}}, "deadline must be"),
    ({"fcr_rate": {"target": 0.80, "direction": "up"}}, "direction"),
    ({"fcr_rate": {"goal": 0.80}}, "'target' or 'target_change'"),
    # rates are fractions: a target in percent is refused, naming the KPI and the fraction to write
    ({"fcr_rate": {"target": 80}}, r"targets\.fcr_rate\.target is 80, but fcr_rate is a rate.*write 0\.80"),
    ({"sla_24h_rate": {"target": 95.5}}, "write 0.95"),
    ({"churn_rate": {"target_change": -0.1, "baseline": 3}}, "churn_rate is a rate"),
])
def test_check_targets_refuses_without_data(bad, match):
    with pytest.raises(ParameterError, match=match):
        kpi.check_targets(bad)


def test_skipped_sections_name_the_input_that_would_enable_them():
    present = {"tickets": {"created_at", "channel", "contacts", "agent_id"}, "customers": {"signup_date"}}

    def has(table, *columns):
        return table in present and set(columns) <= present[table]

    out = {s.section: s.needs for s in kpi.skipped_sections(has)}
    assert out == {"csat": "responses", "nps": "responses",
                   "fcr": "tickets.first_contact_resolved or tickets.contacts with tickets.resolved_at",
                   "aht": "tickets.handle_time_minutes", "first_response": "tickets.first_response_at",
                   "resolution": "tickets.resolved_at", "churn": "customers.churn_date",
                   "team_league": "tickets.team"}
    assert kpi.holiday_years_missing(["2025-01-01", "2026-10-01"], "2026-07-01", "2028-06-30") == ([2027, 2028],
                                                                                                  [2025, 2026])


# ============================================================================ the report as one analysis
STORED_TARGETS = {
    "csat_mean": {"target": 4.5, "direction": "higher", "deadline": "end_of_year"},
    "fcr_rate": {"target": 0.80, "direction": "higher", "deadline": "end_of_year"},
    "complaints": {"target_change": -0.10, "baseline": "previous_12_months", "direction": "lower",
                   "deadline": "end_of_year"},
}


@pytest.fixture(scope="module")
def sample_data():
    from conftest import SAMPLE
    from csm.data.load import load_tables

    return load_tables(SAMPLE, tables=["tickets", "responses", "customers"])


@pytest.fixture(scope="module")
def sample_result(sample_data):
    return kpi.analyse(sample_data, targets=STORED_TARGETS, spc_days=30)


def test_analyse_resolves_the_period_and_records_what_the_notebook_recorded(sample_result, sample_data):
    import json

    from csm.report.results import to_json_safe

    r = sample_result
    assert isinstance(r, kpi.KpiResult) and (r.current.label, r.previous.label, r.freq) == ("2026-06", "2026-05", "M")
    records = r.records()
    assert list(records) == ["period", "kpis", "scorecard", "targets", "control_signals", "data_quality", "skipped"]
    assert records["period"] == {"period": "2026-06", "start": r.current.start, "end": r.current.last_day,
                                 "comparison": "2026-05"}
    assert records["kpis"] == dict(zip(r.scorecard["kpi"], r.scorecard["estimate"]))
    assert 0 < records["kpis"]["fcr_rate"] < 1 and 0 < records["kpis"]["churn_rate"] < 1  # fractions
    assert "definition" not in records["scorecard"].columns and records["skipped"] == []
    json.dumps(to_json_safe(records), allow_nan=False)  # notes recorded as {"code": …, **params}
    # the scorecard is the period against the comparison period, the same as calling the core directly
    card = kpi.scorecard(sample_data.tickets, sample_data.responses, sample_data.customers,
                         period=("2026-06-01", "2026-06-30"), comparison=("2026-05-01", "2026-05-31"))
    pd.testing.assert_frame_equal(r.scorecard, card)
    # the headline: one CSAT definition, no per-channel rows; the trend grid: the KPIs with estimates
    assert "csat_pct_satisfied" not in set(r.headline["kpi"]) and not r.headline["kpi"].str.contains("_email").any()
    assert r.trend_kpis == ("csat_mean", "nps", "fcr_rate", "aht_minutes", "sla_24h_rate", "complaints")
    assert r.trend["period_start"].min() == pd.Timestamp("2025-07-01") and r.trend["period_start"].max() == pd.Timestamp("2026-06-01")
    assert set(r.targets["kpi"]) == set(STORED_TARGETS) and r.notes == ()


def test_analyse_control_charts_cover_the_spc_window(sample_result, sample_data):
    r = sample_result
    assert set(r.spc) == {"fcr_rate", "aht_minutes"} and r.spc_missing == ()
    dates = r.spc["fcr_rate"]["date"]
    assert dates.min() == pd.Timestamp("2026-06-01") and dates.max() == pd.Timestamp("2026-06-30")  # 30 days
    t = sample_data.tickets
    window = t[(t["created_at"] >= "2026-06-01") & (t["created_at"] < "2026-07-01")]
    assert r.spc["fcr_rate"]["n"].sum() == (window["resolved_at"].notna() & window["first_contact_resolved"].notna()).sum()
    assert r.records()["control_signals"] == {c: int(ch["out_of_control"].sum()) for c, ch in r.spc.items()}


def test_control_charts_name_what_cannot_be_charted():
    from csm.kpi.analysis import control_charts
    from csm.periods import parse_period

    t = make_tickets().drop(columns="handle_time_minutes")
    charts, missing = control_charts(t, parse_period("2025-03"), days=31, definitions={})
    assert set(charts) == {"fcr_rate"} and missing == ("aht_minutes",)  # a DataError becomes a name
    charts, missing = control_charts(t, parse_period("2025-03"), days=31, definitions={}, sections={"aht"})
    assert charts == {} and missing == ("aht_minutes",)  # only the sections shown
    charts, missing = control_charts(t, parse_period("2030-01"), days=31, definitions={})
    assert charts == {} and missing == ("fcr_rate", "aht_minutes")  # no tickets in the window
    with pytest.raises(ParameterError, match="spc_days"):
        control_charts(t, parse_period("2025-03"), days=0, definitions={})


def test_league_tables_follow_the_sections_and_name_what_cannot_be_ranked():
    from csm.kpi.analysis import league_tables
    from csm.periods import parse_period

    t = make_tickets()
    t = t.assign(team=np.resize(["a", "b"], len(t)), agent_id="x")
    r = make_responses().drop(columns="ticket_id", errors="ignore")  # no way to match a response to a team
    leagues, missing = league_tables(t, r, parse_period("2025-03"))
    assert set(leagues) == {("team", "fcr_rate"), ("agent_id", "fcr_rate")} and missing == (("team", "csat_mean"),)
    leagues, missing = league_tables(t, r, parse_period("2025-03"), sections={"fcr", "team_league"})
    assert set(leagues) == {("team", "fcr_rate")} and missing == ()


def test_analyse_refuses_bad_parameters_with_the_parameter_named(sample_data):
    with pytest.raises(ParameterError, match=r"targets\.fcr_rate\.target is 80.*write 0\.80"):
        kpi.analyse(sample_data, targets={"fcr_rate": {"target": 80}})
    with pytest.raises(ParameterError, match="csat_definition"):
        kpi.analyse(sample_data, csat_definition="top2")


def test_definitions_from_use_one_clock_for_times_and_the_sla():
    from csm.kpi.analysis import definitions_from

    d = definitions_from(time_clock="business", sla_hours=8, business_hours={"start": "08:00"}, holidays=["2025-05-01"])
    assert d["time_clock"] == d["sla_clock"] == "business" and d["sla_hours"] == 8
    assert d["business_calendar"] == {"start": "08:00", "holidays": ["2025-05-01"]}
    sc = kpi.scorecard(make_tickets(), period=MARCH, definitions=d).set_index("kpi")
    assert "sla_8h_rate" in sc.index and sc.loc["resolution_hours", "unit"] == "business hours"


def test_trend_kpis_follow_the_csat_definition_and_the_sla_code():
    from csm.kpi.analysis import trend_kpis

    card = pd.DataFrame({"kpi": ["csat_mean", "sla_8h_rate"]})
    trend = pd.DataFrame({"kpi": ["csat_pct_satisfied", "nps", "sla_8h_rate", "complaints", "fcr_rate"],
                          "estimate": [0.7, 20, 0.8, 10, np.nan]})
    assert trend_kpis(trend, card, "pct_satisfied") == ("csat_pct_satisfied", "nps", "sla_8h_rate", "complaints")
