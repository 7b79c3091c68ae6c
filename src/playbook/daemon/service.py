"""`playbook run`: the engine as a daemon (SPEC section 7).

One asyncio loop runs everything: sources store events in the inbox
(sources.py, web.py); the processor runs them through the engine and queues
their actions in the outbox (processor.py); sinks deliver from the outbox
(sinks.py); the reloader swaps in edited playbooks (reload.py). The Daemon
wires them together around one store and runs them: start, serve until
SIGTERM or SIGINT, stop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sqlite3
import sys
import time
from collections import Counter
from typing import Any, NamedTuple

from aiohttp import web

from playbook.compiler.gcpause import keep_for_good
from playbook.compiler.ruleset import RuleSet
from playbook.daemon.config import Config
from playbook.daemon.connections import ConnectionGuard, connection_limit
from playbook.daemon.gate import Gate
from playbook.daemon.guard import Guard
from playbook.daemon.health import STORE, Health
from playbook.daemon.inbox import Arrival, Inbox
from playbook.daemon.logs import quiet_loop_errors
from playbook.daemon.metrics import DaemonCollector, exposition
from playbook.daemon.page import StatusPage
from playbook.daemon.processor import Processor
from playbook.daemon.redact import Redactor, display_url
from playbook.daemon.reload import Reloaded, Reloader, load_rules
from playbook.daemon.retry import reason
from playbook.daemon.sinks import Deliverer
from playbook.daemon.sources import DeadLetters, FileFollower, StdinSource, TooFarAhead
from playbook.daemon.store import StateError, Store
from playbook.daemon.web import EventsEndpoint, make_app
from playbook.language.diagnostics import PlaybookError, render_all
from playbook.language.durations import format_duration
from playbook.language.events import BadEvent
from playbook.language.timestamps import MICROS, format_time
from playbook.loader import PlaybookPathError
from playbook.measure.live import LiveTally
from playbook.runtime.engine import Engine

log = logging.getLogger("playbook.daemon")
EXIT_STOPPED = 0
EXIT_INVALID = 1
EXIT_CANNOT_START = 2  # a configuration, state file or listen address that cannot be used
FINAL_DELIVERY_SECONDS = 2.0
# A followed file is read ahead of the processor by at most this many events (and
# a read of CHUNK_BYTES), so that what is read ahead stays parsed in the inbox (HELD).
MAX_READ_AHEAD = 10_000


class _Tasks(NamedTuple):
    """What runs while the daemon serves: the sources, the processor and the
    reloader, stopped first, then the sinks, given a moment to deliver the last actions."""

    workers: list[asyncio.Task[None]]
    sinks: list[asyncio.Task[None]]


class Daemon:
    """The running engine, its store, sources, sinks and HTTP side."""

    def __init__(self, config: Config, ruleset: RuleSet, fresh: bool = False) -> None:
        self.config = config
        self.store = Store(config.state, fresh=fresh)
        self.inbox = Inbox(self.store)
        self.health = Health(Redactor(config.secrets))
        self.stopping = asyncio.Event()
        self.work = asyncio.Event()
        self.metrics = DaemonCollector(self)
        self.dead = DeadLetters(config.dead_letter, self._skipped)
        self.sinks = [Deliverer(sink, self.store, self._delivered) for sink in config.sinks]
        self.followers: list[FileFollower] = []
        self.stdin: StdinSource | None = None
        self.http: EventsEndpoint | None = None
        for source in config.sources:
            if source.type == "file":
                assert source.path is not None
                self.followers.append(
                    FileFollower(
                        source.path,
                        self.inbox,
                        self.dead,
                        self.work.set,
                        self._room_to_read,
                        config.max_ahead,
                        source.map,
                    )
                )
            elif source.type == "stdin":
                self.stdin = StdinSource(self.inbox, self.dead, self.work.set, config.max_ahead, source.map)
            else:
                self.http = EventsEndpoint(
                    source,
                    self._accept_http,
                    config.max_ahead,
                    config.request_timeout,
                    self.health,
                    self._ahead,
                )
        self.processor = Processor(
            config, self.inbox, ruleset, self.sinks, self._sources_idle, replaying=bool(self.followers)
        )
        self.reloader = Reloader(config, self.processor, self.metrics)
        self.guard = ConnectionGuard(config.request_timeout, connection_limit())
        self.started = time.time()
        token = next((s.token for s in config.sources if s.type == "http"), None)
        self.page = StatusPage(self, Gate(token, config.host))

    @property
    def engine(self) -> Engine:
        return self.processor.engine

    @property
    def live(self) -> LiveTally:
        return self.processor.live

    @property
    def ruleset(self) -> RuleSet:
        return self.processor.ruleset

    @property
    def reloaded(self) -> Reloaded | None:
        return self.reloader.last

    @property
    def events(self) -> int:
        return self.processor.events

    @property
    def waiting_events(self) -> int:
        return self.processor.backlog

    @property
    def dropped_waits(self) -> int:
        return self.processor.dropped_waits

    @property
    def rule_guard(self) -> Guard:
        return self.processor.guard

    @property
    def shadow_actions(self) -> Counter[str]:
        return self.processor.shadow_actions

    # --- what the parts tell each other ---

    def _room_to_read(self) -> bool:
        return self.processor.backlog < MAX_READ_AHEAD

    def _sources_idle(self) -> bool:
        return all(f.idle for f in self.followers)

    def _skipped(self, source: str, problem: BadEvent) -> None:
        self.metrics.skipped[source] += 1
        if isinstance(problem, TooFarAhead):
            self._ahead(source)

    def _ahead(self, source: str) -> None:
        self.metrics.ahead[source] += 1

    def _delivered(self, sink: str, count: int) -> None:
        self.metrics.delivered[sink] += count

    def _accept_http(self, events: list[Arrival]) -> None:
        self.inbox.accept("http", events)
        self.work.set()

    def status(self) -> dict[str, Any]:
        """What `/healthz` shows; its status is "ok" unless a part is failing."""
        engine = self.engine
        failing = dict(self.health.failing)
        inbox: int | None
        outbox: int | None
        waiting: dict[str, int] | None
        try:
            inbox, outbox = self.processor.backlog, self.store.outbox_size()
            by_key = self.store.waiting_by_sink()
            waiting = {sink.name: by_key[sink.key] for sink in self.config.sinks if sink.key in by_key}
        except sqlite3.Error as exc:
            failing[STORE] = f"cannot read the state file: {reason(exc)}"
            inbox = outbox = waiting = None
        return {
            "status": "failing" if failing else "ok",
            "failing": failing,
            "rules": len(engine.rules),
            "clock": format_time(engine.clock) if engine.clock is not None else None,
            "pending": engine.pending_deadlines,
            "inbox": inbox,
            "outbox": outbox,
            "waiting": waiting,
            "paused": [
                {"rule": pause.name, "since": pause.since, "why": pause.why}
                for pause in self.rule_guard.paused.values()
            ],
        }

    # --- life cycle ---

    async def run(self) -> int:
        """Start, serve until SIGTERM or SIGINT, then stop; the exit code."""
        runner = await self._start()
        if runner is None:
            return EXIT_CANNOT_START
        tasks = self._launch()
        await self.stopping.wait()
        await self._shut_down(runner, tasks)
        return EXIT_STOPPED

    async def _start(self) -> web.AppRunner | None:
        """Listen, and handle signals; None (with the reason logged) when it cannot listen."""
        loop = asyncio.get_running_loop()
        quiet_loop_errors(loop, log)
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._stop, sig)
        loop.add_signal_handler(signal.SIGHUP, self.reloader.request, "SIGHUP")
        app = make_app(
            self.http, self.status, lambda: exposition(self.metrics), self.guard.middleware(), self.page
        )
        runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await runner.setup()
        listen = f"{self.config.host}:{self.config.port}"
        try:
            assert runner.server is not None
            await self.guard.listen(runner.server, self.config.host, self.config.port)
        except OSError as exc:
            why = os.strerror(exc.errno) if exc.errno else str(exc)
            log.error("cannot listen", extra={"listen": listen, "reason": why})
            await runner.cleanup()
            self.store.close()
            return None
        log.info(
            "started",
            extra={
                "listen": listen,
                "rules": len(self.engine.rules),
                "playbooks": self.config.playbooks,
                "state": self.config.state,
                "clock": self.status()["clock"],
                "pending": self.engine.pending_deadlines,
                "connections": self.guard.limit,
            },
        )
        self._warn_about_the_state()
        self._adopt_the_outbox()
        return runner

    def _warn_about_the_state(self) -> None:
        if self.store.emptied:
            log.warning(
                "starting afresh (--fresh): the state file held no state", extra={"state": self.config.state}
            )
        clock, max_ahead = self.engine.clock, self.config.max_ahead
        if clock is None or max_ahead is None:
            return
        ahead = clock - time.time_ns() // 1000
        if ahead > max_ahead:
            log.warning(
                "the saved clock is ahead of the wall clock: deadlines before it have fired, and it "
                "stands still until the wall clock reaches it",
                extra={"clock": format_time(clock), "ahead": format_duration(ahead // MICROS)},
            )

    def _adopt_the_outbox(self) -> None:
        """Move the actions that earlier Playbooks queued for a webhook under its URL to the
        webhook's key, and say how many wait for a sink that is no longer configured."""
        for sink in self.config.sinks:
            if sink.type == "webhook" and sink.url:
                self.store.move_sink(f"webhook:{sink.url}", sink.key)
        keys = {sink.key for sink in self.config.sinks}
        for key, count in self.store.waiting_by_sink().items():
            if key not in keys:
                kind, _, rest = key.partition(":")
                shown = f"{kind}:{display_url(rest)}" if "://" in rest else key
                log.warning(
                    "actions wait for a sink that is no longer configured; they stay in the state file, "
                    "and go out if that sink is configured again",
                    extra={"sink": shown, "actions": count},
                )

    def _launch(self) -> _Tasks:
        """Start the sources, the processor and the reloader, and the sinks."""
        workers = [asyncio.create_task(f.run(self.stopping, self.health)) for f in self.followers]
        if self.stdin is not None:
            workers.append(asyncio.create_task(self.stdin.run(self.stopping, self.health)))
        workers.append(asyncio.create_task(self.processor.run(self.stopping, self.work, self.health)))
        workers.append(asyncio.create_task(self.reloader.run(self.stopping)))
        sinks = [asyncio.create_task(s.run(self.stopping, self.health)) for s in self.sinks]
        return _Tasks(workers, sinks)

    async def _shut_down(self, runner: web.AppRunner, tasks: _Tasks) -> None:
        """Stop taking events, finish the batch under way (a task only yields between
        batches), save the engine, then give the sinks a moment to deliver."""
        await self.guard.close()
        await runner.cleanup()
        self.page.close()
        for task in tasks.workers:
            task.cancel()
        await asyncio.gather(*tasks.workers, return_exceptions=True)
        try:
            self.processor.save(now=True)
        except Exception:
            log.exception("cannot save the engine's state; the events since the last save will be replayed")
        for sink in self.sinks:
            sink.wakeup.set()
        _, late = await asyncio.wait(tasks.sinks, timeout=FINAL_DELIVERY_SECONDS)
        for task in late:  # what is not delivered stays in the outbox
            task.cancel()
        await asyncio.gather(*tasks.sinks, return_exceptions=True)
        try:
            undelivered: int | None = self.store.outbox_size()
        except sqlite3.Error:
            undelivered = None
        self.store.close()
        log.info("stopped", extra={"pending": self.engine.pending_deadlines, "undelivered": undelivered})

    def _stop(self, sig: signal.Signals) -> None:
        log.info("stopping", extra={"signal": sig.name})
        self.stopping.set()


def run_daemon(config: Config, fresh: bool = False) -> int:
    """Run until SIGTERM or SIGINT; the exit code. `fresh`: start with no state when
    the state file holds none (it is refused otherwise)."""
    try:
        ruleset = load_rules(config)
    except PlaybookError as exc:
        sys.stderr.write(render_all(exc.diagnostics, exc.sources) + "\n")
        log.error("the playbooks are invalid; not starting")
        return EXIT_INVALID
    except PlaybookPathError as exc:
        log.error("cannot load the playbooks", extra={"reason": str(exc)})
        return EXIT_CANNOT_START

    async def main() -> int:
        try:
            daemon = Daemon(config, ruleset, fresh)
        except StateError as exc:
            log.error("cannot start", extra={"reason": str(exc)})
            return EXIT_CANNOT_START
        keep_for_good()  # the rule set and the restored state, out of the collector's passes
        return await daemon.run()

    return asyncio.run(main())
