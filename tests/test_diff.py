"""`playbook diff OLD NEW --events FILE` (SPEC section 9): what an edit would change,
run as a manager runs it, on real files and real git repositories."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from playbook.cli import main

OLD = """\
brand "@acme"
rule "Escalate": when mention and text contains "broken" and unanswered 2h
  then escalate to "care-leads" priority high
rule "Thank": when mention and text contains "love" then reply "Thanks!"
rule "Old name": when mention then tag "seen"
when comment then tag "comment"
"""

# Escalate waits 1h, Thank says more, "Old name" is renamed, and the unnamed rule
# moved two lines down (its text is the same).
NEW = """\
brand "@acme"
rule "Escalate": when mention and text contains "broken" and unanswered 1h
  then escalate to "care-leads" priority high
rule "Thank": when mention and text contains "love" then reply "Thank you!"
rule "New name": when mention then tag "seen"

# comments are tagged as they were
when comment then tag "comment"
"""

EVENTS = [
    {"id": "m1", "type": "mention", "time": "2026-11-20T09:00:00Z", "text": "it arrived broken"},
    {"id": "m2", "type": "mention", "time": "2026-11-20T09:30:00Z", "text": "I love it"},
    {"id": "m3", "type": "mention", "time": "2026-11-20T09:40:00Z", "text": "broken again"},
    {"id": "m4", "type": "mention", "time": "2026-11-20T10:00:00Z", "text": "hello"},
    {"id": "c1", "type": "comment", "time": "2026-11-20T10:00:00Z", "text": "nice"},
    # Answers m3 after NEW's hour, within OLD's two.
    {
        "id": "r1",
        "type": "reply",
        "time": "2026-11-20T10:50:00Z",
        "in_reply_to": "m3",
        "author": {"handle": "@acme"},
    },
]
UNTIL = "2026-11-20T12:00:00Z"

# Every kind of difference, in the order SPEC section 9 and `playbook diff --help` give.
EXPECTED = [
    {
        "change": "removed",
        "time": "2026-11-20T09:00:00Z",
        "rule": "Old name",
        "action": "tag",
        "target": "seen",
        "params": {},
        "event": "m1",
    },
    {
        "change": "added",
        "time": "2026-11-20T09:00:00Z",
        "rule": "New name",
        "action": "tag",
        "target": "seen",
        "params": {},
        "event": "m1",
    },
    {
        "change": "removed",
        "time": "2026-11-20T09:30:00Z",
        "rule": "Old name",
        "action": "tag",
        "target": "seen",
        "params": {},
        "event": "m2",
    },
    {
        "change": "changed",
        "time": "2026-11-20T09:30:00Z",
        "rule": "Thank",
        "action": "reply",
        "target": None,
        "params": {"text": "Thank you!"},
        "event": "m2",
        "was_params": {"text": "Thanks!"},
    },
    {
        "change": "added",
        "time": "2026-11-20T09:30:00Z",
        "rule": "New name",
        "action": "tag",
        "target": "seen",
        "params": {},
        "event": "m2",
    },
    {
        "change": "removed",
        "time": "2026-11-20T09:40:00Z",
        "rule": "Old name",
        "action": "tag",
        "target": "seen",
        "params": {},
        "event": "m3",
    },
    {
        "change": "added",
        "time": "2026-11-20T09:40:00Z",
        "rule": "New name",
        "action": "tag",
        "target": "seen",
        "params": {},
        "event": "m3",
    },
    {
        "change": "removed",
        "time": "2026-11-20T10:00:00Z",
        "rule": "Old name",
        "action": "tag",
        "target": "seen",
        "params": {},
        "event": "m4",
    },
    {
        "change": "moved",
        "time": "2026-11-20T10:00:00Z",
        "rule": "Escalate",
        "action": "escalate",
        "target": "care-leads",
        "params": {"priority": "high"},
        "event": "m1",
        "was": "2026-11-20T11:00:00Z",
    },
    {
        "change": "added",
        "time": "2026-11-20T10:00:00Z",
        "rule": "New name",
        "action": "tag",
        "target": "seen",
        "params": {},
        "event": "m4",
    },
    {
        "change": "added",
        "time": "2026-11-20T10:40:00Z",
        "rule": "Escalate",
        "action": "escalate",
        "target": "care-leads",
        "params": {"priority": "high"},
        "event": "m3",
    },
]

EXPECTED_LINES = """\
Escalate: 1 added, 1 moved (earlier by 1h, median)
Thank: 1 changed
New name (new): 4 added
Old name (gone; 'New name' has its text): 4 removed
the same in both: 1 action
"""


def write_events(path: Path, events: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path


@pytest.fixture
def desk(tmp_path: Path) -> Path:
    (tmp_path / "old.play").write_text(OLD, encoding="utf-8")
    (tmp_path / "new.play").write_text(NEW, encoding="utf-8")
    write_events(tmp_path / "events.jsonl", EVENTS)
    return tmp_path


def diff(capsys: pytest.CaptureFixture[str], folder: Path, *args: str) -> tuple[int, str, str]:
    """`playbook diff ARGS` run in `folder`: the exit code, stdout and stderr."""
    here = os.getcwd()
    os.chdir(folder)
    try:
        code = main(["diff", *args])
    finally:
        os.chdir(here)
    out, err = capsys.readouterr()
    return code, out, err


# --- what differs, and in which order ---


def test_every_kind_of_difference_in_its_order(capsys: pytest.CaptureFixture[str], desk: Path) -> None:
    code, out, err = diff(
        capsys,
        desk,
        "old.play",
        "new.play",
        "--events",
        "events.jsonl",
        "--until",
        UNTIL,
        "--format",
        "jsonl",
    )
    assert code == 1
    assert [json.loads(line) for line in out.splitlines()] == EXPECTED
    assert err.startswith(EXPECTED_LINES)
    assert "events: 6 read, 0 lines skipped\nactions: 7 by OLD, 8 by NEW\n" in err


def test_jsonl_keys_are_in_the_specs_order(capsys: pytest.CaptureFixture[str], desk: Path) -> None:
    _, out, _ = diff(
        capsys,
        desk,
        "old.play",
        "new.play",
        "--events",
        "events.jsonl",
        "--until",
        UNTIL,
        "--format",
        "jsonl",
    )
    keys = {tuple(json.loads(line)) for line in out.splitlines()}
    base = ("change", "time", "rule", "action", "target", "params", "event")
    assert keys == {base, (*base, "was"), (*base, "was_params")}


def test_the_text_says_it_per_rule_in_words_then_shows_a_table(
    capsys: pytest.CaptureFixture[str], desk: Path
) -> None:
    code, out, err = diff(capsys, desk, "old.play", "new.play", "--events", "events.jsonl", "--until", UNTIL)
    assert code == 1
    lines, table = out.split("\n\n")
    assert lines + "\n" == EXPECTED_LINES
    rows = table.splitlines()
    assert rows[0].split() == ["change", "time", "rule", "action", "target", "event", "details"]
    assert len(rows) == 1 + len(EXPECTED)
    assert rows[4] == (
        "changed  2026-11-20T09:30:00Z  Thank     reply                 m2     text: Thank you! (was Thanks!)"
    )
    assert rows[9] == (
        "moved    2026-11-20T10:00:00Z  Escalate  escalate  care-leads  m1     was 2026-11-20T11:00:00Z (1h earlier)"
    )
    assert rows[11].startswith(
        "added    2026-11-20T10:40:00Z  Escalate  escalate  care-leads  m3     priority: high"
    )
    assert err.startswith("events: 6 read")


def test_the_output_is_the_same_byte_for_byte_each_time(
    capsys: pytest.CaptureFixture[str], desk: Path
) -> None:
    runs = [
        diff(
            capsys,
            desk,
            "old.play",
            "new.play",
            "--events",
            "events.jsonl",
            "--until",
            UNTIL,
            "--format",
            fmt,
        )
        for fmt in ("text", "jsonl", "text", "jsonl")
    ]
    assert runs[0] == runs[2] and runs[1] == runs[3]


def test_without_until_the_waits_not_yet_due_make_no_difference(
    capsys: pytest.CaptureFixture[str], desk: Path
) -> None:
    _, out, _ = diff(capsys, desk, "old.play", "new.play", "--events", "events.jsonl", "--format", "jsonl")
    # The clock stops at r1 (10:50): NEW's escalation of m1 (10:00) and of m3 (10:40) are
    # due by then, OLD's (11:00) is not.
    escalations = [
        (d["change"], d["event"]) for d in map(json.loads, out.splitlines()) if d["rule"] == "Escalate"
    ]
    assert escalations == [("added", "m1"), ("added", "m3")]


def test_moved_is_told_by_the_median_shift(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "old.play").write_text('rule "Wait": when mention and unanswered 30m then escalate\n')
    (tmp_path / "new.play").write_text('rule "Wait": when mention and unanswered 2h then escalate\n')
    write_events(
        tmp_path / "events.jsonl",
        [{"id": f"m{i}", "type": "mention", "time": f"2026-11-20T0{i}:00:00Z"} for i in range(1, 4)],
    )
    code, out, _ = diff(
        capsys, tmp_path, "old.play", "new.play", "--events", "events.jsonl", "--until", UNTIL
    )
    assert code == 1
    assert out.startswith("Wait: 3 moved (later by 1h30m, median)\nthe same in both: 0 actions\n")


# --- what is the same rule ---


def test_an_unnamed_rule_that_moved_lines_is_unchanged(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "old.play").write_text('when mention then tag "seen"\nwhen comment then hide\n')
    (tmp_path / "new.play").write_text(
        '# the desk\nwhen comment then hide\n\nwhen mention\n  then tag "seen"\n'
    )
    write_events(tmp_path / "events.jsonl", EVENTS)
    code, out, err = diff(capsys, tmp_path, "old.play", "new.play", "--events", "events.jsonl")
    assert (code, out) == (0, "no differences: both take the same 5 actions\n")
    assert "actions: 5 by OLD, 5 by NEW" in err


def test_an_unnamed_rule_is_shown_under_its_new_name(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "old.play").write_text('when mention then reply "hi"\n')
    (tmp_path / "new.play").write_text('\n\nwhen mention then reply "hi" at most once per 1d\n')
    write_events(tmp_path / "events.jsonl", EVENTS)
    code, out, _ = diff(
        capsys, tmp_path, "old.play", "new.play", "--events", "events.jsonl", "--format", "jsonl"
    )
    # Another text is another rule: OLD's is gone, NEW's is new.
    assert code == 1
    changes = {(d["change"], d["rule"]) for d in map(json.loads, out.splitlines())}
    assert changes == {("removed", "old.play:1"), ("added", "new.play:3")}


def test_a_renamed_rule_is_removed_and_added(capsys: pytest.CaptureFixture[str], desk: Path) -> None:
    _, out, _ = diff(
        capsys,
        desk,
        "old.play",
        "new.play",
        "--events",
        "events.jsonl",
        "--until",
        UNTIL,
        "--format",
        "jsonl",
    )
    renamed = [
        (d["change"], d["rule"], d["event"])
        for d in map(json.loads, out.splitlines())
        if d["action"] == "tag"
    ]
    assert renamed == [
        (change, rule, event)
        for event in ("m1", "m2", "m3", "m4")
        for change, rule in (("removed", "Old name"), ("added", "New name"))
    ]


def test_nothing_differs_when_nothing_changed(capsys: pytest.CaptureFixture[str], desk: Path) -> None:
    code, out, _ = diff(capsys, desk, "new.play", "new.play", "--events", "events.jsonl", "--until", UNTIL)
    assert (code, out) == (0, "no differences: both take the same 8 actions\n")
    code, out, _ = diff(capsys, desk, "new.play", "new.play", "--events", "events.jsonl", "--format", "jsonl")
    assert (code, out) == (0, "")


# --- shadow rules ---


def test_promoting_a_shadow_rule_takes_the_same_actions(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """SPEC section 9: a pair with equal times and params is unchanged, shadow or not;
    the rule's line says it was promoted."""
    rule = 'rule "Thank warmly": when mention and text contains "love" then reply "Thank you so much!"\n'
    (tmp_path / "shadow.play").write_text("shadow " + rule)
    (tmp_path / "live.play").write_text(rule)
    (tmp_path / "none.play").write_text("when review then hide\n")
    write_events(tmp_path / "events.jsonl", EVENTS)

    code, out, _ = diff(
        capsys, tmp_path, "none.play", "shadow.play", "--events", "events.jsonl", "--format", "jsonl"
    )
    (added,) = map(json.loads, out.splitlines())
    assert (code, added["change"], added["shadow"]) == (1, "added", True)

    code, out, err = diff(
        capsys, tmp_path, "shadow.play", "live.play", "--events", "events.jsonl", "--format", "jsonl"
    )
    assert (code, out) == (0, "")
    assert err.startswith(
        "Thank warmly (promoted from shadow): no action differs\n"
        "no differences: both take the same 1 action\n"
    )
    code, out, _ = diff(capsys, tmp_path, "live.play", "shadow.play", "--events", "events.jsonl")
    assert (code, out) == (
        0,
        "Thank warmly (now shadow): no action differs\nno differences: both take the same 1 action\n",
    )
    code, out, _ = diff(capsys, tmp_path, "none.play", "shadow.play", "--events", "events.jsonl")
    assert out.startswith("Thank warmly (new, shadow): 1 added\n")
    assert "Thank warmly (shadow)  reply" in out


