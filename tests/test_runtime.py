"""Time semantics (SPEC sections 2 and 3) pinned with small explicit streams."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import ruleset_from, run

from playbook.language.events import make_event
from playbook.language.timestamps import parse_time
from playbook.runtime.engine import Engine

DAY = "2026-11-20"


def at(clock: str) -> str:
    """`09:30` or `09:30:15` on the test day, in UTC."""
    return f"{DAY}T{clock}:00Z" if clock.count(":") == 1 else f"{DAY}T{clock}Z"


def ev(id: str, type: str, clock: str, **fields: Any) -> dict[str, Any]:
    author = fields.pop("author", "@jane")
    data: dict[str, Any] = {"id": id, "type": type, "time": at(clock)}
    if author is not None:
        data["author"] = {"handle": author}
    data.update(fields)
    return data


def fired(records: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(HH:MM[:SS], rule, event) of each record, in output order."""
    return [(r["time"][11:-1].removesuffix(":00"), r["rule"], r["event"]) for r in records]


UNANSWERED = """
brand "@acme", "@acme_help"
rule "Escalate": when mention is complaint and unanswered 2h then escalate to "care-leads"
"""


def complaint(id: str, clock: str, **fields: Any) -> dict[str, Any]:
    return ev(id, "mention", clock, labels=["complaint"], **fields)


def brand_reply(id: str, clock: str, **fields: Any) -> dict[str, Any]:
    fields.setdefault("author", "@acme")
    return ev(id, "reply", clock, **fields)


# --- unanswered -------------------------------------------------------------------


def test_answered_in_time_is_not_escalated() -> None:
    events = [complaint("m1", "09:00"), brand_reply("r1", "09:30", in_reply_to="m1")]
    assert run(UNANSWERED, events, until=at("12:00")) == []


def test_unanswered_fires_at_the_deadline_with_the_deadline_as_time() -> None:
    records = run(UNANSWERED, [complaint("m1", "09:00")], until=at("12:00"))
    assert fired(records) == [("11:00", "Escalate", "m1")]
    assert records[0]["thread"] == "m1"
    assert records[0]["author"] == "@jane"
    assert records[0]["target"] == "care-leads"


def test_answer_after_the_deadline_is_too_late() -> None:
    events = [complaint("m1", "09:00"), brand_reply("r1", "11:30", in_reply_to="m1")]
    assert fired(run(UNANSWERED, events)) == [("11:00", "Escalate", "m1")]


def test_answer_exactly_at_the_deadline_is_too_late() -> None:
    events = [complaint("m1", "09:00"), brand_reply("r1", "11:00", in_reply_to="m1")]
    assert fired(run(UNANSWERED, events)) == [("11:00", "Escalate", "m1")]


def test_answer_one_second_before_the_deadline_is_in_time() -> None:
    events = [complaint("m1", "09:00"), brand_reply("r1", "10:59:59", in_reply_to="m1")]
    assert run(UNANSWERED, events, until=at("12:00")) == []


def test_deadline_is_pending_without_until() -> None:
    ruleset = ruleset_from(UNANSWERED)
    engine = Engine(ruleset)
    assert engine.process(make_event(complaint("m1", "09:00"))) == []
    pending = engine.pending()
    assert [(p.rule, p.event, p.due) for p in pending] == [("Escalate", "m1", parse_time(at("11:00")))]


def test_until_fires_only_what_is_due_by_then() -> None:
    events = [complaint("m1", "09:00"), complaint("m2", "10:00")]
    assert fired(run(UNANSWERED, events, until=at("11:30"))) == [("11:00", "Escalate", "m1")]
    assert fired(run(UNANSWERED, events, until=at("12:00"))) == [
        ("11:00", "Escalate", "m1"),
        ("12:00", "Escalate", "m2"),
    ]


def test_answered_through_an_in_reply_to_chain() -> None:
    # m1 ← c2 (customer follow-up) ← r3 (brand): r3's thread is m1, answering both.
    events = [
        complaint("m1", "09:00"),
        complaint("c2", "09:10", in_reply_to="m1"),
        brand_reply("r3", "09:20", in_reply_to="c2"),
    ]
    assert run(UNANSWERED, events, until=at("13:00")) == []


