"""Broken playbooks → exactly the diagnostics `playbook check` prints (SPEC section 2, "Errors").

Each case holds one mistake and pins the whole rendered message: file, line and
column of the first character of what is wrong, the message, the hint, the
source line and the caret. The golden pairs in `tests/cases/` are run through
the real command line.
"""

from __future__ import annotations

import random
import string
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import SPEC_SAMPLE, check_output, event

from playbook.compiler.ruleset import check_sources, compile_sources
from playbook.language.diagnostics import PlaybookError, Severity, render_all
from playbook.language.nesting import MAX_LEVELS, TOO_DEEP, TOO_LARGE

CASES_DIR = Path(__file__).parent / "cases"
SPEC_ACCEPTANCE = "when mention is complaint and unanswered 2h then escalate\n"


def case(name: str, text: str, expected: str) -> Any:
    return pytest.param(text, expected, id=name)


def playbook_check(*paths: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real `playbook check` command, run in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "playbook", "check", *paths],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


def diagnostics_of(sources: dict[str, str]) -> list[tuple[str, int, int, str, str]]:
    """(file, line, column, severity, message with hint) of every diagnostic, in order."""
    try:
        ruleset = compile_sources(sources)
    except PlaybookError as exc:
        found = exc.diagnostics
    else:
        found = list(ruleset.warnings)
    return [(d.pos.file, d.pos.line, d.pos.column, d.severity.value, d.text) for d in found]


# --- one mistake, one diagnostic ------------------------------------------------------

