"""A playbook text cut into statements, for reporting every broken one.

Each statement begins with a keyword that is never a name, so a text can be
cut where statements begin without parsing it: a mistake in one statement
then does not hide the next. The words are found by a scanner simpler than
the grammar's lexer, which also reads what the lexer refuses (a text with no
closing quote runs to the end of its line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from playbook.language.vocabulary import SHADOW_WORD, STATEMENT_WORDS

_SCAN = re.compile(
    r"""
    (?P<string>"(?:\\.|[^"\\\n])*"?)
  | (?P<regex>/(?:\\.|[^/\\\n])+/[A-Za-z]*)
  | (?P<comment>\#[^\n]*)
  | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<clock>\d+:\d+)
  | (?P<number>\d+(?:\.\d+)?[A-Za-z_]*)
  | (?P<space>\s+)
  | (?P<other><=|>=|!=|.)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Word:
    """A word, number, quoted text or sign of a playbook, and where it is."""

    kind: str
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Statement:
    """The words of one statement, and where it begins and ends in the file."""

    start: int
    end: int
    words: tuple[Word, ...]

    @property
    def declares(self) -> str | None:
        """The name a `define`, `list` or `schedule` declares (or meant to)."""
        words = self.words
        if (
            len(words) >= 2
            and words[0].text.lower() in ("define", "list", "schedule")
            and words[1].kind == "word"
        ):
            return words[1].text
        return None


def scan(text: str, start: int = 0, end: int | None = None) -> list[Word]:
    """The words of `text[start:end]`, blanks and comments left out."""
    return [
        Word(m.lastgroup or "other", m.group(), m.start(), m.end())
        for m in _SCAN.finditer(text, start, len(text) if end is None else end)
        if m.lastgroup not in ("space", "comment")
    ]


def same_line(text: str, start: int, end: int) -> bool:
    """Whether no line ends between `start` and `end`; the text's line ends are all `\\n`."""
    return text.find("\n", start, end) < 0


# Words that begin a statement: the statement words, and `shadow` before a rule.
_STARTS = (*STATEMENT_WORDS, SHADOW_WORD)


def cut(text: str) -> list[Statement]:
    """The statements of `text`: cut at each statement keyword and at `shadow`,
    except the `when` (or a misplaced `shadow`) that completes a `rule "NAME":`
    header and the `rule` or `when` right after `shadow`. A keyword written with capitals (`Rule`)
    begins a statement too when it begins a line."""
    words = scan(text)
    starts: list[int] = []
    rule_open = False
    shadowed = -1  # the `rule` or `when` right after `shadow`, which it belongs to
    for i, word in enumerate(words):
        if word.kind != "word":
            continue
        keyword = word.text
        if keyword not in _STARTS:
            keyword = keyword.lower()
            if keyword not in _STARTS or (i and same_line(text, words[i - 1].end, word.start)):
                continue
        # `shadow` inside a rule's header is a mistake of the rule's, reported with it.
        joined = i == shadowed or (rule_open and keyword in ("when", SHADOW_WORD))
        if keyword == SHADOW_WORD and i + 1 < len(words) and words[i + 1].text in ("rule", "when"):
            shadowed = i + 1
        rule_open = keyword == "rule"
        if not joined:
            starts.append(i)
    if words and (not starts or starts[0] != 0):
        starts.insert(0, 0)
    bounds = starts + [len(words)]
    return [
        Statement(words[a].start, words[b - 1].end, tuple(words[a:b]))
        for a, b in zip(bounds, bounds[1:])
        if b > a
    ]