def test_brand_reply_in_another_thread_does_not_answer() -> None:
    events = [
        complaint("m1", "09:00"),
        complaint("m2", "09:05"),
        brand_reply("r1", "09:30", in_reply_to="m2"),
    ]
    assert fired(run(UNANSWERED, events, until=at("12:00"))) == [("11:00", "Escalate", "m1")]


def test_explicit_thread_field_answers() -> None:
    events = [complaint("m1", "09:00", thread="t9"), brand_reply("r1", "09:30", thread="t9")]
    assert run(UNANSWERED, events, until=at("12:00")) == []


def test_brand_handles_compare_ignoring_case() -> None:
    events = [complaint("m1", "09:00"), brand_reply("r1", "09:30", in_reply_to="m1", author="@ACME_Help")]
    assert run(UNANSWERED, events, until=at("12:00")) == []


def test_handled_event_naming_the_item_answers_it() -> None:
    events = [
        complaint("m1", "09:00"),
        complaint("m2", "09:01", in_reply_to="m1"),
        ev("h1", "handled", "09:30", author="agent.maria", ref="m2"),
    ]
    # Only m2 is named; m1 (same thread) still waits.
    assert fired(run(UNANSWERED, events, until=at("12:00"))) == [("11:00", "Escalate", "m1")]


def test_handled_event_naming_the_thread_answers_every_item_in_it() -> None:
    events = [
        complaint("m1", "09:00"),
        complaint("m2", "09:01", in_reply_to="m1"),
        ev("h1", "handled", "09:30", author="agent.maria", ref="m1"),
    ]
    assert run(UNANSWERED, events, until=at("12:00")) == []


def test_brand_reply_dated_before_the_item_does_not_answer_it() -> None:
    # Clock skew: the reply is processed after the item but carries an earlier time.
    events = [complaint("m1", "09:00"), brand_reply("r1", "08:59", in_reply_to="m1")]
    assert fired(run(UNANSWERED, events, until=at("12:00"))) == [("11:00", "Escalate", "m1")]


def test_only_answers_processed_after_the_item_count() -> None:
    # r1 arrives first (09:30) and answers thread t; the item m1 (09:00) arrives late.
    events = [brand_reply("r1", "09:30", thread="t"), complaint("m1", "09:00", thread="t")]
    assert fired(run(UNANSWERED, events, until=at("12:00"))) == [("11:00", "Escalate", "m1")]


def test_brand_events_start_no_wait() -> None:
    events = [complaint("m1", "09:00", author="@acme")]
    assert run(UNANSWERED, events, until=at("12:00")) == []


def test_a_deadline_fires_once_per_event() -> None:
    events = [complaint("m1", "09:00"), ev("x1", "comment", "11:30"), ev("x2", "comment", "14:00")]
    assert fired(run(UNANSWERED, events, until=at("18:00"))) == [("11:00", "Escalate", "m1")]


def test_three_phrasings_of_unanswered_behave_alike() -> None:
    for phrasing in ("unanswered 2h", "unanswered for 2 hours", "no reply within 120 minutes"):
        text = f'brand "@acme"\nrule "E": when mention and {phrasing} then escalate'
        assert fired(run(text, [ev("m1", "mention", "09:00")], until=at("12:00"))) == [("11:00", "E", "m1")]


# --- ordering -----------------------------------------------------------------------


def test_a_timer_fires_before_an_event_at_its_due_time() -> None:
    text = UNANSWERED + 'rule "Tag": when comment then tag "seen"\n'
    events = [complaint("m1", "09:00"), ev("c1", "comment", "11:00")]
    assert fired(run(text, events)) == [("11:00", "Escalate", "m1"), ("11:00", "Tag", "c1")]


def test_timers_due_together_fire_in_the_order_they_were_set() -> None:
    text = """
    brand "@acme"
    rule "Long": when mention and unanswered 2h then escalate
    rule "Short": when comment and unanswered 1h then escalate
    """
    events = [ev("m1", "mention", "09:00"), ev("c1", "comment", "10:00"), ev("m0", "mention", "09:00")]
    assert fired(run(text, events, until=at("12:00"))) == [
        ("11:00", "Long", "m1"),
        ("11:00", "Short", "c1"),
        ("11:00", "Long", "m0"),
    ]


def test_firings_of_one_event_follow_rule_order_and_actions_their_written_order() -> None:
    text = """
    rule "B": when mention then tag "b1", notify "#b" and hide
    rule "A": when mention then tag "a"
    """
    records = run(text, [ev("m1", "mention", "09:00")])
    assert [(r["rule"], r["action"], r["target"]) for r in records] == [
        ("B", "tag", "b1"),
        ("B", "notify", "#b"),
        ("B", "hide", None),
        ("A", "tag", "a"),
    ]


