"""Shared fixtures; the helpers tests import are in helpers.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"


def pytest_sessionstart(session: pytest.Session) -> None:
    """Refuse to test modules compiled with `make compiled` from an older version of
    their source: Python would load the compiled ones, and the edit would go untested."""
    stale = [
        str(so.relative_to(SRC))
        for so in SRC.glob("playbook/**/*.so")
        if (py := so.with_name(so.name.split(".")[0] + ".py")).exists()
        and py.stat().st_mtime > so.stat().st_mtime
    ]
    if stale:
        pytest.exit(
            f"compiled modules older than their source: {', '.join(stale)}; "
            "run `make compiled` again, or `make plain`",
            returncode=2,
        )


@pytest.fixture
def write_play(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a playbook file under tmp_path and return its path."""

    def write(text: str, name: str = "test.play") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write
