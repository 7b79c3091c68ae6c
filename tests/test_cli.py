"""The command line (SPEC sections 3 and 5), run for real in subprocesses.

Only instant rules are used here: the time conditions are tested elsewhere.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

KEYS = ["id", "time", "rule", "action", "target", "params", "event", "thread", "author", "source"]

CARE = """\
playbook "Customer care"
brand "@acme"
define complaint = text contains any ("broken", "refund")

rule "Flag complaints":
  when mention is complaint
  then tag "complaint", notify "#care" message "from {author.handle}"

rule "Hide spam": when comment and text contains "buy now" then hide
when review and rating <= 2 then escalate to "reviews" priority high
"""

EVENTS_LINES = [
    '{"id": "m1", "type": "mention", "time": "2026-11-20T09:00:00Z", "author": {"handle": "@jane"}, "text": "My order arrived broken"}',
    "",
    "this is not json",
    '{"id": "m2", "type": "mention", "text": "no time here"}',
    '{"id": "c1", "type": "comment", "time": "2026-11-20T10:15:00+01:00", "author": {"handle": "@spammer"}, "text": "Buy now! cheap"}',
    '{"id": "v1", "type": "review", "time": "2026-11-20T09:30:00.5Z", "rating": 1, "author": {"handle": "@bob"}}',
    '{"id": "m3", "type": "mention", "time": "2026-11-20T10:00:00", "text": "refund please"}',
    '{"id": "r1", "type": "reply", "time": "2026-11-20T09:40:00Z", "in_reply_to": "m1", "author": {"handle": "@acme"}, "text": "Sorry!"}',
]
EVENTS = "\n".join(EVENTS_LINES) + "\n"
READ = 4  # m1, c1, v1, r1
SKIPPED = [(3, "json"), (4, "time"), (7, "time")]
EXPECTED = [
    ("Flag complaints", "tag", "m1"),
    ("Flag complaints", "notify", "m1"),
    ("Hide spam", "hide", "c1"),
    ("care.play:10", "escalate", "v1"),
]


def playbook(
    *args: str, cwd: Path, stdin: bytes | None = None, seed: str = "0", command: list[str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """The real command, in a subprocess; stdout and stderr as bytes."""
    env = {**os.environ, "PYTHONHASHSEED": seed}
    return subprocess.run(
        [*(command or [sys.executable, "-m", "playbook"]), *args],
        cwd=cwd,
        input=stdin if stdin is not None else b"",
        capture_output=True,
        env=env,
        timeout=120,
    )


@pytest.fixture
def care(tmp_path: Path) -> Path:
    """A folder with care.play and events.jsonl; returned as the folder."""
    (tmp_path / "care.play").write_text(CARE, encoding="utf-8")
    (tmp_path / "events.jsonl").write_text(EVENTS, encoding="utf-8")
    return tmp_path


def jsonl_records(stdout: bytes) -> list[dict]:
    lines = stdout.decode("utf-8").splitlines()
    records = []
    for line in lines:
        record = json.loads(line)
        assert isinstance(record, dict), line
        assert list(record) == KEYS, line
        records.append(record)
    return records


def assert_skipped_reported(stderr: str) -> None:
    """Every skipped line is reported on its own with its number and its reason."""
    lines = stderr.splitlines()
    for number, word in SKIPPED:
        assert any(re.search(rf"\b{number}\b", line) and word in line.lower() for line in lines), (
            f"line {number} ({word}) not reported in:\n{stderr}"
        )
    # a line that was read fine is not reported as skipped
    assert not any(re.search(r"\bline 1\b", line) for line in lines), stderr


# --- check ------------------------------------------------------------------------------


def test_check_valid_file(care: Path) -> None:
    done = playbook("check", "care.play", cwd=care)
    assert done.returncode == 0, done.stderr.decode()
    assert b"error" not in done.stderr


def test_check_invalid_file(tmp_path: Path) -> None:
    (tmp_path / "bad.play").write_text(
        'brand "@acme"\nwhen mention then escalte to "leads"\n', encoding="utf-8"
    )
    done = playbook("check", "bad.play", cwd=tmp_path)
    assert done.returncode == 1
    err = done.stderr.decode()
    assert "bad.play:2:19: error: unknown action 'escalte'" in err
    assert 'when mention then escalte to "leads"' in err
    assert "\n" + " " * 18 + "^" in err
    assert b"error" not in done.stdout


def test_check_reports_every_problem(tmp_path: Path) -> None:
    (tmp_path / "bad.play").write_text(
        "when mention then escalte\nwhen mention and author.folowers > 10 then hide\n", encoding="utf-8"
    )
    done = playbook("check", "bad.play", cwd=tmp_path)
    assert done.returncode == 1
    err = done.stderr.decode()
    assert "bad.play:1:19: error" in err
    assert "bad.play:2:18: error" in err


def test_check_warnings_only_is_valid(tmp_path: Path) -> None:
    (tmp_path / "w.play").write_text('list unused = "a", "b"\nwhen mention then hide\n', encoding="utf-8")
    done = playbook("check", "w.play", cwd=tmp_path)
    assert done.returncode == 0
    assert "w.play:1:6: warning" in done.stderr.decode()


def test_check_folder(tmp_path: Path) -> None:
    folder = tmp_path / "playbooks"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.play").write_text('brand "@acme"\nwhen mention then hide\n', encoding="utf-8")
    (folder / "sub" / "b.play").write_text('rule "B": when review then tag "r"\n', encoding="utf-8")
    done = playbook("check", "playbooks", cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()

    (folder / "sub" / "c.play").write_text("when mention then explode\n", encoding="utf-8")
    (folder / "d.play").write_text("when mention then vanish\n", encoding="utf-8")
    done = playbook("check", "playbooks", cwd=tmp_path)
    assert done.returncode == 1
    err = done.stderr.decode()
    assert "c.play:1:19: error" in err
    assert "d.play:1:19: error" in err


def test_check_several_paths(tmp_path: Path) -> None:
    (tmp_path / "a.play").write_text("when mention then hide\n", encoding="utf-8")
    (tmp_path / "b.play").write_text("when review then hide\n", encoding="utf-8")
    assert playbook("check", "a.play", "b.play", cwd=tmp_path).returncode == 0
    (tmp_path / "b.play").write_text("when review then hid\n", encoding="utf-8")
    done = playbook("check", "a.play", "b.play", cwd=tmp_path)
    assert done.returncode == 1
    assert "b.play:1:18: error" in done.stderr.decode()


@pytest.mark.parametrize("subcommand", ["check", "dry-run"])
def test_missing_path_is_a_usage_error(care: Path, subcommand: str) -> None:
    extra = ["--events", "events.jsonl"] if subcommand == "dry-run" else []
    done = playbook(subcommand, "nowhere.play", *extra, cwd=care)
    assert done.returncode == 2
    assert b"nowhere.play" in done.stderr
    assert done.stdout == b""


# --- usage errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        pytest.param([], id="no-subcommand"),
        pytest.param(["explode"], id="unknown-subcommand"),
        pytest.param(["check"], id="check-without-path"),
        pytest.param(["dry-run", "care.play"], id="dry-run-without-events"),
        pytest.param(["dry-run", "care.play", "--events"], id="events-without-file"),
        pytest.param(
            ["dry-run", "care.play", "--events", "events.jsonl", "--format", "xml"], id="unknown-format"
        ),
        pytest.param(["dry-run", "care.play", "--events", "missing.jsonl"], id="missing-events-file"),
        pytest.param(
            ["dry-run", "care.play", "--events", "events.jsonl", "--frobnicate"], id="unknown-option"
        ),
    ],
)
def test_usage_errors_exit_2(care: Path, args: list[str]) -> None:
    done = playbook(*args, cwd=care)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stderr.strip()
    assert done.stdout == b""


# --- dry-run ----------------------------------------------------------------------------


def test_dry_run_jsonl_stdout_holds_only_action_records(care: Path) -> None:
    done = playbook("dry-run", "care.play", "--events", "events.jsonl", "--format", "jsonl", cwd=care)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.endswith(b"\n")
    records = jsonl_records(done.stdout)
    assert [(r["rule"], r["action"], r["event"]) for r in records] == EXPECTED
    tag, notify, hide, escalate = records
    assert tag == {
        **tag,
        "time": "2026-11-20T09:00:00Z",
        "target": "complaint",
        "params": {},
        "thread": "m1",
        "author": "@jane",
        "source": "care.play:6",
    }
    assert notify["params"] == {"message": "from @jane"}
    assert hide["time"] == "2026-11-20T09:15:00Z"
    assert hide["target"] is None
    assert escalate["time"] == "2026-11-20T09:30:00.5Z"
    assert escalate["target"] == "reviews"
    assert escalate["params"] == {"priority": "high"}
    assert escalate["author"] == "@bob"


def test_dry_run_summary_goes_to_stderr(care: Path) -> None:
    done = playbook("dry-run", "care.play", "--events", "events.jsonl", "--format", "jsonl", cwd=care)
    assert done.returncode == 0
    err = done.stderr.decode()
    assert re.search(rf"\b{READ}\b[^\n]*read|read[^\n]*\b{READ}\b", err), err
    assert_skipped_reported(err)
    # firings per rule are in the summary
    for rule in ("Flag complaints", "Hide spam", "care.play:10"):
        assert rule in err
    # and none of it is on stdout
    assert b"skipped" not in done.stdout
    assert len(jsonl_records(done.stdout)) == len(EXPECTED)  # every stdout line is a record


def test_dry_run_warnings_go_to_stderr_not_stdout(tmp_path: Path) -> None:
    (tmp_path / "w.play").write_text(
        'list unused = "a"\nrule "Hide": when mention then hide\n', encoding="utf-8"
    )
    (tmp_path / "e.jsonl").write_text(EVENTS, encoding="utf-8")
    done = playbook("dry-run", "w.play", "--events", "e.jsonl", "--format", "jsonl", cwd=tmp_path)
    assert done.returncode == 0
    assert "warning" in done.stderr.decode()
    records = jsonl_records(done.stdout)
    assert [r["event"] for r in records] == ["m1"]


def test_dry_run_jsonl_without_actions_prints_nothing_on_stdout(tmp_path: Path) -> None:
    (tmp_path / "p.play").write_text("when message then hide\n", encoding="utf-8")
    (tmp_path / "e.jsonl").write_text(EVENTS, encoding="utf-8")
    done = playbook("dry-run", "p.play", "--events", "e.jsonl", "--format", "jsonl", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout == b""
    assert done.stderr


def test_dry_run_reads_stdin(care: Path) -> None:
    from_file = playbook("dry-run", "care.play", "--events", "events.jsonl", "--format", "jsonl", cwd=care)
    from_stdin = playbook(
        "dry-run", "care.play", "--events", "-", "--format", "jsonl", cwd=care, stdin=EVENTS.encode()
    )
    assert from_stdin.returncode == 0, from_stdin.stderr.decode()
    assert [(r["rule"], r["action"], r["event"]) for r in jsonl_records(from_stdin.stdout)] == EXPECTED
    assert from_stdin.stdout == from_file.stdout
    assert_skipped_reported(from_stdin.stderr.decode())


def test_dry_run_text_table(care: Path) -> None:
    done = playbook("dry-run", "care.play", "--events", "events.jsonl", cwd=care)
    assert done.returncode == 0, done.stderr.decode()
    out = done.stdout.decode()
    for rule in ("Flag complaints", "Hide spam", "care.play:10"):
        assert rule in out
    for word in ("tag", "notify", "hide", "escalate", "m1", "c1", "v1", "reviews", "@jane"):
        assert word in out
    # a table, not JSON records, one row per action in order
    assert not any(line.lstrip().startswith("{") for line in out.splitlines())
    rows = [line for line in out.splitlines() if re.search(r"\b(m1|c1|v1)\b", line)]
    assert [re.search(r"\b(m1|c1|v1)\b", row).group(1) for row in rows] == ["m1", "m1", "c1", "v1"]
    # the summary is on stderr only
    assert "skipped" not in out
    assert_skipped_reported(done.stderr.decode())


def _cells_at(header: str, row: str) -> dict[str, str]:
    """The first word of the row under each heading, counting display columns
    (a wide character takes two); '' where the row has a space there."""
    from rich.cells import cell_len

    found = {}
    for heading in re.finditer(r"\S+", header):
        if heading.start() >= cell_len(row):
            found[heading.group()] = ""
            continue
        # the character index of the row at the heading's display column
        index = next((i for i in range(len(row) + 1) if cell_len(row[:i]) >= heading.start()), len(row))
        words = row[index:].split(" ", 1)
        found[heading.group()] = words[0] if cell_len(row[:index]) == heading.start() else "?"
    return found


def test_dry_run_table_has_one_aligned_line_per_action(tmp_path: Path) -> None:
    (tmp_path / "desk.play").write_text(
        'rule "Tell the product team about a very long rule name indeed":\n'
        '  when mention then notify "#product" message "said: {text}"\n'
        "when comment then hide\n",
        encoding="utf-8",
    )
    events = [
        {
            "id": "m1",
            "type": "mention",
            "time": "2026-11-20T09:00:00Z",
            "author": {"handle": "@jane"},
            "text": "line one\nline two\ttabbed",
        },
        {"id": "a-rather-long-event-id-from-the-feed", "type": "comment", "time": "2026-11-20T09:00:01.5Z"},
        {"id": "m2", "type": "mention", "time": "2026-11-20T09:00:02Z", "text": "short"},
        {
            "id": "m3",
            "type": "mention",
            "time": "2026-11-20T09:30:00.5Z",
            "author": {"handle": "@a_handle_longer_than_sixteen"},
        },
        {"id": "m4", "type": "mention", "time": "2026-11-20T09:31:00Z", "author": {"handle": "@jo"}},
        {"id": "m5", "type": "mention", "time": "2026-11-20T09:32:00Z", "author": {"handle": "@李小龍"}},
    ]
    (tmp_path / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    done = playbook("dry-run", "desk.play", "--events", "events.jsonl", cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    lines = done.stdout.decode().splitlines()
    rows = [line for line in lines if not line.startswith("time ")]
    assert [re.search(r"\b(m\d|a-rather-long-event-id-from-the-feed)\b", row).group(1) for row in rows] == [
        "m1",
        "a-rather-long-event-id-from-the-feed",
        "m2",
        "m3",
        "m4",
        "m5",
    ]
    assert rows[0].endswith("message: said: line one line two tabbed")
    assert rows[1].startswith("2026-11-20T09:00:01.5Z")
    # Columns are sized from the rule set and widen for a longer value from the
    # feed; the header is written again above the row that widened one.
    header = lines[0]
    assert header.split() == ["time", "rule", "action", "target", "event", "author", "details"]
    shown = []
    for line in lines:
        if line.startswith("time "):
            header = line
            continue
        cells = _cells_at(header, line)
        shown.append([cells[heading] for heading in ("time", "action", "event", "author", "details")])
    assert shown == [
        ["2026-11-20T09:00:00Z", "notify", "m1", "@jane", "message:"],
        ["2026-11-20T09:00:01.5Z", "hide", "a-rather-long-event-id-from-the-feed", "", ""],
        ["2026-11-20T09:00:02Z", "notify", "m2", "", "message:"],
        ["2026-11-20T09:30:00.5Z", "notify", "m3", "@a_handle_longer_than_sixteen", "message:"],
        ["2026-11-20T09:31:00Z", "notify", "m4", "@jo", "message:"],
        ["2026-11-20T09:32:00Z", "notify", "m5", "@李小龍", "message:"],
    ]
    assert [i for i, line in enumerate(lines) if line.startswith("time ")] == [0, 2, 5]


def test_dry_run_table_says_when_there_are_no_actions(care: Path) -> None:
    (care / "quiet.play").write_text("when handled then hide\n", encoding="utf-8")
    done = playbook("dry-run", "quiet.play", "--events", "events.jsonl", cwd=care)
    assert done.returncode == 0
    assert done.stdout.decode() == "no actions\n"


def test_dry_run_text_is_the_default_format(care: Path) -> None:
    default = playbook("dry-run", "care.play", "--events", "events.jsonl", cwd=care)
    text = playbook("dry-run", "care.play", "--events", "events.jsonl", "--format", "text", cwd=care)
    assert default.returncode == text.returncode == 0
    assert default.stdout == text.stdout
    assert default.stderr == text.stderr


@pytest.mark.parametrize("fmt", ["jsonl", "text"])
def test_dry_run_output_is_byte_identical_across_runs(care: Path, fmt: str) -> None:
    args = ("dry-run", "care.play", "--events", "events.jsonl", "--format", fmt)
    first = playbook(*args, cwd=care, seed="1")
    second = playbook(*args, cwd=care, seed="2")
    assert first.returncode == second.returncode == 0
    assert first.stdout
    assert first.stdout == second.stdout
    assert first.stderr == second.stderr


def test_dry_run_of_a_folder(care: Path) -> None:
    folder = care / "playbooks"
    (folder / "sub").mkdir(parents=True)
    (folder / "b.play").write_text('rule "B": when mention then tag "b"\n', encoding="utf-8")
    (folder / "a.play").write_text('brand "@acme"\nrule "A": when mention then tag "a"\n', encoding="utf-8")
    (folder / "sub" / "c.play").write_text('when mention then tag "c"\n', encoding="utf-8")
    done = playbook("dry-run", "playbooks", "--events", "events.jsonl", "--format", "jsonl", cwd=care)
    assert done.returncode == 0, done.stderr.decode()
    assert [(r["rule"], r["event"]) for r in jsonl_records(done.stdout)] == [
        ("A", "m1"),
        ("B", "m1"),
        ("c.play:1", "m1"),
    ]


def test_dry_run_of_an_invalid_playbook_exits_1(care: Path) -> None:
    (care / "bad.play").write_text('when mention then escalte to "leads"\n', encoding="utf-8")
    for fmt in ("jsonl", "text"):
        done = playbook("dry-run", "bad.play", "--events", "events.jsonl", "--format", fmt, cwd=care)
        assert done.returncode == 1
        assert "bad.play:1:19: error" in done.stderr.decode()
        assert done.stdout == b""


def test_times_at_the_ends_of_the_calendar_never_stop_a_dry_run(tmp_path: Path) -> None:
    (tmp_path / "late.play").write_text('rule "Late": when mention and unanswered 2h then escalate\n')
    (tmp_path / "events.jsonl").write_text(
        '{"id": "m1", "type": "mention", "time": "9999-12-31T23:00:00Z"}\n'
        '{"id": "m2", "type": "mention", "time": "9999-12-31T23:59:59-05:00"}\n'
    )
    done = playbook("dry-run", "late.play", "--events", "events.jsonl", cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    stderr = done.stderr.decode()
    assert "line 2: time '9999-12-31T23:59:59-05:00' is out of range" in stderr
    assert "10000-01-01T01:00:00Z  Late  event m1" in stderr
    too_late = playbook(
        "dry-run",
        "late.play",
        "--events",
        "events.jsonl",
        "--until",
        "9999-12-31T23:59:59-01:00",
        cwd=tmp_path,
    )
    assert too_late.returncode == 2 and b"out of range" in too_late.stderr


def test_dry_run_has_no_side_effects(care: Path) -> None:
    before = sorted(p.relative_to(care).as_posix() for p in care.rglob("*"))
    done = playbook("dry-run", "care.play", "--events", "events.jsonl", "--format", "jsonl", cwd=care)
    assert done.returncode == 0
    after = sorted(p.relative_to(care).as_posix() for p in care.rglob("*"))
    assert after == before


def test_dry_run_skips_bad_bytes_without_crashing(tmp_path: Path) -> None:
    (tmp_path / "p.play").write_text('rule "Hide": when mention then hide\n', encoding="utf-8")
    (tmp_path / "e.jsonl").write_bytes(
        b'\xff\xfe garbage\n{"id": "m1", "type": "mention", "time": "2026-11-20T09:00:00Z"}\n[1, 2, 3]\n'
    )
    done = playbook("dry-run", "p.play", "--events", "e.jsonl", "--format", "jsonl", cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    assert [r["event"] for r in jsonl_records(done.stdout)] == ["m1"]
    err = done.stderr.decode()
    assert any(re.search(r"\b1\b", line) and "json" in line.lower() for line in err.splitlines()), err
    assert any(re.search(r"\b3\b", line) and "object" in line.lower() for line in err.splitlines()), err


# --- help -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, example",
    [
        pytest.param(["--help"], r"playbook (check|dry-run) \S", id="main"),
        pytest.param(["check", "--help"], r"playbook check \S", id="check"),
        pytest.param(["dry-run", "--help"], r"playbook dry-run \S+ --events \S", id="dry-run"),
    ],
)
def test_help_exits_0_and_shows_an_example(tmp_path: Path, args: list[str], example: str) -> None:
    done = playbook(*args, cwd=tmp_path)
    assert done.returncode == 0
    out = done.stdout.decode()
    assert "usage:" in out.lower()
    assert "example" in out.lower(), out
    # an example command line, not just the usage synopsis
    examples = [line for line in out.splitlines() if not line.lower().startswith("usage:")]
    assert any(re.search(example, line) and "[" not in line for line in examples), out


# --- the installed console script ---------------------------------------------------------


def test_installed_console_script(care: Path) -> None:
    script = shutil.which("playbook", path=os.path.dirname(sys.executable))
    assert script is not None, "the `playbook` console script is not installed next to python"
    done = playbook("check", "care.play", cwd=care, command=[script])
    assert done.returncode == 0, done.stderr.decode()
    done = playbook(
        "dry-run",
        "care.play",
        "--events",
        "-",
        "--format",
        "jsonl",
        cwd=care,
        stdin=EVENTS.encode(),
        command=[script],
    )
    assert done.returncode == 0, done.stderr.decode()
    assert [(r["rule"], r["action"], r["event"]) for r in jsonl_records(done.stdout)] == EXPECTED
    module = playbook("dry-run", "care.play", "--events", "events.jsonl", "--format", "jsonl", cwd=care)
    assert done.stdout == module.stdout
    assert playbook("check", "nowhere", cwd=care, command=[script]).returncode == 2


def test_a_reader_that_stops_early_gets_no_traceback() -> None:
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        f"{sys.executable} -m playbook dry-run playbooks --events examples/events.jsonl --format jsonl | head -1",
        shell=True,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert len(result.stdout.splitlines()) == 1
    assert "Traceback" not in result.stderr and "BrokenPipeError" not in result.stderr


def _on_a_terminal(command: list[str], stdout_too: bool) -> tuple[subprocess.CompletedProcess[bytes], bytes]:
    """Run `command` with stderr (and stdout, if `stdout_too`) on a pseudo-terminal;
    the process and what the terminal showed."""
    import pty
    import threading

    master, terminal = pty.openpty()
    shown = bytearray()

    def drain() -> None:
        try:
            while chunk := os.read(master, 65536):
                shown.extend(chunk)
        except OSError:
            pass

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    done = subprocess.run(
        command,
        cwd=Path(__file__).resolve().parent.parent,
        timeout=60,
        stdout=terminal if stdout_too else subprocess.PIPE,
        stderr=terminal,
    )
    os.close(terminal)
    reader.join(timeout=5)
    os.close(master)
    return done, bytes(shown)


def test_a_dry_run_watched_on_a_terminal_shows_progress_and_the_same_actions() -> None:
    root = Path(__file__).resolve().parent.parent
    command = [
        sys.executable,
        "-m",
        "playbook",
        "dry-run",
        "playbooks",
        "--events",
        "examples/events.jsonl",
        "--format",
        "jsonl",
    ]
    plain = subprocess.run(command, cwd=root, capture_output=True, timeout=60)
    watched, shown = _on_a_terminal(command, stdout_too=False)
    assert watched.returncode == 0
    assert watched.stdout == plain.stdout
    assert "━".encode() in shown, "a progress bar was drawn"
    assert b"kB" in shown


def test_a_dry_run_on_a_terminal_shows_the_table_without_a_progress_bar() -> None:
    """With stdout on the terminal too, the rows scrolling by are the progress;
    a bar redrawn under them would overwrite them."""
    watched, shown = _on_a_terminal(
        [sys.executable, "-m", "playbook", "dry-run", "playbooks", "--events", "examples/events.jsonl"],
        stdout_too=True,
    )
    assert watched.returncode == 0
    assert "━".encode() not in shown
    assert re.search(rb"2026-11-20T00:39:05Z +Thank advocates +reply", shown)


# --- saying what the run could not do as asked ------------------------------------------


@pytest.mark.parametrize(
    ("target", "said"),
    [
        ("nosuch", "--explain 'nosuch': no event or rule has that name"),
        (
            "flag complaints",
            "--explain 'flag complaints': no event or rule has that name (did you mean 'Flag complaints'?)",
        ),
        ("M1", "--explain 'M1': no event or rule has that name (did you mean 'm1'?)"),
        ("Hide spm", "--explain 'Hide spm': no event or rule has that name (did you mean 'Hide spam'?)"),
    ],
)
def test_explain_of_a_name_that_is_no_event_or_rule_says_so(care: Path, target: str, said: str) -> None:
    done = playbook("dry-run", "care.play", "--events", "events.jsonl", "--explain", target, cwd=care)
    assert done.returncode == 0
    assert done.stderr.decode().splitlines()[-1] == f"playbook: warning: {said}"
    assert not re.search(r"^event ", done.stdout.decode(), re.M)


def test_explain_of_an_event_no_rule_looks_at_says_so(care: Path) -> None:
    done = playbook("dry-run", "care.play", "--events", "events.jsonl", "--explain", "r1", cwd=care)
    assert done.returncode == 0
    assert done.stdout.decode().startswith(
        "brand event r1: reply at 2026-11-20T09:40:00Z by @acme, thread m1\n  no rule can hold for this event\n"
    )
    assert "warning" not in done.stderr.decode()


def test_until_before_the_last_event_is_reported(care: Path) -> None:
    done = playbook(
        "dry-run", "care.play", "--events", "events.jsonl", "--until", "2026-11-20T09:00:00Z", cwd=care
    )
    assert done.returncode == 0
    assert (
        "note: --until 2026-11-20T09:00:00Z is before the last event (2026-11-20T09:40:00Z): "
        "the clock stays there, and nothing more fired\n"
    ) in done.stderr.decode()
    later = playbook(
        "dry-run", "care.play", "--events", "events.jsonl", "--until", "2026-11-21T00:00:00Z", cwd=care
    )
    assert "note:" not in later.stderr.decode()


@pytest.mark.parametrize(
    ("content", "first_bad"),
    [
        pytest.param(
            '[{"id": "m1", "type": "mention", "time": "2026-11-20T09:00:00Z", "text": "My order arrived broken"}]\n',
            '  line 1: not a JSON object\n      [{"id": "m1", "type": "mention", "time": "2026-11-20T09:00:…\n',
            id="json-array",
        ),
        pytest.param(
            json.dumps([{"id": "m1", "type": "mention", "time": "2026-11-20T09:00:00Z"}], indent=2),
            "  line 1: not valid JSON (unexpected end of data)\n      [\n",
            id="pretty-printed",
        ),
        pytest.param("id,type,time\nm1,mention,2026-11-20T09:00:00Z\n", "  line 1: not valid JSON", id="csv"),
    ],
)
def test_events_that_are_not_json_lines_are_explained(tmp_path: Path, content: str, first_bad: str) -> None:
    (tmp_path / "care.play").write_text(CARE, encoding="utf-8")
    (tmp_path / "events.json").write_text(content, encoding="utf-8")
    done = playbook("dry-run", "care.play", "--events", "events.json", cwd=tmp_path)
    assert done.returncode == 0
    err = done.stderr.decode()
    assert err.startswith("events: 0 read, ")
    assert first_bad in err
    assert err.endswith(
        "note: no line of events.json is an event. Events are JSON Lines: one JSON object per line, such as\n"
        '  {"id": "m1", "type": "mention", "time": "2026-11-20T09:00:00Z", "text": "My order arrived broken"}\n'
    )


def test_an_empty_events_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "care.play").write_text(CARE, encoding="utf-8")
    done = playbook("dry-run", "care.play", "--events", "-", cwd=tmp_path, stdin=b"\n\n")
    assert done.returncode == 0
    assert done.stderr.decode().endswith("note: standard input holds no events\n")


def test_the_summary_lists_the_first_20_pending_deadlines_and_counts_the_rest(tmp_path: Path) -> None:
    (tmp_path / "wait.play").write_text(
        'rule "Wait": when mention and unanswered 1d then escalate\n', encoding="utf-8"
    )
    lines = [
        json.dumps({"id": f"m{n}", "type": "mention", "time": f"2026-11-20T09:{n // 60:02}:{n % 60:02}Z"})
        for n in range(1000)
    ]
    lines[500:530] = ["garbage"] * 30
    (tmp_path / "events.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = playbook("dry-run", "wait.play", "--events", "events.jsonl", cwd=tmp_path)
    err = done.stderr.decode().splitlines()
    pending = err.index("pending: 970 deadlines (clock at 2026-11-20T09:16:39Z)")
    assert err[pending + 1] == "  2026-11-21T09:00:00Z  Wait  event m0 in thread m0"
    assert err[pending + 21] == "  … and 950 more"
    assert len(err) == pending + 22
    skipped = err.index("events: 970 read, 30 lines skipped")
    assert err[skipped + 1 : skipped + 3] == [
        "  line 501: not valid JSON (unexpected character, expected a JSON value)",
        "      garbage",
    ]
    assert err[skipped + 41] == "  … and 10 more"
    assert err[skipped + 42] == "actions: 0"


def test_version_is_printed_on_standard_output_and_read_only_when_asked_for() -> None:
    from importlib.metadata import version

    shown = subprocess.run(
        [sys.executable, "-m", "playbook", "--version"], capture_output=True, text=True, timeout=60
    )
    assert (shown.returncode, shown.stdout, shown.stderr) == (0, f"playbook {version('playbook')}\n", "")
    imported = subprocess.run(
        [sys.executable, "-c", "import sys, playbook.cli; print('importlib.metadata' in sys.modules)"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert imported.stdout == "False\n", imported.stderr
