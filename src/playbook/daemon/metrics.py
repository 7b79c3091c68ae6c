"""Prometheus metrics of the daemon, read from its live state at scrape time."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from itertools import accumulate
from typing import Protocol

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from playbook.daemon.guard import Guard
from playbook.daemon.store import Store
from playbook.language.timestamps import MICROS
from playbook.measure.live import BUCKETS, LiveTally
from playbook.runtime.engine import Engine


class Watched(Protocol):
    """What the metrics read of the running daemon."""

    @property
    def engine(self) -> Engine: ...

    @property
    def store(self) -> Store: ...

    @property
    def live(self) -> LiveTally: ...

    @property
    def events(self) -> int:
        """Events processed since the start."""

    @property
    def waiting_events(self) -> int:
        """Events stored, not yet processed."""

    @property
    def dropped_waits(self) -> int:
        """Pending waits dropped by reloads and restarts under edited playbooks."""

    @property
    def rule_guard(self) -> Guard:
        """The guard of the rules (SPEC section 9)."""

    @property
    def shadow_actions(self) -> Counter[str]:
        """Records of shadow rules since the start, by rule."""


class DaemonCollector:
    """Counts since the daemon started, and gauges of what is pending now."""

    def __init__(self, daemon: Watched) -> None:
        self.daemon = daemon
        self.skipped: Counter[str] = Counter()
        self.ahead: Counter[str] = Counter()
        self.reloads: Counter[str] = Counter()
        self.delivered: Counter[str] = Counter()

    def collect(self) -> Iterator[Metric]:
        daemon = self.daemon
        engine = daemon.engine
        yield CounterMetricFamily("playbook_events", "Events processed", value=daemon.events)
        actions = CounterMetricFamily("playbook_actions", "Actions taken, by rule", labels=["rule"])
        suppressed = CounterMetricFamily(
            "playbook_suppressed", "Firings suppressed by a limit, by rule", labels=["rule"]
        )
        for rule in engine.rules:
            stats = engine.stats[rule.key]
            actions.add_metric([rule.name], stats.actions)
            suppressed.add_metric([rule.name], stats.suppressed)
        yield actions
        yield suppressed
        yield from self._safe_edits(daemon)
        yield GaugeMetricFamily(
            "playbook_pending_timers", "Deadlines waiting to fire", value=engine.pending_deadlines
        )
        yield from desk_metrics(daemon.live, engine.clock)
        reloads = CounterMetricFamily("playbook_reloads", "Rule set reloads, by result", labels=["result"])
        for result in ("ok", "invalid"):
            reloads.add_metric([result], self.reloads[result])
        yield reloads
        yield CounterMetricFamily(
            "playbook_dropped_waits",
            "Pending waits dropped because a new rule set has no rule of their name that waits",
            value=daemon.dropped_waits,
        )
        skipped = CounterMetricFamily(
            "playbook_skipped_input", "Input lines that were not events, by source", labels=["source"]
        )
        for source, count in sorted(self.skipped.items()):
            skipped.add_metric([source], count)
        yield skipped
        ahead = CounterMetricFamily(
            "playbook_events_ahead",
            "Events refused for being dated more than max_ahead ahead of the wall clock, by source",
            labels=["source"],
        )
        for source, count in sorted(self.ahead.items()):
            ahead.add_metric([source], count)
        yield ahead
        delivered = CounterMetricFamily("playbook_delivered", "Actions delivered, by sink", labels=["sink"])
        for sink, count in sorted(self.delivered.items()):
            delivered.add_metric([sink], count)
        yield delivered
        lag = 0.0 if engine.clock is None else max(0.0, time.time() - engine.clock / MICROS)
        yield GaugeMetricFamily("playbook_lag_seconds", "Wall clock minus the engine's clock", value=lag)
        yield GaugeMetricFamily(
            "playbook_inbox", "Events stored, not yet processed", value=daemon.waiting_events
        )
        yield GaugeMetricFamily(
            "playbook_outbox", "Actions stored, not yet delivered", value=daemon.store.outbox_size()
        )

    def _safe_edits(self, daemon: Watched) -> Iterator[Metric]:
        """Shadow rules' records, and what the guard paused and held back (SPEC section 9)."""
        shadow = CounterMetricFamily(
            "playbook_shadow_actions", "Records of shadow rules, by rule", labels=["rule"]
        )
        for name, count in sorted(daemon.shadow_actions.items()):
            shadow.add_metric([name], count)
        yield shadow
        guard = daemon.rule_guard
        held = CounterMetricFamily(
            "playbook_paused", "Firings held back because their rule is paused, by rule", labels=["rule"]
        )
        for name, count in sorted(guard.held.items()):
            held.add_metric([name], count)
        yield held
        paused = GaugeMetricFamily(
            "playbook_rule_paused", "1 while the guard holds a rule paused, else 0", labels=["rule"]
        )
        for rule in daemon.engine.rules:
            paused.add_metric([rule.name], 1 if rule.key in guard.paused else 0)
        yield paused


def desk_metrics(live: LiveTally, clock: int | None) -> Iterator[Metric]:
    """How fast items are answered, and how many wait (SPEC section 10), counted as the report counts."""
    histogram = HistogramMetricFamily(
        "playbook_response_seconds",
        "Time from an item to its first answer, by type and platform, observed when it is answered",
        labels=["type", "platform"],
    )
    for counts in live.histograms():
        running = list(accumulate(counts.counts))
        buckets = [(str(float(bound)), n) for bound, n in zip(BUCKETS, running)]
        buckets.append(("+Inf", running[-1]))
        histogram.add_metric([counts.type, counts.platform], buckets, sum_value=counts.sum / MICROS)
    yield histogram
    yield GaugeMetricFamily(
        "playbook_items_waiting",
        "Items not answered yet that came in within the horizon of the engine's thread links",
        value=live.waiting_within(clock),
    )


class _Gathered(Collector):
    """Metric families gathered already."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterator[Metric]:
        return iter(self.families)


async def exposition(collector: Collector) -> tuple[bytes, str]:
    """The metrics page body and its content type.

    The numbers are gathered on the event loop, which changes them, into metric
    families of their own; writing those out as text, the larger part (some 25 ms
    of 30 at 1000 rules), is done in a thread, the event loop serving meanwhile.
    """
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Gathered(list(collector.collect())))
    return await asyncio.to_thread(generate_latest, registry), CONTENT_TYPE_LATEST
