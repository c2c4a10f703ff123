"""Benchmark: ``seesaw replay`` over the last N business days of a files-profile warehouse
(target: at most 2 s per replayed day on a 2-core machine, stretch 1 s; peak memory at most 2 GB).
The replay runs in this process (the serial mapper: no Prefect, no threads), its seconds per day
counting everything from reading the warehouse to publishing the snapshot, so a short range pays
the first day's imports and the DCC calendar's first fits (use N = 250 for the target figure).

Baseline, timed in the same run: a from-scratch as-of recompute of the last day
(``pipeline.recompute_as_of``, what ``report --as-of`` does: a scratch warehouse per day); the ratio is
seconds per replayed day over it.

Usage: ``python bench/bench_replay.py [WAREHOUSE [N]]`` — WAREHOUSE a files-profile warehouse (it
is copied, never written; without it one is built from the default data directory, untimed);
N business days, default 3 (250 for the target figure).
"""
from __future__ import annotations

import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from seesaw import pipeline, replay
from seesaw.sources.catalog import load_profile
from seesaw.sources.registry import DEFAULT_DATA_DIR

TARGET_SECONDS_PER_DAY = 2.0
TARGET_PEAK_MB = 2048.0


def main(argv: list[str]) -> int:
    days = int(argv[1]) if len(argv) > 1 else 3
    profile = load_profile("files")
    with tempfile.TemporaryDirectory(prefix="seesaw-bench-replay-") as scratch:
        db = Path(scratch) / "seesaw.duckdb"
        if argv:
            shutil.copy(argv[0], db)
        else:  # build one, untimed
            pipeline.run(db, profile, data_dir=DEFAULT_DATA_DIR, hooks=pipeline.Hooks(report=lambda *_: None))
        last = replay.ReplayData.read(db).history["obs_date"].max()
        end = pd.bdate_range(end=last, periods=1)[0].date()
        start = pd.bdate_range(end=end, periods=days)[0].date()
        started = time.perf_counter()
        summary = replay.run(db, profile, start, end, "B")
        per_day = (time.perf_counter() - started) / max(1, len(summary.written))
        started = time.perf_counter()
        pipeline.recompute_as_of(db, profile, end, Path(scratch) / "scratch.duckdb")
        baseline = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"replay {start}..{end}: {len(summary.written)} days, {per_day:.2f} s per day "
          f"(target {TARGET_SECONDS_PER_DAY:.0f} s); baseline from-scratch as-of recompute {baseline:.2f} s per day; "
          f"ratio {per_day / baseline:.2f}; peak memory {peak_mb:.0f} MB (target {TARGET_PEAK_MB:.0f} MB)")
    return 0 if per_day <= TARGET_SECONDS_PER_DAY and peak_mb <= TARGET_PEAK_MB else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
