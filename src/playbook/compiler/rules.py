"""Checked AST → compiled rules: one function per condition, built once at load.

Everything a condition needs is resolved here: field paths become getters,
phrases become ids in one `PhraseIndex` per field, regexes are compiled with
RE2, durations become microseconds; `conditions` writes each condition as one
Python function. Evaluating a rule on an event walks no tree.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from playbook.compiler.actions import ActionTemplate, Getter, RecordParts, Template
from playbook.compiler.conditions import Condition, ConditionWriter, RuleSetParts
from playbook.compiler.memory import MarkSpec, MarkTest, RepeatSpec, author_key
from playbook.compiler.phrases import PhraseIndex
from playbook.compiler.schedules import Schedule, compile_schedule
from playbook.compiler.verdicts import ExplainingCondition
from playbook.language import nodes
from playbook.language.check import Namespace, split_time
from playbook.language.diagnostics import Pos
from playbook.language.events import Event
from playbook.language.regex import SEARCH_LIMIT, compile_regex
from playbook.language.timestamps import MICROS
from playbook.language.turns import turn
from playbook.language.unparse import condition_text, limit_text, rule_text

_NUMBER = (int, float)


def _always(event: Event) -> bool:
    return True


# --- field access -------------------------------------------------------------------


def getter(path: str) -> Getter:
    """A function reading the dotted field `path` of an event (None when missing)."""
    if path == "thread":
        return lambda e: e.thread
    if path == "type":
        return lambda e: e.type
    if path == "sentiment":
        return lambda e: e.sentiment()
    keys = path.split(".")
    if len(keys) == 1:
        key = keys[0]
        return lambda e: e.data.get(key)
    if len(keys) == 2:
        outer, inner = keys

        def two(e: Event) -> Any:
            value = e.data.get(outer)
            return value.get(inner) if isinstance(value, dict) else None

        return two

    def deep(e: Event) -> Any:
        value: Any = e.data
        for key in keys:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return value

    return deep


def key_getter(path: str) -> Getter:
    """The value an event is counted under for `per FIELD` (None: not counted).

    `per author` is the author's id, or the handle ignoring case; `per thread`
    the event's thread; strings compare ignoring case.
    """
    if path == "author":
        return author_key
    read = getter(path)

    def value_key(e: Event) -> Any:
        value = read(e)
        if isinstance(value, str):
            return value.casefold()
        if isinstance(value, (list, dict)):
            return repr(value)
        return value

    return value_key


# --- compiled rules -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UnansweredSpec:
    """`unanswered D`: fire at event time + D unless answered first; with
    `during NAME`, once D of the schedule's open time has passed. With `repeat`,
    fire again every D' (in open time too) while unanswered, up to N more times."""

    micros: int
    text: str
    schedule: Schedule | None = None
    repeat: RepeatSpec | None = None


@dataclass(frozen=True, slots=True)
class WindowSpec:
    """`at least N times within D [per FIELD]`."""

    count: int
    micros: int
    per: Getter | None
    per_field: str | None
    text: str


@dataclass(frozen=True, slots=True)
class LimitSpec:
    """`at most N per [FIELD per] D`."""

    count: int
    micros: int
    per: Getter | None
    per_field: str | None
    text: str


TimeSpec = UnansweredSpec | WindowSpec


@dataclass(frozen=True, slots=True)
class Trigger:
    """Phrases one of which a field must contain for a rule to hold: the rule
    is looked at only for events in which the field's index found one."""

    index: PhraseIndex
    read: Getter
    ids: frozenset[int]


