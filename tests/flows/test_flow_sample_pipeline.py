"""The nightly pipeline on the offline sample profile: coverage, idempotency, the 1998 flip."""
from pathlib import Path

import duckdb

from seesaw.sources.catalog import load_profile
from support import run_plain


def _snapshot(db: Path) -> dict[str, tuple[int, int]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = con.execute("select table_schema || '.' || table_name from information_schema.tables "
                             "where table_schema in ('raw', 'core', 'results')").fetchall()
        return {t: con.execute(f"select count(*), coalesce(sum(hash(x)), 0) from {t} x").fetchone() for (t,) in tables}
    finally:
        con.close()


def test_catalog_and_observations_hold_every_sample_series(sample_db: Path) -> None:
    ids = {s.series_id for s in load_profile("sample").series}
    con = duckdb.connect(str(sample_db), read_only=True)
    try:
        assert {r[0] for r in con.execute("select series_id from core.series").fetchall()} == ids
        assert {r[0] for r in con.execute("select distinct series_id from core.observations").fetchall()} == ids
        first, last = con.execute("select min(obs_date), max(obs_date) from results.correlations "
                                  "where asset_a = 'us_ff_mkt' and window_size = 36").fetchone()
        failed = con.execute("select check_name from ops.checks where status <> 'pass'").fetchall()
    finally:
        con.close()
    assert 1920 <= first.year < 1940 and last.year == 2018
    assert failed == []


def test_second_run_changes_nothing(sample_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "copy.duckdb"
    db.write_bytes(sample_db.read_bytes())
    before = _snapshot(db)
    summary = run_plain(db)
    assert summary.status == "ok"
    assert sum(r.rows_inserted + r.rows_changed for r in summary.loads) == 0
    assert _snapshot(db) == before


def test_1998_flip_in_36_month_stock_bond_correlation(sample_db: Path) -> None:
    con = duckdb.connect(str(sample_db), read_only=True)
    try:
        before, after = con.execute("""
            select avg(corr) filter (where obs_date between '1966-01-01' and '1997-12-31'),
                   avg(corr) filter (where obs_date between '2000-01-01' and '2018-12-31')
            from results.correlations
            where asset_a = 'us_ff_mkt' and asset_b = 'us_aaa' and window_size = 36 and method = 'rolling'
        """).fetchone()
    finally:
        con.close()
    assert before > 0.2
    assert after <= before - 0.25


def test_missing_inputs_skip_with_a_note(tmp_path: Path) -> None:
    summary = run_plain(tmp_path / "w.duckdb", series=["us_spx"])
    notes = {a["step"]: (a["status"], a["message"]) for a in summary.analyses}
    assert notes["returns"][0] == "skipped" and "needs series" in notes["returns"][1]
    assert summary.status == "ok"
