"""Hot reload (SPEC section 7): the playbooks are watched, and looked at now
and then for changes the watcher misses; after a quiet period the whole rule
set is loaded, checked, compiled and made ready to replace the running rules
(`Engine.prepare`) in a thread of its own that rests half of the time
(language/turns.py), so that events, `/healthz` and `/metrics` are served
meanwhile, and a valid one is swapped in on the event loop, between two
batches of events, the state carried over as it is at that moment; the state
is saved a moment later. The loaded rule set is left out of the cycle
collector's passes (`made_for_good`): a full collection walking it stalled the
event loop for longer than the swap itself after each reload. The rule set it
replaces is dropped in a thread of its own, a rule at a time, taking turns
likewise.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from playbook.compiler.gcpause import made_for_good
from playbook.compiler.ruleset import RuleSet
from playbook.daemon.config import Config
from playbook.daemon.metrics import DaemonCollector
from playbook.daemon.processor import Processor
from playbook.language.diagnostics import PlaybookError, render_all, summarize
from playbook.language.turns import taking_turns, turn
from playbook.loader import PlaybookPathError, find_playbooks, load_ruleset
from playbook.runtime.engine import Engine, Successor

log = logging.getLogger("playbook.daemon")
QUIET_SECONDS = 0.2
SWITCH_SECONDS = 0.0002
# The loader rests this long after working as long (language/turns.py).
WORK_SECONDS = 0.003
REST_SECONDS = 0.003
LOOK_SECONDS = 2.0
# From the swap to the first save under the new rules: a few batches of live events,
# from their POST to their records delivered, each a few turns of the event loop.
SETTLE_SECONDS = 0.1
T = TypeVar("T")


@dataclass(frozen=True)
class Reloaded:
    """What the last reload did, for the status page: when (Unix seconds) and why,
    whether the new rules run, their diagnostics as `check` prints them (a refused
    reload's errors, or a good one's warnings), and what state was carried over."""

    at: float
    why: str
    ok: bool
    diagnostics: str
    state: str


def load_rules(config: Config) -> RuleSet:
    """The rule set the configuration names, with its extra brand handles."""
    return load_ruleset([config.playbooks], brand=config.brand)


def _loaded_for_good(config: Config, engine: Engine) -> Successor:
    """`load_rules` taking turns with the event loop, made ready to replace the rules
    `engine` runs (`Engine.prepare`), then left out of the cycle collector's passes;
    the rule set it replaces has no cycles, so it is freed by reference counting.

    The collector stays paused from the load to the freeze: otherwise the first
    young collection after the load walks the whole new rule set once more.
    """
    with made_for_good(), taking_turns(WORK_SECONDS, REST_SECONDS):
        return engine.prepare(load_rules(config))


class _PlaybookChanges(FileSystemEventHandler):
    """Tells the reloader, from watchdog's thread, that a playbook file changed."""

    # Reading a playbook (as a reload does) opens and closes it: not a change.
    CHANGES = frozenset({"created", "modified", "moved", "deleted", "closed"})

    def __init__(self, reloader: Reloader, loop: asyncio.AbstractEventLoop) -> None:
        self.reloader = reloader
        self.loop = loop

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in self.CHANGES:
            return
        paths = [event.src_path, getattr(event, "dest_path", "")]
        if any(str(p).endswith(".play") for p in paths) or event.is_directory:
            self.loop.call_soon_threadsafe(self.reloader.request, "file change")