def test_a_moved_record_has_was_and_no_was_params_in_jsonl(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """SPEC section 9: `was` for moved, `was_params` for changed; a record that moved and
    changed params is moved, its old params shown in the table only."""
    (tmp_path / "old.play").write_text(
        'rule "Escalate": when mention and unanswered 2h then escalate to "care-leads" priority high\n'
    )
    (tmp_path / "new.play").write_text(
        'rule "Escalate": when mention and unanswered 1h then escalate to "care-leads" priority urgent\n'
    )
    write_events(tmp_path / "events.jsonl", EVENTS[:1])
    args = ("old.play", "new.play", "--events", "events.jsonl", "--until", UNTIL)
    code, out, _ = diff(capsys, tmp_path, *args, "--format", "jsonl")
    assert code == 1
    assert [json.loads(line) for line in out.splitlines()] == [
        {
            "change": "moved",
            "time": "2026-11-20T10:00:00Z",
            "rule": "Escalate",
            "action": "escalate",
            "target": "care-leads",
            "params": {"priority": "urgent"},
            "event": "m1",
            "was": "2026-11-20T11:00:00Z",
        }
    ]
    _, out, _ = diff(capsys, tmp_path, *args)
    assert out.rstrip().endswith("was 2026-11-20T11:00:00Z (1h earlier); priority: urgent (was high)")


# --- exit codes and mistakes ---


def test_an_invalid_playbook_is_shown_as_check_shows_it_and_exits_2(
    capsys: pytest.CaptureFixture[str], desk: Path
) -> None:
    (desk / "broken.play").write_text('when mention and author.folowers > 10 then notify "#vip"\n')
    code, out, err = diff(capsys, desk, "broken.play", "new.play", "--events", "events.jsonl")
    assert (code, out) == (2, "")
    assert err == (
        "broken.play:1:18: error: unknown field 'author.folowers' (did you mean 'author.followers'?)\n"
        'when mention and author.folowers > 10 then notify "#vip"\n'
        "                 ^\n"
        "OLD (broken.play): 1 error, 0 warnings\n"
    )
    code, _, err = diff(capsys, desk, "new.play", "broken.play", "--events", "events.jsonl")
    assert code == 2
    assert err.endswith("NEW (broken.play): 1 error, 0 warnings\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.play", "new.play"], "playbook diff: error: OLD: missing.play: no such file or folder\n"),
        (["old.play", "missing/"], "playbook diff: error: NEW: missing/: no such file or folder\n"),
        (["old.play", "new.play", "--events", "nowhere.jsonl"], "cannot read events from 'nowhere.jsonl'"),
        (["old.play", "new.play", "--until", "tomorrow"], "argument --until: "),
        (["old.play", "new.play", "--format", "html"], "argument --format: invalid choice: 'html'"),
        (["old.play", "--events", "events.jsonl"], "the following arguments are required: NEW"),
    ],
)
def test_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str], desk: Path, args: list[str], message: str
) -> None:
    if "--events" not in args:
        args = [*args, "--events", "events.jsonl"]
    try:
        code, out, err = diff(capsys, desk, *args)
    except SystemExit as stop:  # argparse's own refusals
        code, (out, err) = int(str(stop.code)), capsys.readouterr()
    assert (code, out) == (2, "")
    assert message in err


