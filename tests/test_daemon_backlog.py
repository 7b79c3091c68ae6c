"""How the daemon moves a backlog along: a followed file read again as soon as the
processor takes events, the records of a batch queued in one piece, and lines dated
too far ahead still set aside."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import orjson
import pytest

from playbook.compiler.actions import ActionRecord
from playbook.daemon import sources
from playbook.daemon.health import Health
from playbook.daemon.inbox import Arrival, Inbox
from playbook.daemon.sources import DeadLetters, FileFollower, split_events
from playbook.daemon.store import Store
from playbook.language.events import BadEvent, make_event
from playbook.language.timestamps import format_time

HOUR = 3600 * 1_000_000


def mention(n: int, when: str = "2026-11-20T09:00:00Z") -> bytes:
    return orjson.dumps({"id": f"m{n}", "type": "mention", "time": when, "text": "hello"})


def action(n: int) -> ActionRecord:
    return ActionRecord(
        f"a{n}", "2026-11-20T09:00:00Z", "VIP", "notify", "#vip", {}, f"m{n}", f"m{n}", "@jane", "c.play:1"
    )


def test_a_followed_file_is_read_again_as_soon_as_the_processor_takes_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources, "POLL_SECONDS", 60.0)  # the next poll is far off
    followed = tmp_path / "events.jsonl"
    followed.write_bytes(b"".join(mention(n) + b"\n" for n in range(3)))
    store = Store(str(tmp_path / "state.db"))
    inbox = Inbox(store)
    inbox.accept("http", [Arrival(mention(9), make_event(orjson.loads(mention(9))))])
    room = False
    dead = DeadLetters(str(tmp_path / "dead.jsonl"), lambda source, problem: None)
    follower = FileFollower(str(followed), inbox, dead, lambda: None, lambda: room, None)

    async def main() -> float:
        nonlocal room
        stopping = asyncio.Event()
        task = asyncio.create_task(follower.run(stopping, Health()))
        await asyncio.sleep(0.05)
        assert store.last_event == 1 and not follower.idle  # no room to read ahead: it waits
        room = True
        taken_at = time.monotonic()
        assert len(inbox.take(0, 10)) == 1  # the processor takes the event waiting
        while store.last_event < 4 and time.monotonic() < taken_at + 10:
            await asyncio.sleep(0.01)
        read_after = time.monotonic() - taken_at
        stopping.set()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return read_after

    try:
        assert asyncio.run(main()) < 5
        assert [orjson.loads(data)["id"] for _, data in store.waiting(1, 10)] == ["m0", "m1", "m2"]
    finally:
        store.close()


def test_the_records_of_a_batch_are_queued_as_written_out_one_by_one_and_each_once(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "state.db"))
    try:
        store.queue_records({"file:a": [action(0), action(1)], "file:b": [action(1)]}, after_event=5)
        # A replay after a crash makes a record again, with a new one beside it, and one for another sink.
        store.queue_records({"file:a": [action(1), action(2)], "file:b": [action(3)]}, after_event=6)
        due = store.due("file:a", time.time(), 10)
        assert [d.action_id for d in due] == ["a0", "a1", "a2"]
        assert [d.body for d in due] == [action(n).to_json() for n in range(3)]
        assert [d.body for d in store.due("file:b", time.time(), 10)] == [
            action(1).to_json(),
            action(3).to_json(),
        ]
    finally:
        store.close()


def test_a_followed_files_lines_dated_too_far_ahead_go_to_the_dead_letters(tmp_path: Path) -> None:
    now = time.time_ns() // 1000
    lines = [mention(0, format_time(now)), mention(1, format_time(now + 3 * 24 * HOUR)), mention(2)]
    skipped: list[tuple[str, BadEvent]] = []
    dead = DeadLetters(
        str(tmp_path / "dead.jsonl"), lambda source, problem: skipped.append((source, problem))
    )
    kept = split_events(lines, 1, "file:x", dead, max_ahead=HOUR)
    assert [arrival.event.id for arrival in kept] == ["m0", "m2"]
    assert [arrival.data for arrival in kept] == [lines[0], lines[2]]
    assert len(skipped) == 1 and "ahead of the wall clock (max_ahead is 1h)" in str(skipped[0][1])
    assert orjson.loads((tmp_path / "dead.jsonl").read_bytes())["line"] == 2
