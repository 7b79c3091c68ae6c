"""Open time of compiled schedules (SPEC section 8): which instants are open, and
when a given amount of open time has passed, across weekends, holidays, nights
and clock changes."""

from __future__ import annotations

import pytest
from helpers import ruleset_from

from playbook.compiler.schedules import Schedule
from playbook.language.durations import parse_duration
from playbook.language.timestamps import MICROS, format_time, parse_time

LONDON_OFFICE = 'mon-fri 09:00-17:00 in "Europe/London"'


def schedule(hours: str) -> Schedule:
    """The compiled schedule `schedule s = HOURS`, checked as any playbook is."""
    ruleset = ruleset_from(f'schedule s = {hours}\nwhen mention and during s then tag "open"\n')
    return ruleset.schedules["s"]


def deadline(hours: str, item: str, duration: str) -> str:
    """When `duration` of the schedule's open time has passed since `item`."""
    return format_time(schedule(hours).add_open_time(parse_time(item), parse_duration(duration) * MICROS))


def is_open(hours: str, time: str) -> bool:
    return schedule(hours).is_open(parse_time(time))


# --- weekends, nights, holidays -------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "duration", "due"),
    [
        # Friday 16:30 plus two working hours is Monday 10:30 (2026-11-20 is a Friday; London is on GMT).
        ("2026-11-20T16:30:00Z", "2h", "2026-11-23T10:30:00Z"),
        # Saturday: the count starts at Monday's opening.
        ("2026-11-21T12:00:00Z", "2h", "2026-11-23T11:00:00Z"),
        # Friday evening, after closing: Monday too.
        ("2026-11-20T19:00:00Z", "30m", "2026-11-23T09:30:00Z"),
        # Within the day.
        ("2026-11-19T10:00:00Z", "2h", "2026-11-19T12:00:00Z"),
        # Ending exactly at closing time: the deadline is the closing, not the next opening.
        ("2026-11-19T15:00:00Z", "2h", "2026-11-19T17:00:00Z"),
        # A week of working hours is five days.
        ("2026-11-16T09:00:00Z", "40h", "2026-11-20T17:00:00Z"),
        # Before the opening: the count starts at 09:00.
        ("2026-11-19T06:00:00Z", "1h", "2026-11-19T10:00:00Z"),
    ],
)
def test_a_working_hours_deadline(item: str, duration: str, due: str) -> None:
    assert deadline(LONDON_OFFICE, item, duration) == due


def test_a_public_holiday_is_closed() -> None:
    hours = 'mon-fri 09:00-17:00 in "Europe/London" closed holidays "GB-ENG"'
    # Thursday 24 December 2026, 16:30: Christmas (Friday) and Boxing Day observed (Monday 28) are
    # closed; the count goes on on Tuesday 29.
    assert deadline(hours, "2026-12-24T16:30:00Z", "2h") == "2026-12-29T10:30:00Z"
    assert not is_open(hours, "2026-12-25T10:00:00Z")
    assert not is_open(hours, "2026-12-28T10:00:00Z")
    assert is_open(hours, "2026-12-29T10:00:00Z")
    # Without the holidays, Christmas Day is a Friday like any other.
    assert deadline(LONDON_OFFICE, "2026-12-24T16:30:00Z", "2h") == "2026-12-25T10:30:00Z"


def test_an_explicit_closed_date() -> None:
    hours = 'mon-fri 09:00-17:00 in "Europe/London" closed "2026-11-23", "2026-11-24"'
    assert deadline(hours, "2026-11-20T16:30:00Z", "2h") == "2026-11-25T10:30:00Z"
    assert not is_open(hours, "2026-11-23T12:00:00Z")
    assert is_open(hours, "2026-11-25T09:00:00Z")


def test_the_holidays_of_a_subdivision() -> None:
    # St Andrew's Day, Monday 30 November 2026, is a holiday in Scotland and not in England.
    scotland = 'mon-fri 09:00-17:00 in "Europe/London" closed holidays "GB-SCT"'
    england = 'mon-fri 09:00-17:00 in "Europe/London" closed holidays "GB-ENG"'
    assert not is_open(scotland, "2026-11-30T10:00:00Z")
    assert is_open(england, "2026-11-30T10:00:00Z")


