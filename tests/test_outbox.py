"""The outbox (store.py): a row per batch and sink, a cursor per sink, each (sink, action) taken once."""

from __future__ import annotations

import json
import sqlite3
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from daemon_harness import DaemonProcess, now_iso, playbook_folder, wait_for

from playbook.daemon.digest import LISTED
from playbook.daemon.store import Store

CARE = """\
brand "@acme"
rule "Crisis": when mention and text contains "fire" then alert "#crisis"
"""

# The outbox of schema 4, as Playbook wrote it.
SCHEMA_4 = """
CREATE TABLE inbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL,
                    data BLOB NOT NULL, first_seq INTEGER NOT NULL);
CREATE TABLE positions (source TEXT PRIMARY KEY, offset INTEGER NOT NULL, line INTEGER NOT NULL,
                        identity TEXT NOT NULL);
CREATE TABLE engine (id INTEGER PRIMARY KEY CHECK (id = 1), snapshot BLOB NOT NULL);
CREATE TABLE guard (id INTEGER PRIMARY KEY CHECK (id = 1), state BLOB NOT NULL);
CREATE TABLE live_tally (id INTEGER PRIMARY KEY CHECK (id = 1), tally BLOB NOT NULL);
CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, sink TEXT NOT NULL,
                     action_id TEXT NOT NULL, body BLOB NOT NULL,
                     attempts INTEGER NOT NULL DEFAULT 0, next_try REAL NOT NULL DEFAULT 0,
                     delivered INTEGER NOT NULL DEFAULT 0, queued REAL NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX outbox_once ON outbox (sink, action_id);
CREATE INDEX outbox_waiting ON outbox (sink, seq) WHERE delivered = 0;
PRAGMA user_version = 4;
"""


def record(n: int, rule: str = "Crisis") -> tuple[str, bytes]:
    return f"a{n}", json.dumps({"id": f"a{n}", "rule": rule, "n": n}).encode()


def queue(store: Store, sink: str, numbers: range | list[int]) -> None:
    store.queue([(sink, *record(n)) for n in numbers], after_event=0)


def numbers(store: Store, sink: str, at: float | None = None) -> list[int]:
    return [json.loads(d.body)["n"] for d in store.due(sink, at or time.time(), 1000)]


def test_an_action_is_taken_once_per_sink_until_the_save_after_its_delivery_across_a_restart(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "state.db")
    store = Store(path)
    queue(store, "file:a", range(3))
    queue(store, "file:a", range(2, 6))  # a2 is held already
    queue(store, "file:b", range(2))
    assert numbers(store, "file:a") == [0, 1, 2, 3, 4, 5]
    store.delivered(
        "file:a", [d.seq for d in store.due("file:a", time.time(), 4)]
    )  # a0 to a3, within two rows
    assert numbers(store, "file:a") == [4, 5]
    store.close()
    store = Store(path)  # as after a SIGKILL: the delivered records are still held, the waiting ones wait
    try:
        queue(store, "file:a", range(7))
        queue(store, "file:b", range(3))
        assert numbers(store, "file:a") == [4, 5, 6]
        assert numbers(store, "file:b") == [0, 1, 2]
        assert store.waiting_by_sink() == {"file:a": 3, "file:b": 3}
        # Drops the first row of file:a, all delivered; a row in part stays.
        store.save(0, b"engine", b"guard")
        queue(store, "file:a", range(4))
        assert numbers(store, "file:a") == [4, 5, 6, 0, 1, 2]  # a3 is still held, in the row kept
        assert store.outbox_size() == 9
    finally:
        store.close()


