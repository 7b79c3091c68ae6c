"""Mapped feeds (SPEC section 11): `map` and `each` turn other JSON into Playbook's
events, and a map that cannot work is refused at start, naming its key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from playbook.daemon.config import load_config
from playbook.daemon.mapping import FeedMap, MapError, parse_map
from playbook.language.events import BadEvent

FEEDS = Path(__file__).resolve().parent.parent / "examples" / "feeds"


def example_source(config: str, monkeypatch: pytest.MonkeyPatch, kind: str) -> FeedMap:
    """The map of the example configuration's source of `kind`, loaded as the daemon loads it."""
    monkeypatch.setenv("PLAYBOOK_TOKEN", "demo-token")
    loaded = load_config(str(FEEDS / config))
    feed_map = next(s.map for s in loaded.sources if s.type == kind)
    assert feed_map is not None
    return feed_map


def mapped(feed_map: FeedMap, line: str) -> list[dict[str, Any]]:
    return [json.loads(e) for e in feed_map.events(line.encode())]


X_EVENTS = [
    {
        "id": "1991567000000000001",
        "type": "mention",
        "time": "2026-11-20T09:02:11.000Z",
        "text": "@acme my X2 arrived with a cracked screen, I want a refund",
        "platform": "twitter",
        "thread": "1991567000000000001",
        "author": {
            "id": "1522334455",
            "handle": "@jane_doe",
            "name": "Jane Doe",
            "followers": 1843,
            "verified": False,
        },
        "labels": ["complaint"],
    },
    {
        "id": "1991567000000000002",
        "type": "mention",
        "time": "2026-11-20T09:05:40.000Z",
        "text": "@jane_doe So sorry to see this! We've sent you a DM to set up a replacement.",
        "platform": "twitter",
        "thread": "1991567000000000001",
        "in_reply_to": "1991567000000000001",
        "author": {
            "id": "1200000001",
            "handle": "@acme_help",
            "name": "Acme Support",
            "followers": 48210,
            "verified": True,
        },
        "labels": ["brand"],
    },
    {
        "id": "1991567000000000003",
        "type": "mention",
        "time": "2026-11-20T09:31:02.000Z",
        "text": "Three weeks with the @acme X2: the battery is the best I've tested this year.",
        "platform": "twitter",
        "thread": "1991567000000000003",
        "author": {
            "id": "987654321",
            "handle": "@danawhitfield",
            "name": "Dana Whitfield",
            "followers": 212400,
            "verified": True,
        },
        "labels": ["praise"],
    },
]

FACEBOOK_EVENTS = [
    {
        "id": "9988776655443322_1122334455667788",
        "type": "comment",
        "time": "2026-11-20T09:02:11Z",
        "text": "Still waiting for my refund, three weeks now",
        "platform": "facebook",
        "thread": "104857600000001_9988776655443322",
        "in_reply_to": "104857600000001_9988776655443322",
        "author": {"id": "6543210987654321", "name": "Jane Doe"},
    },
    {
        "id": "9988776655443322_1122334455667799",
        "type": "comment",
        "time": "2026-11-20T09:05:40Z",
        "text": "Jane, we're sorry! We've sent you a message to sort out the refund today.",
        "platform": "facebook",
        "thread": "104857600000001_9988776655443322",
        "in_reply_to": "9988776655443322_1122334455667788",
        "author": {"id": "104857600000001", "name": "Acme", "handle": "@acme"},
    },
    {
        "id": "9988776655440000_3344556677889900",
        "type": "comment",
        "time": "2026-11-20T09:31:02Z",
        "text": "Does the X2 work with the old charger?",
        "platform": "facebook",
        "thread": "104857600000001_9988776655440000",
        "in_reply_to": "104857600000001_9988776655440000",
        "author": {"id": "5550001112223334", "name": "Priya Natarajan"},
    },
]