BROKEN = [
    case(
        "unknown_field_followers",
        'when mention and author.folowers > 10 then notify "#vip"\n',
        """\
test.play:1:18: error: unknown field 'author.folowers' (did you mean 'author.followers'?)
when mention and author.folowers > 10 then notify "#vip"
                 ^""",
    ),
    case(
        "unknown_field_handle",
        'when mention and author.handel = "@jane" then escalate\n',
        """\
test.play:1:18: error: unknown field 'author.handel' (did you mean 'author.handle'?)
when mention and author.handel = "@jane" then escalate
                 ^""",
    ),
    case(
        "unknown_field_in_per",
        "when mention and at least 3 times within 1h per athor then escalate\n",
        """\
test.play:1:49: error: unknown field 'athor' (did you mean 'author'?)
when mention and at least 3 times within 1h per athor then escalate
                                                ^""",
    ),
    case(
        "unknown_field_in_limit",
        "when mention then escalate at most once per athor per 1d\n",
        """\
test.play:1:45: error: unknown field 'athor' (did you mean 'author'?)
when mention then escalate at most once per athor per 1d
                                            ^""",
    ),
    case(
        "unknown_field_in_reply_text",
        'when mention then reply "Sorry, {author.handel}!"\n',
        """\
test.play:1:34: error: unknown field 'author.handel' (did you mean 'author.handle'?)
when mention then reply "Sorry, {author.handel}!"
                                 ^""",
    ),
    case(
        "unknown_field_in_a_text_after_escapes",
        'when mention then reply "\\"Hi\\"\\n\\t\\\\ {author.handel}"\n',
        """\
test.play:1:40: error: unknown field 'author.handel' (did you mean 'author.handle'?)
when mention then reply "\\"Hi\\"\\n\\t\\\\ {author.handel}"
                                       ^""",
    ),
    # SPEC §1 names `folowers` as a typo that is an error; today it is silently a new field.
    case(
        "unknown_field_bare_folowers",
        'when mention and folowers > 10 then notify "#vip"\n',
        """\
test.play:1:18: error: unknown field 'folowers' (did you mean 'author.followers'?)
when mention and folowers > 10 then notify "#vip"
                 ^""",
    ),
    case(
        "unknown_action_with_suggestion",
        'when mention then escalte to "care-leads"\n',
        """\
test.play:1:19: error: unknown action 'escalte' (did you mean 'escalate'?)
when mention then escalte to "care-leads"
                  ^""",
    ),
    case(
        "unknown_action_without_suggestion",
        'when mention then email "care@acme.com"\n',
        """\
test.play:1:19: error: unknown action 'email' (the actions are escalate, assign, notify, alert, tag, reply, hide, mark, unmark)
when mention then email "care@acme.com"
                  ^""",
    ),
    case(
        "unknown_list",
        "when mention and text contains any refund_words then escalate\n",
        """\
test.play:1:36: error: unknown list 'refund_words' (declare it with: list refund_words = "...", "...")
when mention and text contains any refund_words then escalate
                                   ^""",
    ),
    case(
        "unknown_list_in",
        "when mention and platform in social_platforms then escalate\n",
        """\
test.play:1:30: error: unknown list 'social_platforms' (declare it with: list social_platforms = "...", "...")
when mention and platform in social_platforms then escalate
                             ^""",
    ),
    case(
        "define_used_as_list",
        "define vip = author.verified = true\nwhen mention and text contains any vip then escalate\n",
        """\
test.play:2:36: error: 'vip' is a define, not a list (use it as a condition: ... and vip)
when mention and text contains any vip then escalate
                                   ^""",
    ),
    case(
        "list_used_as_condition",
        'list refund_words = "refund"\nwhen mention and refund_words then escalate\n',
        """\
test.play:2:18: error: 'refund_words' is a list, not a condition (as in text contains any refund_words)
when mention and refund_words then escalate
                 ^""",
    ),
    case(
        "define_twice",
        "define vip = author.verified = true\ndefine vip = author.followers > 10000\nwhen mention and vip then escalate\n",
        """\
test.play:2:8: error: 'vip' is defined twice (first at test.play:1)
define vip = author.followers > 10000
       ^""",
    ),
    case(
        "rule_name_twice",
        'rule "Thanks":\nwhen mention is praise then reply "Thank you!"\nrule "Thanks":\nwhen review is praise then reply "Thank you!"\n',
        """\
test.play:3:6: error: rule name 'Thanks' is used twice (first at test.play:1)
rule "Thanks":
     ^""",
    ),
    case(
        "two_time_conditions",
        'brand "@acme"\nwhen mention and unanswered 2h and at least 3 times within 1h then escalate\n',
        """\
test.play:2:36: error: a rule can have only one time condition (split it into two rules)
when mention and unanswered 2h and at least 3 times within 1h then escalate
                                   ^""",
    ),
    case(
        "time_condition_under_or",
        'brand "@acme"\nwhen mention or unanswered 2h then escalate\n',
        """\
test.play:2:17: error: a time condition must be joined to the rest of the condition with 'and' (it cannot sit under 'or' or 'not')
when mention or unanswered 2h then escalate
                ^""",
    ),
    case(
        "time_condition_under_not",
        'brand "@acme"\nwhen mention and not unanswered 2h then escalate\n',
        """\
test.play:2:22: error: a time condition must be joined to the rest of the condition with 'and' (it cannot sit under 'or' or 'not')
when mention and not unanswered 2h then escalate
                     ^""",
    ),
    case(
        "time_condition_in_define",
        'brand "@acme"\ndefine slow = unanswered 2h\nwhen mention and slow then escalate\n',
        """\
test.play:2:15: error: a time condition belongs in a rule, not in a define (move it to the rule's 'when')
define slow = unanswered 2h
              ^""",
    ),
    case(
        "define_cycle_self",
        "define angry = angry or sentiment < -0.5\nwhen mention and angry then escalate\n",
        """\
test.play:1:8: error: 'angry' is defined in terms of itself: angry → angry
define angry = angry or sentiment < -0.5
       ^""",
    ),
    case(
        "regex_back_reference",
        "when mention and text matches /(ha)\\1/ then hide\n",
        """\
test.play:1:31: error: invalid regular expression: invalid escape sequence in '\\1' (RE2 has no back-references)
when mention and text matches /(ha)\\1/ then hide
                              ^""",
    ),
    case(
        "regex_look_ahead",
        "when mention and text matches /(?=refund)re/ then hide\n",
        """\
test.play:1:31: error: invalid regular expression: invalid perl operator in '(?=' (RE2 has no look-arounds)
when mention and text matches /(?=refund)re/ then hide
                              ^""",
    ),
    case(
        "regex_possessive",
        "when mention and text matches /re+fund*+/ then hide\n",
        """\
test.play:1:31: error: invalid regular expression: bad repetition operator in '*+' (RE2 has no possessive repetition: drop the '+' after '*')
when mention and text matches /re+fund*+/ then hide
                              ^""",
    ),
    case(
        "regex_empty",
        "when mention and text matches // then hide\n",
        """\
test.play:1:31: error: a regular expression cannot be empty (write what to match between the slashes)
when mention and text matches // then hide
                              ^""",
    ),
    # RE2's raw 'missing ): (refund' is not plain words, and the RE2 hint about
    # back-references is beside the point for a missing ')'.
    case(
        "regex_not_closed_group",
        "when mention and text matches /(refund/ then escalate\n",
        """\
test.play:1:31: error: invalid regular expression: missing ')' in '(refund'
when mention and text matches /(refund/ then escalate
                              ^""",
    ),
    # The caret must be on the flag, not on the field before 'matches'.
    case(
        "regex_flag",
        "when mention and text matches /refund/x then escalate\n",
        """\
test.play:1:39: error: unknown regular expression flag 'x' (only /i (ignore case) is allowed)
when mention and text matches /refund/x then escalate
                                      ^""",
    ),
    case(
        "regex_no_closing_slash",
        "when mention and text matches /refund then escalate\n",
        """\
test.play:1:31: error: this regular expression has no closing '/'
when mention and text matches /refund then escalate
                              ^""",
    ),
    # RE2 is linear in the text, times the size of the compiled pattern: this one
    # took 33-40 s on a 1 MB post.
    case(
        "regex_too_large",
        "when mention and text matches /.{1000}x/ then escalate\n",
        """\
test.play:1:31: error: this regular expression is too large: it compiles to 8,005 steps, more than the 1,000 that keep a search fast on a long post (match many words with a list and 'contains any', and keep repeats such as .{1000} short)
when mention and text matches /.{1000}x/ then escalate
                              ^""",
    ),
    # Ignoring case makes each letter of a class two: 1,205 steps, where /[a-z]{200}q/ is 205.
    case(
        "regex_too_large_ignoring_case",
        "when mention and text matches /[a-z]{200}q/i then escalate\n",
        """\
test.play:1:31: error: this regular expression is too large: it compiles to 1,205 steps, more than the 1,000 that keep a search fast on a long post (match many words with a list and 'contains any', and keep repeats such as .{1000} short)
when mention and text matches /[a-z]{200}q/i then escalate
                              ^""",
    ),
    case(
        "priority_typo",
        "when mention then escalate priority hgh\n",
        """\
test.play:1:37: error: unknown priority 'hgh' (did you mean 'high'?)
when mention then escalate priority hgh
                                    ^""",
    ),
    case(
        "priority_unknown",
        "when mention then escalate priority critical\n",
        """\
test.play:1:37: error: unknown priority 'critical' (priorities are low, normal, high, urgent)
when mention then escalate priority critical
                                    ^""",
    ),
    case(
        "assign_without_target",
        "when mention then assign\n",
        """\
test.play:1:19: error: 'assign' needs a target (as in assign to "billing-team")
when mention then assign
                  ^""",
    ),
    case(
        "notify_without_target",
        "when mention then notify\n",
        """\
test.play:1:19: error: 'notify' needs a target (as in notify "#care-desk")
when mention then notify
                  ^""",
    ),
    case(
        "alert_without_target",
        'when mention then alert message "Crisis!"\n',
        """\
test.play:1:19: error: 'alert' needs a target (as in alert "#war-room")
when mention then alert message "Crisis!"
                  ^""",
    ),
    case(
        "tag_without_label",
        "when mention then tag\n",
        """\
test.play:1:19: error: 'tag' needs a label (as in tag "needs-follow-up")
when mention then tag
                  ^""",
    ),
    case(
        "reply_without_text",
        "when mention then reply\n",
        """\
test.play:1:19: error: 'reply' needs a text or a template (as in reply "Thank you!" or reply with template "thanks")
when mention then reply
                  ^""",
    ),
    # One mistake, one diagnostic: today two ('needs a target' and 'does not take a
    # text') for a target that is there but lacks 'to'.
    case(
        "assign_without_to",
        'when mention then assign "billing"\n',
        """\
test.play:1:26: error: 'assign' needs 'to' before its target (as in assign to "billing")
when mention then assign "billing"
                         ^""",
    ),
    # One mistake, one diagnostic, at the word that is wrong: today 'needs a target'
    # (there is one) plus 'does not take 'to'' under the target.
    case(
        "notify_with_to",
        'when mention then notify to "#care-desk"\n',
        """\
test.play:1:26: error: 'notify' does not take 'to' (write notify "#care-desk")
when mention then notify to "#care-desk"
                         ^""",
    ),
    # An unquoted channel name turns into a comment; say so, at the '#'.
    case(
        "notify_target_after_hash",
        "when mention then notify #vip-desk\n",
        """\
test.play:1:26: error: '#' starts a comment, so 'notify' has no target (put it in double quotes: notify "#vip-desk")
when mention then notify #vip-desk
                         ^""",
    ),
    # Today 'expected a statement' (we are inside an action); say what 'tag' needs,
    # as 'to' and 'message' already do.
    case(
        "tag_unquoted",
        "when mention then tag urgent\n",
        """\
test.play:1:23: error: expected a "quoted text" after 'tag', found 'urgent' (put text in double quotes: "urgent")
when mention then tag urgent
                      ^""",
    ),
    case(
        "escalate_to_unquoted",
        "when mention then escalate to care-leads\n",
        """\
test.play:1:31: error: expected a "quoted text" after 'to', found 'care-leads' (put text in double quotes: "care-leads")
when mention then escalate to care-leads
                              ^""",
    ),
    case(
        "hide_with_text",
        'when mention then hide "now"\n',
        """\
test.play:1:24: error: 'hide' does not take a text
when mention then hide "now"
                       ^""",
    ),
    case(
        "reply_text_and_template",
        'when mention then reply "Thanks!" with template "thanks"\n',
        """\
test.play:1:19: error: 'reply' takes a text or a template, not both
when mention then reply "Thanks!" with template "thanks"
                  ^""",
    ),
    case(
        "priority_twice",
        "when mention then escalate priority high priority low\n",
        """\
test.play:1:42: error: 'escalate' has a priority twice
when mention then escalate priority high priority low
                                         ^""",
    ),
    case(
        "number_field_with_text",
        'when mention and author.followers > "many" then escalate\n',
        """\
test.play:1:37: error: 'author.followers' holds a number; compare it with a number (as in author.followers > 3)
when mention and author.followers > "many" then escalate
                                    ^""",
    ),
    case(
        "boolean_field_with_text",
        'when mention and author.verified = "yes" then escalate\n',
        """\
test.play:1:36: error: 'author.verified' holds true or false; compare it with true or false (as in author.verified = true)
when mention and author.verified = "yes" then escalate
                                   ^""",
    ),
    case(
        "text_field_with_number",
        "when mention and platform = 5 then escalate\n",
        """\
test.play:1:29: error: 'platform' holds text; put the value in double quotes (as in platform = "5")
when mention and platform = 5 then escalate
                            ^""",
    ),
    case(
        "boolean_with_less_than",
        "when mention and author.verified < true then escalate\n",
        """\
test.play:1:36: error: true and false can only be compared with = or !=
when mention and author.verified < true then escalate
                                   ^""",
    ),
    case(
        "list_field_compared",
        'when mention and labels = "complaint" then escalate\n',
        """\
test.play:1:18: error: 'labels' holds a list; test it with 'contains' (as in labels contains "complaint")
when mention and labels = "complaint" then escalate
                 ^""",
    ),
    case(
        "object_field_compared",
        'when mention and author = "@jane" then escalate\n',
        """\
test.play:1:18: error: 'author' holds an object; compare one of its fields (such as author.followers)
when mention and author = "@jane" then escalate
                 ^""",
    ),
    case(
        "contains_on_a_number",
        'when review and rating contains "5" then escalate\n',
        """\
test.play:1:17: error: 'rating' holds a number; 'contains' works on text and lists
when review and rating contains "5" then escalate
                ^""",
    ),
    case(
        "in_with_wrong_type",
        'when mention and author.followers in (100, "many") then escalate\n',
        """\
test.play:1:44: error: 'author.followers' holds a number; compare it with a number (as in author.followers = 3)
when mention and author.followers in (100, "many") then escalate
                                           ^""",
    ),
    # The hint must not suggest `author.verified = "..."`, itself an error for a
    # true/false field.
    case(
        "field_without_test",
        "when mention and author.verified then escalate\n",
        """\
test.play:1:18: error: 'author.verified' is a field; a condition needs a test of it (as in author.verified exists, or author.verified = true)
when mention and author.verified then escalate
                 ^""",
    ),
    case(
        "is_after_a_field",
        "when author.handle is complaint then escalate\n",
        """\
test.play:1:6: error: 'author.handle' is a field; 'is' follows an event type, 'author' or 'event' (to compare the field, write author.handle = "...")
when author.handle is complaint then escalate
     ^""",
    ),
    # The hint's 'and NAME' reads a label as an event type; 'event is complaint'
    # is the form that works for defines and labels alike.
    case(
        "is_after_parentheses",
        "when (mention or comment) is complaint then escalate\n",
        """\
test.play:1:27: error: 'is' must follow a single event type, 'author' or 'event' (to test several types, write (mention or comment) and event is complaint)
when (mention or comment) is complaint then escalate
                          ^""",
    ),
    case(
        "missing_then",
        "when mention is complaint escalate\n",
        """\
test.play:1:27: error: expected 'then' after the condition, found 'escalate'
when mention is complaint escalate
                          ^""",
    ),
    case(
        "missing_condition",
        "when then escalate\n",
        """\
test.play:1:6: error: expected a condition after 'when', found 'then'
when then escalate
     ^""",
    ),
    # The caret sits on the blank after the first 'when', not on what is wrong.
    case(
        "when_twice",
        "when when mention then escalate\n",
        """\
test.play:1:6: error: expected a condition after 'when', found 'when'
when when mention then escalate
     ^""",
    ),
    case(
        "missing_action",
        "when mention then\n",
        """\
test.play:1:18: error: expected an action after 'then': escalate, assign, notify, alert, tag, reply, hide, mark or unmark
when mention then
                 ^""",
    ),
    case(
        "missing_action_after_and",
        "when mention then escalate and\n",
        """\
test.play:1:31: error: expected an action after 'and': escalate, assign, notify, alert, tag, reply, hide, mark or unmark
when mention then escalate and
                              ^""",
    ),
    case(
        "unquoted_value",
        "when mention and platform = twitter then escalate\n",
        """\
test.play:1:29: error: expected a value after '=': a number, a "quoted text", true or false, found 'twitter' (put text in double quotes: "twitter")
when mention and platform = twitter then escalate
                            ^""",
    ),
    # Today found ''twitter'' with no hint; single quotes are a common slip.
    case(
        "single_quoted_value",
        "when mention and platform = 'twitter' then escalate\n",
        """\
test.play:1:29: error: text goes in double quotes, not single quotes (write "twitter")
when mention and platform = 'twitter' then escalate
                            ^""",
    ),
    case(
        "double_equals",
        'when mention and platform == "twitter" then escalate\n',
        """\
test.play:1:28: error: use a single '=' to compare
when mention and platform == "twitter" then escalate
                           ^""",
    ),
    # Today: expected a value after '<', found '>', which suggests '<' was meant.
    case(
        "sql_not_equal",
        'when mention and platform <> "twitter" then escalate\n',
        """\
test.play:1:27: error: unknown comparison '<>' (did you mean '!='?)
when mention and platform <> "twitter" then escalate
                          ^""",
    ),
    case(
        "unclosed_string",
        'when mention and text contains "refund then escalate\n',
        """\
test.play:1:32: error: this text has no closing '"' (end it with " on the same line)
when mention and text contains "refund then escalate
                               ^""",
    ),
    case(
        "unclosed_parenthesis",
        "when (mention or comment then escalate\n",
        """\
test.play:1:26: error: expected ')' to close the '(', found 'then'
when (mention or comment then escalate
                         ^""",
    ),
    case(
        "contains_unquoted",
        "when mention and text contains refund then escalate\n",
        """\
test.play:1:32: error: expected a "quoted phrase", 'any' or 'all' after 'contains', found 'refund' (to use a list, write 'contains any refund')
when mention and text contains refund then escalate
                               ^""",
    ),
    case(
        "missing_colon_same_line",
        'rule "Thanks" when mention is praise then reply "Thank you!"\n',
        """\
test.play:1:15: error: expected ':' after the rule's name, found 'when'
rule "Thanks" when mention is praise then reply "Thank you!"
              ^""",
    ),
    case(
        "rule_name_unquoted",
        'rule Thanks:\nwhen mention is praise then reply "Thank you!"\n',
        """\
test.play:1:6: error: expected the rule's name in double quotes, found 'Thanks:' (as in rule "Thank advocates":)
rule Thanks:
     ^""",
    ),
    case(
        "rule_without_when",
        'rule "Thanks":\n',
        """\
test.play:1:15: error: expected 'when' after ':'
rule "Thanks":
              ^""",
    ),
    case(
        "duration_bad_unit",
        'brand "@acme"\nwhen mention and unanswered 2x then escalate\n',
        """\
test.play:2:29: error: expected a duration after 'unanswered', such as 2h, 90 minutes or 1h30m, found '2x' (a duration is a whole number and a unit: s, m, h, d, w, or seconds, minutes, hours, days, weeks)
when mention and unanswered 2x then escalate
                            ^""",
    ),
    # Today found '2': the number is fine, the unit is not.
    case(
        "duration_misspelled_unit",
        'brand "@acme"\nwhen mention and unanswered 2 hourz then escalate\n',
        """\
test.play:2:29: error: expected a duration after 'unanswered', such as 2h, 90 minutes or 1h30m, found '2 hourz' (a duration is a whole number and a unit: s, m, h, d, w, or seconds, minutes, hours, days, weeks)
when mention and unanswered 2 hourz then escalate
                            ^""",
    ),
    case(
        "duration_missing",
        'brand "@acme"\nwhen mention and unanswered then escalate\n',
        """\
test.play:2:29: error: expected a duration after 'unanswered', such as 2h, 90 minutes or 1h30m, found 'then'
when mention and unanswered then escalate
                            ^""",
    ),
    case(
        "duration_zero",
        'brand "@acme"\nwhen mention and unanswered 0h then escalate\n',
        """\
test.play:2:29: error: a duration must be longer than zero
when mention and unanswered 0h then escalate
                            ^""",
    ),
    case(
        "at_least_without_times",
        "when mention and at least 3 within 1h then escalate\n",
        """\
test.play:1:29: error: expected 'times within' after '3', found 'within' (as in at least 5 times within 10m)
when mention and at least 3 within 1h then escalate
                            ^""",
    ),
    case(
        "at_least_without_count",
        "when mention and at least many times within 1h then escalate\n",
        """\
test.play:1:27: error: expected a whole number after 'least', found 'many'
when mention and at least many times within 1h then escalate
                          ^""",
    ),
    case(
        "at_most_without_per",
        "when mention then escalate at most once 1d\n",
        """\
test.play:1:41: error: expected 'per' after 'once', found '1d' (as in at most once per 1d)
when mention then escalate at most once 1d
                                        ^""",
    ),
    # Today: expected 'then' after the condition, well after 'then'.
    case(
        "at_most_per_field_without_per",
        "when mention then escalate at most once per author 1d\n",
        """\
test.play:1:52: error: expected 'per' after 'author', found '1d' (as in at most once per author per 7d)
when mention then escalate at most once per author 1d
                                                   ^""",
    ),
    case(
        "at_most_zero",
        "when mention then escalate at most 0 per 1d\n",
        """\
test.play:1:28: error: 'at most 0' would stop every firing; use a count of 1 or more
when mention then escalate at most 0 per 1d
                           ^""",
    ),
    case(
        "garbage_statement",
        "hello world\n",
        """\
test.play:1:1: error: expected a statement: playbook, brand, list, define, schedule, rule or when, found 'hello'
hello world
^""",
    ),
    case(
        "garbage_symbols",
        "when mention then escalate\n}}}\n",
        """\
test.play:2:1: error: expected a statement: playbook, brand, list, define, schedule, rule or when, found '}}}'
}}}
^""",
    ),
    case(
        "uppercase_keyword",
        "When mention then escalate\n",
        """\
test.play:1:1: error: expected a statement: playbook, brand, list, define, schedule, rule or when, found 'When' (words of the language are written in lowercase: when)
When mention then escalate
^""",
    ),
    case(
        "uppercase_keyword_inside_a_rule",
        'when mention and text Contains "refund" then escalate\n',
        """\
test.play:1:23: error: expected 'then' after the condition, found 'Contains' (words of the language are written in lowercase: contains)
when mention and text Contains "refund" then escalate
                      ^""",
    ),
    case(
        "every_statement_begun_with_a_capital_is_reported",
        'brand "@acme"\nDefine angry = sentiment < -0.5\nRule "Calm": when mention and angry then escalate\n',
        """\
test.play:2:1: error: expected a statement: playbook, brand, list, define, schedule, rule or when, found 'Define' (words of the language are written in lowercase: define)
Define angry = sentiment < -0.5
^
test.play:3:1: error: expected a statement: playbook, brand, list, define, schedule, rule or when, found 'Rule' (words of the language are written in lowercase: rule)
Rule "Calm": when mention and angry then escalate
^""",
    ),
    case(
        "brand_unquoted",
        "brand @acme\n",
        """\
test.play:1:7: error: expected a "quoted text" after 'brand', found '@acme' (put text in double quotes: "@acme")
brand @acme
      ^""",
    ),
    case(
        "brand_empty",
        'brand ""\n',
        """\
test.play:1:7: error: a brand handle cannot be empty
brand ""
      ^""",
    ),
    case(
        "empty_phrase",
        'when mention and text contains "" then escalate\n',
        """\
test.play:1:32: error: a phrase cannot be empty
when mention and text contains "" then escalate
                               ^""",
    ),
    case(
        "empty_rule_name",
        'rule "":\nwhen mention then escalate\n',
        """\
test.play:1:6: error: a rule's name cannot be empty
rule "":
     ^""",
    ),
    # A broken define must not also give 'vip is neither a define ...'.
    case(
        "define_without_equals",
        "define vip author.verified = true\nwhen mention and vip then escalate\n",
        """\
test.play:1:12: error: expected '=' after the name 'vip', found 'author.verified'
define vip author.verified = true
           ^""",
    ),
    # One diagnostic: no 'unknown list' for the list declared (if broken) on line 1;
    # and the found text is '"refund"', not a lone '"'.
    case(
        "list_without_equals",
        'list refund_words "refund", "money back"\nwhen mention and text contains any refund_words then escalate\n',
        """\
test.play:1:19: error: expected '=' after the name 'refund_words', found '"refund"'
list refund_words "refund", "money back"
                  ^""",
    ),
    # Today found '"' (a lone quote) and no hint on the form.
    case(
        "in_without_parentheses",
        'when mention and platform in "twitter", "instagram" then escalate\n',
        """\
test.play:1:30: error: expected a list after 'in': a list's name or ("a", "b"), found '"twitter"' (as in platform in ("twitter", "instagram"))
when mention and platform in "twitter", "instagram" then escalate
                             ^""",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BROKEN)
def test_broken_playbook(text: str, expected: str) -> None:
    assert check_output(text) == expected


def test_the_spec_example_of_an_unknown_field() -> None:
    text = (
        'playbook "Customer care"\nbrand "@acme"\n'
        "define vip = author.verified = true\n\n\n"
        'rule "VIP complaints":\n'
        'when mention is complaint and author.folowers > 10 then notify "#vip"\n'
        "when mention is complaint and author is vip then escalate\n"
    )
    assert (
        check_output(text, path="care.play")
        == """\
care.play:7:31: error: unknown field 'author.folowers' (did you mean 'author.followers'?)
when mention is complaint and author.folowers > 10 then notify "#vip"
                              ^"""
    )


@pytest.mark.parametrize(
    "condition",
    [
        'campaign = "spring-sale"',
        'location.country = "FR"',
        "geo exists",
        'source.app in ("web", "ios")',
        "retweets > 100",
        'author.location = "Paris"',
    ],
)
def test_other_fields_are_kept_and_are_not_errors(condition: str) -> None:
    text = f'brand "@acme"\nwhen mention and {condition} then notify "#campaigns"\n'
    assert check_output(text) == ""
    ruleset = compile_sources({"test.play": text})
    assert len(ruleset.rules) == 1


# --- names across files ----------------------------------------------------------------


def test_a_name_defined_in_two_files() -> None:
    sources = {
        "playbooks/care.play": "define vip = author.verified = true\nwhen mention and vip then escalate\n",
        "playbooks/sales.play": "# sales\ndefine vip = author.followers > 10000\n",
    }
    with pytest.raises(PlaybookError) as caught:
        compile_sources(sources)
    assert (
        render_all(caught.value.diagnostics, caught.value.sources)
        == """\
playbooks/sales.play:2:8: error: 'vip' is defined twice (first at playbooks/care.play:1)
define vip = author.followers > 10000
       ^"""
    )


def test_a_rule_name_used_in_two_files() -> None:
    sources = {
        "care.play": 'rule "Thanks":\nwhen mention is praise then reply "Thank you!"\n',
        "reviews.play": '\n\nrule "Thanks": when review is praise then reply "Thank you!"\n',
    }
    with pytest.raises(PlaybookError) as caught:
        compile_sources(sources)
    assert (
        render_all(caught.value.diagnostics, caught.value.sources)
        == """\
reviews.play:3:6: error: rule name 'Thanks' is used twice (first at care.play:1)
rule "Thanks": when review is praise then reply "Thank you!"
     ^"""
    )


def test_unnamed_rules_with_the_same_file_name_and_line_in_two_folders() -> None:
    # Both rules are named 'care.play:1' (SPEC: FILE without folders), so the
    # names clash; the manager never wrote a name, so the message must say
    # where the name comes from and how to fix it.
    sources = {
        "twitter/care.play": "when mention is complaint then escalate\n",
        "instagram/care.play": "when comment is complaint then escalate\n",
    }
    with pytest.raises(PlaybookError) as caught:
        compile_sources(sources)
    assert (
        render_all(caught.value.diagnostics, caught.value.sources)
        == """\
instagram/care.play:1:1: error: this unnamed rule is named 'care.play:1' like the rule at twitter/care.play:1 (give one of them a name, as in rule "Escalate complaints":)
when comment is complaint then escalate
^"""
    )


# --- every problem is reported -----------------------------------------------------------

THREE_MISTAKES = """\
brand "@acme"
when mention and author.folowers > 10000 then notify "#vip"
when comment then
when review and rating <= 2 then escalte to "reviews-team"
"""


def test_every_problem_is_reported_in_line_order() -> None:
    assert diagnostics_of({"care.play": THREE_MISTAKES}) == [
        ("care.play", 2, 18, "error", "unknown field 'author.folowers' (did you mean 'author.followers'?)"),
        (
            "care.play",
            3,
            18,
            "error",
            "expected an action after 'then': escalate, assign, notify, alert, tag, reply, hide, mark or unmark",
        ),
        ("care.play", 4, 34, "error", "unknown action 'escalte' (did you mean 'escalate'?)"),
    ]
    assert (
        check_output(THREE_MISTAKES, path="care.play")
        == """\
care.play:2:18: error: unknown field 'author.folowers' (did you mean 'author.followers'?)
when mention and author.folowers > 10000 then notify "#vip"
                 ^
care.play:3:18: error: expected an action after 'then': escalate, assign, notify, alert, tag, reply, hide, mark or unmark
when comment then
                 ^
care.play:4:34: error: unknown action 'escalte' (did you mean 'escalate'?)
when review and rating <= 2 then escalte to "reviews-team"
                                 ^"""
    )


def test_several_parse_errors_and_check_errors_mixed() -> None:
    text = """\
list refund_words = "refund", "money back"
when mention and platform = twitter then escalate
define angry = sentiment < -0.5
when mention and angry and text contains any refund_wrds then escalate
rule "Thanks" when mention is praise then reply "Thank you!"
when review and rating < "3" then tag "bad-review"
when comment then hide "now"
"""
    assert diagnostics_of({"care.play": text}) == [
        ("care.play", 1, 6, "warning", "list 'refund_words' is not used by any rule"),
        (
            "care.play",
            2,
            29,
            "error",
            "expected a value after '=': a number, a \"quoted text\", true or false, found 'twitter' "
            '(put text in double quotes: "twitter")',
        ),
        ("care.play", 4, 46, "error", "unknown list 'refund_wrds' (did you mean 'refund_words'?)"),
        ("care.play", 5, 15, "error", "expected ':' after the rule's name, found 'when'"),
        ("care.play", 6, 26, "error", "'rating' holds a number; compare it with a number (as in rating < 3)"),
        ("care.play", 7, 24, "error", "'hide' does not take a text"),
    ]


def test_problems_in_several_files_are_all_reported_sorted_by_file() -> None:
    sources = {
        "b.play": "when mention then escalte\n",
        "a.play": 'brand "@acme"\nwhen mention and author.handel = "@x" then hide\n',
        "c/d.play": "when comment then\n",
    }
    assert [d[:3] for d in diagnostics_of(sources)] == [
        ("a.play", 2, 18),
        ("b.play", 1, 19),
        ("c/d.play", 1, 18),
    ]


def test_the_same_mistake_twice_is_reported_twice() -> None:
    text = 'when mention then escalte\nwhen comment then escalte to "x"\n'
    assert [d[1:3] for d in diagnostics_of({"t.play": text})] == [(1, 19), (2, 19)]


# --- time conditions joined with `and` ------------------------------------------------------


def test_a_time_condition_in_parentheses_joined_with_and_is_valid() -> None:
    # `A and (B and C)` is `A and B and C`: the time condition is joined to the
    # rest with 'and', so nothing here sits under 'or' or 'not'.
    text = (
        'brand "@acme"\n'
        "when (mention or comment) and (unanswered 2h and author.verified = true) then escalate\n"
    )
    assert check_output(text) == ""
    assert len(compile_sources({"test.play": text}).rules) == 1


def test_two_time_conditions_inside_parentheses() -> None:
    text = 'brand "@acme"\nwhen mention and (unanswered 2h and unanswered 3h) then escalate\n'
    assert (
        check_output(text)
        == """\
test.play:2:37: error: a rule can have only one time condition (split it into two rules)
when mention and (unanswered 2h and unanswered 3h) then escalate
                                    ^"""
    )


# --- warnings do not make a playbook invalid ---------------------------------------------------

WARNINGS = """\
brand "@acme"
list swear_words = "darn", "heck"
define vip = author.followers >= 10000
when mention is complant then tag "complaint"
when mentoin then tag "seen"
when review is not spamm then tag "read"
"""


def outcome_of(load: Any, sources: dict[str, str]) -> tuple[Any, ...]:
    try:
        loaded = load(sources)
    except PlaybookError as exc:
        return ("invalid", exc.diagnostics)
    count = loaded.rule_count if hasattr(loaded, "rule_count") else len(loaded.rules)
    return ("valid", list(loaded.warnings), count)


@pytest.mark.parametrize("text", [param.values[0] for param in BROKEN] + [WARNINGS, SPEC_SAMPLE])
def test_compiling_finds_no_problem_that_checking_does_not(text: str) -> None:
    # `playbook check` stops after checking; what runs the rules also compiles them.
    sources = {"care.play": text}
    assert outcome_of(check_sources, sources) == outcome_of(compile_sources, sources)


def test_shipped_playbooks_check_as_they_compile() -> None:
    root = Path(__file__).resolve().parent.parent
    sources = {str(p): p.read_text(encoding="utf-8") for p in sorted(root.glob("playbooks/*.play"))}
    checked = outcome_of(check_sources, sources)
    assert checked[0] == "valid" and checked[2] > 10
    assert checked == outcome_of(compile_sources, sources)


def test_warnings_leave_the_rule_set_valid() -> None:
    ruleset = compile_sources({"care.play": WARNINGS})
    assert len(ruleset.rules) == 3
    assert all(w.severity is Severity.WARNING for w in ruleset.warnings)
    assert [(w.pos.line, w.pos.column, w.text) for w in ruleset.warnings] == [
        (2, 6, "list 'swear_words' is not used by any rule"),
        (3, 8, "define 'vip' is not used by any rule"),
        (
            4,
            17,
            "'complant' is neither a define nor a known label; it matches events labelled 'complant' "
            "(did you mean 'complaint'?)",
        ),
        (
            5,
            6,
            "'mentoin' is neither a define nor a known event type; it is taken as the event type "
            "'mentoin' (did you mean 'mention'?)",
        ),
        (
            6,
            20,
            "'spamm' is neither a define nor a known label; it matches events labelled 'spamm' "
            "(did you mean 'spam'?)",
        ),
    ]


def test_defines_and_lists_used_only_by_unused_defines_are_not_used_by_any_rule() -> None:
    text = (
        'list unused_words = "a"\nlist used_words = "b"\n'
        "define only_in_unused = text contains any unused_words\ndefine unused = only_in_unused\n"
        "define used_inside = text contains any used_words\ndefine used = used_inside or rating < 2\n"
        'when mention and used then tag "x"\n'
    )
    ruleset = compile_sources({"care.play": text})
    assert [(w.pos.line, w.text) for w in ruleset.warnings] == [
        (1, "list 'unused_words' is not used by any rule"),
        (3, "define 'only_in_unused' is not used by any rule"),
        (4, "define 'unused' is not used by any rule"),
    ]


def test_a_known_label_in_capitals_gives_no_warning() -> None:
    assert check_output("when review is SPAM then hide\nwhen mention is Complaint then escalate\n") == ""


def test_a_category_near_a_define_suggests_the_define() -> None:
    text = "define angry = sentiment < -0.5\nwhen mention is angyr then escalate\nwhen comment is angry then hide\n"
    assert (
        check_output(text)
        == """\
test.play:2:17: warning: 'angyr' is neither a define nor a known label; it matches events labelled 'angyr' (did you mean 'angry'?)
when mention is angyr then escalate
                ^"""
    )


def test_an_unknown_label_far_from_any_name_warns_without_a_suggestion() -> None:
    text = "when mention is giveaway_entry then hide\n"
    assert (
        check_output(text)
        == """\
test.play:1:17: warning: 'giveaway_entry' is neither a define nor a known label; it matches events labelled 'giveaway_entry'
when mention is giveaway_entry then hide
                ^"""
    )
    compile_sources({"test.play": text})


def test_a_word_that_is_neither_a_define_nor_a_known_type() -> None:
    text = "define vip = author.verified = true\nwhen viq then escalate\nwhen vip then hide\n"
    assert (
        check_output(text)
        == """\
test.play:2:6: warning: 'viq' is neither a define nor a known event type; it is taken as the event type 'viq' (did you mean 'vip'?)
when viq then escalate
     ^"""
    )


def test_a_used_define_and_list_give_no_warning() -> None:
    text = (
        'brand "@acme"\nlist refund_words = "refund"\n'
        "define complaint = text contains any refund_words\n"
        "when mention is complaint then escalate\n"
    )
    assert check_output(text) == ""


# --- valid playbooks ------------------------------------------------------------------------------


def test_the_spec_acceptance_case_is_valid() -> None:
    ruleset = compile_sources({"care.play": SPEC_ACCEPTANCE})
    assert [r.name for r in ruleset.rules] == ["care.play:1"]
    assert not any(d.is_error for d in ruleset.warnings)


def test_the_spec_acceptance_case_passes_playbook_check(tmp_path: Path) -> None:
    (tmp_path / "care.play").write_text(SPEC_ACCEPTANCE, encoding="utf-8")
    result = playbook_check("care.play", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "error:" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith("ok: 1 rule in 1 file")


def test_the_spec_sample_playbook_is_valid() -> None:
    text = SPEC_SAMPLE
    assert check_output(text, path="care.play") == ""


def test_an_empty_file_is_valid(tmp_path: Path) -> None:
    assert check_output("") == ""
    assert check_output("# to do\n") == ""
    (tmp_path / "empty.play").write_text("", encoding="utf-8")
    assert playbook_check("empty.play", cwd=tmp_path).returncode == 0


def test_a_file_saved_with_a_byte_order_mark_is_valid(tmp_path: Path) -> None:
    # Windows Notepad saves UTF-8 with a BOM; today the invisible U+FEFF makes
    # the first word unknown and the error reads "found 'when'".
    (tmp_path / "care.play").write_bytes(b"\xef\xbb\xbf" + SPEC_ACCEPTANCE.encode())
    result = playbook_check("care.play", cwd=tmp_path)
    assert "error:" not in result.stderr
    assert result.returncode == 0


def test_a_file_that_is_not_utf8_is_pointed_at_its_first_bad_byte(tmp_path: Path) -> None:
    (tmp_path / "latin.play").write_bytes(
        'brand "@acme"\nwhen mention and text contains "café" then tag "x"\n'.encode("latin-1")
    )
    result = playbook_check("latin.play", cwd=tmp_path)
    assert result.returncode == 1
    assert (
        result.stderr
        == """\
latin.play:2:36: error: this file is not UTF-8 text (byte 0xe9) (save it as UTF-8)
when mention and text contains "caf\ufffd" then tag "x"
                                   ^
1 error, 0 warnings
"""
    )


def test_windows_line_endings(tmp_path: Path) -> None:
    text = 'brand "@acme"\r\nwhen mention and\r\n  author.folowers > 10 then escalate\r\n'
    assert (
        check_output(text)
        == """\
test.play:3:3: error: unknown field 'author.folowers' (did you mean 'author.followers'?)
  author.folowers > 10 then escalate
  ^"""
    )


def test_playbook_check_exit_codes_and_stderr(tmp_path: Path) -> None:
    (tmp_path / "bad.play").write_text("when mention then escalte\n", encoding="utf-8")
    result = playbook_check("bad.play", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert (
        result.stderr
        == """\
bad.play:1:19: error: unknown action 'escalte' (did you mean 'escalate'?)
when mention then escalte
                  ^
1 error, 0 warnings
"""
    )


def test_a_two_thousand_word_alternation_is_refused_and_a_list_is_suggested() -> None:
    letters = random.Random(5)
    words = "|".join("".join(letters.choices(string.ascii_lowercase, k=6)) for _ in range(2_000))
    first = check_output(f'when mention and text matches /{words}/ then tag "w"\n').splitlines()[0]
    assert first.startswith("test.play:1:31: error: this regular expression is too large: it compiles to 11,")
    assert first.endswith(
        "(match many words with a list and 'contains any', and keep repeats such as .{1000} short)"
    )


def test_regular_expressions_as_managers_write_them_are_not_too_large() -> None:
    products = "|".join(
        f"acme {name}" for name in ("x2", "buds", "home", "pro", "hub", "mini", "max", "go") * 6
    )
    text = f"""\
brand "@acme"
when mention and text matches /order #?\\d{{5}}/ then tag "order"
when mention and text matches /\\b(refund|money back|chargeback)\\b/i then tag "refund"
when mention and text matches /({products})/i then tag "product"
"""
    assert check_output(text) == ""


# --- golden cases: tests/cases/NAME.play → NAME.err, through the real command line -----------------

GOLDEN = sorted(p.stem for p in CASES_DIR.glob("*.play"))


def test_golden_cases_are_paired() -> None:
    assert len(GOLDEN) >= 8
    assert sorted(p.stem for p in CASES_DIR.glob("*.err")) == GOLDEN


@pytest.mark.parametrize("name", GOLDEN)
def test_golden_case(name: str) -> None:
    expected = (CASES_DIR / f"{name}.err").read_text(encoding="utf-8")
    result = playbook_check(f"{name}.play", cwd=CASES_DIR)
    *diagnostics, count = result.stderr.splitlines(keepends=True)
    assert "".join(diagnostics) == expected
    invalid = any(": error: " in line for line in expected.splitlines())
    assert result.returncode == (1 if invalid else 0)
    assert count.startswith("ok: ") != invalid
    assert result.stdout == ""


def test_loading_leaves_the_cycle_collector_as_it_found_it() -> None:
    import gc

    from playbook.language.diagnostics import PlaybookError

    assert gc.isenabled()
    compile_sources({"ok.play": 'when mention then tag "x"\n'})
    assert gc.isenabled()
    with pytest.raises(PlaybookError):
        compile_sources({"bad.play": 'when mention then notfy "x"\n'})
    assert gc.isenabled()


def test_a_capitalised_event_type_is_taken_in_lowercase_and_the_warning_says_so() -> None:
    assert check_output('when Mention then tag "x"\n') == (
        "test.play:1:6: warning: 'Mention' is taken as the event type 'mention' "
        "(event types are written in lowercase: mention)\n"
        'when Mention then tag "x"\n'
        "     ^"
    )


@pytest.mark.parametrize(
    ("written", "hint"),
    [('"2"', "rating <= 2"), ('"4.5"', "rating <= 4.5"), ('"high"', "rating <= 3"), ('"nan"', "rating <= 3")],
)
def test_a_number_in_quotes_is_suggested_without_them(written: str, hint: str) -> None:
    first = check_output(f'when review and rating <= {written} then tag "x"\n').splitlines()[0]
    assert first.endswith(f"compare it with a number (as in {hint})")


def nested(levels: int, inner: str = "mention") -> str:
    """A condition of `levels` levels of and, or and not around `inner`, true exactly when `inner` is
    (for an event with followers)."""
    condition, depth, step = inner, 0, 1
    while depth < levels:
        if step % 3 == 2 and levels - depth >= 3:
            condition, depth = f"not (author.followers < 0 or not {condition})", depth + 3
        elif step % 3 == 1:
            condition, depth = f"(author.followers > -1 and {condition})", depth + 1
        else:
            condition, depth = f'(text contains "w{step}" and author.followers < 0 or {condition})', depth + 1
        step += 1
    return condition


def levels_of(condition: str) -> int:
    from playbook.language.nesting import extent
    from playbook.language.syntax import parse_text

    parsed, problems = parse_text(f"when {condition} then hide\n", "x.play")
    assert not problems
    return extent(parsed.statements[0].condition, {}).levels  # type: ignore[attr-defined]


@pytest.mark.parametrize("levels", [MAX_LEVELS - 1, MAX_LEVELS])
def test_a_condition_nested_to_the_limit_is_read_and_holds(levels: int) -> None:
    # Unnamed, so that its text is written out again to name its state.
    condition = f"{nested(levels - 1)} and unanswered 1h"
    assert levels_of(condition) == levels
    ruleset = compile_sources({"deep.play": f'brand "@acme"\nwhen {condition} then hide\n'})
    rule = ruleset.rules[0]
    assert rule.condition(event(type="mention", author={"followers": 3})) is True
    assert rule.condition(event(type="comment", author={"followers": 3})) is False


@pytest.mark.parametrize(
    ("form", "levels_each"),
    [
        ("define d{i} = d{j} and author.followers > -1", 1),
        ("define d{i} = mention is d{j}", 1),
        ('define d{i} = not (d{j} or text contains "x")', 2),  # an even count of nots
    ],
)
def test_defines_nested_in_defines_to_the_limit_are_read_and_hold(form: str, levels_each: int) -> None:
    count = MAX_LEVELS // levels_each
    lines = [form.format(i=i, j=i + 1) for i in range(count)] + [
        f"define d{count} = mention",
        "when d0 then hide",
    ]
    ruleset = compile_sources({"deep.play": "\n".join(lines) + "\n"})
    assert ruleset.rules[0].condition(event(type="mention", author={"followers": 3})) is True
    assert ruleset.rules[0].condition(event(type="comment", author={"followers": 3})) is False


@pytest.mark.parametrize("order", ["abc", "acb", "bac", "bca", "cab", "cba"])
def test_a_define_named_twice_counts_its_deepest_use_whatever_the_order(order: str) -> None:
    written = {
        "a": "define a = c and b",
        "b": f"define b = {nested(MAX_LEVELS - 1)}",
        "c": "define c = mention and b",
    }
    text = "\n".join(written[name] for name in order) + "\nwhen a then hide\n"
    with pytest.raises(PlaybookError) as raised:
        check_sources({"deep.play": text})
    # Reported where it first goes too deep, not again at the rule that uses it.
    assert [(d.pos.line, d.message) for d in raised.value.diagnostics] == [(order.index("a") + 1, TOO_DEEP)]


def test_a_define_counts_its_levels_where_it_is_used() -> None:
    half = MAX_LEVELS // 2 + 1
    text = f"define inner = {nested(half)}\ndefine outer = {nested(half, 'inner')}\nwhen outer then hide\n"
    with pytest.raises(PlaybookError) as raised:
        compile_sources({"deep.play": text})
    assert [(d.pos.line, d.message) for d in raised.value.diagnostics] == [(2, TOO_DEEP)]


def test_defines_used_twice_in_each_other_grow_too_large_and_are_refused_at_once() -> None:
    # Written out, d0 would have 2 ** 60 parts: measured define by define, it is refused at once.
    lines = [f"define d{i} = d{i + 1} or d{i + 1}" for i in range(60)] + [
        "define d60 = mention",
        "when d0 then hide",
    ]
    with pytest.raises(PlaybookError) as raised:
        check_sources({"wide.play": "\n".join(lines) + "\n"})
    # d47 is the first with more than 10,000 parts (2 ** 13 mentions and the ors between them).
    assert [(d.pos.line, d.message) for d in raised.value.diagnostics] == [(48, TOO_LARGE)]


def test_a_cycle_among_defines_used_many_times_is_found_at_once() -> None:
    lines = [f"define d{i} = d{i + 1} or d{i + 1}" for i in range(40)] + [
        "define d40 = d0",
        "when d0 then hide",
    ]
    with pytest.raises(PlaybookError) as raised:
        check_sources({"loop.play": "\n".join(lines) + "\n"})
    assert [(d.pos.line, d.message.split(":")[0]) for d in raised.value.diagnostics] == [
        (1, "'d0' is defined in terms of itself"),
    ]


def test_a_condition_nested_beyond_reading_is_an_error_on_its_rule(tmp_path: Path) -> None:
    nested = "mention"
    for i in range(400):
        nested = f'(text contains "w{i}" or ({nested} and author.followers > {i}))'
    (tmp_path / "deep.play").write_text(
        f'when mention then hide\nrule "deep": when {nested} then hide\n', encoding="utf-8"
    )
    result = playbook_check("deep.play", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"deep.play:2:1: error: {TOO_DEEP}" in result.stdout + result.stderr


@pytest.mark.parametrize("levels", [MAX_LEVELS + 1, 5 * MAX_LEVELS])
def test_a_condition_nested_past_the_limit_is_an_error_on_its_rule(levels: int) -> None:
    text = f'when mention then hide\n\nrule "deep":\n  when {nested(levels)} then hide\n'
    with pytest.raises(PlaybookError) as raised:
        check_sources({"deep.play": text})
    assert [(d.pos.line, d.pos.column, d.message) for d in raised.value.diagnostics] == [(3, 1, TOO_DEEP)]
