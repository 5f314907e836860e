"""Numbers, durations, money, dates and p-values for a reader, in English or Chinese.

One module decides how every value looks in a report: thousands separators in both languages, a true minus
sign (−) and never "−0.0", "—" for anything missing or not finite (never "NaN"), percentages from FRACTIONS
(0.349 → "34.9%"), differences of fractions as percentage points ("−4.2 pp" / "−4.2个百分点"), durations in the
unit their size calls for ("8.7 min", "18.1 h", "2.3 days" / "8.7分钟", "18.1小时", "2.3天"), p-values below
0.001 as "< 0.001", dates with their year ("2 May 2025" / "2025年5月2日").

    >>> count(61240, "zh"), percent(0.349, "en"), points(-0.042, "zh"), duration(1086, "en")
    ('61,240', '34.9%', '−4.2个百分点', '18.1 h')

:func:`quantity` dispatches on a unit name; :func:`axis_formatter` gives matplotlib tick labels at the precision
the ticks need ("67%", not "67.00%").

The ``format_*`` functions at the end format values in the units :mod:`csm.kpi` results carry (``"%"`` there
means a value already in percent, ``"minutes"``, ``"score (1–5)"``, ``"tickets"`` …) through the functions above:
:func:`format_quantity` ("17.8 h [16.7, 19.2]"), :func:`format_number`, :func:`format_interval`,
:func:`unit_suffix`, :func:`format_share` (a fraction), :func:`format_p_value`, :func:`n_days`.
"""
from __future__ import annotations

import datetime as _dt
import math

__all__ = [
    "MISSING", "MINUS", "UNITS", "CURRENCY_SYMBOLS",
    "count", "number", "percent", "points", "duration_unit", "duration", "money", "ratio", "p_value",
    "day", "month", "span", "period_label", "months_between", "quantity", "unit_label",
    "UnitFormatter", "axis_formatter",
    # values in the units of csm.kpi results
    "KPI_DECIMALS", "MINUTES_PER", "SCORE_UNITS", "is_missing", "format_number", "format_interval",
    "unit_suffix", "format_quantity", "kpi_value", "quantity_parts", "format_share", "format_p_value", "n_days",
]

#: What a missing, NaN or infinite value shows as.
MISSING = "—"
#: The minus sign used in every formatted number (U+2212, not the hyphen).
MINUS = "\u2212"

#: The units :func:`quantity` knows.
UNITS = ("count", "percent", "points", "minutes", "hours", "money", "ratio", "number")

#: Currency symbols; an unknown code is written after the number ("1,234 CHF").
CURRENCY_SYMBOLS = {"CNY": "¥", "RMB": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "JP¥", "HKD": "HK$",
                    "TWD": "NT$", "SGD": "S$", "AUD": "A$", "CAD": "C$", "KRW": "₩", "INR": "₹"}

_DURATION_UNITS = {  # name: (minutes per unit, en, zh); en takes a space before the unit, zh none
    "min": (1, "min", "分钟"),
    "h": (60, "h", "小时"),
    "days": (1440, "days", "天"),
}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def _check_lang(lang: str) -> str:
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', got {lang!r}")
    return lang


def _value(x) -> float | None:
    """``x`` as a finite float, or None when it is missing (None, NaN, NA, NaT) or infinite."""
    if x is None:
        return None
    try:
        number = float(x)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _fixed(x: float, digits: int, *, signed: bool = False) -> str:
    """``x`` with ``digits`` decimals and thousands separators, a true minus sign, and no negative zero
    (a value that rounds to zero shows unsigned: "0.0", never "−0.0" or "+0.0")."""
    digits = max(0, int(digits))
    text = f"{abs(x):,.{digits}f}"
    if float(text.replace(",", "")) == 0:
        return text
    if x < 0:
        return MINUS + text
    return "+" + text if signed else text


def count(n, lang: str = "en") -> str:
    """A whole number of things (tickets, customers) with thousands separators: ``"61,240"``."""
    _check_lang(lang)
    value = _value(n)
    return MISSING if value is None else _fixed(round(value), 0)


