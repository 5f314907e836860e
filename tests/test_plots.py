"""Theme, bundled CJK font, generic charts and the KPI charts (drawn with the Agg backend)."""
from __future__ import annotations

import io
import logging
import subprocess
import sys
import textwrap
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.axes import Axes

from csm.report.format import UnitFormatter

from csm.errors import ParameterError
from csm.report import charts, theme
from csm.report import kpi as kpi_report
from csm.report.labels import label, phrase


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def strict(caplog, monkeypatch):
    """Warnings are errors, matplotlib may log no warning, and nothing may call plt.show()."""
    def _no_show(*args, **kwargs):
        raise AssertionError("chart helpers must not call plt.show()")

    monkeypatch.setattr(plt, "show", _no_show)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with caplog.at_level(logging.WARNING, logger="matplotlib"):
            yield
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def _png(ax: Axes) -> bytes:
    buf = io.BytesIO()
    ax.figure.savefig(buf, format="png")
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# font and theme

def test_font_file_and_licence_are_shipped():
    assert theme.FONT_PATH.is_file()
    assert 2_500_000 < theme.FONT_PATH.stat().st_size < 5_500_000
    folder = theme.FONT_PATH.parent
    assert "SIL OPEN FONT LICENSE Version 1.1" in (folder / "OFL.txt").read_text("utf-8")
    assert "fontTools" in (folder / "README.md").read_text("utf-8")


def test_theme_uses_the_shipped_font_for_every_chart():
    theme.use_theme()
    assert plt.rcParams["font.family"][0] == theme.CJK_FAMILY
    assert "DejaVu Sans" in plt.rcParams["font.family"]  # Latin fallback
    shipped = str(theme.FONT_PATH)
    assert font_manager.findfont(font_manager.FontProperties(family=theme.CJK_FAMILY),
                                 fallback_to_default=False) == shipped
    assert font_manager.findfont(font_manager.FontProperties(family=plt.rcParams["font.family"])) == shipped
    assert plt.rcParams["axes.unicode_minus"] is False


def test_use_theme_is_idempotent():
    theme.use_theme()
    before = dict(plt.rcParams)
    theme.use_theme()
    theme.use_theme()
    assert dict(plt.rcParams) == before
    registered = [f for f in font_manager.fontManager.ttflist if f.fname == str(theme.FONT_PATH)]
    assert len(registered) == 1


def test_importing_the_chart_modules_applies_no_theme():
    """As seaborn: nothing is styled at import; use_theme() is an explicit call."""
    script = textwrap.dedent("""
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        before = dict(plt.rcParams)
        import csm.report.theme, csm.report.charts, csm.report.display, csm.report.kpi
        print("UNCHANGED" if dict(plt.rcParams) == before else "CHANGED")
        csm.report.theme.use_theme()
        print(plt.rcParams["font.family"][0])
    """)
    done = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["UNCHANGED", theme.CJK_FAMILY]


def test_chinese_titles_ticks_and_legends_draw_without_missing_glyphs(strict):
    _fig, ax = plt.subplots()
    ax.plot([0, 1, 2], [3, 1, 2], label="首次解决率（华东）")
    ax.set_title("客户满意度（平均分）：控制图 — ¥1,299 −5")
    ax.set_xticks([0, 1, 2], ["物流配送", "售后服务", "服务态度"])
    ax.set_xlabel("日期")
    ax.legend()
    png = _png(ax)
    assert png.startswith(b"\x89PNG")
    for text in [ax.title, ax.xaxis.label, *ax.get_xticklabels(), *ax.get_legend().get_texts()]:
        path = font_manager.findfont(text.get_fontproperties())
        assert path == str(theme.FONT_PATH), text.get_text()


