"""Action records (SPEC section 4): what a firing produces, its stable id, its JSON."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from .events import Event
from .fields import PLACEHOLDER

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
            parts.append(text[last:match.start()])
            parts.append(getter_for(match.group(1)))
            last = match.end()
        parts.append(text[last:])
        self._parts = tuple(p for p in parts if p != "")

    def render(self, event: Event) -> str:
        if len(self._parts) == 1 and isinstance(self._parts[0], str):
            return self._parts[0]
        return "".join(p if isinstance(p, str) else text_of(p(event)) for p in self._parts)


@dataclass(frozen=True, slots=True)
class ActionTemplate:
    """One action of a rule, ready to fill in for an event."""

    action: str
    position: int
    target: str | None
    params: tuple[tuple[str, str | Template], ...]

    def params_for(self, event: Event) -> dict[str, str]:
        return {
            key: value if isinstance(value, str) else value.render(event)
            for key, value in self.params
        }


@dataclass(frozen=True, slots=True)
class ActionRecord:
    """One action, as written to sinks and compared by tests."""

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

    def to_dict(self) -> dict[str, Any]:
        return {
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

    def to_json(self) -> bytes:
        return orjson.dumps(self.to_dict())


def action_id(rule: str, event: str, position: int, time: str) -> str:
    """The stable id of an action: the same rule, event, position and time give the same id."""
    key = "\x1f".join((rule, event, str(position), time)).encode()
    return hashlib.blake2b(key, digest_size=8).hexdigest()


def make_record(template: ActionTemplate, rule: str, source: str, event: Event, time: str) -> ActionRecord:
    """The record of `template` firing for `event` at `time` (already formatted)."""
    return ActionRecord(
        id=action_id(rule, event.id, template.position, time),
        time=time,
        rule=rule,
        action=template.action,
        target=template.target,
        params=template.params_for(event),
        event=event.id,
        thread=event.thread,
        author=event.handle,
        source=source,
    )
