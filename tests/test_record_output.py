"""How action records are made and written: from what each rule prepared at load
(the id's hash begun, constant params), with the stable ids of SPEC section 4; a
dry run's output is buffered, a system call per many records, and goes out line
by line to someone watching live."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import msgspec
import orjson
import pytest
from helpers import ruleset_from

from playbook.compiler.actions import action_id
from playbook.dryrun.output import RECORDS_PER_WRITE, Output
from playbook.dryrun.run import run_events
from playbook.language.events import make_event

EVENTS = [
    {"id": "m1", "type": "mention", "time": "2026-11-20T09:00:00Z", "author": {"handle": "@jane"}},
    {"id": 'q"\\\u2028ü', "type": "mention", "time": "2026-11-20T09:00:00.25+01:00", "thread": "t\n1"},
    {
        "id": "m3",
        "type": "mention",
        "time": "2026-11-20T09:01:00Z",
        "author": {"handle": "@j\u00e9 \U0001f600"},
    },
]
PLAYBOOK = """\
brand "@acme"
rule "Tag \\"quoted\\" — ü": when mention then tag "a\\\\b", notify "#vip" message "Hi {author.handle} ✓"
shadow rule "Shadow": when mention then escalate to "care-leads" priority high, hide
rule "Reply": when mention then reply with template "sorry", reply "Sorry {author.handle}", alert "#x"
rule "Wait": when mention and unanswered 1h then reply "Still there, {author.handle}?", assign to "ops"
"""


def test_ids_from_a_hash_begun_at_load_are_the_stable_ids() -> None:
    ruleset = ruleset_from(PLAYBOOK)
    records = run_events(ruleset, [make_event(e) for e in EVENTS], until=10**18)
    assert len(records) == 3 * 7 + 3 * 2
    positions = {rule.name: [a.position for a in rule.actions] for rule in ruleset.rules}
    for record in records:
        ids = [action_id(record.rule, record.event, p, record.time) for p in positions[record.rule]]
        assert record.id in ids
    assert len({r.id for r in records}) == len(records)
    assert {r.time for r in records} >= {"2026-11-20T08:00:00.25Z", "2026-11-20T09:00:00.25Z"}
    assert b'"shadow":true' in next(r for r in records if r.rule == "Shadow").to_json()


def test_records_of_a_rule_share_its_constant_params_and_fill_in_the_rest() -> None:
    ruleset = ruleset_from(PLAYBOOK)
    records = run_events(ruleset, [make_event(EVENTS[0]), make_event(EVENTS[2])])
    tags = [r for r in records if r.action == "tag"]
    notes = [r for r in records if r.action == "notify"]
    assert tags[0].params is tags[1].params == {}
    assert [n.params for n in notes] == [{"message": "Hi @jane ✓"}, {"message": "Hi @j\u00e9 \U0001f600 ✓"}]


def test_a_record_is_written_as_orjson_writes_its_fields_in_the_order_of_the_spec() -> None:
    records = run_events(ruleset_from(PLAYBOOK), [make_event(e) for e in EVENTS], until=10**18)
    odd = "".join(chr(c) for c in (*range(0x20), 0x7F, 0x2028, 0x2029, 0xFEFF, 0x202E)) + '"\\/ü😀'
    records.append(msgspec.structs.replace(records[0], author=odd, params={odd: odd}, target=None))
    for record in records:
        fields = {
            "id": record.id,
            "time": record.time,
            "rule": record.rule,
            "action": record.action,
            "target": record.target,
            "params": record.params,
            "event": record.event,
            "thread": record.thread,
            "author": record.author,
            "source": record.source,
        }
        if record.shadow:
            fields["shadow"] = True
        assert record.to_json_line() == orjson.dumps(fields) + b"\n"
        assert orjson.loads(record.to_json()) == record.to_dict() == fields


def stdout_to(path: Path, monkeypatch: pytest.MonkeyPatch) -> io.TextIOWrapper:
    handle = open(path, "w", encoding="utf-8", buffering=1)  # noqa: SIM115
    handle.reconfigure(write_through=True)  # as Python's stdout is under PYTHONUNBUFFERED
    monkeypatch.setattr(sys, "stdout", handle)
    return handle


def test_dry_run_output_is_buffered_even_where_python_writes_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "out.jsonl"
    handle = stdout_to(path, monkeypatch)
    out = Output(line_by_line=False)
    record = run_events(ruleset_from(PLAYBOOK), [make_event(EVENTS[0])])[0]
    line = record.to_json_line()
    for _ in range(RECORDS_PER_WRITE - 1):
        out.write_record(record)
    assert path.stat().st_size == 0  # nothing written yet: one system call will carry them all
    out.write_record(record)
    assert path.read_bytes() == line * RECORDS_PER_WRITE  # written out at once
    out.write_record(record)
    out.flush()
    assert path.read_bytes() == line * (RECORDS_PER_WRITE + 1)
    handle.close()


def test_records_are_written_into_the_output_as_their_json_lines(tmp_path: Path) -> None:
    records = run_events(ruleset_from(PLAYBOOK), [make_event(e) for e in EVENTS], until=10**18)
    odd = "".join(chr(c) for c in (*range(0x20), 0x7F, 0x2028, 0x2029, 0xFEFF, 0x202E)) + '"\\/ü😀'
    records.append(msgspec.structs.replace(records[0], author=odd, params={odd: odd}, target=None))
    records *= RECORDS_PER_WRITE // len(records) + 1  # written out in more than one go
    path = tmp_path / "out.jsonl"
    with open(path, "wb") as file:
        out = Output(line_by_line=False, fd=file.fileno())
        for record in records:
            out.write_record(record)
        out.flush()
    assert path.read_bytes() == b"".join(record.to_json_line() for record in records)
    assert [orjson.loads(line) for line in path.read_bytes().splitlines()] == [r.to_dict() for r in records]


def test_live_output_goes_out_line_by_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "out.txt"
    handle = stdout_to(path, monkeypatch)
    out = Output(line_by_line=True)
    record = run_events(ruleset_from(PLAYBOOK), [make_event(EVENTS[0])])[0]
    out.write_record(record)
    assert path.read_bytes() == record.to_json_line()
    out.text.write("two ü\n")
    assert path.read_bytes() == record.to_json_line() + "two ü\n".encode()
    handle.close()


def test_events_piped_in_live_have_their_actions_written_as_they_happen(tmp_path: Path) -> None:
    play = tmp_path / "c.play"
    play.write_text('when mention then tag "seen"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    child = subprocess.Popen(
        [sys.executable, "-m", "playbook", "dry-run", str(play), "--events", "-", "--format", "jsonl"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        child.stdin.write(orjson.dumps(EVENTS[0]) + b"\n")
        child.stdin.flush()
        first = orjson.loads(child.stdout.readline())  # while the input is still open
        assert (first["event"], first["target"]) == ("m1", "seen")
    finally:
        child.stdin.close()
        child.wait(timeout=30)
        child.stdout.close()


def test_a_wait_whose_rule_changed_its_actions_in_a_reload_leaves_its_placeholders_empty() -> None:
    from playbook.runtime.engine import Engine

    before = 'brand "@acme"\nrule "Wait": when mention and unanswered 1h then reply "Still there, {author.handle}?"\n'
    engine = Engine(ruleset_from(before))
    engine.process(make_event(EVENTS[0]))
    same, _ = Engine.restore(ruleset_from(before), engine.snapshot())
    assert [r.params for r in same.advance(10**17)] == [{"text": "Still there, @jane?"}]
    after = before.replace('?"\n', '?", assign to "ops"\n')
    changed, _ = Engine.restore(ruleset_from(after), engine.snapshot())
    records = changed.advance(10**17)
    assert [(r.action, r.params) for r in records] == [("reply", {"text": "Still there, ?"}), ("assign", {})]
    assert records[0].id == action_id("Wait", "m1", 0, "2026-11-20T10:00:00Z")
