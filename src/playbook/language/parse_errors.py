"""Parse errors in a manager's words.

When the quick parser refuses a text, Lark's own parser reads it. If Lark
refuses it too, the text is cut into statements (each begins with a keyword)
and every statement is parsed on its own, so one mistake does not hide the
next: every broken statement gets its own diagnostic, made from Lark's error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lark import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lexer import PatternStr

from playbook.language import nodes
from playbook.language.diagnostics import Diagnostic, Pos, error
from playbook.language.syntax import lark_parse, parse_statement, parser

# The words grammar.lark keeps out of NAME.
RESERVED_WORDS = frozenset(
    {"then", "and", "or", "not", "when", "rule", "define", "list", "brand", "playbook"}
)
STATEMENT_KEYWORDS = frozenset({"playbook", "brand", "list", "define", "rule", "when"})
ACTION_WORDS_TEXT = "escalate, assign, notify, alert, tag, reply or hide"
DURATION_EXAMPLES = "such as 2h, 90 minutes or 1h30m"

# How the tokens a statement can expect are named to a manager.
TERMINAL_WORDS = {
    "NAME": "a name",
    "STRING": 'a "quoted text"',
    "REGEX": "a /regular expression/",
    "NUMBER": "a number",
    "INT": "a whole number",
    "DURATION": f"a duration {DURATION_EXAMPLES}",
    "$END": "the end of the statement",
}
VALUE_TERMINALS = frozenset({"NUMBER", "STRING", "TRUE", "FALSE"})
CONDITION_START = frozenset({"NAME", "NOT", "LPAR"})
STATEMENT_START = frozenset({"PLAYBOOK", "BRAND", "LIST", "DEFINE", "RULE", "WHEN"})

_SCAN = re.compile(
    r"""
    (?P<string>"(?:\\.|[^"\\\n])*"?)
  | (?P<regex>/(?:\\.|[^/\\\n])+/[A-Za-z]*)
  | (?P<comment>\#[^\n]*)
  | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<space>\s+)
  | (?P<other><=|>=|!=|.)
    """,
    re.VERBOSE,
)
_FOUND = re.compile(r'"(?:\\.|[^"\\\n])*"?|\'[^\'\n]*\'?|[^\s,()"]+|\S')
_FOUND_DURATION = re.compile(r"\d+\s*[A-Za-z]+")


def parse_refused(text: str, path: str) -> tuple[nodes.PlaybookFile, list[Diagnostic]]:
    """Parse a file's text the quick parser refused: what parsed, and a diagnostic per broken statement."""
    try:
        statements = lark_parse(text, path, "start")
    except UnexpectedInput:
        return _parse_by_statement(text, path)
    return nodes.PlaybookFile(path, tuple(statements), frozenset()), []


@dataclass(frozen=True, slots=True)
class _Scanned:
    kind: str
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Segment:
    start: int
    end: int
    tokens: tuple[_Scanned, ...]


def _scan(text: str) -> list[_Scanned]:
    return [
        _Scanned(m.lastgroup or "other", m.group(), m.start(), m.end())
        for m in _SCAN.finditer(text)
        if m.lastgroup not in ("space", "comment")
    ]


def _segments(text: str) -> list[_Segment]:
    """Cut the text where statements begin: at a statement keyword, except the
    `when` that completes a `rule "NAME":` header. A keyword written with
    capitals (`Rule`) begins a statement too when it begins a line."""
    tokens = _scan(text)
    starts: list[int] = []
    rule_open = False
    for i, tok in enumerate(tokens):
        if tok.kind != "word":
            continue
        word = tok.text
        if word not in STATEMENT_KEYWORDS:
            word = word.lower()
            if word not in STATEMENT_KEYWORDS or (i and _same_line(text, tokens[i - 1].end, tok.start)):
                continue
        if word == "when" and rule_open:
            rule_open = False
            continue
        rule_open = word == "rule"
        starts.append(i)
    if tokens and (not starts or starts[0] != 0):
        starts.insert(0, 0)
    bounds = starts + [len(tokens)]
    return [
        _Segment(tokens[a].start, tokens[b - 1].end, tuple(tokens[a:b]))
        for a, b in zip(bounds, bounds[1:])
        if b > a
    ]


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _parse_by_statement(text: str, path: str) -> tuple[nodes.PlaybookFile, list[Diagnostic]]:
    statements: list[nodes.Statement] = []
    diagnostics: list[Diagnostic] = []
    broken: set[str] = set()
    segments = _segments(text)
    for i, segment in enumerate(segments):
        line, col = _line_col(text, segment.start)
        # Padding keeps lark's lines and columns those of the whole file.
        padded = "\n" * (line - 1) + " " * (col - 1) + text[segment.start : segment.end]
        try:
            statement = parse_statement(padded, path)
        except UnexpectedInput as exc:
            following = segments[i + 1].tokens[0] if i + 1 < len(segments) else None
            diagnostics.append(_describe(exc, text, path, segment, following))
            broken.update(_declared_name(segment))
            continue
        statements.append(statement)
    return nodes.PlaybookFile(path, tuple(statements), frozenset(broken)), diagnostics