def number(x, lang: str = "en", digits: int = 1, *, signed: bool = False) -> str:
    """A plain number: ``"1,070.9"``; ``"0.0"`` for a negative value that rounds to zero; ``"—"`` when missing.
    ``signed`` writes a "+" before positive values (for differences)."""
    _check_lang(lang)
    value = _value(x)
    return MISSING if value is None else _fixed(value, digits, signed=signed)


def percent(share, lang: str = "en", digits: int = 1, *, signed: bool = False) -> str:
    """A FRACTION as a percentage: ``percent(0.349)`` → ``"34.9%"``."""
    _check_lang(lang)
    value = _value(share)
    return MISSING if value is None else _fixed(100 * value, digits, signed=signed) + "%"


def points(diff, lang: str = "en", digits: int = 1, *, signed: bool = True) -> str:
    """A difference of two FRACTIONS in percentage points: ``points(-0.042)`` → ``"−4.2 pp"`` /
    ``"−4.2个百分点"``; signed (``"+1.5 pp"``) unless ``signed=False``."""
    _check_lang(lang)
    value = _value(diff)
    if value is None:
        return MISSING
    text = _fixed(100 * value, digits, signed=signed)
    return text + (" pp" if lang == "en" else "个百分点")


def duration_unit(minutes) -> str:
    """The unit a duration of ``minutes`` reads best in: "min" below 2 hours, "h" below 2 days, else "days"."""
    value = _value(minutes)
    size = abs(value) if value is not None else 0.0
    return "min" if size < 120 else "h" if size < 48 * 60 else "days"


def duration(minutes, lang: str = "en", digits: int = 1, *, unit: str | None = None, signed: bool = False,
             business: bool = False) -> str:
    """A duration given in MINUTES, in the unit its size calls for: ``"8.7 min"``, ``"18.1 h"``, ``"2.3 days"``
    (en) / ``"8.7分钟"``, ``"18.1小时"``, ``"2.3天"`` (zh). ``unit`` ("min", "h", "days") fixes the unit, e.g. for
    the bounds of an interval. ``business`` marks business-clock time ("5.0 business h" / "5.0工作小时"), which
    is never shown in days (a business day is not 24 hours)."""
    _check_lang(lang)
    value = _value(minutes)
    if value is None:
        return MISSING
    unit = unit or duration_unit(value)
    if business and unit == "days":
        unit = "h"
    if unit not in _DURATION_UNITS:
        raise ValueError(f"duration unit must be one of {sorted(_DURATION_UNITS)}, got {unit!r}")
    per, en, zh = _DURATION_UNITS[unit]
    text = _fixed(value / per, digits, signed=signed)
    if lang == "en":
        return f"{text} {'business ' if business else ''}{en}"
    return f"{text}{'工作' if business else ''}{zh}"


def money(x, lang: str = "en", currency: str = "CNY", digits: int = 0, *, signed: bool = False) -> str:
    """An amount of money with its currency (a report parameter): ``"¥1,234"``, ``"$1,234"``,
    ``"−¥56"``; a code without a known symbol follows the number (``"1,234 CHF"``)."""
    _check_lang(lang)
    value = _value(x)
    if value is None:
        return MISSING
    code = str(currency or "").strip().upper()
    text = _fixed(value, digits, signed=signed)
    symbol = CURRENCY_SYMBOLS.get(code)
    if symbol is None:
        return f"{text} {code}".strip()
    sign = text[0] if text[0] in (MINUS, "+") else ""
    return f"{sign}{symbol}{text[len(sign):]}"


def ratio(x, lang: str = "en", digits: int | None = None) -> str:
    """A ratio (odds ratio, rate ratio, hazard ratio, lift) as a multiple: ``"1.4×"``; below 1 with two
    decimals (``"0.72×"``) unless ``digits`` says otherwise."""
    _check_lang(lang)
    value = _value(x)
    if value is None:
        return MISSING
    if digits is None:
        digits = 1 if abs(value) >= 0.995 else 2
    return _fixed(value, digits) + "×"


def p_value(p, lang: str = "en", *, prefix: bool = True) -> str:
    """A p-value: ``"p < 0.001"`` below 0.001, else three decimals (``"p = 0.032"``); without ``prefix`` for
    a table column: ``"< 0.001"``, ``"0.032"``; ``"—"`` when missing."""
    _check_lang(lang)
    value = _value(p)
    if value is None:
        return "p = " + MISSING if prefix else MISSING
    if value < 0.001:
        return "p < 0.001" if prefix else "< 0.001"
    text = f"{min(value, 1.0):.3f}"
    return f"p = {text}" if prefix else text


