"""Schedules at work in the engine (SPEC sections 3, 7 and 8): waits counted in
working time, `during`, answers on closed days, and reloads that change a
wait's duration, its schedule or the schedule's closed days."""

from __future__ import annotations

from typing import Any

from helpers import ruleset_from, run

from playbook.language.events import make_event
from playbook.language.timestamps import parse_time
from playbook.runtime.engine import Engine

DESK = """\
brand "@acme"
schedule office = mon-fri 09:00-17:00 in "Europe/London" closed holidays "GB-ENG"
rule "Two working hours":
  when mention and unanswered 2h during office
  then escalate to "care-leads"
rule "After hours":
  when message and not during office
  then reply with template "after-hours"
"""


def mention(id: str, time: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": id,
        "type": "mention",
        "time": time,
        "author": {"handle": "@jane"},
        "text": "broken",
        **extra,
    }


def reply(id: str, time: str, to: str) -> dict[str, Any]:
    return {"id": id, "type": "reply", "time": time, "in_reply_to": to, "author": {"handle": "@acme"}}


def fired(records: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(r["rule"], r["event"], r["time"]) for r in records]


# --- waits in working time -----------------------------------------------------------------


def test_a_friday_evening_item_is_due_on_monday() -> None:
    # 2026-11-20 is a Friday; London is on GMT in November.
    records = run(DESK, [mention("m1", "2026-11-20T16:30:00Z")], until="2026-11-24T00:00:00Z")
    assert fired(records) == [("Two working hours", "m1", "2026-11-23T10:30:00Z")]


def test_an_item_on_saturday_starts_its_count_at_mondays_opening() -> None:
    records = run(DESK, [mention("m1", "2026-11-21T11:00:00Z")], until="2026-11-24T00:00:00Z")
    assert fired(records) == [("Two working hours", "m1", "2026-11-23T11:00:00Z")]


def test_a_public_holiday_does_not_count() -> None:
    # Thursday 24 December 2026: Christmas Day (Friday) and Boxing Day observed (Monday 28) are closed.
    records = run(DESK, [mention("m1", "2026-12-24T16:00:00Z")], until="2027-01-04T00:00:00Z")
    assert fired(records) == [("Two working hours", "m1", "2026-12-29T10:00:00Z")]


def test_an_answer_on_a_closed_day_counts() -> None:
    events = [mention("m1", "2026-11-20T16:30:00Z"), reply("r1", "2026-11-21T11:00:00Z", "m1")]
    assert run(DESK, events, until="2026-11-24T00:00:00Z") == []


def test_an_answer_exactly_at_the_deadline_is_too_late() -> None:
    events = [mention("m1", "2026-11-20T16:30:00Z"), reply("r1", "2026-11-23T10:30:00Z", "m1")]
    assert fired(run(DESK, events, until="2026-11-24T00:00:00Z")) == [
        ("Two working hours", "m1", "2026-11-23T10:30:00Z")
    ]
    in_time = [mention("m1", "2026-11-20T16:30:00Z"), reply("r1", "2026-11-23T10:29:59Z", "m1")]
    assert run(DESK, in_time, until="2026-11-24T00:00:00Z") == []


def test_a_late_item_whose_working_time_deadline_has_passed_fires_at_once() -> None:
    events = [mention("x", "2026-11-23T12:00:00Z", text="fine"), mention("m1", "2026-11-20T16:30:00Z")]
    assert fired(run(DESK, events)) == [("Two working hours", "m1", "2026-11-23T10:30:00Z")]


# --- during ---------------------------------------------------------------------------------------


def message(id: str, time: str) -> dict[str, Any]:
    return {"id": id, "type": "message", "time": time, "thread": id, "author": {"handle": "@jane"}}


def test_during_holds_at_an_intervals_start_and_not_at_its_end() -> None:
    events = [
        message("d1", "2026-11-20T09:00:00Z"),  # the opening: open
        message("d2", "2026-11-20T16:59:59Z"),
        message("d3", "2026-11-20T17:00:00Z"),  # the closing: closed
        message("d4", "2026-11-21T12:00:00Z"),  # Saturday
        message("d5", "2026-12-25T12:00:00Z"),  # Christmas Day
    ]
    after_hours = [r["event"] for r in run(DESK, events) if r["rule"] == "After hours"]
    assert after_hours == ["d3", "d4", "d5"]


def test_during_in_a_define() -> None:
    play = DESK.replace("when message and not during office", "when message and after_hours")
    play += "define after_hours = not during office\n"
    events = [message("d1", "2026-11-20T10:00:00Z"), message("d2", "2026-11-20T18:00:00Z")]
    assert [r["event"] for r in run(play, events) if r["rule"] == "After hours"] == ["d2"]


# --- reloads ----------------------------------------------------------------------------------------


