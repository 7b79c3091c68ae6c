"""Events as the engine sees them, and reading them from JSON Lines (SPEC section 1)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson

from playbook.language.printable import printable
from playbook.language.timestamps import TimeError, parse_event_time

# How much of a text the sentiment score reads. VADER's cost grows with the
# square of the words (and each emoji is read as words): a thousand
# characters, some 180 words, take at most a few tens of milliseconds, and a
# third of a second when they are all emoji; 10 MB took 4 s.
SENTIMENT_LIMIT = 1_000


class Event:
    """One event: its JSON object plus what the engine derives from it.

    `type` is lowercased, `time` is in microseconds since the epoch (and
    `time_text` that time as the event's action records write it), `handle`
    is the author's handle when there is one; `thread` and `brand` are filled
    in by the engine when it takes the event in, and so is `marks`, the marks
    it keeps (SPEC section 12), for the rules that test them (None outside an
    engine: nothing is marked). `cache` holds per-event work shared by rules
    (normalised text, phrase hits).
    """

    __slots__ = (
        "id",
        "type",
        "time",
        "time_text",
        "data",
        "handle",
        "thread",
        "brand",
        "line",
        "cache",
        "marks",
    )

    def __init__(self, data: dict[str, Any], time: int, time_text: str, line: int = 0) -> None:
        self.data = data
        self.id = self.thread = data["id"]
        self.type: str = data["type"].lower()
        self.time = time
        self.time_text = time_text
        self.line = line
        author = data.get("author")
        handle = author.get("handle") if type(author) is dict else None
        self.handle: str | None = handle if type(handle) is str else None
        self.brand = False
        self.cache: dict[Any, Any] = {}
        self.marks: Any = None

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
                return Event(data, micros, text, line)
            except TimeError as exc:
                raise BadEvent(str(exc)) from None
    return _checked_event(data, line)


def _checked_event(data: Any, line: int) -> Event:
    """`make_event` for what its fast path did not take, saying what is wrong."""
    if not isinstance(data, dict):
        raise BadEvent("not a JSON object")
    for key in ("id", "type", "time"):
        if data.get(key) is None:
            raise BadEvent(f"missing '{key}'")
    for key in ("id", "type"):
        if not isinstance(data[key], str) or not data[key]:
            raise BadEvent(f"'{key}' must be a non-empty string")
    try:
        time, text = parse_event_time(data["time"])
    except TimeError as exc:
        raise BadEvent(str(exc)) from None
    return Event(data, time, text, line)


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
