"""Marks and repeated escalations (SPEC section 12), pinned with small explicit streams."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from helpers import ruleset_from, run

from playbook.language.events import make_event
from playbook.language.timestamps import parse_time
from playbook.runtime.engine import Engine

DAY = "2026-11-20"


def at(clock: str, day: str = DAY) -> str:
    """`09:30` or `09:30:15` on the test day, in UTC."""
    return f"{day}T{clock}:00Z" if clock.count(":") == 1 else f"{day}T{clock}Z"


def ev(id: str, type: str, clock: str, author: str | None = "@jane", **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": id, "type": type, "time": at(clock)}
    author_id = fields.pop("author_id", None)
    if author is not None or author_id is not None:
        data["author"] = {k: v for k, v in (("handle", author), ("id", author_id)) if v is not None}
    data.update(fields)
    return data


def fired(records: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(HH:MM, rule, event) of each record, in output order."""
    return [(r["time"][11:16], r["rule"], r["event"]) for r in records]


# --- marks --------------------------------------------------------------------------

OPT_OUT = """
rule "Before": when mention and author is marked "do-not-contact" then tag "seen-before"
rule "Remember opt-outs": when mention and text contains "leave me alone" then mark author "do-not-contact" for 1h
rule "Acknowledge": when mention and author is not marked "do-not-contact" then reply "We're on it"
rule "Opted out": when mention and author is marked "DO-NOT-CONTACT" then tag "opted-out"
"""


def test_a_mark_is_seen_by_the_rules_after_the_one_that_set_it_on_the_same_event() -> None:
    records = run(OPT_OUT, [ev("m1", "mention", "09:00", text="please leave me alone")])
    assert fired(records) == [("09:00", "Opted out", "m1")]


def test_the_next_post_of_someone_who_asked_to_be_left_alone_gets_no_reply() -> None:
    events = [
        ev("m1", "mention", "09:00", text="leave me alone"),
        ev("m2", "mention", "09:06", text="my order is late"),
    ]
    assert fired(run(OPT_OUT, events)) == [
        ("09:00", "Opted out", "m1"),
        ("09:06", "Before", "m2"),
        ("09:06", "Opted out", "m2"),
    ]


def test_a_mark_holds_until_its_end_and_not_at_it() -> None:
    events = [
        ev("m1", "mention", "09:00", text="leave me alone"),
        ev("m2", "mention", "09:59:59", text="hello"),
        ev("m3", "mention", "10:00", text="hello"),
    ]
    assert fired(run(OPT_OUT, events)) == [
        ("09:00", "Opted out", "m1"),
        ("09:59", "Before", "m2"),
        ("09:59", "Opted out", "m2"),
        ("10:00", "Acknowledge", "m3"),
    ]


def test_an_expired_mark_is_forgotten_and_takes_no_memory() -> None:
    engine = Engine(ruleset_from(OPT_OUT))
    engine.process(make_event(ev("m1", "mention", "09:00", text="leave me alone")))
    engine.process(make_event(ev("m2", "mention", "09:30", author="@bob", text="leave me alone")))
    assert len(engine.marks) == 2
    engine.process(make_event(ev("m3", "mention", "10:00", author="@x", text="hi")))
    assert [m.who for m in engine.export().marks] == [("handle", "@bob")]
    engine.advance(parse_time(at("10:30")))
    assert len(engine.marks) == 0 and engine.export().marks == ()


def test_marking_again_while_it_holds_sets_a_new_end() -> None:
    events = [
        ev("m1", "mention", "09:00", text="leave me alone"),
        ev("m2", "mention", "09:50", text="I said leave me alone"),
        ev("m3", "mention", "10:30", text="hello"),
        ev("m4", "mention", "10:50", text="hello"),
    ]
    assert [r for r in fired(run(OPT_OUT, events)) if r[1] == "Acknowledge"] == [
        ("10:50", "Acknowledge", "m4")
    ]


def test_a_late_mark_does_not_cut_short_a_mark_set_after_it() -> None:
    play = """
rule "Opt out": when mention and text contains "stop" then mark author "do-not-contact" for 30d
rule "Pause": when mention and text contains "pause" then mark author "do-not-contact" for 1h
rule "Acknowledge": when mention and author is not marked "do-not-contact" then reply "We're on it"
"""
    events = [
        ev("m1", "mention", "09:00", text="stop"),
        ev("m0", "mention", "08:00", text="pause"),  # late: before the 30-day mark was set
        ev("m2", "mention", "12:00", text="hello"),
    ]
    # In event time the 1h mark came first and the 30-day one marked again at 09:00:
    # its end stands, so the post at 12:00 gets no reply.
    assert [r for r in fired(run(play, events)) if r[1] == "Acknowledge"] == []


