"""Lark parse tree → `nodes` (shape only; every check lives in `check.py`)."""

from __future__ import annotations

from typing import Any

from lark import Token, Tree
from lark.tree import Meta

from . import nodes
from .diagnostics import Pos
from .durations import parse_duration


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


def _tokens(children: list[Any], kind: str | None = None) -> list[Token]:
    return [c for c in children if isinstance(c, Token) and (kind is None or c.type == kind)]


def _values(children: list[Any]) -> list[Any]:
    """Children that are not keyword tokens."""
    return [
        c for c in children
        if not (isinstance(c, Token) and c.type in ("WHEN", "NOT", "NO", "AT", "UNANSWERED"))
    ]


class ToNodes:
    """Builds the AST of one file; positions carry the file's path as the user gave it.

    Each grammar rule has a method of its name taking the tree's meta (its
    position) and its children, already built bottom-up.
    """

    def __init__(self, path: str) -> None:
        self.path = path

    def transform(self, tree: Tree[Token]) -> Any:
        """The node (or list of statements, for `start`) that `tree` stands for."""
        try:
            return self._built(tree)
        except RecursionError:  # a condition nested hundreds of levels deep
            return self._built_without_recursion(tree)

    def _built(self, tree: Tree[Token]) -> Any:
        children = [self._built(c) if type(c) is Tree else c for c in tree.children]
        return getattr(self, tree.data)(tree.meta, children)

    def _built_without_recursion(self, tree: Tree[Token]) -> Any:
        """`_built`, walking the tree with a stack of its own (slower, but not limited by Python's)."""
        built: list[Any] = []
        todo: list[tuple[Any, bool]] = [(tree, False)]
        while todo:
            item, children_built = todo.pop()
            if type(item) is not Tree:
                built.append(item)
            elif children_built:
                count = len(item.children)
                children = built[len(built) - count:]
                del built[len(built) - count:]
                built.append(getattr(self, item.data)(item.meta, children))
            else:
                todo.append((item, True))
                todo.extend((child, False) for child in reversed(item.children))
        return built[0]

    def _at(self, item: Token | Meta) -> Pos:
        return Pos(self.path, item.line or 0, item.column or 0)

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

    def start(self, meta: Meta, children: list[Any]) -> list[Any]:
        return children

    def title(self, meta: Meta, children: list[Token]) -> nodes.Title:
        return nodes.Title(unquote(children[0]), self._at(meta))

    def brand(self, meta: Meta, children: list[Token]) -> nodes.Brand:
        return nodes.Brand(tuple(self._literal(t) for t in children), self._at(meta))

    def list_def(self, meta: Meta, children: list[Token]) -> nodes.ListDef:
        name, *phrases = children
        return nodes.ListDef(
            nodes.Name(str(name), self._at(name)),
            tuple(self._literal(t) for t in phrases),
            self._at(meta),
        )

    def define(self, meta: Meta, children: list[Any]) -> nodes.Define:
        name, condition = children
        return nodes.Define(nodes.Name(str(name), self._at(name)), condition, self._at(meta))

    def rule_name(self, meta: Meta, children: list[Token]) -> nodes.Literal:
        return self._literal(children[0])

    def rule(self, meta: Meta, children: list[Any]) -> nodes.Rule:
        when = _tokens(children, "WHEN")[0]
        name = children[0] if isinstance(children[0], nodes.Literal) else None
        rest = children[children.index(when) + 1:]
        condition, actions, *limits = rest
        return nodes.Rule(name, condition, actions, tuple(limits), self._at(meta), self._at(when))

    # --- conditions ---

    def disjunction(self, meta: Meta, children: list[Any]) -> nodes.Or:
        return nodes.Or(tuple(children), self._at(meta))

    def conjunction(self, meta: Meta, children: list[Any]) -> nodes.And:
        return nodes.And(tuple(children), self._at(meta))

    def negation(self, meta: Meta, children: list[Any]) -> nodes.Not:
        return nodes.Not(_values(children)[0], self._at(meta))

    def field(self, meta: Meta, children: list[Token]) -> nodes.Field:
        return nodes.Field(str(children[0]), self._at(children[0]))

    def value(self, meta: Meta, children: list[Token]) -> nodes.Literal:
        return self._literal(children[0])

    def cmp_op(self, meta: Meta, children: list[Token]) -> str:
        return str(children[0])

    def compare(self, meta: Meta, children: list[Any]) -> nodes.Compare:
        field, op, value = children
        return nodes.Compare(field, op, value, self._at(meta))

    def contains(self, meta: Meta, children: list[Any]) -> nodes.Contains:
        field, phrase = children
        return nodes.Contains(field, self._literal(phrase), self._at(meta))

    def phrase_list(self, meta: Meta, children: list[Token]) -> tuple[nodes.Literal, ...]:
        return tuple(self._literal(t) for t in children)

    def value_list(self, meta: Meta, children: list[nodes.Literal]) -> tuple[nodes.Literal, ...]:
        return tuple(children)

    def _phrases(self, item: Any) -> nodes.Name | tuple[nodes.Literal, ...]:
        if isinstance(item, Token):
            return nodes.Name(str(item), self._at(item))
        return item  # type: ignore[no-any-return]

    def contains_any(self, meta: Meta, children: list[Any]) -> nodes.ContainsAny:
        return nodes.ContainsAny(children[0], self._phrases(children[1]), self._at(meta))

    def contains_all(self, meta: Meta, children: list[Any]) -> nodes.ContainsAll:
        return nodes.ContainsAll(children[0], self._phrases(children[1]), self._at(meta))

    def matches(self, meta: Meta, children: list[Any]) -> nodes.Matches:
        field, regex = children
        text = str(regex)
        end = text.rindex("/")
        pattern = text[1:end].replace("\\/", "/")
        return nodes.Matches(field, pattern, text[end + 1:], self._at(meta), self._at(regex))

    def in_(self, meta: Meta, children: list[Any]) -> nodes.In:
        return nodes.In(children[0], self._phrases(children[1]), self._at(meta))

    def exists(self, meta: Meta, children: list[Any]) -> nodes.Exists:
        return nodes.Exists(children[0], self._at(meta))

    def word(self, meta: Meta, children: list[Token]) -> nodes.Word:
        return nodes.Word(str(children[0]), self._at(children[0]))

    def _is(self, meta: Meta, children: list[Any], negated: bool) -> nodes.Is:
        word, category = _tokens(children, "NAME")
        return nodes.Is(
            nodes.Name(str(word), self._at(word)),
            nodes.Name(str(category), self._at(category)),
            negated,
            self._at(meta),
        )

    def is_(self, meta: Meta, children: list[Any]) -> nodes.Is:
        return self._is(meta, children, negated=False)

    def is_not(self, meta: Meta, children: list[Any]) -> nodes.Is:
        return self._is(meta, children, negated=True)

    def unanswered(self, meta: Meta, children: list[Any]) -> nodes.Unanswered:
        return nodes.Unanswered(self._duration(_tokens(children, "DURATION")[0]), self._at(meta))

    def at_least(self, meta: Meta, children: list[Any]) -> nodes.AtLeast:
        count = _tokens(children, "INT")[0]
        duration = _tokens(children, "DURATION")[0]
        per = next((c for c in children if isinstance(c, nodes.Field)), None)
        return nodes.AtLeast(int(count), self._duration(duration), per, self._at(meta))

    # --- actions and options ---

    def actions(self, meta: Meta, children: list[nodes.Action]) -> tuple[nodes.Action, ...]:
        return tuple(children)

    def action(self, meta: Meta, children: list[Any]) -> nodes.Action:
        word, *args = children
        return nodes.Action(str(word), tuple(args), self._at(word))

    def _arg(self, kind: str, meta: Meta, children: list[Token]) -> nodes.ActionArg:
        token = children[0]
        value = unquote(token) if token.type == "STRING" else str(token)
        return nodes.ActionArg(kind, value, self._at(meta), self._at(token))

    def to_arg(self, meta: Meta, children: list[Token]) -> nodes.ActionArg:
        return self._arg("to", meta, children)

    def text_arg(self, meta: Meta, children: list[Token]) -> nodes.ActionArg:
        return self._arg("text", meta, children)

    def priority_arg(self, meta: Meta, children: list[Token]) -> nodes.ActionArg:
        return self._arg("priority", meta, children)

    def message_arg(self, meta: Meta, children: list[Token]) -> nodes.ActionArg:
        return self._arg("message", meta, children)

    def template_arg(self, meta: Meta, children: list[Token]) -> nodes.ActionArg:
        return self._arg("template", meta, children)

    def limit(self, meta: Meta, children: list[Any]) -> nodes.Limit:
        count_token = [t for t in _tokens(children) if t.type in ("ONCE", "INT")][0]
        count = 1 if count_token.type == "ONCE" else int(count_token)
        per = next((c for c in children if isinstance(c, nodes.Field)), None)
        duration = self._duration(_tokens(children, "DURATION")[0])
        return nodes.Limit(count, per, duration, self._at(meta))
