"""The daemon end to end: a real `playbook run` in a subprocess, its state in SQLite.

- replay: the daemon reads a stream from a file source and writes its records
  to a file sink; events/s from its first event counted on `/metrics` until
  every event is processed and every action delivered, against a dry run of
  the same file and rules.
- latency: events POSTed to `/events` at a steady rate (a batch every
  `BATCH_SECONDS`), each with the wall clock as its time; the time from the
  POST of an event to its record in the sink file (median, p99, worst).
- reload: the same at 1000 rules, while the playbook is edited and reloaded;
  how long processing stalls (the longest time without a record reaching the
  sink while events keep coming), and the worst latency of events POSTed
  around the reload.
"""

from __future__ import annotations

import gc
import http.client
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import yaml

from .rules import PLAYBOOK_FILE, rule_sets

TOKEN = "bench-token"
BATCH_SECONDS = 0.01
SENDERS = 4
# How often the replay asks the daemon how far it got, on `/healthz` (what waits in its
# inbox and outbox): every 100 ms, the end is seen within 2% of a replay of a few
# seconds. `/metrics` is asked only once both are empty, to see every event counted: a
# scrape with 100 rules (some 500 samples) takes the daemon's loop about 17 ms, so
# asking it every 100 ms, as a monitor never does, took up to a seventh of the replay.
REPLAY_POLL_SECONDS = 0.1
# The rule the latency runs add, so that every event they POST writes a record.
SEEN_RULE = 'rule "Seen": when mention and text contains "latency probe" then tag "seen"\n'


