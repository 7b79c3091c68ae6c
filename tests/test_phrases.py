"""`contains` (SPEC section 2, "Conditions"): whole-word phrases on text, element
equality on lists, and `contains any` / `contains all` with inline phrase lists
and `list` declarations. Each case compiles `when <condition> then hide` and
evaluates the rule's condition on one event."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from helpers import event, ruleset_from

from playbook.compiler.phrases import normalize


def holds(condition: str, fields: dict[str, Any], prelude: str = "") -> bool:
    """Whether `condition` (after `prelude`'s brand/list/define statements) holds on an event."""
    ruleset = ruleset_from(f"{prelude}\nwhen {condition} then hide\n")
    result = ruleset.rules[0].condition(event(**fields))
    assert isinstance(result, bool)
    return result


# --- a phrase on text: whole words only --------------------------------------------

WHOLE_WORD = [
    # (phrase, text, expected)
    ("refund", "Refund please!", True),
    ("refund", "I want a refund", True),  # at the end
    ("refund", "refund", True),  # the whole text
    ("refund", "(refund)", True),
    ("refund", "refund, now.", True),
    ("refund", '"refund"', True),
    ("refund", "refund-request", True),  # a hyphen is not a word character
    ("refund", "no refunds", False),  # letter after
    ("refund", "prerefund", False),  # letter before
    ("refund", "refund_x", False),  # underscore after
    ("refund", "x_refund", False),  # underscore before
    ("refund", "refund2", False),  # digit after
    ("refund", "2refund", False),  # digit before
    ("refund", "refunds, then a refund!", True),  # a later occurrence is whole
    ("refund", "ref und", False),
    ("refund", "", False),
    ("refund", "😡 refund now 😡", True),  # characters outside the BMP around it
    ("#acmefail", "so bad #AcmeFail!", True),
    ("#acmefail", "#acmefail", True),
    ("#acmefail", "so bad #acmefailure", False),
    ("#acmefail", "so bad acmefail", False),  # the '#' is part of the phrase
    ("@acme", "hey @acme!", True),
    ("@acme", "@ACME where is my parcel", True),
    ("@acme", "hey @acme_help", False),  # underscore after
    ("@acme", "hey @acmecorp", False),
    ("@acme", "mail@acme.com", False),  # a letter right before the '@'
    ("@acme", "write to @acme.", True),
    ("can't log in", "I CAN'T LOG IN!!", True),
    ("can't log in", "I can't login", False),
    ("can", "I can't", True),  # an apostrophe is not a word character
    ("can't log in", "I can't log into it", False),
    ("écran", "ÉCRAN cassé", True),
    ("écran", "écrans cassés", False),
    ("cassé", "ÉCRAN CASSÉ", True),
    ("straße", "Hauptstraße 5", False),  # a letter before
    ("straße", "STRASSE gesperrt", True),  # full case folding
    ("über", "Lieferung ÜBER Nacht", True),
    ("über", "Lieferungüber", False),
    ("ber", "über", False),  # a non-ASCII letter before counts
    ("cafe", "un café noir", False),  # ... and after
    ("да", "когда", False),
    ("да", "ДА, конечно", True),
    ("refund", "٣refund", False),  # a non-ASCII digit counts
    ("5g", "no 5G here", True),
    ("5g", "no 45G here", False),
]


@pytest.mark.parametrize(("phrase", "text", "expected"), WHOLE_WORD)
def test_phrase_on_text_is_a_whole_word_match(phrase: str, text: str, expected: bool) -> None:
    assert holds(f'text contains "{_q(phrase)}"', {"text": text}) is expected


def _q(phrase: str) -> str:
    return phrase.replace("\\", "\\\\").replace('"', '\\"')


WHITE_SPACE = [
    # (phrase, text, expected)
    ("money back", "I want my money back", True),
    ("money back", "money  back", True),
    ("money back", "money \n  back", True),
    ("money back", "money\tback", True),
    ("money back", "MONEY\r\n\tBACK!", True),
    ("money back", "money\u00a0back", True),  # a no-break space is white space
    ("money back", "moneyback", False),  # a space needs some white space
    ("money back", "money-back", False),
    ("money back", "money, back", False),
    ("money back", "money backs", False),
    ("money back", "my money\n", False),
    ("money back guarantee", "Money\nback\n\nguarantee?", True),
]


@pytest.mark.parametrize(("phrase", "text", "expected"), WHITE_SPACE)
def test_a_space_in_a_phrase_matches_any_run_of_white_space(phrase: str, text: str, expected: bool) -> None:
    assert holds(f'text contains "{phrase}"', {"text": text}) is expected


@pytest.mark.parametrize(
    ("condition", "fields", "expected"),
    [
        ('text contains "refund"', {}, False),  # no text
        ('text contains "refund"', {"text": None}, False),  # null text
        ('text contains "5"', {"text": 5}, False),  # a number is not text
        ('score contains "5"', {"score": 5}, False),
        ('score contains "5"', {"score": 5.0}, False),
        ('score contains "true"', {"score": True}, False),
        ('campaign contains "black"', {"campaign": {"black": 1}}, False),  # an object
        ('not text contains "refund"', {}, True),
        ('campaign contains "friday"', {"campaign": "Black Friday"}, True),  # any text field
        ('location.city contains "new york"', {"location": {"city": "NEW  YORK"}}, True),
    ],
)
def test_contains_on_missing_and_non_text_fields(
    condition: str, fields: dict[str, Any], expected: bool
) -> None:
    assert holds(condition, fields) is expected


# --- a phrase on a list field: an element equals it -----------------------------------

LIST_FIELDS = [
    # (condition, fields, expected)
    ('labels contains "complaint"', {"labels": ["complaint"]}, True),
    ('labels contains "complaint"', {"labels": ["praise", "Complaint"]}, True),
    ('labels contains "Complaint"', {"labels": ["COMPLAINT"]}, True),
    ('labels contains "complaint"', {"labels": ["complaints"]}, False),
    ('labels contains "complaint"', {"labels": ["not complaint"]}, False),  # not a whole-word test
    ('labels contains "complaint"', {"labels": ["complaint-ish"]}, False),
    ('labels contains "complaint"', {"labels": ["urgent complaint!"]}, False),
    ('labels contains "complaint"', {"labels": []}, False),
    ('labels contains "complaint"', {}, False),
    ('labels contains "complaint"', {"labels": None}, False),
    ('labels contains "complaint"', {"labels": [None, 3, {"a": 1}]}, False),
    ('labels contains "urgent complaint"', {"labels": ["Urgent Complaint"]}, True),
    ('labels contains "urgent complaint"', {"labels": ["complaint", "urgent"]}, False),
    ('author.tags contains "VIP"', {"author": {"tags": ["vip"]}}, True),
    ('author.tags contains "VIP"', {"author": {"tags": ["VIP", "press"]}}, True),
    ('author.tags contains "VIP"', {"author": {"tags": ["vip-gold"]}}, False),
    ('author.tags contains "VIP"', {"author": {"tags": ["VIPs"]}}, False),
    ('author.tags contains "VIP"', {"author": {"tags": []}}, False),
    ('author.tags contains "VIP"', {"author": {}}, False),
    ('author.tags contains "VIP"', {}, False),
    ('author.tags contains "VIP"', {"author": "vip"}, False),  # author is not an object
    ('not author.tags contains "VIP"', {}, True),
    ('labels contains any ("spam", "abuse")', {"labels": ["Abuse"]}, True),
    ('labels contains any ("spam", "abuse")', {"labels": ["abusive"]}, False),
    ('labels contains all ("spam", "abuse")', {"labels": ["abuse", "SPAM", "x"]}, True),
    ('labels contains all ("spam", "abuse")', {"labels": ["abuse"]}, False),
    ('labels contains all ("spam", "abuse")', {"labels": ["spam abuse"]}, False),
]


@pytest.mark.parametrize(("condition", "fields", "expected"), LIST_FIELDS)
def test_contains_on_a_list_field_means_an_element_equals_it(
    condition: str,
    fields: dict[str, Any],
    expected: bool,
) -> None:
    assert holds(condition, fields) is expected


# --- contains any / contains all ---------------------------------------------------------

LISTS = """
list refund_words = "refund", "money back", "chargeback"
list broken_words = "broken", "damaged"
"""

ANY_ALL = [
    # (condition, text, expected)
    ("text contains any refund_words", "Refund please", True),
    ("text contains any refund_words", "I want my MONEY\nBACK", True),
    ("text contains any refund_words", "filing a chargeback.", True),
    ("text contains any refund_words", "refunds and chargebacks", False),
    ("text contains any refund_words", "nothing to see", False),
    ("text contains all refund_words", "refund, money back or a chargeback", True),
    ("text contains all refund_words", "Chargeback! refund! money back!", True),  # any order
    ("text contains all refund_words", "refund or money back", False),
    ("text contains all refund_words", "refund, money back, chargebacks", False),
    ("text contains all broken_words", "broken and damaged", True),
    ("text contains all broken_words", "broken and undamaged", False),
    ('text contains any ("refund", "broken")', "it arrived BROKEN", True),
    ('text contains any ("refund", "broken")', "it arrived unbroken", False),
    ('text contains all ("refund", "broken")', "broken, so refund", True),
    ('text contains all ("refund", "broken")', "broken", False),
    ('text contains any ("refund")', "refund", True),
    ('text contains all ("money back", "back")', "money back", True),  # overlapping phrases
    ('text contains all ("money back", "back")', "back", False),
    ('text contains any ("refunds", "refund")', "refunds", True),  # one is a prefix of another
    ('text contains all ("refunds", "refund")', "refunds", False),
    ('text contains all ("refunds", "refund")', "refunds; refund", True),
    ('text contains any ("@acme", "#acmefail")', "mail@acme.com #AcmeFail", True),
    ('text contains any ("@acme", "#acmefail")', "mail@acme.com #AcmeFailure", False),
    ("not text contains any refund_words", "all good", True),
    ("not text contains all refund_words", "refund", True),
]


@pytest.mark.parametrize(("condition", "text", "expected"), ANY_ALL)
def test_contains_any_and_all(condition: str, text: str, expected: bool) -> None:
    assert holds(condition, {"text": text}, prelude=LISTS) is expected


@pytest.mark.parametrize(
    "condition",
    [
        "text contains any refund_words",
        "text contains all refund_words",
        'text contains any ("refund", "x")',
        'text contains all ("refund", "x")',
    ],
)
@pytest.mark.parametrize("fields", [{}, {"text": None}, {"text": 12}])
def test_contains_any_all_on_a_missing_or_non_text_field_is_false(
    condition: str, fields: dict[str, Any]
) -> None:
    assert holds(condition, fields, prelude=LISTS) is False


# --- several rules over one field, one event -----------------------------------------

SEVERAL = """
list a_words = "refund", "chargeback"
list b_words = "broken", "money back"
rule "A": when text contains any a_words then hide
rule "B": when text contains any b_words then hide
rule "C": when text contains "refund" then hide
rule "D": when text contains all ("refund", "broken") then hide
rule "E": when labels contains "refund" then hide
rule "F": when author.tags contains any b_words then hide
"""


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"text": "refund please"}, {"A": True, "B": False, "C": True, "D": False, "E": False, "F": False}),
        ({"text": "it is broken"}, {"A": False, "B": True, "C": False, "D": False, "E": False, "F": False}),
        ({"text": "broken: refund!"}, {"A": True, "B": True, "C": True, "D": True, "E": False, "F": False}),
        ({"text": "chargeback"}, {"A": True, "B": False, "C": False, "D": False, "E": False, "F": False}),
        (
            {"text": "nothing", "labels": ["refund"]},
            {"A": False, "B": False, "C": False, "D": False, "E": True, "F": False},
        ),
        (
            {"text": "refund", "author": {"tags": ["Money Back"]}},
            {"A": True, "B": False, "C": True, "D": False, "E": False, "F": True},
        ),
        (
            {"author": {"tags": ["refund", "broken"]}},
            {"A": False, "B": False, "C": False, "D": False, "E": False, "F": True},
        ),
    ],
)
@pytest.mark.parametrize("order", ["forward", "backward"])
def test_rules_on_one_event_do_not_see_each_others_phrases(
    fields: dict[str, Any],
    expected: dict[str, bool],
    order: str,
) -> None:
    ruleset = ruleset_from(SEVERAL)
    rules = list(ruleset.rules) if order == "forward" else list(reversed(ruleset.rules))
    one = event(**fields)  # the same event object for every rule, as the engine does
    assert {r.name: r.condition(one) for r in rules} == expected