def test_two_weeks_of_holidays_are_skipped() -> None:
    hours = 'mon-fri 09:00-17:00 in "Europe/London" closed ' + ", ".join(
        f'"2026-12-{day:02d}"' for day in range(21, 32) if day not in (26, 27)
    )
    assert deadline(hours, "2026-12-18T16:00:00Z", "2h") == "2027-01-01T10:00:00Z"


@pytest.mark.parametrize(
    ("time", "open_"),
    [
        ("2026-11-20T09:00:00Z", True),  # an interval holds its start
        ("2026-11-20T16:59:59Z", True),
        ("2026-11-20T17:00:00Z", False),  # and not its end
        ("2026-11-20T08:59:59Z", False),
        ("2026-11-21T12:00:00Z", False),  # Saturday
    ],
)
def test_an_interval_holds_its_start_and_not_its_end(time: str, open_: bool) -> None:
    assert is_open(LONDON_OFFICE, time) is open_


def test_an_interval_past_midnight_belongs_to_the_day_it_starts() -> None:
    night = 'fri 22:00-02:00 in "UTC"'
    assert is_open(night, "2026-11-20T22:00:00Z")
    assert is_open(night, "2026-11-21T01:59:00Z")  # Saturday, in Friday's night
    assert not is_open(night, "2026-11-21T02:00:00Z")
    assert not is_open(night, "2026-11-21T23:00:00Z")  # Saturday's own night: none
    assert not is_open(night, "2026-11-20T01:00:00Z")  # Friday morning: Thursday's night, none
    assert deadline(night, "2026-11-20T12:00:00Z", "3h") == "2026-11-21T01:00:00Z"
    assert deadline(night, "2026-11-20T12:00:00Z", "4h") == "2026-11-21T02:00:00Z"
    assert deadline(night, "2026-11-20T12:00:00Z", "5h") == "2026-11-27T23:00:00Z"
    # A closed date closes its own local hours (SPEC section 8: an instant is open when its
    # local date is not closed): a closed Saturday closes the end of Friday's night, and a
    # closed Friday leaves that end open.
    saturday_closed = 'fri 22:00-02:00 in "UTC" closed "2026-11-21"'
    assert is_open(saturday_closed, "2026-11-20T23:00:00Z")
    assert not is_open(saturday_closed, "2026-11-21T01:00:00Z")
    assert deadline(saturday_closed, "2026-11-20T22:00:00Z", "3h") == "2026-11-27T23:00:00Z"
    friday_closed = 'fri 22:00-02:00 in "UTC" closed "2026-11-20"'
    assert not is_open(friday_closed, "2026-11-20T23:00:00Z")
    assert is_open(friday_closed, "2026-11-21T01:00:00Z")
    assert deadline(friday_closed, "2026-11-20T12:00:00Z", "1h") == "2026-11-21T01:00:00Z"


def test_days_ranges_and_groups() -> None:
    wrapping = schedule('fri-mon 10:00-11:00 in "UTC"')
    opened = [day for day in range(16, 23) if wrapping.is_open(parse_time(f"2026-11-{day}T10:30:00Z"))]
    assert opened == [16, 20, 21, 22]  # Monday 16, then Friday to Sunday
    for group, days in (
        ("weekdays", [16, 17, 18, 19, 20]),
        ("weekends", [21, 22]),
        ("daily", list(range(16, 23))),
    ):
        grouped = schedule(f'{group} 10:00-11:00 in "UTC"')
        assert [d for d in range(16, 23) if grouped.is_open(parse_time(f"2026-11-{d}T10:30:00Z"))] == days


def test_overlapping_and_touching_intervals_are_joined() -> None:
    hours = 'mon 09:00-12:00, mon 11:00-13:00, mon 13:00-14:00, mon 23:00-24:00, tue 00:00-01:00 in "UTC"'
    week = schedule(hours)
    monday = parse_time("2026-11-16T09:00:00Z")
    assert week.open_time_between(monday, monday + 7 * 86400 * MICROS) == 7 * 3600 * MICROS
    assert deadline(hours, "2026-11-16T09:00:00Z", "5h") == "2026-11-16T14:00:00Z"
    assert deadline(hours, "2026-11-16T23:30:00Z", "1h") == "2026-11-17T00:30:00Z"


