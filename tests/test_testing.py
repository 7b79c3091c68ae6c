"""`playbook test` (SPEC section 6), run as a user runs it: the real command on
test files written beside real playbooks."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from playbook.cli import TEST_EPILOG
from playbook.compiler.actions import ActionRecord
from playbook.testing.report import report
from playbook.testing.runner import compare, run_test_file
from playbook.testing.testfile import Expectation

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
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
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
    assert (
        result.stdout
        == """\
FAIL  care.test.yaml:4  an unanswered complaint is escalated after two hours
      expected                            |  actual
      ------------------------------------+--  differs in time (expected at line 9)
      rule: Escalate                      |  rule: Escalate
      action: escalate                    |  action: escalate
      event: m1                           |  event: m1
      time: 2026-11-20T10:00:00Z (at 1h) !=  time: 2026-11-20T11:00:00Z (at 2h)
      params: {priority: high}            |  params: {priority: high}
      care.test.yaml:9: expected
           9 |       - {rule: Escalate, action: escalate, event: m1, at: 1h, params: {priority: high}}
      rule 'Escalate' (care.play:2):
           2 | rule "Escalate": when mention and text contains "broken" and unanswered 2h
           3 |   then escalate to "care-leads" priority high
0 passed, 1 failed in 1 test file
"""
    )
    assert "\x1b[" not in result.stdout, "no colours when the output is not a terminal"


def test_matched_rows_line_up_with_the_missing_and_unexpected_ones(folder: Path) -> None:
    case = """\
  - name: two complaints, one expected wrongly
    events:
      - {id: m1, type: mention, at: 0m, text: "broken"}
      - {id: m2, type: mention, at: 10m, text: "broken again"}
    until: 3h
    expect:
      - {rule: Escalate, event: m1}
      - {rule: Escalate, event: m3,
         at: 2h10m}
