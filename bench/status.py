"""The daemon's status page and live tally on a large state.

Two thirds of a generated stream (800,000 events are 4½ days) run through
the example desk's rules (playbooks/) with the live tally beside them, as
the daemon's processor runs them; then, with the state that leaves (the last
day's items and answers, every item still waiting, every pending deadline):

- what the live tally adds to each event;
- how long gathering the page's facts holds the event loop (it runs there);
- how long rendering the page takes, and how fast the engine takes in the
  rest of the stream while pages render one after the other, against how
  fast it goes alone: with the pages rendered in a process of its own, as
  the daemon does (on a core of its own, where the machine has two), and in
  a thread beside the engine;
- the size of the tally as saved with the engine's state, and the time to
  save and restore it.

    python -m bench.status [--events N] [--seed N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playbook.compiler.ruleset import RuleSet
from playbook.daemon.page import Renderer
from playbook.daemon.reload import Reloaded
from playbook.daemon.status import gather, render
from playbook.language.events import Event, SkippedLine, read_events
from playbook.loader import load_ruleset
from playbook.measure.live import LiveTally
from playbook.runtime.engine import Engine

DESK = Path(__file__).resolve().parent.parent / "playbooks"


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


ROUNDS = 3
WINDOW_SECONDS = 3.0


def _rate(
    engine: Engine, events: Iterator[Event], seconds: float, work: Callable[[], object] | None = None
) -> float:
    """Events per second the engine takes in over `seconds`, while `work` runs over and over
    in a thread beside it, when given."""
    stop = threading.Event()

    def again() -> None:
        while not stop.is_set():
            assert work is not None
            work()

    worker = threading.Thread(target=again) if work is not None else None
    if worker is not None:
        worker.start()
    taken, start = 0, time.perf_counter()
    for event in events:
        engine.process(event)
        taken += 1
        if taken % 100 == 0 and time.perf_counter() - start > seconds:
            break
    elapsed = time.perf_counter() - start
    stop.set()
    if worker is not None:
        worker.join()
    return taken / elapsed


def measure(path: Path, window: float = WINDOW_SECONDS, rounds: int = ROUNDS) -> dict[str, float]:
    """The figures printed by `main`, for the stream at `path`; the engine's speed is the best
    of `rounds` measures of `window` seconds each."""
    ruleset = load_ruleset([str(DESK)])
    events = _events(path)
    cut = len(events) * 2 // 3  # the rest is for the engine to take while pages render, or not

    engine = Engine(ruleset)
    live = LiveTally(engine.threads, engine.threads.lifetime)
    engine_seconds = tally_seconds = 0.0
    clock = time.perf_counter
    for event in events[:cut]:
        start = clock()
        records = engine.process(event)
        taken = clock()
        live.acted(records)
        live.take(event)
        engine_seconds += taken - start
        tally_seconds += clock() - taken

    daemon = _Daemon(engine, live, ruleset, events=cut)
    render(gather(daemon))  # matplotlib loaded, caches warm
    start = time.perf_counter()
    facts = gather(daemon)
    gather_seconds = time.perf_counter() - start
    start = time.perf_counter()
    page = render(facts)
    render_seconds = time.perf_counter() - start

    # The engine's speed alone, while pages render one after the other in a process, and in a
    # thread: the best of a few rounds of each, taken in turn, so that a busy spell of the
    # machine does not pass for the pages' doing.
    rest = iter(events[cut:])
    renderer = Renderer()
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cores) >= 2:  # the rendering process on a core of its own, the engine on another
        os.sched_setaffinity(0, cores[1:2])
    asyncio.run(renderer.render(facts, False))  # the process started, matplotlib loaded
    if len(cores) >= 2:
        os.sched_setaffinity(0, cores[:1])
    quiet = in_process = in_thread = 0.0
    for _ in range(rounds):
        quiet = max(quiet, _rate(engine, rest, window))
        in_process = max(
            in_process, _rate(engine, rest, window, lambda: asyncio.run(renderer.render(facts, False)))
        )
        in_thread = max(in_thread, _rate(engine, rest, window, lambda: render(facts)))
    renderer.close()
    if len(cores) >= 2:
        os.sched_setaffinity(0, cores)

    start = time.perf_counter()
    saved = live.to_bytes()
    save_seconds = time.perf_counter() - start
    start = time.perf_counter()
    LiveTally.from_bytes(saved, engine.threads)
    restore_seconds = time.perf_counter() - start
    view = facts.live
    return {
        "events": cut,
        "tally_us": tally_seconds / cut * 1e6,
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
    print(f"status page and live tally of the example desk (playbooks/), {found['events']:,.0f} events:")
    print(
        f"  live tally per event        {found['tally_us']:>8.1f} µs "
        f"(the engine: {found['engine_us']:.1f} µs)\n"
        f"  state                       {found['day_items']:>8,.0f} items and {found['day_answers']:,.0f} "
        f"answers in the last day, {found['waiting']:,.0f} items waiting, {found['pending']:,.0f} deadlines\n"
        f"  gathering the facts         {found['gather_ms']:>8.1f} ms on the event loop\n"
        f"  rendering the page          {found['render_ms']:>8.0f} ms ({found['page_kb']:,.0f} kB)\n"
        f"  the engine alone            {found['rate_quiet']:>8,.0f} ev/s\n"
        f"  while pages render in a process {found['rate_process']:>4,.0f} ev/s "
        f"({found['rate_process'] / found['rate_quiet']:.0%}; the daemon's way)\n"
        f"  while pages render in a thread {found['rate_thread']:>5,.0f} ev/s "
        f"({found['rate_thread'] / found['rate_quiet']:.0%})\n"
        f"  tally as saved              {found['saved_mb']:>8.1f} MB, saved in {found['save_ms']:.0f} ms, "
        f"restored in {found['restore_ms']:.0f} ms"
    )


def main() -> None:
    from .__main__ import stream_file

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=800_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print_rows(measure(stream_file(args.events, args.seed)))


if __name__ == "__main__":
    main()
