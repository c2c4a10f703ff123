"""Fault-injection runner: loads a profile into a warehouse through the plain pipeline functions.

Run as a subprocess by the fault tests (``python fault_runner.py --db W --profile P``) so that a
test can ``kill -9`` it at any point; imported by the tests and ``bench/bench_faults.py`` for the
shared helpers (content hashes, per-series contents, the kill-trial driver).

The runner prints one progress line per stage of ``seesaw.pipeline.run`` to stdout (flushed),
so the killer can aim at the load: ``ready``, then the stages (``begin``, ``fetch``, ``load``,
``analyze``, ``checks``, ``publish``, ``report``) as they start, ``loaded <series_id>`` after
each series' transaction commits, and ``done <status>``. ``--scale`` multiplies every fetched
value (the "after" content of a trial differs from the "before" content in every row);
``--full`` re-fetches whole histories, so a load rewrites every row of every series.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from seesaw.pipeline import FetchRunner

RUNNER = Path(__file__).resolve()
REPO = RUNNER.parents[2]

#: A small profile of real packaged histories (about 15k rows: two daily, two monthly series)
#: with one stock–bond pair, so the returns and rolling-correlation results tables are written.
PROFILE_YAML = """
profile: faults
description: four sample series for fault-injection trials
series:
  - {series_id: us_spx, name: S&P 500, source: sample, source_code: "arch.sp500:Adj Close", frequency: D,
     unit: index points, kind: index, country: US}
  - {series_id: us_aaa, name: Moody's Aaa yield, source: sample, source_code: "arch.default:AAA", frequency: M,
     unit: percent p.a., kind: yield, country: US}
  - {series_id: us_ff_mkt, name: US market return, source: sample, source_code: "arch.frenchdata:Mkt",
     frequency: M, unit: percent per month, kind: return, country: US}
  - {series_id: gl_wti, name: WTI spot, source: sample, source_code: "arch.wti:DCOILWTICO", frequency: D,
     unit: USD per barrel, kind: price, country: GL}
analysis:
  pairs:
    - {market: US, equity: us_ff_mkt, bond: us_aaa, bond_maturity_years: 20, freq: M, windows: [36, 60]}
  mc_risk: {stock: us_ff_mkt, bond: us_aaa, bond_maturity_years: 20, paths: 200, months: 12,
            rhos: [0.0], equity_weights: [0.0, 0.5, 1.0]}
"""
SERIES = ("us_spx", "us_aaa", "us_ff_mkt", "gl_wti")
#: Value scale of the second ("after") run of a kill trial.
AFTER_SCALE = 1.01


def write_profile(directory: Path) -> Path:
    """Write the fault-trial profile YAML into ``directory`` and return its path."""
    path = directory / "faults.yaml"
    path.write_text(PROFILE_YAML, encoding="utf-8")
    return path


def scaled(fetch: FetchRunner, factor: float) -> FetchRunner:
    """``fetch`` with every fetched value multiplied by ``factor`` (raw text kept in step): the
    "after" content of a kill trial differs from the "before" content in every row."""
    from seesaw.pipeline import Fetched

    def scale(item):
        if not isinstance(item, Fetched) or item.frame is None:
            return item
        values = item.frame["value"] * factor
        return Fetched(item.plan, item.frame.assign(value=values, raw_value=values.map(repr)))

    return fetch if factor == 1.0 else lambda plans, data_dir: [scale(item) for item in fetch(plans, data_dir)]


def run_pipeline(db: Path, profile_path: Path, *, full: bool = False, scale: float = 1.0, say=None):
    """A nightly run through ``seesaw.pipeline.run`` (the function the flows call), with ``full``
    re-fetching whole histories, values multiplied by ``scale``, and ``say(text)`` told each
    stage as it starts and ``loaded <series_id>`` after each series' load transaction."""
    from seesaw import pipeline
    from seesaw.sources.catalog import load_profile

    say = say or (lambda text: None)
    hooks = pipeline.Hooks(stage=say, fetch=scaled(pipeline.fetch_serially, scale),
                           loaded=lambda result: say(f"loaded {result.series_id}"))
    summary = pipeline.run(db, load_profile(str(profile_path)), full=full, hooks=hooks)
    say(f"done {summary.status}")
    return summary


# --- content of a warehouse -------------------------------------------------------------------

