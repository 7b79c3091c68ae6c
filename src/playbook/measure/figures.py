"""The report's numbers, from a tally (SPEC section 10), and their JSON.

Response times are kept in microseconds and sorted once at the end, so every
figure is exact: `median` is the middle one (the mean of the two middle ones
for an even count), `p90` the ⌈0.9·n⌉-th smallest, `mean` and the shares
rounded half up. Times are shown in seconds, as whole numbers when they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from playbook.compiler.rules import CompiledRule, UnansweredSpec
from playbook.language.durations import format_duration
from playbook.language.timestamps import MICROS, format_time
from playbook.measure.tally import QUARTER

Seconds = int | float
_Times = npt.NDArray[np.int64]
QUARTERS_PER_DAY = 96
QUARTERS_PER_HOUR = 4
# 1970-01-01, day 0, was a Thursday; weekdays count from Monday = 0.
THURSDAY = 3
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# The spread of response times, in buckets a manager reads at a glance: upper bounds in seconds.
SPREAD = (
    ("under 5m", 300),
    ("5–15m", 900),
    ("15–30m", 1800),
    ("30m–1h", 3600),
    ("1–2h", 7200),
    ("2–4h", 14400),
    ("4–8h", 28800),
    ("8–24h", 86400),
    ("1–2d", 172800),
    ("over 2d", None),
)


class Counted(Protocol):
    """What figures are made of: the report's `Tally`, or the daemon's last day.

    Types and platforms are named by code; `answer_*` hold one entry per
    answered item (response time in microseconds as int64, type and platform
    codes as uint32, the item's quarter of an hour as int32).
    """

    @property
    def events(self) -> int: ...
    @property
    def first(self) -> int | None: ...
    @property
    def last(self) -> int | None: ...
    @property
    def items(self) -> int: ...
    @property
    def types(self) -> Sequence[str]: ...
    @property
    def platforms(self) -> Sequence[str]: ...
    @property
    def type_items(self) -> Sequence[int]: ...
    @property
    def platform_items(self) -> Sequence[int]: ...
    @property
    def quarter_items(self) -> Mapping[int, int]: ...
    @property
    def answer_times(self) -> Any: ...
    @property
    def answer_types(self) -> Any: ...
    @property
    def answer_platforms(self) -> Any: ...
    @property
    def answer_quarters(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class Sla:
    """A service level to report: the share of items answered in less than `seconds`,
    under the name it was given as (`--sla 90m`), else in its shortest form (`1h30m`)."""

    seconds: int
    given_as: str | None = None

    @property
    def label(self) -> str:
        return self.given_as if self.given_as is not None else format_duration(self.seconds)


DEFAULT_SLA = Sla(3600)


def promised(rules: Sequence[CompiledRule]) -> tuple[Sla, ...]:
    """The service levels the rules promise: the duration of every `unanswered`, or 1h when there is none."""
    waits = [rule.time.micros // MICROS for rule in rules if isinstance(rule.time, UnansweredSpec)]
    return tuple(Sla(seconds) for seconds in waits if seconds > 0) or (DEFAULT_SLA,)


@dataclass(frozen=True, slots=True)
class RuleFigures:
    """What a rule did over the events, as `dry-run` counts it."""

    fired: int
    actions: int
    suppressed: int


@dataclass(frozen=True, slots=True)
class Response:
    """Response times of the answered items, in seconds (None: no answered item)."""

    median: Seconds | None
    p90: Seconds | None
    mean: float | None


@dataclass(frozen=True, slots=True)
class Group:
    """The items of one type, platform or day."""

    items: int
    answered: int
    median: Seconds | None

    @property
    def share(self) -> float | None:
        return _share(self.answered, self.items)


@dataclass(frozen=True)
class Figures:
    """Everything a report shows."""

    start: int | None
    end: int | None
    events: int
    items: int
    answered: int
    response: Response
    within: Mapping[str, float | None]
    by_type: Mapping[str, Group]
    by_platform: Mapping[str, Group]
    by_day: Mapping[str, Group]
    hours: Sequence[Sequence[int]]
    spread: Sequence[tuple[str, int]]
    rules: Mapping[str, RuleFigures] | None

    @property
    def unanswered(self) -> int:
        return self.items - self.answered

    def to_json(self) -> dict[str, Any]:
        """The report as SPEC section 10's JSON object: its keys are a contract."""
        out: dict[str, Any] = {
            "from": format_time(self.start) if self.start is not None else None,
            "to": format_time(self.end) if self.end is not None else None,
            "events": self.events,
            "items": self.items,
            "answered": self.answered,
            "unanswered": self.unanswered,
            "response": {
                "median": self.response.median,
                "p90": self.response.p90,
                "mean": self.response.mean,
            },
            "within": dict(self.within),
            "by_type": _groups_json(self.by_type),
            "by_platform": _groups_json(self.by_platform),
            "hours": [list(row) for row in self.hours],
        }
        if self.rules is not None:
            out["rules"] = {
                name: {"fired": r.fired, "actions": r.actions, "suppressed": r.suppressed}
                for name, r in self.rules.items()
            }
        return out


def _groups_json(groups: Mapping[str, Group]) -> dict[str, Any]:
    return {
        name: {"items": g.items, "answered": g.answered, "median": g.median} for name, g in groups.items()
    }


def figures(
    tally: Counted,
    slas: Sequence[Sla],
    until: int | None,
    rules: Mapping[str, RuleFigures] | None,
    zone: ZoneInfo | None = None,
) -> Figures:
    """The figures of a finished tally; `until` ends the period when it is later than the last
    event; the hours table is in `zone` (None: UTC)."""
    times = np.frombuffer(tally.answer_times, dtype=np.int64)
    ordered = np.sort(times)
    end = tally.last
    if until is not None and (end is None or until > end):
        end = until
    return Figures(
        start=tally.first,
        end=end,
        events=tally.events,
        items=tally.items,
        answered=len(ordered),
        response=Response(_median(ordered), _p90(ordered), _mean(ordered)),
        within={
            sla.label: _share(int(np.searchsorted(ordered, sla.seconds * MICROS, "left")), tally.items)
            for sla in sorted(set(slas), key=lambda s: (s.seconds, s.label))
        },
        by_type=_groups(tally.types, tally.type_items, times, tally.answer_types),
        by_platform=_groups(tally.platforms, tally.platform_items, times, tally.answer_platforms),
        by_day=_days(tally, times),
        hours=_hours(tally, zone),
        spread=_spread(ordered, tally.items),
        rules=rules,
    )


def _groups(names: Sequence[str], items: Sequence[int], times: _Times, codes: Any) -> dict[str, Group]:
    """A group per name with items, most items first (then by name)."""
    sorted_times = _by_code(times, np.frombuffer(codes, dtype=np.uint32))
    groups = {}
    for code, name in sorted(enumerate(names), key=lambda pair: (-items[pair[0]], pair[1])):
        if not items[code]:
            continue  # a name seen only outside the period
        answered = sorted_times.get(code, _EMPTY)
        groups[name] = Group(items[code], len(answered), _median(answered))
    return groups


def _hours(tally: Counted, zone: ZoneInfo | None) -> list[list[int]]:
    """Items by weekday (Monday first) and hour, in UTC or in `zone`."""
    hours = [[0] * 24 for _ in range(7)]
    for quarter, count in tally.quarter_items.items():
        if zone is None:
            day, rest = divmod(quarter, QUARTERS_PER_DAY)
            hours[(day + THURSDAY) % 7][rest // 4] += count
        else:
            # Every zone's offset is a whole number of quarters, so a quarter lies in one local hour.
            local = datetime.fromtimestamp(quarter * QUARTER // MICROS, zone)
            hours[local.weekday()][local.hour] += count
    return hours


def _days(tally: Counted, times: _Times) -> dict[str, Group]:
    """A group per day (UTC) from the first item's to the last's, days without items included."""
    return {
        datetime.fromtimestamp(start // MICROS, UTC).date().isoformat(): group
        for start, group in _periods(tally, times, QUARTERS_PER_DAY).items()
    }


def hourly(tally: Counted, start: int, end: int) -> dict[str, Group]:
    """A group per hour (UTC) from the hour of `start` to that of `end` (microseconds),
    named by the time it begins; the items must lie between the two."""
    times = np.frombuffer(tally.answer_times, dtype=np.int64)
    hour = QUARTERS_PER_HOUR * QUARTER
    span = (start // hour, end // hour)
    return {
        format_time(begins): group
        for begins, group in _periods(tally, times, QUARTERS_PER_HOUR, span).items()
    }


def _periods(
    tally: Counted, times: _Times, quarters: int, span: tuple[int, int] | None = None
) -> dict[int, Group]:
    """A group per period of `quarters` quarters of an hour (UTC), keyed by the time it
    begins, in microseconds: from the first to the last period of `span` (numbers of
    periods since 1970), else from the first item's to the last's."""
    items: dict[int, int] = {}
    for quarter, count in tally.quarter_items.items():
        period = quarter // quarters
        items[period] = items.get(period, 0) + count
    if span is None:
        if not items:
            return {}
        span = (min(items), max(items))
    periods = np.frombuffer(tally.answer_quarters, dtype=np.int32) // quarters
    sorted_times = _by_code(times, periods)
    groups = {}
    for period in range(span[0], span[1] + 1):
        answered = sorted_times.get(period, _EMPTY)
        groups[period * quarters * QUARTER] = Group(items.get(period, 0), len(answered), _median(answered))
    return groups


_EMPTY: _Times = np.zeros(0, dtype=np.int64)


def _by_code(times: _Times, codes: npt.NDArray[Any]) -> dict[int, _Times]:
    """The response times of each code, sorted: one sort for all of them."""
    if not len(times):
        return {}
    order = np.lexsort((times, codes))
    sorted_times, sorted_codes = times[order], codes[order]
    keys, starts = np.unique(sorted_codes, return_index=True)
    ends = [*starts[1:], len(sorted_codes)]
    return {int(key): sorted_times[start:end] for key, start, end in zip(keys, starts, ends)}


def _spread(ordered: _Times, items: int) -> list[tuple[str, int]]:
    """Answered items per bucket of response time, then the items not answered."""
    counts = []
    below = 0
    for label, upper in SPREAD:
        up_to = len(ordered) if upper is None else int(np.searchsorted(ordered, upper * MICROS, "left"))
        counts.append((label, up_to - below))
        below = up_to
    counts.append(("not answered", items - len(ordered)))
    return counts


def _seconds(micros: int, halves: bool = False) -> Seconds:
    """Microseconds (or, with `halves`, twice that) in seconds: a whole number when it is one."""
    unit = 2 * MICROS if halves else MICROS
    whole, rest = divmod(micros, unit)
    return whole if not rest else micros / unit


def _median(ordered: _Times) -> Seconds | None:
    n = len(ordered)
    if not n:
        return None
    return _seconds(int(ordered[(n - 1) // 2]) + int(ordered[n // 2]), halves=True)


def _p90(ordered: _Times) -> Seconds | None:
    n = len(ordered)
    if not n:
        return None
    return _seconds(int(ordered[(9 * n + 9) // 10 - 1]))  # the ⌈0.9·n⌉-th smallest


def _mean(ordered: _Times) -> float | None:
    n = len(ordered)
    if not n:
        return None
    # Summed as whole seconds and the microseconds left over, each of which fits in 64 bits.
    total = int(np.sum(ordered // MICROS)) * MICROS + int(np.sum(ordered % MICROS))
    return _round_half_up(total * 10, n * MICROS) / 10


def _share(part: int, whole: int) -> float | None:
    """part / whole from 0 to 1, rounded half up to 4 decimals; None when whole is 0."""
    if not whole:
        return None
    return _round_half_up(part * 10000, whole) / 10000


def _round_half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)
