"""Publish and notify URLs by reference: never a flow parameter, never in run records or output;
a failed publish makes the run partial and notifies."""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from postgres_server import free_port
from seesaw.flows.cli import main
from seesaw.flows.secret_refs import SecretError, parse, resolve
from seesaw.warehouse.db import connect

REPO = Path(__file__).resolve().parents[2]


class _Hook(BaseHTTPRequestHandler):
    received: list[tuple[str, dict]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        _Hook.received.append((self.path, json.loads(self.rfile.read(int(self.headers["Content-Length"])))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def hook() -> Iterator[str]:
    """A local webhook receiver; yields its base URL, collects POSTs in ``_Hook.received``."""
    _Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_references_resolve_and_refuse_values_without_repeating_them(monkeypatch) -> None:
    monkeypatch.setenv("SEESAW_TEST_URL", "postgresql://u:pw@h/db")
    assert resolve("env:SEESAW_TEST_URL", "publish") == "postgresql://u:pw@h/db"
    assert parse("secret:team-pg", "publish") == ("secret", "team-pg")
    monkeypatch.delenv("SEESAW_TEST_URL")
    with pytest.raises(SecretError, match="^publish: environment variable SEESAW_TEST_URL is not set$"):
        resolve("env:SEESAW_TEST_URL", "publish")
    for value in ("postgresql://u:Sekr1t@h/db", "env:", "Sekr1t", "secret:Sekr1t Name"):
        with pytest.raises(SecretError) as caught:
            parse(value, "publish")
        assert "Sekr1t" not in str(caught.value) and "\n" not in str(caught.value)


def test_cli_refuses_an_unset_variable_at_once(monkeypatch, tmp_path: Path, capsys) -> None:
    monkeypatch.delenv("SEESAW_PUBLISH_URL", raising=False)
    monkeypatch.delenv("SEESAW_WEBHOOK_URL", raising=False)
    started = time.monotonic()
    assert main(["--db", str(tmp_path / "w.duckdb"), "run", "--publish"]) == 1
    assert main(["--db", str(tmp_path / "w.duckdb"), "backfill", "--start", "2000-01-01", "--end", "2000-12-31",
                 "--notify"]) == 1
    assert main(["--db", str(tmp_path / "w.duckdb"), "run", "--notify-secret", "Not A Block"]) == 1
    assert time.monotonic() - started < 10  # before Prefect starts (which alone takes 10-45 s)
    assert capsys.readouterr().err.splitlines() == [
        "error: --publish: environment variable SEESAW_PUBLISH_URL is not set",
        "error: --notify: environment variable SEESAW_WEBHOOK_URL is not set",
        "error: --notify-secret: not a Prefect block name (lowercase letters, digits and dashes)",
    ]
    assert not (tmp_path / "w.duckdb").exists()


def _files_containing(root: Path, needles: list[bytes]) -> list[str]:
    return [str(path) for path in root.rglob("*")
            if path.is_file() and not path.is_symlink() and any(n in path.read_bytes() for n in needles)]


def test_nightly_keeps_secrets_out_of_prefect_and_a_failed_publish_is_partial(tmp_path: Path, hook: str) -> None:
    """The CLI in its own process, as cron runs it: ephemeral Prefect with its records in a
    fresh PREFECT_HOME, a publish URL whose server refuses, a webhook with a token in its path."""
    password, token = f"Pw-{secrets.token_hex(8)}", f"tok{secrets.token_hex(8)}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SEESAW_"))}
    env |= {"PREFECT_HOME": str(tmp_path / "prefect"),
            "SEESAW_PUBLISH_URL": f"postgresql://seesaw:{password}@127.0.0.1:{free_port()}/team",
            "SEESAW_WEBHOOK_URL": f"{hook}/hook/{token}"}
    db = tmp_path / "w.duckdb"
    done = subprocess.run([sys.executable, "-m", "seesaw.flows.cli", "--db", str(db), "run", "--profile", "sample",
                           "--publish", "--notify"], cwd=REPO, env=env, capture_output=True, timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 2, output.decode()
    assert b"PostgreSQL publish failed" in done.stdout and b"seesaw:***@127.0.0.1" in done.stdout
    assert b"published: PostgreSQL" not in done.stdout  # the failure is in the run's line, not a "published" one
    with connect(db, read_only=True) as con:
        status, message = con.execute("select status, message from ops.runs").fetchone()
    assert status == "partial" and "PostgreSQL publish failed" in message and "Connection refused" in message
    assert [(path, body["status"]) for path, body in _Hook.received] == [(f"/hook/{token}", "partial")]
    assert "PostgreSQL publish failed" in _Hook.received[0][1]["message"]

    needles = [password.encode(), token.encode()]
    assert not any(n in output for n in needles)
    assert _files_containing(tmp_path, needles) == []  # Prefect's database and logs, warehouse, snapshot, report
    # the flow run's parameters are in Prefect's database: the reference, nothing else
    assert _files_containing(tmp_path / "prefect", [b"env:SEESAW_PUBLISH_URL"])


def test_publish_and_notify_from_prefect_secret_blocks(prefect_harness, pg_url: str, hook: str,
                                                       tmp_path: Path) -> None:
    import psycopg
    from prefect.blocks.system import Secret

    from seesaw.flows.prefect_flows import nightly

    password = pg_url.split(":")[2].split("@")[0]
    Secret(value=pg_url).save("seesaw-test-pg", overwrite=True)
    Secret(value=f"postgresql://seesaw:{password}@127.0.0.1:{free_port()}/team").save("seesaw-test-pg-down",
                                                                                    overwrite=True)
    Secret(value=f"{hook}/blocked-hook").save("seesaw-test-hook", overwrite=True)
    run = {"profile": "sample", "db": str(tmp_path / "w.duckdb"), "series": ["us_ff_mkt", "us_aaa"]}

    summary = nightly(**run, publish="secret:seesaw-test-pg", notify="secret:seesaw-test-hook")
    assert summary.status == "ok", summary.message
    assert "seesaw:***@127.0.0.1" in summary.published[0] and password not in " ".join(summary.published)
    with psycopg.connect(pg_url) as pg:
        assert pg.execute("select count(*) from results.model_fits").fetchone()[0] == 1
    assert _Hook.received == []

    summary = nightly(**run, publish="secret:seesaw-test-pg-down", notify="secret:seesaw-test-hook")
    assert summary.status == "partial" and "PostgreSQL publish failed" in summary.message
    assert [Path(line).is_dir() for line in summary.published] == [True]  # the snapshot only: nothing else published
    assert [(path, body["status"]) for path, body in _Hook.received] == [("/blocked-hook", "partial")]

    with pytest.raises(SecretError, match="Prefect Secret block 'no-such-block' cannot be read"):
        nightly(**run, publish="secret:no-such-block")
    with pytest.raises(SecretError) as caught:
        nightly(**run, publish=pg_url)  # a URL where a reference belongs
    assert password not in str(caught.value)
