"""The engine's state: what it keeps live between events, and the same as plain data.

Live, per rule and keyed by the rule (its name, or an unnamed rule's text, so
that a reloaded rule set keeps the state of every rule still there): pending
`unanswered` deadlines (and their repeats), the times counted by windows, the
firings counted by limits; and, whatever rule set them, the marks on authors
and threads (runtime/marks.py). `EngineState` is all of it as plain values:
what a snapshot saves (runtime/snapshot.py), and what `carry_state`
(runtime/carry.py) carries from one rule set to the next.
"""

from __future__ import annotations

import enum
from bisect import bisect_right, insort
from collections import deque
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, NamedTuple

from playbook.compiler.rules import UnansweredSpec


def due(spec: UnansweredSpec, item_time: int, fired: int = 0) -> int:
    """When an `unanswered` wait for an item at `item_time` runs out: D after it, or
    with `during NAME`, once D of the schedule's open time has passed since it.
    When it has `fired` already, when its next repeat is due: `fired` times its
    `repeat every D'` later (in open time too, with `during NAME`)."""
    if spec.schedule is not None:
        at = spec.schedule.add_open_time(item_time, spec.micros)
    else:
        at = item_time + spec.micros
    for _ in range(fired):
        at = repeat_due(spec, at)
    return at


def repeat_due(spec: UnansweredSpec, fired_at: int) -> int:
    """When the repeat after a firing at `fired_at` is due: `repeat every D` later,
    D counted in the schedule's open time for a wait `during NAME`."""
    assert spec.repeat is not None
    if spec.schedule is not None:
        return spec.schedule.add_open_time(fired_at, spec.repeat.micros)
    return fired_at + spec.repeat.micros


class DeadlineState(enum.Enum):
    PENDING = "pending"
    ANSWERED = "answered"
    FIRED = "fired"


class Deadline:
    """An `unanswered` wait: the rule fires at `due` unless the item is answered first.

    It keeps only what a firing needs (ids, author, filled-in params, the keys
    its rule's limits count it under, the author's key when its rule marks
    authors), not the event. A rule that repeats keeps it pending after a
    firing, due at its next repeat: `fired` counts the firings made, and
    `answered` is the time of an answer that came too late for the firing at
    `due` (the clock held back by `lateness`), after which nothing repeats.
    """

    __slots__ = (
        "rule",
        "event",
        "thread",
        "author",
        "time",
        "due",
        "params",
        "keys",
        "state",
        "fired",
        "author_key",
        "answered",
    )

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
        fired: int = 0,
        author_key: Hashable | None = None,
        answered: int | None = None,
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
        self.fired = fired
        self.author_key = author_key
        self.answered = answered


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
class RuleState:
    """Everything one rule remembers between events: for `at least N times
    within D`, the sorted times of the events counted, by the value they are
    counted under (`()` without `per`); for each `at most` limit, the sorted
    times of the firings it counts, by key (None without `per`)."""

    windows: dict[Hashable, deque[int]] = field(default_factory=dict)
    limits: list[dict[Hashable, deque[int]]] = field(default_factory=list)


# --- the state as plain data -------------------------------------------------------


class Wait(NamedTuple):
    """A pending `unanswered` wait (or its next repeat) as data: the live `Deadline`
    and `seq`, its place among timers set at the same `due` (the lower fires first)."""

    rule: str
    event: str
    thread: str
    author: str | None
    time: int
    due: int
    seq: int
    params: tuple[dict[str, str], ...] | None
    keys: tuple[Hashable, ...] | None
    fired: int = 0
    author_key: Hashable | None = None
    answered: int | None = None


class KeptMark(NamedTuple):
    """A mark as data: on `subject` (`author` or `thread`) `who` (its key: `("id",
    "u42")`, `("handle", "@jane")` or a thread in lower case), named `name` as last
    set, holding for events at or after `start` and before `end`; `shadow` when a
    shadow rule set it."""

    subject: str
    who: Hashable
    name: str
    start: int
    end: int
    shadow: bool


# Waits fire by due time, then in the order they were set.
FIRING_ORDER = attrgetter("due", "seq")


@dataclass(frozen=True, slots=True)
class Remembered:
    """What a `Generations` memory holds: its two generations, newest first,
    and when the next one starts (event time)."""

    rotate_at: int | None
    current: Any
    previous: Any


@dataclass(frozen=True, slots=True)
class RuleOutline:
    """What carrying state over to another rule set needs to know of the rule
    that kept it: its key and name, its text without the name (to notice a
    rename), and the FIELD its window counts by and each limit counts by (a
    window's tuple is empty when the rule has none; None is "no `per`")."""

    key: str
    name: str
    text: str
    window_per: tuple[str | None, ...]
    limits_per: tuple[str | None, ...]


@dataclass(frozen=True, slots=True)
class EngineState:
    """Everything the engine remembers, as data.

    `waits` are the pending waits in the order they fire (due, then seq);
    `next_seq` is the seq the next timer gets. `rules` has the state of each
    rule by key. `threads` maps event ids to their threads; `settled` holds
    the (rule key, item id) pairs whose wait is over. `marks` are the marks in
    force, in the order they end.
    """

    clock: int | None = None
    next_sweep: int | None = None
    next_seq: int = 0
    waits: tuple[Wait, ...] = ()
    rules: Mapping[str, RuleState] = field(default_factory=dict)
    threads: Remembered = field(default_factory=lambda: Remembered(None, {}, {}))
    settled: Remembered = field(default_factory=lambda: Remembered(None, set(), set()))
    marks: tuple[KeptMark, ...] = ()
