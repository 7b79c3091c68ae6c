"""Counting items and their answers as the events go by (SPEC sections 1 and 10).

An item is an event that is neither a brand event nor `handled`. It is
answered by the first event processed after it that is a brand event in its
thread at or after its time, or a `handled` event whose `ref` is its id or its
thread. Threads are the engine's: the tally reads `event.thread`, which the
engine resolved when it took the event in, and asks the engine's
`ThreadIndex` for the thread of a `ref`.

Memory stays bounded on any stream: an answered item leaves 20 bytes behind
(its response time and the codes of its type, platform and day, in arrays
that the figures sort at the end), and an item still waiting is kept at most
twice the horizon of the engine's thread links; after that it counts as not
answered, as the engine, which forgets the thread links by then, would no
longer connect a reply to it.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable

from playbook.language.events import Event
from playbook.language.timestamps import MICROS
from playbook.runtime.threads import ThreadIndex

DAY = 86400 * MICROS
HOUR = 3600 * MICROS
# 1970-01-01, day 0, was a Thursday; weekdays count from Monday = 0.
_THURSDAY = 3
NO_PLATFORM = "none"

ResponseTime = Callable[[int, int], int]
"""How long an item waited: (item time, answer time) → microseconds.

The clock's own time by default (`elapsed`); a schedule's open time is
another such function."""


def elapsed(item: int, answer: int) -> int:
    """The time from an item to its answer on the clock, never below zero:
    a `handled` event may be stamped before the item it closes."""
    return answer - item if answer > item else 0


# A waiting item: (time, id, type code, platform code).
_Waiting = tuple[int, str, int, int]


class Tally:
    """Items, answers and response times of a stream, taken event by event."""

    def __init__(
        self,
        brand: frozenset[str],
        threads: ThreadIndex,
        horizon: int,
        response_time: ResponseTime = elapsed,
    ) -> None:
        self.brand = brand
        self.threads = threads
        self.horizon = horizon
        self.response_time = response_time
        self.events = 0
        self.first: int | None = None
        self.last: int | None = None
        self.items = 0
        # Names of the types and platforms seen, by code; the counts of items by code.
        self.types: list[str] = []
        self.platforms: list[str] = []
        self.type_items: list[int] = []
        self.platform_items: list[int] = []
        self.day_items: dict[int, int] = {}
        self.hours = [0] * (7 * 24)
        # One entry per answered item, in the order they were answered.
        self.answer_times = array("q")
        self.answer_types = array("I")
        self.answer_platforms = array("I")
        self.answer_days = array("i")
        self.forgotten = 0
        self._type_codes: dict[str, int] = {}
        self._platform_codes: dict[str | None, int] = {}
        self._waiting: dict[str, list[_Waiting]] = {}
        self._next_sweep: int | None = None

    @property
    def answered(self) -> int:
        return len(self.answer_times)

    @property
    def waiting(self) -> int:
        """Items not answered (yet), within the horizon."""
        return sum(len(items) for items in self._waiting.values())

    def take(self, event: Event) -> None:
        """Count one event, after the engine has taken it in (and resolved its thread)."""
        self.events += 1
        time = event.time
        last = self.last
        if last is None or time > last:
            self.last = last = time
            if self._next_sweep is None:
                self.first = time
                self._next_sweep = time + self.horizon
            elif time >= self._next_sweep:
                self._sweep(time)
        elif self.first is not None and time < self.first:
            self.first = time
        handle = event.handle
        if handle is not None and handle.casefold() in self.brand:
            self._answer(event.thread, time, up_to=time)
            if event.type == "handled":
                self._handled(event)
        elif event.type == "handled":
            self._handled(event)
        else:
            self._item(event)

    def _item(self, event: Event) -> None:
        time = event.time
        self.items += 1
        kind = self._type_codes.get(event.type)
        if kind is None:
            kind = self._type_codes[event.type] = len(self.types)
            self.types.append(event.type)
            self.type_items.append(0)
        self.type_items[kind] += 1
        raw = event.data.get("platform")
        key = raw if type(raw) is str else None
        platform = self._platform_codes.get(key)
        if platform is None:
            platform = self._platform_codes[key] = self._platform_code(key)
        self.platform_items[platform] += 1
        day = time // DAY
        self.day_items[day] = self.day_items.get(day, 0) + 1
        self.hours[(day + _THURSDAY) % 7 * 24 + time // HOUR % 24] += 1
        entry = (time, event.id, kind, platform)
        waiting = self._waiting.get(event.thread)
        if waiting is None:
            self._waiting[event.thread] = [entry]
        else:
            waiting.append(entry)

    def _platform_code(self, raw: str | None) -> int:
        """Platforms are counted ignoring case; an event without one under "none"."""
        name = raw.strip().casefold() if raw is not None and raw.strip() else NO_PLATFORM
        for code, known in enumerate(self.platforms):
            if known == name:
                return code
        self.platforms.append(name)
        self.platform_items.append(0)
        return len(self.platforms) - 1

    def _handled(self, event: Event) -> None:
        """A `handled` event answers the items of the thread its `ref` names, or the item it names."""
        ref = event.data.get("ref")
        if type(ref) is not str or not ref:
            return
        self._answer(ref, event.time)
        thread = self.threads.thread_of(ref)
        if thread != ref:
            self._answer(thread, event.time, only=ref)

    def _answer(self, thread: str, time: int, up_to: int | None = None, only: str | None = None) -> None:
        """Answer, at `time`, the thread's waiting items: those up to `up_to`, or only the item
        `only`, or all."""
        waiting = self._waiting.get(thread)
        if waiting is None:
            return
        keep = [
            entry
            for entry in waiting
            if (up_to is not None and entry[0] > up_to) or (only is not None and entry[1] != only)
        ]
        if len(keep) == len(waiting):
            return
        if keep:
            self._waiting[thread] = keep
        else:
            del self._waiting[thread]
        response_time = self.response_time
        for entry in waiting:
            item_time, item_id, kind, platform = entry
            if (up_to is None or item_time <= up_to) and (only is None or item_id == only):
                self.answer_times.append(response_time(item_time, time))
                self.answer_types.append(kind)
                self.answer_platforms.append(platform)
                self.answer_days.append(item_time // DAY)

    def _sweep(self, clock: int) -> None:
        """Forget the items that have waited longer than the horizon: not answered."""
        self._next_sweep = clock + self.horizon
        oldest = clock - self.horizon
        for thread in list(self._waiting):
            waiting = self._waiting[thread]
            keep = [entry for entry in waiting if entry[0] >= oldest]
            if len(keep) != len(waiting):
                self.forgotten += len(waiting) - len(keep)
                if keep:
                    self._waiting[thread] = keep
                else:
                    del self._waiting[thread]
