"""The quick parser must build exactly what Lark's own parser builds, and refuse
(handing the text to Lark) exactly what Lark refuses."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput

from playbook import syntax
from playbook.lalr import QuickLALRParser
from playbook.transform import ToNodes

ROOT = Path(__file__).resolve().parent.parent

WORDS = [
    "playbook", "brand", "list", "define", "rule", "when", "then", "and", "or", "not",
    "contains", "any", "all", "matches", "in", "exists", "is", "unanswered", "for", "no",
    "reply", "within", "at", "least", "times", "per", "most", "once", "to", "priority",
    "message", "with", "template", "true", "false", "mention", "comment", "text",
    "author.followers", "labels", "escalate", "tag", "notify", "thenx", "when_", "a.b.c",
]
PIECES = WORDS + [
    '"acme pro"', '"say \\"hi\\""', '"', '"open', "/refund+/i", "/a\\/b/", "/",
    "10000", "-2.5", ".5", "20", "2h", "1h30m", "2 h", "90 minutes", "3\nd", "7days",
    "(", ")", ",", ":", "=", "!=", "<", "<=", ">", ">=", "@", "$", "rule\"x\"",
    "# a note\n", " ", "  ", "\n", "\t", " \n  ",
]


class WatchedQuickParser(QuickLALRParser):
    """The quick parser, counting the texts it hands to Lark's own parse."""

    handed_to_lark = 0

    def parse_as_lark(self, lexer: Any, start: str, on_error: Any = None) -> Any:
        WatchedQuickParser.handed_to_lark += 1
        return super().parse_as_lark(lexer, start, on_error)


@lru_cache(maxsize=1)
def quick_parser() -> Lark:
    """Playbook's parser, building Lark's parse tree."""
    return Lark(syntax.grammar(), **{**syntax.PARSER_OPTIONS, "_plugins": {"LALR_Parser": WatchedQuickParser}})


@lru_cache(maxsize=1)
def lark_parser() -> Lark:
    """The same grammar with Lark's own parser and lexer."""
    options = {k: v for k, v in syntax.PARSER_OPTIONS.items() if k != "_plugins"}
    return Lark(syntax.grammar(), **options)


def outcome(parser: Lark, text: str, start: str) -> Any:
    """What parsing gives: the tree with every token and its place, or where and how it failed."""
    try:
        tree = parser.parse(text, start=start)
    except UnexpectedInput as exc:
        expected = getattr(exc, "expected", None) or getattr(exc, "allowed", None)
        return type(exc).__name__, exc.line, exc.column, sorted(expected or ())
    return shape(tree)


def same_as_lark(text: str, start: str) -> Any:
    """Parse `text` both ways and check they agree, and that only what Lark refuses went to Lark."""
    before = WatchedQuickParser.handed_to_lark
    quick = outcome(quick_parser(), text, start)
    assert quick == outcome(lark_parser(), text, start)
    parsed = isinstance(quick[1], list)
    assert WatchedQuickParser.handed_to_lark - before == (0 if parsed else 1)
    return quick


def shape(node: Any) -> Any:
    if isinstance(node, Tree):
        return node.data, [shape(child) for child in node.children]
    assert isinstance(node, Token)
    return (node.type, str(node), node.line, node.column, node.end_line, node.end_column,
            node.start_pos, node.end_pos)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30), st.sampled_from(["start", "statement"]))
def test_any_text_parses_as_lark_parses_it(pieces: list[str], start: str) -> None:
    same_as_lark(" ".join(pieces), start)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30))
def test_text_without_spaces_between_pieces_parses_as_lark_parses_it(pieces: list[str]) -> None:
    same_as_lark("".join(pieces), "start")


ATOMS = [
    "mention", "reply", "comment is complaint", "author is not vip", 'text contains "refund"',
    "author.followers >= 10000", 'labels contains any ("a", "b")', "text matches /broken+/i",
    "unanswered 2h", "no reply within 1h30m", "unanswered 1h\n  30m", "at least 20 times within 10 m per author",
    'platform in ("x", "reviews")', "in_reply_to exists", "not spam", "(mention or message)",
]
ACTIONS = ['escalate to "care-leads" priority high', 'reply "Thanks!"', 'notify "#vip" message "hi"',
           'reply with template "t"', 'tag "x", hide']
GAPS = [" ", "\n", "  # note\n  ", "\t", "\n\n"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(ATOMS), min_size=1, max_size=6),
    st.lists(st.sampled_from(["and", "or"]), min_size=5, max_size=5),
    st.sampled_from(ACTIONS),
    st.sampled_from(["", "at most once per author per 7d", "at most 3 times per 1h"]),
    st.sampled_from(GAPS),
)
def test_rules_parse_as_lark_parses_them(atoms: list[str], joins: list[str], action: str, limit: str,
                                      gap: str) -> None:
    condition = atoms[0] + "".join(f"{gap}{join}{gap}{atom}" for join, atom in zip(joins, atoms[1:]))
    text = f'brand "@acme"{gap}rule "r":{gap}when {condition}{gap}then {action} {limit}{gap}'
    assert isinstance(same_as_lark(text, "start")[1], list), text


def test_every_shipped_playbook_parses_as_lark_parses_it() -> None:
    paths = sorted(ROOT.glob("playbooks/*.play")) + sorted(ROOT.glob("examples/**/*.play"))
    assert paths
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert isinstance(same_as_lark(text, "start")[1], list), f"{path} does not parse"


def test_playbook_nodes_are_built_as_through_lark_s_own_parser() -> None:
    options = {k: v for k, v in syntax.PARSER_OPTIONS.items() if k != "_plugins"}
    builder = ToNodes()
    lark_own = Lark(syntax.grammar(), **options, transformer=builder)
    paths = sorted(ROOT.glob("playbooks/*.play")) + sorted(ROOT.glob("examples/**/*.play"))
    for path in paths:
        text = path.read_text(encoding="utf-8")
        builder.path = str(path)
        assert syntax.parse_text(text, str(path))[0].statements == tuple(lark_own.parse(text, start="start")), path
