"""Action records (SPEC section 4): what a firing produces, its stable id, its JSON."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from hashlib import blake2b
from typing import Any

import msgspec
import orjson

from playbook.language.events import Event
from playbook.language.fields import PLACEHOLDER

Getter = Callable[[Event], Any]


def text_of(value: Any) -> str:
    """A field's value as it appears in a `{field}` text: numbers and booleans as in JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


class Template:
    """A message or reply text with `{field}` placeholders, split once at load time."""

    __slots__ = ("text", "_parts")

    def __init__(self, text: str, getter_for: Callable[[str], Getter]) -> None:
        self.text = text
        parts: list[str | Getter] = []
        last = 0
        for match in PLACEHOLDER.finditer(text):
            parts.append(text[last : match.start()])
            parts.append(getter_for(match.group(1)))
            last = match.end()
        parts.append(text[last:])
        self._parts = tuple(p for p in parts if p != "")

    def render(self, event: Event) -> str:
        return "".join(p if isinstance(p, str) else text_of(p(event)) for p in self._parts)

    def render_empty(self) -> str:
        """The text with every placeholder left empty."""
        return "".join(p for p in self._parts if isinstance(p, str))


@dataclass(frozen=True, slots=True)
class ActionTemplate:
    """One action of a rule, ready to fill in for an event."""

    action: str
    position: int
    target: str | None
    params: tuple[tuple[str, str | Template], ...]

    @property
    def fills_in(self) -> bool:
        """Whether the params depend on the event (a `{field}` in a text)."""
        return any(isinstance(value, Template) for _, value in self.params)

    def params_for(self, event: Event | None) -> dict[str, str]:
        """The params filled in from `event` (None: placeholders left empty)."""
        return {
            key: value if isinstance(value, str) else value.render(event) if event else value.render_empty()
            for key, value in self.params
        }


class ActionRecord(msgspec.Struct, frozen=True, omit_defaults=True, gc=False):
    """One action, as written to sinks and compared by tests (not changed once made).

    A shadow rule's records are `shadow`, and only theirs have the key in JSON.
    A msgspec struct: made and written as JSON in C, its fields in the order of
    SPEC section 4; never part of a reference cycle, so the cycle collector
    does not track it.
    """

    id: str
    time: str
    rule: str
    action: str
    target: str | None
    params: dict[str, str]
    event: str
    thread: str
    author: str | None
    source: str
    shadow: bool = False

    def to_dict(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "id": self.id,
            "time": self.time,
            "rule": self.rule,
            "action": self.action,
            "target": self.target,
            "params": self.params,
            "event": self.event,
            "thread": self.thread,
            "author": self.author,
            "source": self.source,
        }
        if self.shadow:
            record["shadow"] = True
        return record

    def to_json(self) -> bytes:
        return _encode(self)

    def to_json_line(self) -> bytes:
        """`to_json()` and a line ending, as JSON Lines."""
        return _encode(self) + b"\n"


_ENCODER = msgspec.json.Encoder()
_encode = _ENCODER.encode
# `encode_json_lines(records)`: the records' `to_json_line()`s in one bytes object, made in one call
# (for writers that gather many records).
encode_json_lines = _ENCODER.encode_lines


def action_id(rule: str, event: str, position: int, time: str) -> str:
    """The stable id of an action: the same rule, event, position and time give the same id."""
    return blake2b(f"{rule}\x1f{event}\x1f{position}\x1f{time}".encode(), digest_size=8).hexdigest()


class RecordParts:
    """What every record of one action of one rule shares, prepared once when the
    rule set loads: the hash of the start of its id (the rule's name) and its
    params when they do not depend on the event. `record` then does only the work
    that depends on the firing."""

    __slots__ = (
        "template",
        "action",
        "target",
        "rule",
        "source",
        "shadow",
        "fills_in",
        "params",
        "_hash",
        "_id_middle",
    )

    def __init__(self, template: ActionTemplate, rule: str, source: str, shadow: bool) -> None:
        self.template = template
        self.action = template.action
        self.target = template.target
        self.rule = rule
        self.source = source
        self.shadow = shadow
        self.fills_in = template.fills_in
        # The params of a firing that has none of its own: those of a template with no
        # `{field}`, or a wait's placeholders left empty.
        self.params = template.params_for(None)
        self._hash = blake2b(f"{rule}\x1f".encode(), digest_size=8)
        self._id_middle = f"\x1f{template.position}\x1f"

    def record(
        self, time: str, event: str, thread: str, author: str | None, params: dict[str, str] | None = None
    ) -> ActionRecord:
        """The record of this action firing for the item `event` at `time` (already
        formatted), with `params` filled in for the event (None: `self.params`)."""
        digest = self._hash.copy()
        digest.update(f"{event}{self._id_middle}{time}".encode())
        return ActionRecord(
            digest.hexdigest(),
            time,
            self.rule,
            self.action,
            self.target,
            self.params if params is None else params,
            event,
            thread,
            author,
            self.source,
            self.shadow,
        )
