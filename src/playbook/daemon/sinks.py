"""Sinks deliver action records from the durable outbox, each in order.

A delivery is removed from the outbox only after the sink took it, so an
action is delivered at least once; after a crash it may come twice, with the
same `id`. A webhook that fails is retried with exponential backoff and
holds back the actions behind it, so a receiver sees them in order; its
requests are signed with a timestamp (signing.py) when it has a secret. A
sink file only ever holds whole lines, even when the disk fills up (lines.py).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Callable

import aiohttp

from playbook.daemon.config import Sink
from playbook.daemon.health import Health
from playbook.daemon.lines import append_lines
from playbook.daemon.retry import backoff, retry
from playbook.daemon.signing import signed_headers
from playbook.daemon.store import Delivery, Store

log = logging.getLogger("playbook.daemon")
BATCH = 200
FIRST_RETRY_SECONDS = 0.5
IDLE_SECONDS = 0.2


class Deliverer:
    """Delivers one sink's outbox."""

    def __init__(self, sink: Sink, store: Store, on_delivered: Callable[[str, int], None]) -> None:
        self.sink = sink
        self.store = store
        self.on_delivered = on_delivered
        self.wakeup = asyncio.Event()
        self.session: aiohttp.ClientSession | None = None
        self.unmarked: list[int] = []  # outbox rows the sink took that are not yet marked delivered

    async def run(self, stopping: asyncio.Event, health: Health) -> None:
        """Deliver until `stopping`, then once more (the last actions stored at the stop)."""
        if self.sink.type == "webhook":
            self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
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
            if self.session is not None:
                await self.session.close()

    async def drain(self) -> None:
        """Deliver everything that is due."""
        if self.unmarked:
            # Delivered, but the store could not record it: record it, rather than deliver it again.
            self.store.delivered(self.unmarked)
            self.unmarked = []
        while batch := self.store.due(self.sink.name, time.time(), BATCH):
            done = await self._deliver(batch)
            if done:
                self.unmarked = [d.seq for d in batch[:done]]
                self.on_delivered(self.sink.name, done)
                self.store.delivered(self.unmarked)
                self.unmarked = []
            if done < len(batch):
                refused = batch[done]
                attempts = refused.attempts + 1
                self.store.retry_later(
                    refused.seq, attempts, time.time() + backoff(attempts, FIRST_RETRY_SECONDS)
                )
                return

    async def _deliver(self, batch: list[Delivery]) -> int:
        """Hand the batch to the sink; how many of its deliveries the sink took, in order."""
        lines = b"".join(d.body + b"\n" for d in batch)
        if self.sink.type == "stdout":
            sys.stdout.buffer.write(lines)
            sys.stdout.buffer.flush()
            return len(batch)
        if self.sink.type == "file":
            assert self.sink.path is not None
            append_lines(self.sink.path, lines)
            return len(batch)
        for index, delivery in enumerate(batch):
            if not await self._post(delivery):
                return index
        return len(batch)

    async def _post(self, delivery: Delivery) -> bool:
        assert self.session is not None and self.sink.url is not None
        headers = {"Content-Type": "application/json", "X-Playbook-Action": delivery.action_id}
        if self.sink.secret:
            headers.update(signed_headers(self.sink.secret, delivery.body, time.time()))
        try:
            async with self.session.post(self.sink.url, data=delivery.body, headers=headers) as response:
                if 200 <= response.status < 300:
                    return True
                reason = f"HTTP {response.status}"
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            reason = str(exc) or type(exc).__name__
        log.warning(
            "webhook refused an action; will retry",
            extra={
                "sink": self.sink.name,
                "action": delivery.action_id,
                "attempt": delivery.attempts + 1,
                "reason": reason,
                "retry_in": backoff(delivery.attempts + 1, FIRST_RETRY_SECONDS),
            },
        )
        return False
