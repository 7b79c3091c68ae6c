"""`playbook test` (SPEC section 6): run each case of each test file in a fresh
engine and compare the actions with what the case expects.

The expected actions are matched to the actual ones as a multiset: each
expectation takes one action that agrees on every key it gives, and the pairs
are found by bipartite matching, so a loose expectation written first never
takes the only action a stricter one could match. An expectation left over
is missing, an action left over is unexpected; either fails the case.

Exit codes (cli.py): 0 when every case passed; 1 when a case failed, a test
file is malformed or its playbooks are invalid; 2 when a PATH does not exist,
is not a test file, or holds no test files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from playbook.compiler.actions import ActionRecord
from playbook.compiler.ruleset import RuleSet
from playbook.language.diagnostics import PlaybookError, render_all
from playbook.language.timestamps import parse_time
from playbook.loader import PlaybookPathError, find_files, load_ruleset
from playbook.runtime.engine import Engine
from playbook.testing.testfile import Case, Expectation, TestFileProblems, read_test_file

SUFFIX = ".test.yaml"


def find_test_files(paths: Iterable[str]) -> list[str]:
    """Every test file the paths name, found as playbooks are (`playbook.loader.find_files`)."""
    return find_files(paths, SUFFIX, "test file")


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
        return [
            key for key in self.expected.fields if not _agrees(key, self.expected.fields[key], self.actual)
        ]


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
    """The cases of one test file, or why it could not run (`problems`, each
    starting `FILE:LINE: error:`)."""

    path: str
    cases: list[CaseResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    ruleset: RuleSet | None = None
    text: str = ""
    interrupted: bool = False


def _agrees(key: str, want: Any, record: ActionRecord) -> bool:
    have = getattr(record, key)
    return bool(parse_time(have) == want if key == "time" else have == want)


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
            if (
                j in owner
                or j in near
                or not _agrees("rule", expected.fields.get("rule", record.rule), record)
            ):
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


def run_test_file(path: str, stopping: Callable[[], bool] = lambda: False) -> FileResult:
    """Load a test file and its playbooks, and run every case, or those before
    `stopping()` turns true (the result is then `interrupted`)."""
    result = FileResult(path)
    try:
        test_file = read_test_file(path)
    except TestFileProblems as exc:
        result.problems = [str(problem) for problem in exc.problems]
        return result
    result.text = test_file.text
    try:
        result.ruleset = load_ruleset(test_file.playbooks)
    except PlaybookError as exc:
        result.problems = [
            f"{path}:{test_file.playbooks_line}: error: the playbooks it tests are invalid:\n"
            + render_all(exc.diagnostics, exc.sources)
        ]
        return result
    except PlaybookPathError as exc:
        result.problems = [f"{path}:{test_file.playbooks_line}: error: {exc}"]
        return result
    for case in test_file.cases:
        if stopping():
            result.interrupted = True
            break
        result.cases.append(run_case(result.ruleset, case))
    return result
