"""Many readers, one writer: real processes against one warehouse."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from warehouse.db import connect
from warehouse.snapshot import publish_snapshot

HOLD_LOCK = """
import sys, time
from warehouse.lock import run_lock
with run_lock(sys.argv[1], command="seesaw run --profile sample"):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _seesaw(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ})


def test_second_run_is_refused_fast_and_names_the_holder(sample_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    db.write_bytes(sample_db.read_bytes())
    with connect(db, read_only=True) as con:
        publish_snapshot(con, db, schemas=("results", "core", "ops"))
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(db), "30"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.perf_counter()
        refused = _seesaw("--db", str(db), "run", "--profile", "sample")
        elapsed = time.perf_counter() - started
        assert refused.returncode == 1
        assert f"pid {holder.pid}" in refused.stderr and "seesaw run --profile sample" in refused.stderr
        assert elapsed < 10  # the refusal itself happens before Prefect is imported
        # readers keep working while the run holds the warehouse: they read the published snapshot
        status = _seesaw("--db", str(db), "status", "--json")
        assert status.returncode == 0, status.stderr
        assert json.loads(status.stdout)["run_in_progress"]["pid"] == holder.pid
        query = _seesaw("--db", str(db), "query", "select count(*) as n from results.correlations", "--format", "csv")
        assert query.returncode == 0 and int(query.stdout.split()[1]) > 1000
        assert "snapshot" in query.stderr
    finally:
        holder.kill()
        holder.wait()
