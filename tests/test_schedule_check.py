"""Mistakes in schedules and in `during` (SPEC section 8), each pinned whole as
`playbook check` prints it: file, line, column, message, hint, line and caret."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import check_output, ruleset_from


def case(name: str, text: str, expected: str) -> Any:
    return pytest.param(text, expected, id=name)


USES = '\nwhen mention and during office then tag "open"\n'

MISTAKES = [
    case(
        "unknown_zone",
        'schedule office = mon-fri 09:00-17:00 in "Europe/Londn"' + USES,
        """\
test.play:1:42: error: unknown time zone 'Europe/Londn' (did you mean 'Europe/London'?)
schedule office = mon-fri 09:00-17:00 in "Europe/Londn"
                                         ^""",
    ),
    case(
        "zone_in_lowercase",
        'schedule office = mon-fri 09:00-17:00 in "america/new_york"' + USES,
        """\
test.play:1:42: error: unknown time zone 'america/new_york' (did you mean 'America/New_York'?)
schedule office = mon-fri 09:00-17:00 in "america/new_york"
                                         ^""",
    ),
    case(
        "zone_by_its_city",
        'schedule office = mon-fri 09:00-17:00 in "Berlin"' + USES,
        """\
test.play:1:42: error: unknown time zone 'Berlin' (did you mean 'Europe/Berlin'?)
schedule office = mon-fri 09:00-17:00 in "Berlin"
                                         ^""",
    ),
    case(
        "zone_far_from_any",
        'schedule office = mon-fri 09:00-17:00 in "Office time"' + USES,
        """\
test.play:1:42: error: unknown time zone 'Office time' (use an IANA time-zone name such as "Europe/London", "America/New_York" or "UTC")
schedule office = mon-fri 09:00-17:00 in "Office time"
                                         ^""",
    ),
    case(
        "missing_zone",
        "schedule office = mon-fri 09:00-17:00" + USES,
        """\
test.play:1:10: error: schedule 'office' has no time zone (add one after its hours, as in mon-fri 09:00-17:00 in "Europe/London")
schedule office = mon-fri 09:00-17:00
         ^""",
    ),
    case(
        "unknown_holiday_country",
        'schedule office = mon-fri 09:00-17:00 in "Europe/Berlin" closed holidays "GX"' + USES,
        """\
test.play:1:74: error: unknown holiday country 'GX' (the nearest codes are 'GA', 'GB', 'GD', 'GE')
schedule office = mon-fri 09:00-17:00 in "Europe/Berlin" closed holidays "GX"
                                                                         ^""",
    ),
    case(
        "holiday_country_by_its_name",
        'schedule office = mon-fri 09:00-17:00 in "Europe/Berlin" closed holidays "Germany"' + USES,
        """\
test.play:1:74: error: unknown holiday country 'Germany' (its code is 'DE')
schedule office = mon-fri 09:00-17:00 in "Europe/Berlin" closed holidays "Germany"
                                                                         ^""",
    ),
    case(
        "holiday_country_in_lowercase",
        'schedule office = mon-fri 09:00-17:00 in "Europe/Berlin" closed holidays "de"' + USES,
        """\
test.play:1:74: error: unknown holiday country 'de' (country codes are written in capitals: 'DE')
schedule office = mon-fri 09:00-17:00 in "Europe/Berlin" closed holidays "de"
                                                                         ^""",
    ),
    case(
        "unknown_subdivision",
        'schedule office = mon-fri 09:00-17:00 in "Europe/London" closed holidays "GB-EN"' + USES,
        """\
test.play:1:74: error: unknown subdivision 'EN' of 'GB' for holidays (did you mean 'GB-ENG'?)
schedule office = mon-fri 09:00-17:00 in "Europe/London" closed holidays "GB-EN"
                                                                         ^""",
    ),
    case(
        "unknown_subdivision_far_from_any",
        'schedule office = mon-fri 09:00-17:00 in "Europe/London" closed holidays "GB-XYZW"' + USES,
        """\
test.play:1:74: error: unknown subdivision 'XYZW' of 'GB' for holidays ('GB' has ENG, NIR, SCT, WLS)
schedule office = mon-fri 09:00-17:00 in "Europe/London" closed holidays "GB-XYZW"
                                                                         ^""",
    ),
    case(
        "a_date_that_does_not_exist",
        'schedule office = mon-fri 09:00-17:00 in "UTC" closed "2026-02-30"' + USES,
        """\
