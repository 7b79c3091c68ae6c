"""The desk measured live, for the daemon's `/metrics` and status page (SPEC section 10).

`LiveTally` matches items and answers exactly as the report does (`Items`),
and keeps what the daemon shows:

- every response time, counted into the buckets of a histogram by type and
  platform (`playbook_response_seconds`);
- the items still waiting, counted by the hour they came in, so that those
  within the horizon of the engine's thread links can be told
  (`playbook_items_waiting`);
- the last day's items and answers, 16 and 24 bytes each, in arrays that are
  cut from the front as the day moves on, for the last 24 hours' figures;
- each rule's firings and actions on the current UTC day, and the latest
  action records (kept as they are made, written out as dicts only when shown
  or saved, and read back into records when restored).

Memory follows the traffic of a day and the items waiting within the
horizon, as the engine's own state does; the names of types and platforms
are capped (`MOST_NAMES`). The whole tally is saved with the engine's state,
in the same transaction, so a restart goes on from it and a replay after a
crash counts no event twice (`to_bytes`, `from_bytes`; docs/state.md).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
import orjson

from playbook.compiler.actions import ActionRecord
from playbook.compiler.gcpause import cycle_collection_paused
from playbook.language.events import Event
from playbook.language.timestamps import MICROS, format_time
from playbook.measure.items import Items
from playbook.runtime.threads import ThreadIndex

FORMAT = "playbook live tally"
VERSION = 1
WINDOW = 86400 * MICROS  # the status page's last 24 hours
HOUR = 3600 * MICROS
MINUTE = 60 * MICROS
# Upper bounds, in seconds, of the response-time histogram: minutes to a week.
BUCKETS = (60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800, 604800)
_BUCKET_MICROS = tuple(seconds * MICROS for seconds in BUCKETS)
MOST_NAMES = 50  # types and platforms each; the others count as "other"
LATEST = 50  # action records kept for the status page
_COMPACT = 4096


class TallyError(ValueError):
    """A saved live tally that cannot be read; the message says why."""


class _Columns:
    """Parallel arrays, appended at the end and cut from the front, whose first
    column is a time the rows are roughly in the order of."""

    def __init__(self, kinds: str) -> None:
        self.arrays = [array(kind) for kind in kinds]
        self.head = 0

    def cut(self, up_to: int) -> None:
        """Drop rows from the front while their time is at or before `up_to`."""
        times, head = self.arrays[0], self.head
        end = len(times)
        while head < end and times[head] <= up_to:
            head += 1
        if head > _COMPACT and head * 2 > end:
            for column in self.arrays:
                del column[:head]
            head = 0
        self.head = head

    def rows(self) -> list[bytes]:
        """Each column's rows, as bytes (a copy)."""
        return [column[self.head :].tobytes() for column in self.arrays]

    def saved(self) -> list[list[int]]:
        return [column[self.head :].tolist() for column in self.arrays]

    def restore(self, saved: Sequence[Sequence[int]]) -> None:
        if len(saved) != len(self.arrays) or len({len(column) for column in saved}) > 1:
            raise ValueError("columns of one length each")
        self.arrays = [array(column.typecode, values) for column, values in zip(self.arrays, saved)]
        self.head = 0


@dataclass(frozen=True)
class Histogram:
    """Response times of one type and platform: counts per bucket of `BUCKETS` (the
    last one past them all, not cumulative) and their sum in microseconds."""

    type: str
    platform: str
    counts: tuple[int, ...]
    sum: int


@dataclass(frozen=True)
class LiveView:
    """The live tally as it stood, copied, for the status page to work on without it."""

    clock: int | None
    types: tuple[str, ...]
    platforms: tuple[str, ...]
    items: list[bytes]  # time (int64), type, platform (uint32) of the last day's items
    answers: list[bytes]  # item time, response (int64), type, platform (uint32)
    events: int  # events in the last 24 hours, counted by the minute
    waiting: int
    day: str | None
    fired: Mapping[str, int]
    actions: Mapping[str, int]
    latest: tuple[Mapping[str, Any], ...]


