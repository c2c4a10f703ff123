"""Readers and writers: ``connect_for_reading`` reads the snapshot and never holds the warehouse
file; before the first publish it reads the warehouse; writers wait (bounded) for outside readers.

The writers and readers on the other side are real processes holding DuckDB connections.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from seesaw.warehouse import snapshot
from seesaw.warehouse.db import WarehouseError, WarehouseLockedError, connect
from seesaw.warehouse.snapshot import SnapshotConnection, connect_for_reading, publish_snapshot

REPO = Path(__file__).resolve().parents[2]

HOLD_DUCKDB = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "read")
if sys.argv[2] == "write":
    con.execute("insert into results.correlations select * from results.correlations")  # visible only here
print("ready", flush=True)
time.sleep(float(sys.argv[3]))
con.close()
"""

HOLD_RUN_LOCK = """
import sys, time
from seesaw.warehouse.lock import run_lock
with run_lock(sys.argv[1], command="seesaw run --profile sample"):
    print("ready", flush=True)
    time.sleep(60)
"""

READ_AND_HOLD = """
import sys, time
from seesaw.warehouse.snapshot import connect_for_reading
with connect_for_reading(sys.argv[1]) as con:
    con.execute("select count(*) from results.correlations").fetchone()
    print("ready", flush=True)
    time.sleep(float(sys.argv[2]))
"""

COUNT = "select count(*), round(sum(corr), 9) from results.correlations"


def _never_opened(*args: object, **kwargs: object) -> None:
    raise AssertionError("the warehouse file was opened; the reader should have gone to the snapshot")


def _start(code: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", code, *args], cwd=REPO, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    return proc


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(10)


def _warehouse(tmp_path: Path, publish: bool = True) -> tuple[Path, tuple]:
    db = tmp_path / "seesaw.duckdb"
    with connect(db) as con:
        con.execute("""insert into results.correlations
            (market, asset_a, asset_b, basis, method, freq, window_size, obs_date, corr, t_stat, p_value, n)
            select 'US', 'us_spx', 'us_10y', 'bond_return', 'rolling', 'M', 36,
                   date '2000-01-31' + to_months(i::integer), cos(i) * 0.8, null, null, 36 from range(240) t(i)""")
        answer = con.execute(COUNT).fetchone()
        if publish:
            publish_snapshot(con, db, run_id="run-before")
    return db, answer


def test_reader_gets_the_snapshot_at_once_while_a_writer_holds_the_warehouse(tmp_path: Path, capsys,
                                                                             monkeypatch) -> None:
    db, answer = _warehouse(tmp_path)
    writer = _start(HOLD_DUCKDB, str(db), "write", "60")
    try:
        with pytest.raises(WarehouseLockedError), connect(db, read_only=True):  # the direct way is blocked
            pass
        monkeypatch.setattr(snapshot, "connect", _never_opened)  # the warehouse file is not even tried
        with connect_for_reading(db) as con:
            assert isinstance(con, SnapshotConnection)
            assert con.execute(COUNT).fetchone() == answer
    finally:
        _stop(writer)
    assert capsys.readouterr().err == ""


def test_a_reader_never_holds_the_warehouse_so_a_writer_opens_it_at_once(tmp_path: Path, monkeypatch) -> None:
    db, answer = _warehouse(tmp_path)
    reader = _start(READ_AND_HOLD, str(db), "60")  # seesaw's own reader, in the middle of a long read
    monkeypatch.setenv("SEESAW_WAIT_FOR_READERS", "0")  # a held file would fail at the first try
    try:
        with connect(db) as con:  # a run's write connection
            con.execute("delete from results.correlations where obs_date < date '2001-01-01'")
    finally:
        _stop(reader)


def test_during_a_run_readers_go_straight_to_the_snapshot(tmp_path: Path, capsys, monkeypatch) -> None:
    db, answer = _warehouse(tmp_path)
    run = _start(HOLD_RUN_LOCK, str(db))
    monkeypatch.setattr(snapshot, "connect", _never_opened)  # the warehouse file is not even tried
    try:
        with connect_for_reading(db) as con:
            assert con.execute(COUNT).fetchone() == answer
    finally:
        _stop(run)
    err = capsys.readouterr().err
    assert f"is being written by pid {run.pid} (seesaw run --profile sample) since" in err
    assert "reading the snapshot of" in err


def test_free_warehouse_is_read_directly(tmp_path: Path, capsys) -> None:
    db, answer = _warehouse(tmp_path, publish=False)
    with connect_for_reading(db) as con:
        assert isinstance(con, duckdb.DuckDBPyConnection)
        assert con.execute(COUNT).fetchone() == answer
    assert capsys.readouterr().err == ""


def test_first_run_in_progress_and_no_snapshot_says_so(tmp_path: Path) -> None:
    db, _ = _warehouse(tmp_path, publish=False)
    run = _start(HOLD_RUN_LOCK, str(db))
    try:
        with pytest.raises(WarehouseLockedError, match=f"pid {run.pid} .*no snapshot published next to warehouse"
                                                       ".*the run publishes one when it finishes"), \
                connect_for_reading(db):
            pass
    finally:
        _stop(run)


def test_locked_and_no_snapshot_says_so(tmp_path: Path) -> None:
    db, _ = _warehouse(tmp_path, publish=False)
    writer = _start(HOLD_DUCKDB, str(db), "write", "60")
    try:
        with pytest.raises(WarehouseLockedError, match="no snapshot published next to warehouse"), \
                connect_for_reading(db, tries=2, wait_s=0.1):
            pass
    finally:
        _stop(writer)


def test_a_writer_waits_for_a_short_reader_instead_of_failing(tmp_path: Path) -> None:
    db, answer = _warehouse(tmp_path, publish=False)
    reader = _start(HOLD_DUCKDB, str(db), "read", "1.0")
    try:
        started = time.perf_counter()
        with connect(db) as con:  # a run's next short write connection
            waited = time.perf_counter() - started
            assert con.execute(COUNT).fetchone() == answer
    finally:
        _stop(reader)
    assert 0.3 < waited < 30.0  # waited for the reader (generous bound: a busy runner)


def test_a_writer_gives_up_after_the_wait_with_one_line_naming_the_holder(tmp_path: Path, monkeypatch) -> None:
    db, _ = _warehouse(tmp_path, publish=False)
    reader = _start(HOLD_DUCKDB, str(db), "read", "60")  # an outside tool with the file open
    monkeypatch.setenv("SEESAW_WAIT_FOR_READERS", "1")
    try:
        started = time.perf_counter()
        with pytest.raises(WarehouseLockedError) as refused, connect(db):
            pass
        waited = time.perf_counter() - started
    finally:
        _stop(reader)
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(f"warehouse {db} is held open by pid {reader.pid} (python")
    assert (f"waited 1 s (--wait-for-readers / $SEESAW_WAIT_FOR_READERS); outside tools should read"
            f" {tmp_path}/seesaw.read.duckdb instead") in message
    assert 1.0 <= waited < 30.0  # gave up after the 1 s wait, not the 60 s default
    monkeypatch.setenv("SEESAW_WAIT_FOR_READERS", "soon")
    with pytest.raises(WarehouseError, match="SEESAW_WAIT_FOR_READERS='soon' is not a number of seconds"), connect(db):
        pass
