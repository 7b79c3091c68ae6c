"""Ctrl-C during a dry run or a test run: stop between two events (or test
cases), never inside one, so that the summary tells of work done whole."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any


class StopRequest:
    """Ctrl-C, noted while `installed()`: `requested` turns true, and the run stops
    after the event (or test case) in hand. While a dry run waits for input
    (inside the function `waiting_in`), KeyboardInterrupt is raised at once, as
    nothing is in hand.
    """

    def __init__(self, waiting_in: Callable[..., Any] | None = None) -> None:
        self.requested = False
        self._waiting = waiting_in.__code__ if waiting_in is not None else None

    def _on_interrupt(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True
        while frame is not None and self._waiting is not None:
            if frame.f_code is self._waiting:
                raise KeyboardInterrupt
            frame = frame.f_back

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Take Ctrl-C over for the block, unless it is ignored or this is not the main thread."""
        if (
            threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
        ):
            yield
            return
        signal.signal(signal.SIGINT, self._on_interrupt)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, signal.default_int_handler)
