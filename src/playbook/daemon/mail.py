"""The `email` sink: one message per action record, over SMTP (aiosmtplib).

The subject says what happened and by which rule (`[Playbook] escalate
care-leads: Escalate unanswered complaints`), the body gives the same facts as
a Slack message does. Each message carries the record's id in
`X-Playbook-Action` and in its Message-ID, so a record delivered twice (after
a crash, SPEC section 7) arrives as the same message twice, which mail
programs can tell. One connection carries a batch; STARTTLS or SSL when the
sink says so, and a login when it has a username.
"""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

import aiosmtplib
import orjson

from playbook.daemon.config import MailServer, Sink
from playbook.daemon.facts import Facts
from playbook.daemon.sending import Sent
from playbook.daemon.store import Delivery

log = logging.getLogger("playbook.daemon")
TIMEOUT_SECONDS = 10
SUBJECT_PREFIX = "[Playbook]"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def body_text(facts: Facts) -> str:
    """The facts of one record as plain text: a headline, the note, then a line per fact."""
    lines = [facts.headline, ""]
    if facts.note:
        lines += [f"> {line}" for line in facts.note.splitlines() or [""]] + [""]
    width = max(len(label) for label, _ in facts.lines()) + 1
    lines += [f"{label + ':':<{width}} {value}" for label, value in facts.lines()]
    return "\n".join(lines) + "\n"


def addressed(server: MailServer, subject: str, key: str) -> EmailMessage:
    """An e-mail from the sink's sender to its recipients, with `[Playbook] SUBJECT` and a
    Message-ID made of `key`, so that the same e-mail sent again has the same one."""
    message = EmailMessage()
    message["Subject"] = _one_line(f"{SUBJECT_PREFIX} {subject}")
    message["From"] = server.sender
    message["To"] = ", ".join(server.to)
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = f"<playbook.{key}@{server.sender.rpartition('@')[2]}>"
    return message


def compose(record: dict[str, Any], server: MailServer) -> EmailMessage:
    """The e-mail for one action record."""
    facts = Facts.of(record)
    message = addressed(server, facts.subject, facts.id)
    message["X-Playbook-Action"] = facts.id
    message.set_content(body_text(facts))
    return message


class MailSender:
    """Sends each record as an e-mail through the sink's SMTP server."""

    receiver = "the mail server"

    def __init__(self, sink: Sink) -> None:
        assert sink.mail is not None
        self.server = sink.mail
        self.name = sink.name

    async def open(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def send(self, batch: list[Delivery]) -> Sent:
        return await self.send_messages(
            [(d.action_id, compose(orjson.loads(d.body), self.server)) for d in batch]
        )

    async def send_messages(self, messages: list[tuple[str, EmailMessage]]) -> Sent:
        """Send e-mails over one connection, in order, each named by the action it tells
        (for the log); how many the server took."""
        server = self.server
        smtp = aiosmtplib.SMTP(
            hostname=server.host,
            port=server.port,
            use_tls=server.ssl,
            start_tls=server.starttls,
            username=server.username,
            password=server.password,
            timeout=TIMEOUT_SECONDS,
        )
        taken = 0
        try:
            async with smtp:
                for action, message in messages:
                    refused, _ = await smtp.send_message(message)
                    taken += 1
                    if refused:  # taken for the others: sending again would not help these
                        log.warning(
                            "the mail server refused some recipients of an action",
                            extra={
                                "sink": self.name,
                                "action": action,
                                "refused": sorted(refused),
                            },
                        )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            return Sent(taken, None, _reason(exc))
        return Sent(taken)


def _reason(exc: BaseException) -> str:
    """What went wrong, in the server's words (never the password: servers do not repeat it)."""
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"SMTP {exc.code}: {_one_line(exc.message)}"
    return _one_line(str(exc)) or type(exc).__name__
