"""The daemon measures the desk live (SPEC section 10): `/metrics` has
`playbook_response_seconds` and `playbook_items_waiting`, and `GET /` is a status
page for people behind the HTTP source's token. A real daemon in a subprocess,
real sockets and SQLite, the same events run through `playbook report` to say
what the figures must be, and the page opened in headless Chromium with its
scripts off."""

from __future__ import annotations

import heapq
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from browser import CHROMIUM, MISSING, Visit, render
from daemon_harness import TOKEN, DaemonProcess, free_port, playbook_folder, wait_for
from hypothesis import given
from hypothesis import strategies as st

from playbook.daemon.gate import is_loopback
from playbook.daemon.status import soonest
from playbook.measure.display import duration, percent

ROOT = Path(__file__).resolve().parent.parent
needs_chromium = pytest.mark.skipif(CHROMIUM is None and os.environ.get("CI") != "true", reason=MISSING)
SCREENSHOTS = Path(__file__).resolve().parent / "out"
DESK = """\
playbook "Acme <desk>"
brand "@acme"
rule "Escalate": when mention and text contains "broken" and unanswered 2h then escalate to "care-leads"
rule "Thank <fans>": when mention and text contains "love" then reply "Thanks!", tag "fan"
rule "Night watch": when message and unanswered 30m then notify "#night"
"""
BROKEN = 'rule "Typo": when mention and author.folowers > 10 then tag "vip"\n'
# Now, to the second: the events below are dated from it, so that response times are exact.
NOW = datetime.now(UTC).replace(microsecond=0)


