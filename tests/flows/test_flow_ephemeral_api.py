"""Prefect's ephemeral API: started before Prefect is imported, waited for, and pointed at; its
migration pass skipped only when the database already records the newest revision."""
from __future__ import annotations

import sqlite3
import sys
import textwrap
from pathlib import Path

import pytest

from seesaw.flows.api_server import at_newest_revision, newest_revision
from seesaw.flows.process import EphemeralApi, ephemeral_api

#: A stand-in server: after ``delay`` seconds it answers ``/api/health`` on the port (argv[1]).
FAKE_SERVER = textwrap.dedent("""
    import http.server, sys, time
    time.sleep(float(sys.argv[2]))

    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/api/health" else 404)
            self.end_headers()
            self.wfile.write(b"true")

        def log_message(self, *args):
            pass

    http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Health).serve_forever()
""")


@pytest.fixture
def fake_server(tmp_path: Path) -> Path:
    script = tmp_path / "fake_server.py"
    script.write_text(FAKE_SERVER)
    return script


@pytest.fixture
def no_api_url(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.settings import PREFECT_API_URL

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    if PREFECT_API_URL.value():
        pytest.skip("a Prefect profile names a server here")


def _started(api: EphemeralApi) -> bool:
    return api._child is not None and api._child.poll() is None


@pytest.mark.usefixtures("no_api_url")
def test_the_api_boots_while_the_caller_works_and_serving_points_prefect_at_it(fake_server: Path) -> None:
    from prefect.settings import PREFECT_API_URL

    api = ephemeral_api(lambda port: [sys.executable, str(fake_server), str(port), "1.0"])
    try:
        assert _started(api)  # booting, before anything waits for it
        with api.serving():
            assert PREFECT_API_URL.value() == f"http://127.0.0.1:{api._port}/api"
        assert not PREFECT_API_URL.value()
        assert _started(api)  # it stays up for Prefect's exit-time log and event flush
    finally:
        child = api._child
        api.stop()
    assert child is not None and child.poll() is not None


@pytest.mark.usefixtures("no_api_url")
def test_a_server_that_exits_while_starting_fails_with_one_line() -> None:
    api = ephemeral_api(lambda port: [sys.executable, "-c", "raise SystemExit(1)"])
    with pytest.raises(RuntimeError, match=r"^Prefect's ephemeral API server exited with code 1 while starting$"):
        with api.serving():
            pass


@pytest.mark.usefixtures("no_api_url")
def test_a_server_that_never_answers_times_out_and_is_stopped() -> None:
    from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, temporary_settings

    api = ephemeral_api(lambda port: [sys.executable, "-c", "import time; time.sleep(60)"])
    child = api._child
    with temporary_settings({PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: 1}):
        with pytest.raises(RuntimeError, match="did not answer within 1 s"), api.serving():
            pass
    assert child is not None and child.poll() is not None


@pytest.mark.usefixtures("no_api_url")
def test_a_taken_port_starts_the_server_again_on_another(fake_server: Path, tmp_path: Path) -> None:
    from prefect.settings import PREFECT_API_URL

    tries = tmp_path / "tries"

    def command(port: int) -> list[str]:  # the first start finds its port taken (uvicorn exits 3)
        first = not tries.exists()
        tries.write_text(tries.read_text() + f"{port}\n" if tries.exists() else f"{port}\n")
        if first:
            return [sys.executable, "-c", "raise SystemExit(3)"]
        return [sys.executable, str(fake_server), str(port), "0"]

    api = ephemeral_api(command)
    try:
        with api.serving():
            assert PREFECT_API_URL.value() == f"http://127.0.0.1:{api._port}/api"
    finally:
        api.stop()
    assert len(tries.read_text().split()) == 2


def test_a_named_server_is_used_and_nothing_is_started(monkeypatch: pytest.MonkeyPatch, fake_server: Path) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    api = ephemeral_api(lambda port: [sys.executable, str(fake_server), str(port), "0"])
    assert api._child is None
    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:9/api"}), api.serving():
        assert PREFECT_API_URL.value() == "http://127.0.0.1:9/api"


def _migrations() -> Path:
    import prefect.server.database as database

    return Path(database.__file__).parent / "_migrations" / "versions" / "sqlite"


def test_the_newest_revision_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory(str(_migrations().parents[1]), version_locations=[str(_migrations())]).get_heads()
    assert [newest_revision(_migrations())] == heads


def _database(path: Path, revision: str | None) -> str:
    with sqlite3.connect(path) as con:
        if revision is not None:
            con.execute("create table alembic_version (version_num varchar(32) not null)")
            con.execute("insert into alembic_version values (?)", [revision])
    return f"sqlite+aiosqlite:///{path}"


def test_migrations_are_skipped_only_for_a_sqlite_database_at_the_newest_revision(tmp_path: Path) -> None:
    head = newest_revision(_migrations())
    assert head is not None
    assert at_newest_revision(_database(tmp_path / "head.db", head))
    assert not at_newest_revision(_database(tmp_path / "behind.db", "f416ea180ae1"))  # one revision behind
    assert not at_newest_revision(_database(tmp_path / "empty.db", None))  # never migrated
    assert not at_newest_revision(f"sqlite+aiosqlite:///{tmp_path / 'missing.db'}")
    assert not at_newest_revision("postgresql+asyncpg://u:p@127.0.0.1:5432/prefect")
