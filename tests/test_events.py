"""Reading events (SPEC section 1 and 3): bad input, times, threads, brand events.

Only instant rules are used here: the time conditions are tested elsewhere.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from helpers import event, ruleset_from, run

from playbook.language.events import BadEvent, Event, SkippedLine, parse_line, read_events
from playbook.language.timestamps import format_time, parse_event_time, parse_time
from playbook.runtime.engine import Engine

GOOD = '{"id": "m1", "type": "mention", "time": "2026-11-20T09:00:00Z"}'
NINE_UTC = parse_time("2026-11-20T09:00:00Z")


def read(lines: list[str | bytes]) -> list[Event | SkippedLine]:
    return list(read_events(lines))


def only_skipped(line: str | bytes) -> SkippedLine:
    """The one item read from `line`, which must be skipped."""
    items = read([line])
    assert len(items) == 1
    item = items[0]
    assert isinstance(item, SkippedLine), f"{line!r} was read as {item!r}"
    assert item.line == 1
    assert isinstance(item.reason, str) and item.reason.strip()
    return item


def only_event(line: str | bytes) -> Event:
    items = read([line])
    assert len(items) == 1
    item = items[0]
    assert isinstance(item, Event), f"{line!r} was skipped: {item!r}"
    return item


def obj(**fields: Any) -> str:
    return json.dumps(fields)


# --- bad input is skipped with a line number and a reason --------------------------


@pytest.mark.parametrize(
    "line, words",
    [
        pytest.param("not json at all", ["json"], id="not-json"),
        pytest.param('{"id": "m1", "type": "mention", "time": ', ["json"], id="truncated-object"),
        pytest.param("{'id': 'm1'}", ["json"], id="single-quotes"),
        pytest.param(
            '[{"id": "m1", "type": "mention", "time": "2026-11-20T09:00:00Z"}]', ["object"], id="array"
        ),
        pytest.param("42", ["object"], id="number"),
        pytest.param('"m1"', ["object"], id="string"),
        pytest.param("null", ["object"], id="null"),
        pytest.param(obj(type="mention", time="2026-11-20T09:00:00Z"), ["id"], id="missing-id"),
        pytest.param(obj(id="m1", time="2026-11-20T09:00:00Z"), ["type"], id="missing-type"),
        pytest.param(obj(id="m1", type="mention"), ["time"], id="missing-time"),
        pytest.param(obj(id="m1", type="mention", time=None), ["time"], id="null-time"),
        pytest.param(obj(id="m1", type="mention", time="2026-11-20 10:00:00"), ["time"], id="no-zone-space"),
        pytest.param(obj(id="m1", type="mention", time="2026-11-20T10:00:00"), ["time"], id="no-zone-T"),
        pytest.param(obj(id="m1", type="mention", time="2026-11-20"), ["time"], id="date-only"),
        pytest.param(obj(id="m1", type="mention", time="yesterday"), ["time"], id="yesterday"),
        pytest.param(obj(id="m1", type="mention", time="2026-13-20T10:00:00Z"), ["time"], id="month-13"),
        pytest.param(obj(id="m1", type="mention", time=1795165200), ["time"], id="epoch-number"),
        pytest.param(obj(id=5, type="mention", time="2026-11-20T09:00:00Z"), ["id"], id="numeric-id"),
        pytest.param(obj(id=["m1"], type="mention", time="2026-11-20T09:00:00Z"), ["id"], id="list-id"),
        pytest.param(
            obj(id="m1", type="mention", time="9999-12-31T23:59:59-05:00"), ["range"], id="after-9999-in-utc"
        ),
        pytest.param(
            obj(id="m1", type="mention", time="0001-01-01T00:30:00+01:00"),
            ["range"],
            id="before-year-1-in-utc",
        ),
    ],
)
def test_bad_line_is_skipped_with_a_reason(line: str, words: list[str]) -> None:
    skipped = only_skipped(line)
    for word in words:
        assert word in skipped.reason.lower(), skipped.reason


@pytest.mark.parametrize(
    "line",
    [
        b'{"id": "x',
        b'{"id": "m1", "type": "mention", "time": "2026-11-20T09:00:00Z"',
        b"garbage",
        b'{"id": "m1", "type": "mention", "time": "2026-11-20T09:00:00Z"} trailing',
        b"[1, 2]",
        b'{"id": "m1", "type": "mention", "time": "yesterday"}',
        b'{"id": "m1", "type": "mention", "text": "\xff"}',
    ],
)
def test_a_bad_line_gets_one_reason_however_it_is_read(line: bytes) -> None:
    """A dry run reads lines with their line endings; the daemon splits them off."""
    reasons = {only_skipped(line + ending).reason for ending in (b"", b"\n", b"\r\n")}
    with pytest.raises(BadEvent) as caught:
        parse_line(line)
    reasons.add(str(caught.value))
    with pytest.raises(BadEvent) as caught:
        parse_line(line + b"\n")
    reasons.add(str(caught.value))
    assert len(reasons) == 1, reasons


def test_a_skipped_line_keeps_how_it_begins_to_show_it() -> None:
    assert only_skipped('[{"id": "m1"}]\n').text == '[{"id": "m1"}]'
    long = only_skipped("not json, " * 20)
    assert len(long.text) == 60 and long.text.endswith("…")
    assert only_skipped('{"id":\t"x\n').text == '{"id": "x'


def test_unreadable_time_reason_quotes_the_time() -> None:
    skipped = only_skipped(obj(id="m1", type="mention", time="yesterday"))
    assert "yesterday" in skipped.reason


def test_invalid_utf8_is_skipped_not_a_crash() -> None:
    skipped = only_skipped(b'{"id": "m1", "type": "mention", "time": "2026-11-20T09:00:00Z", "text": "\xff"}')
    assert skipped.line == 1


def test_bad_lines_do_not_stop_reading_and_keep_their_numbers() -> None:
    lines = [
        GOOD,
        "garbage",
        obj(id="m2", type="mention"),
        obj(id="m3", type="comment", time="2026-11-20T09:05:00Z"),
        "[1, 2]",
        obj(id="m4", type="review", time="2026-11-20T09:06:00"),
        obj(id="m5", type="message", time="2026-11-20T09:07:00Z"),
    ]
    items = read(lines)
    assert [(type(i).__name__, i.line) for i in items] == [
        ("Event", 1),
        ("SkippedLine", 2),
        ("SkippedLine", 3),
        ("Event", 4),
        ("SkippedLine", 5),
        ("SkippedLine", 6),
        ("Event", 7),
    ]
    assert [i.id for i in items if isinstance(i, Event)] == ["m1", "m3", "m5"]


def test_blank_lines_are_skipped_silently_but_counted() -> None:
    lines = [
        "",
        GOOD,
        "   ",
        "\t",
        "\n",
        "  \r\n",
        "not json",
        obj(id="m2", type="mention", time="2026-11-20T09:01:00Z"),
    ]
    items = read(lines)
    assert len(items) == 3
    first, bad, second = items
    assert isinstance(first, Event) and first.id == "m1" and first.line == 2
    assert isinstance(bad, SkippedLine) and bad.line == 7
    assert isinstance(second, Event) and second.id == "m2" and second.line == 8


def test_blank_bytes_lines_are_skipped_silently() -> None:
    items = read([b"\n", b"   \n", GOOD.encode() + b"\n", b"oops\n"])
    assert [(type(i).__name__, i.line) for i in items] == [("Event", 3), ("SkippedLine", 4)]


def test_only_blank_lines_give_nothing() -> None:
    assert read(["", "  ", "\n", "\t\t"]) == []


def test_lines_with_trailing_newlines_and_crlf_are_read() -> None:
    items = read([GOOD + "\n", GOOD.replace("m1", "m2") + "\r\n"])
    assert [i.id for i in items if isinstance(i, Event)] == ["m1", "m2"]


def test_a_bad_event_never_crashes_a_run() -> None:
    """Events given straight to the engine with odd optional fields do not stop it."""
    text = 'when mention and author.followers > 10 then tag "big"\nwhen mention then tag "seen"'
    records = run(
        text,
        [
            {"id": "m1", "type": "mention", "time": "2026-11-20T09:00:00Z", "author": "not an object"},
            {"id": "m2", "type": "mention", "time": "2026-11-20T09:01:00Z", "author": {"followers": "many"}},
            {"id": "m3", "type": "mention", "time": "2026-11-20T09:02:00Z", "author": {"followers": 11}},
        ],
    )
    assert [(r["event"], r["target"]) for r in records] == [
        ("m1", "seen"),
        ("m2", "seen"),
        ("m3", "big"),
        ("m3", "seen"),
    ]


# --- good events: fields and times -----------------------------------------------


def test_event_fields() -> None:
    e = only_event(obj(id="m1", type="Mention", time="2026-11-20T09:00:00Z", text="hi", campaign="x"))
    assert e.id == "m1"
    assert e.type == "mention"
    assert e.time == NINE_UTC
    assert e.data["text"] == "hi"
    assert e.data["campaign"] == "x"
    assert e.line == 1


@pytest.mark.parametrize("written", ["mention", "Mention", "MENTION", "mEnTiOn"])
def test_an_event_type_is_lowercased_however_it_is_written(written: str) -> None:
    for _ in range(2):  # the second read comes from the remembered types
        e = only_event(obj(id="m1", type=written, time="2026-11-20T09:00:00Z"))
        assert e.type == "mention"
    assert only_event(obj(id="m1", type="ÄRGER", time="2026-11-20T09:00:00Z")).type == "ärger"


def test_two_events_alike_are_two_events() -> None:
    """Events are told apart by identity, as rules, deadlines and explanations take them."""
    line = obj(id="m1", type="mention", time="2026-11-20T09:00:00Z", text="hi")
    first, second = only_event(line), only_event(line)
    assert first == first and first != second
    assert len({first, second}) == 2


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-11-20T09:00:00Z", "2026-11-20T09:00:00Z"),
        ("2026-11-20T10:00:00+01:00", "2026-11-20T09:00:00Z"),
        ("2026-11-20T03:30:00-05:30", "2026-11-20T09:00:00Z"),
        ("2026-11-20T09:00:00+00:00", "2026-11-20T09:00:00Z"),
        ("2026-11-21T00:30:00+01:00", "2026-11-20T23:30:00Z"),
    ],
)
def test_zones_are_converted_to_utc(text: str, expected: str) -> None:
    e = only_event(obj(id="m1", type="mention", time=text))
    assert e.time == parse_time(expected)


def test_epoch_microseconds() -> None:
    e = only_event(obj(id="m1", type="mention", time="1970-01-01T00:00:01Z"))
    assert e.time == 1_000_000
    e = only_event(obj(id="m1", type="mention", time="2026-11-20T09:00:00Z"))
    assert e.time == 1795165200 * 1_000_000


@pytest.mark.parametrize(
    "text, micros",
    [
        ("2026-11-20T09:00:00.5Z", 500_000),
        ("2026-11-20T09:00:00.250Z", 250_000),
        ("2026-11-20T09:00:00.000001Z", 1),
        ("2026-11-20T10:00:00.75+01:00", 750_000),
    ],
)
def test_fractions_of_seconds_are_kept(text: str, micros: int) -> None:
    e = only_event(obj(id="m1", type="mention", time=text))
    assert e.time == NINE_UTC + micros


def test_same_instant_in_two_zones_is_the_same_time() -> None:
    a = only_event(obj(id="a", type="mention", time="2026-11-20T09:00:00Z"))
    b = only_event(obj(id="b", type="mention", time="2026-11-20T10:00:00+01:00"))
    assert a.time == b.time


# --- threads -------------------------------------------------------------------------


def threads_of(events: list[dict[str, Any]], text: str = 'when id exists then tag "x"') -> dict[str, str]:
    """Event id → thread, as the engine resolves them, processing the events in order."""
    engine = Engine(ruleset_from(text))
    out = {}
    for i, data in enumerate(events):
        data = dict(data)
        data.setdefault("type", "mention")
        data.setdefault("time", f"2026-11-20T09:{i:02d}:00Z")
        e = event(**data)
        engine.process(e)
        out[e.id] = e.thread
    return out


def test_thread_defaults_to_own_id() -> None:
    assert threads_of([{"id": "m1"}]) == {"m1": "m1"}


def test_explicit_thread_field() -> None:
    assert threads_of([{"id": "m1", "thread": "conv-7"}]) == {"m1": "conv-7"}


def test_explicit_thread_wins_over_in_reply_to() -> None:
    threads = threads_of(
        [
            {"id": "m1", "thread": "conv-7"},
            {"id": "r1", "in_reply_to": "m1", "thread": "other"},
        ]
    )
    assert threads["r1"] == "other"


def test_reply_takes_the_thread_of_the_seen_parent() -> None:
    threads = threads_of(
        [
            {"id": "m1", "thread": "conv-7"},
            {"id": "r1", "type": "reply", "in_reply_to": "m1"},
        ]
    )
    assert threads == {"m1": "conv-7", "r1": "conv-7"}


def test_reply_chain_resolves_to_the_root_thread() -> None:
    threads = threads_of(
        [
            {"id": "m1", "thread": "conv-7"},
            {"id": "r1", "type": "reply", "in_reply_to": "m1"},
            {"id": "r2", "type": "reply", "in_reply_to": "r1"},
            {"id": "r3", "type": "reply", "in_reply_to": "r2"},
        ]
    )
    assert threads == {"m1": "conv-7", "r1": "conv-7", "r2": "conv-7", "r3": "conv-7"}


def test_reply_chain_without_thread_fields_resolves_to_the_first_post() -> None:
    threads = threads_of(
        [
            {"id": "m1"},
            {"id": "r1", "type": "reply", "in_reply_to": "m1"},
            {"id": "r2", "type": "reply", "in_reply_to": "r1"},
        ]
    )
    assert threads == {"m1": "m1", "r1": "m1", "r2": "m1"}


def test_reply_to_an_unseen_event_takes_in_reply_to_as_thread() -> None:
    threads = threads_of([{"id": "r1", "type": "reply", "in_reply_to": "never-seen"}])
    assert threads == {"r1": "never-seen"}


def test_reply_to_an_unseen_event_then_a_reply_to_that_reply() -> None:
    threads = threads_of(
        [
            {"id": "r1", "type": "reply", "in_reply_to": "gone"},
            {"id": "r2", "type": "reply", "in_reply_to": "r1"},
        ]
    )
    assert threads == {"r1": "gone", "r2": "gone"}


def test_parent_seen_later_does_not_change_an_earlier_reply() -> None:
    threads = threads_of(
        [
            {"id": "r1", "type": "reply", "in_reply_to": "m1"},
            {"id": "m1", "thread": "conv-7"},
        ]
    )
    assert threads == {"r1": "m1", "m1": "conv-7"}


@pytest.mark.parametrize("later", ["2026-11-23T09:00:00Z", "2026-11-27T09:00:00Z"])
def test_reply_days_later_still_finds_the_thread_of_its_seen_parent(later: str) -> None:
    """SPEC: 'the thread of the event named by in_reply_to when that event was seen' —
    no time limit; a brand often answers a review or a post days later."""
    threads = threads_of(
        [
            {"id": "m1", "thread": "conv-7", "time": "2026-11-20T09:00:00Z"},
            {"id": "x1", "time": "2026-11-22T09:00:00Z"},
            {"id": "r1", "type": "reply", "in_reply_to": "m1", "time": later},
        ]
    )
    assert threads["r1"] == "conv-7"


def test_thread_key_in_action_records() -> None:
    text = 'when id exists then tag "x"'
    records = run(
        text,
        [
            {"id": "m1", "type": "mention", "time": "2026-11-20T09:00:00Z", "thread": "conv-7"},
            {"id": "r1", "type": "reply", "time": "2026-11-20T09:01:00Z", "in_reply_to": "m1"},
            {"id": "r2", "type": "reply", "time": "2026-11-20T09:02:00Z", "in_reply_to": "r1"},
            {"id": "x1", "type": "reply", "time": "2026-11-20T09:03:00Z", "in_reply_to": "nowhere"},
            {"id": "solo", "type": "comment", "time": "2026-11-20T09:04:00Z"},
        ],
    )
    assert [(r["event"], r["thread"]) for r in records] == [
        ("m1", "conv-7"),
        ("r1", "conv-7"),
        ("r2", "conv-7"),
        ("x1", "nowhere"),
        ("solo", "solo"),
    ]


def test_thread_memory_belongs_to_one_run() -> None:
    """Each run starts with no memory of events seen by another."""
    text = 'when id exists then tag "x"'
    run(text, [{"id": "m1", "type": "mention", "time": "2026-11-20T09:00:00Z", "thread": "conv-7"}])
    records = run(text, [{"id": "r1", "type": "reply", "time": "2026-11-20T09:01:00Z", "in_reply_to": "m1"}])
    assert records[0]["thread"] == "m1"


# --- brand events --------------------------------------------------------------------

BRAND = 'brand "@acme", "@Acme_Help"\nwhen id exists then tag "x"'


def brand_of(handle: Any, text: str = BRAND) -> bool:
    engine = Engine(ruleset_from(text))
    fields: dict[str, Any] = {"id": "m1"}
    if handle is not None:
        fields["author"] = {"handle": handle}
    e = event(**fields)
    engine.process(e)
    return e.brand


@pytest.mark.parametrize(
    "handle", ["@acme", "@ACME", "@Acme", "@acme_help", "@ACME_help", "@Acme_Help", "@aCmE_hElP"]
)
def test_brand_handles_compare_case_insensitively(handle: str) -> None:
    assert brand_of(handle) is True


@pytest.mark.parametrize("handle", ["@jane", "@acme2", "@acmehelp", "acme", "@acme_help_desk", "@acm", ""])
def test_other_handles_are_not_brand(handle: str) -> None:
    assert brand_of(handle) is False


def test_event_without_author_is_not_brand() -> None:
    assert brand_of(None) is False


def test_author_without_handle_is_not_brand() -> None:
    engine = Engine(ruleset_from(BRAND))
    e = event(id="m1", author={"name": "@acme", "id": "@acme"})
    engine.process(e)
    assert e.brand is False


def test_no_brand_statement_means_no_brand_events() -> None:
    assert brand_of("@acme", 'when id exists then tag "x"') is False


def test_brand_declared_in_upper_case_matches_lower_case_handle() -> None:
    assert brand_of("@acme_support", 'brand "@ACME_SUPPORT"\nwhen id exists then tag "x"') is True


def test_brand_from_another_file_of_the_rule_set_holds() -> None:
    from playbook.compiler.ruleset import compile_sources

    ruleset = compile_sources(
        {
            "a.play": 'brand "@Acme"\n',
            "b.play": 'when id exists then tag "x"\n',
        }
    )
    engine = Engine(ruleset)
    e = event(id="m1", author={"handle": "@ACME"})
    engine.process(e)
    assert e.brand is True


def _read_in_full(text: str) -> int | str:
    """What Python's own ISO-8601 reader makes of `text`: microseconds, or 'unreadable'."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return "unreadable"
    if moment.tzinfo is None:
        return "unreadable"
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


