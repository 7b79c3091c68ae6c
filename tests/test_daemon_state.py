"""The engine's state in a real `playbook run` when the playbooks change under it
(a reload, a restart with edited playbooks) and when the state file is older
than the format (docs/state.md)."""

from __future__ import annotations

import json
import pickle
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from daemon_harness import DaemonProcess, now_iso, playbook_folder, wait_for

from playbook.daemon.store import Store
from playbook.language.timestamps import format_time, parse_time

CARE = """\
brand "@acme"
rule "Night complaints": when mention and text contains "broken" and unanswered 1h then escalate to "care-leads"
rule "Crisis": when mention and text contains "fire" then alert "#crisis"
"""
RENAMED = CARE.replace("Night complaints", "After-hours complaints")


def mention(id: str, text: str, offset: float = 0) -> dict[str, Any]:
    return {"id": id, "type": "mention", "time": now_iso(offset), "text": text, "author": {"handle": "@jane"}}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return playbook_folder(tmp_path, "care.play", CARE)


@pytest.fixture
def daemon(folder: Path) -> Iterator[DaemonProcess]:
    process = DaemonProcess(folder)
    yield process.start()
    process.close()


def logged(daemon: DaemonProcess, msg: str) -> list[dict[str, Any]]:
    entries = [json.loads(line) for line in daemon.log().splitlines() if line.startswith("{")]
    return [entry for entry in entries if entry["msg"] == msg]


def dropped_waits_metric(daemon: DaemonProcess) -> str:
    _, metrics = daemon.get("/metrics")
    return next(
        line for line in metrics.decode().splitlines() if line.startswith("playbook_dropped_waits_total")
    )


WARNING = (
    "rule 'Night complaints' is gone and 'After-hours complaints' has the same text: "
    "rename it back to keep its 1 pending wait"
)


def test_a_renamed_rule_drops_its_wait_with_a_warning_and_a_count(
    folder: Path, daemon: DaemonProcess
) -> None:
    assert daemon.post(mention("m1", "it arrived broken"))[0] == 202
    wait_for(lambda: daemon.health()["pending"] == 1, what="the wait")
    assert dropped_waits_metric(daemon) == "playbook_dropped_waits_total 0.0"
    (folder / "playbooks" / "care.play").write_text(RENAMED, encoding="utf-8")
    warning = wait_for(lambda: logged(daemon, WARNING), timeout=5, what="the rename warning")
    assert warning[0]["level"] == "warning"
    [reloaded] = logged(daemon, "reloaded")
    assert reloaded["state"] == (
        "kept 0 waits, 0 windows, 0 limit counts; dropped 1 wait of rule 'Night complaints' which is gone"
    )
    assert (reloaded["kept_waits"], reloaded["dropped_waits"]) == (0, 1)
    assert daemon.health()["pending"] == 0
    assert dropped_waits_metric(daemon) == "playbook_dropped_waits_total 1.0"


def test_a_reload_that_shortens_a_wait_fires_it_at_once_with_its_new_deadline(
    folder: Path, daemon: DaemonProcess
) -> None:
    item = mention("m1", "it arrived broken", offset=-30)
    assert daemon.post(item)[0] == 202
    wait_for(lambda: daemon.health()["pending"] == 1, what="the wait")
    (folder / "playbooks" / "care.play").write_text(
        CARE.replace("unanswered 1h", "unanswered 10s"), encoding="utf-8"
    )
    fired = wait_for(daemon.actions, timeout=5, what="the escalation")
    assert [(a["event"], a["time"]) for a in fired] == [
        ("m1", format_time(parse_time(item["time"]) + 10_000_000))
    ]
    [reloaded] = logged(daemon, "reloaded")
    assert (reloaded["kept_waits"], reloaded["moved_waits"], reloaded["due_waits"]) == (1, 1, 1)
    assert daemon.health()["pending"] == 0


def test_a_restart_with_a_renamed_rule_drops_its_wait_with_a_warning(
    folder: Path, daemon: DaemonProcess
) -> None:
    assert daemon.post(mention("m1", "it arrived broken"))[0] == 202
    wait_for(lambda: daemon.health()["pending"] == 1, what="the wait")
    assert daemon.stop() == 0
    (folder / "playbooks" / "care.play").write_text(RENAMED, encoding="utf-8")
    daemon.start()
    assert daemon.health()["pending"] == 0
    [restored] = logged(daemon, "restored the saved state under edited playbooks")
    assert restored["dropped_waits"] == 1
    assert logged(daemon, WARNING)
    assert dropped_waits_metric(daemon) == "playbook_dropped_waits_total 1.0"


