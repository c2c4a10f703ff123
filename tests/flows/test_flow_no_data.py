"""Runs over windows without data: series that ended before the window, weekend-only windows.
They are ``no_data`` loads, named in the run's message, and leave the run ok (exit 0)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from seesaw import pipeline
from seesaw.flows.cli import main
from seesaw.sources.catalog import load_profile
from support import run_plain

SERIES = ["us_spx", "us_gdp_real"]  # daily 1999–2018; quarterly, ends 2009Q3


def _loads(db: Path, run_id: str) -> dict[str, tuple[str, str | None]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("select series_id, status, error from ops.loads where run_id = ?", [run_id]).fetchall()
        return {series_id: (status, error) for series_id, status, error in rows}
    finally:
        con.close()


def test_a_weekend_only_run_is_ok_with_nothing_new(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    assert run_plain(db, series=SERIES, end=date(2015, 1, 2)).status == "ok"
    summary = run_plain(db, series=SERIES, start=date(2015, 1, 3), end=date(2015, 1, 4))  # Sat, Sun
    assert (summary.status, summary.exit_code) == ("ok", 0), summary.message
    assert summary.message.startswith("nothing new")
    assert _loads(db, summary.run_id) == {"us_spx": ("no_data", "no dates in range"),
                                          "us_gdp_real": ("no_data", "ends 2009Q3")}


def test_a_series_without_data_in_any_chunk_is_named_once(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    chunks = [(date(2015, 1, 5), date(2015, 1, 9)), (date(2015, 1, 10), date(2015, 1, 11))]  # a week, a weekend
    summary = pipeline.run(db, load_profile("sample"), flow="backfill", chunks=chunks, series=SERIES)
    assert summary.status == "ok", summary.message
    assert "1 series had no data in range: us_gdp_real (ends 2009Q3)" in summary.message
    assert [(r.series_id, r.status) for r in summary.loads] == [
        ("us_spx", "ok"), ("us_gdp_real", "no_data"), ("us_spx", "no_data"), ("us_gdp_real", "no_data")]


def test_files_backfill_of_a_range_some_series_ended_before(prefect_harness, shared_data: Path, tmp_path: Path,
                                                            capsys) -> None:
    db = tmp_path / "w.duckdb"
    code = main(["--db", str(db), "backfill", "--profile", "files", "--data-dir", str(shared_data),
                 "--start", "2025-01-01", "--end", "2025-03-31", "--chunk-days", "30",
                 "--series", "us_10y,us_zero_lw_3m"])
    out = capsys.readouterr().out
    assert code == 0, out
    con = duckdb.connect(str(db), read_only=True)
    try:
        loads = con.execute("select series_id, status, error from ops.loads").fetchall()
        run = con.execute("select status, message from ops.runs").fetchone()
    finally:
        con.close()
    assert not [row for row in loads if row[1] == "failed"]
    assert {(sid, error) for sid, status, error in loads if status == "no_data"} == {("us_zero_lw_3m", "ends 2022-12")}
    assert run[0] == "ok" and "1 series had no data in range: us_zero_lw_3m (ends 2022-12)" in run[1]
