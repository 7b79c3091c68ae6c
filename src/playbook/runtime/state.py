"""Per-rule state, named by the rule: pending deadlines, counting windows, limits.

State is kept under each rule's key (its name, or an unnamed rule's text) so
a reloaded rule set keeps the state of every rule that is still there.
"""

from __future__ import annotations

import enum
from bisect import bisect_right, insort
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any


class DeadlineState(enum.Enum):
    PENDING = "pending"
    ANSWERED = "answered"
    FIRED = "fired"
    DROPPED = "dropped"


class Deadline:
    """An `unanswered` wait: the rule fires at `due` unless the item is answered first.

    It keeps only what a firing needs (ids, author, filled-in params), not the event.
    """

    __slots__ = ("rule", "event", "thread", "author", "time", "due", "params", "keys", "state")

    def __init__(
        self,
        rule: str,
        event: str,
        thread: str,
        author: str | None,
        time: int,
        due: int,
        params: tuple[dict[str, str], ...] | None,
        keys: tuple[Hashable, ...] | None,
    ) -> None:
        self.rule = rule
        self.event = event
        self.thread = thread
        self.author = author
        self.time = time
        self.due = due
        self.params = params
        self.keys = keys
        self.state = DeadlineState.PENDING


class Waiting:
    """Pending deadlines by thread. Most threads wait on one item, so a thread
    maps to its deadline itself, and to a list only when there are more."""

    __slots__ = ("_by_thread",)

    def __init__(self) -> None:
        self._by_thread: dict[str, Deadline | list[Deadline]] = {}

    def in_thread(self, thread: str) -> tuple[Deadline, ...] | list[Deadline]:
        found = self._by_thread.get(thread)
        if found is None:
            return ()
        return (found,) if type(found) is Deadline else found  # type: ignore[return-value]

    def add(self, deadline: Deadline) -> None:
        found = self._by_thread.get(deadline.thread)
        if found is None:
            self._by_thread[deadline.thread] = deadline
        elif type(found) is Deadline:
            self._by_thread[deadline.thread] = [found, deadline]
        else:
            found.append(deadline)  # type: ignore[union-attr]

    def keep(self, thread: str, deadlines: list[Deadline]) -> None:
        """Make `deadlines` the thread's pending deadlines."""
        if not deadlines:
            self._by_thread.pop(thread, None)
        else:
            self._by_thread[thread] = deadlines[0] if len(deadlines) == 1 else deadlines

    def remove(self, deadline: Deadline) -> bool:
        """Take `deadline` out; whether it was there."""
        present = self.in_thread(deadline.thread)
        if deadline not in present:
            return False
        self.keep(deadline.thread, [d for d in present if d is not deadline])
        return True

    def threads(self) -> list[str]:
        return list(self._by_thread)

    def __len__(self) -> int:
        """How many threads have a deadline pending."""
        return len(self._by_thread)


def count_in(times: deque[int], start: int, end: int) -> int:
    """How many of the sorted `times` lie in `(start, end]`."""
    if not times:
        return 0
    if times[-1] <= end:
        high = len(times)
    else:
        high = bisect_right(times, end)
    return high - bisect_right(times, start)


def insert_sorted(times: deque[int], time: int) -> None:
    """Add `time` to sorted `times`: appended when in order, else inserted in place."""
    if not times or times[-1] <= time:
        times.append(time)
    else:
        insort(times, time)


def trim(times: deque[int], horizon: int) -> None:
    """Drop the times at or before `horizon`."""
    while times and times[0] <= horizon:
        times.popleft()


@dataclass(slots=True)
class Window:
    """One count of `at least N times within D` (one per key with `per`): the
    times of the events counted, in order."""

    times: deque[int] = field(default_factory=deque)

    def __setstate__(self, state: tuple[None, dict[str, Any]]) -> None:
        # State saved by earlier versions also holds `armed` and `recheck`,
        # which the count at each event has replaced.
        self.times = state[1]["times"]


@dataclass(slots=True)
class RuleState:
    """Everything one rule remembers between events."""

    windows: dict[Hashable, Window] = field(default_factory=dict)
    limits: list[dict[Hashable, deque[int]]] = field(default_factory=list)
