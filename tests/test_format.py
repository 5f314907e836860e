"""csm.report.format and csm.report.summary against strings worked out by hand."""
import datetime as dt
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from csm.report import format as fmt  # noqa: E402
from csm.report.summary import Finding, headline, summary_block  # noqa: E402

M = "\u2212"  # the minus sign every formatted number uses


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_count_number_percent_in_both_languages(lang):
    assert fmt.count(61240, lang) == "61,240"
    assert fmt.count(484.2, lang) == "484"  # a ticket count is whole
    assert fmt.count(1234567.5, lang) == "1,234,568"
    assert fmt.number(1070.94, lang) == "1,070.9"
    assert fmt.number(-0.04, lang) == "0.0" and fmt.number(-0.004, lang, 2) == "0.00"  # never −0.0
    assert fmt.number(-12.345, lang, 2) == f"{M}12.35" or fmt.number(-12.345, lang, 2) == f"{M}12.34"
    assert fmt.number(-1234.5, lang, 0) == f"{M}1,234" or fmt.number(-1234.5, lang, 0) == f"{M}1,235"
    assert fmt.number(2.5, lang, signed=True) == "+2.5" and fmt.number(0.01, lang, signed=True) == "0.0"
    assert fmt.percent(0.349, lang) == "34.9%" and fmt.percent(0.6667, lang, 0) == "67%"
    assert fmt.percent(-0.0001, lang) == "0.0%"
    for missing in (None, float("nan"), np.nan, pd.NA, pd.NaT, math.inf, -math.inf, "abc"):
        assert fmt.number(missing, lang) == "—" and fmt.percent(missing, lang) == "—"
        assert fmt.count(missing, lang) == "—" and fmt.ratio(missing, lang) == "—"


def test_points_duration_money_ratio():
    assert fmt.points(-0.042, "en") == f"{M}4.2 pp" and fmt.points(-0.042, "zh") == f"{M}4.2个百分点"
    assert fmt.points(0.015, "en") == "+1.5 pp" and fmt.points(0.0004, "en") == "0.0 pp"
    assert fmt.duration(8.66, "en") == "8.7 min" and fmt.duration(8.66, "zh") == "8.7分钟"
    assert fmt.duration(1086, "en") == "18.1 h" and fmt.duration(1086, "zh") == "18.1小时"  # 1086 / 60 = 18.1
    assert fmt.duration(3312, "en") == "2.3 days" and fmt.duration(3312, "zh") == "2.3天"  # 3312 / 1440 = 2.3
    assert fmt.duration(119.9, "en") == "119.9 min" and fmt.duration(120, "en") == "2.0 h"
    assert fmt.duration(24, "en", unit="h") == "0.4 h"
    assert fmt.duration(3312, "en", business=True) == "55.2 business h"  # a business day is not 24 h
    assert fmt.duration(300, "zh", business=True) == "5.0工作小时"
    assert fmt.duration(-3, "en", signed=True) == f"{M}3.0 min" and fmt.duration(2, "en", signed=True) == "+2.0 min"
    assert fmt.money(1234.4, "en") == "¥1,234" and fmt.money(1234.4, "en", "USD") == "$1,234"
    assert fmt.money(-56, "zh", "cny") == f"{M}¥56" and fmt.money(1234, "en", "CHF") == "1,234 CHF"
    assert fmt.money(9.5, "en", "EUR", 2) == "€9.50"
    assert fmt.ratio(1.43, "en") == "1.4×" and fmt.ratio(41.75, "zh") == "41.8×" and fmt.ratio(0.724, "en") == "0.72×"


def test_p_values():
    assert fmt.p_value(5e-14, "en") == "p < 0.001" and fmt.p_value(0.0321, "zh") == "p = 0.032"
    assert fmt.p_value(0.0009999, "en", prefix=False) == "< 0.001"
    assert fmt.p_value(0.0, "en", prefix=False) == "< 0.001"  # never "p = 0.000"
    assert fmt.p_value(0.04249, "en", prefix=False) == "0.042" and fmt.p_value(1.0, "en") == "p = 1.000"
    assert fmt.p_value(np.nan, "en", prefix=False) == "—"
    assert fmt.format_p_value(5e-14) == "< 0.001" and fmt.format_p_value(0.0321, prefix=True) == "p = 0.032"


