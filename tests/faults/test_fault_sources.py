"""Each source failure class, through the real FRED and Yahoo source classes, is isolated to its
series: the run exits partial (2), the failing series has a failed ``ops.loads`` row with a
clear error, and every series' stored data is unchanged."""
from __future__ import annotations

import http.server
import json
import shutil
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from faults.fault_runner import run_pipeline
from yfinance.exceptions import YFRateLimitError

import seesaw.sources.http
from seesaw import pipeline
from seesaw.sources.fred import FredSource
from seesaw.sources.http import RateLimiter
from seesaw.sources.yahoo import YahooSource

PROFILE = """
profile: isolation
description: two sample series, one FRED series (local server), one Yahoo series (injected download)
series:
  - {series_id: us_aaa, name: AAA, source: sample, source_code: "arch.default:AAA", frequency: M,
     unit: percent p.a., kind: yield, country: US}
  - {series_id: us_ff_mkt, name: market, source: sample, source_code: "arch.frenchdata:Mkt", frequency: M,
     unit: percent per month, kind: return, country: US}
  - {series_id: fred_dgs10, name: 10y CMT, source: fred, source_code: DGS10, frequency: D,
     unit: percent p.a., kind: yield, country: US}
  - {series_id: yahoo_gspc, name: S&P 500, source: yahoo, source_code: "^GSPC", frequency: D,
     unit: index points, kind: index, country: US}
analysis:
  mc_risk: {stock: us_ff_mkt, bond: us_aaa, bond_maturity_years: 20, paths: 100, months: 12, rhos: [0.0],
            equity_weights: [0.0, 1.0]}
"""
DAYS = pd.bdate_range("2024-01-02", "2024-03-29")
GOOD_JSON = json.dumps({"count": len(DAYS), "observations": [
    {"realtime_start": "2024-04-01", "realtime_end": "2024-04-01", "date": f"{d:%Y-%m-%d}",
     "value": f"{4 + i / 100:.2f}"}
    for i, d in enumerate(DAYS)]})
READ_TIMEOUT_S = 0.3


#: FRED's series metadata for DGS10: it holds data over the whole window, so an empty window is a failure.
SERIES_JSON = json.dumps({"seriess": [{"id": "DGS10", "observation_start": "1962-01-02",
                                       "observation_end": "2026-11-27"}]})


class Server:
    """FRED on 127.0.0.1: answers every observations request with the current (status, body,
    delay), and the series metadata (asked after an empty window) with ``SERIES_JSON``."""

    def __init__(self) -> None:
        self.answer = (200, GOOD_JSON, 0.0)
        self.hits = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                outer.hits += 1
                status, body, delay = outer.answer
                if urllib.parse.urlsplit(self.path).path.rstrip("/").endswith("/series"):
                    status, body, delay = 200, SERIES_JSON, 0.0
                time.sleep(delay)
                data = body.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()


def yahoo_frame() -> pd.DataFrame:
    index = pd.DatetimeIndex(DAYS, name="Date").tz_localize("America/New_York")
    return pd.DataFrame({"Open": 4700.0, "Close": [4700.0 + i for i in range(len(DAYS))], "Volume": 1.0e9}, index=index)


class YahooDownload:
    """Stands in for ``seesaw.sources.yahoo.download_history`` (the only I/O of ``YahooSource``)."""

    def __init__(self) -> None:
        self.behaviour = "ok"

    def __call__(self, symbol, start, end_exclusive, *, auto_adjust):
        if self.behaviour == "rate_limited":
            raise YFRateLimitError()
        frame = yahoo_frame()
        if self.behaviour == "renamed_column":
            return frame.rename(columns={"Close": "Last"})
        if self.behaviour == "empty":
            return frame.iloc[0:0]
        return frame


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.httpd.shutdown()


