"""Sinks deliver action records from the durable outbox, each in order.

A delivery is removed from the outbox only after the sink took it, so an
action is delivered at least once; after a crash it may come twice, with the
same `id`. A receiver that refuses (a webhook, Slack, an SMTP server) is
retried with exponential backoff and holds back the actions behind it, so it
sees them in order; one that asks to wait (a 429 with Retry-After) is left
alone that long, which is no failure. A sink file only ever holds whole lines,
even when the disk fills up (lines.py). How each kind of sink sends is in its
own module: webhook.py, slack.py, mail.py; a `slack` or `email` sink with a
`digest` sends the records of each digest as one message (digest.py).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Callable

from playbook.daemon.config import Sink
from playbook.daemon.digest import LISTED, DigestSender
from playbook.daemon.health import Health
from playbook.daemon.lines import append_lines
from playbook.daemon.mail import MailSender
from playbook.daemon.retry import backoff, retry
from playbook.daemon.sending import Sender, Sent
from playbook.daemon.slack import SlackSender
from playbook.daemon.store import Delivery, Digest, Store
from playbook.daemon.webhook import WebhookSender

log = logging.getLogger("playbook.daemon")
# Deliveries read from the outbox and handed to a sender at once, at most; a file sink
# syncs the file once for each such batch, a backlog in batches this large.
BATCH = 2000
FIRST_RETRY_SECONDS = 0.5
IDLE_SECONDS = 0.2


class StdoutSender:
    """Writes each record as a line on standard output."""

    receiver = "stdout"

    async def open(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def send(self, batch: list[Delivery]) -> Sent:
        sys.stdout.buffer.write(b"".join(d.body + b"\n" for d in batch))
        sys.stdout.buffer.flush()
        return Sent(len(batch))


class FileSender:
    """Appends each record as a line to a JSON Lines file."""

    receiver = "file"

    def __init__(self, path: str) -> None:
        self.path = path

    async def open(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def send(self, batch: list[Delivery]) -> Sent:
        append_lines(self.path, b"\n".join([d.body for d in batch]) + b"\n")
        return Sent(len(batch))


def sender_for(sink: Sink) -> Sender:
    """The sender of a sink, by its type."""
    if sink.type == "file":
        assert sink.path is not None
        return FileSender(sink.path)
    if sink.type == "webhook":
        return WebhookSender(sink)
    if sink.type == "slack":
        return SlackSender(sink)
    if sink.type == "email":
        return MailSender(sink)
    return StdoutSender()


class Deliverer:
    """Delivers one sink's outbox."""

    def __init__(self, sink: Sink, store: Store, on_delivered: Callable[[str, int], None]) -> None:
        self.sink = sink
        self.store = store
        self.on_delivered = on_delivered
        self.digests = DigestSender(sink) if sink.digest is not None else None
        self.sender: Sender = self.digests.inner if self.digests is not None else sender_for(sink)
        self.wakeup = asyncio.Event()
        self.unmarked: list[int] = []  # outbox rows the sink took that are not yet marked delivered
        self.unmarked_digest: Digest | None = None  # the same, for a digest

    async def run(self, stopping: asyncio.Event, health: Health) -> None:
        """Deliver until `stopping`, then once more (the last actions stored at the stop)."""
        await self.sender.open()
        try:
            while True:
                self.wakeup.clear()
                await retry(
                    self.drain,
                    part=f"sink {self.sink.name}",
                    doing="deliver",
                    first=FIRST_RETRY_SECONDS,
                    health=health,
                    stopping=stopping,
                )
                if stopping.is_set():
                    return
                try:
                    await asyncio.wait_for(self.wakeup.wait(), IDLE_SECONDS)
                except TimeoutError:
                    pass
        finally:
            await self.sender.close()

    async def drain(self) -> None:
        """Deliver everything that is due."""
        if self.digests is not None:
            await self._drain_digests(self.digests)
            return
        if self.unmarked:
            # Delivered, but the store could not record it: record it, rather than deliver it again.
            self.store.delivered(self.sink.key, self.unmarked)
            self.unmarked = []
        while batch := self.store.due(self.sink.key, time.time(), BATCH):
            sent = await self.sender.send(batch)
            if sent.taken:
                self.unmarked = [d.seq for d in batch[: sent.taken]]
                self.on_delivered(self.sink.name, sent.taken)
                self.store.delivered(self.sink.key, self.unmarked)
                self.unmarked = []
            if sent.taken < len(batch):
                self._later(batch[sent.taken], sent)
                return

    async def _drain_digests(self, sender: DigestSender) -> None:
        """Send every digest whose time is up, each as one message."""
        assert self.sink.digest is not None
        if self.unmarked_digest is not None:
            self.store.digest_delivered(self.sink.key, self.unmarked_digest)
            self.unmarked_digest = None
        while digest := self.store.digest(self.sink.key, self.sink.digest, time.time(), LISTED):
            sent = await sender.send(digest)
            if not sent.taken:
                self._later(digest.first, sent)
                return
            self.unmarked_digest = digest
            self.on_delivered(self.sink.name, digest.count)
            self.store.digest_delivered(self.sink.key, digest)
            self.unmarked_digest = None

    def _later(self, refused: Delivery, sent: Sent) -> None:
        """Try `refused` again when the receiver asked, or after a backoff that grows with each failure."""
        fields = {"sink": self.sink.name, "action": refused.action_id, "reason": sent.reason}
        if sent.wait is not None:
            self.store.retry_later(self.sink.key, refused.seq, refused.attempts, time.time() + sent.wait)
            log.info(
                f"{self.sender.receiver} asked to wait; will retry", extra={**fields, "retry_in": sent.wait}
            )
            return
        attempts = refused.attempts + 1
        wait = backoff(attempts, FIRST_RETRY_SECONDS)
        self.store.retry_later(self.sink.key, refused.seq, attempts, time.time() + wait)
        log.warning(
            f"{self.sender.receiver} refused an action; will retry",
            extra={**fields, "attempt": attempts, "retry_in": wait},
        )
