"""A dry run: a rule set over a stream of events, with no side effects."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .actions import ActionRecord
from .events import Event, SkippedLine, read_events
from .loader import RuleSet
from .runtime.engine import Engine


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
) -> DryRunResult:
    """Run `ruleset` over JSON Lines `lines`, passing each action to `emit` as it happens."""
    engine = Engine(ruleset)
    result = DryRunResult(engine)
    for item in read_events(lines):
        if isinstance(item, SkippedLine):
            result.skipped.append(item)
            continue
        result.events += 1
        for record in engine.process(item):
            result.actions += 1
            emit(record)
    return result


def run_events(ruleset: RuleSet, events: Iterable[Event]) -> list[ActionRecord]:
    """Every action of `ruleset` over already-read events (tests and `playbook test`)."""
    engine = Engine(ruleset)
    out: list[ActionRecord] = []
    for event in events:
        out.extend(engine.process(event))
    return out
