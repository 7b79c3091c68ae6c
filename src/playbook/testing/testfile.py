"""Playbook test files (`*.test.yaml`, SPEC section 6): reading and checking them.

The format, with an example, is taught by `playbook test --help` (`cli.TEST_EPILOG`).

Every time (`time` of an event, `until`, `time` of an expected action) is an
ISO-8601 time with a zone, or with `at:` (or an offset string in `until`) a
duration from `start`: `90m`, `2h`, `1h30m`, `1d`. A case may set its own
`start`; `at: 0` is the start itself. Events are the objects of SPEC section 1
and each needs its own `id` and `type` (an id is what an expectation's `event`
names, so none is made up). `until` may not lie before the last event.
Expectations are compared on the keys they give; `params`, when given, is
compared whole. A record's text values are read as written (`target: 2024` is
the text "2024", `message: yes` the text "yes"), not as YAML numbers or
booleans. Every problem is reported with the file and line, and a key written
twice in one mapping is a problem too.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import yaml

from playbook.language.durations import parse_duration
from playbook.language.events import BadEvent, Event, make_event
from playbook.language.fields import suggest
from playbook.language.timestamps import MICROS, TimeError, format_time, parse_time

RECORD_KEYS = (
    "id",
    "time",
    "rule",
    "action",
    "target",
    "params",
    "event",
    "thread",
    "author",
    "source",
    "shadow",
)
# The record keys whose values are text (or null), and `params`, whose values are text.
TEXT_KEYS = ("id", "rule", "action", "target", "params", "event", "thread", "author", "source")
# The fields of an event that SPEC section 1 gives as text, and as lists of texts (`labels`, `author.tags`).
EVENT_TEXT = ("id", "type", "text", "platform", "thread", "in_reply_to", "ref")
AUTHOR_TEXT = ("id", "handle", "name")
FILE_KEYS = ("playbooks", "start", "cases")
CASE_KEYS = ("name", "start", "events", "until", "expect")
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_Read = TypeVar("_Read")


class TestFileError(Exception):
    """A problem in a test file, with where it is."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: error: {message}")
        self.path = path
        self.line = line
        self.message = message


class TestFileProblems(Exception):
    """Every problem found in a test file, in the order of their lines."""

    def __init__(self, problems: list[TestFileError]) -> None:
        self.problems = sorted(problems, key=lambda problem: problem.line)
        super().__init__("\n".join(map(str, self.problems)))


@dataclass(frozen=True, slots=True)
class Expectation:
    """One expected action: the record keys it gives, and where it is written."""

    line: int
    fields: dict[str, Any]
    end_line: int = 0


@dataclass(slots=True)
class Case:
    """One case: events in order, an optional end time, and the actions expected."""

    name: str
    line: int
    events: list[Event]
    until: int | None
    expect: list[Expectation]
    start: int | None = None


@dataclass(slots=True)
class TestFile:
    """A test file: the playbooks it loads and its cases."""

    path: str
    playbooks: list[str]
    cases: list[Case] = field(default_factory=list)
    text: str = ""
    playbooks_line: int = 1


class _Node:
    """A YAML value with the lines it starts and ends on; `written` is the text of
    an unquoted scalar as it stands in the file (`2024`, `yes`), None for any other."""

    __slots__ = ("value", "line", "end_line", "written")

    def __init__(self, value: Any, line: int, end_line: int = 0, written: str | None = None) -> None:
        self.value = value
        self.line = line
        self.end_line = max(end_line, line)
        self.written = written


def _compose(text: str, path: str, problems: list[TestFileError]) -> _Node | None:
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or exc.context or "unreadable"
        hint = (
            "indent with spaces, not tabs"
            if "'\\t'" in problem
            else "check the indentation, the ':' after each key, and that every [ and { is closed"
        )
        raise TestFileError(path, line, f"this is not valid YAML: {problem} ({hint})") from None
    finally:
        loader.dispose()
    return None if root is None else _convert(loader, root, path, problems)