#: Columns that legitimately differ between two runs over the same inputs.
_VOLATILE = {"run_id", "fetched_at", "updated_at", "fitted_at", "loaded_at", "state"}


def _frame_digest(frame: pd.DataFrame) -> str:
    keep = [c for c in frame.columns if c not in _VOLATILE]
    frame = frame[keep]
    if len(frame):
        frame = frame.astype(str).sort_values(keep, kind="stable")
    return hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()


def content_digests(db: Path) -> dict[str, str]:
    """SHA-256 of the sorted rows (volatile columns dropped) of every raw, core and results table."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
            " where table_schema in ('raw', 'core', 'results') order by 1").fetchall()
        return {t: _frame_digest(con.execute(f"select * from {t}").df()) for (t,) in tables}
    finally:
        con.close()


def series_contents(db: Path) -> dict[str, frozenset[tuple[date, float]]]:
    """``core.observations`` per series as a set of (obs_date, value)."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("select series_id, obs_date, value from core.observations").fetchall()
    finally:
        con.close()
    out: dict[str, set] = {}
    for sid, day, value in rows:
        out.setdefault(sid, set()).add((day, value))
    return {sid: frozenset(v) for sid, v in out.items()}


def duplicate_rows(db: Path) -> int:
    """Surplus rows: repeated (series, date) keys in core plus repeated identical rows in raw."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        core = con.execute("select coalesce(sum(n - 1), 0) from (select count(*) n from core.observations"
                           " group by series_id, obs_date, vintage having n > 1)").fetchone()[0]
        raw = con.execute("select coalesce(sum(n - 1), 0) from (select count(*) n from raw.observations"
                          " group by series_id, obs_date, vintage, value having n > 1)").fetchone()[0]
    finally:
        con.close()
    return int(core + raw)


# --- the fork server and the kill -9 trial driver ------------------------------------------------

def serve(profile_path: Path) -> int:
    """Fork server: import everything and warm the packaged-data cache once, then fork one real
    child process per ``run`` command read from stdin, so a trial costs a fork, not an import.

    Commands: ``run <tag> <db> <scale> <full 0|1>``, ``quit``. Each child writes
    ``<tag> pid <pid>``, its progress lines as ``<tag> <phase>`` and finally
    ``<tag> exit <code>``; a child killed with SIGKILL writes nothing more.
    """
    from seesaw import pipeline
    from seesaw.sources.catalog import load_profile

    for spec in load_profile(str(profile_path)).series:
        pipeline.fetch(pipeline.FetchPlan(spec, None, None))
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    _emit("ready")
    for line in sys.stdin:
        parts = line.split()
        if not parts or parts[0] == "quit":
            break
        tag, db, scale, full = parts[1], Path(parts[2]), float(parts[3]), parts[4] == "1"
        if os.fork() == 0:
            _child(tag, db, profile_path, scale, full)
    return 0


def _emit(text: str) -> None:
    os.write(1, (text + "\n").encode())  # unbuffered: a killed child leaves no half-written buffer


def _child(tag: str, db: Path, profile_path: Path, scale: float, full: bool) -> None:
    code = 1
    try:
        _emit(f"{tag} pid {os.getpid()}")
        code = run_pipeline(db, profile_path, full=full, scale=scale, say=lambda text: _emit(f"{tag} {text}")).exit_code
    except BaseException as exc:
        _emit(f"{tag} error {type(exc).__name__}: {str(exc)[:300]}".replace("\n", " "))
    finally:
        _emit(f"{tag} exit {code}")
        os._exit(code)


class ForkServer:
    """The test side of ``serve``: start runs, read their progress, kill them."""

    def __init__(self, profile: Path) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        self.proc = subprocess.Popen([sys.executable, str(RUNNER), "--serve", "--profile", str(profile)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True, cwd=REPO, env=env)
        self._queues: dict[str, queue.Queue] = {}
        self._lock = threading.Lock()
        self._count = 0
        threading.Thread(target=self._pump, daemon=True).start()
        first = self._queue("server").get(timeout=300)
        if first != "ready":
            raise RuntimeError(f"fault runner did not start: {first!r}")

    def _queue(self, tag: str) -> queue.Queue:
        with self._lock:
            return self._queues.setdefault(tag, queue.Queue())

    def _pump(self) -> None:
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            if line == "ready":
                self._queue("server").put(line)
                continue
            tag, _, event = line.partition(" ")
            self._queue(tag).put(event)
        with self._lock:
            for lines in [*self._queues.values(), self._queues.setdefault("server", queue.Queue())]:
                lines.put(None)

    def start(self, db: Path, scale: float, full: bool) -> tuple[str, int]:
        """Fork a run; returns its tag and the child's pid (thread-safe)."""
        with self._lock:
            self._count += 1
            tag = f"r{self._count}"
            self.proc.stdin.write(f"run {tag} {db} {scale!r} {int(full)}\n")
            self.proc.stdin.flush()
        event = self.next(tag, timeout=60)
        if not event.startswith("pid "):
            raise RuntimeError(f"run {tag} did not start: {event!r}")
        return tag, int(event.split()[1])

    def next(self, tag: str, timeout: float) -> str:
        """The next progress line of run ``tag`` (raises ``queue.Empty`` after ``timeout`` s)."""
        event = self._queue(tag).get(timeout=timeout)
        if event is None:
            raise RuntimeError("fault runner exited")
        return event

    def run(self, db: Path, scale: float, full: bool, timeout: float = 300) -> tuple[int, float]:
        """An uninterrupted run; returns (exit code, seconds)."""
        started = time.perf_counter()
        tag, _ = self.start(db, scale, full)
        while True:
            event = self.next(tag, timeout)
            if event.startswith("error "):
                raise RuntimeError(f"run {tag} failed: {event}")
            if event.startswith("exit "):
                return int(event.split()[1]), time.perf_counter() - started

    def close(self) -> None:
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()


