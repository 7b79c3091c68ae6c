"""The processor: runs the stored events through the engine, in inbox order.

Beside the engine, a live tally counts items, answers and actions for
`/metrics` and the status page; it is saved and restored with the engine,
so that a replay counts nothing twice.

It passes the actions of each batch through the guard (guard.py), queues
them in the outbox for every sink that takes them (its `match`, and shadow
records only for shadow sinks: routing.py, config.Sink.takes), moves the
clock on with the wall clock whenever no event is waiting (the inbox is empty
and every followed file has been read to its end), less `lateness`, so a
backlog replays in event time and live deadlines fire on time, and saves the
engine's state now and then (after a reload, at a stop, and otherwise at most
every few seconds, less often when saving takes long, and at once when the
guard pauses a rule). The guard's state is saved with the engine's. Until a
save, the events it covers stay in the inbox, to be replayed after a crash. A
failure while processing is handled the same way: the engine and the guard
are restored from their saved state and the inbox replayed.

A backlog is processed with the cycle collector paused, as a dry run is: the
engine and the live tally make no reference cycles, and the collector's passes
walked the events read ahead of the processor again and again while they
waited. It runs again at each save on the way, once the backlog is processed,
and when processing fails.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable

from playbook.compiler.actions import ActionRecord
from playbook.compiler.gcpause import cycle_collection_paused
from playbook.compiler.ruleset import RuleSet
from playbook.daemon.config import Config
from playbook.daemon.guard import Guard, GuardStateError
from playbook.daemon.health import Health
from playbook.daemon.inbox import Inbox
from playbook.daemon.retry import retry
from playbook.daemon.sinks import Deliverer
from playbook.daemon.store import StateError
from playbook.language.timestamps import format_time
from playbook.measure.live import LiveTally, TallyError
from playbook.runtime.carry import CarryReport
from playbook.runtime.engine import Engine, Successor
from playbook.runtime.snapshot import SnapshotError

log = logging.getLogger("playbook.daemon")
# Events run through the engine between two turns of the event loop, at most: about
# 50 ms of work in a backlog, while live events come a few at a time.
BATCH = 2000
TICK_SECONDS = 0.1
RETRY_SECONDS = 1.0
# The engine's state is saved at most this often, and never more often than
# SAVE_COST_FACTOR times what the last save took, so saving a large state
# takes a few percent of the time at most.
SAVE_SECONDS = 2.0
SAVE_COST_FACTOR = 30


class Processor:
    """The engine, fed from the inbox, feeding the outbox."""

    def __init__(
        self,
        config: Config,
        inbox: Inbox,
        ruleset: RuleSet,
        sinks: list[Deliverer],
        sources_idle: Callable[[], bool],
        replaying: bool = False,
    ) -> None:
        """`sources_idle` tells whether every followed file has been read to its end;
        `replaying`, whether there are such files, whose backlog is replayed first."""
        self.config = config
        self.inbox = inbox
        self.store = inbox.store
        self.ruleset = ruleset
        self.sinks = sinks
        self.sources_idle = sources_idle
        self.dropped_waits = 0  # by reloads and restarts under edited playbooks, for /metrics
        self.shadow_actions: Counter[str] = Counter()  # by rule, for /metrics
        self.engine = self._restored(ruleset)
        self.guard = self._guarded(ruleset)
        self.live = self._restored_live()
        self.processed = self.store.saved_to()  # the last inbox seq the engine has taken in
        self.unsaved = False
        self.next_save = 0.0
        self.broken = False
        self.events = 0  # processed since the start, for /metrics
        self.replaying = replaying

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

    def _guarded(self, ruleset: RuleSet) -> Guard:
        """The guard as last saved, over `ruleset`."""
        try:
            return Guard(self.config.guard, ruleset, self.store.guard_state())
        except GuardStateError as exc:
            raise StateError(f"{self.config.state}: {exc}") from None

    def _restored_live(self) -> LiveTally:
        """The live tally as last saved with the engine, reading the engine's threads;
        a fresh one when none was saved, or it cannot be read (it holds figures only)."""
        saved, threads = self.store.live_tally(), self.engine.threads
        if saved is not None:
            try:
                return LiveTally.from_bytes(saved, threads)
            except TallyError as exc:
                log.warning(
                    f"cannot read the saved live tally ({exc}); the status page and metrics count "
                    "items and answers from now on",
                    extra={"state": self.config.state},
                )
        return LiveTally(threads, threads.lifetime)

    def _carried(self, carried: CarryReport) -> None:
        """Count the waits a new rule set dropped, and warn of each rule that lost them by a rename."""
        self.dropped_waits += carried.dropped_waits
        for warning in carried.renames():
            log.warning(warning)

    def _queue(self, actions: list[ActionRecord]) -> None:
        """Queue the actions the guard lets through for the sinks that take them; save at
        once when the guard paused a rule."""
        if not actions:
            return
        screened = self.guard.screen(actions)
        self.live.acted(screened)
        shadow = [action for action in screened if action.shadow]
        for action in shadow:
            self.shadow_actions[action.rule] += 1
        taken: dict[str, list[ActionRecord]] = {}
        for deliverer in self.sinks:
            sink = deliverer.sink
            if not sink.match.keys:  # every record of its kind, shadow or not
                records = shadow if sink.shadow else screened if not shadow else _live(screened)
            else:
                records = [action for action in screened if sink.takes(action)]
            if records:  # a record no sink takes is not written out
                taken.setdefault(sink.key, []).extend(records)
        if taken:
            self.store.queue_records(taken, self.processed)
        for deliverer in self.sinks:
            deliverer.wakeup.set()
        if self.guard.paused_since_save:
            self.unsaved = True
            self.save(now=True)

    @property
    def backlog(self) -> int:
        """How many stored events wait to be processed."""
        return self.inbox.waiting(self.processed)

    def process_waiting(self) -> int:
        """Run one batch of stored events through the engine; how many there were."""
        batch = self.inbox.take(self.processed, BATCH)
        if not batch:
            return 0
        actions: list[ActionRecord] = []
        process, take = self.engine.process, self.live.take
        for _, event in batch:
            actions.extend(process(event))
            take(event)
        self.processed = batch[-1][0]
        self.unsaved = True
        self._queue(actions)
        self.events += len(batch)
        return len(batch)

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

    def save(self, now: bool = False) -> bool:
        """Save the engine's state if it changed and a save is due (or `now`); whether it saved."""
        if not self.unsaved or self.broken or (not now and time.monotonic() < self.next_save):
            return False
        started = time.monotonic()
        self.store.save(self.processed, self.engine.snapshot(), self.guard.snapshot(), self.live.to_bytes())
        self.guard.paused_since_save = False
        self.unsaved = False
        took = time.monotonic() - started
        self.next_save = time.monotonic() + max(SAVE_SECONDS, SAVE_COST_FACTOR * took)
        return True

    def recover(self) -> None:
        """Go back to the saved state: the events after it are replayed, their actions
        queued again (the outbox takes each action once)."""
        self.engine = self._restored(self.ruleset)
        self.guard = self._guarded(self.ruleset)
        self.live = self._restored_live()
        self.processed = self.store.saved_to()
        self.unsaved = False
        self.broken = False

    def install(self, ruleset: RuleSet, successor: Successor | None = None) -> CarryReport | None:
        """Run `ruleset` from the next batch on, keeping the engine's state (SPEC section 7);
        what was carried over, or None while the engine is broken (recovering restores it
        under `ruleset`). `successor`: `ruleset` made ready beforehand (`Engine.prepare`).
        The events before this point were run by the old rules, and a replay must not run
        them by the new: the caller saves the state (`save(now=True)`) soon after."""
        self.ruleset = ruleset
        if self.broken:
            return None
        carried = self.engine.install(ruleset, successor)
        self.guard.install(ruleset)
        self.live.follow(self.engine.threads)
        if self.engine.clock is not None:
            # The waits the new rules bring due at or behind the clock fire now, not at the next event.
            self._queue(self.engine.advance(self.engine.clock))
        self.unsaved = True
        self._carried(carried)
        return carried

    def _caught_up(self) -> None:
        self.replaying = False
        clock = format_time(self.engine.clock) if self.engine.clock is not None else "the start (no events)"
        log.info(
            f"caught up with the feeds at {clock}, {self.events} events replayed",
            extra={"clock": clock, "events": self.events},
        )

    async def _catch_up(self) -> bool:
        """Process every waiting event, a batch at a time, then move the clock and save."""
        try:
            if self.broken:
                self.recover()
            while await self._stretch():
                pass
            if self.sources_idle() and not self.backlog:
                if self.replaying:
                    self._caught_up()
                self.advance_clock()
            self.save()
        except Exception:
            # The engine may have taken in events whose actions were not stored.
            self.broken = True
            raise
        return True

    async def _stretch(self) -> bool:
        """Process waiting events a batch at a time, with the cycle collector paused, until
        none is left or a save on the way; whether events are left. The collector runs
        between two stretches, so what requests served meanwhile leave in cycles is
        collected however long the backlog."""
        with cycle_collection_paused():
            while self.process_waiting():
                # A long backlog is saved as it goes, whenever a save is due: a crash in the
                # middle of it then replays from there, not from its start.
                saved = bool(self.backlog) and self.save()
                await asyncio.sleep(0)  # reloads and requests are served between two batches
                if saved:
                    return True
        return False

    async def run(self, stopping: asyncio.Event, work: asyncio.Event, health: Health) -> None:
        """Process events as they are stored (`work` is set), until `stopping`."""
        while not stopping.is_set():
            work.clear()
            await retry(
                self._catch_up,
                part="processing",
                doing="process events",
                first=RETRY_SECONDS,
                health=health,
                stopping=stopping,
            )
            try:
                await asyncio.wait_for(work.wait(), TICK_SECONDS)
            except TimeoutError:
                pass


def _live(records: list[ActionRecord]) -> list[ActionRecord]:
    """The records of live rules, not shadow ones."""
    return [record for record in records if not record.shadow]
