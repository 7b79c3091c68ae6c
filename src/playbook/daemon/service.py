"""`playbook run`: the engine as a daemon (SPEC section 7).

One asyncio loop runs everything: sources store events in the inbox; the
processor runs them through the engine in inbox order and stores, in one
transaction, the engine's state and the actions for every sink; sinks deliver
from the outbox. Whenever no event is waiting (the inbox is empty and every
followed file has been read to its end), the clock moves on with the wall
clock, less `lateness`, so a backlog replays in event time and live deadlines
fire on time. Reloads happen between two batches of events.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from typing import Any

from aiohttp import web
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from ..actions import ActionRecord
from ..diagnostics import PlaybookError, render_all
from ..events import parse_line
from ..loader import PlaybookPathError, RuleSet, load_ruleset
from ..runtime.engine import Engine
from ..timestamps import format_time
from .config import Config
from .metrics import DaemonCollector, exposition
from .sinks import Deliverer
from .sources import DeadLetters, FileFollower, StdinSource
from .store import Store
from .web import EventsEndpoint, make_app

log = logging.getLogger("playbook.daemon")
BATCH = 500
TICK_SECONDS = 0.1
RELOAD_QUIET_SECONDS = 0.2
FINAL_DELIVERY_SECONDS = 2.0


def load_rules(config: Config) -> RuleSet:
    """The rule set the configuration names, with its extra brand handles."""
    return load_ruleset([config.playbooks], brand=config.brand)


class _PlaybookChanges(FileSystemEventHandler):
    """Tells the daemon, from watchdog's thread, that a playbook file changed."""

    def __init__(self, daemon: Daemon, loop: asyncio.AbstractEventLoop) -> None:
        self.daemon = daemon
        self.loop = loop

    # Reading a playbook (as a reload does) opens and closes it: not a change.
    CHANGES = frozenset({"created", "modified", "moved", "deleted", "closed"})

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in self.CHANGES:
            return
        paths = [event.src_path, getattr(event, "dest_path", "")]
        if any(str(p).endswith(".play") for p in paths) or event.is_directory:
            self.loop.call_soon_threadsafe(self.daemon.request_reload, "file change")


