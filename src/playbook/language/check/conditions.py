"""Conditions: fields and the types of their values, phrases and lists, regular
expressions, categories, and time conditions.

`ConditionChecker.check` walks one condition (a define's or a rule's) and
reports what is wrong with it, what the condition uses (so that unused
defines and lists can be told) and the time conditions it met.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from playbook.language import nodes
from playbook.language.check.matches import check_matches
from playbook.language.check.names import Namespace
from playbook.language.check.schedules import check_schedule_ref
from playbook.language.check.words import check_is, check_word
from playbook.language.diagnostics import Diagnostic, error
from playbook.language.fields import KNOWN_FIELDS, Kind, field_typo, suggest

NOT_TEXT = (Kind.NUMBER, Kind.BOOLEAN, Kind.OBJECT)


def check_field(fld: nodes.Field) -> Diagnostic | None:
    """A typo of a known field."""
    typo = field_typo(fld.path)
    return error(fld.pos, f"unknown field '{fld.path}'", f"did you mean '{typo}'?") if typo else None


def check_duration(duration: nodes.Duration) -> Diagnostic | None:
    """A duration of nothing."""
    return error(duration.pos, "a duration must be longer than zero") if duration.seconds <= 0 else None


def check_phrases(phrases: tuple[nodes.Literal, ...]) -> Iterator[Diagnostic]:
    """Empty phrases."""
    for literal in phrases:
        if not str(literal.value).strip():
            yield error(literal.pos, "a phrase cannot be empty")


def check_time_conditions(
    condition: nodes.Condition, timed: list[nodes.TimeCondition]
) -> Iterator[Diagnostic]:
    """Time conditions beyond a rule's first, and those not joined with 'and' (`timed`: all of them)."""
    _, top_level = nodes.split_time(condition)
    for extra in top_level[1:]:
        yield error(extra.pos, "a rule can have only one time condition", "split it into two rules")
    allowed = {id(c) for c in top_level}
    for cond in timed:
        if id(cond) not in allowed:
            yield error(
                cond.pos,
                "a time condition must be joined to the rest of the condition with 'and'",
                "it cannot sit under 'or' or 'not'",
            )


@dataclass(slots=True)
class ConditionReport:
    """What is wrong with a condition, the defines and lists it uses by name, its time
    conditions, and its tests of marks (checked with the rule set's marks: check/memory.py)."""

    problems: list[Diagnostic] = field(default_factory=list)
    names: set[str] = field(default_factory=set)
    timed: list[nodes.TimeCondition] = field(default_factory=list)
    marks: list[nodes.IsMarked] = field(default_factory=list)