@dataclass(frozen=True, slots=True, eq=False)
class CompiledRule:
    """A rule ready to run: its name, its text (as `rule_text` writes it, without
    `shadow`), where it is written, and its callables.

    `types` (the event types it can hold for, None for any) and `trigger`
    let the engine skip it for events it cannot hold for. `explain` decides
    the rule as `condition` does, with a verdict for each condition in it
    (for `--explain`). `actions` are those that make records; `marks` the
    marks it sets and takes away, which make none (SPEC section 12).
    """

    index: int
    name: str
    key: str
    text: str
    source: str
    condition: Condition
    time: TimeSpec | None
    actions: tuple[ActionTemplate, ...]
    records: tuple[RecordParts, ...]
    limits: tuple[LimitSpec, ...]
    node: nodes.Rule
    explain: ExplainingCondition
    types: frozenset[str] | None = None
    trigger: Trigger | None = None
    marks: tuple[MarkSpec, ...] = ()

    @property
    def pos(self) -> Pos:
        return self.node.when_pos

    @property
    def marks_authors(self) -> bool:
        """Whether it marks or unmarks authors (a wait then keeps its author's key)."""
        return any(mark.subject == "author" for mark in self.marks)

    @property
    def shadow(self) -> bool:
        """Whether its records are marked `shadow` (SPEC section 9)."""
        return self.node.shadow


def _state_keys(rules: Sequence[nodes.Rule], texts: Sequence[str]) -> list[str]:
    """What each rule's state is kept under across reloads: its name, or for an
    unnamed rule its text (with a count when the same text appears again)."""
    keys: list[str] = []
    seen: dict[str, int] = {}
    for rule, text in zip(rules, texts):
        if rule.name is not None:
            keys.append(str(rule.name.value))
            continue
        seen[text] = seen.get(text, 0) + 1
        keys.append(f"{text} #{seen[text]}" if seen[text] > 1 else text)
    return keys