def _convert(loader: yaml.SafeLoader, node: yaml.Node, path: str, problems: list[TestFileError]) -> _Node:
    """The node as a `_Node` tree; a key given twice in a mapping is a problem (the first is kept)."""
    line = node.start_mark.line + 1
    # A mark at column 0 is the start of the next line: the text ended on the one before.
    end = node.end_mark.line + (1 if node.end_mark.column else 0)
    if isinstance(node, yaml.MappingNode):
        value: Any = {}
        for key_node, value_node in node.value:
            key = _convert(loader, key_node, path, problems)
            name = str(key.value)
            if name in value:
                problems.append(
                    TestFileError(
                        path,
                        key.line,
                        f"'{name}' is given twice in one mapping (the first is at "
                        f"line {value[name][0]}; keep one)",
                    )
                )
                continue
            value[name] = (key.line, _convert(loader, value_node, path, problems))
        if not node.flow_style:
            end = max((child.end_line for _, child in value.values()), default=line)
        return _Node(value, line, end)
    if isinstance(node, yaml.SequenceNode):
        items = [_convert(loader, item, path, problems) for item in node.value]
        if not node.flow_style:
            end = max((child.end_line for child in items), default=line)
        return _Node(items, line, end)
    if node.tag == _TIMESTAMP_TAG:
        # Times stay text: the engine reads them as SPEC section 1 says.
        return _Node(node.value, line, end)
    written = node.value if isinstance(node, yaml.ScalarNode) and node.style is None else None
    return _Node(loader.construct_object(node, deep=True), line, end, written)


def _plain(node: _Node) -> Any:
    """The value with the line numbers taken out."""
    if isinstance(node.value, dict):
        return {key: _plain(child) for key, (_, child) in node.value.items()}
    if isinstance(node.value, list):
        return [_plain(child) for child in node.value]
    return node.value


def _as_text(node: _Node) -> Any:
    """The value for a record key that holds text (and of each entry of `params`): an
    unquoted number or yes/no is the text written (`target: 2024` is the target "2024"),
    as a manager reads it; null stays null."""
    if isinstance(node.value, dict):
        return {key: _as_text(child) for key, (_, child) in node.value.items()}
    if node.written is not None and node.value is not None and not isinstance(node.value, str):
        return node.written
    return _plain(node)


