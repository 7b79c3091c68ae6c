"""What `playbook test` prints: a line per case, and for a failing case the
expected and actual actions side by side, the lines of the test file that
failed, and the rules involved as they are written in the playbooks."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from typing import IO, Any

from playbook.compiler.actions import ActionRecord
from playbook.compiler.rules import CompiledRule
from playbook.compiler.ruleset import RuleSet
from playbook.language.diagnostics import Pos
from playbook.language.durations import format_duration
from playbook.language.fields import suggest
from playbook.language.timestamps import MICROS, format_time, parse_time
from playbook.testing.runner import CaseResult, FileResult, Row
from playbook.testing.testfile import Expectation

# What an unexpected action shows of itself when no expectation says which keys matter.
SHOWN_KEYS = ("time", "rule", "action", "target", "params", "event")
INDENT = " " * 6
_COLOURS = {"green": "32", "red": "31", "yellow": "33", "bold": "1", "dim": "2"}


class _Paint:
    """ANSI colours for a terminal; plain text otherwise."""

    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def __call__(self, text: str, *styles: str) -> str:
        if not self.colour or not text:
            return text
        codes = ";".join(_COLOURS[style] for style in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"


def _value(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_value(v)}" for k, v in value.items()) + "}"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _time(micros: int, start: int | None) -> str:
    """The time, and as an offset from the case's start when it has one (`at 1h30m`)."""
    text = format_time(micros)
    if start is not None and micros >= start and (micros - start) % MICROS == 0:
        text += f" (at {format_duration((micros - start) // MICROS)})"
    return text


def _expected_lines(expected: Expectation, start: int | None) -> list[tuple[str, str]]:
    return [
        (key, f"{key}: {_time(value, start) if key == 'time' else _value(value)}")
        for key, value in expected.fields.items()
    ]


def _actual_lines(record: ActionRecord, keys: Iterable[str], start: int | None) -> list[tuple[str, str]]:
    return [
        (
            key,
            f"{key}: "
            f"{_time(parse_time(record.time), start) if key == 'time' else _value(getattr(record, key))}",
        )
        for key in keys
    ]


def _status(row: Row) -> str:
    if row.matched:
        return "ok"
    if row.expected is None:
        return "unexpected action"
    if row.actual is None:
        return f"missing (expected at line {row.expected.line})"
    return f"differs in {', '.join(row.differing())} (expected at line {row.expected.line})"


def _shown_keys(record: ActionRecord | None) -> list[str]:
    """The keys an unexpected action shows: a shadow rule's action says it is one."""
    return [*SHOWN_KEYS, "shadow"] if record is not None and record.shadow else list(SHOWN_KEYS)


def side_by_side(rows: list[Row], start: int | None, paint: _Paint) -> Iterator[str]:
    """Two columns, expected | actual, one block per row; a key that differs is marked `!=`."""
    blocks: list[tuple[Row, list[tuple[str, str]], list[tuple[str, str]]]] = []
    for row in rows:
        keys = list(row.expected.fields) if row.expected is not None else _shown_keys(row.actual)
        left = _expected_lines(row.expected, start) if row.expected is not None else [("", "(not expected)")]
        right = (
            _actual_lines(row.actual, keys, start) if row.actual is not None else [("", "(did not happen)")]
        )
        blocks.append((row, left, right))
    width = max([len("expected"), *(len(text) for _, left, _ in blocks for _, text in left)])
    yield f"{INDENT}{'expected':<{width}}  |  actual"
    for row, left, right in blocks:
        status = _status(row)
        yield f"{INDENT}{'-' * width}--+--  " + paint(status, "dim" if row.matched else "red")
        differing = set(row.differing())
        for k in range(max(len(left), len(right))):
            key, lhs = left[k] if k < len(left) else ("", "")
            _, rhs = right[k] if k < len(right) else ("", "")
            mark = "!=" if key in differing else " |"
            line = f"{lhs:<{width}} {mark}  {rhs}".rstrip()
            yield INDENT + (paint(line, "yellow") if key in differing else line)


