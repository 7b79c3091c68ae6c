"""`playbook run` killed, stopped and restarted: what SQLite keeps (SPEC section 7)."""

from __future__ import annotations

import asyncio
import json
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from daemon_harness import DaemonProcess, now_iso, playbook_folder, wait_for

from playbook.daemon.retry import backoff
from playbook.daemon.store import Store

CARE = """\
brand "@acme"
rule "Escalate": when mention and text contains "broken" and unanswered 3s then escalate to "care-leads"
rule "Crisis": when mention and text contains "fire" then alert "#crisis"
"""


def mention(id: str, text: str, time: str | None = None) -> dict[str, Any]:
    return {
        "id": id,
        "type": "mention",
        "time": time or now_iso(),
        "text": text,
        "author": {"handle": "@jane"},
    }


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return playbook_folder(tmp_path, "care.play", CARE)


@pytest.fixture
def daemon(folder: Path) -> Iterator[DaemonProcess]:
    process = DaemonProcess(folder)
    yield process.start()
    process.close()


def inbox_rows(folder: Path) -> int:
    """How many events wait in the inbox (a row holds those a source stored at once)."""
    with sqlite3.connect(folder / "state" / "state.db") as db:
        return int(db.execute("SELECT coalesce(sum(seq - first_seq + 1), 0) FROM inbox").fetchone()[0])


def test_a_sigkill_after_delivery_replays_without_delivering_again(
    folder: Path, daemon: DaemonProcess
) -> None:
    assert daemon.post(mention("warm-up", "fire"))[0] == 202
    wait_for(lambda: len(daemon.actions()) == 1, what="the first action")
    # The engine's state is saved every couple of seconds: kill the daemon before the next save.
    assert daemon.post([mention(f"m{i}", "fire") for i in range(20)])[0] == 202
    wait_for(lambda: len(daemon.actions()) == 21, what="every action in the file sink")
    # Killed between writing an action and marking it delivered, it would deliver that one twice.
    wait_for(lambda: daemon.health()["outbox"] == 0, what="the deliveries to be marked")
    daemon.kill()
    assert inbox_rows(folder) == 20, "the events since the last save wait to be replayed"
    daemon.start()
    wait_for(lambda: daemon.health()["inbox"] == 0, what="the replay")
    time.sleep(0.5)
    assert [a["event"] for a in daemon.actions()] == ["warm-up"] + [f"m{i}" for i in range(20)]


