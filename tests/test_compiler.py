"""How every condition form evaluates on events (SPEC sections 1 and 2): truth
tables over compiled rules, plus `{field}` filling in action texts.

Each case compiles `when <condition> then hide` (after optional `brand`, `list`
and `define` statements) and evaluates the rule's condition on one event."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import event, ruleset_from, run


def holds(condition: str, fields: dict[str, Any], prelude: str = "") -> bool:
    """Whether `condition` (after `prelude`'s brand/list/define statements) holds on an event."""
    ruleset = ruleset_from(f"{prelude}\nwhen {condition} then hide\n")
    result = ruleset.rules[0].condition(event(**fields))
    assert isinstance(result, bool)
    return result


JANE = {"handle": "@jane", "followers": 1200, "verified": True, "tags": ["press"]}

# --- comparisons -------------------------------------------------------------------

NUMBERS = [
    # (condition, fields, expected)
    ("author.followers > 1000", {"author": JANE}, True),
    ("author.followers > 1200", {"author": JANE}, False),
    ("author.followers >= 1200", {"author": JANE}, True),
    ("author.followers >= 1201", {"author": JANE}, False),
    ("author.followers < 1200", {"author": JANE}, False),
    ("author.followers < 1201", {"author": JANE}, True),
    ("author.followers <= 1200", {"author": JANE}, True),
    ("author.followers <= 1199", {"author": JANE}, False),
    ("author.followers = 1200", {"author": JANE}, True),
    ("author.followers = 1201", {"author": JANE}, False),
    ("author.followers != 1200", {"author": JANE}, False),
    ("author.followers != 1201", {"author": JANE}, True),
    ("author.followers = 1200", {"author": {"followers": 1200.0}}, True),  # 1200.0 is 1200
    ("author.followers >= 10000", {"author": {"followers": 0}}, False),
    ("author.followers > -1", {"author": {"followers": 0}}, True),
    ("rating = 4.5", {"rating": 4.5}, True),
    ("rating = 4.5", {"rating": 4}, False),
    ("rating > 4.5", {"rating": 5}, True),
    ("rating > 4.5", {"rating": 4.5}, False),
    ("rating >= 4.5", {"rating": 4.5}, True),
    ("rating < 2.5", {"rating": 2}, True),
    ("rating <= 2", {"rating": 2.0}, True),
    ("rating != 4.5", {"rating": 3}, True),
    ("sentiment < -0.5", {"sentiment": -0.8}, True),
    ("sentiment < -0.5", {"sentiment": -0.5}, False),
    ("sentiment <= -0.5", {"sentiment": -0.5}, True),
    ("sentiment < -0.5", {"sentiment": 0.9}, False),
    ("sentiment > -0.5", {"sentiment": -0.2}, True),
    ("sentiment >= 0", {"sentiment": 0}, True),
    ("sentiment = -1", {"sentiment": -1}, True),
    ("sentiment = -1", {"sentiment": -1.0}, True),
    ("sentiment != -1", {"sentiment": 1}, True),
    ("score > +3", {"score": 4}, True),
    ("score > .5", {"score": 0.6}, True),
    ("score = 0", {"score": 0}, True),
    ("score = 0", {"score": False}, False),  # false is not the number 0
    ("score = 1", {"score": True}, False),  # true is not the number 1
    ("score > 0", {"score": True}, False),
    ("sentiment<-0.5", {"sentiment": -0.9}, True),  # no spaces needed
    ("rating>=4.5", {"rating": 5}, True),
]


@pytest.mark.parametrize(("condition", "fields", "expected"), NUMBERS)
def test_number_comparisons(condition: str, fields: dict[str, Any], expected: bool) -> None:
    assert holds(condition, fields) is expected


STRINGS = [
    ('platform = "Twitter"', {"platform": "twitter"}, True),
    ('platform = "twitter"', {"platform": "TWITTER"}, True),
    ('platform = "twitter"', {"platform": "twitter "}, False),
    ('platform = "twitter"', {"platform": "twitterx"}, False),
    ('platform = "twitter"', {"platform": "instagram"}, False),
    ('platform != "Twitter"', {"platform": "twitter"}, False),
    ('platform != "twitter"', {"platform": "Instagram"}, True),
    ('author.handle = "@Jane"', {"author": JANE}, True),
    ('author.handle != "@JANE"', {"author": JANE}, False),
    ('author.name = "Élodie"', {"author": {"name": "ÉLODIE"}}, True),
    ('campaign = "blackfriday"', {"campaign": "BlackFriday"}, True),
    ('campaign = "blackfriday"', {"campaign": "black friday"}, False),
    ('type = "Mention"', {"type": "mention"}, True),
    ('id = "E1"', {"id": "e1"}, True),
    ('text = ""', {"text": ""}, True),
    ('text = ""', {"text": "x"}, False),
]


@pytest.mark.parametrize(("condition", "fields", "expected"), STRINGS)
def test_string_comparisons_ignore_case(condition: str, fields: dict[str, Any], expected: bool) -> None:
    assert holds(condition, fields) is expected


BOOLEANS = [
    ("author.verified = true", {"author": {"verified": True}}, True),
    ("author.verified = true", {"author": {"verified": False}}, False),
    ("author.verified = false", {"author": {"verified": False}}, True),
    ("author.verified = false", {"author": {"verified": True}}, False),
    ("author.verified != true", {"author": {"verified": False}}, True),
    ("author.verified != true", {"author": {"verified": True}}, False),
    ("author.verified != false", {"author": {"verified": True}}, True),
    ("author.verified = true", {"author": {"verified": "true"}}, False),  # a string is not a boolean
    ("author.verified = true", {"author": {"verified": 1}}, False),  # nor is a number
    ("author.verified = false", {"author": {"verified": 0}}, False),
    ("author.verified = false", {"author": {"verified": ""}}, False),
    ("flagged = true", {"flagged": True}, True),
    ("flagged = false", {"flagged": False}, True),
]


@pytest.mark.parametrize(("condition", "fields", "expected"), BOOLEANS)
def test_boolean_comparisons(condition: str, fields: dict[str, Any], expected: bool) -> None:
    assert holds(condition, fields) is expected


TYPE_MISMATCH = [
    # a value of another type than the literal's is not equal to it
    ("rating = 4", {"rating": "4"}),
    ("score = 5", {"score": "5"}),
    ("score = 5", {"score": [5]}),
    ("score = 5", {"score": {"value": 5}}),
    ('campaign = "5"', {"campaign": 5}),
    ('campaign = "true"', {"campaign": True}),
    ('campaign = "x"', {"campaign": ["x"]}),
    ("rating > 3", {"rating": "5"}),
    ("rating < 3", {"rating": "1"}),
    ('campaign > "a"', {"campaign": 5}),
]


@pytest.mark.parametrize(("condition", "fields"), TYPE_MISMATCH)
def test_a_value_of_another_type_does_not_compare(condition: str, fields: dict[str, Any]) -> None:
    assert holds(condition, fields) is False


COMPARISONS = [
    "author.followers = 10",
    "author.followers != 10",
    "author.followers < 10",
    "author.followers <= 10",
    "author.followers > 10",
    "author.followers >= 10",
    "author.verified = true",
    "author.verified != false",
    'author.handle = "@jane"',
    'author.handle != "@jane"',
    'platform != "twitter"',
    "rating != 3",
]

MISSING = {
    "no author": {},
    "author null": {"author": None},
    "author without the field": {"author": {"id": "u1"}},
    "fields null": {
        "author": {"followers": None, "verified": None, "handle": None},
        "platform": None,
        "rating": None,
    },
}


@pytest.mark.parametrize("condition", COMPARISONS)
@pytest.mark.parametrize("fields", list(MISSING.values()), ids=list(MISSING))
def test_a_comparison_that_reads_a_missing_field_is_false(condition: str, fields: dict[str, Any]) -> None:
    assert holds(condition, fields) is False
    assert holds(f"not {condition}", fields) is True


def test_not_of_a_comparison_holds_with_no_author() -> None:
    assert holds("not author.followers > 10", {}) is True
    assert holds("not author.followers > 10", {"author": {"followers": 5}}) is True
    assert holds("not author.followers > 10", {"author": {"followers": 50}}) is False


# --- in ----------------------------------------------------------------------------

IN = [
    ('platform in ("twitter", "instagram")', {"platform": "twitter"}, True),
    ('platform in ("Twitter", "Instagram")', {"platform": "INSTAGRAM"}, True),
    ('platform in ("twitter", "instagram")', {"platform": "facebook"}, False),
    ('platform in ("twitter", "instagram")', {"platform": "twitter.com"}, False),  # equality, not substring
    ('platform in ("twitter", "instagram")', {}, False),
    ('platform in ("twitter", "instagram")', {"platform": None}, False),
    ('not platform in ("twitter", "instagram")', {}, True),
    ('platform in ("twitter")', {"platform": "Twitter"}, True),
    ("platform in networks", {"platform": "Instagram"}, True),
    ("platform in networks", {"platform": "tiktok"}, False),
    ("platform in networks", {}, False),
    ("rating in (1, 2)", {"rating": 1}, True),
    ("rating in (1, 2)", {"rating": 2.0}, True),
    ("rating in (1, 2)", {"rating": 3}, False),
    ("rating in (1, 2)", {"rating": 1.5}, False),
    ("rating in (1, 2)", {"rating": "1"}, False),
    ("rating in (1, 2)", {"rating": True}, False),
    ("rating in (1, 2)", {}, False),
    ("rating in (4.5, 5)", {"rating": 4.5}, True),
    ("sentiment in (-1, 1)", {"sentiment": -1}, True),
    ('author.handle in ("@jane", "@joe")', {"author": {"handle": "@JOE"}}, True),
    ('author.handle in ("@jane", "@joe")', {"author": "@joe"}, False),
    ('campaign in ("5")', {"campaign": 5}, False),
    ("author.verified in (true)", {"author": {"verified": True}}, True),
    ("author.verified in (true)", {"author": {"verified": 1}}, False),
]


@pytest.mark.parametrize(("condition", "fields", "expected"), IN)
def test_in(condition: str, fields: dict[str, Any], expected: bool) -> None:
    assert holds(condition, fields, prelude='list networks = "Twitter", "instagram"') is expected


# --- exists ---------------------------------------------------------------------------

EXISTS = [
    ("author.followers exists", {"author": {"followers": 0}}, True),
    ("author.followers exists", {"author": {"followers": 5}}, True),
    ("author.followers exists", {"author": {"followers": None}}, False),
    ("author.followers exists", {"author": {}}, False),
    ("author.followers exists", {}, False),
    ("author.followers exists", {"author": 7}, False),
    ("author.verified exists", {"author": {"verified": False}}, True),
    ("author exists", {"author": {}}, True),
    ("author exists", {"author": None}, False),
    ("text exists", {"text": ""}, True),
    ("text exists", {}, False),
    ("labels exists", {"labels": []}, True),
    ("rating exists", {"rating": 0}, True),
    ("campaign exists", {"campaign": "x"}, True),
    ("campaign exists", {"campaign": None}, False),
    ("location.country exists", {"location": {"country": "DE"}}, True),
    ("location.country exists", {"location": "DE"}, False),
    ("not author.followers exists", {}, True),
]


@pytest.mark.parametrize(("condition", "fields", "expected"), EXISTS)
def test_exists(condition: str, fields: dict[str, Any], expected: bool) -> None:
    assert holds(condition, fields) is expected


# --- matches --------------------------------------------------------------------------

MATCHES = [
    ("text matches /Refund/", {"text": "a Refund please"}, True),  # search, not a full match
    ("text matches /Refund/", {"text": "a refund please"}, False),  # case-sensitive
    ("text matches /Refund/", {"text": "REFUND"}, False),
    ("text matches /Refund/i", {"text": "REFUND"}, True),
    ("text matches /refund/i", {"text": "Refunds please"}, True),  # no word boundaries
    ("text matches /^refund$/", {"text": "refund"}, True),
    ("text matches /^refund$/", {"text": "refund please"}, False),
    ("text matches /^refund/", {"text": "my refund"}, False),
    ("text matches /order #?\\d{5}/", {"text": "where is order #12345?"}, True),
    ("text matches /order #?\\d{5}/", {"text": "where is order 1234?"}, False),
    ("text matches /a\\/b/", {"text": "see a/b here"}, True),
    ("text matches /a\\/b/", {"text": "see ab here"}, False),
    ("text matches /https?:\\/\\/acme\\.com/", {"text": "go to https://acme.com/help"}, True),
    ("text matches /https?:\\/\\/acme\\.com/", {"text": "go to https://acmeXcom"}, False),
    ("text matches /écran/i", {"text": "ÉCRAN cassé"}, True),
    ("text matches /refund/", {}, False),
    ("text matches /refund/", {"text": None}, False),
    ("text matches /.*/", {}, False),
    ("not text matches /refund/", {}, True),
    ("labels matches /^comp/", {"labels": ["urgent", "complaint"]}, True),  # any element
    ("labels matches /^comp/", {"labels": ["urgent", "Complaint"]}, False),
    ("labels matches /^comp/i", {"labels": ["urgent", "Complaint"]}, True),
    ("labels matches /^comp/", {"labels": []}, False),
    ("author.tags matches /vip/", {"author": {"tags": ["press", "vip-gold"]}}, True),
    ("author.tags matches /vip/", {"author": {"tags": ["press"]}}, False),
    ("author.handle matches /^@acme/", {"author": {"handle": "@acme_help"}}, True),
    ("author.handle matches /^@acme/", {"author": {"handle": "@notacme"}}, False),
]


@pytest.mark.parametrize(("condition", "fields", "expected"), MATCHES)
def test_matches(condition: str, fields: dict[str, Any], expected: bool) -> None:
    assert holds(condition, fields) is expected


@pytest.mark.parametrize(
    ("before", "expected"), [(65_536 - len("needle"), True), (65_536 - len("needle") + 1, False)]
)
def test_a_regular_expression_searches_the_first_64_kib_of_a_text(before: int, expected: bool) -> None:
    # So that one post of megabytes cannot hold the engine up: /.{1000}x/ took 33-40 s on 1 MB.
    text = "x" * before + "needle"
    assert holds("text matches /needle/", {"text": text}) is expected
    assert holds("labels matches /needle/", {"labels": [text]}) is expected


# --- bare words, `is` and `is not` ---------------------------------------------------------

DEFINES = """
define vip = author.followers >= 10000 or author.verified = true
define angry = sentiment < -0.5
define Loud = author.followers >= 1000000
define hot = vip and angry
"""

WORDS = [
    # bare words: a define, otherwise the event type
    ("mention", {"type": "mention"}, True),
    ("mention", {"type": "Mention"}, True),
    ("mention", {"type": "review"}, False),
    ("review", {"type": "review"}, True),
    ("review", {"type": "reviews"}, False),
    ("comment", {"type": "comment"}, True),
    ("message", {"type": "message"}, True),
    ("handled", {"type": "handled"}, True),
    ("reply", {"type": "reply"}, True),  # `reply` is also an action word
    ("reply", {"type": "mention"}, False),
    ("reply is complaint", {"type": "reply", "labels": ["complaint"]}, True),
    ("not reply and rating > 1", {"type": "mention", "rating": 3}, True),
    ("story", {"type": "story"}, True),  # any other word is a type
    ("story", {"type": "mention"}, False),
    ("vip", {"type": "review", "author": {"followers": 20000}}, True),  # a define: no type constraint
    ("vip", {"type": "vip"}, False),  # ... and not the type
    ("angry", {"type": "comment", "sentiment": -0.9}, True),
    ("angry", {"type": "comment", "sentiment": 0.9}, False),
    ("hot", {"author": {"verified": True}, "sentiment": -0.9}, True),
    ("hot", {"author": {"verified": True}, "sentiment": 0.1}, False),
    ("Loud", {"author": {"followers": 2000000}}, True),
    ("loud", {"type": "loud", "author": {"followers": 2000000}}, True),  # names are case-sensitive:
    ("loud", {"type": "mention", "author": {"followers": 2000000}}, False),  # `loud` is a type
    ("Vip", {"type": "vip", "author": {"followers": 0}}, True),
    ("Vip", {"type": "mention", "author": {"followers": 20000}}, False),
    # `WORD is NAME` with a define
    ("mention is vip", {"type": "mention", "author": {"verified": True}}, True),
    ("mention is vip", {"type": "mention", "author": {"verified": False}}, False),
    ("mention is vip", {"type": "review", "author": {"verified": True}}, False),
    ("mention is vip", {"type": "mention", "labels": ["vip"]}, False),  # the define, not the label
    ("mention is not vip", {"type": "mention", "author": {"followers": 3}}, True),
    ("mention is not vip", {"type": "mention"}, True),  # no author: vip is false
    ("mention is not vip", {"type": "mention", "author": {"followers": 10000}}, False),
    ("mention is not vip", {"type": "review"}, False),
    ("author is vip", {"type": "review", "author": {"followers": 10000}}, True),
    ("author is vip", {"type": "comment", "author": {"followers": 9999}}, False),
    ("author is not vip", {"type": "comment", "author": {"followers": 9999}}, True),
    ("event is angry", {"type": "message", "sentiment": -0.7}, True),
    ("event is not angry", {"type": "message", "sentiment": -0.7}, False),
    ("review is hot", {"type": "review", "author": {"followers": 50000}, "sentiment": -1}, True),
    ("mention is Loud", {"type": "mention", "author": {"followers": 2000000}}, True),
    # `WORD is NAME` with a label (no define of that name)
    ("mention is complaint", {"type": "mention", "labels": ["complaint"]}, True),
    ("mention is complaint", {"type": "mention", "labels": ["praise", "COMPLAINT"]}, True),
    ("mention is complaint", {"type": "mention", "labels": ["complaints"]}, False),
    ("mention is complaint", {"type": "mention"}, False),
    ("mention is complaint", {"type": "review", "labels": ["complaint"]}, False),
    ("Mention is complaint", {"type": "mention", "labels": ["complaint"]}, True),
    ("review is not spam", {"type": "review"}, True),
    ("review is not spam", {"type": "review", "labels": ["praise"]}, True),
    ("review is not spam", {"type": "review", "labels": ["Spam"]}, False),
    ("review is not spam", {"type": "mention"}, False),  # the type still counts
    ("review is not spam", {"type": "mention", "labels": ["spam"]}, False),
    ("event is spam", {"type": "comment", "labels": ["spam"]}, True),
    ("event is spam", {"type": "review", "labels": ["SPAM"]}, True),
    ("event is spam", {"type": "review"}, False),
    ("event is not spam", {"type": "comment"}, True),
    ("event is not spam", {"type": "comment", "labels": ["spam"]}, False),
    ("author is spam", {"type": "message", "labels": ["spam"]}, True),
    ("mention is loud", {"type": "mention", "labels": ["loud"], "author": {"followers": 0}}, True),
    ("mention is loud", {"type": "mention", "author": {"followers": 2000000}}, False),
    ("mention is sales_lead", {"type": "mention", "labels": ["Sales_Lead"]}, True),
]


@pytest.mark.parametrize(("condition", "fields", "expected"), WORDS)
def test_words_and_categories(condition: str, fields: dict[str, Any], expected: bool) -> None:
    text = DEFINES + 'rule "uses": when vip or angry or Loud or hot then hide\n'
    ruleset = ruleset_from(f"{text}\nwhen {condition} then hide\n")
    assert ruleset.rules[1].condition(event(**fields)) is expected


# --- not, and, or, parentheses ---------------------------------------------------------------

A = "mention"  # type is mention
B = 'platform = "twitter"'
C = "rating > 3"

LOGIC = [
    # `a or b and c` is `a or (b and c)`
    (f"{A} or {B} and {C}", {"type": "mention"}, True),
    (f"({A} or {B}) and {C}", {"type": "mention"}, False),
    (f"{A} or ({B} and {C})", {"type": "mention"}, True),
    (f"{A} or {B} and {C}", {"type": "review", "platform": "twitter"}, False),
    (f"{A} or {B} and {C}", {"type": "review", "platform": "twitter", "rating": 5}, True),
    (f"{B} and {C} or {A}", {"type": "mention"}, True),
    (f"{B} and ({C} or {A})", {"type": "mention"}, False),
    # `not a and b` is `(not a) and b`
    (f"not {A} and {C}", {"type": "review", "rating": 5}, True),
    (f"not {A} and {C}", {"type": "mention", "rating": 1}, False),
    (f"not ({A} and {C})", {"type": "mention", "rating": 1}, True),
    (f"not {A} and {C}", {"type": "review", "rating": 1}, False),
    (f"not ({A} and {C})", {"type": "review", "rating": 1}, True),
    # `not a or b` is `(not a) or b`
    (f"not {A} or {C}", {"type": "mention", "rating": 5}, True),
    (f"not ({A} or {C})", {"type": "mention", "rating": 5}, False),
    (f"not {A} or {C}", {"type": "mention", "rating": 1}, False),
    (f"not {A} or {C}", {"type": "review", "rating": 1}, True),
    # double negation, chains, nesting
    (f"not not {A}", {"type": "mention"}, True),
    (f"not not {A}", {"type": "review"}, False),
    (f"{A} and {B} and {C}", {"type": "mention", "platform": "twitter", "rating": 4}, True),
    (f"{A} and {B} and {C}", {"type": "mention", "platform": "twitter", "rating": 3}, False),
    (f"{A} or {B} or {C}", {"type": "review", "rating": 4}, True),
    (f"{A} or {B} or {C}", {"type": "review", "rating": 2}, False),
    (f"(({A}))", {"type": "mention"}, True),
    (f"not ({A} or {B}) and not {C}", {"type": "review", "platform": "facebook", "rating": 1}, True),
    (f"not ({A} or {B}) and not {C}", {"type": "review", "platform": "twitter", "rating": 1}, False),
    (
        "mention is complaint or review is complaint and rating <= 2",
        {"type": "mention", "labels": ["complaint"], "rating": 5},
        True,
    ),
    (
        "(mention is complaint or review is complaint) and rating <= 2",
        {"type": "mention", "labels": ["complaint"], "rating": 5},
        False,
    ),
]


@pytest.mark.parametrize(("condition", "fields", "expected"), LOGIC)
def test_not_and_or_and_parentheses(condition: str, fields: dict[str, Any], expected: bool) -> None:
    assert holds(condition, fields) is expected


# --- extra fields and paths ---------------------------------------------------------------

PATHS = [
    ('location.country = "DE"', {"location": {"country": "de"}}, True),
    ('location.country = "DE"', {"location": {"country": "FR"}}, False),
    ('location.country = "DE"', {"location": "DE"}, False),
    ('location.country = "DE"', {"location": ["DE"]}, False),
    ('location.country = "DE"', {"location": None}, False),
    ('location.country = "DE"', {}, False),
    ('location.country != "DE"', {}, False),
    ('not location.country = "DE"', {"location": 3}, True),
    ('campaign = "blackfriday"', {"campaign": "blackfriday"}, True),
    ('campaign != "blackfriday"', {"campaign": "cybermonday"}, True),
    ('campaign != "blackfriday"', {}, False),
    ('meta.source.kind = "ad"', {"meta": {"source": {"kind": "AD"}}}, True),
    ('meta.source.kind = "ad"', {"meta": {"source": "ad"}}, False),
    ('meta.source.kind = "ad"', {"meta": {"source": ["ad"]}}, False),
    ('meta.source.kind = "ad"', {"meta": "ad"}, False),
    ('meta.source.kind = "ad"', {"meta": 5}, False),
    ('meta.source.kind = "ad"', {}, False),
    ('meta.source.kind != "ad"', {"meta": {"source": "x"}}, False),
    ("meta.source.kind exists", {"meta": {"source": {"kind": 0}}}, True),
    ("meta.source.kind exists", {"meta": {"source": True}}, False),
    ('meta.source.kind in ("ad", "post")', {"meta": {"source": {"kind": "Post"}}}, True),
    ('meta.source.kind in ("ad", "post")', {"meta": {"source": 1}}, False),
    ('meta.source.kind contains "ad"', {"meta": {"source": {"kind": "an ad"}}}, True),
    ('meta.source.kind contains "ad"', {"meta": "an ad"}, False),
    ("meta.source.kind matches /ad/", {"meta": {"source": {"kind": "an ad"}}}, True),
    ("meta.source.kind matches /ad/", {"meta": {"source": "ad"}}, False),
    ("meta.score.value > 2", {"meta": {"score": {"value": 3}}}, True),
    ("meta.score.value > 2", {"meta": {"score": [3]}}, False),
    ("author.followers > 10", {"author": [{"followers": 50}]}, False),
    ("not author.followers > 10", {"author": [{"followers": 50}]}, True),
]


@pytest.mark.parametrize(("condition", "fields", "expected"), PATHS)
def test_dotted_paths_and_extra_fields(condition: str, fields: dict[str, Any], expected: bool) -> None:
    assert holds(condition, fields) is expected


def test_thread_is_the_events_thread() -> None:
    records = run(
        'when thread = "T9" then tag "x"',
        [
            _event(id="m1", thread="t9"),
            _event(id="r1", time="2026-11-20T09:01:00Z", in_reply_to="m1"),  # thread of m1
            _event(id="r2", time="2026-11-20T09:02:00Z", in_reply_to="zz"),  # thread zz
            _event(id="r3", time="2026-11-20T09:03:00Z"),  # thread r3
        ],
    )
    assert [r["event"] for r in records] == ["m1", "r1"]


def test_lists_and_defines_hold_across_the_rule_set_wherever_declared() -> None:
    ruleset = ruleset_from("""
when mention is vip and text contains any refund_words and platform in nets then hide
define vip = author.verified = true
list refund_words = "refund", "money back"
list nets = "twitter"
""")
    condition = ruleset.rules[0].condition
    assert condition(event(author={"verified": True}, text="money back!", platform="Twitter")) is True
    assert condition(event(author={"verified": False}, text="money back!", platform="Twitter")) is False
    assert condition(event(author={"verified": True}, text="money", platform="Twitter")) is False
    assert condition(event(author={"verified": True}, text="refund", platform="facebook")) is False


# --- sentiment -------------------------------------------------------------------------------

NEGATIVE = "This is terrible. I hate it, the worst service ever, absolutely awful!"
POSITIVE = "I love it! Wonderful, amazing, great service, thank you so much!"

SENTIMENT = [
    # the event's own sentiment wins, even against its text
    ("sentiment > 0.5", {"sentiment": 0.8, "text": NEGATIVE}, True),
    ("sentiment < -0.5", {"sentiment": 0.8, "text": NEGATIVE}, False),
    ("sentiment < -0.5", {"sentiment": -0.9, "text": POSITIVE}, True),
    ("sentiment > 0.5", {"sentiment": -0.9, "text": POSITIVE}, False),
    ("sentiment = 0", {"sentiment": 0, "text": NEGATIVE}, True),  # zero is a value too
    ("sentiment < -0.5", {"sentiment": 0, "text": NEGATIVE}, False),
    # absent: VADER's compound score of the text
    ("sentiment < -0.5", {"text": NEGATIVE}, True),
    ("sentiment > 0.5", {"text": NEGATIVE}, False),
    ("sentiment > 0.5", {"text": POSITIVE}, True),
    ("sentiment < -0.5", {"text": POSITIVE}, False),
    ("sentiment > 0.5", {"sentiment": None, "text": POSITIVE}, True),  # null counts as absent
    ("sentiment < -0.5", {"sentiment": None, "text": NEGATIVE}, True),
    # absent and no text: nothing to compare
    ("sentiment < -0.5", {}, False),
    ("sentiment > -2", {}, False),
    ("sentiment != 0", {}, False),
    ("sentiment = 0", {}, False),
    ("not sentiment < -0.5", {}, True),
    ("sentiment > -2", {"text": None}, False),
    ("sentiment > -2", {"text": None, "sentiment": None}, False),
]


@pytest.mark.parametrize(("condition", "fields", "expected"), SENTIMENT)
def test_sentiment(condition: str, fields: dict[str, Any], expected: bool) -> None:
    assert holds(condition, fields) is expected


def test_sentiment_reads_the_first_thousand_characters_of_a_text() -> None:
    # VADER's cost grows with the square of the words: 10 MB of text took 4 s and 354 MB.
    text = POSITIVE + " " * (1_000 - len(POSITIVE)) + NEGATIVE * 100
    assert holds("sentiment > 0.5", {"text": text})
    assert event(text=text).sentiment() == event(text=text[:1_000]).sentiment()


def test_sentiment_in_a_define_used_by_several_rules() -> None:
    ruleset = ruleset_from("""
define angry = sentiment < -0.5
rule "A": when mention is angry then hide
rule "B": when angry and sentiment > -2 then hide
rule "C": when not angry then hide
""")
    negative = event(text=NEGATIVE)
    assert [r.condition(negative) for r in ruleset.rules] == [True, True, False]
    positive = event(type="review", text=POSITIVE)
    assert [r.condition(positive) for r in ruleset.rules] == [False, False, True]


# --- {field} in action texts --------------------------------------------------------------------

MESSAGE = (
    'notify "#x" message "Hi {author.handle}, {author.followers} followers, '
    'verified {author.verified}, rating {rating}"'
)


def _event(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": "m1", "type": "mention", "time": "2026-11-20T09:00:00Z"}
    data.update(fields)
    return data


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"author": {"handle": "@jane", "followers": 1200, "verified": True}, "rating": 4.5},
            "Hi @jane, 1200 followers, verified true, rating 4.5",
        ),
        (
            {"author": {"handle": "@Joe", "followers": 0, "verified": False}, "rating": 5},
            "Hi @Joe, 0 followers, verified false, rating 5",
        ),
        (
            {"author": {"handle": "@big", "followers": 25000000, "verified": True}, "rating": 4.0},
            "Hi @big, 25000000 followers, verified true, rating 4.0",
        ),
        ({"author": {"handle": "@jane"}}, "Hi @jane,  followers, verified , rating "),
        (
            {"author": {"handle": None, "followers": None, "verified": None}, "rating": None},
            "Hi ,  followers, verified , rating ",
        ),
        ({}, "Hi ,  followers, verified , rating "),
        ({"author": "@jane", "rating": 1}, "Hi ,  followers, verified , rating 1"),
    ],
)
def test_message_fields_are_filled_as_in_json(fields: dict[str, Any], message: str) -> None:
    records = run(f"when mention then {MESSAGE}", [_event(**fields)])
    assert [(r["action"], r["target"], r["params"]) for r in records] == [
        ("notify", "#x", {"message": message}),
    ]