def test_days_and_spans_have_years():
    assert fmt.day(dt.date(2025, 5, 2), "en") == "2 May 2025" and fmt.day("2025-05-02", "zh") == "2025年5月2日"
    assert fmt.day(pd.Timestamp("2025-05-02 13:00"), "en") == "2 May 2025" and fmt.day(pd.NaT, "en") == "—"
    assert fmt.month("2025-05-02", "en") == "May 2025" and fmt.month("2025-05-02", "zh") == "2025年5月"
    assert fmt.span("2025-05-02", "2025-05-08", "en") == "2–8 May 2025"
    assert fmt.span("2025-05-02", "2025-05-08", "zh") == "2025年5月2日–8日"
    assert fmt.span("2025-04-28", "2025-05-04", "en") == "28 April – 4 May 2025"
    assert fmt.span("2025-04-28", "2025-05-04", "zh") == "2025年4月28日–5月4日"
    assert fmt.span("2024-12-28", "2025-01-03", "en") == "28 December 2024 – 3 January 2025"
    assert fmt.span("2024-12-28", "2025-01-03", "zh") == "2024年12月28日–2025年1月3日"
    assert fmt.span("2025-05-02", "2025-05-02", "en") == "2 May 2025"


def test_period_labels_and_months_between():
    assert fmt.period_label("2026-06-01", "2026-06-30", "en") == "June 2026"
    assert fmt.period_label("2026-06-01", "2026-06-30", "zh") == "2026年6月"
    assert fmt.period_label("2026-04-01", "2026-06-30", "en") == "Q2 2026"
    assert fmt.period_label("2026-04-01", "2026-06-30", "zh") == "2026年第2季度"
    assert fmt.period_label("2026-01-01", "2026-12-31", "zh") == "2026年"
    assert fmt.period_label("2026-06-03", "2026-06-09", "en") == "3–9 June 2026"
    assert fmt.months_between("2025-11-30", "2026-06-01") == 6 and fmt.months_between("2025-11-10", "2026-06-10") == 7


def test_quantity_dispatches_on_unit():
    assert fmt.quantity(61240, "count", "en") == "61,240"
    assert fmt.quantity(0.349, "percent", "zh") == "34.9%"
    assert fmt.quantity(-0.042, "points", "zh") == f"{M}4.2个百分点"
    assert fmt.quantity(1086, "minutes", "en") == "18.1 h" and fmt.quantity(0.4, "hours", "en") == "24.0 min"
    assert fmt.quantity(1234, "money", "en", currency="USD") == "$1,234"
    assert fmt.quantity(1.43, "ratio", "en") == "1.4×" and fmt.quantity(4.214, "number", "en", digits=2) == "4.21"
    with pytest.raises(ValueError, match="unit must be one of"):
        fmt.quantity(1, "furlongs", "en")
    with pytest.raises(ValueError, match="lang"):
        fmt.count(1, "fr")


def test_format_quantity_wraps_format():
    assert fmt.format_quantity(8.66, "minutes") == "8.7 min"
    assert fmt.format_quantity(1070.94, "minutes", low=1000.2, high=1150.33) == "17.8 h [16.7, 19.2]"
    assert fmt.format_quantity(1070.94, "minutes", "zh") == "17.8小时"
    assert fmt.format_quantity(0.4, "hours") == "24.0 min"  # 0.4 h beside 8.7 min: both read in minutes
    assert fmt.format_quantity(72.34, "%", low=70.1, high=74.44) == "72.3% [70.1%, 74.4%]"
    assert fmt.format_quantity(-4.2, "percentage points", "zh") == f"{M}4.2个百分点"
    assert fmt.format_quantity(2130, "tickets") == "2,130" and fmt.format_quantity(np.nan, "minutes") == "—"