class LiveTally(Items):
    """Items and answers as they come, kept for the daemon's metrics and status page."""

    def __init__(self, threads: ThreadIndex, horizon: int) -> None:
        super().__init__(frozenset(), threads, horizon, most_names=MOST_NAMES)
        self.recent = _Columns("qII")
        self.recent_answers = _Columns("qqII")
        self.event_minutes: dict[int, int] = {}
        self._minutes_from = 0  # the first minute counted: the clock's less a day
        self._next_cut: int | None = None
        self.buckets: dict[tuple[int, int], list[int]] = {}
        self.sums: dict[tuple[int, int], int] = {}
        self.waiting_hours: dict[int, int] = {}
        self.day: str | None = None
        self.fired: dict[str, int] = {}
        self.actions: dict[str, int] = {}
        self._latest: deque[ActionRecord] = deque(maxlen=LATEST)  # oldest first
        self._firing: tuple[str, str, str] | None = None

    def follow(self, threads: ThreadIndex) -> None:
        """Read threads from `threads` from now on: the engine's, after a reload or a restore."""
        self.threads = threads
        self.horizon = threads.lifetime

    # --- items and answers (Items) ---

    def take(self, event: Event) -> None:
        """Count one event, after the engine has taken it in."""
        time = event.time
        minute = time // MINUTE
        if minute >= self._minutes_from:  # else it is older than the last day
            minutes = self.event_minutes
            minutes[minute] = minutes.get(minute, 0) + 1
        Items.take(self, event)  # not super(): a call per event
        cut = self._next_cut
        if cut is None or time >= cut:
            self._cut(time)

    def _counted(self, time: int, type_code: int, platform_code: int) -> None:
        times, types, platforms = self.recent.arrays
        times.append(time)
        types.append(type_code)
        platforms.append(platform_code)
        hours, hour = self.waiting_hours, time // HOUR
        hours[hour] = hours.get(hour, 0) + 1

    def _answered(self, item_time: int, response: int, type_code: int, platform_code: int) -> None:
        item_times, responses, types, platforms = self.recent_answers.arrays
        item_times.append(item_time)
        responses.append(response)
        types.append(type_code)
        platforms.append(platform_code)
        self._unwait(item_time)
        key = (type_code, platform_code)
        counts = self.buckets.get(key)
        if counts is None:
            counts = self.buckets[key] = [0] * (len(BUCKETS) + 1)
            self.sums[key] = 0
        counts[bisect_left(_BUCKET_MICROS, response)] += 1
        self.sums[key] += response

    def _forgot(self, item_time: int) -> None:
        self._unwait(item_time)

    def _unwait(self, item_time: int) -> None:
        hour = item_time // HOUR
        left = self.waiting_hours.get(hour, 0) - 1
        if left > 0:
            self.waiting_hours[hour] = left
        else:
            self.waiting_hours.pop(hour, None)

    def _cut(self, time: int) -> None:
        """Let go of what is older than the last 24 hours, once a minute of event time."""
        self._next_cut = time + MINUTE
        oldest = time - WINDOW
        self.recent.cut(oldest)
        self.recent_answers.cut(oldest)
        first = oldest // MINUTE
        for minute in range(self._minutes_from, first) if self._minutes_from else ():
            self.event_minutes.pop(minute, None)
        self._minutes_from = max(first, self._minutes_from)

    # --- actions ---

    def acted(self, records: Sequence[ActionRecord]) -> None:
        """Count the firings and actions of the current day (UTC) by rule, and keep
        the latest records. The records of one firing come one after the other."""
        self._latest.extend(records[-LATEST:])
        today, fired, actions, last_firing = self.day, self.fired, self.actions, self._firing
        for record in records:
            time = record.time
            day = time[:10]  # YYYY-MM-DD of a UTC time
            if today is None or day > today:
                today, fired, actions = day, {}, {}
            elif day < today:
                continue  # a late firing, of a day gone by
            rule = record.rule
            actions[rule] = actions.get(rule, 0) + 1
            firing = (rule, record.event, time)
            if firing != last_firing:
                last_firing = firing
                fired[rule] = fired.get(rule, 0) + 1
        self.day, self.fired, self.actions, self._firing = today, fired, actions, last_firing

    # --- what is shown ---

    @property
    def latest(self) -> list[dict[str, Any]]:
        """The latest action records, oldest first, as dicts (`ActionRecord.to_dict`)."""
        return [record.to_dict() for record in self._latest]

    @property
    def latest_id(self) -> str | None:
        """The id of the latest action record; None before the first."""
        return self._latest[-1].id if self._latest else None

    def waiting_within(self, clock: int | None) -> int:
        """Items not answered yet that came in within the horizon before `clock` (by the hour)."""
        if clock is None:
            return 0
        oldest = (clock - self.horizon) // HOUR
        return sum(count for hour, count in self.waiting_hours.items() if hour >= oldest)

    def histograms(self) -> list[Histogram]:
        """The response-time histogram of each type and platform with an answered item."""
        return [
            Histogram(self.types[t], self.platforms[p], tuple(counts), self.sums[t, p])
            for (t, p), counts in sorted(self.buckets.items())
        ]

    def view(self, clock: int | None) -> LiveView:
        """A copy of what the status page shows, as of `clock`: cheap enough for the event loop."""
        day = self.day
        if clock is not None and day is not None and _day(clock) > day:
            day = None  # nothing has fired yet today
        events = 0
        if clock is not None:
            first = (clock - WINDOW) // MINUTE
            events = sum(n for minute, n in self.event_minutes.items() if minute > first)
        return LiveView(
            clock=clock,
            types=tuple(self.types),
            platforms=tuple(self.platforms),
            items=self.recent.rows(),
            answers=self.recent_answers.rows(),
            events=events,
            waiting=self.waiting_within(clock),
            day=day,
            fired=dict(self.fired) if day is not None else {},
            actions=dict(self.actions) if day is not None else {},
            latest=tuple(record.to_dict() for record in reversed(self._latest)),
        )

    # --- saving and restoring ---

    def to_bytes(self) -> bytes:
        """The whole tally, as versioned JSON (docs/state.md)."""
        with cycle_collection_paused():  # many small lists, no cycles
            return self._dumped()

    def _dumped(self) -> bytes:
        return orjson.dumps(
            {
                "format": FORMAT,
                "version": VERSION,
                "items": self.saved(),
                "recent": self.recent.saved(),
                "recent_answers": self.recent_answers.saved(),
                "event_minutes": [[minute, count] for minute, count in self.event_minutes.items()],
                "next_cut": self._next_cut,
                "histogram": [[t, p, counts, self.sums[t, p]] for (t, p), counts in self.buckets.items()],
                "waiting_hours": [[hour, count] for hour, count in self.waiting_hours.items()],
                "day": self.day,
                "fired": self.fired,
                "actions": self.actions,
                "latest": self.latest,
            }
        )

    @classmethod
    def from_bytes(cls, data: bytes, threads: ThreadIndex) -> LiveTally:
        """The tally `to_bytes` saved, reading threads from `threads`; TallyError when it cannot be read."""
        tally = cls(threads, threads.lifetime)
        with cycle_collection_paused():  # many small lists, no cycles
            tally._load(data)
        return tally

    def _load(self, data: bytes) -> None:
        try:
            saved = orjson.loads(data)
            if not isinstance(saved, dict) or saved.get("format") != FORMAT:
                raise TallyError("it is not a live tally of Playbook's")
            if saved.get("version") != VERSION:
                raise TallyError(f"version {saved.get('version')}, where this Playbook reads {VERSION}")
            self.restore(saved["items"])
            self.recent.restore(saved["recent"])
            self.recent_answers.restore(saved["recent_answers"])
            self.event_minutes = {int(minute): int(count) for minute, count in saved["event_minutes"]}
            self._minutes_from = min(self.event_minutes, default=0)
            self._next_cut = saved["next_cut"]
            for type_code, platform_code, counts, total in saved["histogram"]:
                if len(counts) != len(BUCKETS) + 1:
                    raise ValueError(f"{len(BUCKETS) + 1} buckets")
                if not 0 <= type_code < len(self.types) or not 0 <= platform_code < len(self.platforms):
                    raise ValueError("a histogram of a type or platform that is not listed")
                self.buckets[type_code, platform_code] = [int(c) for c in counts]
                self.sums[type_code, platform_code] = int(total)
            self.waiting_hours = {int(hour): int(count) for hour, count in saved["waiting_hours"]}
            self.day = saved["day"]
            self.fired = {str(rule): int(n) for rule, n in saved["fired"].items()}
            self.actions = {str(rule): int(n) for rule, n in saved["actions"].items()}
            self._latest.extend(msgspec.convert(record, ActionRecord) for record in saved["latest"])
        except TallyError:
            raise
        except (orjson.JSONDecodeError, KeyError, IndexError, TypeError, ValueError, OverflowError) as exc:
            raise TallyError(f"it is damaged ({type(exc).__name__}: {exc})") from None


def _day(time: int) -> str:
    """The UTC date of a time, as YYYY-MM-DD."""
    return format_time(time)[:10]