def test_a_delivered_row_stays_held_until_the_saved_state_has_taken_in_the_event_it_came_after(
    tmp_path: Path,
) -> None:
    """After a crash the engine, restored from an older state, makes the records of the events
    it takes in again: a save on the way must not drop the rows they were delivered from."""
    path = str(tmp_path / "state.db")
    store = Store(path)
    store.queue([("file:a", *record(n)) for n in range(2)], after_event=10)
    store.queue([("file:a", *record(n)) for n in range(2, 4)], after_event=20)
    store.delivered("file:a", [d.seq for d in store.due("file:a", time.time(), 10)])
    store.close()
    store = Store(path)  # restarted from a state saved at event 5, say
    try:
        store.save(15, b"engine", b"guard")  # past the first row's event, not the second's
        store.queue([("file:a", *record(n)) for n in range(4)], after_event=20)
        assert numbers(store, "file:a") == [0, 1]  # made again after the drop; a2 and a3 still held
        store.delivered("file:a", [d.seq for d in store.due("file:a", time.time(), 10)])
        store.save(20, b"engine", b"guard")
        assert store.outbox_size() == 0
        store.queue([("file:a", *record(3))], after_event=21)
        assert numbers(store, "file:a") == [3]  # the state saved at 20 does not make it again
    finally:
        store.close()


def test_a_refused_delivery_is_retried_first_and_the_others_wait_behind_it_in_order(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "state.db"))
    try:
        queue(store, "webhook:hook", range(3))
        queue(store, "webhook:hook", range(3, 5))
        first = store.due("webhook:hook", time.time(), 1000)
        store.delivered("webhook:hook", [first[0].seq])
        store.retry_later("webhook:hook", first[1].seq, 1, time.time() + 60)
        assert store.due("webhook:hook", time.time(), 1000) == []
        assert store.digest("webhook:hook", 0, time.time(), LISTED) is None
        assert store.outbox_size() == 4
        later = store.due("webhook:hook", time.time() + 61, 1000)
        assert [(d.action_id, d.attempts) for d in later] == [("a1", 1), ("a2", 0), ("a3", 0), ("a4", 0)]
        store.delivered("webhook:hook", [d.seq for d in later[:2]])
        after = store.due("webhook:hook", time.time(), 1000)
        assert [(d.action_id, d.attempts) for d in after] == [("a3", 0), ("a4", 0)]
    finally:
        store.close()


def test_a_digest_counts_by_rule_over_several_rows_from_its_first_waiting_record(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "state.db"))
    try:
        store.queue(
            [("slack:desk", *record(n, "Storm" if n % 2 else "Escalate")) for n in range(5)], after_event=0
        )
        store.queue([("slack:desk", *record(n, "Storm")) for n in range(5, 8)], after_event=0)
        # a0 and a1 went out one by one
        store.delivered("slack:desk", [d.seq for d in store.due("slack:desk", time.time(), 2)])
        digest = store.digest("slack:desk", 60, time.time() + 61, 2)
        assert digest is not None
        assert (digest.count, digest.by_rule) == (6, [("Escalate", 2), ("Storm", 4)])
        assert [d.action_id for d in digest.listed] == ["a2", "a3"]
        store.digest_delivered("slack:desk", digest)
        assert store.outbox_size() == 0
        store.queue([("slack:desk", *record(8))], after_event=0)
        later = store.digest("slack:desk", 60, time.time() + 61, LISTED)
        assert later is not None and [d.action_id for d in later.listed] == ["a8"]
    finally:
        store.close()


def test_a_sinks_records_move_to_its_new_key_in_order_without_one_twice(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "state.db"))
    try:
        queue(store, "webhook:http://old", range(3))
        store.delivered("webhook:http://old", [store.due("webhook:http://old", time.time(), 1)[0].seq])
        queue(store, "webhook:new", [2, 3])
        queue(store, "webhook:http://old", [4])
        assert store.move_sink("webhook:http://old", "webhook:new") == 3  # a0 (delivered), a1, a4
        assert store.waiting_by_sink() == {"webhook:new": 4}
        assert numbers(store, "webhook:new") == [1, 2, 3, 4]
        queue(store, "webhook:new", [0, 5])
        assert numbers(store, "webhook:new") == [1, 2, 3, 4, 5]
        assert store.move_sink("webhook:http://old", "webhook:new") == 0
    finally:
        store.close()


