"""Nothing lost, nothing silently replaced: corrupted copies of FRED-shaped files, ingested
through the pipeline's own functions (as the nightly flow wires them, analyses left out), never
change or remove a stored value without saying so.

Each case loads a clean file, corrupts it, runs the nightly again and compares every stored
value; the module prints how many corrupted inputs it tried and how many stored values were lost
(the reliability table's figure).
"""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seesaw import pipeline
from seesaw.flows.cli import build_parser
from seesaw.sources.catalog import ProfileError, load_profile
from seesaw.warehouse.db import connect
from seesaw.warehouse.ops import run_checks
from support import copy_warehouse

DAYS = pd.bdate_range("2026-01-02", "2026-04-17")
HOLIDAY = pd.Timestamp("2026-01-19")  # FRED writes an empty value on market holidays
MONTHS = pd.date_range("2020-01-01", "2026-03-01", freq="MS")
PROFILE = """
profile: corrupt
description: a FRED-shaped daily yield and a monthly CPI level, as exported files
{quality}
series:
  - {{series_id: us_10y, name: 10y CMT, source: files, source_code: DGS10.csv, frequency: D,
     unit: percent p.a., kind: yield, country: US, options: {{column: DGS10}}}}
  - {{series_id: us_cpi, name: CPI, source: files, source_code: CPIAUCSL.csv, frequency: M,
     unit: index 1982-84=100, kind: macro, country: US, options: {{column: CPIAUCSL}}}}
"""
TRIED = {"cases": 0, "lost": 0}


def dgs10() -> pd.DataFrame:
    """DGS10-like rows (text, as FRED writes them): two decimals, a blank on a holiday,
    4.29 on 2026-04-09."""
    values = [f"{4.1 + 0.25 * np.sin(i / 6) + 0.01 * (i % 3):.2f}" for i in range(len(DAYS))]
    frame = pd.DataFrame({"observation_date": DAYS.strftime("%Y-%m-%d"), "DGS10": values})
    frame.loc[DAYS == HOLIDAY, "DGS10"] = ""
    frame.loc[DAYS == "2026-04-09", "DGS10"] = "4.29"
    return frame


def cpi() -> pd.DataFrame:
    """CPIAUCSL-like monthly index levels (three decimals), 2020-01..2026-03."""
    values = [f"{258.0 * 1.0028 ** i + 0.05 * (i % 4):.3f}" for i in range(len(MONTHS))]
    return pd.DataFrame({"observation_date": MONTHS.strftime("%Y-%m-%d"), "CPIAUCSL": values})


def write(data: Path, name: str, frame: pd.DataFrame) -> None:
    (data / name).write_text(frame.to_csv(index=False), encoding="utf-8")


