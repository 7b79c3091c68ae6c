"""What a sink's sender does with a batch of deliveries, and what it says back."""

from __future__ import annotations

from typing import NamedTuple, Protocol

from playbook.daemon.store import Delivery


class Sent(NamedTuple):
    """How a batch went: the receiver took the first `taken` deliveries, in order.

    For the next one, `wait` is how long the receiver asked to be left alone (Slack's
    429 with Retry-After: not a failure, so the backoff does not grow), or None when
    it failed, for `reason`, and is retried with backoff.
    """

    taken: int
    wait: float | None = None
    reason: str = ""


class Sender(Protocol):
    """Hands deliveries to one sink: a file, a webhook, Slack, an SMTP server..."""

    #: Who refuses, in the log: "webhook refused an action; will retry".
    receiver: str

    async def open(self) -> None:
        """Get ready to send (a connection pool, say)."""

    async def close(self) -> None:
        """Let go of what `open` took."""

    async def send(self, batch: list[Delivery]) -> Sent:
        """Hand over the batch, in order, stopping at the first delivery that is refused."""
