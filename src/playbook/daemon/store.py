"""The daemon's durable state: one SQLite file in WAL mode (SPEC section 7).

What it holds, and when it is written:
- the inbox: events accepted from a source, stored (with the source's new
  position) before they are acknowledged, numbered in the order they came;
  one row holds the lines of the events a source stored at once (a read of a
  followed file, a request), one a line, from the number `first_seq` to `seq`;
- the outbox: one row per action per sink, written as soon as the engine
  produced it (with the wall-clock time it was queued, which a sink's
  `digest` counts from), and marked delivered once the sink took it;
- the engine's state, saved now and then (saving it is the costly part) in
  one transaction that also saves the guard's state (guard.py), and drops the
  inbox events it covers and the outbox rows already delivered;
- beside it, in the same transaction, the live tally of items and answers
  that `/metrics` and the status page show (playbook.measure.live).
A crash at any point replays from the last saved engine state over the events
still in the inbox. The engine is deterministic, so the replay produces the
same actions with the same ids; the outbox takes each (sink, id) once, so an
action delivered before the crash is not delivered again (at worst, one whose
delivery was under way when the daemon died is).

Commits are made durable on disk (synced) only where someone outside is told
that something was stored: a request answered 202, a line taken from standard
input. Every other commit (events from a followed file, the outbox, what was
delivered, the engine's state) is written to the WAL without waiting for the
disk (SQLite's `synchronous=NORMAL`). A killed daemon loses none of them: they
are in the operating system's hands once committed. A power cut or a crash of
the machine may lose the last of them, never one in the middle: SQLite then
finds the state as it was at an earlier commit, every one of which is whole.
From there a followed file is read again from the position stored with its
events, the events since the saved engine state are processed again, and
actions delivered since are delivered again, with the same ids: at worst
twice, as SPEC section 7 allows. See docs/architecture.md, "What is synced".
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

SCHEMA_VERSION = 4
SCHEMA = """
CREATE TABLE IF NOT EXISTS inbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL,
                                  data BLOB NOT NULL, first_seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS positions (source TEXT PRIMARY KEY, offset INTEGER NOT NULL, line INTEGER NOT NULL,
                                      identity TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS engine (id INTEGER PRIMARY KEY CHECK (id = 1), snapshot BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS guard (id INTEGER PRIMARY KEY CHECK (id = 1), state BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS live_tally (id INTEGER PRIMARY KEY CHECK (id = 1), tally BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, sink TEXT NOT NULL,
                                   action_id TEXT NOT NULL, body BLOB NOT NULL,
                                   attempts INTEGER NOT NULL DEFAULT 0, next_try REAL NOT NULL DEFAULT 0,
                                   delivered INTEGER NOT NULL DEFAULT 0, queued REAL NOT NULL DEFAULT 0);
"""
# Version 1 deleted delivered rows and allowed one action twice in a sink.
MIGRATE_1 = """
ALTER TABLE outbox ADD COLUMN delivered INTEGER NOT NULL DEFAULT 0;
DELETE FROM outbox WHERE seq NOT IN (SELECT min(seq) FROM outbox GROUP BY sink, action_id);
DROP INDEX IF EXISTS outbox_by_sink;
"""
# Version 2 did not say when a row was queued: those rows count as queued long ago.
MIGRATE_2 = """
ALTER TABLE outbox ADD COLUMN queued REAL NOT NULL DEFAULT 0;
"""
# Version 3 stored one event a row.
MIGRATE_3 = """
ALTER TABLE inbox ADD COLUMN first_seq INTEGER NOT NULL DEFAULT 0;
UPDATE inbox SET first_seq = seq;
"""
INDEXES = """
CREATE UNIQUE INDEX IF NOT EXISTS outbox_once ON outbox (sink, action_id);
CREATE INDEX IF NOT EXISTS outbox_waiting ON outbox (sink, seq) WHERE delivered = 0;
"""


class StateError(Exception):
    """The state file cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class Position:
    """How far a followed file has been read: byte offset, lines, and which file it was."""

    offset: int
    line: int
    identity: str


class Delivery(NamedTuple):
    """An action waiting in the outbox for one sink (a tuple: a sink reads thousands a second)."""

    seq: int
    action_id: str
    body: bytes
    attempts: int


@dataclass(frozen=True, slots=True)
class Digest:
    """The deliveries a sink took from `start` (when its oldest waiting one was
    queued, wall clock) until `end`, to go out as one message: the first of them
    in order (`listed`), how many each rule has (in the order each rule first
    comes), and the seq of the last."""

    start: float
    end: float
    listed: list[Delivery]
    by_rule: list[tuple[str, int]]
    last_seq: int

    @property
    def count(self) -> int:
        return sum(n for _, n in self.by_rule)

    @property
    def first(self) -> Delivery:
        return self.listed[0]


class Store:
    """The SQLite file; every method is one transaction.

    A file that does not exist yet is a fresh start. One that exists must be
    whole: a damaged file is refused, and so is one that holds no state (empty,
    or copied without its -wal file, where the state was) unless `fresh` says to
    start with no state; `emptied` then tells that it held none.
    """

    def __init__(self, path: str, fresh: bool = False) -> None:
        existed = os.path.exists(path)
        try:
            self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self.emptied = existed and self._check(path, fresh)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            # Copy the WAL into the file every 10,000 pages (40 MB), not every 1,000: an
            # outbox row is written, marked and deleted within a few seconds, and a page
            # changed again before the copy is copied once.
            self.db.execute("PRAGMA wal_autocheckpoint=10000")
            self._migrate()
            self.last_event = self._last_event()
        except sqlite3.DatabaseError as exc:
            raise StateError(f"{path}: cannot use the state file: {exc}") from None

    def _check(self, path: str, fresh: bool) -> bool:
        """Whether the existing file holds no state; StateError when it is damaged, or
        holds no state and `fresh` was not given."""
        try:
            problems = [row[0] for row in self.db.execute("PRAGMA quick_check(3)")]
        except sqlite3.DatabaseError as exc:
            if exc.sqlite_errorcode != sqlite3.SQLITE_CORRUPT:
                raise
            problems = [str(exc)]
        if problems != ["ok"]:
            raise StateError(
                f"{path}: the state file is damaged ({'; '.join(problems)}); restore it from a backup, "
                "or move it away with its -wal and -shm files to start afresh (its pending deadlines are "
                "then lost)"
            )
        if self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            return False
        if not fresh:
            what = "is empty (0 bytes)" if os.path.getsize(path) == 0 else "holds no tables"
            raise StateError(
                f"{path}: the state file {what}, so the pending deadlines, file positions and undelivered "
                "actions it should hold are missing (a copy made without its -wal file looks like this); "
                "restore it with its -wal file, or start with 'playbook run --fresh' to begin with no state"
            )
        return True

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StateError(f"the state file was written by a newer Playbook (schema {version})")
        tables = {row[0] for row in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        with self._transaction() as db:
            script = (
                (MIGRATE_1 if "outbox" in tables and version < 2 else "")
                + (MIGRATE_2 if "outbox" in tables and version < 3 else "")
                + (MIGRATE_3 if "inbox" in tables and version < 4 else "")
            )
            script += SCHEMA + INDEXES
            for statement in script.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _last_event(self) -> int:
        """The greatest seq the inbox ever gave, kept by SQLite even when its row is gone."""
        row = self.db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'inbox'").fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def _transaction(self, synced: bool = False) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed when the block ends, rolled back when it raises;
        `synced`: on disk when the block ends, not only in the operating system's hands."""
        if synced:
            self.db.execute("PRAGMA synchronous=FULL")
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
                self.db.execute("COMMIT")
            except BaseException:
                # SQLite rolls some errors back by itself (a full disk, say): the error to
                # report is that one, not that there is no transaction left to roll back.
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise
        finally:
            if synced:
                self.db.execute("PRAGMA synchronous=NORMAL")

    # --- sources ---

    def accept(
        self, source: str, events: Sequence[bytes], position: Position | None = None, synced: bool = True
    ) -> int:
        """Store events from a source (and its new position) in one transaction, as one row;
        the seq of the first (the others follow it). Each event is one line of JSON.
        `synced=False` for a source that can give the events again after a power cut: a
        followed file, whose position goes back with them."""
        first, last = self.last_event + 1, self.last_event + len(events)
        with self._transaction(synced) as db:
            if events:
                db.execute(
                    "INSERT INTO inbox (seq, first_seq, source, data) VALUES (?, ?, ?, ?)",
                    (last, first, source, b"\n".join(events)),
                )
            if position is not None:
                db.execute(
                    "INSERT INTO positions (source, offset, line, identity) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (source) DO UPDATE SET offset = excluded.offset, line = excluded.line, "
                    "identity = excluded.identity",
                    (source, position.offset, position.line, position.identity),
                )
        self.last_event = last
        return first

    def position(self, source: str) -> Position | None:
        row = self.db.execute(
            "SELECT offset, line, identity FROM positions WHERE source = ?", (source,)
        ).fetchone()
        return Position(*row) if row else None

    # --- processing ---

    def waiting(self, after: int, limit: int) -> list[tuple[int, bytes]]:
        """The oldest events after seq `after`, at most `limit`, as (seq, JSON)."""
        events: list[tuple[int, bytes]] = []
        rows = self.db.execute("SELECT seq, first_seq, data FROM inbox WHERE seq > ? ORDER BY seq", (after,))
        try:
            while len(events) < limit and (row := rows.fetchone()) is not None:
                last, first, data = row
                start = max(first, after + 1)
                lines = data.split(b"\n")[start - first : start - first + limit - len(events)]
                events.extend(zip(range(start, last + 1), lines))
        finally:
            rows.close()
        return events

    def saved_to(self) -> int:
        """The seq of the last event the saved engine state has taken in: the inbox holds
        those after it, and only those."""
        oldest = self.db.execute("SELECT first_seq FROM inbox ORDER BY seq LIMIT 1").fetchone()
        return self.last_event if oldest is None else int(oldest[0]) - 1

    def snapshot(self) -> bytes | None:
        row = self.db.execute("SELECT snapshot FROM engine WHERE id = 1").fetchone()
        return row[0] if row else None

    def guard_state(self) -> bytes | None:
        """The guard's state, saved with the engine's; None before the first save."""
        row = self.db.execute("SELECT state FROM guard WHERE id = 1").fetchone()
        return row[0] if row else None

    def queue(self, deliveries: Iterable[tuple[str, str, bytes]]) -> None:
        """Queue deliveries (sink, action id, body) now; an action already queued for a sink is not
        queued again."""
        now = time.time()
        with self._transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO outbox (sink, action_id, body, queued) VALUES (?, ?, ?, ?)",
                [(sink, action, body, now) for sink, action, body in deliveries],
            )

    def live_tally(self) -> bytes | None:
        """The live tally of items and answers, saved with the engine's state; None before the first save."""
        row = self.db.execute("SELECT tally FROM live_tally WHERE id = 1").fetchone()
        return row[0] if row else None

    def save(self, processed_to: int, snapshot: bytes, guard: bytes, live_tally: bytes | None = None) -> None:
        """In one transaction: save the engine's state, which has processed the inbox up
        to `processed_to`, the guard's, and the live tally kept beside them; drop those events
        and the deliveries already made."""
        with self._transaction() as db:
            db.execute("DELETE FROM inbox WHERE seq <= ?", (processed_to,))
            part = db.execute(
                "SELECT seq, first_seq, data FROM inbox WHERE seq > ? ORDER BY seq LIMIT 1", (processed_to,)
            ).fetchone()
            if part is not None and part[1] <= processed_to:  # a row the engine has taken in part of
                rest = part[2].split(b"\n", processed_to - part[1] + 1)[-1]
                db.execute(
                    "UPDATE inbox SET first_seq = ?, data = ? WHERE seq = ?",
                    (processed_to + 1, rest, part[0]),
                )
            db.execute("INSERT OR REPLACE INTO engine (id, snapshot) VALUES (1, ?)", (snapshot,))
            db.execute("INSERT OR REPLACE INTO guard (id, state) VALUES (1, ?)", (guard,))
            if live_tally is not None:
                db.execute("INSERT OR REPLACE INTO live_tally (id, tally) VALUES (1, ?)", (live_tally,))
            db.execute("DELETE FROM outbox WHERE delivered = 1")

    # --- sinks ---

    def due(self, sink: str, now: float, limit: int) -> list[Delivery]:
        """The next deliveries of a sink, in order, if the first is due."""
        rows = self.db.execute(
            "SELECT seq, action_id, body, attempts, next_try FROM outbox WHERE sink = ? AND delivered = 0 "
            "ORDER BY seq LIMIT ?",
            (sink, limit),
        ).fetchall()
        if not rows or rows[0][4] > now:
            return []
        return [Delivery(seq, action_id, body, attempts) for seq, action_id, body, attempts, _ in rows]

    def digest(self, sink: str, window: float, now: float, listed: int) -> Digest | None:
        """The sink's next digest, once it is due: the deliveries queued within `window`
        seconds of its oldest waiting one, when that window is over by `now` (and a
        retry is due); the first `listed` of them in full."""
        first = self.db.execute(
            "SELECT next_try, queued FROM outbox WHERE sink = ? AND delivered = 0 ORDER BY seq LIMIT 1",
            (sink,),
        ).fetchone()
        if first is None or first[0] > now or first[1] + window > now:
            return None
        start = first[1]
        end = start + window
        rows = self.db.execute(
            "SELECT seq, action_id, body, attempts FROM outbox "
            "WHERE sink = ? AND delivered = 0 AND queued < ? ORDER BY seq LIMIT ?",
            (sink, end, listed),
        ).fetchall()
        counts = self.db.execute(
            "SELECT json_extract(CAST(body AS TEXT), '$.rule'), count(*), max(seq) FROM outbox "
            "WHERE sink = ? AND delivered = 0 AND queued < ? GROUP BY 1 ORDER BY min(seq)",
            (sink, end),
        ).fetchall()
        return Digest(
            start,
            end,
            [Delivery(*row) for row in rows],
            [(str(rule), int(n)) for rule, n, _ in counts],
            max(last for _, _, last in counts),
        )

    def digest_delivered(self, sink: str, digest: Digest) -> None:
        """Mark every delivery of `digest` delivered."""
        with self._transaction() as db:
            db.execute(
                "UPDATE outbox SET delivered = 1 "
                "WHERE sink = ? AND delivered = 0 AND seq <= ? AND queued < ?",
                (sink, digest.last_seq, digest.end),
            )

    def delivered(self, seqs: Sequence[int]) -> None:
        with self._transaction() as db:
            db.executemany("UPDATE outbox SET delivered = 1 WHERE seq = ?", [(s,) for s in seqs])

    def retry_later(self, seq: int, attempts: int, next_try: float) -> None:
        self.db.execute(
            "UPDATE outbox SET attempts = ?, next_try = ? WHERE seq = ?", (attempts, next_try, seq)
        )

    def move_sink(self, old: str, new: str) -> int:
        """Give the outbox rows of the sink key `old` to the key `new`; how many moved (an action
        already queued under `new` is not queued twice)."""
        with self._transaction() as db:
            moved = db.execute("UPDATE OR IGNORE outbox SET sink = ? WHERE sink = ?", (new, old)).rowcount
            db.execute("DELETE FROM outbox WHERE sink = ?", (old,))
        return int(moved)

    def waiting_by_sink(self) -> dict[str, int]:
        """How many deliveries wait, by sink key."""
        rows = self.db.execute("SELECT sink, count(*) FROM outbox WHERE delivered = 0 GROUP BY sink")
        return {sink: int(count) for sink, count in rows}

    def outbox_size(self) -> int:
        """How many deliveries wait, over all sinks."""
        return int(self.db.execute("SELECT count(*) FROM outbox WHERE delivered = 0").fetchone()[0])
