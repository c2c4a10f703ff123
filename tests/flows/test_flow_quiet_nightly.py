"""A nightly that finds nothing new redoes nothing a reader would see differently: it keeps the
stored pit day and the report, and publishes a snapshot whose unchanged tables are hard links of
the previous version's files; readers still see the new run."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from seesaw import pipeline, signals
from seesaw.reports.current import current_report
from seesaw.sources.catalog import load_profile
from seesaw.warehouse.db import connect
from seesaw.warehouse.snapshot import open_snapshot
from support import UNCHANGED, copy_warehouse, query


def _run(db: Path, **kwargs: object) -> tuple[pipeline.RunSummary, list[str]]:
    """A nightly with the default hooks (the report written beside the warehouse) and its progress lines."""
    said: list[str] = []
    summary = pipeline.run(db, load_profile("sample"), hooks=pipeline.Hooks(say=said.append), **kwargs)  # type: ignore[arg-type]
    assert summary.status == "ok", summary.message
    return summary, said


def _inodes(version: Path, schema: str) -> dict[str, int]:
    return {p.relative_to(version).as_posix(): p.stat().st_ino for p in (version / schema).rglob("*.parquet")}


def test_a_second_quiet_run_keeps_the_report_and_links_the_results(sample_db: Path, tmp_path: Path) -> None:
    db = copy_warehouse(sample_db, tmp_path / "w")
    first, _ = _run(db)  # nothing new, but no report or snapshot yet: both written
    assert first.report is not None and not first.report_unchanged
    stat, data = first.report.stat(), first.report.read_bytes()
    second, said = _run(db)
    assert all(a["message"].startswith(UNCHANGED) for a in second.analyses)
    assert second.report == first.report and second.report_unchanged
    assert (first.report.stat().st_mtime_ns, first.report.read_bytes()) == (stat.st_mtime_ns, data)
    assert f"report of run {first.run_id}" in data.decode()  # what it says of its run stays true
    assert any(line.strip().startswith("report unchanged") for line in said), said
    versions = [Path(p) for p in (first.published[-1], second.published[-1])]
    assert versions[0] != versions[1]
    assert _inodes(versions[1], "results") == _inodes(versions[0], "results")
    assert _inodes(versions[1], "core") == _inodes(versions[0], "core")
    runs_file = "ops/runs/part-0.parquet"
    assert _inodes(versions[1], "ops")[runs_file] != _inodes(versions[0], "ops")[runs_file]
    with open_snapshot(db) as snap:  # readers see the second run
        runs = {r for (r,) in snap.execute("select run_id from ops.runs").fetchall()}
    assert {first.run_id, second.run_id} <= runs


def test_a_quiet_run_keeps_the_pit_day_the_same_day_and_stores_a_new_day(sample_db: Path, tmp_path: Path) -> None:
    db = copy_warehouse(sample_db, tmp_path / "w")
    stored = query(db, "select as_of, run_id, stored_at from pit.dates order by as_of desc limit 1").iloc[0]
    same, said = _run(db)
    assert same.signals is None
    assert any(f"pit day {stored['as_of'].date()} unchanged" in line for line in said), said
    again = query(db, f"select run_id, stored_at from pit.dates where as_of = '{stored['as_of'].date()}'").iloc[0]
    assert (again["run_id"], again["stored_at"]) == (stored["run_id"], stored["stored_at"])

    tomorrow, _ = _run(db, now=pipeline.utc_now() + timedelta(days=1))
    assert all(a["message"].startswith(UNCHANGED) for a in tomorrow.analyses)
    day = (pipeline.utc_now() + timedelta(days=1)).date()
    assert query(db, f"select run_id from pit.dates where as_of = '{day}'")["run_id"].tolist() == [tomorrow.run_id]
    assert tomorrow.signals is not None and tomorrow.signals.as_of == day


def test_a_run_that_changed_data_since_makes_the_pit_day_and_report_stale(sample_db: Path, tmp_path: Path) -> None:
    """Any run since the stored day's or the report's own run that was not a quiet nightly (a
    backfill, a replay, a load with new rows) means both are computed again."""
    db = copy_warehouse(sample_db, tmp_path / "w")
    first, _ = _run(db)
    today = pipeline.utc_now().date()
    assert signals.stored_day_current(db, today) is not None and current_report(db) is not None
    with connect(db) as con:
        con.execute("insert into ops.runs (run_id, flow, profile, started_at, finished_at, status)"
                    " values ('later', 'backfill', 'sample', now(), now(), 'ok')")
    assert signals.stored_day_current(db, today) is None and current_report(db) is None
    with connect(db) as con:
        con.execute("update ops.runs set flow = 'nightly' where run_id = 'later'")
        con.execute("insert into ops.loads (run_id, series_id, status, loaded_at, rows_fetched, rows_inserted,"
                    " rows_changed, rows_rejected) values ('later', 'us_10y', 'ok', now(), 1, 1, 0, 0)")
    assert signals.stored_day_current(db, today) is None and current_report(db) is None
    with connect(db) as con:
        con.execute("delete from ops.loads where run_id = 'later'")
    assert signals.stored_day_current(db, today) is not None and current_report(db) is not None
