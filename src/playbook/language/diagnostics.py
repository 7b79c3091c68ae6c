"""Problems found in a playbook, and their rendering in the format of SPEC section 2."""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

TAB_SIZE = 8

# Where a line of a playbook ends: at a line feed, a carriage return and line
# feed, or a lone carriage return, as editors count lines. Other separators
# (form feed, U+2028, ...) are blanks within a line.
LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True, order=True)
class Pos:
    """A place in a playbook file: the path as the user gave it, 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem: where it is, what is wrong, and a hint on what to do."""

    severity: Severity
    pos: Pos
    message: str
    hint: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def text(self) -> str:
        """The message with its hint, as printed after `error:`."""
        return f"{self.message} ({self.hint})" if self.hint else self.message


def error(pos: Pos, message: str, hint: str | None = None) -> Diagnostic:
    return Diagnostic(Severity.ERROR, pos, message, hint)


def warning(pos: Pos, message: str, hint: str | None = None) -> Diagnostic:
    return Diagnostic(Severity.WARNING, pos, message, hint)


class PlaybookError(Exception):
    """Raised when a rule set cannot be loaded; carries every diagnostic found."""

    def __init__(self, diagnostics: list[Diagnostic], sources: Mapping[str, str]) -> None:
        self.diagnostics = diagnostics
        self.sources = dict(sources)
        super().__init__(render_all(diagnostics, sources))


def lines_of(text: str) -> list[str]:
    """The lines of a playbook text, without their line ends."""
    return LINE_END.split(text)


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of the character at `offset` of `text`."""
    line_start = 0
    line = 1
    for end in LINE_END.finditer(text, 0, offset):
        line += 1
        line_start = end.end()
    return line, offset - line_start + 1


def sort_key(diag: Diagnostic) -> tuple[str, int, int, int]:
    return (diag.pos.file, diag.pos.line, diag.pos.column, 0 if diag.is_error else 1)


def render(diag: Diagnostic, source: str | None) -> str:
    """Render one diagnostic: `FILE:LINE:COL: severity: message`, the line, a caret."""
    head = f"{diag.pos}: {diag.severity.value}: {diag.text}"
    if source is None:
        return head
    lines = lines_of(source)
    if not 1 <= diag.pos.line <= len(lines):
        return head
    line = _printable(lines[diag.pos.line - 1]).expandtabs(TAB_SIZE)
    caret_at = _width(_printable(lines[diag.pos.line - 1][: diag.pos.column - 1]).expandtabs(TAB_SIZE))
    return f"{head}\n{line}\n{' ' * caret_at}^"


def _printable(line: str) -> str:
    """The line as a terminal can show it: control characters and separators
    (a form feed, U+2028) as one blank each, so the caret stays in its column."""
    return "".join(
        " " if ch != "\t" and unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in line
    )


def _width(text: str) -> int:
    """Terminal cells `text` takes: wide characters (emoji, CJK) take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def render_all(diagnostics: Iterable[Diagnostic], sources: Mapping[str, str]) -> str:
    """Render diagnostics in file, line and column order, one block each."""
    ordered = sorted(diagnostics, key=sort_key)
    return "\n".join(render(d, sources.get(d.pos.file)) for d in ordered)


def summarize(diagnostics: Iterable[Diagnostic]) -> str:
    """The closing count line: `2 errors, 1 warning`."""
    diags = list(diagnostics)
    errors = sum(1 for d in diags if d.is_error)
    warnings = len(diags) - errors
    return f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