test.play:1:55: error: '2026-02-30' is not a date: February 2026 has 28 days
schedule office = mon-fri 09:00-17:00 in "UTC" closed "2026-02-30"
                                                      ^""",
    ),
    case(
        "a_month_that_does_not_exist",
        'schedule office = mon-fri 09:00-17:00 in "UTC" closed "2026-13-01"' + USES,
        """\
test.play:1:55: error: '2026-13-01' is not a date: there is no month 13
schedule office = mon-fri 09:00-17:00 in "UTC" closed "2026-13-01"
                                                      ^""",
    ),
    case(
        "a_date_written_another_way",
        'schedule office = mon-fri 09:00-17:00 in "UTC" closed "24/12/2026"' + USES,
        """\
test.play:1:55: error: '24/12/2026' is not a date: write it as YYYY-MM-DD (as in "2026-12-24")
schedule office = mon-fri 09:00-17:00 in "UTC" closed "24/12/2026"
                                                      ^""",
    ),
    case(
        "a_country_where_a_date_goes",
        'schedule office = mon-fri 09:00-17:00 in "UTC" closed holidays "GB", "IE"' + USES,
        """\
test.play:1:70: error: 'IE' is not a date: write it as YYYY-MM-DD (for the public holidays of a country, write holidays "IE")
schedule office = mon-fri 09:00-17:00 in "UTC" closed holidays "GB", "IE"
                                                                     ^""",
    ),
    case(
        "hour_25",
        'schedule office = mon-fri 09:00-25:00 in "UTC"' + USES,
        """\
test.play:1:33: error: '25:00' is not a time: hours go from 00 to 23 (24:00 may end an interval)
schedule office = mon-fri 09:00-25:00 in "UTC"
                                ^""",
    ),
    case(
        "minute_60",
        'schedule office = mon-fri 9:60-17:00 in "UTC"' + USES,
        """\
test.play:1:27: error: '9:60' is not a time: minutes go from 00 to 59
schedule office = mon-fri 9:60-17:00 in "UTC"
                          ^""",
    ),
    case(
        "a_time_without_two_digits_of_minutes",
        'schedule office = mon-fri 9:5-17:00 in "UTC"' + USES,
        """\
test.play:1:27: error: '9:5' is not a time: write hours and minutes as H:MM or HH:MM (as in 09:05)
schedule office = mon-fri 9:5-17:00 in "UTC"
                          ^""",
    ),
    case(
        "24_00_as_a_start",
        'schedule office = mon-fri 24:00-08:00 in "UTC"' + USES,
        """\
test.play:1:27: error: 24:00 can only end an interval (the day starts at 00:00)
schedule office = mon-fri 24:00-08:00 in "UTC"
                          ^""",
    ),
    case(
        "an_interval_that_ends_where_it_starts",
        'schedule office = mon-fri 09:00-17:00, sat 10:00-10:00 in "UTC"' + USES,
        """\
test.play:1:44: error: the interval 10:00-10:00 ends where it starts (for the whole day write 00:00-24:00)
schedule office = mon-fri 09:00-17:00, sat 10:00-10:00 in "UTC"
                                           ^""",
    ),
    case(
        "never_open",
        'schedule office = daily 00:00-00:00 in "UTC"' + USES,
        """\
test.play:1:10: error: schedule 'office' is never open (give it an interval whose end differs from its start)
schedule office = daily 00:00-00:00 in "UTC"
         ^
test.play:1:25: error: the interval 00:00-00:00 ends where it starts (for the whole day write 00:00-24:00)
schedule office = daily 00:00-00:00 in "UTC"
                        ^""",
    ),
    case(
        "unknown_day",
        'schedule office = mon-fir 09:00-17:00 in "UTC"' + USES,
        """\
test.play:1:23: error: unknown day 'fir' (write a day as mon, tue, wed, thu, fri, sat or sun, or weekdays, weekends or daily)
schedule office = mon-fir 09:00-17:00 in "UTC"
                      ^""",
    ),
    case(
        "a_day_written_in_full",
        'schedule office = Monday 09:00-17:00 in "UTC"' + USES,
        """\
test.play:1:19: error: unknown day 'Monday' (write days with three letters: mon)
schedule office = Monday 09:00-17:00 in "UTC"
                  ^""",
    ),
    case(
        "a_group_at_the_end_of_a_range",
        'schedule office = mon-weekends 09:00-17:00 in "UTC"' + USES,
        """\
