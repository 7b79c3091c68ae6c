"""A rule's condition evaluated so that it can be explained: a verdict for every
condition in it, from which the rule's own verdict follows.

With an observer attached (`playbook dry-run --explain`), the engine decides
each rule by this evaluation instead of the rule's one compiled function, so
what `--explain` shows and what the engine does cannot disagree. The
conditions at the leaves (a comparison, a `contains`, a label) are compiled by
the rule set's own compiler, with its phrase indexes and the same code as the
rule's function; `and`, `or`, `not` and defines are walked here, each operand
evaluated (none skipped) so that each one gets its verdict.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from playbook.compiler.conditions import ConditionWriter, RuleSetParts
from playbook.language import nodes


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether `node` held for an event, and the verdicts that decided it: those
    of the operands of `and`, `or` and `not`, or of the condition a define names."""

    node: nodes.Condition
    held: bool
    parts: tuple[Verdict, ...] = ()


Judge = Callable[[Any], Verdict]


class ExplainingCondition:
    """The verdicts of a rule's instant condition (its conjuncts joined by `and`)
    for an event; the evaluation is built the first time it is asked for."""

    def __init__(self, compiler: RuleSetParts, condition: nodes.And) -> None:
        self.compiler = compiler
        self.condition = condition
        self._judge: Judge | None = None

    def __call__(self, event: Any) -> Verdict:
        judge = self._judge
        if judge is None:
            judge = self._judge = judge_of(self.compiler, self.condition)
        return judge(event)


def judge_of(compiler: RuleSetParts, node: nodes.Condition) -> Judge:
    """The function giving the verdict of `node`, and of every condition in it, for an event."""
    match node:
        case nodes.And(operands=operands) | nodes.Or(operands=operands):
            judges = tuple(judge_of(compiler, operand) for operand in operands)
            combine = all if isinstance(node, nodes.And) else any

            def joined(event: Any) -> Verdict:
                parts = tuple(judge(event) for judge in judges)
                return Verdict(node, combine(part.held for part in parts), parts)

            return joined
        case nodes.Not(operand=operand):
            inner = judge_of(compiler, operand)

            def not_(event: Any) -> Verdict:
                part = inner(event)
                return Verdict(node, not part.held, (part,))

            return not_
        case nodes.Word(name=name) if (define := compiler.define(name)) is not None:
            named = judge_of(compiler, define)

            def word(event: Any) -> Verdict:
                part = named(event)
                return Verdict(node, part.held, (part,))

            return word
        case nodes.Is(word=kind, category=category, negated=negated) if (
            define := compiler.define(category.name)
        ) is not None:
            of_type = ConditionWriter(compiler).type_test(kind.name)
            named = judge_of(compiler, define)

            def is_(event: Any) -> Verdict:
                part = named(event)
                return Verdict(node, bool(of_type(event)) and part.held != negated, (part,))

            return is_
    test = ConditionWriter(compiler).function(node)

    def leaf(event: Any) -> Verdict:
        return Verdict(node, bool(test(event)))

    return leaf
