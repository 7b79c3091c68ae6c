"""Event sources that read lines: files followed as they grow, and stdin.

Each batch of lines becomes events in the inbox in one transaction with the
new position, so a restart resumes exactly where the last stored batch ended.
Lines that are not events go to the dead-letter file. A source with a `map`
stores the events mapped from each line (mapping.py), never the line itself.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import sys
import time
from collections.abc import Callable
from functools import partial

import orjson

from playbook.compiler.gcpause import cycle_collection_paused
from playbook.daemon.health import Health
from playbook.daemon.inbox import Arrival, Inbox
from playbook.daemon.lines import append_lines
from playbook.daemon.mapping import FeedMap
from playbook.daemon.retry import retry
from playbook.daemon.store import Position
from playbook.language.durations import format_duration
from playbook.language.events import BadEvent, Event, parse_line
from playbook.language.timestamps import MICROS

log = logging.getLogger("playbook.daemon")
POLL_SECONDS = 0.1
RETRY_SECONDS = 0.2
CHUNK_BYTES = 1 << 20


class TooFarAhead(BadEvent):
    """An event dated more than `max_ahead` ahead of the wall clock."""


class DeadLetters:
    """Appends input that is not an event, with why, to the dead-letter file."""

    def __init__(self, path: str, on_skip: Callable[[str, BadEvent], None]) -> None:
        self.path = path
        self.on_skip = on_skip

    def add(self, source: str, line: int, problem: BadEvent, raw: bytes) -> None:
        reason = str(problem)
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "source": source,
            "line": line,
            "reason": reason,
            "raw": raw.decode("utf-8", errors="replace"),
        }
        self.on_skip(source, problem)
        log.warning("skipped input", extra={"source": source, "line": line, "reason": reason})
        try:
            append_lines(self.path, orjson.dumps(entry) + b"\n")
        except OSError as exc:  # the skipped line must not hold up the good ones
            log.error(
                "cannot write the dead letter; it is in this log line",
                extra={"dead_letter": self.path, "reason": str(exc), "entry": entry},
            )


def check_event(raw: bytes, number: int, max_ahead: int | None) -> Event:
    """The event `raw` holds; BadEvent when it holds none, TooFarAhead when it is dated
    more than `max_ahead` microseconds ahead of the wall clock (None: no limit).

    An event from the future (a wrong zone upstream, a typo in the year) would
    move the clock on and fire every deadline before it at once, so it is set
    aside; a replay dated ahead on purpose runs with `max_ahead: off`.
    """
    event = parse_line(raw, number)
    if max_ahead is not None:
        _check_ahead(event, max_ahead)
    return event


def _check_ahead(event: Event, max_ahead: int) -> None:
    """TooFarAhead when `event` is dated more than `max_ahead` microseconds ahead of the wall clock."""
    ahead = event.time - time.time_ns() // 1000
    if ahead > max_ahead:
        raise TooFarAhead(
            f"'time' is {format_duration(ahead // MICROS)} ahead of the wall clock "
            f"(max_ahead is {format_duration(max_ahead // MICROS) if max_ahead else '0s'})"
        )


def read_events(raw: bytes, number: int, feed_map: FeedMap | None, max_ahead: int | None) -> list[Arrival]:
    """The events of one line of input (or one request): the line itself, or, with a
    `map`, the events mapped from it. BadEvent says why it holds one that is not an
    event, naming the item with `each`."""
    if feed_map is None:
        return [Arrival(raw.strip(), check_event(raw, number, max_ahead))]
    arrivals = []
    for index, data in enumerate(feed_map.events(raw), 1):
        try:
            arrivals.append(Arrival(data, check_event(data, number, max_ahead)))
        except BadEvent as exc:
            where = f"item {index}: " if feed_map.each is not None else ""
            raise type(exc)(f"{where}{exc}") from None
    return arrivals


def split_events(
    raw_lines: list[bytes],
    first_line: int,
    source: str,
    dead: DeadLetters,
    max_ahead: int | None,
    feed_map: FeedMap | None = None,
) -> list[Arrival]:
    """The events on the lines; the lines that are not (or hold one that is not) go to the dead letters."""
    events: list[Arrival] = []
    # The wall clock is read once: an event dated before `latest` is not too far ahead
    # now either, and one after it is checked against the clock as it is then.
    latest = 0 if max_ahead is None else time.time_ns() // 1000 + max_ahead
    for number, raw in enumerate(raw_lines, first_line):
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        line = raw.strip()
        if not line:
            continue
        try:
            if feed_map is None:  # read_events without a list for each line
                event = parse_line(raw, number)
                if max_ahead is not None and event.time > latest:
                    _check_ahead(event, max_ahead)
                events.append(Arrival(line, event))
            else:
                events += read_events(raw, number, feed_map, max_ahead)
        except BadEvent as exc:
            dead.add(source, number, exc, raw)
    return events


def _identity(stat: os.stat_result) -> str:
    return f"{stat.st_dev}:{stat.st_ino}"


class FileFollower:
    """Reads a JSONL file from where it was left, then follows it as it grows.

    A file that was replaced (another inode) or truncated is read from its start.
    `idle` is true once everything written so far has been read.
    """

    def __init__(
        self,
        path: str,
        inbox: Inbox,
        dead: DeadLetters,
        wake: Callable[[], None],
        room: Callable[[], bool],
        max_ahead: int | None,
        feed_map: FeedMap | None = None,
    ) -> None:
        self.path = path
        self.max_ahead = max_ahead
        self.feed_map = feed_map
        self.room = room
        self.name = f"file:{path}"
        self.inbox = inbox
        self.dead = dead
        self.wake = wake
        self.idle = False

    def poll(self) -> bool:
        """Read what is new; True when something was read."""
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            self.idle = True
            return False
        position = self.inbox.position(self.name) or Position(0, 0, _identity(stat))
        if position.identity != _identity(stat) or stat.st_size < position.offset:
            log.info("file replaced or truncated; reading it from the start", extra={"source": self.name})
            position = Position(0, 0, _identity(stat))
        if stat.st_size == position.offset:
            self.idle = True
            return False
        self.idle = False
        if not self.room():
            return False  # far enough ahead of the processor: wait for it
        with open(self.path, "rb") as handle:
            handle.seek(position.offset)
            chunk = handle.read(CHUNK_BYTES)
        end = chunk.rfind(b"\n")
        if end < 0 and len(chunk) == CHUNK_BYTES:
            return self._skip_long_line(position)
        if end < 0:
            # Only a partial line so far: wait for the writer to finish it.
            self.idle = True
            return False
        lines = chunk[: end + 1].split(b"\n")[:-1]
        with cycle_collection_paused():  # thousands of events, no cycles
            events = split_events(
                lines, position.line + 1, self.name, self.dead, self.max_ahead, self.feed_map
            )
        new = Position(position.offset + end + 1, position.line + len(lines), position.identity)
        # Not synced: after a power cut the file is read again from the position stored with them.
        self.inbox.accept(self.name, events, new, synced=False)
        self.idle = new.offset >= stat.st_size
        if events:
            self.wake()
        return True

    def _skip_long_line(self, position: Position) -> bool:
        """Pass over a line longer than a read (no event is that long), once it has ended."""
        with open(self.path, "rb") as handle:
            handle.seek(position.offset)
            skipped = 0
            while chunk := handle.read(CHUNK_BYTES):
                end = chunk.find(b"\n")
                if end >= 0:
                    skipped += end + 1
                    break
                skipped += len(chunk)
            else:
                self.idle = True
                return False
        self.dead.add(self.name, position.line + 1, BadEvent(f"line longer than {CHUNK_BYTES} bytes"), b"")
        self.inbox.accept(
            self.name,
            [],
            Position(position.offset + skipped, position.line + 1, position.identity),
            synced=False,
        )
        return True

    async def run(self, stopping: asyncio.Event, health: Health) -> None:
        """Read the file until `stopping`; an unreadable file or a full disk is retried."""

        async def poll() -> bool:
            return self.poll()

        while not stopping.is_set():
            busy = await retry(
                poll,
                part=self.name,
                doing="read the file",
                first=RETRY_SECONDS,
                health=health,
                stopping=stopping,
            )
            if busy:
                await asyncio.sleep(0)
                continue
            if self.idle:  # read to its end: wait for it to grow
                woken = stopping
            else:  # read far enough ahead: read again once the processor takes events, before it runs out
                woken = self.inbox.taken
                woken.clear()
            try:
                await asyncio.wait_for(woken.wait(), POLL_SECONDS)
            except TimeoutError:
                pass


class StdinSource:
    """Events from standard input, a line at a time, until it closes.

    Lines on stdin are taken as live: a backlog to replay in event time
    belongs in a file source, whose end the daemon can see.
    """

    name = "stdin"

    def __init__(
        self,
        inbox: Inbox,
        dead: DeadLetters,
        wake: Callable[[], None],
        max_ahead: int | None,
        feed_map: FeedMap | None = None,
    ) -> None:
        self.inbox = inbox
        self.max_ahead = max_ahead
        self.feed_map = feed_map
        self.dead = dead
        self.wake = wake
        self.idle = True
        self.line = 0

    async def run(self, stopping: asyncio.Event, health: Health) -> None:
        """Store each line as it comes, until stdin closes or `stopping`; a line that
        cannot be stored (a full disk) is held and tried again."""
        loop = asyncio.get_running_loop()
        mode = os.fstat(sys.stdin.fileno()).st_mode
        if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
            reader = asyncio.StreamReader(limit=CHUNK_BYTES * 16)
            await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
            readline = reader.readline
        else:
            # A regular file (`playbook run < events.jsonl`), a terminal or /dev/null (a
            # service's stdin) cannot be watched like a pipe: read it in a thread.
            async def readline() -> bytes:
                return await loop.run_in_executor(None, sys.stdin.buffer.readline)

        while not stopping.is_set():
            raw = await readline()
            if not raw:
                break
            self.line += 1
            events = split_events([raw], self.line, self.name, self.dead, self.max_ahead, self.feed_map)
            if not events:
                continue
            stored = await retry(
                partial(self._store, events),
                part=self.name,
                doing="store an event",
                first=RETRY_SECONDS,
                health=health,
                stopping=stopping,
            )
            if stored:
                self.wake()

    async def _store(self, events: list[Arrival]) -> bool:
        self.inbox.accept(self.name, events)
        return True