def ago(**delta: float) -> str:
    return (NOW - timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


def post(id_: str, kind: str, when: str, handle: str, **fields: Any) -> dict[str, Any]:
    return {"id": id_, "type": kind, "time": when, "author": {"handle": handle}, **fields}


OLD = [
    post("old", "review", ago(days=8), "@ann", platform="reviews", rating=1),  # beyond the horizon
    post("v1", "review", ago(hours=26), "@ann", platform="reviews", rating=2),  # waiting, not of the last day
]
DAY = [
    post("m1", "mention", ago(hours=5), "@jane", text="my order arrived broken", platform="twitter"),
    post("r1", "reply", ago(hours=4, minutes=30), "@acme", in_reply_to="m1", text="so sorry"),  # 30m
    post(
        "m2",
        "mention",
        ago(hours=3),
        "@bob",
        text="I love it <script>window.pwned=1</script>",
        platform="Instagram",
    ),
    post("m4", "mention", ago(hours=2), "@eve", text="where is my parcel", platform="facebook"),
    post("r2", "reply", ago(hours=2), "@acme", in_reply_to="m2", text="thanks!"),  # 1h
    {"id": "h1", "type": "handled", "time": ago(hours=1), "ref": "m4"},  # 1h
    post("d1", "message", ago(minutes=50), "@cat", text="hello?", platform="twitter"),  # notified at -20m
    post("m3", "mention", ago(minutes=10), "@<b>dan</b>", text="broken again", platform="twitter"),  # pending
]


class Page(HTMLParser):
    """What a status page shows: its figures, tables, charts and diagnostics, as text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.html = html
        self.figures: dict[str, str] = {}
        self.tables: dict[str, list[list[str]]] = {}
        self.charts: list[str] = []
        self.diagnostics: dict[str, str] = {}
        self.forms: list[str] = []
        self.title = ""
        self._open: list[tuple[str, str, str]] = []  # (tag, kind, name) of the elements read into
        self._text: list[str] = []
        self._table: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form":
            self.forms.append(found.get("action") or "")
        if tag == "table" and found.get("data-table"):
            self._table = found["data-table"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table is not None:
            self._open.append((tag, "cell", ""))
            self._text = []
        elif tag == "figure" and found.get("data-chart"):
            self.charts.append(found["data-chart"] or "")
        for kind in ("data-figure", "data-diagnostics"):
            if found.get(kind):
                self._open.append((tag, kind, found[kind] or ""))
                self._text = []
        if tag == "title":
            self._open.append((tag, "title", ""))
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        if not self._open or self._open[-1][0] != tag:
            return
        _, kind, name = self._open.pop()
        text = "".join(self._text)
        if kind == "cell" and self._table is not None:
            self.tables[self._table][-1].append(" ".join(text.split()))
        elif kind == "data-figure":
            self.figures[name] = " ".join(text.split())
        elif kind == "data-diagnostics":
            self.diagnostics[name] = text
        elif kind == "title":
            self.title = text

    def handle_data(self, data: str) -> None:
        if self._open:
            self._text.append(data)


def fetch(
    daemon: DaemonProcess, path: str, method: str = "GET", body: bytes | None = None, **headers: str
) -> tuple[int, http.client.HTTPMessage, str]:
    """One request as sent, redirects not followed: status, headers, body."""
    connection = http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=30)
    try:
        connection.request(
            method, path, body=body, headers={k.replace("_", "-"): v for k, v in headers.items()}
        )
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode("utf-8")
    finally:
        connection.close()


def page_of(daemon: DaemonProcess) -> Page:
    status, _, html = fetch(daemon, "/", Authorization=f"Bearer {TOKEN}")
    assert status == 200, html
    return Page(html)


def desk_day() -> str:
    """Today in UTC, as the page counts firings by it."""
    return datetime.now(UTC).strftime("%Y-%m-%d")


def charts_shown(page: Page) -> list[str]:
    """The charts the page should draw: the last day's three, and the rules' when a rule
    fired today (UTC), as its table of rules says; shortly after midnight UTC the
    fixture's firings are all of yesterday."""
    fired_today = any(int(row[1]) for row in page.tables["rules"][1:])
    return ["per_hour", "spread", "platforms"] + (["rules"] if fired_today else [])


def metrics(daemon: DaemonProcess) -> dict[str, float]:
    """The samples of `/metrics` whose name starts with playbook_response or playbook_items, by line."""
    text = daemon.get("/metrics")[1].decode()
    return {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith(("playbook_response", "playbook_items"))
    }


def report(folder: Path, events: list[dict[str, Any]]) -> dict[str, Any]:
    """`playbook report` of the desk over `events`: what the page must show."""
    path = folder / "report-events.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "playbook", "report", "playbooks", "--events", str(path), "--format", "json"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return playbook_folder(tmp_path, "desk.play", DESK)


@pytest.fixture
def desk(folder: Path) -> Iterator[DaemonProcess]:
    """A daemon that has taken in the day's events."""
    process = DaemonProcess(folder)
    try:
        process.start()
        assert process.post(OLD + DAY)[0] == 202
        wait_for(lambda: metrics(process).get("playbook_items_waiting") == 3, what="the events to be counted")
        # Thanks to m2 (a reply and a tag), and the night watch's notice for d1.
        wait_for(lambda: len(process.actions()) == 3, what="the actions")
        yield process
    finally:
        process.close()


def action_rows(actions: list[dict[str, Any]]) -> list[list[str]]:
    """The page's rows of latest actions, for action records: the latest first."""
    rows = []
    for a in reversed(actions):
        details = "; ".join(f"{key}: {value}" for key, value in a["params"].items()) or ""
        action = a["action"] if a["target"] is None else f"{a['action']} → {a['target']}"
        rows.append(
            [a["time"][:19].replace("T", " "), a["rule"], action, a["event"], a["author"] or "–", details]
        )
    return rows


# --- /metrics ---


def test_metrics_count_response_times_by_type_and_platform_and_the_items_waiting(desk: DaemonProcess) -> None:
    samples = metrics(desk)
    buckets = {
        (labels["type"], labels["platform"], labels["le"]): value
        for name, value in samples.items()
        if name.startswith("playbook_response_seconds_bucket")
        for labels in [dict(re.findall(r'(\w+)="([^"]*)"', name))]
    }
    # m1 answered in exactly 30 minutes (a bucket's bound is "at most"), m2 and m4 in an hour.
    assert {key[:2] for key in buckets} == {
        ("mention", "twitter"),
        ("mention", "instagram"),
        ("mention", "facebook"),
    }
    assert buckets["mention", "twitter", "900.0"] == 0
    assert buckets["mention", "twitter", "1800.0"] == 1
    assert buckets["mention", "instagram", "1800.0"] == 0
    assert buckets["mention", "instagram", "3600.0"] == 1
    assert buckets["mention", "facebook", "3600.0"] == 1
    assert buckets["mention", "facebook", "+Inf"] == 1
    count = 'playbook_response_seconds_count{platform="%s",type="mention"}'
    assert [samples[count % p] for p in ("twitter", "instagram", "facebook")] == [1, 1, 1]
    assert samples['playbook_response_seconds_sum{platform="twitter",type="mention"}'] == 1800
    # v1 (26 hours old), d1 and m3 wait; "old" came in longer ago than the engine keeps threads.
    assert samples["playbook_items_waiting"] == 3
    expected = report(desk.folder, OLD + DAY)["by_platform"]
    for platform in ("twitter", "instagram", "facebook"):
        answered = sum(v for (t, p, le), v in buckets.items() if p == platform and le == "+Inf")
        assert answered == expected[platform]["answered"]


def answer_counts(daemon: DaemonProcess) -> list[float]:
    samples = metrics(daemon)
    return sorted(v for name, v in samples.items() if name.startswith("playbook_response_seconds_count"))


def test_a_restart_and_a_crash_count_every_item_and_answer_once(folder: Path) -> None:
    daemon = DaemonProcess(folder)
    try:
        daemon.start()
        assert daemon.post(OLD + DAY[:4])[0] == 202  # m1 answered; v1, m2 and m4 waiting
        wait_for(lambda: answer_counts(daemon) == [1], what="the first events")
        assert metrics(daemon)["playbook_items_waiting"] == 3
        assert daemon.stop() == 0
        daemon.start()
        assert answer_counts(daemon) == [1]
        assert metrics(daemon)["playbook_items_waiting"] == 3, "the waiting are remembered"
        assert daemon.post(DAY[4:])[0] == 202
        daemon.kill()  # whatever was saved, the rest is replayed from the inbox
        daemon.start()
        wait_for(lambda: answer_counts(daemon) == [1, 1, 1], what="the replay")
        assert metrics(daemon)["playbook_items_waiting"] == 3  # v1, d1, m3
        figures = page_of(daemon).figures
        assert (figures["items"], figures["answered"]) == ("5", "3")
    finally:
        daemon.close()


# --- the page ---


def test_the_page_shows_the_last_day_the_rules_the_deadlines_and_the_actions(desk: DaemonProcess) -> None:
    page = page_of(desk)
    expected = report(desk.folder, DAY)  # the last 24 hours: not "old", not v1
    figures = page.figures
    assert (figures["items"], figures["answered"], figures["unanswered"]) == ("5", "3", "2")
    assert figures["items"] == str(expected["items"]) and figures["answered"] == str(expected["answered"])
    assert figures["median"] == duration(expected["response"]["median"]) == "1h"
    assert figures["p90"] == duration(expected["response"]["p90"])
    assert figures["mean"] == duration(expected["response"]["mean"])
    assert {k: v for k, v in figures.items() if k.startswith("within-")} == {
        f"within-{label}": percent(share) for label, share in expected["within"].items()
    }
    assert figures["within-2h"] == "60.0%" and figures["within-30m"] == "0.0%"  # 30m exactly is not within
    assert figures["waiting"] == "3"
    assert page.tables["By platform"][1:] == [
        [
            name,
            str(g["items"]),
            str(g["answered"]),
            percent(g["answered"] / g["items"]),
            duration(g["median"]),
        ]
        for name, g in expected["by_platform"].items()
    ]
    assert page.title == "Acme <desk>: live status"

    # Each rule's firings today (UTC), as the action records say.
    actions = desk.actions()
    # The day is shown once a rule has fired on it; just after midnight UTC, none has.
    day = re.search(r"Rules today \((\d{4}-\d\d-\d\d), UTC\)", page.html)
    today = [a for a in actions if day is not None and a["time"].startswith(day.group(1))]
    assert (day is None) == (not any(a["time"][:10] == desk_day() for a in actions))
    firings = {
        rule: len({(a["event"], a["time"]) for a in today if a["rule"] == rule})
        for rule in ("Escalate", "Thank <fans>", "Night watch")
    }
    assert page.tables["rules"][1:] == [
        [rule, str(n), str(sum(a["rule"] == rule for a in today))] for rule, n in firings.items()
    ]
    assert page.charts == ["per_hour", "spread", "platforms"] + (["rules"] if today else [])

    # m3's escalation is the only deadline pending: due two hours after it came in.
    due = (NOW - timedelta(minutes=10) + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S")
    [header, row] = page.tables["deadlines"]
    assert header[:4] == ["due (UTC)", "in", "rule", "item"]
    assert [row[0], row[2], row[3], row[4]] == [due, "Escalate", "m3", "@<b>dan</b>"]
    assert row[1].startswith("1h 4") or row[1].startswith("1h 5"), row[1]

    assert [(a["rule"], a["action"]) for a in actions] == [
        ("Thank <fans>", "reply"),
        ("Thank <fans>", "tag"),
        ("Night watch", "notify"),
    ]
    assert page.tables["actions"][1:] == action_rows(actions)


def test_markup_from_events_and_playbooks_is_shown_as_text(desk: DaemonProcess) -> None:
    html = fetch(desk, "/", Authorization=f"Bearer {TOKEN}")[2]
    assert "<b>dan</b>" not in html and "&lt;b&gt;dan&lt;/b&gt;" in html
    assert "Thank <fans>" not in html and "Thank &lt;fans&gt;" in html
    assert "<script" not in html
    assert html.count("<svg") == len(charts_shown(Page(html)))


def test_a_broken_edit_shows_its_diagnostics_as_check_prints_them(folder: Path, desk: DaemonProcess) -> None:
    (folder / "playbooks" / "typo.play").write_text(BROKEN, encoding="utf-8")
    wait_for(lambda: "refused" in page_of(desk).figures.get("reload", ""), what="the refused reload")
    check = subprocess.run(
        # The daemon names the playbooks as its configuration does: by their absolute path.
        [sys.executable, "-m", "playbook", "check", str(folder / "playbooks")],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 1
    page = page_of(desk)
    assert page.diagnostics["reload"].strip() == check.stderr.strip()
    assert "unknown field 'author.folowers'" in page.diagnostics["reload"]
    assert page.figures["rules-running"] == "3 rules running, from 1 file."
    (folder / "playbooks" / "typo.play").write_text(BROKEN.replace("folowers", "followers"), encoding="utf-8")
    wait_for(lambda: "the new rules run" in page_of(desk).figures.get("reload", ""), what="the good reload")
    assert page_of(desk).figures["rules-running"] == "4 rules running, from 2 files."


def children(pid: int) -> set[int]:
    """The processes whose parent is `pid`."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    """Whether `pid` runs (a zombie, ended but not yet reaped by its parent, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_the_rendering_process_ends_with_the_daemon_even_a_killed_one(desk: DaemonProcess) -> None:
    assert desk.process is not None
    before = children(desk.process.pid)
    page_of(desk)
    renderers = children(desk.process.pid) - before
    assert renderers, "the page is rendered in a process of the daemon's"
    assert all(running(pid) for pid in renderers)
    desk.kill()
    wait_for(lambda: not any(running(pid) for pid in renderers), 10, "the rendering process to end")


# --- who may see it ---


def test_without_the_token_the_page_is_only_its_form(desk: DaemonProcess) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": TOKEN},
        {"Cookie": "playbook_status=forged"},
    ):
        status, _, html = fetch(desk, "/", **headers)
        assert status == 401
        page = Page(html)
        assert page.forms == ["/sign-in"]
        for secret in ("Escalate", "m3", "@jane", "care-leads", "Acme"):
            assert secret not in html
    assert desk.get("/healthz")[0] == 200
    assert desk.get("/metrics")[0] == 200


def test_the_form_sets_a_cookie_that_opens_the_page(desk: DaemonProcess) -> None:
    form = "application/x-www-form-urlencoded"
    status, headers, html = fetch(desk, "/sign-in", "POST", b"token=not-it", Content_Type=form)
    assert status == 401 and "That is not the token" in html and "Set-Cookie" not in headers
    body = urllib.parse.urlencode({"token": TOKEN}).encode()
    status, headers, _ = fetch(desk, "/sign-in", "POST", body, Content_Type=form)
    assert status == 303 and headers["Location"] == "/"
    cookie = headers["Set-Cookie"]
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "samesite", "path"} <= attributes
    assert "SameSite=Strict" in cookie
    value = cookie.split(";")[0]
    assert value.startswith("playbook_status=") and TOKEN not in value
    status, headers, html = fetch(desk, "/", Cookie=value)
    assert status == 200 and Page(html).figures["items"] == "5"
    assert (
        "script-src" not in headers["Content-Security-Policy"]
        and "default-src 'none'" in headers["Content-Security-Policy"]
    )
    assert headers["Cache-Control"] == "no-store"
    status, headers, _ = fetch(desk, "/sign-out", "POST", b"", Cookie=value)
    assert status == 303 and 'playbook_status=""' in headers["Set-Cookie"]


def test_without_a_token_the_page_is_open_on_a_loopback_address_only(folder: Path) -> None:
    signed_only = {"sources": [{"type": "http", "secret": "hush"}]}
    daemon = DaemonProcess(folder, signed_only)
    try:
        daemon.start()
        status, _, html = fetch(daemon, "/")
        assert status == 200 and Page(html).title == "Acme <desk>: live status"
        assert fetch(daemon, "/sign-in", "POST", b"token=x")[0] == 404  # no form to send
    finally:
        daemon.close()
    port = free_port()
    everywhere = DaemonProcess(folder, {**signed_only, "listen": f"0.0.0.0:{port}"})
    everywhere.port = port
    try:
        everywhere.start()
        status, _, html = fetch(everywhere, "/")
        assert status == 403 and "Give the http source a token" in html and "Acme" not in html
        assert everywhere.get("/healthz")[0] == 200
    finally:
        everywhere.close()


# --- in a browser, scripts off ---

FACTS = """JSON.stringify({
  charts: [...document.querySelectorAll('figure.chart')].map(f => {
    const box = f.querySelector('svg').getBoundingClientRect();
    return {name: f.dataset.chart, width: box.width, height: box.height};
  }),
  figures: Object.fromEntries([...document.querySelectorAll('[data-figure]')].map(
    e => [e.dataset.figure, e.textContent.trim()])),
  scripts: document.scripts.length,
  forms: [...document.forms].map(f => f.getAttribute('action')),
  title: document.title,
})"""


@needs_chromium
def test_chromium_with_scripts_off_shows_the_figures_and_the_charts(desk: DaemonProcess) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    url = f"http://127.0.0.1:{desk.port}/"
    visit = Visit(url, headers={"Authorization": f"Bearer {TOKEN}"}, scripts=False)
    rendered = render(visit, FACTS, screenshot=SCREENSHOTS / "status-page.png")
    facts = json.loads(rendered.value)
    assert rendered.statuses == [200]
    assert rendered.requests == [url], "nothing but the page itself was fetched"
    assert facts["scripts"] == 0
    assert [c["name"] for c in facts["charts"]] == charts_shown(page_of(desk))
    for chart in facts["charts"]:
        # The rules' chart is as tall as the rules that fired today need: one, just after midnight.
        assert chart["width"] > 600 and chart["height"] > (100 if chart["name"] == "rules" else 150), chart
    assert facts["figures"]["items"] == "5" and facts["figures"]["answered"] == "3"
    assert facts["figures"]["median"] == "1h"


@needs_chromium
def test_chromium_signs_in_with_the_form_and_the_cookie_it_sets(desk: DaemonProcess) -> None:
    url = f"http://127.0.0.1:{desk.port}/"
    rendered = render(Visit(url, scripts=False, form={"token": TOKEN}), FACTS)
    facts = json.loads(rendered.value)
    assert rendered.statuses == [401, 200], "the form, then the page after the form's redirect"
    assert facts["title"] == "Acme <desk>: live status"
    assert facts["figures"]["items"] == "5"
    wrong = json.loads(render(Visit(url, scripts=False, form={"token": "guess"}), FACTS).value)
    assert wrong["forms"] == ["/sign-in"] and wrong["figures"] == {
        "wrong": "That is not the token. Try again."
    }


@needs_chromium
def test_the_example_day_posted_live_shows_what_the_report_shows(tmp_path: Path) -> None:
    """examples/today.py moves the example day to end now; posted to the example desk, the page's
    figures are the report's of that day, and the browser shows them (tests/out/status-example-day.png)."""
    shutil.copytree(ROOT / "playbooks", tmp_path / "playbooks")
    day = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "today.py")], capture_output=True, check=True, timeout=60
    ).stdout
    expected = json.loads(
        subprocess.run(
            [sys.executable, "-m", "playbook", "report", "playbooks", "--events", "examples/events.jsonl",
             "--format", "json"],
            cwd=ROOT, capture_output=True, check=True, timeout=120, text=True,
        ).stdout
    )  # fmt: skip
    daemon = DaemonProcess(tmp_path, {"sources": [{"type": "http", "token": TOKEN, "max_bytes": 1 << 20}]})
    try:
        daemon.start()
        assert daemon.post(day)[0] == 202
        items = str(expected["items"])
        wait_for(lambda: page_of(daemon).figures.get("items") == items, 20, "the day on the page")
        SCREENSHOTS.mkdir(exist_ok=True)
        url = f"http://127.0.0.1:{daemon.port}/"
        visit = Visit(url, headers={"Authorization": f"Bearer {TOKEN}"}, scripts=False)
        facts = json.loads(render(visit, FACTS, screenshot=SCREENSHOTS / "status-example-day.png").value)
        shown = charts_shown(page_of(daemon))
    finally:
        daemon.close()
    figures = facts["figures"]
    assert figures["items"] == str(expected["items"]) and figures["answered"] == str(expected["answered"])
    assert figures["median"] == duration(expected["response"]["median"])
    assert figures["p90"] == duration(expected["response"]["p90"])
    for label, share in expected["within"].items():
        assert figures[f"within-{label}"] == percent(share)
    assert [c["name"] for c in facts["charts"]] == shown


# --- parts ---


@given(st.lists(st.integers(0, 1000), max_size=200), st.integers(0, 30))
def test_soonest_walks_a_heap_in_order_without_changing_it(values: list[int], count: int) -> None:
    heap = list(values)
    heapq.heapify(heap)
    before = list(heap)
    assert soonest(heap, count, lambda v: v % 3 != 0) == sorted(v for v in values if v % 3 != 0)[:count]
    assert heap == before


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.8.0.1", True), ("::1", True), ("localhost", True), ("LocalHost", True),
     ("0.0.0.0", False), ("::", False), ("192.168.1.5", False), ("desk.example.com", False)],
)  # fmt: skip
def test_only_a_loopback_listen_address_opens_the_page_without_a_token(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
