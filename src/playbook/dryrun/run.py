"""A dry run: a rule set over a stream of events, with no side effects."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from playbook.compiler.actions import ActionRecord
from playbook.compiler.gcpause import cycle_collection_paused
from playbook.compiler.ruleset import RuleSet
from playbook.language.events import Event, SkippedLine, read_events
from playbook.runtime.engine import Engine, Observer


@dataclass(slots=True)
class DryRunResult:
    """What a dry run saw and did, for the summary."""

    engine: Engine
    events: int = 0
    actions: int = 0
    skipped: list[SkippedLine] = field(default_factory=list)


def dry_run(
    ruleset: RuleSet,
    lines: Iterable[bytes | str],
    emit: Callable[[ActionRecord], None],
    until: int | None = None,
    observer: Observer | None = None,
) -> DryRunResult:
    """Run `ruleset` over JSON Lines `lines`, passing each action to `emit` as it happens.

    At the end the clock moves to `until` (microseconds) when given, firing
    what is due by then.
    """
    engine = Engine(ruleset, observer=observer)
    result = DryRunResult(engine)

    def emit_all(records: list[ActionRecord]) -> None:
        for record in records:
            result.actions += 1
            emit(record)

    process = engine.process
    events = 0
    with cycle_collection_paused():
        for item in read_events(lines):
            if isinstance(item, SkippedLine):
                result.skipped.append(item)
                continue
            events += 1
            records = process(item)
            if records:
                emit_all(records)
        result.events = events
        if until is not None:
            emit_all(engine.advance(until))
    return result


def run_events(ruleset: RuleSet, events: Iterable[Event], until: int | None = None) -> list[ActionRecord]:
    """Every action of `ruleset` over already-read events (tests and `playbook test`)."""
    engine = Engine(ruleset)
    out: list[ActionRecord] = []
    for event in events:
        out.extend(engine.process(event))
    if until is not None:
        out.extend(engine.advance(until))
    return out
