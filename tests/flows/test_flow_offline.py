"""`seesaw run --profile live` with no network: every connection is dropped by a loopback proxy.

The proxy stands in for the network: requests (FRED, NY Fed, Fiscal Data) and curl_cffi
(yfinance) send every connection to it, it records the host asked for and hangs up, so nothing
leaves the machine and the test can count the connections each host received. The run must end
within a minute, exit 2 (partial), print one line per failed series and no traceback, and each
host's circuit breaker must stop the connections after a few.
"""
from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

import seesaw.sources.china
import seesaw.sources.http
from seesaw.flows.cli import main
from seesaw.sources.catalog import load_profile
from seesaw.sources.http import BREAKER_THRESHOLD
from seesaw.sources.yahoo import YAHOO_HOST


class DroppingProxy:
    """An HTTP proxy on 127.0.0.1 that reads the request line, counts its host, and hangs up."""

    def __init__(self) -> None:
        self.hosts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._drop, args=(conn,), daemon=True).start()

    def _drop(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            line = conn.recv(4096).split(b"\r\n", 1)[0].decode("latin-1")  # CONNECT host:443 HTTP/1.1
            target = line.split()[1] if len(line.split()) > 1 else "?"
            host = target.split("://")[-1].split("/")[0].rsplit(":", 1)[0]
            with self._lock:
                self.hosts[host] += 1
        except OSError:
            pass
        finally:
            conn.close()


def test_offline_live_run_is_fast_partial_and_one_line_per_series(prefect_harness, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    proxy = DroppingProxy()
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.setenv(name, proxy.url)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")  # the Prefect test API stays reachable
    monkeypatch.delenv("FRED_API_KEY", raising=False)
    monkeypatch.setattr(seesaw.sources.http, "_BREAKERS", {})
    monkeypatch.setattr(seesaw.sources.china, "_FUNCTION_HOSTS", {})
    profile = load_profile("live")
    series = [s.series_id for s in profile.series]
    china = [s.series_id for s in profile.series if s.source == "china"]

    started = time.perf_counter()
    code = main(["--db", str(tmp_path / "w.duckdb"), "run", "--profile", "live"])
    elapsed = time.perf_counter() - started

    out = capsys.readouterr()
    assert code == 2, out.out[-2000:] + out.err[-2000:]
    assert elapsed <= 120, f"offline run took {elapsed:.1f} s"  # 18-26 s measured; retrying every series: many minutes
    print(f"offline live run: {elapsed:.1f} s, connections per host: {dict(proxy.hosts)}")
    assert "Traceback" not in out.err and "Traceback" not in out.out
    failed_lines = [line for line in out.err.splitlines() if line.startswith("  ! ")]
    named = Counter(line[4:].split(": ", 1)[0] for line in failed_lines)
    assert named == Counter([*series, "table:auctions"])  # exactly one line per failed series
    assert f"0/{len(series) + 1} series loaded" in out.out and "partial" in out.out
    # each host saw a few connections, then its breaker opened and the other series were not tried
    for host in ("fred.stlouisfed.org", "www.newyorkfed.org", "api.fiscaldata.treasury.gov"):
        assert 1 <= proxy.hosts[host] <= BREAKER_THRESHOLD, (host, proxy.hosts)
    yahoo = sum(n for host, n in proxy.hosts.items() if host.endswith("yahoo.com"))
    assert yahoo <= 6 * BREAKER_THRESHOLD, proxy.hosts  # yfinance opens up to 5 connections per call
    assert sum("fred.stlouisfed.org unreachable" in line for line in failed_lines) >= 30
    assert sum(f"{YAHOO_HOST} unreachable" in line for line in failed_lines) >= 15
    # akshare (an optional extra) absent: one line per China series saying so; present: its errors
    assert all("akshare" in line for line in failed_lines if line[4:].split(": ", 1)[0] in china)


def test_a_fetch_is_retried_in_one_layer_only(prefect_harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """The HTTP layer's 4 tries are all a series gets: the Prefect task does not retry them again."""
    import http.server

    from prefect import flow

    from seesaw import pipeline
    from seesaw.flows.prefect_flows import fetch_task
    from seesaw.sources.base import SeriesSpec
    from seesaw.sources.fred import FredSource
    from seesaw.sources.http import RateLimiter

    hits = []

    class Busy(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server API)
            hits.append(self.path)
            self.send_response(503)
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"busy")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Busy)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setattr(seesaw.sources.http, "_BREAKERS", {})
    monkeypatch.setitem(seesaw.sources.http._LIMITERS, "fred", RateLimiter(0.0))
    monkeypatch.setattr(pipeline, "make_source", lambda name, data_dir=None: FredSource(
        "k" * 32, use_key_lookup=False, api_url=url, tries=4, sleep=lambda s: None))
    plan = pipeline.FetchPlan(SeriesSpec("us_10y", "10y", "fred", "DGS10", "D", "percent p.a.", "yield", "US"),
                              None, None)

    @flow
    def one_fetch() -> pipeline.Fetched:
        return fetch_task(plan, None)

    try:
        fetched = one_fetch()
    finally:
        server.shutdown()
    assert fetched.frame is None and "HTTP 503" in fetched.error and "after 4 tries" in fetched.error
    assert len(hits) == 4  # 4 × 3 = 12 when Prefect retried the task on top
