"""Run lock with real processes: a second writer is refused fast, by name; dead holders never block
but leave their information behind; the lock is re-entrant within one process."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from seesaw.warehouse.db import WarehouseError
from seesaw.warehouse.lock import clear_holder, lock_holder, lock_path, run_lock, stale_holder, update_holder

REPO = Path(__file__).resolve().parents[2]

HOLD = """
import sys, time
from seesaw.warehouse.lock import run_lock
with run_lock(sys.argv[1], command="seesaw run --profile files"):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""

HOLD_RUN = """
import sys, time
from seesaw.warehouse.lock import run_lock, update_holder
with run_lock(sys.argv[1], command="seesaw run --profile sample"):
    update_holder(sys.argv[1], run_id="run-1", flow="nightly", profile="sample")
    print("locked", flush=True)
    time.sleep(60)
"""

TRY = """
import json, sys, time
from seesaw.warehouse.lock import RunLockedError, run_lock
started = time.perf_counter()
try:
    with run_lock(sys.argv[1]):
        print(json.dumps({"acquired": True}))
except RunLockedError as exc:
    print(json.dumps({"acquired": False, "seconds": time.perf_counter() - started, "message": str(exc),
                      "holder": exc.holder}))
"""


def _python(code: str, *args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=REPO, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


@pytest.fixture
def holder(tmp_path: Path):
    """A process holding the run lock of ``tmp_path/seesaw.duckdb`` (killed at teardown)."""
    db = tmp_path / "seesaw.duckdb"
    proc = _python(HOLD, str(db), "60")
    assert proc.stdout.readline().strip() == "locked", proc.stderr.read()
    yield db, proc
    if proc.poll() is None:
        proc.kill()
    proc.wait(10)


def test_second_process_is_refused_at_once_naming_the_holder(holder) -> None:
    db, proc = holder
    second = _python(TRY, str(db))
    out, err = second.communicate(timeout=30)
    result = json.loads(out)
    assert result["acquired"] is False, err
    assert result["seconds"] < 10.0  # refused, not queued behind the 60 s holder (generous: a busy runner)
    message = result["message"]
    assert message.startswith(f"warehouse {db} is being written by pid {proc.pid} (seesaw run --profile files) since ")
    assert message.endswith("; try again later or read the published snapshot")
    assert result["holder"]["pid"] == proc.pid

    started = time.perf_counter()  # the same in this process, and the error is a WarehouseError
    with pytest.raises(WarehouseError, match=f"pid {proc.pid}"), run_lock(db):
        pass
    assert time.perf_counter() - started < 10.0
    assert lock_holder(db)["pid"] == proc.pid


def test_kill_9_leaves_a_stale_file_that_does_not_block(holder) -> None:
    db, proc = holder
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert json.loads(lock_path(db).read_text())["pid"] == proc.pid  # stale information left behind
    assert lock_holder(db) is None
    with run_lock(db, command="seesaw run") as info:
        assert info["pid"] == os.getpid()
        assert json.loads(lock_path(db).read_text())["command"] == "seesaw run"
        assert lock_holder(db)["pid"] == os.getpid()
    assert lock_path(db).read_text() == ""  # a clean release clears the information
    assert lock_holder(db) is None


def test_released_lock_is_free_again(tmp_path: Path) -> None:
    db = tmp_path / "seesaw.duckdb"
    proc = _python(HOLD, str(db), "0")
    proc.communicate(timeout=30)
    assert proc.returncode == 0
    second = _python(TRY, str(db))
    assert json.loads(second.communicate(timeout=30)[0]) == {"acquired": True}
    with run_lock(db):  # and a lock released inside one process can be taken again
        pass
    assert stale_holder(db) is None  # clean releases leave nothing behind


def test_the_lock_is_reentrant_within_a_process_and_held_until_the_outer_block_ends(tmp_path: Path) -> None:
    db = tmp_path / "seesaw.duckdb"
    with run_lock(db, command="seesaw run (cli)") as outer:
        with run_lock(db, command="seesaw nightly (flow)") as inner:  # the flow inside the CLI's lock
            assert inner is outer and inner["command"] == "seesaw run (cli)"
            update_holder(db, run_id="20260101T000000Z-abcdef")
        other = json.loads(_python(TRY, str(db)).communicate(timeout=30)[0])  # still held after the inner block
        assert other["acquired"] is False and other["holder"]["run_id"] == "20260101T000000Z-abcdef"
    assert lock_holder(db) is None and lock_path(db).read_text() == ""
    with pytest.raises(WarehouseError, match="not held by this process"):
        update_holder(db, run_id="x")


def test_a_holder_killed_mid_run_leaves_its_run_id_for_status(tmp_path: Path) -> None:
    db = tmp_path / "seesaw.duckdb"
    proc = _python(HOLD_RUN, str(db))
    try:
        assert proc.stdout.readline().strip() == "locked", proc.stderr.read()
        assert stale_holder(db) is None  # alive: a holder, not a dead one
        assert lock_holder(db)["run_id"] == "run-1"
    finally:
        proc.kill()
        proc.wait(10)
    dead = stale_holder(db)
    assert dead["pid"] == proc.pid and dead["run_id"] == "run-1" and dead["flow"] == "nightly"
    with run_lock(db):  # the next run takes over; the information is its own now
        assert stale_holder(db) is None
    assert stale_holder(db) is None


CLEAR_AND_EXIT = """
import os, sys
from seesaw.warehouse.lock import clear_holder, run_lock, update_holder
with run_lock(sys.argv[1], command="seesaw run --profile sample"):
    update_holder(sys.argv[1], run_id="run-1", flow="nightly", profile="sample")
    clear_holder(sys.argv[1])  # its run closed, the process exits without unwinding (after a Ctrl-C)
    os._exit(130)
"""


def test_a_holder_that_clears_its_information_before_exiting_leaves_no_stale_holder(tmp_path: Path) -> None:
    db = tmp_path / "seesaw.duckdb"
    proc = _python(CLEAR_AND_EXIT, str(db))
    assert proc.wait(30) == 130, proc.stderr.read()
    assert lock_holder(db) is None and stale_holder(db) is None
    with pytest.raises(WarehouseError, match="not held by this process"):
        clear_holder(db)
