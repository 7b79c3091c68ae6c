"""The benchmark's rule sets, as playbook text and as the data the hand-written
baseline needs: the same rules, written twice."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from .generate import catalogue

PRAISE_WORDS = ("love", "thanks", "amazing", "awesome", "best purchase")
# Words of the stream's complaints: a 10-phrase list that matches, and the
# same ten hidden among 9,990 words that never occur.
TROUBLE_WORDS = (
    "broken",
    "refund",
    "crashing",
    "stopped working",
    "won't turn on",
    "worst support",
    "never buying",
    "joke",
    "arrived broken",
    "two days",
)
VIP_FOLLOWERS = 10_000
DEADLINE_SECONDS = 2 * 3600
THANK_SECONDS = 7 * 86400
SPIKE_COUNT = 20
SPIKE_SECONDS = 600

CORE = f"""\
brand "@acme", "@acme_help"
list praise_words = {", ".join(f'"{w}"' for w in PRAISE_WORDS)}

rule "Unanswered complaint":
  when mention and labels contains "complaint" and unanswered 2h
  then escalate to "care-leads"

rule "VIP":
  when mention and author.followers >= {VIP_FOLLOWERS}
  then notify "#vip"

rule "Thank":
  when mention and text contains any praise_words
  then reply "Thanks!"
  at most once per author per 7d

rule "Spike":
  when mention and labels contains "complaint" and at least {SPIKE_COUNT} times within 10m
  then alert "#war-room"
"""


@dataclass(frozen=True)
class RuleSetSpec:
    """A benchmark rule set: the four core rules, keyword rules, and maybe a phrase list."""

    name: str
    keyword_rules: int = 0
    phrases: tuple[str, ...] = ()
    products: list[str] = field(default_factory=list)

    @property
    def rule_count(self) -> int:
        return 4 + self.keyword_rules + (1 if self.phrases else 0)

    def playbook(self) -> str:
        parts = [CORE]
        for index, product in enumerate(self.products):
            parts.append(
                f'rule "Product {index}": when (mention or comment) and text contains "{product}" '
                f'then tag "product-{index}"\n'
            )
        if self.phrases:
            parts.append("list trouble = " + ", ".join(f'"{p}"' for p in self.phrases) + "\n")
            parts.append('rule "Trouble": when mention and text contains any trouble then tag "trouble"\n')
        return "\n".join(parts)


def _hidden_words(count: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    letters = "bcdfghjklmnpqrstvwxz"
    vowels = "aeiouy"
    words: set[str] = set()
    while len(words) < count:
        length = rng.randrange(2, 5)
        word = "".join(rng.choice(letters) + rng.choice(vowels) for _ in range(length)) + rng.choice(letters)
        words.add(word)
    return sorted(words)


def rule_sets() -> dict[str, RuleSetSpec]:
    """The rule sets the benchmark runs, by name."""
    return {
        "4 rules": RuleSetSpec("4 rules"),
        "100 rules": RuleSetSpec("100 rules", keyword_rules=96, products=catalogue(96)),
        "1000 rules": RuleSetSpec("1000 rules", keyword_rules=996, products=catalogue(996)),
        "10 phrases": RuleSetSpec("10 phrases", phrases=TROUBLE_WORDS),
        "10,000 phrases": RuleSetSpec(
            "10,000 phrases", phrases=tuple(_hidden_words(10_000 - len(TROUBLE_WORDS))) + TROUBLE_WORDS
        ),
    }


# An edit a desk might make, for timing `playbook diff`: a deadline made
# shorter, a reply reworded, and a new rule tried in shadow.
EDIT_SHADOW_RULE = """
shadow rule "Complaint spike per platform":
  when mention and labels contains "complaint" and at least 5 times within 10m per platform
  then alert "#war-room"
"""


def edited(playbook: str) -> str:
    """`playbook` after the benchmark's edit."""
    changed = playbook.replace("unanswered 2h", "unanswered 1h").replace(
        'reply "Thanks!"', 'reply "Thank you!"'
    )
    assert changed != playbook
    return changed + EDIT_SHADOW_RULE
