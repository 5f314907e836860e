"""Reporting periods: the `period` and `comparison` parameters every notebook takes.

A period is written as one of

- ``"2026-06"`` — a calendar month; ``"2026-Q2"`` — a quarter; ``"2026"`` — a year;
- ``"2026-06-01..2026-06-30"`` — an explicit inclusive date range;
- ``"latest"`` — the latest *complete* calendar month in the data (for scheduled
  monthly reports; it depends only on the data, so a stored run reproduces).
  ``"latest-quarter"`` likewise for quarters.

A comparison is ``"previous"`` (the period of the same kind just before: the
previous month, quarter, year, or the same number of days before an explicit
range), ``"year_ago"`` (the same period one year earlier), ``None`` (no
comparison) or an explicit period as above.

Periods are half-open internally: ``start <= t < end``.

A period with no data in it is refused (:func:`resolve_periods` with ``data_end`` and, better,
``data_start``): "period 2027-01 has no tickets: the data runs from 2015-04-01 to 2020-03-31; choose
a period inside it or 'latest'" — a report never shows zeros for a month the data does not reach.
The comparison period may lie outside the data (the report then has no comparison values).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from csm.errors import ParameterError

__all__ = ["Period", "check_period_has_data", "check_period_syntax", "parse_period", "resolve_periods",
           "trend_frequency", "trend_start"]

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})\s*(?:\.\.|/|~| to )\s*(\d{4}-\d{1,2}-\d{1,2})$")


@dataclass(frozen=True)
class Period:
    """A half-open time window ``[start, end)`` with its kind (month, quarter, year, range)."""

    start: pd.Timestamp
    end: pd.Timestamp
    kind: str

    @property
    def last_day(self) -> pd.Timestamp:
        """Inclusive last calendar day, for display."""
        return (self.end - pd.Timedelta(days=1)).normalize()

    @property
    def label(self) -> str:
        if self.kind == "month":
            return self.start.strftime("%Y-%m")
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "year":
            return str(self.start.year)
        return f"{self.start:%Y-%m-%d}..{self.last_day:%Y-%m-%d}"

    def contains(self, times: pd.Series) -> pd.Series:
        """Boolean mask of ``start <= t < end`` (missing times are outside)."""
        return (times >= self.start) & (times < self.end)

    def shifted(self, how: str) -> "Period":
        """The comparison period: ``previous`` or ``year_ago``."""
        if how == "year_ago":
            return Period(self.start - pd.DateOffset(years=1), self.end - pd.DateOffset(years=1), self.kind)
        if how != "previous":
            raise ParameterError(f"comparison must be 'previous', 'year_ago', None or a period; got {how!r}")
        if self.kind == "month":
            return Period(self.start - pd.DateOffset(months=1), self.start, "month")
        if self.kind == "quarter":
            return Period(self.start - pd.DateOffset(months=3), self.start, "quarter")
        if self.kind == "year":
            return Period(self.start - pd.DateOffset(years=1), self.start, "year")
        length = self.end - self.start
        return Period(self.start - length, self.start, "range")


def parse_period(spec: str, *, data_end: pd.Timestamp | None = None) -> Period:
    """Parse a period string (see module docstring). ``data_end`` is needed for ``latest``."""
    if not isinstance(spec, str) or not spec.strip():
        raise ParameterError(
            f"period must be a string such as '2026-06', '2026-Q2', '2026', "
            f"'2026-06-01..2026-06-30' or 'latest'; got {spec!r}"
        )
    text = spec.strip()
    if text in ("latest", "latest-month", "latest-quarter"):
        if data_end is None or pd.isna(data_end):
            raise ParameterError(f"period {text!r} needs data to find the latest complete period, and there is none")
        # a month is complete when the data reaches its last day
        last_day = pd.Timestamp(data_end).normalize()
        first_next = (last_day + pd.Timedelta(days=1))
        if text == "latest-quarter":
            q_end = pd.Timestamp(first_next.year, ((first_next.month - 1) // 3) * 3 + 1, 1)
            return Period(q_end - pd.DateOffset(months=3), q_end, "quarter")
        m_end = pd.Timestamp(first_next.year, first_next.month, 1)
        return Period(m_end - pd.DateOffset(months=1), m_end, "month")
    if m := _MONTH.match(text):
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise ParameterError(f"period {spec!r}: month must be 1–12")
        start = pd.Timestamp(year, month, 1)
        return Period(start, start + pd.DateOffset(months=1), "month")
    if m := _QUARTER.match(text):
        start = pd.Timestamp(int(m.group(1)), 3 * (int(m.group(2)) - 1) + 1, 1)
        return Period(start, start + pd.DateOffset(months=3), "quarter")
    if m := _YEAR.match(text):
        start = pd.Timestamp(int(m.group(1)), 1, 1)
        return Period(start, start + pd.DateOffset(years=1), "year")
    if m := _RANGE.match(text):
        try:
            start, last = pd.Timestamp(m.group(1)), pd.Timestamp(m.group(2))
        except ValueError as exc:
            raise ParameterError(f"period {spec!r}: {exc}") from None
        if last < start:
            raise ParameterError(f"period {spec!r}: the end date is before the start date")
        return Period(start, last + pd.Timedelta(days=1), "range")
    raise ParameterError(
        f"period {spec!r} is not understood; write '2026-06' (month), '2026-Q2' (quarter), "
        f"'2026' (year), '2026-06-01..2026-06-30' (inclusive dates) or 'latest'"
    )


def check_period_syntax(spec) -> None:
    """Raise ParameterError unless ``spec`` is a period string this module understands (no data needed)."""
    if isinstance(spec, str) and spec.strip() in ("latest", "latest-month", "latest-quarter"):
        return
    parse_period(spec)


def _day(t) -> str:
    return f"{pd.Timestamp(t):%Y-%m-%d}"


def check_period_has_data(period: Period, *, data_start=None, data_end=None, what: str = "data",
                          spec: str | None = None) -> None:
    """Refuse a reporting period that holds no data: it starts after ``data_end`` or ends before ``data_start``
    (the first and last timestamp of the data). The message gives the data's date range."""
    start = None if data_start is None or pd.isna(data_start) else pd.Timestamp(data_start)
    end = None if data_end is None or pd.isna(data_end) else pd.Timestamp(data_end)
    if start is not None and start.tz is not None:
        start = start.tz_localize(None)
    if end is not None and end.tz is not None:
        end = end.tz_localize(None)
    after = end is not None and period.start > end
    before = start is not None and period.end <= start
    if not (after or before):
        return
    if start is not None and end is not None:
        span = f"the data runs from {_day(start)} to {_day(end)}"
    elif end is not None:
        span = f"the data ends on {_day(end)}"
    else:
        span = f"the data starts on {_day(start)}"
    shown, advice = period.label, "choose a period inside it or 'latest'"
    if spec is not None and spec.strip().startswith("latest"):
        shown = f"'{spec.strip()}' ({period.label}, the latest complete one)"
        advice = "choose a period inside it"
        if start is not None and end is not None:
            advice += f", e.g. '{_day(start)}..{_day(end)}'"
    raise ParameterError(f"period {shown} has no {what}: {span}; {advice} (parameter period).")


