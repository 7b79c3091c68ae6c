"""What in the daemon is failing now, and why, for `/healthz`."""

from __future__ import annotations

from collections.abc import Callable

STORE = "store"  # the part that stores events as they come in


class Health:
    """The parts of the daemon that are failing (the store, a sink, processing...),
    each with the reason of its last failure, until it works again. `redact` hides
    any secret a reason repeats (an exception's text may hold a URL)."""

    def __init__(self, redact: Callable[[str], str] = str) -> None:
        self.failing: dict[str, str] = {}
        self.redact = redact

    def fail(self, part: str, reason: str) -> None:
        self.failing[part] = self.redact(reason)

    def ok(self, part: str) -> None:
        self.failing.pop(part, None)
