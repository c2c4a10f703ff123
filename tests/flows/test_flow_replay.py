"""``seesaw replay``: point-in-time history in ``pit``, no look-ahead, idempotent, resumable, and
equal to what a nightly run advanced day by day would have said."""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from seesaw import pipeline, replay
from seesaw.analyses.core import serial_map
from seesaw.sources.catalog import load_profile
from seesaw.transforms.pit import PIT_TABLES, changes, history_frame, known_on, latest_rows, replay_dates, summarize
from seesaw.warehouse.db import connect

DAYS = (date(2018, 1, 30), date(2018, 1, 31))


def test_replay_dates_business_days_week_ends_and_month_ends() -> None:
    assert replay_dates(date(2025, 4, 10), date(2025, 4, 15), "B") == [
        date(2025, 4, 10), date(2025, 4, 11), date(2025, 4, 14), date(2025, 4, 15)]
    assert replay_dates(date(2025, 4, 1), date(2025, 4, 20), "W") == [date(2025, 4, 4), date(2025, 4, 11),
                                                                      date(2025, 4, 18)]
    assert replay_dates(date(2025, 1, 15), date(2025, 6, 1), "M") == [
        date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31), date(2025, 4, 30), date(2025, 5, 30)]
    assert replay_dates(date(2025, 4, 1), date(2025, 4, 17), "W") == [date(2025, 4, 4), date(2025, 4, 11)]
    with pytest.raises(ValueError, match="before start"):
        replay_dates(date(2025, 2, 1), date(2025, 1, 1), "B")


def test_known_on_waits_for_the_period_end_and_the_vintage() -> None:
    rows = pd.DataFrame({
        "series_id": ["d", "d", "m", "m", "v", "v", "v"],
        "obs_date": ["2025-04-14", "2025-04-15", "2025-03-01", "2025-04-01", "2025-03-01", "2025-03-01", "2025-02-01"],
        "value": [1.0, 2.0, 10.0, 11.0, 5.0, 5.5, 4.0],
        "vintage": [None, None, None, None, "2025-04-15", "2025-05-15", "2025-03-14"],
        "fetched_at": pd.Timestamp("2025-06-01", tz="UTC")})
    history = history_frame(rows, {"d": "D", "m": "M", "v": "M"})
    on = known_on(history, date(2025, 4, 14)).set_index(["series_id", "obs_date"])["value"]
    assert on.to_dict() == {("d", pd.Timestamp("2025-04-14")): 1.0, ("m", pd.Timestamp("2025-03-01")): 10.0,
                            ("v", pd.Timestamp("2025-02-01")): 4.0}  # March of v not released until 04-15
    later = known_on(history, date(2025, 5, 20)).set_index(["series_id", "obs_date"])["value"]
    assert later[("m", pd.Timestamp("2025-04-01"))] == 11.0  # April known once April ended
    assert later[("v", pd.Timestamp("2025-03-01"))] == 5.5  # the revised vintage


def test_latest_rows_and_changes_between_two_days() -> None:
    regimes = pd.DataFrame({"framework": ["pring"] * 2, "market": ["US"] * 2, "obs_date": [date(2025, 2, 28),
                           date(2025, 3, 31)], "label": ["stage 2", "stage 3"], "detail": None, "run_start": None})
    old = summarize({"regimes": regimes.iloc[:1]}, date(2025, 3, 28))
    new = summarize({"regimes": regimes}, date(2025, 3, 31))
    assert new["regimes"]["label"].tolist() == ["stage 3"] and new["regimes"]["stale"].tolist() == [False]
    assert set(new) == {t.name for t in PIT_TABLES}
    diff = changes(old, new)
    assert diff[["kind", "what", "before", "after"]].values.tolist() == [["regime", "pring", "stage 2", "stage 3"]]


def test_latest_rows_is_the_newest_row_per_key_ties_and_missing_values_included() -> None:
    """Against its definition: sort by the keys and the date (stable, missing first), keep the
    last row per key. Random keys with missing values, dates with ties and missing dates."""
    rng = np.random.default_rng(7)
    for _ in range(50):
        n = int(rng.integers(1, 300))
        frame = pd.DataFrame({
            "market": rng.choice(np.array(["US", "CN", None], dtype=object), n),
            "window": rng.choice([12.0, 36.0, np.nan], n),
            "obs_date": pd.to_datetime(rng.integers(0, 40, n), unit="D", origin="2020-01-01")
                          .where(rng.random(n) > 0.1),
            "row": np.arange(n)})
        for keys in (("market", "window"), ("market",), ()):
            ordered = frame.sort_values([*keys, "obs_date"], kind="stable", na_position="first")
            expected = (ordered.drop_duplicates(list(keys), keep="last") if keys else ordered.tail(1))
            pd.testing.assert_frame_equal(latest_rows(frame, keys, "obs_date"), expected.reset_index(drop=True))


