"""The report in a real browser: headless Chromium renders every section and chart, logs no
console errors, requests nothing from the network, and produces a non-trivial screenshot.

Chromium is driven over the DevTools protocol (a tiny client on ``websockets``, already a
Prefect dependency) so console levels, exceptions and network requests are seen exactly.
Skips cleanly when no Chromium binary is installed (``apt-get install -y chromium``).
"""
from __future__ import annotations

import base64
import json
import queue
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from seesaw.reports.build import ReportResult
from seesaw.reports.sections import SECTION_IDS

websockets_sync = pytest.importorskip("websockets.sync.client")

#: Charts each section draws from the fully populated fixture warehouse.
EXPECTED_CHARTS = {"dashboard": 0, "correlation-history": 1, "china-cycle": 1, "panel": 1, "dcc-vs-rolling": 1,
                   "term-premia": 1, "erp-model": 1, "move": 1, "auctions": 1, "rebalancing": 1, "monte-carlo": 2,
                   "macro-drivers": 2, "data-freshness": 0, "checks": 0, "analyses": 0}
BLOCKED = ["http://*", "https://*", "ws://*", "wss://*", "ftp://*"]
LOCAL_SCHEMES = ("file:", "data:", "about:")

INSPECT_JS = """JSON.stringify({
  sections: Array.from(document.querySelectorAll('section.report-section')).map(s => ({
    id: s.id, status: s.dataset.status,
    svgs: s.querySelectorAll('svg').length,
    rendered: Array.from(s.querySelectorAll('svg')).filter(v => {
      const b = v.getBoundingClientRect(); return b.width > 300 && b.height > 100; }).length,
    marks: s.querySelectorAll('svg path, svg use').length,
    reading: (s.querySelector('.reading') || s.querySelector('.missing-note') || {innerText: ''}).innerText,
    height: s.getBoundingClientRect().height})),
  danglingRefs: Array.from(document.querySelectorAll('use')).filter(u => {
      const ref = u.getAttribute('xlink:href') || u.getAttribute('href') || '';
      return !document.getElementById(ref.slice(1)); }).length,
  images: document.images.length,
  title: document.title,
  header: document.querySelector('.header-asof').innerText,
  tocLinks: Array.from(document.querySelectorAll('nav.toc a')).map(a => a.getAttribute('href'))
})"""


CARDS_JS = """JSON.stringify(Array.from(document.querySelectorAll('.card[data-pair]')).map(c => ({
  market: c.dataset.market, pair: c.dataset.pair, title: c.getAttribute('title'),
  label: c.querySelector('.card-label').innerText, detail: c.querySelector('.card-detail').innerText})))"""

#: Tables wider than their box once printed: cut off on paper (print media, A4 text width).
CLIPPED_JS = """JSON.stringify(Array.from(document.querySelectorAll('.table-wrap, table')).filter(
  e => e.scrollWidth > e.clientWidth + 1).map(e => (e.closest('section') || {id: '?'}).id + ': '
  + e.scrollWidth + ' > ' + e.clientWidth))"""

#: Paper sizes in inches (A4, Letter) and the CSS width of A4's text block (210 − 2·12 mm at 96 dpi).
PAPERS = {"A4": (8.27, 11.69), "Letter": (8.5, 11.0)}
A4_TEXT_PX = 703


