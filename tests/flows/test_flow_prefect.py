"""The Prefect flows end to end (one session-scoped harness): bad rows, isolation, exit codes."""
import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pandas as pd
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

from seesaw import pipeline
from seesaw.flows.cli import main
from seesaw.sources.base import SourceError, observations

PROFILE = """
profile: faulty
description: sample data plus two injected faults
series:
  - {series_id: us_aaa, name: AAA, source: sample, source_code: "arch.default:AAA", frequency: M,
     unit: percent p.a., kind: yield, country: US}
  - {series_id: junk_idx, name: junk, source: fake, source_code: junk, frequency: D, unit: points,
     kind: index, country: US}
  - {series_id: down_idx, name: down, source: fake, source_code: down, frequency: D, unit: points,
     kind: index, country: US}
"""


class FakeSource:
    name = "fake"

    def fetch(self, spec, start, end) -> pd.DataFrame:
        if spec.source_code == "down":
            raise SourceError("provider said 400 bad series", retryable=False)
        return observations(["2024-01-02", "2024-01-03", "2024-01-03", "2024-01-04", "2024-01-05"],
                            ["100", "101", "102", "-5", "103"])


class Hook(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        Hook.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def test_nightly_flow_isolates_failures_and_exits_partial(prefect_harness, tmp_path: Path, monkeypatch, capsys) -> None:
    real = pipeline.make_source
    monkeypatch.setattr(pipeline, "make_source",
                        lambda name, data_dir=None: FakeSource() if name == "fake" else real(name, data_dir=data_dir))
    profile = tmp_path / "faulty.yaml"
    profile.write_text(PROFILE)
    db = tmp_path / "w.duckdb"
    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("SEESAW_WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/hook")
    try:
        code = main(["--db", str(db), "run", "--profile", str(profile), "--notify"])
    finally:
        server.shutdown()
    out = capsys.readouterr()
    assert code == 2, out.out + out.err
    assert "down_idx" in out.out and "partial" in out.out
    assert [m["status"] for m in Hook.received] == ["partial"]
    assert "down_idx" in Hook.received[0]["text"]
    assert (db.parent / "w.report.html").stat().st_size > 10_000
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["seesaw-report"])))
    # other tests of the session publish the same key: this run's artifact names its report
    ours = [a for a in artifacts if str(db.parent / "w.report.html") in (a.data or "")]
    assert len(ours) == 1 and ours[0].data.startswith("# seesaw partial")
    assert main(["--db", str(db), "query",
                 "select series_id, count(*) as n from core.observations group by 1 order by 1",
                 "--format", "csv"]) == 0
    counts = capsys.readouterr().out.split()
    assert counts == ["series_id,n", "junk_idx,2", "us_aaa,1200"]
    assert main(["--db", str(db), "query", "select reason, count(*) as n from ops.rejects group by 1 order by 1",
                 "--format", "csv"]) == 0
    assert capsys.readouterr().out.split() == ["reason,n", "duplicate_date,2", "non_positive,1"]
    # the failed series leaves a catalog entry without data: a failing check; tolerate none -> failed run
    assert main(["--db", str(db), "run", "--profile", str(profile), "--max-failed-checks", "0"]) == 1
    assert "more than 0 failed checks" in capsys.readouterr().out


def test_markdown_table_for_the_artifact() -> None:
    from seesaw.flows.prefect_flows import markdown_table

    assert (markdown_table(pd.DataFrame({"market": ["US"], "corr": [0.25]}))
            == "| market | corr |\n|---|---|\n| US | 0.25 |")
    assert markdown_table(pd.DataFrame()) == "_no rows_"


def test_backfill_flow_is_idempotent(prefect_harness, tmp_path: Path, capsys) -> None:
    from seesaw.flows.prefect_flows import backfill

    db = tmp_path / "w.duckdb"
    first = backfill(start=date(1990, 1, 1), end=date(1999, 12, 31), series=["us_aaa", "us_ff_mkt"], db=str(db),
                     chunk_days=1000)
    assert first.status == "ok"
    assert sum(r.rows_inserted for r in first.loads) == 240
    assert main(["--db", str(db), "backfill", "--start", "1990-01-01", "--end", "1999-12-31",
                 "--series", "us_aaa,us_ff_mkt"]) == 0
    out = capsys.readouterr()
    assert "0 rows new, 0 revised" in out.out
    assert "chunk 4/4" in out.err  # the first backfill's progress, one line per chunk
    with pytest.raises(ValueError, match="before start"):
        backfill(start=date(2000, 1, 1), end=date(1999, 1, 1), db=str(db))
