"""Parse errors in a manager's words: Lark's `UnexpectedInput` → one `Diagnostic`.

Lark tells where a statement broke: the parser state, the token it could not
take and the tokens it would have. The sentence for it is found, in this order:

- a mistake in how a word is written: what the lexer refused
  (`LEXICAL_ERRORS`: a quote left open, a regular expression with no closing
  '/', single quotes), or a number with letters stuck to it (`5k`);
- the place in the grammar, found with Lark's `match_examples` in
  `PARSE_ERRORS`: each entry is a sentence and broken statements that fail in
  the same place, as lark's own `load_grammar.py` does with `GRAMMAR_ERRORS`;
- else "expected X", from the tokens Lark would have taken, named in words.

Then a hint may be added from what was written (a keyword in capitals, a
quoted text that took in a keyword, a word that wants quotes). No Lark
terminal name ever reaches the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from lark import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lexer import PatternStr

from playbook.language.diagnostics import Diagnostic, Pos, error, line_and_column
from playbook.language.parser import lark_parser, parse
from playbook.language.statements import Statement, Word, same_line, scan
from playbook.language.vocabulary import (
    EVERY_ACTION_WORD,
    KEYWORDS,
    PRIORITIES,
    RESERVED_WORDS,
    STATEMENT_WORDS,
    spoken_list,
)


@dataclass(frozen=True, slots=True)
class Explanation:
    """A parse error's sentence and hint.

    Both may name `{previous}` (the word before the error), `{found}` (what
    was found, `{inside}` without its single quotes), `{next}` (the word
    after it) and `{name}` (the name the statement declares). `word_hint` is given when a bare word was found,
    `number_hint` when a number was; `at_previous` places the error on the
    word before.
    """

    message: str
    hint: str | None = None
    word_hint: str | None = None
    number_hint: str | None = None
    at_previous: bool = False


DURATION_EXAMPLES = "such as 2h, 90 minutes or 1h30m"
UNIT_HINT = "a duration is a whole number and a unit: s, m, h, d, w, or seconds, minutes, hours, days, weeks"
QUOTE_HINT = 'put text in double quotes: "{found}"'

# What the lexer refuses, by what is written where it stopped.
LEXICAL_ERRORS: list[tuple[re.Pattern[str], Explanation]] = [
    (re.compile('"'), Explanation("this text has no closing '\"'", 'end it with " on the same line')),
    (
        re.compile("//"),
        Explanation("a regular expression cannot be empty", "write what to match between the slashes"),
    ),
    (re.compile("/"), Explanation("this regular expression has no closing '/'")),
    (re.compile("'"), Explanation("text goes in double quotes, not single quotes", 'write "{inside}"')),
]

# A number with letters stuck to it, `5k`: what the letters multiply by.
_NUMBER_SUFFIXES = {"k": 1_000, "m": 1_000_000, "b": 1_000_000_000}
_NUMBER_WITH_LETTERS = re.compile(r"(\d+(?:\.\d+)?)([A-Za-z_]\w*)")

# The condition forms, as each ends: a statement broken right after one fails
# in the parser state that form ends in.
_CONDITION_ENDS = (
    "a",
    "a is b",
    "a is not b",
    "a = 1",
    'a = "x"',
    "a = true",
    "a = false",
    'a contains "x"',
    "a contains any b",
    'a contains any ("x")',
    "a contains all b",
    'a contains all ("x")',
    "a matches /x/",
    "a in b",
    "a in (1)",
    "a exists",
    "(a)",
    "unanswered 1h",
    "no reply within 1h",
    "at least 1 times within 1h",
    "at least 1 times within 1h per a",
    "during a",
    "unanswered 1h during a",
    "no reply within 1h during a",
)
_COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")
_ACTION_PARTS = ('to "t"', '"t"', "priority high", 'priority "high"', 'message "m"', 'with template "t"')
# Actions that end with their last part, and those that take no more.
_MARKS = ('mark a "m"', 'mark a "m" for 1d', 'unmark a "m"')
_WAITS = "a and unanswered 1h then b"
REPEAT_HINT = "as in repeat every 4h up to 3 times"
MARK_NAME_HINT = 'as in author is marked "do-not-contact"'


def _rules(*parts: str) -> list[str]:
    """Broken rules, unnamed and named: the parser's places in a rule differ after `rule "NAME":`."""
    return [f"{name}when {part}" for part in parts for name in ("", 'rule "r": ')]


