"""The status page's content (SPEC section 10): what the daemon shows people on `GET /`.

`gather` copies the facts from the running daemon: cheap enough to run on
the event loop between two batches of events (the last day's items and
answers are copied as bytes; the next deadlines are found by walking the
timer heap from its top, not by sorting it). `render` makes the page from
them, with the report's figures and charts, in a process of its own: the charts
take most of the time, and the engine goes on meanwhile.

Everything from the events and the playbooks (rule names, handles, event
ids, types, platforms, targets, params, diagnostics) goes through Jinja's
autoescaping; the page has no script and fetches nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from heapq import heappop, heappush
from typing import Any, Protocol

from jinja2 import Template
from markupsafe import Markup

from playbook.compiler.ruleset import RuleSet
from playbook.daemon.reload import Reloaded
from playbook.language.diagnostics import render_all
from playbook.language.timestamps import MICROS, format_time
from playbook.measure.figures import RuleFigures, Sla, promised
from playbook.measure.live import LiveTally, LiveView
from playbook.measure.pages import environment
from playbook.measure.recent import last_day
from playbook.runtime.engine import Engine
from playbook.runtime.state import DeadlineState

REFRESH_SECONDS = 30
NEXT_DEADLINES = 25
# The next deadlines are looked for among at most this many timers: a timer
# answered before it came due stays in the heap until then, and a page must
# not take long to find the pending ones behind many of those.
MOST_TIMERS_LOOKED_AT = 200_000


class Shown(Protocol):
    """What the status page reads of the running daemon."""

    @property
    def engine(self) -> Engine: ...
    @property
    def live(self) -> LiveTally: ...
    @property
    def ruleset(self) -> RuleSet: ...
    @property
    def reloaded(self) -> Reloaded | None: ...
    @property
    def events(self) -> int: ...
    @property
    def started(self) -> float: ...

    def status(self) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class Due:
    """A pending `unanswered` wait: the rule fires at `due` unless `item` is answered first."""

    due: int
    rule: str
    item: str
    author: str | None
    since: int


@dataclass(frozen=True)
class Facts:
    """Everything the page shows, copied from the daemon at one moment."""

    title: str
    wall: float  # Unix seconds
    started: float
    clock: int | None
    health: Mapping[str, Any]
    events: int
    rules: tuple[str, ...]
    files: int
    warnings: str
    reloaded: Reloaded | None
    slas: tuple[Sla, ...]
    pending: int
    deadlines: tuple[Due, ...]
    live: LiveView


def gather(daemon: Shown) -> Facts:
    """The facts of the page, as the daemon stands now."""
    engine, ruleset = daemon.engine, daemon.ruleset
    return Facts(
        title=ruleset.titles[0] if ruleset.titles else "Playbook",
        wall=time.time(),
        started=daemon.started,
        clock=engine.clock,
        health=daemon.status(),
        events=daemon.events,
        rules=tuple(rule.name for rule in ruleset.rules),
        files=len(ruleset.files),
        warnings=render_all(ruleset.warnings, ruleset.sources),
        reloaded=daemon.reloaded,
        slas=promised(ruleset.rules),
        pending=engine.pending_deadlines,
        deadlines=tuple(next_deadlines(engine, NEXT_DEADLINES)),
        live=daemon.live.view(engine.clock),
    )


def next_deadlines(engine: Engine, count: int) -> list[Due]:
    """The `count` pending waits due first, in the order they fire."""
    found = soonest(engine.timers.heap, count, lambda entry: entry[2].state is DeadlineState.PENDING)
    return [
        Due(due, engine.rule_name(d.rule), d.event, d.author, d.time)
        for due, _, d in found  # (due, seq, deadline)
    ]


def soonest(heap: Sequence[Any], count: int, wanted: Callable[[Any], bool]) -> list[Any]:
    """The `count` smallest `wanted` entries of a binary heap, in order, without changing it:
    a best-first walk down from its top that looks at `MOST_TIMERS_LOOKED_AT` entries at most."""
    found: list[Any] = []
    frontier: list[tuple[Any, int]] = [(heap[0], 0)] if heap else []
    looked = 0
    while frontier and len(found) < count and looked < MOST_TIMERS_LOOKED_AT:
        entry, index = heappop(frontier)
        looked += 1
        if wanted(entry):
            found.append(entry)
        for child in (2 * index + 1, 2 * index + 2):
            if child < len(heap):
                heappush(frontier, (heap[child], child))
    return found


@lru_cache(maxsize=1)
def _template() -> Template:
    jinja = environment("playbook.daemon")
    jinja.filters["time"] = shown_time
    return jinja.get_template("status.html.j2")


def render(facts: Facts, signs_out: bool = False) -> str:
    """The status page of `facts`, with a sign-out button when `signs_out` (the page asks for
    a token); it runs in the rendering process (daemon/page.py), off the event loop."""
    from playbook.measure import charts  # matplotlib is loaded by the first page, not at start

    live = facts.live
    fired = {name: RuleFigures(live.fired.get(name, 0), live.actions.get(name, 0), 0) for name in facts.rules}
    for name in live.fired:  # a rule renamed or removed today, or the guard
        fired.setdefault(name, RuleFigures(live.fired[name], live.actions.get(name, 0), 0))
    day = last_day(live, facts.slas, fired)
    drawn: list[tuple[str, str]] = []
    if day is not None and day.figures.items:
        drawn += [
            ("per_hour", charts.per_hour(day.hours)),
            ("spread", charts.spread(day.figures)),
            ("platforms", charts.platforms(day.figures)),
        ]
    rules_chart = None
    if day is not None and any(counts.fired for counts in fired.values()):
        today = replace(day.figures, rules={name: n for name, n in fired.items() if n.fired})
        rules_chart = ("rules", Markup(charts.rules(today, "Firings per rule today (UTC)")))
    return _template().render(
        facts=facts,
        clock=shown_time(facts.clock),
        wall=shown_time(int(facts.wall * MICROS)),
        started=shown_time(int(facts.started * MICROS)),
        reloaded_at=shown_time(int(facts.reloaded.at * MICROS)) if facts.reloaded else None,
        day=day,
        fired=fired,
        charts=[(name, Markup(svg)) for name, svg in drawn],
        rules_chart=[rules_chart] if rules_chart else [],
        deadlines=[(_until(d.due, facts.clock), d) for d in facts.deadlines],
        refresh=REFRESH_SECONDS,
        signs_out=signs_out,
    )


def shown_time(time: int | str | None) -> str:
    """A time (microseconds, or as a record writes it) to the second, as people read it:
    `2026-11-20 11:00:00`, in UTC."""
    if time is None:
        return "–"
    text = format_time(time // MICROS * MICROS) if isinstance(time, int) else time
    return text[:19].replace("T", " ")


def _until(due: int, clock: int | None) -> int | None:
    """Whole seconds from the clock to `due` (0 when it is due)."""
    return None if clock is None else max(0, due - clock) // MICROS
