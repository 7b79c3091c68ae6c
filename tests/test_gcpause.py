"""The cycle collector's pause (compiler/gcpause.py): one switch for the whole
process, paused from two threads at once by a daemon that reloads."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from playbook.compiler.gcpause import cycle_collection_paused


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_runs_again_only_when_the_last_pause_of_any_thread_ends(collector_on: None) -> None:
    entered, leave = threading.Event(), threading.Event()
    seen: list[bool] = []

    def loader() -> None:
        with cycle_collection_paused():
            entered.set()
            leave.wait(10)
            seen.append(gc.isenabled())

    with cycle_collection_paused():
        thread = threading.Thread(target=loader)
        thread.start()
        assert entered.wait(10)
    # The event loop's pause has ended; the loader's goes on.
    assert not gc.isenabled()
    leave.set()
    thread.join(10)
    assert seen == [False]
    assert gc.isenabled()


def test_a_pause_leaves_a_collector_that_was_off_off(collector_on: None) -> None:
    gc.disable()
    with cycle_collection_paused():
        with cycle_collection_paused():
            pass
        assert not gc.isenabled()
    assert not gc.isenabled()
