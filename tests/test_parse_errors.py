"""Parse errors in a manager's words: the table of sentences by place in the
grammar, the words for every token, and mistakes a new user makes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import check_output
from lark import UnexpectedInput

from playbook.language.parse_errors import PARSE_ERRORS, Explanation, explanation_of, terminal_word
from playbook.language.parser import lark_parser, parse


def error_of(sample: str) -> UnexpectedInput:
    with pytest.raises(UnexpectedInput) as raised:
        parse(sample, "sample.play", "statement")
    return raised.value


@pytest.mark.parametrize(
    ("explanation", "sample"),
    [(explanation, sample) for explanation, samples in PARSE_ERRORS for sample in samples],
    ids=[sample for _, samples in PARSE_ERRORS for sample in samples],
)
def test_each_sentence_is_found_for_its_broken_samples(explanation: Explanation, sample: str) -> None:
    assert explanation_of(error_of(sample)) == explanation


def test_a_sentence_is_found_however_deep_the_brackets() -> None:
    for depth in (0, 1, 5):
        sample = "when " + "(" * depth + "a = x" + ")" * depth + " then hide"
        assert explanation_of(error_of(sample)) == explanation_of(error_of("when a = x"))
    assert check_output("when (((platform = twitter))) then hide\n").splitlines()[0] == (
        "test.play:1:20: error: expected a value after '=': a number, a \"quoted text\", true or false, "
        "found 'twitter' (put text in double quotes: \"twitter\")"
    )


def test_every_token_of_the_grammar_is_named_in_words() -> None:
    parser = lark_parser()
    for terminal in parser.terminals:
        if terminal.name in parser.ignore_tokens:
            continue
        word = terminal_word(terminal.name)
        assert word != "something else", terminal.name
        assert not re.search(r"[A-Z_]{2,}", word), (terminal.name, word)


# --- mistakes a new user makes: each names what is really wrong ---------------------------

NEW_USER_MISTAKES = [
    # A statement that is not in the language, on its own line after a whole one:
    # once "expected ',' after '"@lee"'".
    (
        'brand "@lee"\nimport "vips.csv"\nwhen mention then hide\n',
        """\
test.play:2:1: error: expected a statement: playbook, brand, list, define, schedule, rule or when, found 'import'
import "vips.csv"
^""",
    ),
    # Once 'expected a "quoted text" after '"care-leads"', found 'every''; then "'every' cannot
    # follow an action", with a hint about limits, when what was meant is a repeat.
    (
        'when mention then escalate to "care-leads" every 1h\n',
        """\
test.play:1:44: error: 'every' cannot follow an action (to act again while nobody answers, a rule with unanswered can repeat, as in unanswered 2h then escalate repeat every 4h up to 3 times)
when mention then escalate to "care-leads" every 1h
                                           ^""",
    ),
    # Once blamed 'hello'; the quote left open after #care took in 'message'.
    (
        'when mention then notify "#care message "hello"\n',
        """\
test.play:1:26: error: the text starting here, "#care message ", takes in 'message' (is a closing '"' missing?)
when mention then notify "#care message "hello"
                         ^""",
    ),
    # Once "expected 'then' after the condition, found 'k'".
    (
        "when mention and author.followers >= 5k then escalate\n",
        """\
test.play:1:38: error: '5k' is not a number (write it in digits: 5000)
when mention and author.followers >= 5k then escalate
                                     ^""",
    ),
    (
        'when review and rating > 4.5stars then tag "happy"\n',
        """\
test.play:1:26: error: '4.5stars' is not a number (a number is written in digits only, as in 5000)
when review and rating > 4.5stars then tag "happy"
                         ^""",
    ),
    # These two once crashed with an IndexError.
    (
        'playbook "Acme desk" x\n',
        """\
test.play:1:22: error: expected a statement: playbook, brand, list, define, schedule, rule or when, found 'x'
playbook "Acme desk" x
                     ^""",
    ),
    (
        'define complaint = text contains "refund" then escalate\n',
        """\
test.play:1:43: error: a define is a condition only: it takes no 'then' and no actions (write the actions in a rule, as in when complaint then escalate)
define complaint = text contains "refund" then escalate
                                          ^""",
    ),
]


@pytest.mark.parametrize(("text", "expected"), NEW_USER_MISTAKES)
def test_a_mistake_is_named_for_what_it_is(text: str, expected: str) -> None:
    assert check_output(text) == expected


def test_a_whole_statement_before_a_line_that_is_not_one_is_kept() -> None:
    # The brand line stands: no warning that no brand handle can answer.
    text = 'brand "@lee"\nimport "vips.csv"\nwhen mention and unanswered 1h then escalate\n'
    assert "no brand handles" not in check_output(text)
    assert len(check_output(text).splitlines()) == 3


@pytest.mark.parametrize(
    "text",
    [
        'playbook "Acme desk" x\n',
        'define complaint = text contains "refund" then escalate\nwhen complaint then hide\n',
    ],
)
def test_a_stray_word_is_reported_by_playbook_check_without_a_traceback(tmp_path: Path, text: str) -> None:
    (tmp_path / "m.play").write_text(text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "playbook", "check", "m.play"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("m.play:1:")
    assert "Traceback" not in result.stderr
