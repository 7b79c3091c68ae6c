"""Marks and repeats as the checker and the parser see them (SPEC section 12):
each mistake gives exactly the diagnostic `playbook check` prints, and a test
of a mark that no rule sets is a warning naming the nearest mark that is."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import check_output, ruleset_from

from playbook.language import nodes
from playbook.language.parser import parse
from playbook.language.unparse import rule_text


def case(name: str, text: str, expected: str) -> Any:
    return pytest.param(text, expected, id=name)


def test_marks_and_a_repeat_are_read_as_written_and_written_back_the_same() -> None:
    text = (
        'rule "R": when mention and author is marked "VIP" and thread is not marked "escalated" '
        'and unanswered 2h then escalate, mark thread "escalated" for 2d, unmark author "VIP" '
        "at most once per 1h repeat every 4h up to 3 times"
    )
    (rule,) = parse(text, "t.play", "start")
    assert isinstance(rule, nodes.Rule)
    assert [type(a).__name__ for a in rule.actions] == ["Action", "Mark", "Mark"]
    mark, unmark = rule.actions[1], rule.actions[2]
    assert isinstance(mark, nodes.Mark) and isinstance(unmark, nodes.Mark)
    assert (mark.word, mark.subject.name, mark.name.value, mark.duration and mark.duration.seconds) == (
        "mark",
        "thread",
        "escalated",
        2 * 86400,
    )
    assert (unmark.word, unmark.subject.name, unmark.duration) == ("unmark", "author", None)
    assert rule.repeat is not None and (rule.repeat.every.seconds, rule.repeat.times) == (4 * 3600, 3)
    assert rule_text(rule) == text.removeprefix('rule "R": ')


@pytest.mark.parametrize(
    ("written", "read_back"),
    [
        ("repeat every 4h up to 1 time", "repeat every 4h up to 1 time"),
        ("repeat every 4h up to 1 times", "repeat every 4h up to 1 time"),
        ("repeat every 4h up to 2", "repeat every 4h up to 2 times"),
        ("at most 1 time per 1h", "at most once per 1h"),
        ("at most 3 time per 1h", "at most 3 per 1h"),
    ],
)
def test_one_time_reads_as_one_times(written: str, read_back: str) -> None:
    text = f'rule "R": when mention and unanswered 2h then escalate {written}'
    (rule,) = parse(text, "t.play", "start")
    assert isinstance(rule, nodes.Rule)
    assert rule_text(rule).endswith(f"then escalate {read_back}")


def test_at_least_one_time_is_read_and_a_field_named_time_is_still_a_field() -> None:
    text = 'rule "R": when mention and time = "x" and at least 1 time within 10m then alert'
    (rule,) = parse(text, "t.play", "start")
    assert isinstance(rule, nodes.Rule)
    assert rule_text(rule) == 'when mention and time = "x" and at least 1 time within 10m then alert'


def test_mark_is_a_word_only_where_an_action_or_a_test_of_marks_can_stand() -> None:
    # An event type and a define may still be called mark or marked.
    ruleset = ruleset_from(
        'define marked = labels contains "x"\nwhen mark and marked then tag "m"\n'
        'when mention and marked then mark author "a"\n'
    )
    assert [r.name for r in ruleset.rules] == ["test.play:2", "test.play:3"]


BROKEN = [
    case(
        "mark_without_what",
        'when mention then mark "do-not-contact"\n',
        """\
test.play:1:24: error: expected 'author' or 'thread' after 'mark', found '"do-not-contact"' (as in mark author "do-not-contact")
when mention then mark "do-not-contact"
                       ^""",
    ),
    case(
        "mark_something_else",
        'when mention then mark event "seen"\n',
        """\
test.play:1:24: error: 'mark' works on an author or a thread, not 'event' (as in mark author "do-not-contact" for 365d)
when mention then mark event "seen"
                       ^""",
    ),
    case(
        "mark_a_misspelt_author",
        'when mention then mark auther "seen"\n',
        """\
test.play:1:24: error: 'mark' works on an author or a thread, not 'auther' (did you mean 'author'?)
when mention then mark auther "seen"
                       ^""",
    ),
    case(
        "mark_name_unquoted",
        "when mention then mark author seen\n",
        """\
test.play:1:31: error: expected the mark's name in double quotes after 'author', found 'seen' (put text in double quotes: "seen")
when mention then mark author seen
                              ^""",
    ),
    case(
        "mark_name_empty",
        'when mention then mark thread " "\n',
        """\
test.play:1:31: error: a mark's name cannot be empty
when mention then mark thread " "
                              ^""",
    ),
    case(
        "mark_for_nothing",
        'when mention then mark thread "x" for 0d\n',
        """\
test.play:1:39: error: a duration must be longer than zero
when mention then mark thread "x" for 0d
                                      ^""",
    ),
    case(
        "unmark_for_a_while",
        'when mention then unmark author "vip" for 7d\n',
        """\
test.play:1:33: error: 'unmark' takes no duration: it takes the mark away at once (to change how long a mark lasts, mark it again with 'for')
when mention then unmark author "vip" for 7d
                                ^""",
    ),
    case(
        "a_test_of_a_mark_on_an_event",
        'when mention then mark thread "x"\nwhen mention and event is marked "x" then hide\n',
        """\
test.play:2:18: error: only an author or a thread, not 'event' (as in author is marked "do-not-contact")
when mention and event is marked "x" then hide
                 ^""",
    ),
    case(
        "marked_without_a_name",
        "when mention and author is marked then hide\n",
        """\
