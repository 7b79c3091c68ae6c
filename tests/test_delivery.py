"""Getting actions to people (SPEC section 11), tested as it runs: a real daemon
delivering to a local Slack webhook and a local SMTP server, routing by `match`,
and losing nothing when killed while a receiver is down."""

from __future__ import annotations

import json
import sqlite3
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
import yaml
from daemon_harness import TOKEN, DaemonProcess, free_port, now_iso, playbook_folder, wait_for
from receivers import FakeSlack, Mailbox
from test_mapping import FACEBOOK_EVENTS, X_EVENTS

DESK = """\
brand "@acme"
rule "Escalate": when mention and text contains "broken" then escalate to "care-leads" priority high
rule "VIP": when mention and author.followers >= 10000 then notify "#vip-desk" message "Big fish {author.handle}: {text}"
rule "Crisis storm": when mention and text contains "fire" then alert "#crisis"
rule "Hide spam": when mention and text contains "spam" then hide
"""
SMTP_USER, SMTP_PASSWORD = "playbook", "smtp-pass-4711"


def mention(id: str, text: str, followers: int = 10, handle: str = "@jane") -> dict[str, Any]:
    return {
        "id": id,
        "type": "mention",
        "time": now_iso(),
        "text": text,
        "author": {"handle": handle, "followers": followers},
    }


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return playbook_folder(tmp_path, "desk.play", DESK)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    server = FakeSlack().start()
    yield server
    server.stop()


