"""The action record (SPEC section 4): keys, values, order, ids and JSON.

Only instant rules are used here: the time conditions are tested elsewhere.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from helpers import ruleset_from, run

from playbook.compiler.actions import action_id
from playbook.dryrun.run import run_events
from playbook.language.events import make_event
from playbook.language.timestamps import parse_time
from playbook.loader import load_ruleset

KEYS = ["id", "time", "rule", "action", "target", "params", "event", "thread", "author", "source"]
UTC_SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
UTC_FRACTION = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+Z$")
HEX = re.compile(r"^[0-9a-f]+$")


def ev(
    id: str = "m1", type: str = "mention", time: str = "2026-11-20T09:00:00Z", **fields: Any
) -> dict[str, Any]:
    author = fields.pop("author", "@jane")
    data: dict[str, Any] = {"id": id, "type": type, "time": time}
    if author is not None:
        data["author"] = {"handle": author}
    data.update(fields)
    return data


def one(text: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    records = run(text, [data or ev()])
    assert len(records) == 1, records
    return records[0]


# --- the whole record --------------------------------------------------------------


def test_spec_example_record() -> None:
    text = textwrap.dedent("""\
        brand "@acme"

        define complaint = text contains "broken"
        rule "Escalate complaints":
          when mention is complaint
          then escalate to "care-leads" priority high
    """)
    record = one(text, ev(text="My order arrived broken"))
    assert list(record) == KEYS
    assert {k: v for k, v in record.items() if k != "id"} == {
        "time": "2026-11-20T09:00:00Z",
        "rule": "Escalate complaints",
        "action": "escalate",
        "target": "care-leads",
        "params": {"priority": "high"},
        "event": "m1",
        "thread": "m1",
        "author": "@jane",
        "source": "test.play:5",
    }
    assert HEX.match(record["id"])


def test_key_order_of_every_action_kind() -> None:
    text = (
        'when mention then escalate, hide, reply "hi", tag "t", assign to "bob", '
        'notify "#a", alert "#b" message "m", escalate to "x" priority low'
    )
    records = run(text, [ev()])
    assert len(records) == 8
    for record in records:
        assert list(record) == KEYS


def test_json_line_keeps_key_order_and_parses_back() -> None:
    text = (
        'rule "Notify": when mention then notify "#desk" message "Sorry, {author.handle} — “quoted” \\\\ ok"'
    )
    ruleset = ruleset_from(text)
    (record,) = run_events(ruleset, [make_event(ev(text="ünïcödé"))])
    line = record.to_json()
    assert isinstance(line, bytes)
    assert b"\n" not in line
    parsed = json.loads(line)
    assert parsed == record.to_dict()
    assert list(parsed) == KEYS
    assert parsed["params"]["message"].startswith("Sorry, @jane — “quoted” ")


def test_json_line_of_null_target_and_empty_params() -> None:
    ruleset = ruleset_from("when mention then hide")
    (record,) = run_events(ruleset, [make_event(ev(author=None))])
    parsed = json.loads(record.to_json())
    assert parsed["target"] is None
    assert parsed["params"] == {}
    assert parsed["author"] is None
    assert b'"target":null' in record.to_json().replace(b" ", b"")
    assert b'"params":{}' in record.to_json().replace(b" ", b"")


# --- time ------------------------------------------------------------------------------


def test_time_is_utc_with_z() -> None:
    record = one("when mention then hide", ev(time="2026-11-20T10:00:00+01:00"))
    assert record["time"] == "2026-11-20T09:00:00Z"


def test_time_with_negative_offset_crossing_midnight() -> None:
    record = one("when mention then hide", ev(time="2026-11-20T22:30:00-02:00"))
    assert record["time"] == "2026-11-21T00:30:00Z"


def test_time_has_no_fraction_when_input_had_none() -> None:
    record = one("when mention then hide", ev(time="2026-11-20T09:00:00Z"))
    assert UTC_SECOND.match(record["time"])
    assert record["time"] == "2026-11-20T09:00:00Z"


@pytest.mark.parametrize(
    "given, instant",
    [
        ("2026-11-20T09:00:00.5Z", "2026-11-20T09:00:00.5Z"),
        ("2026-11-20T09:00:00.250Z", "2026-11-20T09:00:00.25Z"),
        ("2026-11-20T10:00:00.123456+01:00", "2026-11-20T09:00:00.123456Z"),
    ],
)
def test_time_keeps_the_fraction_the_input_had(given: str, instant: str) -> None:
    record = one("when mention then hide", ev(time=given))
    assert UTC_FRACTION.match(record["time"]), record["time"]
    assert parse_time(record["time"]) == parse_time(instant)
    assert record["time"].startswith("2026-11-20T09:00:00.")


# --- target and params per action -------------------------------------------------------


@pytest.mark.parametrize(
    "action, target, params",
    [
        ("escalate", None, {}),
        ('escalate to "care-leads"', "care-leads", {}),
        ('escalate to "care-leads" priority urgent', "care-leads", {"priority": "urgent"}),
        ("escalate priority low", None, {"priority": "low"}),
        ('assign to "bob"', "bob", {}),
        ('notify "#vip-desk"', "#vip-desk", {}),
        ('notify "#vip-desk" message "VIP complaint"', "#vip-desk", {"message": "VIP complaint"}),
        ('alert "#ops"', "#ops", {}),
        ('alert "#ops" message "spike"', "#ops", {"message": "spike"}),
        ('tag "needs-review"', "needs-review", {}),
        ('reply "Sorry to hear that"', None, {"text": "Sorry to hear that"}),
        ('reply with template "apology"', None, {"template": "apology"}),
        ("hide", None, {}),
    ],
)
def test_target_and_params(action: str, target: str | None, params: dict[str, str]) -> None:
    record = one(f"when mention then {action}")
    assert record["action"] == action.split()[0]
    assert record["target"] == target
    assert record["params"] == params


def test_message_and_reply_fill_in_fields() -> None:
    text = (
        'when mention then notify "#d" message "{author.handle} has {author.followers}, '
        'rating {rating}, verified {author.verified}", reply "Sorry, {author.handle}{author.name}!"'
    )
    data = ev(rating=4.5)
    data["author"].update(followers=1200, verified=True)
    notify, reply = run(text, [data])
    assert notify["params"] == {"message": "@jane has 1200, rating 4.5, verified true"}
    assert reply["params"] == {"text": "Sorry, @jane!"}


# --- author ---------------------------------------------------------------------------


def test_author_is_the_handle() -> None:
    assert one("when mention then hide", ev(author="@Jane_Doe"))["author"] == "@Jane_Doe"


def test_author_is_null_without_author() -> None:
    assert one("when mention then hide", ev(author=None))["author"] is None


def test_author_is_null_without_handle() -> None:
    data = ev(author=None)
    data["author"] = {"id": "u1", "name": "Jane"}
    assert one("when mention then hide", data)["author"] is None


# --- rule and source ----------------------------------------------------------------------


def test_source_is_the_line_of_when() -> None:
    text = textwrap.dedent("""\
        # care rules

        rule "Named":

          when mention
          then hide
        when review then tag "r"
    """)
    records = run(text, [ev(), ev("v1", "review")])
    assert [(r["rule"], r["source"]) for r in records] == [
        ("Named", "test.play:5"),
        ("test.play:7", "test.play:7"),
    ]


def test_unnamed_rule_is_named_file_line_without_folders(tmp_path: Path) -> None:
    folder = tmp_path / "playbooks" / "care"
    folder.mkdir(parents=True)
    (folder / "vip.play").write_text('\n\nwhen mention then tag "seen"\n', encoding="utf-8")
    ruleset = load_ruleset([str(tmp_path / "playbooks")])
    (record,) = [r.to_dict() for r in run_events(ruleset, [make_event(ev())])]
    assert record["rule"] == "vip.play:3"
    assert record["source"] == "vip.play:3"


def test_named_rule_source_is_file_name_without_folders(tmp_path: Path) -> None:
    folder = tmp_path / "deep" / "er"
    folder.mkdir(parents=True)
    path = folder / "care.play"
    path.write_text(
        'rule "Hide spam":\n  when mention and text contains "buy now"\n  then hide\n', encoding="utf-8"
    )
    ruleset = load_ruleset([str(path)])
    (record,) = [r.to_dict() for r in run_events(ruleset, [make_event(ev(text="Buy now!"))])]
    assert record["rule"] == "Hide spam"
    assert record["source"] == "care.play:2"


# --- order ------------------------------------------------------------------------------


def test_actions_of_one_rule_in_written_order() -> None:
    text = 'when mention then tag "first", notify "#second" and hide, assign to "fourth", tag "fifth"'
    records = run(text, [ev()])
    assert [(r["action"], r["target"]) for r in records] == [
        ("tag", "first"),
        ("notify", "#second"),
        ("hide", None),
        ("assign", "fourth"),
        ("tag", "fifth"),
    ]


def test_rules_firing_on_one_event_in_rule_set_order() -> None:
    text = textwrap.dedent("""\
        rule "Zulu": when mention then tag "z"
        rule "Alpha": when mention then tag "a", tag "a2"
        when comment then tag "never"
        rule "Mike": when mention then tag "m"
    """)
    records = run(text, [ev()])
    assert [(r["rule"], r["target"]) for r in records] == [
        ("Zulu", "z"),
        ("Alpha", "a"),
        ("Alpha", "a2"),
        ("Mike", "m"),
    ]


def test_records_follow_the_order_of_events() -> None:
    text = 'rule "A": when mention then tag "a"\nrule "B": when comment then tag "b"'
    records = run(
        text, [ev("m1"), ev("c1", "comment", "2026-11-20T09:01:00Z"), ev("m2", time="2026-11-20T09:02:00Z")]
    )
    assert [(r["event"], r["rule"]) for r in records] == [("m1", "A"), ("c1", "B"), ("m2", "A")]


def test_folder_files_in_path_order(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "b.play").write_text('rule "From b": when mention then tag "b"\n', encoding="utf-8")
    (tmp_path / "a.play").write_text('rule "From a": when mention then tag "a"\n', encoding="utf-8")
    (tmp_path / "sub" / "c.play").write_text('\nwhen mention then tag "c"\n', encoding="utf-8")
    ruleset = load_ruleset([str(tmp_path)])
    records = [r.to_dict() for r in run_events(ruleset, [make_event(ev())])]
    assert [(r["rule"], r["target"], r["source"]) for r in records] == [
        ("From a", "a", "a.play:1"),
        ("From b", "b", "b.play:1"),
        ("c.play:2", "c", "c.play:2"),
    ]


def test_folder_paths_compared_as_strings(tmp_path: Path) -> None:
    """'a-b.play' < 'a.play' < 'a/z.play' as strings ('-' < '.' < '/')."""
    (tmp_path / "a").mkdir()
    for rel in ["a/z.play", "a.play", "a-b.play"]:
        (tmp_path / rel).write_text(f'rule "{rel}": when mention then tag "x"\n', encoding="utf-8")
    ruleset = load_ruleset([str(tmp_path)])
    records = [r.to_dict() for r in run_events(ruleset, [make_event(ev())])]
    assert [r["rule"] for r in records] == ["a-b.play", "a.play", "a/z.play"]


# --- id ---------------------------------------------------------------------------------

ID_PLAYBOOK = 'rule "R": when mention then tag "x", tag "x"\nrule "S": when mention then tag "x"'


def ids(events: list[dict[str, Any]], text: str = ID_PLAYBOOK) -> list[str]:
    return [r["id"] for r in run(text, events)]


def test_id_is_hex() -> None:
    for value in ids([ev()]):
        assert HEX.match(value), value
        assert len(value) >= 8


def test_id_is_stable_across_runs() -> None:
    assert ids([ev()]) == ids([ev()])


def test_id_does_not_depend_on_other_events() -> None:
    alone = ids([ev("m2", time="2026-11-20T09:05:00Z")])
    after = ids([ev("m1"), ev("m2", time="2026-11-20T09:05:00Z")])
    assert after[3:] == alone


def test_id_differs_by_position_rule_event_and_time() -> None:
    r_first, r_second, s_first = ids([ev()])
    assert len({r_first, r_second, s_first}) == 3  # position within R; rule R vs S
    other_event = ids([ev("m2")])
    assert set(other_event).isdisjoint({r_first, r_second, s_first})
    later = ids([ev(time="2026-11-20T09:00:01Z")])
    assert set(later).isdisjoint({r_first, r_second, s_first})
    fraction = ids([ev(time="2026-11-20T09:00:00.5Z")])
    assert set(fraction).isdisjoint({r_first, r_second, s_first})


def test_same_instant_in_another_zone_gives_the_same_id() -> None:
    assert ids([ev(time="2026-11-20T09:00:00Z")]) == ids([ev(time="2026-11-20T10:00:00+01:00")])


def test_action_id_function() -> None:
    base = action_id("R", "m1", 0, "2026-11-20T09:00:00Z")
    assert HEX.match(base)
    assert action_id("R", "m1", 0, "2026-11-20T09:00:00Z") == base
    others = {
        action_id("S", "m1", 0, "2026-11-20T09:00:00Z"),
        action_id("R", "m2", 0, "2026-11-20T09:00:00Z"),
        action_id("R", "m1", 1, "2026-11-20T09:00:00Z"),
        action_id("R", "m1", 0, "2026-11-20T09:00:01Z"),
    }
    assert base not in others
    assert len(others) == 4


def test_id_is_stable_across_processes() -> None:
    script = textwrap.dedent(f"""\
        import json
        from playbook.dryrun.run import run_events
        from playbook.language.events import make_event
        from playbook.compiler.ruleset import compile_sources
        ruleset = compile_sources({{"test.play": {ID_PLAYBOOK!r}}})
        records = run_events(ruleset, [make_event({ev()!r})])
        print(json.dumps([r.id for r in records]))
    """)
    here = ids([ev()])
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == here
