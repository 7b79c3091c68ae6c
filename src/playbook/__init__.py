"""Playbook: a rule engine for community managers.

Load a rule set with `load_ruleset(paths)` and run it with `Engine(ruleset)`.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .diagnostics import Diagnostic, PlaybookError
from .loader import RuleSet, compile_sources, load_ruleset
from .runtime.engine import Engine

__all__ = [
    "Diagnostic",
    "Engine",
    "PlaybookError",
    "RuleSet",
    "__version__",
    "compile_sources",
    "load_ruleset",
]
