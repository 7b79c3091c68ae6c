"""Parsing `.play` text into `nodes`.

A file is parsed whole by the quick parser (`lalr.py`), which runs the tables
Lark builds from `grammar.lark` without importing Lark. What it refuses goes to
`parse_errors.py`: Lark's own parser, and a diagnostic per broken statement.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playbook.language import nodes
from playbook.language.diagnostics import Diagnostic
from playbook.language.lalr import QuickParser, Refused, tables_of
from playbook.language.tables import load_tables
from playbook.language.transform import ToNodes

if TYPE_CHECKING:
    from lark import Lark

# How the grammar is read: LALR, with a lexer that knows which tokens each
# parser state accepts.
PARSER_OPTIONS: dict[str, Any] = {
    "parser": "lalr",
    "lexer": "contextual",
    "start": ["start", "statement"],
    "maybe_placeholders": False,
}

# Both parsers build nodes as they reduce, with no parse tree in between; the
# builder is told the file's path, so one file is parsed at a time.
_TO_NODES = ToNodes()
_PARSING = threading.Lock()


def grammar() -> str:
    """The text of `grammar.lark`."""
    return Path(__file__).with_name("grammar.lark").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def parser() -> Lark:
    """Lark's LALR parser for `grammar.lark`, built once; it returns `nodes`."""
    from lark import Lark

    return Lark(
        grammar(),
        **PARSER_OPTIONS,
        transformer=_TO_NODES,
        # Building the LALR tables takes longer than parsing a thousand rules;
        # Lark keeps them in the temporary folder, keyed by the grammar.
        cache=True,
    )


@lru_cache(maxsize=1)
def quick_parser() -> QuickParser:
    """The quick parser for `grammar.lark`, from tables kept on disk; it returns `nodes`."""
    return QuickParser(load_tables(grammar(), lambda: tables_of(parser())), _TO_NODES)


@contextmanager
def _placed_in(path: str) -> Iterator[None]:
    """Hold the parsers for one file, its nodes placed in `path`."""
    with _PARSING:
        _TO_NODES.path = path
        yield


def _quick_parse(text: str, path: str, start: str) -> Any:
    """What the quick parser builds of `text`; None where it refuses."""
    with _placed_in(path):
        try:
            return quick_parser().parse(text, start)
        except Refused:
            return None


def parse_statement(text: str, path: str) -> nodes.Statement:
    """One statement, placed as in `text`; Lark's UnexpectedInput if it is broken."""
    statement = _quick_parse(text, path, "statement")
    return statement if statement is not None else lark_parse(text, path, "statement")  # type: ignore[no-any-return]


def lark_parse(text: str, path: str, start: str) -> Any:
    """What Lark's own parser builds of `text`; Lark's UnexpectedInput if it is broken."""
    with _placed_in(path):
        return parser().parse(text, start=start)


def parse_text(text: str, path: str) -> tuple[nodes.PlaybookFile, list[Diagnostic]]:
    """Parse one file's text; return what parsed and a diagnostic per broken statement."""
    statements = _quick_parse(text, path, "start")
    if statements is None:
        from playbook.language.parse_errors import parse_refused

        return parse_refused(text, path)
    return nodes.PlaybookFile(path, tuple(statements), frozenset()), []
