"""The cycle collector's pause (compiler/gcpause.py): one switch for the whole
process, paused from two threads at once by a daemon that reloads; and what a
reload makes, left out of the collector's passes."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator
from typing import Any

import pytest

from playbook.compiler.gcpause import cycle_collection_paused, made_for_good


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


class Node:
    """An object that can be put in a reference cycle, and weakly referred to."""

    def __init__(self) -> None:
        self.other: Any = self


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()


def test_what_the_block_makes_and_keeps_leaves_the_collectors_passes(
    collector_on: None, unfrozen: None
) -> None:
    with made_for_good():
        kept = Node()
        assert not gc.isenabled()
    assert gc.isenabled()
    assert not any(o is kept for o in gc.get_objects())


def test_garbage_in_cycles_from_before_and_within_the_block_is_collected_not_kept(
    collector_on: None, unfrozen: None
) -> None:
    before = Node()
    gc.collect(0)  # `before` moves on to an older generation while alive
    gone_before = weakref.ref(before)
    del before  # garbage in a cycle, in an older generation
    with made_for_good():
        assert gone_before() is None
        within = Node()
        gone_within = weakref.ref(within)
        del within  # garbage in a cycle, made while the collector is paused
        assert gone_within() is not None
    assert gone_within() is None


def test_the_collection_at_the_end_of_the_block_walks_the_youngest_generation_only(
    collector_on: None, unfrozen: None
) -> None:
    generations: list[int] = []

    def collected(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            generations.append(info["generation"])

    with made_for_good():
        gc.callbacks.append(collected)
    gc.callbacks.remove(collected)
    assert generations == [0]


def test_a_block_that_fails_freezes_nothing(collector_on: None, unfrozen: None) -> None:
    frozen = gc.get_freeze_count()
    with pytest.raises(ValueError), made_for_good():
        raise ValueError("the playbooks are invalid")
    assert gc.get_freeze_count() == frozen and gc.isenabled()
