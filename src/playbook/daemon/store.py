"""The daemon's durable state: one SQLite file in WAL mode (SPEC section 7).

What it holds, and when it is written:
- the inbox: events accepted from a source, stored (with the source's new
  position) before they are acknowledged, and removed when processed;
- the engine's state, saved in the same transaction as the actions it
  produced and the removal of the events that produced them;
- the outbox: one row per action per sink, removed once delivered.
A crash at any point therefore replays from the last saved engine state over
the events still in the inbox, and produces the same actions with the same ids.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SCHEMA = """
CREATE TABLE IF NOT EXISTS inbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS positions (source TEXT PRIMARY KEY, offset INTEGER NOT NULL, line INTEGER NOT NULL,
                                      identity TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS engine (id INTEGER PRIMARY KEY CHECK (id = 1), snapshot BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, sink TEXT NOT NULL,
                                   action_id TEXT NOT NULL, body BLOB NOT NULL,
                                   attempts INTEGER NOT NULL DEFAULT 0, next_try REAL NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS outbox_by_sink ON outbox (sink, seq);
"""


@dataclass(frozen=True, slots=True)
class Position:
    """How far a followed file has been read: byte offset, lines, and which file it was."""

    offset: int
    line: int
    identity: str


@dataclass(frozen=True, slots=True)
class Delivery:
    """An action waiting in the outbox for one sink."""

    seq: int
    action_id: str
    body: bytes
    attempts: int


class Store:
    """The SQLite file; every method is one transaction."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def _write(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    # --- sources ---

    def accept(self, source: str, events: Sequence[bytes], position: Position | None = None) -> None:
        """Store events from a source (and its new position) in one transaction."""
        db = self._write()
        try:
            db.executemany("INSERT INTO inbox (source, data) VALUES (?, ?)", [(source, e) for e in events])
            if position is not None:
                db.execute(
                    "INSERT INTO positions (source, offset, line, identity) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (source) DO UPDATE SET offset = excluded.offset, line = excluded.line, "
                    "identity = excluded.identity",
                    (source, position.offset, position.line, position.identity),
                )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def position(self, source: str) -> Position | None:
        row = self.db.execute("SELECT offset, line, identity FROM positions WHERE source = ?", (source,)).fetchone()
        return Position(*row) if row else None

    # --- processing ---

    def waiting(self, limit: int) -> list[tuple[int, bytes]]:
        """The oldest unprocessed events, as (seq, JSON)."""
        return self.db.execute("SELECT seq, data FROM inbox ORDER BY seq LIMIT ?", (limit,)).fetchall()

    def backlog(self) -> int:
        return self.db.execute("SELECT count(*) FROM inbox").fetchone()[0]

    def snapshot(self) -> bytes | None:
        row = self.db.execute("SELECT snapshot FROM engine WHERE id = 1").fetchone()
        return row[0] if row else None

    def commit(self, processed_to: int | None, snapshot: bytes, deliveries: Iterable[tuple[str, str, bytes]]) -> None:
        """In one transaction: drop the inbox up to `processed_to`, save the engine,
        queue the deliveries (sink, action id, body)."""
        db = self._write()
        try:
            if processed_to is not None:
                db.execute("DELETE FROM inbox WHERE seq <= ?", (processed_to,))
            db.execute("INSERT OR REPLACE INTO engine (id, snapshot) VALUES (1, ?)", (snapshot,))
            db.executemany("INSERT INTO outbox (sink, action_id, body) VALUES (?, ?, ?)", deliveries)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    # --- sinks ---

    def due(self, sink: str, now: float, limit: int) -> list[Delivery]:
        """The next deliveries of a sink, in order, if the first is due."""
        rows = self.db.execute(
            "SELECT seq, action_id, body, attempts, next_try FROM outbox WHERE sink = ? ORDER BY seq LIMIT ?",
            (sink, limit),
        ).fetchall()
        if not rows or rows[0][4] > now:
            return []
        return [Delivery(seq, action_id, body, attempts) for seq, action_id, body, attempts, _ in rows]

    def delivered(self, seqs: Sequence[int]) -> None:
        db = self._write()
        try:
            db.executemany("DELETE FROM outbox WHERE seq = ?", [(s,) for s in seqs])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def retry_later(self, seq: int, attempts: int, next_try: float) -> None:
        self.db.execute("UPDATE outbox SET attempts = ?, next_try = ? WHERE seq = ?", (attempts, next_try, seq))

    def outbox_size(self) -> int:
        return self.db.execute("SELECT count(*) FROM outbox").fetchone()[0]