def _engine(play: str, events: list[dict[str, Any]]) -> Engine:
    engine = Engine(ruleset_from(play))
    for data in events:
        engine.process(make_event(dict(data)))
    return engine


def _fired(engine: Engine, until: str) -> list[tuple[str, str, str]]:
    return [(r.rule, r.event, r.time) for r in engine.advance(parse_time(until))]


# Friday 16:30 and a quiet Monday morning: the wait is due at 10:30.
MONDAY = [
    mention("m1", "2026-11-20T16:30:00Z"),
    {"id": "c1", "type": "comment", "time": "2026-11-23T10:00:00Z"},
]


def test_a_reload_that_shortens_a_working_time_wait_fires_it_at_once() -> None:
    engine = _engine(DESK, MONDAY)
    report = engine.install(ruleset_from(DESK.replace("unanswered 2h", "unanswered 1h")))
    assert (report.moved_waits, report.due_waits) == (1, 1)
    assert _fired(engine, "2026-11-23T10:00:00Z") == [("Two working hours", "m1", "2026-11-23T09:30:00Z")]


def test_a_reload_that_adds_a_closed_day_moves_the_wait() -> None:
    engine = _engine(DESK, MONDAY)
    closed = DESK.replace('closed holidays "GB-ENG"', 'closed holidays "GB-ENG", "2026-11-23"')
    report = engine.install(ruleset_from(closed))
    assert (report.moved_waits, report.due_waits) == (1, 0)
    assert "1 re-dated" in report.summary()
    assert _fired(engine, "2026-11-24T12:00:00Z") == [("Two working hours", "m1", "2026-11-24T10:30:00Z")]


def test_a_reload_that_changes_the_hours_brings_the_wait_due() -> None:
    engine = _engine(DESK, MONDAY)
    # Opening at 08:00 on Mondays: the two hours are over at 09:30, behind the clock.
    report = engine.install(
        ruleset_from(DESK.replace("mon-fri 09:00-17:00", "mon 08:00-17:00, tue-fri 09:00-17:00"))
    )
    assert (report.moved_waits, report.due_waits) == (1, 1)
    assert _fired(engine, "2026-11-23T10:00:00Z") == [("Two working hours", "m1", "2026-11-23T09:30:00Z")]


def test_a_reload_that_moves_a_wait_to_another_schedule() -> None:
    play = DESK + 'schedule new_york = mon-fri 09:00-17:00 in "America/New_York"\n'
    play = play.replace(
        '"After hours":\n  when message', '"After hours":\n  when (message or during new_york) and message'
    )
    engine = _engine(play, MONDAY)
    report = engine.install(ruleset_from(play.replace("2h during office", "2h during new_york")))
    # Friday 16:30Z is 11:30 in New York: two of its hours end at 18:30Z that Friday, behind the clock.
    assert (report.moved_waits, report.due_waits) == (1, 1)
    assert _fired(engine, "2026-11-23T10:00:00Z") == [("Two working hours", "m1", "2026-11-20T18:30:00Z")]


def test_a_reload_that_drops_the_schedule_counts_wall_time() -> None:
    engine = _engine(DESK, MONDAY)
    report = engine.install(ruleset_from(DESK.replace("2h during office", "2h")))
    assert (report.moved_waits, report.due_waits) == (1, 1)
    assert _fired(engine, "2026-11-23T10:00:00Z") == [("Two working hours", "m1", "2026-11-20T18:30:00Z")]


def test_an_unchanged_reload_of_a_schedule_changes_nothing() -> None:
    engine = _engine(DESK, MONDAY)
    report = engine.install(ruleset_from(DESK))
    assert (report.kept_waits, report.moved_waits, report.due_waits) == (1, 0, 0)
    assert not report.changed


def test_a_restart_with_an_edited_schedule_re_dates_the_wait() -> None:
    engine = _engine(DESK, MONDAY)
    closed = DESK.replace('closed holidays "GB-ENG"', 'closed holidays "GB-ENG", "2026-11-23"')
    restored, report = Engine.restore(ruleset_from(closed), engine.snapshot())
    assert (report.moved_waits, report.due_waits) == (1, 0)
    assert _fired(restored, "2026-11-24T12:00:00Z") == [("Two working hours", "m1", "2026-11-24T10:30:00Z")]


def test_an_unnamed_rule_keeps_its_wait_when_only_its_schedule_changes() -> None:
    play = 'brand "@acme"\nschedule office = mon-fri 09:00-17:00 in "Europe/London"\n'
    rule = 'when mention and unanswered 2h during office then escalate to "care-leads"\n'
    engine = _engine(play + rule, MONDAY)
    report = engine.install(ruleset_from(play.replace("09:00-17:00", "08:00-17:00") + rule))
    assert (report.kept_waits, report.moved_waits, report.due_waits) == (1, 1, 1)
    assert _fired(engine, "2026-11-23T10:00:00Z") == [("test.play:3", "m1", "2026-11-23T09:30:00Z")]