@pytest.fixture
def tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    """A server certificate for 127.0.0.1 from a test CA, which the daemon is made to trust."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    return context


def email_sink(mailbox: Mailbox, **extra: Any) -> dict[str, Any]:
    return {
        "type": "email",
        "host": "127.0.0.1",
        "port": mailbox.port,
        "starttls": True,
        "username": SMTP_USER,
        "password": SMTP_PASSWORD,
        "from": "playbook@acme.example",
        "to": ["care-leads@acme.example"],
        **extra,
    }


EVENTS = [
    mention("m1", "my order arrived broken"),
    mention("m2", "love it", followers=50000, handle="@dana"),
    mention("m3", "the charger caught fire"),
    mention("m4", "cheap pills spam spam"),
    mention("m5", "broken and on fire", followers=20000, handle="@vip"),
]


def test_each_record_reaches_exactly_the_sinks_its_match_selects(folder: Path) -> None:
    routes = {
        "all": None,
        "notify": {"action": ["notify"]},
        "leads": {"target": ["care-leads"]},
        "crisis": {"rule": ["Crisis*"]},
        "no-target": {"target": [None]},
        "urgent": {"priority": ["high", "urgent"]},
        "channels": {"target": ["#*"], "action": ["alert"]},
    }
    sinks = [
        {"type": "file", "path": f"out/{name}.jsonl", **({"match": m} if m else {})}
        for name, m in routes.items()
    ]
    process = DaemonProcess(folder, {"sinks": sinks}).start()
    try:
        assert process.post(EVENTS)[0] == 202
        wait_for(
            lambda: len(process.actions("out/all.jsonl")) == 7, what="every record in the unmatched sink"
        )
        assert process.stop() == 0  # every sink had its chance to take what was queued for it
        took = {
            name: [(a["event"], a["action"]) for a in process.actions(f"out/{name}.jsonl")] for name in routes
        }
    finally:
        process.close()
    assert took == {
        "all": [
            ("m1", "escalate"),
            ("m2", "notify"),
            ("m3", "alert"),
            ("m4", "hide"),
            ("m5", "escalate"),
            ("m5", "notify"),
            ("m5", "alert"),
        ],
        "notify": [("m2", "notify"), ("m5", "notify")],
        "leads": [("m1", "escalate"), ("m5", "escalate")],
        "crisis": [("m3", "alert"), ("m5", "alert")],
        "no-target": [("m4", "hide")],
        "urgent": [("m1", "escalate"), ("m5", "escalate")],
        "channels": [("m3", "alert"), ("m5", "alert")],
    }


# --- Slack ---


def action_id_of(message: dict[str, Any]) -> str:
    """The action id a Slack message tells, from its facts."""
    fields = [f["text"] for block in message["blocks"] for f in block.get("fields", [])]
    [found] = [f.split("\n", 1)[1] for f in fields if f.startswith("*Action id*\n")]
    return found


def test_slack_gets_the_facts_and_a_429_is_waited_out_without_counting_as_a_failure(
    folder: Path, slack: FakeSlack
) -> None:
    slack.answers.extend([(429, {"Retry-After": "1"}), (429, {"Retry-After": "1"}), (503, {})])
    sinks = [
        {"type": "slack", "url": slack.url(), "match": {"action": ["notify", "alert", "escalate"]}},
        {"type": "file", "path": "out/actions.jsonl"},
    ]
    process = DaemonProcess(folder, {"sinks": sinks}).start()
    try:
        events = [
            mention("m1", "my order arrived broken"),
            mention("m2", "love it <!channel> & <b>now</b>", followers=50000, handle="@dana"),
            mention("m4", "spam"),
        ]
        assert process.post(events)[0] == 202
        wait_for(lambda: len(slack.taken) == 2, timeout=20, what="Slack to take both messages")
        time.sleep(0.5)
        records = process.actions()
        log = process.logged()
    finally:
        process.close()
    assert [r.status for r in slack.requests] == [429, 429, 503, 200, 200]
    gaps = [b.at - a.at for a, b in zip(slack.requests, slack.requests[1:])]
    assert gaps[0] >= 0.9 and gaps[1] >= 0.9, f"Retry-After: 1 was not waited out: {gaps}"
    # The 503 is the first failure: backed off 0.5 s, where three failures would make it 2 s.
    [refused] = [e for e in log if e["msg"] == "slack refused an action; will retry"]
    assert (refused["attempt"], refused["retry_in"], refused["reason"]) == (1, 0.5, "HTTP 503: error")
    assert gaps[2] < 1.5
    waits = [e for e in log if e["msg"] == "slack asked to wait; will retry"]
    assert [(w["retry_in"], w["reason"]) for w in waits] == [(1.0, "HTTP 429: rate_limited")] * 2

    escalation, notify = slack.taken
    by_event = {r["event"]: r for r in records}
    assert [action_id_of(m) for m in slack.taken] == [by_event["m1"]["id"], by_event["m2"]["id"]]
    assert escalation["text"] == "escalate to care-leads, priority high: event m1 by @jane (Escalate)"
    assert "channel" not in escalation
    fields = [f["text"] for f in escalation["blocks"][1]["fields"]]
    assert fields[:3] == ["*Event*\nm1", "*Author*\n@jane", "*Priority*\nhigh"]
    assert "*Rule*\nEscalate (desk.play:2)" in fields
    assert notify["channel"] == "#vip-desk"
    assert notify["text"] == "notify #vip-desk: event m2 by @dana (VIP)"
    assert (
        notify["blocks"][1]["text"]["text"]
        == "> Big fish @dana: love it &lt;!channel&gt; &amp; &lt;b&gt;now&lt;/b&gt;"
    )
    assert all(r.path == "/services/T0000/B0000/XXXXXXXX" for r in slack.requests)


# --- e-mail ---


def test_an_email_per_record_over_starttls_with_a_login(folder: Path, tls: ssl.SSLContext) -> None:
    mailbox = Mailbox(tls=tls, login=(SMTP_USER, SMTP_PASSWORD)).start()
    sinks = [
        email_sink(mailbox, match={"target": ["care-leads"]}),
        {"type": "file", "path": "out/actions.jsonl"},
    ]
    process = DaemonProcess(folder, {"sinks": sinks}).start()
    try:
        assert process.post(EVENTS)[0] == 202
        wait_for(lambda: len(mailbox.messages) == 2, timeout=20, what="two e-mails")
        time.sleep(0.5)
        records = process.actions()
    finally:
        process.close()
        mailbox.stop()
    escalations = [r for r in records if r["target"] == "care-leads"]
    assert [m["X-Playbook-Action"] for m in mailbox.messages] == [r["id"] for r in escalations]
    assert [m["Subject"] for m in mailbox.messages] == ["[Playbook] escalate care-leads: Escalate"] * 2
    first = mailbox.messages[0]
    assert (first["From"], first["To"]) == ("playbook@acme.example", "care-leads@acme.example")
    body = first.get_content().replace("\r\n", "\n")
    assert body.startswith("escalate to care-leads, priority high\n\n")
    for line in ["Event:     m1", "Author:    @jane", "Priority:  high", "Rule:      Escalate (desk.play:2)"]:
        assert line in body
    assert mailbox.handler.envelopes[0] == ("playbook@acme.example", ["care-leads@acme.example"])
    assert mailbox.logins and all(login == (SMTP_USER, True) for login in mailbox.logins)


# --- durability ---


def first_seen(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def test_nothing_is_lost_or_reordered_across_a_sigkill_while_the_receivers_are_down(
    folder: Path, tls: ssl.SSLContext
) -> None:
    slack = FakeSlack()
    slack.always = 503
    slack.start()
    mailbox = Mailbox(tls=tls, login=(SMTP_USER, SMTP_PASSWORD))  # not started: the port refuses
    sinks = [
        {"type": "slack", "url": slack.url(), "match": {"action": ["notify", "alert", "escalate"]}},
        email_sink(mailbox, match={"target": ["care-leads"]}),
        {"type": "file", "path": "out/actions.jsonl"},
    ]
    process = DaemonProcess(folder, {"sinks": sinks})
    texts = ["my order arrived broken", "fire in the hole", "spam", "broken screen, on fire"]
    try:
        process.start()
        assert (
            process.post([mention(f"a{i}", texts[i % 4], followers=10 + 5000 * i) for i in range(12)])[0]
            == 202
        )
        wait_for(lambda: len(slack.requests) >= 2, what="Slack to be tried")
        wait_for(lambda: process.health()["outbox"] >= 10, what="the actions waiting in the outbox")
        process.kill()
        process.start()
        assert process.post([mention(f"b{i}", texts[i % 4], followers=20000) for i in range(8)])[0] == 202
        wait_for(lambda: {a["event"] for a in process.actions()} >= {f"b{i}" for i in range(8) if i % 4 != 2})
        process.kill()
        slack.always = None
        mailbox.start()
        process.start()
        records = {a["id"]: a for a in process.actions()}  # after a kill, the file may hold one twice
        expected = first_seen([a["id"] for a in process.actions()])
        to_slack = [i for i in expected if records[i]["action"] in ("notify", "alert", "escalate")]
        to_mail = [i for i in expected if records[i]["target"] == "care-leads"]
        wait_for(lambda: set(to_slack) <= {action_id_of(m) for m in slack.taken}, timeout=30, what="Slack")
        wait_for(
            lambda: set(to_mail) <= {m["X-Playbook-Action"] for m in mailbox.messages},
            timeout=30,
            what="mail",
        )
        time.sleep(0.5)
        assert process.health()["outbox"] == 0
    finally:
        process.close()
        slack.stop()
        mailbox.stop()
    assert len(to_slack) > 20 and len(to_mail) > 5  # a test that means something
    slack_ids = [action_id_of(m) for m in slack.taken]
    mail_ids = [str(m["X-Playbook-Action"]) for m in mailbox.messages]
    # Each record arrives, in the order it was queued; one may come twice only with its own id.
    assert first_seen(slack_ids) == to_slack
    assert first_seen(mail_ids) == to_mail
    assert set(slack_ids) == set(to_slack) and set(mail_ids) == set(to_mail)


# --- mapped feeds ---

FEEDS = Path(__file__).resolve().parent.parent / "examples" / "feeds"
SEEN = """\
brand "@acme", "@acme_help"
rule "Seen": when id exists then notify "#seen" message "{type}|{time}|{text}|{platform}|{thread}|{in_reply_to}|{author.id}|{author.handle}|{author.name}|{author.followers}|{author.verified}|{labels}"
rule "Unanswered": when (mention or comment) and unanswered 1h then escalate to "care-leads"
"""
FIELDS = (
    "type",
    "time",
    "text",
    "platform",
    "thread",
    "in_reply_to",
    "author.id",
    "author.handle",
    "author.name",
)
MORE = ("author.followers", "author.verified", "labels")


def seen(event: dict[str, Any]) -> str:
    """What the rule "Seen" writes of an event: each field as a `{field}` text shows it."""

    def field(path: str) -> str:
        value: Any = event
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            return ""
        return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))

    return "|".join(field(path) for path in FIELDS + MORE)


def example_source(config: str) -> dict[str, Any]:
    """The `map` (and `each`) of the example configuration's http source, as written."""
    loaded = yaml.safe_load((FEEDS / config).read_text(encoding="utf-8"))
    [http] = [s for s in loaded["sources"] if s["type"] == "http"]
    return {key: http[key] for key in ("map", "each") if key in http}