test.play:1:35: error: expected the mark's name in double quotes after 'marked', found 'then' (as in author is marked "do-not-contact")
when mention and author is marked then hide
                                  ^""",
    ),
    case(
        "repeat_without_a_wait",
        "when mention then escalate repeat every 4h up to 3 times\n",
        """\
test.play:1:28: error: 'repeat' is only for a rule that waits for an answer: it fires again while nobody answers (give the rule a wait, as in when mention is complaint and unanswered 2h then escalate repeat every 4h up to 3 times)
when mention then escalate repeat every 4h up to 3 times
                           ^""",
    ),
    case(
        "repeat_zero_times",
        'brand "@acme"\nwhen mention and unanswered 2h then escalate repeat every 4h up to 0 times\n',
        """\
test.play:2:46: error: 'repeat ... up to 0 times' never repeats; use a count of 1 or more
when mention and unanswered 2h then escalate repeat every 4h up to 0 times
                                             ^""",
    ),
    case(
        "repeat_twice",
        'brand "@acme"\nwhen mention and unanswered 2h then escalate repeat every 4h up to 3 times '
        "repeat every 1d up to 2 times\n",
        """\
test.play:2:76: error: a rule can have only one 'repeat' (keep one of them)
when mention and unanswered 2h then escalate repeat every 4h up to 3 times repeat every 1d up to 2 times
                                                                           ^""",
    ),
    case(
        "repeat_every_nothing",
        'brand "@acme"\nwhen mention and unanswered 2h then escalate repeat every 0h up to 3 times\n',
        """\
test.play:2:59: error: a duration must be longer than zero
when mention and unanswered 2h then escalate repeat every 0h up to 3 times
                                                          ^""",
    ),
    case(
        "repeat_without_a_count",
        'brand "@acme"\nwhen mention and unanswered 2h then escalate repeat every 4h\n',
        """\
test.play:2:61: error: expected 'up to' and a count after '4h' (as in repeat every 4h up to 3 times)
when mention and unanswered 2h then escalate repeat every 4h
                                                            ^""",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BROKEN)
def test_broken_playbook(text: str, expected: str) -> None:
    assert check_output(text) == expected


UNSET = [
    case(
        "a_misspelt_mark",
        'when message is opt_out then mark author "do-not-contact"\n'
        'when mention and author is not marked "do-not-contcat" then reply "Hi"\n',
        """\
test.play:2:39: warning: no rule marks an author 'do-not-contcat', so this test is always true (did you mean 'do-not-contact'?)
when mention and author is not marked "do-not-contcat" then reply "Hi"
                                      ^""",
    ),
    case(
        "a_mark_in_another_case_is_the_same_mark",
        'when message is opt_out then mark author "Do-Not-Contact"\n'
        'when mention and author is not marked "do-not-contact" then reply "Hi"\n',
        "",
    ),
    case(
        "a_mark_set_on_threads_tested_on_authors",
        'when mention then mark thread "escalated"\nwhen comment and author is marked "escalated" then hide\n',
        """\
test.play:2:35: warning: no rule marks an author 'escalated', so this test is always false (the rules mark threads 'escalated', not authors)
when comment and author is marked "escalated" then hide
                                  ^""",
    ),
    case(
        "a_mark_only_taken_away",
        'when mention then unmark thread "vip"\ndefine vip_thread = thread is marked "vip"\n'
        "when comment and vip_thread then hide\n",
        """\
test.play:2:38: warning: no rule marks a thread 'vip', so this test is always false (set it in a rule, as in then mark thread "vip")
define vip_thread = thread is marked "vip"
                                     ^""",
    ),
]


@pytest.mark.parametrize(("text", "expected"), UNSET)
def test_a_test_of_a_mark_no_rule_sets_is_a_warning(text: str, expected: str) -> None:
    assert check_output(text) == expected


SHADOWED = [
    case(
        "a_live_rule_testing_a_mark_only_a_shadow_rule_sets",
        'shadow rule "Spot VIPs": when mention and author.followers > 10000 then mark author "vip"\n'
        'rule "Thank VIPs": when mention and author is marked "vip" then reply "Thanks!"\n',
        """\
test.play:2:54: warning: only shadow rule 'Spot VIPs' marks an author 'vip', and a live rule does not see a shadow rule's marks, so this test is always false (promote the shadow rule by removing the word 'shadow', or make this rule a shadow rule too)
rule "Thank VIPs": when mention and author is marked "vip" then reply "Thanks!"
                                                     ^""",
    ),
    case(
        "a_shadow_rule_testing_a_shadow_mark",
        'shadow rule "Spot VIPs": when mention then mark author "vip"\n'
        'shadow rule "Thank VIPs": when mention and author is marked "vip" then reply "Thanks!"\n',
        "",
    ),
    case(
        "a_mark_set_by_a_live_rule_and_a_shadow_rule",
        'shadow rule "Spot VIPs": when mention then mark author "VIP"\n'
        'rule "Old VIPs": when mention and author.verified = true then mark author "vip"\n'
        'rule "Thank VIPs": when mention and author is not marked "vip" then reply "Thanks!"\n',
        "",
    ),
]


@pytest.mark.parametrize(("text", "expected"), SHADOWED)
def test_a_live_test_of_a_mark_only_shadow_rules_set_is_a_warning(text: str, expected: str) -> None:
    assert check_output(text) == expected
