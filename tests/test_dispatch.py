"""Picking rules by event type and phrase must never change what fires: the
engine fires exactly the rules whose conditions hold, in rule-set order."""

from __future__ import annotations

from typing import Any

from helpers import ruleset_from
from hypothesis import given, settings
from hypothesis import strategies as st

from playbook.language.events import make_event
from playbook.runtime.dispatch import SMALL_PLAN
from playbook.runtime.engine import Engine

WORDS = ["refund", "broken", "late", "love", "acme pro", "hub", "crash", "thanks"]
LABELS = ["complaint", "praise", "question", "spam"]


def rule_lines() -> list[str]:
    """Enough rules for phrase dispatch: keyword rules on two fields, rules with
    no phrase, an `or` of phrases, and phrases under `not` (no trigger)."""
    lines = []
    for i, word in enumerate(WORDS):
        lines.append(f'rule "text {i}": when (mention or comment) and text contains "{word}" then tag "t{i}"')
        lines.append(f'rule "any {i}": when text contains "{word}" or labels contains "spam" then tag "a{i}"')
    for i, label in enumerate(LABELS):
        lines.append(f'rule "label {i}": when mention and labels contains "{label}" then tag "l{i}"')
        lines.append(
            f'rule "both {i}": when labels contains "{label}" and text contains "{WORDS[i]}" then tag "b{i}"'
        )
    lines.append('rule "no phrase": when mention and author.followers >= 100 then notify "#vip"')
    lines.append('rule "not refund": when comment and not text contains "refund" then tag "n"')
    return lines


RULES = "\n".join(rule_lines()) + "\n"

events = st.lists(
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(["mention", "comment", "message", "Mention"]),
            "text": st.lists(st.sampled_from(WORDS + ["hello", "REFUND!", "hubs", "x"]), max_size=5).map(
                " ".join
            ),
            "labels": st.lists(st.sampled_from(LABELS), max_size=2),
            "followers": st.integers(0, 200),
        }
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(events)
def test_the_engine_fires_exactly_the_rules_that_hold(drawn: list[dict[str, Any]]) -> None:
    ruleset = ruleset_from(RULES)
    assert len(ruleset.rules) > SMALL_PLAN
    engine = Engine(ruleset)
    for n, fields in enumerate(drawn):
        data = {
            "id": f"e{n}",
            "type": fields["type"],
            "time": f"2026-11-20T10:{n:02d}:00Z",
            "text": fields["text"],
            "labels": fields["labels"],
            "author": {"handle": "@jane", "followers": fields["followers"]},
        }
        fired = [record.rule for record in engine.process(make_event(data))]
        holding = [rule.name for rule in ruleset.rules if rule.condition(make_event(data))]
        assert fired == holding, data
