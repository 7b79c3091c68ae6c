"""What strangers write reaches a manager's terminal as text, never as commands to it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from playbook.language.printable import one_line, printable
from tests.test_cli import playbook

ESC_TITLE = "\x1b]0;owned\x07"  # sets the terminal window's title, then rings the bell
CLEAR = "\x1b[2J"  # clears the screen
RTL = "\u202e"  # reads the rest of the line right to left

RULES = 'rule "Tag every mention": when mention then tag "seen" and notify "#care" message "{text}"\n'


def _events(tmp_path: Path) -> Path:
    lines = [
        {
            "id": "m1",
            "type": "mention",
            "time": "2026-11-20T09:00:00Z",
            "text": f"hello{ESC_TITLE} there{CLEAR}{RTL}gnp.exe",
            "platform": f"x{CLEAR}",
        },
    ]
    path = tmp_path / "events.jsonl"
    text = "\n".join(json.dumps(line) for line in lines) + "\n"
    path.write_text(text + '{"id": "bad", "text": "\x1b[31mred' + "\n", encoding="utf-8")
    return path


@pytest.fixture
def desk(tmp_path: Path) -> Path:
    (tmp_path / "rules.play").write_text(RULES, encoding="utf-8")
    _events(tmp_path)
    return tmp_path


def _no_controls(output: bytes) -> str:
    text = output.decode("utf-8")
    assert "\x1b" not in text and "\x07" not in text and RTL not in text, text
    return text


def test_printable_shows_each_control_as_an_escape_and_keeps_the_rest() -> None:
    assert printable(f"a{ESC_TITLE}b") == "a\\x1b]0;owned\\x07b"
    assert printable(f"{RTL}txt\u2066") == "\\u202etxt\\u2066"
    assert printable("line\nnext\ttab, café ✓ 😀") == "line\nnext\ttab, café ✓ 😀"
    assert printable("\x7f\x9b") == "\\x7f\\x9b"
    assert one_line("a\nb\r\nc\td\x00") == "a b  c d\\x00"


def test_the_dry_run_table_and_summary_show_controls_as_escapes(desk: Path) -> None:
    result = playbook("dry-run", "rules.play", "--events", "events.jsonl", cwd=desk)
    assert result.returncode == 0, result.stderr
    table = _no_controls(result.stdout)
    assert "hello\\x1b]0;owned\\x07 there\\x1b[2J\\u202egnp.exe" in table
    summary = _no_controls(result.stderr)
    assert "\\x1b[31mred" in summary, "the skipped line's preview shows the escape"


def test_jsonl_output_keeps_the_text_as_it_came(desk: Path) -> None:
    result = playbook("dry-run", "rules.play", "--events", "events.jsonl", "--format", "jsonl", cwd=desk)
    [tag, notify] = [json.loads(line) for line in result.stdout.splitlines()]
    assert notify["params"]["message"] == f"hello{ESC_TITLE} there{CLEAR}{RTL}gnp.exe"


def test_explain_shows_controls_as_escapes(desk: Path) -> None:
    result = playbook("dry-run", "rules.play", "--events", "events.jsonl", "--explain", "m1", cwd=desk)
    assert result.returncode == 0, result.stderr
    explained = _no_controls(result.stdout + result.stderr)
    assert "Tag every mention" in explained


def test_the_report_tables_show_a_platform_with_controls_as_escapes(desk: Path) -> None:
    result = playbook("report", "rules.play", "--events", "events.jsonl", "--brand", "@acme", cwd=desk)
    assert result.returncode == 0, result.stderr
    assert "x\\x1b[2j" in _no_controls(result.stdout), "platforms are counted in lower case"


def test_the_diff_table_shows_controls_as_escapes(desk: Path) -> None:
    (desk / "new.play").write_text(RULES.replace("#care", "#care-new"), encoding="utf-8")
    result = playbook("diff", "rules.play", "new.play", "--events", "events.jsonl", cwd=desk)
    assert result.returncode == 1, result.stderr
    assert "hello\\x1b]0;owned" in _no_controls(result.stdout)
    _no_controls(result.stderr)


def test_a_run_without_events_says_there_is_no_clock(desk: Path) -> None:
    (desk / "none.jsonl").write_text("", encoding="utf-8")
    result = playbook("dry-run", "rules.play", "--events", "none.jsonl", cwd=desk)
    assert "pending: 0 deadlines (no clock: no events were read)" in result.stderr.decode()
