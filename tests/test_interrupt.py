"""Stopping early, as people do: Ctrl-C during a dry run or a test run, and a
reader that closes the pipe (`| head`). Real processes, real signals, real pipes."""

from __future__ import annotations

import fcntl
import json
import os
import re
import signal
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLAYBOOK = [sys.executable, "-m", "playbook"]
TAG_EVERY_MENTION = 'rule "Tag": when mention then tag "seen"\n'
# Writes mentions on stdout for ever.
ENDLESS = """
import sys
n = 0
while True:
    n += 1
    sys.stdout.write('{"id": "m%d", "type": "mention", "time": "2026-11-20T09:00:00Z", "text": "hi"}\\n' % n)
"""


def _event(n: int) -> str:
    return json.dumps({"id": f"m{n}", "type": "mention", "time": "2026-11-20T09:00:00Z", "text": "hi"})


def _cpu_time(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _wait_until(check: object, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _reading(pid: int, path: Path) -> bool:
    """Whether the process has started to read the file at `path`."""
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if os.readlink(fd) == str(path):
                pos = Path(f"/proc/{pid}/fdinfo/{fd.name}").read_text().split()[1]
                return int(pos) > 0
        except OSError:
            continue
    return False


@pytest.fixture(autouse=True)
def ctrl_c_not_ignored() -> Iterator[None]:
    """The runs below take Ctrl-C as a manager's terminal gives it; a test run started in the
    background by a shell without job control ignores it, and so would every process it starts."""
    before = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def _summary_numbers(stderr: str) -> tuple[int, int]:
    read = re.search(r"^events: (\d+) read", stderr, re.M)
    actions = re.search(r"^actions: (\d+)$", stderr, re.M)
    assert read and actions, stderr
    return int(read.group(1)), int(actions.group(1))


@pytest.mark.parametrize("fmt", ["jsonl", "text"])
def test_ctrl_c_stops_a_long_dry_run_with_the_summary_of_what_it_did(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "tag.play").write_text(TAG_EVERY_MENTION, encoding="utf-8")
    events = tmp_path / "events.jsonl"
    total = 400_000
    events.write_text("".join(_event(n) + "\n" for n in range(total)), encoding="utf-8")
    run = subprocess.Popen(
        [*PLAYBOOK, "dry-run", "tag.play", "--events", str(events), "--format", fmt],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_until(lambda: _reading(run.pid, events))
        run.send_signal(signal.SIGINT)
        out, err = run.communicate(timeout=60)
    finally:
        run.kill()
    stderr = err.decode()
    assert run.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert stderr.startswith("interrupted: stopped by Ctrl-C after ")
    read, actions = _summary_numbers(stderr)
    assert 0 < read < total
    # every event read was processed whole: its action was counted and shown
    rows = [line for line in out.decode().splitlines() if "seen" in line]
    assert read == actions == len(rows)


def test_ctrl_c_while_a_dry_run_waits_for_input_stops_it_at_once(tmp_path: Path) -> None:
    (tmp_path / "tag.play").write_text(TAG_EVERY_MENTION, encoding="utf-8")
    run = subprocess.Popen(
        [
            *PLAYBOOK,
            "dry-run",
            "tag.play",
            "--events",
            "-",
            "--format",
            "jsonl",
            "--until",
            "2026-11-21T00:00:00Z",
        ],
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert run.stdin is not None
    try:
        run.stdin.write("".join(_event(n) + "\n" for n in range(3)).encode())
        run.stdin.flush()

        def idle() -> bool:
            # the three lines are taken from the pipe, and the process spends no more time
            unread = fcntl.ioctl(run.stdin.fileno(), termios.FIONREAD, b"\0\0\0\0")  # type: ignore[union-attr]
            if int.from_bytes(unread, sys.byteorder):
                return False
            before = _cpu_time(run.pid)
            time.sleep(0.5)
            return _cpu_time(run.pid) == before

        _wait_until(idle)
        run.send_signal(signal.SIGINT)
        run.wait(timeout=30)  # with the pipe still open: only Ctrl-C ends the run
        out, err = run.communicate()
    finally:
        run.kill()
    stderr = err.decode()
    assert run.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert stderr.startswith("interrupted: stopped by Ctrl-C after 3 events; --until was not applied\n")
    assert _summary_numbers(stderr) == (3, 3)
    assert len(out.splitlines()) == 3


def test_ctrl_c_while_a_dry_run_waits_for_input_stops_it_at_once_though_its_reader_has_no_frame(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Compiled (`make compiled`), `read_events` runs in no Python frame of its own; here a
    reader made of `map` (C) stands for it. The run still knows it waits for input."""
    from playbook.compiler.ruleset import compile_sources
    from playbook.dryrun import run as dryrun
    from playbook.language.events import parse_line

    monkeypatch.setattr(dryrun, "read_events", lambda lines: map(parse_line, lines))
    read, write = os.pipe()
    os.write(write, (_event(1) + "\n").encode())
    ended_input = threading.Event()

    def end_input() -> None:  # only if Ctrl-C did not stop the run: the test then fails, not hangs
        ended_input.set()
        os.close(write)

    ctrl_c = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))
    give_up = threading.Timer(20.0, end_input)
    records: list[object] = []
    with open(read, "rb") as lines:
        ctrl_c.start()
        give_up.start()
        try:
            result = dryrun.dry_run(compile_sources({"tag.play": TAG_EVERY_MENTION}), lines, records.append)
        finally:
            ctrl_c.cancel()
            give_up.cancel()
    if not ended_input.is_set():
        os.close(write)
    assert not ended_input.is_set(), "Ctrl-C did not stop the run while it waited for input"
    assert result.interrupted
    assert (result.events, len(records)) == (1, 1)


def _many_test_files(folder: Path, files: int = 200, cases: int = 20) -> None:
    (folder / "tag.play").write_text(TAG_EVERY_MENTION, encoding="utf-8")
    case = (
        "  - name: case {n}\n"
        "    events: [{{id: m1, type: mention, time: '2026-11-20T09:00:00Z'}}]\n"
        "    expect: [{{rule: Tag, action: tag}}]\n"
    )
    text = "playbooks: [tag.play]\ncases:\n" + "".join(case.format(n=n) for n in range(cases))
    for f in range(files):
        (folder / f"t{f:03}.test.yaml").write_text(text, encoding="utf-8")


def test_ctrl_c_stops_a_test_run_with_the_results_so_far(tmp_path: Path) -> None:
    _many_test_files(tmp_path)
    with subprocess.Popen(
        [*PLAYBOOK, "test", "."], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as run:
        assert run.stdout is not None and run.stderr is not None
        first = run.stdout.readline()
        assert first.startswith("PASS  t000.test.yaml:3  case 0"), first
        run.send_signal(signal.SIGINT)
        out = run.stdout.read()  # what follows the line read: communicate() would lose it
        err = run.stderr.read()
        run.wait(timeout=60)
    assert run.returncode == 130, err
    assert "Traceback" not in err
    assert err == "interrupted: stopped by Ctrl-C; the cases after these did not run\n"
    lines = [first, *out.splitlines()]
    summary = re.fullmatch(r"(\d+) passed, 0 failed in (\d+) test files?", lines[-1])
    assert summary, lines[-1]
    passed, files = int(summary.group(1)), int(summary.group(2))
    assert passed == len(lines) - 1 and 1 <= passed < 200 * 20
    assert files < 200


@pytest.mark.parametrize("fmt", ["jsonl", "text"])
def test_a_dry_run_whose_reader_stops_early_ends_quietly_with_0(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "tag.play").write_text(TAG_EVERY_MENTION, encoding="utf-8")
    source = subprocess.Popen([sys.executable, "-c", ENDLESS], stdout=subprocess.PIPE)
    run = subprocess.Popen(
        [*PLAYBOOK, "dry-run", "tag.play", "--events", "-", "--format", fmt],
        cwd=tmp_path,
        stdin=source.stdout,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    head = subprocess.Popen(["head", "-3"], stdin=run.stdout, stdout=subprocess.PIPE)
    assert source.stdout is not None and run.stdout is not None
    source.stdout.close()
    run.stdout.close()
    try:
        shown, _ = head.communicate(timeout=60)
        _, err = run.communicate(timeout=60)
    finally:
        for process in (source, run, head):
            process.kill()
            process.wait()
    assert len(shown.splitlines()) == 3
    assert run.returncode == 0
    assert err == b""


def test_a_test_run_whose_reader_stops_early_ends_quietly_with_0(tmp_path: Path) -> None:
    _many_test_files(tmp_path)  # more lines than a pipe holds
    done = subprocess.run(
        f"set -o pipefail; {sys.executable} -m playbook test . | head -1",
        shell=True,
        executable="/bin/bash",
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "PASS  t000.test.yaml:3  case 0\n"
    assert done.stderr == ""