@dataclass
class Fixture:
    """Reference warehouses of a kill campaign: before (run 1), after (run 1 + run 2), clean rerun."""

    root: Path
    profile: Path
    server: ForkServer
    before_db: Path
    before: dict[str, frozenset]
    after: dict[str, frozenset]
    clean_digests: dict[str, str]
    fresh_digests: dict[str, str]
    run_seconds: float


def build_fixture(root: Path) -> Fixture:
    """Reference warehouses: run 1 (plain values) into ``before``; run 2 (values x 1.01, full
    re-fetch) into a copy of it (``after``: the clean outcome a trial must end identical to, in
    every raw, core and results table); run 2 alone into a fresh warehouse (its core and results
    tables must match too; its raw history lacks run 1's rows)."""
    from concurrent.futures import ThreadPoolExecutor

    profile = write_profile(root)
    server = ForkServer(profile)
    before_db, after_db, fresh_db = root / "before.duckdb", root / "after.duckdb", root / "fresh.duckdb"
    with ThreadPoolExecutor(2) as pool:
        fresh = pool.submit(server.run, fresh_db, AFTER_SCALE, True)
        _expect_ok(server.run(before_db, 1.0, False))
        shutil.copy(before_db, after_db)
        code, run_seconds = server.run(after_db, AFTER_SCALE, True)
        _expect_ok((code, run_seconds))
        _expect_ok(fresh.result())
    before, after = series_contents(before_db), series_contents(after_db)
    if any(before[s] == after[s] for s in SERIES):
        raise AssertionError("before and after contents must differ for every series")
    fresh_digests = {t: d for t, d in content_digests(fresh_db).items() if not t.startswith("raw.")}
    return Fixture(root, profile, server, before_db, before, after, content_digests(after_db), fresh_digests,
                   run_seconds)


def _expect_ok(outcome: tuple[int, float]) -> None:
    if outcome[0] != 0:
        raise RuntimeError(f"reference run exited {outcome[0]}")


@dataclass
class TrialResult:
    """One kill -9 trial: where the kill landed and what the warehouse looked like after it."""

    trial: int
    last_phase: str
    killed: bool
    opened: bool
    series_state: dict[str, str]  # before, after, or partial
    rows_lost: int
    rows_duplicated: int
    recovered_identical: bool
    errors: list[str] = field(default_factory=list)