class Daemon:
    """The running engine, its store, sources, sinks and HTTP side."""

    def __init__(self, config: Config, ruleset: RuleSet) -> None:
        self.config = config
        self.store = Store(config.state)
        saved = self.store.snapshot()
        self.engine = Engine.restore(ruleset, saved) if saved else Engine(ruleset)
        self.metrics = DaemonCollector(self)
        self.dead = DeadLetters(config.dead_letter, self._skipped)
        self.stopping = asyncio.Event()
        self.work = asyncio.Event()
        self.reload_wanted = asyncio.Event()
        self.reload_at = 0.0
        self.sinks = [Deliverer(sink, self.store, self._delivered) for sink in config.sinks]
        self.followers: list[FileFollower] = []
        self.stdin: StdinSource | None = None
        self.http = None
        for source in config.sources:
            if source.type == "file":
                assert source.path is not None
                self.followers.append(FileFollower(source.path, self.store, self.dead, self.work.set))
            elif source.type == "stdin":
                self.stdin = StdinSource(self.store, self.dead, self.work.set)
            else:
                self.http = EventsEndpoint(source, self._accept_http)

    # --- callbacks ---

    def _skipped(self, source: str) -> None:
        self.metrics.skipped[source] += 1

    def _delivered(self, sink: str, count: int) -> None:
        self.metrics.delivered[sink] += count

    def _accept_http(self, events: list[bytes]) -> None:
        self.store.accept("http", events)
        self.work.set()

    def request_reload(self, why: str) -> None:
        self.reload_at = time.monotonic() + RELOAD_QUIET_SECONDS
        self.reload_wanted.set()
        log.debug("reload requested", extra={"why": why})

    def health(self) -> dict[str, Any]:
        engine = self.engine
        return {
            "status": "ok",
            "rules": len(engine.rules),
            "clock": format_time(engine.clock) if engine.clock is not None else None,
            "pending": engine.pending_deadlines,
            "inbox": self.store.backlog(),
            "outbox": self.store.outbox_size(),
        }

    # --- the processor ---

    def _store_actions(self, processed_to: int | None, actions: list[ActionRecord]) -> None:
        deliveries = [(sink.sink.name, a.id, a.to_json()) for a in actions for sink in self.sinks]
        self.store.commit(processed_to, self.engine.snapshot(), deliveries)
        if actions:
            for sink in self.sinks:
                sink.wakeup.set()

    def process_waiting(self) -> int:
        """Run one batch of stored events through the engine; how many there were."""
        rows = self.store.waiting(BATCH)
        if not rows:
            return 0
        actions: list[ActionRecord] = []
        process = self.engine.process
        for _, data in rows:
            actions.extend(process(parse_line(data)))
        self._store_actions(rows[-1][0], actions)
        self.metrics.events += len(rows)
        return len(rows)

    def advance_clock(self) -> None:
        """Move the clock on with the wall clock, firing what falls due."""
        if self.engine.clock is None:
            return
        now = time.time_ns() // 1000 - self.config.lateness
        if now <= self.engine.clock:
            return
        actions = self.engine.advance(now)
        if actions:
            self._store_actions(None, actions)

    def _sources_idle(self) -> bool:
        return all(f.idle for f in self.followers)

    async def _process_loop(self) -> None:
        while not self.stopping.is_set():
            self.work.clear()
            while self.process_waiting():
                await asyncio.sleep(0)
            if self._sources_idle() and not self.store.backlog():
                self.advance_clock()
            try:
                await asyncio.wait_for(self.work.wait(), TICK_SECONDS)
            except asyncio.TimeoutError:
                pass

    # --- reloads ---

    async def _reload_loop(self) -> None:
        while not self.stopping.is_set():
            await self.reload_wanted.wait()
            while (wait := self.reload_at - time.monotonic()) > 0:
                await asyncio.sleep(wait)
            self.reload_wanted.clear()
            self.reload()

    def reload(self) -> bool:
        """Load and check the whole rule set; run it if it is valid."""
        try:
            ruleset = load_rules(self.config)
        except (PlaybookError, PlaybookPathError) as exc:
            self.metrics.reloads["invalid"] += 1
            if isinstance(exc, PlaybookError):
                rendered = render_all(exc.diagnostics, exc.sources)
            else:
                rendered = str(exc)
            log.error("reload refused: the playbooks are invalid; the running rules stay",
                      extra={"diagnostics": rendered})
            sys.stderr.write(rendered + "\n")
            sys.stderr.flush()
            return False
        self.engine.install(ruleset)
        self.metrics.reloads["ok"] += 1
        log.info("reloaded", extra={"rules": len(ruleset.rules), "files": len(ruleset.files)})
        return True

    def _watch(self, loop: asyncio.AbstractEventLoop) -> Any:
        observer = Observer()
        path = self.config.playbooks
        folder = path if os.path.isdir(path) else os.path.dirname(path)
        observer.schedule(_PlaybookChanges(self, loop), folder, recursive=os.path.isdir(path))
        observer.daemon = True
        observer.start()
        return observer

    # --- life cycle ---

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._stop, sig)
        loop.add_signal_handler(signal.SIGHUP, self.request_reload, "SIGHUP")
        observer = self._watch(loop)
        app = make_app(self.http, self.health, lambda: exposition(self.metrics))
        runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.config.host, self.config.port).start()
        except OSError as exc:
            log.error("cannot listen", extra={"listen": f"{self.config.host}:{self.config.port}",
                                              "reason": exc.strerror})
            await runner.cleanup()
            observer.stop()
            self.store.close()
            return 1
        log.info("started", extra={
            "listen": f"{self.config.host}:{self.config.port}", "rules": len(self.engine.rules),
            "playbooks": self.config.playbooks, "state": self.config.state,
            "clock": self.health()["clock"], "pending": self.engine.pending_deadlines,
        })
        tasks = [asyncio.create_task(f.run(self.stopping)) for f in self.followers]
        if self.stdin is not None:
            tasks.append(asyncio.create_task(self.stdin.run(self.stopping)))
        sink_tasks = [asyncio.create_task(s.run(self.stopping)) for s in self.sinks]
        workers = [asyncio.create_task(self._process_loop()), asyncio.create_task(self._reload_loop())]
        await self.stopping.wait()
        await runner.cleanup()
        for task in [*tasks, *workers]:
            task.cancel()
        await asyncio.gather(*tasks, *workers, return_exceptions=True)
        while self.process_waiting():
            pass
        await asyncio.gather(*sink_tasks, return_exceptions=True)
        for sink in self.sinks:
            try:
                await asyncio.wait_for(sink.drain(), FINAL_DELIVERY_SECONDS)
            except (asyncio.TimeoutError, Exception):  # what is not delivered stays in the outbox
                pass
        observer.stop()
        self.store.close()
        log.info("stopped", extra={"pending": self.engine.pending_deadlines})
        return 0

    def _stop(self, sig: signal.Signals) -> None:
        log.info("stopping", extra={"signal": sig.name})
        self.stopping.set()


def run_daemon(config: Config) -> int:
    """Run until SIGTERM or SIGINT; the exit code."""
    try:
        ruleset = load_rules(config)
    except PlaybookError as exc:
        sys.stderr.write(render_all(exc.diagnostics, exc.sources) + "\n")
        log.error("the playbooks are invalid; not starting")
        return 1
    except PlaybookPathError as exc:
        log.error("cannot load the playbooks", extra={"reason": str(exc)})
        return 1

    async def main() -> int:
        return await Daemon(config, ruleset).run()

    return asyncio.run(main())