def _as_date(d) -> _dt.date | None:
    if d is None:
        return None
    try:
        import pandas as pd

        if d is pd.NaT or (not isinstance(d, (str, _dt.date)) and pd.isna(d)):
            return None
        stamp = pd.Timestamp(d)
    except (TypeError, ValueError):
        return None
    return None if stamp is pd.NaT else stamp.date()


def day(d, lang: str = "en") -> str:
    """A calendar day with its year: ``"2 May 2025"`` / ``"2025年5月2日"``; ``"—"`` when missing."""
    _check_lang(lang)
    date = _as_date(d)
    if date is None:
        return MISSING
    if lang == "en":
        return f"{date.day} {_MONTHS[date.month - 1]} {date.year}"
    return f"{date.year}年{date.month}月{date.day}日"


def month(d, lang: str = "en") -> str:
    """A calendar month with its year: ``"May 2025"`` / ``"2025年5月"``."""
    _check_lang(lang)
    date = _as_date(d)
    if date is None:
        return MISSING
    return f"{_MONTHS[date.month - 1]} {date.year}" if lang == "en" else f"{date.year}年{date.month}月"


def span(start, last_day, lang: str = "en") -> str:
    """The days ``start`` to ``last_day`` (both included), the year said once where it is shared:
    ``"2–8 May 2025"``, ``"28 April – 4 May 2025"``, ``"28 December 2024 – 3 January 2025"`` /
    ``"2025年5月2日–8日"``, ``"2025年4月28日–5月4日"``, ``"2024年12月28日–2025年1月3日"``."""
    _check_lang(lang)
    first, last = _as_date(start), _as_date(last_day)
    if first is None or last is None:
        return MISSING
    if first == last:
        return day(first, lang)
    if lang == "en":
        if (first.year, first.month) == (last.year, last.month):
            return f"{first.day}–{last.day} {_MONTHS[last.month - 1]} {last.year}"
        if first.year == last.year:
            return f"{first.day} {_MONTHS[first.month - 1]} – {last.day} {_MONTHS[last.month - 1]} {last.year}"
        return f"{day(first, lang)} – {day(last, lang)}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{day(first, lang)}–{last.day}日"
    if first.year == last.year:
        return f"{day(first, lang)}–{last.month}月{last.day}日"
    return f"{day(first, lang)}–{day(last, lang)}"


def period_label(start, last_day, lang: str = "en") -> str:
    """A reporting period for a reader: a whole month ``"June 2026"`` / ``"2026年6月"``, a quarter ``"Q2 2026"`` /
    ``"2026年第2季度"``, a year ``"2026"`` / ``"2026年"``, anything else as :func:`span`."""
    _check_lang(lang)
    first, last = _as_date(start), _as_date(last_day)
    if first is None or last is None:
        return MISSING
    after = last + _dt.timedelta(days=1)
    if first.day == 1 and after.day == 1:
        months = (after.year - first.year) * 12 + after.month - first.month
        if months == 1:
            return month(first, lang)
        if months == 3 and first.month % 3 == 1:
            q = (first.month - 1) // 3 + 1
            return f"Q{q} {first.year}" if lang == "en" else f"{first.year}年第{q}季度"
        if months == 12 and first.month == 1:
            return str(first.year) if lang == "en" else f"{first.year}年"
    return span(first, last, lang)


def months_between(earlier, later) -> int:
    """Whole calendar months from ``earlier`` to ``later`` (10 Nov 2025 → 1 Jun 2026: 6)."""
    a, b = _as_date(earlier), _as_date(later)
    if a is None or b is None:
        return 0
    months = (b.year - a.year) * 12 + b.month - a.month
    return months - (1 if b.day < a.day else 0)


