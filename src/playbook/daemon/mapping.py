"""Feeds whose JSON is not shaped like Playbook's events, mapped at the source
(SPEC section 11).

A source's `map` gives, for each event field, a JMESPath expression over the
incoming JSON object; a dotted field name (`author.handle`) builds nested
objects. A field not mapped is absent, and so is one whose expression finds
nothing or cannot be worked out on this input (`join()` of a missing value):
the event is then read as any event, and refused only when it lacks `id`,
`type` or a readable `time` (SPEC section 11), whose expressions are worked
out first so that the reason names them. `each`, when
given, is an expression that selects the list of items a request or line holds
(a Facebook webhook delivers several comments at once), and the map is then
applied to each item. Besides JMESPath's own functions, a map can call
`iso_time(n)`: Unix seconds (a number, or a text of digits) as an ISO-8601 time
in UTC, for the platforms that date things that way.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import jmespath
import orjson
from jmespath import functions
from jmespath.exceptions import JMESPathError
from jmespath.parser import ParsedResult

from playbook.language.events import BadEvent, make_event
from playbook.language.fields import KNOWN_FIELDS, suggest

REQUIRED = ("id", "type", "time")
_EXAMPLES = {"id": '"data.id"', "type": "\"'mention'\"", "time": '"data.created_at"'}


class MapError(ValueError):
    """A `map` or `each` that cannot be used; the message names the key."""


class _NotUnixSeconds(Exception):
    pass


class _Functions(functions.Functions):
    """JMESPath's functions, and `iso_time`."""

    @functions.signature({"types": ["number", "string", "null"]})
    def _func_iso_time(self, value: Any) -> str | None:
        if value is None:
            return None
        try:
            seconds = float(value)
            moment = datetime.fromtimestamp(seconds, UTC)
        except (ValueError, OverflowError, OSError):
            raise _NotUnixSeconds(f"iso_time: {value!r} is not a time in Unix seconds") from None
        written = moment.strftime("%Y-%m-%dT%H:%M:%S")
        if moment.microsecond:
            written += f".{moment.microsecond:06d}".rstrip("0")
        return written + "Z"


_OPTIONS = jmespath.Options(custom_functions=_Functions())
_TABLE: dict[str, dict[str, Any]] = _Functions.FUNCTION_TABLE


class FeedMap:
    """A source's `map` (and `each`), compiled and checked once."""

    def __init__(self, fields: dict[str, str], each: str | None = None) -> None:
        """MapError names the key of an expression that is not valid JMESPath, calls an
        unknown function, or a field name that cannot be used."""
        self.fields = {name: _compile(expression, f"map.{name}") for name, expression in fields.items()}
        self.texts = dict(fields)
        self.each = _compile(each, "each") if each is not None else None
        self._required = [(name, self.fields[name]) for name in REQUIRED if name in self.fields]
        self._optional = [
            (name.split("."), expression) for name, expression in self.fields.items() if name not in REQUIRED
        ]

    def events(self, raw: bytes) -> list[bytes]:
        """The events mapped from one JSON object (a line, or a request's body), as JSON;
        BadEvent says why one of them is not an event, naming the item with `each`."""
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise BadEvent(f"not valid JSON ({str(exc.args[0]).split(': line ')[0]})") from None
        events = []
        for where, item in self._items(data):
            event = self._event(item, where)
            try:
                make_event(event)
            except BadEvent as exc:
                hint = (
                    " (for Unix seconds, map it with iso_time(...))" if _is_number(event.get("time")) else ""
                )
                raise BadEvent(f"{where}{exc}{hint}") from None
            events.append(orjson.dumps(event))
        return events

    def _items(self, data: Any) -> Iterator[tuple[str, Any]]:
        if self.each is None:
            yield "", data
            return
        items = self._search(self.each, data, "'each'")
        if items is None:
            return
        if not isinstance(items, list):
            raise BadEvent(f"'each' gave {_kind(items)}, not a list of items")
        for number, item in enumerate(items, 1):
            yield f"item {number}: ", item

    def _event(self, item: Any, where: str) -> dict[str, Any]:
        event: dict[str, Any] = {}
        for name in REQUIRED:
            if name not in self.fields:
                raise BadEvent(
                    f"{where}missing '{name}': the source's map gives no '{name}' "
                    f"(add one, as in {name}: {_EXAMPLES[name]})"
                )
        for name, expression in self._required:
            value = self._search(expression, item, f"{where}'map.{name}'")
            if value is None:
                text = self.texts[name]
                hint = f" (to give it the text {text}, write \"'{text}'\")" if text.isidentifier() else ""
                raise BadEvent(f"{where}missing '{name}': its map '{text}' found nothing in the input{hint}")
            event[name] = value
        for path, expression in self._optional:
            try:
                value = self._search(expression, item, "")
            except BadEvent:
                continue  # cannot be worked out on this input: absent, as a field not found
            if value is None:
                continue
            holder = event
            for part in path[:-1]:
                holder = holder.setdefault(part, {})
            holder[path[-1]] = value
        return event

    @staticmethod
    def _search(expression: ParsedResult, data: Any, what: str) -> Any:
        try:
            return expression.search(data, options=_OPTIONS)
        except _NotUnixSeconds as exc:
            raise BadEvent(f"{what}: {exc}") from None
        except JMESPathError as exc:
            raise BadEvent(f"{what} failed: {str(exc).splitlines()[0]}") from None


