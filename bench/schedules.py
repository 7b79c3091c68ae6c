"""What a deadline in working time costs: one due within the day against one due
after two weeks of holidays, with the schedule's weeks already worked out (as
in a running daemon) and from nothing (the first deadline in those weeks)."""

from __future__ import annotations

import time
from collections.abc import Callable

from playbook.compiler.ruleset import compile_sources
from playbook.compiler.schedules import Schedule
from playbook.language.timestamps import MICROS, parse_time

# Closed from Monday 21 December 2026 to Friday 1 January 2027: two weeks of holidays.
CLOSING = ", ".join(f'"2026-12-{day}"' for day in (21, 22, 23, 24, 28, 29, 30, 31)) + ', "2027-01-01"'
PLAYBOOK = (
    f'schedule office = mon-fri 09:00-17:00 in "Europe/London" closed holidays "GB-ENG", {CLOSING}\n'
    "when mention and unanswered 2h during office then escalate\n"
)
TWO_HOURS = 2 * 3600 * MICROS
# Tuesday 15 December 10:00, due at 12:00; Friday 18 December 16:00, due on Monday 4 January.
WITHIN_A_DAY = parse_time("2026-12-15T10:00:00Z")
ACROSS_THE_HOLIDAYS = parse_time("2026-12-18T16:00:00Z")


def office() -> Schedule:
    """The schedule, compiled afresh: none of its weeks worked out yet."""
    return compile_sources({"office.play": PLAYBOOK}).schedules["office"]


def _best_of(repeat: int, measure: Callable[[], float]) -> float:
    return min(measure() for _ in range(repeat))


def warm_micros(item: int, calls: int = 20_000) -> float:
    """Microseconds per deadline from `item`, the weeks it needs already worked out."""
    schedule = office()
    schedule.add_open_time(item, TWO_HOURS)

    def measure() -> float:
        start = time.perf_counter()
        for _ in range(calls):
            schedule.add_open_time(item, TWO_HOURS)
        return (time.perf_counter() - start) / calls * 1e6

    return _best_of(5, measure)


def cold_micros(item: int, schedules: int = 200) -> float:
    """Microseconds for the first deadline from `item` of a schedule just compiled."""
    fresh = [office() for _ in range(schedules)]

    def measure() -> float:
        start = time.perf_counter()
        for schedule in fresh:
            schedule.add_open_time(item, TWO_HOURS)
        return (time.perf_counter() - start) / schedules * 1e6

    took = measure()
    fresh = [office() for _ in range(schedules)]
    return min(took, measure())


def deadline_rows() -> list[str]:
    """The bench's rows on deadlines in working time."""
    within, across = warm_micros(WITHIN_A_DAY), warm_micros(ACROSS_THE_HOLIDAYS)
    cold_within, cold_across = cold_micros(WITHIN_A_DAY), cold_micros(ACROSS_THE_HOLIDAYS)
    return [
        f"deadline in working time, within the day / across two weeks of holidays, weeks worked out: "
        f"{within:.2f} / {across:.2f} µs, {across / within:.2f}x",
        f"the same, the first deadline in those weeks: {cold_within:.0f} / {cold_across:.0f} µs, "
        f"{cold_across / cold_within:.2f}x",
    ]
