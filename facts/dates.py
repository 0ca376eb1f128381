"""Dates as intervals: "2019-06" is all of June 2019, "spring 2018" is March to May.

A claim is true *as of* a date, and a source may be undated: both are intervals ``[lo, hi]`` of days.
An exact day is the interval of one day.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

_SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11)}
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}


@dataclass(frozen=True)
class DateInterval:
    lo: dt.date
    hi: dt.date
    reason: str | None = None

    @property
    def exact(self) -> bool:
        return self.lo == self.hi

    def __str__(self) -> str:
        if self.exact:
            return self.lo.isoformat()
        first, last = _month_bounds(self.lo.year, self.lo.month)
        if (self.lo, self.hi) == (first, last):
            return self.lo.strftime("%Y-%m")
        return f"{self.lo.isoformat()}..{self.hi.isoformat()}"


def _month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def parse_date(value: Any) -> DateInterval:
    """Read a date, a month, a year, a season, or ``{from, to, reason}`` into an interval.

    Raises ``ValueError`` saying what was expected.
    """
    if isinstance(value, DateInterval):
        return value
    if isinstance(value, dt.datetime):
        return DateInterval(value.date(), value.date())
    if isinstance(value, dt.date):
        return DateInterval(value, value)
    if isinstance(value, dict):
        unknown = set(value) - {"from", "to", "reason"}
        if unknown or "from" not in value or "to" not in value:
            raise ValueError(f"expected {{from: DATE, to: DATE, reason: TEXT}}, found keys {sorted(map(str, value))}")
        lo, hi = parse_date(value["from"]).lo, parse_date(value["to"]).hi
        if hi < lo:
            raise ValueError(f"'to' ({hi}) is before 'from' ({lo})")
        reason = value.get("reason")
        return DateInterval(lo, hi, None if reason is None else str(reason))
    if isinstance(value, int) and 1000 <= value <= 9999:
        return DateInterval(dt.date(value, 1, 1), dt.date(value, 12, 31))
    if not isinstance(value, str):
        raise ValueError(f"expected a date such as 2021-03-23, 2021-03 or 2021, found {value!r}")
    text = value.strip().lower()
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text):
            day = dt.date(*map(int, m.groups()))
            return DateInterval(day, day)
        if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            return DateInterval(*_month_bounds(int(m[1]), int(m[2])))
        if m := re.fullmatch(r"(\d{4})", text):
            return DateInterval(dt.date(int(m[1]), 1, 1), dt.date(int(m[1]), 12, 31))
        if m := re.fullmatch(r"([a-z]+) (\d{4})", text):
            word, year = m[1], int(m[2])
            if word in _SEASONS:
                first, last = _SEASONS[word]
                return DateInterval(_month_bounds(year, first)[0], _month_bounds(year, last)[1])
            if word in _MONTHS:
                return DateInterval(*_month_bounds(year, _MONTHS[word]))
    except ValueError as err:  # e.g. month 13
        raise ValueError(f"expected a real date, found {value!r} ({err})") from None
    raise ValueError(f"expected a date such as 2021-03-23, 2021-03, 2021 or 'spring 2018', found {value!r}")
