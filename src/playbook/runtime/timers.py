"""The timer queue: timers fire in due order, and same-due timers in the order set."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from typing import Any


class TimerQueue:
    """A heap of `(due, seq, payload)`; the engine pops due timers off `heap` itself.

    `seq` counts the timers set, so same-due timers fire in the order they
    were set. Cancelling is the payload's business (a cancelled payload is
    skipped when it comes due), so cancelling costs nothing here.
    """

    __slots__ = ("heap", "next_seq")

    def __init__(self, entries: list[tuple[int, int, Any]] | None = None, next_seq: int = 0) -> None:
        """A queue of `entries` (in firing order: a sorted list is a heap), whose
        next timer gets `next_seq`."""
        self.heap: list[tuple[int, int, Any]] = entries if entries is not None else []
        self.next_seq = next_seq

    def push(self, due: int, payload: Any) -> None:
        heapq.heappush(self.heap, (due, self.next_seq, payload))
        self.next_seq += 1

    def __len__(self) -> int:
        return len(self.heap)

    def entries(self) -> list[tuple[int, int, Any]]:
        """Every `(due, seq, payload)` in firing order (does not change the queue)."""
        return sorted(self.heap)  # `seq` is unique: payloads are never compared

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        """`(due, payload)` in firing order (for listing; does not change the queue)."""
        for due, _, payload in self.entries():
            yield due, payload