class ConditionChecker:
    """Checks conditions against the names of one rule set (`broken`: the names of
    defines and lists that did not parse, of which nothing more is said)."""

    def __init__(self, ns: Namespace, broken: frozenset[str]) -> None:
        self.ns = ns
        self.broken = broken

    def check(self, condition: nodes.Condition, in_define: bool) -> ConditionReport:
        """Check `condition`, a define's when `in_define`."""
        report = ConditionReport()
        # A stack, not recursion: conditions may nest as deep as the checker allows and deeper.
        stack = [condition]
        while stack:
            cond = stack.pop()
            match cond:  # the commonest first: nearly every rule names an event type
                case nodes.Word(name=name):
                    self._use(name, report)
                    report.problems.extend(check_word(cond, self.ns, self.broken))
                case nodes.And(operands=operands) | nodes.Or(operands=operands):
                    stack.extend(reversed(operands))
                case nodes.Not(operand=operand):
                    stack.append(operand)
                case nodes.Compare():
                    self._compare(cond, report)
                case nodes.Contains(field=fld, phrase=phrase):
                    self._field(fld, report, NOT_TEXT, "'contains' works on text and lists")
                    report.problems.extend(check_phrases((phrase,)))
                case (
                    nodes.ContainsAny(field=fld, phrases=phrases)
                    | nodes.ContainsAll(field=fld, phrases=phrases)
                ):
                    self._field(fld, report, NOT_TEXT, "'contains' works on text and lists")
                    if isinstance(phrases, nodes.Name):
                        self._list_ref(phrases, report)
                    else:
                        report.problems.extend(check_phrases(phrases))
                case nodes.Matches(field=fld):
                    self._field(fld, report, NOT_TEXT, "'matches' works on text")
                    report.problems.extend(check_matches(cond))
                case nodes.In(field=fld, values=values):
                    self._field(fld, report)
                    if isinstance(values, nodes.Name):
                        self._list_ref(values, report)
                    else:
                        for literal in values:
                            self._value_kind(fld, literal, report)
                case nodes.Exists(field=fld):
                    self._field(fld, report)
                case nodes.Is(category=category):
                    self._use(category.name, report)
                    report.problems.extend(check_is(cond, self.ns, self.broken))
                case nodes.During(schedule=schedule):
                    self._schedule_ref(schedule, report)
                case nodes.IsMarked():
                    report.marks.append(cond)
                case nodes.Unanswered() | nodes.AtLeast():
                    self._time_condition(cond, in_define, report)
                    if isinstance(cond, nodes.Unanswered) and cond.during is not None:
                        self._schedule_ref(cond.during, report)
        return report

    def _schedule_ref(self, ref: nodes.Name, report: ConditionReport) -> None:
        report.names.add(ref.name)
        report.problems.extend(check_schedule_ref(ref, self.ns, self.broken))

    def _use(self, name: str, report: ConditionReport) -> None:
        if name in self.ns.defines or name in self.ns.lists or name in self.broken:
            report.names.add(name)

    def _time_condition(self, cond: nodes.TimeCondition, in_define: bool, report: ConditionReport) -> None:
        if in_define:
            report.problems.append(
                error(
                    cond.pos,
                    "a time condition belongs in a rule, not in a define",
                    "move it to the rule's 'when'",
                )
            )
        else:
            report.timed.append(cond)
        too_short = check_duration(cond.duration)
        if too_short is not None:
            report.problems.append(too_short)
        if isinstance(cond, nodes.AtLeast):
            if cond.count < 1:
                report.problems.append(error(cond.pos, "'at least' needs a count of 1 or more"))
            if cond.per is not None:
                self._field(cond.per, report)

    def _field(
        self, fld: nodes.Field, report: ConditionReport, not_kinds: tuple[Kind, ...] = (), why: str = ""
    ) -> bool:
        """Report a typo of a known field, or a field of a kind the test does not work on;
        True when the field is known or new (not a typo)."""
        typo = check_field(fld)
        if typo is not None:
            report.problems.append(typo)
            return False
        kind = KNOWN_FIELDS.get(fld.path)
        if kind in not_kinds:
            report.problems.append(error(fld.pos, f"'{fld.path}' holds {kind.value}; {why}"))
        return True

    def _list_ref(self, ref: nodes.Name, report: ConditionReport) -> None:
        report.names.add(ref.name)
        if ref.name in self.ns.lists or ref.name in self.broken:
            return
        if ref.name in self.ns.defines:
            report.problems.append(
                error(
                    ref.pos,
                    f"'{ref.name}' is a define, not a list",
                    f"use it as a condition: ... and {ref.name}",
                )
            )
            return
        near = suggest(ref.name, self.ns.lists)
        hint = f"did you mean '{near}'?" if near else f'declare it with: list {ref.name} = "...", "..."'
        report.problems.append(error(ref.pos, f"unknown list '{ref.name}'", hint))

    def _compare(self, cond: nodes.Compare, report: ConditionReport) -> None:
        if not self._field(cond.field, report):
            return
        if isinstance(cond.value.value, bool) and cond.op not in ("=", "!="):
            report.problems.append(error(cond.value.pos, "true and false can only be compared with = or !="))
            return
        self._value_kind(cond.field, cond.value, report, cond.op)

    def _value_kind(
        self, fld: nodes.Field, literal: nodes.Literal, report: ConditionReport, op: str = "="
    ) -> None:
        kind = KNOWN_FIELDS.get(fld.path)
        value = literal.value
        if kind is Kind.LIST:
            report.problems.append(
                error(
                    fld.pos,
                    f"'{fld.path}' holds a list; test it with 'contains'",
                    f'as in {fld.path} contains "{value}"',
                )
            )
        elif kind is Kind.OBJECT:
            report.problems.append(
                error(
                    fld.pos,
                    f"'{fld.path}' holds an object; compare one of its fields",
                    f"such as {fld.path}.followers",
                )
            )
        elif kind is Kind.NUMBER and (isinstance(value, bool) or not isinstance(value, (int, float))):
            report.problems.append(
                error(
                    literal.pos,
                    f"'{fld.path}' holds a number; compare it with a number",
                    f"as in {fld.path} {op} {_number_example(value)}",
                )
            )
        elif kind is Kind.BOOLEAN and not isinstance(value, bool):
            report.problems.append(
                error(
                    literal.pos,
                    f"'{fld.path}' holds true or false; compare it with true or false",
                    f"as in {fld.path} = true",
                )
            )
        elif kind is Kind.STRING and not isinstance(value, str):
            shown = "true" if value is True else "false" if value is False else value
            report.problems.append(
                error(
                    literal.pos,
                    f"'{fld.path}' holds text; put the value in double quotes",
                    f'as in {fld.path} {op} "{shown}"',
                )
            )


def _number_example(value: object) -> str:
    """The number a manager meant, when they wrote one in quotes: "2" → 2."""
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return "3"
        if number != number or number in (float("inf"), float("-inf")):
            return "3"
        return str(int(number)) if number.is_integer() else str(number)
    return "3"
