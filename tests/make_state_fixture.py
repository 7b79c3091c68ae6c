"""Writes tests/state/vN.json for the newest state version N: the engine's
snapshot after the events of that version, under the rule set tests/state/vN.play
(v2.json: BEFORE under v2.play; v3.json: V3_BEFORE under v3.play).

Run it once, when a state version is new (`.venv/bin/python tests/make_state_fixture.py`),
and commit what it writes; never rewrite a version's file. tests/test_state_format.py
then shows that every later Playbook still loads state saved by each version: a
format change comes with a migration (docs/state.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

STATE = Path(__file__).resolve().parent / "state"
PLAYBOOK = STATE / "v2.play"
SNAPSHOT = STATE / "v2.json"


def mention(
    id: str, hhmm: str, text: str, author: str, author_id: str | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "id": id,
        "type": "mention",
        "time": f"2026-11-20T{hhmm}:00Z",
        "text": text,
        "author": {"handle": author, **({"id": author_id} if author_id else {})},
        **extra,
    }


# Waits (two due at the same time, a limit key, filled-in params), a thread
# link, a limit, a window, settled items.
BEFORE = [
    mention("m1", "09:00", "it arrived broken", "@jane"),
    {
        "id": "c1",
        "type": "comment",
        "time": "2026-11-20T09:01:00Z",
        "in_reply_to": "m1",
        "author": {"handle": "@jane"},
    },
    mention("m2", "09:02", "I love it", "@bob"),
    mention("m3", "09:03", "refund please", "@carl"),
    mention("s1", "09:04", "hello", "@x", platform="twitter"),
    mention("s2", "09:05", "hello", "@y", platform="twitter"),
    mention("s3", "09:06", "hello", "@z", platform="twitter"),
    mention("m4", "09:07", "broken again", "@dana"),
    {"id": "h1", "type": "handled", "time": "2026-11-20T09:08:00Z", "ref": "m4"},
    mention("m5", "09:09", "still broken", "@kim"),
]


V3_PLAYBOOK = STATE / "v3.play"
V3_SNAPSHOT = STATE / "v3.json"

# Version 3 (SPEC section 12): marks on authors (by id and by handle) and on
# threads, a shadow rule's mark, a repeat pending after a first firing, and
# one stopped by an answer.
V3_BEFORE = [
    mention("m1", "09:00", "it arrived broken", "@jane", author_id="u1"),
    mention("m2", "09:01", "please stop", "@Bob"),
    mention("m3", "09:02", "refund please", "@carl"),
    mention("m4", "09:03", "broken again", "@dana"),
    mention("m5", "10:30", "hello", "@x"),
    {
        "id": "r1",
        "type": "reply",
        "time": "2026-11-20T10:40:00Z",
        "in_reply_to": "m4",
        "author": {"handle": "@acme"},
    },
]


def main() -> None:
    from playbook.compiler.ruleset import compile_sources
    from playbook.language.events import make_event
    from playbook.runtime.engine import Engine

    engine = Engine(compile_sources({"v3.play": V3_PLAYBOOK.read_text(encoding="utf-8")}))
    for data in V3_BEFORE:
        engine.process(make_event(dict(data)))
    V3_SNAPSHOT.write_bytes(engine.snapshot())


if __name__ == "__main__":
    main()
