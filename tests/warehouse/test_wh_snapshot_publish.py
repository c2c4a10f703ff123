"""Publishing and opening Parquet snapshots: same tables, types and rows as the warehouse."""
from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest

from seesaw.warehouse.db import connect, migrations
from seesaw.warehouse.snapshot import (
    MANIFEST,
    SnapshotError,
    open_snapshot,
    publish_snapshot,
    snapshot_link,
)


def _fill(db: Path, shift: int = 0) -> None:
    """A migrated warehouse with rows in core and results, including JSON and TIMESTAMPTZ columns."""
    with connect(db) as con:
        con.execute("delete from results.correlations; delete from core.observations; delete from results.model_fits")
        con.execute(f"""insert into results.correlations
            (market, asset_a, asset_b, basis, method, freq, window_size, obs_date, corr, t_stat, p_value, n)
            select 'US', 'us_spx', 'us_10y', 'bond_return', 'rolling', 'M', 36,
                   date '2000-01-31' + to_months(i::integer), sin(i + {shift}) * 0.9, 1.5, 0.2, 36
            from range(500 + {shift}) t(i)""")
        con.execute(f"""insert into core.observations
            select 'us_10y', date '1990-01-01' + i::integer, 4 + cos(i) + {shift}, null, 'run-{shift}'
            from range(3000) t(i)""")
        con.execute("""insert into results.model_fits (fit_id, model, dist, market, assets, freq, sample_start,
                sample_end, nobs, params, converged, fitted_at, state)
            values ('dcc-US', 'dcc', 't', 'US', 'us_spx,us_10y', 'W', date '2000-01-07', date '2026-04-17', 1371,
                    '{"a": 0.02, "b": 0.97}', true, timestamptz '2026-04-18 06:30:00+00', '{"version": 1}')""")


def _tables(con) -> list[str]:
    return [f"{s}.{t}" for s, t in con.execute(
        "select table_schema, table_name from information_schema.tables"
        " where table_schema in ('results', 'core') and table_type = 'BASE TABLE' order by 1, 2").fetchall()]


def test_snapshot_matches_the_warehouse(tmp_path: Path) -> None:
    db = tmp_path / "seesaw.duckdb"
    _fill(db)
    with connect(db, read_only=True) as con:
        version = publish_snapshot(con, db, run_id="20260418T063000Z-abc123")
        tables = _tables(con)
        want = {t: (con.execute(f"describe {t}").fetchall(), con.execute(f"select * from {t} order by all").fetchall())
                for t in tables}
    assert snapshot_link(db).is_symlink() and snapshot_link(db).resolve() == version
    manifest = json.loads((version / MANIFEST).read_text())
    assert manifest["run_id"] == "20260418T063000Z-abc123"
    assert manifest["schema_version"] == max(v for v, _, _ in migrations())
    assert set(manifest["tables"]) == set(tables)
    assert manifest["tables"]["results.correlations"]["rows"] == 500
    assert manifest["tables"]["core.observations"]["rows"] == 3000
    assert manifest["tables"]["results.returns"]["rows"] == 0
    for key, table in manifest["tables"].items():  # one folder per table
        assert (version / table["path"]).is_dir() and key.replace(".", "/") == table["path"]

    with open_snapshot(db) as snap:
        assert snap.manifest["created_at"] == manifest["created_at"]
        for table in tables:
            types, rows = want[table]
            assert [c[:2] for c in snap.execute(f"describe {table}").fetchall()] == [c[:2] for c in types], table
            assert snap.execute(f"select * from {table} order by all").fetchall() == rows, table
        fit = snap.execute("select params, state, fitted_at from results.model_fits").fetchone()
    assert json.loads(fit[0]) == {"a": 0.02, "b": 0.97} and json.loads(fit[1]) == {"version": 1}
    assert fit[2].isoformat() == "2026-04-18T06:30:00+00:00"


