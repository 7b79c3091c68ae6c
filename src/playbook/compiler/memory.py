"""Memory (SPEC section 12), compiled: marks a rule sets or takes away, tests of
marks, and `repeat`.

A mark is kept on an author, keyed as `per author` counts (the author's id,
else the handle ignoring case), or on a thread, keyed as `per thread` counts
(the thread ignoring case); its name compares ignoring case. The marks
themselves are the engine's state (runtime/marks.py): the engine hands them to
each event (`Event.marks`) before the rules look at it, and a test of a mark
asks them.

A shadow rule's marks are kept apart from the others (`shadow`), so that
trying a rule out never changes what the live rules do: a live rule sees
live marks only, a shadow rule sees live marks and shadow ones.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Protocol

from playbook.language import nodes
from playbook.language.timestamps import MICROS
from playbook.language.unparse import mark_text, repeat_text

# How long a mark lasts without `for D`.
DEFAULT_MARK_SECONDS = 30 * 86400

Who = Hashable


def author_key(event: Any) -> Who | None:
    """What a mark on the event's author is kept under: `("id", "u42")`, else
    `("handle", "@jane")` in lower case; None for an event without either."""
    author = event.data.get("author")
    if type(author) is not dict:
        return None
    found = author.get("id")
    if found is not None:
        return ("id", str(found))
    handle = author.get("handle")
    return ("handle", handle.casefold()) if isinstance(handle, str) else None


def thread_key(thread: str) -> Who:
    """What a mark on a thread is kept under: the thread, ignoring case."""
    return thread.casefold()


class MarkReader(Protocol):
    """The marks as a test asks them (runtime/marks.py `Marks`)."""

    def until(self, subject: str, who: Who, name: str, time: int, shadow: bool) -> int | None: ...


@dataclass(frozen=True, slots=True)
class MarkSpec:
    """`mark SUBJECT "NAME" for D`, or `unmark SUBJECT "NAME"`: `micros` is how long
    a mark lasts (0 for `unmark`), `key` its name ignoring case."""

    unmark: bool
    subject: str
    name: str
    key: str
    micros: int
    text: str

    @classmethod
    def of(cls, node: nodes.Mark) -> MarkSpec:
        seconds = node.duration.seconds if node.duration is not None else DEFAULT_MARK_SECONDS
        name = str(node.name.value)
        return cls(
            node.unmark,
            node.subject.name,
            name,
            name.casefold(),
            0 if node.unmark else seconds * MICROS,
            mark_text(node),
        )


@dataclass(frozen=True, slots=True)
class RepeatSpec:
    """`repeat every D up to N times`: fire again every `micros` while unanswered,
    at most `times` more times."""

    micros: int
    times: int
    text: str

    @classmethod
    def of(cls, node: nodes.Repeat) -> RepeatSpec:
        return cls(node.every.seconds * MICROS, node.times, repeat_text(node))


class MarkTest:
    """`author is marked "M"` or `thread is marked "M"` (negated: `is not marked`),
    as a shadow rule or a live one sees marks. `until(event)` is when the mark the
    event carries ends (None: it carries none), for `--explain`."""

    __slots__ = ("subject", "name", "negated", "shadow", "_who")

    def __init__(self, node: nodes.IsMarked, shadow: bool) -> None:
        self.subject = node.word.name
        self.name = str(node.mark.value).casefold()
        self.negated = node.negated
        self.shadow = shadow
        self._who: Callable[[Any], Who | None] = (
            author_key if self.subject == "author" else lambda e: thread_key(e.thread)
        )

    def until(self, event: Any) -> int | None:
        marks: MarkReader | None = event.marks
        if marks is None:
            return None
        who = self._who(event)
        if who is None:
            return None
        return marks.until(self.subject, who, self.name, event.time, self.shadow)

    def __call__(self, event: Any) -> bool:
        return (self.until(event) is not None) != self.negated