@pytest.mark.parametrize("kind", ["file", "http"])
def test_the_x_example_maps_filtered_stream_posts_to_mentions(
    monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    feed_map = example_source("x-mentions.yaml", monkeypatch, kind)
    lines = (FEEDS / "x-stream.jsonl").read_text(encoding="utf-8").splitlines()
    assert [event for line in lines for event in mapped(feed_map, line)] == X_EVENTS


@pytest.mark.parametrize("kind", ["file", "http"])
def test_the_facebook_example_maps_each_new_comment_of_a_webhook(
    monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    feed_map = example_source("facebook-comments.yaml", monkeypatch, kind)
    lines = (FEEDS / "facebook-webhook.jsonl").read_text(encoding="utf-8").splitlines()
    # The first request holds two comments and a reaction, which is no comment and makes no event.
    assert [mapped(feed_map, line) for line in lines] == [FACEBOOK_EVENTS[:2], FACEBOOK_EVENTS[2:]]


def test_fields_not_mapped_are_absent_and_nothing_else_is_kept() -> None:
    feed_map = parse_map(
        {"id": "a", "type": "'mention'", "time": "t", "author.handle": "who.name", "text": "x"}, None
    )
    line = '{"a": "1", "t": "2026-11-20T09:00:00Z", "who": {"id": 5}, "extra": true}'
    assert mapped(feed_map, line) == [{"id": "1", "type": "mention", "time": "2026-11-20T09:00:00Z"}]


@pytest.mark.parametrize(
    ("seconds", "written"),
    [
        ("1795165331", "2026-11-20T09:02:11Z"),
        ("1795165331.25", "2026-11-20T09:02:11.25Z"),
        ('"1795165331"', "2026-11-20T09:02:11Z"),
        ("0", "1970-01-01T00:00:00Z"),
    ],
)
def test_iso_time_writes_unix_seconds_as_an_iso_time(seconds: str, written: str) -> None:
    feed_map = parse_map({"id": "'e'", "type": "'comment'", "time": "iso_time(t)"}, None)
    assert mapped(feed_map, f'{{"t": {seconds}}}') == [{"id": "e", "type": "comment", "time": written}]


@pytest.mark.parametrize(
    ("fields", "each", "line", "reason"),
    [
        (
            {"id": "data.id", "type": "'mention'", "time": "data.created_at"},
            None,
            '{"data": {"id": "1"}}',
            "missing 'time': its map 'data.created_at' found nothing in the input",
        ),
        (
            {"id": "data.id", "type": "mention", "time": "data.created_at"},
            None,
            '{"data": {"id": "1", "created_at": "2026-11-20T09:00:00Z"}}',
            "missing 'type': its map 'mention' found nothing in the input (to give it the text mention, write \"'mention'\")",
        ),
        (
            {"id": "id", "type": "'comment'", "time": "created_time"},
            None,
            '{"id": "1", "created_time": 1795165331}',
            "unreadable time 1795165331 (not text) (for Unix seconds, map it with iso_time(...))",
        ),
        (
            {"id": "id", "type": "'comment'", "time": "iso_time(t)"},
            None,
            '{"id": "1", "t": "yesterday"}',
            "'map.time': iso_time: 'yesterday' is not a time in Unix seconds",
        ),
        (
            {"id": "id", "type": "'comment'", "time": "t"},
            "items",
            '{"items": [{"id": "1", "t": "2026-11-20T09:00:00Z"}, {"id": "2", "t": "noon"}]}',
            "item 2: unreadable time 'noon'",
        ),
        (
            {"id": "id", "type": "'comment'", "time": "t"},
            "items",
            '{"items": {"id": "1"}}',
            "'each' gave an object, not a list of items",
        ),
        (
            {"id": "join(', ', ids)", "type": "'comment'", "time": "t"},
            None,
            '{"ids": [1, 2], "t": "2026-11-20T09:00:00Z"}',
            "'map.id' failed: In function join(), invalid type for value: 1, expected one of: ['array-string'], received: \"int\"",
        ),
        (
            {"id": "id", "time": "t"},
            None,
            '{"id": "1", "t": "2026-11-20T09:00:00Z"}',
            "missing 'type': the source's map gives no 'type' (add one, as in type: \"'mention'\")",
        ),
        (
            {"id": "data.id", "type": "'m'", "time": "data.t", "author.handle": "join('', ['@', user])"},
            None,
            '{"data": {"t": "2026-11-20T09:00:00Z"}}',
            "missing 'id': its map 'data.id' found nothing in the input",
        ),
        (
            {"id": "id", "type": "'comment'", "time": "t"},
            None,
            "{not json",
            "not valid JSON (unexpected character, expected a string key)",
        ),
    ],
)
def test_what_a_map_cannot_make_an_event_of_is_refused_saying_why(
    fields: dict[str, str], each: str | None, line: str, reason: str
) -> None:
    with pytest.raises(BadEvent) as caught:
        parse_map(fields, each).events(line.encode())
    assert str(caught.value) == reason


def test_each_finding_nothing_makes_no_event() -> None:
    feed_map = parse_map({"id": "id", "type": "'comment'", "time": "t"}, "entry[].changes[]")
    assert feed_map.events(b'{"object": "page"}') == []
    assert feed_map.events(b'{"entry": []}') == []


@pytest.mark.parametrize(
    ("fields", "each", "message"),
    [
        ([], None, "'map' must be a mapping of event fields to JMESPath expressions, like {id: \"data.id\"}"),
        ({"id": "data.", "type": "'m'", "time": "t"}, None, "'map.id' is not a valid JMESPath expression: "),
        (
            {"id": "a", "type": "'m'", "time": "iso_tim(t)"},
            None,
            "'map.time' calls an unknown function 'iso_tim' (did you mean 'iso_time'?)",
        ),
        (
            {"id": "a", "type": "'m'", "time": "iso_time(t, u)"},
            None,
            "'map.time': iso_time() takes 1 argument(s), not 2",
        ),
        (
            {"id": "a", "type": "'m'", "time": "t", "author.handel": "h"},
            None,
            "'map' gives 'author.handel': did you mean 'author.handle'?",
        ),
        (
            {"id": "a", "type": "'m'", "time": "t", "author": "u", "author.id": "i"},
            None,
            "'map' gives both 'author' and 'author.id': give the whole object or its fields",
        ),
        (
            {"id": "a", "type": "'m'", "time": "t", "author..id": "i"},
            None,
            "'map' has a field name that cannot be used: 'author..id' (write names like author.handle)",
        ),
        (
            {"id": 5, "type": "'m'", "time": "t"},
            None,
            "'map.id' must be a JMESPath expression in quotes, not 5",
        ),
        ({"id": "a", "type": "'m'", "time": "t"}, "entry[", "'each' is not a valid JMESPath expression: "),
        ({"id": "a", "type": "'m'", "time": "t"}, 3, "'each' must be a JMESPath expression in quotes, not 3"),
    ],
)
def test_a_map_that_cannot_work_is_refused_at_start_naming_its_key(
    fields: Any, each: Any, message: str
) -> None:
    with pytest.raises(MapError) as caught:
        parse_map(fields, each)
    assert str(caught.value).startswith(message)


def test_a_field_that_cannot_be_worked_out_on_an_input_is_absent() -> None:
    """`join()` of a user the post does not include, or of numbers, makes no field, as a field
    not found makes none: the event is still an event (SPEC section 11)."""
    feed_map = parse_map(
        {
            "id": "id",
            "type": "'mention'",
            "time": "t",
            "author.handle": "join('', ['@', user])",
            "text": "join(', ', tags)",
        },
        None,
    )
    assert mapped(feed_map, '{"id": "1", "t": "2026-11-20T09:00:00Z", "tags": [1, 2]}') == [
        {"id": "1", "type": "mention", "time": "2026-11-20T09:00:00Z"}
    ]
    assert mapped(feed_map, '{"id": "2", "t": "2026-11-20T09:00:00Z", "user": "jo", "tags": ["a"]}') == [
        {
            "id": "2",
            "type": "mention",
            "time": "2026-11-20T09:00:00Z",
            "author": {"handle": "@jo"},
            "text": "a",
        }
    ]


def test_an_invalid_expression_is_named_by_its_key_and_quoted() -> None:
    with pytest.raises(MapError) as caught:
        parse_map({"id": "a", "type": "'m'", "time": "t", "text": "data.[text"}, None)
    assert str(caught.value) == (
        "'map.text' is not a valid JMESPath expression: Invalid jmespath expression: "
        "Incomplete expression in 'data.[text'"
    )
    with pytest.raises(MapError) as caught:
        parse_map({"id": "data.", "type": "'m'", "time": "t"}, None)
    assert str(caught.value) == (
        "'map.id' is not a valid JMESPath expression: Expecting: ['quoted_identifier', "
        "'unquoted_identifier', 'lbracket', 'lbrace'], got: eof: Parse error at column 5, "
        "token \"\" (EOF) in 'data.'"
    )


def test_a_field_of_another_name_is_kept_as_any_field() -> None:
    feed_map = parse_map({"id": "a", "type": "'m'", "time": "t", "campaign.name": "c", "geo": "g"}, None)
    line = '{"a": "1", "t": "2026-11-20T09:00:00Z", "c": "bf", "g": "NL"}'
    assert mapped(feed_map, line)[0] == {
        "id": "1",
        "type": "m",
        "time": "2026-11-20T09:00:00Z",
        "campaign": {"name": "bf"},
        "geo": "NL",
    }
