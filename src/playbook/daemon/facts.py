"""What a person is told of an action record, whatever carries it: a Slack
message, an e-mail, or a digest that lists several records.

Each sink writes these facts in its own format (slack.py, mail.py); the texts
here are plain, and the formats escape them as they need.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Actions whose target reads as the one they go to: "escalate to care-leads", but "notify #vip-desk".
_TO = ("escalate", "assign")
# Params shown on a line of their own; any other param is listed by name.
_SHOWN = ("priority", "message", "text", "template")


@dataclass(frozen=True, slots=True)
class Facts:
    """The facts of one action record (SPEC section 4)."""

    id: str
    time: str
    rule: str
    source: str
    action: str
    target: str | None
    priority: str | None
    note: str | None  # the `message` or `text` to pass on
    template: str | None
    event: str
    thread: str
    author: str | None
    shadow: bool
    other: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, record: dict[str, Any]) -> Facts:
        params = record.get("params") or {}
        note = params.get("message", params.get("text"))
        return cls(
            id=str(record.get("id", "")),
            time=str(record.get("time", "")),
            rule=str(record.get("rule", "")),
            source=str(record.get("source", "")),
            action=str(record.get("action", "")),
            target=_text(record.get("target")),
            priority=_text(params.get("priority")),
            note=_text(note),
            template=_text(params.get("template")),
            event=str(record.get("event", "")),
            thread=str(record.get("thread", "")),
            author=_text(record.get("author")),
            shadow=record.get("shadow") is True,
            other=tuple((str(k), str(v)) for k, v in params.items() if k not in _SHOWN),
        )

    @property
    def what(self) -> str:
        """The action and its target: `escalate to care-leads`, `notify #vip-desk`, `hide`."""
        if self.target is None:
            return self.action
        return f"{self.action} {'to ' if self.action in _TO else ''}{self.target}"

    @property
    def headline(self) -> str:
        """What happened, in one line: `escalate to care-leads, priority high`."""
        shadow = "[shadow] " if self.shadow else ""
        priority = f", priority {self.priority}" if self.priority else ""
        return f"{shadow}{self.what}{priority}"

    @property
    def subject(self) -> str:
        """`escalate care-leads: RULE`: the action, its target when it has one, and the rule."""
        shadow = "[shadow] " if self.shadow else ""
        target = f" {self.target}" if self.target is not None else ""
        return f"{shadow}{self.action}{target}: {self.rule}"

    @property
    def about(self) -> str:
        """Whose event it was: `event m1 by @jane`."""
        thread = f" in thread {self.thread}" if self.thread and self.thread != self.event else ""
        return f"event {self.event}{thread}" + (f" by {self.author}" if self.author else "")

    def lines(self) -> list[tuple[str, str]]:
        """The facts as (label, value) lines, in the order people read them."""
        lines = [("Event", self.event)]
        if self.thread and self.thread != self.event:
            lines.append(("Thread", self.thread))
        lines.append(("Author", self.author or "unknown"))
        if self.priority:
            lines.append(("Priority", self.priority))
        if self.template:
            lines.append(("Template", self.template))
        lines += [(name.capitalize(), value) for name, value in self.other]
        lines += [("Time", self.time), ("Rule", f"{self.rule} ({self.source})"), ("Action id", self.id)]
        return lines


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