def resolve_periods(period: str, comparison: str | None, *, data_end=None, data_start=None,
                    what: str = "data") -> tuple[Period, Period | None]:
    """The reporting period and its comparison period from the notebook parameters.

    ``data_end`` (needed for ``latest``) and ``data_start``: the first and last timestamp of the data the
    report is about (``what``, e.g. "tickets"); a period outside them is refused
    (:func:`check_period_has_data`), so no report shows zeros for a period without data.
    """
    current = parse_period(period, data_end=data_end)
    check_period_has_data(current, data_start=data_start, data_end=data_end, what=what,
                          spec=period if isinstance(period, str) else None)
    if comparison is None or (isinstance(comparison, str) and comparison.strip().lower() in ("", "none", "null")):
        return current, None
    if comparison in ("previous", "year_ago"):
        return current, current.shifted(comparison)
    return current, parse_period(comparison, data_end=data_end)


#: trend granularity that suits a reporting period of each kind
_TREND_FREQ = {"month": "M", "quarter": "Q", "year": "Q", "range": "W"}


def trend_frequency(period: Period, requested: str | None = None) -> str:
    """``requested`` ("W", "M", "Q") or, when None, the granularity that suits the period's kind."""
    if requested is None:
        return _TREND_FREQ[period.kind]
    if requested not in ("W", "M", "Q"):
        raise ParameterError(f"trend_freq must be 'W', 'M', 'Q' or None; got {requested!r}")
    return requested


def trend_start(period: Period, freq: str, n_periods: int) -> pd.Timestamp:
    """Start of a trend of ``n_periods`` periods of ``freq`` that ends with ``period``."""
    if n_periods < 1:
        raise ParameterError(f"trend_periods must be at least 1; got {n_periods!r}")
    step = {"W": pd.DateOffset(weeks=1), "M": pd.DateOffset(months=1), "Q": pd.DateOffset(months=3)}[freq]
    return period.end - n_periods * step
