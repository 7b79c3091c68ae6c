"""Checks a parsed rule set: names, fields, types, actions, time conditions.

`check_ruleset` returns every problem as a `Diagnostic`; it never stops at the
first. `Namespace` is what the checker and the compiler both resolve names in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from playbook.language import nodes
from playbook.language.diagnostics import Diagnostic, Pos, error, lines_of, warning
from playbook.language.fields import (
    EVENT_TYPES,
    KNOWN_FIELDS,
    KNOWN_LABELS,
    Kind,
    field_typo,
    placeholders,
    suggest,
)
from playbook.language.nesting import (
    MAX_LEVELS,
    TOO_DEEP,
    TOO_DEEP_HINT,
    TOO_LARGE,
    TOO_LARGE_HINT,
    Extent,
    define_extents,
    extent,
    names_in,
)
from playbook.language.transform import written_offset
from playbook.language.vocabulary import ACTION_WORDS, ANY_TYPE_WORDS, PRIORITIES

if TYPE_CHECKING:
    import re2

# A "string" as the grammar reads it.
_STRING = re.compile(r'"(?:\\.|[^"\\\n])*"')

# For each action: the parts it may take, and the parts it must have.
ACTION_PARTS: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "escalate": (frozenset({"to", "priority"}), ()),
    "assign": (frozenset({"to"}), ("to",)),
    "notify": (frozenset({"text", "message"}), ("text",)),
    "alert": (frozenset({"text", "message"}), ("text",)),
    "tag": (frozenset({"text"}), ("text",)),
    "reply": (frozenset({"text", "template"}), ()),
    "hide": (frozenset(), ()),
}
MISSING_PART = {
    "assign": ("'assign' needs a target", 'as in assign to "billing-team"'),
    "notify": ("'notify' needs a target", 'as in notify "#care-desk"'),
    "alert": ("'alert' needs a target", 'as in alert "#war-room"'),
    "tag": ("'tag' needs a label", 'as in tag "needs-follow-up"'),
    "reply": (
        "'reply' needs a text or a template",
        'as in reply "Thank you!" or reply with template "thanks"',
    ),
}
PART_NAMES = {
    "to": "'to'",
    "text": "a text",
    "priority": "a priority",
    "message": "a message",
    "template": "a template",
}


@dataclass(slots=True)
class Namespace:
    """The `define`s and `list`s of a whole rule set, by name."""

    defines: dict[str, nodes.Define] = field(default_factory=dict)
    lists: dict[str, nodes.ListDef] = field(default_factory=dict)
    brand: list[nodes.Literal] = field(default_factory=list)
    rules: list[nodes.Rule] = field(default_factory=list)


def build_namespace(files: list[nodes.PlaybookFile]) -> tuple[Namespace, list[Diagnostic]]:
    """Collect names across files; a name defined twice is an error at the second."""
    ns = Namespace()
    problems: list[Diagnostic] = []
    first_at: dict[str, Pos] = {}
    for file in files:
        for stmt in file.statements:
            if isinstance(stmt, (nodes.Define, nodes.ListDef)):
                name = stmt.name.name
                if name in first_at:
                    where = first_at[name]
                    problems.append(
                        error(
                            stmt.name.pos,
                            f"'{name}' is defined twice",
                            f"first at {where.file}:{where.line}",
                        )
                    )
                    continue
                first_at[name] = stmt.name.pos
                if isinstance(stmt, nodes.Define):
                    ns.defines[name] = stmt
                else:
                    ns.lists[name] = stmt
            elif isinstance(stmt, nodes.Brand):
                ns.brand.extend(stmt.handles)
            elif isinstance(stmt, nodes.Rule):
                ns.rules.append(stmt)
    return ns, problems


def conjuncts(condition: nodes.Condition) -> list[nodes.Condition]:
    """The parts joined by `and`, parentheses around `and`s flattened."""
    if isinstance(condition, nodes.And):
        return [part for operand in condition.operands for part in conjuncts(operand)]
    return [condition]


def split_time(condition: nodes.Condition) -> tuple[list[nodes.Condition], list[nodes.TimeCondition]]:
    """A rule's condition as its instant conjuncts and its time conditions joined by `and`."""
    parts = conjuncts(condition)
    instant: list[nodes.Condition] = [
        c for c in parts if not isinstance(c, (nodes.Unanswered, nodes.AtLeast))
    ]
    timed = [c for c in parts if isinstance(c, (nodes.Unanswered, nodes.AtLeast))]
    return instant, timed


