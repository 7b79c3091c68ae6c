"""Which rules to look at for an event: only those that can hold for it.

Rules are indexed by the event types they can hold for and by the phrases
one of which they need (a `contains` that must be true). For an event, the
phrase index of each field runs once (all phrases of all rules in one pass,
the result cached on the event for the conditions to reuse), and only the
rules whose phrases were found, plus those that need none, are evaluated, in
rule-set order. Which rules that is depends only on the event type and the
phrases found, so it is worked out once per combination and remembered. A
rule set of a thousand keyword rules therefore costs about what a rule set of
a few does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from playbook.compiler.phrases import PhraseIndex
from playbook.compiler.rules import CompiledRule
from playbook.language.events import Event

# Beyond this many distinct event types, plans are made per event, not kept.
MAX_PLANS = 1000
# A type with at most this many rules has them all evaluated: picking among so
# few by phrase costs more than their conditions, which reuse the same phrase hits.
SMALL_PLAN = 16
# The rules picked for each combination of phrase hits are remembered, up to
# this many combinations per event type (most events find none, one or two).
MAX_PICKS = 10_000


@dataclass(frozen=True, slots=True)
class _Plan:
    """The rules for one event type."""

    always: tuple[CompiledRule, ...]
    triggers: tuple[tuple[PhraseIndex, object, dict[int, tuple[CompiledRule, ...]]], ...]
    picked: dict[tuple[frozenset[int], ...], Sequence[CompiledRule]]


class Dispatch:
    """Picks, per event, the rules worth evaluating.

    `fixed` maps each event type seen whose rules do not depend on the event's
    phrases to those rules, so the engine can look them up without a call.
    """

    def __init__(self, rules: Sequence[CompiledRule]) -> None:
        self.rules = tuple(rules)
        self._plans: dict[str, _Plan] = {}
        self.fixed: dict[str, tuple[CompiledRule, ...]] = {}

    def _plan(self, event_type: str) -> _Plan:
        plan = self._make_plan(event_type)
        if len(self._plans) < MAX_PLANS:
            self._plans[event_type] = plan
            if not plan.triggers:
                self.fixed[event_type] = plan.always
        return plan

    def _make_plan(self, event_type: str) -> _Plan:
        applicable = [r for r in self.rules if r.types is None or event_type in r.types]
        if len(applicable) <= SMALL_PLAN:
            return _Plan(tuple(applicable), (), {})
        always = tuple(r for r in applicable if r.trigger is None)
        by_index: dict[PhraseIndex, tuple[object, dict[int, list[CompiledRule]]]] = {}
        for rule in applicable:
            trigger = rule.trigger
            if trigger is None:
                continue
            _, by_pid = by_index.setdefault(trigger.index, (trigger.read, {}))
            for pid in trigger.ids:
                by_pid.setdefault(pid, []).append(rule)
        return _Plan(
            always,
            tuple(
                (index, read, {pid: tuple(rules) for pid, rules in by_pid.items()})
                for index, (read, by_pid) in by_index.items()
            ),
            {},
        )

    def planned(self) -> tuple[str, ...]:
        """The event types planned for so far."""
        return tuple(self._plans)

    def plan(self, event_types: Iterable[str]) -> None:
        """Plan for `event_types` now, not at the first event of each."""
        for event_type in event_types:
            if event_type not in self._plans:
                self._plan(event_type)

    def rules_for(self, event: Event) -> Sequence[CompiledRule]:
        """The rules that can hold for `event`, in rule-set order."""
        plan = self._plans.get(event.type) or self._plan(event.type)
        if not plan.triggers:
            return plan.always
        cache = event.cache
        found = []
        for index, read, _ in plan.triggers:
            hits = cache.get(index)
            if hits is None:
                hits = index.find(read(event), cache)  # type: ignore[operator]
            found.append(hits)
        key = tuple(found)
        rules = plan.picked.get(key)
        if rules is None:
            rules = _pick(plan, key)
            if len(plan.picked) >= MAX_PICKS:
                plan.picked.clear()
            plan.picked[key] = rules
        return rules


def _pick(plan: _Plan, hits_by_trigger: tuple[frozenset[int], ...]) -> Sequence[CompiledRule]:
    """The plan's rules for these phrase hits, in rule-set order."""
    extra: dict[int, CompiledRule] = {}
    for (_, _, by_pid), hits in zip(plan.triggers, hits_by_trigger):
        for pid in hits:
            for rule in by_pid.get(pid, ()):
                extra[rule.index] = rule
    if not extra:
        return plan.always
    for rule in plan.always:
        extra[rule.index] = rule
    return tuple(extra[i] for i in sorted(extra))
