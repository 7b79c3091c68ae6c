"""Schedule arithmetic against a deliberately simple reference (hypothesis).

The reference walks time a minute at a time and reads each minute straight
from SPEC section 8: a local time becomes an instant as the first instant the
zone's clock shows it or later, so an instant is open when the latest time the
clock has shown so far lies in an interval of the day it starts on (or of the
day before, for one running past midnight) and that day is not closed. It
knows nothing of weeks, caches, joined intervals or searches for the instant
a clock jumps. Every schedule, zone and time is on whole minutes, where every
clock change of these zones in these years falls too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from helpers import ruleset_from
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playbook.compiler.schedules import Schedule
from playbook.language.hours import WEEKDAYS

MINUTE = 60_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ZONES = [
    "Europe/London",
    "America/New_York",
    "Europe/Berlin",
    "Australia/Lord_Howe",  # moves its clock by half an hour
    "America/Santiago",  # changes at midnight, so a day starts twice or not at all
    "Pacific/Apia",  # skipped the whole of 30 December 2011
    "Asia/Kathmandu",
    "America/St_Johns",
    "Africa/Casablanca",  # changes twice more around Ramadan
    "UTC",
]
FIRST_YEAR, LAST_YEAR = 2010, 2028
# The reference walks at most this far for one deadline.
MAX_WALK = 60 * 24 * 45


@cache
def changes(zone: str) -> tuple[tuple[int, int], ...]:
    """The zone's clock changes in the years tested: the minute (since the epoch) of each, and
    the minute of the day its clock showed when it changed (01:00 for London's in March)."""
    tz = ZoneInfo(zone)
    found = []
    day = datetime(FIRST_YEAR, 1, 1, 12, tzinfo=UTC)
    before = day.astimezone(tz).utcoffset()
    while day.year <= LAST_YEAR:
        day += timedelta(days=1)
        offset = day.astimezone(tz).utcoffset()
        if offset != before:
            low = int((day - EPOCH).total_seconds()) // 60 - 24 * 60  # the offset of `before`
            high = low + 24 * 60  # the new offset
            while high - low > 1:
                middle = (low + high) // 2
                if local(middle, tz) - (EPOCH + timedelta(minutes=middle)).replace(tzinfo=None) == before:
                    low = middle
                else:
                    high = middle
            shown = local(low, tz) + timedelta(minutes=1)
            found.append((high, shown.hour * 60 + shown.minute))
            before = offset
    return tuple(found)


# --- the reference ------------------------------------------------------------------------------


def local(minute: int, tz: ZoneInfo) -> datetime:
    return (EPOCH + timedelta(minutes=minute)).astimezone(tz).replace(tzinfo=None)


def open_at(shown: datetime, week: list[list[tuple[int, int]]], closed: set[date]) -> bool:
    """Whether the local time `shown` lies in an interval of the day it starts on, its own date not closed."""
    if shown.date() in closed:
        return False
    for owner in (shown.date(), shown.date() - timedelta(days=1)):
        midnight = datetime.combine(owner, datetime.min.time())
        for opens, closes in week[owner.weekday()]:
            if midnight + timedelta(minutes=opens) <= shown < midnight + timedelta(minutes=closes):
                return True
    return False


def reference_deadline(
    week: list[list[tuple[int, int]]], zone: str, closed: set[date], item: int, amount: int
) -> int | None:
    """Walking minute by minute from `item`, the minute at which `amount` minutes of open time have passed."""
    tz = ZoneInfo(zone)
    shown = max(local(m, tz) for m in range(item - 26 * 60, item + 1))
    minute, counted = item, 0
    while minute < item + MAX_WALK:
        shown = max(shown, local(minute, tz))
        if open_at(shown, week, closed):
            counted += 1
        minute += 1
        if counted == amount:
            return minute
    return None


def reference_open(week: list[list[tuple[int, int]]], zone: str, closed: set[date], at: int) -> bool:
    tz = ZoneInfo(zone)
    shown = max(local(m, tz) for m in range(at - 26 * 60, at + 1))
    return open_at(shown, week, closed)


# --- random schedules ----------------------------------------------------------------------------


@st.composite
def hours(draw: st.DrawFn, change: int | None) -> tuple[str, list[int], int, int]:
    """One `DAYS HH:MM-HH:MM`: its text, its weekdays, its start and end in minutes; with
    `change` (a minute of the day at which the clock changes), ends often near that minute."""
    kind = draw(st.sampled_from(["day", "range", "weekdays", "weekends", "daily"]))
    if kind == "day":
        first = draw(st.integers(0, 6))
        text, days = WEEKDAYS[first], [first]
    elif kind == "range":
        first, last = draw(st.integers(0, 6)), draw(st.integers(0, 6))
        text = f"{WEEKDAYS[first]}-{WEEKDAYS[last]}"
        days = [(first + i) % 7 for i in range((last - first) % 7 + 1)]
    else:
        text = kind
        days = {"weekdays": [0, 1, 2, 3, 4], "weekends": [5, 6], "daily": list(range(7))}[kind]
    step = draw(st.sampled_from([1, 15, 30, 60]))
    start = draw(st.integers(0, 24 * 60 // step - 1)) * step
    end = draw(st.integers(1, 24 * 60 // step).filter(lambda e: e * step != start)) * step
    if change is not None and draw(st.booleans()):
        start = (change + draw(st.integers(-90, 90))) % (24 * 60)
    if change is not None and draw(st.booleans()):
        end = (change + draw(st.integers(-90, 90))) % (24 * 60) or 24 * 60
    if end == start:
        end = (start + step) % (24 * 60) or 24 * 60
    return f"{text} {start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}", days, start, end


@st.composite
def cases(draw: st.DrawFn) -> tuple[Schedule, list[list[tuple[int, int]]], str, set[date], int]:
    """A random schedule (compiled through the checker), its week for the reference, its zone,
    its closed dates, and a time: anywhere, or within days of one of the zone's clock changes."""
    zone = draw(st.sampled_from(ZONES))
    near = changes(zone)
    change = draw(st.sampled_from(near)) if near and draw(st.booleans()) else None
    written = draw(st.lists(hours(change[1] if change else None), min_size=1, max_size=4))
    if change is not None:
        item = change[0] + draw(st.integers(-3 * 1440, 2 * 1440))
    else:
        first = int((datetime(FIRST_YEAR, 1, 1, tzinfo=UTC) - EPOCH).total_seconds()) // 60
        item = draw(st.integers(first, first + (LAST_YEAR - FIRST_YEAR) * 525_600))
    day = (EPOCH + timedelta(minutes=item)).date()
    closed = set(draw(st.lists(st.integers(-2, 12).map(lambda n: day + timedelta(days=n)), max_size=4)))
    text = ", ".join(h[0] for h in written)
    if closed:
        text += " closed " + ", ".join(f'"{d.isoformat()}"' for d in sorted(closed))
    text = text.replace(" closed", f' in "{zone}" closed', 1) if closed else f'{text} in "{zone}"'
    schedule = ruleset_from(f'schedule s = {text}\nwhen mention and during s then tag "open"\n').schedules[
        "s"
    ]
    week: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for _, days, start, end in written:
        for weekday in days:
            week[weekday].append((start, end if end > start else end + 24 * 60))
    return schedule, week, zone, closed, item


PROPERTIES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTIES
@given(cases(), st.integers(1, 36 * 60))
def test_deadlines_agree_with_the_minute_by_minute_reference(
    case: tuple[Schedule, list[list[tuple[int, int]]], str, set[date], int], amount: int
) -> None:
    schedule, week, zone, closed, item = case
    weekly = sum(end - start for day in week for start, end in day)
    amount = min(amount, max(1, weekly * 2))
    expected = reference_deadline(week, zone, closed, item, amount)
    if expected is None:  # too sparse a schedule to walk; the arithmetic is checked elsewhere
        return
    got = schedule.add_open_time(item * MINUTE, amount * MINUTE)
    assert got == expected * MINUTE
    assert schedule.open_time_between(item * MINUTE, got) == amount * MINUTE


@PROPERTIES
@given(cases(), st.lists(st.integers(-3 * 1440, 10 * 1440), min_size=1, max_size=20))
def test_open_instants_agree_with_the_reference(
    case: tuple[Schedule, list[list[tuple[int, int]]], str, set[date], int], offsets: list[int]
) -> None:
    schedule, week, zone, closed, item = case
    for offset in offsets:
        at = item + offset
        assert schedule.is_open(at * MINUTE) == reference_open(week, zone, closed, at), at