def test_without_any_system_cjk_font_the_shipped_font_still_draws_chinese():
    """A fresh machine: only matplotlib's own fonts. Chinese fails before use_theme(), works after."""
    script = textwrap.dedent("""
        import io, re, warnings
        from pathlib import Path
        import matplotlib
        matplotlib.use("Agg")
        from matplotlib import font_manager
        data = Path(matplotlib.get_data_path()).resolve()
        font_manager.fontManager.ttflist[:] = [
            f for f in font_manager.fontManager.ttflist if Path(f.fname).resolve().is_relative_to(data)]
        import matplotlib.pyplot as plt
        import pandas, seaborn  # heavy imports before warnings become errors

        def draw(title):
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                fig, ax = plt.subplots()
                ax.set_title(title)
                ax.plot([0, 1], [0, 1], label="华东")
                ax.legend()
                fig.savefig(io.BytesIO(), format="png")
                plt.close(fig)

        try:
            draw("首次解决率")
            print("BEFORE: drawn")
        except UserWarning as w:
            print("BEFORE:", "missing" if re.search(r"missing from (current )?font", str(w)) else w)
        import csm.report.theme as theme
        theme.use_theme()
        draw("首次解决率：控制图")
        print("AFTER: drawn with", font_manager.findfont(font_manager.FontProperties(family=theme.CJK_FAMILY)))
    """)
    done = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "BEFORE: missing" in done.stdout
    assert f"AFTER: drawn with {theme.FONT_PATH}" in done.stdout
    assert "findfont" not in done.stderr and "missing from" not in done.stderr


# ---------------------------------------------------------------------------------------------
# chart helpers

@pytest.fixture
def trend():
    dates = pd.date_range("2025-01-06", periods=12, freq="W-MON")
    est = np.linspace(0.60, 0.75, 12)
    rows = pd.DataFrame({"period_start": dates, "kpi": "fcr_rate", "estimate": est,
                         "ci_low": est - 0.03, "ci_high": est + 0.03, "n": 200})
    other = rows.assign(kpi="aht_minutes", estimate=8.0, ci_low=7.5, ci_high=8.5)
    return pd.concat([rows, other], ignore_index=True)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_kpi_trend_chart(trend, lang, strict, capsys):
    ax = kpi_report.kpi_trend_chart(trend, "fcr_rate", target=0.72, lang=lang)
    assert isinstance(ax, Axes)
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), trend.loc[trend.kpi == "fcr_rate", "estimate"])
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() == pytest.approx(0.57) and band.max() == pytest.approx(0.78)
    target = ax.get_lines()[1]
    assert list(target.get_ydata()) == [0.72, 0.72]
    assert ax.get_title(loc="left") == label("fcr_rate", lang)
    assert isinstance(ax.yaxis.get_major_formatter(), UnitFormatter) and ax.yaxis.get_major_formatter().unit == "percent"
    ax.figure.canvas.draw()
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert all(t.endswith("%") and ".00" not in t for t in ticks if t), ticks  # "60%", never "60.00%"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [phrase("legend_estimate", lang), phrase("legend_ci", lang, level=0.95),
                      phrase("legend_target", lang)]
    _png(ax)
    assert capsys.readouterr() == ("", "")


def test_kpi_trend_chart_without_an_evaluated_target(trend, strict):
    ax = kpi_report.kpi_trend_chart(trend, "fcr_rate", target=float("nan"), lang="en")  # target not evaluated
    assert len(ax.get_lines()) == 1  # the estimate only: no target line
    assert phrase("legend_target", "en") not in [t.get_text() for t in ax.get_legend().get_texts()]


