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


def test_replay_on_a_dask_scheduler_given_by_address_equals_the_serial_replay(prefect_harness, sample_db: Path,
                                                                            tmp_path: Path) -> None:
    """The replay flow with ``task_runner="dask=ADDRESS"`` against a real scheduler on loopback
    (which the CLI's check finds answering; Prefect ships the replay's lanes to its workers): the
    same pit rows as the replay computed in this process."""
    import shutil
    from datetime import date

    from distributed import LocalCluster

    from seesaw import replay
    from seesaw.flows import prefect_flows
    from seesaw.flows.cli import _check_task_runner
    from seesaw.sources.catalog import load_profile

    start, end = date(2018, 2, 1), date(2018, 2, 2)
    serial_db, dask_db = tmp_path / "serial" / "w.duckdb", tmp_path / "dask" / "w.duckdb"
    for db in (serial_db, dask_db):
        db.parent.mkdir()
        shutil.copy(sample_db, db)
    replay.run(serial_db, load_profile("sample"), start, end, replace=True)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        runner = f"dask={cluster.scheduler_address}"
        _check_task_runner(runner)  # answers: no error
        summary = prefect_flows.replay(start=start, end=end, profile="sample", db=str(dask_db), replace=True,
                                       task_runner=runner)
    assert summary.status == "ok" and summary.written == [start, end]

    def pit(db: Path) -> dict[str, list[tuple]]:
        with duckdb.connect(str(db), read_only=True) as con:
            names = [r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'pit'"
                                               " and table_name not in ('dates', 'analyses') order by 1").fetchall()]
            return {n: con.execute(f"select * from pit.{n} order by all").fetchall() for n in names}

    assert pit(dask_db) == pit(serial_db)
