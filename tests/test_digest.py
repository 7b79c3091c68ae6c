"""`digest: D` on Slack and e-mail sinks (SPEC section 11): the records a sink takes
within D of the first go out as one message, grouped by rule, listing the first
50 and counting the rest; they wait in the outbox, so a restart keeps the
digest's start and a SIGKILL loses none."""

from __future__ import annotations

import json
import ssl
import time
from pathlib import Path
from typing import Any

import pytest
from daemon_harness import DaemonProcess, wait_for
from receivers import FakeSlack, Mailbox
from test_delivery import EVENTS, SMTP_PASSWORD, SMTP_USER, email_sink, folder, mention, slack, tls

from playbook.daemon.config import ConfigError, load_config
from playbook.daemon.digest import LISTED, mail_digest, slack_digest
from playbook.daemon.store import Store

__all__ = ["folder", "slack", "tls"]  # fixtures of test_delivery, used here

RULES_IN_ORDER = ["Escalate", "VIP", "Crisis storm", "Hide spam"]


def _sections(message: dict[str, Any]) -> list[str]:
    return [block["text"]["text"] for block in message["blocks"] if block["type"] == "section"]


def test_records_within_the_digest_go_out_as_one_slack_message_and_one_email(
    folder: Path, slack: FakeSlack, tls: ssl.SSLContext
) -> None:
    mailbox = Mailbox(tls=tls, login=(SMTP_USER, SMTP_PASSWORD)).start()
    sinks = [
        {"type": "slack", "url": slack.url(), "digest": "3s"},
        email_sink(mailbox, digest="3s"),
        {"type": "file", "path": "out/actions.jsonl"},
    ]
    process = DaemonProcess(folder, {"sinks": sinks}).start()
    try:
        posted = time.monotonic()
        assert process.post(EVENTS)[0] == 202
        wait_for(lambda: len(process.actions()) == 7, what="the records in the file sink")
        assert slack.requests == [] and mailbox.messages == []  # the digest is still open
        wait_for(lambda: slack.taken and mailbox.messages, timeout=30, what="the digest in Slack and by mail")
        time.sleep(1)  # nothing more comes
        records = process.actions()
    finally:
        process.close()
        mailbox.stop()
    [message] = slack.taken
    assert slack.requests[0].at - posted >= 2.5, "sent before the digest's time was up"
    assert message["text"] == "Playbook digest: 7 actions from 4 rules"
    heading, *by_rule = _sections(message)
    assert heading.startswith("*Playbook digest: 7 actions from 4 rules*, taken since ")
    assert [section.split("\n")[0] for section in by_rule] == [
        "*Escalate* (desk.play:2): 2",
        "*VIP* (desk.play:3): 2",
        "*Crisis storm* (desk.play:4): 2",
        "*Hide spam* (desk.play:5): 1",
    ]
    assert by_rule[0].split("\n")[1:] == [
        "• *escalate to care-leads*, priority high: event m1 by @jane (Escalate)",
        "• *escalate to care-leads*, priority high: event m5 by @vip (Escalate)",
    ]
    assert len(records) == 7

    [mail] = mailbox.messages
    assert mail["Subject"] == "[Playbook] digest: 7 actions from 4 rules"
    assert mail["X-Playbook-Digest"] == "7"
    body = mail.get_content().replace("\r\n", "\n")
    headings = [line for line in body.splitlines() if line.endswith(("): 2", "): 1"))]
    assert headings == [
        "Escalate (desk.play:2): 2",
        "VIP (desk.play:3): 2",
        "Crisis storm (desk.play:4): 2",
        "Hide spam (desk.play:5): 1",
    ]
    assert [line.split()[-1] for line in body.splitlines() if line.startswith("Action id:")] == [
        r["id"] for rule in RULES_IN_ORDER for r in records if r["rule"] == rule
    ]


def test_a_digest_keeps_its_start_and_every_record_across_a_sigkill(folder: Path, slack: FakeSlack) -> None:
    sinks = [
        {"type": "slack", "url": slack.url(), "digest": "6s", "match": {"action": ["escalate"]}},
        {"type": "file", "path": "out/actions.jsonl"},
    ]
    process = DaemonProcess(folder, {"sinks": sinks})
    try:
        process.start()
        opened = time.monotonic()
        assert process.post([mention(f"a{i}", "my order arrived broken") for i in range(3)])[0] == 202
        wait_for(lambda: process.health()["outbox"] == 3, what="the escalations waiting in the outbox")
        process.kill()
        time.sleep(max(0.0, opened + 3 - time.monotonic()))
        process.start()
        assert process.post([mention(f"b{i}", "still broken") for i in range(2)])[0] == 202
        wait_for(lambda: slack.taken, timeout=30, what="the digest")
        time.sleep(1)
    finally:
        process.close()
    [message] = slack.taken
    arrived = slack.requests[0].at - opened
    # Opened before the kill: due 6 s after the first record, not 6 s after the restart (9 s or more).
    assert 5.5 <= arrived < 8.5, arrived
    [section] = _sections(message)[1:]
    assert section.startswith("*Escalate* (desk.play:2): 5\n")
    assert [line.split(": event ")[1].split()[0] for line in section.split("\n")[1:]] == [
        "a0",
        "a1",
        "a2",
        "b0",
        "b1",
    ]