test.play:1:23: error: 'weekends' cannot be one end of a range (a range goes from one day to another, as in mon-fri)
schedule office = mon-weekends 09:00-17:00 in "UTC"
                      ^""",
    ),
    case(
        "unknown_schedule_in_during",
        'brand "@acme"\nschedule office = mon-fri 09:00-17:00 in "UTC"\n'
        'when mention and not during ofice then tag "after-hours"\n'
        "when mention and unanswered 2h during offices then escalate\n",
        """\
test.play:2:10: warning: schedule 'office' is not used by any rule
schedule office = mon-fri 09:00-17:00 in "UTC"
         ^
test.play:3:29: error: unknown schedule 'ofice' (did you mean 'office'?)
when mention and not during ofice then tag "after-hours"
                            ^
test.play:4:39: error: unknown schedule 'offices' (did you mean 'office'?)
when mention and unanswered 2h during offices then escalate
                                      ^""",
    ),
    case(
        "unknown_schedule_far_from_any",
        'when mention and during support then tag "open"\n',
        """\
test.play:1:25: error: unknown schedule 'support' (declare it with: schedule support = mon-fri 09:00-17:30 in "Europe/London")
when mention and during support then tag "open"
                        ^""",
    ),
    case(
        "a_define_in_during",
        'define vip = author.followers > 10000\nwhen mention and during vip then tag "open"\n',
        """\
