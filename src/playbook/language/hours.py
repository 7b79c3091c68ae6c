"""Opening hours as written in a `schedule` (SPEC section 8): days, times of day, dates.

Each reader takes the words as written and gives their value, or raises
`ValueError` with a sentence a manager understands and, where one helps, a
hint: the checker reports them, and the compiler reads only what the checker
let through.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

# Monday is 0, as `date.weekday()` counts.
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_GROUPS = {"weekdays": (0, 1, 2, 3, 4), "weekends": (5, 6), "daily": (0, 1, 2, 3, 4, 5, 6)}
DAY_WORDS = WEEKDAYS + tuple(DAY_GROUPS)
FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

MINUTES_PER_DAY = 24 * 60
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_CODE = re.compile(r"[A-Za-z]{2,3}(?:-\w+)?")


class HoursError(ValueError):
    """What is wrong with a word of opening hours, and a hint on what to do."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def weekday(word: str) -> int:
    """The weekday a word names (`mon` → 0); HoursError if it names none."""
    if word in WEEKDAYS:
        return WEEKDAYS.index(word)
    raise HoursError(f"unknown day '{word}'", _day_hint(word))


def range_end(word: str) -> int:
    """The weekday that begins or ends a range such as `mon-fri`; HoursError if `word` names none."""
    if word in DAY_GROUPS:
        raise HoursError(
            f"'{word}' cannot be one end of a range", "a range goes from one day to another, as in mon-fri"
        )
    return weekday(word)


def days(first: str, last: str | None) -> tuple[int, ...]:
    """The weekdays of `first` alone, or of the range `first-last` (which may wrap:
    `fri-mon` is Friday to Monday); HoursError when a word names no day."""
    if last is None:
        if first in DAY_GROUPS:
            return DAY_GROUPS[first]
        return (weekday(first),)
    start, end = range_end(first), range_end(last)
    return tuple((start + i) % 7 for i in range((end - start) % 7 + 1))


def _day_hint(word: str) -> str:
    lower = word.lower()
    if lower in DAY_WORDS:
        return f"days are written in lowercase: {lower}"
    for short, full in zip(WEEKDAYS, FULL_DAY_NAMES):
        if len(lower) >= 3 and full.startswith(lower):
            return f"write days with three letters: {short}"
    return "write a day as mon, tue, wed, thu, fri, sat or sun, or weekdays, weekends or daily"


def clock(text: str, ends: bool) -> int:
    """Minutes after midnight of a time of day `H:MM` or `HH:MM`; `24:00` only when it
    `ends` an interval. HoursError for anything else."""
    match = _CLOCK.fullmatch(text)
    if match is None:
        return _clock_shape(text)
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59:
        raise HoursError(f"'{text}' is not a time: minutes go from 00 to 59")
    if hours == 24 and minutes == 0:
        if not ends:
            raise HoursError("24:00 can only end an interval", "the day starts at 00:00")
        return MINUTES_PER_DAY
    if hours > 23:
        raise HoursError(f"'{text}' is not a time: hours go from 00 to 23", "24:00 may end an interval")
    return hours * 60 + minutes


def _clock_shape(text: str) -> int:
    hours, _, minutes = text.partition(":")
    example = f"{int(hours):02d}:{int(minutes):02d}" if hours.isdigit() and minutes.isdigit() else "09:30"
    raise HoursError(f"'{text}' is not a time: write hours and minutes as H:MM or HH:MM", f"as in {example}")


def closed_date(text: str) -> date:
    """The date `YYYY-MM-DD`; HoursError if the text is not one or no such day exists."""
    match = _DATE.fullmatch(text)
    if match is None:
        if _CODE.fullmatch(text):
            hint = f'for the public holidays of a country, write holidays "{text}"'
        else:
            hint = 'as in "2026-12-24"'
        raise HoursError(f"'{text}' is not a date: write it as YYYY-MM-DD", hint)
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        raise HoursError(f"'{text}' is not a date: there is no month {month}")
    if year < 1:
        raise HoursError(f"'{text}' is not a date: the years start at 0001")
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    length = (following - timedelta(days=1)).day
    if not 1 <= day <= length:
        raise HoursError(f"'{text}' is not a date: {MONTHS[month - 1]} {year} has {length} days")
    return date(year, month, day)