class Daemon:
    """`playbook run` on a configuration written into `folder`."""

    def __init__(self, folder: Path, playbook: str, sources: list[dict[str, Any]]) -> None:
        self.folder = folder
        self.play = folder / "playbooks" / PLAYBOOK_FILE
        self.play.parent.mkdir(parents=True, exist_ok=True)
        self.play.write_text(playbook, encoding="utf-8")
        self.sink = folder / "out" / "actions.jsonl"
        self.port = _free_port()
        config = {
            "playbooks": "playbooks",
            "state": "state/state.db",
            "listen": f"127.0.0.1:{self.port}",
            "sources": sources,
            "sinks": [{"type": "file", "path": "out/actions.jsonl"}],
            # A dry run has no guard to pause a rule that replies to a whole backlog at once.
            "guard": {"max": 0},
        }
        (folder / "daemon.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
        self.process: subprocess.Popen[bytes] | None = None

    @contextmanager
    def running(self) -> Iterator[Daemon]:
        with open(self.folder / "daemon.log", "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "playbook", "run", "--config", str(self.folder / "daemon.yaml")],
                cwd=self.folder,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        try:
            deadline = time.monotonic() + 60
            while not self._answers():
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the daemon did not start:\n{(self.folder / 'daemon.log').read_text()}")
                time.sleep(0.02)
            yield self
        finally:
            self.process.terminate()
            self.process.wait(timeout=60)

    def _answers(self) -> bool:
        try:
            return self.metrics() is not None
        except OSError:
            return False

    def get(self, path: str) -> bytes:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", path)
            return connection.getresponse().read()
        finally:
            connection.close()

    def logged(self, message: str) -> bool:
        """Whether the daemon has logged `message`: read from its log file, which costs the
        daemon nothing (a scrape of `/metrics` at 1000 rules takes its event loop 40-90 ms)."""
        return f'"msg":"{message}"'.encode() in (self.folder / "daemon.log").read_bytes()

    def health(self) -> dict[str, Any]:
        return dict(orjson.loads(self.get("/healthz")))

    def metrics(self) -> dict[str, float]:
        """`/metrics`, summed by name over labels."""
        text = self.get("/metrics").decode()
        found: dict[str, float] = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                name = name.split("{", 1)[0]
                found[name] = found.get(name, 0.0) + float(value)
        return found


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def replay(stream: Path, ruleset: str) -> dict[str, float]:
    """The daemon replaying `stream` from a file source into a file sink, state in SQLite."""
    with open(stream, "rb") as handle:
        events = sum(1 for _ in handle)
    with tempfile.TemporaryDirectory(prefix="playbook-bench-") as folder:
        daemon = Daemon(
            Path(folder), rule_sets()[ruleset].playbook(), [{"type": "file", "path": str(stream)}]
        )
        with daemon.running():
            start, before = time.perf_counter(), daemon.metrics().get("playbook_events_total", 0)
            while True:
                health = daemon.health()
                now = time.perf_counter()
                if health["inbox"] == 0 and health["outbox"] == 0:
                    if daemon.metrics().get("playbook_events_total", 0) >= events:
                        break
                time.sleep(REPLAY_POLL_SECONDS)
            with open(daemon.sink, "rb") as sink:
                delivered = sum(1 for _ in sink)
    return {"events": events, "seconds": now - start, "counted": events - before, "actions": delivered}


class Prober:
    """POSTs events at a steady rate and watches the sink for their records."""

    def __init__(self, daemon: Daemon, rate: int) -> None:
        self.daemon = daemon
        self.per_batch = max(1, round(rate * BATCH_SECONDS))
        self.sent: dict[str, float] = {}
        self.seen: dict[str, float] = {}
        self.arrivals: list[float] = []  # when records reached the sink
        self.stop = threading.Event()

    def send(self, seconds: float) -> None:
        """A batch every `BATCH_SECONDS` for `seconds`, each POSTed on time from one of
        `SENDERS` connections, whether or not the daemon has answered the one before."""
        local = threading.local()
        connections: list[http.client.HTTPConnection] = []
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/x-ndjson"}

        def post(batch: int) -> None:
            if not hasattr(local, "connection"):
                local.connection = http.client.HTTPConnection("127.0.0.1", self.daemon.port, timeout=30)
                connections.append(local.connection)
            stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            ids = [f"p{batch}-{i}" for i in range(self.per_batch)]
            body = b"".join(
                orjson.dumps({"id": i, "type": "mention", "time": stamp, "text": "latency probe"}) + b"\n"
                for i in ids
            )
            now = time.perf_counter()
            for i in ids:
                self.sent[i] = now
            local.connection.request("POST", "/events", body, headers)
            response = local.connection.getresponse()
            response.read()
            if response.status != 202:
                raise SystemExit(f"POST /events answered {response.status}")

        start = time.perf_counter()
        with ThreadPoolExecutor(SENDERS) as pool:
            posts = []
            for batch in range(round(seconds / BATCH_SECONDS)):
                pause = start + batch * BATCH_SECONDS - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                posts.append(pool.submit(post, batch))
            try:
                for done in posts:
                    done.result()
            finally:
                for connection in connections:
                    connection.close()

    def watch(self) -> None:
        while not self.daemon.sink.exists():
            time.sleep(0.001)
        with open(self.daemon.sink, "rb") as handle:
            rest = b""
            while not self.stop.is_set():
                chunk = handle.read()
                if not chunk:
                    time.sleep(0.001)
                    continue
                now = time.perf_counter()
                lines = (rest + chunk).split(b"\n")
                rest = lines.pop()
                for line in lines:
                    record = orjson.loads(line)
                    if record["rule"] == "Seen":
                        self.seen[record["event"]] = now
                        self.arrivals.append(now)

    def latencies(self, sent_from: float = 0.0, sent_to: float = float("inf")) -> list[float]:
        return sorted(
            self.seen[i] - t for i, t in self.sent.items() if i in self.seen and sent_from <= t <= sent_to
        )

    @contextmanager
    def watching(self) -> Iterator[Prober]:
        """Watch the sink meanwhile, this process's cycle collector off: its pauses (15 to
        over 100 ms) would stamp records late, and count as the daemon's."""
        watcher = threading.Thread(target=self.watch, daemon=True)
        gc.disable()
        watcher.start()
        try:
            yield self
        finally:
            deadline = time.monotonic() + 30
            while len(self.seen) < len(self.sent) and time.monotonic() < deadline:
                time.sleep(0.01)
            self.stop.set()
            watcher.join()
            gc.enable()


def _percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(share * len(values)))]