def _declared_name(segment: _Segment) -> list[str]:
    """The name a broken `define` or `list` meant to declare, so that its uses
    are not reported as unknown too."""
    tokens = segment.tokens
    if len(tokens) >= 2 and tokens[0].text.lower() in ("define", "list") and tokens[1].kind == "word":
        return [tokens[1].text]
    return []


def _offset(text: str, line: int, column: int) -> int:
    start = 0
    for _ in range(line - 1):
        start = text.index("\n", start) + 1
    return start + column - 1


def _word(name: str) -> str:
    if name in TERMINAL_WORDS:
        return TERMINAL_WORDS[name]
    terminal = parser().get_terminal(name)
    if isinstance(terminal.pattern, PatternStr):
        return f"'{terminal.pattern.value}'"
    return name.lower()


def _list_words(words: list[str]) -> str:
    words = sorted(set(words), key=lambda w: (not w.startswith("'"), w))
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _describe(
    exc: UnexpectedInput,
    text: str,
    path: str,
    segment: _Segment,
    following: _Scanned | None,
) -> Diagnostic:
    """Turn a lark error inside `segment` into one diagnostic in plain words."""
    at_end = isinstance(exc, UnexpectedToken) and exc.token.type == "$END"
    offset = segment.end if at_end else _offset(text, exc.line, exc.column)
    before = [t for t in segment.tokens if t.end <= offset]
    previous = before[-1] if before else None
    if (
        at_end
        and following is not None
        and previous is not None
        and _same_line(text, previous.end, following.start)
    ):
        # The statement was cut short by a keyword on the same line: show that keyword.
        offset, at_end = following.start, False
    elif (
        isinstance(exc, UnexpectedToken)
        and not at_end
        and previous is not None
        and _is_keyword(exc.token.type)
        and not _same_line(text, previous.end, offset)
    ):
        # Something is missing at the end of a line: point there, not at the next line's keyword.
        offset, at_end = previous.end, True
    line, col = _line_col(text, offset)
    pos = Pos(path, line, col)

    if isinstance(exc, UnexpectedCharacters) and text[offset] == '"':
        return error(pos, "this text has no closing '\"'", 'end it with " on the same line')
    if isinstance(exc, UnexpectedCharacters) and text.startswith("//", offset):
        return error(pos, "a regular expression cannot be empty", "write what to match between the slashes")
    if isinstance(exc, UnexpectedCharacters) and text[offset] == "/":
        return error(pos, "this regular expression has no closing '/'")

    if isinstance(exc, UnexpectedToken):
        expected = set(exc.accepts or exc.expected)
    else:
        expected = set(getattr(exc, "allowed", None) or ())
    expected -= {"COMMENT", "WHITESPACE", "$END"}
    found = "" if at_end else _found(text, offset, expected)
    found_type = exc.token.type if isinstance(exc, UnexpectedToken) and not at_end else ""
    if previous is not None and previous.text == "<" and found.startswith(">"):
        pos = Pos(path, *_line_col(text, previous.start))
    following_word = _FOUND.match(text, offset + len(found) + 1) if found == "is" else None
    message, hint = _message(expected, previous.text if previous else "", found, found_type)
    if found_type == "IS" and following_word is not None:
        hint = hint.replace("NAME", following_word.group()) if hint else hint
    if found and message.startswith("expected"):
        message += f", found '{found}'"
    if (
        hint is None
        and message.startswith("expected 'then'")
        and previous is not None
        and _swallows_then(previous.text)
    ):
        # An unclosed quote reads on to the next '"' and takes 'then' with it.
        pos = Pos(path, *_line_col(text, previous.start))
        hint = f"the text starting here, {previous.text}, takes in 'then': is a closing '\"' missing?"
    if hint is None and message.startswith("expected a name") and found in RESERVED_WORDS:
        hint = f"'{found}' is a word of the language and cannot be a name"
    if found != found.lower() and found.lower() in _keywords():
        hint = f"words of the language are written in lowercase: {found.lower()}"
    return error(pos, message, hint)