def chromium_binary() -> str | None:
    """Debian's ``chromium`` (or another Chromium-family binary) on PATH, else None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


class DevTools:
    """Minimal Chrome DevTools Protocol client over one browser websocket (flattened sessions)."""

    def __init__(self, url: str) -> None:
        self.ws = websockets_sync.connect(url, max_size=None, open_timeout=30)
        self.next_id = 0
        self.events: list[dict] = []

    def call(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 60) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            data = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if data.get("id") == self.next_id:
                if "error" in data:
                    raise RuntimeError(f"{method}: {data['error']}")
                return data.get("result", {})
            self.events.append(data)

    def wait_for(self, method: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event.get("method") == method:
                    return event
            self.events.append(json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic()))))

    def close(self) -> None:
        self.ws.close()


def open_in_chromium(html: Path, profile_dir: Path, screenshot: Path, pdf_dir: Path | None = None) -> dict:
    """Load ``html`` in headless Chromium; return console errors, exceptions, network requests,
    the page inspection, the dashboard cards and the screenshot path; with ``pdf_dir``, also the
    tables clipped under print media at A4 width and a PDF per paper size (``pdfs``)."""
    binary = chromium_binary()
    if binary is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install -y chromium)")
    args = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync", "--hide-scrollbars",
            "--mute-audio", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost",
            "--remote-debugging-port=0", f"--user-data-dir={profile_dir}", "--window-size=1400,4000", "about:blank"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stderr], daemon=True).start()
    tools = None
    try:
        deadline = time.monotonic() + 60
        url = None
        while url is None:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail("Chromium did not print its DevTools address within 60 s")
            if "DevTools listening on " in line:
                url = line.split("DevTools listening on ", 1)[1].strip()
        tools = DevTools(url)
        target = tools.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = tools.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Page", "Network"):
            tools.call(f"{domain}.enable", session=session)
        tools.call("Network.setBlockedURLs", {"urls": BLOCKED}, session=session)
        tools.call("Emulation.setDeviceMetricsOverride",
                   {"width": 1400, "height": 4000, "deviceScaleFactor": 1, "mobile": False}, session=session)
        tools.call("Page.navigate", {"url": html.resolve().as_uri()}, session=session)
        tools.wait_for("Page.loadEventFired")
        inspected = tools.call("Runtime.evaluate", {"expression": INSPECT_JS, "returnByValue": True},
                               session=session)["result"].get("value")
        shot = tools.call("Page.captureScreenshot", {"format": "png"}, session=session)
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        cards = tools.call("Runtime.evaluate", {"expression": CARDS_JS, "returnByValue": True},
                           session=session)["result"].get("value")
        clipped, pdfs = None, {}
        if pdf_dir is not None:
            tools.call("Emulation.setEmulatedMedia", {"media": "print"}, session=session)
            tools.call("Emulation.setDeviceMetricsOverride",
                       {"width": A4_TEXT_PX, "height": 4000, "deviceScaleFactor": 1, "mobile": False}, session=session)
            clipped = json.loads(tools.call("Runtime.evaluate", {"expression": CLIPPED_JS, "returnByValue": True},
                                            session=session)["result"]["value"])
            tools.call("Emulation.clearDeviceMetricsOverride", session=session)
            for paper, (width, height) in PAPERS.items():
                pdf = tools.call("Page.printToPDF", {"paperWidth": width, "paperHeight": height,
                                                     "printBackground": True, "preferCSSPageSize": False},
                                 session=session, timeout=120)
                pdfs[paper] = pdf_dir / f"report-{paper}.pdf"
                pdfs[paper].write_bytes(base64.b64decode(pdf["data"]))
        events = [e for e in tools.events if e.get("sessionId") == session]
        console_errors = [" ".join(str(a.get("value", a.get("description", ""))) for a in e["params"]["args"])
                          for e in events if e.get("method") == "Runtime.consoleAPICalled"
                          and e["params"]["type"] in ("error", "assert")]
        exceptions = [e["params"]["exceptionDetails"].get("exception", {}).get("description", "exception")
                      for e in events if e.get("method") == "Runtime.exceptionThrown"]
        log_errors = [e["params"]["entry"]["text"] for e in events
                      if e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error"]
        requests = [e["params"]["request"]["url"] for e in events if e.get("method") == "Network.requestWillBeSent"]
        tools.call("Browser.close")
        return {"console_errors": console_errors, "exceptions": exceptions, "log_errors": log_errors,
                "external_requests": [u for u in requests if not u.startswith(LOCAL_SCHEMES)],
                "page": json.loads(inspected) if inspected else None, "screenshot": screenshot,
                "cards": json.loads(cards) if cards else [], "clipped": clipped, "pdfs": pdfs}
    finally:
        if tools is not None:
            tools.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def rendered(full_report: ReportResult, tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("browser")
    return open_in_chromium(full_report.path, work / "profile", work / "report.png", pdf_dir=work)


def test_report_browser_no_console_errors_or_network(rendered: dict) -> None:
    assert rendered["console_errors"] == []
    assert rendered["exceptions"] == []
    assert rendered["log_errors"] == []
    assert rendered["external_requests"] == []


def test_report_browser_every_section_and_chart_renders(rendered: dict) -> None:
    page = rendered["page"]
    assert page["title"].startswith("seesaw")
    assert page["images"] == 0
    assert page["danglingRefs"] == 0, "an SVG <use> points at an id that is not in the page"
    by_id = {s["id"]: s for s in page["sections"]}
    assert [s["id"] for s in page["sections"]] == [sid for sid, _ in SECTION_IDS]
    assert page["tocLinks"] == [f"#{sid}" for sid, _ in SECTION_IDS]
    for sid, charts in EXPECTED_CHARTS.items():
        section = by_id[sid]
        assert section["status"] == "ok", (sid, section["reading"])
        assert section["svgs"] == charts and section["rendered"] == charts, (sid, section)
        assert section["reading"].strip(), sid
        assert section["height"] > 60, sid
        if charts:
            assert section["marks"] > 50, (sid, section["marks"])


def test_report_browser_screenshot_is_not_blank(rendered: dict) -> None:
    from PIL import Image

    path: Path = rendered["screenshot"]
    assert path.exists() and path.stat().st_size > 50_000
    with Image.open(path) as image:
        assert image.size == (1400, 4000)
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 500, "screenshot looks blank"


def test_report_browser_harness_catches_errors(tmp_path: Path) -> None:
    """Control: the same harness flags a console error, an exception and an external request."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><head><title>bad</title></head><body>'
                   '<section class="report-section" id="x"></section><header class="header-asof">x</header>'
                   '<img src="https://example.invalid/pixel.png">'
                   '<script>console.error("fixture console error"); missingFunction();</script></body></html>')
    result = open_in_chromium(bad, tmp_path / "profile", tmp_path / "bad.png")
    assert any("fixture console error" in e for e in result["console_errors"])
    assert any("missingFunction" in e for e in result["exceptions"])
    assert result["external_requests"] == ["https://example.invalid/pixel.png"]