def walk(condition: nodes.Condition) -> Iterator[nodes.Condition]:
    """Every condition node under `condition`, itself included."""
    yield condition
    if isinstance(condition, (nodes.And, nodes.Or)):
        for operand in condition.operands:
            yield from walk(operand)
    elif isinstance(condition, nodes.Not):
        yield from walk(condition.operand)


def check_ruleset(
    files: list[nodes.PlaybookFile],
    extra_brand: bool = False,
    sources: Mapping[str, str] | None = None,
) -> list[Diagnostic]:
    """Every problem in the rule set made of `files`, errors and warnings.

    `extra_brand` says brand handles come from elsewhere too (the daemon's
    config); `sources`, the files' texts, lets a hint quote what was written.
    """
    ns, problems = build_namespace(files)
    broken = frozenset().union(*(f.broken_names for f in files))
    checker = _Checker(ns, broken, sources or {})
    checker.problems.extend(problems)
    checker.run(extra_brand)
    return checker.problems


class _Checker:
    def __init__(self, ns: Namespace, broken: frozenset[str], sources: Mapping[str, str]) -> None:
        self.ns = ns
        self.broken = broken
        self.sources = sources
        self.problems: list[Diagnostic] = []
        # The defines and lists named by the condition being checked: a define's own, or the rules'.
        self.used: set[str] = set()
        self.used_by_define: dict[str, set[str]] = {}
        # The time conditions met while checking the current rule's condition.
        self.timed: list[nodes.TimeCondition] = []

    def run(self, extra_brand: bool) -> None:
        self._check_brand()
        for name, define in self.ns.defines.items():
            self.used = self.used_by_define[name] = set()
            self._condition(define.condition, in_define=True)
        if not self._check_cycles():
            # Defines in a cycle cannot be written out: there is nothing to measure.
            self._check_extents()
        names: dict[str, Pos] = {}
        self.used = set()
        for rule in self.ns.rules:
            self._rule(rule, names)
        used = self._used_by_rules()
        for name, define in self.ns.defines.items():
            if name not in used:
                self.problems.append(warning(define.name.pos, f"define '{name}' is not used by any rule"))
        for name, list_def in self.ns.lists.items():
            if name not in used:
                self.problems.append(warning(list_def.name.pos, f"list '{name}' is not used by any rule"))
        for list_def in self.ns.lists.values():
            self._phrases(list_def.phrases)
        if not self.ns.brand and not extra_brand:
            self._warn_no_brand()

    def _used_by_rules(self) -> set[str]:
        """The defines and lists some rule uses, itself or through its defines."""
        used: set[str] = set()
        waiting = list(self.used)
        while waiting:
            name = waiting.pop()
            if name not in used:
                used.add(name)
                waiting.extend(self.used_by_define.get(name, ()))
        return used

    # --- statements ---

    def _check_brand(self) -> None:
        for handle in self.ns.brand:
            if not str(handle.value).strip():
                self.problems.append(error(handle.pos, "a brand handle cannot be empty"))

    def _check_extents(self) -> None:
        """Refuse a condition too deep or too large once its defines are written out, where
        it first becomes so: not again at each rule or define that uses one refused."""
        of_defines = define_extents(self.ns.defines)
        too_big = {name for name, measured in of_defines.items() if measured.too_big}
        for name, define in self.ns.defines.items():
            self._check_extent(of_defines[name], define.condition, define.pos, too_big)
        for rule in self.ns.rules:
            self._check_extent(extent(rule.condition, of_defines), rule.condition, rule.pos, too_big)

    def _check_extent(
        self, measured: Extent, condition: nodes.Condition, pos: Pos, too_big: set[str]
    ) -> None:
        if not measured.too_big or any(name in too_big for name in names_in(condition)):
            return
        if measured.levels > MAX_LEVELS:
            self.problems.append(error(pos, TOO_DEEP, TOO_DEEP_HINT))
        else:
            self.problems.append(error(pos, TOO_LARGE, TOO_LARGE_HINT))

    def _warn_no_brand(self) -> None:
        for rule in self.ns.rules:
            for cond in walk(rule.condition):
                if isinstance(cond, nodes.Unanswered):
                    self.problems.append(
                        warning(
                            cond.pos,
                            "no brand handles are declared, so only 'handled' events can answer",
                            'declare them with: brand "@yourbrand"',
                        )
                    )
                    return

    def _rule(self, rule: nodes.Rule, names: dict[str, Pos]) -> None:
        name = rule.display_name
        pos = rule.name.pos if rule.name is not None else rule.when_pos
        if not name.strip():
            self.problems.append(error(pos, "a rule's name cannot be empty"))
        elif name in names and rule.name is None:
            first = names[name]
            self.problems.append(
                error(
                    pos,
                    f"this unnamed rule is named '{name}' like the rule at {first.file}:{first.line}",
                    'give one of them a name, as in rule "Escalate complaints":',
                )
            )
        elif name in names:
            first = names[name]
            self.problems.append(
                error(
                    pos,
                    f"rule name '{name}' is used twice",
                    f"first at {first.file}:{first.line}",
                )
            )
        else:
            names[name] = pos
        self.timed = []
        self._condition(rule.condition, in_define=False)
        if self.timed:
            self._time_conditions(rule.condition, self.timed)
        for action in rule.actions:
            self._action(action)
        for limit in rule.limits:
            if limit.count < 1:
                self.problems.append(
                    error(limit.pos, "'at most 0' would stop every firing; use a count of 1 or more")
                )
            self._duration(limit.duration)
            if limit.per is not None:
                self._field(limit.per)

    def _time_conditions(self, condition: nodes.Condition, timed: list[nodes.TimeCondition]) -> None:
        """Report time conditions beyond the first, and those not joined with 'and' (`timed`: all of them)."""
        _, top_level = split_time(condition)
        for extra in top_level[1:]:
            self.problems.append(
                error(
                    extra.pos,
                    "a rule can have only one time condition",
                    "split it into two rules",
                )
            )
        allowed = {id(c) for c in top_level}
        for cond in timed:
            if id(cond) not in allowed:
                self.problems.append(
                    error(
                        cond.pos,
                        "a time condition must be joined to the rest of the condition with 'and'",
                        "it cannot sit under 'or' or 'not'",
                    )
                )

    def _check_cycles(self) -> bool:
        """Report every define defined in terms of itself; whether there was one."""
        defines = self.ns.defines
        reported: set[str] = set()
        done: set[str] = set()

        def refs(name: str) -> Iterator[str]:
            return (ref for ref in names_in(defines[name].condition) if ref in defines)

        # Depth first from each define in turn, each define explored once: a
        # define met again while it is being explored closes a cycle.
        for root in defines:
            if root in done:
                continue
            path = [root]
            pending = [refs(root)]
            while pending:
                ref = next(pending[-1], None)
                if ref is None:
                    pending.pop()
                    done.add(path.pop())
                elif ref in path:
                    cycle = path[path.index(ref) :] + [ref]
                    start = cycle[0]
                    if start not in reported:
                        reported.update(cycle)
                        self.problems.append(
                            error(
                                defines[start].name.pos,
                                f"'{start}' is defined in terms of itself: {' → '.join(cycle)}",
                            )
                        )
                elif ref not in done:
                    path.append(ref)
                    pending.append(refs(ref))
        return bool(reported)

    # --- conditions ---

    def _condition(self, cond: nodes.Condition, in_define: bool) -> None:
        match cond:  # the commonest first: nearly every rule names an event type
            case nodes.Word():
                self._word(cond)
            case nodes.And(operands=operands) | nodes.Or(operands=operands):
                for operand in operands:
                    self._condition(operand, in_define)
            case nodes.Not(operand=operand):
                self._condition(operand, in_define)
            case nodes.Compare():
                self._compare(cond)
            case nodes.Contains(field=fld, phrase=phrase):
                if self._field(fld):
                    self._not_kinds(
                        fld, (Kind.NUMBER, Kind.BOOLEAN, Kind.OBJECT), "'contains' works on text and lists"
                    )
                self._phrases((phrase,))
            case (
                nodes.ContainsAny(field=fld, phrases=phrases) | nodes.ContainsAll(field=fld, phrases=phrases)
            ):
                if self._field(fld):
                    self._not_kinds(
                        fld, (Kind.NUMBER, Kind.BOOLEAN, Kind.OBJECT), "'contains' works on text and lists"
                    )
                self._phrase_source(phrases)
            case nodes.Matches():
                self._matches(cond)
            case nodes.In(field=fld, values=values):
                self._field(fld)
                if isinstance(values, nodes.Name):
                    self._list_ref(values)
                else:
                    for literal in values:
                        self._value_kind(fld, literal)
            case nodes.Exists(field=fld):
                self._field(fld)
            case nodes.Is():
                self._is(cond)
            case nodes.Unanswered(duration=duration) | nodes.AtLeast(duration=duration):
                if in_define:
                    self.problems.append(
                        error(
                            cond.pos,
                            "a time condition belongs in a rule, not in a define",
                            "move it to the rule's 'when'",
                        )
                    )
                else:
                    self.timed.append(cond)
                self._duration(duration)
                if isinstance(cond, nodes.AtLeast):
                    if cond.count < 1:
                        self.problems.append(error(cond.pos, "'at least' needs a count of 1 or more"))
                    if cond.per is not None:
                        self._field(cond.per)

    def _field(self, fld: nodes.Field) -> bool:
        """Report a typo of a known field; True when the field is fine."""
        typo = field_typo(fld.path)
        if typo is not None:
            self.problems.append(error(fld.pos, f"unknown field '{fld.path}'", f"did you mean '{typo}'?"))
            return False
        return True

    def _not_kinds(self, fld: nodes.Field, kinds: tuple[Kind, ...], why: str) -> None:
        kind = KNOWN_FIELDS.get(fld.path)
        if kind in kinds:
            self.problems.append(error(fld.pos, f"'{fld.path}' holds {kind.value}; {why}"))

    def _compare(self, cond: nodes.Compare) -> None:
        if not self._field(cond.field):
            return
        value = cond.value.value
        if isinstance(value, bool) and cond.op not in ("=", "!="):
            self.problems.append(error(cond.value.pos, "true and false can only be compared with = or !="))
            return
        self._value_kind(cond.field, cond.value, cond.op)

    def _value_kind(self, fld: nodes.Field, literal: nodes.Literal, op: str = "=") -> None:
        kind = KNOWN_FIELDS.get(fld.path)
        value = literal.value
        if kind is None:
            return
        if kind is Kind.LIST:
            self.problems.append(
                error(
                    fld.pos,
                    f"'{fld.path}' holds a list; test it with 'contains'",
                    f'as in {fld.path} contains "{value}"',
                )
            )
        elif kind is Kind.OBJECT:
            self.problems.append(
                error(
                    fld.pos,
                    f"'{fld.path}' holds an object; compare one of its fields",
                    f"such as {fld.path}.followers",
                )
            )
        elif kind is Kind.NUMBER and (isinstance(value, bool) or not isinstance(value, (int, float))):
            self.problems.append(
                error(
                    literal.pos,
                    f"'{fld.path}' holds a number; compare it with a number",
                    f"as in {fld.path} {op} {_number_example(value)}",
                )
            )
        elif kind is Kind.BOOLEAN and not isinstance(value, bool):
            self.problems.append(
                error(
                    literal.pos,
                    f"'{fld.path}' holds true or false; compare it with true or false",
                    f"as in {fld.path} = true",
                )
            )
        elif kind is Kind.STRING and not isinstance(value, str):
            shown = "true" if value is True else "false" if value is False else value
            self.problems.append(
                error(
                    literal.pos,
                    f"'{fld.path}' holds text; put the value in double quotes",
                    f'as in {fld.path} {op} "{shown}"',
                )
            )

    def _matches(self, cond: nodes.Matches) -> None:
        if self._field(cond.field):
            self._not_kinds(cond.field, (Kind.NUMBER, Kind.BOOLEAN, Kind.OBJECT), "'matches' works on text")
        bad_flags = [flag for flag in cond.flags if flag != "i"]
        if bad_flags:
            # The flags follow the closing '/': `/` + the pattern with its '/' escaped + `/`.
            written = len(cond.pattern) + cond.pattern.count("/") + 2
            column = cond.regex_pos.column + written + cond.flags.index(bad_flags[0])
            self.problems.append(
                error(
                    Pos(cond.regex_pos.file, cond.regex_pos.line, column),
                    f"unknown regular expression flag '{bad_flags[0]}'",
                    "only /i (ignore case) is allowed",
                )
            )
        import re2  # only playbooks with regular expressions pay for loading RE2

        options = re2.Options()
        options.log_errors = False
        try:
            re2.compile(cond.pattern, options)
        except re2.error as exc:
            message, hint = _regex_problem(exc)
            self.problems.append(error(cond.regex_pos, message, hint))

    def _phrases(self, phrases: tuple[nodes.Literal, ...]) -> None:
        for literal in phrases:
            if not str(literal.value).strip():
                self.problems.append(error(literal.pos, "a phrase cannot be empty"))

    def _phrase_source(self, phrases: nodes.Name | tuple[nodes.Literal, ...]) -> None:
        if isinstance(phrases, nodes.Name):
            self._list_ref(phrases)
        else:
            self._phrases(phrases)

    def _list_ref(self, ref: nodes.Name) -> None:
        self.used.add(ref.name)
        if ref.name in self.ns.lists or ref.name in self.broken:
            return
        if ref.name in self.ns.defines:
            self.problems.append(
                error(
                    ref.pos,
                    f"'{ref.name}' is a define, not a list",
                    f"use it as a condition: ... and {ref.name}",
                )
            )
            return
        near = suggest(ref.name, self.ns.lists)
        hint = f"did you mean '{near}'?" if near else f'declare it with: list {ref.name} = "...", "..."'
        self.problems.append(error(ref.pos, f"unknown list '{ref.name}'", hint))

    def _word(self, cond: nodes.Word) -> None:
        if cond.name in self.ns.defines or cond.name in self.broken:
            self.used.add(cond.name)
            return
        if "." in cond.name:
            self.problems.append(
                error(
                    cond.pos,
                    f"'{cond.name}' is a field; a condition needs a test of it",
                    f"as in {_test_example(cond.name)}",
                )
            )
            return
        if cond.name in self.ns.lists:
            self.used.add(cond.name)
            self.problems.append(
                error(
                    cond.pos,
                    f"'{cond.name}' is a list, not a condition",
                    f"as in text contains any {cond.name}",
                )
            )
            return
        self._type_word(cond.name, cond.pos, allow_defines=True)

    def _type_word(self, word: str, pos: Pos, allow_defines: bool) -> None:
        if word in EVENT_TYPES or word in ANY_TYPE_WORDS:
            return
        candidates = list(EVENT_TYPES) + (list(self.ns.defines) if allow_defines else list(ANY_TYPE_WORDS))
        near = suggest(word, candidates)
        what = (
            "a define nor a known event type" if allow_defines else "a known event type, 'author' nor 'event'"
        )
        if word.lower() in EVENT_TYPES:
            # Event types are compared in lowercase, so this works; say how it is written.
            self.problems.append(
                warning(
                    pos,
                    f"'{word}' is taken as the event type '{word.lower()}'",
                    f"event types are written in lowercase: {word.lower()}",
                )
            )
            return
        self.problems.append(
            warning(
                pos,
                f"'{word}' is neither {what}; it is taken as the event type '{word.lower()}'",
                f"did you mean '{near}'?" if near else None,
            )
        )

    def _is(self, cond: nodes.Is) -> None:
        word = cond.word.name
        if "." in word:
            self.problems.append(
                error(
                    cond.word.pos,
                    f"'{word}' is a field; 'is' follows an event type, 'author' or 'event'",
                    f'to compare the field, write {word} = "..."',
                )
            )
        else:
            self._type_word(word, cond.word.pos, allow_defines=False)
        name = cond.category.name
        if name in self.ns.defines or name in self.broken:
            self.used.add(name)
            return
        if name in self.ns.lists:
            self.used.add(name)
            self.problems.append(
                error(
                    cond.category.pos,
                    f"'{name}' is a list, not a category",
                    f"as in {word} and text contains any {name}",
                )
            )
            return
        if name.casefold() not in KNOWN_LABELS:  # labels compare without regard to case
            near = suggest(name, list(self.ns.defines) + list(KNOWN_LABELS))
            self.problems.append(
                warning(
                    cond.category.pos,
                    f"'{name}' is neither a define nor a known label; it matches events labelled '{name}'",
                    f"did you mean '{near}'?" if near else None,
                )
            )

    def _duration(self, duration: nodes.Duration) -> None:
        if duration.seconds <= 0:
            self.problems.append(error(duration.pos, "a duration must be longer than zero"))

    # --- actions ---

    def _action(self, action: nodes.Action) -> None:
        if action.word not in ACTION_PARTS:
            near = suggest(action.word, ACTION_WORDS)
            hint = f"did you mean '{near}'?" if near else "the actions are " + ", ".join(ACTION_WORDS)
            self.problems.append(error(action.pos, f"unknown action '{action.word}'", hint))
            return
        if self._misplaced_target(action):
            return
        allowed, required = ACTION_PARTS[action.word]
        seen: set[str] = set()
        for arg in action.args:
            if arg.kind not in allowed:
                self.problems.append(error(arg.pos, f"'{action.word}' does not take {PART_NAMES[arg.kind]}"))
            elif arg.kind in seen:
                self.problems.append(error(arg.pos, f"'{action.word}' has {PART_NAMES[arg.kind]} twice"))
            seen.add(arg.kind)
            self._action_arg(action, arg)
        missing = [part for part in required if part not in seen]
        if action.word == "reply" and not seen & {"text", "template"}:
            missing = ["text"]
        if action.word == "reply" and {"text", "template"} <= seen:
            self.problems.append(error(action.pos, "'reply' takes a text or a template, not both"))
        if missing:
            message, hint = MISSING_PART[action.word]
            pos = action.pos
            comment = self._comment_after(action)
            if comment is not None:
                pos, written = comment
                message = f"'#' starts a comment, so '{action.word}' has no target"
                hint = f'put it in double quotes: {action.word} "{written}"'
            self.problems.append(error(pos, message, hint))

    def _misplaced_target(self, action: nodes.Action) -> bool:
        """`assign "T"` and `notify to "T"`: one mistake, one diagnostic."""
        kinds = [arg.kind for arg in action.args]
        if action.word == "assign" and "to" not in kinds and "text" in kinds:
            arg = action.args[kinds.index("text")]
            self.problems.append(
                error(
                    arg.value_pos,
                    "'assign' needs 'to' before its target",
                    f'as in assign to "{arg.value}"',
                )
            )
            return True
        if action.word in ("notify", "alert", "tag") and "to" in kinds and "text" not in kinds:
            arg = action.args[kinds.index("to")]
            self.problems.append(
                error(
                    arg.pos,
                    f"'{action.word}' does not take 'to'",
                    f'write {action.word} "{arg.value}"',
                )
            )
            return True
        return False

    def _comment_after(self, action: nodes.Action) -> tuple[Pos, str] | None:
        """Where and what `#word` a missing target turned into a comment, if that happened."""
        source = self.sources.get(action.pos.file)
        lines = lines_of(source) if source is not None else []
        if not 0 < action.pos.line <= len(lines):
            return None
        after = action.pos.column - 1 + len(action.word)
        rest = lines[action.pos.line - 1][after:]
        word = rest.lstrip()
        if not word.startswith("#") or len(word) < 2:
            return None
        column = after + len(rest) - len(word) + 1
        return Pos(action.pos.file, action.pos.line, column), word.split()[0]

    def _action_arg(self, action: nodes.Action, arg: nodes.ActionArg) -> None:
        if arg.kind == "priority":
            if arg.value not in PRIORITIES:
                near = suggest(arg.value, PRIORITIES)
                hint = f"did you mean '{near}'?" if near else "priorities are " + ", ".join(PRIORITIES)
                self.problems.append(error(arg.value_pos, f"unknown priority '{arg.value}'", hint))
            return
        if not arg.value.strip() and arg.kind in ("to", "text", "template"):
            self.problems.append(
                error(
                    arg.value_pos,
                    f"the {'target' if arg.kind == 'to' else arg.kind} of '{action.word}' cannot be empty",
                )
            )
        if arg.kind == "message" or (arg.kind == "text" and action.word == "reply"):
            for name, offset in placeholders(arg.value):
                typo = field_typo(name)
                if typo is not None:
                    at = self._in_string(arg.value_pos, offset)
                    self.problems.append(error(at, f"unknown field '{name}'", f"did you mean '{typo}'?"))

    def _in_string(self, quote: Pos, offset: int) -> Pos:
        """Where the character at `offset` of the value of the string written at `quote` is written."""
        source = self.sources.get(quote.file)
        lines = lines_of(source) if source is not None else []
        written = (
            _STRING.match(lines[quote.line - 1], quote.column - 1) if 0 < quote.line <= len(lines) else None
        )
        shift = written_offset(written.group(), offset) if written else 1 + offset
        return Pos(quote.file, quote.line, quote.column + shift)


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


