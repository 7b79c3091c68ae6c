"""A reload compiles in a thread of its own while the event loop goes on serving
events; the loader is made to hand the interpreter over often, so the loop is
not kept waiting a whole thread switch interval each time it comes back from a
socket or SQLite (at Python's default 5 ms, a 1000-rule reload starved it for
the whole load)."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from playbook.compiler.ruleset import RuleSet
from playbook.daemon import reload
from playbook.daemon.config import load_config


def test_a_reload_loads_while_threads_take_short_turns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "playbooks").mkdir()
    (tmp_path / "playbooks" / "care.play").write_text('when mention then tag "seen"\n', encoding="utf-8")
    (tmp_path / "daemon.yaml").write_text("sources:\n  - {type: stdin}\n", encoding="utf-8")
    config = load_config(str(tmp_path / "daemon.yaml"))
    intervals: list[float] = []
    real_load = reload.load_rules

    def load(config: Any) -> RuleSet:
        intervals.append(sys.getswitchinterval())
        return real_load(config)

    monkeypatch.setattr(reload, "load_rules", load)
    installed: list[RuleSet] = []
    processor = SimpleNamespace(ruleset=SimpleNamespace(digest=""), install=installed.append)
    metrics = SimpleNamespace(reloads=Counter[str]())
    before = sys.getswitchinterval()
    reloader = reload.Reloader(config, processor, metrics)  # type: ignore[arg-type]
    assert asyncio.run(reloader.reload("SIGHUP"))
    assert (
        len(intervals) == 1 and intervals[0] == pytest.approx(reload.SWITCH_SECONDS) and intervals[0] < before
    )
    assert sys.getswitchinterval() == before  # as it was once the rules are loaded
    assert len(installed) == 1 and metrics.reloads["ok"] == 1
