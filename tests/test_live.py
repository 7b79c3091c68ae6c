"""The daemon's live tally (playbook.measure.live) and its last 24 hours' figures:
counted as the report counts, in a window that moves, saved and restored whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from helpers import ruleset_from

from playbook.compiler.actions import ActionRecord
from playbook.language.events import Event, SkippedLine, parse_line, read_events
from playbook.language.timestamps import MICROS, format_time, parse_time
from playbook.loader import load_ruleset
from playbook.measure.figures import Sla
from playbook.measure.live import BUCKETS, MOST_NAMES, LiveTally, TallyError
from playbook.measure.recent import last_day
from playbook.report.command import make_plan
from playbook.report.run import run_report
from playbook.runtime.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
HOUR = 3600 * MICROS
DESK = """\
brand "@acme"
rule "Escalate": when mention and text contains "broken" and unanswered 2h then escalate to "care-leads"
rule "Thank": when mention and text contains "love" then reply "Thanks!", tag "fan"
"""


def at(hours: float) -> str:
    """`hours` after Friday 2026-11-20 00:00 UTC."""
    return format_time(parse_time("2026-11-20T00:00:00Z") + round(hours * HOUR))


def item(
    id_: str, hours: float, kind: str = "mention", platform: str = "twitter", **fields: Any
) -> dict[str, Any]:
    return {
        "id": id_,
        "type": kind,
        "time": at(hours),
        "platform": platform,
        "author": {"handle": "@jane"},
        **fields,
    }


def reply(id_: str, hours: float, to: str) -> dict[str, Any]:
    return {"id": id_, "type": "reply", "time": at(hours), "in_reply_to": to, "author": {"handle": "@acme"}}


class Desk:
    """An engine and a live tally beside it, as the daemon's processor runs them."""

    def __init__(self, playbook: str = DESK) -> None:
        self.engine = Engine(ruleset_from(playbook))
        self.live = LiveTally(self.engine.threads, self.engine.threads.lifetime)

    def take(self, events: list[dict[str, Any]]) -> None:
        for data in events:
            event = parse_line(orjson.dumps(data))
            assert isinstance(event, Event)
            self.live.acted(self.engine.process(event))
            self.live.take(event)


def report_json(lines: list[bytes], playbooks: Any) -> dict[str, Any]:
    plan = make_plan(playbooks, [], [], None)
    return run_report(plan, lines).figures.to_json()


def test_the_last_day_of_the_example_desk_is_what_the_report_says() -> None:
    lines = (ROOT / "examples" / "events.jsonl").read_bytes().splitlines()
    ruleset = load_ruleset([str(ROOT / "playbooks")])
    engine = Engine(ruleset)
    live = LiveTally(engine.threads, engine.threads.lifetime)
    for event in read_events(lines):
        if not isinstance(event, SkippedLine):
            engine.process(event)
            live.take(event)
    expected = report_json(lines, ruleset)
    slas = make_plan(ruleset, [], [], None).slas
    day = last_day(live.view(engine.clock), slas, None)
    assert day is not None
    shown = day.figures.to_json()
    for key in (
        "events",
        "items",
        "answered",
        "unanswered",
        "response",
        "within",
        "by_type",
        "by_platform",
        "hours",
    ):
        assert shown[key] == expected[key], key
    assert expected["items"] > 200 and expected["answered"] > 50
    assert sum(group.items for group in day.hours.values()) == expected["items"]
    assert len(day.hours) == 25  # from the hour a day before the clock to the clock's


def test_only_items_of_the_last_24_hours_count_answered_or_not_by_now() -> None:
    desk = Desk()
    desk.take(
        [
            item("old", 0),  # 47 hours before the clock: out
            item("late", 20),  # 27 hours before: out, though answered within the day
            reply("r-late", 40, "late"),
            item("m1", 25),  # 22 hours before, answered 4 hours later
            reply("r1", 29, "m1"),
            item("m2", 46, platform="Instagram"),  # an hour before, not answered yet
            item("d1", 46.5, kind="message"),
            reply("r2", 47, "d1"),
        ]
    )
    day = last_day(desk.live.view(desk.engine.clock), [Sla(3600), Sla(5 * 3600)], None)
    assert day is not None
    figures = day.figures.to_json()
    assert (figures["items"], figures["answered"], figures["unanswered"]) == (3, 2, 1)
    assert figures["response"] == {"median": 8100, "p90": 14400, "mean": 8100.0}
    assert figures["within"] == {"1h": 0.3333, "5h": 0.6667}
    assert figures["by_platform"] == {
        "twitter": {"items": 2, "answered": 2, "median": 8100},
        "instagram": {"items": 1, "answered": 0, "median": None},
    }
    assert figures["from"] == at(23)
    # The waiting are counted whatever their age within the horizon: "old" and m2.
    assert desk.live.view(desk.engine.clock).waiting == 2


def test_the_histogram_counts_each_answer_once_by_type_and_platform() -> None:
    desk = Desk()
    desk.take(
        [
            item("m1", 0),
            reply("r1", 0.5, "m1"),  # 1800 s: in the bucket of up to 30 minutes, as Prometheus' `le`
            item("m2", 1),
            item("m3", 1),
            {"id": "h", "type": "handled", "time": at(4), "ref": "m2"},  # 3 hours
            item("d1", 2, kind="message", platform="facebook"),
            reply("r3", 2 + 1 / 60, "d1"),
            reply("again", 3, "d1"),  # a second answer to an answered item counts for nothing
        ]
    )
    histograms = {(h.type, h.platform): h for h in desk.live.histograms()}
    assert set(histograms) == {("mention", "twitter"), ("message", "facebook")}
    mentions = histograms["mention", "twitter"]
    assert dict(zip([*BUCKETS, "+Inf"], mentions.counts)) == {
        60: 0, 300: 0, 900: 0, 1800: 1, 3600: 0, 7200: 0, 14400: 1, 28800: 0,
        86400: 0, 172800: 0, 604800: 0, "+Inf": 0,
    }  # fmt: skip
    assert mentions.sum == (1800 + 3 * 3600) * MICROS
    assert histograms["message", "facebook"].counts[0] == 1
    assert desk.live.waiting_within(desk.engine.clock) == 1  # m3


