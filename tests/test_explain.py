"""`--explain` (SPEC section 5): what it shows is what the engine decided.

Random small rule sets run over random events with and without an explainer:
the actions must be the same, and every ✓ or ✗ shown for a rule and for each of
its conjuncts must say whether it held, as a plain model of the conditions
computes it here.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from helpers import ruleset_from
from hypothesis import given, settings
from hypothesis import strategies as st

from playbook.compiler.actions import ActionRecord
from playbook.dryrun.explain import Explainer
from playbook.dryrun.run import dry_run

ROOT = Path(__file__).resolve().parent.parent

# --- conditions: generated, written as a playbook, and decided by a model ---------------

WORDS = ("refund", "love", "broken", "money", "back", "great", "help")
PHRASES = ("refund", "love", "broken", "money back", "great", "help", "back")
TYPES = ("mention", "comment", "review")
LABELS = ("complaint", "praise")
DEFINES = 2

Cond = tuple[Any, ...]

leaves = st.one_of(
    st.tuples(st.just("type"), st.sampled_from(TYPES)),
    st.tuples(st.just("contains"), st.sampled_from(PHRASES)),
    st.tuples(st.sampled_from(["any", "all"]), st.lists(st.sampled_from(PHRASES), min_size=1, max_size=3)),
    st.tuples(
        st.just("followers"), st.sampled_from(["<", ">=", "=", "!="]), st.sampled_from([0, 500, 10000])
    ),
    st.tuples(st.just("label"), st.sampled_from(LABELS)),
)


def _conditions(defines: int) -> st.SearchStrategy[Cond]:
    base = leaves
    if defines:
        base = st.one_of(
            leaves,
            st.tuples(st.just("define"), st.integers(0, defines - 1)),
            st.tuples(
                st.just("is"), st.sampled_from([*TYPES, "event"]), st.integers(0, defines - 1), st.booleans()
            ),
        )
    return st.recursive(
        base,
        lambda inner: st.one_of(
            st.tuples(st.just("not"), inner),
            st.tuples(st.sampled_from(["and", "or"]), inner, inner),
        ),
        max_leaves=6,
    )


def text_of(c: Cond) -> str:
    """The condition as a playbook writes it (compound operands in parentheses)."""
    kind = c[0]
    if kind == "type":
        return c[1]
    if kind == "contains":
        return f'text contains "{c[1]}"'
    if kind in ("any", "all"):
        return f"text contains {kind} (" + ", ".join(f'"{p}"' for p in c[1]) + ")"
    if kind == "followers":
        return f"author.followers {c[1]} {c[2]}"
    if kind == "label":
        return f"event is {c[1]}"
    if kind == "define":
        return f"d{c[1]}"
    if kind == "is":
        return f"{c[1]} is {'not ' if c[3] else ''}d{c[2]}"
    if kind == "not":
        return f"not ({text_of(c[1])})"
    return f"({text_of(c[1])} {kind} {text_of(c[2])})"


def conjuncts_of(c: Cond) -> list[Cond]:
    """The parts joined by `and` at the top, parentheses around `and`s flattened."""
    if c[0] == "and":
        return [*conjuncts_of(c[1]), *conjuncts_of(c[2])]
    return [c]


def holds(c: Cond, e: dict[str, Any], defines: list[Cond]) -> bool:
    """Whether the condition holds for the event: the model."""
    kind = c[0]
    text = e.get("text")
    if kind == "type":
        return bool(e["type"] == c[1])
    if kind in ("contains", "any", "all"):
        if not isinstance(text, str):
            return False
        found = [f" {p} " in f" {text.lower()} " for p in ([c[1]] if kind == "contains" else c[1])]
        return all(found) if kind == "all" else any(found)
    if kind == "followers":
        followers = e.get("author", {}).get("followers")
        if followers is None:
            return False
        return {
            "<": followers < c[2],
            ">=": followers >= c[2],
            "=": followers == c[2],
            "!=": followers != c[2],
        }[c[1]]
    if kind == "label":
        return c[1] in e.get("labels", [])
    if kind == "define":
        return holds(defines[c[1]], e, defines)
    if kind == "is":
        return (c[1] == "event" or e["type"] == c[1]) and holds(defines[c[2]], e, defines) != c[3]
    if kind == "not":
        return not holds(c[1], e, defines)
    if kind == "and":
        return holds(c[1], e, defines) and holds(c[2], e, defines)
    return holds(c[1], e, defines) or holds(c[2], e, defines)


events = st.lists(
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(TYPES),
            "text": st.lists(st.sampled_from(WORDS), max_size=5).map(" ".join),
            "labels": st.lists(st.sampled_from(LABELS), max_size=2, unique=True),
        },
        optional={"author": st.fixed_dictionaries({"followers": st.sampled_from([0, 500, 10000])})},
    ),
    min_size=1,
    max_size=6,
)


@st.composite
def desks(draw: st.DrawFn) -> tuple[list[Cond], list[Cond], list[dict[str, Any]]]:
    """Defines, rules and events."""
    defines = [draw(_conditions(0)) for _ in range(DEFINES)]
    rules = draw(st.lists(_conditions(DEFINES), min_size=1, max_size=4))
    stream = draw(events)
    for i, e in enumerate(stream):
        e.update(id=f"e{i}", time=f"2026-11-20T09:{i:02}:00Z")
        if draw(st.booleans()):
            e["text"] = e["text"].title()  # phrases match in any case
    return defines, rules, stream


def playbook_of(defines: list[Cond], rules: list[Cond]) -> str:
    lines = [f"define d{i} = {text_of(c)}" for i, c in enumerate(defines)]
    lines += [
        f'rule "R{i}": when {" and ".join(map(text_of, conjuncts_of(c)))} then tag "t{i}"'
        for i, c in enumerate(rules)
    ]
    return "\n".join(lines) + "\n"


def explained(out: str) -> dict[tuple[str, str], tuple[str, list[str]]]:
    """(event, rule) → the mark of the rule and the marks of its conjuncts, as shown."""
    shown: dict[tuple[str, str], tuple[str, list[str]]] = {}
    event = rule = ""
    for line in out.splitlines():
        if header := re.match(r"event (\S+):", line):
            event = header.group(1)
        elif checked := re.match(r"  ([✓✗]) (R\d+) \(", line):
            rule = checked.group(2)
            shown[event, rule] = (checked.group(1), [])
        elif part := re.match(r"    ([✓✗]) ", line):
            shown[event, rule][1].append(part.group(1))
    return shown


def _run(text: str, stream: list[dict[str, Any]], explain: bool) -> tuple[list[ActionRecord], str]:
    ruleset = ruleset_from(text)
    lines = [json.dumps(e).encode() for e in stream]
    records: list[ActionRecord] = []
    out = io.StringIO()
    explainer = Explainer(ruleset, [], out) if explain else None
    dry_run(ruleset, lines, records.append, explainer=explainer)
    return records, out.getvalue()


def mark(held: bool) -> str:
    return "✓" if held else "✗"


@settings(max_examples=150, deadline=None)
@given(desks())
def test_explain_shows_the_verdicts_the_engine_acted_on(
    desk: tuple[list[Cond], list[Cond], list[dict[str, Any]]],
) -> None:
    defines, rules, stream = desk
    text = playbook_of(defines, rules)
    plain, _ = _run(text, stream, explain=False)
    with_explain, out = _run(text, stream, explain=True)
    assert [r.to_json() for r in with_explain] == [r.to_json() for r in plain]
    shown = explained(out)
    fired = {(r.event, r.rule) for r in plain}
    for e in stream:
        for i, rule in enumerate(rules):
            key = (e["id"], f"R{i}")
            parts = [holds(c, e, defines) for c in conjuncts_of(rule)]
            assert (key in fired) == all(parts), (text, e)
            if key not in shown:
                # the engine only passes over a rule that cannot hold for the event
                assert not all(parts), (text, e)
                continue
            assert shown[key] == (mark(all(parts)), [mark(p) for p in parts]), (text, e, out)


# --- the command -----------------------------------------------------------------------


def playbook(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "playbook", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )


def test_a_rule_that_fired_shows_each_of_its_conditions_held(tmp_path: Path) -> None:
    (tmp_path / "min.play").write_text(
        'rule "P": when mention and text contains "love" then tag "p"\n'
        'rule "R": when mention and text contains "refund" then tag "r"\n',
        encoding="utf-8",
    )
    (tmp_path / "m1.jsonl").write_text(
        '{"id":"m1","type":"mention","time":"2026-11-23T09:00:00Z","text":"I want a refund"}\n',
        encoding="utf-8",
    )
    done = playbook("dry-run", "min.play", "--events", "m1.jsonl", "--explain", "m1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        "event m1: mention at 2026-11-23T09:00:00Z by no author, thread m1\n"
        "  ✗ P (min.play:1)\n"
        "    ✓ mention\n"
        '    ✗ text contains "love"\n'
        "  ✓ R (min.play:2)\n"
        "    ✓ mention\n"
        '    ✓ text contains "refund"\n'
        "    → fired: tag r\n"
    )


def test_on_the_example_desk_every_rule_that_fired_shows_only_conditions_that_held() -> None:
    done = playbook("dry-run", "playbooks", "--events", "examples/events.jsonl", "--explain", cwd=ROOT)
    assert done.returncode == 0, done.stderr
    blocks = re.findall(r"^  ✓ .*\n((?:    .*\n)*)", done.stdout, re.M)
    fired = [block for block in blocks if "→ fired" in block]
    assert len(fired) > 50
    for block in fired:
        assert not re.search(r"^    ✗", block, re.M), block


def test_a_wait_in_working_time_says_what_it_counts_and_during_shows_the_local_time(tmp_path: Path) -> None:
    (tmp_path / "desk.play").write_text(
        'brand "@acme"\n'
        'schedule office = mon-fri 09:00-17:00 in "Europe/London"\n'
        'rule "Two working hours": when mention and unanswered 2h during office then escalate\n'
        'rule "After hours": when message and not during office then reply with template "back-at-nine"\n',
        encoding="utf-8",
    )
    (tmp_path / "events.jsonl").write_text(
        '{"id":"m1","type":"mention","time":"2026-11-20T16:30:00Z"}\n'
        '{"id":"d1","type":"message","time":"2026-11-20T17:00:00Z"}\n',
        encoding="utf-8",
    )
    done = playbook("dry-run", "desk.play", "--events", "events.jsonl", "--explain", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        "event m1: mention at 2026-11-20T16:30:00Z by no author, thread m1\n"
        "  ✓ Two working hours (desk.play:3)\n"
        "    ✓ mention\n"
        "    → waiting for a reply in thread m1 until 2026-11-23T10:30:00Z (2h of office time)\n"
        "event d1: message at 2026-11-20T17:00:00Z by no author, thread d1\n"
        "  ✓ After hours (desk.play:4)\n"
        "    ✓ message\n"
        "    ✓ not during office\n"
        "      ✗ during office (Friday 17:00 in Europe/London)\n"
        "    → fired: reply\n"
    )
    assert done.stderr.splitlines()[-2:] == [
        "pending: 1 deadline (clock at 2026-11-20T17:00:00Z)",
        "  2026-11-23T10:30:00Z  Two working hours  event m1 in thread m1 (2h of office time)",
    ]


def test_an_author_with_an_id_and_no_handle_is_named_by_the_id(tmp_path: Path) -> None:
    (tmp_path / "min.play").write_text('rule "P": when mention then tag "p"\n', encoding="utf-8")
    (tmp_path / "m1.jsonl").write_text(
        '{"id":"m1","type":"mention","time":"2026-11-23T09:00:00Z","author":{"id":"u42"},"text":"hi"}\n',
        encoding="utf-8",
    )
    done = playbook("dry-run", "min.play", "--events", "m1.jsonl", "--explain", "m1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("event m1: mention at 2026-11-23T09:00:00Z by author id u42, thread m1\n")
