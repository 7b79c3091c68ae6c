"""Memory (SPEC section 12): marks, the tests of marks, and `repeat`.

A mark is put on an author or a thread, and has a name that is not empty; a
`for D` lasts longer than nothing. A test of a mark that no rule ever sets is
a warning (it can never hold), with the nearest mark that is set; so is a live
rule's test of a mark that only shadow rules set (a live rule never sees a
shadow rule's marks). `repeat` belongs to a rule that waits for an answer, once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from playbook.language import nodes
from playbook.language.check.conditions import check_duration
from playbook.language.diagnostics import Diagnostic, error, warning
from playbook.language.fields import suggest
from playbook.language.vocabulary import MARKED_SUBJECTS

_EXAMPLE = {
    "mark": 'as in mark author "do-not-contact" for 365d',
    "unmark": 'as in unmark thread "escalated"',
}
_PLURAL = {"author": "authors", "thread": "threads"}
_ARTICLE = {"author": "an author", "thread": "a thread"}


def check_subject(subject: nodes.Name, what: str, example: str) -> Iterator[Diagnostic]:
    """`author` or `thread`: what a mark can be put on and tested of."""
    if subject.name in MARKED_SUBJECTS:
        return
    near = suggest(subject.name, MARKED_SUBJECTS)
    hint = f"did you mean '{near}'?" if near else example
    yield error(subject.pos, f"{what} an author or a thread, not '{subject.name}'", hint)


def check_mark_name(name: nodes.Literal) -> Iterator[Diagnostic]:
    if not str(name.value).strip():
        yield error(name.pos, "a mark's name cannot be empty")


def check_mark(mark: nodes.Mark) -> Iterator[Diagnostic]:
    """`mark author "M" for D`, `unmark thread "M"`: what is marked, the name, the duration."""
    yield from check_subject(mark.subject, f"'{mark.word}' works on", _EXAMPLE[mark.word])
    yield from check_mark_name(mark.name)
    if mark.duration is not None:
        too_short = check_duration(mark.duration)
        if too_short is not None:
            yield too_short


def check_is_marked(cond: nodes.IsMarked) -> Iterator[Diagnostic]:
    """`author is marked "M"`: only an author or a thread carries marks."""
    yield from check_subject(cond.word, "only", 'as in author is marked "do-not-contact"')
    yield from check_mark_name(cond.mark)


def check_repeat(rule: nodes.Rule) -> Iterator[Diagnostic]:
    """`repeat every D up to N times`: on an `unanswered` rule, once, N at least 1."""
    if not rule.repeats:
        return
    first = rule.repeats[0]
    _, timed = nodes.split_time(rule.condition)
    if not any(isinstance(cond, nodes.Unanswered) for cond in timed):
        yield error(
            first.pos,
            "'repeat' is only for a rule that waits for an answer: it fires again while nobody answers",
            "give the rule a wait, as in when mention is complaint and unanswered 2h then escalate "
            "repeat every 4h up to 3 times",
        )
    too_short = check_duration(first.every)
    if too_short is not None:
        yield too_short
    if first.times < 1:
        yield error(first.pos, "'repeat ... up to 0 times' never repeats; use a count of 1 or more")
    for extra in rule.repeats[1:]:
        yield error(extra.pos, "a rule can have only one 'repeat'", "keep one of them")


def _marks_set(rules: Iterable[nodes.Rule]) -> Iterator[tuple[nodes.Rule, nodes.Mark]]:
    """Each `mark` action (not `unmark`) of the rules, with its rule."""
    for rule in rules:
        for action in rule.actions:
            if isinstance(action, nodes.Mark) and not action.unmark:
                yield rule, action


def check_marks_set(tests: Iterable[nodes.IsMarked], rules: Iterable[nodes.Rule]) -> Iterator[Diagnostic]:
    """A warning for each test of a mark that no rule of the rule set ever sets on
    that kind of thing (names compare ignoring case)."""
    set_on: dict[str, dict[str, str]] = {subject: {} for subject in MARKED_SUBJECTS}
    for _, mark in _marks_set(rules):
        if mark.subject.name in set_on:
            set_on[mark.subject.name].setdefault(str(mark.name.value).casefold(), str(mark.name.value))
    for test in tests:
        subject, name = test.word.name, str(test.mark.value)
        if subject not in set_on or not name.strip() or name.casefold() in set_on[subject]:
            continue
        other = next(s for s in MARKED_SUBJECTS if s != subject)
        near = suggest(name.casefold(), set_on[subject]) if set_on[subject] else None
        if near is not None:
            hint = f"did you mean '{set_on[subject][near]}'?"
        elif name.casefold() in set_on[other]:
            hint = f"the rules mark {_PLURAL[other]} '{name}', not {_PLURAL[subject]}"
        else:
            hint = f'set it in a rule, as in then mark {subject} "{name}"'
        always = "true" if test.negated else "false"
        yield warning(
            test.mark.pos,
            f"no rule marks {_ARTICLE[subject]} '{name}', so this test is always {always}",
            hint,
        )


def check_shadow_marks(
    live_tests: Iterable[nodes.IsMarked], rules: Iterable[nodes.Rule]
) -> Iterator[Diagnostic]:
    """A warning for each test in a live rule of a mark that only shadow rules set:
    their marks are kept apart and seen by shadow rules only (SPEC section 9), so the
    test holds as if nothing were marked until the shadow rule is promoted."""
    live: set[tuple[str, str]] = set()
    shadow: dict[tuple[str, str], str] = {}
    for rule, mark in _marks_set(rules):
        key = (mark.subject.name, str(mark.name.value).casefold())
        if rule.shadow:
            shadow.setdefault(key, str(rule.name.value) if rule.name else "")
        else:
            live.add(key)
    for test in live_tests:
        key = (test.word.name, str(test.mark.value).casefold())
        if key in shadow and key not in live:
            always = "true" if test.negated else "false"
            setter = f"shadow rule '{shadow[key]}'" if shadow[key] else "a shadow rule"
            yield warning(
                test.mark.pos,
                f"only {setter} marks {_ARTICLE[test.word.name]} '{test.mark.value}', and a live rule "
                f"does not see a shadow rule's marks, so this test is always {always}",
                "promote the shadow rule by removing the word 'shadow', or make this rule a shadow rule too",
            )