def _test_example(path: str) -> str:
    """An example of a test of a field, right for its kind."""
    kind = KNOWN_FIELDS.get(path)
    if kind is Kind.BOOLEAN:
        return f"{path} exists, or {path} = true"
    if kind is Kind.NUMBER:
        return f"{path} exists, or {path} > 0"
    return f'{path} exists, or {path} = "..."'


def _regex_problem(exc: re2.error) -> tuple[str, str | None]:
    """RE2's complaint in plain words: `missing ): (refund` → `missing ')' in '(refund'`."""
    raw = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
    problem, _, fragment = raw.partition(": ")
    for symbol in ")]":
        if problem.endswith(" " + symbol):
            problem = problem[:-1] + f"'{symbol}'"
    message = f"invalid regular expression: {problem}" + (f" in '{fragment}'" if fragment else "")
    return message, _regex_hint(problem, fragment)


def _regex_hint(problem: str, fragment: str) -> str | None:
    """What RE2 lacks that the refused fragment asked for, when it is one of the usual suspects."""
    if "escape" in problem and fragment[1:2].isdigit():
        return "RE2 has no back-references"
    if "perl operator" in problem and fragment[:3] in ("(?=", "(?!", "(?<"):
        return "RE2 has no look-arounds"
    if "repetition operator" in problem and fragment[-1:] == "+":
        return f"RE2 has no possessive repetition: drop the '+' after '{fragment[:-1]}'"
    if "escape" in problem and fragment == "\\Z":
        return "RE2 writes the end of the text as \\z"
    return None
