"""Lark's reductions → `nodes` (shape only; every check lives in `check/`)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, TypeGuard

from lark import Token

from playbook.language import nodes
from playbook.language.diagnostics import Pos
from playbook.language.durations import parse_duration
from playbook.language.turns import turn


def unquote(text: str) -> str:
    """The value of a `"string"` token: quotes removed, `\\"`, `\\\\`, `\\n`, `\\t` resolved."""
    body = text[1:-1]
    if "\\" not in body:
        return body
    out = []
    chars = iter(body)
    for ch in chars:
        if ch == "\\":
            nxt = next(chars, "")
            out.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
        else:
            out.append(ch)
    return "".join(out)


def written_offset(literal: str, offset: int) -> int:
    """Where in a written `"string"` (quotes included) the character at `offset` of its value is."""
    index = 1
    for _ in range(offset):
        index += 2 if literal[index] == "\\" else 1
    return index


def _is_token(child: Any) -> TypeGuard[Token]:
    # Lark's tokens are strings; nodes are not.
    return isinstance(child, str)


def _tokens(children: list[Any], kind: str | None = None) -> list[Token]:
    return [c for c in children if _is_token(c) and (kind is None or c.type == kind)]


class ToNodes:
    """Builds the AST as Lark's parser reduces; positions carry the path of the file being
    parsed, as the user gave it.

    Each grammar rule has a method of its name taking its children, already
    built bottom-up; a node is placed where its first word is. Keywords that
    begin a statement, a time condition, a limit or an action's part are kept
    in the tree for that. The parser keeps its own stack, so conditions nested
    however deep are built without recursion.
    """

    def __init__(self) -> None:
        self.path = ""
        # Where the text being parsed begins in its file: the lines before it,
        # and the columns before it on its first line.
        self.lines_before = 0
        self.columns_before = 0

    def place(self, path: str, line: int, column: int) -> None:
        """Place the nodes of the next text parsed in `path`, the text beginning at `line` and `column`."""
        self.path = path
        self.lines_before = line - 1
        self.columns_before = column - 1

    def _at(self, token: Token) -> Pos:
        line = token.line or 0
        column = token.column or 0
        return Pos(self.path, line + self.lines_before, column + self.columns_before if line == 1 else column)

    def _literal(self, token: Token) -> nodes.Literal:
        pos = self._at(token)
        if token.type == "STRING":
            return nodes.Literal(unquote(token), pos)
        if token.type == "TRUE":
            return nodes.Literal(True, pos)
        if token.type == "FALSE":
            return nodes.Literal(False, pos)
        text = str(token)
        number = float(text)
        return nodes.Literal(int(number) if number.is_integer() and "." not in text else number, pos)

    def _duration(self, token: Token) -> nodes.Duration:
        return nodes.Duration(parse_duration(str(token)), str(token), self._at(token))

    # --- statements ---

    def start(self, children: list[Any]) -> list[Any]:
        return children

    def title(self, children: list[Token]) -> nodes.Title:
        keyword, title = children
        return nodes.Title(unquote(title), self._at(keyword))

    def brand(self, children: list[Token]) -> nodes.Brand:
        keyword, *handles = children
        return nodes.Brand(tuple(self._literal(t) for t in handles), self._at(keyword))

    def list_def(self, children: list[Token]) -> nodes.ListDef:
        keyword, name, *phrases = children
        return nodes.ListDef(
            nodes.Name(str(name), self._at(name)),
            tuple(self._literal(t) for t in phrases),
            self._at(keyword),
        )

    def define(self, children: list[Any]) -> nodes.Define:
        keyword, name, condition = children
        return nodes.Define(nodes.Name(str(name), self._at(name)), condition, self._at(keyword))

    def rule_name(self, children: list[Token]) -> tuple[nodes.Literal, Pos]:
        keyword, name = children
        return self._literal(name), self._at(keyword)

    def rule(self, children: list[Any]) -> nodes.Rule:
        turn()
        if isinstance(children[0], tuple):
            (name, pos), when, condition, actions, *options = children
        else:
            when, condition, actions, *options = children
            name, pos = None, self._at(when)
        limits = tuple(o for o in options if isinstance(o, nodes.Limit))
        repeats = tuple(o for o in options if isinstance(o, nodes.Repeat))
        return nodes.Rule(name, condition, actions, limits, pos, self._at(when), repeats=repeats)

    def shadow_rule(self, children: list[Any]) -> nodes.Rule:
        keyword, rule = children
        shadow: nodes.Rule = replace(rule, shadow=True, pos=self._at(keyword))
        return shadow

    # --- conditions ---

    def disjunction(self, children: list[Any]) -> nodes.Or:
        return nodes.Or(tuple(children), children[0].pos)

    def conjunction(self, children: list[Any]) -> nodes.And:
        return nodes.And(tuple(children), children[0].pos)

    def negation(self, children: list[Any]) -> nodes.Not:
        keyword, condition = children
        return nodes.Not(condition, self._at(keyword))

    def field(self, children: list[Token]) -> nodes.Field:
        return nodes.Field(str(children[0]), self._at(children[0]))

    def value(self, children: list[Token]) -> nodes.Literal:
        return self._literal(children[0])

    def cmp_op(self, children: list[Token]) -> str:
        return str(children[0])

    def compare(self, children: list[Any]) -> nodes.Compare:
        field, op, value = children
        return nodes.Compare(field, op, value, field.pos)

    def contains(self, children: list[Any]) -> nodes.Contains:
        field, phrase = children
        return nodes.Contains(field, self._literal(phrase), field.pos)

    def phrase_list(self, children: list[Token]) -> tuple[nodes.Literal, ...]:
        return tuple(self._literal(t) for t in children)

    def value_list(self, children: list[nodes.Literal]) -> tuple[nodes.Literal, ...]:
        return tuple(children)

    def _phrases(self, item: Any) -> nodes.Name | tuple[nodes.Literal, ...]:
        if _is_token(item):
            return nodes.Name(str(item), self._at(item))
        return item  # type: ignore[no-any-return]

    def contains_any(self, children: list[Any]) -> nodes.ContainsAny:
        return nodes.ContainsAny(children[0], self._phrases(children[1]), children[0].pos)

    def contains_all(self, children: list[Any]) -> nodes.ContainsAll:
        return nodes.ContainsAll(children[0], self._phrases(children[1]), children[0].pos)

    def matches(self, children: list[Any]) -> nodes.Matches:
        field, regex = children
        text = str(regex)
        end = text.rindex("/")
        pattern = text[1:end].replace("\\/", "/")
        return nodes.Matches(field, pattern, text[end + 1 :], field.pos, self._at(regex))

    def in_(self, children: list[Any]) -> nodes.In:
        return nodes.In(children[0], self._phrases(children[1]), children[0].pos)

    def exists(self, children: list[Any]) -> nodes.Exists:
        return nodes.Exists(children[0], children[0].pos)

    def word(self, children: list[Token]) -> nodes.Word:
        return nodes.Word(str(children[0]), self._at(children[0]))

    def _is(self, children: list[Any], negated: bool) -> nodes.Is:
        word, category = _tokens(children, "NAME")
        return nodes.Is(
            nodes.Name(str(word), self._at(word)),
            nodes.Name(str(category), self._at(category)),
            negated,
            self._at(word),
        )

    def is_(self, children: list[Any]) -> nodes.Is:
        return self._is(children, negated=False)

    def is_not(self, children: list[Any]) -> nodes.Is:
        return self._is(children, negated=True)

    def _is_marked(self, children: list[Any], negated: bool) -> nodes.IsMarked:
        (word,) = _tokens(children, "NAME")
        (mark,) = _tokens(children, "STRING")
        subject = nodes.Name(str(word), self._at(word))
        return nodes.IsMarked(subject, self._literal(mark), negated, subject.pos)

    def is_marked(self, children: list[Any]) -> nodes.IsMarked:
        return self._is_marked(children, negated=False)

    def is_not_marked(self, children: list[Any]) -> nodes.IsMarked:
        return self._is_marked(children, negated=True)

    def unanswered(self, children: list[Any]) -> nodes.Unanswered:
        during = children[-1] if isinstance(children[-1], nodes.During) else None
        duration = _tokens(children, "DURATION")[0]
        return nodes.Unanswered(
            self._duration(duration), self._at(children[0]), during.schedule if during else None
        )

    def during(self, children: list[Token]) -> nodes.During:
        keyword, name = children
        return nodes.During(nodes.Name(str(name), self._at(name)), self._at(keyword))

    def at_least(self, children: list[Any]) -> nodes.AtLeast:
        count = _tokens(children, "INT")[0]
        duration = _tokens(children, "DURATION")[0]
        per = next((c for c in children if isinstance(c, nodes.Field)), None)
        return nodes.AtLeast(int(count), self._duration(duration), per, self._at(children[0]))

    # --- schedules ---

    def schedule(self, children: list[Any]) -> nodes.Schedule:
        keyword, name, *parts = children
        hours = tuple(part for part in parts if isinstance(part, nodes.Hours))
        zones = _tokens(parts, "STRING")
        closed = next((part for part in parts if isinstance(part, tuple)), ())
        return nodes.Schedule(
            nodes.Name(str(name), self._at(name)),
            hours,
            self._literal(zones[0]) if zones else None,
            closed,
            self._at(keyword),
        )

    def hours(self, children: list[Any]) -> nodes.Hours:
        days, start, end = children
        return nodes.Hours(
            days, nodes.Clock(str(start), self._at(start)), nodes.Clock(str(end), self._at(end)), days.pos
        )

    def days(self, children: list[Token]) -> nodes.Days:
        first = nodes.Name(str(children[0]), self._at(children[0]))
        last = nodes.Name(str(children[-1]), self._at(children[-1])) if len(children) > 1 else None
        return nodes.Days(first, last, first.pos)

    def closed(self, children: list[Any]) -> tuple[nodes.ClosedDay, ...]:
        return tuple(children[1:])

    def closed_date(self, children: list[Token]) -> nodes.ClosedDay:
        value = self._literal(children[0])
        return nodes.ClosedDay(False, value, value.pos)

    def closed_holidays(self, children: list[Token]) -> nodes.ClosedDay:
        keyword, code = children
        return nodes.ClosedDay(True, self._literal(code), self._at(keyword))

    # --- actions and options ---

    def actions(self, children: list[nodes.Action | nodes.Mark]) -> tuple[nodes.Action | nodes.Mark, ...]:
        return tuple(children)

    def action(self, children: list[Any]) -> nodes.Action:
        word, *args = children
        return nodes.Action(str(word), tuple(args), self._at(word))

    def _arg(self, kind: str, children: list[Token]) -> nodes.ActionArg:
        token = children[-1]
        value = unquote(token) if token.type == "STRING" else str(token)
        return nodes.ActionArg(kind, value, self._at(children[0]), self._at(token))

    def to_arg(self, children: list[Token]) -> nodes.ActionArg:
        return self._arg("to", children)

    def text_arg(self, children: list[Token]) -> nodes.ActionArg:
        return self._arg("text", children)

    def priority_arg(self, children: list[Token]) -> nodes.ActionArg:
        return self._arg("priority", children)

    def message_arg(self, children: list[Token]) -> nodes.ActionArg:
        return self._arg("message", children)

    def template_arg(self, children: list[Token]) -> nodes.ActionArg:
        return self._arg("template", children)

    def _mark(self, children: list[Token], unmark: bool) -> nodes.Mark:
        keyword, subject, name, *duration = children
        return nodes.Mark(
            unmark,
            nodes.Name(str(subject), self._at(subject)),
            self._literal(name),
            self._duration(duration[0]) if duration else None,
            self._at(keyword),
        )

    def mark(self, children: list[Token]) -> nodes.Mark:
        return self._mark(children, unmark=False)

    def unmark(self, children: list[Token]) -> nodes.Mark:
        return self._mark(children, unmark=True)

    def repeat(self, children: list[Token]) -> nodes.Repeat:
        every = self._duration(_tokens(children, "DURATION")[0])
        return nodes.Repeat(every, int(_tokens(children, "INT")[0]), self._at(children[0]))

    def limit(self, children: list[Any]) -> nodes.Limit:
        count_token = [t for t in _tokens(children) if t.type in ("ONCE", "INT")][0]
        count = 1 if count_token.type == "ONCE" else int(count_token)
        per = next((c for c in children if isinstance(c, nodes.Field)), None)
        duration = self._duration(_tokens(children, "DURATION")[0])
        return nodes.Limit(count, per, duration, self._at(children[0]))
