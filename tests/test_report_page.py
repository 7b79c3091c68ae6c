"""The HTML report (`--format html`): one self-contained page, opened in a real
browser (headless Chromium over its DevTools protocol, tests/browser.py).

The browser tests keep a screenshot of each page they opened in tests/out/
(ignored by git), where the last run's pictures can be looked at. Without
Chromium they are skipped, naming the package.
"""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from browser import CHROMIUM, MISSING, render

from playbook.measure.display import duration

ROOT = Path(__file__).resolve().parent.parent
# CI (CI=true) installs Chromium first (.ci/run): there, a missing browser fails instead.
needs_chromium = pytest.mark.skipif(CHROMIUM is None and os.environ.get("CI") != "true", reason=MISSING)
SCREENSHOTS = ROOT / "tests" / "out"
CHARTS = ["per_day", "spread", "heat_map", "platforms", "rules"]
HOSTILE_PLAYBOOK = """\
playbook "<script>window.pwned = 'title'</script>Desk"
brand "@acme"
rule "<script>window.pwned = 'rule'</script>": when mention then tag "x"
rule "<img src=x onerror=\\"window.pwned = 'img'\\">": when review then tag "y"
"""
HOSTILE_EVENTS = [
    {
        "id": "m1",
        "type": "mention",
        "time": "2026-11-20T09:00:00Z",
        "platform": "<img src=x onerror=\"window.pwned = 'platform'\">",
    },
    {
        "id": "m2",
        "type": "<svg onload=\"window.pwned = 'type'\">",
        "time": "2026-11-20T09:01:00Z",
        "platform": "</svg><script>window.pwned = 1</script>",
    },
    {"id": "v1", "type": "review", "time": "2026-11-20T09:02:00Z", "rating": 1},
    {
        "id": "r1",
        "type": "reply",
        "time": "2026-11-20T09:30:00Z",
        "in_reply_to": "m1",
        "author": {"handle": "@acme"},
    },
]
# What the page shows, as the browser has laid it out.
FACTS = """JSON.stringify({
  charts: [...document.querySelectorAll('figure.chart')].map(f => {
    const svg = f.querySelector('svg'), box = svg.getBoundingClientRect();
    return {name: f.dataset.chart, width: box.width, height: box.height, text: svg.textContent};
  }),
  figures: Object.fromEntries([...document.querySelectorAll('[data-figure]')].map(
    e => [e.dataset.figure, e.textContent.trim()])),
  rules: [...document.querySelectorAll('table[data-table=rules] tr')].slice(1).map(
    row => [...row.cells].map(cell => cell.textContent)),
  scripts: document.scripts.length,
  pwned: window.pwned === undefined ? null : String(window.pwned),
  text: document.body.innerText,
  title: document.title,
})"""


def report(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "playbook", "report", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    """The example day's report as a page, and as JSON."""
    folder = tmp_path_factory.mktemp("example")
    page = folder / "report.html"
    common = ["playbooks", "--events", "examples/events.jsonl", "--until", "2026-11-21T00:00:00Z"]
    report(*common, "--format", "html", "--output", str(page))
    figures = json.loads(report(*common, "--format", "json").stdout)
    return page, figures


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A page from a playbook and events whose names are markup."""
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "desk.play").write_text(HOSTILE_PLAYBOOK, encoding="utf-8")
    (folder / "events.jsonl").write_text(
        "".join(json.dumps(e) + "\n" for e in HOSTILE_EVENTS), encoding="utf-8"
    )
    report("desk.play", "--events", "events.jsonl", "--format", "html", "--output", "report.html", cwd=folder)
    return folder / "report.html"


def test_the_page_needs_nothing_from_elsewhere(example: tuple[Path, dict[str, object]]) -> None:
    html = example[0].read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    for outside in ("<script", "<link", "<img", "<image", "<iframe", "@import", r"url\((?!#)", "https?://"):
        # matplotlib's SVG names its namespaces (http://www.w3.org/...), and links within itself (url(#p1)).
        found = [line for line in html.splitlines() if re.search(outside, line) and "www.w3.org" not in line]
        assert not found, f"{outside!r} in {found[:2]}"
    assert html.count("<svg") == len(CHARTS)


def test_markup_from_playbooks_and_events_is_shown_as_text(hostile: Path) -> None:
    html = hostile.read_text(encoding="utf-8")
    assert "<script" not in html and "<img" not in html and "<svg onload" not in html
    assert "&lt;script&gt;window.pwned = &#39;rule&#39;&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&#34;window.pwned = &#39;platform&#39;&#34;&gt;" in html


def test_the_same_figures_make_the_same_page(example: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    again = tmp_path / "again.html"
    report(
        "playbooks",
        "--events",
        "examples/events.jsonl",
        "--until",
        "2026-11-21T00:00:00Z",
        "--format",
        "html",
        "--output",
        str(again),
    )
    assert again.read_bytes() == example[0].read_bytes()


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "a PNG file"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@needs_chromium
def test_chromium_shows_the_charts_and_the_figures(example: tuple[Path, dict[str, object]]) -> None:
    page, figures = example
    SCREENSHOTS.mkdir(exist_ok=True)
    screenshot = SCREENSHOTS / "report-example-day.png"
    rendered = render(page, FACTS, screenshot=screenshot)
    facts = json.loads(rendered.value)
    assert [chart["name"] for chart in facts["charts"]] == CHARTS
    for chart in facts["charts"]:
        assert chart["width"] > 600 and chart["height"] > 150, chart["name"]
    texts = {chart["name"]: chart["text"] for chart in facts["charts"]}
    assert "Items and median response time per day" in texts["per_day"]
    assert "Thank advocates" in texts["rules"]
    assert "twitter" in texts["platforms"]
    response = figures["response"]
    assert isinstance(response, dict)
    assert facts["figures"]["items"] == str(figures["items"])
    assert facts["figures"]["answered"] == str(figures["answered"])
    assert facts["figures"]["median"] == duration(response["median"])
    assert facts["figures"]["p90"] == duration(response["p90"])
    within = figures["within"]
    assert isinstance(within, dict)
    assert facts["figures"]["within-2h"] == f"{within['2h'] * 100:.1f}%"
    rules = figures["rules"]
    assert isinstance(rules, dict)
    assert facts["rules"] == [
        [name, str(r["fired"]), str(r["actions"]), str(r["suppressed"])] for name, r in rules.items()
    ]
    assert facts["scripts"] == 0
    assert facts["title"] == "Acme community desk: how the desk is doing"
    assert rendered.requests == [page.resolve().as_uri()], "nothing but the page itself was fetched"
    width, height = png_size(screenshot)
    assert width == 1100 and height > 2000


@needs_chromium
def test_chromium_runs_nothing_from_names_and_shows_them_as_written(hostile: Path) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    rendered = render(hostile, FACTS, screenshot=SCREENSHOTS / "report-markup-in-names.png")
    facts = json.loads(rendered.value)
    assert facts["pwned"] is None
    assert facts["scripts"] == 0
    assert "<script>window.pwned = 'rule'</script>" in facts["text"]
    assert "<img src=x onerror=\"window.pwned = 'platform'\">" in facts["text"]
    assert facts["title"].startswith("<script>window.pwned = 'title'</script>Desk")
    rules_chart = next(chart for chart in facts["charts"] if chart["name"] == "rules")
    assert "<script>window.pwned = 'rule'</script>" in rules_chart["text"]
    assert rendered.requests == [hostile.resolve().as_uri()], "no image was asked for"
