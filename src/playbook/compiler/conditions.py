"""A condition node → one Python function, written as source and compiled.

Evaluating `mention and labels contains "complaint"` as a tree of closures
costs a call per node; written out as one expression it costs one call. Every
value the expression needs (phrase ids, case-folded strings, numbers, helper
callables) is named `k0`, `k1`, … in the order it appears, so rules of the same
shape (a thousand `text contains "<product>"` rules) have the same source,
compiled once and bound to their own values.
"""

from __future__ import annotations

from collections.abc import Callable
from types import CodeType, FunctionType
from typing import Any, Protocol

from playbook.compiler.phrases import PhraseIndex
from playbook.language import nodes

Condition = Callable[[Any], bool]

_ORDER = ("<", "<=", ">", ">=")
_CODE: dict[str, CodeType] = {}
_MAX_CODE = 10_000
# Conditions nested deeper than this are split into functions (Python's parser
# stops at 200 nested parentheses; each level here opens at most three).
MAX_NESTING = 50


_HELPERS: dict[str, Any] = {"_NUMBER": (int, float), "__builtins__": __builtins__}


class RuleSetParts(Protocol):
    """What a condition's writer asks of the compiler of its rule set."""

    def getter(self, path: str) -> Callable[[Any], Any]: ...
    def define(self, name: str) -> nodes.Condition | None: ...
    def phrase_list(self, phrases: nodes.Name | tuple[nodes.Literal, ...]) -> list[str]: ...
    def phrase_ids(self, path: str, phrases: list[str]) -> tuple[PhraseIndex, frozenset[int]]: ...
    def matches(self, node: nodes.Matches) -> Condition: ...
    def in_(self, node: nodes.In) -> Condition: ...
    def during(self, node: nodes.During) -> Callable[[int], bool]: ...
    def is_marked(self, node: nodes.IsMarked) -> Condition: ...


