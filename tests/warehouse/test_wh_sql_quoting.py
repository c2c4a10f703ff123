"""Paths and manifest text reach SQL only quoted or validated: a warehouse path with a quote
replays, and a tampered snapshot manifest is refused instead of run."""
from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest

from seesaw import pipeline
from seesaw.sources.catalog import load_profile
from seesaw.warehouse.db import connect
from seesaw.warehouse.snapshot import SnapshotError, open_snapshot, publish_snapshot, snapshot_link


def test_replay_of_a_warehouse_whose_path_has_quotes(tmp_path: Path) -> None:
    folder = tmp_path / "o'brien's data"
    folder.mkdir()
    db = folder / "it's.duckdb"
    with connect(db) as con:
        con.execute("insert into core.series values ('us_aaa', 'AAA', 'sample', 'AAA', 'M', 'percent p.a.',"
                    " 'yield', 'US', null, now())")
        con.execute("insert into core.observations select 'us_aaa', date '2000-01-01' + to_months(i::integer),"
                    " 7 + i / 100, null, 'run-1' from range(36) t(i)")
    scratch = tmp_path / "scratch.duckdb"
    pipeline.recompute_as_of(db, load_profile("sample"), date(2001, 6, 30), scratch)
    with connect(scratch, read_only=True) as con:
        assert con.execute("select count(*), max(obs_date) from core.observations").fetchone() == (18, date(2001, 6, 1))
        assert con.execute("select series_id from core.series").fetchall() == [("us_aaa",)]


@pytest.fixture
def published(tmp_path: Path) -> Path:
    db = tmp_path / "seesaw.duckdb"
    with connect(db) as con:
        con.execute("insert into results.correlations"
                    " (market, asset_a, asset_b, basis, method, freq, window_size, obs_date, corr, t_stat, p_value, n)"
                    " select 'US', 'us_spx', 'us_10y', 'bond_return', 'rolling',"
                    " 'M', 36, date '2000-01-31', 0.5, null, null, 36")
        publish_snapshot(con, db, run_id="run-1")
    return db


def _tamper(db: Path, change) -> None:
    manifest_path = Path(os.path.realpath(snapshot_link(db))) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    change(manifest["tables"]["results.correlations"])
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")


def test_snapshot_opens_with_the_warehouse_types(published: Path) -> None:
    with open_snapshot(published) as con:
        assert con.execute("select typeof(obs_date), corr from results.correlations").fetchone() == ("DATE", 0.5)


@pytest.mark.parametrize("column_type", [
    "VARCHAR) as \"market\", (select content from read_text('/etc/hostname')) as leak, cast(1 as INTEGER",
    "DOUBLE); select 1; --",
    "varchar -- lower case is not how DESCRIBE spells a type",
])
def test_crafted_manifest_column_type_is_refused(published: Path, column_type: str) -> None:
    _tamper(published, lambda table: table["columns"].__setitem__(0, ["market", column_type]))
    with pytest.raises(SnapshotError, match="column type"):
        open_snapshot(published)


def test_manifest_file_outside_the_snapshot_is_refused(published: Path) -> None:
    _tamper(published, lambda table: table.update(path="../../..", files=["seesaw.duckdb"]))
    with pytest.raises(SnapshotError, match="outside"):
        open_snapshot(published)