def quantity(value, unit: str, lang: str = "en", *, digits: int | None = None, currency: str = "CNY",
             signed: bool = False) -> str:
    """``value`` formatted for ``unit``: "count" (whole), "percent" (a fraction), "points" (a difference of
    fractions), "minutes" and "hours" (a duration in that unit, shown in the unit its size calls for),
    "money" (with ``currency``), "ratio", "number"."""
    if unit == "count":
        return count(value, lang)
    if unit == "percent":
        return percent(value, lang, 1 if digits is None else digits, signed=signed)
    if unit == "points":
        return points(value, lang, 1 if digits is None else digits)
    if unit in ("minutes", "hours"):
        v = _value(value)
        minutes = None if v is None else v * (60 if unit == "hours" else 1)
        return duration(minutes, lang, 1 if digits is None else digits, signed=signed)
    if unit == "money":
        return money(value, lang, currency, 0 if digits is None else digits, signed=signed)
    if unit == "ratio":
        return ratio(value, lang, digits)
    if unit == "number":
        return number(value, lang, 1 if digits is None else digits, signed=signed)
    raise ValueError(f"unit must be one of {UNITS}, got {unit!r}")


_UNIT_LABELS = {
    "count": ("number", "数量"), "percent": ("share (%)", "占比（%）"), "points": ("percentage points", "百分点"),
    "minutes": ("minutes", "分钟"), "hours": ("hours", "小时"), "money": ("amount", "金额"),
    "ratio": ("ratio (×)", "倍数（×）"), "number": ("value", "数值"),
}


def unit_label(unit: str, lang: str = "en", *, currency: str = "CNY") -> str:
    """A short axis-title word for ``unit``: ``"minutes"`` / ``"分钟"``, ``"amount (¥)"`` …"""
    _check_lang(lang)
    if unit not in _UNIT_LABELS:
        raise ValueError(f"unit must be one of {UNITS}, got {unit!r}")
    text = _UNIT_LABELS[unit][0 if lang == "en" else 1]
    if unit == "money":
        code = str(currency or "").strip().upper()
        symbol = CURRENCY_SYMBOLS.get(code, code)
        text += f" ({symbol})" if lang == "en" else f"（{symbol}）"
    return text


def _tick_decimals(values: list[float], most: int = 6) -> int:
    """The fewest decimals that show every tick value exactly (1, 2, 2.5 → 1; 10, 20 → 0)."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return 0
    scale = max(abs(v) for v in finite) or 1.0
    for digits in range(most + 1):
        if all(abs(round(v, digits) - v) <= 1e-9 * scale for v in finite):
            return digits
    return most


try:  # matplotlib is a dependency of the charts only
    from matplotlib.ticker import Formatter as _Formatter
except ImportError:  # pragma: no cover
    _Formatter = object


class UnitFormatter(_Formatter):
    """Tick labels for ``unit`` at the precision the ticks need: "67%" not "67.00%", "1,200" not "1.2e3",
    "0.5" not "5 × 10⁻¹"; percentages from fractions ("35%"), money with its symbol, ratios with "×".
    Counts, durations and plain numbers show bare numbers (the axis title carries the unit)."""

    def __init__(self, unit: str, lang: str = "en", *, currency: str = "CNY", scale: float = 1.0):
        if unit not in UNITS:
            raise ValueError(f"unit must be one of {UNITS}, got {unit!r}")
        self.unit, self.lang, self.currency, self.scale = unit, _check_lang(lang), currency, float(scale)
        self._ticks: list[float] = []

    def set_locs(self, locs):
        self._ticks = [float(v) * self.scale for v in locs]

    def _scaled(self, x: float) -> float:
        return 100 * x if self.unit in ("percent", "points") else x

    def __call__(self, x, pos=None) -> str:
        value = _value(x)
        if value is None:
            return ""
        value *= self.scale
        shown = [self._scaled(v) for v in (self._ticks or [value])]
        digits = _tick_decimals(shown)
        if self.unit == "percent":
            return _fixed(100 * value, digits) + "%"
        if self.unit == "points":
            return _fixed(100 * value, digits, signed=True)
        if self.unit == "money":
            return money(value, self.lang, self.currency, digits)
        if self.unit == "ratio":
            return _fixed(value, digits) + "×"
        if self.unit == "count":
            return _fixed(value, digits)
        return _fixed(value, digits)

    def format_data_short(self, value) -> str:  # the interactive cursor read-out
        return self(value)


def axis_formatter(unit: str, lang: str = "en", *, currency: str = "CNY", scale: float = 1.0) -> UnitFormatter:
    """A matplotlib Formatter for an axis in ``unit`` (see :class:`UnitFormatter`); ``scale`` multiplies the
    plotted values first (``scale=0.01`` for rates plotted in percent, 0–100)::

        ax.yaxis.set_major_formatter(axis_formatter("percent", lang))
    """
    return UnitFormatter(unit, lang, currency=currency, scale=scale)


# --------------------------------------------------------------------------- values in csm.kpi units
#: Decimals shown per unit of :mod:`csm.kpi` results.
KPI_DECIMALS = {"score (1–5)": 2, "%": 1, "percentage points": 1, "points": 1, "minutes": 1, "hours": 1,
                "tickets": 0, "business minutes": 1, "business hours": 1, "days": 1}
#: Minutes per unit of the :mod:`csm.kpi` duration units.
MINUTES_PER = {"minutes": 1, "hours": 60, "days": 1440, "business minutes": 1, "business hours": 60}
#: What follows a score: CSAT on its 1–5 scale, NPS points.
SCORE_UNITS = {"score (1–5)": {"en": " / 5", "zh": " / 5"}, "points": {"en": " points", "zh": "分"}}
#: Short unit words of :mod:`csm.kpi` time units in sentences and tables (``%`` is attached by format_number;
#: scores, NPS points and ticket counts are shown as bare numbers, their KPI name says what they count).
_SHORT_UNITS = {"minutes": {"en": "min", "zh": "分钟"}, "hours": {"en": "h", "zh": "小时"},
                "business minutes": {"en": "business min", "zh": "工作分钟"},
                "business hours": {"en": "business h", "zh": "工作小时"}, "days": {"en": "d", "zh": "天"}}
#: Long calendar durations are shown a second time in a larger unit: (from, divisor, unit). 1,070.9 min reads
#: better as "1,070.9 min (17.8 h)"; business-clock units are not converted (a business day is not 24 h).
_ALSO_IN = {"minutes": (120, 60, "hours"), "hours": (48, 24, "days")}


def is_missing(x) -> bool:
    """Whether ``x`` is a missing value: None, NaN, ``pd.NA`` or ``pd.NaT``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return True
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover
        return False
    return x is pd.NA or x is pd.NaT