@lru_cache(maxsize=1)
def _keywords() -> frozenset[str]:
    """The words of the language: `when`, `contains`, `at`, `most`, ..."""
    return frozenset(
        t.pattern.value
        for t in parser().terminals
        if isinstance(t.pattern, PatternStr) and t.pattern.value.isalpha()
    )


def _swallows_then(token: str) -> bool:
    """Whether a quoted text holds 'then', as when its quote was left open: "refund then tag "."""
    return token.startswith('"') and "then" in token.strip('"').split()


def _is_keyword(terminal: str) -> bool:
    return isinstance(parser().get_terminal(terminal).pattern, PatternStr) if terminal != "$END" else False


def _same_line(text: str, start: int, end: int) -> bool:
    return "\n" not in text[start:end]


def _found(text: str, offset: int, expected: set[str]) -> str:
    """The text at `offset` as the manager sees it: a whole string, a whole duration."""
    if "DURATION" in expected:
        match = _FOUND_DURATION.match(text, offset)
        if match:
            return match.group()
    match = _FOUND.match(text, offset)
    return match.group() if match else ""


def _message(expected: set[str], previous: str, found: str, found_type: str) -> tuple[str, str | None]:
    """The sentence for an error: what was expected after `previous`."""
    quote_hint = f'put text in double quotes: "{found}"' if found_type == "NAME" or found[:1] == "@" else None
    if found[:1] == "'":
        return "text goes in double quotes, not single quotes", f'write "{found.strip(chr(39))}"'
    if previous == "<" and found.startswith(">"):
        return "unknown comparison '<>'", "did you mean '!='?"
    if previous in ("=", "!=", "<", "<=", ">", ">=") and found.startswith("="):
        return "use a single '=' to compare", None
    if "NUMBER" in expected and expected <= VALUE_TERMINALS | {"LPAR"}:
        return f"expected a value after '{previous}': a number, a \"quoted text\", true or false", quote_hint
    if found_type == "IS" and previous == ")":
        return (
            "'is' must follow a single event type, 'author' or 'event'",
            "to test several types, write (mention or comment) and event is NAME",
        )
    if "THEN" in expected:
        return "expected 'then' after the condition", None
    if "DURATION" in expected and expected <= {"DURATION", "FOR", "NAME"}:
        return f"expected a duration after '{previous}', {DURATION_EXAMPLES}", _unit_hint(found)
    if expected >= CONDITION_START:
        return f"expected a condition after '{previous}'", None
    if expected == {"NAME"} and previous in ("then", ",", "and"):
        return f"expected an action after '{previous}': {ACTION_WORDS_TEXT}", None
    if expected == {"COLON"}:
        return "expected ':' after the rule's name", None
    if expected == {"WHEN"}:
        return f"expected 'when' after '{previous}'", None
    if expected == {"STRING"} and previous == "rule":
        return "expected the rule's name in double quotes", 'as in rule "Thank advocates":'
    if expected >= {"STRING", "ANY", "ALL"}:
        hint = f"to use a list, write 'contains any {found}'" if found_type == "NAME" else None
        return "expected a \"quoted phrase\", 'any' or 'all' after 'contains'", hint
    if "STRING" in expected and (expected == {"STRING"} or found_type == "NAME"):
        return f"expected a \"quoted text\" after '{previous}'", quote_hint
    if expected == {"NAME", "LPAR"} and previous == "in":
        return (
            'expected a list after \'in\': a list\'s name or ("a", "b")',
            'as in platform in ("twitter", "instagram")',
        )
    if expected == {"EQUAL"}:
        return f"expected '=' after the name '{previous}'", None
    if expected == {"TIMES"}:
        return f"expected 'times within' after '{previous}'", "as in at least 5 times within 10m"
    if expected == {"PER"} and previous not in ("once", "times") and not previous.isdigit():
        return f"expected 'per' after '{previous}'", "as in at most once per author per 7d"
    if "PER" in expected:
        return f"expected 'per' after '{previous}'", "as in at most once per 1d"
    if expected >= STATEMENT_START:
        return "expected a statement: playbook, brand, list, define, rule or when", None
    if "RPAR" in expected:
        return _join_expected(expected, previous, "to close the '('"), None
    return _join_expected(expected, previous, ""), None


def _unit_hint(found: str) -> str | None:
    if found[:1].isdigit():
        return (
            "a duration is a whole number and a unit: s, m, h, d, w, or seconds, minutes, hours, days, weeks"
        )
    return None


def _join_expected(expected: set[str], previous: str, tail: str) -> str:
    words = _list_words([_word(name) for name in expected])
    where = f" after '{previous}'" if previous and not tail else ""
    return f"expected {words}{where}{' ' + tail if tail else ''}"