def test_the_whole_day() -> None:
    always = 'daily 00:00-24:00 in "Europe/London"'
    assert deadline(always, "2026-11-20T16:30:00Z", "2h") == "2026-11-20T18:30:00Z"
    # Across both clock changes of the year, open time is wall time.
    assert deadline(always, "2026-01-01T00:00:00Z", "365d") == "2027-01-01T00:00:00Z"


def test_open_time_between() -> None:
    office = schedule(LONDON_OFFICE)
    friday, monday = parse_time("2026-11-20T16:30:00Z"), parse_time("2026-11-23T10:30:00Z")
    assert office.open_time_between(friday, monday) == 2 * 3600 * MICROS
    assert office.open_time_between(monday, friday) == 0


# --- clock changes ---------------------------------------------------------------------------------

# 2026: London goes forward on 29 March (01:00 GMT → 02:00 BST) and back on 25 October
# (02:00 BST → 01:00 GMT); New York forward on 8 March (02:00 EST → 03:00 EDT) and back on
# 1 November (02:00 EDT → 01:00 EST).
CHANGES = [
    ("Europe/London", "2026-03-29", "2026-03-29T08:00:00Z", "2026-03-29T16:00:00Z"),
    ("Europe/London", "2026-10-25", "2026-10-25T09:00:00Z", "2026-10-25T17:00:00Z"),
    ("America/New_York", "2026-03-08", "2026-03-08T13:00:00Z", "2026-03-08T21:00:00Z"),
    ("America/New_York", "2026-11-01", "2026-11-01T14:00:00Z", "2026-11-01T22:00:00Z"),
]


@pytest.mark.parametrize(("zone", "day", "opens", "closes"), CHANGES)
def test_a_day_of_the_clock_change_lasts_its_hours(zone: str, day: str, opens: str, closes: str) -> None:
    hours = f'sun 09:00-17:00 in "{zone}"'
    assert deadline(hours, f"{day}T00:00:00Z", "8h") == closes
    assert deadline(hours, f"{day}T00:00:00Z", "1s") == format_time(parse_time(opens) + MICROS)
    assert is_open(hours, opens) and not is_open(hours, closes)


@pytest.mark.parametrize(
    ("zone", "night", "starts", "length"),
    [
        # London changes at 01:00 GMT: the night the clocks go back holds five real hours, the
        # night they go forward three.
        ("Europe/London", "sat 22:00-02:00", "2026-10-24T21:00:00Z", "5h"),
        ("Europe/London", "sat 22:00-02:00", "2026-03-28T22:00:00Z", "3h"),
        # New York changes at 02:00: 22:00-02:00 ends at the change, 22:00-03:00 holds it.
        ("America/New_York", "sat 22:00-02:00", "2026-11-01T02:00:00Z", "5h"),
        ("America/New_York", "sat 22:00-03:00", "2026-11-01T02:00:00Z", "6h"),
        ("America/New_York", "sat 22:00-02:00", "2026-03-08T03:00:00Z", "4h"),
        ("America/New_York", "sat 22:00-03:00", "2026-03-08T03:00:00Z", "4h"),
        ("America/New_York", "sat 22:00-04:00", "2026-03-08T03:00:00Z", "5h"),
    ],
)
def test_a_night_holding_a_clock_change_lasts_its_real_length(
    zone: str, night: str, starts: str, length: str
) -> None:
    nights = schedule(f'{night} in "{zone}"')
    start = parse_time(starts)
    day = 86400 * MICROS
    assert nights.open_time_between(start - day, start + day) == parse_duration(length) * MICROS
    assert nights.add_open_time(start - 3600 * MICROS, MICROS) == start + MICROS
    assert (
        nights.add_open_time(start, parse_duration(length) * MICROS)
        == start + parse_duration(length) * MICROS
    )


def test_a_skipped_local_time_is_the_instant_the_clock_jumps() -> None:
    # London, 29 March 2026: 01:30 never happens; the clock jumps at 01:00 GMT (01:00Z) to 02:00.
    london = schedule('sun 01:30-03:00 in "Europe/London"')
    assert london.add_open_time(parse_time("2026-03-29T00:00:00Z"), MICROS) == parse_time(
        "2026-03-29T01:00:01Z"
    )
    assert london.open_time_between(
        parse_time("2026-03-28T00:00:00Z"), parse_time("2026-03-30T00:00:00Z")
    ) == (3600 * MICROS)
    # New York, 8 March 2026: 02:30 never happens; the clock jumps at 02:00 EST (07:00Z) to 03:00 EDT.
    new_york = schedule('sun 02:30-04:00 in "America/New_York"')
    assert new_york.is_open(parse_time("2026-03-08T07:00:00Z"))
    assert not new_york.is_open(parse_time("2026-03-08T06:59:59Z"))
    assert new_york.add_open_time(parse_time("2026-03-08T00:00:00Z"), 3600 * MICROS) == parse_time(
        "2026-03-08T08:00:00Z"
    )