def test_diff_runs_as_a_command_and_reads_standard_input(desk: Path) -> None:
    events = (desk / "events.jsonl").read_bytes()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "playbook",
            "diff",
            "old.play",
            "new.play",
            "--events",
            "-",
            "--format",
            "jsonl",
        ],
        cwd=desk,
        input=events,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 1
    # Without --until, m1's escalation is added rather than moved: OLD's is not due by the last event.
    assert [json.loads(line)["change"] for line in result.stdout.splitlines()][8] == "added"
    assert len(result.stdout.splitlines()) == len(EXPECTED)
    assert b"Traceback" not in result.stderr


def test_the_help_teaches_by_example() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "playbook", "diff", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert "playbook diff git:HEAD playbooks/ --events last-week.jsonl" in result.stdout
    assert "exit codes: 0 nothing differs, 1 something differs, 2 an invalid playbook" in result.stdout


# --- git:REV ---


def git(folder: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Desk", "-c", "user.email=desk@example.com", *args],
        cwd=folder,
        check=True,
        capture_output=True,
        timeout=60,
    )


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A git repository whose playbooks/ holds OLD as committed, then NEW as edited (not committed)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "playbooks").mkdir()
    (tmp_path / "playbooks" / "care.play").write_text(OLD, encoding="utf-8")
    (tmp_path / "playbooks" / "extra.play").write_text('when review then tag "review"\n', encoding="utf-8")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "the desk as it runs")
    (tmp_path / "playbooks" / "care.play").write_text(NEW, encoding="utf-8")
    write_events(tmp_path / "events.jsonl", EVENTS)
    return tmp_path


