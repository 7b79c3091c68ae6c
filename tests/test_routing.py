"""A sink's `match` (SPEC section 11): which records it takes, and which `match` is refused."""

from __future__ import annotations

from typing import Any

import pytest

from playbook.compiler.actions import ActionRecord
from playbook.daemon.routing import EVERY_RECORD, MatchError, parse_match


def record(
    action: str = "notify", target: str | None = "#vip-desk", rule: str = "VIP", **params: str
) -> ActionRecord:
    return ActionRecord(
        "a1", "2026-11-20T09:00:00Z", rule, action, target, params, "m1", "m1", "@jane", "c.play:1"
    )


ESCALATE_HIGH = record("escalate", "care-leads", "Escalate unanswered complaints", priority="high")
ESCALATE_NOBODY = record("escalate", None, "Escalate")
NOTIFY_VIP = record("notify", "#vip-desk", "VIP first")
CRISIS = record("alert", "#crisis", "Crisis: storm")
HIDE = record("hide", None, "Hide spam")


@pytest.mark.parametrize(
    ("match", "taken"),
    [
        ({"action": ["notify", "alert", "escalate"]}, [ESCALATE_HIGH, ESCALATE_NOBODY, NOTIFY_VIP, CRISIS]),
        ({"target": ["care-leads"]}, [ESCALATE_HIGH]),
        ({"target": [None]}, [ESCALATE_NOBODY, HIDE]),
        ({"target": ["#*"]}, [NOTIFY_VIP, CRISIS]),
        ({"target": ["#*", None]}, [ESCALATE_NOBODY, NOTIFY_VIP, CRISIS, HIDE]),
        ({"rule": ["Crisis*"]}, [CRISIS]),
        ({"rule": ["*unanswered*"]}, [ESCALATE_HIGH]),
        ({"rule": ["escalate"]}, [ESCALATE_NOBODY]),  # ignoring case, and whole: not "Escalate unanswered..."
        ({"priority": ["high", "urgent"]}, [ESCALATE_HIGH]),
        ({"priority": [None]}, [ESCALATE_NOBODY, NOTIFY_VIP, CRISIS, HIDE]),
        ({"action": ["escalate"], "target": [None]}, [ESCALATE_NOBODY]),  # every key must match
        ({"action": ["ESCALATE"], "priority": ["High"]}, [ESCALATE_HIGH]),
        ({"target": ["#vip.desk"]}, []),  # `.` is a dot, not any character
        ({"rule": ["VIP"]}, []),
    ],
)
def test_a_match_takes_the_records_whose_every_key_fits(
    match: dict[str, Any], taken: list[ActionRecord]
) -> None:
    every = [ESCALATE_HIGH, ESCALATE_NOBODY, NOTIFY_VIP, CRISIS, HIDE]
    parsed = parse_match(match)
    assert [r for r in every if parsed.matches(r)] == taken


def test_without_a_match_a_sink_takes_every_record() -> None:
    assert all(EVERY_RECORD.matches(r) for r in [ESCALATE_HIGH, ESCALATE_NOBODY, NOTIFY_VIP, CRISIS, HIDE])


def test_a_star_matches_any_run_of_characters_and_regex_characters_are_plain() -> None:
    parsed = parse_match({"rule": ["a*(b)*"]})
    assert parsed.matches(record(rule="a(b)"))
    assert parsed.matches(record(rule="axx(b)yy"))
    assert not parsed.matches(record(rule="ab"))


@pytest.mark.parametrize(
    ("match", "message"),
    [
        ("notify", "'match' must be a mapping like {action: [notify, alert]}"),
        ({}, "'match' must be a mapping like {action: [notify, alert]}"),
        ({"actions": ["notify"]}, "'match' has an unknown key 'actions' (did you mean 'action'?)"),
        (
            {"channel": ["#x"]},
            "'match' has an unknown key 'channel' (known keys: action, target, rule, priority)",
        ),
        ({"action": "notify"}, "'match.action' must be a list of values, like [notify, alert], not 'notify'"),
        ({"target": []}, """'match.target' must be a list of values, like ["#vip-desk"], not []"""),
        ({"action": ["notfy"]}, "'match.action' lists 'notfy', which no record has (did you mean 'notify'?)"),
        (
            {"priority": ["critical"]},
            "'match.priority' lists 'critical', which no record has (one of low, normal, high, urgent)",
        ),
        ({"action": [None]}, "'match.action' cannot list null: every record has one"),
        ({"rule": [None]}, "'match.rule' cannot list null: every record has one"),
        ({"target": [12]}, "'match.target' must list texts, not 12 (write it in quotes)"),
        ({"target": [""]}, "'match.target' must list texts, not '' (write it in quotes)"),
    ],
)
def test_a_match_that_cannot_be_used_is_refused_naming_its_key(match: Any, message: str) -> None:
    with pytest.raises(MatchError) as caught:
        parse_match(match)
    assert str(caught.value) == message
