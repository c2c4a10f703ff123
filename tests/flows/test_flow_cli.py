"""CLI contract: read-only query, status, series, formats and exit codes."""
import json
from pathlib import Path

import pytest

from flows.cli import main, run_query


def test_query_formats(sample_db: Path, capsys) -> None:
    assert main(["--db", str(sample_db), "query", "select series_id from core.series order by 1 limit 2",
                 "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["series_id"] for r in rows] == ["gl_brent_m", "gl_wti"]
    assert main(["--db", str(sample_db), "query", "select 1 as one", "--format", "csv"]) == 0
    assert capsys.readouterr().out.split() == ["one", "1"]


@pytest.mark.parametrize("sql", [
    "delete from core.observations",
    "select 1; drop table core.series",
    "create table results.x as select 1",
    "copy core.series to 'out.csv'",
    "attach 'other.duckdb' as o",
])
def test_query_refuses_writes_and_changes_nothing(sample_db: Path, sql: str, capsys) -> None:
    count = run_query(sample_db, "select count(*) as n from core.observations")["n"][0]
    assert main(["--db", str(sample_db), "query", sql]) == 1
    assert "read-only" in capsys.readouterr().err
    assert run_query(sample_db, "select count(*) as n from core.observations")["n"][0] == count


def test_status_and_series(sample_db: Path, capsys) -> None:
    assert main(["--db", str(sample_db), "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    by_id = {s["series_id"]: s for s in status["series"]}
    assert by_id["us_aaa"]["last_date"].startswith("2018-12-01")
    assert by_id["us_aaa"]["stale"] is True  # sample data ends in 2018
    assert status["runs"][0]["status"] == "ok"
    assert main(["--db", str(sample_db), "series"]) == 0
    assert "us_ff_mkt" in capsys.readouterr().out


def test_missing_warehouse_is_a_clear_error(tmp_path: Path, capsys) -> None:
    assert main(["--db", str(tmp_path / "none.duckdb"), "status"]) == 1
    assert "seesaw run" in capsys.readouterr().err
