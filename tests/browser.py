"""Headless Chromium driven over its DevTools protocol: open a page, read what it
renders, take a screenshot.

Debian's `chromium` and aiohttp's websocket client are all it takes: no
driver to match to the browser's version and no browser downloaded. Used by
the HTML report's tests, and to make the report's picture in docs/reports.md:

    .venv/bin/python tests/browser.py report.html docs/report.png [WIDTH]
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

CHROMIUM = shutil.which("chromium")
MISSING = "headless Chromium is not installed: apt-get install chromium (Debian's package)"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--remote-debugging-port=0",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
START_TIMEOUT = 60.0
STEP_TIMEOUT = 60.0


@dataclass
class Rendered:
    """What the browser made of a page: a value computed in it, the URLs it asked for,
    and the HTTP status of each page it loaded."""

    value: Any
    requests: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)


class _DevTools:
    """One websocket to the browser; commands to one page, attached with a flat session."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        self.waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.session: str | None = None
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            data = message.json()
            if "id" in data:
                future = self.waiting.pop(data["id"])
                if "error" in data:
                    future.set_exception(RuntimeError(f"DevTools: {data['error']}"))
                else:
                    future.set_result(data.get("result", {}))
            else:
                self.events.put_nowait(data)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self.ids)
        message: dict[str, Any] = {"id": number, "method": method, "params": params}
        if self.session is not None and not method.startswith(("Target.", "Browser.")):
            message["sessionId"] = self.session
        future = self.waiting[number] = asyncio.get_running_loop().create_future()
        await self.ws.send_json(message)
        return await asyncio.wait_for(future, STEP_TIMEOUT)

    async def until(self, method: str, seen: list[dict[str, Any]]) -> None:
        """Wait for the event `method`, keeping every event that came before it in `seen`."""
        while True:
            event = await asyncio.wait_for(self.events.get(), STEP_TIMEOUT)
            seen.append(event)
            if event.get("method") == method:
                return


async def _port(profile: Path, browser: asyncio.subprocess.Process) -> str:
    """The browser's websocket address, from the file it writes once it listens."""
    active = profile / "DevToolsActivePort"
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT
    while loop.time() < deadline:
        if browser.returncode is not None:
            raise RuntimeError(f"chromium stopped at start (exit {browser.returncode})")
        lines = active.read_text().splitlines() if active.exists() else []
        if len(lines) >= 2:
            return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
        await asyncio.sleep(0.05)
    raise RuntimeError(f"chromium did not start listening within {START_TIMEOUT:.0f} s")


@dataclass(frozen=True)
class Visit:
    """How to open a page: its address (a file, or a URL), the headers to send with
    every request, whether its scripts may run, and a form to fill in on it (input
    name → text) and send with a click on its button, as a person would."""

    page: Path | str
    headers: dict[str, str] = field(default_factory=dict)
    scripts: bool = True
    form: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.page if isinstance(self.page, str) else self.page.resolve().as_uri()


async def _open(visit: Visit, expression: str, screenshot: Path | None, width: int) -> Rendered:
    assert CHROMIUM is not None, MISSING
    with tempfile.TemporaryDirectory(prefix="playbook-chromium-") as profile:
        browser = await asyncio.create_subprocess_exec(
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={profile}",
            "about:blank",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            address = await _port(Path(profile), browser)
            async with aiohttp.ClientSession() as http, http.ws_connect(address, max_msg_size=0) as ws:
                tools = _DevTools(ws)
                try:
                    return await _render(tools, visit, expression, screenshot, width)
                finally:
                    await tools.send("Browser.close")
                    tools.reader.cancel()
        finally:
            if browser.returncode is None:
                try:
                    await asyncio.wait_for(browser.wait(), 10)
                except TimeoutError:
                    browser.kill()
                    await browser.wait()


async def _render(
    tools: _DevTools, visit: Visit, expression: str, screenshot: Path | None, width: int
) -> Rendered:
    target = await tools.send("Target.createTarget", url="about:blank")
    attached = await tools.send("Target.attachToTarget", targetId=target["targetId"], flatten=True)
    tools.session = attached["sessionId"]
    await tools.send(
        "Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1, mobile=False
    )
    await tools.send("Network.enable")
    if visit.headers:
        await tools.send("Network.setExtraHTTPHeaders", headers=visit.headers)
    if not visit.scripts:
        await tools.send("Emulation.setScriptExecutionDisabled", value=True)
    await tools.send("Page.enable")
    seen: list[dict[str, Any]] = []
    await tools.send("Page.navigate", url=visit.url)
    await tools.until("Page.loadEventFired", seen)
    if visit.form:
        await _send_form(tools, visit.form)
        await tools.until("Page.loadEventFired", seen)
    evaluated = await tools.send("Runtime.evaluate", expression=expression, returnByValue=True)
    if "exceptionDetails" in evaluated:
        raise RuntimeError(f"the page's expression failed: {evaluated['exceptionDetails']}")
    if screenshot is not None:
        size = (await tools.send("Page.getLayoutMetrics"))["cssContentSize"]
        shot = await tools.send(
            "Page.captureScreenshot",
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": width, "height": size["height"], "scale": 1},
        )
        screenshot.write_bytes(base64.b64decode(shot["data"]))
    while not tools.events.empty():
        seen.append(tools.events.get_nowait())
    requests = [e["params"]["request"]["url"] for e in seen if e.get("method") == "Network.requestWillBeSent"]
    statuses = [
        e["params"]["response"]["status"]
        for e in seen
        if e.get("method") == "Network.responseReceived" and e["params"]["type"] == "Document"
    ]
    return Rendered(evaluated["result"].get("value"), requests, statuses)


async def _send_form(tools: _DevTools, fields: dict[str, str]) -> None:
    """Fill in the page's inputs and click its submit button, through the DOM and the
    mouse: no script of the page, nor one of ours, runs."""
    root = (await tools.send("DOM.getDocument"))["root"]["nodeId"]
    for name, text in fields.items():
        field_ = await tools.send("DOM.querySelector", nodeId=root, selector=f'input[name="{name}"]')
        await tools.send("DOM.setAttributeValue", nodeId=field_["nodeId"], name="value", value=text)
    button = await tools.send("DOM.querySelector", nodeId=root, selector='[type="submit"]')
    await tools.send("DOM.scrollIntoViewIfNeeded", nodeId=button["nodeId"])
    quad = (await tools.send("DOM.getContentQuads", nodeId=button["nodeId"]))["quads"][0]
    x, y = sum(quad[0::2]) / 4, sum(quad[1::2]) / 4
    for kind in ("mousePressed", "mouseReleased"):
        await tools.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)


def render(
    page: Path | str | Visit, expression: str, screenshot: Path | None = None, width: int = 1100
) -> Rendered:
    """Open `page` (a file, a URL, or a `Visit`) in headless Chromium; the value of the JavaScript
    `expression` once it has loaded (evaluated by DevTools, also when the page's own scripts may
    not run), and every URL it requested. With `screenshot`, the whole page is saved there as PNG."""
    visit = page if isinstance(page, Visit) else Visit(page)
    return asyncio.run(_open(visit, expression, screenshot, width))


if __name__ == "__main__":
    source, picture = map(Path, sys.argv[1:3])
    render(source, "document.title", screenshot=picture, width=int(sys.argv[3]) if sys.argv[3:] else 1100)
    print(f"wrote {picture}")
