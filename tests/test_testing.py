"""`playbook test` (SPEC section 6), run as a user runs it: the real command on
test files written beside real playbooks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from playbook.actions import ActionRecord
from playbook.testfile import Expectation
from playbook.testing import compare

ROOT = Path(__file__).resolve().parent.parent

CARE = """\
brand "@acme"
rule "Escalate": when mention and text contains "broken" and unanswered 2h
  then escalate to "care-leads" priority high
rule "Thank": when mention and text contains "love" then reply "Thanks!" at most once per author per 1d
"""

HEAD = """\
playbooks: [care.play]
start: "2026-11-20T09:00:00Z"
cases:
"""

ESCALATED = """\
  - name: an unanswered complaint is escalated after two hours
    events:
      - {id: m1, type: mention, at: 0m, text: "It arrived broken", author: {handle: "@jane"}}
    until: 3h
    expect:
      - {rule: Escalate, action: escalate, event: m1, at: 2h, params: {priority: high}}
"""

ANSWERED = """\
  - name: a complaint answered in time is not escalated
    events:
      - {id: m1, type: mention, time: "2026-11-20T09:00:00Z", text: "It arrived broken"}
      - {id: r1, type: reply, at: 90m, in_reply_to: m1, author: {handle: "@ACME"}}
    until: "2026-11-20T12:00:00Z"
    expect: []
"""


def playbook_test(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "playbook", "test", *args],
        cwd=cwd, capture_output=True, text=True, timeout=60,
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "care.play").write_text(CARE, encoding="utf-8")
    return tmp_path


def write_tests(folder: Path, *cases: str, head: str = HEAD, name: str = "care.test.yaml") -> Path:
    path = folder / name
    path.write_text(head + "".join(cases), encoding="utf-8")
    return path


def test_passing_cases_print_a_line_each_and_exit_0(folder: Path) -> None:
    write_tests(folder, ESCALATED, ANSWERED)
    result = playbook_test(".", cwd=folder)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "PASS  care.test.yaml:4  an unanswered complaint is escalated after two hours"
    assert lines[1] == "PASS  care.test.yaml:10  a complaint answered in time is not escalated"
    assert lines[-1] == "2 passed, 0 failed in 1 test file"


def test_a_wrong_expectation_fails_with_expected_and_actual_side_by_side(folder: Path) -> None:
    write_tests(folder, ESCALATED.replace("at: 2h", "at: 1h"))
    result = playbook_test("care.test.yaml", cwd=folder)
    assert result.returncode == 1
    out = result.stdout
    assert out.startswith("FAIL  care.test.yaml:4  an unanswered complaint is escalated after two hours\n")
    assert "differs in time (expected at line 9)" in out
    rows = [line for line in out.splitlines() if "time:" in line]
    assert len(rows) == 1
    expected_side, actual_side = rows[0].split("|")
    assert "2026-11-20T10:00:00Z" in expected_side and "2026-11-20T11:00:00Z" in actual_side
    assert "rule 'Escalate' (care.play:2): when mention and text contains \"broken\" and unanswered 2h" in out
    assert out.splitlines()[-1] == "0 passed, 1 failed in 1 test file"


def test_an_action_nobody_expected_fails_the_case(folder: Path) -> None:
    write_tests(folder, ESCALATED.replace("    expect:\n      - {rule: Escalate, action: escalate, event: m1, "
                                          "at: 2h, params: {priority: high}}\n", "    expect: []\n"))
    result = playbook_test(".", cwd=folder)
    assert result.returncode == 1
    assert "unexpected action" in result.stdout
    assert "(did not happen)" not in result.stdout
    assert "|  action: escalate" in result.stdout


def test_a_missing_action_is_shown_as_did_not_happen(folder: Path) -> None:
    write_tests(folder, ANSWERED.replace("expect: []", "expect:\n      - {rule: Thank, event: m1}"))
    result = playbook_test(".", cwd=folder)
    assert result.returncode == 1
    assert "missing (expected at line 10)" in result.stdout
    assert "(did not happen)" in result.stdout
    assert "rule 'Thank' (care.play:4)" in result.stdout


def test_limits_suppress_in_a_case_and_each_case_starts_fresh(folder: Path) -> None:
    twice = """\
  - name: thanked once a day
    events:
      - {id: m1, type: mention, at: 0m, text: "I love it", author: {handle: "@jane"}}
      - {id: m2, type: mention, at: 1h, text: "love it again", author: {handle: "@jane"}}
    expect:
      - {rule: Thank, event: m1}
