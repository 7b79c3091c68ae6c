"""Shared fixtures; the helpers tests import are in helpers.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def write_play(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a playbook file under tmp_path and return its path."""

    def write(text: str, name: str = "test.play") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write
