"""The processor runs a backlog with the cycle collector paused, as a dry run does:
the engine and the live tally make no reference cycles, and the events read ahead
of it are not walked again and again while they wait. The collector runs again
at each save on the way, once the backlog is processed, and when processing it fails."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from helpers import stdin_daemon

from playbook.compiler.actions import ActionRecord
from playbook.daemon.inbox import Inbox
from playbook.daemon.processor import BATCH, Processor
from playbook.daemon.reload import load_rules
from playbook.daemon.store import Store
from playbook.language.events import Event

PLAY = 'brand "@acme"\nrule "Escalate": when mention and text contains "broken" then escalate to "care"\n'


@pytest.fixture
def processor(tmp_path: Path) -> Iterator[Processor]:
    """A processor over a real store holding 5,000 stored events, more than one batch."""
    config = stdin_daemon(tmp_path, PLAY)
    store = Store(config.state)
    events = [
        {"id": f"m{i}", "type": "mention", "time": "2026-11-20T09:00:00Z", "text": "broken"}
        for i in range(5000)
    ]
    store.accept("http", [orjson.dumps(e) for e in events])
    was = gc.isenabled()
    gc.enable()
    try:
        yield Processor(config, Inbox(store), load_rules(config), [], lambda: True)
    finally:
        store.close()
        if not was:
            gc.disable()


def test_a_backlog_is_processed_with_the_collector_paused_and_it_runs_again_after(
    processor: Processor,
) -> None:
    seen: list[bool] = []
    process = processor.engine.process

    def watched(event: Event) -> list[ActionRecord]:
        seen.append(gc.isenabled())
        return process(event)

    processor.engine.process = watched  # type: ignore[method-assign]
    asyncio.run(processor._catch_up())
    assert len(seen) == 5000 and not any(seen)
    assert gc.isenabled()


def test_the_collector_runs_at_each_save_on_the_way_through_a_backlog(processor: Processor) -> None:
    collections: list[int] = []
    process = processor.engine.process

    def watched(event: Event) -> list[ActionRecord]:
        collections.append(sum(generation["collections"] for generation in gc.get_stats()))
        return process(event)

    processor.engine.process = watched  # type: ignore[method-assign]
    processor.next_save = 0.0  # a save is due after the first batch
    thresholds = gc.get_threshold()
    gc.set_threshold(1)  # the collector runs at any allocation while it is not paused
    try:
        asyncio.run(processor._catch_up())
    finally:
        gc.set_threshold(*thresholds)
    assert len(collections) == 5000
    assert collections[0] == collections[BATCH - 1] < collections[BATCH]  # not within a batch, after the save
    assert processor.store.saved_to() == BATCH  # the save on the way


def test_the_collector_runs_again_when_processing_fails(processor: Processor) -> None:
    def failing(event: Event) -> list[ActionRecord]:
        raise OSError("disk on fire")

    processor.engine.process = failing  # type: ignore[method-assign]
    with pytest.raises(OSError):
        asyncio.run(processor._catch_up())
    assert gc.isenabled()
