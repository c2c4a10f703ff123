"""One production sequence, ``seesaw.pipeline.run``: the Prefect flow, the plain test path and the
fault runner all call it, so each run takes the lock, writes the report and the snapshot, and
loads the profile's tables through the table source protocol."""
from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from seesaw import pipeline
from seesaw.sources.catalog import load_profile
from seesaw.warehouse.lock import lock_holder
from support import run_plain

PROFILE = """
profile: one_and_auctions
description: one sample series and the auctions table from a TreasuryDirect export
series:
  - {{series_id: us_aaa, name: AAA, source: sample, source_code: "arch.default:AAA", frequency: M,
     unit: percent p.a., kind: yield, country: US}}
tables:
  auctions: {{source: files, source_code: {auctions}}}
"""


@pytest.fixture
def setup(shared_data: Path, tmp_path: Path) -> tuple[Path, Path, Path]:
    """A profile file, a data directory holding the real auctions export, a warehouse path."""
    data = tmp_path / "data"
    (data / "auctions").mkdir(parents=True)
    shutil.copy(shared_data / "auctions" / "data.csv", data / "auctions" / "data.csv")
    profile = tmp_path / "one.yaml"
    profile.write_text(PROFILE.format(auctions="auctions/data.csv"))
    return profile, data, tmp_path / "w.duckdb"


def _loads(db: Path, run_id: str) -> dict[str, tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("select series_id, status, rows_fetched, rows_inserted, error from ops.loads"
                           " where run_id = ?", [run_id]).fetchall()
    return {r[0]: r[1:] for r in rows}


def _run_status(db: Path, run_id: str) -> str:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select status from ops.runs where run_id = ?", [run_id]).fetchone()[0]


def test_the_plain_run_is_the_whole_production_sequence(setup) -> None:
    profile_path, data, db = setup
    stages, loaded, said = [], [], []
    hooks = pipeline.Hooks(say=said.append, stage=stages.append, loaded=lambda r: loaded.append(r.series_id))
    summary = pipeline.run(db, load_profile(str(profile_path)), data_dir=data, hooks=hooks)

    assert summary.status == "ok", summary.message
    assert stages == ["begin", "fetch", "load", "analyze", "checks", "signals", "publish", "report"]
    assert loaded == ["us_aaa", "table:auctions"]  # the table loads after the series, under a readable id
    assert summary.report == db.with_name("w.report.html") and summary.report.stat().st_size > 10_000
    assert any(Path(p).is_dir() for p in summary.published)  # the Parquet snapshot for readers
    assert said[0].startswith(f"seesaw nightly {summary.run_id}: profile one_and_auctions, 1 series")
    assert lock_holder(db) is None  # taken for the run, released after it
    status, fetched, inserted, _ = _loads(db, summary.run_id)["table:auctions"]
    assert status == "ok" and fetched == inserted > 1000

    # incremental: the table is re-fetched from its last stored date minus the revision window
    with duckdb.connect(str(db), read_only=True) as con:
        last = con.execute("select max(auction_date) from core.auctions").fetchone()[0]
    (plan,) = pipeline.plan_tables(db, load_profile(str(profile_path)), None, None, None)
    assert plan.start == last - timedelta(days=31) and plan.load_id == "table:auctions"
    again = run_plain(db, str(profile_path), data_dir=data)
    status, fetched, inserted, _ = _loads(db, again.run_id)["table:auctions"]
    assert again.status == "ok" and status == "unchanged" and fetched == inserted == 0  # its file was not read again
    assert again.report is not None and again.report.is_file()  # the plain test path writes it too


def test_a_failing_fetch_and_a_refused_table_path_fail_only_themselves(setup, tmp_path: Path) -> None:
    profile_path, data, db = setup
    profile_path.write_text(PROFILE.format(auctions="../outside.csv"))

    def fetch(plans, data_dir):
        outcomes = pipeline.fetch_serially(plans, data_dir)
        return [RuntimeError("boom") if p.load_id == "us_aaa" else o for p, o in zip(plans, outcomes, strict=True)]

    said: list[str] = []
    summary = pipeline.run(db, load_profile(str(profile_path)), data_dir=data,
                           hooks=pipeline.Hooks(say=said.append, fetch=fetch))
    assert summary.status == "partial" and summary.exit_code == 2
    loads = _loads(db, summary.run_id)
    assert loads["us_aaa"][0] == "failed" and loads["us_aaa"][3] == "RuntimeError: boom"
    assert loads["table:auctions"][0] == "failed" and "outside the data directory" in loads["table:auctions"][3]
    assert "  ! us_aaa: RuntimeError: boom" in said
    assert any(line.startswith("  ! table:auctions: SourceError: ../outside.csv: outside") for line in said)
    assert _run_status(db, summary.run_id) == "partial"


def test_an_interrupt_records_the_run_cancelled_and_releases_the_lock(setup) -> None:
    profile_path, data, db = setup
    run_ids: list[str] = []

    def stage(name: str) -> None:
        if name == "analyze":
            run_ids.append(lock_holder(db)["run_id"])
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pipeline.run(db, load_profile(str(profile_path)), data_dir=data, hooks=pipeline.Hooks(stage=stage))
    assert _run_status(db, run_ids[0]) == "cancelled"
    assert lock_holder(db) is None
    assert _loads(db, run_ids[0])["us_aaa"][0] == "ok"  # what it committed before stays


def test_the_fault_runner_runs_the_same_sequence(tmp_path: Path) -> None:
    from faults.fault_runner import SERIES, run_pipeline, write_profile

    lines: list[str] = []
    summary = run_pipeline(tmp_path / "w.duckdb", write_profile(tmp_path), say=lines.append)
    assert summary.status == "ok", summary.message
    loaded = [line for line in lines if line.startswith("loaded ")]
    assert lines[:3] == ["begin", "fetch", "load"] and loaded == [f"loaded {s}" for s in SERIES]
    assert lines[-3:] == ["publish", "report", "done ok"]
    assert summary.report is not None and summary.report.is_file()


def test_the_flow_is_a_thin_caller_of_the_same_function(prefect_harness, setup,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from seesaw.flows import prefect_flows

    profile_path, data, db = setup
    calls = []
    real = pipeline.run

    def spy(*args, **kwargs):
        calls.append(kwargs["hooks"])
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "run", spy)
    summary = prefect_flows.nightly(profile=str(profile_path), db=str(db), data_dir=str(data))
    assert summary.status == "ok", summary.message
    (hooks,) = calls
    assert hooks.fetch is prefect_flows.fetch_as_tasks and hooks.fan_out is prefect_flows.task_map
    assert hooks.report is prefect_flows.report_with_artifact
    assert {r.series_id for r in summary.loads} == {"us_aaa", "table:auctions"}
    assert summary.report is not None and summary.report.is_file()