"""
    write_tests(folder, case)
    out = playbook_test(".", cwd=folder).stdout
    blocks = out.split("--+--  ")[1:]
    assert blocks[0].startswith("ok\n")
    assert blocks[1].startswith("differs in event (expected at line 11)\n")
    assert re.search(r"\n      event: m3 +!=  event: m2\n", blocks[1])
    assert "time: 2026-11-20T11:10:00Z (at 2h10m)  |  time: 2026-11-20T11:10:00Z (at 2h10m)" in blocks[1]
    assert "care.test.yaml:11-12: expected\n" in out
    assert "          12 |          at: 2h10m}\n" in out


def test_an_action_nobody_expected_fails_the_case(folder: Path) -> None:
    write_tests(
        folder,
        ESCALATED.replace(
            "    expect:\n      - {rule: Escalate, action: escalate, event: m1, "
            "at: 2h, params: {priority: high}}\n",
            "    expect: []\n",
        ),
    )
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
        return ActionRecord(
            "0" * 16, "2026-11-20T09:00:00Z", "R", action, None, {}, event, event, None, "t.play:1"
        )

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
        (
            HEAD + "  - name: x\n    events: [\n",
            6,
            "this is not valid YAML: expected the node content, but found "
            "'<stream end>' (check the indentation, the ':' after each key, and that every [ and { is closed)",
        ),
        (HEAD + "  - name: x\n  \tevents: []\n", 5, "(indent with spaces, not tabs)"),
        (
            HEAD + '  - name: x\n    events:\n      - {id: m1, type: mention, time: "2026-11-20T09:00:00"}\n'
            "    expect: []\n",
            6,
            "bad event: unreadable time '2026-11-20T09:00:00' (no time zone; write times with "
            'a zone, like "2026-11-20T09:00:00Z", or an offset like at: 90m)',
        ),
        ("playbooks: [care.play]\n", 1, "missing 'cases'"),
        ("cases: []\n", 1, "missing 'playbooks'"),
        ("playbooks: [nowhere.play]\ncases: []\n", 1, "playbook 'nowhere.play' not found"),
        (
            HEAD + "  - name: x\n    events: []\n    expected: []\n",
            6,
            "unknown key 'expected' in a case (did you mean 'expect'?)",
        ),
        (HEAD + "  - events: []\n    expect: []\n", 4, "a case needs a 'name'"),
        (HEAD + "  - name: x\n    expect: []\n", 4, "case 'x' has no 'events'"),
        (
            HEAD + "  - name: x\n    events:\n      - {id: m1, type: mention, at: soon}\n    expect: []\n",
            6,
            "cannot read at 'soon'",
        ),
        (
            HEAD + "  - name: x\n    events:\n      - {type: mention, at: 0m}\n    expect: []\n",
            6,
            "bad event: missing 'id'",
        ),
        (
            "playbooks: [care.play]\ncases:\n  - name: x\n    events:\n      - {id: m1, type: mention, at: 5m}\n"
            "    expect: []\n",
            5,
            "'at' '5m' is an offset, but there is no 'start'".replace("'at' ", "at "),
        ),
        (
            HEAD + "  - name: x\n    events: []\n    expect:\n      - {rule: R, evnt: m1}\n",
            7,
            "unknown key 'evnt' in an expected action (did you mean 'event'?)",
        ),
        (
            HEAD
            + "  - name: x\n    events: []\n    expect: []\n  - name: x\n    events: []\n    expect: []\n",
            7,
            "a case named 'x' is already at line 4",
        ),
        (
            HEAD + "  - name: x\n    events: []\n    expect: []\n    events: []\n",
            7,
            "'events' is given twice in one mapping (the first is at line 5; keep one)",
        ),
        (
            HEAD + "  - name: x\n    events: []\n",
            4,
            "case 'x' has no 'expect' (write expect: [] when no action may happen)",
        ),
        (
            "playbooks: [care.play]\ncase: []\n",
            2,
            "unknown key 'case' in the test file (did you mean 'cases'?)",
        ),
        (
            "playbooks: [care.play]\ncases:\n  - name: x\n    events: []\n    until: 3h\n    expect: []\n",
            5,
            "until '3h' is an offset, but there is no 'start'",
        ),
        (
            HEAD + "  - name: x\n    events: []\n    expect:\n      - {rule: R, params: high}\n",
            7,
            "'params' must be a mapping",
        ),
        (
            HEAD + "  - name: x\n    events:\n      - {id: m1, type: mention, at: 0m}\n"
            "      - {id: m1, type: mention, at: 1m}\n    expect: []\n",
            7,
            "event id 'm1' is already used at line 6 (give each event its own id)",
        ),
        (
            HEAD
            + "  - name: x\n    events:\n      - {id: m1, type: mention, at: 2h}\n    until: 1h\n    expect: []\n",
            7,
            "'until' is 2026-11-20T10:00:00Z, before event 'm1' at 2026-11-20T11:00:00Z (until moves the clock on "
            "after the last event; make it later, or leave it out)",
        ),
    ],
)
def test_a_malformed_test_file_is_reported_with_its_line(
    folder: Path, text: str, line: int, message: str
) -> None:
    write_tests(folder, head=text)
    result = playbook_test(".", cwd=folder)
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"ERROR care.test.yaml:{line}: error: "), first
    assert message in first
    assert "Traceback" not in result.stdout + result.stderr


def test_every_problem_of_a_test_file_is_reported_with_its_line(folder: Path) -> None:
    write_tests(
        folder,
        "  - name: first\n"  # 4
        "    events:\n"
        "      - {id: m1, type: mention, at: soon}\n"  # 6
        "      - {id: m2, type: mention, time: '2026-11-20T09:00:00'}\n"  # 7
        "    expect:\n"
        "      - {rule: Escalate, evnt: m1}\n"  # 9
        "  - name: second\n"  # 10
        "    events: []\n"
        "    expect: []\n"
        "    expect: []\n"  # 13
        "  - events: []\n"  # 14
        "    expect: []\n",
    )
    result = playbook_test(".", cwd=folder)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "ERROR care.test.yaml:6: error: cannot read at 'soon' (write a time with a zone like "
        '"2026-11-20T09:00:00Z", or an offset from start like 90m)',
        "ERROR care.test.yaml:7: error: bad event: unreadable time '2026-11-20T09:00:00' (no time zone; "
        'write times with a zone, like "2026-11-20T09:00:00Z", or an offset like at: 90m)',
        "ERROR care.test.yaml:9: error: unknown key 'evnt' in an expected action (did you mean 'event'?)",
        "ERROR care.test.yaml:13: error: 'expect' is given twice in one mapping (the first is at line 12; keep one)",
        "ERROR care.test.yaml:14: error: a case needs a 'name' that says what it shows",
        "0 passed, 0 failed in 1 test file; 1 file could not run",
    ]


def test_invalid_playbooks_are_shown_as_check_shows_them(folder: Path) -> None:
    (folder / "care.play").write_text('when mention then notfy "#x"\n', encoding="utf-8")
    write_tests(folder, ANSWERED)
    result = playbook_test(".", cwd=folder)
    assert result.returncode == 1
    assert result.stdout.startswith(
        "ERROR care.test.yaml:1: error: the playbooks it tests are invalid:\n"
        "care.play:1:19: error: unknown action 'notfy' (did you mean 'notify'?)\n"
    )
    assert result.stdout.splitlines()[-1] == "0 passed, 0 failed in 1 test file; 1 file could not run"


def test_usage_errors_exit_2(folder: Path) -> None:
    assert playbook_test("missing", cwd=folder).returncode == 2
    result = playbook_test(".", cwd=folder)
    assert result.returncode == 2
    assert result.stderr == "playbook: error: .: no .test.yaml files in this folder\n"


def test_the_repository_playbooks_pass_their_tests() -> None:
    result = playbook_test("playbooks", cwd=ROOT)
    assert result.returncode == 0, result.stdout
    assert " 0 failed" in result.stdout.splitlines()[-1]


def test_times_may_be_offsets_from_the_start_of_the_file_or_the_case(folder: Path) -> None:
    cases = """\
  - name: offsets in minutes, hours and both
    events:
      - {id: m1, type: mention, at: 0, text: "broken"}
      - {id: m2, type: mention, at: 90m, text: "broken"}
      - {id: m3, type: mention, at: 1h45m, text: "broken"}
    until: 4h
    expect:
      - {rule: Escalate, event: m1, at: 2h}
      - {rule: Escalate, event: m2, at: 3h30m}
      - {rule: Escalate, event: m3, time: 2026-11-20T13:45:00+01:00}
  - name: a case may start at its own time
    start: "2026-12-01T08:00:00Z"
    events:
      - {id: m1, type: mention, at: 1d, text: "broken"}
    until: 1d2h
    expect:
      - {rule: Escalate, event: m1, time: "2026-12-02T10:00:00Z"}
  - name: until stops the clock before a deadline
    events:
      - {id: m1, type: mention, at: 0m, text: "broken"}
    until: 1h59m
    expect: []