def _pdf_pages(path: Path) -> int:
    """Pages of a Chromium PDF (its page objects are uncompressed dictionaries)."""
    return len(re.findall(rb"/Type\s*/Page(?!s)", path.read_bytes()))


def test_report_browser_prints_to_a4_and_letter_without_clipping(rendered: dict) -> None:
    assert rendered["clipped"] == [], "tables cut off in print"
    for paper, path in rendered["pdfs"].items():
        pages = _pdf_pages(path)
        assert 5 <= pages <= 40, (paper, pages)


def test_report_browser_cards_name_their_pair_and_agree(rendered: dict) -> None:
    """Every market's correlation and regime cards show one pair, named, with its ids as tooltip."""
    cards = rendered["cards"]
    by_market: dict[str, list[dict]] = {}
    for card in cards:
        by_market.setdefault(card["market"], []).append(card)
    assert set(by_market) == {"US", "CN"}
    for market, mine in by_market.items():
        assert len({c["pair"] for c in mine}) == 1, mine
        correlation = next(c for c in mine if c["label"].upper().endswith("36-MONTH CORRELATION"))
        regime = next(c for c in mine if "REGIME" in c["label"].upper())
        assert regime["pair"] == correlation["pair"] and regime["title"] == correlation["pair"]
        assert correlation["detail"].split("\n")[0] == regime["detail"].split("\n")[0], (market, mine)
    # named from the catalog (the fixture catalog names the US series), ids only in the tooltip
    assert all(c["detail"].startswith("FIXTURE S&P 500 vs FIXTURE 10y yield") for c in by_market["US"])
    assert all("us_spx" not in c["detail"] and c["title"] == "us_spx / us_10y" for c in by_market["US"])
