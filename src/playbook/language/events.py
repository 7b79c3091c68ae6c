"""Events as the engine sees them, and reading them from JSON Lines (SPEC section 1)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NoReturn

import msgspec
import orjson
from mypy_extensions import mypyc_attr

from playbook.language.printable import printable
from playbook.language.timestamps import TimeError, parse_event_time

# How much of a text the sentiment score reads. VADER's cost grows with the
# square of the words (and each emoji is read as words): a thousand
# characters, some 180 words, take at most a few tens of milliseconds, and a
# third of a second when they are all emoji; 10 MB took 4 s.
SENTIMENT_LIMIT = 1_000


# Not a class of mypyc's own when compiled: a msgspec struct, made in C.
@mypyc_attr(native_class=False)
class Event(msgspec.Struct, eq=False):
    """One event: its JSON object plus what the engine derives from it.

    `type` is lowercased, `time` is in microseconds since the epoch (and
    `time_text` that time as the event's action records write it), `handle`
    is the author's handle when there is one; `thread` and `brand` are filled
    in by the engine when it takes the event in, and so is `marks`, the marks
    it keeps (SPEC section 12), for the rules that test them (None outside an
    engine: nothing is marked). `cache` holds per-event work shared by rules
    (normalised text, phrase hits). Made by `make_event`; a msgspec struct (made
    in C, about a third of what a class with `__init__` costs), compared by
    identity as any object.
    """

    data: dict[str, Any]
    id: str
    type: str
    time: int
    time_text: str
    line: int
    handle: str | None
    thread: str
    cache: dict[Any, Any]
    brand: bool = False
    marks: Any = None

    def labels(self) -> frozenset[str]:
        """The event's labels, case-folded."""
        labels = self.cache.get("#labels")
        if labels is None:
            raw = self.data.get("labels")
            labels = (
                frozenset(x.casefold() for x in raw if isinstance(x, str))
                if isinstance(raw, list)
                else frozenset()
            )
            self.cache["#labels"] = labels
        return labels

    def sentiment(self) -> float | None:
        """The event's `sentiment`, or else VADER's compound score of the first
        `SENTIMENT_LIMIT` characters of its text."""
        given = self.data.get("sentiment")
        if isinstance(given, (int, float)) and not isinstance(given, bool):
            return given
        if "#sentiment" not in self.cache:
            text = self.data.get("text")
            self.cache["#sentiment"] = (
                _vader().polarity_scores(text[:SENTIMENT_LIMIT])["compound"]
                if isinstance(text, str)
                else None
            )
        return self.cache["#sentiment"]  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return f"Event({self.id!r}, {self.type!r}, {self.time})"


@lru_cache(maxsize=1)
def _vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


# How much of a skipped line is kept to show what it held.
PREVIEW = 60


@dataclass(frozen=True, slots=True)
class SkippedLine:
    """An input line that was not an event, why, and how it begins (`PREVIEW` characters)."""

    line: int
    reason: str
    text: str = ""


class BadEvent(ValueError):
    """An object that is not a readable event."""


def make_event(data: Any, line: int = 0) -> Event:
    """The event of a decoded JSON value; BadEvent says why it is not one."""
    if type(data) is dict:
        id_, type_, time = data.get("id"), data.get("type"), data.get("time")
        if type(id_) is str and id_ and type(type_) is str and type_ and type(time) is str:
            try:
                micros, text = parse_event_time(time)
            except TimeError as exc:
                raise BadEvent(str(exc)) from None
            author = data.get("author")
            handle = author.get("handle") if type(author) is dict else None
            kind = _TYPES.get(type_)
            if kind is None:
                kind = _type_name(type_)
            return Event(
                data, id_, kind, micros, text, line, handle if type(handle) is str else None, id_, {}
            )
    _refuse(data)


# Event types, lowercased, by how they are written: a handful in any stream.
_TYPES: dict[str, str] = {}
_MAX_TYPES = 1_000


def _type_name(written: str) -> str:
    """`written` lowercased, remembered for the events to come."""
    if len(_TYPES) >= _MAX_TYPES:
        _TYPES.clear()
    kind = _TYPES[written] = sys.intern(written.lower())
    return kind


def _refuse(data: Any) -> NoReturn:
    """Say what is wrong with what `make_event`'s checks did not take."""
    if not isinstance(data, dict):
        raise BadEvent("not a JSON object")
    for key in ("id", "type", "time"):
        if data.get(key) is None:
            raise BadEvent(f"missing '{key}'")
    for key in ("id", "type"):
        if not isinstance(data[key], str) or not data[key]:
            raise BadEvent(f"'{key}' must be a non-empty string")
    try:
        parse_event_time(data["time"])
    except TimeError as exc:
        raise BadEvent(str(exc)) from None
    raise AssertionError(f"an event make_event did not take: {data!r}")


def parse_line(raw: bytes | str, line: int = 0) -> Event:
    """The event on one JSON Lines line, with or without its line ending; BadEvent
    says why it is not one.

    Every reader of events (dry runs, tests, the daemon's sources and inbox)
    comes here for a line that is not an event, so a line gets one reason
    however it was read.
    """
    text = raw.rstrip(b"\r\n") if isinstance(raw, bytes) else raw.rstrip("\r\n")
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        reason = str(exc.args[0]).split(": line ")[0]
        raise BadEvent(f"not valid JSON ({reason})") from None
    return make_event(data, line)


def preview(raw: bytes | str) -> str:
    """How a line begins, to show it: at most `PREVIEW` characters, on one line."""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    text = printable(" ".join(text.split()))
    return text if len(text) <= PREVIEW else text[: PREVIEW - 1] + "…"


def read_events(lines: Iterable[bytes | str]) -> Iterator[Event | SkippedLine]:
    """Events from JSON Lines, numbered from 1; blank lines are passed over silently."""
    loads = orjson.loads
    for number, raw in enumerate(lines, 1):
        if number == 1:
            # A byte order mark (files saved on Windows) is not part of the event.
            raw = raw.removeprefix(b"\xef\xbb\xbf") if isinstance(raw, bytes) else raw.removeprefix("\ufeff")
        try:
            data = loads(raw)
        except orjson.JSONDecodeError:
            if not raw.strip():
                continue
            data = _NOT_JSON
        try:
            yield make_event(data, number) if data is not _NOT_JSON else parse_line(raw, number)
        except BadEvent as exc:
            yield SkippedLine(number, str(exc), preview(raw))


_NOT_JSON = object()
