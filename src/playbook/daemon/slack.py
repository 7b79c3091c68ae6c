"""The `slack` sink: each action record as a message to a Slack incoming webhook.

The message has a `text` line (what notifications show) and `blocks`: what
happened (action, target, priority), the event and its author, the `message`
or `text` to pass on, and the rule with its source. A target that starts
with `#` is the message's `channel`. Text from events and playbooks is escaped
as Slack asks (`&`, `<`, `>`), so a post saying `<!channel>` pings nobody, and
shown verbatim, so nothing in it becomes a mention or a link. Slack's 429 is
honoured: the record waits as long as Retry-After says, without counting as a
failure.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson

from playbook.daemon.config import Sink
from playbook.daemon.facts import Facts
from playbook.daemon.posting import Answer, new_session, post
from playbook.daemon.sending import Sent
from playbook.daemon.store import Delivery

# Slack's limits: a section's text 3,000 characters, a field's 2,000.
SECTION_CHARACTERS = 3000
FIELD_CHARACTERS = 2000
MAX_FIELDS = 10


def escape(text: str) -> str:
    """Text for Slack's mrkdwn, its control characters written as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summary(facts: Facts) -> str:
    """One mrkdwn line: `*escalate to care-leads*, priority high: event m1 by @jane (Rule)`."""
    headline = f"*{escape(facts.what)}*" + (f", priority {escape(facts.priority)}" if facts.priority else "")
    shadow = "[shadow] " if facts.shadow else ""
    return f"{shadow}{headline}: {escape(facts.about)} ({escape(facts.rule)})"


def record_blocks(facts: Facts) -> list[dict[str, Any]]:
    """The blocks that tell one record."""
    blocks: list[dict[str, Any]] = [_section(summary(facts))]
    if facts.note:
        quoted = "\n".join(f"> {line}" for line in escape(facts.note).splitlines() or [""])
        blocks.append(_section(cut(quoted, SECTION_CHARACTERS)))
    fields = [_mrkdwn(cut(f"*{label}*\n{escape(value)}", FIELD_CHARACTERS)) for label, value in facts.lines()]
    blocks.append({"type": "section", "fields": fields[:MAX_FIELDS]})
    if fields[MAX_FIELDS:]:
        blocks.append({"type": "context", "elements": fields[MAX_FIELDS:][:MAX_FIELDS]})
    return blocks


def slack_message(record: dict[str, Any]) -> dict[str, Any]:
    """The incoming-webhook message for one action record."""
    facts = Facts.of(record)
    message: dict[str, Any] = {
        "text": escape(cut(f"{facts.headline}: {facts.about} ({facts.rule})", SECTION_CHARACTERS)),
        "blocks": record_blocks(facts),
        "unfurl_links": False,
        "unfurl_media": False,
    }
    if facts.target is not None and facts.target.startswith("#"):
        message["channel"] = facts.target
    return message


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(text)}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


class SlackSender:
    """POSTs a Slack message for each record to the sink's incoming-webhook URL."""

    receiver = "slack"

    def __init__(self, sink: Sink) -> None:
        assert sink.url is not None
        self.url = sink.url
        self.session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        self.session = new_session()

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()

    async def post_message(self, message: dict[str, Any]) -> Answer:
        """POST one Slack message: of one record, or of several (a digest)."""
        assert self.session is not None
        return await post(self.session, self.url, orjson.dumps(message), {"Content-Type": "application/json"})

    async def send(self, batch: list[Delivery]) -> Sent:
        for index, delivery in enumerate(batch):
            answer = await self.post_message(slack_message(orjson.loads(delivery.body)))
            if not answer.taken:
                return Sent(index, answer.retry_after, answer.reason)
        return Sent(len(batch))
