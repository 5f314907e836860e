import pandas as pd
import pytest

from csm.errors import ParameterError
from csm.periods import parse_period, resolve_periods

T = pd.Timestamp


@pytest.mark.parametrize(
    "spec, start, end, label",
    [
        ("2026-06", T("2026-06-01"), T("2026-07-01"), "2026-06"),
        ("2026-12", T("2026-12-01"), T("2027-01-01"), "2026-12"),
        ("2026-Q2", T("2026-04-01"), T("2026-07-01"), "2026-Q2"),
        ("2026q4", T("2026-10-01"), T("2027-01-01"), "2026-Q4"),
        ("2025", T("2025-01-01"), T("2026-01-01"), "2025"),
        ("2026-06-03..2026-06-09", T("2026-06-03"), T("2026-06-10"), "2026-06-03..2026-06-09"),
    ],
)
def test_parse_period_forms(spec, start, end, label):
    p = parse_period(spec)
    assert (p.start, p.end, p.label) == (start, end, label)


def test_latest_is_last_complete_month_of_the_data():
    # data running to the last day of June: June is complete
    assert parse_period("latest", data_end=T("2026-06-30 23:10")).label == "2026-06"
    # data stopping mid-July: July is not complete, June is the latest
    assert parse_period("latest", data_end=T("2026-07-14")).label == "2026-06"
    assert parse_period("latest-quarter", data_end=T("2026-07-14")).label == "2026-Q2"
    with pytest.raises(ParameterError, match="needs data"):
        parse_period("latest")


def test_comparisons():
    cur, prev = resolve_periods("2026-03", "previous")
    assert prev.label == "2026-02" and prev.end == cur.start
    _, prev_q = resolve_periods("2026-Q1", "previous")
    assert prev_q.label == "2025-Q4"
    _, ago = resolve_periods("2026-03", "year_ago")
    assert ago.label == "2025-03"
    _, rng = resolve_periods("2026-06-08..2026-06-14", "previous")
    assert (rng.start, rng.end) == (T("2026-06-01"), T("2026-06-08"))
    assert resolve_periods("2026-03", None)[1] is None
    assert resolve_periods("2026-03", "none")[1] is None
    assert resolve_periods("2026-03", "2025-12")[1].label == "2025-12"


@pytest.mark.parametrize("bad", ["", "June", "2026-13", "2026-06-31..2026-07-02", "2026-07-01..2026-06-01", 202606])
def test_bad_periods_say_what_is_expected(bad):
    with pytest.raises(ParameterError, match="period"):
        parse_period(bad)


def test_contains_is_half_open():
    p = parse_period("2026-06")
    s = pd.Series([T("2026-05-31 23:59"), T("2026-06-01"), T("2026-06-30 23:59"), T("2026-07-01"), pd.NaT])
    assert p.contains(s).tolist() == [False, True, True, False, False]



def test_trend_window_ends_with_the_period():
    from csm.periods import trend_frequency, trend_start

    month = parse_period("2026-06")
    assert trend_frequency(month) == "M" and trend_frequency(parse_period("2026-Q2")) == "Q"
    assert trend_frequency(parse_period("2026-06-01..2026-06-07")) == "W"
    assert trend_frequency(month, "W") == "W"
    assert trend_start(month, "M", 12) == T("2025-07-01")  # 12 months: 2025-07 … 2026-06
    assert trend_start(parse_period("2026-Q2"), "Q", 4) == T("2025-07-01")
    assert trend_start(month, "W", 2) == T("2026-06-17")
    with pytest.raises(ParameterError, match="trend_freq"):
        trend_frequency(month, "D")
    with pytest.raises(ParameterError, match="trend_periods"):
        trend_start(month, "M", 0)


def test_a_period_without_data_is_refused_with_the_data_range():
    start, end = T("2015-04-01 09:30"), T("2020-03-31 17:00")
    for spec in ("2027-01", "2014", "2015-03"):
        with pytest.raises(ParameterError) as err:
            resolve_periods(spec, "previous", data_start=start, data_end=end, what="tickets")
        assert str(err.value).startswith(f"period {spec} has no tickets: the data runs from 2015-04-01 to "
                                         "2020-03-31; choose a period inside it or 'latest'")
    # a period the data only partly covers is fine, and so is a comparison period outside the data
    assert resolve_periods("2015-04-15..2015-05-15", "previous", data_start=start, data_end=end)[0].kind == "range"
    assert resolve_periods("2015-04", "year_ago", data_start=start, data_end=end)[1].label == "2014-04"
    assert resolve_periods("latest", None, data_start=start, data_end=end)[0].label == "2020-03"  # ends on the 31st
    # without data_start only a period after the data is caught
    with pytest.raises(ParameterError, match="the data ends on 2020-03-31"):
        resolve_periods("2020-04", None, data_end=end)
    # "latest" on a data span shorter than a month: no complete month, so it says which range to ask for
    with pytest.raises(ParameterError, match=r"'latest' \(2020-02.*e\.g\. '2020-03-05\.\.2020-03-20'"):
        resolve_periods("latest", None, data_start=T("2020-03-05"), data_end=T("2020-03-20"))
