"""Shadow rules (SPEC section 9): written with the word `shadow` before a rule,
run like any rule, their records marked `"shadow": true`; removing the word
promotes the rule, which keeps its state."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import orjson
import pytest
from helpers import check_output, event, ruleset_from, run

from playbook.language.statements import cut
from playbook.language.syntax import parse_text
from playbook.runtime.engine import Engine

DESK = """\
brand "@acme"
rule "Thank": when mention and text contains "love" then reply "Thanks!"
shadow rule "Thank warmly": when mention and text contains "love" then reply "Thank you so much!"
shadow when mention and text contains "broken" and unanswered 1h then escalate to "care-leads"
"""

LOVE = {"id": "m1", "type": "mention", "time": "2026-11-20T09:00:00Z", "text": "I love it"}
BROKEN = {"id": "m2", "type": "mention", "time": "2026-11-20T09:10:00Z", "text": "it arrived broken"}


# --- the language ---


@pytest.mark.parametrize(
    ("text", "shadow", "name"),
    [
        ('shadow rule "A": when mention then hide', True, "A"),
        ("shadow when mention then hide", True, "t.play:1"),
        ("shadow\n  when mention then hide", True, "t.play:2"),
        ('rule "A": when mention then hide', False, "A"),
        ("when mention then hide", False, "t.play:1"),
    ],
)
def test_shadow_before_a_rule_makes_it_a_shadow_rule(text: str, shadow: bool, name: str) -> None:
    parsed, problems = parse_text(text + "\n", "t.play")
    assert problems == []
    (rule,) = parsed.statements
    assert rule.shadow is shadow
    assert rule.display_name == name  # an unnamed rule is named by the line of its `when`


def test_a_shadow_rule_is_placed_where_shadow_is() -> None:
    parsed, _ = parse_text('brand "@acme"\nshadow rule "A": when mention then hide\n', "t.play")
    rule = parsed.statements[1]
    assert (rule.pos.line, rule.pos.column) == (2, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'rule "Thank": shadow when mention then hide\n',
            """\
t.play:1:15: error: 'shadow' goes before the rule (write shadow rule "NAME": when ...)
rule "Thank": shadow when mention then hide
              ^
""",
        ),
        (
            "shadow hide\n",
            """\
t.play:1:8: error: expected 'rule' or 'when' after 'shadow', found 'hide'
shadow hide
       ^
""",
        ),
        (
            # `shadow` shapes a statement, so it cannot be a name (as `define rule = ...` cannot).
            "define shadow = mention\n",
            """\
t.play:1:8: error: expected a name after 'define', found 'shadow' ('shadow' is a word of the language and cannot be a name)
define shadow = mention
       ^
t.play:1:15: error: expected 'rule' or 'when' after 'shadow', found '='
define shadow = mention
              ^