def test_an_item_delivered_again_after_its_deadline_fired_does_not_wait_again() -> None:
    m1 = ev("m1", "mention", "09:00", labels=["complaint"])
    events = [m1, ev("x", "comment", "12:00"), m1, {**m1, "time": at("12:30")}]
    assert fired(run(UNANSWERED, events, until=at("18:00"))) == [("11:00", "Escalate", "m1")]


def test_an_item_delivered_again_after_it_was_answered_does_not_wait_again() -> None:
    m1 = ev("m1", "mention", "09:00", labels=["complaint"])
    events = [m1, ev("r1", "reply", "09:30", author="@acme", in_reply_to="m1"), m1]
    assert fired(run(UNANSWERED, events, until=at("18:00"))) == []


# --- lateness: the clock held behind the events ---------------------------------------


def run_held_back(
    text: str, events: list[dict[str, Any]], lateness: str, until: str
) -> list[tuple[str, str, str]]:
    engine = Engine(ruleset_from(text), lateness=parse_time(at(lateness)) - parse_time(at("00:00")))
    out = [r for e in events for r in engine.process(make_event(e))]
    out.extend(engine.advance(parse_time(at(until))))
    return fired([r.to_dict() for r in out])


WAIT = 'brand "@acme"\nrule "Wait": when mention and unanswered 30s then escalate\n'
LATE_ANSWER = [
    ev("m", "mention", "09:00:10"),
    ev("c", "comment", "09:01"),  # the newest event
    ev("r", "reply", "09:00:25", author="@acme", in_reply_to="m"),  # delayed 35 s
]


def test_a_delayed_answer_within_lateness_still_answers() -> None:
    assert run_held_back(WAIT, LATE_ANSWER, lateness="00:01", until="10:00") == []


def test_without_lateness_the_delayed_answer_comes_too_late() -> None:
    assert fired(run(WAIT, LATE_ANSWER)) == [("09:00:40", "Wait", "m")]


def test_an_answer_after_the_deadline_is_too_late_even_while_the_clock_is_held_back() -> None:
    events = [ev("m", "mention", "09:00"), ev("r", "reply", "09:00:45", author="@acme", in_reply_to="m")]
    assert run_held_back(WAIT, events, lateness="00:01", until="10:00") == [("09:00:30", "Wait", "m")]


def test_deadlines_fire_only_once_the_held_clock_reaches_them() -> None:
    events = [ev("m", "mention", "09:00"), ev("x", "comment", "09:00:50"), ev("y", "comment", "09:01:40")]
    engine = Engine(ruleset_from(WAIT), lateness=60_000_000)
    assert [len(engine.process(make_event(e))) for e in events] == [0, 0, 1]


def test_a_window_counts_events_ahead_of_the_held_clock_at_their_own_time() -> None:
    text = 'rule "Spike": when mention and at least 2 times within 10m then alert "#w"\n'
    events = [
        ev(i, "mention", t) for i, t in [("a", "09:00"), ("b", "09:01"), ("c", "09:20"), ("d", "09:21")]
    ]
    assert run_held_back(text, events, lateness="00:30", until="10:00") == [
        ("09:01", "Spike", "b"),
        ("09:21", "Spike", "d"),
    ]


# --- late events --------------------------------------------------------------------


def test_late_event_with_a_deadline_still_ahead_waits() -> None:
    events = [ev("x", "comment", "10:00"), complaint("m1", "08:30")]
    assert fired(run(UNANSWERED, events, until=at("11:00"))) == [("10:30", "Escalate", "m1")]


def test_late_event_whose_deadline_is_behind_the_clock_fires_at_once() -> None:
    text = UNANSWERED + 'rule "Tag": when comment then tag "seen"\n'
    events = [ev("x", "comment", "10:00"), complaint("m1", "07:00"), ev("y", "comment", "10:05")]
    assert fired(run(text, events)) == [
        ("10:00", "Tag", "x"),
        ("09:00", "Escalate", "m1"),
        ("10:05", "Tag", "y"),
    ]