def format_number(value, unit: str = "", lang: str = "en", *, signed: bool = False,
                  decimals: int | None = None) -> str:
    """``value`` rounded for its unit (``%`` values are already in percent), with the unit where short;
    ``decimals`` overrides the unit's usual number of decimals. Missing values show as ``"–"``."""
    if is_missing(value):
        return "–"
    decimals = KPI_DECIMALS.get(unit, 2) if decimals is None else decimals
    text = f"{value:+,.{decimals}f}" if signed else f"{value:,.{decimals}f}"
    if text in ("-0", "+0") or text.strip("+-0.,") == "":
        text = text.replace("-", "").replace("+", "") if not signed else "±" + text[1:]
    if unit == "%":
        return text + "%"
    if unit == "percentage points":
        return text + (" pp" if lang == "en" else " 个百分点")
    return text


def format_interval(low, high, unit: str = "", lang: str = "en", *, decimals: int | None = None,
                    brackets: str = "[, ]") -> str:
    """``[low, high]`` formatted like :func:`format_number`; ``brackets="(–)"`` gives ``(low–high)``.
    Empty when a bound is missing."""
    if is_missing(low) or is_missing(high):
        return ""
    left, sep, right = (brackets[0], brackets[1:-1], brackets[-1])
    return (f"{left}{format_number(low, unit, lang, decimals=decimals)}{sep}"
            f"{format_number(high, unit, lang, decimals=decimals)}{right}")


def unit_suffix(value, unit: str, lang: str = "en", *, convert: bool = True) -> str:
    """What follows a number of ``unit`` in a sentence: ``" min"``, ``" min (17.8 h)"`` (from 120 min on;
    hours from 48 h on also in days), ``"小时"`` …; empty for units shown bare (``%`` is part of the number)."""
    short = _SHORT_UNITS.get(unit)
    if short is None:
        return ""
    text = " " + short[lang]
    also = _ALSO_IN.get(unit) if convert else None
    if also and not is_missing(value) and math.isfinite(value) and abs(value) >= also[0]:
        other = format_number(value / also[1], also[2], lang)
        text += f" ({other} {_SHORT_UNITS[also[2]]['en']})" if lang == "en" else \
            f"（{other} {_SHORT_UNITS[also[2]]['zh']}）"
    return text


