"""A reload and the cycle collector: the loaded rule set is left out of the
collector's passes (`gc.freeze`), so a full collection no longer walks it after
each reload, and the rule set it replaces has no reference cycles, so reference
counting frees it though it was frozen."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
import weakref
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from helpers import stdin_daemon

from playbook.compiler.gcpause import cycle_collection_paused
from playbook.daemon.inbox import Inbox
from playbook.daemon.processor import Processor
from playbook.daemon.reload import Reloader, load_rules
from playbook.daemon.store import Store
from playbook.language.timestamps import parse_time
from playbook.runtime import engine as engine_module
from playbook.runtime.engine import Engine

CARE = """\
brand "@acme"
rule "Escalate": when mention and text contains "broken" and unanswered 2h then escalate to "care-leads"
rule "Busy": when mention and at least 3 times within 1h per author then tag "busy"
when mention and text contains "fire" then alert "#crisis"
"""


@pytest.fixture
def reloading(tmp_path: Path) -> Iterator[tuple[Processor, Reloader, Path]]:
    """A processor over a real store that has run events, and its reloader."""
    config = stdin_daemon(tmp_path, CARE)
    play = tmp_path / "playbooks" / "care.play"
    store = Store(config.state)
    processor = Processor(config, Inbox(store), load_rules(config), [], lambda: True)
    events = [
        {
            "id": f"m{i}",
            "type": "mention",
            "time": f"2026-11-20T09:0{i}:00Z",
            "text": text,
            "author": {"id": "1"},
        }
        for i, text in enumerate(["broken again", "on fire", "broken", "hello"])
    ]
    store.accept("http", [orjson.dumps(e) for e in events])
    processor.process_waiting()
    reloader = Reloader(config, processor, SimpleNamespace(reloads=Counter[str]()))  # type: ignore[arg-type]
    try:
        yield processor, reloader, play
    finally:
        store.close()
        gc.unfreeze()


def test_a_replaced_rule_set_is_freed_by_reference_counting(
    reloading: tuple[Processor, Reloader, Path],
) -> None:
    processor, reloader, play = reloading
    old = weakref.ref(processor.ruleset)
    conditions = [weakref.ref(rule.condition) for rule in processor.ruleset.rules]  # made by exec
    play.write_text(CARE.replace("2h", "3h").replace("#crisis", "#fire"), encoding="utf-8")
    with cycle_collection_paused():
        assert asyncio.run(reloader.reload("SIGHUP"))
        assert processor.engine.export().waits[0].due > 0
        assert reloader.releasing is not None
        reloader.releasing.join(10)
        assert old() is None and all(condition() is None for condition in conditions)
    assert processor.ruleset.rules[0].time is not None and "3h" in processor.ruleset.rules[0].text


def test_a_reload_leaves_the_new_rule_set_out_of_the_collectors_passes(
    reloading: tuple[Processor, Reloader, Path],
) -> None:
    processor, reloader, play = reloading
    play.write_text(CARE.replace("#crisis", "#fire"), encoding="utf-8")
    assert asyncio.run(reloader.reload("SIGHUP"))
    new = processor.ruleset
    walked = gc.get_objects()  # the objects the collector walks: not those frozen
    assert not any(o is new or o is new.rules[0] or o is new.rules[0].condition for o in walked)
    assert gc.get_freeze_count() > 0


def test_a_replaced_rule_set_is_dropped_off_the_event_loop(
    reloading: tuple[Processor, Reloader, Path],
) -> None:
    processor, reloader, play = reloading
    freed_in: list[str] = []
    weakref.finalize(processor.ruleset, lambda: freed_in.append(threading.current_thread().name))
    play.write_text(CARE.replace("#crisis", "#fire"), encoding="utf-8")
    assert asyncio.run(reloader.reload("SIGHUP"))
    assert reloader.releasing is not None
    reloader.releasing.join(10)
    assert freed_in == [reloader.releasing.name] != [threading.current_thread().name]


def test_the_state_saved_after_a_reload_is_the_new_rules_from_where_the_old_stopped(
    reloading: tuple[Processor, Reloader, Path],
) -> None:
    processor, reloader, play = reloading
    processed = processor.processed
    play.write_text(CARE.replace("2h", "3h"), encoding="utf-8")
    assert asyncio.run(reloader.reload("SIGHUP"))
    assert processor.store.saved_to() == processed and not processor.unsaved
    restored, carried = Engine.restore(processor.ruleset, processor.store.snapshot() or b"")
    assert not carried.changed  # saved under the new rules: nothing to carry over again
    assert restored.export().waits == processor.engine.export().waits


def test_the_event_loop_runs_a_while_between_the_swap_and_the_first_save_under_the_new_rules(
    reloading: tuple[Processor, Reloader, Path],
) -> None:
    processor, reloader, play = reloading
    old = processor.ruleset
    between: list[float] = []  # the turns a ticking task had, new rules running, not yet saved

    async def reload_while_ticking() -> bool:
        async def tick() -> None:
            while True:
                if processor.ruleset is not old and processor.unsaved:
                    between.append(time.monotonic())
                await asyncio.sleep(0.005)

        ticking = asyncio.create_task(tick())
        try:
            return await reloader.reload("SIGHUP")
        finally:
            ticking.cancel()

    play.write_text(CARE.replace("#crisis", "#fire"), encoding="utf-8")
    assert asyncio.run(reload_while_ticking())
    assert len(between) >= 3 and between[-1] - between[0] >= 0.01
    assert not processor.unsaved and processor.store.saved_to() == processor.processed


def test_a_reload_works_out_what_depends_on_the_rules_alone_off_the_event_loop(
    reloading: tuple[Processor, Reloader, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    processor, reloader, play = reloading
    planned_in: list[str] = []
    real_plan = engine_module.plan_carry

    def plan_carry(old: Any, new: Any) -> Any:
        planned_in.append(threading.current_thread().name)
        return real_plan(old, new)

    monkeypatch.setattr(engine_module, "plan_carry", plan_carry)
    play.write_text(CARE.replace("2h", "3h"), encoding="utf-8")
    assert asyncio.run(reloader.reload("SIGHUP"))
    assert planned_in == ["playbook-reload"]
    assert processor.engine.dispatch.planned() == ("mention",)  # the type seen before, planned already
    assert processor.engine.export().waits[0].due == parse_time("2026-11-20T12:00:00Z")  # 3h after m0