SCHEDULE_EXAMPLE = "as in during office"
HOURS_EXAMPLE = "such as mon-fri 09:00-17:30"
TIME_HINT = "write times as HH:MM, as in 09:00-17:30"
_HOURS = "schedule s = mon 09:00-17:00"

# Where a schedule statement breaks (SPEC section 8).
SCHEDULE_ERRORS: list[tuple[Explanation, list[str]]] = [
    (
        Explanation(f"expected days after '{{previous}}', {HOURS_EXAMPLE}, weekdays 08:00-18:00 or daily"),
        ["schedule s = 1", f"{_HOURS}, 1", f"{_HOURS}, mon 09:00-17:00, 1"],
    ),
    (Explanation("expected a day after '-', as in mon-fri"), ["schedule s = mon-1"]),
    (
        Explanation("expected opening hours after '{previous}', such as 09:00-17:30", number_hint=TIME_HINT),
        ["schedule s = mon x", "schedule s = mon-fri x", "schedule s = mon 9", "schedule s = mon-fri 9"],
    ),
    (
        Explanation("expected '-' and the closing time after '{previous}'", "as in 09:00-17:30"),
        ["schedule s = mon 09:00 x"],
    ),
    (
        Explanation("expected the closing time after '-', such as 17:30", number_hint=TIME_HINT),
        ["schedule s = mon 09:00-x", "schedule s = mon 09:00-9"],
    ),
    (
        Explanation(
            "expected ',' and more hours, or the time zone, after '{previous}'",
            'a schedule\'s hours end with its time zone, as in mon-fri 09:00-17:30 in "Europe/London"',
        ),
        [f"{_HOURS} x", f"{_HOURS}, tue 09:00-17:00 x", f"{_HOURS}, tue 09:00-17:00, wed 09:00-17:00 x"],
    ),
    (
        Explanation("expected the time zone in double quotes after 'in'", QUOTE_HINT),
        [f"{_HOURS} in x"],
    ),
    (
        Explanation(
            "'{found}' cannot follow the time zone",
            'after the zone may come the days the schedule is closed, as in closed holidays "GB"',
        ),
        [f'{_HOURS} in "UTC" x'],
    ),
    (
        Explanation(
            'expected a "YYYY-MM-DD" date or holidays "CC" after \'{previous}\'',
            'as in closed holidays "GB-ENG", "2026-12-24"',
        ),
        [
            f'{_HOURS} in "UTC" closed x',
            f'{_HOURS} in "UTC" closed "2026-12-24", x',
            f'{_HOURS} in "UTC" closed "2026-12-24", "2026-12-31", x',
        ],
    ),
    (
        Explanation("expected a country's code in double quotes after 'holidays'", 'as in holidays "GB"'),
        [f'{_HOURS} in "UTC" closed holidays x'],
    ),
    (
        Explanation(
            "'{found}' cannot follow a closed day",
            "separate closed days with ','; the time zone comes before closed",
        ),
        [
            f'{_HOURS} in "UTC" closed "2026-12-24" x',
            f'{_HOURS} in "UTC" closed holidays "GB" x',
            f'{_HOURS} in "UTC" closed "2026-12-24", "2026-12-31" x',
        ],
    ),
]

