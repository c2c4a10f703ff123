"""Snapshot artifacts are named after their warehouse (two warehouses share a folder), and the read
catalog ``<name>.read.duckdb`` gives outside tools a read path that never blocks a run."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb

from seesaw.reports.build import default_report_path
from seesaw.warehouse.db import connect, read_catalog_path
from seesaw.warehouse.snapshot import open_snapshot, publish_snapshot, snapshot_link, versions_dir

REPO = Path(__file__).resolve().parents[2]

#: An outside tool (a notebook, a BI tool) holding the read catalog open, read-write even.
HOLD_CATALOG = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print(con.execute("select count(*) from results.correlations").fetchone()[0], flush=True)
time.sleep(60)
"""


def _warehouse(db: Path, rows: int) -> None:
    with connect(db) as con:
        con.execute("delete from results.correlations")
        con.execute(f"""insert into results.correlations
            (market, asset_a, asset_b, basis, method, freq, window_size, obs_date, corr, t_stat, p_value, n)
            select 'US', 'us_spx', 'us_10y', 'bond_return', 'rolling', 'M', 36,
                   date '2000-01-31' + to_months(i::integer), 0.5, null, null, 36 from range({rows}) t(i)""")


def _publish(db: Path, run_id: str, **kwargs) -> Path:
    with connect(db, read_only=True) as con:
        return publish_snapshot(con, db, schemas=("results", "ops"), run_id=run_id, **kwargs)


def _count(con) -> int:
    return con.execute("select count(*) from results.correlations").fetchone()[0]


def test_two_warehouses_in_one_folder_keep_their_own_snapshots_catalogs_and_reports(tmp_path: Path) -> None:
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    _warehouse(a, 10)
    _warehouse(b, 20)
    for round_ in range(2):  # interleaved publishes: neither overwrites the other's current version
        version_a = _publish(a, f"a-{round_}")
        version_b = _publish(b, f"b-{round_}")
    assert snapshot_link(a) == tmp_path / "a.snapshot" and snapshot_link(b) == tmp_path / "b.snapshot"
    assert os.readlink(tmp_path / "a.snapshot") == f"a.snapshots/{version_a.name}"
    assert os.readlink(tmp_path / "b.snapshot") == f"b.snapshots/{version_b.name}"
    assert versions_dir(a) == version_a.parent == tmp_path / "a.snapshots"
    assert len(list(versions_dir(a).iterdir())) == len(list(versions_dir(b).iterdir())) == 2
    with open_snapshot(a) as snap_a, open_snapshot(b) as snap_b:
        assert (snap_a.manifest["run_id"], _count(snap_a)) == ("a-1", 10)
        assert (snap_b.manifest["run_id"], _count(snap_b)) == ("b-1", 20)
    for db, rows in ((a, 10), (b, 20)):
        con = duckdb.connect(str(read_catalog_path(db)), read_only=True)
        assert _count(con) == rows
        con.close()
    assert read_catalog_path(a) == tmp_path / "a.read.duckdb"
    assert default_report_path(a) == tmp_path / "a.report.html"
    assert default_report_path(b, date(2019, 8, 28)) == tmp_path / "b.report-asof-2019-08-28.html"
    assert not (tmp_path / "snapshot").exists() and not (tmp_path / "snapshots").exists()


def test_the_read_catalog_never_blocks_a_run_and_is_replaced_atomically(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    _warehouse(db, 100)
    first = _publish(db, "run-1")
    tool = subprocess.Popen([sys.executable, "-c", HOLD_CATALOG, str(read_catalog_path(db))], cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)}, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert tool.stdout.readline().strip() == "100", tool.stderr.read()
        started = time.perf_counter()
        _warehouse(db, 150)  # the run writes while the tool holds its catalog open
        second = _publish(db, "run-2")
        assert time.perf_counter() - started < 30.0  # generous bound for a busy runner
        assert tool.poll() is None
    finally:
        tool.kill()
        tool.wait(10)
    assert first.is_dir()  # the tool's version stays for the grace period
    con = duckdb.connect(str(read_catalog_path(db)), read_only=True)
    assert _count(con) == 150  # reopened: the new version
    con.close()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary catalogs
    third = _publish(db, "run-3", grace_s=0)  # past the grace period: only the newest two remain
    assert sorted(versions_dir(db).iterdir()) == [second, third]