def test_an_outbox_of_schema_4_is_delivered_after_the_upgrade_and_still_takes_each_action_once(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.db"
    retry_at = time.time() + 600
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA_4)
        db.executemany(
            "INSERT INTO outbox (sink, action_id, body, attempts, next_try, delivered, queued) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                ("file:a", "a0", record(0)[1], 0, 0, 1, 100.0),
                ("file:b", "a0", record(0)[1], 0, 0, 1, 100.0),
                ("file:a", "a1", record(1)[1], 2, retry_at, 0, 100.0),
                ("file:b", "a1", record(1)[1], 0, 0, 1, 100.0),
                ("file:a", "a2", record(2)[1], 0, 0, 0, 200.0),
            ],
        )
    db.close()
    store = Store(str(path))
    try:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == 5
        assert store.waiting_by_sink() == {"file:a": 2}
        assert numbers(store, "file:a") == []  # its retry is not due yet
        due = store.due("file:a", retry_at + 1, 10)
        assert [(d.action_id, d.attempts) for d in due] == [("a1", 2), ("a2", 0)]
        queue(store, "file:a", range(4))
        queue(store, "file:b", range(3))
        assert numbers(store, "file:a", retry_at + 1) == [1, 2, 3]
        assert numbers(store, "file:b") == [2]
        digest = store.digest("file:a", 50, retry_at + 1, LISTED)
        assert digest is not None and digest.start == 100.0 and digest.count == 1  # a2 came later
        store.save(0, b"engine", b"guard")  # the delivered ones go, and with them their ids
        queue(store, "file:b", [0])
        assert numbers(store, "file:b") == [2, 0]
    finally:
        store.close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return playbook_folder(tmp_path, "care.play", CARE)


def mention(id: str) -> dict[str, Any]:
    return {"id": id, "type": "mention", "time": now_iso(), "text": "fire", "author": {"handle": "@jane"}}


def test_a_sigkill_after_deliveries_to_two_sinks_delivers_none_again_and_loses_none(folder: Path) -> None:
    sinks = [{"type": "file", "path": "out/actions.jsonl"}, {"type": "file", "path": "out/copy.jsonl"}]
    process = DaemonProcess(folder, {"sinks": sinks}).start()
    try:
        assert process.post(mention("warm-up"))[0] == 202
        wait_for(lambda: len(process.actions("out/copy.jsonl")) == 1, what="the first action")
        for batch in range(4):  # several batches, so several rows per sink, before the next save
            assert process.post([mention(f"m{batch}-{i}") for i in range(10)])[0] == 202
        wait_for(lambda: len(process.actions("out/copy.jsonl")) == 41, what="every action in both sinks")
        wait_for(lambda: process.health()["outbox"] == 0, what="the deliveries to be marked")
        process.kill()
        process.start()
        wait_for(lambda: process.health()["inbox"] == 0, what="the replay")
        for batch in range(4):  # killed again, this time while it delivers
            assert process.post([mention(f"n{batch}-{i}") for i in range(10)])[0] == 202
        process.kill()
        process.start()
        expected = {"warm-up"} | {f"{x}{b}-{i}" for x in "mn" for b in range(4) for i in range(10)}
        for path in ("out/actions.jsonl", "out/copy.jsonl"):
            wait_for(
                lambda p=path: len(set(a["event"] for a in process.actions(p))) == 81, what="every action"
            )
        wait_for(lambda: process.health()["outbox"] == 0, what="the outbox to empty")
        for path in ("out/actions.jsonl", "out/copy.jsonl"):
            events = Counter(a["event"] for a in process.actions(path))
            assert set(events) == expected
            assert all(events[e] == 1 for e in expected if e[0] != "n"), "delivered before the first kill"
            assert max(events.values()) <= 2
    finally:
        process.close()
