"""Lark's contextual lexer with a tighter loop, for loading large playbooks fast.

Lark's own loop matches every blank and comment as a token of its own and
keeps lines and columns through an object per step; on a thousand-rule
playbook that is half the time of a parse. This lexer tokenises with the very
same per-state scanners and keyword callbacks, so it yields the same tokens,
but skips blanks and comments with one regular expression and counts lines
only where a newline was skipped. Anything it cannot match is handed back to
Lark's loop at the same place, so errors read exactly as Lark reports them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from lark.lexer import BasicLexer, ContextualLexer, LexerState, Token


class QuickContextualLexer(ContextualLexer):
    """Installed with `Lark(..., _plugins={"ContextualLexer": QuickContextualLexer})`."""

    def __init__(self, conf: Any, states: Any, always_accept: Any = ()) -> None:
        super().__init__(conf, states, always_accept)
        ignored = [t.pattern.to_regexp() for t in conf.terminals if t.name in conf.ignore]
        # No terminal of the grammar begins with a blank or '#', so skipping
        # them first cannot change which token is matched next.
        self._skip = re.compile("(?:" + "|".join(ignored) + ")+" if ignored else "(?!)")

    def lex(self, lexer_state: LexerState, parser_state: Any) -> Iterator[Token]:
        text_slice = lexer_state.text
        text, end = text_slice.text, text_slice.end
        counter = lexer_state.line_ctr
        pos, line, line_start = counter.char_pos, counter.line, counter.line_start_pos
        skip = self._skip.match
        lexers: dict[int, BasicLexer] = self.lexers  # type: ignore[assignment]  # what Lark builds
        while True:
            blank = skip(text, pos, end)
            if blank is not None:
                gap = blank.group()
                newlines = gap.count("\n")
                if newlines:
                    line += newlines
                    line_start = pos + gap.rindex("\n") + 1
                pos += len(gap)
            lexer = lexers[parser_state.position]
            found = lexer.scanner.match(text_slice, pos) if pos < end else None
            if found is None:
                break
            value, kind = found
            start, start_line, start_column = pos, line, pos - line_start + 1
            if kind in lexer.newline_types:
                newlines = value.count("\n")
                if newlines:
                    line += newlines
                    line_start = pos + value.rindex("\n") + 1
            pos += len(value)
            token = Token(kind, value, start, start_line, start_column, line, pos - line_start + 1, pos)
            if kind in lexer.callback:
                token = lexer.callback[kind](token)
            lexer_state.last_token = token
            yield token
        # The end of the text, or something only Lark's loop knows how to report.
        counter.char_pos, counter.line, counter.line_start_pos = pos, line, line_start
        counter.column = pos - line_start + 1
        yield from super().lex(lexer_state, parser_state)
