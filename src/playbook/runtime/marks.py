"""The marks rules put on authors and threads (SPEC section 12), kept in event time.

A mark set by a firing at time t holds for events at or after t, until t + D
(not at t + D); marking again, while it holds, sets a new end. A late firing
before a mark's start moves the start back and keeps the end. `unmark` at time t ends it
there. A mark is forgotten once the clock reaches its end, so marks take
memory only while they hold: a heap of ends, one live entry per mark, tells
which to forget (a mark whose end moved later is looked at again then).

Marks are kept whatever rule set them, across reloads. A shadow rule's marks
are kept apart (`shadow`), seen by shadow rules only.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Iterable

from playbook.runtime.state import KeptMark

# `next_end` when no mark is kept: later than any event.
NEVER = 2**63 - 1

Key = tuple[str, Hashable, str, bool]


class _Mark:
    __slots__ = ("name", "start", "end", "queued")

    def __init__(self, name: str, start: int, end: int) -> None:
        self.name = name
        self.start = start
        self.end = end
        self.queued = end  # the end its live entry in the heap was pushed with


class Marks:
    """Every mark in force, by (subject, who, name ignoring case, shadow)."""

    __slots__ = ("_marks", "_ends", "_seq", "next_end")

    def __init__(self, kept: Iterable[KeptMark] = ()) -> None:
        self._marks: dict[Key, _Mark] = {}
        self._ends: list[tuple[int, int, Key, _Mark]] = []
        self._seq = 0
        self.next_end = NEVER  # when the next mark ends: the engine calls `expire` then
        for mark in kept:
            key = (mark.subject, mark.who, mark.name.casefold(), mark.shadow)
            entry = self._marks[key] = _Mark(mark.name, mark.start, mark.end)
            self._queue(key, entry)

    def _queue(self, key: Key, mark: _Mark) -> None:
        mark.queued = mark.end
        heapq.heappush(self._ends, (mark.end, self._seq, key, mark))
        self._seq += 1
        self.next_end = self._ends[0][0]

    def until(self, subject: str, who: Hashable, name: str, time: int, shadow: bool) -> int | None:
        """When the mark `name` (in lower case) on `who` ends, if it holds at `time`;
        for a `shadow` rule, a shadow mark counts too."""
        mark = self._marks.get((subject, who, name, False))
        if mark is not None and mark.start <= time < mark.end:
            return mark.end
        if shadow:
            mark = self._marks.get((subject, who, name, True))
            if mark is not None and mark.start <= time < mark.end:
                return mark.end
        return None

    def set(self, subject: str, who: Hashable, name: str, time: int, micros: int, shadow: bool) -> int:
        """Mark `who` with `name` from `time` for `micros`; when it ends."""
        key = (subject, who, name.casefold(), shadow)
        end = time + micros
        mark = self._marks.get(key)
        if mark is None or mark.end <= time:
            mark = self._marks[key] = _Mark(name, time, end)
            self._queue(key, mark)
            return end
        if time < mark.start:
            # A late firing, before the firing that marked at `start`: that later
            # firing was the marking again, and its end stands.
            mark.start = time
            return mark.end
        mark.name = name
        mark.end = end
        if end < mark.queued:
            self._queue(key, mark)
        return end

    def take(self, subject: str, who: Hashable, name: str, time: int, shadow: bool) -> bool:
        """`unmark`: end the mark at `time`; whether one held then."""
        key = (subject, who, name.casefold(), shadow)
        mark = self._marks.get(key)
        if mark is None or not mark.start <= time < mark.end:
            return False
        if mark.start == time:
            del self._marks[key]
        else:
            mark.end = time
            self._queue(key, mark)
        return True

    def expire(self, clock: int) -> None:
        """Forget the marks that end at or before `clock`."""
        ends = self._ends
        while ends and ends[0][0] <= clock:
            queued, _, key, mark = heapq.heappop(ends)
            if self._marks.get(key) is not mark or mark.queued != queued:
                continue  # forgotten already, or queued again since
            if mark.end <= clock:
                del self._marks[key]
            else:
                self._queue(key, mark)
        self.next_end = ends[0][0] if ends else NEVER

    def kept(self) -> tuple[KeptMark, ...]:
        """The marks in force as data, in the order they end."""
        marks = [
            KeptMark(subject, who, mark.name, mark.start, mark.end, shadow)
            for (subject, who, _, shadow), mark in self._marks.items()
        ]
        marks.sort(key=lambda m: (m.end, m.start))
        return tuple(marks)

    def __len__(self) -> int:
        return len(self._marks)
