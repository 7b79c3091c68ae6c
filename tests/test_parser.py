"""The parser is Lark's, built in the process that parses: nothing is kept on disk."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_checking_playbooks_writes_no_file_of_its_own(tmp_path: Path) -> None:
    home, temp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    temp.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "XDG_CACHE_HOME"}
    env.update(HOME=str(home), TMPDIR=str(temp))
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "-m", "playbook", "check", str(ROOT / "playbooks")],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
    assert list(home.rglob("*")) == []
    assert list(temp.rglob("*")) == []