class _Reader:
    """Reads the parts of a test file, noting every problem: a part with a
    problem is left out (raising TestFileError), and its neighbours are read on."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[TestFileError] = []

    def fail(self, line: int, message: str) -> TestFileError:
        return TestFileError(self.path, line, message)

    def note(self, line: int, message: str) -> None:
        self.problems.append(self.fail(line, message))

    def each(self, nodes: list[_Node], read: Callable[[_Node], _Read]) -> list[_Read]:
        """What `read` makes of each node that has no problem."""
        found = []
        for node in nodes:
            try:
                found.append(read(node))
            except TestFileError as exc:
                self.problems.append(exc)
        return found

    def mapping(self, node: _Node, what: str, allowed: tuple[str, ...]) -> dict[str, tuple[int, _Node]]:
        """The keys of a mapping that are allowed. Each other key is a problem; one
        close to an allowed key not given is read as that key, to check what it holds."""
        if not isinstance(node.value, dict):
            raise self.fail(node.line, f"{what} must be a mapping of keys to values")
        known = {key: entry for key, entry in node.value.items() if key in allowed}
        for key, (line, child) in node.value.items():
            if key in allowed:
                continue
            close = suggest(key, allowed)
            hint = f"did you mean '{close}'?" if close else "the keys are " + ", ".join(allowed)
            self.note(line, f"unknown key '{key}' in {what} ({hint})")
            if close is not None and close not in node.value:
                known.setdefault(close, (line, child))
        return known

    def sequence(self, node: _Node, what: str) -> list[_Node]:
        if node.value is None:
            return []
        if not isinstance(node.value, list):
            raise self.fail(node.line, f"{what} must be a list (write '- ' before each entry, or [])")
        return node.value

    def time(self, node: _Node, start: int | None, what: str) -> int:
        value = "0s" if node.value == 0 and not isinstance(node.value, bool) else node.value
        if isinstance(value, str):
            try:
                return parse_time(value)
            except TimeError:
                pass
            try:
                seconds = parse_duration(value)
            except ValueError:
                seconds = None
            if seconds is not None:
                if start is None:
                    raise self.fail(
                        node.line,
                        f"{what} '{value}' is an offset, but there is no 'start' "
                        '(add start: "2026-11-20T09:00:00Z" to the case or the file)',
                    )
                return start + seconds * MICROS
        raise self.fail(
            node.line,
            f"cannot read {what} {value!r} (write a time with a zone like "
            '"2026-11-20T09:00:00Z", or an offset from start like 90m)',
        )


def read_test_file(path: str) -> TestFile:
    """Read and check one test file; TestFileProblems with every problem in it."""
    reader = _Reader(path)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise TestFileProblems([TestFileError(path, 1, f"cannot read the test file: {exc}")]) from None
    try:
        result = _read(reader, text)
    except TestFileError as exc:  # nothing more can be read
        reader.problems.append(exc)
    if reader.problems:
        raise TestFileProblems(reader.problems)
    return result


def _read(reader: _Reader, text: str) -> TestFile:
    root = _compose(text, reader.path, reader.problems)
    if root is None:
        raise reader.fail(1, "the test file is empty (it needs 'playbooks' and 'cases')")
    top = reader.mapping(root, "the test file", FILE_KEYS)
    if "playbooks" not in top:
        reader.note(
            root.line,
            "missing 'playbooks': the playbook files this file tests, "
            "relative to it, e.g. playbooks: [care.play]",
        )
    if "cases" not in top:
        reader.note(root.line, "missing 'cases': the list of test cases")
    playbooks: list[str] = []
    if "playbooks" in top:
        playbooks_node = top["playbooks"][1]
        names = (
            [playbooks_node]
            if isinstance(playbooks_node.value, str)
            else reader.sequence(playbooks_node, "'playbooks'")
        )
        folder = os.path.dirname(reader.path)
        playbooks = reader.each(names, lambda name: _playbook(reader, folder, name))
    result = TestFile(
        reader.path,
        playbooks,
        text=text,
        playbooks_line=top["playbooks"][0] if "playbooks" in top else root.line,
    )
    # An unreadable start stops here: every offset from it would be a problem too.
    start = reader.time(top["start"][1], None, "start") if "start" in top else None
    seen: dict[str, int] = {}
    case_nodes = reader.sequence(top["cases"][1], "'cases'") if "cases" in top else []
    for case in reader.each(case_nodes, lambda node: _read_case(reader, node, start)):
        if case.name in seen:
            reader.note(case.line, f"a case named '{case.name}' is already at line {seen[case.name]}")
            continue
        seen[case.name] = case.line
        result.cases.append(case)
    return result


def _playbook(reader: _Reader, folder: str, name: _Node) -> str:
    if not isinstance(name.value, str) or not name.value:
        raise reader.fail(name.line, "each entry of 'playbooks' must be a file or folder name")
    full = os.path.normpath(os.path.join(folder, name.value))
    if not os.path.exists(full):
        raise reader.fail(name.line, f"playbook '{name.value}' not found (looked for {full})")
    return full


def _read_case(reader: _Reader, node: _Node, start: int | None) -> Case:
    keys = reader.mapping(node, "a case", CASE_KEYS)
    name = _as_text(keys["name"][1]) if "name" in keys else None
    if not isinstance(name, str) or not name.strip():
        raise reader.fail(node.line, "a case needs a 'name' that says what it shows")
    name = name.strip()
    if "start" in keys:
        start = reader.time(keys["start"][1], None, "start")
    if "events" not in keys:
        reader.note(node.line, f"case '{name}' has no 'events' (write events: [] for none)")
    if "expect" not in keys:
        reader.note(node.line, f"case '{name}' has no 'expect' (write expect: [] when no action may happen)")
    event_nodes = reader.sequence(keys["events"][1], "'events'") if "events" in keys else []
    events = reader.each(event_nodes, lambda item: _read_event(reader, item, start))
    first_line: dict[str, int] = {}
    for event in events:
        if event.id in first_line:
            reader.note(
                event.line,
                f"event id '{event.id}' is already used at line {first_line[event.id]} "
                "(give each event its own id)",
            )
        first_line.setdefault(event.id, event.line)
    until = None
    if "until" in keys:
        until_node = keys["until"][1]
        until = reader.time(until_node, start, "until")
        last = max(events, key=lambda event: event.time, default=None)
        if last is not None and until < last.time:
            reader.note(
                until_node.line,
                f"'until' is {format_time(until)}, before event '{last.id}' at "
                f"{format_time(last.time)} (until moves the clock on after the "
                "last event; make it later, or leave it out)",
            )
    expect_nodes = reader.sequence(keys["expect"][1], "'expect'") if "expect" in keys else []
    expect = reader.each(expect_nodes, lambda item: _read_expectation(reader, item, start))
    return Case(name, node.line, events, until, expect, start)


def _read_event(reader: _Reader, node: _Node, start: int | None) -> Event:
    if not isinstance(node.value, dict):
        raise reader.fail(node.line, "an event must be a mapping like {id: m1, type: mention, time: ...}")
    data = _event_data(node)
    if "at" in data:
        if "time" in data:
            raise reader.fail(node.line, "give an event either 'time' or 'at', not both")
        at_node = node.value["at"][1]
        data["time"] = format_time(reader.time(at_node, start, "at"))
        del data["at"]
    try:
        return make_event(data, line=node.line)
    except BadEvent as exc:
        reason = str(exc)
        hint = (
            'write times with a zone, like "2026-11-20T09:00:00Z", or an offset like at: 90m'
            if "time" in reason and "missing" not in reason
            else "every event needs an id, a type, and a time or an at"
        )
        detail = f"{reason[:-1]}; {hint})" if reason.endswith(")") else f"{reason} ({hint})"
        raise reader.fail(node.line, f"bad event: {detail}") from None


def _event_data(node: _Node) -> dict[str, Any]:
    """The event as the JSON object it stands for, the fields SPEC section 1 gives as
    text read as written: `id: 7` is the id "7" and `text: yes` the text "yes"."""
    data = {}
    for key, (_, child) in node.value.items():
        if key in EVENT_TEXT:
            data[key] = _as_text(child)
        elif key == "labels":
            data[key] = _texts(child)
        elif key == "author" and isinstance(child.value, dict):
            data[key] = {
                field: _as_text(value)
                if field in AUTHOR_TEXT
                else _texts(value)
                if field == "tags"
                else _plain(value)
                for field, (_, value) in child.value.items()
            }
        else:
            data[key] = _plain(child)
    return data


def _texts(node: _Node) -> Any:
    """A list of texts, each read as written."""
    return [_as_text(item) for item in node.value] if isinstance(node.value, list) else _plain(node)


def _read_expectation(reader: _Reader, node: _Node, start: int | None) -> Expectation:
    keys = reader.mapping(node, "an expected action", (*RECORD_KEYS, "at"))
    if not keys:
        raise reader.fail(
            node.line, "an expected action needs at least one key, e.g. {rule: ..., action: ...}"
        )
    if "at" in keys and "time" in keys:
        raise reader.fail(node.line, "give an expected action either 'time' or 'at', not both")
    # `at` is the record's `time`, kept where it was written so the report shows keys in the same order.
    fields = {
        ("time" if key == "at" else key): (
            reader.time(child, start, "time")
            if key in ("at", "time")
            else _as_text(child)
            if key in TEXT_KEYS
            else _plain(child)
        )
        for key, (_, child) in keys.items()
    }
    if "params" in fields and not isinstance(fields["params"], dict):
        raise reader.fail(keys["params"][0], "'params' must be a mapping, e.g. {priority: high}")
    if "shadow" in fields and not isinstance(fields["shadow"], bool):
        raise reader.fail(keys["shadow"][0], "'shadow' must be true or false")
    return Expectation(node.line, fields, node.end_line)
