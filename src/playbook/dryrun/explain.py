"""`--explain`: for the events or rules asked for, which conditions held and which
did not, and what a time rule is waiting for."""

from __future__ import annotations

from collections.abc import Collection
from typing import TextIO

from playbook.compiler.actions import ActionRecord
from playbook.compiler.conditions import Condition
from playbook.compiler.rules import CompiledRule, Compiler, UnansweredSpec, WindowSpec
from playbook.compiler.ruleset import RuleSet
from playbook.language import nodes
from playbook.language.check import split_time
from playbook.language.events import Event
from playbook.language.timestamps import format_time
from playbook.language.unparse import condition_text
from playbook.runtime.state import Deadline

HELD = "✓"
FAILED = "✗"
# How many levels of `define`s are unfolded under a condition.
DEFINE_DEPTH = 2


class Explainer:
    """Writes explanations as the engine works; `targets` are event ids or rule
    names (empty: everything)."""

    def __init__(self, ruleset: RuleSet, targets: Collection[str], out: TextIO) -> None:
        self.ruleset = ruleset
        self.targets = set(targets)
        self.out = out
        self._compiler = Compiler(ruleset.namespace)
        self._compiled: dict[int, Condition] = {}
        self._current: str | None = None
        self._explained_items: set[str] = set()
        self._by_key = {rule.key: rule for rule in ruleset.rules}

    def _wanted(self, rule: CompiledRule, item: str) -> bool:
        return not self.targets or rule.name in self.targets or item in self.targets

    def _header(self, event: Event) -> None:
        if self._current == event.id:
            return
        self._current = event.id
        who = event.handle or "no author"
        kind = "brand event" if event.brand else "event"
        self.out.write(
            f"{kind} {event.id}: {event.type} at {format_time(event.time)} by {who}, thread {event.thread}\n"
        )

    def _line(self, depth: int, text: str) -> None:
        self.out.write("  " * depth + text + "\n")

    # --- engine callbacks ---

    def rule_checked(self, rule: CompiledRule, event: Event, held: bool) -> None:
        if not self._wanted(rule, event.id):
            return
        self._explained_items.add(event.id)
        self._header(event)
        where = "" if rule.name == rule.source else f" ({rule.source})"
        self._line(1, f"{HELD if held else FAILED} {rule.name}{where}")
        instant, timed = split_time(rule.node.condition)
        for part in instant:
            self._condition(part, event, 2, DEFINE_DEPTH)
        if timed and held and isinstance(rule.time, UnansweredSpec) and event.brand:
            self._line(2, "· brand events start no wait")

    def waiting(self, rule: CompiledRule, deadline: Deadline) -> None:
        if self._wanted(rule, deadline.event):
            self._line(
                2, f"→ waiting for a reply in thread {deadline.thread} until {format_time(deadline.due)}"
            )

    def answered(self, deadline: Deadline, by: Event) -> None:
        rule = self._by_key.get(deadline.rule)
        name = rule.name if rule is not None else deadline.rule
        if deadline.event in self._explained_items or name in self.targets or not self.targets:
            self._header(by)
            self._line(
                1,
                f"→ answers {deadline.event} in time for '{name}'"
                f" (its deadline was {format_time(deadline.due)})",
            )

    def counted(self, rule: CompiledRule, event: Event, count: int, armed: bool) -> None:
        if not self._wanted(rule, event.id):
            return
        spec = rule.time
        assert isinstance(spec, WindowSpec)
        per = f" for this {spec.per_field}" if spec.per_field else ""
        state = "" if armed else "; already fired, waits for the count to fall below " + str(spec.count)
        self._line(2, f"→ {count} of {spec.count} matching events within the window{per}{state}")

    def fired(self, rule: CompiledRule, time: int, item: str, records: list[ActionRecord]) -> None:
        if not self._wanted(rule, item):
            return
        actions = ", ".join(r.action + (f" {r.target}" if r.target else "") for r in records)
        if isinstance(rule.time, UnansweredSpec):
            self._current = None
            self.out.write(
                f"fired at {format_time(time)}: rule '{rule.name}' for {item}: no reply by then → {actions}\n"
            )
        else:
            self._line(2, f"→ fired: {actions}")

    def suppressed(self, rule: CompiledRule, time: int, item: str, limit: str) -> None:
        if self._wanted(rule, item):
            self._line(2, f"→ suppressed at {format_time(time)} by '{limit}'")

    # --- conditions ---

    def _holds(self, node: nodes.Condition, event: Event) -> bool:
        compiled = self._compiled.get(id(node))
        if compiled is None:
            compiled = self._compiled[id(node)] = self._compiler.condition(node)
        return compiled(event)

    def _condition(self, node: nodes.Condition, event: Event, depth: int, unfold: int) -> None:
        held = self._holds(node, event)
        self._line(depth, f"{HELD if held else FAILED} {condition_text(node)}")
        defines = self.ruleset.namespace.defines
        if isinstance(node, (nodes.And, nodes.Or)):
            for operand in node.operands:
                self._condition(operand, event, depth + 1, unfold)
        elif isinstance(node, nodes.Not):
            self._condition(node.operand, event, depth + 1, unfold)
        elif unfold > 0:
            name = (
                node.name
                if isinstance(node, nodes.Word)
                else node.category.name
                if isinstance(node, nodes.Is)
                else None
            )
            if name in defines:
                self._condition(defines[name].condition, event, depth + 1, unfold - 1)