# Sentences by place in the grammar, with statements broken there. Lark
# compares places by parser state and by the tokens the parser would take;
# the state is compared alone, not the depth of the parse (how deep the
# brackets are), so that one sample stands for every nesting. A repeated part
# (`a, b, c`) is a place of its own at its first and at a later repeat. Of the
# entries that fit a place, the first is taken unless a later one fits the
# token too (the same word, else the same kind of token): an entry for one
# word or kind of token at a place comes after the entry for the place.
PARSE_ERRORS: list[tuple[Explanation, list[str]]] = [
    (
        Explanation("expected a statement: " + spoken_list(STATEMENT_WORDS)),
        ["hello", "define d = a )"],
    ),
    (Explanation("expected a name after '{previous}'"), ["define 1", "list 1", "schedule 1"]),
    (Explanation("expected '=' after the name '{previous}'"), ["define d x", "list l x", "schedule s x"]),
    (
        Explanation("expected a \"quoted text\" after '{previous}'"),
        [
            "playbook x",
            "brand x",
            'brand "a", x',
            'brand "a", "b", x',
            "list l = x",
            'list l = "a", x',
            'list l = "a", "b", x',
        ]
        + _rules("a then b to x", "a then b message x", "a then b with template x"),
    ),
    (Explanation("expected the rule's name in double quotes", 'as in rule "Thank advocates":'), ["rule x"]),
    (Explanation("expected ':' after the rule's name"), ['rule "r" x']),
    (Explanation("expected 'when' after '{previous}'"), ['rule "r": x']),
    (
        Explanation("expected a condition after '{previous}'"),
        _rules("then", "a and then", "a and b and then", "a or then", "a or b or then", "not then", "( then")
        + ["define d = then"],
    ),
    (
        Explanation("expected 'then' after the condition"),
        _rules(*[f"{condition} x" for condition in _CONDITION_ENDS], "a )"),
    ),
    (
        Explanation("expected a test after '{previous}', such as contains, = or exists, or 'and' or 'or'"),
        ["define d = a ("],
    ),
    (
        Explanation("expected ')' to close the '('"),
        _rules(*[f"({condition} x" for condition in _CONDITION_ENDS], "(a then"),
    ),
    (
        Explanation("expected a value after '{previous}': a number, a \"quoted text\", true or false"),
        _rules(*[f"a {op} x" for op in _COMPARISONS], "a in (x", "a in (1, x", "a in (1, 2, x"),
    ),
    (
        Explanation(
            "expected a \"quoted phrase\", 'any' or 'all' after 'contains'",
            word_hint="to use a list, write 'contains any {found}'",
        ),
        _rules("a contains 1"),
    ),
    (
        Explanation('expected a list after \'{previous}\': a list\'s name or ("a", "b")'),
        _rules("a contains any 1", "a contains all 1"),
    ),
    (
        Explanation("expected a \"quoted phrase\" after '{previous}'"),
        _rules("a contains any (1", 'a contains any ("x", 1', 'a contains any ("x", "y", 1'),
    ),
    (
        Explanation(
            'expected a list after \'in\': a list\'s name or ("a", "b")',
            'as in platform in ("twitter", "instagram")',
        ),
        _rules("a in 1"),
    ),
    (
        Explanation(f"expected a duration after '{{previous}}', {DURATION_EXAMPLES}", number_hint=UNIT_HINT),
        _rules(
            "unanswered x",
            "unanswered for x",
            "no reply within x",
            "at least 1 times within x",
            "a then b at most once per 1",
            "a then b at most once per a per 1",
            f"{_WAITS} repeat every x",
        ),
    ),
    (
        Explanation("expected 'times within' after '{previous}'", "as in at least 5 times within 10m"),
        _rules("at least 1 x"),
    ),
    (
        Explanation("expected 'per' after '{previous}'", "as in at most once per 1d"),
        _rules("a then b at most once 1", "a then b at most 2 1", "a then b at most 2 times 1"),
    ),
    (
        Explanation("expected 'per' after '{previous}'", "as in at most once per author per 7d"),
        _rules("a then b at most once per a 1", "a then b at most once per a"),
    ),
    (
        Explanation("expected an action after '{previous}': " + spoken_list(EVERY_ACTION_WORD)),
        _rules("a then 1", "a then b, 1", "a then b, c, 1", "a then b and 1", "a then b and c and 1"),
    ),
    (
        Explanation(
            "expected 'author' or 'thread' after '{previous}'", 'as in {previous} author "do-not-contact"'
        ),
        _rules('a then mark "m"', 'a then unmark "m"', "a then mark 1", "a then unmark 1"),
    ),
    (
        Explanation("expected the mark's name in double quotes after '{previous}'", QUOTE_HINT),
        _rules("a then mark a b", "a then unmark a b"),
    ),
    (
        Explanation("expected the mark's name in double quotes after 'marked'", MARK_NAME_HINT),
        _rules("a is marked b", "a is not marked b", "a is marked 1") + ["define d = a is marked b"],
    ),
    (Explanation("expected 'every' after 'repeat'", REPEAT_HINT), _rules(f"{_WAITS} repeat x")),
    (
        Explanation("expected 'up to' and a count after '{previous}'", REPEAT_HINT),
        _rules(f"{_WAITS} repeat every 4h x"),
    ),
    (
        Explanation("expected 'to' and a count after 'up'", REPEAT_HINT),
        _rules(f"{_WAITS} repeat every 4h up x"),
    ),
    (
        Explanation("expected how many times after 'to', a whole number", REPEAT_HINT),
        _rules(f"{_WAITS} repeat every 4h up to x"),
    ),
    (
        Explanation(f"expected a schedule's name after 'during', {SCHEDULE_EXAMPLE}"),
        _rules("during 1", "unanswered 1h during 1", "no reply within 1h during 1") + ["define d = during 1"],
    ),
    *SCHEDULE_ERRORS,
    (
        Explanation("expected a priority after 'priority': " + spoken_list(PRIORITIES)),
        _rules("a then b priority 1"),
    ),
    (
        Explanation(
            "'{found}' cannot follow an action",
            "after an action comes ',' or 'and' and another action, or a limit such as at most once per 1h",
        ),
        _rules(
            *[f"a then b {part} x" for part in _ACTION_PARTS],
            "a then b 1",
            *[f"a then {m} x" for m in _MARKS],
        ),
    ),
    (
        Explanation(
            "'{found}' cannot follow a limit",
            "a rule ends with its limits; a new statement begins with when or rule",
        ),
        _rules("a then b at most once per 1h x", "a then b at most once per 1h at most 2 per 1d x"),
    ),
    (
        Explanation(
            "'{found}' cannot follow 'repeat'",
            "a rule ends with its limits and its repeat; a new statement begins with when or rule",
        ),
        _rules(f"{_WAITS} repeat every 4h up to 3 x", f"{_WAITS} repeat every 4h up to 3 times x"),
    ),
    # One word, or one kind of token, at a place above.
    (Explanation("expected a \"quoted text\" after '{previous}'"), _rules("a then b x")),
    (
        Explanation(
            "'unmark' takes no duration: it takes the mark away at once",
            "to change how long a mark lasts, mark it again with 'for'",
            at_previous=True,
        ),
        _rules('a then unmark a "m" for'),
    ),
    (
        Explanation(
            "'every' cannot follow an action",
            "to act again while nobody answers, a rule with unanswered can repeat, "
            "as in unanswered 2h then escalate repeat every 4h up to 3 times",
        ),
        _rules(*[f"a then b {part} every" for part in _ACTION_PARTS], "a then b every"),
    ),
    (
        Explanation(
            "expected a test of '{previous}' before the quoted text, such as contains or =",
            "as in {previous} contains {found}",
        ),
        _rules('a "x"') + ['define d = a "x"'],
    ),
    (
        Explanation("'shadow' goes before the rule", 'write shadow rule "NAME": when ...'),
        ['rule "r": shadow'],
    ),
    (Explanation("unknown comparison '<>'", "did you mean '!='?", at_previous=True), _rules("a <> 1")),
    (Explanation("use a single '=' to compare"), _rules(*[f"a {op} = 1" for op in _COMPARISONS])),
    (
        Explanation(
            "'is' must follow a single event type, 'author' or 'event'",
            "to test several types, write (mention or comment) and event is {next}",
        ),
        _rules("(a or b) is c"),
    ),
    (
        Explanation(
            "a define is a condition only: it takes no 'then' and no actions",
            "write the actions in a rule, as in when {name} then escalate",
        ),
        ["define d = a then b"],
    ),
]

