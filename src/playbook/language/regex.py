"""Regular expressions as `matches` runs them: RE2, and what bounds their cost.

RE2 runs in time linear in the text, but the factor is the size of the
compiled program: `/.{1000}x/` compiles to 8,000 instructions, and a
2,000-word alternation to 16,000. On a long text, one such search can take
seconds. So a pattern may compile to at most `MAX_PROGRAM_SIZE` instructions
(checked when playbooks load), and a search reads at most the first
`SEARCH_LIMIT` characters of a text: 64 KiB, more than any post or review
holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import re2

# Measured on 64 KiB of the worst text we found for each (docs/performance.md):
# a program of 1,000 instructions searches it in about a second at worst, and
# a pattern a manager writes (a few words, `order #?\d{5}`) compiles to 10-100.
MAX_PROGRAM_SIZE = 1_000
SEARCH_LIMIT = 65_536


def compile_regex(pattern: str, flags: str) -> re2._Regexp:
    """`pattern` compiled as `matches /PATTERN/FLAGS` runs it; re2.error if RE2 refuses it."""
    import re2  # only playbooks with regular expressions pay for loading RE2

    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = "i" not in flags
    return re2.compile(pattern, options)