def test_a_state_file_saved_by_playbook_0_1_0_is_refused_saying_what_to_do(folder: Path) -> None:
    DaemonProcess(folder)
    (folder / "state").mkdir()
    path = folder / "state" / "state.db"
    Store(str(path)).close()
    # What Playbook 0.1.0 saved: its engine's objects, serialized by Python.
    old = pickle.dumps(
        {
            "version": 1,
            "clock": parse_time("2026-11-20T09:00:00Z"),
            "pending_deadlines": 1,
            "next_sweep": None,
        },
        protocol=pickle.HIGHEST_PROTOCOL,
    )
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO engine (id, snapshot) VALUES (1, ?)", (old,))
    result = subprocess.run(
        [sys.executable, "-m", "playbook", "run", "--config", "daemon.yaml"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    [entry] = [json.loads(line) for line in result.stderr.splitlines() if '"cannot start"' in line]
    assert entry["reason"] == (
        f"{path}: cannot restore the saved engine state: the engine state was saved by Playbook 0.1.0, "
        "in a format this Playbook cannot read: run Playbook 0.1.0 on this file until its pending deadlines "
        'have fired (its /healthz then shows "pending": 0), or move the file away to start afresh '
        "(the deadlines, windows and limits it holds are then lost, and followed files are read again "
        "from their start)"
    )
    assert "Traceback" not in result.stderr
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT snapshot FROM engine").fetchone()[0] == old, (
            "the refused file is left as it was"
        )


def _office(closed: str) -> str:
    """A desk whose office is open all day, every day, but on the days `closed` lists."""
    return (
        'brand "@acme"\n'
        f'schedule office = daily 00:00-24:00 in "UTC"{closed}\n'
        'rule "Working-time complaints": when mention and text contains "broken" and unanswered 10s during office\n'
        '  then escalate to "care-leads"\n'
    )


def _closed_today_and_tomorrow(item: dict[str, Any]) -> str:
    day = datetime.fromisoformat(item["time"]).date()
    return f' closed "{day.isoformat()}", "{(day + timedelta(days=1)).isoformat()}"'


def test_a_schedule_edit_re_dates_a_wait_and_the_reload_log_says_so(folder: Path) -> None:
    item = mention("m1", "it arrived broken", offset=-30)
    (folder / "playbooks" / "care.play").write_text(
        _office(_closed_today_and_tomorrow(item)), encoding="utf-8"
    )
    daemon = DaemonProcess(folder).start()
    try:
        assert daemon.post(item)[0] == 202
        wait_for(lambda: daemon.health()["pending"] == 1, what="the wait, due after the closed days")
        # The office opens today after all: ten seconds of it passed long ago.
        (folder / "playbooks" / "care.play").write_text(_office(""), encoding="utf-8")
        fired = wait_for(daemon.actions, timeout=5, what="the escalation")
        assert [(a["event"], a["time"]) for a in fired] == [
            ("m1", format_time(parse_time(item["time"]) + 10_000_000))
        ]
        [reloaded] = logged(daemon, "reloaded")
        assert (reloaded["kept_waits"], reloaded["moved_waits"], reloaded["due_waits"]) == (1, 1, 1)
        assert reloaded["state"] == "kept 1 wait (1 re-dated, 1 due at once), 0 windows, 0 limit counts"
    finally:
        daemon.close()


def test_a_restart_with_an_edited_schedule_re_dates_a_wait(folder: Path) -> None:
    item = mention("m1", "it arrived broken", offset=-30)
    (folder / "playbooks" / "care.play").write_text(
        _office(_closed_today_and_tomorrow(item)), encoding="utf-8"
    )
    daemon = DaemonProcess(folder).start()
    try:
        assert daemon.post(item)[0] == 202
        wait_for(lambda: daemon.health()["pending"] == 1, what="the wait, due after the closed days")
        assert daemon.stop() == 0
        (folder / "playbooks" / "care.play").write_text(_office(""), encoding="utf-8")
        daemon.start()
        fired = wait_for(daemon.actions, timeout=5, what="the escalation")
        assert [(a["event"], a["time"]) for a in fired] == [
            ("m1", format_time(parse_time(item["time"]) + 10_000_000))
        ]
        [restored] = logged(daemon, "restored the saved state under edited playbooks")
        assert (restored["moved_waits"], restored["due_waits"]) == (1, 1)
    finally:
        daemon.close()
