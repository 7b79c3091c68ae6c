"""The `playbook` command: check, dry-run, test, run, diff (SPEC section 5)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any, TypeVar

from playbook.compiler.ruleset import CheckedPlaybooks, RuleSet
from playbook.diff.command import add_parser as add_diff_parser
from playbook.language.diagnostics import PlaybookError, render_all, summarize
from playbook.loader import PlaybookPathError, check_playbooks, load_ruleset

# Each command imports what only it needs, so that `playbook check` starts quickly.
if TYPE_CHECKING:
    from playbook.compiler.actions import ActionRecord

_Loaded = TypeVar("_Loaded", RuleSet, CheckedPlaybooks)

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
# Stopped by Ctrl-C (SIGINT), as shells report it: 128 + the signal's number.
EXIT_INTERRUPTED = 130

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
  playbook diff git:HEAD playbooks/ --events events.jsonl   what the edits not yet committed change

exit codes: 0 ok, 1 invalid playbooks, 2 wrong use of the command, 130 stopped by Ctrl-C
"""


TEST_EPILOG = """\
a test file, beside the playbooks it tests (care.test.yaml):

  playbooks: [00-shared.play, care.play]   # relative to this file
  start: "2026-11-20T09:00:00Z"            # 'at:' times are offsets from it
  cases:
    - name: an unanswered complaint is escalated after two hours
      events:
        - {id: m1, type: mention, at: 0m, text: "My order arrived broken"}
      until: 3h
      expect:
        - {rule: First reply to complaints, action: assign, event: m1, at: 30m}
        - {rule: Escalate unanswered complaints, action: escalate, event: m1, at: 2h}
    - name: a complaint answered in time is not escalated
      events:
        - {id: m1, type: mention, at: 0m, text: "My order arrived broken"}
        - {id: r1, type: reply, at: 20m, in_reply_to: m1, author: {handle: "@acme"}}
      until: 3h
      expect: []

Each event needs an id and a type, and a time or an 'at': an offset from
'start' such as 90m, 2h, 1h30m or 1d (a case may set its own start). 'until',
a time or an offset, moves the clock at the end of the case and fires what is
due by then, as dry-run --until does. Each case runs in a fresh engine.

'expect' lists every action the case causes, from every rule of the playbooks
the file loads, not only the rule under test. An expected action is compared
only on the keys it gives (rule, action, target, params, event, thread,
author, time or at, source, id, shadow); 'params', when given, must be equal
as a whole, and a shadow rule's actions are 'shadow: true', every other's
'shadow: false'. Text is read as written, quoted or not: 'target: 2024' is the
target "2024" and 'message: yes' the message "yes", as in an event 'id: 7' is
the id "7" and 'text: yes' the text "yes"; times are compared as instants.
Each expected action uses up one action, and an action nobody expected fails
the case. A failing case shows expected and actual side
by side ('!=' marks a key that differs), the lines of the test file that
failed, and the rule as written in its playbook.

examples:
  playbook test playbooks/
  playbook test playbooks/care.test.yaml

exit codes: 0 every case passed, 1 a case failed or a test file is broken,
2 wrong use of the command (no such path, no test files), 130 stopped by Ctrl-C
"""