def _failed_expectations(result: CaseResult) -> list[Expectation]:
    return [row.expected for row in result.rows if row.expected is not None and not row.matched]


def test_file_lines(path: str, text: str, result: CaseResult) -> Iterator[str]:
    """The lines of the test file that hold the case's failing expectations."""
    lines = text.splitlines()
    for expected in _failed_expectations(result):
        end = max(expected.end_line, expected.line)
        where = f"{path}:{expected.line}" + (f"-{end}" if end > expected.line else "")
        yield f"{INDENT}{where}: expected"
        for number in range(expected.line, min(end, len(lines)) + 1):
            yield f"{INDENT}  {number:>4} | {lines[number - 1]}".rstrip()


def _positions(node: Any) -> Iterator[Pos]:
    if isinstance(node, Pos):
        yield node
    elif isinstance(node, tuple):
        for item in node:
            yield from _positions(item)
    elif dataclasses.is_dataclass(node):
        for item in dataclasses.fields(node):
            yield from _positions(getattr(node, item.name))


def rule_lines(rule: CompiledRule, ruleset: RuleSet) -> list[str]:
    """The rule as written in its playbook, from `rule "NAME":` (or `when`) to its last word."""
    start = rule.node.pos
    lines = ruleset.sources.get(start.file, "").splitlines()
    end = max(pos.line for pos in _positions(rule.node) if pos.file == start.file)
    return [
        f"{INDENT}  {number:>4} | {lines[number - 1]}".rstrip()
        for number in range(start.line, min(end, len(lines)) + 1)
    ]


def rules_involved(result: CaseResult, ruleset: RuleSet | None) -> Iterator[str]:
    """Each rule of a row that did not match: where it is, and its text."""
    if ruleset is None:
        return
    names: list[str] = []
    for row in result.rows:
        if row.matched:
            continue
        if row.actual is not None:
            names.append(row.actual.rule)
        if row.expected is not None and isinstance(row.expected.fields.get("rule"), str):
            names.append(row.expected.fields["rule"])
    for name in dict.fromkeys(names):
        rule = ruleset.by_name.get(name)
        if rule is None:
            close = suggest(name, ruleset.by_name, limit=max(3, len(name) // 4))
            hint = f" (did you mean '{close}'?)" if close else ""
            yield f"{INDENT}rule '{name}': no rule of that name in the playbooks{hint}"
            continue
        yield f"{INDENT}rule '{name}' ({rule.node.pos.file}:{rule.node.pos.line}):"
        yield from rule_lines(rule, ruleset)


def report(results: list[FileResult], out: IO[str], colour: bool = False) -> tuple[int, int, int]:
    """Print a line per case (and the comparison of failing ones); return
    (passed, failed, broken files)."""
    paint = _Paint(colour)
    passed = failed = broken = 0
    for result in results:
        if result.problems:
            broken += 1
            for problem in result.problems:
                out.write(f"{paint('ERROR', 'red', 'bold')} {problem.rstrip()}\n")
            continue
        for case_result in result.cases:
            case = case_result.case
            where = f"{result.path}:{case.line}"
            if case_result.passed:
                passed += 1
                out.write(f"{paint('PASS', 'green')}  {where}  {case.name}\n")
                continue
            failed += 1
            out.write(f"{paint('FAIL', 'red', 'bold')}  {where}  {case.name}\n")
            lines = [
                *side_by_side(case_result.rows, case.start, paint),
                *test_file_lines(result.path, result.text, case_result),
                *rules_involved(case_result, result.ruleset),
            ]
            out.write("".join(line + "\n" for line in lines))
    return passed, failed, broken


def summary_line(passed: int, failed: int, broken: int, files: int) -> str:
    """`12 passed, 1 failed in 3 test files` (and the broken files, if any)."""
    text = f"{passed} passed, {failed} failed in {files} test {'file' if files == 1 else 'files'}"
    if broken:
        text += f"; {broken} {'file' if broken == 1 else 'files'} could not run"
    return text
