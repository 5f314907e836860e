"""Presentation of nps_churn_clv for a manager: plain readings, honest charts, units (issue 12)."""
import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from scipy.stats import chi2_contingency  # noqa: E402

from csm.customers import nps  # noqa: E402
from csm.errors import ParameterError  # noqa: E402
from csm.report import customers as customers_report  # noqa: E402
from csm.run.parameters import check_value  # noqa: E402


def _responses(shares_by_group, n=600, seed=3):
    rng = np.random.default_rng(seed)
    rows = []
    for group, (promoter, detractor) in shares_by_group.items():
        kind = rng.choice(3, size=n, p=[promoter, 1 - promoter - detractor, detractor])
        rows += [{"g": group, "nps": (10, 8, 3)[k], "submitted_at": pd.Timestamp("2026-01-01")} for k in kind]
    return pd.DataFrame(rows)


def test_nps_group_test_detects_a_planted_difference_and_matches_scipy():
    same = _responses({"a": (0.3, 0.3), "b": (0.3, 0.3), "c": (0.3, 0.3)})
    different = _responses({"a": (0.5, 0.2), "b": (0.2, 0.5)})
    assert nps.nps_group_test(same, "g").iloc[0]["p_value"] > 0.01
    row = nps.nps_group_test(different, "g").iloc[0]
    assert row["p_value"] < 1e-6 and row["dof"] == 2
    t = different.assign(kind=np.select([different["nps"] >= 9, different["nps"] <= 6], ["p", "d"], "n"))
    stat = chi2_contingency(pd.crosstab(t["g"], t["kind"]).to_numpy(), correction=False)[0]
    assert row["statistic"] == pytest.approx(stat)


@pytest.mark.parametrize("lang,count,flag,unclear", [
    ("en", "each one makes a customer 1.4× as likely to leave in a given month",
     "these customers are half as likely to leave in a given month as the others", "no clear effect (p = 0.714)"),
    ("zh", "每多一张，客户在某个月流失的可能性变为原来的1.4 倍", "这类客户在某个月流失的可能性是其他客户的一半",
     "无明确影响（p = 0.714）")])
def test_hazard_ratios_read_in_plain_words(lang, count, flag, unclear):
    assert customers_report.hazard_reading("fcr_failed_tickets", 1.3634, 1e-9, lang) == count
    assert customers_report.hazard_reading("vip", 0.502, 1e-9, lang) == flag
    assert customers_report.hazard_reading("fcr_resolved_tickets", 0.997, 0.714, lang) == unclear
    level = customers_report.hazard_reading("plan=Two year", 0.25, 1e-9, lang, reference={"plan": "Month-to-month"})
    assert ("0.25×" if lang == "en" else "0.25 倍") in level and "Month-to-month" in level
    summary = pd.DataFrame({"term": ["fcr_failed_tickets", "vip", "escalations"], "hazard_ratio": [1.36, 0.5, 1.9],
                            "ci_low": [1.3, 0.4, 0.8], "ci_high": [1.4, 0.6, 3.0], "p_value": [1e-9, 1e-9, 0.2]})
    assert customers_report.top_churn_driver(summary)["term"] == "fcr_failed_tickets"  # 1.9× is not significant


def test_clv_chart_is_on_a_linear_money_axis():
    values = pd.DataFrame({"clv": np.r_[np.linspace(1, 900, 200), [50_000]], "tier": ["VIP"] * 100 + ["standard"] * 101})
    ax = customers_report.clv_distribution_chart(values, by="tier", lang="en", currency="USD")
    assert ax.get_xscale() == "linear"
    assert ax.get_xlim()[1] < 2_000  # the one outlier does not squash the boxes
    ax.figure.canvas.draw()
    assert any(t.get_text().startswith("$") for t in ax.get_xticklabels())
    matplotlib.pyplot.close("all")


def test_currency_parameter_is_checked():
    check_value("currency", "USD")
    with pytest.raises(ParameterError, match="currency"):
        check_value("currency", "yuan")


def _monthly_churn(rate_ratio_per_year, months=18, n=12_000, first=0.011, seed=5):
    """Monthly churners drawn from a planted churn rate that changes by ``rate_ratio_per_year`` a year."""
    rng = np.random.default_rng(seed)
    t = np.arange(months)
    rate = first * rate_ratio_per_year ** (t / 12)
    active = np.full(months, float(n)) + 50 * t
    return pd.DataFrame({"period_start": pd.date_range("2025-01-01", periods=months, freq="MS"), "n": active,
                         "churned": rng.binomial(active.astype(int), rate).astype(float)})


def test_churn_trend_recovers_a_planted_trend_and_matches_statsmodels():
    import statsmodels.api as sm

    from csm.customers import churn

    monthly = _monthly_churn(1.8)
    trend = churn.fit_churn_trend(monthly)
    assert trend.ci_low < 1.8 < trend.ci_high and trend.p_value < 0.001 and trend.months == 18
    assert trend.first_rate == pytest.approx(0.011, rel=0.1) and trend.last_rate == pytest.approx(
        0.011 * 1.8 ** (17 / 12), rel=0.1)
    fit = sm.GLM(monthly["churned"], sm.add_constant(np.arange(18.0)), family=sm.families.Poisson(),
                 offset=np.log(monthly["n"])).fit()
    assert trend.rate_ratio_12 == pytest.approx(np.exp(12 * fit.params.iloc[1]))
    assert trend.p_value == pytest.approx(fit.pvalues.iloc[1])
    assert trend.loglik == pytest.approx(fit.llf) and trend.standard_errors["slope"] == pytest.approx(fit.bse.iloc[1])
    assert trend.rate(monthly["period_start"]) == pytest.approx(fit.fittedvalues / monthly["n"])
    assert trend.summary.iloc[0]["estimate"] == trend.rate_ratio_12
    flat = churn.fit_churn_trend(_monthly_churn(1.0, seed=8))
    assert flat.ci_low < 1.0 < flat.ci_high  # no planted trend: the interval holds 1×


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_churn_trend_sentence_and_status(lang):
    from csm.customers import churn

    rising = churn.fit_churn_trend(_monthly_churn(1.8))
    text = customers_report.trend_sentence(rising, lang)
    assert "1.1%" in text and "p < 0.001" in text and ("risen" in text if lang == "en" else "升至" in text)
    assert customers_report.change_status(rising.slope, rising.p_value, higher_is_better=False) == "worse"
    flat = churn.fit_churn_trend(_monthly_churn(1.0, seed=8))
    assert ("no clear trend" if lang == "en" else "没有明显趋势") in customers_report.trend_sentence(flat, lang)