def test_an_author_is_marked_by_id_whatever_the_handle_and_else_by_handle_ignoring_case() -> None:
    events = [
        ev("m1", "mention", "09:00", author="@jane", author_id="u1", text="leave me alone"),
        ev("m2", "mention", "09:01", author="@jane_renamed", author_id="u1", text="hi"),
        ev("m3", "mention", "09:02", author="@jane", text="hi"),  # no id: another author to us
        ev("m4", "mention", "09:03", author="@Bob", text="leave me alone"),
        ev("m5", "mention", "09:04", author="@BOB", text="hi"),
        ev("m6", "mention", "09:05", author=None, text="hi"),
    ]
    acknowledged = [r[2] for r in fired(run(OPT_OUT, events)) if r[1] == "Acknowledge"]
    assert acknowledged == ["m3", "m6"]


def test_an_event_without_an_author_is_not_marked_and_marks_no_author() -> None:
    play = """
rule "Mark": when mention then mark author "seen"
rule "Marked": when mention and author is marked "seen" then tag "marked"
rule "Not marked": when mention and author is not marked "seen" then tag "not-marked"
"""
    events = [ev("m1", "mention", "09:00", author=None), ev("m2", "mention", "09:01", author=None)]
    assert fired(run(play, events)) == [("09:00", "Not marked", "m1"), ("09:01", "Not marked", "m2")]


THREADS = """
brand "@acme"
rule "Mark": when mention and text contains "recall" then mark thread "crisis" for 1d
rule "In a crisis thread": when comment and thread is marked "Crisis" then alert "#crisis"
rule "Calm down": when handled then unmark thread "crisis"
"""


def test_a_thread_mark_is_seen_along_an_in_reply_to_chain() -> None:
    events = [
        ev("m1", "mention", "09:00", text="is this a recall?"),
        ev("c1", "comment", "09:10", in_reply_to="m1"),
        ev("c2", "comment", "09:20", in_reply_to="c1"),
        ev("c3", "comment", "09:30", in_reply_to="x9"),
    ]
    assert fired(run(THREADS, events)) == [
        ("09:10", "In a crisis thread", "c1"),
        ("09:20", "In a crisis thread", "c2"),
    ]


def test_unmark_takes_the_mark_away_from_its_time_on() -> None:
    events = [
        ev("m1", "mention", "09:00", text="recall"),
        ev("c1", "comment", "09:10", in_reply_to="m1"),
        ev("h1", "handled", "09:15", author=None, thread="m1"),
        ev("c2", "comment", "09:20", in_reply_to="m1"),
    ]
    engine = Engine(ruleset_from(THREADS))
    records = [r.to_dict() for e in events for r in engine.process(make_event(e))]
    assert fired(records) == [("09:10", "In a crisis thread", "c1")]
    assert engine.stats["Calm down"].unmarked == 1 and engine.stats["Mark"].marked == 1


def test_a_mark_made_by_a_wait_is_set_at_its_deadline() -> None:
    play = """
brand "@acme"
rule "Escalate": when mention and unanswered 1h then escalate, mark thread "escalated"
rule "Escalated": when comment and thread is marked "escalated" then notify "#leads"
"""
    events = [
        ev("m1", "mention", "09:00"),
        ev("c1", "comment", "09:59:59", in_reply_to="m1"),
        ev("c2", "comment", "10:00", in_reply_to="m1"),
    ]
    assert fired(run(play, events)) == [
        ("10:00", "Escalate", "m1"),
        ("10:00", "Escalated", "c2"),
    ]


def test_a_suppressed_firing_marks_nothing() -> None:
    play = """
rule "Mark": when mention then mark author "spoke", tag "x" at most once per 1d
rule "Spoke": when comment and author is marked "spoke" then tag "spoke"
"""
    engine = Engine(ruleset_from(play))
    engine.process(make_event(ev("m1", "mention", "09:00", author="@a")))
    engine.process(make_event(ev("m2", "mention", "09:01", author="@b")))  # suppressed
    records = engine.process(make_event(ev("c1", "comment", "09:02", author="@b")))
    assert records == [] and engine.stats["Mark"].marked == 1 and engine.stats["Mark"].suppressed == 1


