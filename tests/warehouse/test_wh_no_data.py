"""A window with no data is ``no_data``, not a failure; a window whose stored data the source no
longer lists is still a failure."""
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from seesaw.sources.base import SeriesSpec, clip_range, held_span, observations
from seesaw.transforms.quality import validate_observations
from seesaw.warehouse import load as wload
from seesaw.warehouse.db import connect

DAILY = SeriesSpec("us_10y", "10y", "test", "X", "D", "percent p.a.", "yield", "US")
MONTHLY = SeriesSpec("us_pmi", "PMI", "test", "X", "M", "index", "macro", "US")
NOW = datetime(2025, 4, 1, tzinfo=UTC)


def _load(con, spec: SeriesSpec, frame: pd.DataFrame, start: date, end: date, run_id: str = "r1",
          held: tuple[date, date] | None = None) -> wload.LoadResult:
    validated = validate_observations(frame, spec.kind, NOW.date())
    return wload.load_series(con, run_id=run_id, spec=spec, validated=validated, rows_fetched=len(frame),
                             requested_start=start, requested_end=end, now=NOW, held=held)


def _ops_row(con, run_id: str) -> tuple:
    return con.execute("select status, error, rows_vanished from ops.loads where run_id = ?", [run_id]).fetchone()


def test_a_range_after_the_series_ends_is_no_data(tmp_path: Path) -> None:
    history = observations(["2018-05-01", "2018-06-01", "2018-07-01"], [58.7, 60.2, 58.1])
    fetched = clip_range(history, date(2025, 1, 1), date(2025, 3, 31))  # what a files or sample source returns
    assert fetched.empty and held_span(fetched) == (date(2018, 5, 1), date(2018, 7, 1))
    with connect(tmp_path / "w.duckdb") as con:
        result = _load(con, MONTHLY, fetched, date(2025, 1, 1), date(2025, 3, 31), held=held_span(fetched))
        assert (result.status, result.error, result.rows_vanished) == ("no_data", "ends 2018-07", 0)
        assert _ops_row(con, "r1") == ("no_data", "ends 2018-07", 0)
        # Without the source's span, the stored dates say where the data is.
        _load(con, MONTHLY, history, date(2018, 1, 1), date(2018, 12, 31), run_id="r2")
        late = _load(con, MONTHLY, history.iloc[0:0], date(2025, 1, 1), None, run_id="r3")
        early = _load(con, MONTHLY, history.iloc[0:0], date(2001, 1, 1), date(2001, 12, 31), run_id="r4")
        assert (late.status, late.error) == ("no_data", "ends 2018-07")
        assert (early.status, early.error) == ("no_data", "starts 2018-05")


def test_a_weekend_window_is_no_data_but_stored_dates_that_vanished_fail(tmp_path: Path) -> None:
    days = ["2025-03-27", "2025-03-28", "2025-03-31"]  # Thu, Fri, Mon
    with connect(tmp_path / "w.duckdb") as con:
        _load(con, DAILY, observations(days, [4.30, 4.27, 4.25]), date(2025, 3, 27), date(2025, 3, 31))
        empty = observations([], [])
        sunday = _load(con, DAILY, empty, date(2025, 3, 29), date(2025, 3, 30), run_id="weekend")
        assert (sunday.status, sunday.error) == ("no_data", "no dates in range")
        vanished = _load(con, DAILY, empty, date(2025, 3, 28), date(2025, 3, 31), run_id="vanished")
        assert _ops_row(con, "vanished") == ("failed", "no valid observations in the fetched range;"
                                                       " 2 stored dates there kept", 2)
        assert vanished.status == "failed"
        assert con.execute("select count(*) from core.observations").fetchone()[0] == 3  # nothing removed


def test_a_fetch_whose_every_row_is_rejected_still_fails(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        result = _load(con, DAILY, observations(["2025-03-28"], ["n/a"]), date(2025, 3, 28), date(2025, 3, 28))
        assert (result.status, result.rows_rejected) == ("failed", 1)
