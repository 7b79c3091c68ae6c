"""Schedules (SPEC section 8): their days, times, zone and closed days, and the
names `during` refers to.

`check_schedule` reports everything wrong with one schedule at once: a day or
a time that is not one, an interval that ends where it starts, a schedule
never open in a week, a missing or unknown time zone, a date that does not
exist, a holiday country or subdivision the holidays package does not know.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from playbook.language import nodes
from playbook.language.calendars import holiday_calendar, zone
from playbook.language.check.names import Namespace
from playbook.language.diagnostics import Diagnostic, error
from playbook.language.fields import suggest
from playbook.language.hours import MINUTES_PER_DAY, HoursError, clock, closed_date, days, range_end


def check_schedule(schedule: nodes.Schedule) -> list[Diagnostic]:
    """Every problem of one schedule."""
    problems: list[Diagnostic] = []
    weekly: list[int | None] = [_check_hours(hours, problems) for hours in schedule.hours]
    if None not in weekly and not sum(m for m in weekly if m is not None):
        problems.append(
            error(
                schedule.name.pos,
                f"schedule '{schedule.name.name}' is never open",
                "give it an interval whose end differs from its start",
            )
        )
    if schedule.zone is None:
        first = schedule.hours[0]
        written = f"{_days_text(first.days)} {first.start.text}-{first.end.text}"
        problems.append(
            error(
                schedule.name.pos,
                f"schedule '{schedule.name.name}' has no time zone",
                f'add one after its hours, as in {written} in "Europe/London"',
            )
        )
    else:
        problems.extend(_read(zone, schedule.zone))
    for day in schedule.closed:
        problems.extend(_read(holiday_calendar if day.holidays else closed_date, day.value))
    return problems


def _read(reader: Callable[[str], object], written: nodes.Literal) -> Iterator[Diagnostic]:
    """What `reader` finds wrong with the quoted text `written`."""
    try:
        reader(str(written.value))
    except HoursError as exc:
        yield error(written.pos, exc.message, exc.hint)


def _check_hours(hours: nodes.Hours, problems: list[Diagnostic]) -> int | None:
    """Report what is wrong with `hours`; the minutes it is open in a week, None if unreadable."""
    found = len(problems)
    first, last = hours.days.first, hours.days.last
    weekdays: tuple[int, ...] = ()
    if last is None:
        try:
            weekdays = days(first.name, None)
        except HoursError as exc:
            problems.append(error(first.pos, exc.message, exc.hint))
    else:
        for word in (first, last):
            try:
                range_end(word.name)
            except HoursError as exc:
                problems.append(error(word.pos, exc.message, exc.hint))
        if len(problems) == found:
            weekdays = days(first.name, last.name)
    minutes = []
    for written, ends in ((hours.start, False), (hours.end, True)):
        try:
            minutes.append(clock(written.text, ends))
        except HoursError as exc:
            problems.append(error(written.pos, exc.message, exc.hint))
    if len(problems) > found:
        return None
    start, end = minutes
    if start == end:
        problems.append(
            error(
                hours.start.pos,
                f"the interval {hours.start.text}-{hours.end.text} ends where it starts",
                "for the whole day write 00:00-24:00",
            )
        )
        return 0
    length = end - start if end > start else end + MINUTES_PER_DAY - start
    return length * len(weekdays)


def _days_text(written: nodes.Days) -> str:
    return written.first.name + (f"-{written.last.name}" if written.last else "")


def check_schedule_ref(ref: nodes.Name, ns: Namespace, broken: frozenset[str]) -> Iterator[Diagnostic]:
    """`during NAME`: NAME must be a schedule."""
    name = ref.name
    if name in ns.schedules or name in broken:
        return
    if name in ns.defines or name in ns.lists:
        kind = "define" if name in ns.defines else "list"
        yield error(ref.pos, f"'{name}' is a {kind}, not a schedule", "'during' takes a schedule's name")
        return
    near = suggest(name, ns.schedules)
    yield error(
        ref.pos, f"unknown schedule '{name}'", f"did you mean '{near}'?" if near else _declare_hint(name)
    )


def _declare_hint(name: str) -> str:
    return f'declare it with: schedule {name} = mon-fri 09:00-17:30 in "Europe/London"'