def parse_map(fields: Any, each: Any) -> FeedMap:
    """The `map` and `each` of a source's configuration; MapError names what is wrong."""
    if not isinstance(fields, dict) or not fields:
        raise MapError(
            "'map' must be a mapping of event fields to JMESPath expressions, like {id: \"data.id\"}"
        )
    for name, expression in fields.items():
        _check_field(name, fields)
        if not isinstance(expression, str) or not expression.strip():
            raise MapError(f"'map.{name}' must be a JMESPath expression in quotes, not {expression!r}")
    if each is not None and (not isinstance(each, str) or not each.strip()):
        raise MapError(f"'each' must be a JMESPath expression in quotes, not {each!r}")
    return FeedMap(fields, each)


def _check_field(name: Any, fields: dict[str, Any]) -> None:
    if not isinstance(name, str) or not all(name.split(".")):
        raise MapError(
            f"'map' has a field name that cannot be used: {name!r} (write names like author.handle)"
        )
    if name not in KNOWN_FIELDS:
        close = suggest(name, KNOWN_FIELDS)
        if close:
            raise MapError(f"'map' gives '{name}': did you mean '{close}'?")
    parts = name.split(".")
    for end in range(1, len(parts)):
        outer = ".".join(parts[:end])
        if outer in fields:
            raise MapError(f"'map' gives both '{outer}' and '{name}': give the whole object or its fields")


def _compile(expression: str, key: str) -> ParsedResult:
    try:
        compiled = jmespath.compile(expression)
    except JMESPathError as exc:
        first = str(exc).splitlines()[0].removesuffix(":").removesuffix(", for expression")
        raise MapError(f"'{key}' is not a valid JMESPath expression: {first} in {expression!r}") from None
    _check_functions(dict(compiled.parsed), key)
    return compiled


def _check_functions(node: dict[str, Any], key: str) -> None:
    """MapError when the expression calls a function that does not exist, or with the wrong
    number of arguments (JMESPath itself finds out only when it runs)."""
    if node.get("type") == "function_expression":
        name, given = node["value"], len(node["children"])
        entry = _TABLE.get(name)
        if entry is None:
            close = suggest(name, _TABLE)
            hint = f" (did you mean '{close}'?)" if close else ""
            raise MapError(f"'{key}' calls an unknown function '{name}'{hint}")
        signature = entry["signature"]
        variadic = bool(signature) and signature[-1].get("variadic", False)
        if given < len(signature) or (given > len(signature) and not variadic):
            raise MapError(f"'{key}': {name}() takes {len(signature)} argument(s), not {given}")
    for child in node.get("children", []):
        if isinstance(child, dict):
            _check_functions(child, key)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str):
        return "a text"
    return "a number" if _is_number(value) else repr(value)
