"""The configuration of sinks and mapped sources (SPEC section 11): every key checked
at start, with a message that names it and never shows a secret."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from playbook.daemon.config import Config, ConfigError, load_config

SLACK_URL = "https://hooks.slack.com/services/T0001/B0002/secretslackpath"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "playbooks").mkdir()
    (tmp_path / "playbooks" / "care.play").write_text('when mention then notify "#desk"\n', encoding="utf-8")
    return tmp_path


def load(
    folder: Path, sinks: list[dict[str, Any]] | None = None, sources: list[dict[str, Any]] | None = None
) -> Config:
    config = {
        "playbooks": "playbooks",
        "sources": sources or [{"type": "stdin"}],
        "sinks": sinks or [{"type": "stdout"}],
    }
    (folder / "playbook.yaml").write_text(json.dumps(config), encoding="utf-8")
    return load_config(str(folder / "playbook.yaml"))


def refused(folder: Path, **parts: list[dict[str, Any]]) -> str:
    with pytest.raises(ConfigError) as caught:
        load(folder, **parts)
    return str(caught.value).split(": ", 1)[1]  # without the file's path


def test_slack_and_webhook_sinks_are_shown_cut_after_the_host(folder: Path) -> None:
    config = load(
        folder,
        [
            {"type": "slack", "url": SLACK_URL},
            {"type": "slack", "url": "https://hooks.slack.com/services/T0001/B0003/otherpath"},
            {"type": "webhook", "url": "https://user:pw@hooks.example.com:8443/in?token=abc123"},
            {"type": "webhook", "url": "http://127.0.0.1:9000"},
        ],
    )
    assert [s.name for s in config.sinks] == [
        "slack:https://hooks.slack.com/…",
        "slack:https://hooks.slack.com/… (2)",
        "webhook:https://hooks.example.com:8443/…",
        "webhook:http://127.0.0.1:9000",
    ]
    assert all("secret" not in s.key and "://" not in s.key for s in config.sinks)
    assert len({s.key for s in config.sinks}) == 4


def test_a_sinks_key_in_the_outbox_is_stable_and_follows_its_name_when_it_has_one(folder: Path) -> None:
    first = load(folder, [{"type": "slack", "url": SLACK_URL}]).sinks[0]
    again = load(folder, [{"type": "slack", "url": SLACK_URL, "match": {"action": ["notify"]}}]).sinks[0]
    assert first.key == again.key
    named = load(folder, [{"type": "slack", "url": SLACK_URL, "name": "vip-desk"}]).sinks[0]
    rotated = load(folder, [{"type": "slack", "url": SLACK_URL + "2", "name": "vip-desk"}]).sinks[0]
    assert (named.name, named.key) == ("slack:vip-desk", "slack:name:vip-desk")
    assert rotated.key == named.key


def test_an_email_sink_takes_the_keys_of_the_spec(folder: Path) -> None:
    sink = load(
        folder,
        [
            {
                "type": "email",
                "host": "smtp.example.com",
                "port": 587,
                "starttls": True,
                "username": "playbook",
                "password": "smtp-pass-word",
                "from": "playbook@example.com",
                "to": ["care-leads@example.com", "ops@example.com"],
                "match": {"target": ["care-leads"]},
            }
        ],
    ).sinks[0]
    assert sink.name == "email:care-leads@example.com,ops@example.com"
    assert sink.mail is not None
    assert (sink.mail.host, sink.mail.port, sink.mail.starttls, sink.mail.ssl) == (
        "smtp.example.com",
        587,
        True,
        False,
    )
    assert (sink.mail.username, sink.mail.password, sink.mail.sender) == (
        "playbook",
        "smtp-pass-word",
        "playbook@example.com",
    )


@pytest.mark.parametrize(("tls", "port"), [({}, 25), ({"starttls": True}, 587), ({"ssl": True}, 465)])
def test_an_email_sinks_port_defaults_by_how_it_is_encrypted(
    folder: Path, tls: dict[str, bool], port: int
) -> None:
    entry = {
        "type": "email",
        "host": "mail.example.com",
        "from": "p@example.com",
        "to": "l@example.com",
        **tls,
    }
    mail = load(folder, [entry]).sinks[0].mail
    assert mail is not None and mail.port == port and mail.to == ("l@example.com",)


EMAIL = {"type": "email", "host": "smtp.example.com", "from": "p@example.com", "to": ["l@example.com"]}


@pytest.mark.parametrize(
    ("sink", "message"),
    [
        ({"type": "slack"}, "sinks[0]: 'url' is required"),
        (
            {"type": "slack", "url": "hooks.slack.com/services/T/B/X"},
            "sinks[0]: 'url' must be an http:// or https:// address with a host",
        ),
        (
            {"type": "slack", "url": SLACK_URL, "secret": "s"},
            "sinks[0]: unknown key 'secret' (known keys: type, name, match, shadow, url, digest)",
        ),
        (
            {"type": "slack", "url": SLACK_URL, "match": {"action": ["notfy"]}},
            "sinks[0]: 'match.action' lists 'notfy', which no record has (did you mean 'notify'?)",
        ),
        (
            {"type": "file", "path": "x.jsonl", "match": {"target": "#vip"}},
            """sinks[0]: 'match.target' must be a list of values, like ["#vip-desk"], not '#vip'""",
        ),
        (
            {"type": "stdout", "match": {"rule": [5]}},
            "sinks[0]: 'match.rule' must list texts, not 5 (write it in quotes)",
        ),
        ({"type": "stdout", "mach": {}}, "sinks[0]: unknown key 'mach' (did you mean 'match'?)"),
        ({**EMAIL, "host": None}, "sinks[0]: 'host' is required"),
        ({**EMAIL, "from": None}, "sinks[0]: 'from' is required"),
        (
            {**EMAIL, "from": "playbook"},
            """sinks[0]: 'from' must be an e-mail address, like "playbook@example.com", not 'playbook'""",
        ),
        (
            {**EMAIL, "to": []},
            """sinks[0]: 'to' must be a list of e-mail addresses, like ["care-leads@example.com"]""",
        ),
        (
            {**EMAIL, "to": ["care leads"]},
            """sinks[0]: 'to' must be a list of e-mail addresses, like ["care-leads@example.com"]""",
        ),
        ({**EMAIL, "port": "587"}, "sinks[0]: 'port' must be a port number, like 587, not '587'"),
        ({**EMAIL, "starttls": "yes"}, "sinks[0]: 'starttls' must be true or false, not 'yes'"),
        (
            {**EMAIL, "starttls": True, "ssl": True},
            "sinks[0]: 'starttls' and 'ssl' are two ways to encrypt: set one of them",
        ),
        (
            {**EMAIL, "username": "u"},
            "sinks[0]: 'username' and 'password' go together: give both, or neither",
        ),
        (
            {**EMAIL, "username": "u", "password": "pw-secret"},
            "sinks[0]: the password would cross the network unencrypted: set 'starttls: true' (or 'ssl: true' if the server takes SSL from the start)",
        ),
        ({**EMAIL, "sender": "p@example.com"}, "sinks[0]: unknown key 'sender'"),
    ],
)
def test_a_sink_that_cannot_work_is_refused_naming_the_key(
    folder: Path, sink: dict[str, Any], message: str
) -> None:
    sink = {k: v for k, v in sink.items() if v is not None}
    assert refused(folder, sinks=[sink]).startswith(message)


def test_two_sinks_with_one_destination_or_one_name_are_refused(folder: Path) -> None:
    twice = [
        {"type": "slack", "url": SLACK_URL},
        {"type": "slack", "url": SLACK_URL, "match": {"action": ["alert"]}},
    ]
    assert refused(folder, sinks=twice) == "'sinks' lists slack:https://hooks.slack.com/… twice"
    named = [
        {"type": "slack", "url": SLACK_URL, "name": "desk"},
        {"type": "slack", "url": SLACK_URL + "x", "name": "desk"},
    ]
    assert refused(folder, sinks=named) == "'sinks' lists the name 'slack:desk' twice"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            {"type": "stdin", "map": {"id": "a", "type": "'m'", "time": "t."}},
            "sources[0]: 'map.time' is not a valid JMESPath expression: ",
        ),
        (
            {"type": "file", "path": "f.jsonl", "each": "items"},
            "sources[0]: 'each' needs a 'map' to apply to each item",
        ),
        (
            {"type": "http", "token": "tok", "map": {"id": "a[", "type": "'m'"}},
            "sources[0]: 'map.id' is not a valid JMESPath expression: ",
        ),
        ({"type": "stdin", "mapping": {}}, "sources[0]: unknown key 'mapping'"),
    ],
)
def test_a_source_map_that_cannot_work_is_refused_naming_the_key(
    folder: Path, source: dict[str, Any], message: str
) -> None:
    assert refused(folder, sources=[source]).startswith(message)


@pytest.mark.parametrize(
    ("sources", "sinks", "secret"),
    [
        ([{"type": "http", "token": 98765432}], None, "98765432"),
        ([{"type": "http", "secret": ["hmac-key-abc"]}], None, "hmac-key-abc"),
        (None, [{"type": "webhook", "url": "ftp://hooks.example.com/secret-path-xyz"}], "secret-path-xyz"),
        (
            None,
            [{"type": "slack", "url": "hooks.slack.com/services/T0001/B0002/secretslackpath"}],
            "secretslackpath",
        ),
        (None, [{**EMAIL, "username": "u", "password": 31415926}], "31415926"),
        (None, [{**EMAIL, "username": "u", "password": "pw-on-the-wire"}], "pw-on-the-wire"),
    ],
)
def test_a_refusal_never_shows_the_secret_it_is_about(
    folder: Path, sources: list[dict[str, Any]] | None, sinks: list[dict[str, Any]] | None, secret: str
) -> None:
    assert secret not in refused(
        folder, sources=sources or [{"type": "stdin"}], sinks=sinks or [{"type": "stdout"}]
    )


def test_the_configuration_knows_every_secret_it_holds(folder: Path) -> None:
    config = load(
        folder,
        [
            {"type": "slack", "url": SLACK_URL},
            {
                "type": "webhook",
                "url": "https://u:hook-pass@hooks.example.com/in?k=1",
                "secret": "hook-secret",
            },
            {**EMAIL, "username": "u", "password": "smtp-pass", "starttls": True},
        ],
        [{"type": "http", "token": "http-token", "secret": "http-secret"}],
    )
    assert set(config.secrets) >= {
        "http-token",
        "http-secret",
        SLACK_URL,
        "/services/T0001/B0002/secretslackpath",
        "hook-secret",
        "hook-pass",
        "smtp-pass",
    }


def test_the_daemon_refuses_a_bad_match_at_start_with_exit_2(folder: Path) -> None:
    config = {
        "playbooks": "playbooks",
        "sources": [{"type": "stdin"}],
        "sinks": [{"type": "stdout", "match": {"priority": ["hihg"]}}],
    }
    (folder / "bad.yaml").write_text(json.dumps(config), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "playbook", "run", "--config", "bad.yaml"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert (
        "sinks[0]: 'match.priority' lists 'hihg', which no record has (did you mean 'high'?)" in result.stderr
    )


DELIVERY_DOC = Path(__file__).resolve().parent.parent / "docs" / "delivery.md"
YAML_BLOCK = re.compile(r"^```yaml config\n(.*?)^```", re.S | re.M)


CONFIG_BLOCKS = YAML_BLOCK.findall(DELIVERY_DOC.read_text(encoding="utf-8"))


def test_the_delivery_guide_shows_its_configurations() -> None:
    assert len(CONFIG_BLOCKS) >= 6


@pytest.mark.parametrize("block", CONFIG_BLOCKS)
def test_every_configuration_in_the_delivery_guide_is_taken_as_it_is(
    folder: Path, monkeypatch: pytest.MonkeyPatch, block: str
) -> None:
    for name in re.findall(r"\$\{(\w+)\}", block):
        monkeypatch.setenv(
            name, "https://hooks.slack.com/services/T/B/X" if name.endswith("_URL") else "secret"
        )
    config = {"playbooks": "playbooks", "sources": [{"type": "stdin"}], **yaml.safe_load(block)}
    (folder / "playbook.yaml").write_text(json.dumps(config), encoding="utf-8")
    loaded = load_config(str(folder / "playbook.yaml"))
    assert loaded.sinks or loaded.sources


def test_the_configuration_in_playbook_run_help_is_taken_as_it_is(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playbook.cli import RUN_EPILOG

    example = textwrap.dedent(RUN_EPILOG.split("\n\n")[1])
    for name in re.findall(r"\$\{(\w+)\}", example):
        monkeypatch.setenv(
            name, "https://hooks.slack.com/services/T/B/X" if name.endswith("_URL") else "secret"
        )
    (folder / "playbook.yaml").write_text(example, encoding="utf-8")
    config = load_config(str(folder / "playbook.yaml"))
    assert [s.type for s in config.sinks] == ["stdout", "file", "webhook", "slack", "email", "file"]
    assert [s.shadow for s in config.sinks] == [False] * 5 + [True]