"""
    write_tests(folder, cases)
    result = playbook_test(".", cwd=folder)
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1] == "3 passed, 0 failed in 1 test file"


def test_expectations_are_compared_on_their_keys_and_params_whole(folder: Path) -> None:
    case = """\
  - name: {name}
    events:
      - {{id: m1, type: mention, at: 0m, text: "broken", author: {{handle: "@jane"}}}}
    until: 3h
    expect:
      - {expectation}
"""
    loose = case.format(name="only the rule", expectation="{rule: Escalate}")
    keys = case.format(
        name="every key",
        expectation="{rule: Escalate, action: escalate, target: care-leads, "
        'params: {priority: high}, event: m1, thread: m1, author: "@jane", at: 2h, '
        'source: "care.play:2"}',
    )
    no_params = case.format(name="params are compared whole", expectation="{rule: Escalate, params: {}}")
    write_tests(folder, loose, keys, no_params)
    result = playbook_test(".", cwd=folder)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "PASS  care.test.yaml:4  only the rule"
    assert lines[1] == "PASS  care.test.yaml:10  every key"
    assert lines[2] == "FAIL  care.test.yaml:16  params are compared whole"
    assert re.search(r"params: \{\} +!=  params: \{priority: high\}", result.stdout)


def test_unquoted_numbers_and_yes_in_an_expectation_are_the_text_written(folder: Path) -> None:
    # SPEC section 6: "each entry is compared on the keys it gives"; a target, event
    # or message is text, and `2024` or `yes` written unquoted in YAML means that text.
    (folder / "years.play").write_text(
        'when mention then tag "2024", notify "#desk" message "yes"\n', encoding="utf-8"
    )
    head = 'playbooks: [years.play]\nstart: "2026-11-20T09:00:00Z"\ncases:\n'
    case = """\
  - name: {name}
    events:
      - {{id: "7", type: mention, at: 0m}}
    expect:
{expect}
"""
    unquoted = case.format(
        name="unquoted",
        expect="      - {action: tag, target: 2024, event: 7}\n"
        "      - {action: notify, params: {message: yes}}\n",
    )
    wrong = case.format(name="another year", expect="      - {action: tag, target: 2025}\n")
    write_tests(folder, unquoted, wrong, head=head, name="years.test.yaml")
    result = playbook_test("years.test.yaml", cwd=folder)
    lines = result.stdout.splitlines()
    assert lines[0] == "PASS  years.test.yaml:4  unquoted", result.stdout
    assert lines[1] == "FAIL  years.test.yaml:11  another year"
    assert re.search(r"target: 2025 +!=  target: 2024", result.stdout)


def test_unquoted_numbers_and_yes_in_an_event_are_the_text_written(folder: Path) -> None:
    # SPEC section 1 gives id, text, platform, labels and author.id as text; YAML would
    # read `id: 7` as a number (an event without an id) and `text: yes` as true.
    (folder / "words.play").write_text(
        'when mention and text contains "yes" and platform = "no" and author.id = "12" then tag "t"\n'
        'when reply is no then tag "n"\n',
        encoding="utf-8",
    )
    head = 'playbooks: [words.play]\nstart: "2026-11-20T09:00:00Z"\ncases:\n'
    case = """\
  - name: unquoted text
    events:
      - {id: 7, type: mention, at: 0m, text: yes, platform: no, author: {id: 12, followers: 10}}
      - {id: 8, type: reply, at: 1m, in_reply_to: 7, labels: [no]}
    expect:
      - {rule: "words.play:1", event: "7"}
      - {rule: "words.play:2", event: "8", thread: "7"}
  - name: 2024
    events: []
    expect: []
