"""What the language knows of events by name: fields (SPEC section 1), event
types and labels; and the typo finder that suggests them. The words of the
language itself are in `vocabulary`."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable


class Kind(enum.Enum):
    """The JSON type a known field holds."""

    STRING = "text"
    NUMBER = "a number"
    BOOLEAN = "true or false"
    LIST = "a list"
    OBJECT = "an object"


KNOWN_FIELDS: dict[str, Kind] = {
    "id": Kind.STRING,
    "type": Kind.STRING,
    "time": Kind.STRING,
    "author": Kind.OBJECT,
    "author.id": Kind.STRING,
    "author.handle": Kind.STRING,
    "author.name": Kind.STRING,
    "author.followers": Kind.NUMBER,
    "author.verified": Kind.BOOLEAN,
    "author.tags": Kind.LIST,
    "text": Kind.STRING,
    "platform": Kind.STRING,
    "thread": Kind.STRING,
    "in_reply_to": Kind.STRING,
    "rating": Kind.NUMBER,
    "labels": Kind.LIST,
    "sentiment": Kind.NUMBER,
    "ref": Kind.STRING,
}

EVENT_TYPES = ("mention", "reply", "comment", "message", "review", "handled")

# Labels an upstream classifier commonly sets; `X is NAME` with another NAME
# still works, with a warning in case it is a typo.
KNOWN_LABELS = (
    "complaint",
    "question",
    "praise",
    "spam",
    "sales_lead",
    "lead",
    "opt_out",
    "urgent",
    "bug",
    "feedback",
    "abuse",
    "crisis",
    "outage",
    "refund",
    "shipping",
    "review",
)


def max_edits(name: str) -> int:
    """How many edits from a known name still count as a typo of it.

    Short names get one edit only, so that a real field such as `geo` is not
    taken for a typo of `ref`.
    """
    return 1 if len(name) <= 4 else 2


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and
    swaps of two neighbouring letters each count one."""
    if a == b:
        return 0
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def suggest(name: str, candidates: Iterable[str], limit: int | None = None) -> str | None:
    """The candidate nearest to `name` within `limit` edits (default: `max_edits`)."""
    limit = max_edits(name) if limit is None else limit
    best: tuple[int, str] | None = None
    for candidate in candidates:
        if candidate == name or abs(len(candidate) - len(name)) > limit:
            continue
        distance = edit_distance(name, candidate)
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, candidate)
    return best[1] if best else None


# Author fields whose bare name is taken for the full path when misspelt
# (`folowers` for `author.followers`); short ones such as `id` or `tags` are
# left alone, as events often carry top-level fields by those names.
DISTINCTIVE_LEAVES = {
    "followers": "author.followers",
    "verified": "author.verified",
    "handle": "author.handle",
}


def field_typo(path: str) -> str | None:
    """The known field that `path` is a typo of, or None when it is known or a new field."""
    if path in KNOWN_FIELDS:
        return None
    near = suggest(path, KNOWN_FIELDS)
    if near is None and "." not in path:
        leaf = suggest(path, DISTINCTIVE_LEAVES)
        near = DISTINCTIVE_LEAVES[leaf] if leaf else None
    return near


PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\}")


def placeholders(text: str) -> list[tuple[str, int]]:
    """The `{field}` names in a message or reply text, with their offsets."""
    return [(m.group(1), m.start(1)) for m in PLACEHOLDER.finditer(text)]