def test_late_event_does_not_move_the_clock() -> None:
    ruleset = ruleset_from(UNANSWERED)
    engine = Engine(ruleset)
    engine.process(make_event(ev("x", "comment", "10:00")))
    engine.process(make_event(complaint("m1", "08:00")))
    assert engine.clock == parse_time(at("10:00"))


def test_a_late_answer_still_answers_an_older_item() -> None:
    events = [
        complaint("m1", "09:00"),
        ev("x", "comment", "10:00"),
        brand_reply("r1", "09:40", in_reply_to="m1"),
    ]
    assert run(UNANSWERED, events, until=at("12:00")) == []


# --- counting windows -------------------------------------------------------------------

SPIKE = 'rule "Spike": when mention is complaint and at least 3 times within 10m then alert "#war-room"\n'


def test_window_fires_on_the_event_that_brings_the_count_to_n() -> None:
    events = [
        complaint("m1", "09:00"),
        complaint("m2", "09:01"),
        complaint("m3", "09:02"),
        complaint("m4", "09:03"),
    ]
    assert fired(run(SPIKE, events)) == [("09:02", "Spike", "m3")]


def test_window_counts_only_events_within_the_last_d() -> None:
    events = [complaint("m1", "09:00"), complaint("m2", "09:05"), complaint("m3", "09:10")]
    # (09:00, 09:10] holds m2 and m3 only.
    assert run(SPIKE, events) == []


def test_window_rearms_when_the_count_falls_below_n_before_an_event_at_that_time() -> None:
    events = [
        complaint("m1", "09:00"),
        complaint("m2", "09:01"),
        complaint("m3", "09:02"),  # fires on m3
        complaint("m4", "09:03"),  # 4 in the window: no
        complaint("m5", "09:11"),  # m2 leaves at 09:11 → 2 left: re-armed,
    ]  # then m5 makes 3 again
    assert fired(run(SPIKE, events)) == [("09:02", "Spike", "m3"), ("09:11", "Spike", "m5")]


def test_window_does_not_rearm_while_the_count_never_falls_below_n() -> None:
    events = [
        complaint("m1", "09:00"),
        complaint("m2", "09:01"),
        complaint("m3", "09:02"),  # fires on m3
        complaint("m4", "09:03"),
        complaint("m5", "09:10:30"),  # (09:00:30, 09:10:30] holds 4
        complaint("m6", "09:11"),  # m2 left, but m3, m4, m5 keep it at 3, then m6 makes 4
    ]
    assert fired(run(SPIKE, events)) == [("09:02", "Spike", "m3")]


def test_window_stays_disarmed_while_the_count_stays_at_n() -> None:
    events = [complaint(f"m{i}", f"09:{i * 3:02d}") for i in range(10)]
    # One every 3 minutes: once full, the window (t-10m, t] never holds fewer than 3.
    assert fired(run(SPIKE, events)) == [("09:06", "Spike", "m2")]


def test_window_rearms_between_sparse_events() -> None:
    events = [complaint(f"m{i}", f"09:{i * 4:02d}") for i in range(5)]
    # One every 4 minutes: at 09:10 m0 leaves and 2 remain, so m3 (09:12) fires again;
    # at 09:14 m1 leaves, so m4 (09:16) does too.
    assert fired(run(SPIKE, events)) == [
        ("09:08", "Spike", "m2"),
        ("09:12", "Spike", "m3"),
        ("09:16", "Spike", "m4"),
    ]


def test_a_late_event_does_not_fire_a_window_that_had_already_fired_at_its_time() -> None:
    text = 'rule "Spike": when mention and at least 2 times within 10m then alert "#w"\n'
    events = [
        ev("a", "mention", "09:00"),
        ev("b", "mention", "09:01"),  # fires at b
        ev("x", "comment", "09:30"),  # the window re-armed at 09:10
        ev("c", "mention", "09:05"),  # late: makes 3 at 09:05, not 2
    ]
    assert fired(run(text, events)) == [("09:01", "Spike", "b")]


def test_a_late_event_that_brings_the_count_at_its_own_time_to_n_fires() -> None:
    text = 'rule "Spike": when mention and at least 2 times within 10m then alert "#w"\n'
    events = [
        ev("a", "mention", "09:00"),
        ev("c", "mention", "09:30"),
        ev("d", "mention", "09:31"),  # fires at d; the window waits at the clock
        ev("b", "mention", "09:05"),  # late: a and b make 2 at 09:05
    ]
    assert fired(run(text, events)) == [("09:31", "Spike", "d"), ("09:05", "Spike", "b")]