@pytest.fixture
def feeds_folder(folder: Path) -> Path:
    (folder / "playbooks" / "desk.play").write_text(SEEN, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("config", "payload", "events", "unanswered"),
    [
        ("x-mentions.yaml", "x-stream.jsonl", X_EVENTS, ["1991567000000000003"]),
        (
            "facebook-comments.yaml",
            "facebook-webhook.jsonl",
            FACEBOOK_EVENTS,
            ["9988776655440000_3344556677889900"],
        ),
    ],
)
@pytest.mark.parametrize("source", ["http", "file"])
def test_a_mapped_feed_becomes_the_events_playbook_expects(
    feeds_folder: Path,
    config: str,
    payload: str,
    events: list[dict[str, Any]],
    unanswered: list[str],
    source: str,
) -> None:
    mapping = example_source(config)
    lines = (FEEDS / payload).read_text(encoding="utf-8").splitlines()
    if source == "file":
        (feeds_folder / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        sources: list[dict[str, Any]] = [{"type": "file", "path": "feed.jsonl", **mapping}]
    else:
        sources = [{"type": "http", "token": TOKEN, "max_bytes": 65536, **mapping}]
    process = DaemonProcess(feeds_folder, {"sources": sources}).start()
    try:
        if source == "http":
            # As a relay forwards them: in one JSON Lines request, so that the clock does not move on
            # to now (these samples are from 2026-11-20) between a post and the brand's answer.
            assert process.post(("\n".join(lines) + "\n").encode()) == (202, {"accepted": len(events)})
        wait_for(lambda: len(process.actions()) == len(events) + len(unanswered), what="every event and wait")
        records = process.actions()
        dead = feeds_folder / "state" / "dead-letter.jsonl"
        assert not dead.exists(), dead.read_text(encoding="utf-8")
    finally:
        process.close()
    assert [(r["event"], r["params"]["message"]) for r in records if r["rule"] == "Seen"] == [
        (e["id"], seen(e)) for e in events
    ]
    assert [r["thread"] for r in records if r["rule"] == "Seen"] == [e["thread"] for e in events]
    # The brand's answers, mapped to its handles, answer their threads: only the rest wait in vain.
    assert [r["event"] for r in records if r["rule"] == "Unanswered"] == unanswered


def test_a_bad_mapped_request_is_refused_naming_the_line_and_item_and_stores_nothing(
    feeds_folder: Path,
) -> None:
    mapping = example_source("facebook-comments.yaml")
    request = json.loads((FEEDS / "facebook-webhook.jsonl").read_text(encoding="utf-8").splitlines()[0])
    del request["entry"][1]["changes"][0]["value"]["created_time"]  # the Page's answer, its second comment
    sources = [{"type": "http", "token": TOKEN, "max_bytes": 65536, **mapping}]
    process = DaemonProcess(feeds_folder, {"sources": sources}).start()
    try:
        status, answer = process.post(request)
        assert status == 400
        assert answer["error"] == (
            "line 1: item 2: missing 'time': its map 'iso_time(created_time)' found nothing in the input; "
            "nothing of this request was stored"
        )
        reactions = {
            "object": "page",
            "entry": [dict(request["entry"][0], changes=request["entry"][0]["changes"][1:])],
        }
        assert reactions["entry"][0]["changes"][0]["value"]["item"] == "reaction"
        assert process.post(reactions) == (202, {"accepted": 0})  # no comment in it: nothing to store
        good = json.loads((FEEDS / "facebook-webhook.jsonl").read_text(encoding="utf-8").splitlines()[1])
        assert process.post(json.dumps(good, indent=2).encode()) == (202, {"accepted": 1})  # pretty-printed
        wait_for(lambda: len(process.actions()) == 2, what="the good comment's actions")
        time.sleep(0.5)
        assert {r["event"] for r in process.actions()} == {"9988776655440000_3344556677889900"}
    finally:
        process.close()


# SPEC section 11's own map, as written there.
SPEC_MAP = {
    "id": "data.id",
    "type": "'mention'",
    "time": "data.created_at",
    "text": "data.text",
    "author.handle": "join('', ['@', includes.users[0].username])",
    "author.followers": "includes.users[0].public_metrics.followers_count",
}


def test_the_specs_map_takes_a_post_without_its_author_and_refuses_one_without_an_id(
    feeds_folder: Path,
) -> None:
    """A field whose expression cannot be worked out on a post (no `includes`: `join()` of
    nothing) is absent, as a field not found; only a lacking id, type or time refuses the
    request, with 400 naming the line and the field, and nothing of it stored."""
    sources = [{"type": "http", "token": TOKEN, "map": SPEC_MAP}]
    process = DaemonProcess(feeds_folder, {"sources": sources}).start()
    try:
        post = {"data": {"id": "p1", "created_at": now_iso(), "text": "hello"}, "includes": {"users": []}}
        without_id = {"data": {"created_at": now_iso(), "text": "no id"}}
        batch = json.dumps(dict(post, data=dict(post["data"], id="p2"))) + "\n" + json.dumps(without_id)
        status, answer = process.post(batch.encode())
        assert status == 400
        assert answer["error"] == (
            "line 2: missing 'id': its map 'data.id' found nothing in the input; "
            "nothing of this request was stored"
        )
        assert process.post(post) == (202, {"accepted": 1})
        wait_for(lambda: len(process.actions()) == 1, what="the post's action")
        time.sleep(0.5)
        records = process.actions()
    finally:
        process.close()
    assert [(r["rule"], r["event"], r["author"]) for r in records] == [("Seen", "p1", None)]
    assert records[0]["params"]["message"].split("|")[2] == "hello"


def test_a_map_without_type_is_taken_and_each_event_it_makes_refused_saying_why(
    feeds_folder: Path,
) -> None:
    """SPEC section 11: fields not mapped are absent, and an event lacking its type is refused
    (HTTP 400 naming the line, or a dead letter), as unmapped input is."""
    no_type = {"id": "data.id", "time": "data.created_at"}
    (feeds_folder / "feed.jsonl").write_text(
        json.dumps({"data": {"id": "f1", "created_at": "2026-11-20T09:00:00Z"}}) + "\n", encoding="utf-8"
    )
    sources = [
        {"type": "http", "token": TOKEN, "map": no_type},
        {"type": "file", "path": "feed.jsonl", "map": no_type},
    ]
    process = DaemonProcess(feeds_folder, {"sources": sources}).start()
    dead_letters = feeds_folder / "state" / "dead-letter.jsonl"
    try:
        status, answer = process.post({"data": {"id": "h1", "created_at": now_iso()}})
        assert status == 400
        assert answer["error"] == (
            "line 1: missing 'type': the source's map gives no 'type' (add one, as in type: \"'mention'\"); "
            "nothing of this request was stored"
        )
        wait_for(dead_letters.exists, what="the file's line in the dead letters")
        wait_for(lambda: dead_letters.read_text(encoding="utf-8").endswith("\n"), what="a whole dead letter")
        dead = [json.loads(line) for line in dead_letters.read_text(encoding="utf-8").splitlines()]
    finally:
        process.close()
    assert [(d["line"], d["reason"].split(":")[0]) for d in dead] == [(1, "missing 'type'")]
    assert process.actions() == []


def test_a_bad_mapped_line_goes_to_the_dead_letters_with_why(feeds_folder: Path) -> None:
    mapping = example_source("x-mentions.yaml")
    lines = (FEEDS / "x-stream.jsonl").read_text(encoding="utf-8").splitlines()
    broken = json.loads(lines[0])
    del broken["data"]["created_at"]
    (feeds_folder / "feed.jsonl").write_text(json.dumps(broken) + "\n" + lines[2] + "\n", encoding="utf-8")
    process = DaemonProcess(
        feeds_folder, {"sources": [{"type": "file", "path": "feed.jsonl", **mapping}]}
    ).start()
    try:
        wait_for(lambda: len(process.actions()) == 2, what="the good line's actions")
        dead = [
            json.loads(d) for d in (feeds_folder / "state" / "dead-letter.jsonl").read_text().splitlines()
        ]
    finally:
        process.close()
    assert [(d["line"], d["reason"]) for d in dead] == [
        (1, "missing 'time': its map 'data.created_at' found nothing in the input")
    ]
    assert json.loads(dead[0]["raw"]) == broken  # the line as it came, to send again once mapped right


# --- secrets ---


def test_no_secret_appears_in_anything_the_daemon_shows(
    feeds_folder: Path, slack: FakeSlack, tls: ssl.SSLContext
) -> None:
    token, hmac_secret, hook_secret, password = (
        "tok-3f9a1c77e2",
        "hmac-5be0e1d4",
        "whsec-8c1f0e",
        "smtp-pass-71aa9",
    )
    slack.always = 404  # as Slack answers a webhook URL that was revoked
    slack_url = slack.url("/services/T0SECRET1/B0SECRET2/slackpathsecret9")
    slack_ok = FakeSlack().start()
    ok_url = slack_ok.url("/services/T0OK/B0OK/okpathsecret3")
    hook_url = f"http://127.0.0.1:{free_port()}/hooks/webhookpathsecret7?key=querysecret5"
    secrets = [token, hmac_secret, hook_secret, password, slack_url, ok_url, hook_url]
    secrets += [
        "T0SECRET1/B0SECRET2",
        "slackpathsecret9",
        "okpathsecret3",
        "webhookpathsecret7",
        "querysecret5",
    ]
    mailbox = Mailbox(tls=tls, login=(SMTP_USER, "the-right-password")).start()
    (feeds_folder / "feed.jsonl").write_text("not json\n", encoding="utf-8")
    config = {
        "sources": [
            {"type": "http", "token": token, "secret": hmac_secret, **example_source("x-mentions.yaml")},
            {"type": "file", "path": "feed.jsonl", **example_source("x-mentions.yaml")},
        ],
        "sinks": [
            {"type": "stdout"},
            {"type": "slack", "url": slack_url},
            {"type": "slack", "url": ok_url},
            {"type": "webhook", "url": hook_url, "secret": hook_secret},
            email_sink(mailbox, password=password),
        ],
    }
    process = DaemonProcess(feeds_folder, config).start()
    try:
        lines = (FEEDS / "x-stream.jsonl").read_text(encoding="utf-8")
        assert process.post(lines.encode(), token=token)[0] == 202
        assert process.post(lines.encode(), token="wrong")[0] == 401
        assert process.post(b"{}", token=None, headers={"X-Playbook-Signature": "sha256=00"})[0] == 401
        assert process.post(b'{"data": {}}', token=token)[0] == 400
        wait_for(
            lambda: all(f"{who} refused an action" in process.log() for who in ("slack", "webhook")),
            timeout=20,
        )
        wait_for(lambda: "the mail server refused an action" in process.log(), timeout=20)
        wait_for(lambda: process.health()["outbox"], what="actions waiting")
        shown = {
            "/healthz": process.get("/healthz")[1].decode(),
            "/metrics": process.get("/metrics")[1].decode(),
        }
        assert process.stop() == 0
    finally:
        process.close()
        mailbox.stop()
        slack_ok.stop()
    # The sinks are there, by their names: each waits on /healthz, the one that delivers in /metrics.
    assert f'sink="slack:http://127.0.0.1:{slack_ok.port}/…"' in shown["/metrics"]
    waiting = json.loads(shown["/healthz"])["waiting"]
    assert set(waiting) == {
        f"slack:http://127.0.0.1:{slack.port}/…",
        hook_url.split("/hooks")[0].replace("http", "webhook:http", 1) + "/…",
        "email:care-leads@acme.example",
    }
    assert any(reason.startswith("SMTP 535") for reason in (e.get("reason", "") for e in process.logged()))
    shown["log"] = process.log()
    for name in ("stdout-1.log", "state/dead-letter.jsonl", "state/state.db", "state/state.db-wal"):
        if (feeds_folder / name).exists():
            shown[name] = (feeds_folder / name).read_bytes().decode("utf-8", errors="replace")
    assert "state/dead-letter.jsonl" in shown and "notify" in shown["stdout-1.log"]
    for where, text in shown.items():
        for secret in secrets:
            assert secret not in text, f"{secret!r} is shown in {where}"


# --- upgrading ---


def test_actions_queued_for_a_webhook_under_its_url_by_an_earlier_playbook_are_delivered_after_the_upgrade(
    folder: Path, slack: FakeSlack
) -> None:
    slack.always = 503
    url = slack.url("/hook")
    sinks = [{"type": "webhook", "url": url}, {"type": "file", "path": "out/actions.jsonl"}]
    process = DaemonProcess(folder, {"sinks": sinks}).start()
    try:
        assert process.post([mention(f"m{i}", "fire") for i in range(3)])[0] == 202
        wait_for(lambda: process.health()["waiting"] == {"webhook:http://127.0.0.1:" + f"{slack.port}/…": 3})
        assert process.stop() == 0
        # Earlier Playbooks named a webhook's rows in the outbox by its URL, which can hold its secret.
        with sqlite3.connect(folder / "state" / "state.db") as db:
            for table in ("outbox", "outbox_cursor"):
                db.execute(f"UPDATE {table} SET sink = ? WHERE sink LIKE 'webhook:%'", (f"webhook:{url}",))
            moved = db.execute(
                "SELECT sum(seq - first_seq + 1) FROM outbox WHERE sink = ?", (f"webhook:{url}",)
            )
            assert moved.fetchone()[0] == 3
        db.close()
        slack.always = None
        process.start()
        wait_for(lambda: len(slack.taken) == 3, what="the webhook to get the waiting actions")
        assert [m["event"] for m in slack.taken] == ["m0", "m1", "m2"]
        assert "no longer configured" not in process.log()
    finally:
        process.close()


def test_actions_waiting_for_a_sink_that_was_removed_are_kept_and_said(
    folder: Path, slack: FakeSlack
) -> None:
    slack.always = 503
    sinks = [
        {"type": "slack", "url": slack.url(), "name": "vip-desk"},
        {"type": "file", "path": "out/actions.jsonl"},
    ]
    process = DaemonProcess(folder, {"sinks": sinks}).start()
    try:
        assert process.post([mention("m1", "fire")])[0] == 202
        wait_for(lambda: process.health()["waiting"] == {"slack:vip-desk": 1})
        assert process.stop() == 0
    finally:
        process.close()
    process = DaemonProcess(folder, {"sinks": [{"type": "file", "path": "out/actions.jsonl"}]}).start()
    try:
        [warning] = [e for e in process.logged() if "no longer configured" in e["msg"]]
        assert (warning["sink"], warning["actions"]) == ("slack:name:vip-desk", 1)
        assert process.health()["outbox"] == 1
    finally:
        process.close()
