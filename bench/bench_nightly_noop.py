"""A files-profile nightly with zero new data: what it costs when nothing changed.

Builds a files-profile warehouse (one full load, untimed) and runs one nightly with nothing new
in-process (untimed: it writes the report and the first snapshot, as the previous night would
have), then times in the same run:
  - `seesaw run --profile files` with nothing new: the command's wall time (Prefect's ephemeral
    start included) and its pipeline work (`ops.runs` finished - started);
  - the stages of one more such nightly in-process, without Prefect (``Hooks.stage``): signals
    (the pit day), publish (the snapshot), report;
  - the baseline: a trivial Prefect flow in a fresh process with the same `PREFECT_HOME`;
  - the same nightly with the incremental records dropped (`ops.source_state`,
    `ops.analysis_state`): every file read and every analysis recomputed, as before they existed.
Targets (2-core machine): pipeline work <= 2 s, whole run <= 12 s. Run:
`.venv/bin/python bench/bench_nightly_noop.py [--data-dir ../shared/data]` (a few minutes).
A scheduled run under `seesaw serve`: bench/bench_serve_noop.py.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

from seesaw import pipeline
from seesaw.sources.catalog import load_profile
from seesaw.sources.registry import DEFAULT_DATA_DIR

TRIVIAL_FLOW = "from prefect import flow\n@flow\ndef trivial() -> int:\n    return 1\ntrivial()\n"


def seesaw_run(db: Path, data_dir: Path, env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds of `seesaw run --profile files`, its ops.runs seconds, and its message."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "seesaw.flows.cli", "--db", str(db), "run", "--profile", "files",
                           "--data-dir", str(data_dir)], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode not in (0, 2):
        raise SystemExit(f"seesaw run failed ({done.returncode}): {done.stderr[-2000:]}")
    return (wall, *latest_work(db))


def latest_work(db: Path) -> tuple[float, str]:
    """``ops.runs`` finished - started of the newest run, and its message."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        work, message = con.execute("select epoch(finished_at - started_at), message from ops.runs"
                                    " order by started_at desc limit 1").fetchone() or (0.0, "")
    finally:
        con.close()
    return float(work), str(message)


def trivial_flow(script: Path, env: dict[str, str], check: bool = True) -> float:
    """Wall seconds of a fresh process running a trivial Prefect flow (ephemeral API start included).
    ``check=False`` for the warm-up: a fresh home's first start can trip over its own database."""
    script.write_text(TRIVIAL_FLOW)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True)
    if done.returncode and check:
        raise SystemExit(f"the trivial flow failed: {done.stderr[-2000:]}")
    return time.perf_counter() - started


def stage_seconds(db: Path, data_dir: Path) -> dict[str, float]:
    """Seconds per stage (``Hooks.stage``) of a nightly run in this process, without Prefect."""
    seconds: dict[str, float] = {}
    current = ["start", time.perf_counter()]

    def stage(name: str) -> None:
        now = time.perf_counter()
        seconds[str(current[0])] = now - float(current[1])
        current[:] = [name, now]

    pipeline.run(db, load_profile("files"), data_dir=data_dir, hooks=pipeline.Hooks(stage=stage))
    stage("end")
    return seconds


def forget(db: Path) -> None:
    """Drop the incremental records: the next run reads and recomputes everything."""
    con = duckdb.connect(str(db))
    try:
        con.execute("delete from ops.source_state")
        con.execute("delete from ops.analysis_state")
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "w.duckdb"
        env = {**os.environ, "PREFECT_HOME": str(Path(tmp) / "prefect"), "DO_NOT_TRACK": "1",
               "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
        started = time.perf_counter()
        pipeline.run(db, load_profile("files"), data_dir=args.data_dir,
                     hooks=pipeline.Hooks(report=lambda *_: None))
        print(f"(full load, untimed figure: {time.perf_counter() - started:.0f} s)")
        pipeline.run(db, load_profile("files"), data_dir=args.data_dir)  # the previous night: report, snapshot
        trivial_flow(Path(tmp) / "trivial.py", env, check=False)  # the first start creates PREFECT_HOME's database
        baseline = trivial_flow(Path(tmp) / "trivial.py", env)
        wall, work, message = seesaw_run(db, args.data_dir, env)
        stages = stage_seconds(db, args.data_dir)
        forget(db)
        old_wall, old_work, _ = seesaw_run(db, args.data_dir, env)
    print(f"nightly with nothing new: {message}")
    print(f"{'measure':46} {'measured':>9} {'target':>8}  ok")
    for name, value, target in (("pipeline work, ops.runs finished - started (s)", work, 2.0),
                                ("whole `seesaw run` wall, Prefect start incl. (s)", wall, 12.0)):
        print(f"{name:46} {value:9.2f} {f'<= {target:g}':>8}  {'yes' if value <= target else 'NO'}")
    print(f"outside the pipeline work (Python start, imports, Prefect's API start, flow set-up): {wall - work:.2f} s")
    print("stages of the same nightly in-process, without Prefect (s): "
          + ", ".join(f"{name} {seconds:.2f}" for name, seconds in stages.items()))
    print(f"trivial Prefect flow, same PREFECT_HOME: {baseline:.2f} s; "
          f"`seesaw run` / trivial flow: {wall / baseline:.2f}")
    print(f"without the incremental records (every file read, every analysis recomputed): pipeline work "
          f"{old_work:.2f} s, wall {old_wall:.2f} s; incremental / that: work {work / old_work:.2f}, "
          f"wall {wall / old_wall:.2f}")
    print(f"(measured {date.today()}, {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
