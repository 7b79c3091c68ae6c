"""Playbook: a rule engine for community managers.

Load a rule set with `load_ruleset(paths)` and run it with `Engine(ruleset)`.
"""

from __future__ import annotations

__version__ = "0.1.0"

from typing import Any

from .diagnostics import Diagnostic, PlaybookError
from .loader import RuleSet, compile_sources, load_ruleset

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
        from .runtime.engine import Engine

        return Engine
    raise AttributeError(f"module 'playbook' has no attribute {name!r}")
