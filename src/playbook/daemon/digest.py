"""`digest: D` on a `slack` or `email` sink (SPEC section 11): records as one message.

A record the sink takes opens a digest, and every record it takes in the next
D joins it; at the end of D they go out as one message that lists them (the
first `LISTED`, then a count), grouped by rule. D runs on the wall clock, from
the moment the first record was queued: a digest is for the people who read
it, and they feel the wall clock, not event time (a backlog replayed at start
makes one digest, not one per hour of old events). The records wait in the
outbox meanwhile, with the time each was queued, so a restart loses none and
keeps the digest's start (store.py). A digest is sent as a Slack message or
an e-mail with the same facts each record would have had (facts.py), and
retried as one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import orjson

from playbook.daemon.config import Sink
from playbook.daemon.facts import Facts
from playbook.daemon.mail import MailSender, body_text
from playbook.daemon.mail import addressed as addressed_mail
from playbook.daemon.sending import Sent
from playbook.daemon.slack import SECTION_CHARACTERS, SlackSender, cut, escape, summary
from playbook.daemon.store import Digest

# How many records a digest lists; the rest are counted.
LISTED = 50
# Slack takes at most 50 blocks in a message: a heading, a section per rule, a closing count.
MAX_RULE_SECTIONS = 45


@dataclass(frozen=True, slots=True)
class RuleGroup:
    """The records of one rule in a digest: how many, and the facts of those listed."""

    rule: str
    source: str
    count: int
    listed: list[Facts]

    @property
    def unlisted(self) -> int:
        return self.count - len(self.listed)


def groups(digest: Digest) -> list[RuleGroup]:
    """The digest's records by rule, each rule where its first record comes."""
    listed: dict[str, list[Facts]] = {}
    for delivery in digest.listed:
        facts = Facts.of(orjson.loads(delivery.body))
        listed.setdefault(facts.rule, []).append(facts)
    return [
        RuleGroup(rule, listed[rule][0].source if rule in listed else "", count, listed.get(rule, []))
        for rule, count in digest.by_rule
    ]


def headline(digest: Digest) -> str:
    """`7 actions from 3 rules`."""
    rules = len(digest.by_rule)
    actions = "1 action" if digest.count == 1 else f"{digest.count} actions"
    return f"{actions} from {'1 rule' if rules == 1 else f'{rules} rules'}"


def _clock(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _more(n: int, what: str) -> str:
    return f"… and {n} more {what}"


# --- Slack ---------------------------------------------------------------------------


def slack_digest(digest: Digest) -> dict[str, Any]:
    """The incoming-webhook message of a digest."""
    title = f"Playbook digest: {headline(digest)}"
    blocks: list[dict[str, Any]] = [_section(f"*{escape(title)}*, taken since {_clock(digest.start)}")]
    shown = [group for group in groups(digest) if group.listed][:MAX_RULE_SECTIONS]
    for group in shown:
        lines = [f"*{escape(group.rule)}* ({escape(group.source)}): {group.count}"]
        lines += [f"• {summary(facts)}" for facts in group.listed]
        if group.unlisted:
            lines.append(_more(group.unlisted, "from this rule"))
        blocks.append(_section(cut("\n".join(lines), SECTION_CHARACTERS)))
    left = digest.count - sum(len(group.listed) for group in shown)
    if left:
        more = _more(left, f"actions (the first {LISTED} are listed)")
        blocks.append({"type": "context", "elements": [_mrkdwn(more)]})
    return {"text": escape(title), "blocks": blocks, "unfurl_links": False, "unfurl_media": False}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(text)}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


# --- e-mail --------------------------------------------------------------------------


def mail_digest(digest: Digest, sink: Sink) -> EmailMessage:
    """The e-mail of a digest: one part per rule, each record's facts as its own e-mail gives them."""
    assert sink.mail is not None
    message = addressed_mail(sink.mail, f"digest: {headline(digest)}", f"digest.{digest.first.action_id}")
    message["X-Playbook-Digest"] = str(digest.count)
    parts = [f"{headline(digest)}, taken from {_clock(digest.start)} to {_clock(digest.end)}.", ""]
    listed = 0
    for group in groups(digest):
        heading = f"{group.rule} ({group.source}): {group.count}" if group.source else group.rule
        parts += [heading, "=" * min(len(heading), 72), ""]
        for facts in group.listed:
            parts += [body_text(facts)]
        listed += len(group.listed)
        if group.unlisted:
            parts += [_more(group.unlisted, "from this rule"), ""]
    if digest.count > listed:
        parts += [_more(digest.count - listed, f"actions: the first {LISTED} are listed"), ""]
    message.set_content("\n".join(parts))
    return message


# --- sending -------------------------------------------------------------------------


class DigestSender:
    """Sends digests through a `slack` or `email` sink's own sender, `inner` (which the
    deliverer opens and closes)."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.inner: SlackSender | MailSender = SlackSender(sink) if sink.type == "slack" else MailSender(sink)

    async def send(self, digest: Digest) -> Sent:
        """Send the digest as one message: all of it taken, or none."""
        if isinstance(self.inner, SlackSender):
            answer = await self.inner.post_message(slack_digest(digest))
            return Sent(1) if answer.taken else Sent(0, answer.retry_after, answer.reason)
        message = mail_digest(digest, self.sink)
        return await self.inner.send_messages([(f"digest.{digest.first.action_id}", message)])