""",
        ),
    ],
)
def test_shadow_in_the_wrong_place_is_reported(text: str, expected: str) -> None:
    assert check_output(text, "t.play").rstrip("\n") == expected.rstrip("\n")


def test_a_broken_statement_before_a_shadow_rule_does_not_hide_it() -> None:
    text = 'brand x\nshadow rule "A": when mention then hide\nshadow when comment then hide\n'
    assert [text[s.start : s.end].split()[0:2] for s in cut(text)] == [
        ["brand", "x"],
        ["shadow", "rule"],
        ["shadow", "when"],
    ]
    parsed, problems = parse_text(text, "t.play")
    assert len(problems) == 1
    assert [r.display_name for r in parsed.statements] == ["A", "t.play:3"]


def test_the_state_key_of_an_unnamed_shadow_rule_leaves_shadow_out() -> None:
    live = ruleset_from("when mention then hide\n").rules[0]
    shadow = ruleset_from("shadow when mention then hide\n").rules[0]
    assert shadow.shadow and not live.shadow
    assert shadow.key == live.key == "when mention then hide"


# --- records ---


def test_only_a_shadow_rules_records_carry_the_shadow_key() -> None:
    records = run(DESK, [LOVE, BROKEN], until="2026-11-20T12:00:00Z")
    assert [(r["rule"], r.get("shadow", "absent")) for r in records] == [
        ("Thank", "absent"),
        ("Thank warmly", True),
        ("test.play:4", True),
    ]
    assert [r["time"] for r in records] == [
        "2026-11-20T09:00:00Z",
        "2026-11-20T09:00:00Z",
        "2026-11-20T10:10:00Z",
    ]


def test_dry_run_marks_shadow_rules_in_its_table_and_summary(tmp_path: Path) -> None:
    (tmp_path / "desk.play").write_text(DESK, encoding="utf-8")
    events = tmp_path / "events.jsonl"
    events.write_bytes(orjson.dumps(LOVE) + b"\n" + orjson.dumps(BROKEN) + b"\n")
    result = subprocess.run(
        [sys.executable, "-m", "playbook", "dry-run", "desk.play", "--events", "events.jsonl"]
        + ["--until", "2026-11-20T12:00:00Z"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    rows = [line.split("  ")[1].strip() for line in result.stdout.splitlines()[1:]]
    assert rows == ["Thank", "Thank warmly (shadow)", "desk.play:4 (shadow)"]
    assert "  Thank warmly (shadow)       1           0\n" in result.stderr
    assert "  Thank                       1           0\n" in result.stderr


# --- promotion keeps the state ---


def test_promoting_a_rule_keeps_its_pending_wait_and_its_records_go_live() -> None:
    shadow = ruleset_from('shadow rule "Escalate": when mention and unanswered 1h then escalate\n')
    live = ruleset_from('rule "Escalate": when mention and unanswered 1h then escalate\n')
    engine = Engine(shadow)
    assert engine.process(event(id="m1", time="2026-11-20T09:00:00Z")) == []
    report = engine.install(live)
    assert report.kept_waits == 1
    (record,) = engine.advance(engine.clock + 3600 * 1_000_000)  # type: ignore[operator]
    assert (record.rule, record.time, record.shadow) == ("Escalate", "2026-11-20T10:00:00Z", False)
    assert "shadow" not in record.to_dict()


def test_promoting_an_unnamed_rule_keeps_its_window_and_its_limit() -> None:
    rule = 'when mention and at least 2 times within 1h then alert "#desk" at most once per 1d\n'
    engine = Engine(ruleset_from("shadow " + rule))
    fired = engine.process(event(id="m1", time="2026-11-20T09:00:00Z"))
    fired += engine.process(event(id="m2", time="2026-11-20T09:10:00Z"))
    assert [(r.event, r.shadow) for r in fired] == [("m2", True)]
    report = engine.install(ruleset_from(rule))
    assert (report.kept_windows, report.kept_limits, report.dropped) == (1, 1, ())
    # The window is still at two (disarmed), and the limit remembers the shadow firing.
    assert engine.process(event(id="m3", time="2026-11-20T09:20:00Z")) == []
    assert engine.process(event(id="m4", time="2026-11-20T12:00:00Z")) == []
    assert engine.process(event(id="m5", time="2026-11-20T12:10:00Z")) == []
    assert [r.event for r in engine.process(event(id="m6", time="2026-11-21T12:00:00Z"))] == []
    fired = engine.process(event(id="m7", time="2026-11-21T12:10:00Z"))
    assert [(r.event, r.shadow) for r in fired] == [("m7", False)]


# --- playbook test ---


def playbook_test(folder: Path, expect: str) -> subprocess.CompletedProcess[str]:
    (folder / "desk.play").write_text(DESK, encoding="utf-8")
    (folder / "desk.test.yaml").write_text(
        textwrap.dedent(
            """\
            playbooks: [desk.play]
            start: "2026-11-20T09:00:00Z"
            cases:
              - name: love is thanked, warmly in shadow
                events:
                  - {id: m1, type: mention, at: 0m, text: "I love it"}
                expect:
            """
        )
        + textwrap.indent(textwrap.dedent(expect), " " * 6),
        encoding="utf-8",
    )
    return subprocess.run(
        [sys.executable, "-m", "playbook", "test", "."],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_an_expected_action_may_say_it_is_shadow(tmp_path: Path) -> None:
    result = playbook_test(
        tmp_path,
        """\
        - {rule: Thank, action: reply, shadow: false}
        - {rule: Thank warmly, action: reply, shadow: true}
        """,
    )
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith("PASS")


def test_the_shadow_key_is_compared_like_any_other(tmp_path: Path) -> None:
    result = playbook_test(
        tmp_path,
        """\
        - {rule: Thank, action: reply}
        - {rule: Thank warmly, action: reply, shadow: false}
        """,
    )
    assert result.returncode == 1
    assert "differs in shadow" in result.stdout
    assert "shadow: false      !=  shadow: true" in result.stdout


def test_an_unexpected_shadow_action_shows_that_it_is_one(tmp_path: Path) -> None:
    result = playbook_test(tmp_path, "- {rule: Thank, action: reply}\n")
    assert result.returncode == 1
    assert "rule: Thank warmly" in result.stdout
    assert "shadow: true" in result.stdout


def test_shadow_must_be_true_or_false_in_a_test_file(tmp_path: Path) -> None:
    result = playbook_test(tmp_path, "- {rule: Thank, shadow: yes please}\n")
    assert result.returncode == 1
    assert "desk.test.yaml:8: error: 'shadow' must be true or false" in result.stdout
