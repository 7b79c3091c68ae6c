"""The engine's saved state (docs/state.md): versioned JSON of plain values,
which every later Playbook keeps reading."""

from __future__ import annotations

import pickle
import random
import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from helpers import ruleset_from
from make_state_fixture import BEFORE, PLAYBOOK, SNAPSHOT, V3_BEFORE, V3_PLAYBOOK, V3_SNAPSHOT, mention

from playbook.compiler.ruleset import compile_sources
from playbook.language.events import make_event
from playbook.language.timestamps import parse_time
from playbook.runtime.engine import Engine
from playbook.runtime.snapshot import VERSION, SnapshotError, decode

DOC = Path(__file__).resolve().parent.parent / "docs" / "state.md"
UNTIL = parse_time("2026-11-20T12:00:00Z")
# What the state saved after BEFORE shows when it is restored: a window still
# counting, a thread link, a limit, a settled item, waits in order with their params.
AFTER = [
    mention("s4", "09:14", "hello", "@w", platform="twitter"),
    {
        "id": "r1",
        "type": "reply",
        "time": "2026-11-20T09:30:00Z",
        "in_reply_to": "c1",
        "author": {"handle": "@acme"},
    },
    mention("m6", "09:31", "I love it", "@bob"),
    mention("m4", "09:32", "broken again", "@dana"),
]


def _both_versions() -> str:
    """The rules of v2.play and v3.play in one rule set, each version's names kept apart."""
    v3 = V3_PLAYBOOK.read_text(encoding="utf-8").replace('rule "', 'rule "v3 ')
    return PLAYBOOK.read_text(encoding="utf-8") + v3


def _run(engine: Engine, events: list[dict[str, Any]]) -> list[tuple[str, str, str, str, dict[str, Any]]]:
    records = [r for data in events for r in engine.process(make_event(dict(data)))]
    records += engine.advance(UNTIL)
    return [(r.rule, r.action, r.event, r.time, r.params) for r in records]


def test_state_saved_by_version_2_keeps_loading() -> None:
    ruleset = compile_sources({"v2.play": PLAYBOOK.read_text(encoding="utf-8")})
    engine, carried = Engine.restore(ruleset, SNAPSHOT.read_bytes())
    assert not carried.changed
    after = _run(engine, AFTER)
    assert after == [
        ("Spike", "alert", "s4", "2026-11-20T09:14:00Z", {}),
        ("v2.play:7", "assign", "m3", "2026-11-20T10:03:00Z", {}),
        ("Escalate", "escalate", "m5", "2026-11-20T11:09:00Z", {"priority": "high"}),
        ("Apologise", "reply", "m5", "2026-11-20T11:09:00Z", {"text": "Sorry, @kim!"}),
    ]
    straight = Engine(ruleset)
    assert _run(straight, BEFORE + AFTER)[-len(after) :] == after


def test_a_version_2_snapshot_reads_as_one_with_no_marks_and_waits_that_have_not_fired() -> None:
    saved = decode(SNAPSHOT.read_bytes())
    assert saved.state.marks == ()
    assert [(w.event, w.fired, w.author_key, w.answered) for w in saved.state.waits] == [
        ("m3", 0, None, None),
        ("m1", 0, None, None),
        ("m1", 0, None, None),
        ("m5", 0, None, None),
        ("m5", 0, None, None),
    ]


# What the state saved after V3_BEFORE shows when it is restored: the marks on a
# thread, on an author by id and by handle (any case), a shadow rule's mark
# seen by shadow rules only, and a repeat still pending after its first firing.
V3_AFTER = [
    {
        "id": "c1",
        "type": "comment",
        "time": "2026-11-20T10:45:00Z",
        "in_reply_to": "m1",
        "author": {"handle": "@jane", "id": "u1"},
    },
    {
        "id": "c2",
        "type": "comment",
        "time": "2026-11-20T10:46:00Z",
        "in_reply_to": "m3",
        "author": {"handle": "@carl"},
    },
    mention("m6", "10:50", "I love it", "@BOB"),
    mention("m7", "10:51", "hello again", "@DANA"),
    mention("m8", "10:52", "me again", "@jane-new-handle", author_id="u1"),
]


def test_state_saved_by_version_3_keeps_loading() -> None:
    ruleset = compile_sources({"v3.play": V3_PLAYBOOK.read_text(encoding="utf-8")})
    engine, carried = Engine.restore(ruleset, V3_SNAPSHOT.read_bytes())
    assert not carried.changed and carried.kept_marks == 6
    after = _run(engine, V3_AFTER)
    assert after == [
        ("Escalated thread", "notify", "c1", "2026-11-20T10:45:00Z", {"message": "@jane wrote again"}),
        ("Trial follow-up", "assign", "c2", "2026-11-20T10:46:00Z", {}),
        ("Complained before", "tag", "m7", "2026-11-20T10:51:00Z", {}),
        ("Complained before", "tag", "m8", "2026-11-20T10:52:00Z", {}),
        ("Escalate", "escalate", "m1", "2026-11-20T11:00:00Z", {}),
        ("Escalate", "escalate", "m1", "2026-11-20T12:00:00Z", {}),
    ]
    straight = Engine(ruleset)
    assert _run(straight, V3_BEFORE + V3_AFTER)[-len(after) :] == after


