"""A dry run: a rule set over a stream of events, with no side effects."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from playbook.compiler.actions import ActionRecord
from playbook.compiler.gcpause import cycle_collection_paused
from playbook.compiler.ruleset import RuleSet
from playbook.dryrun.explain import Explainer
from playbook.dryrun.interrupt import StopRequest
from playbook.language.events import Event, SkippedLine, read_events
from playbook.runtime.engine import Engine

# Skipped lines kept to show in the summary; the rest are counted.
KEPT_SKIPPED = 20


@dataclass(slots=True)
class DryRunResult:
    """What a dry run saw and did, for the summary.

    `skipped` holds the first `KEPT_SKIPPED` lines that were not events, of
    `skipped_count`. `last_time` is the clock when the events ran out, before
    the clock moved on to `until`. `interrupted` says that Ctrl-C stopped the
    run after `events` events (before `until` was applied, unless it came
    while the clock moved on).
    """

    engine: Engine
    events: int = 0
    actions: int = 0
    skipped: list[SkippedLine] = field(default_factory=list)
    skipped_count: int = 0
    until: int | None = None
    until_applied: bool = False
    last_time: int | None = None
    interrupted: bool = False


def dry_run(
    ruleset: RuleSet,
    lines: Iterable[bytes | str],
    emit: Callable[[ActionRecord], None],
    until: int | None = None,
    explainer: Explainer | None = None,
) -> DryRunResult:
    """Run `ruleset` over JSON Lines `lines`, passing each action to `emit` as it happens.

    At the end the clock moves to `until` (microseconds) when given, firing
    what is due by then. Ctrl-C stops the run between two events (at once
    while it waits for input), and the result says so.
    """
    engine = Engine(ruleset, observer=explainer)
    result = DryRunResult(engine, until=until)

    process = engine.process
    events = 0
    stop = StopRequest(waiting_in=_waiting_for)
    with stop.installed(), cycle_collection_paused():
        try:
            for item in read_events(_waiting_for(lines)):
                if isinstance(item, SkippedLine):
                    if len(result.skipped) < KEPT_SKIPPED:
                        result.skipped.append(item)
                    result.skipped_count += 1
                else:
                    events += 1
                    if explainer is not None:
                        explainer.read(item)
                    records = process(item)
                    if records:
                        result.actions += len(records)
                        for record in records:
                            emit(record)
                if stop.requested:
                    break
        except KeyboardInterrupt:  # while waiting for input
            stop.requested = True
        result.events = events
        result.last_time = engine.clock
        if until is not None and not stop.requested:
            records = engine.advance(until)
            result.actions += len(records)
            for record in records:
                emit(record)
            result.until_applied = True
        result.interrupted = stop.requested
    return result


def _waiting_for(lines: Iterable[bytes | str]) -> Iterator[bytes | str]:
    """`lines`, read in a frame of their own: Ctrl-C while the run is in it is Ctrl-C while
    the run waits for input (`read_events` may be compiled, with no frame to tell by)."""
    yield from lines


def run_events(ruleset: RuleSet, events: Iterable[Event], until: int | None = None) -> list[ActionRecord]:
    """Every action of `ruleset` over already-read events (tests and `playbook test`)."""
    engine = Engine(ruleset)
    out: list[ActionRecord] = []
    for event in events:
        out.extend(engine.process(event))
    if until is not None:
        out.extend(engine.advance(until))
    return out
