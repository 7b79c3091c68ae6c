"""Which events are items, and which event answers each (SPEC sections 1 and 10).

An item is an event that is neither a brand event nor `handled`. It is
answered by the first event processed after it that is a brand event in its
thread at or after its time, or a `handled` event whose `ref` is its id or its
thread. Threads are the engine's: `Items` reads `event.thread`, which the
engine resolved when it took the event in, and asks the engine's
`ThreadIndex` for the thread of a `ref`.

An item still waiting is kept at most twice the horizon of the engine's
thread links; after that it is forgotten and counts as not answered, as the
engine, which forgets the thread links by then, would no longer connect a
reply to it.

`Items` does the matching, for the report and the daemon alike; what is kept
of each item and answer is up to a subclass (`_counted`, `_answered`,
`_forgot`): the report's `Tally` keeps every answer, the daemon's live tally
the last day's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from playbook.language.events import Event
from playbook.runtime.threads import ThreadIndex

NO_PLATFORM = "none"
# The name that types or platforms beyond `most_names` are counted under.
OTHER = "other"

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
Waiting = tuple[int, str, int, int]
InThread = Waiting | list[Waiting]


class Items:
    """Items and their answers, taken event by event after the engine.

    It reads what the engine found when it took each event in: `event.thread`,
    and `event.brand` for the handles of the rule set, to which `extra_brand`
    adds the report's own (`--brand`). Types and platforms get a code each, in
    the order they are first seen; with `most_names`, those beyond that many
    (of each) are counted under "other", so that a feed of made-up types
    cannot grow them without end.
    """

    def __init__(
        self,
        extra_brand: frozenset[str],
        threads: ThreadIndex,
        horizon: int,
        response_time: ResponseTime = elapsed,
        most_names: int | None = None,
    ) -> None:
        self.extra_brand = extra_brand
        self.threads = threads
        self.horizon = horizon
        self.response_time = response_time
        self.most_names = most_names
        self.events = 0
        self.first: int | None = None
        self.last: int | None = None
        self.items = 0
        self.waiting = 0  # items waiting now, up to twice the horizon old
        self.forgotten = 0
        # Names of the types and platforms seen, by code; the counts of items by code.
        self.types: list[str] = []
        self.platforms: list[str] = []
        self.type_items: list[int] = []
        self.platform_items: list[int] = []
        self._type_codes: dict[str, int] = {}
        self._platform_codes: dict[str | None, int] = {}
        self._waiting: dict[str, InThread] = {}
        self._next_sweep: int | None = None

    # --- what a subclass keeps ---

    def _counted(self, time: int, type_code: int, platform_code: int) -> None:
        """An item came in."""

    def _answered(self, item_time: int, response: int, type_code: int, platform_code: int) -> None:
        """An item was answered, `response` microseconds after it came in."""

    def _forgot(self, item_time: int) -> None:
        """An item waited longer than the horizon."""

    # --- taking events ---

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
            code = self._type_code(kind)
        self.type_items[code] += 1
        raw = event.data.get("platform")
        key = raw if type(raw) is str else None
        platform = self._platform_codes.get(key)
        if platform is None:
            platform = self._platform_code(key)
        self.platform_items[platform] += 1
        self._counted(time, code, platform)
        self.waiting += 1
        entry = (time, event.id, code, platform)
        waiting = self._waiting.get(event.thread)
        if waiting is None:
            self._waiting[event.thread] = entry
        elif isinstance(waiting, tuple):
            self._waiting[event.thread] = [waiting, entry]
        else:
            waiting.append(entry)

    def _type_code(self, kind: str) -> int:
        if self.most_names is not None and len(self.types) >= self.most_names:
            return self._named(self.types, self.type_items, OTHER)
        code = self._type_codes[kind] = self._named(self.types, self.type_items, kind)
        return code

    def _platform_code(self, raw: str | None) -> int:
        """Platforms are counted ignoring case; an event without one under "none"."""
        name = raw.strip().casefold() if raw is not None and raw.strip() else NO_PLATFORM
        full = self.most_names is not None and len(self.platforms) >= self.most_names
        if full and name not in self.platforms:
            name = OTHER
        code = self._named(self.platforms, self.platform_items, name)
        # Many spellings of one name may each be remembered, but not without end.
        if self.most_names is None or len(self._platform_codes) < 4 * self.most_names:
            self._platform_codes[raw] = code
        return code

    @staticmethod
    def _named(names: list[str], counts: list[int], name: str) -> int:
        """The code of `name`, given it when it is new."""
        for code, known in enumerate(names):
            if known == name:
                return code
        names.append(name)
        counts.append(0)
        return len(names) - 1

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
        self, thread: str, waiting: InThread, time: int, up_to: int | None = None, only: str | None = None
    ) -> None:
        """Answer, at `time`, the thread's `waiting` items: those up to `up_to`, or only the
        item `only`, or all."""
        if type(waiting) is tuple:  # most threads wait on one item
            if (up_to is not None and waiting[0] > up_to) or (only is not None and waiting[1] != only):
                return
            del self._waiting[thread]
            self.waiting -= 1
            item_time = waiting[0]
            self._answered(item_time, self.response_time(item_time, time), waiting[2], waiting[3])
            return
        answered: list[Waiting] = []
        keep: list[Waiting] = []
        for entry in entries(waiting):
            if (up_to is None or entry[0] <= up_to) and (only is None or entry[1] == only):
                answered.append(entry)
            else:
                keep.append(entry)
        if not answered:
            return
        self._keep(thread, keep)
        self.waiting -= len(answered)
        response_time = self.response_time
        for item_time, _, code, platform in answered:
            self._answered(item_time, response_time(item_time, time), code, platform)

    def _keep(self, thread: str, keep: list[Waiting]) -> None:
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
            kept = entries(waiting)
            keep = [entry for entry in kept if entry[0] >= oldest]
            if len(keep) != len(kept):
                for entry in kept:
                    if entry[0] < oldest:
                        self._forgot(entry[0])
                self.forgotten += len(kept) - len(keep)
                self.waiting -= len(kept) - len(keep)
                self._keep(thread, keep)

    # --- saving and restoring ---

    def saved(self) -> dict[str, Any]:
        """What is counted and who waits, as plain values (JSON), for `restore`."""
        return {
            "events": self.events,
            "first": self.first,
            "last": self.last,
            "items": self.items,
            "forgotten": self.forgotten,
            "next_sweep": self._next_sweep,
            "types": self.types,
            "platforms": self.platforms,
            "type_items": self.type_items,
            "platform_items": self.platform_items,
            "waiting": [
                [thread, *entry] for thread, kept in self._waiting.items() for entry in entries(kept)
            ],
        }

    def restore(self, saved: Mapping[str, Any]) -> None:
        """Go on from what `saved` gave; KeyError, TypeError or ValueError when it is not that."""
        self.events, self.first, self.last = int(saved["events"]), saved["first"], saved["last"]
        self.items, self.forgotten = int(saved["items"]), int(saved["forgotten"])
        self._next_sweep = saved["next_sweep"]
        self.types, self.platforms = [str(t) for t in saved["types"]], [str(p) for p in saved["platforms"]]
        self.type_items, self.platform_items = list(saved["type_items"]), list(saved["platform_items"])
        if len(self.type_items) != len(self.types) or len(self.platform_items) != len(self.platforms):
            raise ValueError("a count per type and per platform")
        self._type_codes = {name: code for code, name in enumerate(self.types)}
        self._platform_codes = {}
        self._waiting = {}
        self.waiting = 0
        for thread, time, item, type_code, platform_code in saved["waiting"]:
            if not 0 <= type_code < len(self.types) or not 0 <= platform_code < len(self.platforms):
                raise ValueError(f"item {item!r} has a type or platform that is not listed")
            entry: Waiting = (int(time), str(item), type_code, platform_code)
            kept = self._waiting.get(thread)
            self._waiting[thread] = entry if kept is None else [*entries(kept), entry]
            self.waiting += 1


def entries(waiting: InThread) -> Sequence[Waiting]:
    """The items of one thread's entry."""
    return (waiting,) if isinstance(waiting, tuple) else waiting