def test_a_stop_in_the_middle_of_a_long_replay_is_quick_and_the_restart_resumes(folder: Path) -> None:
    # Long enough that the daemon, which replays tens of thousands of events a second,
    # is still at it when the stop comes; a tenth of the events fire.
    events = 120_000
    start = time.time() - events - 10_000
    stamp = lambda i: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + i))  # noqa: E731
    lines = [
        json.dumps(mention(f"e{i}", "fire" if i % 10 == 0 else "hello", stamp(i))) for i in range(events)
    ]
    (folder / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    process = DaemonProcess(folder, {"sources": [{"type": "file", "path": "feed.jsonl"}]}).start()
    try:
        wait_for(process.actions, what="the replay to begin")
        stopping = time.monotonic()
        assert process.stop() == 0
        assert time.monotonic() - stopping < 3
        first_run = len(process.actions())
        process.start()
        wait_for(lambda: len(process.actions()) >= events // 10, timeout=60, what="the rest of the replay")
        wait_for(lambda: process.health()["inbox"] == 0, what="the inbox to empty")
        time.sleep(0.3)
        ids = Counter(a["id"] for a in process.actions())
        assert first_run < events // 10, "the stop came in the middle of the replay"
        assert len(ids) == events // 10
        assert max(ids.values()) == 1
    finally:
        process.close()


def test_sigkills_in_the_middle_of_a_file_replay_lose_no_action(folder: Path) -> None:
    """Killed twice while it replays a followed file, the daemon delivers, once started
    again, every action a dry run of the file takes: none lost, none more than twice."""
    start = time.time() - 40_000
    stamp = lambda i: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + i))  # noqa: E731
    lines = [
        json.dumps(mention(f"e{i}", "fire" if i % 10 == 0 else "it arrived broken", stamp(i)))
        for i in range(40_000)
    ]
    (folder / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # --until: once the file is read, the daemon's clock moves on with the wall clock.
    command = [
        "dry-run",
        "playbooks",
        "--events",
        "feed.jsonl",
        "--format",
        "jsonl",
        "--until",
        stamp(40_060),
    ]
    dry_run = subprocess.run(
        [sys.executable, "-m", "playbook", *command],
        cwd=folder,
        capture_output=True,
        check=True,
    )
    expected = {json.loads(line)["id"] for line in dry_run.stdout.splitlines()}
    process = DaemonProcess(folder, {"sources": [{"type": "file", "path": "feed.jsonl"}]}).start()
    try:
        for delivered in (1_000, 12_000):
            wait_for(lambda n=delivered: len(process.actions()) >= n, timeout=60, what="the replay to go on")
            process.kill()
            assert len(process.actions()) < len(expected), "killed in the middle of the replay"
            process.start()
        wait_for(lambda: len(process.actions()) >= len(expected), timeout=120, what="the rest of the replay")
        wait_for(lambda: process.health()["outbox"] == 0, what="the outbox to empty")
        ids = Counter(a["id"] for a in process.actions())
        assert set(ids) == expected
        assert max(ids.values()) <= 2
    finally:
        process.close()


def test_the_inbox_keeps_what_a_source_stored_at_once_in_one_row(tmp_path: Path) -> None:
    """A save in the middle of such a row keeps the rest, numbered as they were, across a restart."""
    path = str(tmp_path / "state.db")
    lines = [json.dumps(mention(f"m{i}", "fire", "2026-11-20T09:00:00Z")).encode() for i in range(7)]
    store = Store(path)
    first = store.accept("file:feed.jsonl", lines[:5], synced=False)
    store.accept("http", lines[5:])
    assert store.db.execute("SELECT count(*) FROM inbox").fetchone()[0] == 2
    store.save(first + 2, b"{}", b"{}")  # the engine had taken in three events of the first five
    store.close()
    store = Store(path)
    try:
        assert store.saved_to() == first + 2
        assert store.waiting(first + 2, 10) == list(zip(range(first + 3, first + 7), lines[3:]))
        assert store.waiting(first + 3, 2) == [(first + 4, lines[4]), (first + 5, lines[5])]
        assert store.accept("http", lines[:1]) == first + 7
    finally:
        store.close()


def test_the_processor_takes_the_events_a_source_parsed_and_reads_them_back_after_a_restart(
    tmp_path: Path,
) -> None:
    from playbook.daemon.inbox import Arrival, Inbox
    from playbook.language.events import parse_line

    path = str(tmp_path / "state.db")
    lines = [json.dumps(mention(f"m{i}", "fire", "2026-11-20T09:00:00Z")).encode() for i in range(3)]
    arrivals = [Arrival(line, parse_line(line)) for line in lines]
    inbox = Inbox(Store(path))
    inbox.accept("http", arrivals)
    taken = inbox.take(0, 10)
    assert [event for _, event in taken] == [arrival.event for arrival in arrivals]  # the same objects
    inbox.store.close()
    inbox = Inbox(Store(path))  # nothing was saved: every event is processed again
    try:
        taken = inbox.take(0, 10)
        assert [(seq, event.data) for seq, event in taken] == [
            (n, a.event.data) for n, a in enumerate(arrivals, 1)
        ]
        assert all(event is not arrival.event for (_, event), arrival in zip(taken, arrivals))
    finally:
        inbox.store.close()


def test_a_state_file_that_is_not_sqlite_is_refused_clearly(folder: Path) -> None:
    process = DaemonProcess(folder)
    (folder / "state").mkdir()
    (folder / "state" / "state.db").write_bytes(b"this is not a database" * 100)
    result = subprocess.run(
        [sys.executable, "-m", "playbook", "run", "--config", "daemon.yaml"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "cannot use the state file" in result.stderr
    assert "Traceback" not in result.stderr
    assert process.process is None


def test_a_state_file_that_cannot_be_created_is_refused_with_exit_2(folder: Path) -> None:
    # sysfs takes no files, whoever asks: as a read-only mount does.
    result = DaemonProcess(folder, {"state": "/sys/playbook-state.db"}).refused()
    assert result.returncode == 2
    assert "/sys/playbook-state.db: cannot use the state file: unable to open database file" in result.stderr


def test_an_empty_state_file_is_refused_unless_told_to_start_afresh(folder: Path) -> None:
    process = DaemonProcess(folder)
    (folder / "state").mkdir()
    (folder / "state" / "state.db").write_bytes(b"")
    result = process.refused()
    assert result.returncode == 2
    assert (
        f"{folder}/state/state.db: the state file is empty (0 bytes), so the pending deadlines"
        in result.stderr
    )
    assert "start with 'playbook run --fresh' to begin with no state" in result.stderr
    try:
        process.start(args=("--fresh",))
        assert "starting afresh (--fresh): the state file held no state" in process.log()
        assert process.post(mention("b1", "it is broken"))[0] == 202
        wait_for(lambda: process.health()["pending"] == 1, what="the deadline")
        assert process.stop() == 0
        process.start()  # the state now holds a deadline: no --fresh needed, nothing said
        assert process.started()["pending"] == 1
        assert process.log().count("starting afresh") == 1
    finally:
        process.close()


def test_a_state_file_copied_without_its_wal_is_refused(folder: Path, daemon: DaemonProcess) -> None:
    assert daemon.post([mention(f"b{i}", "it is broken") for i in range(5)])[0] == 202
    wait_for(lambda: daemon.health()["pending"] == 5, what="the deadlines")
    state = folder / "state" / "state.db"
    copy = state.read_bytes()  # as a backup that copies the one file would
    daemon.kill()
    for path in folder.glob("state/state.db*"):
        path.unlink()
    state.write_bytes(copy)
    result = daemon.refused()
    assert result.returncode == 2
    assert "the state file holds no tables, so the pending deadlines" in result.stderr
    assert "a copy made without its -wal file looks like this" in result.stderr


def test_a_damaged_state_file_is_refused_at_start(folder: Path, daemon: DaemonProcess) -> None:
    assert daemon.post(mention("b1", "it is broken"))[0] == 202
    wait_for(lambda: daemon.health()["pending"] == 1, what="the deadline")
    assert daemon.stop() == 0
    state = folder / "state" / "state.db"
    with sqlite3.connect(state) as db:
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        inbox = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'inbox'").fetchone()[0]
    db.close()
    with state.open("r+b") as handle:  # one page of the table new events go to, overwritten
        handle.seek((inbox - 1) * page_size)
        handle.write(b"\xa5" * page_size)
    result = daemon.refused()
    assert result.returncode == 2
    assert f"{state}: the state file is damaged (" in result.stderr
    assert "restore it from a backup, or move it away with its -wal and -shm files" in result.stderr


def test_a_state_file_of_the_first_daemon_is_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with sqlite3.connect(path) as db:
        db.executescript("""
            CREATE TABLE inbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL, data BLOB NOT NULL);
            CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, sink TEXT NOT NULL,
                                 action_id TEXT NOT NULL, body BLOB NOT NULL,
                                 attempts INTEGER NOT NULL DEFAULT 0, next_try REAL NOT NULL DEFAULT 0);
            CREATE INDEX outbox_by_sink ON outbox (sink, seq);
            INSERT INTO outbox (sink, action_id, body) VALUES ('stdout', 'a1', '{}'), ('stdout', 'a1', '{}'),
                                                              ('stdout', 'a2', '{}');
        """)
    store = Store(str(path))
    try:
        assert [d.action_id for d in store.due("stdout", time.time(), 10)] == ["a1", "a2"]
        store.queue([("stdout", "a2", b"{}"), ("stdout", "a3", b"{}")], after_event=0)
        assert store.outbox_size() == 3
    finally:
        store.close()


def test_sigterm_saves_what_the_next_start_needs(folder: Path, daemon: DaemonProcess) -> None:
    assert daemon.post([mention("w", "fire"), mention("b1", "it is broken")])[0] == 202
    wait_for(lambda: daemon.health()["pending"] == 1, what="the deadline")
    assert daemon.stop(signal.SIGTERM) == 0
    assert inbox_rows(folder) == 0, "a clean stop saves the engine, so nothing is replayed"
    daemon.start()
    assert daemon.started()["pending"] == 1
    fired = wait_for(
        lambda: [a for a in daemon.actions() if a["rule"] == "Escalate"], timeout=6, what="the escalation"
    )
    assert [a["event"] for a in fired] == ["b1"]


@pytest.mark.parametrize(("failures", "wait"), [(1, 0.5), (2, 1.0), (3, 2.0), (7, 30.0), (100_000, 30.0)])
def test_retries_back_off_to_30_seconds_however_long_a_sink_stays_down(failures: int, wait: float) -> None:
    assert backoff(failures, 0.5) == wait


def test_a_failure_while_processing_replays_from_the_saved_state(folder: Path) -> None:
    from playbook.daemon.config import load_config
    from playbook.daemon.inbox import Inbox
    from playbook.daemon.processor import Processor
    from playbook.daemon.reload import load_rules
    from playbook.daemon.sinks import Deliverer

    DaemonProcess(folder)
    config = load_config(str(folder / "daemon.yaml"))
    store = Store(config.state)
    sinks = [Deliverer(sink, store, lambda sink, count: None) for sink in config.sinks]
    processor = Processor(config, Inbox(store), load_rules(config), sinks, lambda: True)
    try:
        store.accept("http", [json.dumps(mention("m1", "fire")).encode()])
        processor.process_waiting()
        processor.save(now=True)
        store.accept("http", [json.dumps(mention(f"m{i}", "fire")).encode() for i in (2, 3)])
        real_queue, calls = store.queue_records, []

        def full_disk(deliveries: Any, after_event: int) -> None:
            calls.append(deliveries)
            raise sqlite3.OperationalError("database or disk is full")

        store.queue_records = full_disk  # type: ignore[method-assign]
        with pytest.raises(sqlite3.OperationalError):
            processor.process_waiting()
        store.queue_records = real_queue  # type: ignore[method-assign]
        processor.broken = True
        processor.recover()
        assert processor.process_waiting() == 2
        queued = [
            json.loads(d.body)["event"] for d in store.due("file:" + config.sinks[0].path, time.time(), 10)
        ]
        assert queued == ["m1", "m2", "m3"]
    finally:
        store.close()


def test_a_long_backlog_is_saved_as_it_is_processed(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from playbook.daemon import processor as processing
    from playbook.daemon.config import load_config
    from playbook.daemon.inbox import Inbox
    from playbook.daemon.reload import load_rules

    monkeypatch.setattr(processing, "SAVE_SECONDS", 0.0)  # a save is due after every batch
    monkeypatch.setattr(processing, "SAVE_COST_FACTOR", 0)
    DaemonProcess(folder)
    config = load_config(str(folder / "daemon.yaml"))
    store = Store(config.state)
    processor = processing.Processor(config, Inbox(store), load_rules(config), [], lambda: False)
    try:
        events = [json.dumps(mention(f"m{i}", "fire")).encode() for i in range(2 * processing.BATCH + 10)]
        store.accept("file", events, synced=False)
        saved_to: list[int] = []
        real_save = store.save

        def save(processed_to: int, *state: Any) -> None:
            saved_to.append(processed_to)
            real_save(processed_to, *state)

        store.save = save  # type: ignore[method-assign]
        asyncio.run(processor._catch_up())
        assert saved_to == [processing.BATCH, 2 * processing.BATCH, len(events)]
        assert store.saved_to() == len(events)
    finally:
        store.close()


# --- a full disk ---

FILE_LIMIT = 2 << 20


def at_most_file_limit() -> None:
    """In the daemon's process: files may grow to FILE_LIMIT bytes, and a write past it fails
    part-way with EFBIG (the signal that would kill the process is ignored), as on a full disk."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT, resource.RLIM_INFINITY))


def free_the_disk(process: DaemonProcess) -> None:
    assert process.process is not None
    resource.prlimit(process.process.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY,) * 2)


def test_a_full_disk_leaves_whole_lines_in_a_sink_file_and_healthz_says_why(folder: Path) -> None:
    sink = folder / "out" / "actions.jsonl"
    sink.parent.mkdir()
    filler = [json.dumps({"filler": n}).encode() + b"\n" for n in range(FILE_LIMIT // 16)]
    written = b"".join(filler)[: FILE_LIMIT - 300]
    sink.write_bytes(written[: written.rfind(b"\n") + 1])  # room for one action record, not three
    process = DaemonProcess(folder).start(preexec_fn=at_most_file_limit)
    try:
        assert process.post([mention(f"m{i}", "fire") for i in range(3)])[0] == 202
        health = wait_for(
            lambda: process.get("/healthz")[0] == 503 and process.health(), what="/healthz to say what fails"
        )
        assert health["failing"] == {f"sink file:{sink}": "cannot deliver: [Errno 27] File too large"}
        assert sink.read_bytes().endswith(b"\n")
        assert all(json.loads(line) for line in sink.read_bytes().splitlines())
        failed = [e for e in process.logged() if e["msg"] == "cannot deliver; will retry"]
        assert failed[0]["reason"] == "[Errno 27] File too large"
        time.sleep(1.5)  # a retry or two
        assert [a for a in process.actions() if "rule" in a] == []
        free_the_disk(process)
        wait_for(lambda: process.get("/healthz")[0] == 200, timeout=20, what="/healthz to be ok again")
        lines = [json.loads(line) for line in sink.read_bytes().splitlines()]
        assert [a["event"] for a in lines if "rule" in a] == ["m0", "m1", "m2"]
    finally:
        process.close()


def test_a_full_disk_under_the_state_file_answers_503_and_healthz_says_why(folder: Path) -> None:
    process = DaemonProcess(folder).start(preexec_fn=at_most_file_limit)
    try:
        # Every stored event grows the state file's write-ahead log, until it cannot grow.
        for n in range(2000):
            status, answer = process.post(mention(f"m{n}", "x" * 2000))
            if status != 202:
                break
        assert status == 503
        assert answer["error"].startswith("cannot store the events now (")
        assert answer["error"].endswith("); nothing of this request was stored, try again later")
        status, body = process.get("/healthz")
        assert status == 503
        assert json.loads(body)["failing"]["store"].startswith("cannot store events: ")
        free_the_disk(process)
        assert process.post(mention("after", "fire"))[0] == 202
        wait_for(lambda: process.get("/healthz")[0] == 200, timeout=40, what="/healthz to be ok again")
        fired = wait_for(lambda: [a for a in process.actions() if a["event"] == "after"], what="the alert")
        assert len(fired) == 1
    finally:
        process.close()


def test_a_line_torn_by_a_crash_is_cut_off_before_the_sink_file_grows(folder: Path) -> None:
    sink = folder / "out" / "actions.jsonl"
    sink.parent.mkdir()
    sink.write_bytes(b'{"whole": 1}\n{"id": "a1", "time": "2026-11-2')  # killed in the middle of a line
    process = DaemonProcess(folder).start()
    try:
        assert process.post(mention("m1", "fire"))[0] == 202
        wait_for(lambda: len(process.actions()) == 2, what="the action")
        lines = [json.loads(line) for line in sink.read_bytes().splitlines()]
        assert lines[0] == {"whole": 1}
        assert lines[1]["event"] == "m1"
    finally:
        process.close()


def test_actions_a_sink_took_are_not_delivered_again_when_the_store_cannot_mark_them(folder: Path) -> None:
    from playbook.daemon.config import load_config
    from playbook.daemon.sinks import Deliverer

    DaemonProcess(folder)
    config = load_config(str(folder / "daemon.yaml"))
    store = Store(config.state)
    deliverer = Deliverer(config.sinks[0], store, lambda sink, count: None)
    real_delivered = store.delivered

    def full_disk(sink: str, seqs: Any) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    try:
        store.queue(
            [(config.sinks[0].key, f"a{i}", json.dumps({"n": i}).encode()) for i in range(3)], after_event=0
        )
        store.delivered = full_disk  # type: ignore[method-assign]
        for _ in range(3):  # the sink retries while the disk is full
            with pytest.raises(sqlite3.OperationalError):
                asyncio.run(deliverer.drain())
        store.delivered = real_delivered  # type: ignore[method-assign]
        asyncio.run(deliverer.drain())
        assert store.outbox_size() == 0
        written = (folder / "out" / "actions.jsonl").read_bytes().splitlines()
        assert [json.loads(line)["n"] for line in written] == [0, 1, 2]
    finally:
        store.close()