def test_the_same_phrase_in_several_rules_and_a_define() -> None:
    ruleset = ruleset_from("""
list refund_words = "refund", "money back"
define wants_refund = text contains any refund_words
rule "R1": when mention is wants_refund then hide
rule "R2": when text contains "refund" and rating <= 2 then hide
rule "R3": when review and not text contains "refund" then hide
rule "R4": when text contains all refund_words then hide
""")
    mention = event(type="mention", text="REFUND now, money back")
    review = event(type="review", text="refund", rating=1)
    other = event(type="review", text="refunded", rating=1)

    def fired(e: Any) -> list[str]:
        return [r.name for r in ruleset.rules if r.condition(e)]

    assert fired(mention) == ["R1", "R4"]
    assert fired(review) == ["R2"]
    assert fired(other) == ["R3"]


def test_normalize_agrees_with_folding_and_splitting_for_every_character() -> None:
    """The shortcut for texts already spaced must give what fold-split-join gives,
    whatever the character: every white space but the space is unprintable."""
    for code in range(sys.maxunicode + 1):
        c = chr(code)
        for text in (f"a{c}b", f"{c}x", f"x{c}", f"ß {c}  Σ"):
            assert normalize(text) == " ".join(text.casefold().split()), hex(code)


def test_list_elements_are_matched_the_same_every_time_they_are_seen() -> None:
    """Elements are remembered once normalised; a second event with the same
    labels, or the same label written differently, gets the same answer."""
    ruleset = ruleset_from('when labels contains any ("complaint", "sales lead") then hide\n')
    condition = ruleset.rules[0].condition
    cases = [
        (["Complaint"], True),
        (["praise"], False),
        (["Sales  Lead"], True),
        (["praise", "COMPLAINT"], True),
        (["complaints"], False),
        ([" complaint "], True),
        ([1, None, "sales lead"], True),
    ]
    for _ in range(2):
        for labels, expected in cases:
            assert condition(event(labels=labels)) is expected, labels


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Best purchase ever", True),
        ("best\n\tpurchase!", True),
        ("the bestpurchase", False),
        ("best purchases", False),
        ("I LOVE it", True),
        ("lovely", False),
        ("glove", False),
        ("ß love", True),
        ("best", False),
        ("purchase best", False),
        ("", False),
        ("  love  ", True),
    ],
)
def test_few_and_many_phrases_agree(text: str, expected: bool) -> None:
    """A list of a few phrases first looks for their first words; a long list
    goes straight to the automaton. Both must give the same verdicts."""
    few = '("best purchase", "love")'
    many = "(" + ", ".join([f'"filler{i}"' for i in range(20)] + ['"best purchase"', '"love"']) + ")"
    assert holds(f"text contains any {few}", {"text": text}) is expected
    assert holds(f"text contains any {many}", {"text": text}) is expected
