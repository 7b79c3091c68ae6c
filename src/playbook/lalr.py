"""Lark's LALR parser and contextual lexer driven by one tight loop, for loading
large playbooks fast.

Lark lexes in a generator and parses in a method called per token, and looks
each reduction's callback up by comparing grammar rules by value; on a
thousand-rule playbook that machinery is most of a parse. This parser runs the
very same tables, per-state scanners and callbacks in a single loop: blanks and
comments are skipped with one regular expression, lines are counted only where
a newline was passed, and each table entry is looked up once, before the first
parse. It builds exactly what Lark builds. On any text Lark would refuse, it
stops and hands the whole text to Lark's own parser, so every error reads
exactly as Lark reports it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lark.lexer import BasicLexer, ContextualLexer, LexerThread, Token
from lark.parse_tree_builder import ExpandSingleChild
from lark.parsers.lalr_analysis import Shift
from lark.parsers.lalr_parser import LALR_Parser

# A table entry: the next state after a shift, or what a reduction needs (how
# many values it takes, the callback that builds its node or None when its one
# value passes through, the rule's name).
_Table = dict[int, dict[str, Any]]


class Refused(Exception):
    """The quick loop met something only Lark's own parser knows how to report."""


class _Lexer:
    """What the loop needs of one parser state's scanner."""

    __slots__ = ("pattern", "callback", "newline_types")

    def __init__(self, lexer: BasicLexer) -> None:
        scanner = lexer.scanner
        # Lark splits a scanner into several expressions only beyond Python's
        # limit of groups; one expression is matched directly.
        self.pattern: re.Pattern[str] | None = scanner._mres[0] if len(scanner._mres) == 1 else None
        self.callback: dict[str, Callable[[Token], Token]] = lexer.callback
        self.newline_types: frozenset[str] = frozenset(lexer.newline_types)


class QuickLALRParser(LALR_Parser):
    """Installed with `Lark(..., parser="lalr", lexer="contextual", _plugins={"LALR_Parser": QuickLALRParser})`."""

    # Built from Lark's tables and lexers on the first parse.
    _table: _Table | None = None
    _terminal_callbacks: dict[str, Callable[[Token], Any]] = {}
    _lexers: dict[int, _Lexer] | None = None
    _skip: re.Pattern[str] | None = None

    def parse(self, lexer: Any, start: str, on_error: Any = None) -> Any:
        text: Any = lexer.state.text if isinstance(lexer, LexerThread) and lexer.state is not None else None
        if text is not None and isinstance(lexer.lexer, ContextualLexer) and text.is_complete_text():
            try:
                return self._quick_parse(lexer.lexer, text.text, start)
            except Refused:
                pass
        return self.parse_as_lark(lexer, start, on_error)

    def parse_as_lark(self, lexer: Any, start: str, on_error: Any = None) -> Any:
        """Lark's own parse, from the start of the text: for what the quick loop refuses."""
        return super().parse(lexer, start, on_error)  # type: ignore[no-untyped-call]

    def _prepare(self, contextual: ContextualLexer) -> _Table:
        parse_table = self.parser.parse_table
        callbacks = self.parser.callbacks
        table: _Table = {}
        for state, actions in parse_table.states.items():
            row: dict[str, Any] = {}
            for token_type, (action, arg) in actions.items():
                if action is Shift:
                    row[token_type] = arg
                else:
                    size, callback = len(arg.expansion), callbacks[arg]
                    # A `?rule` of one item, which Lark inlines: its value passes through unbuilt.
                    passes = size == 1 and isinstance(callback, ExpandSingleChild)
                    row[token_type] = (size, None if passes else callback, arg.origin.name)
            table[state] = row
        self._terminal_callbacks = {name: f for name, f in callbacks.items() if isinstance(name, str)}
        conf: Any = contextual.root_lexer
        ignored = [t.pattern.to_regexp() for t in conf.terminals if t.name in conf.ignore_types]
        # No terminal of the grammar begins with a blank or '#', so skipping
        # them first cannot change which token is matched next.
        self._skip = re.compile("(?:" + "|".join(ignored) + ")+" if ignored else "(?!)")
        self._lexers = {}
        self._table = table
        return table

    def _lexer(self, contextual: ContextualLexer, state: int) -> _Lexer:
        assert self._lexers is not None
        lexer = self._lexers[state] = _Lexer(contextual.lexers[state])  # type: ignore[arg-type]
        return lexer

    def _quick_parse(self, contextual: ContextualLexer, text: str, start: str) -> Any:
        table = self._table or self._prepare(contextual)
        lexers = self._lexers
        assert lexers is not None and self._skip is not None
        skip = self._skip.match
        terminal_callbacks = self._terminal_callbacks
        # Token() itself only forwards here, after looking for a deprecated keyword.
        new_token: Callable[..., Token] = Token._future_new
        state = self.parser.parse_table.start_states[start]
        end_state = self.parser.parse_table.end_states[start]
        state_stack = [state]
        value_stack: list[Any] = []
        end = len(text)
        pos = line_start = 0
        line = 1
        token: Token | None = None
        while True:
            blank = skip(text, pos)
            if blank is not None:
                gap = blank.group()
                newlines = gap.count("\n")
                if newlines:
                    line += newlines
                    line_start = pos + gap.rindex("\n") + 1
                pos += len(gap)
            if pos < end:
                lexer = lexers.get(state) or self._lexer(contextual, state)
                found = lexer.pattern.match(text, pos) if lexer.pattern is not None else None
                if found is None:
                    raise Refused
                value = found.group()
                kind: str = found.lastgroup  # type: ignore[assignment]
                start_line, start_column = line, pos - line_start + 1
                if kind in lexer.newline_types:
                    newlines = value.count("\n")
                    if newlines:
                        line += newlines
                        line_start = pos + value.rindex("\n") + 1
                token_start = pos
                pos += len(value)
                token = new_token(kind, value, token_start, start_line, start_column, line, pos - line_start + 1, pos)
                if kind in lexer.callback:
                    token = lexer.callback[kind](token)
                    kind = token.type
            else:
                kind, token = "$END", None
            actions = table[state]
            while True:
                entry = actions.get(kind)
                if entry is None:
                    raise Refused
                if type(entry) is int:
                    if token is None:
                        raise Refused
                    state = entry
                    state_stack.append(state)
                    value_stack.append(token if kind not in terminal_callbacks else terminal_callbacks[kind](token))
                    break
                size, callback, origin = entry
                if callback is None:
                    del state_stack[-1]
                else:
                    if size:
                        values = value_stack[-size:]
                        del state_stack[-size:]
                        del value_stack[-size:]
                    else:
                        values = []
                    value_stack.append(callback(values))
                state = table[state_stack[-1]][origin]
                state_stack.append(state)
                if token is None and state == end_state:
                    return value_stack[-1]
                actions = table[state]