class ConditionWriter:
    """Writes the expression for one condition; `function()` compiles it.

    `compiler` answers what the writer cannot know alone: the phrase index and
    ids of a `contains`, the callable of a `matches` or `in`, the condition of
    a define, and the phrases of a list.
    """

    def __init__(self, compiler: RuleSetParts) -> None:
        self.compiler = compiler
        self.values: list[Any] = []
        self._temps = 0
        self._depth = 0

    def _value(self, value: Any) -> str:
        self.values.append(value)
        return f"k{len(self.values) - 1}"

    def _temp(self) -> str:
        self._temps += 1
        return f"v{self._temps}"

    def function(self, node: nodes.Condition) -> Condition:
        """The compiled function of `node`: event → bool."""
        return self._function(self.expression(node))

    def type_test(self, word: str) -> Condition:
        """The compiled function of the type that `WORD is NAME` asks for: WORD,
        or any type for `author` and `event`."""
        return self._function(self._of_type(word) or "True")

    def _function(self, expression: str) -> Condition:
        source = f"def condition(e):\n    d = e.data\n    c = e.cache\n    return {expression}\n"
        code = _CODE.get(source)
        if code is None:
            if len(_CODE) >= _MAX_CODE:
                _CODE.clear()
            module = compile(source, "<condition>", "exec")
            code = _CODE[source] = next(c for c in module.co_consts if isinstance(c, CodeType))
        namespace = dict(_HELPERS)
        namespace.update((f"k{i}", v) for i, v in enumerate(self.values))
        return FunctionType(code, namespace, "condition")

    # --- reading fields ---

    def read(self, path: str) -> str:
        """An expression for the value of the field `path` (None when missing)."""
        if path == "thread":
            return "e.thread"
        if path == "type":
            return "e.type"
        if path == "sentiment":
            return "e.sentiment()"
        keys = path.split(".")
        if len(keys) == 1:
            return f"d.get({self._value(keys[0])})"
        if len(keys) == 2:
            outer = self._temp()
            return (
                f"({outer}.get({self._value(keys[1])}) "
                f"if type({outer} := d.get({self._value(keys[0])})) is dict else None)"
            )
        return f"{self._value(self.compiler.getter(path))}(e)"

    # --- conditions ---

    def expression(self, node: nodes.Condition) -> str:
        """The Python expression, over `e`, `d` (its data) and `c` (its cache), for `node`."""
        if self._depth >= MAX_NESTING and self._nests(node):
            # Python's parser refuses deeply nested parentheses: the rest becomes a function of its own.
            return f"{self._value(ConditionWriter(self.compiler).function(node))}(e)"
        self._depth += 1
        try:
            return self._expression(node)
        finally:
            self._depth -= 1

    def _nests(self, node: nodes.Condition) -> bool:
        """Whether `node` is written with more conditions inside it: and, or, not, or a define."""
        match node:
            case nodes.And() | nodes.Or() | nodes.Not():
                return True
            case nodes.Word(name=name):
                return self.compiler.define(name) is not None
            case nodes.Is(category=category):
                return self.compiler.define(category.name) is not None
        return False

    def _expression(self, node: nodes.Condition) -> str:
        match node:
            case nodes.And(operands=operands):
                return "(" + " and ".join(self.expression(o) for o in operands) + ")"
            case nodes.Or(operands=operands):
                return "(" + " or ".join(self.expression(o) for o in operands) + ")"
            case nodes.Not(operand=operand):
                return f"(not {self.expression(operand)})"
            case nodes.Compare():
                return self._compare(node)
            case nodes.Contains(field=fld, phrase=phrase):
                return self._contains(fld.path, [str(phrase.value)], "one")
            case nodes.ContainsAny(field=fld, phrases=phrases):
                return self._contains(fld.path, self.compiler.phrase_list(phrases), "any")
            case nodes.ContainsAll(field=fld, phrases=phrases):
                return self._contains(fld.path, self.compiler.phrase_list(phrases), "all")
            case nodes.Matches():
                return f"{self._value(self.compiler.matches(node))}(e)"
            case nodes.In():
                return f"{self._value(self.compiler.in_(node))}(e)"
            case nodes.Exists(field=fld):
                return f"({self.read(fld.path)} is not None)"
            case nodes.Word(name=name):
                define = self.compiler.define(name)
                if define is not None:
                    return self.expression(define)
                return self._type_is(name)
            case nodes.Is():
                return self._is(node)
            case nodes.During():
                return f"{self._value(self.compiler.during(node))}(e.time)"
            case nodes.IsMarked():
                return f"{self._value(self.compiler.is_marked(node))}(e)"
        raise TypeError(f"cannot compile {type(node).__name__} as an instant condition")

    def _type_is(self, word: str) -> str:
        return f"(e.type == {self._value(word.lower())})"

    def _compare(self, node: nodes.Compare) -> str:
        read = self.read(node.field.path)
        value = node.value.value
        op = node.op
        v = self._temp()
        if isinstance(value, bool):
            if op == "=":
                return f"({read} is {value})"
            return f"(({v} := {read}) is not None and {v} is not {value})"
        # Strings compare case-folded and only with strings; numbers only with numbers.
        if isinstance(value, str):
            kind, seen, wanted = "is str", f"{v}.casefold()", self._value(value.casefold())
        else:
            kind, seen, wanted = "in _NUMBER", v, self._value(value)
        if op == "!=":
            return f"(({v} := {read}) is not None and not (type({v}) {kind} and {seen} == {wanted}))"
        compare = "==" if op == "=" else op
        assert compare == "==" or compare in _ORDER
        return f"(type({v} := {read}) {kind} and {seen} {compare} {wanted})"

    def _contains(self, path: str, phrases: list[str], mode: str) -> str:
        index, ids = self.compiler.phrase_ids(path, phrases)
        # The index itself keys the event's cache: phrase ids mean nothing outside it.
        ix = self._value(index)
        hits = f"(c[{ix}] if {ix} in c else {ix}.find({self.read(path)}, c))"
        if mode == "one":
            (pid,) = ids
            return f"({self._value(pid)} in {hits})"
        wanted = self._value(ids)
        if mode == "any":
            return f"(not {wanted}.isdisjoint({hits}))"
        return f"({wanted} <= {hits})"

    def _is(self, node: nodes.Is) -> str:
        word = node.word.name
        define = self.compiler.define(node.category.name)
        if define is not None:
            test = self.expression(define)
        else:
            test = f"({self._value(node.category.name.casefold())} in e.labels())"
        if node.negated:
            test = f"(not {test})"
        of_type = self._of_type(word)
        return test if of_type is None else f"({of_type} and {test})"

    def _of_type(self, word: str) -> str | None:
        """The type test of `WORD is NAME`; None for `author` and `event`, which hold for any type."""
        return None if word in ("author", "event") else self._type_is(word)
