"""Which records a sink takes: its `match` (SPEC section 11).

`match: {action: [notify, alert], target: ["#vip-*", null]}` takes a record when,
for every key given, the record's value is one of those listed. `*` in a listed
value matches any run of characters; `null` matches a record without a value
(a null target, a record without a priority). Values compare ignoring case, as
strings do in conditions. Without `match`, a sink takes every record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from playbook.compiler.actions import ActionRecord
from playbook.language.fields import suggest
from playbook.language.vocabulary import ACTION_WORDS, PRIORITIES

KEYS = ("action", "target", "rule", "priority")
# The values a key can take, where they are a closed set: a value outside it never matches.
_CLOSED = {"action": ACTION_WORDS, "priority": PRIORITIES}
# Keys whose value a record may lack, so that `null` means something.
_NULLABLE = ("target", "priority")
_EXAMPLES = {
    "action": "notify, alert",
    "target": '"#vip-desk"',
    "rule": '"Crisis*"',
    "priority": "high, urgent",
}


class MatchError(ValueError):
    """A `match` that cannot be used; the message names the key and what is wrong."""


@dataclass(frozen=True, slots=True)
class KeyMatch:
    """What one key of a `match` takes: values fitting `pattern`, and a missing value when `null`."""

    key: str
    pattern: re.Pattern[str] | None
    null: bool

    def takes(self, value: str | None) -> bool:
        if value is None:
            return self.null
        return self.pattern is not None and self.pattern.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class Match:
    """A sink's `match`: a record must fit every key given (none given: every record)."""

    keys: tuple[KeyMatch, ...] = ()

    def matches(self, record: ActionRecord) -> bool:
        """Whether a sink with this `match` takes `record`."""
        return not self.keys or all(key.takes(_value(record, key.key)) for key in self.keys)


EVERY_RECORD = Match()


def _value(record: ActionRecord, key: str) -> str | None:
    if key == "action":
        return record.action
    if key == "target":
        return record.target
    if key == "rule":
        return record.rule
    return record.params.get("priority")


def parse_match(value: Any) -> Match:
    """The `match` of a sink's configuration; MatchError names what is wrong."""
    if not isinstance(value, dict) or not value:
        raise MatchError("'match' must be a mapping like {action: [notify, alert]}")
    keys = []
    for key, listed in value.items():
        if key not in KEYS:
            close = suggest(str(key), KEYS)
            hint = f" (did you mean '{close}'?)" if close else f" (known keys: {', '.join(KEYS)})"
            raise MatchError(f"'match' has an unknown key '{key}'{hint}")
        keys.append(_key_match(key, listed))
    return Match(tuple(keys))


def _key_match(key: str, listed: Any) -> KeyMatch:
    where = f"'match.{key}'"
    if not isinstance(listed, list) or not listed:
        raise MatchError(f"{where} must be a list of values, like [{_EXAMPLES[key]}], not {listed!r}")
    texts = []
    for item in listed:
        if item is None:
            if key not in _NULLABLE:
                raise MatchError(f"{where} cannot list null: every record has one")
            continue
        if not isinstance(item, str) or not item:
            raise MatchError(f"{where} must list texts, not {item!r} (write it in quotes)")
        _check_known(key, item, where)
        texts.append("(?:" + ".*".join(re.escape(part) for part in item.split("*")) + ")")
    pattern = re.compile("|".join(texts), re.IGNORECASE | re.DOTALL) if texts else None
    return KeyMatch(key, pattern, None in listed)


def _check_known(key: str, item: str, where: str) -> None:
    known = _CLOSED.get(key)
    if known is None or "*" in item or item.lower() in known:
        return
    close = suggest(item.lower(), known)
    hint = f"did you mean '{close}'?" if close else f"one of {', '.join(known)}"
    raise MatchError(f"{where} lists '{item}', which no record has ({hint})")
