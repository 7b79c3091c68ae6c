"""The engine's state as bytes: versioned JSON of plain values (docs/state.md).

Nothing in a snapshot names a class or module of ours, so code can move and
be renamed freely. Rules are identified by their state key, times are
integers (microseconds since 1970-01-01T00:00:00Z), and the key a window or
limit counts under is a JSON value, an array standing for a tuple. Every key
and what it means is listed in docs/state.md, with the versions.

A change to what is saved bumps VERSION, and `decode` then migrates the
versions before it, each with a test; tests/state/ keeps a snapshot of every
version, which must keep loading. Version 3 added marks and repeats (SPEC
section 12); a version 2 snapshot reads as one with no marks, and waits that
have not fired.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from playbook.runtime.state import (
    FIRING_ORDER,
    EngineState,
    KeptMark,
    Remembered,
    RuleOutline,
    RuleState,
    Wait,
)

FORMAT = "playbook engine state"
VERSION = 3
# The versions this Playbook reads: each older one is migrated as it is read.
READS = (2, 3)
# Playbook 0.1.0 saved version 1 in Python's own object serialization, which
# starts with this byte and names our classes: it is refused, not read.
VERSION_1_START = b"\x80"
START_AFRESH = (
    "move the file away to start afresh (the deadlines, windows and limits it holds are then lost, "
    "and followed files are read again from their start)"
)


class SnapshotError(ValueError):
    """Saved engine state this Playbook cannot read; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Saved:
    """A decoded snapshot: the rules that kept the state, and the state."""

    rules: tuple[RuleOutline, ...]
    state: EngineState


def encode(rules: Sequence[RuleOutline], state: EngineState) -> bytes:
    """The snapshot of `state`, kept by `rules` (each has its entry in `state.rules`)."""
    return orjson.dumps(
        {
            "format": FORMAT,
            "version": VERSION,
            "clock": state.clock,
            "next_sweep": state.next_sweep,
            "next_seq": state.next_seq,
            "rules": [_rule(outline, state.rules[outline.key]) for outline in rules],
            "waits": [
                {
                    "rule": w.rule,
                    "event": w.event,
                    "thread": w.thread,
                    "author": w.author,
                    "time": w.time,
                    "due": w.due,
                    "seq": w.seq,
                    "params": w.params,
                    "keys": w.keys,
                    "fired": w.fired,
                    "author_key": w.author_key,
                    "answered": w.answered,
                }
                for w in state.waits
            ],
            "marks": [
                {
                    "on": m.subject,
                    "who": m.who,
                    "name": m.name,
                    "from": m.start,
                    "until": m.end,
                    "shadow": m.shadow,
                }
                for m in state.marks
            ],
            "threads": {
                "rotate_at": state.threads.rotate_at,
                "current": state.threads.current,
                "previous": state.threads.previous,
            },
            "settled": {
                "rotate_at": state.settled.rotate_at,
                "current": list(state.settled.current),
                "previous": list(state.settled.previous),
            },
        }
    )


def _rule(outline: RuleOutline, state: RuleState) -> dict[str, Any]:
    return {
        "key": outline.key,
        "name": outline.name,
        "text": outline.text,
        "window_per": outline.window_per,
        "limits_per": outline.limits_per,
        "windows": [[key, list(times)] for key, times in state.windows.items()],
        "limits": [[[key, list(times)] for key, times in log.items()] for log in state.limits],
    }


def decode(data: bytes) -> Saved:
    """The rules and state of a snapshot; SnapshotError when it cannot be read."""
    if data.startswith(VERSION_1_START):
        raise SnapshotError(
            "the engine state was saved by Playbook 0.1.0, in a format this Playbook cannot read: "
            "run Playbook 0.1.0 on this file until its pending deadlines have fired "
            f'(its /healthz then shows "pending": 0), or {START_AFRESH}'
        )
    try:
        saved = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise SnapshotError(f"the saved engine state is damaged ({exc}): {START_AFRESH}") from None
    if not isinstance(saved, dict) or saved.get("format") != FORMAT:
        raise SnapshotError(f"the saved engine state is not Playbook's: {START_AFRESH}")
    version = saved.get("version")
    if version not in READS:
        raise SnapshotError(
            f"the engine state was saved by another Playbook (state version {version}; this one reads "
            f"versions {READS[0]} to {VERSION}): run that Playbook, or {START_AFRESH}"
        )
    try:
        return _read(saved)
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise SnapshotError(
            f"the saved engine state is damaged ({type(exc).__name__}: {exc}): {START_AFRESH}"
        ) from None


def _migrated(saved: dict[str, Any]) -> dict[str, Any]:
    """A snapshot of an older version as this version writes it."""
    if saved["version"] == 2:
        # Version 3 added marks, and what a wait needs to repeat and to mark its author.
        waits = [{**w, "fired": 0, "author_key": None, "answered": None} for w in saved["waits"]]
        saved = {**saved, "version": 3, "waits": waits, "marks": []}
    return saved


def _read(saved: dict[str, Any]) -> Saved:
    saved = _migrated(saved)
    outlines = []
    rules = {}
    for entry in saved["rules"]:
        outlines.append(
            RuleOutline(
                entry["key"],
                entry["name"],
                entry["text"],
                tuple(entry["window_per"]),
                tuple(entry["limits_per"]),
            )
        )
        rules[entry["key"]] = RuleState(
            {_key(key): deque(times) for key, times in entry["windows"]},
            [{_key(key): deque(times) for key, times in log} for log in entry["limits"]],
        )
    waits = sorted(
        (
            Wait(
                w["rule"],
                w["event"],
                w["thread"],
                w["author"],
                w["time"],
                w["due"],
                w["seq"],
                tuple(dict(p) for p in w["params"]) if w["params"] is not None else None,
                tuple([_key(k) for k in w["keys"]]) if w["keys"] is not None else None,
                int(w["fired"]),
                _key(w["author_key"]),
                w["answered"],
            )
            for w in saved["waits"]
        ),
        key=FIRING_ORDER,
    )
    marks = tuple(
        KeptMark(m["on"], _key(m["who"]), m["name"], m["from"], m["until"], bool(m["shadow"]))
        for m in saved["marks"]
    )
    threads, settled = saved["threads"], saved["settled"]
    state = EngineState(
        saved["clock"],
        saved["next_sweep"],
        saved["next_seq"],
        tuple(waits),
        rules,
        Remembered(threads["rotate_at"], dict(threads["current"]), dict(threads["previous"])),
        Remembered(
            settled["rotate_at"],
            {(rule, item) for rule, item in settled["current"]},
            {(rule, item) for rule, item in settled["previous"]},
        ),
        marks,
    )
    return Saved(tuple(outlines), state)


def _key(value: Any) -> Hashable:
    """A counting key as saved: arrays stand for tuples (`per author` is `("id", "u1")`)."""
    if type(value) is list:
        return tuple([_key(v) for v in value])
    return value  # type: ignore[no-any-return]
