"""A reload compiles in a thread of its own while the event loop goes on serving
events; the loader is made to hand the interpreter over often, so the loop is
not kept waiting a whole thread switch interval each time it comes back from a
socket or SQLite (at Python's default 5 ms, a 1000-rule reload starved it for
the whole load), and rests now and then (language/turns.py)."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from playbook.compiler.ruleset import RuleSet, compile_sources
from playbook.daemon import reload
from playbook.daemon.config import load_config
from playbook.language import turns
from playbook.language.turns import taking_turns, turn
from playbook.runtime.engine import Engine


def test_a_reload_loads_while_threads_take_short_turns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "playbooks").mkdir()
    (tmp_path / "playbooks" / "care.play").write_text('when mention then tag "seen"\n', encoding="utf-8")
    (tmp_path / "daemon.yaml").write_text("sources:\n  - {type: stdin}\n", encoding="utf-8")
    config = load_config(str(tmp_path / "daemon.yaml"))
    intervals: list[float] = []
    rests: list[float] = []
    real_load = reload.load_rules

    def load(config: Any) -> RuleSet:
        intervals.append(sys.getswitchinterval())
        worked = time.perf_counter() + reload.WORK_SECONDS
        while time.perf_counter() < worked:
            pass
        rested = time.perf_counter()
        turn()  # as the parser and the compiler do at each rule
        rests.append(time.perf_counter() - rested)
        return real_load(config)

    monkeypatch.setattr(reload, "load_rules", load)
    installed: list[RuleSet] = []
    processor = SimpleNamespace(
        ruleset=SimpleNamespace(digest="", rules=()),
        engine=Engine(compile_sources({"empty.play": ""})),
        install=lambda ruleset, successor: installed.append(ruleset),
        save=lambda now: None,
    )
    metrics = SimpleNamespace(reloads=Counter[str]())
    before = sys.getswitchinterval()
    reloader = reload.Reloader(config, processor, metrics)  # type: ignore[arg-type]
    assert asyncio.run(reloader.reload("SIGHUP"))
    assert (
        len(intervals) == 1 and intervals[0] == pytest.approx(reload.SWITCH_SECONDS) and intervals[0] < before
    )
    assert sys.getswitchinterval() == before  # as it was once the rules are loaded
    assert rests[0] >= reload.REST_SECONDS  # the loader rested once its turn was over
    assert len(installed) == 1 and metrics.reloads["ok"] == 1


def test_only_a_thread_taking_turns_rests() -> None:
    started = time.perf_counter()
    turn()
    assert time.perf_counter() - started < 0.05
    rested: list[float] = []

    def other() -> None:
        started = time.perf_counter()
        turn()
        rested.append(time.perf_counter() - started)

    with taking_turns(0.0, 0.1):
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        started = time.perf_counter()
        turn()
        assert time.perf_counter() - started >= 0.1
    with taking_turns(60.0, 0.1):
        started = time.perf_counter()
        turn()  # its turn is not over
        assert time.perf_counter() - started < 0.05
    assert rested[0] < 0.05


def test_parsing_and_compiling_take_a_turn_at_each_rule() -> None:
    text = "".join(f'rule "R{i}": when mention and text contains "x{i}" then tag "t{i}"\n' for i in range(5))
    compile_sources({"warm.play": text})
    with taking_turns(0.0, 0.02):
        started = time.perf_counter()
        rules = compile_sources({"a.play": text}).rules
        taken = time.perf_counter() - started
    assert len(rules) == 5 and taken >= 10 * 0.02  # a rest as each rule is parsed, and as it is compiled


def test_checking_the_rules_and_writing_them_out_take_turns_too(monkeypatch: pytest.MonkeyPatch) -> None:
    # Between parsing and compiling, a load of 1000 rules went on for 50-150 ms without a rest.
    text = "".join(f'rule "R{i}": when mention and text contains "x{i}" then tag "t{i}"\n' for i in range(5))
    rested_in: Counter[str] = Counter()

    def rest(seconds: float) -> None:
        rested_in[sys._getframe(2).f_code.co_name] += 1  # who called turn()

    monkeypatch.setattr(turns.time, "sleep", rest)
    with taking_turns(0.0, 0.0):
        compile_sources({"a.play": text})
    monkeypatch.undo()
    # A rest per rule while checking it, measuring it and writing it out, and (`rule`) while
    # parsing it and compiling it.
    assert [rested_in[step] for step in ("check_ruleset", "check_extents", "rules", "rule")] == [5, 5, 5, 10]
