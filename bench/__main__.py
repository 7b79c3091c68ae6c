"""The benchmark: `make bench` or `python -m bench [--events N] [--repeat N] [--long] [--load] [--diff]`.

For each rule set it runs, each in a fresh process: the floor (orjson
parsing only), the hand-written baseline, and Playbook, checks that Playbook
and the baseline take the same number of actions per rule, and prints
events/s, peak memory and the ratios. For the four core rules it also runs
them written for speed alone (`tuned.py`): how far past the baseline plain
Python gets on that set. Then: bytes per pending deadline, what a deadline in
working time costs within the day and across two weeks of holidays, the times
to load playbooks against their budgets, `playbook diff` of a hundred rules
and an edit over a million events against the two dry runs it stands for,
memory along a long stream, and `playbook report` against `playbook dry-run`
of the example desk (bench/report.py). `--load` prints the load times alone,
`--deadlines` the costs of deadlines in working time alone, `--diff` the diff
rows alone.
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from .daemon import daemon_rows
from .generate import write
from .report import measure as measure_report
from .report import print_rows as print_report_rows
from .rules import rule_sets
from .schedules import deadline_rows

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"


def stream_file(events: int, seed: int) -> Path:
    """The benchmark stream, generated once per size and seed."""
    OUT.mkdir(exist_ok=True)
    path = OUT / f"stream-{seed}-{events}.jsonl"
    if not path.exists():
        partial = path.with_suffix(".partial")
        with open(partial, "wb") as out:
            write(out, events, seed)
        partial.rename(path)
    return path


def measure(kind: str, ruleset: str, path: Path, repeat: int = 1) -> dict[str, Any]:
    """One measurement in a fresh process; of `repeat` runs, the fastest (the least
    disturbed by whatever else the machine was doing): in wall time, or for `records`,
    whose figure is CPU time, in CPU time."""
    runs = [measure_once(kind, ruleset, path) for _ in range(repeat)]
    return fastest(runs, "cpu_seconds" if kind == "records" else "seconds")


def measure_once(kind: str, ruleset: str, path: Path) -> dict[str, Any]:
    """One run of `bench.measure` in a fresh process: what it printed."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.measure", kind, ruleset, str(path)],
        cwd=HERE.parent,
        capture_output=True,
        check=True,
    )
    return orjson.loads(result.stdout.splitlines()[-1])


def fastest(runs: list[dict[str, Any]], by: str = "seconds") -> dict[str, Any]:
    return min(runs, key=lambda run: run[by])


