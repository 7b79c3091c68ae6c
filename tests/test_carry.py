"""Carrying state over to another rule set (SPEC section 7, hot reload): what
`carry_state` keeps, re-dates and drops, and the engine running the result."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from helpers import ruleset_from

from playbook.language.events import make_event
from playbook.language.timestamps import format_time, parse_time
from playbook.runtime.carry import (
    COUNTS_OTHERWISE,
    GONE,
    LIMITS_OTHERWISE,
    STOPPED_COUNTING,
    STOPPED_WAITING,
    CarryReport,
    Dropped,
    carry_state,
)
from playbook.runtime.engine import Engine
from playbook.runtime.state import EngineState

PLAY = """\
brand "@acme"
rule "Escalate": when mention and text contains "broken" and unanswered 2h then escalate to "care-leads"
rule "Spike": when mention and text contains "hello" and at least 3 times within 10m per platform then alert "#war-room"
rule "Thank": when mention and text contains "love" then reply "Thanks!" at most once per author per 1d
when mention and text contains "refund" and unanswered 1h then assign to "billing"
"""
REFUND = 'when mention and text contains "refund" and unanswered 1h then assign to "billing"'


def mention(id: str, hhmm: str, text: str, author: str = "@jane", **extra: Any) -> dict[str, Any]:
    return {
        "id": id,
        "type": "mention",
        "time": f"2026-11-20T{hhmm}:00Z",
        "text": text,
        "author": {"handle": author},
        **extra,
    }


EVENTS = [
    mention("m1", "09:00", "it arrived broken"),
    mention("m2", "09:01", "I love it", "@bob"),
    mention("s1", "09:02", "hello", "@x", platform="twitter"),
    mention("s2", "09:03", "hello", "@y", platform="twitter"),
    mention("m3", "09:04", "refund please", "@carl"),
]


def _engine(play: str, events: list[dict[str, Any]]) -> Engine:
    engine = Engine(ruleset_from(play))
    for data in events:
        engine.process(make_event(dict(data)))
    return engine


def _records(
    engine: Engine, events: list[dict[str, Any]], until: str | None = None
) -> list[tuple[str, str, str]]:
    records = [r for data in events for r in engine.process(make_event(dict(data)))]
    if until is not None:
        records += engine.advance(parse_time(until))
    return [(r.rule, r.event, r.time) for r in records]


def _held(
    state: EngineState,
) -> tuple[list[tuple[str, str, str]], dict[str, list[str]], dict[str, list[list[str]]]]:
    """The waits (rule, item, due), window keys and limit keys of each rule."""
    return (
        [(w.rule, w.event, format_time(w.due)[11:16]) for w in state.waits],
        {key: sorted(map(str, s.windows)) for key, s in state.rules.items() if s.windows},
        {key: [sorted(map(str, log)) for log in s.limits] for key, s in state.rules.items() if any(s.limits)},
    )


UNCHANGED = (
    [(REFUND, "m3", "10:04"), ("Escalate", "m1", "11:00")],
    {"Spike": ["twitter"]},
    {"Thank": [["('handle', '@bob')"]]},
)


def test_an_unchanged_reload_changes_nothing() -> None:
    engine = _engine(PLAY, EVENTS)
    state = engine.export()
    before = copy.deepcopy(state)
    carried, report = carry_state(engine.outlines(), ruleset_from(PLAY).rules, state)
    assert carried == state == before
    assert _held(carried) == UNCHANGED
    assert report == CarryReport(rules=4, kept_waits=2, kept_windows=1, kept_limits=1)
    assert report.summary() == "kept 2 waits, 1 window, 1 limit count"
    assert not report.changed


@pytest.mark.parametrize(
    "old, new, held, dropped",
    [
        pytest.param(
            'to "care-leads"', 'to "care-leads-emea" priority high', UNCHANGED, (), id="a kept name keeps all"
        ),
        pytest.param(
            'rule "Escalate"',
            'rule "Escalate complaints"',
            ([(REFUND, "m3", "10:04")], *UNCHANGED[1:]),
            (Dropped("Escalate", GONE, waits=1, renamed_to="Escalate complaints"),),
            id="a renamed rule drops its wait",
        ),
        pytest.param(
            '"broken" and unanswered 2h',
            '"broken" and unanswered 1m',
            ([("Escalate", "m1", "09:01"), (REFUND, "m3", "10:04")], *UNCHANGED[1:]),
            (),
            id="a shorter wait is re-dated",
        ),
        pytest.param(
            '"broken" and unanswered 2h',
            '"broken" and unanswered 3h',
            ([(REFUND, "m3", "10:04"), ("Escalate", "m1", "12:00")], *UNCHANGED[1:]),
            (),
            id="a longer wait is re-dated",
        ),
        pytest.param(
            '"broken" and unanswered 2h',
            '"broken"',
            ([(REFUND, "m3", "10:04")], *UNCHANGED[1:]),
            (Dropped("Escalate", STOPPED_WAITING, waits=1),),
            id="a rule that no longer waits drops its wait",
        ),
        pytest.param(
            "within 10m per platform",
            "within 20m per platform",
            UNCHANGED,
            (),
            id="a window of another size is kept",
        ),
        pytest.param(
            "within 10m per platform",
            "within 10m per author",
            (UNCHANGED[0], {}, UNCHANGED[2]),
            (Dropped("Spike", COUNTS_OTHERWISE, windows=1),),
            id="a window by another field starts again",
        ),
        pytest.param(
            " and at least 3 times within 10m per platform",
            "",
            (UNCHANGED[0], {}, UNCHANGED[2]),
            (Dropped("Spike", STOPPED_COUNTING, windows=1),),
            id="a rule that no longer counts drops its window",
        ),
        pytest.param(
            "at most once per author per 1d",
            "at most once per platform per 1d",
            (*UNCHANGED[:2], {}),
            (Dropped("Thank", LIMITS_OTHERWISE, limits=1),),
            id="a limit by another field starts afresh",
        ),
        pytest.param(
            "at most once per author per 1d",
            "at most 3 per 1d at most 2 per author per 2d",
            (*UNCHANGED[:2], {"Thank": [[], ["('handle', '@bob')"]]}),
            (),
            id="a limit by the same field keeps counting",
        ),
        pytest.param(
            'rule "Thank": when mention and text contains "love" then reply "Thanks!" at most once per author per 1d\n',
            "",
            (*UNCHANGED[:2], {}),
            (Dropped("Thank", GONE, limits=1),),
            id="a rule removed drops its state",
        ),
        pytest.param(
            '"refund" and unanswered 1h',
            '"refund" and unanswered 2h',
            ([("Escalate", "m1", "11:00")], *UNCHANGED[1:]),
            (Dropped("test.play:5", GONE, waits=1, unnamed=True),),
            id="an unnamed rule whose text changed is gone",
        ),
        pytest.param(
            REFUND,
            'rule "Refunds": ' + REFUND,
            ([("Escalate", "m1", "11:00")], *UNCHANGED[1:]),
            (Dropped("test.play:5", GONE, waits=1, renamed_to="Refunds", unnamed=True),),
            id="an unnamed rule given a name is gone",
        ),
    ],
)
def test_what_a_reload_carries_over(
    old: str, new: str, held: tuple[Any, ...], dropped: tuple[Dropped, ...]
) -> None:
    engine = _engine(PLAY, EVENTS)
    state = engine.export()
    before = copy.deepcopy(state)
    carried, report = carry_state(engine.outlines(), ruleset_from(PLAY.replace(old, new)).rules, state)
    assert state == before, "carry_state changes nothing it is given"
    assert _held(carried) == held
    assert report.dropped == dropped
    assert (carried.clock, carried.threads, carried.settled) == (state.clock, state.threads, state.settled)


def test_an_unnamed_rule_keeps_its_wait_wherever_it_moved() -> None:
    engine = _engine(PLAY, EVENTS)
    lines = PLAY.splitlines()
    moved = "\n".join([lines[0], lines[4], "", *lines[1:4]]) + "\n"
    carried, report = carry_state(engine.outlines(), ruleset_from(moved).rules, engine.export())
    assert _held(carried) == UNCHANGED
    assert not report.changed


def test_the_report_says_what_moved_and_what_was_dropped() -> None:
    engine = _engine(PLAY, EVENTS)
    edited = (
        PLAY.replace('"broken" and unanswered 2h', '"broken" and unanswered 1m')
        .replace("per platform", "per author")
        .replace('rule "Thank"', 'rule "Thanks"')
        .replace("unanswered 1h", "unanswered 2h")
    )
    _, report = carry_state(engine.outlines(), ruleset_from(edited).rules, engine.export())
    assert report.summary() == (
        "kept 1 wait (1 re-dated, 1 due at once), 0 windows, 0 limit counts; "
        "dropped 1 window of rule 'Spike' which no longer counts by the same field; "
        "dropped 1 limit count of rule 'Thank' which is gone; "
        "dropped 1 wait of rule 'test.play:5' which is gone"
    )
    assert report.renames() == [
        "rule 'Thank' is gone and 'Thanks' has the same text: rename it back to keep its 1 limit count"
    ]
    assert report.fields() == {
        "state": report.summary(),
        "kept_waits": 1,
        "moved_waits": 1,
        "due_waits": 1,
        "kept_windows": 0,
        "kept_limits": 0,
        "kept_marks": 0,
        "dropped_waits": 1,
    }


def test_a_rename_warning_counts_everything_the_rule_loses() -> None:
    engine = _engine(PLAY, [*EVENTS, mention("m4", "09:05", "I love it and it is broken", "@dana")])
    both = PLAY.replace('rule "Escalate"', 'rule "Escalate complaints"').replace(
        'rule "Thank"', 'rule "Thanks"'
    )
    _, report = carry_state(engine.outlines(), ruleset_from(both).rules, engine.export())
    assert report.renames() == [
        "rule 'Escalate' is gone and 'Escalate complaints' has the same text: rename it back to keep its 2 pending waits",
        "rule 'Thank' is gone and 'Thanks' has the same text: rename it back to keep its 2 limit counts",
    ]
    assert report.dropped_waits == 2


# --- the engine after a reload ---

TIMED = """\
brand "@acme"
rule "Escalate": when mention and text contains "broken" and unanswered 2h then escalate to "care-leads"
rule "Crisis": when mention and text contains "fire" then alert "#crisis"
"""


def _shortened(to: str) -> str:
    return TIMED.replace("unanswered 2h", f"unanswered {to}")


def test_a_reload_that_shortens_a_wait_fires_it_at_once_with_the_new_deadline() -> None:
    engine = _engine(TIMED, [mention("m1", "09:00", "it arrived broken"), mention("x", "10:00", "fine")])
    report = engine.install(ruleset_from(_shortened("30m")))
    assert (report.moved_waits, report.due_waits) == (1, 1)
    assert _records(engine, [], until="2026-11-20T10:00:00Z") == [("Escalate", "m1", "2026-11-20T09:30:00Z")]
    assert engine.pending() == []


def test_a_wait_brought_due_fires_before_the_next_event_even_a_late_one() -> None:
    engine = _engine(TIMED, [mention("m1", "09:00", "it arrived broken"), mention("x", "10:00", "fine")])
    engine.install(ruleset_from(_shortened("30m")))
    assert _records(engine, [mention("f1", "09:45", "fire!")]) == [
        ("Escalate", "m1", "2026-11-20T09:30:00Z"),
        ("Crisis", "f1", "2026-11-20T09:45:00Z"),
    ]


def test_a_wait_brought_due_at_the_clock_fires_at_once() -> None:
    engine = _engine(TIMED, [mention("m1", "09:00", "it arrived broken"), mention("x", "10:00", "fine")])
    engine.install(ruleset_from(_shortened("1h")))
    assert _records(engine, [mention("y", "10:00", "fine")]) == [("Escalate", "m1", "2026-11-20T10:00:00Z")]


def test_a_reload_that_lengthens_a_wait_moves_it_later() -> None:
    engine = _engine(TIMED, [mention("m1", "09:00", "it arrived broken"), mention("x", "10:00", "fine")])
    report = engine.install(ruleset_from(_shortened("3h")))
    assert (report.moved_waits, report.due_waits) == (1, 0)
    assert _records(engine, [], until="2026-11-20T11:59:59Z") == []
    assert _records(engine, [], until="2026-11-20T12:00:00Z") == [("Escalate", "m1", "2026-11-20T12:00:00Z")]


def test_an_answer_before_a_reload_still_counts() -> None:
    reply = {
        "id": "r1",
        "type": "reply",
        "time": "2026-11-20T09:10:00Z",
        "in_reply_to": "m1",
        "author": {"handle": "@acme"},
    }
    engine = _engine(TIMED, [mention("m1", "09:00", "it arrived broken"), reply])
    engine.install(ruleset_from(_shortened("5m")))
    assert _records(engine, [], until="2026-11-20T12:00:00Z") == []


def test_restoring_under_edited_rules_carries_the_state_over_as_a_reload_does() -> None:
    engine = _engine(TIMED, [mention("m1", "09:00", "it arrived broken"), mention("x", "10:00", "fine")])
    restored, report = Engine.restore(ruleset_from(_shortened("30m")), engine.snapshot())
    assert (report.moved_waits, report.due_waits) == (1, 1)
    assert _records(restored, [], until="2026-11-20T10:00:00Z") == [
        ("Escalate", "m1", "2026-11-20T09:30:00Z")
    ]
    renamed, report = Engine.restore(
        ruleset_from(TIMED.replace('"Escalate"', '"Escalate all"')), engine.snapshot()
    )
    assert report.renames() == [
        "rule 'Escalate' is gone and 'Escalate all' has the same text: rename it back to keep its 1 pending wait"
    ]
    assert renamed.pending() == []


def test_a_waits_firing_counts_for_a_limit_added_by_the_same_field() -> None:
    play = """\