RUN_EPILOG = """\
a configuration file (relative paths are relative to it; ${NAME} is read from
the environment; a key given twice, or a value of the wrong type, is refused):

  playbooks: playbooks            # a .play file or a folder
  brand: ["@acme"]                # brand handles, added to the playbooks' own
  state: .playbook/state.db       # SQLite: inbox, deadlines, windows, outbox
  lateness: 0s                    # hold the clock back to wait for late events
  max_ahead: 1h                   # refuse events dated further ahead of the wall
                                  # clock (off: a replay dated ahead on purpose)
  dead_letter: .playbook/dead-letter.jsonl
  listen: "127.0.0.1:8787"        # /healthz, /metrics, POST /events, the status page /
  request_timeout: 10s            # for a client to send a request's headers, and its body
  sources:
    - {type: file, path: events.jsonl}
    - {type: http, token: "${PLAYBOOK_TOKEN}", max_bytes: 1048576}
    - {type: stdin}
  sinks:
    - {type: stdout}
    - {type: file, path: .playbook/actions.jsonl}
    - {type: webhook, url: "http://127.0.0.1:9000/hook", secret: "${HOOK_SECRET}"}
    - {type: slack, name: vip-desk, url: "${SLACK_URL}", match: {target: ["#vip-desk"]}}
    - {type: email, host: smtp.example.com, port: 587, starttls: true,
       username: "${SMTP_USER}", password: "${SMTP_PASSWORD}",
       from: playbook@example.com, to: [care-leads@example.com],
       match: {action: [escalate], target: [care-leads]}}
    - {type: file, path: .playbook/shadow.jsonl, shadow: true}   # shadow rules' actions, only
  guard: {actions: [reply, hide], max: 20, within: 10m}         # pause a rule that floods (max: 0: off)

A sink's 'match' takes the records whose action, target, rule and priority are
each one of those listed ('*' matches any characters, null a missing value);
without it, every record. 'name' is how a sink is shown; URLs are shown cut
after the host, and no secret is ever shown.

A source's 'map' makes events of other JSON, a JMESPath expression per field
(author.handle: "user.screen_name"; iso_time(n) for Unix seconds), and 'each'
selects the items of a request that holds several. See docs/delivery.md and
examples/feeds/ (X filtered stream, Facebook Page webhook).

An http source with a 'secret' also takes requests signed with
X-Playbook-Signature: sha256=HMAC-SHA256 of the body, or of TIMESTAMP.BODY with
X-Playbook-Timestamp: TIMESTAMP (Unix seconds, within 5 minutes of the clock);
a webhook with a 'secret' signs its requests with both headers. Slack's 429 is
waited out as long as its Retry-After says.

A shadow rule's actions go only to the sinks with 'shadow: true', and every
other action only to the others. The guard pauses a live rule whose actions of
'actions' within 'within' would number more than 'max': that firing and every
later one are held back, and one alert (rule "guard") goes to every live sink;
/healthz lists paused rules. A pause lasts across restarts until an edit
changes the rule's text or the guard's settings change.

GET / on 'listen' is a status page for people (open it in a browser): the
last reload, the last 24 hours' figures, each rule's firings today, the next
deadlines, the latest actions. It asks for the http source's token; without
one, it is open when 'listen' is a loopback address, and closed otherwise.

A state file that exists must hold state: an empty one, or one copied without
its -wal file, is refused unless --fresh is given; a damaged one is refused.

examples:
  playbook run --config examples/daemon.yaml
  curl -H "Authorization: Bearer $PLAYBOOK_TOKEN" --data-binary @events.jsonl \\
       http://127.0.0.1:8787/events

exit codes: 0 stopped cleanly, 1 invalid playbooks at start, 2 a configuration,
state file or listen address that cannot be used
"""


REPORT_EPILOG = """\
An item is any event that is not the brand's own and not 'handled'. It is
answered by the brand's first post in its thread at or after its time, or by
a 'handled' event naming it or its thread; its response time runs until then.
Times in the JSON are in seconds, shares from 0 to 1.

examples:
  playbook report playbooks/ --events examples/events.jsonl
  playbook report --brand @acme --events events.jsonl --sla 30m --sla 2h --format json
  playbook report playbooks/ --events events.jsonl --format html --output report.html

exit codes: 0 ok, 1 invalid playbooks, 2 wrong use of the command (no brand
handles, an unknown schedule, a file that cannot be read or written)
"""


