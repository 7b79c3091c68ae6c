"""The words of the language: its keywords, its actions and their parts.

`grammar.lark` spells the keywords out again, as its terminals; a test holds
the two to the same words. The checker and the error messages take every word
they name from here.
"""

from __future__ import annotations

# Each statement begins with one of these.
STATEMENT_WORDS = ("playbook", "brand", "list", "define", "schedule", "rule", "when")

# The word before a rule (`shadow rule "NAME": ...`, `shadow when ...`) that
# makes it a shadow rule (SPEC section 9).
SHADOW_WORD = "shadow"

# Words that shape a statement are never names (grammar.lark's NAME leaves
# them out), so `when then` is a missing condition, not a rule about events of
# type "then".
RESERVED_WORDS = STATEMENT_WORDS + (SHADOW_WORD, "then", "and", "or", "not")

CONDITION_WORDS = (
    "not",
    "and",
    "or",
    "contains",
    "any",
    "all",
    "matches",
    "in",
    "exists",
    "is",
    "true",
    "false",
    "during",
    "marked",
)
TIME_WORDS = ("unanswered", "for", "no", "reply", "within", "at", "least", "times", "time", "per")
ACTION_PART_WORDS = ("to", "priority", "message", "with", "template")
LIMIT_WORDS = ("at", "most", "once", "times", "time", "per")
SCHEDULE_WORDS = ("schedule", "in", "closed", "holidays")
# Memory (SPEC section 12): `mark author "M" for D`, `unmark thread "M"`, and the
# rule option `repeat every D up to N times`.
MARK_WORDS = ("mark", "unmark")
REPEAT_WORDS = ("repeat", "every", "up", "to", "times", "time")
# What a mark is put on.
MARKED_SUBJECTS = ("author", "thread")

# Every keyword of the grammar. Only those in RESERVED_WORDS are kept from
# being names: `reply` is an action and an event type too, `message` a field.
KEYWORDS = frozenset(
    STATEMENT_WORDS
    + (SHADOW_WORD, "then")
    + CONDITION_WORDS
    + TIME_WORDS
    + ACTION_PART_WORDS
    + LIMIT_WORDS
    + SCHEDULE_WORDS
    + MARK_WORDS
    + REPEAT_WORDS
)

# Actions are names to the grammar; the checker knows them. Each makes an
# action record; `mark` and `unmark` (MARK_WORDS) are keywords, and make none.
ACTION_WORDS = ("escalate", "assign", "notify", "alert", "tag", "reply", "hide")
# Every word that can begin an action, as messages list them.
EVERY_ACTION_WORD = ACTION_WORDS + MARK_WORDS

PRIORITIES = ("low", "normal", "high", "urgent")

# `author is vip` and `event is spam` test the event without constraining its type.
ANY_TYPE_WORDS = ("author", "event")


def spoken_list(words: tuple[str, ...] | list[str]) -> str:
    """Words as a sentence lists them: `a, b or c`."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
