"""The daemon's durable state: one SQLite file in WAL mode (SPEC section 7).

What it holds, and when it is written:
- the inbox: events accepted from a source, stored (with the source's new
  position) before they are acknowledged, numbered in the order they came;
  one row holds the lines of the events a source stored at once (a read of a
  followed file, a request), one a line, from the number `first_seq` to `seq`;
- the outbox: one row per batch of the processor and sink, holding the
  records it queued for that sink (bodies and action ids, one a line),
  numbered like the inbox from `first_seq` to `seq`, written as soon as the
  engine produced them (with the wall-clock time they were queued, which a
  sink's `digest` counts from); beside it, per sink, how far the sink has
  taken them (a sink takes its records in order) and the retry state of the
  first one it has not;
- the engine's state, saved now and then (saving it is the costly part) in
  one transaction that also saves the guard's state (guard.py), and drops the
  inbox events it covers and the outbox rows whose records were all delivered;
- beside it, in the same transaction, the live tally of items and answers
  that `/metrics` and the status page show (playbook.measure.live).
A crash at any point replays from the last saved engine state over the events
still in the inbox. The engine is deterministic, so the replay produces the
same actions with the same ids; the outbox takes each (sink, id) once (the
store keeps in memory, per sink, the ids its rows hold, delivered or not), so
an action delivered before the crash is not delivered again (at worst, one
whose delivery was under way when the daemon died is). A row stays until the
save after its last record was delivered: a replay from the state saved
before then still finds its ids.

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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import groupby
from typing import NamedTuple

import orjson

from playbook.compiler.actions import ActionRecord, encode_json_lines

SCHEMA_VERSION = 5
SCHEMA = """
CREATE TABLE IF NOT EXISTS inbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL,
                                  data BLOB NOT NULL, first_seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS positions (source TEXT PRIMARY KEY, offset INTEGER NOT NULL, line INTEGER NOT NULL,
                                      identity TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS engine (id INTEGER PRIMARY KEY CHECK (id = 1), snapshot BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS guard (id INTEGER PRIMARY KEY CHECK (id = 1), state BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS live_tally (id INTEGER PRIMARY KEY CHECK (id = 1), tally BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, first_seq INTEGER NOT NULL,
                                   sink TEXT NOT NULL, queued REAL NOT NULL, action_ids TEXT NOT NULL,
                                   bodies BLOB NOT NULL, after_event INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS outbox_cursor (sink TEXT PRIMARY KEY, delivered INTEGER NOT NULL,
                                          attempts INTEGER NOT NULL, next_try REAL NOT NULL);
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
# Version 4 stored one record a row, each marked delivered, taken once by a unique index
# (outbox_once); its table is read into the new one by _migrate_outbox, then dropped.
MIGRATE_4 = """
ALTER TABLE outbox RENAME TO outbox_4;
DROP INDEX IF EXISTS outbox_once;
DROP INDEX IF EXISTS outbox_waiting;
"""
INDEXES = """
CREATE INDEX IF NOT EXISTS outbox_by_sink ON outbox (sink, seq);
"""
INSERT_ROW = (
    "INSERT INTO outbox (seq, first_seq, sink, queued, action_ids, bodies, after_event) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
# How many records of a sink wait, from its rows and its cursor.
WAITING = (
    "SELECT o.sink, sum(o.seq - max(o.first_seq, coalesce(c.delivered, 0) + 1) + 1) FROM outbox o "
    "LEFT JOIN outbox_cursor c ON c.sink = o.sink WHERE o.seq > coalesce(c.delivered, 0) GROUP BY o.sink"
)


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
            # Copy the WAL into the file every 10,000 pages (40 MB), not every 1,000: inbox
            # and outbox rows are written and deleted within a few seconds, and a page
            # changed again before the copy is copied once.
            self.db.execute("PRAGMA wal_autocheckpoint=10000")
            self._migrate()
            self.last_event = self._last_seq("inbox")
            self.last_delivery = self._last_seq("outbox")
            self._held = self._held_ids()
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
        old_outbox = "outbox" in tables and version < 5
        with self._transaction() as db:
            script = (
                (MIGRATE_1 if "outbox" in tables and version < 2 else "")
                + (MIGRATE_2 if "outbox" in tables and version < 3 else "")
                + (MIGRATE_3 if "inbox" in tables and version < 4 else "")
                + (MIGRATE_4 if old_outbox else "")
            )
            script += SCHEMA + INDEXES
            for statement in script.split(";"):
                if statement.strip():
                    db.execute(statement)
            if old_outbox:
                _migrate_outbox(db)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _last_seq(self, table: str) -> int:
        """The greatest seq `table` ever gave, kept by SQLite even when its row is gone."""
        row = self.db.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)).fetchone()
        return int(row[0]) if row else 0

    def _held_ids(self) -> dict[str, set[str]]:
        """The action ids the outbox holds, by sink, delivered or not."""
        held: dict[str, set[str]] = {}
        for sink, ids in self.db.execute("SELECT sink, action_ids FROM outbox"):
            held.setdefault(sink, set()).update(ids.split("\n"))
        return held

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

    def queue(self, deliveries: Iterable[tuple[str, str, bytes]], after_event: int) -> None:
        """Queue deliveries (sink, action id, body: one line of JSON) now, as one row per sink;
        an action the outbox already holds for a sink, delivered or not, is not queued again.
        `after_event`: the seq of the last event the engine had taken in when it made them."""
        by_sink: dict[str, list[tuple[str, bytes]]] = {}
        for sink, action, body in deliveries:
            by_sink.setdefault(sink, []).append((action, body))
        self._write([self._fresh(sink, pairs) for sink, pairs in by_sink.items()], after_event)

    def queue_records(self, taken: Mapping[str, Sequence[ActionRecord]], after_event: int) -> None:
        """Queue the records each sink takes, as `queue` does, in one transaction. A sink's
        records are written out as JSON in one call when the outbox holds none of them yet:
        always, but in a replay after a crash."""
        batches: list[tuple[str, list[str], bytes]] = []
        for sink, records in taken.items():
            ids = [record.id for record in records]
            if len(set(ids)) == len(ids) and self._held.get(sink, set()).isdisjoint(ids):
                batches.append((sink, ids, encode_json_lines(records)[:-1]))
            else:
                batches.append(self._fresh(sink, [(record.id, record.to_json()) for record in records]))
        self._write(batches, after_event)

    def _fresh(self, sink: str, deliveries: Iterable[tuple[str, bytes]]) -> tuple[str, list[str], bytes]:
        """(sink, action ids, bodies one a line) of the deliveries (action id, body) that the
        outbox does not hold for `sink` yet, each once."""
        held = self._held.get(sink, set())
        fresh: dict[str, bytes] = {}
        for action, body in deliveries:
            if action not in fresh and action not in held:
                fresh[action] = body
        return sink, list(fresh), b"\n".join(fresh.values())

    def _write(self, batches: Sequence[tuple[str, list[str], bytes]], after_event: int) -> None:
        """Write each (sink, action ids, bodies one a line) that holds any as a row of the
        outbox, in one transaction; the ids are new to the outbox."""
        rows, last, now = [], self.last_delivery, time.time()
        for sink, ids, bodies in batches:
            if ids:
                last += len(ids)
                rows.append((last, last - len(ids) + 1, sink, now, "\n".join(ids), bodies, after_event))
        if not rows:
            return
        with self._transaction() as db:
            db.executemany(INSERT_ROW, rows)
        self.last_delivery = last
        for sink, ids, _ in batches:
            self._held.setdefault(sink, set()).update(ids)

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
            # Rows whose records were all delivered (a row some of whose are waiting stays whole),
            # made before the state saved now: an engine restored from it does not make them
            # again. A row made after a later event, by a run that ended in a crash, stays until
            # the engine has taken that event in again.
            dropped = db.execute(
                "SELECT o.sink, o.action_ids FROM outbox o JOIN outbox_cursor c ON c.sink = o.sink "
                "WHERE o.seq <= c.delivered AND o.after_event <= ?",
                (processed_to,),
            ).fetchall()
            db.execute(
                "DELETE FROM outbox WHERE after_event <= ? "
                "AND seq <= (SELECT delivered FROM outbox_cursor c WHERE c.sink = outbox.sink)",
                (processed_to,),
            )
        for sink, ids in dropped:
            self._held[sink].difference_update(ids.split("\n"))

    # --- sinks ---

    def _waiting_rows(self, sink: str, after: int) -> sqlite3.Cursor:
        """The rows of `sink` that hold records after seq `after`, in order."""
        return self.db.execute(
            "SELECT seq, first_seq, queued, action_ids, bodies FROM outbox "
            "WHERE sink = ? AND seq > ? ORDER BY seq",
            (sink, after),
        )

    def due(self, sink: str, now: float, limit: int) -> list[Delivery]:
        """The next deliveries of a sink, in order, if the first is due."""
        done, attempts, next_try = _cursor(self.db, sink)
        if next_try > now:
            return []
        deliveries: list[Delivery] = []
        rows = self._waiting_rows(sink, done)
        try:
            while len(deliveries) < limit and (row := rows.fetchone()) is not None:
                records = _records(row, done, limit - len(deliveries))
                deliveries.extend(Delivery(seq, action_id, body, 0) for seq, action_id, body in records)
        finally:
            rows.close()
        if deliveries and attempts:
            deliveries[0] = deliveries[0]._replace(attempts=attempts)
        return deliveries

    def digest(self, sink: str, window: float, now: float, listed: int) -> Digest | None:
        """The sink's next digest, once it is due: the deliveries queued within `window`
        seconds of its oldest waiting one (those before the first queued later), when that
        window is over by `now` (and a retry is due); the first `listed` of them in full."""
        done, attempts, next_try = _cursor(self.db, sink)
        rows = self._waiting_rows(sink, done)
        try:
            row = rows.fetchone()
            if row is None or next_try > now or row[2] + window > now:
                return None
            start = row[2]
            end = start + window
            shown: list[Delivery] = []
            by_rule: dict[str, int] = {}
            last_seq = done
            while row is not None and row[2] < end:
                for last_seq, action_id, body in _records(row, done):
                    if len(shown) < listed:
                        shown.append(Delivery(last_seq, action_id, body, attempts if not shown else 0))
                    rule = str(_rule(body))
                    by_rule[rule] = by_rule.get(rule, 0) + 1
                row = rows.fetchone()
        finally:
            rows.close()
        return Digest(start, end, shown, list(by_rule.items()), last_seq)

    def _taken(self, sink: str, last: int) -> None:
        """`sink` has taken its records up to seq `last`: its next one has not been tried yet."""
        self.db.execute(
            "INSERT INTO outbox_cursor (sink, delivered, attempts, next_try) VALUES (?, ?, 0, 0) "
            "ON CONFLICT (sink) DO UPDATE SET delivered = max(delivered, excluded.delivered), attempts = 0, "
            "next_try = 0",
            (sink, last),
        )

    def digest_delivered(self, sink: str, digest: Digest) -> None:
        """Mark every delivery of `digest` delivered."""
        with self._transaction():
            self._taken(sink, digest.last_seq)

    def delivered(self, sink: str, seqs: Sequence[int]) -> None:
        """Mark the deliveries `seqs` delivered: the first waiting ones of `sink`, in order."""
        if seqs:
            with self._transaction():
                self._taken(sink, seqs[-1])

    def retry_later(self, sink: str, seq: int, attempts: int, next_try: float) -> None:
        """Try the delivery `seq`, the first waiting one of `sink`, again at `next_try`."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO outbox_cursor (sink, delivered, attempts, next_try) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (sink) DO UPDATE SET attempts = excluded.attempts, next_try = excluded.next_try",
                (sink, seq - 1, attempts, next_try),
            )

    def move_sink(self, old: str, new: str) -> int:
        """Give the outbox rows of the sink key `old` to the key `new`; how many deliveries moved
        (an action already queued under `new` is not queued twice)."""
        if old == new:
            return 0
        with self._transaction() as db:
            moved, last, held = _move_sink(db, old, new, self.last_delivery, self._held.get(new, set()))
        self.last_delivery = last
        self._held[new] = held
        self._held.pop(old, None)
        return moved

    def waiting_by_sink(self) -> dict[str, int]:
        """How many deliveries wait, by sink key."""
        return {sink: int(count) for sink, count in self.db.execute(WAITING)}

    def outbox_size(self) -> int:
        """How many deliveries wait, over all sinks."""
        return sum(self.waiting_by_sink().values())


def _records(
    row: tuple[int, int, float, str, bytes], after: int, most: int | None = None
) -> Iterator[tuple[int, str, bytes]]:
    """The records of an outbox row (seq, first_seq, queued, action ids, bodies) after seq
    `after`, at most `most` of them, as (seq, action id, body)."""
    last, first, _, ids, bodies = row
    start = max(first, after + 1)
    end = last if most is None else min(last, start + most - 1)
    cut = slice(start - first, end - first + 1)
    return zip(range(start, end + 1), ids.split("\n")[cut], bodies.split(b"\n")[cut])


def _rule(body: bytes) -> object:
    """The rule of a record, as a digest groups it."""
    try:
        record = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return record.get("rule") if isinstance(record, dict) else None


class _Stored(NamedTuple):
    """One record of a sink's outbox, while the rows are laid out again."""

    seq: int
    queued: float
    action_id: str
    body: bytes
    delivered: bool
    after_event: int


def _cursor(db: sqlite3.Connection, sink: str) -> tuple[int, int, float]:
    """How far `sink` has taken its records (the seq of the last), and the attempts and next
    try of the first it has not."""
    row = db.execute(
        "SELECT delivered, attempts, next_try FROM outbox_cursor WHERE sink = ?", (sink,)
    ).fetchone()
    return (int(row[0]), int(row[1]), float(row[2])) if row else (0, 0, 0.0)


def _lay_out(
    db: sqlite3.Connection, sink: str, records: list[_Stored], last: int, retry: tuple[int, float]
) -> int:
    """Write `records` as the rows of `sink` from seq `last` + 1, the delivered ones first, a row
    for each run queued at the same time; its cursor after those delivered, with the attempts and
    next try `retry` of the first waiting one. The last seq given."""
    done = last
    for delivered in (True, False):
        kept = (record for record in records if record.delivered == delivered)
        for (queued, after_event), grouped in groupby(kept, key=lambda r: (r.queued, r.after_event)):
            run = list(grouped)
            last += len(run)
            db.execute(
                INSERT_ROW,
                (
                    last,
                    last - len(run) + 1,
                    sink,
                    queued,
                    "\n".join(record.action_id for record in run),
                    b"\n".join(record.body for record in run),
                    after_event,
                ),
            )
        if delivered:
            done = last
    db.execute(
        "INSERT OR REPLACE INTO outbox_cursor (sink, delivered, attempts, next_try) VALUES (?, ?, ?, ?)",
        (sink, done, *retry),
    )
    return last


def _migrate_outbox(db: sqlite3.Connection) -> None:
    """Read the outbox of schema 4 (outbox_4: one row per record, each marked delivered or not)
    into rows per sink, with the retry state of each sink's first waiting record."""
    records: dict[str, list[_Stored]] = {}
    retry: dict[str, tuple[int, float]] = {}
    rows = db.execute(
        "SELECT seq, sink, action_id, body, attempts, next_try, delivered, queued FROM outbox_4 ORDER BY seq"
    )
    # Which event made a record was not kept: the last event stored stands for all of them, so
    # that none is dropped before the engine has taken in again every event it may come from.
    row = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'inbox'").fetchone()
    after_event = int(row[0]) if row else 0
    for seq, sink, action_id, body, attempts, next_try, delivered, queued in rows:
        data = body if isinstance(body, bytes) else str(body).encode()
        # A raw line break is white space in JSON: a record stays one line.
        records.setdefault(sink, []).append(
            _Stored(seq, queued, action_id, data.replace(b"\n", b" "), bool(delivered), after_event)
        )
        if not delivered:
            retry.setdefault(sink, (attempts, next_try))
    last = 0
    for sink, stored in records.items():
        last = _lay_out(db, sink, stored, last, retry.get(sink, (0, 0.0)))
    db.execute("DROP TABLE outbox_4")


def _stored(db: sqlite3.Connection, sink: str) -> list[_Stored]:
    """Every record the outbox holds for `sink`, in order."""
    done = _cursor(db, sink)[0]
    records = []
    rows = db.execute(
        "SELECT seq, first_seq, queued, action_ids, bodies, after_event FROM outbox "
        "WHERE sink = ? ORDER BY seq",
        (sink,),
    )
    for last, first, queued, ids, bodies, after_event in rows:
        for seq, action_id, body in zip(range(first, last + 1), ids.split("\n"), bodies.split(b"\n")):
            records.append(_Stored(seq, queued, action_id, body, seq <= done, after_event))
    return records


def _move_sink(
    db: sqlite3.Connection, old: str, new: str, last: int, held: set[str]
) -> tuple[int, int, set[str]]:
    """Give the records of the sink `old` that `new` does not hold (its ids: `held`) to `new`,
    in the order they were queued, those delivered first. How many moved, the last seq given,
    and the ids `new` holds then."""
    moving, old_retry, new_retry = _stored(db, old), _cursor(db, old)[1:], _cursor(db, new)[1:]
    db.execute("DELETE FROM outbox_cursor WHERE sink = ?", (old,))
    if not moving:
        return 0, last, held
    moved = [record for record in moving if record.action_id not in held]
    staying = _stored(db, new)
    first_waiting = min((r for r in moved + staying if not r.delivered), key=lambda r: r.seq, default=None)
    db.execute("DELETE FROM outbox WHERE sink IN (?, ?)", (old, new))
    if moved or staying:
        retry = old_retry if first_waiting in moved else new_retry
        last = _lay_out(db, new, sorted(moved + staying, key=lambda r: r.seq), last, retry)
    return len(moved), last, held | {record.action_id for record in moved}
