"""The inbox: events stored before anyone is told they were taken, processed in the order they came.

A source checks each line it reads by parsing it into an event, then stores
the lines (store.accept: one transaction, with the source's new position).
The inbox keeps the events it parsed beside them, so that the processor runs
them through the engine without reading the lines back from the store and
parsing them again. The stored line is what counts: the events kept here only
spare that work. The inbox keeps at most `HELD` of them; beyond that, and after
a restart or a failure while processing, the processor reads the stored lines.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence
from itertools import count
from typing import NamedTuple

from playbook.daemon.store import Position, Store
from playbook.language.events import Event, parse_line

# Parsed events kept for the processor, at most: about 30 MB of them.
HELD = 20_000


class Arrival(NamedTuple):
    """An event as a source read it: the line to store, and the event parsed from it."""

    data: bytes
    event: Event


class Inbox:
    """The store's inbox, with the events read in this run kept parsed for the processor."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._held: deque[tuple[int, Event]] = deque()  # (seq, event), consecutive seqs
        # Set whenever the processor takes events: a source waiting for room to read ahead
        # reads again at once, before the processor has run out of events.
        self.taken = asyncio.Event()

    def accept(
        self, source: str, arrivals: Sequence[Arrival], position: Position | None = None, synced: bool = True
    ) -> None:
        """Store the events a source read, with its new position, in one transaction
        (`synced`: see Store.accept), and keep them parsed for the processor."""
        first = self.store.accept(source, [arrival.data for arrival in arrivals], position, synced)
        held = self._held
        if len(held) + len(arrivals) <= HELD and (not held or held[-1][0] == first - 1):
            held.extend(zip(count(first), (arrival.event for arrival in arrivals)))

    def position(self, source: str) -> Position | None:
        """How far the followed file `source` was read, as last stored."""
        return self.store.position(source)

    def take(self, after: int, limit: int) -> list[tuple[int, Event]]:
        """The next stored events after seq `after`, at most `limit`, as (seq, event)."""
        held = self._held
        while held and held[0][0] <= after:  # read from the store meanwhile
            held.popleft()
        if held and held[0][0] == after + 1:
            batch = [held.popleft() for _ in range(min(limit, len(held)))]
        else:
            batch = [(seq, parse_line(data)) for seq, data in self.store.waiting(after, limit)]
        if batch:
            self.taken.set()
        return batch

    def waiting(self, after: int) -> int:
        """How many stored events after seq `after` wait to be processed (seqs follow one another)."""
        return self.store.last_event - after
