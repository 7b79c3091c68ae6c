"""The engine: takes events in order and returns the actions they cause."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ..actions import ActionRecord, make_record
from ..compiler import CompiledRule
from ..events import Event
from ..loader import RuleSet
from ..timestamps import format_time
from .threads import ThreadIndex

log = logging.getLogger(__name__)


@dataclass(slots=True)
class RuleStats:
    """What a rule did over a run."""

    fired: int = 0
    suppressed: int = 0
    failed: int = 0


class Engine:
    """Runs a rule set over events. Reads no clock: time is the events' own."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self.threads = ThreadIndex()
        self.stats = {rule.name: RuleStats() for rule in ruleset.rules}
        self.instant = tuple(r for r in ruleset.rules if r.time is None and not r.limits)
        self.not_evaluated = tuple(r for r in ruleset.rules if r.time is not None or r.limits)

    def process(self, event: Event) -> list[ActionRecord]:
        """Take one event in; return the actions it causes, in rule-set order."""
        event.brand = self.ruleset.is_brand(event.handle)
        event.thread = self.threads.resolve(event)
        out: list[ActionRecord] = []
        for rule in self.instant:
            if self._holds(rule, event):
                out.extend(self._fire(rule, event, event.time))
        return out

    def _holds(self, rule: CompiledRule, event: Event) -> bool:
        try:
            return rule.condition(event)
        except Exception as exc:  # a rule must never stop the engine
            self.stats[rule.name].failed += 1
            log.error("%s: rule '%s': %s on event %s", rule.source, rule.name, exc, event.id)
            return False

    def _fire(self, rule: CompiledRule, event: Event, time: int) -> list[ActionRecord]:
        self.stats[rule.name].fired += 1
        stamp = format_time(time)
        return [make_record(a, rule.name, rule.source, event, stamp) for a in rule.actions]
