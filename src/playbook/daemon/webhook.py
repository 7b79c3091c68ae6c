"""The `webhook` sink: each action record POSTed as JSON, signed when it has a secret."""

from __future__ import annotations

import time

import aiohttp

from playbook.daemon.config import Sink
from playbook.daemon.posting import new_session, post
from playbook.daemon.sending import Sent
from playbook.daemon.signing import signed_headers
from playbook.daemon.store import Delivery


class WebhookSender:
    """POSTs each record as it is, with `X-Playbook-Action` and, given a secret, a
    timestamped signature (signing.py)."""

    receiver = "webhook"

    def __init__(self, sink: Sink) -> None:
        assert sink.url is not None
        self.url = sink.url
        self.secret = sink.secret
        self.session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        self.session = new_session()

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()

    async def send(self, batch: list[Delivery]) -> Sent:
        assert self.session is not None
        for index, delivery in enumerate(batch):
            headers = {"Content-Type": "application/json", "X-Playbook-Action": delivery.action_id}
            if self.secret:
                headers.update(signed_headers(self.secret, delivery.body, time.time()))
            answer = await post(self.session, self.url, delivery.body, headers)
            if not answer.taken:
                return Sent(index, answer.retry_after, answer.reason)
        return Sent(len(batch))