@pytest.mark.parametrize("path", ["playbooks", "playbooks/", "playbooks/care.play", "./playbooks/care.play"])
def test_git_head_shows_what_the_unsaved_edit_would_do(
    capsys: pytest.CaptureFixture[str], repository: Path, path: str
) -> None:
    code, out, _ = diff(
        capsys,
        repository,
        "git:HEAD",
        path,
        "--events",
        "events.jsonl",
        "--until",
        UNTIL,
        "--format",
        "jsonl",
    )
    assert code == 1
    assert [json.loads(line) for line in out.splitlines()] == EXPECTED


def test_git_rev_is_read_from_inside_the_playbooks_folder(
    capsys: pytest.CaptureFixture[str], repository: Path
) -> None:
    code, out, _ = diff(
        capsys, repository / "playbooks", "git:main", ".", "--events", "../events.jsonl", "--until", UNTIL
    )
    assert code == 1
    assert out.startswith(EXPECTED_LINES)


def test_git_rev_of_a_committed_edit_is_the_same_as_files(
    capsys: pytest.CaptureFixture[str], repository: Path
) -> None:
    git(repository, "commit", "-q", "-am", "wait an hour")
    code, out, _ = diff(capsys, repository, "git:HEAD", "playbooks", "--events", "events.jsonl")
    assert (code, out) == (0, "no differences: both take the same 8 actions\n")
    code, out, _ = diff(
        capsys, repository, "git:HEAD~1", "playbooks", "--events", "events.jsonl", "--until", UNTIL
    )
    assert (code, out.split("\n\n")[0] + "\n") == (1, EXPECTED_LINES)