@pytest.fixture(scope="module", autouse=True)
def clean_loads(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A folder for the module's clean loads (one per quality block), made as cases need them."""
    _ROOT[:] = [tmp_path_factory.mktemp("clean")]
    yield
    _CLEAN.clear()


class Warehouse:
    """A warehouse loaded from clean files, then fed corrupted ones through ``run``. Each case
    gets a copy (warehouse, files, profile) of the clean load of its quality block."""

    def __init__(self, tmp_path: Path, quality: str = "") -> None:
        self.data, self.db, self.profile = tmp_path / "data", tmp_path / "w.duckdb", tmp_path / "corrupt.yaml"
        clean = _CLEAN.get(quality) or _clean_load(quality)
        shutil.copytree(clean / "data", self.data)
        shutil.copy(clean / "corrupt.yaml", self.profile)
        copy_warehouse(clean / "w.duckdb", tmp_path)
        self.stored = self.core()

    def run(self, start: date | None = None) -> pipeline.RunSummary:
        """A nightly run (``seesaw.pipeline.run``, what the flow calls) from ``start`` (None: incremental)."""
        return _run(self.db, self.profile, self.data, start)

    def core(self) -> dict[tuple[str, date], float]:
        with connect(self.db) as con:
            rows = con.execute("select series_id, obs_date, value from core.observations").fetchall()
        return {(sid, d): v for sid, d, v in rows}

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with connect(self.db) as con:
            return con.execute(sql, params or []).fetchall()

    def rejects(self, run_id: str) -> list[tuple]:
        return self.query("select series_id, obs_date::varchar, raw_value, reason from ops.rejects where run_id = ?"
                          " order by all", [run_id])

    def load(self, run_id: str, series_id: str) -> tuple:
        return self.query("select status, rows_vanished, error from ops.loads where run_id = ? and series_id = ?",
                          [run_id, series_id])[0]

    def lost(self) -> int:
        """Stored values changed or removed since the clean load; counted for the figure."""
        now = self.core()
        lost = sum(1 for key, value in self.stored.items() if now.get(key) != value)
        TRIED["cases"] += 1
        TRIED["lost"] += lost
        return lost


#: The module's clean-load folder, and the clean loads made in it by quality block.
_ROOT: list[Path] = []
_CLEAN: dict[str, Path] = {}


def _clean_load(quality: str) -> Path:
    """Load the clean files with ``quality`` into a new folder of the module's clean loads."""
    clean = _ROOT[0] / f"load{len(_CLEAN)}"
    (clean / "data").mkdir(parents=True)
    (clean / "corrupt.yaml").write_text(PROFILE.format(quality=quality), encoding="utf-8")
    write(clean / "data", "DGS10.csv", dgs10())
    write(clean / "data", "CPIAUCSL.csv", cpi())
    first = _run(clean / "w.duckdb", clean / "corrupt.yaml", clean / "data", None)
    assert first.status == "ok", first.message
    _CLEAN[quality] = clean
    return clean


def _run(db: Path, profile: Path, data: Path, start: date | None) -> pipeline.RunSummary:
    """``pipeline.run`` without the HTML report: these cases are about what loads store."""
    return pipeline.run(db, load_profile(str(profile)), chunks=[(start, None)], data_dir=data,
                        hooks=pipeline.Hooks(report=lambda *_: None))


def d(text: str) -> date:
    return date.fromisoformat(text)


# --- duplicate dates -----------------------------------------------------------------------------

def test_a_date_listed_twice_with_different_values_is_rejected_and_the_stored_value_stays(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path)
    rows = dgs10()
    twice = pd.concat([rows, pd.DataFrame({"observation_date": ["2026-04-09"], "DGS10": ["4.99"]})])
    write(wh.data, "DGS10.csv", twice.sort_values("observation_date", kind="stable"))
    summary = wh.run()
    assert wh.lost() == 0
    assert wh.core()[("us_10y", d("2026-04-09"))] == 4.29
    assert wh.rejects(summary.run_id) == [("us_10y", "2026-04-09", "4.29", "duplicate_date"),
                                          ("us_10y", "2026-04-09", "4.99", "duplicate_date")]
    assert summary.status == "partial" and summary.exit_code == 2


def test_a_new_date_listed_twice_loads_neither_value(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path)
    extra = pd.DataFrame({"observation_date": ["2026-04-20", "2026-04-20"], "DGS10": ["4.31", "4.13"]})
    write(wh.data, "DGS10.csv", pd.concat([dgs10(), extra]))
    summary = wh.run()
    assert wh.lost() == 0
    assert ("us_10y", d("2026-04-20")) not in wh.core()
    assert [r[3] for r in wh.rejects(summary.run_id)] == ["duplicate_date", "duplicate_date"]


def test_a_spliced_piece_keeps_its_own_repeated_dates_for_the_loader(tmp_path: Path) -> None:
    """Later pieces still win on dates they share with earlier ones, but a date repeated inside
    one piece is not resolved by the splice: both rows reach validation and are rejected."""
    wh = Warehouse(tmp_path)
    rows = dgs10()
    old, recent = rows.iloc[:40].copy(), rows.iloc[30:]
    old.iloc[30:, 1] = old.iloc[30:, 1].where(old.iloc[30:, 1] == "", "9.99")  # shared dates: recent wins
    write(wh.data, "DGS10_old.csv", old)
    write(wh.data, "DGS10.csv", pd.concat([recent, pd.DataFrame({"observation_date": ["2026-04-09"],
                                                                 "DGS10": ["4.99"]})]))
    wh.profile.write_text(wh.profile.read_text()
                          .replace("source_code: DGS10.csv,", "source_code: DGS10_old.csv,")
                          .replace("options: {column: DGS10}",
                                   "options: {column: DGS10, splice: [{source_code: DGS10.csv, column: DGS10}]}"))
    summary = wh.run(start=date(2026, 1, 2))
    assert wh.lost() == 0
    assert [r[2:] for r in wh.rejects(summary.run_id)] == [("4.29", "duplicate_date"), ("4.99", "duplicate_date")]
    assert wh.load(summary.run_id, "us_10y")[:2] == ("partial", 0)


def test_an_identical_repeat_loads_once_without_complaint(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path)
    write(wh.data, "DGS10.csv", pd.concat([dgs10(), dgs10().tail(3)]))
    summary = wh.run()
    assert summary.status == "ok" and wh.core() == wh.stored


# --- vanished values -----------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["NaN", "", "missing row"])
def test_a_value_gone_from_the_revision_window_is_kept_counted_and_reported(tmp_path: Path, how: str) -> None:
    wh = Warehouse(tmp_path)
    rows = dgs10()
    gone = rows["observation_date"] == "2026-04-14"
    write(wh.data, "DGS10.csv",
          rows[~gone] if how == "missing row" else rows.assign(DGS10=rows["DGS10"].mask(gone, how)))
    summary = wh.run()
    assert wh.lost() == 0
    status, vanished, error = wh.load(summary.run_id, "us_10y")
    assert (status, vanished) == ("partial", 1)
    assert "1 stored dates (2026-04-14..2026-04-14) missing from the fetch: kept" in error
    assert summary.status == "partial" and summary.exit_code == 2
    assert "1 vanished" in summary.message and "incomplete fetch: us_10y" in summary.message
    assert summary.checks.set_index("check_name").loc["core_matches_raw_history", "status"] == "pass"


def test_only_an_explicit_replace_removes_a_vanished_value_and_raw_history_records_it(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path)
    rows = dgs10()
    write(wh.data, "DGS10.csv", rows[rows["observation_date"] != "2026-04-14"])
    plan = pipeline.FetchPlan(load_profile(str(wh.profile)).spec("us_10y"), date(2026, 4, 1), date(2026, 4, 17))
    fetched = [pipeline.Fetched(plan, pipeline.fetch(plan, wh.data))]
    kept = pipeline.load(wh.db, "keep", fetched)
    assert (kept[0].status, kept[0].rows_vanished) == ("partial", 1)
    assert ("us_10y", d("2026-04-14")) in wh.core()
    replaced = pipeline.load(wh.db, "replace", fetched, replace=True)
    assert (replaced[0].status, replaced[0].rows_vanished, replaced[0].error) == ("ok", 1, None)
    assert ("us_10y", d("2026-04-14")) not in wh.core()
    assert wh.query("select value from raw.observations where series_id = 'us_10y' and obs_date = '2026-04-14'"
                    " order by fetched_at") == [(wh.stored[("us_10y", d("2026-04-14"))],), (None,)]
    with connect(wh.db) as con:
        assert (run_checks(con, "after-replace", pipeline.utc_now())["status"] == "pass").all()
    # The value comes back: it is new again, and raw history says so.
    write(wh.data, "DGS10.csv", rows)
    back = pipeline.load(wh.db, "back", [pipeline.Fetched(plan, pipeline.fetch(plan, wh.data))])
    assert (back[0].status, back[0].rows_inserted) == ("ok", 1)
    assert wh.core() == wh.stored
    with connect(wh.db) as con:
        assert (run_checks(con, "after-return", pipeline.utc_now())["status"] == "pass").all()


def test_backfill_takes_replace_on_the_command_line() -> None:
    args = build_parser().parse_args(["backfill", "--start", "2026-01-01", "--end", "2026-04-17", "--replace"])
    assert args.replace is True
    assert build_parser().parse_args(["backfill", "--start", "2026-01-01", "--end", "2026-04-17"]).replace is False


def test_core_matches_raw_history_sees_deletions_both_ways(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path)
    with connect(wh.db) as con:
        con.execute("delete from core.observations where series_id = 'us_10y' and obs_date = '2026-04-14'")
        con.execute("insert into core.observations values ('us_10y', '2026-04-18', 4.5, null, 'forged')")
        checks = run_checks(con, "tampered", pipeline.utc_now()).set_index("check_name")
    assert checks.loc["core_matches_raw_history", "failing_rows"] == 2
    detail = checks.loc["core_matches_raw_history", "detail"]
    assert "2026-04-14" in detail and "raw value missing from core" in detail
    assert "2026-04-18" in detail and "current value not in raw history" in detail


# --- implausible values of macro levels ----------------------------------------------------------

@pytest.mark.parametrize(("value", "reason"), [("-5", "out_of_band"), ("0", "out_of_band"),
                                                ("99999", "out_of_band"), ("400.000", "implausible_revision"),
                                                ("250.000", "implausible_revision")])
def test_an_absurd_cpi_revision_is_rejected_and_the_stored_level_stays(tmp_path: Path, value: str,
                                                                        reason: str) -> None:
    wh = Warehouse(tmp_path)
    rows = cpi()
    write(wh.data, "CPIAUCSL.csv", rows.assign(CPIAUCSL=rows["CPIAUCSL"].mask(rows.index == len(rows) - 2, value)))
    summary = wh.run()
    assert wh.lost() == 0
    # An implausible revision's raw_value is the parsed number (the band rules keep the text).
    shown = f"{float(value):g}" if reason == "implausible_revision" else value
    assert wh.rejects(summary.run_id) == [("us_cpi", "2026-02-01", shown, reason)]
    assert summary.status == "partial"


def test_a_small_genuine_cpi_revision_loads(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path)
    rows = cpi()
    old = float(rows["CPIAUCSL"].iloc[-2])
    write(wh.data, "CPIAUCSL.csv", rows.assign(CPIAUCSL=rows["CPIAUCSL"].mask(rows.index == len(rows) - 2,
                                                                                f"{old + 0.4:.3f}")))
    summary = wh.run()
    assert summary.status == "ok"
    assert wh.core()[("us_cpi", d("2026-02-01"))] == pytest.approx(old + 0.4)


def test_a_profile_declares_its_own_bands_and_jump_limit(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path, quality="quality: {bands: {macro/index: [100, 330]}, max_revision_jump: 2}")
    rows = cpi()
    old = float(rows["CPIAUCSL"].iloc[-2])
    revised = rows["CPIAUCSL"].mask(rows.index == len(rows) - 2, f"{old + 3:.3f}")  # over 2 scales
    new = pd.DataFrame({"observation_date": ["2026-04-01"], "CPIAUCSL": ["331.000"]})  # above the band
    write(wh.data, "CPIAUCSL.csv", pd.concat([rows.assign(CPIAUCSL=revised), new]))
    summary = wh.run()
    assert wh.lost() == 0
    assert [r[3] for r in wh.rejects(summary.run_id)] == ["implausible_revision", "out_of_band"]


@pytest.mark.parametrize("quality", ["quality: {bands: {macro/index: [0]}}", "quality: {bands: {yield: [low, 9]}}",
                                     "quality: {max_revision_jump: 0}", "quality: {max_revision_jump: true}"])
def test_a_malformed_quality_block_is_a_profile_error(tmp_path: Path, quality: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(PROFILE.format(quality=quality), encoding="utf-8")
    with pytest.raises(ProfileError, match="bad.yaml: quality"):
        load_profile(str(path))


# --- truncated files -----------------------------------------------------------------------------

def test_a_file_truncated_to_60_percent_is_partial_and_keeps_every_stored_value(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path)
    rows = dgs10()
    write(wh.data, "DGS10.csv", rows.iloc[: int(len(rows) * 0.6)])
    refetch = wh.run(start=date(2026, 1, 2))  # a re-fetch of the whole range
    assert wh.lost() == 0
    status, vanished, error = wh.load(refetch.run_id, "us_10y")
    cut = DAYS[int(len(rows) * 0.6) - 1].date()
    stored_after_cut = sum(1 for sid, day in wh.stored if sid == "us_10y" and day > cut)
    assert (status, vanished) == ("partial", stored_after_cut) and "kept" in error
    assert refetch.status == "partial" and refetch.exit_code == 2
    nightly = wh.run()  # incremental: the window past the cut holds no rows at all
    assert wh.lost() == 0
    status, vanished, error = wh.load(nightly.run_id, "us_10y")
    assert status == "failed" and vanished > 0 and f"{vanished} stored dates there kept" in error
    assert nightly.status == "partial" and nightly.exit_code == 2


def test_zz_report_corrupted_inputs_tried() -> None:
    """Not a check of its own: prints the figure for the reliability table."""
    print(f"\ncorrupted-input cases tried: {TRIED['cases']}, stored values lost: {TRIED['lost']}")
    assert TRIED["cases"] > 0 and TRIED["lost"] == 0
