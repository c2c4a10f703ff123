"""Loader contract: one transaction per series, raw keeps every revision, rejects recorded."""
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest

from seesaw.sources.base import SeriesSpec, observations
from seesaw.transforms.quality import validate_observations
from seesaw.warehouse import load as wload
from seesaw.warehouse.db import connect

SPEC = SeriesSpec("us_10y", "10y", "test", "X", "D", "percent p.a.", "yield", "US")
NOW = datetime(2024, 1, 10, tzinfo=UTC)


def _load(con, frame: pd.DataFrame, run_id: str = "r1", start=None, end=None) -> wload.LoadResult:
    validated = validate_observations(frame, SPEC.kind, date(2024, 1, 10))
    return wload.load_series(con, run_id=run_id, spec=SPEC, validated=validated, rows_fetched=len(frame),
                             requested_start=start, requested_end=end, now=NOW)


def _core(con) -> dict:
    return dict(con.execute("select obs_date, value from core.observations order by 1").fetchall())


def test_reload_is_a_no_op_and_revisions_keep_history(tmp_path: Path) -> None:
    dates = ["2024-01-02", "2024-01-03", "2024-01-04"]
    with connect(tmp_path / "w.duckdb") as con:
        wload.upsert_series(con, [SPEC], NOW)
        first = _load(con, observations(dates, [4.0, 4.1, 4.2]))
        assert (first.rows_inserted, first.rows_changed, first.status) == (3, 0, "ok")
        again = _load(con, observations(dates, [4.0, 4.1, 4.2]), run_id="r2")
        assert (again.rows_inserted, again.rows_changed) == (0, 0)
        assert con.execute("select count(*) from raw.observations").fetchone()[0] == 3
        revised = _load(con, observations(dates[1:], [4.15, 4.2]), run_id="r3", start=date(2024, 1, 3))
        assert (revised.rows_inserted, revised.rows_changed) == (0, 1)
        assert _core(con)[date(2024, 1, 3)] == 4.15
        history = con.execute("select value from raw.observations where obs_date = '2024-01-03'"
                              " order by fetched_at, value").fetchall()
        assert sorted(v for (v,) in history) == [4.1, 4.15]  # the old value stays in raw
        assert _core(con)[date(2024, 1, 2)] == 4.0  # outside the reloaded range: untouched


def test_failure_mid_load_leaves_previous_data_intact(tmp_path: Path, monkeypatch) -> None:
    dates = ["2024-01-02", "2024-01-03"]
    with connect(tmp_path / "w.duckdb") as con:
        _load(con, observations(dates, [4.0, 4.1]))
        before_core = _core(con)
        before_raw = con.execute("select count(*) from raw.observations").fetchone()[0]
        real_write = wload._write_core

        def crash_after_delete(con_, *args):
            real_write(con_, *args)  # the range is deleted and re-inserted ...
            raise OSError("disk vanished")  # ... then the process fails before commit

        monkeypatch.setattr(wload, "_write_core", crash_after_delete)
        result = _load(con, observations(dates, [9.0, 9.1]), run_id="r2")
        assert result.status == "failed" and "disk vanished" in result.error
        assert _core(con) == before_core
        assert con.execute("select count(*) from raw.observations").fetchone()[0] == before_raw
        assert con.execute("select status from ops.loads where run_id = 'r2'").fetchone()[0] == "failed"


def test_rejects_are_recorded_and_the_rest_loads(tmp_path: Path) -> None:
    frame = observations(
        ["2024-01-02", "2024-01-03", "2024-01-03", "2024-01-04", "2024-01-05", "2030-01-01", "2024-01-08"],
        ["4.0", "4.1", "4.3", "nan?", "95", "4.0", "inf"],
    )
    with connect(tmp_path / "w.duckdb") as con:
        result = _load(con, frame)
        assert result.status == "partial"
        assert _core(con) == {date(2024, 1, 2): 4.0}
        reasons = dict(con.execute("select raw_value, reason from ops.rejects").fetchall())
    assert reasons == {"4.1": "duplicate_date", "4.3": "duplicate_date", "nan?": "unparseable",
                       "95": "out_of_band", "inf": "non_finite"} | {"4.0": "future_date"}
    assert result.rows_rejected == 6


def test_rejected_date_keeps_its_previous_good_value(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        _load(con, observations(["2024-01-02", "2024-01-03"], [4.0, 4.1]))
        _load(con, observations(["2024-01-02", "2024-01-03"], [4.05, -99.0]), run_id="r2")
        assert _core(con) == {date(2024, 1, 2): 4.05, date(2024, 1, 3): 4.1}


@pytest.mark.parametrize("vintages", [["2024-01-15", "2024-02-15"]])
def test_vintages_all_kept_in_raw_current_is_latest(tmp_path: Path, vintages) -> None:
    frame = observations(["2024-01-01", "2024-01-01"], [3.0, 3.2], vintage=vintages)
    with connect(tmp_path / "w.duckdb") as con:
        _load(con, frame)
        _load(con, frame, run_id="r2")
        assert con.execute("select count(*) from raw.observations").fetchone()[0] == 2
        assert _core(con) == {date(2024, 1, 1): 3.2}


def test_plain_and_vintaged_series_load_on_one_connection(tmp_path: Path) -> None:
    other = SeriesSpec("us_cpi", "cpi", "test", "X", "M", "index", "macro", "US")
    with connect(tmp_path / "w.duckdb") as con:
        vintaged = observations(["2024-01-01", "2024-01-01"], [3.0, 3.2], vintage=["2024-01-15", "2024-02-15"])
        wload.load_series(con, run_id="r1", spec=other,
                          validated=validate_observations(vintaged, "macro", date(2024, 3, 1)),
                          rows_fetched=2, requested_start=None, requested_end=None, now=NOW)
        result = _load(con, observations(["2024-01-02"], [4.0]))
        assert result.status == "ok" and result.rows_inserted == 1
