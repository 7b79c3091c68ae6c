"""The benchmark's rule sets, as playbook text and as the data the hand-written
baseline needs: the same rules, written twice."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from .generate import REPLY_TEXT, catalogue

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

# What the brand's replies in the stream say (bench/generate.py).
REPLY_PHRASE = REPLY_TEXT.split(", ")[-1]
# The name the benchmark's playbook is loaded under, in each record's `source`.
PLAYBOOK_FILE = "bench.play"

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
    """A benchmark rule set: the four core rules, keyword rules, and maybe a phrase list.

    Keyword rules look at mentions and comments, or with `any_type` at every
    event (`when text contains "acme pro hub" then tag ...`): a desk that tags
    everything, where nearly every event writes a record.
    """

    name: str
    phrases: tuple[str, ...] = ()
    products: list[str] = field(default_factory=list)
    any_type: bool = False

    def keywords(self) -> list[tuple[str, str, str]]:
        """(rule name, tag, phrase) of each keyword rule: the products, and with `any_type`
        the phrase of the brand's replies too, so that nearly every event writes a record."""
        found = [(f"Product {i}", f"product-{i}", product) for i, product in enumerate(self.products)]
        if self.any_type:
            found.append(("Answered", "answered", REPLY_PHRASE))
        return found

    @property
    def rule_count(self) -> int:
        return 4 + len(self.keywords()) + (1 if self.phrases else 0)

    def playbook(self) -> str:
        parts = [CORE]
        types = "" if self.any_type else "(mention or comment) and "
        for name, tag, phrase in self.keywords():
            parts.append(f'rule "{name}": when {types}text contains "{phrase}" then tag "{tag}"\n')
        if self.phrases:
            parts.append("list trouble = " + ", ".join(f'"{p}"' for p in self.phrases) + "\n")
            parts.append('rule "Trouble": when mention and text contains any trouble then tag "trouble"\n')
        return "\n".join(parts)

    def sources(self) -> dict[str, str]:
        """Each rule's `source` in its action records (SPEC section 4): `bench.play:LINE` of its `when`."""
        found = {}
        name = ""
        for number, line in enumerate(self.playbook().splitlines(), 1):
            named = re.search(r'rule "([^"]+)"', line)
            if named:
                name = named.group(1)
            if "when " in line:
                found[name] = f"{PLAYBOOK_FILE}:{number}"
        return found


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
        "100 rules": RuleSetSpec("100 rules", products=catalogue(96)),
        "1000 rules": RuleSetSpec("1000 rules", products=catalogue(996)),
        "100 rules, any type": RuleSetSpec("100 rules, any type", products=catalogue(95), any_type=True),
        "1000 rules, any type": RuleSetSpec("1000 rules, any type", products=catalogue(995), any_type=True),
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