@pytest.mark.parametrize(
    ("template", "fields", "text"),
    [
        ("Sorry to hear that, {author.handle}", {"author": {"handle": "@jane"}}, "Sorry to hear that, @jane"),
        ("Sorry to hear that, {author.handle}", {}, "Sorry to hear that, "),
        ("{campaign}/{location.country}", {"campaign": "bf", "location": {"country": "DE"}}, "bf/DE"),
        ("{campaign}/{location.country}", {"location": "DE"}, "/"),
        ("score {score}", {"score": -0.25}, "score -0.25"),
        ("{author.name}!", {"author": {"name": 'Jane "JJ" Doe'}}, 'Jane "JJ" Doe!'),  # text as is, unquoted
    ],
)
def test_reply_text_fields(template: str, fields: dict[str, Any], text: str) -> None:
    records = run(f'when mention then reply "{_escape(template)}"', [_event(**fields)])
    assert [(r["action"], r["target"], r["params"]) for r in records] == [("reply", None, {"text": text})]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def test_fields_are_filled_per_event_and_per_action() -> None:
    text = (
        'when mention then notify "#a" message "{author.handle}", '
        'alert "#b" message "{rating}" and tag "seen"'
    )
    records = run(
        text,
        [
            _event(id="m1", author={"handle": "@one"}, rating=1),
            _event(id="m2", time="2026-11-20T09:01:00Z", author={"handle": "@two"}),
        ],
    )
    assert [(r["event"], r["action"], r["target"], r["params"]) for r in records] == [
        ("m1", "notify", "#a", {"message": "@one"}),
        ("m1", "alert", "#b", {"message": "1"}),
        ("m1", "tag", "seen", {}),
        ("m2", "notify", "#a", {"message": "@two"}),
        ("m2", "alert", "#b", {"message": ""}),
        ("m2", "tag", "seen", {}),
    ]


def test_a_compiled_rule_carries_its_text_as_written_out_once() -> None:
    rules = ruleset_from(
        'rule "Slow": when mention and  text contains "late"   and unanswered 2h then tag "slow"\n'
        'shadow when mention then tag "seen"\n'
    ).rules
    assert [rule.text for rule in rules] == [
        'when mention and text contains "late" and unanswered 2h then tag "slow"',
        'when mention then tag "seen"',
    ]
    assert rules[1].key == rules[1].text  # an unnamed rule's state is kept under its text