"""
    write_tests(folder, case, head=head, name="words.test.yaml")
    result = playbook_test("words.test.yaml", cwd=folder)
    lines = result.stdout.splitlines()
    assert lines[:2] == ["PASS  words.test.yaml:4  unquoted text", "PASS  words.test.yaml:11  2024"], lines


def test_expected_actions_match_as_a_multiset(folder: Path) -> None:
    cases = """\
  - name: the loose expectation comes first and must not steal the strict one's action
    events:
      - {id: m1, type: mention, at: 0m, text: "broken"}
      - {id: m2, type: mention, at: 1m, text: "I love it", author: {handle: "@ann"}}
      - {id: m3, type: mention, at: 2m, text: "love it", author: {handle: "@bob"}}
    until: 3h
    expect:
      - {rule: Thank}
      - {rule: Escalate}
      - {rule: Thank, event: m2}
  - name: the same expectation twice needs the action twice
    events:
      - {id: m1, type: mention, at: 0m, text: "I love it", author: {handle: "@ann"}}
    expect:
      - {rule: Thank}
      - {rule: Thank}
"""
    write_tests(folder, cases)
    result = playbook_test(".", cwd=folder)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("PASS  care.test.yaml:4 ")
    assert lines[1].startswith("FAIL  care.test.yaml:14 ")
    assert "missing (expected at line 19)" in result.stdout
    assert result.stdout.count("--+--  ok") == 1


def test_a_rule_name_that_is_not_in_the_playbooks_gets_a_suggestion(folder: Path) -> None:
    write_tests(folder, ESCALATED.replace("{rule: Escalate,", "{rule: Escalte,"))
    result = playbook_test(".", cwd=folder)
    assert result.returncode == 1
    assert "rule 'Escalte': no rule of that name in the playbooks (did you mean 'Escalate'?)" in result.stdout


def test_test_files_are_found_below_folders_in_order_and_hidden_folders_are_skipped(folder: Path) -> None:
    for sub in ("b", "a", ".cache"):
        (folder / sub).mkdir()
        (folder / sub / "care.play").write_text(CARE, encoding="utf-8")
        write_tests(folder / sub, ANSWERED)
    result = playbook_test(".", cwd=folder)
    assert result.returncode == 0
    assert [line.split()[1] for line in result.stdout.splitlines()[:-1]] == [
        "a/care.test.yaml:4",
        "b/care.test.yaml:4",
    ]
    assert result.stdout.splitlines()[-1] == "2 passed, 0 failed in 2 test files"


def test_a_file_that_is_not_a_test_file_is_a_usage_error(folder: Path) -> None:
    result = playbook_test("care.play", cwd=folder)
    assert result.returncode == 2
    assert result.stderr == (
        "playbook: error: care.play is not a test file (test files end in .test.yaml; "
        "give one, or the folder that holds them)\n"
    )


def test_colours_are_for_terminals_only(folder: Path) -> None:
    path = write_tests(folder, ESCALATED, ANSWERED.replace("expect: []", "expect: [{rule: Thank}]"))
    plain, painted = io.StringIO(), io.StringIO()
    results = [run_test_file(str(path))]
    assert report(results, plain) == report(results, painted, colour=True) == (1, 1, 0)
    assert "\x1b[" not in plain.getvalue()
    assert painted.getvalue().startswith("\x1b[32mPASS\x1b[0m  ")
    assert "\x1b[31;1mFAIL\x1b[0m  " in painted.getvalue()


def test_the_example_in_the_help_passes_on_the_repository_playbooks(tmp_path: Path) -> None:
    example = TEST_EPILOG.split("\n\n")[1]
    shutil.copytree(ROOT / "playbooks", tmp_path / "playbooks", ignore=shutil.ignore_patterns("*.test.yaml"))
    (tmp_path / "playbooks" / "care.test.yaml").write_text(textwrap.dedent(example) + "\n", encoding="utf-8")
    result = playbook_test("playbooks", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1] == "2 passed, 0 failed in 1 test file"
