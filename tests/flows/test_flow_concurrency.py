"""Many readers, one writer: real processes against one warehouse (real `seesaw run`s included)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from seesaw.warehouse.db import connect
from seesaw.warehouse.lock import lock_holder, run_lock, stale_holder
from seesaw.warehouse.snapshot import publish_snapshot

HOLD_LOCK = """
import sys, time
from seesaw.warehouse.lock import run_lock
with run_lock(sys.argv[1], command="seesaw run --profile sample"):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _seesaw(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "seesaw.flows.cli", *args], capture_output=True, text=True,
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


#: A second writer in a fresh process: its exit code and which heavy packages it had imported.
SECOND_WRITER = """
import sys
from seesaw.flows.cli import main
code = main(["--db", sys.argv[1], sys.argv[2], "--profile", "sample", *sys.argv[3:]])
heavy = sorted(m for m in ("prefect", "scipy", "statsmodels", "arch", "seesaw.sources.catalog") if m in sys.modules)
print(code, ",".join(heavy) or "-")
"""


@pytest.mark.parametrize("command", [["run"], ["backfill", "--start", "2020-01-01", "--end", "2020-02-01"],
                                     ["replay", "--start", "2020-01-01", "--end", "2020-02-01"]])
def test_a_second_writer_is_refused_before_anything_heavy_loads(tmp_path: Path, command: list[str]) -> None:
    """What a refusal costs is the interpreter and the CLI's light imports: the lock is checked
    before the profile (pydantic models, scipy, statsmodels) loads, let alone Prefect."""
    db = tmp_path / "w.duckdb"
    db.touch()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(db), "30"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        second = subprocess.run([sys.executable, "-c", SECOND_WRITER, str(db), *command], capture_output=True,
                                text=True, timeout=120)
        assert second.stdout.split() == ["1", "-"], second.stdout + second.stderr
        assert f"pid {holder.pid}" in second.stderr
    finally:
        holder.kill()
        holder.wait()


# --- real `seesaw run` processes: lock before Prefect, kill -9, Ctrl-C, a reader holding the file ----

#: Two monthly sample series and one stock–bond pair: a real run with real analyses, kept small.
SMALL_PROFILE = """
profile: small
description: two monthly sample series for process tests
series:
  - {series_id: us_aaa, name: Moody's Aaa yield, source: sample, source_code: "arch.default:AAA", frequency: M,
     unit: percent p.a., kind: yield, country: US}
  - {series_id: us_ff_mkt, name: US market return, source: sample, source_code: "arch.frenchdata:Mkt",
     frequency: M, unit: percent per month, kind: return, country: US}
analysis:
  pairs:
    - {market: US, equity: us_ff_mkt, bond: us_aaa, bond_maturity_years: 20, freq: M, windows: [36, 60]}
"""

HOLD_FILE = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


