"""The notebook API (``seesaw.open``): typed frames from the published snapshot, never the live file."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import seesaw
from seesaw.api import NotInWarehouse
from seesaw.warehouse.query import QueryRefused, run_read_only
from seesaw.warehouse.snapshot import SnapshotError, publish_snapshot


@pytest.fixture(scope="module")
def wh(sample_db: Path):
    with seesaw.open(sample_db) as warehouse:
        yield warehouse


def test_import_seesaw_stays_light() -> None:
    code = "import sys, seesaw; print(sorted(m for m in ('pandas', 'duckdb', 'prefect') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_catalog_names_units_and_frequencies(wh) -> None:
    catalog = wh.catalog()
    assert catalog.loc["us_aaa", "name"] == "Moody's seasoned Aaa corporate bond yield"
    assert catalog.loc["us_aaa", ["unit", "frequency"]].tolist() == ["percent p.a.", "M"]


def test_series_is_wide_by_date_in_the_order_asked(wh, sample_db: Path) -> None:
    frame = wh.series(["us_aaa", "us_spx"], start="2018-01-01", end=date(2018, 3, 31))
    assert isinstance(frame.index, pd.DatetimeIndex) and frame.index.name == "obs_date"
    assert list(frame.columns) == ["us_aaa", "us_spx"]
    assert frame.index.min() >= pd.Timestamp("2018-01-01") and frame.index.max() <= pd.Timestamp("2018-03-31")
    expected = run_read_only(sample_db, "select obs_date, value from core.observations where series_id = 'us_spx'"
                                        " and obs_date between '2018-01-01' and '2018-03-31' order by 1")
    assert frame["us_spx"].dropna().tolist() == expected["value"].tolist()
    assert frame.loc["2018-02-01", "us_aaa"] == run_read_only(
        sample_db, "select value from core.observations where series_id = 'us_aaa' and obs_date = '2018-02-01'"
    )["value"][0]


def test_series_as_of_sees_nothing_dated_later(wh) -> None:
    known = wh.series("us_aaa", as_of="2008-12-31")
    assert known.index.max() == pd.Timestamp("2008-12-01")
    assert len(wh.series("us_aaa")) > len(known)


def test_series_as_of_mid_month_does_not_know_that_month(wh) -> None:
    """A monthly value is dated on its month's first day but known only once the month ended
    (the rule of `seesaw replay` and `report --as-of`): no look-ahead on December 15."""
    assert wh.series("us_aaa", as_of="2008-12-15").index.max() == pd.Timestamp("2008-11-01")


def test_unknown_series_and_bad_dates_are_one_line_errors(wh) -> None:
    with pytest.raises(NotInWarehouse, match="unknown series id.*: us_nope; wh.catalog"):
        wh.series(["us_aaa", "us_nope"])
    with pytest.raises(ValueError, match=r"as_of: not a date \(YYYY-MM-DD\): '2020-13-01'"):
        wh.series("us_aaa", as_of="2020-13-01")


def test_correlations_carry_names_significance_and_data_cutoff(wh, sample_db: Path) -> None:
    frame = wh.correlations(market="us", method="rolling", window=36, equity="us_spx", bond="us_aaa")
    assert isinstance(frame.index, pd.DatetimeIndex)
    assert {"equity_name", "bond_name", "corr", "p_value", "n", "data_cutoff"} <= set(frame.columns)
    assert set(frame["bond_name"]) == {"Moody's seasoned Aaa corporate bond yield"}
    stored = run_read_only(sample_db, "select obs_date, corr, p_value, n from results.correlations where"
                                      " asset_a = 'us_spx' and asset_b = 'us_aaa' and window_size = 36"
                                      " and method = 'rolling' order by obs_date")
    assert frame["corr"].tolist() == stored["corr"].tolist() and frame["n"].tolist() == stored["n"].tolist()
    assert (frame["data_cutoff"] == stored["obs_date"].max()).all()
    early = wh.correlations(market="US", equity="us_spx", bond="us_aaa", window=36, end="2010-12-31")
    assert early.index.max() <= pd.Timestamp("2010-12-31")
    assert (early["data_cutoff"] == stored["obs_date"].max()).all()  # the path's cutoff, not the filter's
    assert wh.correlations(market="CN").empty


def test_regimes_events_and_term_premia_are_dated_frames(wh) -> None:
    regimes = wh.regimes("corr_sign", "US", start="2018-01-01")
    assert isinstance(regimes.index, pd.DatetimeIndex) and len(regimes) > 0
    assert set(regimes["framework"]) == {"corr_sign"} and regimes.index.min() >= pd.Timestamp("2018-01-01")
    events, premia = wh.events(), wh.term_premia(tenor=10)  # the sample profile has neither
    assert events.empty and list(events.columns) == ["event_type", "market", "window_days", "score", "detail"]
    assert premia.empty and "term_premium_pct" in premia.columns and isinstance(premia.index, pd.DatetimeIndex)


@pytest.mark.parametrize("sql", ["delete from core.series", "select * from read_csv('/etc/passwd')",
                                 "attach 'other.duckdb' as o", "set threads = 1"])
def test_sql_has_the_guards_of_seesaw_query(wh, sql: str) -> None:
    with pytest.raises(QueryRefused):
        wh.sql(sql)
    assert wh.sql("select count(*) as n from core.series")["n"][0] == len(wh.catalog())


def _tiny_warehouse(db: Path, run_id: str, label: str) -> None:
    """A warehouse with one point-in-time table, published."""
    with duckdb.connect(str(db)) as con:
        con.execute("create schema if not exists pit")
        con.execute("create or replace table pit.regimes as select * from (values"
                    " (date '2025-04-10', 'US', 'negative'), (date '2025-04-11', 'US', ?),"
                    " (date '2025-04-14', 'US', 'positive')) t(as_of, market, label)", [label])
        publish_snapshot(con, db, schemas=("pit",), run_id=run_id)


def test_pit_reads_the_newest_day_on_or_before_as_of(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    _tiny_warehouse(db, "run-1", "insignificant")
    with seesaw.open(db) as wh:
        history = wh.pit("regimes")
        assert isinstance(history.index, pd.DatetimeIndex) and history.index.name == "as_of" and len(history) == 3
        weekend = wh.pit("regimes", as_of="2025-04-13")  # Sunday: Friday's replay
        assert weekend.index.tolist() == [pd.Timestamp("2025-04-11")] and weekend["label"].tolist() == ["insignificant"]
        assert wh.pit("regimes", as_of="2025-04-01").empty
        with pytest.raises(NotInWarehouse, match=r"no point-in-time table pit.events .*\(it has regimes\):"
                                                 r" run `seesaw replay"):
            wh.pit("events")


def test_no_pit_schema_says_to_run_replay(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"  # published before any nightly stored a pit day or a replay ran
    with duckdb.connect(str(db)) as con:
        con.execute("create schema results")
        con.execute("create table results.regimes as select 'US' as market")
        publish_snapshot(con, db, schemas=("results",), run_id="run-1")
    with seesaw.open(db) as wh, pytest.raises(NotInWarehouse, match="no point-in-time table pit.regimes in the "
                                              "snapshot of .*run `seesaw replay --start D1 --end D2` to build it$"):
        wh.pit("regimes")


def test_open_reads_one_snapshot_and_never_holds_the_warehouse_file(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    _tiny_warehouse(db, "run-1", "insignificant")
    with seesaw.open(db) as first:
        if Path("/proc/self/fd").is_dir():
            held = {os.path.realpath(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")}
            assert str(db.resolve()) not in held
        _tiny_warehouse(db, "run-2", "positive")  # a run writes and publishes while the notebook reads
        assert first.run_id == "run-1" and first.pit("regimes", as_of="2025-04-11")["label"].iloc[0] == "insignificant"
        with seesaw.open(db) as second:
            assert second.run_id == "run-2"
            assert second.pit("regimes", as_of="2025-04-11")["label"].iloc[0] == "positive"


def test_no_snapshot_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="no snapshot published next to warehouse .*seesaw run"):
        seesaw.open(tmp_path / "none.duckdb")