def _tick_labels(unit, lo, hi, lang="en", **kw):
    fig, ax = plt.subplots()
    ax.set_ylim(lo, hi)
    ax.yaxis.set_major_formatter(fmt.axis_formatter(unit, lang, **kw))
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    plt.close(fig)
    return labels


def test_axis_formatter_precision():
    assert _tick_labels("percent", 0.6, 0.7) == ["60%", "62%", "64%", "66%", "68%", "70%"]
    assert _tick_labels("percent", 0.0, 0.01) == ["0.0%", "0.2%", "0.4%", "0.6%", "0.8%", "1.0%"]
    assert _tick_labels("number", 0, 2.5) == ["0.0", "0.5", "1.0", "1.5", "2.0", "2.5"]
    assert _tick_labels("count", 0, 5000) == ["0", "1,000", "2,000", "3,000", "4,000", "5,000"]
    assert _tick_labels("money", 0, 20000, currency="USD")[:2] == ["$0", "$2,500"]
    assert _tick_labels("ratio", 0.5, 2.0)[:3] == ["0.4×", "0.6×", "0.8×"]
    assert _tick_labels("points", -0.02, 0.02)[:3] == [f"{M}2.0", f"{M}1.5", f"{M}1.0"]
    assert _tick_labels("points", -0.02, 0.02)[4] == "0.0"
    fig, ax = plt.subplots()
    ax.set_ylim(80, 85)  # a rate plotted in percent
    ax.yaxis.set_major_formatter(fmt.axis_formatter("percent", "en", scale=0.01))
    fig.canvas.draw()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["80%", "81%", "82%", "83%", "84%", "85%"]
    plt.close(fig)


def test_summary_block_escapes_and_colours():
    block = summary_block([Finding("First response 8.7 min <b>fast</b>", "met"),
                           Finding("CSAT 4.1 of 5, down 0.2 points", "worse"), ("Note & more", "info")], "en")
    html = block.data
    assert "Summary" in html and "&lt;b&gt;fast&lt;/b&gt;" in html and "<b>fast" not in html
    assert "Note &amp; more" in html and "#1a7f37" in html and "#c62828" in html
    assert html.index("Met") < html.index("First response") < html.index("Worse") < html.index("CSAT")
    assert repr(block) == ("Summary\n[Met] First response 8.7 min <b>fast</b>\n[Worse] CSAT 4.1 of 5, down 0.2 points\n"
                           "[Note] Note & more")
    zh = summary_block([Finding("首次响应 8.7分钟", "at_risk")], "zh")
    assert "摘要" in zh.data and "有风险" in zh.data and repr(zh) == "摘要\n[有风险] 首次响应 8.7分钟"
    with pytest.raises(ValueError, match="status"):
        Finding("x", "good")
    with pytest.raises(ValueError):
        summary_block([], "en")
    assert headline(Finding("CSAT 4.1 of 5", "missed")) == {"text": "CSAT 4.1 of 5", "status": "missed"}


def _public_modules() -> list[str]:
    import pkgutil

    import csm

    return sorted(m.name for m in pkgutil.walk_packages(csm.__path__, "csm.")
                  if not any(part.startswith("_") for part in m.name.split(".")))


@pytest.mark.parametrize("module", _public_modules())
def test_every_public_module_declares_its_public_names(module):
    """``__all__`` in every public module of the package lists every public function and class it defines, and
    nothing it lacks (a narrow, stated public surface)."""
    import importlib
    import inspect

    mod = importlib.import_module(module)
    assert hasattr(mod, "__all__"), f"{module} has no __all__"
    assert set(mod.__all__) <= set(dir(mod)), sorted(set(mod.__all__) - set(dir(mod)))
    defined = {name for name, obj in vars(mod).items() if not name.startswith("_")
               and (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == mod.__name__}
    assert defined <= set(mod.__all__), sorted(defined - set(mod.__all__))