test.play:2:25: error: 'vip' is a define, not a schedule ('during' takes a schedule's name)
when mention and during vip then tag "open"
                        ^""",
    ),
    case(
        "a_schedule_and_a_list_of_one_name",
        'schedule office = mon-fri 09:00-17:00 in "UTC"\nlist office = "desk"' + USES,
        """\
test.play:2:6: error: 'office' is defined twice (first at test.play:1)
list office = "desk"
     ^""",
    ),
    case(
        "a_list_in_during",
        'list office = "desk"\nwhen mention and text contains any office and during office then tag "x"\n',
        """\
test.play:2:54: error: 'office' is a list, not a schedule ('during' takes a schedule's name)
when mention and text contains any office and during office then tag "x"
                                                     ^""",
    ),
    case(
        "a_schedule_defined_twice",
        'schedule office = mon-fri 09:00-17:00 in "UTC"\nschedule office = sat 10:00-14:00 in "UTC"' + USES,
        """\
test.play:2:10: error: 'office' is defined twice (first at test.play:1)
schedule office = sat 10:00-14:00 in "UTC"
         ^""",
    ),
    case(
        "an_unused_schedule",
        'schedule office = mon-fri 09:00-17:00 in "UTC"\nwhen mention then tag "seen"\n',
        """\
test.play:1:10: warning: schedule 'office' is not used by any rule
schedule office = mon-fri 09:00-17:00 in "UTC"
         ^""",
    ),
    # Parse errors, by the table of broken samples.
    case(
        "times_without_minutes",
        'schedule office = mon-fri 9-17 in "UTC"' + USES,
        """\
test.play:1:27: error: expected opening hours after 'fri', such as 09:00-17:30, found '9-17' (write times as HH:MM, as in 09:00-17:30)
schedule office = mon-fri 9-17 in "UTC"
                          ^""",
    ),
    case(
        "a_zone_without_quotes",
        "schedule office = mon-fri 09:00-17:00 in Europe/London" + USES,
        """\
test.play:1:42: error: expected the time zone in double quotes after 'in', found 'Europe/London' (put text in double quotes: "Europe/London")
schedule office = mon-fri 09:00-17:00 in Europe/London
                                         ^""",
    ),
    case(
        "a_zone_without_in",
        'schedule office = mon-fri 09:00-17:00 "Europe/London"' + USES,
        """\
test.play:1:39: error: expected ',' and more hours, or the time zone, after '17:00', found '"Europe/London"' (a schedule's hours end with its time zone, as in mon-fri 09:00-17:30 in "Europe/London")
schedule office = mon-fri 09:00-17:00 "Europe/London"
                                      ^""",
    ),
    case(
        "closed_before_the_zone",
        'schedule office = mon-fri 09:00-17:00 closed "2026-12-24" in "UTC"' + USES,
        """\
test.play:1:59: error: 'in' cannot follow a closed day (separate closed days with ','; the time zone comes before closed)
schedule office = mon-fri 09:00-17:00 closed "2026-12-24" in "UTC"
                                                          ^""",
    ),
    case(
        "a_date_without_quotes",
        'schedule office = mon-fri 09:00-17:00 in "UTC" closed 2026-12-24' + USES,
        """\
test.play:1:55: error: expected a "YYYY-MM-DD" date or holidays "CC" after 'closed', found '2026-12-24' (as in closed holidays "GB-ENG", "2026-12-24")
schedule office = mon-fri 09:00-17:00 in "UTC" closed 2026-12-24
                                                      ^""",
    ),
    case(
        "during_without_a_name",
        'when mention and during then tag "open"\n',
        """\
test.play:1:25: error: expected a schedule's name after 'during', as in during office, found 'then' ('then' is a word of the language and cannot be a name)
when mention and during then tag "open"
                        ^""",
    ),
]


@pytest.mark.parametrize(("text", "expected"), MISTAKES)
def test_a_schedule_mistake_is_reported_whole(text: str, expected: str) -> None:
    assert check_output(text) == expected


def test_every_mistake_of_a_schedule_is_reported_at_once() -> None:
    text = (
        'schedule office = mon-fir 09:00-25:00, sat 9:60-14:00 in "Europe/Londn" closed "2026-02-30"' + USES
    )
    found = [line.split(": error: ")[1] for line in check_output(text).splitlines() if ": error: " in line]
    assert found == [
        "unknown day 'fir' (write a day as mon, tue, wed, thu, fri, sat or sun, or weekdays, weekends or daily)",
        "'25:00' is not a time: hours go from 00 to 23 (24:00 may end an interval)",
        "'9:60' is not a time: minutes go from 00 to 59",
        "unknown time zone 'Europe/Londn' (did you mean 'Europe/London'?)",
        "'2026-02-30' is not a date: February 2026 has 28 days",
    ]


def test_a_broken_schedule_is_not_reported_again_where_it_is_used() -> None:
    text = 'schedule office = mon-fri 09:00-17:00 in Europe/London\nwhen mention and during office then tag "x"\n'
    assert check_output(text).count("error:") == 1


@pytest.mark.parametrize(
    "text",
    [
        'schedule office = mon-fri 09:00-17:30, sat 10:00-14:00 in "Europe/London"',
        'schedule office_de = weekdays 08:00-18:00 in "Europe/Berlin"\n'
        '                     closed holidays "DE", "2026-12-24", "2026-12-31"',
        'schedule nights = fri-mon 22:00-02:00 in "America/New_York" closed holidays "US-CA"',
        'schedule always = daily 00:00-24:00 in "UTC"',
        'schedule weekend = weekends 10:00-16:00, weekends 18:00-24:00 in "Asia/Tokyo" closed holidays "JP"',
    ],
)
def test_valid_schedules_check_clean(text: str) -> None:
    name = text.split()[1]
    assert check_output(f'{text}\nwhen mention and during {name} then tag "open"\n') == ""


def test_a_schedule_used_only_by_a_used_define_is_used() -> None:
    text = (
        'schedule office = mon-fri 09:00-17:00 in "UTC"\n'
        "define after_hours = not during office\n"
        'when message and after_hours then reply with template "after-hours"\n'
    )
    assert check_output(text) == ""
    assert ruleset_from(text).schedules["office"].name == "office"


@pytest.mark.parametrize("country", ["GB", "UK", "US", "DE", "AX", "AS", "FR", "JP", "AU"])
def test_a_countrys_subdivisions_read_alone_are_the_packages(country: str) -> None:
    import holidays

    from playbook.language.calendars import subdivisions

    entity = getattr(holidays, country)
    assert subdivisions(country) == (
        tuple(entity.subdivisions),
        tuple(getattr(entity, "subdivisions_aliases", {})),
    )


def test_checking_a_holiday_region_reads_one_countrys_calendar_not_all(tmp_path: Path) -> None:
    (tmp_path / "desk.play").write_text(
        'schedule office = mon-fri 09:00-17:00 in "Europe/London" closed holidays "GB-ENG"\n'
        'when mention and during office then tag "open"\n',
        encoding="utf-8",
    )
    code = (
        "import sys\n"
        "from playbook.cli import main\n"
        "code = main(['check', 'desk.play'])\n"
        "print(code, 'holidays.countries' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.split() == ["0", "False"], done.stderr