class Run:
    """A real ``seesaw run`` in a child process, its stderr collected line by line."""

    def __init__(self, db: Path, profile: Path, *extra: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "seesaw.flows.cli", "--db", str(db), "run", "--profile",
                                      str(profile), *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env={**os.environ})
        self.err: list[str] = []
        self._reader = threading.Thread(target=lambda: self.err.extend(self.proc.stderr), daemon=True)
        self._reader.start()

    def wait_for(self, text: str, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.err):
            assert self.proc.poll() is None, f"run ended before {text!r}: {''.join(self.err)}"
            assert time.monotonic() < deadline, f"no {text!r} after {timeout} s: {''.join(self.err)}"
            time.sleep(0.05)

    def api_server(self) -> int:
        """Pid of the Prefect API server this run started (its child, ``seesaw.flows.api_server``)."""
        children = [pid for task in Path(f"/proc/{self.proc.pid}/task").iterdir()
                    for pid in (task / "children").read_text().split()]
        servers = [int(pid) for pid in children
                   if b"seesaw.flows.api_server" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        assert len(servers) == 1, children
        return servers[0]

    def finish(self, timeout: float = 300) -> int:
        code = self.proc.wait(timeout)
        self._reader.join(10)
        return code


def _gone(pid: int, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
        except FileNotFoundError:
            return True
        if state == "Z":  # exited; waiting for its (dead) parent's reaper
            return True
        time.sleep(0.05)
    return False


def _runs(db: Path) -> dict[str, str]:
    with connect(db, read_only=True) as con:
        return dict(con.execute("select run_id, status from ops.runs").fetchall())


@pytest.fixture
def small(tmp_path: Path) -> tuple[Path, Path]:
    profile = tmp_path / "small.yaml"
    profile.write_text(SMALL_PROFILE)
    return tmp_path / "w.duckdb", profile


@pytest.fixture
def slow_analysis(tmp_path: Path) -> tuple[Path, Path]:
    """The small profile with a Monte Carlo ten times the nightly size: its analysis lasts long
    enough (about 30 s) that a Ctrl-C sent when it starts always lands inside it."""
    profile = tmp_path / "slow.yaml"
    profile.write_text(SMALL_PROFILE + "  mc_risk: {paths: 200000}\n")
    return tmp_path / "w.duckdb", profile


def test_lock_before_prefect_then_kill_9_leaves_a_crashed_run_and_no_server(small, capsys) -> None:
    from seesaw import pipeline
    from seesaw.flows.cli import main
    from seesaw.sources.catalog import load_profile

    db, profile = small
    first = Run(db, profile)
    try:
        deadline = time.monotonic() + 60
        while (lock_holder(db) or {}).get("pid") != first.proc.pid:  # the first has started
            assert time.monotonic() < deadline and first.proc.poll() is None, "".join(first.err)
            time.sleep(0.02)
        # a second writer is refused before Prefect starts: at once in a process that has imported
        # the CLI, in a few seconds from a cold start
        started = time.perf_counter()
        assert main(["--db", str(db), "run", "--profile", str(profile)]) == 1
        refused_in = time.perf_counter() - started
        line = capsys.readouterr().err.strip()
        assert "\n" not in line, line
        assert f"being written by pid {first.proc.pid} (cli.py --db {db} run" in line
        started = time.perf_counter()
        second = subprocess.run([sys.executable, "-m", "seesaw.flows.cli", "--db", str(db), "run", "--profile",
                                 str(profile)], capture_output=True, text=True, timeout=60)
        cold_refused_in = time.perf_counter() - started
        assert second.returncode == 1 and f"pid {first.proc.pid}" in second.stderr
        assert len(second.stderr.strip().splitlines()) == 1, second.stderr
        print(f"second writer refused in {refused_in:.3f} s (CLI loaded), {cold_refused_in:.2f} s (cold start)")
        assert refused_in < 5.0 and cold_refused_in < 15.0  # generous: Prefect's start alone takes 10-45 s

        first.wait_for("analysing")  # mid-flight: the run is recorded as running
        server = first.api_server()
        run_id = lock_holder(db)["run_id"]
        first.proc.kill()
    finally:
        if first.proc.poll() is None:
            first.proc.kill()
    assert first.finish() == -9
    assert _gone(server), "Prefect's API server outlived the killed run"
    assert _runs(db)[run_id] == "running"  # what the dead run left behind

    status = _seesaw("--db", str(db), "status", "--json")
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["run_in_progress"] is None and report["crashed_run"]["run_id"] == run_id
    assert report["runs"][0]["run_id"] == run_id and report["runs"][0]["status"] == "crashed"

    small_profile = load_profile(str(profile))  # the next run records it
    with run_lock(db):
        assert pipeline.begin(db, "next-run", "nightly", small_profile, small_profile.select(None), {}) == [run_id]
    runs = _runs(db)
    assert runs[run_id] == "crashed" and runs["next-run"] == "running"


#: A main thread that cannot record its run in time after Ctrl-C (inside a long statement on a
#: loaded machine): the exit watchdog's last words record it instead.
STUCK_AFTER_CTRL_C = """
import os, signal, sys, time
from pathlib import Path
from seesaw.flows.process import prompt_exit_on_interrupt
with prompt_exit_on_interrupt(limit_s=0.3, on_expiry=lambda: Path(sys.argv[1]).write_text("recorded")):
    try:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(60)
    except KeyboardInterrupt:
        time.sleep(60)
"""


def test_an_interrupted_run_that_cannot_record_itself_in_time_is_recorded_by_the_exit(tmp_path: Path) -> None:
    marker = tmp_path / "last-words"
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", STUCK_AFTER_CTRL_C, str(marker)], capture_output=True, timeout=60)
    assert done.returncode == 130, done.stderr
    assert time.perf_counter() - started < 20
    assert marker.read_text() == "recorded"


def test_cancelling_closes_an_open_run_and_leaves_a_finished_one(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from seesaw import pipeline
    from seesaw.warehouse import ops as wops

    db = tmp_path / "w.duckdb"
    with connect(db) as con:  # a writable connection creates the schema
        for run_id in ("open", "done"):
            wops.start_run(con, run_id, "nightly", "sample", {}, datetime.now(UTC))
        wops.finish_run(con, "done", "ok", "1 series loaded", datetime.now(UTC))
    for run_id in ("open", "done", "open"):  # the main thread and the exit may both record it
        pipeline.cancel(db, run_id)
    assert _runs(db) == {"open": "cancelled", "done": "ok"}


def test_ctrl_c_cancels_a_run_promptly_with_exit_130(slow_analysis) -> None:
    db, profile = slow_analysis
    run = Run(db, profile)
    try:
        run.wait_for("analysing")
        server = run.api_server()
        run_id = lock_holder(db)["run_id"]
        started = time.perf_counter()
        run.proc.send_signal(signal.SIGINT)
        code = run.finish(timeout=30)
        stopped_in = time.perf_counter() - started
    finally:
        if run.proc.poll() is None:
            run.proc.kill()
    print(f"Ctrl-C to exit: {stopped_in:.2f} s")
    assert code == 130, "".join(run.err)
    assert stopped_in < 15.0  # about 3.5 s measured; generous for a busy runner
    assert _runs(db)[run_id] == "cancelled"
    assert _gone(server)
    assert lock_holder(db) is None and stale_holder(db) is None


def test_a_reader_holding_the_warehouse_delays_a_run_instead_of_failing_it(small) -> None:
    db, profile = small
    with connect(db):
        pass  # the warehouse exists, so an outside tool can open it
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    tool = subprocess.Popen([sys.executable, "-c", HOLD_FILE, str(db), "3"], stdout=subprocess.PIPE, text=True, env=env)
    assert tool.stdout.readline().strip() == "holding"
    run = Run(db, profile)
    assert run.finish() == 0, "".join(run.err)
    tool.wait(10)

    stubborn = subprocess.Popen([sys.executable, "-c", HOLD_FILE, str(db), "60"], stdout=subprocess.PIPE, text=True,
                                env=env)
    try:
        assert stubborn.stdout.readline().strip() == "holding"
        started = time.perf_counter()
        refused = _seesaw("--db", str(db), "run", "--profile", str(profile), "--wait-for-readers", "2")
        elapsed = time.perf_counter() - started
    finally:
        stubborn.kill()
        stubborn.wait(10)
    assert refused.returncode == 1
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1, refused.stderr
    assert f"held open by pid {stubborn.pid} (python" in lines[0] and str(db.with_name("w.read.duckdb")) in lines[0]
    assert 2.0 <= elapsed < 15.0  # gave up after the wait, before Prefect's start


READER_LOOP = """
import random, sys, time, duckdb
rng = random.Random(int(sys.argv[2]))
print("started", flush=True)
while True:
    time.sleep(rng.uniform(0.0, 0.5))
    try:
        con = duckdb.connect(sys.argv[1], read_only=True)  # only between two of the run's write connections
    except duckdb.IOException:
        continue
    time.sleep(rng.uniform(0.2, 2.0))
    con.close()
    print("held", flush=True)
"""


def test_outside_readers_at_random_moments_never_fail_a_run(small) -> None:
    """Plain pipeline runs (what the flow calls) while an outside tool keeps opening the warehouse
    file for 0.2-2 s at random moments: every run waits for it and ends ok."""
    from support import run_plain

    db, profile = small
    run_plain(db, str(profile), tables=False)  # the warehouse exists before the readers start
    trials, failed, held = 2, 0, 0
    for trial in range(trials):
        reader = subprocess.Popen([sys.executable, "-c", READER_LOOP, str(db), str(trial)],
                                  stdout=subprocess.PIPE, text=True)
        assert reader.stdout.readline().strip() == "started"
        try:
            with run_lock(db):  # full: a run with nothing new would be over before the reader gets in
                failed += run_plain(db, str(profile), tables=False, full=True).status != "ok"
        finally:
            reader.kill()
            held += reader.communicate(timeout=10)[0].split().count("held")
    print(f"held-reader runs: {trials} tried, {failed} failed; the reader held the file {held} times")
    assert failed == 0
    assert held >= trials  # the reader really got in during the runs
