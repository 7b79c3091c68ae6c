"""Playbook: a rule engine for community managers.

Load a rule set with `load_ruleset(paths)` and run it with `Engine(ruleset)`.
"""

from __future__ import annotations

from typing import Any

from playbook.compiler.ruleset import RuleSet, compile_sources
from playbook.language.diagnostics import Diagnostic, PlaybookError
from playbook.loader import load_ruleset

__all__ = [
    "Diagnostic",
    "Engine",
    "PlaybookError",
    "RuleSet",
    "__version__",
    "compile_sources",
    "load_ruleset",
]


def __getattr__(name: str) -> Any:
    # The engine is imported when first asked for: `playbook check` never runs it.
    if name == "Engine":
        from playbook.runtime.engine import Engine

        return Engine
    # So is the version: importlib.metadata takes 70-90 ms to import and read it, which
    # every command paid at start.
    if name == "__version__":
        from importlib.metadata import version

        return version("playbook")
    raise AttributeError(f"module 'playbook' has no attribute {name!r}")
