"""The report against a dry run: `playbook report` and `playbook dry-run` of the
example desk (playbooks/) over the same generated stream, each run as a user
runs it, in a fresh process (start-up and loading included), its output
thrown away. A report runs the same engine over the same events as the dry
run, and counts items and answers beside it.

    python -m bench.report [--events N] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
DESK = HERE.parent / "playbooks"
COMMANDS = {
    "dry-run --format jsonl": ["dry-run", str(DESK), "--format", "jsonl"],
    "report --format json": ["report", str(DESK), "--format", "json"],
    "report --format html": ["report", str(DESK), "--format", "html"],
}


class Run(NamedTuple):
    seconds: float
    peak_mb: float


def run_once(command: list[str], events: Path) -> Run:
    """One run of `playbook COMMAND --events EVENTS`: wall-clock seconds and peak memory."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        child = subprocess.Popen(
            [sys.executable, "-m", "playbook", *command, "--events", str(events)],
            stdout=sink,
            stderr=sink,
            cwd=HERE.parent,
        )
        _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"playbook {' '.join(command)} exited {child.returncode}")
    return Run(seconds, usage.ru_maxrss / 1024)


def measure(events: Path, repeat: int = 1) -> dict[str, Run]:
    """Each command's fastest of `repeat` runs, the runs of the commands interleaved so that a
    busy spell of the machine slows them alike."""
    runs: dict[str, list[Run]] = {name: [] for name in COMMANDS}
    for _ in range(repeat):
        for name, command in COMMANDS.items():
            runs[name].append(run_once(command, events))
    return {name: min(found) for name, found in runs.items()}


def print_rows(results: dict[str, Run], events: int) -> None:
    dry = results["dry-run --format jsonl"]
    print(f"report and dry run of the example desk (playbooks/), {events:,} events:")
    for name, run in results.items():
        print(
            f"  {name:<24} {run.seconds:>7.1f} s {events / run.seconds:>10,.0f} ev/s "
            f"{run.peak_mb:>6.0f} MB peak  {run.seconds / dry.seconds:>5.2f}x the dry run's time"
        )


def main() -> None:
    from .__main__ import stream_file

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    print_rows(measure(stream_file(args.events, args.seed), max(1, args.repeat)), args.events)


if __name__ == "__main__":
    main()
