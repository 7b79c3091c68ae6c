"""The `playbook` command: check, dry-run (SPEC section 5)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import IO

from . import __version__
from .actions import ActionRecord
from .diagnostics import PlaybookError, render_all, summarize
from .dryrun import dry_run
from .explain import Explainer
from .loader import PlaybookPathError, RuleSet, load_ruleset
from .report import action_table, summary
from .timestamps import TimeError, parse_time

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2

DESCRIPTION = """\
Playbook runs a community manager's plain-text playbooks over social-media
events: mentions, replies, comments, direct messages and reviews.

  when mention is complaint and unanswered 2h then escalate to "care-leads"
"""

EPILOG = """\
examples:
  playbook check playbooks/                 check every .play file under playbooks/
  playbook dry-run playbooks/ --events examples/events.jsonl
  playbook dry-run care.play --events - --format jsonl < events.jsonl
  playbook dry-run care.play --events events.jsonl --until 2026-11-21T00:00:00Z --explain m1

exit codes: 0 ok, 1 invalid playbooks, 2 wrong use of the command
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="playbook", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"playbook {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    check = commands.add_parser(
        "check", help="check playbooks and report every problem",
        description="Load and check playbooks. Every error and warning is printed as\n"
                    "FILE:LINE:COL: error: what is wrong (a hint), with the line and a caret.",
        epilog="examples:\n  playbook check playbooks/\n  playbook check care.play crisis.play\n\n"
               "exit codes: 0 when the playbooks are valid (warnings allowed), 1 when not",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("paths", nargs="+", metavar="PATH", help="a .play file or a folder of them")

    dry = commands.add_parser(
        "dry-run", help="show what playbooks would do on a file of events",
        description="Run playbooks over events (JSON Lines) and show the actions they would\n"
                    "take. Nothing is sent anywhere. The summary goes to stderr.",
        epilog="example:\n  playbook dry-run playbooks/ --events examples/events.jsonl --format jsonl",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    dry.add_argument("paths", nargs="+", metavar="PATH", help="a .play file or a folder of them")
    dry.add_argument("--events", required=True, metavar="FILE",
                     help="events, one JSON object per line; '-' reads standard input")
    dry.add_argument("--format", choices=("text", "jsonl"), default="text",
                     help="text: a readable table (default); jsonl: one action record per line")
    dry.add_argument("--until", metavar="TIME", type=_time_arg,
                     help="at the end, move the clock to TIME (ISO-8601 with a zone) and fire "
                          "what is due by then; later deadlines are listed as pending")
    dry.add_argument("--explain", nargs="?", const="", action="append", metavar="EVENT|RULE",
                     help="show which conditions held and which did not, and what time rules "
                          "wait for; give an event id or a rule name to explain only that "
                          "(repeatable), or nothing to explain every event")
    return parser


def _time_arg(text: str) -> int:
    try:
        return parse_time(text)
    except TimeError as exc:
        raise argparse.ArgumentTypeError(f"{exc}; write it like 2026-11-20T18:00:00Z") from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "check":
        return _check(args.paths)
    return _dry_run(parser, args)


def _load(paths: list[str]) -> RuleSet | int:
    """The rule set, or the exit code after printing why there is none."""
    try:
        ruleset = load_ruleset(paths)
    except PlaybookPathError as exc:
        print(f"playbook: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except PlaybookError as exc:
        print(render_all(exc.diagnostics, exc.sources), file=sys.stderr)
        print(summarize(exc.diagnostics), file=sys.stderr)
        return EXIT_INVALID
    if ruleset.warnings:
        print(render_all(ruleset.warnings, ruleset.sources), file=sys.stderr)
    return ruleset


def _check(paths: list[str]) -> int:
    loaded = _load(paths)
    if isinstance(loaded, int):
        return loaded
    files = len(loaded.files)
    rules = len(loaded.rules)
    line = f"ok: {rules} {'rule' if rules == 1 else 'rules'} in {files} {'file' if files == 1 else 'files'}"
    if loaded.warnings:
        line += ", " + summarize(loaded.warnings).split(", ")[1]
    print(line, file=sys.stderr)
    return EXIT_OK


@contextmanager
def _open_events(parser: argparse.ArgumentParser, name: str) -> Iterator[IO[bytes]]:
    if name == "-":
        yield sys.stdin.buffer
        return
    try:
        stream = open(name, "rb")
    except OSError as exc:
        parser.error(f"cannot read events from '{name}': {exc.strerror}")
    with stream:
        yield stream


def _dry_run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    loaded = _load(args.paths)
    if isinstance(loaded, int):
        return loaded
    records: list[ActionRecord] = []
    out = sys.stdout.buffer

    def emit(record: ActionRecord) -> None:
        if args.format == "jsonl":
            out.write(record.to_json() + b"\n")
        else:
            records.append(record)

    explainer = None
    if args.explain is not None:
        explain_out = sys.stdout if args.format == "text" else sys.stderr
        explainer = Explainer(loaded, [t for t in args.explain if t], explain_out)
    with _open_events(parser, args.events) as stream:
        result = dry_run(loaded, stream, emit, until=args.until, observer=explainer)
    if explainer is not None and args.format == "text":
        sys.stdout.write("\n")
    if args.format == "text":
        action_table(records, sys.stdout)
    sys.stdout.flush()
    print(summary(result), end="", file=sys.stderr)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