def test_a_shadow_rules_marks_are_seen_by_shadow_rules_only() -> None:
    play = """
shadow rule "Try marking": when mention then mark author "tried"
rule "Live": when comment and author is marked "tried" then tag "live"
shadow rule "Shadow": when comment and author is marked "tried" then tag "shadow"
rule "Mark for real": when message then mark author "real"
shadow rule "Shadow sees live marks": when comment and author is marked "real" then tag "real"
"""
    events = [ev("m1", "mention", "09:00"), ev("d1", "message", "09:01"), ev("c1", "comment", "09:02")]
    assert fired(run(play, events)) == [("09:02", "Shadow", "c1"), ("09:02", "Shadow sees live marks", "c1")]


def test_marks_make_no_action_record_and_are_counted_per_rule() -> None:
    engine = Engine(ruleset_from(OPT_OUT))
    out = engine.process(make_event(ev("m1", "mention", "09:00", text="leave me alone")))
    assert [r.rule for r in out] == ["Opted out"]
    stats = engine.stats["Remember opt-outs"]
    assert (stats.fired, stats.actions, stats.marked) == (1, 0, 1)


# --- repeats ------------------------------------------------------------------------

REPEAT = """
brand "@acme"
rule "Escalate": when mention and unanswered 2h then escalate to "care-leads" repeat every 4h up to 3 times
"""


def test_a_repeat_fires_every_d_while_unanswered_and_stops_after_n_more_times() -> None:
    records = run(REPEAT, [ev("m1", "mention", "08:00")], until=at("12:00", "2026-11-21"))
    assert [r["time"] for r in records] == [at("10:00"), at("14:00"), at("18:00"), at("22:00")]
    assert len({r["id"] for r in records}) == 4


def test_an_answer_stops_the_repeats() -> None:
    events = [ev("m1", "mention", "08:00"), ev("r1", "reply", "15:00", author="@acme", in_reply_to="m1")]
    records = run(REPEAT, events, until=at("23:59"))
    assert [r["time"] for r in records] == [at("10:00"), at("14:00")]


def test_an_answer_exactly_at_a_repeats_due_time_is_too_late_for_it_but_stops_the_next() -> None:
    events = [ev("m1", "mention", "08:00"), ev("r1", "reply", "14:00", author="@acme", in_reply_to="m1")]
    records = run(REPEAT, events, until=at("23:59"))
    assert [r["time"] for r in records] == [at("10:00"), at("14:00")]


def test_an_answer_held_back_by_lateness_stops_the_repeats_after_it() -> None:
    # With the clock an hour behind, the answer at 14:30 is taken in before the
    # repeat due at 14:00 fires: too late for that one, not for the one at 18:00.
    engine = Engine(ruleset_from(REPEAT), lateness=3600 * 1_000_000)
    out = engine.process(make_event(ev("m1", "mention", "08:00")))
    out += engine.process(make_event(ev("r1", "reply", "14:30", author="@acme", in_reply_to="m1")))
    out += engine.advance(parse_time(at("23:59")))
    assert [r.time for r in out] == [at("10:00"), at("14:00")]


def test_a_late_item_fires_its_overdue_repeats_at_once_each_at_its_due_time() -> None:
    events = [ev("x1", "mention", "23:00", author="@acme"), ev("m1", "mention", "08:00")]
    records = run(REPEAT, events, until=at("23:59"))
    assert [r["time"] for r in records] == [at("10:00"), at("14:00"), at("18:00"), at("22:00")]


def test_repeats_count_working_hours_with_during() -> None:
    play = """
brand "@acme"
schedule office = mon-fri 09:00-17:00 in "UTC"
rule "Escalate": when mention and unanswered 2h during office then escalate repeat every 4h up to 2 times
"""
    # Friday 14:00: due at 16:00; 4 working hours later is Monday 12:00 (one hour on
    # Friday, three on Monday), then 16:00.
    records = run(play, [ev("m1", "mention", "14:00")], until="2026-11-24T00:00:00Z")
    assert [r["time"] for r in records] == [at("16:00"), "2026-11-23T12:00:00Z", "2026-11-23T16:00:00Z"]


