"""What people read of an action record: the Slack message and the e-mail (SPEC section 11)."""

from __future__ import annotations

import json
from email import message_from_bytes, policy
from typing import Any

import pytest

from playbook.daemon.config import MailServer
from playbook.daemon.mail import compose
from playbook.daemon.slack import escape, slack_message

ESCALATION = {
    "id": "a3f1c2e49b0d",
    "time": "2026-11-20T11:00:00Z",
    "rule": "Escalate unanswered complaints",
    "action": "escalate",
    "target": "care-leads",
    "params": {"priority": "high"},
    "event": "m1",
    "thread": "m1",
    "author": "@jane",
    "source": "care.play:5",
}
NOTIFY = {
    "id": "b7d2",
    "time": "2026-11-20T09:00:00Z",
    "rule": "VIP <first> & fast",
    "action": "notify",
    "target": "#vip-desk",
    "params": {"message": "Big fish: <!channel> look at {this} & that > now"},
    "event": "m7",
    "thread": "m2",
    "author": "@dana<script>",
    "source": "vip.play:3",
}
SERVER = MailServer(
    "127.0.0.1", 2525, False, False, None, None, "playbook@acme.example", ("leads@acme.example",)
)


def texts(message: dict[str, Any]) -> str:
    """Every text a person may see in a Slack message."""
    return json.dumps(message, ensure_ascii=False)


def test_a_slack_message_says_what_happened_whose_event_and_which_rule() -> None:
    message = slack_message(ESCALATION)
    assert (
        message["text"]
        == "escalate to care-leads, priority high: event m1 by @jane (Escalate unanswered complaints)"
    )
    assert "channel" not in message  # a target that is no channel
    blocks = message["blocks"]
    assert blocks[0] == {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": "*escalate to care-leads*, priority high: event m1 by @jane (Escalate unanswered complaints)",
            "verbatim": True,
        },
    }
    fields = [f["text"] for f in blocks[1]["fields"]]
    assert fields == [
        "*Event*\nm1",
        "*Author*\n@jane",
        "*Priority*\nhigh",
        "*Time*\n2026-11-20T11:00:00Z",
        "*Rule*\nEscalate unanswered complaints (care.play:5)",
        "*Action id*\na3f1c2e49b0d",
    ]
    assert message["unfurl_links"] is False


def test_a_slack_message_for_a_channel_target_goes_to_that_channel_and_quotes_the_message() -> None:
    message = slack_message(NOTIFY)
    assert message["channel"] == "#vip-desk"
    quoted = message["blocks"][1]["text"]["text"]
    assert quoted == "> Big fish: &lt;!channel&gt; look at {this} &amp; that &gt; now"
    fields = [f["text"] for f in message["blocks"][2]["fields"]]
    assert "*Thread*\nm2" in fields
    assert "*Author*\n@dana&lt;script&gt;" in fields
    assert "*Rule*\nVIP &lt;first&gt; &amp; fast (vip.play:3)" in fields


def test_no_text_from_an_event_reaches_slack_unescaped() -> None:
    shown = texts(slack_message(NOTIFY))
    for raw in ("<!channel>", "<script>", "<first>", "& fast", "& that", "> now"):
        assert raw not in shown
    assert all(t["verbatim"] for b in slack_message(NOTIFY)["blocks"] for t in [b.get("text")] if t)


@pytest.mark.parametrize(
    ("raw", "escaped"), [("a & b", "a &amp; b"), ("<@U1>", "&lt;@U1&gt;"), ("&amp;", "&amp;amp;")]
)
def test_escape_writes_slacks_control_characters_as_entities(raw: str, escaped: str) -> None:
    assert escape(raw) == escaped


def test_a_long_message_is_cut_to_slacks_limit() -> None:
    long = dict(NOTIFY, params={"message": "x" * 5000})
    quoted = slack_message(long)["blocks"][1]["text"]["text"]
    assert len(quoted) == 3000 and quoted.endswith("…")


def test_a_shadow_record_says_so() -> None:
    message = slack_message(dict(ESCALATION, shadow=True))
    assert message["text"].startswith("[shadow] escalate to care-leads")


def test_an_email_has_the_subject_of_the_spec_and_the_same_facts_as_slack() -> None:
    mail = message_from_bytes(compose(ESCALATION, SERVER).as_bytes(), policy=policy.default)
    assert mail["Subject"] == "[Playbook] escalate care-leads: Escalate unanswered complaints"
    assert mail["From"] == "playbook@acme.example"
    assert mail["To"] == "leads@acme.example"
    assert mail["X-Playbook-Action"] == "a3f1c2e49b0d"
    assert mail["Message-ID"] == "<playbook.a3f1c2e49b0d@acme.example>"
    assert mail.get_content() == (
        "escalate to care-leads, priority high\n"
        "\n"
        "Event:     m1\n"
        "Author:    @jane\n"
        "Priority:  high\n"
        "Time:      2026-11-20T11:00:00Z\n"
        "Rule:      Escalate unanswered complaints (care.play:5)\n"
        "Action id: a3f1c2e49b0d\n"
    )


def test_an_email_without_a_target_and_with_a_message() -> None:
    record = dict(NOTIFY, action="alert", target=None)
    mail = message_from_bytes(compose(record, SERVER).as_bytes(), policy=policy.default)
    assert mail["Subject"] == "[Playbook] alert: VIP <first> & fast"
    body = mail.get_content()
    assert body.startswith("alert\n\n> Big fish: <!channel> look at {this} & that > now\n\nEvent:")
    assert "Thread:    m2\n" in body
