"""Counting items and their answers as the events go by (SPEC sections 1 and 10).

An item is an event that is neither a brand event nor `handled`. It is
answered by the first event processed after it that is a brand event in its
thread at or after its time, or a `handled` event whose `ref` is its id or its
thread. Threads are the engine's: the tally reads `event.thread`, which the
engine resolved when it took the event in, and asks the engine's
`ThreadIndex` for the thread of a `ref`.

Memory stays bounded on any stream: an answered item leaves 20 bytes behind
(its response time and the codes of its type, platform and quarter of an hour, in arrays
that the figures sort at the end), and an item still waiting is kept at most
twice the horizon of the engine's thread links; after that it counts as not
answered, as the engine, which forgets the thread links by then, would no
longer connect a reply to it.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence

from playbook.language.events import Event
from playbook.language.timestamps import MICROS
from playbook.runtime.threads import ThreadIndex

# Every time zone's offset is a whole number of quarters of an hour.
QUARTER = 900 * MICROS
NO_PLATFORM = "none"

ResponseTime = Callable[[int, int], int]
"""How long an item waited: (item time, answer time) → microseconds.

The clock's own time by default (`elapsed`); a schedule's open time is
another such function."""


def elapsed(item: int, answer: int) -> int:
    """The time from an item to its answer on the clock, never below zero:
    a `handled` event may be stamped before the item it closes."""
    return answer - item if answer > item else 0


# A waiting item: (time, id, type code, platform code). Most threads wait on one
# item, so a thread maps to its item itself, and to a list only when there are more.
_Waiting = tuple[int, str, int, int]
_InThread = _Waiting | list[_Waiting]


class Tally:
    """Items, answers and response times of a stream, taken event by event.

    It reads what the engine found when it took each event in: `event.thread`,
    and `event.brand` for the handles of the rule set, to which `extra_brand`
    adds the report's own (`--brand`). Items are counted by quarter of an hour
    (UTC), which any time zone's hours and days are made of.
    """

    def __init__(
        self,
        extra_brand: frozenset[str],
        threads: ThreadIndex,
        horizon: int,
        response_time: ResponseTime = elapsed,
    ) -> None:
        self.extra_brand = extra_brand
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
        self.quarter_items: dict[int, int] = {}
        # One entry per answered item, in the order they were answered.
        self.answer_times = array("q")
        self.answer_types = array("I")
        self.answer_platforms = array("I")
        self.answer_quarters = array("i")
        self.forgotten = 0
        self._type_codes: dict[str, int] = {}
        self._platform_codes: dict[str | None, int] = {}
        self._waiting: dict[str, _InThread] = {}
        self._next_sweep: int | None = None

    def take(self, event: Event) -> None:
        """Count one event, after the engine has taken it in."""
        self.events += 1
        time = event.time
        last = self.last
        if last is None or time > last:
            self.last = time
            next_sweep = self._next_sweep
            if next_sweep is None:
                self.first = time
                self._next_sweep = time + self.horizon
            elif time >= next_sweep:
                self._sweep(time)
        elif self.first is not None and time < self.first:
            self.first = time
        kind = event.type
        if event.brand or (
            self.extra_brand and event.handle is not None and event.handle.casefold() in self.extra_brand
        ):
            waiting = self._waiting.get(event.thread)
            if waiting is not None:
                self._answer(event.thread, waiting, time, up_to=time)
            if kind == "handled":
                self._handled(event)
            return
        if kind == "handled":
            self._handled(event)
            return
        # An item.
        self.items += 1
        code = self._type_codes.get(kind)
        if code is None:
            code = self._type_codes[kind] = len(self.types)
            self.types.append(kind)
            self.type_items.append(0)
        self.type_items[code] += 1
        raw = event.data.get("platform")
        key = raw if type(raw) is str else None
        platform = self._platform_codes.get(key)
        if platform is None:
            platform = self._platform_codes[key] = self._platform_code(key)
        self.platform_items[platform] += 1
        quarter = time // QUARTER
        quarters = self.quarter_items
        quarters[quarter] = quarters.get(quarter, 0) + 1
        entry = (time, event.id, code, platform)
        waiting = self._waiting.get(event.thread)
        if waiting is None:
            self._waiting[event.thread] = entry
        elif isinstance(waiting, tuple):
            self._waiting[event.thread] = [waiting, entry]
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
        waiting = self._waiting.get(ref)
        if waiting is not None:
            self._answer(ref, waiting, event.time)
        thread = self.threads.thread_of(ref)
        waiting = self._waiting.get(thread) if thread != ref else None
        if waiting is not None:
            self._answer(thread, waiting, event.time, only=ref)

    def _answer(
        self, thread: str, waiting: _InThread, time: int, up_to: int | None = None, only: str | None = None
    ) -> None:
        """Answer, at `time`, the thread's `waiting` items: those up to `up_to`, or only the
        item `only`, or all."""
        answered: list[_Waiting] = []
        keep: list[_Waiting] = []
        for entry in _entries(waiting):
            if (up_to is None or entry[0] <= up_to) and (only is None or entry[1] == only):
                answered.append(entry)
            else:
                keep.append(entry)
        if not answered:
            return
        self._keep(thread, keep)
        response_time = self.response_time
        for item_time, _, code, platform in answered:
            self.answer_times.append(response_time(item_time, time))
            self.answer_types.append(code)
            self.answer_platforms.append(platform)
            self.answer_quarters.append(item_time // QUARTER)

    def _keep(self, thread: str, keep: list[_Waiting]) -> None:
        """Make `keep` the thread's waiting items."""
        if not keep:
            del self._waiting[thread]
        else:
            self._waiting[thread] = keep[0] if len(keep) == 1 else keep

    def _sweep(self, clock: int) -> None:
        """Forget the items that have waited longer than the horizon: not answered."""
        self._next_sweep = clock + self.horizon
        oldest = clock - self.horizon
        for thread, waiting in list(self._waiting.items()):
            entries = _entries(waiting)
            keep = [entry for entry in entries if entry[0] >= oldest]
            if len(keep) != len(entries):
                self.forgotten += len(entries) - len(keep)
                self._keep(thread, keep)


def _entries(waiting: _InThread) -> Sequence[_Waiting]:
    return (waiting,) if isinstance(waiting, tuple) else waiting