# How the tokens a statement can expect are named to a manager; a keyword or
# a sign is named by itself, in quotes.
TERMINAL_WORDS = {
    "NAME": "a name",
    "STRING": 'a "quoted text"',
    "REGEX": "a /regular expression/",
    "NUMBER": "a number",
    "INT": "a whole number",
    "DURATION": f"a duration {DURATION_EXAMPLES}",
    "CLOCK": "a time such as 09:00",
}

_FOUND = re.compile(r'"(?:\\.|[^"\\\n])*"?|\'[^\'\n]*\'?|[^\s,()"]+|\S')
_FOUND_DURATION = re.compile(r"\d+[^\S\n]*([A-Za-z]+)")


def explain(exc: UnexpectedInput, text: str, path: str, statement: Statement) -> Diagnostic:
    """The diagnostic for `exc`, raised parsing the text of `statement` alone (its
    positions from where the statement begins); `text` is the whole file's, whose
    line ends are `\\n`."""
    place = _Place.of(exc, text, statement)
    explanation, offset = _lexical(place)
    if explanation is None:
        explanation = explanation_of(exc) or _expected(place)
        if explanation.at_previous and place.previous is not None:
            offset = place.previous.start
    return _diagnostic(explanation, place, path, offset)


@dataclass(frozen=True, slots=True)
class _Place:
    """Where a statement broke, as the manager wrote it."""

    text: str
    statement: Statement
    offset: int
    at_end: bool
    previous: Word | None
    found: str
    found_kind: str
    accepts: frozenset[str]
    lexical: bool

    @classmethod
    def of(cls, exc: UnexpectedInput, text: str, statement: Statement) -> _Place:
        token = exc.token if isinstance(exc, UnexpectedToken) else None
        at_end = token is not None and token.type == "$END"
        if at_end:
            offset = statement.end
        else:
            offset = statement.start + (exc.pos_in_stream or 0)
        words = statement.words
        before = [w for w in words if w.end <= offset]
        previous = before[-1] if before else None
        following = _first_word(text, statement.end) if at_end else None
        if following is not None and previous is not None and same_line(text, previous.end, following):
            # The statement was cut short by a keyword on the same line: show that keyword.
            offset, at_end = following, False
        elif (
            token is not None
            and not at_end
            and previous is not None
            and token.type in _keyword_terminals().values()
            and not same_line(text, previous.end, offset)
        ):
            # Something is missing at the end of a line: point there, not at the next line's keyword.
            offset, at_end = previous.end, True
        if isinstance(exc, UnexpectedToken):
            accepts = frozenset(exc.accepts or exc.expected)
        else:
            accepts = frozenset(getattr(exc, "allowed", None) or ())
        found = "" if at_end else _found(text, offset, accepts)
        found_kind = token.type if token is not None and not at_end else ""
        return cls(
            text,
            statement,
            offset,
            at_end,
            previous,
            found,
            found_kind,
            accepts - _ignored(),
            isinstance(exc, UnexpectedCharacters),
        )

    @property
    def previous_text(self) -> str:
        return self.previous.text if self.previous is not None else ""

    def fill(self, template: str) -> str:
        """`template` with the words of this place put in."""
        following = _FOUND.search(self.text, self.offset + len(self.found)) if self.found else None
        return template.format(
            previous=self.previous_text,
            found=self.found,
            inside=self.found.strip("'"),
            next=following.group().strip() if following else "NAME",
            name=self.statement.declares or "NAME",
        )


