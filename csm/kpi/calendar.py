"""Business hours: working days, opening hours and holidays, and the clock helpers of :mod:`csm.kpi`.

``BusinessCalendar.business_hours_between`` is vectorised (``numpy.busday_count``); ``to_ns`` reads any
date-times as int64 nanoseconds (``NAT`` for missing), the representation the KPI computation works on.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from csm.errors import DataError, ParameterError

__all__ = ["BusinessCalendar", "holiday_years_missing", "to_ns", "NAT", "NS_SEC", "NS_MIN", "NS_HOUR", "NS_DAY"]

NS_SEC = 10**9
NS_MIN = 60 * NS_SEC
NS_HOUR = 3600 * NS_SEC
NS_DAY = 86400 * NS_SEC
NAT = np.iinfo(np.int64).min


def _parse_clock(text: str, what: str) -> int:
    try:
        parts = [int(p) for p in str(text).split(":")]
        if len(parts) not in (2, 3):
            raise ValueError
        h, m, s = (parts + [0])[:3]
        seconds = h * 3600 + m * 60 + s
        if not (0 <= m < 60 and 0 <= s < 60 and 0 <= seconds <= 86400):
            raise ValueError
    except ValueError:
        raise ParameterError(f"BusinessCalendar {what} must be a clock time like '09:00' (00:00–24:00), "
                             f"got {text!r}") from None
    return seconds * NS_SEC


@dataclass(frozen=True)
class BusinessCalendar:
    """Working days and hours for business-hour durations.

    ``workdays``: weekday numbers (Monday = 0 … Sunday = 6); ``start``/``end``: daily opening
    hours ("HH:MM", ``end`` may be "24:00"; overnight shifts are not supported); ``holidays``:
    dates that are closed all day.
    """

    workdays: tuple = (0, 1, 2, 3, 4)
    start: str = "09:00"
    end: str = "18:00"
    holidays: tuple = field(default=())

    def __post_init__(self):
        days = tuple(sorted({int(d) for d in self.workdays}))
        if not days or any(d < 0 or d > 6 for d in days):
            raise ParameterError(f"BusinessCalendar workdays must be weekday numbers 0 (Mon) … 6 (Sun), "
                                 f"got {self.workdays!r}")
        s, e = _parse_clock(self.start, "start"), _parse_clock(self.end, "end")
        if e <= s:
            raise ParameterError(f"BusinessCalendar end ({self.end}) must be after start ({self.start}); "
                                 "overnight opening hours are not supported")
        try:
            hol = tuple(sorted({pd.Timestamp(h).strftime("%Y-%m-%d") for h in self.holidays}))
        except (ValueError, TypeError):
            raise ParameterError(f"BusinessCalendar holidays must be dates like '2025-10-01', "
                                 f"got {self.holidays!r}") from None
        object.__setattr__(self, "workdays", days)
        object.__setattr__(self, "holidays", hol)
        object.__setattr__(self, "_start_ns", s)
        object.__setattr__(self, "_len_ns", e - s)
        object.__setattr__(self, "_cal", np.busdaycalendar(
            weekmask=[1 if d in days else 0 for d in range(7)],
            holidays=np.array(hol, dtype="datetime64[D]")))

    @property
    def hours_per_day(self) -> float:
        return self._len_ns / NS_HOUR

    def _cumulative(self, t: np.ndarray, epoch: np.datetime64) -> np.ndarray:
        """Business nanoseconds from ``epoch`` (a date) to each time ``t`` (int64 ns, no NaT)."""
        day = t // NS_DAY
        days = day.astype("datetime64[D]")
        tod = t - day * NS_DAY
        count = np.busday_count(epoch, days, busdaycal=self._cal).astype(np.int64)
        open_ = np.is_busday(days, busdaycal=self._cal)
        return count * self._len_ns + open_ * np.clip(tod - self._start_ns, 0, self._len_ns)

    def _hours_ns(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        bad = (start == NAT) | (end == NAT)
        if bad.all():
            return np.full(start.shape, np.nan)
        fill = start[~bad].min()
        s, e = np.where(bad, fill, start), np.where(bad, fill, end)
        epoch = (min(s.min(), e.min()) // NS_DAY).astype("datetime64[D]")
        out = (self._cumulative(e, epoch) - self._cumulative(s, epoch)) / NS_HOUR
        out[bad] = np.nan
        return out

    def day_table(self, first_day: int, last_day: int) -> pd.DataFrame:
        """One row per day ``first_day … last_day`` (days since 1970-01-01), the business clock of the engine:
        ``day``, ``open_s`` (epoch seconds of the opening), ``len_s`` (open seconds, 0 on a closed day) and
        ``cum_s`` (business seconds from the first day to this day's opening). ``B(t) = cum_s + clamp(t − open_s,
        0, len_s)`` for ``t`` on that day; business seconds between two times are ``B(end) − B(start)``, as
        :meth:`business_hours_between` counts them."""
        days = np.arange(first_day, last_day + 1, dtype=np.int64)
        dates = days.astype("datetime64[D]")
        open_ = np.is_busday(dates, busdaycal=self._cal)
        count = np.busday_count(dates[0], dates, busdaycal=self._cal).astype(np.int64)
        len_s = self._len_ns // NS_SEC
        return pd.DataFrame({"day": days, "open_s": (days * 86400 + self._start_ns // NS_SEC).astype(float),
                             "len_s": np.where(open_, len_s, 0).astype(float),
                             "cum_s": (count * len_s).astype(float)})

    def business_hours_between(self, start, end):
        """Business hours between ``start`` and ``end`` (vectorised; NaT gives NaN; negative if end < start).

        ``B(t)`` = open hours from a fixed date to ``t`` = (working days before t's date) × day length
        + (time of day past opening, clipped to the day length, if t's date is a working day);
        the result is ``B(end) − B(start)``. Uses ``numpy.busday_count``; no per-row Python loop.
        Returns a Series (index of ``start``) for Series input, else a float array or a float.
        """
        scalar = np.ndim(start) == 0 and np.ndim(end) == 0
        s = to_ns(pd.Series([start]) if np.ndim(start) == 0 else start)
        e = to_ns(pd.Series([end]) if np.ndim(end) == 0 else end)
        s, e = np.broadcast_arrays(s, e)
        out = self._hours_ns(np.ascontiguousarray(s), np.ascontiguousarray(e))
        if scalar:
            return float(out[0])
        if isinstance(start, pd.Series):
            return pd.Series(out, index=start.index)
        return out


def to_ns(values, where: str = "") -> np.ndarray:
    """Date-times as int64 nanoseconds (NaT = int64 min); any datetime unit, tz dropped to local time."""
    try:
        idx = pd.DatetimeIndex(pd.to_datetime(values) if not isinstance(values, pd.DatetimeIndex) else values)
    except (ValueError, TypeError) as exc:
        raise DataError(f"{where or 'values'}: could not read as date-times ({exc}); expected dates such as "
                        "2025-03-31 or 2025-03-31 14:05") from None
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    return np.asarray(idx.as_unit("ns").asi8, dtype=np.int64)



def holiday_years_missing(holidays, start, end) -> tuple[list[int], list[int]]:
    """(years from ``start`` to ``end`` with no date in ``holidays``, the years the list covers).

    A business-hour clock counts a public holiday as a working day in a year the list does not cover;
    the report says so."""
    covered = sorted({pd.Timestamp(h).year for h in (holidays or [])})
    years = range(pd.Timestamp(start).year, pd.Timestamp(end).year + 1)
    return [y for y in years if y not in covered], covered