def test_an_invalid_playbook_at_the_revision_is_named_as_git_names_it(
    capsys: pytest.CaptureFixture[str], repository: Path
) -> None:
    (repository / "playbooks" / "care.play").write_text('when mention then tagg "x"\n', encoding="utf-8")
    git(repository, "commit", "-q", "-am", "a typo")
    (repository / "playbooks" / "care.play").write_text(NEW, encoding="utf-8")
    code, out, err = diff(capsys, repository, "git:HEAD", "playbooks", "--events", "events.jsonl")
    assert (code, out) == (2, "")
    assert err.startswith("HEAD:playbooks/care.play:1:19: error: unknown action 'tagg'")
    assert err.endswith("OLD (git:HEAD): 1 error, 0 warnings\n")


@pytest.mark.parametrize(
    ("old", "path", "message"),
    [
        ("git:nosuchbranch", "playbooks", "OLD: git:nosuchbranch: no such revision in "),
        (
            "git:HEAD",
            "playbooks/new.play",
            "OLD: playbooks/new.play did not exist at HEAD (git show HEAD:playbooks/new.play finds nothing)",
        ),
        ("git:", "playbooks", "OLD: 'git:' names no revision; write git:HEAD, git:main or git:HEAD~1, say"),
        ("git:--output=x", "playbooks", "OLD: 'git:--output=x' names no revision"),
    ],
)
def test_git_rev_that_cannot_be_read_is_refused(
    capsys: pytest.CaptureFixture[str], repository: Path, old: str, path: str, message: str
) -> None:
    (repository / "playbooks" / "new.play").write_text("when review then hide\n", encoding="utf-8")
    code, out, err = diff(capsys, repository, old, path, "--events", "events.jsonl")
    assert (code, out) == (2, "")
    assert f"playbook diff: error: {message}" in err


