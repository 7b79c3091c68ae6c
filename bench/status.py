"""The daemon's status page and live tally on a large state.

A generated stream (5½ days for a million events) runs through the engine
with the live tally beside it, as the daemon's processor runs them; then,
with the state that leaves (the last day's items and answers, every item
still waiting, every pending deadline):

- what the live tally adds to each event;
- how long gathering the page's facts holds the event loop (it runs there);
- how long rendering the page takes, and how fast the engine goes on
  meanwhile, against how fast it goes alone: with the page rendered in a
  process of its own, as the daemon does, and in a thread beside the engine;
- the size of the tally as saved with the engine's state, and the time to
  save and restore it.

    python -m bench.status [--events N] [--seed N]
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playbook.compiler.ruleset import RuleSet, compile_sources
from playbook.daemon.page import Renderer
from playbook.daemon.reload import Reloaded
from playbook.daemon.status import gather, render
from playbook.language.events import Event, SkippedLine, read_events
from playbook.measure.live import LiveTally
from playbook.runtime.engine import Engine

from .rules import rule_sets


@dataclass
class _Daemon:
    """What the status page reads of a daemon (`status.Shown`), without one."""

    engine: Engine
    live: LiveTally
    ruleset: RuleSet
    reloaded: Reloaded | None = None
    events: int = 0
    started: float = 0.0

    def status(self) -> dict[str, Any]:
        return {"status": "ok", "failing": {}, "inbox": 0, "outbox": 0}


def _events(path: Path) -> list[Event]:
    with open(path, "rb") as lines:
        return [e for e in read_events(lines) if not isinstance(e, SkippedLine)]


def _rate(engine: Engine, events: list[Event], seconds: float, busy: threading.Event | None = None) -> float:
    """Events per second the engine takes in for `seconds` (while `busy` is set, when given)."""
    taken, start = 0, time.perf_counter()
    for event in events:
        engine.process(event)
        taken += 1
        if taken % 200 == 0 and (
            time.perf_counter() - start > seconds or (busy is not None and not busy.is_set())
        ):
            break
    return taken / (time.perf_counter() - start)


def _rate_while(engine: Engine, events: list[Event], work: Callable[[], object]) -> float:
    """Events per second the engine takes in while `work` runs in a thread."""
    busy = threading.Event()
    busy.set()

    def run() -> None:
        work()
        busy.clear()

    worker = threading.Thread(target=run)
    worker.start()
    rate = _rate(engine, events, 60, busy)
    worker.join()
    return rate


def measure(path: Path) -> dict[str, float]:
    """The figures printed by `main`, for the stream at `path`."""
    ruleset = compile_sources({"bench.play": rule_sets()["4 rules"].playbook()})
    events = _events(path)
    cut = len(events) * 9 // 10  # the rest is for the engine to take while a page renders

    alone = Engine(ruleset)
    start = time.perf_counter()
    for event in events[:cut]:
        alone.process(event)
    engine_seconds = time.perf_counter() - start

    engine = Engine(ruleset)
    live = LiveTally(engine.threads, engine.threads.lifetime)
    start = time.perf_counter()
    for event in events[:cut]:
        live.acted(engine.process(event))
        live.take(event)
    tallied_seconds = time.perf_counter() - start

    daemon = _Daemon(engine, live, ruleset, events=cut)
    render(gather(daemon))  # matplotlib loaded, caches warm
    start = time.perf_counter()
    facts = gather(daemon)
    gather_seconds = time.perf_counter() - start
    start = time.perf_counter()
    page = render(facts)
    render_seconds = time.perf_counter() - start

    rest = events[cut:]
    quiet = _rate(alone, rest, render_seconds)
    renderer = Renderer()
    asyncio.run(renderer.render(facts, False))  # the process started, matplotlib loaded
    in_process = _rate_while(engine, rest, lambda: asyncio.run(renderer.render(facts, False)))
    renderer.close()
    in_thread = _rate_while(engine, rest, lambda: render(facts))

    start = time.perf_counter()
    saved = live.to_bytes()
    save_seconds = time.perf_counter() - start
    start = time.perf_counter()
    LiveTally.from_bytes(saved, engine.threads)
    restore_seconds = time.perf_counter() - start
    view = facts.live
    return {
        "events": cut,
        "tally_us": (tallied_seconds - engine_seconds) / cut * 1e6,
        "engine_us": engine_seconds / cut * 1e6,
        "day_items": len(view.items[0]) // 8,
        "day_answers": len(view.answers[0]) // 8,
        "waiting": view.waiting,
        "pending": engine.pending_deadlines,
        "gather_ms": gather_seconds * 1000,
        "render_ms": render_seconds * 1000,
        "page_kb": len(page.encode()) / 1000,
        "rate_quiet": quiet,
        "rate_process": in_process,
        "rate_thread": in_thread,
        "saved_mb": len(saved) / 1e6,
        "save_ms": save_seconds * 1000,
        "restore_ms": restore_seconds * 1000,
    }


def print_rows(found: dict[str, float]) -> None:
    print(f"status page and live tally, {found['events']:,.0f} events of the 4-rule set:")
    print(
        f"  live tally per event        {found['tally_us']:>8.1f} µs "
        f"(the engine: {found['engine_us']:.1f} µs)\n"
        f"  state                       {found['day_items']:>8,.0f} items and {found['day_answers']:,.0f} "
        f"answers in the last day, {found['waiting']:,.0f} items waiting, {found['pending']:,.0f} deadlines\n"
        f"  gathering the facts         {found['gather_ms']:>8.1f} ms on the event loop\n"
        f"  rendering the page          {found['render_ms']:>8.0f} ms ({found['page_kb']:,.0f} kB)\n"
        f"  the engine alone            {found['rate_quiet']:>8,.0f} ev/s\n"
        f"  while a process renders     {found['rate_process']:>8,.0f} ev/s "
        f"({found['rate_process'] / found['rate_quiet']:.0%}; the daemon's way)\n"
        f"  while a thread renders      {found['rate_thread']:>8,.0f} ev/s "
        f"({found['rate_thread'] / found['rate_quiet']:.0%})\n"
        f"  tally as saved              {found['saved_mb']:>8.1f} MB, saved in {found['save_ms']:.0f} ms, "
        f"restored in {found['restore_ms']:.0f} ms"
    )


def main() -> None:
    from .__main__ import stream_file

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print_rows(measure(stream_file(args.events, args.seed)))


if __name__ == "__main__":
    main()
