"""The quick parser must build exactly what Lark's own parser builds, and refuse
(handing the text to Lark) exactly what Lark refuses."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lark import Lark, Tree
from lark.exceptions import UnexpectedInput

from playbook.language import syntax
from playbook.language.lalr import QuickParser, Refused, tables_of
from playbook.language.transform import ToNodes

ROOT = Path(__file__).resolve().parent.parent

WORDS = [
    "playbook",
    "brand",
    "list",
    "define",
    "rule",
    "when",
    "then",
    "and",
    "or",
    "not",
    "contains",
    "any",
    "all",
    "matches",
    "in",
    "exists",
    "is",
    "unanswered",
    "for",
    "no",
    "reply",
    "within",
    "at",
    "least",
    "times",
    "per",
    "most",
    "once",
    "to",
    "priority",
    "message",
    "with",
    "template",
    "true",
    "false",
    "mention",
    "comment",
    "text",
    "author.followers",
    "labels",
    "escalate",
    "tag",
    "notify",
    "thenx",
    "when_",
    "a.b.c",
]
PIECES = WORDS + [
    '"acme pro"',
    '"say \\"hi\\""',
    '"',
    '"open',
    "/refund+/i",
    "/a\\/b/",
    "/",
    "10000",
    "-2.5",
    ".5",
    "20",
    "2h",
    "1h30m",
    "2 h",
    "90 minutes",
    "3\nd",
    "7days",
    "(",
    ")",
    ",",
    ":",
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "@",
    "$",
    'rule"x"',
    "# a note\n",
    " ",
    "  ",
    "\n",
    "\t",
    " \n  ",
    "\r\n",
    '"café 😡"',
    "# ünïcode\n",
    "é",
    "\u00a0",
]


class TreeBuilder:
    """Builds with the quick parser what Lark builds without a transformer, in the shape of `shape`."""

    def __getattr__(self, name: str) -> Any:
        return lambda children: (
            name,
            [child if isinstance(child, tuple) else shape(child) for child in children],
        )


@lru_cache(maxsize=1)
def lark_parser() -> Lark:
    """The grammar with Lark's own parser and lexer, building Lark's parse tree."""
    return Lark(syntax.grammar(), **syntax.PARSER_OPTIONS)


@lru_cache(maxsize=1)
def quick_parser() -> QuickParser:
    """The quick parser, on tables copied from Lark's just now."""
    return QuickParser(tables_of(lark_parser()), TreeBuilder())


def shape(node: Any) -> Any:
    """A tree as nested (rule, children), with each token's terminal, text and place."""
    if isinstance(node, Tree):
        return node.data, [shape(child) for child in node.children]
    assert isinstance(node, str)
    return node.type, str(node), node.line, node.column  # type: ignore[attr-defined]


def same_as_lark(text: str, start: str) -> Any:
    """Parse `text` both ways: the quick parser builds what Lark builds, and refuses what Lark refuses."""
    try:
        expected = shape(lark_parser().parse(text, start=start))
    except UnexpectedInput:
        with pytest.raises(Refused):
            quick_parser().parse(text, start)
        return None
    assert quick_parser().parse(text, start) == expected
    return expected


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30), st.sampled_from(["start", "statement"]))
def test_any_text_parses_as_lark_parses_it(pieces: list[str], start: str) -> None:
    same_as_lark(" ".join(pieces), start)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30))
def test_text_without_spaces_between_pieces_parses_as_lark_parses_it(pieces: list[str]) -> None:
    same_as_lark("".join(pieces), "start")


ATOMS = [
    "mention",
    "reply",
    "comment is complaint",
    "author is not vip",
    'text contains "refund"',
    "author.followers >= 10000",
    'labels contains any ("a", "b")',
    "text matches /broken+/i",
    "unanswered 2h",
    "no reply within 1h30m",
    "unanswered 1h\n  30m",
    "at least 20 times within 10 m per author",
    'platform in ("x", "reviews")',
    "in_reply_to exists",
    "not spam",
    "(mention or message)",
]
ACTIONS = [
    'escalate to "care-leads" priority high',
    'reply "Thanks!"',
    'notify "#vip" message "hi"',
    'reply with template "t"',
    'tag "x", hide',
]
GAPS = [" ", "\n", "  # note\n  ", "\t", "\n\n"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(ATOMS), min_size=1, max_size=6),
    st.lists(st.sampled_from(["and", "or"]), min_size=5, max_size=5),
    st.sampled_from(ACTIONS),
    st.sampled_from(["", "at most once per author per 7d", "at most 3 times per 1h"]),
    st.sampled_from(GAPS),
)
def test_rules_parse_as_lark_parses_them(
    atoms: list[str], joins: list[str], action: str, limit: str, gap: str
) -> None:
    condition = atoms[0] + "".join(f"{gap}{join}{gap}{atom}" for join, atom in zip(joins, atoms[1:]))
    text = f'brand "@acme"{gap}rule "r":{gap}when {condition}{gap}then {action} {limit}{gap}'
    assert same_as_lark(text, "start") is not None, text


def test_every_shipped_playbook_parses_as_lark_parses_it() -> None:
    paths = sorted(ROOT.glob("playbooks/*.play")) + sorted(ROOT.glob("examples/**/*.play"))
    assert paths
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert same_as_lark(text, "start") is not None, f"{path} does not parse"


def test_playbook_nodes_are_built_as_through_lark_s_own_parser() -> None:
    builder = ToNodes()
    lark_own = Lark(syntax.grammar(), **syntax.PARSER_OPTIONS, transformer=builder)
    paths = sorted(ROOT.glob("playbooks/*.play")) + sorted(ROOT.glob("examples/**/*.play"))
    for path in paths:
        text = path.read_text(encoding="utf-8")
        builder.path = str(path)
        assert syntax.parse_text(text, str(path))[0].statements == tuple(
            lark_own.parse(text, start="start")
        ), path