def test_git_rev_outside_a_repository_is_refused(capsys: pytest.CaptureFixture[str], desk: Path) -> None:
    code, out, err = diff(capsys, desk, "git:HEAD", "new.play", "--events", "events.jsonl")
    assert (code, out) == (2, "")
    assert err == (
        "playbook diff: error: OLD: new.play is not in a git repository, so git:REV means nothing for it; "
        "give OLD as a file or folder instead (a copy of the playbooks before the edit)\n"
    )


def test_a_diff_watched_on_a_terminal_shows_progress_and_the_same_output() -> None:
    from test_cli import _on_a_terminal

    command = [
        sys.executable,
        "-m",
        "playbook",
        "diff",
        "playbooks",
        "playbooks",
        "--events",
        "examples/events.jsonl",
    ]
    plain = subprocess.run(
        command, cwd=Path(__file__).resolve().parent.parent, capture_output=True, timeout=60
    )
    watched, shown = _on_a_terminal(command, stdout_too=False)
    assert watched.returncode == plain.returncode == 0
    assert watched.stdout == plain.stdout
    assert watched.stdout.startswith(b"no differences: both take the same ")
    assert "━".encode() in shown, "a progress bar was drawn"


def test_the_sample_in_the_help_is_what_diff_prints(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from playbook.diff.command import EPILOG

    rule = 'rule "Escalate": when mention and text contains "broken" and unanswered {} then escalate to "care-leads"\n'
    thank = 'rule "Thank": when mention and text contains "love" then reply "{}"\n'
    (tmp_path / "old.play").write_text('brand "@acme"\n' + rule.format("2h") + thank.format("Thanks!"))
    (tmp_path / "new.play").write_text('brand "@acme"\n' + rule.format("1h") + thank.format("Thank you!"))
    write_events(
        tmp_path / "events.jsonl",
        [
            {"id": "m005", "type": "mention", "time": "2026-11-20T04:34:25Z", "text": "broken"},
            {"id": "m006", "type": "mention", "time": "2026-11-20T05:40:02Z", "text": "love it"},
            {"id": "m007", "type": "mention", "time": "2026-11-20T05:50:02Z", "text": "broken"},
            {
                "id": "r7",
                "type": "reply",
                "time": "2026-11-20T07:00:02Z",
                "in_reply_to": "m007",
                "author": {"handle": "@acme"},
            },
        ],
    )
    _, out, _ = diff(capsys, tmp_path, "old.play", "new.play", "--events", "events.jsonl", "--until", UNTIL)
    sample = EPILOG.split("then a table:\n\n")[1].split("\n\nA rule is known")[0]
    assert out == "".join(line[2:] + "\n" for line in sample.splitlines())