"""
    again = twice.replace("thanked once a day", "a fresh engine has no memory of the last case")
    write_tests(folder, twice, again)
    result = playbook_test(".", cwd=folder)
    assert result.returncode == 0, result.stdout


def test_every_expected_action_needs_its_own_match() -> None:
    def record(event: str, action: str) -> ActionRecord:
        return ActionRecord("0" * 16, "2026-11-20T09:00:00Z", "R", action, None, {}, event, event, None, "t.play:1")

    loose = Expectation(1, {"rule": "R"})
    strict = Expectation(2, {"rule": "R", "action": "tag"})
    # The loose expectation must not take the only action the strict one can match.
    rows = compare([loose, strict], [record("m1", "tag"), record("m2", "hide")])
    assert all(row.matched for row in rows)
    rows = compare([loose, loose], [record("m1", "tag")])
    assert [row.matched for row in rows] == [True, False]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (HEAD + "  - name: x\n    events: [\n", 6, "this is not valid YAML"),
        ("playbooks: [care.play]\n", 1, "missing 'cases'"),
        ("cases: []\n", 1, "missing 'playbooks'"),
        ("playbooks: [nowhere.play]\ncases: []\n", 1, "playbook 'nowhere.play' not found"),
        (HEAD + "  - name: x\n    events: []\n    expected: []\n", 6, "unknown key 'expected' in a case (did you mean 'expect'?)"),
        (HEAD + "  - events: []\n    expect: []\n", 4, "a case needs a 'name'"),
        (HEAD + "  - name: x\n    expect: []\n", 4, "case 'x' has no 'events'"),
        (HEAD + "  - name: x\n    events:\n      - {id: m1, type: mention, at: soon}\n    expect: []\n", 6,
         "cannot read at 'soon'"),
        (HEAD + "  - name: x\n    events:\n      - {type: mention, at: 0m}\n    expect: []\n", 6,
         "bad event: missing 'id'"),
        ("playbooks: [care.play]\ncases:\n  - name: x\n    events:\n      - {id: m1, type: mention, at: 5m}\n"
         "    expect: []\n", 5, "'at' '5m' is an offset, but there is no 'start'".replace("'at' ", "at ")),
        (HEAD + "  - name: x\n    events: []\n    expect:\n      - {rule: R, evnt: m1}\n", 7,
         "unknown key 'evnt' in an expected action (did you mean 'event'?)"),
        (HEAD + "  - name: x\n    events: []\n    expect: []\n  - name: x\n    events: []\n    expect: []\n", 7,
         "a case named 'x' is already at line 4"),
    ],
)
def test_a_malformed_test_file_is_reported_with_its_line(folder: Path, text: str, line: int, message: str) -> None:
    write_tests(folder, head=text)
    result = playbook_test(".", cwd=folder)
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"ERROR care.test.yaml:{line}: error: "), first
    assert message in first
    assert "Traceback" not in result.stdout + result.stderr


def test_invalid_playbooks_are_shown_as_check_shows_them(folder: Path) -> None:
    (folder / "care.play").write_text('when mention then notfy "#x"\n', encoding="utf-8")
    write_tests(folder, ANSWERED)
    result = playbook_test(".", cwd=folder)
    assert result.returncode == 1
    assert "care.play:1:19: error:" in result.stdout


def test_usage_errors_exit_2(folder: Path) -> None:
    assert playbook_test("missing", cwd=folder).returncode == 2
    result = playbook_test(".", cwd=folder)
    assert result.returncode == 2
    assert "no test files" in result.stderr


def test_the_repository_playbooks_pass_their_tests() -> None:
    result = playbook_test("playbooks", cwd=ROOT)
    assert result.returncode == 0, result.stdout
    assert " 0 failed" in result.stdout.splitlines()[-1]
