"""Shared fixtures: real-data location, a sample warehouse built once, one Prefect harness."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from support import run_plain

#: The ``pg_url`` fixture (a throw-away PostgreSQL server), for every test module that asks for it.
pytest_plugins = ["postgres_server"]

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
SHARED_WIRE = REPO.parent / "shared" / "wire"

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (real files); tests using it skip cleanly when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


@pytest.fixture(scope="session")
def shared_wire() -> Path:
    """``../shared/wire`` (recorded provider responses); skipped cleanly when absent."""
    if not SHARED_WIRE.is_dir():
        pytest.skip("../shared/wire is not present")
    return SHARED_WIRE


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse loaded once with the full ``sample`` profile (read it, do not write to it)."""
    db = tmp_path_factory.mktemp("sample") / "seesaw.duckdb"
    summary = run_plain(db)
    assert summary.status == "ok", summary.message
    return db


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory):
    """One ephemeral Prefect API for the whole session (starting one costs ~10 s)."""
    os.environ.setdefault("PREFECT_HOME", str(tmp_path_factory.mktemp("prefect_home")))
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