def test_a_limit_applies_to_repeats_and_a_suppressed_repeat_still_counts() -> None:
    play = """
brand "@acme"
rule "Escalate": when mention and unanswered 1h then escalate repeat every 1h up to 3 times at most 2 per 3h
"""
    engine = Engine(ruleset_from(play))
    out = engine.process(make_event(ev("m1", "mention", "08:00")))
    out += engine.advance(parse_time(at("23:00")))
    assert [r.time for r in out] == [at("09:00"), at("10:00"), at("12:00")]
    assert engine.stats["Escalate"].suppressed == 1


def test_each_repeat_marks_at_its_own_time_and_the_summary_data_says_what_is_left() -> None:
    play = """
brand "@acme"
rule "Escalate": when mention and unanswered 1h then escalate, mark thread "escalated" for 90m
    repeat every 1h up to 2 times
rule "Still escalated": when comment and thread is marked "escalated" then notify "#leads"
"""
    engine = Engine(ruleset_from(play))
    engine.process(make_event(ev("m1", "mention", "08:00")))
    engine.advance(parse_time(at("10:30")))
    (pending,) = engine.pending()
    assert (pending.fired, pending.due) == (2, parse_time(at("11:00")))
    (mark,) = engine.export().marks
    assert (mark.who, mark.start, mark.end) == ("m1", parse_time(at("09:00")), parse_time(at("11:30")))


# --- reloads ------------------------------------------------------------------------


def _reloaded(before: str, after: str, events: list[dict[str, Any]], until: str) -> tuple[Engine, Any]:
    engine = Engine(ruleset_from(before))
    for data in events:
        engine.process(make_event(data))
    engine.advance(parse_time(until))
    return engine, engine.install(ruleset_from(after))


def test_a_pending_repeat_is_re_dated_when_its_d_changes() -> None:
    engine, report = _reloaded(
        REPEAT, REPEAT.replace("every 4h", "every 1h"), [ev("m1", "mention", "08:00")], at("11:00")
    )
    # Fired at 10:00; its first repeat, due at 14:00, is now due at 11:00: at once.
    assert (report.kept_waits, report.moved_waits, report.due_waits) == (1, 1, 1)
    assert [r.time for r in engine.advance(parse_time(at("12:30")))] == [at("11:00"), at("12:00")]


def test_a_pending_repeat_is_dropped_when_its_rule_no_longer_repeats_or_repeats_fewer_times() -> None:
    for edited, why in [
        (REPEAT.replace(" repeat every 4h up to 3 times", ""), "which no longer repeats"),
        (REPEAT.replace("up to 3 times", "up to 1 times"), "which now repeats fewer times"),
    ]:
        engine, report = _reloaded(REPEAT, edited, [ev("m1", "mention", "08:00")], at("15:00"))
        assert (
            report.summary()
            == f"kept 0 waits, 0 windows, 0 limit counts; dropped 1 wait of rule 'Escalate' {why}"
        )
        assert engine.advance(parse_time(at("23:59"))) == []


def test_every_mark_stays_over_a_reload_whatever_rule_set_it() -> None:
    engine, report = _reloaded(
        OPT_OUT,
        'rule "Other": when mention and author is marked "do-not-contact" then hide\n',
        [ev("m1", "mention", "09:00", text="leave me alone")],
        at("09:10"),
    )
    assert report.kept_marks == 1 and report.summary().endswith(", 1 mark")
    assert [r.rule for r in engine.process(make_event(ev("m2", "mention", "09:20")))] == ["Other"]


# --- what a dry run shows -------------------------------------------------------------

DESK = """\
brand "@acme"
rule "Remember opt-outs": when mention and text contains "leave me alone" then mark author "do-not-contact" for 365d
rule "Acknowledge": when mention and author is not marked "do-not-contact" then reply "We're on it"
rule "Escalate": when mention and unanswered 2h then escalate, mark thread "escalated" repeat every 4h up to 2 times
rule "Welcome back": when message and text contains "start" then unmark author "do-not-contact"
"""


