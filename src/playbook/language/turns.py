"""Taking turns with the event loop: a thread that loads a rule set in the
background rests now and then, so that the thread serving events runs freely.

Python lets one thread run at a time. A loader that never rests leaves the
event loop to win the interpreter back each time it returns from a socket or
SQLite, a few thousand times a second; on a busy machine each of those waits
costs a wakeup, and the loop falls behind for the whole load. Resting as long
as it worked lets the loop catch up between two stretches of work, for a load
that takes about twice as long. The parser and the
compiler call `turn()` once per rule: nothing happens unless the calling thread
is inside `taking_turns`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_pacing = threading.local()


@contextmanager
def taking_turns(work_seconds: float, rest_seconds: float) -> Iterator[None]:
    """In the block, this thread's `turn()` sleeps `rest_seconds` once it has
    worked `work_seconds` since its last rest."""
    _pacing.work, _pacing.rest = work_seconds, rest_seconds
    _pacing.since = time.perf_counter()
    try:
        yield
    finally:
        del _pacing.work, _pacing.rest, _pacing.since


def turn() -> None:
    """Rest if this thread takes turns and its turn is over; else nothing."""
    work = getattr(_pacing, "work", None)
    if work is None:
        return
    if time.perf_counter() - _pacing.since >= work:
        time.sleep(_pacing.rest)
        _pacing.since = time.perf_counter()