def agreed(name: str, baseline: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """`other`, once it is known to take the baseline's actions."""
    if baseline["counts"] != other["counts"]:
        raise SystemExit(
            f"{name}: {other['kind']} and the baseline disagree:\n"
            f"  baseline {baseline['counts']}\n  {other['kind']} {other['counts']}"
        )
    return other


# A row whose runs take a few seconds each is measured side by side this many times
# at least, its measurements taking turns, and the fastest run of each kept: one run
# of a few seconds on a shared machine says more about its neighbours than about it.
QUICK_ROUNDS = 3
QUICK_SECONDS = 10.0


def run_table(path: Path, repeat: int) -> list[dict[str, Any]]:
    rows = []
    floor = measure("floor", "4 rules", path, max(repeat, QUICK_ROUNDS))
    for name in rule_sets():
        kinds = ["baseline", "playbook"]
        if name == "4 rules":
            kinds.append("tuned")
        runs = {kind: [measure_once(kind, name, path)] for kind in kinds}
        quick = sum(run[0]["seconds"] for run in runs.values()) < QUICK_SECONDS
        for _ in range((max(repeat, QUICK_ROUNDS) if quick else repeat) - 1):
            for kind in kinds:
                runs[kind].append(measure_once(kind, name, path))
        baseline = fastest(runs["baseline"])
        row = {"name": name, "floor": floor, "baseline": baseline}
        for kind in kinds[1:]:
            row[kind] = agreed(name, baseline, fastest(runs[kind]))
        if rule_sets()[name].any_type:
            # The record loop takes a fraction of a second, after a dry run that finds the firings.
            row["records"] = agreed(name, baseline, measure("records", name, path, max(repeat, QUICK_ROUNDS)))
        rows.append(row)
        print(f"  measured {name}", file=sys.stderr)
    return rows


def rate(result: dict[str, Any]) -> float:
    return result["events"] / result["seconds"]


def per_record(row: dict[str, Any]) -> str:
    """What an action record costs, in µs, where the rule set writes about one per event."""
    records = row.get("records")
    return f"{records['cpu_seconds'] / records['events'] * 1e6:.2f}" if records else "-"


def print_table(rows: list[dict[str, Any]]) -> None:
    print(
        f"{'rule set':<21} {'floor ev/s':>11} {'baseline ev/s':>14} {'playbook ev/s':>14} "
        f"{'pb/baseline':>12} {'pb/floor':>9} {'baseline MB':>12} {'playbook MB':>12} {'actions':>8} "
        f"{'us/record':>10}"
    )
    for row in rows:
        floor, baseline, playbook = row["floor"], row["baseline"], row["playbook"]
        print(
            f"{row['name']:<21} {rate(floor):>11,.0f} {rate(baseline):>14,.0f} {rate(playbook):>14,.0f} "
            f"{rate(playbook) / rate(baseline):>11.2f}x {rate(playbook) / rate(floor):>8.2f}x "
            f"{baseline['peak_kb'] / 1024:>12.0f} {playbook['peak_kb'] / 1024:>12.0f} "
            f"{sum(playbook['counts'].values()):>8} {per_record(row):>10}"
        )
    by_name = {row["name"]: row for row in rows}
    core = by_name["4 rules"]
    print(
        f"\n4 rules written for speed alone (bench/tuned.py): {rate(core['tuned']):,.0f} ev/s, "
        f"{rate(core['tuned']) / rate(core['baseline']):.2f}x the baseline"
    )
    small = by_name["10 phrases"]["playbook"]["seconds"]
    large = by_name["10,000 phrases"]["playbook"]["seconds"]
    print(f"10,000-phrase list / 10-phrase list, time: {large / small:.2f}x")
    print("\ntargets:")
    for what, measured, target in targets(by_name):
        print(f"  {what}: {measured} (target {target})")


def targets(by_name: dict[str, dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(what, measured, target) of the evaluation targets the table answers."""

    def ratio(name: str) -> float:
        return rate(by_name[name]["playbook"]) / rate(by_name[name]["baseline"])

    def thousand(kind: str) -> str:
        playbook, baseline = by_name["1000 rules" + kind]["playbook"], by_name["100 rules" + kind]["baseline"]
        return f"{rate(playbook) / rate(baseline):.2f}x"

    records = by_name["100 rules, any type"]["records"]
    return [
        (
            "100 every-type keyword rules, Playbook / baseline",
            f"{ratio('100 rules, any type'):.2f}x",
            ">= 1.5x",
        ),
        ("4 core rules, Playbook / baseline", f"{ratio('4 rules'):.2f}x", ">= 1.0x"),
        ("1000 rules (Playbook) / 100 rules (baseline), events/s", thousand(""), ">= 1x"),
        ("the same, keyword rules over every event type", thousand(", any type"), ">= 1x"),
        (
            "cost per action record (100 every-type rules)",
            f"{records['cpu_seconds'] / records['events'] * 1e6:.2f} us over {records['events']:,} records; "
            f"batches of them at p10/p50/p90 {records['batch_p10_us']:.2f}/{records['batch_p50_us']:.2f}/"
            f"{records['batch_p90_us']:.2f} us",
            "<= 2 us",
        ),
    ]


# The rule set the daemon replays a million events with (about a week of this stream's
# traffic), against a dry run of the same rules over the same file.
DAEMON_RULES = "100 rules"
DAEMON_EVENTS = 1_000_000

# The rule set and stream size `playbook diff` is timed on: a desk of a hundred
# rules over a million events, about a week of this stream's traffic.
DIFF_RULES = "100 rules"
DIFF_EVENTS = 1_000_000


def diff_rows(seed: int, repeat: int) -> list[str]:
    """`playbook diff` of the rule set and its edit (`rules.edited`) over a million
    events, against the two dry runs it stands for; judged on CPU time, as the
    machine is shared, with the wall time beside it."""
    path = stream_file(DIFF_EVENTS, seed)
    old = measure("playbook", DIFF_RULES, path, repeat)
    new = measure("edited", DIFF_RULES, path, repeat)
    both = measure("diff", DIFF_RULES, path, repeat)
    counts = both["counts"]
    found = ", ".join(f"{counts.get(kind, 0)} {kind}" for kind in ("added", "removed", "moved", "changed"))
    dry_cpu = old["cpu_seconds"] + new["cpu_seconds"]
    dry_wall = old["seconds"] + new["seconds"]
    return [
        f"playbook diff of {DIFF_RULES} and an edit, {DIFF_EVENTS:,} events: "
        f"{both['cpu_seconds']:.1f} s CPU, {both['seconds']:.1f} s wall, "
        f"{both['peak_kb'] / 1024:.0f} MB peak ({found}; {counts.get('same', 0)} the same)",
        f"the two dry runs it stands for: {old['cpu_seconds']:.1f} + {new['cpu_seconds']:.1f} = "
        f"{dry_cpu:.1f} s CPU, {dry_wall:.1f} s wall, "
        f"{max(old['peak_kb'], new['peak_kb']) / 1024:.0f} MB peak at most; "
        f"diff / two dry runs: {both['cpu_seconds'] / dry_cpu:.2f}x CPU, "
        f"{both['seconds'] / dry_wall:.2f}x wall",
    ]


def daemon_replay_rows(args: argparse.Namespace) -> list[str]:
    """The daemon's rows: its replay of `DAEMON_EVENTS` events against a dry run of the same
    file and rules, run here in a fresh process as the table's are; then its latency and
    reload."""
    path = stream_file(DAEMON_EVENTS, args.seed)
    dry = measure("playbook", DAEMON_RULES, path, max(1, args.repeat))
    return daemon_rows(path, rate(dry), DAEMON_RULES, args.rate, args.post_seconds)


def deadline_bytes() -> float:
    code = """
import tracemalloc, gc
from playbook.compiler.ruleset import compile_sources
from playbook.runtime.engine import Engine
from playbook.language.events import make_event
rs = compile_sources({"d.play": 'brand "@acme"\\nrule "W": when mention and unanswered 2h then escalate\\n'})
engine = Engine(rs)
events = [make_event({"id": f"m{i}", "type": "mention", "time": "2026-11-20T09:00:00Z",
                      "author": {"handle": f"@u{i}"}}) for i in range(100000)]
engine.process(make_event({"id": "m", "type": "mention", "time": "2026-11-20T09:00:00Z"}))
gc.collect()
tracemalloc.start()
before = tracemalloc.get_traced_memory()[0]
for e in events:
    engine.process(e)
del e
gc.collect()
after = tracemalloc.get_traced_memory()[0]
print((after - before) / 100000)
"""
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=HERE.parent, capture_output=True, check=True, text=True
    )
    return float(result.stdout.strip())


# What loading may take on a 2-core machine, as a fresh `playbook check`.
CHECK_PLAYBOOKS_BUDGET = 0.5
CHECK_1000_RULES_BUDGET = 1.5


def fresh_seconds(command: list[str], runs: int) -> tuple[float, float]:
    """The median CPU time and the median wall time of `command`, each run in a fresh process.

    CPU time is what the command costs on a machine it has to itself; wall time
    adds whatever else the machine was doing meanwhile.
    """
    cpu, wall = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, cwd=HERE.parent)
        wall.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return sorted(cpu)[runs // 2], sorted(wall)[runs // 2]


def in_process_seconds(path: Path) -> float:
    """Seconds to load (parse, check, compile) `path` in a running process: the median of five."""
    code = f"""
import time
from playbook.loader import load_ruleset
load_ruleset([{str(path)!r}])
times = []
for _ in range(5):
    start = time.perf_counter()
    load_ruleset([{str(path)!r}])
    times.append(time.perf_counter() - start)
print(sorted(times)[2])
"""
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=HERE.parent, capture_output=True, check=True, text=True
    )
    return float(result.stdout)


def phrase_list_playbook(phrases: int) -> Path:
    words = ", ".join(f'"word {i}"' for i in range(phrases))
    path = OUT / f"list-{phrases}.play"
    path.write_text(
        f'brand "@acme"\nlist words = {words}\nwhen mention and text contains any words then tag "w"\n',
        encoding="utf-8",
    )
    return path


def load_times() -> list[str]:
    """The rows on loading: fresh `playbook check` runs against their budgets, a warm
    load of 1000 rules, and how loading grows with the length of a list."""
    OUT.mkdir(exist_ok=True)
    thousand = OUT / "1000-rules.play"
    thousand.write_text(rule_sets()["1000 rules"].playbook(), encoding="utf-8")
    # As after an install or a first run: Playbook's modules already compiled
    # to bytecode, which PYTHONDONTWRITEBYTECODE would otherwise prevent.
    compileall.compile_dir(str(HERE.parent / "src" / "playbook"), quiet=1)
    check = [sys.executable, "-m", "playbook", "check"]
    shipped = fresh_seconds(check + ["playbooks"], 5)
    fresh = fresh_seconds(check + [str(thousand)], 3)
    warm = in_process_seconds(thousand)
    short, long = (in_process_seconds(phrase_list_playbook(n)) for n in (10_000, 40_000))
    return [
        row("playbook check playbooks, fresh process, median of 5", shipped, CHECK_PLAYBOOKS_BUDGET),
        row("playbook check of 1000 rules, fresh process, median of 3", fresh, CHECK_1000_RULES_BUDGET),
        f"load 1000 rules in a running process (median of 5): {warm * 1000:.0f} ms",
        f"load a list of 10,000 / 40,000 phrases in a running process: {short * 1000:.0f} / "
        f"{long * 1000:.0f} ms, {long / short:.1f}x for four times the phrases (linear: 4x)",
    ]


def row(what: str, seconds: tuple[float, float], budget: float) -> str:
    """A budget row, judged on CPU time: the machine is shared, and its load is not Playbook's."""
    cpu, wall = seconds
    verdict = "met" if cpu < budget else "NOT MET"
    took = f"{cpu * 1000:.0f} ms CPU, {wall * 1000:.0f} ms wall"
    return f"{what}: {took} (budget {budget * 1000:.0f} ms: {verdict})"


def long_stream(events: int) -> list[tuple[int, int]]:
    """(events processed, RSS in MB) along a stream generated on the fly."""
    code = f"""
import resource, sys
from bench.generate import Stream
from bench.rules import rule_sets
from playbook.language.events import make_event
from playbook.compiler.ruleset import compile_sources
from playbook.runtime.engine import Engine
engine = Engine(compile_sources({{"b.play": rule_sets()["100 rules"].playbook()}}))
step = max(1, {events} // 10)
for n, data in enumerate(Stream(7).events({events}), 1):
    engine.process(make_event(data))
    if n % step == 0:
        with open("/proc/self/statm") as statm:
            rss = int(statm.read().split()[1]) * 4096 // (1024 * 1024)
        print(n, rss, flush=True)
"""
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=HERE.parent, capture_output=True, check=True, text=True
    )
    return [tuple(map(int, line.split())) for line in result.stdout.splitlines()]  # type: ignore[misc]


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import playbook.runtime.engine

    build = "compiled (make compiled)" if playbook.runtime.engine.__file__.endswith(".so") else "plain Python"
    return (
        f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}; "
        f"the engine {build}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=200_000, help="events in the stream (default 200,000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="N",
        help="run each measurement N times and keep the fastest, on a busy machine (default 1)",
    )
    parser.add_argument("--long", action="store_true", help="watch memory over 10 million events (slow)")
    parser.add_argument("--load", action="store_true", help="time loading playbooks only")
    parser.add_argument(
        "--report-events",
        type=int,
        default=1_000_000,
        metavar="N",
        help="events for the report against a dry run of the example desk (default 1,000,000)",
    )
    parser.add_argument("--deadlines", action="store_true", help="time deadlines in working time only")
    parser.add_argument(
        "--daemon",
        action="store_true",
        help="the daemon end to end only: replay, POST to sink latency, a reload's stall",
    )
    parser.add_argument(
        "--rate", type=int, default=1000, help="events/s POSTed to the daemon (default 1,000)"
    )
    parser.add_argument(
        "--post-seconds",
        type=float,
        default=10.0,
        metavar="S",
        help="how long events are POSTed to time their latency (default 10)",
    )
    parser.add_argument(
        "--diff",
        action="store_true",
        help="time playbook diff over a million events, against two dry runs, only",
    )
    args = parser.parse_args()
    print(f"machine: {machine()}")
    if args.load:
        print("\n".join(load_times()))
        return
    if args.deadlines:
        print("\n".join(deadline_rows()))
        return
    if args.diff:
        print("\n".join(diff_rows(args.seed, max(1, args.repeat))))
        return
    if args.daemon:
        print("\n".join(daemon_replay_rows(args)))
        return
    path = stream_file(args.events, args.seed)
    print(f"stream: {args.events:,} events ({path.stat().st_size / 1e6:.0f} MB), seed {args.seed}\n")
    if args.repeat > 1:
        print(f"each measurement the fastest of {args.repeat} runs\n")
    rows = run_table(path, max(1, args.repeat))
    print_table(rows)
    print("\n".join(daemon_replay_rows(args)))
    print(f"memory per pending deadline: {deadline_bytes():.0f} bytes")
    print("\n".join(deadline_rows()))
    print("\n".join(load_times()))
    print("\n".join(diff_rows(args.seed, max(1, args.repeat))))
    size = 10_000_000 if args.long else 1_000_000
    samples = long_stream(size)
    print(f"memory along {size:,} events (100 rules), MB: " + " ".join(f"{rss}" for _, rss in samples))
    report_stream = stream_file(args.report_events, args.seed)
    print_report_rows(measure_report(report_stream, max(1, args.repeat)), args.report_events)


if __name__ == "__main__":
    main()
