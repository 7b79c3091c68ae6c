"""The last 24 hours' figures, from a copy of the live tally (`LiveView`).

They are the report's figures (`figures.figures`) over the items that came
in during the last 24 hours before the clock, each answered or not as of
the clock: what `playbook report` would show for those items, were it run
over the same events then.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from playbook.measure.figures import Figures, Group, RuleFigures, Sla, figures, hourly
from playbook.measure.live import WINDOW, LiveView
from playbook.measure.tally import QUARTER


@dataclass(frozen=True)
class _Window:
    """The last day's items and answers, as the figures read a tally (`Counted`)."""

    events: int
    first: int | None
    last: int | None
    items: int
    types: Sequence[str]
    platforms: Sequence[str]
    type_items: Sequence[int]
    platform_items: Sequence[int]
    quarter_items: Mapping[int, int]
    answer_times: Any
    answer_types: Any
    answer_platforms: Any
    answer_quarters: Any


@dataclass(frozen=True)
class LastDay:
    """The figures of the last 24 hours, and the same items hour by hour."""

    figures: Figures
    hours: Mapping[str, Group]


def last_day(view: LiveView, slas: Sequence[Sla], rules: Mapping[str, RuleFigures] | None) -> LastDay | None:
    """The figures of the 24 hours up to the view's clock (None before the first event);
    `rules` are shown as they are given."""
    if view.clock is None:
        return None
    end, start = view.clock, view.clock - WINDOW
    times, types, platforms = _columns(view.items, np.int64, np.uint32, np.uint32)
    kept = times > start
    times, types, platforms = times[kept], types[kept], platforms[kept]
    quarters, counts = np.unique(times // QUARTER, return_counts=True)
    item_times, responses, answer_types, answer_platforms = _columns(
        view.answers, np.int64, np.int64, np.uint32, np.uint32
    )
    answered = item_times > start
    window = _Window(
        events=view.events,
        first=start,
        last=max(end, int(times.max())) if len(times) else end,
        items=len(times),
        types=view.types,
        platforms=view.platforms,
        type_items=np.bincount(types, minlength=len(view.types)).tolist(),
        platform_items=np.bincount(platforms, minlength=len(view.platforms)).tolist(),
        quarter_items=dict(zip(quarters.tolist(), counts.tolist())),
        answer_times=responses[answered],
        answer_types=answer_types[answered],
        answer_platforms=answer_platforms[answered],
        answer_quarters=(item_times[answered] // QUARTER).astype(np.int32),
    )
    return LastDay(figures(window, slas, None, rules), hourly(window, start + 1, window.last or end))


def _columns(rows: Sequence[bytes], *kinds: Any) -> list[Any]:
    return [np.frombuffer(column, dtype=kind) for column, kind in zip(rows, kinds)]
