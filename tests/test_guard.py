"""The guard (SPEC section 9), on its own: which firings it lets through, when it
pauses a rule, what its alert says, and what lifts a pause. The daemon around it
is tested in test_daemon_safe_edits.py."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import ruleset_from

from playbook.compiler.actions import ActionRecord
from playbook.compiler.ruleset import RuleSet
from playbook.daemon.config import GuardSettings
from playbook.daemon.guard import Guard, GuardStateError
from playbook.language.events import make_event
from playbook.language.timestamps import MICROS
from playbook.runtime.engine import Engine

DESK = """\
brand "@acme"
rule "Thank": when mention and text contains "love" then reply "Thanks!", tag "thanked"
rule "Hide spam": when comment and text contains "spam" then hide
shadow rule "Thank warmly": when mention and text contains "love" then reply "Thank you so much!"
rule "Crisis": when mention and text contains "fire" then alert "#crisis"
"""
MINUTE = 60 * MICROS


def records(ruleset: RuleSet, events: list[dict[str, Any]]) -> list[ActionRecord]:
    engine = Engine(ruleset)
    out: list[ActionRecord] = []
    for fields in events:
        out.extend(engine.process(make_event(fields)))
    return out


def love(number: int, minute: int) -> dict[str, Any]:
    return {
        "id": f"m{number}",
        "type": "mention",
        "time": f"2026-11-20T09:{minute:02d}:00Z",
        "text": "I love it",
        "author": {"handle": f"@fan{number}"},
    }


def screened(guard: Guard, ruleset: RuleSet, events: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(r.rule, r.action, r.event) for r in guard.screen(records(ruleset, events))]


def test_the_firing_that_goes_over_max_pauses_the_rule_and_is_held_back() -> None:
    ruleset = ruleset_from(DESK)
    guard = Guard(GuardSettings(max=2, within=10 * MINUTE), ruleset)
    out = guard.screen(records(ruleset, [love(1, 0), love(2, 1), love(3, 2), love(4, 3)]))
    live = [(r.rule, r.action, r.event) for r in out if not r.shadow]
    assert live == [
        ("Thank", "reply", "m1"),
        ("Thank", "tag", "m1"),
        ("Thank", "reply", "m2"),
        ("Thank", "tag", "m2"),
        ("guard", "alert", "m3"),
    ]
    (alert,) = [r.to_dict() for r in out if r.rule == "guard"]
    assert alert == {
        "id": alert["id"],
        "time": "2026-11-20T09:02:00Z",
        "rule": "guard",
        "action": "alert",
        "target": None,
        "params": {"message": "rule 'Thank' paused: 3 reply actions within 10m"},
        "event": "m3",
        "thread": "m3",
        "author": "@fan3",
        "source": "test.play:2",
    }
    assert [(p.name, p.since, p.why) for p in guard.paused.values()] == [
        ("Thank", "2026-11-20T09:02:00Z", "3 reply actions within 10m")
    ]
    assert guard.held == {"Thank": 2}
    # The shadow rule beside it is neither counted nor paused.
    assert [r.event for r in out if r.shadow] == ["m1", "m2", "m3", "m4"]


def test_records_count_in_the_window_that_ends_at_the_firing() -> None:
    ruleset = ruleset_from(DESK)
    guard = Guard(GuardSettings(max=2, within=10 * MINUTE), ruleset)
    # m1 at 09:00 leaves the window (t - 10m, t] of m3 at 09:10: two in it, not three.
    assert ("guard", "alert", "m3") not in screened(guard, ruleset, [love(1, 0), love(2, 5), love(3, 10)])
    assert ("guard", "alert", "m4") in screened(guard, ruleset, [love(4, 11)])


def test_every_guarded_action_counts_and_the_alert_names_them() -> None:
    ruleset = ruleset_from('rule "Loud": when mention then reply "hi", hide\n')
    guard = Guard(GuardSettings(max=3, within=10 * MINUTE), ruleset)
    out = screened(guard, ruleset, [love(1, 0), love(2, 1)])
    assert out[-1] == ("guard", "alert", "m2")
    (pause,) = guard.paused.values()
    assert pause.why == "4 reply and hide actions within 10m"


def test_a_rule_of_other_actions_is_never_paused() -> None:
    ruleset = ruleset_from(DESK)
    guard = Guard(GuardSettings(max=1, within=10 * MINUTE), ruleset)
    fires = [
        {"id": f"f{i}", "type": "mention", "time": "2026-11-20T09:00:00Z", "text": "fire"} for i in range(5)
    ]
    assert [r for r, _, _ in screened(guard, ruleset, fires)] == ["Crisis"] * 5
    assert guard.paused == {}


def test_max_0_turns_the_guard_off() -> None:
    ruleset = ruleset_from(DESK)
    guard = Guard(GuardSettings(max=0), ruleset)
    out = screened(guard, ruleset, [love(n, n) for n in range(1, 30)])
    assert ("guard", "alert") not in [(r, a) for r, a, _ in out]
    assert len([1 for r, a, _ in out if (r, a) == ("Thank", "reply")]) == 29


def test_a_pause_lasts_until_the_rules_text_changes() -> None:
    ruleset = ruleset_from(DESK)
    settings = GuardSettings(max=1, within=10 * MINUTE)
    guard = Guard(settings, ruleset)
    screened(guard, ruleset, [love(1, 0), love(2, 1)])
    assert list(guard.paused) == ["Thank"]

    # An unchanged reload, or one that changes only comments, spacing and other rules, keeps it.
    spaced = DESK.replace('rule "Thank":', '# thanks\nrule "Thank":\n ').replace('"#crisis"', '"#war-room"')
    assert guard.install(ruleset_from(spaced)) == []
    assert list(guard.paused) == ["Thank"]
    restored = Guard(settings, ruleset, guard.snapshot())
    assert list(restored.paused) == ["Thank"]
    assert screened(restored, ruleset, [love(3, 20)]) == [("Thank warmly", "reply", "m3")]

    edited = ruleset_from(DESK.replace('reply "Thanks!"', 'reply "Thank you!"'))
    assert restored.install(edited) == [
        "resumed rule 'Thank', paused since 2026-11-20T09:01:00Z: its text changed"
    ]
    # Its count starts afresh: the next firing goes out.
    assert ("Thank", "reply", "m4") in screened(restored, edited, [love(4, 21)])


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (lambda text: text.replace('rule "Thank":', 'rule "Thanks":'), "it is gone"),
        (lambda text: text.replace('rule "Thank":', 'shadow rule "Thank":'), "its text changed"),
    ],
)
def test_renaming_a_paused_rule_or_making_it_shadow_lifts_the_pause(edit: Any, why: str) -> None:
    ruleset = ruleset_from(DESK)
    guard = Guard(GuardSettings(max=1, within=10 * MINUTE), ruleset)
    screened(guard, ruleset, [love(1, 0), love(2, 1)])
    assert guard.install(ruleset_from(edit(DESK))) == [
        f"resumed rule 'Thank', paused since 2026-11-20T09:01:00Z: {why}"
    ]
    assert guard.paused == {}


def test_new_guard_settings_lift_a_pause_and_the_same_keep_it() -> None:
    ruleset = ruleset_from(DESK)
    guard = Guard(GuardSettings(max=1, within=10 * MINUTE), ruleset)
    screened(guard, ruleset, [love(1, 0), love(2, 1)])
    saved = guard.snapshot()
    assert list(Guard(GuardSettings(max=1, within=10 * MINUTE), ruleset, saved).paused) == ["Thank"]
    lifted = Guard(GuardSettings(max=5, within=10 * MINUTE), ruleset, saved)
    assert lifted.paused == {}


def test_an_unnamed_paused_rule_moved_to_another_line_stays_paused_under_its_new_name() -> None:
    rule = 'when mention then reply "hi"\n'
    ruleset = ruleset_from(rule)
    guard = Guard(GuardSettings(max=1, within=10 * MINUTE), ruleset)
    screened(guard, ruleset, [love(1, 0), love(2, 1)])
    moved = ruleset_from("\n\n" + rule)
    assert guard.install(moved) == []
    assert [p.name for p in guard.paused.values()] == ["test.play:3"]
    assert screened(guard, moved, [love(3, 2)]) == []


def test_the_alert_has_the_same_id_when_the_same_firing_pauses_the_rule_again() -> None:
    ruleset = ruleset_from(DESK)
    settings = GuardSettings(max=1, within=10 * MINUTE)
    first, second = Guard(settings, ruleset), Guard(settings, ruleset)
    events = [love(1, 0), love(2, 1)]
    alerts = [[r for r in g.screen(records(ruleset, events)) if r.rule == "guard"] for g in (first, second)]
    assert alerts[0] == alerts[1] and len(alerts[0]) == 1


def test_a_guard_state_that_cannot_be_read_is_refused() -> None:
    with pytest.raises(GuardStateError, match="cannot be read"):
        Guard(GuardSettings(), ruleset_from(DESK), b'{"format": "something else"}')
