"""Schedules compiled (SPEC section 8): which instants are open time, and when a
given amount of open time has passed.

A schedule's hours are a weekly template of local intervals, each belonging
to the day it starts on. Open time is worked out a week at a time, in
instants: every interval of every day of the week, less the local dates that
are closed (the part of a night past midnight is closed by the date it runs
into, SPEC section 8: an instant is open when its local date is not closed),
its ends turned into instants by the zone's rules, then joined where they
overlap or touch. A local time a clock change skips becomes the instant the
clock jumps, and a local time that happens twice its first occurrence: in one
rule, the first instant at which the zone's clock shows that time or later. So
an interval lasts its real length on the day the clocks change.

Each week keeps its intervals with the open time accumulated to the end of
each, so finding a deadline is a search within a week and one subtraction per
week passed, closed weeks included: two weeks of holidays cost about what one
day does. The weeks are kept in a bounded cache per schedule.

Weeks from the second of the year 1 to the last whole ones of the year 9999
follow the schedule; before and after them, every instant is open time.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from playbook.language import nodes
from playbook.language.calendars import holiday_calendar, holidays_in, zone
from playbook.language.hours import MINUTES_PER_DAY, clock, closed_date, days

# How many weeks (about five years) and years of holidays each schedule keeps worked out.
WEEKS_KEPT = 256
YEARS_KEPT = 16

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_MICRO = timedelta(microseconds=1)
_SECOND = 1_000_000
_WEEK = timedelta(days=7)
# The weeks that follow the schedule: from the first Monday after 0001-01-01 (a
# Monday) to the last Monday whose week, and the night after it, end by 9999-12-31.
FIRST_MONDAY = date(1, 1, 8)
_LATEST = date(9999, 12, 31) - timedelta(days=9)
LAST_MONDAY = _LATEST - timedelta(days=_LATEST.weekday())
_FOREVER = 1 << 62

K = TypeVar("K")
V = TypeVar("V")


class _Cache(Generic[K, V]):
    """The `size` values asked for last, each made once by `make`; safe to share between threads."""

    def __init__(self, make: Callable[[K], V], size: int) -> None:
        self._make = make
        self._size = size
        self._kept: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, key: K) -> V:
        kept = self._kept
        value = kept.get(key)
        if value is not None:
            try:
                kept.move_to_end(key)
            except KeyError:  # dropped by another thread meanwhile: it was used, it stays made
                pass
            return value
        value = self._make(key)
        with self._lock:
            kept[key] = value
            while len(kept) > self._size:
                kept.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._kept)


@dataclass(frozen=True, slots=True)
class _Week:
    """The open time of the instants `[start, end)`: the local week from `monday`.

    `starts` and `ends` are its open intervals in order, joined where they
    touch; `done[i]` is the open time from `start` to `ends[i]`.
    """

    monday: date
    start: int
    end: int
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    done: tuple[int, ...]

    @property
    def total(self) -> int:
        return self.done[-1] if self.done else 0

    def open_before(self, t: int) -> int:
        """The open time from `start` to `t` (within the week)."""
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            return 0
        return (self.done[i - 1] if i else 0) + min(t, self.ends[i]) - self.starts[i]

    def passed(self, amount: int) -> int:
        """The instant at which `amount` (more than 0, at most `total`) of open time has passed
        since `start`."""
        j = bisect_left(self.done, amount)
        return self.ends[j] - (self.done[j] - amount)


class Schedule:
    """A schedule's open time: `is_open(t)`, `add_open_time(t, d)` and
    `open_time_between(a, b)`, over instants in microseconds since the epoch (UTC).

    `week` holds, for each weekday (Monday first), its intervals in minutes
    after the local midnight of the day they start on (an interval past
    midnight ends after 1440). A date is closed when it is in `dates` or
    among the public holidays of one of `holidays` (country, subdivision).
    """

    def __init__(
        self,
        name: str,
        zone: ZoneInfo,
        week: tuple[tuple[tuple[int, int], ...], ...],
        dates: frozenset[date] = frozenset(),
        holidays: tuple[tuple[str, str | None], ...] = (),
    ) -> None:
        self.name = name
        self.zone = zone
        self.week = week
        self.dates = dates
        self.holidays = holidays
        self._weeks: _Cache[date, _Week] = _Cache(self._work_out, WEEKS_KEPT)
        self._closed_in: _Cache[int, frozenset[date]] = _Cache(self._closed_in_year, YEARS_KEPT)
        # Events come in time order, so most questions are about the week asked about last.
        self._last: _Week | None = None

    def __repr__(self) -> str:
        return f"Schedule({self.name!r}, {self.zone.key!r})"

    # --- what is asked ---

    def is_open(self, t: int) -> bool:
        """Whether the instant `t` is open time (an interval holds its start, not its end)."""
        week = self._week_of(t)
        i = bisect_right(week.starts, t) - 1
        return i >= 0 and t < week.ends[i]

    def add_open_time(self, t: int, d: int) -> int:
        """The instant at which `d` of open time has passed since `t`; from `t`
        outside open time, the count starts at the next opening."""
        if d <= 0:
            return t
        week = self._week_of(t)
        amount = week.open_before(t) + d
        while amount > week.total:
            amount -= week.total
            week = self._next(week)
        return week.passed(amount)

    def open_time_between(self, a: int, b: int) -> int:
        """The open time in `[a, b)`."""
        total = 0
        week = self._week_of(a)
        while a < b:
            until = min(b, week.end)
            total += week.open_before(until) - week.open_before(a)
            a = until
            week = self._next(week)
        return total

    # --- weeks ---

    def _week_of(self, t: int) -> _Week:
        last = self._last
        if last is not None and last.start <= t < last.end:
            return last
        week = self._find(t)
        self._last = week
        return week

    def _find(self, t: int) -> _Week:
        local = (_EPOCH + t * _MICRO).astimezone(self.zone).date() if _in_range(t) else None
        if local is None:
            monday = FIRST_MONDAY - _WEEK if t < _FIRST_SAFE else LAST_MONDAY + _WEEK
        else:
            monday = local - timedelta(days=local.weekday())
        week = self._week(monday)
        # A clock turned back across midnight shows the days before the week's start after it.
        while t < week.start:
            week = self._week(week.monday - _WEEK)
        while t >= week.end:
            week = self._next(week)
        return week

    def _next(self, week: _Week) -> _Week:
        monday = week.monday + _WEEK
        return self._weeks(monday) if FIRST_MONDAY <= monday <= LAST_MONDAY else self._week(monday)

    def _week(self, monday: date) -> _Week:
        if monday < FIRST_MONDAY:
            end = self._instant(datetime.combine(FIRST_MONDAY, datetime.min.time()))
            return _Week(FIRST_MONDAY - _WEEK, -_FOREVER, end, (-_FOREVER,), (end,), (end + _FOREVER,))
        if monday > LAST_MONDAY:
            start = self._instant(datetime.combine(LAST_MONDAY + _WEEK, datetime.min.time()))
            return _Week(LAST_MONDAY + _WEEK, start, _FOREVER, (start,), (_FOREVER,), (_FOREVER - start,))
        return self._weeks(monday)

    def _work_out(self, monday: date) -> _Week:
        """The open intervals of the week from `monday`: of the days from the Sunday
        before (whose night may reach into the week) to the week's last."""
        midnight = datetime.combine(monday, datetime.min.time())
        start, end = self._instant(midnight), self._instant(midnight + _WEEK)
        spans: list[tuple[int, int]] = []
        for offset in range(-1, 7):
            day = midnight + timedelta(days=offset)
            for opens, closes in self.week[day.weekday()]:
                # A closed date closes its own local hours, those of a night begun the day before too.
                for part_opens, part_closes, date_of_part in (
                    (opens, min(closes, MINUTES_PER_DAY), day),
                    (MINUTES_PER_DAY, closes, day + timedelta(days=1)),
                ):
                    if part_opens >= part_closes or self._closed(date_of_part.date()):
                        continue
                    a = max(start, self._instant(day + timedelta(minutes=part_opens)))
                    b = min(end, self._instant(day + timedelta(minutes=part_closes)))
                    if a < b:
                        spans.append((a, b))
        starts: list[int] = []
        ends: list[int] = []
        for a, b in sorted(spans):
            if ends and a <= ends[-1]:
                ends[-1] = max(ends[-1], b)
            else:
                starts.append(a)
                ends.append(b)
        done: list[int] = []
        total = 0
        for a, b in zip(starts, ends):
            total += b - a
            done.append(total)
        return _Week(monday, start, end, tuple(starts), tuple(ends), tuple(done))

    def _closed(self, day: date) -> bool:
        return day in self.dates or (bool(self.holidays) and day in self._closed_in(day.year))

    def _closed_in_year(self, year: int) -> frozenset[date]:
        return frozenset().union(*(holidays_in(country, sub, year) for country, sub in self.holidays))

    def _instant(self, local: datetime) -> int:
        """The instant of the naive local time `local`: the first at which the zone's
        clock shows `local` or later."""
        first, second = local.replace(tzinfo=self.zone), local.replace(tzinfo=self.zone, fold=1)
        before, after = first.utcoffset(), second.utcoffset()
        assert before is not None and after is not None
        wall = (local - _NAIVE_EPOCH) // _MICRO
        if before >= after:  # an ordinary time, or the first of two
            return wall - before // _MICRO
        # Skipped: the clock jumped at an instant in (wall - after, wall - before].
        low, high = (wall - after // _MICRO) // _SECOND, (wall - before // _MICRO) // _SECOND
        while high - low > 1:
            middle = (low + high) // 2
            shown = (_EPOCH + timedelta(seconds=middle)).astimezone(self.zone).replace(tzinfo=None)
            if shown >= local:
                high = middle
            else:
                low = middle
        return high * _SECOND


def _in_range(t: int) -> bool:
    """Whether `t` lies well inside the years 1 to 9999, where local dates can be told."""
    return _FIRST_SAFE <= t <= _LAST_SAFE


_FIRST_SAFE = (datetime(1, 1, 3, tzinfo=UTC) - _EPOCH) // _MICRO
_LAST_SAFE = (datetime(9999, 12, 29, tzinfo=UTC) - _EPOCH) // _MICRO


def compile_schedule(schedule: nodes.Schedule) -> Schedule:
    """The compiled form of a checked schedule."""
    week: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for hours in schedule.hours:
        opens = clock(hours.start.text, ends=False)
        closes = clock(hours.end.text, ends=True)
        if closes <= opens:
            closes += MINUTES_PER_DAY
        last = hours.days.last.name if hours.days.last else None
        for day in days(hours.days.first.name, last):
            week[day].append((opens, closes))
    assert schedule.zone is not None
    closed = [day for day in schedule.closed if not day.holidays]
    calendars = [day for day in schedule.closed if day.holidays]
    return Schedule(
        schedule.name.name,
        zone(str(schedule.zone.value)),
        tuple(_joined(intervals) for intervals in week),
        frozenset(closed_date(str(day.value.value)) for day in closed),
        tuple(dict.fromkeys(holiday_calendar(str(day.value.value)) for day in calendars)),
    )


def _joined(intervals: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Intervals of one day in order, those that overlap or touch joined."""
    joined: list[tuple[int, int]] = []
    for opens, closes in sorted(intervals):
        if joined and opens <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], closes))
        else:
            joined.append((opens, closes))
    return tuple(joined)
