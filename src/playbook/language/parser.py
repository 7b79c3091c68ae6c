"""Lark's LALR parser for `grammar.lark`, built once per process.

The parser builds `nodes` as it reduces (a transformer given to Lark), with no
parse tree in between. Nodes are placed in the file being parsed, so one text
is parsed at a time.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from lark import Lark

from playbook.language.transform import ToNodes

# How the grammar is read: LALR, with a lexer that knows which tokens each
# parser state accepts. `statement` parses one statement alone, for reporting
# every broken statement of a file.
PARSER_OPTIONS: dict[str, Any] = {
    "parser": "lalr",
    "lexer": "contextual",
    "start": ["start", "statement"],
    "maybe_placeholders": False,
}

_TO_NODES = ToNodes()
_PARSING = threading.Lock()


def grammar() -> str:
    """The text of `grammar.lark`."""
    return Path(__file__).with_name("grammar.lark").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def lark_parser() -> Lark:
    """The parser of `grammar.lark`; it returns `nodes`."""
    return Lark(grammar(), **PARSER_OPTIONS, transformer=_TO_NODES)


def parse(text: str, path: str, start: str, line: int = 1, column: int = 1) -> Any:
    """What `text` is from the grammar rule `start`, its nodes placed in `path` as if `text`
    began at `line` and `column` (a statement of a file, parsed alone); Lark's
    UnexpectedInput, its positions in `text`, if it is broken."""
    parser = lark_parser()
    with _PARSING:
        _TO_NODES.place(path, line, column)
        return parser.parse(text, start=start)
