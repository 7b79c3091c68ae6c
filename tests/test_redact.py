"""Secrets kept out of what people see: URLs cut after the host, and every secret
of the configuration hidden from a text (redact.py)."""

from __future__ import annotations

import json

import pytest

from playbook.daemon.redact import Redactor, display_url, secret_parts


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://hooks.slack.com/services/T0001/B0002/XXXX", "https://hooks.slack.com/…"),
        ("https://user:pw@hooks.example.com:8443/in?token=abc", "https://hooks.example.com:8443/…"),
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
        ("http://127.0.0.1:9000/", "http://127.0.0.1:9000"),
        ("http://[::1]:9000/hook", "http://[::1]:9000/…"),
        ("https://example.com?key=1", "https://example.com/…"),
    ],
)
def test_a_url_is_shown_cut_after_its_host(url: str, shown: str) -> None:
    assert display_url(url) == shown


def test_the_secret_parts_of_a_url_are_the_url_what_follows_the_host_and_its_credentials() -> None:
    url = "https://someone:hunter2-pw@hooks.example.com/in/abcdef?token=xyz"
    assert secret_parts(url) == [url, "/in/abcdef?token=xyz", "someone", "hunter2-pw"]
    assert secret_parts("http://127.0.0.1:9000/hook") == [
        "http://127.0.0.1:9000/hook"
    ]  # "/hook" is no secret


def test_a_redactor_hides_each_secret_as_written_and_as_json_escapes_it() -> None:
    url = "https://hooks.slack.com/services/T0001/B0002/XXXX"
    redact = Redactor([url, "/services/T0001/B0002/XXXX", 'pa"ss\\word'])
    line = json.dumps({"msg": f"cannot post to {url}", "reason": 'login pa"ss\\word refused'})
    assert redact(line) == json.dumps(
        {"msg": "cannot post to …", "reason": "login … refused"}, ensure_ascii=False
    )
    assert redact("POST /services/T0001/B0002/XXXX: 404") == "POST …: 404"


def test_a_short_secret_is_hidden_only_where_it_stands_alone() -> None:
    redact = Redactor(["hook"])
    assert redact("webhook refused: bad secret hook") == "webhook refused: bad secret …"
    assert Redactor([])("nothing to hide") == "nothing to hide"