@contextmanager
def probed(ruleset: str, rate: int) -> Iterator[tuple[Daemon, Prober, str]]:
    """The real daemon running `ruleset` and a rule that tags every event, its http
    source open, and a prober watching its sink at `rate` events/s; and the playbook."""
    playbook = rule_sets()[ruleset].playbook() + "\n" + SEEN_RULE
    with tempfile.TemporaryDirectory(prefix="playbook-bench-") as folder:
        daemon = Daemon(Path(folder), playbook, [{"type": "http", "token": TOKEN, "max_bytes": 1 << 20}])
        with daemon.running():
            prober = Prober(daemon, rate)
            with prober.watching():
                yield daemon, prober, playbook


def latency(rate: int, seconds: float) -> dict[str, float]:
    """POST → record in the sink, at `rate` events/s for `seconds`, with the four core rules."""
    with probed("4 rules", rate) as (_, prober, _):
        prober.send(seconds)
    found = prober.latencies()
    if len(found) != len(prober.sent):
        raise SystemExit(
            f"{len(prober.sent) - len(found)} of {len(prober.sent)} events never reached the sink"
        )
    return {
        "events": len(found),
        "median": statistics.median(found),
        "p99": _percentile(found, 0.99),
        "worst": found[-1],
    }


def reload_stall(rate: int, seconds: float = 8.0) -> dict[str, float]:
    """Events at `rate`/s through the 1000-rule playbook while it is edited and reloaded."""
    with probed("1000 rules", rate) as (daemon, prober, playbook):
        sender = threading.Thread(target=prober.send, args=(seconds,))
        sender.start()
        time.sleep(seconds / 3)
        edited_at = time.perf_counter()
        daemon.play.write_text(playbook.replace('notify "#vip"', 'notify "#vip-desk"'), encoding="utf-8")
        while not daemon.logged("reloaded"):
            time.sleep(0.01)
        reloaded_at = time.perf_counter()
        sender.join()
    before = prober.latencies(0.0, edited_at)
    around = prober.latencies(edited_at, reloaded_at + 1.0)
    arrivals = [t for t in prober.arrivals if edited_at <= t <= reloaded_at + 1.0]
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
    return {
        "reload_seconds": reloaded_at - edited_at,
        "longest_gap": max(gaps, default=0.0),
        "worst_around": around[-1] if around else float("nan"),
        "median_before": statistics.median(before),
        "p99_around": _percentile(around, 0.99) if around else float("nan"),
    }


def daemon_rows(stream: Path, dry_run_rate: float, ruleset: str, rate: int, seconds: float) -> list[str]:
    """The daemon's rows of `make bench`, against their targets."""
    played = replay(stream, ruleset)
    replay_rate = played["counted"] / played["seconds"]
    timed = latency(rate, seconds)
    stalled = reload_stall(rate)
    ms = 1000
    return [
        f"daemon replay of {played['events']:,} events ({ruleset}, file source, file sink, SQLite state): "
        f"{replay_rate:,.0f} ev/s, {replay_rate / dry_run_rate:.2f}x dry run's {dry_run_rate:,.0f} "
        f"(target 0.5x), {played['actions']:,} records",
        f"POST -> record in the sink at {rate:,} ev/s for {seconds:.0f} s ({timed['events']:,} events): "
        f"median {timed['median'] * ms:.1f} ms, p99 {timed['p99'] * ms:.1f} ms, "
        f"worst {timed['worst'] * ms:.1f} ms (target p99 <= 100 ms)",
        f"reload of 1000 rules at {rate:,} ev/s: {stalled['reload_seconds'] * ms:.0f} ms from the edit "
        f"to the new rules running; longest time without a record reaching the sink "
        f"{stalled['longest_gap'] * ms:.0f} ms (target <= 100 ms); latency of events sent meanwhile "
        f"p99 {stalled['p99_around'] * ms:.0f} ms, worst {stalled['worst_around'] * ms:.0f} ms "
        f"(median before: {stalled['median_before'] * ms:.1f} ms)",
    ]
