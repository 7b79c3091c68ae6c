"""`playbook test` (SPEC section 6): run each case of each test file in a fresh
engine and compare the actions with what the case expects."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from .actions import ActionRecord
from .diagnostics import PlaybookError, render_all
from .loader import PlaybookPathError, RuleSet, load_ruleset
from .runtime.engine import Engine
from .testfile import Case, Expectation, TestFileError, read_test_file
from .timestamps import format_time, parse_time

SUFFIX = ".test.yaml"
# What an unexpected action shows of itself when no expectation says which keys matter.
SHOWN_KEYS = ("time", "rule", "action", "target", "event")


def find_test_files(paths: Iterable[str]) -> list[str]:
    """Every `*.test.yaml` named or below the given folders, sorted; hidden folders skipped."""
    found: list[str] = []
    for path in paths:
        path = os.path.normpath(path)
        if os.path.isfile(path):
            found.append(path)
            continue
        if not os.path.isdir(path):
            raise PlaybookPathError(f"no such file or folder: {path}")
        for folder, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found.extend(os.path.normpath(os.path.join(folder, name)) for name in sorted(files) if name.endswith(SUFFIX))
    return sorted(dict.fromkeys(found))


@dataclass(slots=True)
class Row:
    """One entry of the side-by-side comparison: an expectation, an action, or
    both (matched, or the nearest action to an expectation nothing matched)."""

    expected: Expectation | None
    actual: ActionRecord | None
    matched: bool = False

    def differing(self) -> list[str]:
        """The keys of the expectation the action disagrees with."""
        if self.expected is None or self.actual is None:
            return []
        return [key for key in self.expected.fields if not _agrees(key, self.expected.fields[key], self.actual)]


@dataclass(slots=True)
class CaseResult:
    """How a case went: the comparison rows, and whether every row matched."""

    case: Case
    rows: list[Row]

    @property
    def passed(self) -> bool:
        return all(row.matched for row in self.rows)


@dataclass(slots=True)
class FileResult:
    """The cases of one test file, or why it could not run."""

    path: str
    cases: list[CaseResult] = field(default_factory=list)
    problem: str | None = None
    ruleset: RuleSet | None = None


def _agrees(key: str, want: Any, record: ActionRecord) -> bool:
    have = getattr(record, key)
    return parse_time(have) == want if key == "time" else have == want


def matches(expected: Expectation, record: ActionRecord) -> bool:
    """Whether the record agrees with every key the expectation gives."""
    return all(_agrees(key, want, record) for key, want in expected.fields.items())


def compare(expect: Sequence[Expectation], actual: Sequence[ActionRecord]) -> list[Row]:
    """Pair expectations with actions (each used once, as many pairs as possible),
    in the order the actions happened; the unpaired on either side get rows alone."""
    candidates = [[j for j, record in enumerate(actual) if matches(e, record)] for e in expect]
    owner: dict[int, int] = {}

    def claim(i: int, seen: set[int]) -> bool:
        for j in candidates[i]:
            if j not in seen:
                seen.add(j)
                if j not in owner or claim(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    for i in range(len(expect)):
        claim(i, set())
    # An expectation nothing matched is shown beside the unmatched action of
    # the same rule that agrees on most keys, so the difference stands out.
    near: dict[int, int] = {}
    for i, expected in enumerate(expect):
        if i in owner.values():
            continue
        best, best_score = None, 0
        for j, record in enumerate(actual):
            if j in owner or j in near or not _agrees("rule", expected.fields.get("rule", record.rule), record):
                continue
            score = sum(_agrees(key, want, record) for key, want in expected.fields.items())
            if score > best_score:
                best, best_score = j, score
        if best is not None:
            near[best] = i
    rows = []
    for j, record in enumerate(actual):
        if j in owner:
            rows.append(Row(expect[owner[j]], record, matched=True))
        elif j in near:
            rows.append(Row(expect[near[j]], record))
        else:
            rows.append(Row(None, record))
    shown = set(owner.values()) | set(near.values())
    rows.extend(Row(e, None) for i, e in enumerate(expect) if i not in shown)
    return rows


def run_case(ruleset: RuleSet, case: Case) -> CaseResult:
    """Run one case in a fresh engine."""
    engine = Engine(ruleset)
    actual: list[ActionRecord] = []
    for event in case.events:
        actual.extend(engine.process(event))
    if case.until is not None:
        actual.extend(engine.advance(case.until))
    return CaseResult(case, compare(case.expect, actual))


def run_test_file(path: str) -> FileResult:
    """Load a test file and its playbooks, and run every case."""
    result = FileResult(path)
    try:
        test_file = read_test_file(path)
    except TestFileError as exc:
        result.problem = str(exc)
        return result
    try:
        result.ruleset = load_ruleset(test_file.playbooks)
    except PlaybookError as exc:
        result.problem = (f"{path}: error: the playbooks it tests are invalid:\n"
                          + render_all(exc.diagnostics, exc.sources))
        return result
    except PlaybookPathError as exc:
        result.problem = f"{path}: error: {exc}"
        return result
    result.cases = [run_case(result.ruleset, case) for case in test_file.cases]
    return result


# --- reporting ---


def _value(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_value(v)}" for k, v in value.items()) + "}"
    if value is None:
        return "null"
    return str(value)


def _expected_lines(expected: Expectation) -> list[str]:
    return [f"{key}: {format_time(value) if key == 'time' else _value(value)}"
            for key, value in expected.fields.items()]


def _actual_lines(record: ActionRecord, keys: Iterable[str]) -> list[str]:
    return [f"{key}: {_value(getattr(record, key))}" for key in keys]


def _side_by_side(rows: list[Row]) -> Iterator[str]:
    blocks: list[tuple[str, list[str], list[str]]] = []
    for row in rows:
        keys = list(row.expected.fields) if row.expected is not None else list(SHOWN_KEYS)
        left = _expected_lines(row.expected) if row.expected is not None else ["(not expected)"]
        right = _actual_lines(row.actual, keys) if row.actual is not None else ["(did not happen)"]
        if row.matched:
            status = "ok"
        elif row.expected is None:
            status = "unexpected action"
        elif row.actual is None:
            status = f"missing (expected at line {row.expected.line})"
        else:
            status = f"differs in {', '.join(row.differing())} (expected at line {row.expected.line})"
        blocks.append((status, left, right))
    width = max([len("expected"), *(len(line) for _, left, _ in blocks for line in left)])
    yield f"      {'expected':<{width}}  |  actual"
    for status, left, right in blocks:
        yield f"      {'-' * width}--+--  {status}"
        for k in range(max(len(left), len(right))):
            lhs = left[k] if k < len(left) else ""
            rhs = right[k] if k < len(right) else ""
            yield f"      {lhs:<{width}}  |  {rhs}".rstrip()


def _rules_involved(result: CaseResult, ruleset: RuleSet | None) -> Iterator[str]:
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
            yield f"      rule '{name}': no rule of that name in the playbooks"
        else:
            yield f"      rule '{name}' ({rule.source}): {rule.text}"


def report(results: list[FileResult], out: IO[str]) -> tuple[int, int, int]:
    """Print a line per case (and the comparison of failing ones); return
    (passed, failed, broken files)."""
    passed = failed = broken = 0
    for result in results:
        if result.problem is not None:
            broken += 1
            out.write(f"ERROR {result.problem.rstrip()}\n")
            continue
        for case_result in result.cases:
            where = f"{result.path}:{case_result.case.line}"
            if case_result.passed:
                passed += 1
                out.write(f"PASS  {where}  {case_result.case.name}\n")
                continue
            failed += 1
            out.write(f"FAIL  {where}  {case_result.case.name}\n")
            for line in _side_by_side(case_result.rows):
                out.write(line + "\n")
            for line in _rules_involved(case_result, result.ruleset):
                out.write(line + "\n")
    return passed, failed, broken


def summary_line(passed: int, failed: int, broken: int, files: int) -> str:
    """`12 passed, 1 failed in 3 test files` (and the broken files, if any)."""
    text = f"{passed} passed, {failed} failed in {files} test {'file' if files == 1 else 'files'}"
    if broken:
        text += f"; {broken} {'file' if broken == 1 else 'files'} could not run"
    return text
