"""One measurement in a fresh process, printed as one JSON line:

    python -m bench.measure floor|baseline|tuned|playbook|edited|diff|records RULESET FILE

`floor` reads and parses the file with orjson and nothing else; `baseline`
runs the hand-written rules; `tuned` the four core rules written for speed
alone (whatever RULESET is named); `playbook` runs the playbook through the same
code as `playbook dry-run --format jsonl`, writing each record as JSON
(both write their records to /dev/null); `edited` the same for the rule set
after the benchmark's edit (`rules.edited`); `diff` runs `playbook diff` of the
two, as `playbook diff --format jsonl` does, its differences counted by kind;
`records` the action records of a dry run alone (`time_records`).
Loading the playbook is timed apart from running it; the run is timed in
wall time and in CPU time (what it costs on a machine it has to itself).
"""

from __future__ import annotations

import os
import resource
import sys
import time
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from playbook.compiler.actions import ActionRecord


def floor(path: str) -> tuple[int, Counter[str]]:
    events = 0
    loads = orjson.loads
    with open(path, "rb") as handle:
        for line in handle:
            loads(line)
            events += 1
    return events, Counter()


# How many times `time_records` replays a dry run's firings: one replay of the 200,000-event
# stream is about half a second of CPU, short enough for a burst of other work on the machine
# to weigh in it; three weigh such a burst a third as much.
RECORD_PASSES = 3


@dataclass
class RecordTimes:
    """What `time_records` measured: `records` replayed in `seconds` of wall time and
    `cpu_seconds` of CPU, `counts` the records of one replay by rule, and `batches` the
    CPU seconds a record cost in each batch of `RECORDS_PER_WRITE` (its write included),
    in the order they ran."""

    seconds: float
    cpu_seconds: float
    counts: Counter[str]
    records: int
    batches: list[float]


def time_records(playbook: str, path: str) -> RecordTimes:
    """What an action record costs once its rule has fired, as the engine makes it: its
    time (an event's was written when the event was read, a deadline's is written now),
    the record made from what its rule prepared at load (`RecordParts`) with the params
    the engine filled in for the event, if any, its JSON line written to /dev/null by the
    dry run's own output. The firings are those of a dry run of the file, replayed
    `RECORD_PASSES` times, each batch of `RECORDS_PER_WRITE` timed on its own."""
    from playbook.compiler.rules import UnansweredSpec
    from playbook.compiler.ruleset import compile_sources
    from playbook.dryrun.output import RECORDS_PER_WRITE, Output
    from playbook.dryrun.run import dry_run
    from playbook.language.timestamps import format_time, parse_time

    ruleset = compile_sources({"bench.play": playbook})
    parts = {
        (rule.name, p.template.action, p.template.target): p for rule in ruleset.rules for p in rule.records
    }
    waits = {rule.name for rule in ruleset.rules if isinstance(rule.time, UnansweredSpec)}
    firings = []

    def keep(record: Any) -> None:
        prepared = parts[(record.rule, record.action, record.target)]
        at = parse_time(record.time)
        params = record.params if prepared.fills_in else None
        waited = record.rule in waits
        firings.append(
            (prepared, waited, record.time, at, record.event, record.thread, record.author, params)
        )

    with open(path, "rb") as handle:
        dry_run(ruleset, handle, keep)
    counts: Counter[str] = Counter(firing[0].rule for firing in firings)
    seconds = cpu_seconds = 0.0
    batches = []
    last = len(firings) - 1
    with open(os.devnull, "wb") as sink:
        for _ in range(RECORD_PASSES):
            out = Output(line_by_line=False, fd=sink.fileno())
            write = out.write_record
            for first in range(0, len(firings), RECORDS_PER_WRITE):
                batch = firings[first : first + RECORDS_PER_WRITE]
                start, started_cpu = time.perf_counter(), time.process_time()
                for prepared, waited, text, at, item, thread, author, params in batch:
                    stamp = format_time(at) if waited else text
                    write(prepared.record(stamp, item, thread, author, params))
                if first + len(batch) > last:
                    out.flush()
                cpu = time.process_time() - started_cpu
                seconds += time.perf_counter() - start
                cpu_seconds += cpu
                batches.append(cpu / len(batch))
    return RecordTimes(seconds, cpu_seconds, counts, RECORD_PASSES * len(firings), batches)


def main() -> None:
    kind, name, path = sys.argv[1:4]
    from .rules import rule_sets

    spec = rule_sets()[name]
    load_seconds = 0.0
    spread: dict[str, float] = {}  # for `records`: the CPU a record cost in its batch, at percentiles
    with open(path, "rb") as handle:
        events = sum(1 for _ in handle)
    if kind == "floor":
        start, started_cpu = time.perf_counter(), time.process_time()
        floor(path)
        counts: Counter[str] = Counter()
    elif kind == "baseline":
        from .baseline import run

        start, started_cpu = time.perf_counter(), time.process_time()
        with open(os.devnull, "wb") as sink:
            counts = run(path, spec, sink)
    elif kind == "tuned":
        from .tuned import run as run_tuned

        start, started_cpu = time.perf_counter(), time.process_time()
        with open(os.devnull, "wb") as sink:
            counts = run_tuned(path, sink)
    elif kind == "records":
        timed = time_records(spec.playbook(), path)
        seconds, cpu_seconds, counts, events = timed.seconds, timed.cpu_seconds, timed.counts, timed.records
        batches = sorted(timed.batches)
        spread = {f"batch_p{p}_us": batches[(len(batches) - 1) * p // 100] * 1e6 for p in (10, 50, 90)}
    elif kind == "diff":
        from playbook.compiler.ruleset import compile_sources
        from playbook.diff.report import jsonl
        from playbook.diff.run import diff_events

        from .rules import edited

        began = time.perf_counter()
        old = compile_sources({"bench.play": spec.playbook()})
        new = compile_sources({"bench.play": edited(spec.playbook())})
        load_seconds = time.perf_counter() - began
        start, started_cpu = time.perf_counter(), time.process_time()
        with open(path, "rb") as handle, open(os.devnull, "wb") as sink:
            result = diff_events(old, new, handle)
            for difference in result.differences:
                sink.write(jsonl(difference))
        counts = Counter(difference.change for difference in result.differences)
        counts["same"] = result.pairing.same
    else:
        from playbook.compiler.ruleset import compile_sources
        from playbook.dryrun.output import Output
        from playbook.dryrun.run import dry_run

        from .rules import edited

        began = time.perf_counter()
        text = edited(spec.playbook()) if kind == "edited" else spec.playbook()
        ruleset = compile_sources({"bench.play": text})
        load_seconds = time.perf_counter() - began
        counts = Counter()
        start, started_cpu = time.perf_counter(), time.process_time()
        with open(path, "rb") as handle, open(os.devnull, "wb") as sink:
            out = Output(line_by_line=False, fd=sink.fileno())
            write = out.write_record

            def emit(record: ActionRecord) -> None:
                counts[record.rule] += 1
                write(record)

            dry_run(ruleset, handle, emit)
            out.flush()
    if kind != "records":  # timed by `time_records` itself
        seconds = time.perf_counter() - start
        cpu_seconds = time.process_time() - started_cpu
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        orjson.dumps(
            {
                "kind": kind,
                "ruleset": name,
                "events": events,
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "load_seconds": load_seconds,
                "peak_kb": peak_kb,
                "counts": dict(sorted(counts.items())),
                **spread,
            }
        ).decode()
    )


if __name__ == "__main__":
    main()