def test_a_late_crossing_leaves_the_window_waiting_to_fall_below_n_at_the_clock() -> None:
    text = 'rule "Spike": when mention and at least 2 times within 10m then alert "#w"\n'
    events = [
        ev("a", "mention", "09:00"),
        ev("x", "comment", "09:05"),
        ev("c", "mention", "09:03"),  # late crossing: fires, and 2 are in the window at the clock
        ev("d", "mention", "09:06"),  # 3 in the window: no new crossing
        ev("e", "mention", "09:14"),  # the count fell below 2 at 09:13: d and e cross again
    ]
    assert fired(run(text, events)) == [("09:03", "Spike", "c"), ("09:14", "Spike", "e")]


def test_window_per_author_counts_each_author_apart() -> None:
    text = 'rule "Repeat": when mention and at least 2 times within 1h per author then notify "#x"\n'
    events = [
        ev("m1", "mention", "09:00", author="@a"),
        ev("m2", "mention", "09:10", author="@b"),
        ev("m3", "mention", "09:20", author="@A"),  # handles compare ignoring case
        ev("m4", "mention", "09:30", author="@b"),
        ev("m5", "mention", "09:40", author=None),  # no author: not counted
        ev("m6", "mention", "09:50", author=None),
    ]
    assert fired(run(text, events)) == [("09:20", "Repeat", "m3"), ("09:30", "Repeat", "m4")]


def test_window_per_author_prefers_the_author_id() -> None:
    text = 'rule "Repeat": when mention and at least 2 times within 1h per author then notify "#x"\n'
    events = [
        {"id": "m1", "type": "mention", "time": at("09:00"), "author": {"id": "42", "handle": "@old"}},
        {"id": "m2", "type": "mention", "time": at("09:10"), "author": {"id": "42", "handle": "@new"}},
    ]
    assert fired(run(text, events)) == [("09:10", "Repeat", "m2")]


def test_window_per_field_skips_events_without_the_field() -> None:
    text = 'rule "Outage": when mention and at least 2 times within 1h per platform then alert "#status"\n'
    events = [
        ev("m1", "mention", "09:00", platform="twitter"),
        ev("m2", "mention", "09:01"),
        ev("m3", "mention", "09:02", platform="instagram"),
        ev("m4", "mention", "09:03", platform="Twitter"),
    ]
    assert fired(run(text, events)) == [("09:03", "Outage", "m4")]


def test_crossing_disarms_even_when_a_limit_suppresses_the_firing() -> None:
    text = 'rule "Spike": when mention and at least 2 times within 10m then alert "#w" at most once per 1h\n'
    events = [
        ev("m1", "mention", "09:00"),
        ev("m2", "mention", "09:01"),  # fires at 09:01
        ev("m3", "mention", "09:30"),
        ev("m4", "mention", "09:31"),  # crossing, suppressed
        ev("m5", "mention", "10:05"),  # 2 in window, but disarmed
    ]
    ruleset = ruleset_from(text)
    engine = Engine(ruleset)
    out = []
    for e in events:
        out.extend(engine.process(make_event(e)))
    assert [(r.time[11:16], r.event) for r in out] == [("09:01", "m2")]
    assert engine.stats["Spike"].suppressed == 1


# --- limits -----------------------------------------------------------------------------


def test_at_most_once_per_duration() -> None:
    text = 'rule "Thank": when mention then reply "thanks" at most once per 1h\n'
    events = [ev("m1", "mention", "09:00"), ev("m2", "mention", "09:30"), ev("m3", "mention", "10:00")]
    # (09:00, 10:00] holds no unsuppressed firing when m3 comes: it fires.
    assert fired(run(text, events)) == [("09:00", "Thank", "m1"), ("10:00", "Thank", "m3")]


def test_at_most_n_per_duration() -> None:
    text = 'rule "Thank": when mention then reply "thanks" at most 2 per 1h\n'
    events = [ev(f"m{i}", "mention", f"09:{i * 10:02d}") for i in range(6)]
    assert [e for _, _, e in fired(run(text, events))] == ["m0", "m1"]


def test_suppressed_firings_do_not_count_against_the_limit() -> None:
    text = 'rule "Thank": when mention then reply "thanks" at most once per 1h\n'
    events = [ev("m1", "mention", "09:00"), ev("m2", "mention", "09:50"), ev("m3", "mention", "10:10")]
    # m2 is suppressed; m3 is judged against m1 only (09:00 is outside (09:10, 10:10]).
    assert [e for _, _, e in fired(run(text, events))] == ["m1", "m3"]


