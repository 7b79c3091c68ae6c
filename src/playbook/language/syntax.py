"""Parsing `.play` text into `nodes`, with a diagnostic for every broken statement.

A file is parsed whole by Lark's parser (`parser.py`). When that fails, the
text is cut into statements (`statements.py`) and each is parsed alone, so one
mistake does not hide the next: every broken statement gets its own
diagnostic (`parse_errors.py`), and the others are kept.
"""

from __future__ import annotations

import re
from collections import deque

from lark import UnexpectedInput, UnexpectedToken

from playbook.language import nodes
from playbook.language.diagnostics import Diagnostic
from playbook.language.parse_errors import explain
from playbook.language.parser import parse
from playbook.language.statements import Statement, cut, same_line

# Lark counts lines by line feeds; a lone carriage return ends a line too
# (diagnostics.LINE_END), and becomes a line feed, which leaves every offset
# where it was.
_LONE_CR = re.compile(r"\r(?!\n)")


def parse_text(text: str, path: str) -> tuple[nodes.PlaybookFile, list[Diagnostic]]:
    """Parse one file's text; return what parsed and a diagnostic per broken statement."""
    text = _LONE_CR.sub("\n", text)
    try:
        statements = parse(text, path, "start")
    except UnexpectedInput:
        return _parse_by_statement(text, path)
    return nodes.PlaybookFile(path, tuple(statements), frozenset()), []


def _parse_by_statement(text: str, path: str) -> tuple[nodes.PlaybookFile, list[Diagnostic]]:
    statements: list[nodes.Statement] = []
    diagnostics: list[Diagnostic] = []
    broken: set[str] = set()
    lines = _Lines(text)
    pending = deque(cut(text))
    while pending:
        statement = pending.popleft()
        try:
            statements.append(_parse_statement(text, path, statement.start, statement.end, lines))
        except UnexpectedInput as exc:
            parts = _ended_before(exc, text, path, statement, lines)
            if parts is not None:
                statements.append(parts[0])
                pending.appendleft(parts[1])
                continue
            diagnostics.append(explain(exc, text, path, statement))
            if statement.declares is not None:
                # Its uses are not reported again as unknown.
                broken.add(statement.declares)
    return nodes.PlaybookFile(path, tuple(statements), frozenset(broken)), diagnostics


def _parse_statement(text: str, path: str, start: int, end: int, lines: _Lines) -> nodes.Statement:
    """The statement `text[start:end]`, parsed alone; Lark's UnexpectedInput, its positions
    from `start`, if it is broken."""
    line, column = lines.at(start)
    statement: nodes.Statement = parse(text[start:end], path, "statement", line, column)
    return statement


def _ended_before(
    exc: UnexpectedInput, text: str, path: str, statement: Statement, lines: _Lines
) -> tuple[nodes.Statement, Statement] | None:
    """When `statement` broke at the first word of a line and what comes before that
    word is a whole statement: that statement, and the rest as one to parse on its own
    (`brand "@acme"` then `import "vips.csv"` on the next line)."""
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        return None
    if exc.pos_in_stream is None:
        return None
    offset = statement.start + exc.pos_in_stream
    words = statement.words
    split = next((i for i, word in enumerate(words) if word.start == offset), 0)
    if not split or same_line(text, words[split - 1].end, offset):
        return None
    try:
        whole = _parse_statement(text, path, statement.start, words[split - 1].end, lines)
    except UnexpectedInput:
        return None
    rest = words[split:]
    return whole, Statement(rest[0].start, statement.end, rest)


class _Lines:
    """The line and column of offsets of a text, asked in increasing order: the text
    is read once however many statements it holds. Its line ends are all `\\n`."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.offset = 0
        self.line = 1

    def at(self, offset: int) -> tuple[int, int]:
        self.line += self.text.count("\n", self.offset, offset)
        self.offset = offset
        return self.line, offset - (self.text.rfind("\n", 0, offset) + 1) + 1
