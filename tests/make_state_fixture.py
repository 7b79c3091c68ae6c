"""Writes tests/state/v2.json: the engine's snapshot (state version 2) after the
events BEFORE, under the rule set tests/state/v2.play.

Run it once, when a state version is new (`.venv/bin/python tests/make_state_fixture.py`),
and commit what it writes; never rewrite it. tests/test_state_format.py then
shows that every later Playbook still loads state saved by this version: a
format change comes with a migration (docs/state.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

STATE = Path(__file__).resolve().parent / "state"
PLAYBOOK = STATE / "v2.play"
SNAPSHOT = STATE / "v2.json"


def mention(id: str, hhmm: str, text: str, author: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": id,
        "type": "mention",
        "time": f"2026-11-20T{hhmm}:00Z",
        "text": text,
        "author": {"handle": author},
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


def main() -> None:
    from playbook.compiler.ruleset import compile_sources
    from playbook.language.events import make_event
    from playbook.runtime.engine import Engine

    engine = Engine(compile_sources({"v2.play": PLAYBOOK.read_text(encoding="utf-8")}))
    for data in BEFORE:
        engine.process(make_event(dict(data)))
    SNAPSHOT.write_bytes(engine.snapshot())


if __name__ == "__main__":
    main()