def test_kpi_trend_chart_groups_and_categorical_periods(strict):
    frame = pd.DataFrame({"period": ["2025-01", "2025-02", "2025-03"] * 2,
                          "channel": ["phone"] * 3 + ["chat"] * 3,
                          "aht_minutes": [8.0, 7.5, 7.0, 5.0, 5.5, 6.0]})
    ax = kpi_report.kpi_trend_chart(frame, "aht_minutes", lang="zh", hue="channel")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["在线客服", "电话"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2025-01", "2025-02", "2025-03"]
    assert ax.get_ylabel() == "平均处理时长（分钟）"
    _png(ax)


def test_kpi_trend_chart_errors(trend):
    with pytest.raises(ParameterError, match="no rows with kpi == 'nps'.*'fcr_rate'"):
        kpi_report.kpi_trend_chart(trend, "nps", lang="en")
    with pytest.raises(ParameterError, match="lang must be"):
        kpi_report.kpi_trend_chart(trend, "fcr_rate", lang="de")
    with pytest.raises(ParameterError, match="no time column"):
        kpi_report.kpi_trend_chart(trend.drop(columns="period_start"), "fcr_rate", lang="en")


@pytest.fixture
def spc():
    dates = pd.date_range("2025-03-01", periods=20, freq="D")
    value = np.full(20, 70.0)
    value[[4, 15]] = [85.0, 52.0]
    return pd.DataFrame({"date": dates, "value": value, "center": 70.0, "lcl": 60.0, "ucl": 80.0,
                         "out_of_control": (value > 80) | (value < 60)})


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_control_chart_marks_out_of_control_points(spc, lang, strict, capsys):
    title = phrase("control_chart_title", lang, kpi=label("csat_mean", lang))
    ax = charts.control_chart(spc, title=title, lang=lang)
    assert ax.get_title(loc="left") == title
    marked = ax.collections[-1].get_offsets()
    np.testing.assert_allclose(np.asarray(marked)[:, 1], [85.0, 52.0])
    ys = {round(float(np.nanmax(line.get_ydata())), 6) for line in ax.get_lines()}
    assert {85.0, 70.0, 80.0, 60.0} <= ys
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert phrase("legend_out_of_control", lang) in legend and phrase("legend_limits", lang) in legend
    _png(ax)
    assert capsys.readouterr() == ("", "")


def test_control_chart_without_alarms_and_missing_columns(spc, strict):
    calm = spc.assign(value=70.0, out_of_control=False)
    ax = charts.control_chart(calm, title="stable", lang="en")
    assert phrase("legend_out_of_control", "en") not in [t.get_text() for t in ax.get_legend().get_texts()]
    with pytest.raises(ParameterError, match="'ucl'"):
        charts.control_chart(spc.drop(columns="ucl"), title="x", lang="en")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_bar_with_ci(lang, strict):
    frame = pd.DataFrame({"category": ["logistics", "product_quality", "other"],
                          "estimate": [0.20, 0.35, 0.05], "ci_low": [0.15, 0.30, np.nan],
                          "ci_high": [0.26, 0.41, np.nan]})
    ax = charts.bar_with_ci(frame, "category", lang=lang, kpi="churn_rate", percent=True, sort=True)
    assert [p.get_height() for p in ax.patches] == pytest.approx([0.35, 0.20, 0.05])
    assert [t.get_text() for t in ax.get_xticklabels()] == [label(c, lang) for c in
                                                            ["product_quality", "logistics", "other"]]
    segments = ax.collections[0].get_segments()  # error bars only where the interval is known
    assert len(segments) == 2
    np.testing.assert_allclose(sorted((s[0][1], s[1][1]) for s in segments), [(0.15, 0.26), (0.30, 0.41)])
    assert ax.get_ylabel() == f"{label('churn_rate', lang)}" + (" (%)" if lang == "en" else "（%）")
    _png(ax)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_league_chart_sorted_best_on_top(lang, strict):
    frame = pd.DataFrame({"team": ["A组", "B组", "C组", "D组"], "estimate": [0.62, 0.81, 0.70, 0.55],
                          "ci_low": [0.55, 0.75, 0.64, 0.47], "ci_high": [0.69, 0.87, 0.76, 0.63]})
    ax = kpi_report.league_chart(frame, "team", lang=lang, kpi="fcr_rate", reference=0.67)
    labels_top_down = [t.get_text() for t in ax.get_yticklabels()]
    assert labels_top_down == ["B组", "C组", "A组", "D组"]
    lo, hi = ax.get_ylim()
    assert lo > hi  # first row drawn at the top
    points = np.asarray(ax.collections[-1].get_offsets())
    np.testing.assert_allclose(points[:, 0], [0.81, 0.70, 0.62, 0.55])
    assert ax.get_ylabel() == label("team", lang)
    assert isinstance(ax.xaxis.get_major_formatter(), UnitFormatter)
    _png(ax)


def test_small_multiples(trend, strict):
    frame = pd.concat([trend[trend.kpi == "fcr_rate"].assign(channel=c) for c in ["phone", "chat", "email", "social"]])
    axes = charts.small_multiples(frame, "channel", kpi_report.kpi_trend_chart, lang="zh", col_wrap=3, kpi="fcr_rate")
    assert len(axes) == 4 and all(isinstance(a, Axes) for a in axes)
    assert [a.get_title(loc="left") for a in axes] == ["在线客服", "邮件", "电话", "社交媒体"]
    assert sum(a.get_visible() for a in axes[0].figure.axes) == 4
    _png(axes[0])


def test_helpers_reject_unknown_language_and_non_frames():
    with pytest.raises(ParameterError):
        charts.bar_with_ci(pd.DataFrame({"x": ["a"], "estimate": [1.0]}), "x", lang="english")
    with pytest.raises(ParameterError, match="expected a DataFrame"):
        kpi_report.league_chart([1, 2], "team", lang="en")


def test_league_chart_puts_the_best_on_top_for_lower_is_better_kpis(strict):
    frame = pd.DataFrame({"agent_id": ["a1", "a2", "a3"], "estimate": [9.0, 5.0, 7.0]})
    ax = kpi_report.league_chart(frame, "agent_id", lang="en", kpi="aht_minutes")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a2", "a3", "a1"]
    ax = kpi_report.league_chart(frame, "agent_id", lang="en", kpi="aht_minutes", ascending=False)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a1", "a3", "a2"]


# ---------------------------------------------------------------------------------------------
# the one interval drawing, the interval chart and the explicit percent axis

def _whiskers(ax: Axes) -> list[tuple[float, float]]:
    """(low, high) of every interval whisker of ``ax`` (values along x or y, whichever varies)."""
    out = []
    for collection in ax.collections:
        for seg in getattr(collection, "get_segments", lambda: [])():
            (x0, y0), (x1, y1) = seg
            out.append(tuple(sorted((x0, x1) if x0 != x1 else (y0, y1))))
    return sorted(out)


def test_draw_intervals_skips_unknown_bounds_and_clips_bounds_on_the_wrong_side(strict):
    _fig, ax = plt.subplots()
    container = charts.draw_intervals(ax, [0, 1, 2, 3], [0.5, 0.4, np.nan, 0.2], [0.4, np.nan, 0.1, 0.25],
                                      [0.6, 0.5, 0.3, 0.3], horizontal=True)
    assert container is not None
    # row 1 lacks a bound, row 2 its estimate; row 3's low bound (0.25 > 0.2) is drawn at the estimate
    assert _whiskers(ax) == [pytest.approx((0.2, 0.3)), pytest.approx((0.4, 0.6))]
    assert charts.draw_intervals(ax, [0], [1.0], [np.nan], [np.nan]) is None
    with pytest.raises(ParameterError, match="style must be one of"):
        charts.draw_intervals(ax, [0], [1.0], [0.5], [1.5], style="fancy")


def test_draw_intervals_styles_and_orientation(strict):
    _fig, ax = plt.subplots()
    charts.draw_intervals(ax, [0, 1], [3.0, 4.0], [2.0, 3.5], [4.0, 5.0], style="bar")  # values along y
    (segments,) = [c.get_segments() for c in ax.collections]
    np.testing.assert_allclose([s[:, 0] for s in segments], [[0, 0], [1, 1]])  # at the bar positions
    np.testing.assert_allclose([s[:, 1] for s in segments], [[2, 4], [3.5, 5]])
    assert matplotlib.colors.to_hex(ax.collections[0].get_colors()[0]) == theme.COLORS["interval"]
    caps = [line for line in ax.get_lines() if line.get_marker() in ("_", "|")]
    assert caps  # the "bar" style has caps, the "whisker" style none


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_interval_chart_a_forest_plot_of_ratios(lang, strict):
    frame = pd.DataFrame({"term": ["tenure_months", "complaints", "nps"], "estimate": [0.8, 1.9, 1.0],
                          "ci_low": [0.7, 1.4, np.nan], "ci_high": [0.9, 2.6, np.nan]})
    ax = charts.interval_chart(frame, "term", lang=lang, reference=1.0, log=True, xlabel="hazard ratio")
    assert [t.get_text() for t in ax.get_yticklabels()] == [label(c, lang) for c in frame["term"]]
    lo, hi = ax.get_ylim()
    assert lo > hi  # first row on top
    np.testing.assert_allclose(np.asarray(ax.collections[-1].get_offsets())[:, 0], [0.8, 1.9, 1.0])
    assert _whiskers(ax) == [pytest.approx((0.7, 0.9)), pytest.approx((1.4, 2.6))]  # none for the unknown one
    assert ax.get_xscale() == "log" and [line.get_xdata()[0] for line in ax.get_lines()][-1] == 1.0
    ax.figure.canvas.draw()
    assert any(t.get_text().endswith("×") for t in ax.get_xticklabels())
    assert ax.get_xlabel() == "hazard ratio"
    _png(ax)


def test_interval_chart_colours_rows_by_hue_with_a_legend(strict):
    frame = pd.DataFrame({"level": ["a", "b", "c"], "outcome": ["escalated", "reopened", "escalated"],
                          "estimate": [1.5, 0.7, 2.0], "ci_low": [1.1, 0.5, 1.2], "ci_high": [2.0, 0.9, 3.1]})
    palette = {"escalated": "#d55e00", "reopened": "#0173b2"}
    ax = charts.interval_chart(frame, "level", lang="en", hue="outcome", palette=palette, reference=1.0)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [label("escalated", "en"), label("reopened", "en")]
    dots = {matplotlib.colors.to_hex(c.get_facecolor()[0]): np.asarray(c.get_offsets())[:, 0].tolist()
            for c in ax.collections if len(c.get_offsets()) and not hasattr(c, "get_segments")}
    assert dots == {"#d55e00": [1.5, 2.0], "#0173b2": [0.7]}
    assert len(_whiskers(ax)) == 3


def _formatter_unit(axis) -> str | None:
    formatter = axis.get_major_formatter()
    return formatter.unit if isinstance(formatter, UnitFormatter) else None


def test_a_chart_of_fractions_gets_a_percent_axis_when_asked(strict):
    frame = pd.DataFrame({"team": ["a", "b"], "estimate": [0.62, 0.81], "ci_low": [0.55, 0.75],
                          "ci_high": [0.69, 0.87]})
    ax = charts.bar_with_ci(frame, "team", lang="en", percent=True)
    assert _formatter_unit(ax.yaxis) == "percent"
    ax.figure.canvas.draw()
    ticks = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert ticks and all(t.endswith("%") for t in ticks) and "80%" in ticks, ticks
    ax = charts.interval_chart(frame, "team", lang="zh", percent=True)
    assert _formatter_unit(ax.xaxis) == "percent"
    ax = charts.dot_with_ci(frame, "team", lang="en", percent=True)
    assert _formatter_unit(ax.xaxis) == "percent"
    assert sorted(t.get_text() for t in ax.texts) == ["62.0%", "81.0%"]  # the values beside the dots


@pytest.mark.parametrize("values", [[0.2, 0.6, 0.9], [20.0, 60.0, 90.0]])
def test_a_chart_of_minutes_never_gets_a_percent_axis_whatever_the_magnitudes(values, strict):
    """Today's guess read values ≤ 1 as fractions; now only ``percent=True`` makes a percent axis."""
    frame = pd.DataFrame({"channel": ["chat", "phone", "email"], "estimate": values,
                          "ci_low": [v * 0.9 for v in values], "ci_high": [v * 1.1 for v in values]})
    for chart in (charts.bar_with_ci, charts.dot_with_ci):
        ax = chart(frame, "channel", lang="en", kpi="aht_minutes")
        value_axis = ax.yaxis if chart is charts.bar_with_ci else ax.xaxis
        assert _formatter_unit(value_axis) != "percent"
        ax.figure.canvas.draw()
        assert not any(t.get_text().endswith("%") for t in value_axis.get_ticklabels())
        plt.close(ax.figure)
    ax = charts.dot_with_ci(frame, "channel", lang="en", kpi="aht_minutes")
    assert all(t.get_text().endswith("min") for t in ax.texts)


@pytest.mark.parametrize("chart", ["bar_with_ci", "dot_with_ci", "interval_chart"])
def test_every_interval_chart_keeps_its_title(chart, strict):
    """A title passed to a chart is drawn (the first-response chart once lost its title in a refactor)."""
    frame = pd.DataFrame({"channel": ["chat", "phone"], "estimate": [2.0, 9.0], "ci_low": [1.5, 8.0],
                          "ci_high": [2.5, 10.0]})
    ax = getattr(charts, chart)(frame, "channel", lang="en", title="First response by channel")
    assert "First response by channel" in {ax.get_title(loc) for loc in ("left", "center", "right")}
    plt.close(ax.figure)


def test_control_chart_percent_is_explicit(spc, strict):
    fractions = spc.assign(value=spc["value"] / 100, center=0.70, lcl=0.60, ucl=0.80)
    ax = charts.control_chart(fractions, title="FCR", lang="en", percent=True)
    assert _formatter_unit(ax.yaxis) == "percent"
    ax = charts.control_chart(fractions, title="FCR", lang="en")
    assert _formatter_unit(ax.yaxis) is None


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_dot_with_ci_durations_on_a_log_axis(lang, strict):
    frame = pd.DataFrame({"channel": ["chat", "phone", "email"], "estimate": [0.7, 3.0, 1080.0],
                          "ci_low": [0.5, 2.5, 1000.0], "ci_high": [0.9, 3.6, 1150.0]})
    ax = charts.dot_with_ci(frame, "channel", lang=lang, kpi="first_response_minutes", target=60)
    assert ax.get_xscale() == "log"
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ("1 h" if lang == "en" else "1小时") in ticks
    assert len(_whiskers(ax)) == 3
    assert [t.get_text() for t in ax.get_yticklabels()] == [label(c, lang) for c in frame["channel"]]
    assert phrase("legend_target", lang) in [t.get_text() for t in ax.get_legend().get_texts()]
    _png(ax)


def test_ratio_and_date_axis_helpers(strict):
    _fig, ax = plt.subplots()
    ax.plot([0.5, 4.0], [0, 1])
    charts.ratio_axis(ax)
    ax.figure.canvas.draw()
    assert ax.get_xscale() == "log" and "2×" in [t.get_text() for t in ax.get_xticklabels()]
    _fig, ax = plt.subplots()
    ax.plot(pd.date_range("2025-11-01", periods=120, freq="D"), np.arange(120))
    charts.format_date_axis(ax, "en")
    ax.figure.canvas.draw()
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks[0].endswith("2025") and any(t.endswith("2026") for t in ticks), ticks


def test_a_title_wider_than_its_axes_wraps_instead_of_being_cut(strict):
    """A long category name from a real export (CFPB) in a half-width chart's title: wrapped onto more lines,
    each within the axes, whole words kept; a short title is left alone. Chinese breaks between characters."""
    long = "Credit reporting, credit repair services, or other personal consumer reports的具体原因"
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4))
    charts.set_title(right, long)
    shown = right.get_title(loc="left") or right.get_title()
    assert "\n" in shown and shown.replace("\n", " ").replace("  ", " ") == long
    fig.canvas.draw()
    title = right.title if right.get_title() else right._left_title
    box, axes_box = title.get_window_extent(), right.get_window_extent()
    assert box.width <= axes_box.width * 1.05
    charts.set_title(left, "Complaints by category")
    assert "\n" not in (left.get_title(loc="left") or left.get_title())
    plt.close(fig)
    assert charts.wrap_to_width("各类别投诉量" * 10, 20).split("\n")[0] == "各类别投诉量各类别投"  # 10 wide characters
    assert charts.wrap_to_width("a " + "x" * 50, 10) == "a\n" + "x" * 50
