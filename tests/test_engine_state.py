"""Engine state across a reload of the rule set and across a save and restore
(SPEC section 7: hot reload keeps the timers, windows and limits of kept rules)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from helpers import ruleset_from

from playbook.language.events import make_event
from playbook.language.timestamps import parse_time
from playbook.runtime.engine import Engine

PLAY = """
brand "@acme"
rule "Escalate": when mention and text contains "broken" and unanswered 2h then escalate to "care-leads"
rule "Spike": when mention and at least 3 times within 10m then alert "#war-room"
rule "Thank": when mention and text contains "love" then reply "Thanks!" at most once per author per 1d
when mention and text contains "refund" and unanswered 1h then assign to "billing"
"""


def _event(id: str, minute: int, text: str, author: str = "@jane", **extra: Any) -> dict[str, Any]:
    hours, minutes = divmod(minute, 60)
    return {
        "id": id,
        "type": "mention",
        "time": f"2026-11-20T{9 + hours:02d}:{minutes:02d}:00Z",
        "author": {"handle": author},
        "text": text,
        **extra,
    }


def _records(engine: Engine, events: list[dict[str, Any]], until: str | None = None) -> list[dict[str, Any]]:
    out = []
    for data in events:
        out.extend(r.to_dict() for r in engine.process(make_event(dict(data))))
    if until is not None:
        out.extend(r.to_dict() for r in engine.advance(parse_time(until)))
    return out


def _stream(seed: int, size: int = 80) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    texts = ["it arrived broken", "I love it", "refund please", "hello", "broken and refund"]
    events = []
    for n in range(size):
        minute = n * 3 + rng.randrange(3)
        if rng.random() < 0.2 and events:
            parent = rng.choice(events)["id"]
            events.append(_event(f"r{n}", minute, "on it", author="@acme", in_reply_to=parent))
        else:
            events.append(_event(f"m{n}", minute, rng.choice(texts), author=rng.choice(["@a", "@b", "@c"])))
    return events


def test_snapshot_and_restore_in_the_middle_changes_nothing() -> None:
    ruleset = ruleset_from(PLAY)
    for seed in range(10):
        events = _stream(seed)
        whole = _records(Engine(ruleset), events, until="2026-11-21T00:00:00Z")
        for cut in (1, len(events) // 3, len(events) // 2, len(events) - 1):
            first = Engine(ruleset)
            before = _records(first, events[:cut])
            resumed, carried = Engine.restore(ruleset, first.snapshot())
            assert not carried.changed
            after = _records(resumed, events[cut:], until="2026-11-21T00:00:00Z")
            assert before + after == whole, (seed, cut)


def test_a_reload_keeps_a_pending_deadline_of_a_rule_whose_name_is_kept() -> None:
    engine = Engine(ruleset_from(PLAY))
    assert _records(engine, [_event("m1", 0, "it arrived broken")]) == []
    edited = PLAY.replace('to "care-leads"', 'to "care-leads-emea"')
    engine.install(ruleset_from(edited))
    fired = _records(engine, [], until="2026-11-20T12:00:00Z")
    assert [(r["rule"], r["target"], r["time"]) for r in fired] == [
        ("Escalate", "care-leads-emea", "2026-11-20T11:00:00Z"),
    ]


def test_a_reload_keeps_an_unnamed_rule_state_wherever_it_moved() -> None:
    engine = Engine(ruleset_from(PLAY))
    _records(engine, [_event("m1", 0, "refund please")])
    lines = PLAY.strip().splitlines()
    moved = "\n".join([lines[0], lines[4], "", "", *lines[1:4]]) + "\n"
    engine.install(ruleset_from(moved))
    fired = _records(engine, [], until="2026-11-20T12:00:00Z")
    assert [(r["action"], r["event"], r["time"], r["source"]) for r in fired] == [
        ("assign", "m1", "2026-11-20T10:00:00Z", "test.play:2"),
    ]


def test_a_reload_that_removes_a_rule_drops_its_deadlines() -> None:
    engine = Engine(ruleset_from(PLAY))
    _records(engine, [_event("m1", 0, "it arrived broken")])
    assert len(engine.pending()) == 1
    carried = engine.install(ruleset_from(PLAY.replace('rule "Escalate"', 'rule "Escalate complaints"')))
    assert engine.pending() == []
    assert carried.dropped_waits == 1
    assert _records(engine, [], until="2026-11-20T12:00:00Z") == []


def test_a_reload_keeps_limits_and_windows_of_kept_rules() -> None:
    engine = Engine(ruleset_from(PLAY))
    thanked = _records(
        engine, [_event("m1", 0, "I love it"), _event("m2", 1, "hello"), _event("m3", 2, "hello")]
    )
    assert [r["rule"] for r in thanked] == ["Thank", "Spike"]
    engine.install(ruleset_from(PLAY.replace('"Thanks!"', '"Thank you!"')))
    later = _records(engine, [_event("m4", 3, "I love it"), _event("m5", 4, "hello")])
    # Thank stays limited for @jane; the spike window still holds m1..m3 and
    # stays disarmed, so m4 and m5 fire nothing.
    assert [r["rule"] for r in later] == []


@pytest.mark.parametrize(
    "limits, still_limited",
    [
        pytest.param("at most once per author per 1d at most 10 per 1d", True, id="a limit added"),
        pytest.param("at most 10 per 1d at most once per author per 1d", True, id="a limit added before it"),
        pytest.param("at most once per author per 2d", True, id="its duration changed"),
        pytest.param("at most once per platform per 1d", False, id="counted by another field"),
    ],
)
def test_a_reload_keeps_the_firings_a_changed_limit_counts(limits: str, still_limited: bool) -> None:
    engine = Engine(ruleset_from(PLAY))
    assert [r["rule"] for r in _records(engine, [_event("m1", 0, "I love it")])] == ["Thank"]
    engine.install(ruleset_from(PLAY.replace("at most once per author per 1d", limits)))
    again = _records(engine, [_event("m2", 1, "I love it", platform="twitter")])
    assert [r["rule"] for r in again] == ([] if still_limited else ["Thank"])


def test_actions_are_counted_as_taken_across_a_reload_that_changes_a_rules_actions() -> None:
    three = PLAY.replace('then alert "#war-room"', 'then alert "#war-room", tag "a", tag "b"')
    engine = Engine(ruleset_from(three))
    assert len(_records(engine, [_event(f"m{i}", i, "hello") for i in range(3)])) == 3
    engine.install(ruleset_from(PLAY))
    assert len(_records(engine, [_event(f"n{i}", 30 + i, "hello") for i in range(3)])) == 1
    assert (engine.stats["Spike"].fired, engine.stats["Spike"].actions) == (2, 4)


def test_a_dry_run_makes_no_reference_cycles() -> None:
    """Dry runs pause the cycle collector; that is only safe while the engine
    leaves no cycles behind for it to find."""
    import gc
    from pathlib import Path

    from playbook.dryrun.run import dry_run
    from playbook.loader import load_ruleset

    root = Path(__file__).resolve().parent.parent
    ruleset = load_ruleset([str(root / "playbooks")])
    gc.collect()
    with open(root / "examples" / "events.jsonl", "rb") as lines:
        result = dry_run(
            ruleset, lines, lambda record: record.to_json(), until=parse_time("2026-11-22T00:00:00Z")
        )
    assert result.actions > 100
    del result
    assert gc.collect() == 0


def test_explain_names_an_unnamed_rule_by_file_and_line_when_its_item_is_answered(tmp_path: Any) -> None:
    import io

    from playbook.dryrun.explain import Explainer
    from playbook.dryrun.run import dry_run

    ruleset = ruleset_from('brand "@acme"\nwhen mention and unanswered 1h then escalate\n', path="u.play")
    out = io.StringIO()
    lines = [
        b'{"id": "m1", "type": "mention", "time": "2026-11-20T09:00:00Z"}',
        b'{"id": "r1", "type": "reply", "time": "2026-11-20T09:10:00Z", "in_reply_to": "m1", '
        b'"author": {"handle": "@acme"}}',
    ]
    dry_run(ruleset, lines, lambda record: None, explainer=Explainer(ruleset, [], out))
    assert "→ answers m1 in time for 'u.play:2'" in out.getvalue()
