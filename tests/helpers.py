"""Test helpers: rule sets from text, events from keyword arguments, whole runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playbook.compiler.ruleset import RuleSet, check_sources, compile_sources
from playbook.daemon.config import Config, load_config
from playbook.dryrun.run import run_events
from playbook.language.diagnostics import PlaybookError, render_all
from playbook.language.events import Event, make_event
from playbook.language.timestamps import parse_time

DEFAULT_TIME = "2026-11-20T09:00:00Z"

# The sample playbook of SPEC section 2, statement for statement.
SPEC_SAMPLE = """\
playbook "Customer care"                       # optional title
brand "@acme", "@acme_help"                    # the brand's own accounts
list refund_words = "refund", "money back", "chargeback"
define complaint = text contains any refund_words or sentiment < -0.5
define vip = author.followers >= 10000 or author.verified = true

rule "Escalate unanswered complaints":
  when mention is complaint and unanswered 2h
  then escalate to "care-leads" priority high

when mention is complaint and author is vip then notify "#vip-desk"
"""


def ruleset_from(text: str, path: str = "test.play") -> RuleSet:
    """The rule set of one playbook text (PlaybookError if it is invalid)."""
    return compile_sources({path: text})


def check_output(text: str, path: str = "test.play") -> str:
    """What `playbook check` prints for a playbook text: every diagnostic, rendered."""
    try:
        checked = check_sources({path: text})
    except PlaybookError as exc:
        return render_all(exc.diagnostics, exc.sources)
    return render_all(checked.warnings, checked.sources)


def event(**fields: Any) -> Event:
    """An event from fields; `id`, `type` and `time` get defaults."""
    fields.setdefault("id", "e1")
    fields.setdefault("type", "mention")
    fields.setdefault("time", DEFAULT_TIME)
    return make_event(fields)


def run(text: str, events: list[dict[str, Any]], until: str | None = None) -> list[dict[str, Any]]:
    """The action records (as dicts) of a playbook text over events given as dicts;
    with `until`, the clock then moves to that time and what is due fires."""
    ruleset = ruleset_from(text)
    stop = parse_time(until) if until is not None else None
    records = run_events(ruleset, [make_event(dict(e)) for e in events], until=stop)
    return [r.to_dict() for r in records]


def stdin_daemon(folder: Path, play: str) -> Config:
    """The config of a daemon in `folder` reading standard input, its state in
    `state.db`, running `play` as `playbooks/care.play`."""
    playbook = folder / "playbooks" / "care.play"
    playbook.parent.mkdir()
    playbook.write_text(play, encoding="utf-8")
    (folder / "daemon.yaml").write_text(
        "playbooks: playbooks\nstate: state.db\nsources:\n  - {type: stdin}\n", encoding="utf-8"
    )
    return load_config(str(folder / "daemon.yaml"))