class _Version(argparse.Action):
    """`--version`, the version read only when asked for (importlib.metadata is slow to import)."""

    def __init__(self, option_strings: list[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        import playbook

        print(f"playbook {playbook.__version__}")
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="playbook",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version, help="show Playbook's version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    check = commands.add_parser(
        "check",
        help="check playbooks and report every problem",
        description="Load and check playbooks. Every error and warning is printed as\n"
        "FILE:LINE:COL: error: what is wrong (a hint), with the line and a caret.",
        epilog="examples:\n  playbook check playbooks/\n  playbook check care.play crisis.play\n\n"
        "exit codes: 0 when the playbooks are valid (warnings allowed), 1 when not",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("paths", nargs="+", metavar="PATH", help="a .play file or a folder of them")

    dry = commands.add_parser(
        "dry-run",
        help="show what playbooks would do on a file of events",
        description="Run playbooks over events (JSON Lines) and show the actions they would\n"
        "take, as they happen. Nothing is sent anywhere. The summary goes to stderr,\n"
        "with a progress bar while the actions go to a file or a pipe.",
        epilog="example:\n  playbook dry-run playbooks/ --events examples/events.jsonl --format jsonl\n\n"
        "exit codes: 0 ok, 1 invalid playbooks, 2 wrong use of the command, 130 stopped by Ctrl-C\n"
        "(with the summary of what was done)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    dry.add_argument("paths", nargs="+", metavar="PATH", help="a .play file or a folder of them")
    dry.add_argument(
        "--events",
        required=True,
        metavar="FILE",
        help="events, one JSON object per line; '-' reads standard input",
    )
    dry.add_argument(
        "--format",
        choices=("text", "jsonl"),
        default="text",
        help="text: a readable table (default); jsonl: one action record per line",
    )
    dry.add_argument(
        "--until",
        metavar="TIME",
        type=_time_arg,
        help="at the end, move the clock to TIME (ISO-8601 with a zone) and fire "
        "what is due by then; later deadlines are listed as pending",
    )
    dry.add_argument(
        "--explain",
        nargs="?",
        const="",
        action="append",
        metavar="EVENT|RULE",
        help="show which conditions held and which did not, and what time rules "
        "wait for; give an event id or a rule name to explain only that "
        "(repeatable), or nothing to explain every event",
    )

    test = commands.add_parser(
        "test",
        help="run the playbooks' test files (*.test.yaml)",
        description="Run every *.test.yaml file found in PATH. Each case runs its events through\n"
        "a fresh engine and compares the actions with those it expects: every\n"
        "expected action must happen, and no other.",
        epilog=TEST_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    test.add_argument("paths", nargs="+", metavar="PATH", help="a .test.yaml file or a folder of them")

    run = commands.add_parser(
        "run",
        help="run playbooks continuously as a daemon",
        description="Run the rule set continuously: read events from files, HTTP and stdin,\n"
        "deliver actions to stdout, files and webhooks, keep every pending\n"
        "deadline in SQLite, and reload the playbooks the moment they are saved\n"
        "(or on SIGHUP). SIGTERM or SIGINT stops it cleanly.",
        epilog=RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument(
        "--config",
        default="playbook.yaml",
        metavar="FILE",
        help="the configuration file (default: playbook.yaml)",
    )
    run.add_argument(
        "--fresh",
        action="store_true",
        help="start with no state when the state file is empty or incomplete (its pending "
        "deadlines are lost); a state file that holds state is used as always",
    )

    report = commands.add_parser(
        "report",
        help="how the desk is doing: items, answers, response times",
        description="Measure what a desk is judged on, over a file of events: how much came in,\n"
        "how much was answered, and how fast; by type, by platform, by weekday and\n"
        "hour; and, with playbooks, what each rule did (as dry-run counts it).",
        epilog=REPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="playbooks (a .play file or a folder): their brand handles, their rules' "
        "firings and their waits as service levels",
    )
    report.add_argument(
        "--events",
        required=True,
        metavar="FILE",
        help="events, one JSON object per line; '-' reads standard input",
    )
    report.add_argument(
        "--until",
        metavar="TIME",
        type=_time_arg,
        help="the end of the period (ISO-8601 with a zone); the rules' deadlines due by then fire",
    )
    report.add_argument(
        "--sla",
        action="append",
        metavar="D",
        help="a service level to report, such as 30m or 2h: the share of items answered "
        "in less than D (repeatable; default: the playbooks' 'unanswered' waits, or 1h)",
    )
    report.add_argument(
        "--schedule",
        metavar="NAME",
        help="count response times in the open time of the playbooks' schedule NAME",
    )
    report.add_argument(
        "--brand",
        action="append",
        metavar="HANDLE",
        help="a brand account whose posts answer people, added to the playbooks' own (repeatable)",
    )
    report.add_argument(
        "--format",
        choices=("text", "json", "html"),
        default="text",
        help="text: readable tables (default); json: one JSON object; html: one page with charts",
    )
    report.add_argument("--output", metavar="FILE", help="write the report to FILE instead of stdout")

    add_diff_parser(commands, _time_arg)
    return parser


def _time_arg(text: str) -> int:
    from playbook.language.timestamps import (  # datetime is not needed to check playbooks
        TimeError,
        parse_time,
    )

    try:
        return parse_time(text)
    except TimeError as exc:
        raise argparse.ArgumentTypeError(f"{exc}; write it like 2026-11-20T18:00:00Z") from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return _check(args.paths)
        if args.command == "test":
            return _test(args.paths)
        if args.command == "run":
            return _run(args.config, args.fresh)
        if args.command == "report":
            return _report(args)
        if args.command == "diff":
            from playbook.diff.command import run_diff

            return run_diff(parser, args)
        return _dry_run(parser, args)
    except BrokenPipeError:
        # The reader went away (`| head`): it has all it wanted, so stop quietly, as `git log` does.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        # Ctrl-C before a run had anything to report (while loading the playbooks).
        print("playbook: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _load(paths: list[str]) -> RuleSet | int:
    """The rule set, or the exit code after printing why there is none."""
    return _loaded(paths, load_ruleset)


def _loaded(paths: list[str], load: Callable[[list[str]], _Loaded]) -> _Loaded | int:
    """What `load` makes of `paths` (its warnings printed), or the exit code after printing why nothing."""
    try:
        ruleset = load(paths)
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
    loaded = _loaded(paths, check_playbooks)
    if isinstance(loaded, int):
        return loaded
    files = len(loaded.sources)
    rules = loaded.rule_count
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
    if not sys.stderr.isatty() or sys.stdout.isatty():
        # No one watching, or the actions themselves scroll by on the terminal.
        with stream:
            yield stream
        return
    # Someone watches while the actions go to a file: show how far through the file the run is, on stderr.
    stream.close()
    from rich.console import Console
    from rich.progress import open as open_with_progress

    with open_with_progress(
        name, "rb", description="events", transient=True, console=Console(stderr=True)
    ) as watched:
        yield watched


def _dry_run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from playbook.dryrun.explain import Explainer
    from playbook.dryrun.output import Output, is_live
    from playbook.dryrun.report import ActionTable, summary
    from playbook.dryrun.run import dry_run

    loaded = _load(args.paths)
    if isinstance(loaded, int):
        return loaded
    out = Output(line_by_line=is_live(args.events))
    explainer = None
    if args.explain is not None:
        explain_out = out.text if args.format == "text" else sys.stderr
        explainer = Explainer(loaded, [t for t in args.explain if t], explain_out)
    table = ActionTable(loaded, out.text) if args.format == "text" else None
    held: list[ActionRecord] = []  # an explanation on stdout comes first, then the table
    emit: Callable[[ActionRecord], None]
    if table is None:
        emit = out.write_record
    elif explainer is not None:
        emit = held.append
    else:
        emit = table.add

    try:
        with _open_events(parser, args.events) as stream:
            result = dry_run(loaded, stream, emit, until=args.until, explainer=explainer)
        problems = explainer.finish() if explainer is not None else []
        if table is not None:
            if explainer is not None:
                out.text.write("\n")
                for record in held:
                    table.add(record)
            table.close()
    finally:
        out.flush()
    source = "standard input" if args.events == "-" else args.events
    print(summary(result, source), end="", file=sys.stderr)
    for problem in problems:
        print(f"playbook: warning: {problem}", file=sys.stderr)
    return EXIT_INTERRUPTED if result.interrupted else EXIT_OK


def _run(config_path: str, fresh: bool) -> int:
    from playbook.daemon.config import ConfigError, load_config
    from playbook.daemon.logs import setup_logging
    from playbook.daemon.redact import Redactor
    from playbook.daemon.service import run_daemon

    try:
        config = load_config(config_path)
    except ConfigError as exc:
        print(f"playbook: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    setup_logging(Redactor(config.secrets))
    return run_daemon(config, fresh)


def _report(args: argparse.Namespace) -> int:
    from playbook.report.command import ReportUsageError, make_plan, make_report

    ruleset = None
    if args.paths:
        loaded = _load(args.paths)
        if isinstance(loaded, int):
            return loaded
        ruleset = loaded
    try:
        plan = make_plan(ruleset, args.brand or [], args.sla or [], args.schedule)
        make_report(plan, args.events, args.until, args.format, args.output)
    except ReportUsageError as exc:
        print(f"playbook: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def _test(paths: list[str]) -> int:
    from playbook.dryrun.interrupt import StopRequest
    from playbook.testing.report import report, summary_line
    from playbook.testing.runner import find_test_files, run_test_file

    try:
        files = find_test_files(paths)
    except PlaybookPathError as exc:
        print(f"playbook: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    # Colours only for a person at a terminal (https://no-color.org).
    colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    passed = failed = broken = ran = 0
    stop = StopRequest()
    with stop.installed():
        for path in files:
            if stop.requested:
                break
            result = run_test_file(path, lambda: stop.requested)
            ran += 1
            # Each file is reported as it finishes, so a long run shows its progress.
            file_passed, file_failed, file_broken = report([result], sys.stdout, colour=colour)
            passed, failed, broken = passed + file_passed, failed + file_failed, broken + file_broken
            sys.stdout.flush()
    print(summary_line(passed, failed, broken, ran))
    if stop.requested:
        sys.stdout.flush()
        print("interrupted: stopped by Ctrl-C; the cases after these did not run", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK if not failed and not broken else EXIT_INVALID


if __name__ == "__main__":
    sys.exit(main())