def test_a_local_time_that_happens_twice_is_its_first_occurrence() -> None:
    # London, 25 October 2026: 01:30 happens at 00:30Z (BST) and again at 01:30Z (GMT).
    london = schedule('sun 01:30-03:00 in "Europe/London"')
    assert london.is_open(parse_time("2026-10-25T00:30:00Z"))
    assert not london.is_open(parse_time("2026-10-25T00:29:59Z"))
    assert london.open_time_between(
        parse_time("2026-10-24T00:00:00Z"), parse_time("2026-10-26T00:00:00Z")
    ) == (int(2.5 * 3600) * MICROS)
    # An interval within the hour that happens twice is open at its first occurrence only.
    twice = schedule('sun 01:10-01:20 in "Europe/London"')
    assert twice.is_open(parse_time("2026-10-25T00:15:00Z"))
    assert not twice.is_open(parse_time("2026-10-25T01:15:00Z"))


def test_zones_keep_their_own_hours() -> None:
    london = 'mon-fri 09:00-17:00 in "Europe/London"'
    new_york = 'mon-fri 09:00-17:00 in "America/New_York"'
    # Friday 16:30 in London is 11:30 in New York: one desk is closing, the other has hours to go.
    assert deadline(london, "2026-11-20T16:30:00Z", "2h") == "2026-11-23T10:30:00Z"
    assert deadline(new_york, "2026-11-20T16:30:00Z", "2h") == "2026-11-20T18:30:00Z"


# --- far times ---------------------------------------------------------------------------------


def test_times_far_from_today_are_answered() -> None:
    office = schedule(LONDON_OFFICE)
    for time in ("0001-01-01T00:00:00Z", "0001-01-09T10:00:00Z", "9999-12-31T23:59:59Z"):
        t = parse_time(time)
        assert office.add_open_time(t, 3600 * MICROS) > t
        office.is_open(t)
    # Beyond the last weeks of the year 9999, every instant is open.
    late = parse_time("9999-12-31T00:00:00Z")
    assert office.add_open_time(late, 3600 * MICROS) == late + 3600 * MICROS


# --- cost -------------------------------------------------------------------------------------


def test_a_deadline_across_two_weeks_of_holidays_costs_about_what_one_within_the_day_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Open time is worked out a week at a time, and a week once: a deadline never steps
    through time, and one across a closed fortnight looks at three weeks, not at every minute."""
    from bench.schedules import ACROSS_THE_HOLIDAYS, TWO_HOURS, WITHIN_A_DAY, office

    worked_out: list[str] = []
    work_out = Schedule._work_out

    def counted(self: Schedule, monday: object) -> object:
        worked_out.append(str(monday))
        return work_out(self, monday)  # type: ignore[arg-type]

    monkeypatch.setattr(Schedule, "_work_out", counted)
    desk = office()
    assert format_time(desk.add_open_time(WITHIN_A_DAY, TWO_HOURS)) == "2026-12-15T12:00:00Z"
    assert worked_out == ["2026-12-14"]
    assert format_time(desk.add_open_time(ACROSS_THE_HOLIDAYS, TWO_HOURS)) == "2027-01-04T10:00:00Z"
    assert worked_out == ["2026-12-14", "2026-12-21", "2026-12-28", "2027-01-04"]
    for item in (WITHIN_A_DAY, ACROSS_THE_HOLIDAYS):
        desk.add_open_time(item, TWO_HOURS)
    assert len(worked_out) == 4, "weeks once worked out are kept"


def test_the_weeks_kept_are_bounded() -> None:
    from playbook.compiler.schedules import WEEKS_KEPT

    desk = schedule(LONDON_OFFICE)
    start = parse_time("2020-01-06T10:00:00Z")
    week = 7 * 86400 * MICROS
    for n in range(WEEKS_KEPT + 50):
        desk.is_open(start + n * week)
    assert len(desk._weeks) == WEEKS_KEPT