def test_items_older_than_the_horizon_are_not_waiting() -> None:
    desk = Desk()
    horizon = desk.live.horizon
    assert horizon >= 7 * 24 * HOUR
    desk.take([item("old", 0), item("new", horizon / HOUR - 1)])
    assert desk.live.waiting_within(desk.engine.clock) == 2
    desk.take([item("later", horizon / HOUR + 2)])
    assert desk.live.waiting_within(desk.engine.clock) == 2  # "old" came in more than the horizon ago


def test_made_up_types_and_platforms_beyond_the_cap_count_as_other() -> None:
    desk = Desk()
    desk.take([item(f"m{n}", n / 100, kind=f"kind{n}", platform=f"site{n}") for n in range(MOST_NAMES + 10)])
    live = desk.live
    assert len(live.types) == len(live.platforms) == MOST_NAMES + 1
    assert live.types[-1] == live.platforms[-1] == "other"
    assert live.type_items[-1] == live.platform_items[-1] == 10


def test_firings_are_counted_for_the_current_utc_day() -> None:
    desk = Desk()
    desk.take([item("m1", 23.5, text="I love it"), item("m2", 24.25, text="love love")])
    live = desk.live
    assert live.day == "2026-11-21"
    assert live.fired == {"Thank": 1} and live.actions == {"Thank": 2}  # two actions, one firing
    assert [r["event"] for r in live.latest] == ["m1", "m1", "m2", "m2"]
    desk.take([item("m3", 23.9, text="love, late")])  # a late event: its firing is yesterday's
    assert live.fired == {"Thank": 1}
    desk.take([item("m4", 24.5, text="broken"), item("m5", 27, text="so")])  # escalated at 26.5h
    assert live.fired == {"Thank": 1, "Escalate": 1}
    view = live.view(parse_time("2026-11-22T00:00:01Z"))
    assert view.day is None and not view.fired  # nothing has fired yet on the 22nd


def test_the_view_is_a_copy_that_later_events_do_not_change() -> None:
    desk = Desk()
    desk.take([item("m1", 1), item("m2", 2)])
    view = desk.live.view(desk.engine.clock)
    desk.take([reply("r1", 3, "m1"), item("m3", 4, text="love")])
    day = last_day(view, [Sla(3600)], None)
    assert day is not None and (day.figures.items, day.figures.answered) == (2, 0)
    assert view.latest == () and view.waiting == 2


def test_the_latest_actions_are_the_newest_records_newest_first_across_a_restore() -> None:
    desk = Desk()
    made: list[ActionRecord] = []

    def mentions(first: int, last: int) -> None:
        for n in range(first, last):
            event = parse_line(orjson.dumps(item(f"m{n}", n / 10, text="love it")))
            assert isinstance(event, Event)
            records = desk.engine.process(event)
            made.extend(records)
            desk.live.acted(records)
            desk.live.take(event)

    mentions(0, 20)
    desk.live = LiveTally.from_bytes(
        desk.live.to_bytes(), desk.engine.threads
    )  # saved as dicts, read back as records
    mentions(20, 40)
    newest = [record.to_dict() for record in reversed(made[-50:])]
    assert len(made) == 80 and newest[-1]["event"] == "m15"  # 30 records before the restore, 20 after
    assert list(desk.live.view(desk.engine.clock).latest) == newest
    assert desk.live.latest == newest[::-1] and desk.live.latest_id == made[-1].id
    assert orjson.loads(desk.live.to_bytes())["latest"] == newest[::-1]


def test_a_saved_tally_goes_on_as_if_it_had_never_stopped() -> None:
    events = [
        item("m1", 0),
        item("m2", 1, text="love", platform="instagram"),
        reply("r1", 2, "m1"),
        item("m3", 3, kind="review", platform="reviews"),
        item("m4", 30, text="broken"),
        reply("r4", 31, "m4"),
        reply("r3", 40, "m3"),
        item("m5", 45),
    ]
    whole, parted = Desk(), Desk()
    whole.take(events)
    parted.take(events[:4])
    restored = LiveTally.from_bytes(parted.live.to_bytes(), parted.engine.threads)
    parted.live = restored
    parted.take(events[4:])
    assert parted.live.to_bytes() == whole.live.to_bytes()
    clock = whole.engine.clock
    assert last_day(parted.live.view(clock), [Sla(3600)], None) == last_day(
        whole.live.view(clock), [Sla(3600)], None
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{not json", "it is damaged (JSONDecodeError"),
        (b'{"format": "something else"}', "it is not a live tally of Playbook's"),
        (b'{"format": "playbook live tally", "version": 9}', "version 9, where this Playbook reads 1"),
        (b'{"format": "playbook live tally", "version": 1}', "it is damaged (KeyError: 'items')"),
    ],
)
def test_a_tally_that_cannot_be_read_says_why(data: bytes, message: str) -> None:
    engine = Engine(ruleset_from(DESK))
    with pytest.raises(TallyError) as caught:
        LiveTally.from_bytes(data, engine.threads)
    assert str(caught.value).startswith(message)