@pytest.mark.parametrize(
    "written",
    [
        "2026-11-02T13:45:59Z",
        "2024-02-29T23:59:00Z",
        "2026-11-02 13:45:07Z",
        "2026-11-02T13:45:59+00:00",
        "2026-11-02T13:45:59.123Z",
        "2026-11-02T13:45:59.123456+05:30",
        "2026-11-02T13:45:59.5-08:00",
        "2026-11-02T13:45:59.1234567Z",
        "2026-11-02T13:45:59+0100",
    ],
)
def test_times_read_through_the_minute_cache_agree_with_a_full_read(written: str) -> None:
    """The fast path for `YYYY-MM-DDTHH:MM:SS[.ffffff]ZONE` remembers minutes;
    near-miss shapes (a dot for a colon, a lost separator, a 60th second,
    29 February of a common year, a seventh digit, a zone cut short) must
    still be read, or refused, exactly as a full read does."""
    rng = random.Random(written)
    for _ in range(20_000):
        chars = list(written)
        for _ in range(rng.randrange(1, 3)):
            chars[rng.randrange(len(chars))] = rng.choice("0123456789-:T +.WZ,")
        text = "".join(chars)
        _assert_read_as_in_full(text)


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-02T13:45:59.123456W05:3Z",  # Python reads this, though no zone can be made of it
        "2026-11-02T13:45:59.123456 05:3Z",
        "2026-11-02T13:45:59,5Z",
        "2026-11-02T13:45:59.Z",
        "2026-11-02T13:45:59.5",
    ],
)
def test_odd_times_are_read_as_in_full(text: str) -> None:
    _assert_read_as_in_full(text)


