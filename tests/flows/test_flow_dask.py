"""Fan-out on a 2-worker local Dask cluster (loopback) gives the same results as in-process."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

pytest.importorskip("prefect_dask")

TABLES = ["results.correlations", "results.returns", "results.regimes", "results.rebalancing_flows",
          "results.mc_risk"]


def _content(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        content = {t: con.execute(f"select count(*), sum(hash(x)) from {t} x").fetchone() for t in TABLES}
        content["model_fits"] = con.execute(
            "select fit_id, params, std_errors, loglik, path_end from results.model_fits order by 1").fetchall()
        return content
    finally:
        con.close()


def test_dask_task_runner_matches_serial(prefect_harness, sample_db: Path, tmp_path: Path) -> None:
    from prefect import flow

    from seesaw import pipeline
    from seesaw.flows.prefect_flows import make_task_runner, task_map
    from seesaw.sources.catalog import load_profile

    serial_db, dask_db = tmp_path / "serial.duckdb", tmp_path / "dask.duckdb"
    for db in (serial_db, dask_db):
        db.write_bytes(sample_db.read_bytes())
    profile = load_profile("sample")
    pipeline.analyze(serial_db, "serial", profile, refit=True)

    @flow(task_runner=make_task_runner("dask"))
    def analyze_on_dask() -> list[dict]:
        return pipeline.analyze(dask_db, "dask", profile, refit=True, mapper=task_map)

    outcomes = analyze_on_dask()
    assert {o["step"]: o["status"] for o in outcomes}["dcc"] in ("ok", "stale")  # the sample data ends in 2018
    assert _content(dask_db) == _content(serial_db)


def test_unknown_task_runner_is_a_clear_error() -> None:
    from seesaw.flows.prefect_flows import make_task_runner

    with pytest.raises(ValueError, match="thread, dask or dask=ADDRESS"):
        make_task_runner("ray")
