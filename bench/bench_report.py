"""Benchmark: build the HTML report from a populated warehouse (target: at most 15 s, at most 5 MB).

Baseline, timed in the same run: reading every results table of the same warehouse into pandas
(what any report must at least do); the ratio is the report's own cost over that.

Usage: ``python bench/bench_report.py [WAREHOUSE]`` — without an argument a scratch warehouse is
filled with the offline ``sample`` profile first (about 30 s, not timed).
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from seesaw.reports.build import build_report
from seesaw.warehouse.snapshot import connect_for_reading

TARGET_SECONDS = 15.0
TARGET_BYTES = 5 * 1024 * 1024


def read_results_seconds(db: Path) -> float:
    """Best of 3: every ``results`` table read in full, the way the report reads (the snapshot)."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        with connect_for_reading(db) as con:
            tables = [t for (t,) in con.execute("select table_name from information_schema.tables"
                                                " where table_schema = 'results'").fetchall()]
            for table in tables:
                con.execute(f'select * from results."{table}"').df()
        best = min(best, time.perf_counter() - started)
    return best


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="seesaw-bench-report-") as scratch:
        if argv:
            db = Path(argv[0])
        else:
            from seesaw.flows.cli import main as seesaw

            # A first ephemeral Prefect server on a busy machine can take longer than the 20 s default.
            os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
            os.environ.setdefault("PREFECT_HOME", str(Path(scratch) / "prefect"))
            db = Path(scratch) / "w.duckdb"
            started = time.perf_counter()
            code = seesaw(["--db", str(db), "run", "--profile", "sample"])
            print(f"populated {db} with the sample profile in {time.perf_counter() - started:.1f} s (exit {code})")
        out = Path(scratch) / "report.html"
        runs = [build_report(db, out) for _ in range(3)]
        baseline = read_results_seconds(db)
    best = min(r.seconds for r in runs)
    size = runs[-1].size_bytes
    ok = [s for s, status, _ in runs[-1].sections if status == "ok"]
    print(f"report sections with data: {len(ok)}/{len(runs[-1].sections)} ({', '.join(ok)})")
    print(f"build_report: best of 3 {best:.2f} s (runs {', '.join(f'{r.seconds:.2f}' for r in runs)}) "
          f"vs target <= {TARGET_SECONDS:.0f} s: {'PASS' if best <= TARGET_SECONDS else 'FAIL'}")
    print(f"reading every results table (baseline, best of 3): {baseline:.2f} s; report / baseline: "
          f"{best / baseline:.1f}")
    print(f"report size: {size / 1e6:.2f} MB vs target <= {TARGET_BYTES / 1e6:.1f} MB: "
          f"{'PASS' if size <= TARGET_BYTES else 'FAIL'}")
    return 0 if best <= TARGET_SECONDS and size <= TARGET_BYTES else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
