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
if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get("PREFECT_HOME"):
    # `make test` runs pytest-xdist workers: each gets its own Prefect home (its own SQLite
    # database), so two workers' ephemeral APIs never contend for one file.
    _home = Path(os.environ["PREFECT_HOME"]) / os.environ["PYTEST_XDIST_WORKER"]
    _home.mkdir(parents=True, exist_ok=True)
    os.environ["PREFECT_HOME"] = str(_home)


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
def china_db(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A files-profile warehouse of the China series the Soochow note's correlation cycle and
    VECM read (CSI 300/800, the ChinaBond treasury index, CPI, industrial production)."""
    db = tmp_path_factory.mktemp("china") / "seesaw.duckdb"
    summary = run_plain(db, "files", series=["cn_csi300", "cn_csi800", "cn_bond_tr", "cn_cpi", "cn_indpro"],
                        data_dir=shared_data, tables=False)
    steps = {a["step"]: a["status"] for a in summary.analyses}
    assert {steps[s] for s in ("rolling_correlations", "corr_phases", "macro_drivers")} <= {"ok", "stale"}, \
        summary.analyses
    return db


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory):
    """One ephemeral Prefect API for the whole session (starting one costs ~10 s)."""
    os.environ.setdefault("PREFECT_HOME", str(tmp_path_factory.mktemp("prefect_home")))
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
