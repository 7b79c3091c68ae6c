"""The benchmark's yardsticks take the same actions as Playbook on a generated
stream, so that `make bench` compares like with like (it refuses to print a
row otherwise; these tests catch a drift before a bench run does)."""

from __future__ import annotations

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


def playbook_counts(name: str, stream: Path) -> Counter[str]:
    counts: Counter[str] = Counter()

    def emit(record: ActionRecord) -> None:
        counts[record.rule] += 1

    ruleset = compile_sources({"bench.play": rule_sets()[name].playbook()})
    with open(stream, "rb") as lines:
        dry_run(ruleset, lines, emit)
    return counts


@pytest.mark.parametrize("name", ["4 rules", "100 rules", "10 phrases"])
def test_the_baseline_takes_playbooks_actions(name: str, stream: Path) -> None:
    with open(os.devnull, "wb") as sink:
        expected = baseline.run(str(stream), rule_sets()[name], sink)
    assert set(expected) >= {"Unanswered complaint", "VIP", "Thank", "Spike"}
    assert playbook_counts(name, stream) == expected


def test_the_tuned_loop_takes_the_baselines_actions(stream: Path) -> None:
    with open(os.devnull, "wb") as sink:
        expected = baseline.run(str(stream), rule_sets()["4 rules"], sink)
        assert tuned.run(str(stream), sink) == expected


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
