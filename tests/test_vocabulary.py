"""The words of the language are kept in `vocabulary` and spelt again in
`grammar.lark`: the two hold the same words."""

from __future__ import annotations

import re

from lark.lexer import PatternStr

from playbook.language import vocabulary
from playbook.language.durations import UNIT_SECONDS
from playbook.language.parser import lark_parser


def grammar_terminal(name: str) -> str:
    (terminal,) = [t for t in lark_parser().terminals if t.name == name]
    return terminal.pattern.value


def test_the_keywords_are_the_grammars() -> None:
    keywords = {
        t.pattern.value
        for t in lark_parser().terminals
        if isinstance(t.pattern, PatternStr) and t.pattern.value.isalpha()
    }
    assert keywords == vocabulary.KEYWORDS


def test_the_reserved_words_are_those_the_grammar_keeps_from_names() -> None:
    # NAME: /(?!(?:then|and|...)(?![\w.]))[A-Za-z_].../
    kept_out = re.match(r"\(\?!\(\?:([a-z|]+)\)", grammar_terminal("NAME"))
    assert kept_out is not None
    assert set(kept_out.group(1).split("|")) == set(vocabulary.RESERVED_WORDS)
    assert set(vocabulary.RESERVED_WORDS) <= vocabulary.KEYWORDS


def test_the_statement_words_begin_the_grammars_statements() -> None:
    grammar = lark_parser()
    first_words = {
        grammar.get_terminal(rule.expansion[0].name).pattern.value
        for rule in grammar.rules
        if rule.origin.name in ("title", "brand", "list_def", "define", "rule_name", "rule", "schedule")
        and rule.expansion[0].is_term
    }
    assert first_words == set(vocabulary.STATEMENT_WORDS)


def test_action_words_and_priorities_are_names_to_the_grammar_not_keywords() -> None:
    assert not set(vocabulary.ACTION_WORDS) & (vocabulary.KEYWORDS - {"reply"})
    assert not set(vocabulary.PRIORITIES) & vocabulary.KEYWORDS


def test_the_duration_units_are_the_grammars() -> None:
    # DURATION: /\d+\s*(?:weeks?|w|days?|...)(?![A-Za-z_])(?:...)*/, its units in the first group.
    units = re.findall(r"[a-z]+\??", grammar_terminal("DURATION").split(")")[0])
    spelt = {unit.rstrip("?") for unit in units} | {unit[:-2] for unit in units if unit.endswith("?")}
    assert spelt == set(UNIT_SECONDS)


def test_the_shadow_word_begins_a_shadow_rule() -> None:
    grammar = lark_parser()
    (shadow_rule,) = [rule for rule in grammar.rules if rule.origin.name == "shadow_rule"]
    assert grammar.get_terminal(shadow_rule.expansion[0].name).pattern.value == vocabulary.SHADOW_WORD
