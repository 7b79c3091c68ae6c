"""The benchmark's yardsticks do Playbook's job on a generated stream: they write
the same action records, byte for byte, so that `make bench` compares like with
like (it refuses to print a row whose counts differ; these tests catch a drift,
in counts or in bytes, before a bench run does)."""

from __future__ import annotations

import io
import os
from collections import Counter
from pathlib import Path

import pytest

from bench import baseline, tuned
from bench.generate import write
from bench.rules import rule_sets
from playbook.compiler.actions import ActionRecord
from playbook.compiler.ruleset import compile_sources
from playbook.dryrun.run import dry_run


@pytest.fixture(scope="module")
def stream(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bench") / "stream.jsonl"
    with open(path, "wb") as out:
        write(out, 30_000, seed=3)
    return path


def playbook_output(name: str, stream: Path) -> bytes:
    """What `playbook dry-run --format jsonl` writes for the rule set over the stream."""
    out = io.BytesIO()

    def emit(record: ActionRecord) -> None:
        out.write(record.to_json_line())

    ruleset = compile_sources({"bench.play": rule_sets()[name].playbook()})
    with open(stream, "rb") as lines:
        dry_run(ruleset, lines, emit)
    return out.getvalue()


@pytest.mark.parametrize("name", ["4 rules", "100 rules", "100 rules, any type", "10 phrases"])
def test_the_baseline_writes_playbooks_records(name: str, stream: Path) -> None:
    written = io.BytesIO()
    counts = baseline.run(str(stream), rule_sets()[name], written)
    assert set(counts) >= {"Unanswered complaint", "VIP", "Thank", "Spike"}
    assert sum(counts.values()) == written.getvalue().count(b"\n")
    assert written.getvalue() == playbook_output(name, stream)


def test_the_any_type_set_writes_about_a_record_per_event(stream: Path) -> None:
    with open(os.devnull, "wb") as sink:
        counts = baseline.run(str(stream), rule_sets()["100 rules, any type"], sink)
    assert 0.8 * 30_000 < sum(counts.values()) < 1.3 * 30_000
    assert counts["Answered"] > 0  # the brand's own replies are tagged too


def test_the_tuned_loop_writes_the_baselines_records(stream: Path) -> None:
    expected, written = io.BytesIO(), io.BytesIO()
    counts = baseline.run(str(stream), rule_sets()["4 rules"], expected)
    assert tuned.run(str(stream), written) == counts
    assert written.getvalue() == expected.getvalue()


def test_the_diff_row_times_a_diff_that_finds_the_edit(stream: Path) -> None:
    """The edit `make bench` times `playbook diff` on moves deadlines, rewords a
    reply and adds a shadow rule: the diff finds each, and leaves the rest the same."""
    from bench.rules import edited
    from playbook.diff.run import diff_events

    text = rule_sets()["100 rules"].playbook()
    old, new = compile_sources({"bench.play": text}), compile_sources({"bench.play": edited(text)})
    with open(stream, "rb") as lines:
        result = diff_events(old, new, lines)
    found = Counter((d.rule, d.change) for d in result.differences)
    assert found[("Unanswered complaint", "moved")] > 0
    assert found[("Thank", "changed")] > 0
    assert found[("Complaint spike per platform", "added")] > 0
    assert {rule for rule, _ in found} == {"Unanswered complaint", "Thank", "Complaint spike per platform"}
    assert result.pairing.same > sum(found.values())


def test_the_status_bench_renders_a_page_of_the_stream(stream: Path) -> None:
    from bench import status

    found = status.measure(stream, window=0.2, rounds=1)
    assert found["events"] == 20_000
    assert found["day_items"] > 1000 and found["day_answers"] > 500 and found["waiting"] > 100
    assert found["page_kb"] > 20 and found["saved_mb"] > 0.1
    assert found["rate_quiet"] > 0 and found["rate_process"] > 0 and found["rate_thread"] > 0


def test_the_records_measurement_times_every_record_of_a_dry_run(stream: Path) -> None:
    """`make bench`'s cost per action record is timed over the records a dry run makes,
    replayed `RECORD_PASSES` times, every batch of them timed."""
    from bench.measure import RECORD_PASSES, time_records
    from playbook.dryrun.output import RECORDS_PER_WRITE

    spec = rule_sets()["100 rules, any type"]
    timed = time_records(spec.playbook(), str(stream))
    with open(os.devnull, "wb") as sink:
        assert timed.counts == baseline.run(str(stream), spec, sink)
    made = sum(timed.counts.values())
    assert timed.records == RECORD_PASSES * made
    assert len(timed.batches) == RECORD_PASSES * -(-made // RECORDS_PER_WRITE)
    assert timed.seconds > 0 and timed.cpu_seconds > 0 and all(cost >= 0 for cost in timed.batches)


def test_the_daemon_rows_replay_the_stream_and_time_every_posted_event(tmp_path: Path) -> None:
    """The real daemon replays a file into its sink, every record of a dry run
    (and the waits the wall clock then brings due), and every event POSTed reaches the sink."""
    from bench import daemon

    small = tmp_path / "small.jsonl"
    with open(small, "wb") as out:
        write(out, 2_000, seed=3)
    played = daemon.replay(small, "4 rules")
    assert played["events"] == 2_000 and 0 <= played["counted"] <= 2_000
    with open(small, "rb") as lines:
        dry = compile_sources({"bench.play": rule_sets()["4 rules"].playbook()})
        assert played["actions"] >= dry_run(dry, lines, lambda record: None).actions > 0
    timed = daemon.latency(rate=200, seconds=1.0)
    assert timed["events"] == 200 and 0 < timed["median"] <= timed["p99"] <= timed["worst"]


def test_the_record_target_shows_the_spread_of_its_batches() -> None:
    """The cost per record is every record's CPU over every record, and the batches'
    p10/p50/p90 beside it tell a burst of other work from a slower record path."""
    from bench.__main__ import targets

    def run(events: int, seconds: float) -> dict[str, object]:
        return {"events": events, "seconds": seconds}

    by_name = {
        name: {"playbook": run(1000, 1.0), "baseline": run(1000, 2.0)}
        for name in ("4 rules", "100 rules", "1000 rules", "100 rules, any type", "1000 rules, any type")
    }
    by_name["100 rules, any type"]["records"] = {
        "events": 600_000,
        "cpu_seconds": 1.2,
        "batch_p10_us": 1.25,
        "batch_p50_us": 1.5,
        "batch_p90_us": 3.0,
    }
    cost = {what: measured for what, measured, _ in targets(by_name)}[
        "cost per action record (100 every-type rules)"
    ]
    assert cost == "2.00 us over 600,000 records; batches of them at p10/p50/p90 1.25/1.50/3.00 us"
