"""The timer queue: timers fire in due order, and same-due timers in the order set."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from typing import Any


class TimerQueue:
    """A heap of `(due, seq, payload)`; the engine pops due timers off `heap` itself.

    Cancelling is the payload's business (a cancelled payload is skipped when
    it comes due), so cancelling costs nothing here.
    """

    __slots__ = ("heap", "_seq")

    def __init__(self) -> None:
        self.heap: list[tuple[int, int, Any]] = []
        self._seq = 0

    def push(self, due: int, payload: Any) -> None:
        heapq.heappush(self.heap, (due, self._seq, payload))
        self._seq += 1

    def __len__(self) -> int:
        return len(self.heap)

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        """Entries in firing order (for listing; does not change the queue)."""
        for due, _, payload in sorted(self.heap, key=lambda entry: entry[:2]):
            yield due, payload