rule "Apologise": when mention and text contains "broken" and unanswered 1h then reply "Sorry!" at most once per author per 1d
"""
    engine = _engine(play, [mention("m1", "09:00", "it arrived broken")])
    engine.install(ruleset_from(play.replace("at most once", "at most 5 per 1d at most once")))
    assert engine.export().waits[0].keys == (None, ("handle", "@jane"))
    fired = _records(engine, [mention("m2", "11:00", "still broken")], until="2026-11-20T13:00:00Z")
    assert fired == [("Apologise", "m1", "2026-11-20T10:00:00Z")], "the second firing for @jane is limited"


# A reload makes the new rule set ready (`Engine.prepare`) while the engine goes on running
# events, and installs it later: what those events left is carried over as well.
LATER = [
    mention("m4", "09:05", "broken again", "@dan"),
    mention("s3", "09:06", "hello", "@z", platform="facebook"),
    mention("m5", "09:07", "love it", "@eve"),
    mention("m6", "09:08", "refund now", "@fay"),
]
EDITED = PLAY.replace("2h", "3h").replace("per platform", "per author").replace("per author per 1d", "per 1d")


def test_the_events_run_between_preparing_and_installing_are_carried_over_once() -> None:
    prepared, plain = _engine(PLAY, EVENTS), _engine(PLAY, EVENTS)
    edited = ruleset_from(EDITED)
    successor = prepared.prepare(edited)
    for engine in (prepared, plain):
        for data in LATER:
            engine.process(make_event(dict(data)))
    report = prepared.install(edited, successor)
    assert report == plain.install(edited)
    assert report.kept_waits == 4 and report.dropped  # the later events' waits, windows and limits
    assert _held(prepared.export()) == _held(plain.export())
    after = [mention("m7", "09:09", "love", "@eve"), mention("s4", "09:10", "hello", "@z")]
    assert _records(prepared, after, "2026-11-20T13:00:00Z") == _records(plain, after, "2026-11-20T13:00:00Z")


def test_a_rule_set_made_ready_to_replace_other_rules_is_carried_over_from_the_rules_running() -> None:
    stale, plain = _engine(PLAY, EVENTS), _engine(PLAY, EVENTS)
    original, edited = ruleset_from(PLAY), ruleset_from(EDITED)
    successor = stale.prepare(original)  # made ready to replace PLAY's rules
    for engine in (stale, plain):
        engine.install(edited)  # the windows per platform are dropped: the rule now counts per author
        engine.process(make_event(dict(mention("s5", "09:05", "hello", "@x"))))
    report = stale.install(original, successor)
    assert report == plain.install(original)
    assert any(d.why == COUNTS_OTHERWISE for d in report.dropped)  # counted per author, now per platform
    assert _held(stale.export()) == _held(plain.export())
