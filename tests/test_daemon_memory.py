"""Marks and repeats in the real daemon (SPEC section 12): kept over a reload (even
when the rule that set a mark is gone), over a SIGKILL, and a pending repeat fires
as its rule now says, each at its own due time, exactly as often as it should."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from daemon_harness import DaemonProcess, now_iso, playbook_folder, wait_for

DESK = """\
brand "@acme"
rule "Remember opt-outs": when mention and text contains "leave me alone" then mark author "do-not-contact" for 1d
rule "Acknowledge": when mention and author is not marked "do-not-contact" then reply "We're on it"
rule "Escalate":
  when mention and text contains "broken" and unanswered 2s
  then escalate to "care-leads", mark thread "escalated"
  repeat every 3s up to 2 times
rule "Escalated thread": when comment and thread is marked "escalated" then notify "#leads"
"""


def post(id: str, type: str, text: str, handle: str, **extra: Any) -> dict[str, Any]:
    return {"id": id, "type": type, "time": now_iso(), "text": text, "author": {"handle": handle}, **extra}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return playbook_folder(tmp_path, "desk.play", DESK)


@pytest.fixture
def daemon(folder: Path) -> Iterator[DaemonProcess]:
    process = DaemonProcess(folder)
    yield process
    process.close()


def _seconds(time: str) -> float:
    return datetime.fromisoformat(time.replace("Z", "+00:00")).timestamp()


def test_marks_and_a_pending_repeat_survive_a_reload_and_a_sigkill(
    folder: Path, daemon: DaemonProcess
) -> None:
    daemon.start()
    opt_out = post("m1", "mention", "please leave me alone", "@lena")
    complaint = post("m2", "mention", "my order arrived broken", "@jane")
    assert daemon.post([opt_out, complaint])[0] == 202
    wait_for(lambda: [a for a in daemon.actions() if a["rule"] == "Escalate"], what="the first escalation")
    # The rule that set the opt-out mark goes away, and escalations now go to EMEA.
    edited = DESK.replace('"care-leads"', '"care-leads-emea"').splitlines(keepends=True)
    (folder / "playbooks" / "desk.play").write_text("".join(edited[:1] + edited[2:]), encoding="utf-8")
    wait_for(lambda: '"msg":"reloaded"' in daemon.log(), what="the reload")
    [reloaded] = [line for line in daemon.logged() if line["msg"] == "reloaded"]
    assert reloaded["kept_marks"] == 2 and reloaded["kept_waits"] == 1
    daemon.kill()
    daemon.start()
    later = [
        post("m3", "mention", "hello again", "@LENA"),
        post("c1", "comment", "anyone there?", "@jane", in_reply_to="m2"),
    ]
    assert daemon.post(later)[0] == 202
    wait_for(
        lambda: len([a for a in daemon.actions() if a["rule"] == "Escalate"]) == 3,
        timeout=20,
        what="both repeats",
    )
    wait_for(lambda: daemon.health()["pending"] == 0, what="nothing left to repeat")
    actions = daemon.actions()
    assert daemon.stop() == 0

    # Lena asked to be left alone before the reload and the kill: no reply, ever.
    assert [(a["rule"], a["event"]) for a in actions if a["rule"] != "Escalate"] == [
        ("Acknowledge", "m2"),
        ("Escalated thread", "c1"),
    ]
    escalations = [a for a in actions if a["rule"] == "Escalate"]
    assert [(a["event"], a["target"]) for a in escalations] == [
        ("m2", "care-leads"),
        ("m2", "care-leads-emea"),
        ("m2", "care-leads-emea"),
    ]
    item = _seconds(complaint["time"])
    assert [round(_seconds(a["time"]) - item, 6) for a in escalations] == [2.0, 5.0, 8.0]
    assert len({a["id"] for a in escalations}) == 3