def _first_word(text: str, offset: int) -> int | None:
    """Where the first word at or after `offset` begins."""
    words = scan(text, offset, min(len(text), offset + 200))
    return words[0].start if words else None


def _lexical(place: _Place) -> tuple[Explanation | None, int]:
    """A mistake in how a word is written, and where it begins."""
    if place.lexical:
        for pattern, explanation in LEXICAL_ERRORS:
            if pattern.match(place.text, place.offset):
                return explanation, place.offset
    # A number with letters stuck to it: the parser took the number, then stopped at the letters.
    word = next((w for w in place.statement.words if w.start < place.offset < w.end), None)
    if word is not None and not place.at_end:
        glued = _NUMBER_WITH_LETTERS.fullmatch(word.text)
        if glued is not None and word.start + glued.start(2) == place.offset:
            written = glued.group()
            factor = _NUMBER_SUFFIXES.get(glued.group(2).lower())
            if factor is not None:
                value = float(glued.group(1)) * factor
                hint = f"write it in digits: {int(value) if value.is_integer() else value}"
            else:
                hint = "a number is written in digits only, as in 5000"
            return Explanation(f"'{written}' is not a number", hint), word.start
    return None, place.offset


def _diagnostic(explanation: Explanation, place: _Place, path: str, offset: int) -> Diagnostic:
    message = place.fill(explanation.message)
    if place.found and message.startswith("expected"):
        message += f", found '{place.found}'"
    hint = _hint(explanation, place)
    swallowed = _swallowed(place)
    if swallowed is not None and not place.lexical:
        # An unclosed quote read on to the next '"', taking a keyword with it.
        string, keyword = swallowed
        offset = string.start
        taken = f"the text starting here, {string.text}, takes in '{keyword}'"
        if message.startswith("expected"):
            hint = f"{taken}: is a closing '\"' missing?"
        else:
            message, hint = taken, "is a closing '\"' missing?"
    line, column = line_and_column(place.text, offset)
    return error(Pos(path, line, column), message, hint)


