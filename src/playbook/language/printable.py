"""Text from events made safe to show on a manager's terminal.

Events are written by strangers, and a terminal obeys the control characters
in what it prints: an escape sequence in a post can move the cursor, rewrite
the lines above it, set the window's title or ring the bell, and Unicode's
bidirectional controls can make a line read otherwise than it is stored.
Everything Playbook prints for people (tables, summaries, `--explain`) shows
each such character as an escape instead (`\\x1b`, `\\u202e`), so the manager
sees that it is there and what it is. JSON output is for programs and keeps
the text as it came (JSON escapes what it must).
"""

from __future__ import annotations

_CONTROLS = [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]
_BIDI = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]

_ESCAPED: dict[int, str] = {code: f"\\x{code:02x}" for code in _CONTROLS}
_ESCAPED.update({code: f"\\u{code:04x}" for code in _BIDI})
_PRINTABLE = str.maketrans(_ESCAPED)
_ONE_LINE = str.maketrans({**_ESCAPED, ord("\n"): " ", ord("\r"): " ", ord("\t"): " "})


def printable(text: str) -> str:
    """`text` with every control character but line ends and tabs, and every bidirectional
    control, shown as an escape."""
    return text.translate(_PRINTABLE)


def one_line(text: str) -> str:
    """`text` as `printable` shows it, on one line: line ends and tabs become spaces."""
    return text.translate(_ONE_LINE)