def format_quantity(value, unit: str = "", lang: str = "en", *, low=None, high=None, signed: bool = False) -> str:
    """A KPI value for a reader, with its unit (a :mod:`csm.kpi` unit: ``"minutes"``, ``"%"`` in percent,
    ``"tickets"`` …): ``"8.7 min"``, ``"17.8 h [16.7, 19.2]"`` (with ``low``/``high``, the interval in the
    value's unit), ``"72.3% [70.1%, 74.4%]"``; ``"—"`` when missing."""
    text, interval = quantity_parts(value, unit, lang, low=low, high=high, signed=signed)
    return f"{text} {interval}".strip()


def kpi_value(value, unit: str, lang: str, *, signed: bool = False, duration_unit: str | None = None) -> str:
    """One value of a :mod:`csm.kpi` unit (``"%"`` in percent, ``"minutes"``, ``"score (1–5)"`` …) formatted
    by the functions above; ``duration_unit`` ("min", "h", "days") fixes the unit of a duration."""
    if unit == "%":
        return percent(None if is_missing(value) else value / 100, lang, signed=signed)
    if unit == "percentage points":
        return points(None if is_missing(value) else value / 100, lang)
    if unit in MINUTES_PER:
        minutes = None if is_missing(value) else value * MINUTES_PER[unit]
        return duration(minutes, lang, unit=duration_unit, signed=signed, business=unit.startswith("business"))
    if unit == "tickets":
        return count(value, lang)
    text = number(value, lang, KPI_DECIMALS.get(unit, 2), signed=signed)
    if text != MISSING and unit in SCORE_UNITS:  # "3.87 / 5", "0.3 points" / "0.3分"
        text += SCORE_UNITS[unit][lang]
    return text


def quantity_parts(value, unit: str, lang: str, *, low=None, high=None, signed: bool = False) -> tuple[str, str]:
    """(value with unit, interval) of :func:`format_quantity`, for templates with ``{value} {interval}``; the
    interval's bounds are shown in the unit the value is shown in."""
    same = None
    if unit in MINUTES_PER and not is_missing(value):
        same = duration_unit(value * MINUTES_PER[unit])
        if unit.startswith("business") and same == "days":
            same = "h"
    text = kpi_value(value, unit, lang, signed=signed, duration_unit=same)
    interval = ""
    if text != MISSING and not is_missing(low) and not is_missing(high):
        if same is not None:  # bounds in the value's unit, which is said once: "17.8 h [16.7, 19.2]"
            per = MINUTES_PER[unit] / {"min": 1, "h": 60, "days": 1440}[same]
            interval = f"[{number(low * per, lang)}, {number(high * per, lang)}]"
        elif unit in SCORE_UNITS:  # "3.87 / 5 [3.81, 3.93]": the scale is said once
            digits = KPI_DECIMALS.get(unit, 2)
            interval = f"[{number(low, lang, digits)}, {number(high, lang, digits)}]"
        else:
            interval = f"[{kpi_value(low, unit, lang)}, {kpi_value(high, unit, lang)}]"
    return text, interval


def format_share(fraction, lang: str = "en", *, signed: bool = False) -> str:
    """A fraction (0.123) as a percentage with one decimal (``"12.3%"``); ``"–"`` when missing or infinite."""
    if is_missing(fraction) or not math.isfinite(fraction):
        return "–"
    return format_number(100 * fraction, "%", lang, signed=signed)


def format_p_value(p, *, prefix: bool = False, lang: str = "en") -> str:
    """A p-value for a reader (:func:`p_value`): ``"< 0.001"`` below 0.001, else three decimals (``"0.042"``),
    ``"—"`` when missing; with ``prefix`` for sentences: ``"p < 0.001"``, ``"p = 0.042"``."""
    return p_value(p, lang, prefix=prefix)


def n_days(n: int, lang: str) -> str:
    """A number of days as a sentence says it: "1 day", "3 days", "1,200 days" / "3 天"."""
    shown = count(int(n), lang)
    if lang == "zh":
        return f"{shown} 天"
    return f"{shown} day" if int(n) == 1 else f"{shown} days"