def _dry_run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "desk.play").write_text(DESK, encoding="utf-8")
    events = [
        ev("m1", "mention", "09:00", text="leave me alone"),
        ev("m2", "mention", "09:06", text="still broken"),
        ev("d1", "message", "09:30", text="start again"),
    ]
    (tmp_path / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "playbook", "dry-run", "desk.play", "--events", "events.jsonl", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_summary_counts_marks_per_rule_and_says_how_many_repeats_are_left(tmp_path: Path) -> None:
    done = _dry_run(tmp_path, "--until", at("16:00"))
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[-9:] == [
        "rules:",
        "  rule                fired  suppressed  marked  unmarked",
        "  Remember opt-outs       1           0       1         0",
        "  Acknowledge             0           0       0         0",
        "  Escalate                4           0       4         0",
        "  Welcome back            1           0       0         1",
        "pending: 2 deadlines (clock at 2026-11-20T16:00:00Z)",
        "  2026-11-20T19:00:00Z  Escalate  event m1 in thread m1 (repeat 2 of 2)",
        "  2026-11-20T19:06:00Z  Escalate  event m2 in thread m2 (repeat 2 of 2)",
    ]


def test_explain_shows_the_marks_set_their_ends_and_the_repeats_to_come(tmp_path: Path) -> None:
    done = _dry_run(tmp_path, "--explain", "--until", at("11:30"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        "event m1: mention at 2026-11-20T09:00:00Z by @jane, thread m1\n"
        "  ✓ Remember opt-outs (desk.play:2)\n"
        "    ✓ mention\n"
        '    ✓ text contains "leave me alone"\n'
        "    → fired: marks only\n"
        '    → mark author "do-not-contact" for 365d: marked until 2027-11-20T09:00:00Z\n'
        "  ✗ Acknowledge (desk.play:3)\n"
        "    ✓ mention\n"
        '    ✗ author is not marked "do-not-contact" (marked until 2027-11-20T09:00:00Z)\n'
        "  ✓ Escalate (desk.play:4)\n"
        "    ✓ mention\n"
        "    → waiting for a reply in thread m1 until 2026-11-20T11:00:00Z (then up to 2 repeats every 4h)\n"
    )
    assert (
        "event d1: message at 2026-11-20T09:30:00Z by @jane, thread d1\n"
        "  ✓ Welcome back (desk.play:5)\n"
        "    ✓ message\n"
        '    ✓ text contains "start"\n'
        "    → fired: marks only\n"
        '    → unmark author "do-not-contact": taken away\n'
        "fired at 2026-11-20T11:00:00Z: rule 'Escalate' for m1: no reply by then → escalate\n"
        '  → mark thread "escalated": marked until 2026-12-20T11:00:00Z\n'
        "  → again at 2026-11-20T15:00:00Z if nobody answers (repeat 1 of 2)\n"
    ) in done.stdout


def test_a_pending_repeat_counted_in_working_hours_says_how_many_it_counts(tmp_path: Path) -> None:
    (tmp_path / "desk.play").write_text(
        'brand "@acme"\n'
        'schedule office = mon-fri 09:00-17:00 in "UTC"\n'
        'rule "Escalate": when mention and unanswered 2h during office then escalate '
        "repeat every 4h up to 3 times\n",
        encoding="utf-8",
    )
    (tmp_path / "events.jsonl").write_text(json.dumps(ev("m1", "mention", "10:00")) + "\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "playbook", "dry-run", "desk.play", "--events", "events.jsonl"]
        + ["--until", at("15:00"), "--explain"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "→ again at 2026-11-20T16:00:00Z if nobody answers (4h of office time) (repeat 1 of 3)\n" in (
        done.stdout
    )
    assert done.stderr.splitlines()[-1] == (
        "  2026-11-20T16:00:00Z  Escalate  event m1 in thread m1 (4h of office time) (repeat 1 of 3)"
    )


def test_explain_says_a_post_without_an_author_marks_no_author(tmp_path: Path) -> None:
    (tmp_path / "desk.play").write_text(
        'rule "Remember": when mention then mark author "seen" for 1h\n', encoding="utf-8"
    )
    (tmp_path / "events.jsonl").write_text(
        json.dumps(ev("m1", "mention", "09:00", author=None)) + "\n", encoding="utf-8"
    )
    done = subprocess.run(
        [sys.executable, "-m", "playbook", "dry-run", "desk.play", "--events", "events.jsonl", "--explain"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        "event m1: mention at 2026-11-20T09:00:00Z by no author, thread m1\n"
        "  ✓ Remember (desk.play:1)\n"
        "    ✓ mention\n"
        "    → fired: marks only\n"
        '    → mark author "seen" for 1h: no author to mark\n'
    )
