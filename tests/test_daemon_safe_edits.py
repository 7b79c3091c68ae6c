"""Shadow rules and the guard in the real daemon (SPEC section 9): a subprocess on
real sockets, files and SQLite, edited, killed and started again."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from daemon_harness import DaemonProcess, now_iso, playbook_folder, wait_for

from playbook.daemon.config import ConfigError, GuardSettings, load_config
from playbook.language.timestamps import MICROS

DESK = """\
brand "@acme"
rule "Thank": when mention and text contains "love" then reply "Thanks!"
shadow rule "Thank warmly": when mention and text contains "love" then reply "Thank you so much!"
shadow rule "Escalate": when mention and text contains "broken" and unanswered 3s then escalate to "care-leads"
rule "Crisis": when mention and text contains "fire" then alert "#crisis"
"""
SINKS = [
    {"type": "file", "path": "out/actions.jsonl"},
    {"type": "file", "path": "out/shadow.jsonl", "shadow": True},
]
SHADOW = "out/shadow.jsonl"


def mention(id: str, text: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": id,
        "type": "mention",
        "time": now_iso(),
        "text": text,
        "author": {"handle": f"@{id}"},
        **extra,
    }


def metric(daemon: DaemonProcess, name: str, rule: str) -> float | None:
    """The value of `name{rule="RULE"}` on /metrics, or None when it is not there."""
    text = daemon.get("/metrics")[1].decode()
    found = re.search(rf'^{name}{{rule="{re.escape(rule)}"}} (\S+)$', text, re.M)
    return float(found.group(1)) if found else None


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return playbook_folder(tmp_path, "desk.play", DESK)


@pytest.fixture
def daemon(folder: Path) -> Iterator[DaemonProcess]:
    process = DaemonProcess(folder, {"sinks": SINKS, "guard": {"max": 3, "within": "10m"}})
    yield process
    process.close()


# --- configuration ---


def config_with(folder: Path, **keys: Any) -> Path:
    path = folder / "daemon.yaml"
    path.write_text(
        yaml.safe_dump({"playbooks": "playbooks", "sources": [{"type": "stdin"}], **keys}), encoding="utf-8"
    )
    return path


def test_the_guard_has_its_defaults(folder: Path) -> None:
    config = load_config(str(config_with(folder)))
    assert config.guard == GuardSettings(("reply", "hide"), 20, 600 * MICROS)
    assert not any(sink.shadow for sink in config.sinks)
    config = load_config(str(config_with(folder, guard={"max": 0}, sinks=SINKS)))
    assert (config.guard.on, [sink.shadow for sink in config.sinks]) == (False, [False, True])


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"guard": {"maxx": 5}}, "guard: unknown key 'maxx' (did you mean 'max'?)"),
        (
            {"guard": {"max": "lots"}},
            "guard: 'max' must be a whole number, 0 to turn the guard off, not 'lots'",
        ),
        ({"guard": {"max": -1}}, "guard: 'max' must be a whole number"),
        ({"guard": {"within": "soon"}}, "guard: 'within' must be a duration like 30s or 2m, not 'soon'"),
        ({"guard": {"within": "0s"}}, "guard: 'within' must be longer than zero"),
        (
            {"guard": {"actions": ["replly"]}},
            "guard: 'actions': unknown action 'replly' (did you mean 'reply'?)",
        ),
        ({"guard": {"actions": []}}, "guard: 'actions' must be a list of action words, like [reply, hide]"),
        ({"guard": [20]}, "guard: must be a mapping like {actions: [reply, hide], max: 20, within: 10m}"),
        ({"sinks": [{"type": "stdout", "shadow": "yes please"}]}, "sinks[0]: 'shadow' must be true or false"),
    ],
)
def test_a_wrong_guard_or_shadow_key_is_refused_naming_it(
    folder: Path, keys: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(str(config_with(folder, **keys)))


def test_the_daemon_refuses_a_wrong_guard_at_start(folder: Path) -> None:
    process = DaemonProcess(folder, {"guard": {"max": 20, "per": "10m"}})
    result = process.refused()
    assert result.returncode == 2
    assert "guard: unknown key 'per' (known keys: actions, max, within)" in result.stderr


# --- shadow rules ---


def test_shadow_records_go_to_shadow_sinks_and_to_no_other(daemon: DaemonProcess) -> None:
    daemon.start()
    assert daemon.post([mention("m1", "I love it"), mention("m2", "on fire")])[0] == 202
    wait_for(lambda: len(daemon.actions()) == 2, what="the live actions")
    wait_for(lambda: len(daemon.actions(SHADOW)) == 1, what="the shadow action")
    live, shadow = daemon.actions(), daemon.actions(SHADOW)
    assert [(a["rule"], "shadow" in a) for a in live] == [("Thank", False), ("Crisis", False)]
    assert [(a["rule"], a["event"], a["shadow"]) for a in shadow] == [("Thank warmly", "m1", True)]
    assert metric(daemon, "playbook_shadow_actions_total", "Thank warmly") == 1.0
    assert metric(daemon, "playbook_shadow_actions_total", "Thank") is None


def test_a_promoted_rule_keeps_its_wait_and_fires_live(folder: Path, daemon: DaemonProcess) -> None:
    daemon.start()
    assert daemon.post([mention("m1", "it arrived broken")])[0] == 202
    wait_for(lambda: daemon.health()["pending"] == 1, what="the shadow rule to wait")
    playbook = folder / "playbooks" / "desk.play"
    playbook.write_text(DESK.replace('shadow rule "Escalate"', 'rule "Escalate"'), encoding="utf-8")
    wait_for(lambda: '"msg":"reloaded"' in daemon.log(), what="the reload")
    (reloaded,) = [line for line in daemon.logged() if line["msg"] == "reloaded"]
    assert reloaded["kept_waits"] == 1
    wait_for(lambda: daemon.actions(), timeout=15, what="the escalation")
    (escalated,) = daemon.actions()
    assert (escalated["rule"], escalated["event"], "shadow" in escalated) == ("Escalate", "m1", False)
    assert daemon.actions(SHADOW) == []


# --- the guard ---


def test_the_guard_pauses_a_flooding_rule_across_a_sigkill_until_an_edit(
    folder: Path, daemon: DaemonProcess
) -> None:
    daemon.start()
    assert daemon.post([mention(f"m{n}", "I love it") for n in range(1, 5)])[0] == 202
    wait_for(lambda: daemon.health()["paused"], what="the rule to be paused")
    wait_for(lambda: len(daemon.actions()) == 4, what="three replies and the alert")
    live = daemon.actions()
    assert [(a["rule"], a["event"]) for a in live] == [
        ("Thank", "m1"),
        ("Thank", "m2"),
        ("Thank", "m3"),
        ("guard", "m4"),
    ]
    alert = live[-1]
    assert (alert["action"], alert["target"], alert["params"]) == (
        "alert",
        None,
        {"message": "rule 'Thank' paused: 4 reply actions within 10m"},
    )
    assert (alert["author"], alert["source"]) == ("@m4", "desk.play:2")
    (paused,) = daemon.health()["paused"]
    assert (paused["rule"], paused["why"]) == ("Thank", "4 reply actions within 10m")
    assert metric(daemon, "playbook_rule_paused", "Thank") == 1.0
    assert metric(daemon, "playbook_rule_paused", "Crisis") == 0.0
    assert metric(daemon, "playbook_paused_total", "Thank") == 1.0
    assert any(line["msg"] == "rule 'Thank' paused: 4 reply actions within 10m" for line in daemon.logged())
    # The shadow rule beside it is not guarded: it took all four.
    wait_for(lambda: len(daemon.actions(SHADOW)) == 4, what="the shadow replies")

    # Killed, and started again: still paused; later firings are held back, the rest goes on.
    wait_for(lambda: daemon.health()["outbox"] == 0, what="the deliveries to be marked")
    daemon.kill()
    daemon.start()
    assert [p["rule"] for p in daemon.health()["paused"]] == ["Thank"]
    assert daemon.post([mention("m5", "I love it"), mention("m6", "on fire")])[0] == 202
    wait_for(lambda: len(daemon.actions()) == 5, what="the crisis alert")
    wait_for(lambda: metric(daemon, "playbook_paused_total", "Thank") == 1.0, what="the held firing")
    assert [(a["rule"], a["event"]) for a in daemon.actions()][4:] == [("Crisis", "m6")]

    # An edit of the rule's text lifts the pause.
    playbook = folder / "playbooks" / "desk.play"
    playbook.write_text(DESK.replace('reply "Thanks!"', 'reply "Thank you!"'), encoding="utf-8")
    wait_for(lambda: not daemon.health()["paused"], what="the pause to be lifted")
    assert metric(daemon, "playbook_rule_paused", "Thank") == 0.0
    assert any(
        "resumed rule 'Thank'" in line["msg"] and "its text changed" in line["msg"]
        for line in daemon.logged()
    )
    assert daemon.post([mention("m7", "I love it")])[0] == 202
    wait_for(lambda: len(daemon.actions()) == 6, what="the reply after the edit")
    last = daemon.actions()[-1]
    assert (last["rule"], last["event"], last["params"]) == ("Thank", "m7", {"text": "Thank you!"})


def test_a_sigkill_before_the_save_holds_back_the_same_firings(folder: Path, daemon: DaemonProcess) -> None:
    daemon.start()
    assert daemon.post([mention(f"m{n}", "I love it") for n in range(1, 7)])[0] == 202
    daemon.kill()  # at once: the events may or may not have been processed, and saved
    daemon.start()
    wait_for(lambda: daemon.health()["inbox"] == 0 and daemon.health()["paused"], what="the replay")
    wait_for(lambda: daemon.health()["outbox"] == 0, what="the deliveries")
    # However far the first run got, three replies and one alert, each once (an action
    # under way when the daemon died may come twice, with the same id: SPEC section 7).
    delivered = dict.fromkeys((a["id"], a["rule"], a["event"]) for a in daemon.actions())
    assert [(rule, event) for _, rule, event in delivered] == [
        ("Thank", "m1"),
        ("Thank", "m2"),
        ("Thank", "m3"),
        ("guard", "m4"),
    ]


def test_new_guard_settings_lift_a_pause_at_start(folder: Path, daemon: DaemonProcess) -> None:
    daemon.start()
    daemon.post([mention(f"m{n}", "I love it") for n in range(1, 5)])
    wait_for(lambda: daemon.health()["paused"], what="the rule to be paused")
    assert daemon.stop() == 0
    daemon.config["guard"] = {"max": 10, "within": "10m"}
    (folder / "daemon.yaml").write_text(json.dumps(daemon.config), encoding="utf-8")
    daemon.start()
    assert daemon.health()["paused"] == []
    assert any(
        line["msg"].startswith("resumed rule 'Thank'")
        and line["msg"].endswith("the guard's settings changed")
        for line in daemon.logged()
    )
