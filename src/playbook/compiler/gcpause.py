"""Pausing Python's cycle collector around work that creates no cycles, and
taking what lives long out of its passes.

Loading a rule set and running events through the engine allocate many small
containers (AST nodes, decoded events) and no reference cycles; the collector's
passes over them cost a fifth to a quarter of the time. Everything allocated
is still freed by reference counting while the collector sleeps.

The collector is one switch for the whole process, and the daemon pauses it
from two threads at once (a reload loads in a thread of its own while the
event loop saves the engine's state): it runs again when the last pause ends,
not when the first one does.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_resume = False  # whether the collector ran when the first of the open pauses began


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Pause the cycle collector for the block; it runs again, if it ran before,
    once no block of any thread holds it paused."""
    global _pauses, _resume
    with _lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()


def keep_for_good() -> None:
    """Collect every cycle of garbage now, then leave what is alive out of the
    collector's passes from now on (`gc.freeze`).

    For a process that has just built what it will keep for long (a rule set):
    the collector no longer walks it, so a full collection costs what the rest
    of memory costs. Reference counting still frees a kept object once nothing
    refers to it; what it cannot free is a cycle among them that becomes
    garbage later, which is then kept until the process ends. So what is kept
    this way must not be left in cycles when it is dropped (a retired rule set
    has none), and each call keeps at most the cycles of what was alive at that
    moment and becomes garbage later: the few objects of a request or a task
    in flight.
    """
    gc.collect()
    gc.freeze()


@contextmanager
def made_for_good() -> Iterator[None]:
    """What the block makes and keeps leaves the collector's passes at its end, as
    `keep_for_good` would leave it, with the collector paused meanwhile (for the
    whole process, as `cycle_collection_paused`).

    The collection that finds the garbage in cycles is split in two, each holding
    the interpreter for a shorter time than one would: a full one as the block
    begins, when what the block will make does not exist yet, and at its end one
    of the youngest generation only, which then holds everything made in the
    block (the collector did not run to move any of it on) and nothing older. A
    full collection at the end walked both, and all that the process made since
    the last freeze (a running daemon's state grows with its events).

    Beyond what `keep_for_good` keeps, a cycle among objects that were alive as
    the block began and became garbage during it is kept too.
    """
    with cycle_collection_paused():
        gc.collect()
        yield
        gc.collect(0)
        gc.freeze()
