"""Lark's LALR tables for `grammar.lark`, copied out as plain data and run
without Lark, for loading playbooks fast.

Lark analyses the grammar into a parse table and, for each parser state, a
scanner of the terminals that state accepts. `tables_of` copies those out as
dicts, tuples and strings, which `tables.py` keeps on disk; `QuickParser` runs
them in one loop that lexes and parses. Loading a playbook then imports no Lark
at all: importing it and loading the grammar took about 60 ms of every fresh
`playbook check`.

The loop builds what Lark's own parser builds with the same transformer: the
same rules reduce, with the same children, filtered and inlined as Lark does.
Blanks and comments are taken by the same match as the token after them,
lines are counted only where a newline was passed, and tokens are made only
for the terminals a rule keeps. On anything it cannot parse it raises
`Refused`, and the text goes to Lark's own parser, whose errors the
diagnostics are made of.
"""

from __future__ import annotations

import re
from typing import Any

# The plain data of `tables_of`: written with marshal, so only dicts, tuples,
# lists, strings, ints and bools. In the parse table, an entry of 0 or more
# shifts to that state; an entry of -1 - i reduces by rule i.
Tables = dict[str, Any]


class Refused(Exception):
    """The quick loop met something only Lark's own parser knows how to report."""


class Token(str):
    """A word of a playbook as a rule receives it: its text, the name of its
    terminal and where it begins, as Lark's tokens have them."""

    type: str
    line: int
    column: int


def tables_of(lark: Any) -> Tables:
    """The parse table, rules and scanners of a Lark LALR parser with a contextual lexer, as plain data."""
    from lark.lexer import UnlessCallback
    from lark.parsers.lalr_analysis import Shift

    parse_table = lark.parser.parser.parser.parse_table
    rules: list[Any] = []
    rule_index: dict[Any, int] = {}
    states: dict[int, dict[str, Any]] = {}
    for state, actions in parse_table.states.items():
        row: dict[str, Any] = {}
        for terminal, (action, arg) in actions.items():
            if action is Shift:
                row[terminal] = arg
            else:
                if arg not in rule_index:
                    rule_index[arg] = len(rules)
                    rules.append(arg)
                row[terminal] = -1 - rule_index[arg]
        states[state] = row

    kept = {
        symbol.name
        for rule in rules
        for symbol in rule.expansion
        if symbol.is_term and (rule.options.keep_all_tokens or not symbol.filter_out)
    }

    contextual = lark.parser.lexer
    scanners: list[Any] = []
    scanner_index: dict[int, int] = {}
    scanner_of: dict[int, int] = {}
    for state, lexer in contextual.lexers.items():
        if id(lexer) not in scanner_index:
            scanner_index[id(lexer)] = len(scanners)
            mres = lexer.scanner._mres
            # Lark splits a scanner into several expressions only beyond Python's
            # limit of groups; such a state is left to Lark.
            pattern = mres[0].pattern if len(mres) == 1 and mres[0].flags == re.UNICODE else None
            keywords = {}
            for terminal, callback in lexer.callback.items():
                if not isinstance(callback, UnlessCallback) or any(
                    t.pattern.flags for t in callback.scanner.terminals
                ):
                    raise ValueError(
                        f"the lexer of state {state} changes {terminal} tokens in a way tables cannot hold"
                    )
                keywords[terminal] = {t.pattern.value: t.name for t in callback.scanner.terminals}
            scanners.append((pattern, sorted(lexer.newline_types), keywords))
        scanner_of[state] = scanner_index[id(lexer)]

    root = contextual.root_lexer
    ignored = [t.pattern.to_regexp() for t in root.terminals if t.name in root.ignore_types]
    return {
        "states": states,
        "start_states": dict(parse_table.start_states),
        "end_states": dict(parse_table.end_states),
        "rules": [_rule_data(rule) for rule in rules],
        "kept": sorted(kept),
        "scanners": scanners,
        "scanner_of": scanner_of,
        # Blanks and comments, which each scanner takes before its token: no
        # terminal of the grammar begins with a blank or '#', so taking them
        # first cannot change which token is matched next.
        "blanks": "(?:" + "|".join(ignored) + ")+" if ignored else "(?!)",
    }


def _rule_data(rule: Any) -> tuple[str, int, str, Any, bool, bool]:
    """What reducing `rule` takes: the rule's name, how many values, the builder
    method, which values are its children (None: all), whether a lone child
    stands for it (`?rule`) and whether the parent takes its children (`_rule`)."""
    expansion = rule.expansion
    include = [
        (i, not symbol.is_term and symbol.name.startswith("_"))
        for i, symbol in enumerate(expansion)
        if rule.options.keep_all_tokens or not (symbol.is_term and symbol.filter_out)
    ]
    filters = len(include) < len(expansion) or any(expand for _, expand in include)
    # Lark's names may be its own str subclass; the tables hold plain strings.
    origin = str(rule.origin.name)
    name = str(rule.alias or rule.options.template_source or origin)
    single = bool(rule.options.expand1 and not rule.alias)
    return (origin, len(expansion), name, include if filters else None, single, origin.startswith("_"))


