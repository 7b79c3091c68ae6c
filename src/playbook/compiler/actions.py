"""Action records (SPEC section 4): what a firing produces, its stable id, its JSON."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from hashlib import blake2b
from typing import Any

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


@dataclass(slots=True)
class ActionRecord:
    """One action, as written to sinks and compared by tests (not changed once made).

    A shadow rule's records are `shadow`, and only theirs have the key in JSON.
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
        return orjson.dumps(self.to_dict())


def action_id(rule: str, event: str, position: int, time: str) -> str:
    """The stable id of an action: the same rule, event, position and time give the same id."""
    return blake2b(f"{rule}\x1f{event}\x1f{position}\x1f{time}".encode(), digest_size=8).hexdigest()


def make_record(
    template: ActionTemplate,
    rule: str,
    source: str,
    time: str,
    event: str,
    thread: str,
    author: str | None,
    params: dict[str, str],
    shadow: bool = False,
) -> ActionRecord:
    """The record of `template` firing for the item `event` at `time` (already formatted)."""
    return ActionRecord(
        action_id(rule, event, template.position, time),
        time,
        rule,
        template.action,
        template.target,
        params,
        event,
        thread,
        author,
        source,
        shadow,
    )