def kill_trial(fx: Fixture, trial: int, rng: random.Random) -> TrialResult:
    """Copy ``before``, start run 2 in a real child process, SIGKILL it at a random point, check.

    Most trials aim at the load: they wait for the progress line after the ``k``-th series
    commit (``load``, the stage's start, for k = 0) and add a random delay of up to 0.3 s, so
    kills land inside series transactions, between them and in the checkpoint; the rest wait a
    uniform random time of up to one full run. Checks: the
    warehouse opens with a writable connection (WAL replay, migrations), each series holds
    exactly its before or after content, no key or raw row is duplicated, and one uninterrupted
    run 2 ends with the clean content digests of every raw, core and results table.
    """
    from seesaw.warehouse.db import connect

    db = fx.root / f"trial{trial}.duckdb"
    _remove(db)
    shutil.copy(fx.before_db, db)
    marks = ["load", *(f"loaded {s}" for s in SERIES)]
    aim_load = rng.random() < 0.75
    target = marks[rng.randrange(len(marks))]
    delay = rng.uniform(0.0, 0.3) if aim_load else rng.uniform(0.0, fx.run_seconds)
    tag, pid = fx.server.start(db, AFTER_SCALE, True)
    last, finished = "pid", False
    if aim_load:
        while last != target and not finished:
            last = fx.server.next(tag, timeout=120)
            finished = last.startswith(("exit", "error"))
    deadline = time.monotonic() + delay
    while not finished and time.monotonic() < deadline:
        try:
            last = fx.server.next(tag, timeout=max(0.001, deadline - time.monotonic()))
            finished = last.startswith(("exit", "error"))
        except queue.Empty:
            break
    killed = not finished and _kill(pid)

    errors: list[str] = []
    opened = True
    try:
        with connect(db) as con:
            con.execute("select count(*) from core.observations").fetchone()
    except Exception as exc:
        opened = False
        errors.append(f"warehouse does not open: {type(exc).__name__}: {exc}")
    states, lost, dups, recovered = {}, 0, 0, False
    if opened:
        dups += duplicate_rows(db)
        contents = series_contents(db)
        for sid in SERIES:
            got = contents.get(sid, frozenset())
            if got == fx.before[sid]:
                states[sid] = "before"
            elif got == fx.after[sid]:
                states[sid] = "after"
            else:
                states[sid] = "partial"
                lost += min(len(fx.before[sid] - got), len(fx.after[sid] - got))
                errors.append(f"{sid} holds neither its before nor its after content ({len(got)} rows)")
        code, _ = fx.server.run(db, AFTER_SCALE, True)
        if code != 0:
            errors.append(f"recovery run exited {code}")
        digests = content_digests(db)
        bad = sorted({t for t, d in [*fx.clean_digests.items(), *fx.fresh_digests.items()] if digests.get(t) != d})
        recovered = not bad
        if bad:
            errors.append(f"recovery run differs from a clean run in {', '.join(bad)}")
        dups += duplicate_rows(db)
        final = series_contents(db)
        lost += sum(len(fx.after[s] - final.get(s, frozenset())) for s in SERIES)
    _remove(db)
    return TrialResult(trial, last, killed, opened, states, lost, dups, recovered, errors)


def kill_campaign(root: Path, trials: int, *, seed: int = 20261122, workers: int = 2) -> list[TrialResult]:
    """Build the reference warehouses under ``root`` and run ``trials`` kill trials, ``workers``
    at a time (each trial has its own seeded delays; kills still land where the clock says)."""
    from concurrent.futures import ThreadPoolExecutor

    fx = build_fixture(root)
    try:
        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(lambda i: kill_trial(fx, i, random.Random(seed * 1000 + i)), range(trials)))
    finally:
        fx.server.close()


def _kill(pid: int) -> bool:
    """SIGKILL ``pid`` and wait until it is gone; False when it had already exited."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    for _ in range(2000):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.005)
    raise RuntimeError(f"process {pid} survived SIGKILL")


def _remove(db: Path) -> None:
    for path in (db, Path(f"{db}.wal")):
        path.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", type=Path, required=True)
    parser.add_argument("--db", type=Path, help="run once into this warehouse")
    parser.add_argument("--serve", action="store_true", help="fork server mode (see serve)")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--full", action="store_true")
    args = parser.parse_args(argv)
    if args.serve:
        return serve(args.profile)
    if args.db is None:
        parser.error("--db or --serve is required")
    import seesaw.pipeline  # noqa: F401 (imports done before "ready", so delays aim at the run)

    _emit("ready")
    return run_pipeline(args.db, args.profile, full=args.full, scale=args.scale, say=_emit).exit_code


if __name__ == "__main__":
    sys.exit(main())