def _assert_read_as_in_full(text: str) -> None:
    for _ in range(2):  # the second read comes from the cache when the first filled it
        try:
            got: int | str = parse_time(text)
        except ValueError:
            got = "unreadable"
        assert got == _read_in_full(text), text


def test_times_are_written_as_a_full_formatting_writes_them() -> None:
    """format_time remembers minutes; its text must be strftime's, with the
    fraction only when there is one, and read back to the same instant."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    rng = random.Random(7)
    for _ in range(50_000):
        micros = rng.choice([rng.randrange(0, 4 * 10**15), rng.randrange(0, 4 * 10**9) * 1_000_000])
        seconds, fraction = divmod(micros, 1_000_000)
        expected = (epoch + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S")
        if fraction:
            expected += "." + f"{fraction:06d}".rstrip("0")
        for _ in range(2):
            assert format_time(micros) == expected + "Z"
        assert parse_time(expected + "Z") == micros


@pytest.mark.parametrize(
    "text", ["0001-01-01T00:00:00Z", "0999-03-01T12:00:00Z", "9999-12-31T23:59:59.999999Z"]
)
def test_the_first_and_last_years_are_read_and_written_with_four_digits(text: str) -> None:
    assert format_time(parse_time(text)) == text


@pytest.mark.parametrize(
    "after, written",
    [
        (timedelta(hours=2), "10000-01-01T01:59:59Z"),
        # 8,000 years earlier (twenty 400-year cycles) this is 1999-12-31T23:59:59 + 146,766 days = 2401-10-30.
        (timedelta(days=366 * 401), "10401-10-30T23:59:59Z"),
    ],
)
def test_a_deadline_past_the_year_9999_is_written_with_its_year(after: timedelta, written: str) -> None:
    last = parse_time("9999-12-31T23:59:59Z")
    assert format_time(last + after // timedelta(microseconds=1)) == written


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-20T09:00:00Z",
        "2026-11-20t09:00:00Z",
        "2026-11-20 09:00:00Z",
        "2026-W47-5T09:00:00Z",  # an ISO week date, which Python reads too
        "2026-11-20T09:00:00+00:00",
        "2026-11-20T10:00:00+01:00",
        "2026-11-20T09:00:00.500Z",
        "2026-11-20T09:00Z",
    ],
)
def test_an_events_time_is_written_as_format_time_writes_it(text: str) -> None:
    """A record of an event reuses the text of the event's time only where it is
    already written as format_time would write it."""
    micros = parse_time(text)
    for _ in range(2):  # its minute not yet remembered, then remembered
        assert parse_event_time(text) == (micros, format_time(micros))
        parse_time(text)
        assert parse_line(json.dumps({"id": "m1", "type": "mention", "time": text})).time_text == (
            format_time(micros)
        )