class Reloader:
    """Reloads the processor's rule set when the playbooks change or on request (SIGHUP)."""

    def __init__(self, config: Config, processor: Processor, metrics: DaemonCollector) -> None:
        self.config = config
        self.processor = processor
        self.metrics = metrics
        self.failed = False  # the last reload was refused
        self.last: Reloaded | None = None
        self.files_seen = self._files_seen()
        self.wanted = asyncio.Event()
        self.due = 0.0
        self.why = ""
        self.releasing: threading.Thread | None = None  # dropping the rule set the last reload replaced

    def request(self, why: str) -> None:
        """Reload after a quiet period: more changes within it make one reload."""
        self.due = time.monotonic() + QUIET_SECONDS
        if why != "file change" or not self.why:
            self.why = why
        self.wanted.set()
        log.debug("reload requested", extra={"why": why})

    async def run(self, stopping: asyncio.Event) -> None:
        """Watch the playbooks and reload them as they change, until `stopping`."""
        observer = self._watch(asyncio.get_running_loop())
        looking = asyncio.create_task(self._look_at_files(stopping))
        try:
            while not stopping.is_set():
                await self.wanted.wait()
                while (wait := self.due - time.monotonic()) > 0:
                    await asyncio.sleep(wait)
                self.wanted.clear()
                why, self.why = self.why, ""
                try:
                    await self.reload(why)
                except Exception:
                    log.exception("reload failed; the running rules stay")
        finally:
            looking.cancel()
            observer.stop()

    async def reload(self, why: str = "SIGHUP") -> bool:
        """Load and check the whole rule set off the event loop; run it if it is valid."""
        started = time.monotonic()
        self.files_seen = self._files_seen()
        try:
            with _switching_often():
                engine = self.processor.engine
                successor = await _in_thread(lambda: _loaded_for_good(self.config, engine))
        except (PlaybookError, PlaybookPathError) as exc:
            self.metrics.reloads["invalid"] += 1
            self.failed = True
            if isinstance(exc, PlaybookError):
                rendered = render_all(exc.diagnostics, exc.sources)
                errors = [
                    str(d.pos) + f": {d.severity.value}: {d.text}" for d in exc.diagnostics if d.is_error
                ]
                self.last = Reloaded(time.time(), why, False, f"{rendered}\n{summarize(exc.diagnostics)}", "")
            else:
                rendered = str(exc)
                errors = [rendered]
                self.last = Reloaded(time.time(), why, False, f"playbook: error: {exc}", "")
            log.error(
                "reload refused: the playbooks are invalid; the running rules stay",
                extra={"why": why, "errors": errors, "diagnostics": rendered},
            )
            return False
        ruleset = successor.ruleset
        if ruleset.digest == self.processor.ruleset.digest and why == "file change" and not self.failed:
            log.debug("playbooks unchanged; nothing to reload")
            return True
        retired = [self.processor.ruleset]
        carried = self.processor.install(ruleset, successor)
        self.releasing = _released_in_turns(retired)
        self.failed = False
        warnings = render_all(ruleset.warnings, ruleset.sources)
        self.last = Reloaded(
            time.time(), why, True, warnings, carried.summary() if carried is not None else ""
        )
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
        # The first save under the new rules comes SETTLE_SECONDS after the swap, the events,
        # deliveries and requests that wait served between the two, so that they do not stall
        # the event loop as one. Until that save the saved state is the one from before the
        # reload: a crash in between is one before the reload, as a crash during the load is.
        await asyncio.sleep(SETTLE_SECONDS)
        self.processor.save(now=True)
        return True

    def _files_seen(self) -> tuple[Any, ...]:
        """What the playbook files look like on disk: path, inode, size and time of each."""
        try:
            files = find_playbooks([self.config.playbooks])
            return tuple((f, s.st_ino, s.st_size, s.st_mtime_ns) for f in files for s in [os.stat(f)])
        except (PlaybookPathError, OSError) as exc:
            return (str(exc),)

    async def _look_at_files(self, stopping: asyncio.Event) -> None:
        """A change the watcher missed (a network file system, a folder swapped for
        another by a deployment) is picked up within LOOK_SECONDS."""
        while not stopping.is_set():
            await asyncio.sleep(LOOK_SECONDS)
            if not self.wanted.is_set() and self._files_seen() != self.files_seen:
                self.request("file change")

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


@contextmanager
def _switching_often() -> Iterator[None]:
    """Python's threads take turns every `SWITCH_SECONDS` for the block, not every 5 ms.

    A reload compiles in pure Python for half a second at 1000 rules, holding
    the GIL; the event loop, each time it comes back from a socket or SQLite,
    waits for the loader's turn to end. At the default interval that starved
    it for the whole load.
    """
    interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_SECONDS)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


def _released_in_turns(retired: list[RuleSet]) -> threading.Thread:
    """The thread that drops the rule set in `retired` (its only reference), a rule at a
    time, taking turns with the event loop.

    Freeing a thousand rules by reference counting takes the interpreter 5-30 ms at a go;
    dropped on the event loop, at the swap, it added to the swap's stall.
    """

    def release() -> None:
        with taking_turns(WORK_SECONDS, REST_SECONDS):
            rules = list(retired.pop().rules)
            while rules:
                rules.pop()
                turn()

    thread = threading.Thread(target=release, name="playbook-release", daemon=True)
    thread.start()
    return thread


async def _in_thread(function: Callable[[], T]) -> T:
    """What `function()` returns or raises, run in a thread of its own.

    Not asyncio.to_thread: its threads are waited for at exit, and a stop must
    not wait for a long reload to finish.
    """
    loop = asyncio.get_running_loop()
    outcome: asyncio.Future[T] = loop.create_future()

    def settle(set_outcome: Callable[[Any], None], value: Any) -> None:
        if not outcome.done():  # else the reload was cancelled by a stop
            set_outcome(value)

    def work() -> None:
        try:
            result = function()
        except BaseException as exc:  # handed to the awaiting task, whatever it is
            settled: tuple[Callable[[Any], None], Any] = (outcome.set_exception, exc)
        else:
            settled = (outcome.set_result, result)
        try:
            loop.call_soon_threadsafe(settle, *settled)
        except RuntimeError:  # the loop has closed: the daemon has stopped
            pass

    threading.Thread(target=work, name="playbook-reload", daemon=True).start()
    return await outcome