class Compiler:
    """Compiles the rules of one checked `Namespace`."""

    def __init__(self, ns: Namespace) -> None:
        self.ns = ns
        self.phrase_indexes: dict[str, PhraseIndex] = {}
        self._reads: dict[str, Getter] = {}
        self.schedules = {name: compile_schedule(node) for name, node in ns.schedules.items()}

    def rules(self) -> tuple[CompiledRule, ...]:
        # Written once here, in the loader's thread: carrying state over and saving it need them.
        texts = []
        for rule in self.ns.rules:
            turn()
            texts.append(rule_text(rule))
        keys = _state_keys(self.ns.rules, texts)
        compiled = tuple(
            self.rule(i, rule, key, text)
            for i, (rule, key, text) in enumerate(zip(self.ns.rules, keys, texts))
        )
        for index in self.phrase_indexes.values():
            index.freeze()
        return compiled

    def rule(self, index: int, rule: nodes.Rule, key: str, written: str) -> CompiledRule:
        turn()
        instant, timed = split_time(rule.condition)
        conjuncts = nodes.And(tuple(instant), rule.when_pos)
        parts: RuleSetParts = _ShadowParts(self) if rule.shadow else self
        condition = ConditionWriter(parts).function(conjuncts) if instant else _always
        types = self._types(conjuncts) if instant else None
        trigger = self._trigger(conjuncts) if instant else None
        time: TimeSpec | None = None
        if timed:
            spec = timed[0]
            text = condition_text(spec)
            if isinstance(spec, nodes.Unanswered):
                schedule = self.schedules[spec.during.name] if spec.during is not None else None
                repeat = RepeatSpec.of(rule.repeat) if rule.repeat is not None else None
                time = UnansweredSpec(spec.duration.seconds * MICROS, text, schedule, repeat)
            else:
                per = spec.per.path if spec.per else None
                time = WindowSpec(
                    spec.count,
                    spec.duration.seconds * MICROS,
                    key_getter(per) if per else None,
                    per,
                    text,
                )
        # An action's position (in its record's id) is where it is written, marks counted.
        actions = tuple(self.action(i, a) for i, a in enumerate(rule.actions) if isinstance(a, nodes.Action))
        marks = tuple(MarkSpec.of(a) for a in rule.actions if isinstance(a, nodes.Mark))
        limits = tuple(
            LimitSpec(
                limit.count,
                limit.duration.seconds * MICROS,
                key_getter(limit.per.path) if limit.per else None,
                limit.per.path if limit.per else None,
                limit_text(limit),
            )
            for limit in rule.limits
        )
        source = f"{os.path.basename(rule.when_pos.file)}:{rule.when_pos.line}"
        name = rule.display_name
        return CompiledRule(
            index,
            name,
            key,
            written,
            source,
            condition,
            time,
            actions,
            tuple(RecordParts(action, name, source, rule.shadow) for action in actions),
            limits,
            rule,
            ExplainingCondition(parts, conjuncts),
            types,
            trigger,
            marks,
        )

    # --- what a rule can hold for (dispatch) ---

    def _types(self, node: nodes.Condition) -> frozenset[str] | None:
        """The event types `node` can hold for; None when it can hold for any."""
        match node:
            case nodes.And(operands=operands):
                result: frozenset[str] | None = None
                for operand in operands:
                    types = self._types(operand)
                    if types is not None:
                        result = types if result is None else result & types
                return result
            case nodes.Or(operands=operands):
                parts = [self._types(operand) for operand in operands]
                if any(part is None for part in parts):
                    return None
                return frozenset().union(*parts)  # type: ignore[arg-type]
            case nodes.Word(name=name):
                if name in self.ns.defines:
                    return self._types(self.ns.defines[name].condition)
                return frozenset({name.lower()})
            case nodes.Is(word=word, category=category, negated=negated):
                inner = None
                if not negated and category.name in self.ns.defines:
                    inner = self._types(self.ns.defines[category.name].condition)
                if word.name in ("author", "event"):
                    return inner
                own = frozenset({word.name.lower()})
                return own if inner is None else own & inner
        return None

    def _trigger(self, node: nodes.Condition) -> Trigger | None:
        """Phrases one of which must be found for `node` to hold, if there are such."""
        match node:
            case nodes.And(operands=operands):
                found = [t for t in map(self._trigger, operands) if t is not None]
                return min(found, key=lambda t: len(t.ids)) if found else None
            case nodes.Or(operands=operands):
                parts = [self._trigger(operand) for operand in operands]
                if not parts or any(p is None for p in parts):
                    return None
                first = parts[0]
                assert first is not None
                if any(p.index is not first.index for p in parts):  # type: ignore[union-attr]
                    return None
                return Trigger(first.index, first.read, frozenset().union(*(p.ids for p in parts)))  # type: ignore[union-attr]
            case nodes.Contains(field=fld, phrase=phrase):
                return self._phrase_trigger(fld.path, [str(phrase.value)])
            case nodes.ContainsAny(field=fld, phrases=phrases):
                return self._phrase_trigger(fld.path, self.phrase_list(phrases))
            case nodes.ContainsAll(field=fld, phrases=phrases):
                return self._phrase_trigger(fld.path, self.phrase_list(phrases)[:1])
            case nodes.Word(name=name) if name in self.ns.defines:
                return self._trigger(self.ns.defines[name].condition)
            case nodes.Is(category=category, negated=False) if category.name in self.ns.defines:
                return self._trigger(self.ns.defines[category.name].condition)
        return None

    def _phrase_trigger(self, path: str, phrases: list[str]) -> Trigger | None:
        if not phrases:
            return None
        index, ids = self.phrase_ids(path, phrases)
        read = self._reads.get(path)
        if read is None:
            read = self._reads[path] = getter(path)
        return Trigger(index, read, ids)

    # --- actions ---

    def action(self, position: int, action: nodes.Action) -> ActionTemplate:
        args = {arg.kind: arg.value for arg in action.args}
        target = args.get("to", args.get("text")) if action.word != "reply" else None
        params: list[tuple[str, str | Template]] = []
        if "priority" in args:
            params.append(("priority", args["priority"]))
        if "message" in args:
            params.append(("message", Template(args["message"], getter)))
        if action.word == "reply":
            if "text" in args:
                params.append(("text", Template(args["text"], getter)))
            if "template" in args:
                params.append(("template", args["template"]))
        return ActionTemplate(action.word, position, target, tuple(params))

    # --- conditions ---

    def getter(self, path: str) -> Getter:
        return getter(path)

    def define(self, name: str) -> nodes.Condition | None:
        """The condition `define NAME` stands for, if NAME is a define."""
        define = self.ns.defines.get(name)
        return define.condition if define is not None else None

    def phrase_list(self, phrases: nodes.Name | tuple[nodes.Literal, ...]) -> list[str]:
        if isinstance(phrases, nodes.Name):
            return [str(lit.value) for lit in self.ns.lists[phrases.name].phrases]
        return [str(lit.value) for lit in phrases]

    def phrase_ids(self, path: str, phrases: list[str]) -> tuple[PhraseIndex, frozenset[int]]:
        """The phrase index of the field `path`, and the ids of `phrases` in it."""
        index = self.phrase_indexes.get(path)
        if index is None:
            index = self.phrase_indexes[path] = PhraseIndex()
        return index, frozenset(index.add(p) for p in phrases)

    def is_marked(self, node: nodes.IsMarked, shadow: bool = False) -> Condition:
        """`author is marked "M"`, `thread is not marked "M"`, as a live rule (or a
        `shadow` one) sees marks."""
        return MarkTest(node, shadow)

    def during(self, node: nodes.During) -> Callable[[int], bool]:
        """`during NAME`: whether an instant is open time of the schedule NAME."""
        return self.schedules[node.schedule.name].is_open

    def matches(self, node: nodes.Matches) -> Condition:
        """`FIELD matches /REGEX/`, searching the first `SEARCH_LIMIT` characters of each text."""
        search = compile_regex(node.pattern, node.flags).search
        read = getter(node.field.path)

        def matches(e: Event) -> bool:
            value = read(e)
            if isinstance(value, str):
                return search(value[:SEARCH_LIMIT]) is not None
            if isinstance(value, list):
                return any(isinstance(x, str) and search(x[:SEARCH_LIMIT]) is not None for x in value)
            return False

        return matches

    def in_(self, node: nodes.In) -> Condition:
        if isinstance(node.values, nodes.Name):
            values: list[Any] = [lit.value for lit in self.ns.lists[node.values.name].phrases]
        else:
            values = [lit.value for lit in node.values]
        strings = frozenset(v.casefold() for v in values if isinstance(v, str))
        numbers = frozenset(v for v in values if isinstance(v, _NUMBER) and not isinstance(v, bool))
        booleans = frozenset(v for v in values if isinstance(v, bool))
        read = getter(node.field.path)

        def one(v: Any) -> bool:
            if isinstance(v, str):
                return v.casefold() in strings
            if isinstance(v, bool):
                return v in booleans
            if isinstance(v, _NUMBER):
                return v in numbers
            return False

        def in_(e: Event) -> bool:
            value = read(e)
            if isinstance(value, list):
                return any(one(x) for x in value)
            return one(value)

        return in_


class _ShadowParts:
    """The compiler's parts as a shadow rule's conditions use them: its tests of
    marks see the marks shadow rules set as well as the live ones."""

    def __init__(self, compiler: Compiler) -> None:
        self._compiler = compiler

    def getter(self, path: str) -> Getter:
        return self._compiler.getter(path)

    def define(self, name: str) -> nodes.Condition | None:
        return self._compiler.define(name)

    def phrase_list(self, phrases: nodes.Name | tuple[nodes.Literal, ...]) -> list[str]:
        return self._compiler.phrase_list(phrases)

    def phrase_ids(self, path: str, phrases: list[str]) -> tuple[PhraseIndex, frozenset[int]]:
        return self._compiler.phrase_ids(path, phrases)

    def matches(self, node: nodes.Matches) -> Condition:
        return self._compiler.matches(node)

    def in_(self, node: nodes.In) -> Condition:
        return self._compiler.in_(node)

    def during(self, node: nodes.During) -> Callable[[int], bool]:
        return self._compiler.during(node)

    def is_marked(self, node: nodes.IsMarked) -> Condition:
        return self._compiler.is_marked(node, shadow=True)
