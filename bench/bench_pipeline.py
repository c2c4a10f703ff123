"""End-to-end pipeline benchmark: cold and warm `seesaw run --profile sample`, and bulk-load rate.

Prints measured figures against targets. Run: `.venv/bin/python bench/bench_pipeline.py`.
Targets (2-core machine): cold run <= 60 s, warm rerun <= 30 s, bulk load >= 1M rows/s; the bulk
load is also compared with a plain DuckDB append of the same rows, timed in the same run.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from seesaw.sources.base import SeriesSpec
from seesaw.transforms.quality import Validated
from seesaw.warehouse import load as wload
from seesaw.warehouse.db import connect

SEESAW = [sys.executable, "-m", "seesaw.flows.cli"]


def timed_run(db: Path, prefect_home: Path) -> float:
    env = {**os.environ, "PREFECT_HOME": str(prefect_home)}
    started = time.perf_counter()
    subprocess.run([*SEESAW, "--db", str(db), "run", "--profile", "sample"], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def bulk_load_rate(db: Path, rows: int = 2_000_000) -> tuple[float, float]:
    """Rows per second of one new 2M-row series (validation excluded): stage, diff, insert into
    raw and core (each row is written twice), commit, checkpoint; and the plain-append baseline's."""
    dates = pd.date_range("1700-01-01", periods=rows, freq="D")
    valid = pd.DataFrame({"obs_date": dates, "value": np.random.default_rng(0).normal(100, 1, rows),
                          "vintage": pd.Series(pd.NaT, index=range(rows), dtype="datetime64[ns]")})
    spec = SeriesSpec("bench_series", "bench", "bench", "-", "D", "points", "index", "XX")
    empty = pd.DataFrame({"obs_date": pd.Series(dtype="datetime64[ns]"), "raw_value": [], "reason": []})
    with connect(db) as con:
        started = time.perf_counter()
        result = wload.load_series(con, run_id="bench", spec=spec, validated=Validated(valid, empty),
                                   rows_fetched=rows, requested_start=None, requested_end=None,
                                   now=datetime.now(UTC))
        con.execute("checkpoint")
        elapsed = time.perf_counter() - started
    assert result.rows_inserted == rows, result
    return rows / elapsed, rows / plain_append_seconds(db.with_name("plain.duckdb"), valid)


def plain_append_seconds(db: Path, valid: pd.DataFrame) -> float:
    """The baseline: the same rows appended straight into two plain DuckDB tables (no staging,
    diff or history), in one transaction, then a checkpoint."""
    con = duckdb.connect(str(db))
    try:
        con.execute("create table raw_obs (obs_date date, value double, vintage date)")
        con.execute("create table core_obs (obs_date date, value double, vintage date)")
        started = time.perf_counter()
        con.execute("begin")
        con.execute("insert into raw_obs select * from valid")
        con.execute("insert into core_obs select * from valid")
        con.execute("commit")
        con.execute("checkpoint")
        return time.perf_counter() - started
    finally:
        con.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        cold = timed_run(tmp_path / "w.duckdb", tmp_path / "prefect")
        warm = timed_run(tmp_path / "w.duckdb", tmp_path / "prefect")
        rate, plain_rate = bulk_load_rate(tmp_path / "bulk.duckdb")
    print(f"{'measure':34} {'measured':>12} {'target':>12}  ok")
    for name, value, target, ok in (
        ("cold run, sample profile (s)", cold, "<= 60", cold <= 60),
        ("warm rerun, sample profile (s)", warm, "<= 30", warm <= 30),
        ("bulk load (series rows/s)", rate, ">= 1,000,000", rate >= 1_000_000),
        ("  = row writes/s (raw + core)", 2 * rate, "", True),
    ):
        print(f"{name:34} {value:12,.1f} {target:>12}  {'yes' if ok else 'NO'}")
    print(f"warm / cold: {warm / cold:.2f}; bulk load / plain DuckDB append of the same rows "
          f"({plain_rate:,.0f} rows/s, measured now): {rate / plain_rate:.2f}")
    print(f"(measured {date.today()}, {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