@pytest.fixture(scope="module")
def replayed(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sample warehouse with two replayed days (the second after a simulated kill),
    without the pit day its nightly stored."""
    db = tmp_path_factory.mktemp("replay") / "seesaw.duckdb"
    shutil.copy(sample_db, db)
    with duckdb.connect(str(db)) as con:
        for (table,) in con.execute("select table_name from duckdb_tables() where schema_name = 'pit'").fetchall():
            con.execute(f"delete from pit.{table}")
    profile = load_profile("sample")
    calls = []

    def dies_second_time(fn, items):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return serial_map(fn, items)

    with pytest.raises(KeyboardInterrupt):
        replay.run(db, profile, DAYS[0], DAYS[1], mapper=dies_second_time, batch_days=1)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select as_of from pit.dates").fetchall() == [(DAYS[0],)]
        assert con.execute("select status from ops.runs where flow = 'replay'").fetchall() == [("cancelled",)]
    resumed = replay.run(db, profile, DAYS[0], DAYS[1])
    assert resumed.skipped == [DAYS[0]] and resumed.written == [DAYS[1]] and resumed.status == "ok"
    return db


def _counts(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        names = [r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'pit'"
                                           " order by 1").fetchall()]
        return {n: con.execute(f"select count(*) from pit.{n}").fetchone()[0] for n in names}  # type: ignore[index]


def test_no_pit_row_uses_an_observation_after_its_day(replayed: Path) -> None:
    with duckdb.connect(str(replayed), read_only=True) as con:
        for table in PIT_TABLES:
            assert con.execute(f"select count(*) from pit.{table.name} where as_of is null").fetchone() == (0,)
            if table.date_column:
                late = con.execute(f"select count(*) from pit.{table.name} where {table.date_column} > as_of")
                assert late.fetchone() == (0,), table.name
        # inputs were truncated: no input's last observation is after the day, and the monthly
        # pairs' January (stamped 2018-01-01 in core) is used only once January has ended
        assert con.execute("select count(*) from pit.cutoffs where series_last_date > as_of").fetchone() == (0,)
        monthly = con.execute("select as_of, max(obs_date), min(obs_date) from pit.correlations_latest"
                              " where freq = 'M' group by 1 order by 1").fetchall()
        assert monthly == [(DAYS[0], date(2017, 12, 31), date(2017, 12, 31)), (DAYS[1], DAYS[1], DAYS[1])]
        assert con.execute("select count(*) from pit.regimes").fetchone()[0] > 0  # type: ignore[index]
        assert con.execute("select count(distinct as_of) from pit.analyses").fetchone() == (2,)


def test_rerun_is_idempotent_and_replace_recomputes(replayed: Path) -> None:
    before = _counts(replayed)
    again = replay.run(replayed, load_profile("sample"), DAYS[0], DAYS[1])
    assert again.written == [] and again.skipped == list(DAYS)
    replaced = replay.run(replayed, load_profile("sample"), DAYS[1], DAYS[1], replace=True)
    assert replaced.written == [DAYS[1]]
    assert _counts(replayed) == before


def test_clear_errors(replayed: Path) -> None:
    profile = load_profile("sample")
    with pytest.raises(replay.ReplayError, match="no observation .* known on or before 1900-01-02"):
        replay.run(replayed, profile, date(1900, 1, 2), date(1900, 1, 5))
    with pytest.raises(ValueError, match="before start"):
        replay.run(replayed, profile, DAYS[1], DAYS[0])


def _results(db: Path) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t.source: con.execute(f"select * from results.{t.source}").df() for t in PIT_TABLES}


def _assert_same(a: pd.DataFrame, b: pd.DataFrame, name: str) -> None:
    assert len(a) == len(b), name
    for column in sorted(set(a.columns) & set(b.columns)):
        x, y = a[column].reset_index(drop=True), b[column].reset_index(drop=True)
        numeric = pd.api.types.is_numeric_dtype
        if numeric(x) and numeric(y) and not pd.api.types.is_bool_dtype(x):
            np.testing.assert_allclose(x.to_numpy(float), y.to_numpy(float), rtol=0, atol=1e-9,
                                       err_msg=f"{name}.{column}")
        else:
            def norm(s: pd.Series) -> list[object]:
                return [None if v is None or (not isinstance(v, str) and pd.isna(v)) else
                        pd.Timestamp(v) if hasattr(v, "year") else v for v in s]
            assert norm(x) == norm(y), f"{name}.{column}"


def test_a_nightly_advanced_day_by_day_equals_the_from_scratch_replay(sample_db: Path, tmp_path: Path) -> None:
    """Property over sample days D: the warehouse holding what was known on D−1, analysed, then
    given D's new observations and analysed again (models refitted), has the same latest rows as
    the in-memory from-scratch computation as of D."""
    profile = load_profile("sample")
    data = replay.ReplayData.read(sample_db)
    db = tmp_path / "nightly.duckdb"
    with duckdb.connect(str(sample_db), read_only=True) as src:
        catalog = src.execute("select * from core.series").df()
    previous = date(2018, 1, 26)
    for day in (previous, *DAYS):  # Friday, then Tuesday after a Monday gap, then the next day
        known = data.day(profile, day).observations.assign(vintage=None, run_id="test")
        with connect(db) as con:  # migrations, then the observations known that day
            con.execute("delete from core.series")
            con.register("cat", catalog)
            con.execute("insert into core.series select * from cat")
            con.register("obs", known)
            con.execute("delete from core.observations")
            con.execute("insert into core.observations by name select * from obs")
        pipeline.analyze(db, f"nightly-{day}", profile, refit=True, now=replay.replay_time(day))
        if day == previous:
            continue
        nightly = summarize(_results(db), day)
        scratch = replay.compute_day(data.day(profile, day)).tables
        for table in PIT_TABLES:
            if table.name != "cutoffs":
                _assert_same(nightly[table.name], scratch[table.name], table.name)


def test_a_replay_publishes_pit_for_notebooks(replayed: Path) -> None:
    """Readers never open the warehouse: the replay's pit rows reach them through the snapshot."""
    import seesaw

    wh = seesaw.open(replayed)
    history = wh.pit("regimes")
    assert sorted(set(history.index.date)) == list(DAYS)
    assert (wh.pit("correlations_latest", as_of=DAYS[0]).index.date == DAYS[0]).all()


def test_days_computed_in_lanes_equal_each_day_computed_alone(sample_db: Path, tmp_path: Path) -> None:
    """A replay's lanes reuse fits across days (the memo, the DCC calendar's fits); the rows are
    exactly those of each day computed alone from its known data and its anchor day's DCC fit, and
    on an anchor day (a Monday: 7-day calendar from 1970-01-05) those of a refit on the day."""
    profile = load_profile("sample")
    db = tmp_path / "seesaw.duckdb"
    shutil.copy(sample_db, db)
    days = replay_dates(date(2018, 1, 26), date(2018, 2, 2), "B")  # across a month end and an anchor
    assert replay.dcc_anchor(date(2018, 1, 29), 7) == date(2018, 1, 29)
    assert replay.dcc_anchor(date(2018, 1, 28), 7) == date(2018, 1, 22)
    assert replay.dcc_anchor(date(2018, 1, 28), 0) == date(2018, 1, 28)
    replay.run(db, profile, days[0], days[-1], replace=True, batch_days=6, lanes=2)  # lanes of 3 days
    data = replay.ReplayData.read(db)
    with duckdb.connect(str(db), read_only=True) as con:
        stored = {t.name: con.execute(f"select * from pit.{t.name} order by all").df() for t in PIT_TABLES}
    for day in days:
        alone = replay.compute_day(data.day(profile, day, replay.DccCalendar(data, profile).dcc_fits(day))).tables
        if day == date(2018, 1, 29):
            refit = replay.compute_day(data.day(profile, day)).tables
            _assert_same(alone["correlations_latest"], refit["correlations_latest"], "anchor day")
        for table in PIT_TABLES:
            mine = stored[table.name]
            mine = mine[pd.to_datetime(mine["as_of"]).dt.date == day].drop(columns=["as_of"], errors="ignore")
            theirs = alone[table.name]
            columns = [c for c in mine.columns if c in theirs.columns]
            _assert_same(mine[columns].sort_values(columns, ignore_index=True),
                         theirs[columns].sort_values(columns, ignore_index=True), f"{table.name} {day}")
