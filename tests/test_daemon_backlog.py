"""How the daemon moves a backlog along: a followed file read again as soon as the
processor takes events, the records of a batch queued in one piece, the file sink
written while the event loop goes on, and lines dated too far ahead still set aside."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import orjson

from playbook.compiler.actions import ActionRecord
from playbook.daemon.sinks import FileSender
from playbook.daemon.sources import DeadLetters, split_events
from playbook.daemon.store import Delivery, Store
from playbook.language.events import BadEvent
from playbook.language.timestamps import format_time

HOUR = 3600 * 1_000_000


def mention(n: int, when: str = "2026-11-20T09:00:00Z") -> bytes:
    return orjson.dumps({"id": f"m{n}", "type": "mention", "time": when, "text": "hello"})


def action(n: int) -> ActionRecord:
    return ActionRecord(
        f"a{n}", "2026-11-20T09:00:00Z", "VIP", "notify", "#vip", {}, f"m{n}", f"m{n}", "@jane", "c.play:1"
    )


def test_the_records_of_a_batch_are_queued_as_written_out_one_by_one_and_each_once(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "state.db"))
    try:
        store.queue_records({"file:a": [action(0), action(1)], "file:b": [action(1)]}, after_event=5)
        # A replay after a crash makes a record again, with a new one beside it.
        store.queue_records({"file:a": [action(1), action(2)]}, after_event=6)
        due = store.due("file:a", time.time(), 10)
        assert [d.action_id for d in due] == ["a0", "a1", "a2"]
        assert [d.body for d in due] == [action(n).to_json() for n in range(3)]
        assert [d.body for d in store.due("file:b", time.time(), 10)] == [action(1).to_json()]
    finally:
        store.close()


def test_the_file_sink_lets_the_event_loop_run_while_it_writes(tmp_path: Path) -> None:
    out = tmp_path / "actions.jsonl"
    sender = FileSender(str(out))
    batch = [Delivery(n, f"a{n}", json.dumps({"id": f"a{n}"}).encode(), 0) for n in range(2000)]
    turns = 0

    async def main() -> int:
        nonlocal turns

        async def count_turns() -> None:
            nonlocal turns
            while True:
                turns += 1
                await asyncio.sleep(0)

        counter = asyncio.create_task(count_turns())
        await asyncio.sleep(0)
        before = turns
        sent = await sender.send(batch)
        during = turns - before
        counter.cancel()
        assert sent.taken == 2000
        return during

    assert asyncio.run(main()) > 0
    assert out.read_bytes() == b"".join(d.body + b"\n" for d in batch)


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