def test_a_digest_lists_the_first_fifty_and_counts_the_rest_grouped_by_rule(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "state.db"))
    records = [
        {
            "id": f"id{i}",
            "time": "2026-11-20T09:00:00Z",
            "rule": "Escalate" if i % 3 else "Storm",
            "action": "escalate" if i % 3 else "alert",
            "target": "care-leads" if i % 3 else "#crisis",
            "params": {},
            "event": f"m{i}",
            "thread": f"m{i}",
            "author": "@jane",
            "source": "desk.play:2" if i % 3 else "desk.play:4",
        }
        for i in range(70)
    ]
    store.queue([("leads", r["id"], json.dumps(r).encode()) for r in records], after_event=0)
    store.queue([("other", "x", b"{}")], after_event=0)
    assert store.digest("leads", 600, time.time(), LISTED) is None  # not due for ten minutes
    digest = store.digest("leads", 600, time.time() + 601, LISTED)
    assert digest is not None
    assert (digest.count, digest.by_rule, len(digest.listed)) == (70, [("Storm", 24), ("Escalate", 46)], 50)
    message = slack_digest(digest)
    sections = _sections(message)
    assert [s.split("\n")[0] for s in sections[1:]] == [
        "*Storm* (desk.play:4): 24",
        "*Escalate* (desk.play:2): 46",
    ]
    assert sections[1].endswith("… and 7 more from this rule")  # 17 of its 24 among the first 50
    assert sections[2].endswith("… and 13 more from this rule")
    assert message["blocks"][-1]["elements"][0]["text"] == "… and 20 more actions (the first 50 are listed)"

    config = load_config(
        str(
            _config(
                tmp_path,
                {
                    "type": "email",
                    "host": "127.0.0.1",
                    "from": "p@a.example",
                    "to": ["leads@a.example"],
                    "digest": "10m",
                },
            )
        )
    )
    mail = mail_digest(digest, config.sinks[0])
    body = mail.get_content()
    assert mail["Subject"] == "[Playbook] digest: 70 actions from 2 rules"
    assert body.count("Action id:") == 50
    assert body.rstrip().endswith("… and 20 more actions: the first 50 are listed")
    store.digest_delivered("leads", digest)
    assert store.digest("leads", 600, time.time() + 601, LISTED) is None
    assert store.waiting_by_sink() == {"other": 1}


def _config(folder: Path, sink: dict[str, Any]) -> Path:
    (folder / "playbooks").mkdir(exist_ok=True)
    path = folder / "daemon.yaml"
    path.write_text(
        json.dumps({"playbooks": "playbooks", "sources": [{"type": "stdin"}], "sinks": [sink]}),
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("sink", "message"),
    [
        (
            {"type": "file", "path": "out.jsonl", "digest": "10m"},
            "sinks[0]: 'digest' is for slack and email sinks, which people read; a file sink takes each "
            "record as it comes",
        ),
        (
            {"type": "slack", "url": "https://hooks.slack.com/services/T/B/X", "digest": "often"},
            "sinks[0]: 'digest' must be a duration longer than zero, like 10m or 1h, not 'often'",
        ),
        (
            {"type": "slack", "url": "https://hooks.slack.com/services/T/B/X", "digest": "0s"},
            "sinks[0]: 'digest' must be a duration longer than zero, like 10m or 1h, not '0s'",
        ),
        (
            {"type": "slack", "url": "https://hooks.slack.com/services/T/B/X", "digest": 10},
            "sinks[0]: 'digest' must be a duration longer than zero, like 10m or 1h, not 10",
        ),
    ],
)
def test_a_digest_is_checked_at_start(tmp_path: Path, sink: dict[str, Any], message: str) -> None:
    path = _config(tmp_path, sink)
    with pytest.raises(ConfigError) as refused:
        load_config(str(path))
    assert str(refused.value) == f"{path}: {message}"


EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "daemon.yaml"


def test_the_example_daemon_starts_without_slack_and_shows_a_digest_to_switch_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PLAYBOOK_TOKEN", "demo-token")
    shipped = load_config(str(EXAMPLE))
    assert all(sink.digest is None for sink in shipped.sinks)
    text = EXAMPLE.read_text(encoding="utf-8")
    start = text.index("  # - {type: slack")
    block = text[start : text.index("\n", text.index("#    match", start)) + 1]
    switched_on = text.replace(block, block.replace("  # - ", "  - ").replace("  #    ", "     "))
    monkeypatch.setenv("SLACK_CARE_LEADS_URL", "https://hooks.slack.com/services/T0/B0/X")
    edited = EXAMPLE.with_name("daemon-with-slack.yaml")
    edited.write_text(switched_on, encoding="utf-8")
    try:
        config = load_config(str(edited))
    finally:
        edited.unlink()
    [leads] = [sink for sink in config.sinks if sink.type == "slack"]
    assert (leads.name, leads.digest) == ("slack:care-leads", 600.0)
