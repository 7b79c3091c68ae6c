"""The metrics page is written out in a thread, the event loop serving meanwhile."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from playbook.daemon.metrics import exposition


class _WaitsForTheLoop(list[Any]):
    """Samples that, when written out, wait until the event loop has run."""

    def __init__(self, samples: list[Any], loop_ran: threading.Event, seen: list[bool]) -> None:
        super().__init__(samples)
        self.loop_ran = loop_ran
        self.seen = seen

    def __iter__(self) -> Iterator[Any]:
        # Written out on the event loop itself, this would wait in vain.
        self.seen.append(self.loop_ran.wait(timeout=5))
        return super().__iter__()


def test_the_event_loop_runs_while_the_metrics_page_is_written_out() -> None:
    loop_ran, seen = threading.Event(), list[bool]()

    class Probe(Collector):
        def collect(self) -> Iterator[Metric]:
            family = GaugeMetricFamily("playbook_probe", "A gauge written out slowly", value=7)
            family.samples = _WaitsForTheLoop(family.samples, loop_ran, seen)
            yield family

    async def serve() -> tuple[bytes, str]:
        writing = asyncio.create_task(exposition(Probe()))
        await asyncio.sleep(0)  # the page is being written out...
        loop_ran.set()  # ...and the loop runs meanwhile
        return await writing

    body, content_type = asyncio.run(serve())
    assert seen == [True]
    assert b"playbook_probe 7.0" in body
    assert content_type.startswith("text/plain")