@pytest.fixture()
def wired(server: Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """``seesaw.pipeline.make_source`` builds the real FRED/Yahoo classes aimed at the fakes."""
    server.answer = (200, GOOD_JSON, 0.0)
    download = YahooDownload()
    real = pipeline.make_source

    def make_source(name: str, data_dir: Path | None = None):
        if name == "fred":
            return FredSource("f" * 32, use_key_lookup=False, api_url=server.url, graph_url=server.url,
                              timeout=(1.0, READ_TIMEOUT_S), tries=2, sleep=lambda s: None)
        if name == "yahoo":
            return YahooSource(download=download, tries=2, sleep=lambda s: None)
        return real(name, data_dir=data_dir)

    monkeypatch.setattr(pipeline, "make_source", make_source)
    monkeypatch.setitem(seesaw.sources.http._LIMITERS, "fred", RateLimiter(0.0))
    profile = tmp_path / "isolation.yaml"
    profile.write_text(PROFILE)
    return server, download, profile


@pytest.fixture(scope="module")
def before_db(tmp_path_factory: pytest.TempPathFactory, server: Server) -> Path:
    """A warehouse after one healthy run (built once, copied per case)."""
    mp = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp("isolation")
    try:
        profile = root / "isolation.yaml"
        profile.write_text(PROFILE)
        download = YahooDownload()
        real = pipeline.make_source
        mp.setattr(pipeline, "make_source", lambda name, data_dir=None: (
            FredSource("f" * 32, use_key_lookup=False, api_url=server.url, tries=1) if name == "fred"
            else YahooSource(download=download, tries=1) if name == "yahoo" else real(name, data_dir=data_dir)))
        mp.setitem(seesaw.sources.http._LIMITERS, "fred", RateLimiter(0.0))
        server.answer = (200, GOOD_JSON, 0.0)
        db = root / "before.duckdb"
        summary = run_pipeline(db, profile)
        assert summary.status == "ok", summary.message
        return db
    finally:
        mp.undo()


def stored(db: Path) -> dict[str, list]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("select series_id, obs_date, value from core.observations order by all").fetchall()
        raw = con.execute("select count(*) from raw.observations").fetchone()[0]
    finally:
        con.close()
    out: dict[str, list] = {"raw_rows": [raw]}
    for sid, day, value in rows:
        out.setdefault(sid, []).append((day, value))
    return out


#: case -> (which source fails, how, words the ops.loads error must contain)
CASES = {
    "timeout": ("fred", (200, GOOD_JSON, 1.5), ["ReadTimeout", "after 2 tries"]),
    "http_429": ("fred", (429, "Too Many Requests", 0.0), ["HTTP 429", "after 2 tries"]),
    "http_503": ("fred", (503, "Service Unavailable", 0.0), ["HTTP 503", "after 2 tries"]),
    "http_500": ("fred", (500, "Internal Server Error", 0.0), ["HTTP 500", "after 2 tries"]),
    "empty": ("fred", (200, json.dumps({"count": 0, "observations": []}), 0.0), ["no observations", "DGS10"]),
    "malformed_payload": ("fred", (200, "<html><body>maintenance</body></html>", 0.0), ["not JSON"]),
    "missing_key": ("fred", (200, json.dumps({"count": 3, "obs": []}), 0.0), ["no observations"]),
    "renamed_column": ("yahoo", "renamed_column", ["no 'Close' column", "Last"]),
    "yahoo_429": ("yahoo", "rate_limited", ["429", "after 2 tries"]),
    "yahoo_empty": ("yahoo", "empty", ["no observations", "lists none at all"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_failure_class_is_isolated_to_its_series(case: str, wired, before_db: Path, tmp_path: Path) -> None:
    server, download, profile = wired
    source, behaviour, words = CASES[case]
    failing = "fred_dgs10" if source == "fred" else "yahoo_gspc"
    if source == "fred":
        server.answer = behaviour
    else:
        download.behaviour = behaviour
    db = tmp_path / "w.duckdb"
    shutil.copy(before_db, db)
    before = stored(db)

    summary = run_pipeline(db, profile)

    assert summary.exit_code == 2, summary.message
    assert summary.status == "partial"
    by_id = {r.series_id: r for r in summary.loads}
    assert [sid for sid, r in by_id.items() if r.status == "failed"] == [failing]
    con = duckdb.connect(str(db), read_only=True)
    try:
        status, error = con.execute("select status, error from ops.loads where run_id = ? and series_id = ?",
                                    [summary.run_id, failing]).fetchone()
        run_status = con.execute("select status from ops.runs where run_id = ?", [summary.run_id]).fetchone()[0]
    finally:
        con.close()
    assert status == "failed" and run_status == "partial"
    for word in words:
        assert word in error, error
    assert "f" * 32 not in error
    assert stored(db) == before  # every series' data intact, the failing one included
