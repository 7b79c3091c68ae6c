"""Whatever a manager's editor leaves in a playbook, loading it gives a clean
diagnostic: a PlaybookError whose diagnostics are in the format of SPEC
section 2, never another exception.

The texts are the shipped playbooks, damaged: words and characters deleted,
inserted, doubled and swapped, as typing, pasting and merging do.
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from playbook.compiler.ruleset import compile_sources
from playbook.language.diagnostics import PlaybookError, lines_of, render

ROOT = Path(__file__).resolve().parent.parent
PLAYBOOKS = [path.read_text(encoding="utf-8") for path in sorted(ROOT.glob("playbooks/*.play"))]

# Words of a playbook as a person edits them: quoted texts, regexes, comments, words, blanks, signs.
WORDS = re.compile(r'"(?:\\.|[^"\\\n])*"|/(?:\\.|[^/\\\n])+/[a-z]*|#[^\n]*|[\w.]+|\s+|.', re.DOTALL)
# What slips in besides the file's own words.
STRAYS = [
    '"',
    "'",
    "(",
    ")",
    ",",
    ":",
    "=",
    "<>",
    "/",
    "#",
    "5k",
    "x",
    "Then",
    "\r",
    "\x0c",
    "\u2028",
    "\t",
    "😡",
]

HEAD = re.compile(r"m\.play:(\d+):(\d+): (error|warning): \S[^\n]*")
TERMINAL_NAMES = re.compile(
    r"__ANON|\$END|\b(?:RPAR|LPAR|COMMA|COLON|EQUAL|NAME|STRING|REGEX|DURATION|INT)\b"
)


@st.composite
def damaged_playbooks(draw: st.DrawFn) -> str:
    words = WORDS.findall(draw(st.sampled_from(PLAYBOOKS)))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(words) - 1))
        edit = draw(st.sampled_from(["delete", "insert", "double", "swap", "delete char", "insert char"]))
        if edit == "delete":
            del words[at]
        elif edit == "insert":
            words.insert(at, draw(st.sampled_from(STRAYS + words)))
        elif edit == "double":
            words.insert(at, words[at])
        elif edit == "swap":
            other = draw(st.integers(0, len(words) - 1))
            words[at], words[other] = words[other], words[at]
        else:
            text = "".join(words)
            char = draw(st.integers(0, len(text) - 1))
            stray = draw(st.sampled_from(STRAYS)) if edit == "insert char" else ""
            words = WORDS.findall(text[:char] + stray + text[char + (edit == "delete char") :])
    return "".join(words)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged_playbooks())
# Damage that once ended in an IndexError, or in a caret under the wrong line.
@example('playbook "Acme desk" x\n')
@example('define complaint = text contains "refund" then escalate\n')
@example('brand "@acme"\rwhen mention and author.folowers > 1 then hide\r')
@example('brand "@acme"\x0cwhen mention\u2028and author.folowers > 1 then hide\n')
def test_a_damaged_playbook_loads_or_gives_clean_diagnostics(text: str) -> None:
    try:
        compile_sources({"m.play": text})
    except PlaybookError as exc:
        assert any(d.is_error for d in exc.diagnostics)
        lines = lines_of(text.removeprefix("\ufeff"))
        for diagnostic in exc.diagnostics:
            shown = render(diagnostic, exc.sources["m.play"]).split("\n")
            assert HEAD.fullmatch(shown[0]), shown[0]
            line, column = diagnostic.pos.line, diagnostic.pos.column
            assert 1 <= line <= len(lines) and 1 <= column <= len(lines[line - 1]) + 1, shown
            assert len(shown) == 3 and shown[2].strip() == "^", shown
            assert not [name for name in TERMINAL_NAMES.findall(diagnostic.text) if name not in text], shown