def _hint(explanation: Explanation, place: _Place) -> str | None:
    found = place.found
    if found != found.lower() and found.lower() in KEYWORDS:
        return f"words of the language are written in lowercase: {found.lower()}"
    if found in RESERVED_WORDS and place.accepts == {"NAME"}:
        return f"'{found}' is a word of the language and cannot be a name"
    template = explanation.hint
    if template is None and place.found_kind == "NAME" and explanation.word_hint is not None:
        template = explanation.word_hint
    if template is None and found[:1].isdigit() and explanation.number_hint is not None:
        template = explanation.number_hint
    if template is None and "STRING" in place.accepts and (place.found_kind == "NAME" or found[:1] == "@"):
        template = QUOTE_HINT
    return place.fill(template) if template is not None else None


def _swallowed(place: _Place) -> tuple[Word, str] | None:
    """The quoted text just before the error and a keyword it holds, when an unclosed
    quote seems to have read on to the next one, taking the keyword with it: the
    error is right after the text, and the keyword could have stood there
    (`"refund then tag "refund"`)."""
    string = place.previous
    if string is None or string.kind != "string" or string.end != place.offset or len(string.text) < 2:
        return None
    inside = string.text[1:-1].split()
    keywords = _keyword_terminals()
    keyword = next((word for word in inside[1:] if keywords.get(word) in place.accepts), None)
    return (string, keyword) if keyword is not None else None


def explanation_of(exc: UnexpectedInput) -> Explanation | None:
    """The entry of `PARSE_ERRORS` for the place `exc` happened, if there is one."""
    state = exc.state
    if state is None:
        return None
    # Keyed by the parser state alone, as the samples are; `exc` is left as it was.
    exc.state = state.position
    try:
        found: Explanation | None = exc.match_examples(
            _parse_sample, PARSE_ERRORS, token_type_match_fallback=True, use_accepts=True
        )
    finally:
        exc.state = state
    return found


@cache
def _sample_error(sample: str) -> UnexpectedInput | None:
    try:
        parse(sample, "<sample>", "statement")
    except UnexpectedInput as exc:
        if isinstance(exc, UnexpectedToken):
            exc.accepts  # noqa: B018 (computed while the parser it needs is at hand)
        exc.state = exc.state.position
        return exc
    return None


def _parse_sample(sample: str) -> Any:
    exc = _sample_error(sample)
    if exc is not None:
        raise exc.with_traceback(None)


def _expected(place: _Place) -> Explanation:
    """ "expected X": the tokens the parser would have taken, in words."""
    if not place.accepts:
        # Only the end of the statement would do: what follows must be a new one.
        return Explanation("expected a statement: " + spoken_list(STATEMENT_WORDS))
    words = sorted({terminal_word(name) for name in place.accepts}, key=lambda w: (not w.startswith("'"), w))
    where = " after '{previous}'" if place.previous is not None else ""
    return Explanation(f"expected {spoken_list(words)}{where}")


@cache
def terminal_word(terminal: str) -> str:
    """How a terminal of the grammar is named to a manager: `'then'`, `a "quoted text"`."""
    if terminal in TERMINAL_WORDS:
        return TERMINAL_WORDS[terminal]
    pattern = lark_parser().get_terminal(terminal).pattern
    if isinstance(pattern, PatternStr):
        return f"'{pattern.value}'"
    return "something else"


@lru_cache(maxsize=1)
def _ignored() -> frozenset[str]:
    """The end of the statement, and the terminals the parser passes over (blanks, comments)."""
    return frozenset(lark_parser().ignore_tokens) | {"$END"}


@lru_cache(maxsize=1)
def _keyword_terminals() -> dict[str, str]:
    """The terminals of the grammar that are keywords, by keyword: `when` → WHEN, ..."""
    return {
        t.pattern.value: t.name
        for t in lark_parser().terminals
        if isinstance(t.pattern, PatternStr) and t.pattern.value.isalpha()
    }


def _found(text: str, offset: int, accepts: frozenset[str]) -> str:
    """The text at `offset` as the manager sees it: a whole string, a whole duration, on one line."""
    if "DURATION" in accepts:
        match = _FOUND_DURATION.match(text, offset)
        if match and match.group(1) not in KEYWORDS:
            return match.group()
    match = _FOUND.match(text, offset)
    return match.group() if match else ""
