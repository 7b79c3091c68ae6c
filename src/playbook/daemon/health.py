"""What in the daemon is failing now, and why, for `/healthz`."""

from __future__ import annotations

STORE = "store"  # the part that stores events as they come in


class Health:
    """The parts of the daemon that are failing (the store, a sink, processing...),
    each with the reason of its last failure, until it works again."""

    def __init__(self) -> None:
        self.failing: dict[str, str] = {}

    def fail(self, part: str, reason: str) -> None:
        self.failing[part] = reason

    def ok(self, part: str) -> None:
        self.failing.pop(part, None)