def test_at_most_once_per_author_counts_each_author_apart() -> None:
    text = 'rule "Thank": when mention then reply "thanks" at most once per author per 7d\n'
    events = [
        ev("m1", "mention", "09:00", author="@a"),
        ev("m2", "mention", "09:10", author="@b"),
        ev("m3", "mention", "09:20", author="@A"),
        ev("m4", "mention", "09:30", author=None),
        ev("m5", "mention", "09:40", author=None),  # shares the no-author count with m4
    ]
    assert [e for _, _, e in fired(run(text, events))] == ["m1", "m2", "m4"]


def test_limits_apply_to_deadline_firings_at_their_deadline() -> None:
    text = 'brand "@acme"\nrule "E": when mention and unanswered 1h then escalate at most once per 30m\n'
    events = [ev("m1", "mention", "09:00"), ev("m2", "mention", "09:10"), ev("m3", "mention", "09:40")]
    # Deadlines 10:00, 10:10, 10:40: the 10:10 one is suppressed.
    assert fired(run(text, events, until=at("12:00"))) == [("10:00", "E", "m1"), ("10:40", "E", "m3")]


def test_suppressions_are_counted_per_rule() -> None:
    ruleset = ruleset_from('rule "T": when mention then tag "x" at most once per 1d\n')
    engine = Engine(ruleset)
    for i in range(5):
        engine.process(make_event(ev(f"m{i}", "mention", f"09:0{i}")))
    assert (engine.stats["T"].fired, engine.stats["T"].suppressed) == (1, 4)


# --- bounded state ----------------------------------------------------------------------


@pytest.mark.parametrize("days", [30])
def test_state_stays_bounded_on_a_long_stream(days: int) -> None:
    text = """
    brand "@acme"
    rule "E": when mention and unanswered 2h then escalate
    rule "S": when mention and at least 5 times within 10m per author then alert "#x"
    rule "T": when mention then tag "t" at most once per author per 1d
    """
    ruleset = ruleset_from(text)
    engine = Engine(ruleset)
    start = parse_time(at("00:00"))
    minute = 60_000_000
    sizes = []
    for i in range(days * 24 * 60):
        author = f"@user{i % 5000}"
        data = {"id": f"m{i}", "type": "mention", "time": "", "author": {"handle": author}}
        event = make_event({**data, "time": at("00:00")})
        event.time = start + i * minute
        engine.process(event)
        if i % 2 == 0:
            reply = make_event(
                {
                    "id": f"r{i}",
                    "type": "reply",
                    "time": at("00:00"),
                    "author": {"handle": "@acme"},
                    "in_reply_to": f"m{i}",
                }
            )
            reply.time = start + i * minute + 30_000_000
            engine.process(reply)
        if i % (24 * 60) == 0:
            state = engine.state
            sizes.append(
                (
                    len(engine.threads),
                    len(engine.timers),
                    len(engine.waiting),
                    sum(len(s.windows) for s in state.values()),
                    sum(len(c) for s in state.values() for c in s.limits),
                )
            )
    # Thread links live up to two weeks, the rest far less: after that, every
    # kind of state stops growing.
    settled, later = sizes[15:22], sizes[22:]
    for kind in range(5):
        assert max(s[kind] for s in later) <= max(s[kind] for s in settled) * 1.05 + 10, sizes


# --- a rule that fails ------------------------------------------------------------


def test_a_rule_that_fails_on_an_event_is_logged_and_the_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import dataclasses

    ruleset = ruleset_from(
        'rule "Fragile": when mention then tag "a"\nrule "Sturdy": when mention then tag "b"\n'
    )

    def breaks(event: Any) -> bool:
        raise KeyError("labels")

    fragile = dataclasses.replace(ruleset.rules[0], condition=breaks)
    engine = Engine(dataclasses.replace(ruleset, rules=(fragile, *ruleset.rules[1:])))
    records = engine.process(make_event(ev("m1", "mention", "09:00")))
    assert [r.rule for r in records] == ["Sturdy"]
    assert engine.stats[fragile.key].failed == 1
    assert "test.play:1: rule 'Fragile': 'labels' on event m1" in caplog.text
