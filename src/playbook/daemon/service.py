"""`playbook run`: the engine as a daemon (SPEC section 7).

One asyncio loop runs everything: sources store events in the inbox; the
processor runs them through the engine in inbox order and queues their
actions for every sink in the outbox; sinks deliver from the outbox. The
engine's state is saved now and then (after a reload, at a stop, and
otherwise at most every few seconds, less often when saving takes long);
until then the events it covers stay in the inbox, to be replayed after a
crash. A failure while processing is handled the same way: the engine is
restored from its saved state and the inbox replayed. Whenever no event is
waiting (the inbox is empty and every followed file has been read to its end),
the clock moves on with the wall clock, less `lateness`, so a backlog replays in event time and live deadlines
fire on time. Reloads happen between two batches of events; the waits a
reload brings due at or behind the clock fire at once.
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
from watchdog.observers.polling import PollingObserver

from playbook.compiler.actions import ActionRecord
from playbook.compiler.ruleset import RuleSet
from playbook.daemon.config import Config
from playbook.daemon.metrics import DaemonCollector, exposition
from playbook.daemon.retry import backoff
from playbook.daemon.sinks import Deliverer
from playbook.daemon.sources import DeadLetters, FileFollower, StdinSource
from playbook.daemon.store import StateError, Store
from playbook.daemon.web import EventsEndpoint, make_app
from playbook.language.diagnostics import PlaybookError, render_all
from playbook.language.events import parse_line
from playbook.language.timestamps import format_time
from playbook.loader import PlaybookPathError, find_playbooks, load_ruleset
from playbook.runtime.carry import CarryReport
from playbook.runtime.engine import Engine
from playbook.runtime.snapshot import SnapshotError

log = logging.getLogger("playbook.daemon")
BATCH = 500
TICK_SECONDS = 0.1
RELOAD_QUIET_SECONDS = 0.2
FINAL_DELIVERY_SECONDS = 2.0
# The engine's state is saved at most this often, and never more often than
# SAVE_COST_FACTOR times what the last save took, so saving a large state
# takes a few percent of the time at most.
SAVE_SECONDS = 2.0
SAVE_COST_FACTOR = 30
# A followed file is read ahead of the processor by at most this many events.
MAX_READ_AHEAD = 20_000
RETRY_SECONDS = 1.0
LOOK_SECONDS = 2.0


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
        self.ruleset = ruleset
        self.metrics = DaemonCollector(self)
        self.engine = self._restored(ruleset)
        self.processed = 0  # the last inbox seq the engine has taken in
        self.unsaved = False
        self.next_save = 0.0
        self.broken = False
        self.reload_failed = False
        self.files_seen = self._files_seen()
        self.dead = DeadLetters(config.dead_letter, self._skipped)
        self.stopping = asyncio.Event()
        self.work = asyncio.Event()
        self.reload_wanted = asyncio.Event()
        self.reload_at = 0.0
        self.reload_why = ""
        self.sinks = [Deliverer(sink, self.store, self._delivered) for sink in config.sinks]
        self.followers: list[FileFollower] = []
        self.stdin: StdinSource | None = None
        self.http = None
        for source in config.sources:
            if source.type == "file":
                assert source.path is not None
                self.followers.append(
                    FileFollower(
                        source.path,
                        self.store,
                        self.dead,
                        self.work.set,
                        self._room_to_read,
                        config.max_ahead,
                    )
                )
            elif source.type == "stdin":
                self.stdin = StdinSource(self.store, self.dead, self.work.set, config.max_ahead)
            else:
                self.http = EventsEndpoint(source, self._accept_http, config.max_ahead)

    def _restored(self, ruleset: RuleSet) -> Engine:
        """The engine as last saved, running `ruleset`; a fresh one when nothing was saved."""
        saved = self.store.snapshot()
        if saved is None:
            return Engine(ruleset, lateness=self.config.lateness)
        try:
            engine, carried = Engine.restore(ruleset, saved, lateness=self.config.lateness)
        except SnapshotError as exc:
            raise StateError(f"{self.config.state}: cannot restore the saved engine state: {exc}") from None
        if carried.changed:  # the playbooks were edited while the daemon was down
            log.info("restored the saved state under edited playbooks", extra=carried.fields())
            self._carried(carried)
        return engine

    def _carried(self, carried: CarryReport) -> None:
        """Count the waits a new rule set dropped, and warn of each rule that lost them by a rename."""
        self.metrics.dropped_waits += carried.dropped_waits
        for warning in carried.renames():
            log.warning(warning)

    # --- callbacks ---

    def _room_to_read(self) -> bool:
        return self.store.backlog(self.processed) < MAX_READ_AHEAD

    def _skipped(self, source: str) -> None:
        self.metrics.skipped[source] += 1

    def _delivered(self, sink: str, count: int) -> None:
        self.metrics.delivered[sink] += count

    def _accept_http(self, events: list[bytes]) -> None:
        self.store.accept("http", events)
        self.work.set()

    def request_reload(self, why: str) -> None:
        self.reload_at = time.monotonic() + RELOAD_QUIET_SECONDS
        if why != "file change" or not self.reload_why:
            self.reload_why = why
        self.reload_wanted.set()
        log.debug("reload requested", extra={"why": why})

    def health(self) -> dict[str, Any]:
        engine = self.engine
        return {
            "status": "replaying after a failure" if self.broken else "ok",
            "rules": len(engine.rules),
            "clock": format_time(engine.clock) if engine.clock is not None else None,
            "pending": engine.pending_deadlines,
            "inbox": self.store.backlog(self.processed),
            "outbox": self.store.outbox_size(),
        }

    # --- the processor ---

    def _queue(self, actions: list[ActionRecord]) -> None:
        if not actions:
            return
        self.store.queue([(sink.sink.name, a.id, a.to_json()) for a in actions for sink in self.sinks])
        for sink in self.sinks:
            sink.wakeup.set()

    def process_waiting(self) -> int:
        """Run one batch of stored events through the engine; how many there were."""
        rows = self.store.waiting(self.processed, BATCH)
        if not rows:
            return 0
        actions: list[ActionRecord] = []
        process = self.engine.process
        for _, data in rows:
            actions.extend(process(parse_line(data)))
        self.processed = rows[-1][0]
        self.unsaved = True
        self._queue(actions)
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
            self.unsaved = True
            self._queue(actions)

    def save(self, now: bool = False) -> None:
        """Save the engine's state if it changed and a save is due (or `now`)."""
        if not self.unsaved or self.broken or (not now and time.monotonic() < self.next_save):
            return
        started = time.monotonic()
        self.store.save(self.processed, self.engine.snapshot())
        self.processed = 0
        self.unsaved = False
        took = time.monotonic() - started
        self.next_save = time.monotonic() + max(SAVE_SECONDS, SAVE_COST_FACTOR * took)

    def recover(self) -> None:
        """Go back to the saved state: the events after it are replayed, their actions
        queued again (the outbox takes each action once)."""
        self.engine = self._restored(self.ruleset)
        self.processed = 0
        self.unsaved = False
        self.broken = False

    def _sources_idle(self) -> bool:
        return all(f.idle for f in self.followers)

    async def _process_loop(self) -> None:
        failures = 0
        while not self.stopping.is_set():
            self.work.clear()
            try:
                if self.broken:
                    self.recover()
                while self.process_waiting():
                    await asyncio.sleep(0)
                if self._sources_idle() and not self.store.backlog(self.processed):
                    self.advance_clock()
                self.save()
                failures = 0
            except Exception:
                # The engine may have taken in events whose actions were not stored.
                self.broken = True
                failures += 1
                wait = backoff(failures, RETRY_SECONDS)
                log.exception(
                    "processing failed; replaying from the saved state",
                    extra={"retry_in": wait, "failures": failures},
                )
                await asyncio.sleep(wait)
                continue
            try:
                await asyncio.wait_for(self.work.wait(), TICK_SECONDS)
            except TimeoutError:
                pass

    # --- reloads ---

    def _files_seen(self) -> tuple[Any, ...]:
        """What the playbook files look like on disk: path, inode, size and time of each."""
        try:
            files = find_playbooks([self.config.playbooks])
            return tuple((f, s.st_ino, s.st_size, s.st_mtime_ns) for f in files for s in [os.stat(f)])
        except (PlaybookPathError, OSError) as exc:
            return (str(exc),)

    async def _look_at_files(self) -> None:
        """A change the watcher missed (a network file system, a folder swapped for
        another by a deployment) is picked up within LOOK_SECONDS."""
        while not self.stopping.is_set():
            await asyncio.sleep(LOOK_SECONDS)
            if not self.reload_wanted.is_set() and self._files_seen() != self.files_seen:
                self.request_reload("file change")

    async def _reload_loop(self) -> None:
        while not self.stopping.is_set():
            await self.reload_wanted.wait()
            while (wait := self.reload_at - time.monotonic()) > 0:
                await asyncio.sleep(wait)
            self.reload_wanted.clear()
            why, self.reload_why = self.reload_why, ""
            try:
                self.reload(why)
            except Exception:
                log.exception("reload failed; the running rules stay")

    def reload(self, why: str = "SIGHUP") -> bool:
        """Load and check the whole rule set; run it if it is valid."""
        started = time.monotonic()
        self.files_seen = self._files_seen()
        try:
            ruleset = load_rules(self.config)
        except (PlaybookError, PlaybookPathError) as exc:
            self.metrics.reloads["invalid"] += 1
            self.reload_failed = True
            if isinstance(exc, PlaybookError):
                rendered = render_all(exc.diagnostics, exc.sources)
                errors = [
                    str(d.pos) + f": {d.severity.value}: {d.text}" for d in exc.diagnostics if d.is_error
                ]
            else:
                rendered = str(exc)
                errors = [rendered]
            log.error(
                "reload refused: the playbooks are invalid; the running rules stay",
                extra={"why": why, "errors": errors, "diagnostics": rendered},
            )
            return False
        if ruleset.digest == self.ruleset.digest and why == "file change" and not self.reload_failed:
            log.debug("playbooks unchanged; nothing to reload")
            return True
        self.ruleset = ruleset
        carried = None
        if not self.broken:
            carried = self.engine.install(ruleset)
            if self.engine.clock is not None:
                # The waits the new rules bring due at or behind the clock fire now, not at the next event.
                self._queue(self.engine.advance(self.engine.clock))
            # The events before this point were run by the old rules: a replay must not run them by the new.
            self.unsaved = True
            self.save(now=True)
        self.reload_failed = False
        self.metrics.reloads["ok"] += 1
        log.info(
            "reloaded",
            extra={
                "why": why,
                "rules": len(ruleset.rules),
                "files": len(ruleset.files),
                "ms": round((time.monotonic() - started) * 1000, 1),
                **(carried.fields() if carried is not None else {}),
            },
        )
        if carried is not None:
            self._carried(carried)
        return True

    def _watch(self, loop: asyncio.AbstractEventLoop) -> Any:
        path = self.config.playbooks
        folder = path if os.path.isdir(path) else os.path.dirname(path)
        handler = _PlaybookChanges(self, loop)
        try:
            observer = Observer()
            observer.schedule(handler, folder, recursive=os.path.isdir(path))
            observer.daemon = True
            observer.start()
        except OSError as exc:
            # Out of inotify watches, say: look at the files every second instead.
            log.warning(
                "cannot watch the playbooks; polling them instead",
                extra={"playbooks": path, "reason": str(exc)},
            )
            observer = PollingObserver(timeout=1)
            observer.schedule(handler, folder, recursive=os.path.isdir(path))
            observer.daemon = True
            observer.start()
        return observer

    # --- life cycle ---

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._stop, sig)
        loop.add_signal_handler(signal.SIGHUP, self.request_reload, "SIGHUP")
        app = make_app(self.http, self.health, lambda: exposition(self.metrics))
        runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.config.host, self.config.port).start()
        except OSError as exc:
            log.error(
                "cannot listen",
                extra={"listen": f"{self.config.host}:{self.config.port}", "reason": exc.strerror},
            )
            await runner.cleanup()
            self.store.close()
            return 1
        observer = self._watch(loop)
        log.info(
            "started",
            extra={
                "listen": f"{self.config.host}:{self.config.port}",
                "rules": len(self.engine.rules),
                "playbooks": self.config.playbooks,
                "state": self.config.state,
                "clock": self.health()["clock"],
                "pending": self.engine.pending_deadlines,
            },
        )
        tasks = [asyncio.create_task(f.run(self.stopping)) for f in self.followers]
        if self.stdin is not None:
            tasks.append(asyncio.create_task(self.stdin.run(self.stopping)))
        sink_tasks = [asyncio.create_task(s.run(self.stopping)) for s in self.sinks]
        workers = [
            asyncio.create_task(self._process_loop()),
            asyncio.create_task(self._reload_loop()),
            asyncio.create_task(self._look_at_files()),
        ]
        await self.stopping.wait()
        # Stop taking events, finish the batch under way (a task only yields between
        # batches), save the engine, then give the sinks a moment to deliver.
        await runner.cleanup()
        for task in [*tasks, *workers]:
            task.cancel()
        await asyncio.gather(*tasks, *workers, return_exceptions=True)
        observer.stop()
        try:
            self.save(now=True)
        except Exception:
            log.exception("cannot save the engine's state; the events since the last save will be replayed")
        for sink in self.sinks:
            sink.wakeup.set()
        _, late = await asyncio.wait(sink_tasks, timeout=FINAL_DELIVERY_SECONDS)
        for task in late:  # what is not delivered stays in the outbox
            task.cancel()
        await asyncio.gather(*sink_tasks, return_exceptions=True)
        undelivered = self.store.outbox_size()
        self.store.close()
        log.info("stopped", extra={"pending": self.engine.pending_deadlines, "undelivered": undelivered})
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
        try:
            daemon = Daemon(config, ruleset)
        except StateError as exc:
            log.error("cannot start", extra={"reason": str(exc)})
            return 2
        return await daemon.run()

    return asyncio.run(main())