def test_a_snapshot_holds_the_state_exactly() -> None:
    ruleset = ruleset_from(_both_versions())
    rng = random.Random(7)
    engine = Engine(ruleset)
    texts = ["broken", "hello", "I love it", "refund please", "fine", "stop it"]
    for n in range(300):
        engine.process(
            make_event(
                mention(
                    f"e{n}",
                    f"{9 + n // 60:02d}:{n % 60:02d}",
                    rng.choice(texts),
                    rng.choice(["@a", "@B", "@c"]),
                    platform=rng.choice(["twitter", "reviews"]),
                    **({"in_reply_to": f"e{n - 1}"} if rng.random() < 0.2 else {}),
                )
            )
        )
    saved = decode(engine.snapshot())
    assert saved.rules == engine.outlines()
    assert saved.state == engine.export()


def test_state_saved_by_playbook_0_1_0_is_refused_saying_what_to_do() -> None:
    # Playbook 0.1.0 saved a dict of its own objects in Python's object serialization.
    old = pickle.dumps({"version": 1, "clock": 1795165200000000, "pending_deadlines": 1}, protocol=5)
    with pytest.raises(SnapshotError) as refused:
        decode(old)
    assert str(refused.value) == (
        "the engine state was saved by Playbook 0.1.0, in a format this Playbook cannot read: run "
        'Playbook 0.1.0 on this file until its pending deadlines have fired (its /healthz then shows "pending": 0), '
        "or move the file away to start afresh (the deadlines, windows and limits it holds are then lost, "
        "and followed files are read again from their start)"
    )


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda saved: saved.update(version=4),
            "the engine state was saved by another Playbook (state version 4; this one reads versions 2 "
            "to 3): run that Playbook, or move the file away",
        ),
        (lambda saved: saved.update(format="something else"), "the saved engine state is not Playbook's"),
        (lambda saved: saved.pop("waits"), "the saved engine state is damaged (KeyError: 'waits')"),
        (lambda saved: saved["rules"][0].update(windows=5), "the saved engine state is damaged (TypeError:"),
    ],
)
def test_state_that_cannot_be_read_is_refused_saying_why(change: Any, message: str) -> None:
    saved = orjson.loads(SNAPSHOT.read_bytes())
    change(saved)
    with pytest.raises(SnapshotError, match=re.escape(message)):
        decode(orjson.dumps(saved))


def test_damaged_bytes_are_refused() -> None:
    with pytest.raises(SnapshotError, match=r"^the saved engine state is damaged \(unexpected end of data"):
        decode(SNAPSHOT.read_bytes()[:100])


def _keys(value: Any, found: set[str]) -> set[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            found.add(key)
            if key not in ("current", "previous", "params"):  # keyed by event ids or action params
                _keys(inner, found)
    elif isinstance(value, list):
        for inner in value:
            _keys(inner, found)
    return found


def test_the_docs_describe_every_key_of_a_snapshot() -> None:
    engine = Engine(ruleset_from(_both_versions()))
    for data in BEFORE + V3_BEFORE:
        engine.process(make_event(dict(data)))
    keys = _keys(orjson.loads(engine.snapshot()), set())
    doc = DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", doc, re.M))
    assert keys <= documented, sorted(keys - documented)
    assert re.search(rf"^\| {VERSION} \|", doc, re.M), "the docs list the state version written now"


def test_waits_due_at_the_same_time_fire_in_the_order_they_were_set_after_a_restore() -> None:
    # Set first: A's wait for m2; then B's for the late m1. Rule order, item
    # times and ids would all put B first.
    play = """\
rule "B": when mention and text contains "b" and unanswered 2h then tag "b"
rule "A": when mention and text contains "a" and unanswered 1h then tag "a"
"""
    engine = Engine(ruleset_from(play))
    for data in [mention("m2", "10:00", "a", "@x"), mention("m1", "09:00", "b", "@y")]:
        engine.process(make_event(dict(data)))
    restored, _ = Engine.restore(ruleset_from(play), engine.snapshot())
    assert [(r.rule, r.event, r.time) for r in restored.advance(UNTIL)] == [
        ("A", "m2", "2026-11-20T11:00:00Z"),
        ("B", "m1", "2026-11-20T11:00:00Z"),
    ]