def _refuse(children: list[Any]) -> Any:
    """Stands for a method the builder lacks: Lark builds a tree for such a rule."""
    raise Refused


class _Scanner:
    """One parser state's scanner: its expression, the terminals that may span
    lines, and the keywords a matched terminal turns into."""

    __slots__ = ("pattern", "newline_types", "keywords")

    def __init__(self, data: Any, blanks: str) -> None:
        pattern, newline_types, keywords = data
        # Blanks and comments before the token are taken by the same match,
        # and never given back.
        self.pattern: re.Pattern[str] | None = (
            re.compile(f"(?:{blanks})?+(?:{pattern})") if pattern is not None else None
        )
        self.newline_types: frozenset[str] = frozenset(newline_types)
        self.keywords: dict[str, dict[str, str]] = keywords


class QuickParser:
    """Parses text with `Tables`, building values with `builder`'s methods, one
    per rule name (Lark's transformer methods); Refused where it cannot."""

    def __init__(self, tables: Tables, builder: Any) -> None:
        # A reduction is its rule's name when its one value passes through
        # unbuilt (a `?rule` of one item, which Lark inlines), else what
        # building its value takes.
        rules: list[Any] = []
        for origin, size, name, include, single, inline in tables["rules"]:
            if single and size == 1 and include is None:
                rules.append(origin)
            else:
                build = None if inline else getattr(builder, name, _refuse)
                rules.append((size, build, None if include is None else tuple(include), single, origin))
        self._table: dict[int, dict[str, Any]] = {
            state: {terminal: entry if entry >= 0 else rules[-1 - entry] for terminal, entry in row.items()}
            for state, row in tables["states"].items()
        }
        self._start_states: dict[str, int] = tables["start_states"]
        self._end_states: dict[str, int] = tables["end_states"]
        self._kept = frozenset(tables["kept"])
        self._scanner_data: list[Any] = tables["scanners"]
        self._scanner_of: dict[int, int] = tables["scanner_of"]
        self._scanners: dict[int, _Scanner] = {}
        self._scanner_in: dict[int, _Scanner] = {}
        self._blanks: str = tables["blanks"]
        self._skip = re.compile(self._blanks)

    def _scanner(self, state: int) -> _Scanner:
        """The scanner of `state`, compiled the first time a parse needs it."""
        index = self._scanner_of[state]
        scanner = self._scanners.get(index)
        if scanner is None:
            scanner = self._scanners[index] = _Scanner(self._scanner_data[index], self._blanks)
        self._scanner_in[state] = scanner
        return scanner

    def parse(self, text: str, start: str) -> Any:
        """What `builder` makes of `text` from the rule `start`; Refused if the loop cannot parse it."""
        table = self._table
        kept = self._kept
        skip = self._skip.match
        scanner_in = self._scanner_in
        new_str = str.__new__
        state = self._start_states[start]
        end_state = self._end_states[start]
        state_stack = [state]
        value_stack: list[Any] = []
        end = len(text)
        pos = line_start = 0
        line = 1
        token: Token | None = None
        while True:
            scanner = scanner_in.get(state) or self._scanner(state)
            found = scanner.pattern.match(text, pos) if scanner.pattern is not None else None
            if found is not None:
                kind: str = found.lastgroup  # type: ignore[assignment]
                token_start = found.start(kind)
                if token_start != pos:
                    newlines = text.count("\n", pos, token_start)
                    if newlines:
                        line += newlines
                        line_start = text.rindex("\n", pos, token_start) + 1
                pos = found.end()
                value = text[token_start:pos]
                column = token_start - line_start + 1
                token_line = line
                if kind in scanner.newline_types:
                    newlines = value.count("\n")
                    if newlines:
                        line += newlines
                        line_start = token_start + value.rindex("\n") + 1
                if kind in scanner.keywords:
                    kind = scanner.keywords[kind].get(value, kind)
                if kind in kept:
                    token = new_str(Token, value)
                    token.type = kind
                    token.line = token_line
                    token.column = column
                else:
                    token = None
            else:
                blank = skip(text, pos)
                if blank is not None:
                    pos = blank.end()
                if pos < end:
                    raise Refused
                kind = "$END"
            actions = table[state]
            while True:
                entry = actions.get(kind)
                if entry is None:
                    raise Refused
                if type(entry) is int:
                    if kind == "$END":
                        raise Refused
                    state = entry
                    state_stack.append(state)
                    value_stack.append(token)
                    break
                if type(entry) is str:
                    state = state_stack[-1] = table[state_stack[-2]][entry]
                else:
                    size, build, include, single, origin = entry
                    if size:
                        values = value_stack[-size:]
                        del state_stack[-size:]
                        del value_stack[-size:]
                    else:
                        values = []
                    if include is not None:
                        children: list[Any] = []
                        for index, expand in include:
                            if expand:
                                children += values[index]
                            else:
                                children.append(values[index])
                    else:
                        children = values
                    if build is None:
                        value_stack.append(children)
                    elif single and len(children) == 1:
                        value_stack.append(children[0])
                    else:
                        value_stack.append(build(children))
                    state = table[state_stack[-1]][origin]
                    state_stack.append(state)
                if kind == "$END" and state == end_state:
                    return value_stack[-1]
                actions = table[state]
