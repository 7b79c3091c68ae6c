"""Both rule sets over the same events, each in an engine of its own, as a dry run runs one.

The events are read once: each event is taken in by OLD's engine, then by
NEW's, and their records go to the pairing together. Engines share nothing
but the event, which each fills in for itself (its thread, whether it is the
brand's) before looking at it; what an event caches for every rule set (its
labels, its sentiment) is worked out once for both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from playbook.compiler.gcpause import cycle_collection_paused
from playbook.compiler.ruleset import RuleSet
from playbook.diff.pairing import Difference, Pairing
from playbook.language.events import SkippedLine, read_events
from playbook.runtime.engine import Engine

# Skipped lines kept to show in the summary; the rest are counted.
KEPT_SKIPPED = 20


@dataclass(slots=True)
class DiffResult:
    """What the two runs saw and how they differ.

    `pairing` holds the rules of both sets and the counts; `differences` are in
    the order `playbook diff` lists them. `skipped` holds the first
    `KEPT_SKIPPED` lines that were not events, of `skipped_count`; `last_time`
    is the clock when the events ran out, before `until`.
    """

    pairing: Pairing
    differences: list[Difference] = field(default_factory=list)
    events: int = 0
    skipped: list[SkippedLine] = field(default_factory=list)
    skipped_count: int = 0
    until: int | None = None
    last_time: int | None = None


def diff_events(
    old: RuleSet, new: RuleSet, lines: Iterable[bytes | str], until: int | None = None
) -> DiffResult:
    """Run `old` and `new` over JSON Lines `lines` and pair their records; at the end
    both clocks move to `until` (microseconds) when given, firing what is due by then."""
    old_engine, new_engine = Engine(old), Engine(new)
    result = DiffResult(Pairing(old, new), until=until)
    take = result.pairing.take
    old_process, new_process = old_engine.process, new_engine.process
    events = 0
    with cycle_collection_paused():
        for item in read_events(lines):
            if isinstance(item, SkippedLine):
                if len(result.skipped) < KEPT_SKIPPED:
                    result.skipped.append(item)
                result.skipped_count += 1
                continue
            events += 1
            before = old_process(item)
            after = new_process(item)
            if before or after:
                take(before, after)
        result.events = events
        result.last_time = new_engine.clock
        if until is not None:
            take(old_engine.advance(until), new_engine.advance(until))
        result.differences = result.pairing.finish()
    return result