def test_old_versions_are_pruned_but_never_under_a_reader(tmp_path: Path) -> None:
    db = tmp_path / "seesaw.duckdb"
    versions = []
    for shift in range(4):
        _fill(db, shift)
        with connect(db, read_only=True) as con:
            versions.append(publish_snapshot(con, db, run_id=f"run-{shift}", grace_s=0))
    assert sorted(p.name for p in (tmp_path / "seesaw.snapshots").iterdir()) == [v.name for v in versions[-2:]]
    assert os.readlink(snapshot_link(db)) == f"seesaw.snapshots/{versions[-1].name}"

    reader = open_snapshot(db)  # reads version 3 while three more are published
    for shift in range(4, 7):
        _fill(db, shift)
        with connect(db, read_only=True) as con:
            versions.append(publish_snapshot(con, db, run_id=f"run-{shift}", grace_s=0))
    assert versions[3].is_dir()
    assert reader.execute("select count(*) from results.correlations").fetchone()[0] == 503
    with open_snapshot(db) as latest:
        assert latest.execute("select count(*) from results.correlations").fetchone()[0] == 506
    reader.close()
    with connect(db, read_only=True) as con:
        versions.append(publish_snapshot(con, db, grace_s=0))
    assert sorted(p.name for p in (tmp_path / "seesaw.snapshots").iterdir()) == [v.name for v in versions[-2:]]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary links left


def test_missing_or_foreign_snapshot_is_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "seesaw.duckdb"
    with pytest.raises(SnapshotError, match="no snapshot published next to warehouse .*seesaw run"):
        open_snapshot(db)
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("create schema results; create table results.t as select 1 as x")
    publish_snapshot(con, other, schemas=("results",))
    con.close()
    with pytest.raises(SnapshotError, match="no snapshot published next to warehouse"):
        open_snapshot(db)  # another warehouse's snapshot in the same folder is not this one's
    os.symlink(os.readlink(snapshot_link(other)), snapshot_link(db))  # a link copied by hand
    with pytest.raises(SnapshotError, match="belongs to warehouse 'other.duckdb'"):
        open_snapshot(db)
    with open_snapshot(other) as snap:
        assert snap.execute("select x from results.t").fetchall() == [(1,)]


def test_a_real_directory_in_the_way_is_not_replaced(tmp_path: Path) -> None:
    db = tmp_path / "seesaw.duckdb"
    (tmp_path / "seesaw.snapshot").mkdir()
    (tmp_path / "seesaw.snapshot" / "keep.txt").write_text("user data")
    con = duckdb.connect(str(db))
    con.execute("create schema results; create table results.t as select 1 as x")
    with pytest.raises(SnapshotError, match="not a symlink"):
        publish_snapshot(con, db)
    con.close()
    assert (tmp_path / "seesaw.snapshot" / "keep.txt").read_text() == "user data"


def test_unchanged_tables_are_hard_links_and_changed_ones_new_files(tmp_path: Path) -> None:
    """A publish reuses (hard-links) the files of every table whose rows and columns are those of
    the current version; a changed table gets a new file, and the old version's file is untouched."""
    db = tmp_path / "seesaw.duckdb"
    _fill(db)
    with connect(db, read_only=True) as con:
        first = publish_snapshot(con, db, schemas=("results", "core", "ops"), run_id="run-1", grace_s=0)
    with connect(db) as con:
        con.execute("insert into ops.runs (run_id, flow, profile, started_at, status)"
                    " values ('run-2', 'nightly', 'sample', now(), 'running')")
        con.execute("update results.correlations set corr = 0.5 where obs_date = date '2000-01-31'")
    before = (first / "results/correlations/part-0.parquet").read_bytes()
    with connect(db, read_only=True) as con:
        second = publish_snapshot(con, db, schemas=("results", "core", "ops"), run_id="run-2", grace_s=0)

    def inode(version: Path, table: str) -> int:
        return (version / table / "part-0.parquet").stat().st_ino

    for same in ("core/observations", "results/model_fits", "results/returns"):
        assert inode(second, same) == inode(first, same), same
    for changed in ("ops/runs", "results/correlations"):
        assert inode(second, changed) != inode(first, changed), changed
    assert (first / "results/correlations/part-0.parquet").read_bytes() == before
    with open_snapshot(db) as snap:
        moved = snap.execute("select corr from results.correlations where obs_date = date '2000-01-31'").fetchone()
        assert moved == (0.5,)
        assert snap.execute("select count(*) from core.observations").fetchone() == (3000,)
        assert snap.execute("select run_id from ops.runs").fetchall() == [("run-2",)]
    kept = inode(second, "core/observations")
    with connect(db, read_only=True) as con:  # older versions are pruned: the links keep the data
        third = publish_snapshot(con, db, schemas=("results", "core", "ops"), run_id="run-3", keep=1, grace_s=0)
    assert not first.exists() and not second.exists() and inode(third, "core/observations") == kept
    with open_snapshot(db) as snap:
        assert snap.execute("select count(*) from core.observations").fetchone() == (3000,)
