"""``seesaw query`` reads and nothing else: a catalogue of bypass attempts through the real CLI.

Each attempt must exit 1 with one ``error:`` line on stderr and leave the warehouse file's bytes,
the folder around it (warehouse, snapshot, a decoy file) and DuckDB's extension folder unchanged.
Both read paths are tried: the warehouse file itself (before any snapshot is published), and the
published Parquet snapshot (what readers use once there is one).
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from seesaw.flows.cli import main
from seesaw.warehouse.db import connect
from seesaw.warehouse.query import lock_down, run_read_only
from seesaw.warehouse.snapshot import open_snapshot, publish_snapshot

REPO = Path(__file__).resolve().parents[2]
DECOY = "decoy.txt"

#: (name, SQL); ``{dir}`` is the warehouse's folder, ``{db}`` the warehouse file.
BYPASSES = [
    ("copy to file", "copy core.series to '{dir}/x.csv'"),
    ("copy query to parquet", "copy (select 1 as x) to '{dir}/x.parquet' (format parquet)"),
    ("copy over the warehouse", "copy (select 'x' as x) to '{db}' (format csv)"),
    ("copy from file", "copy core.series from '/etc/passwd'"),
    ("export database", "export database '{dir}/dump'"),
    ("import database", "import database '{dir}'"),
    ("attach file", "attach '{dir}/other.duckdb' as other"),
    ("attach memory", "attach ':memory:' as scratch"),
    ("detach", "detach seesaw"),
    ("install extension", "install httpfs"),
    ("install from repository", "force install spatial from 'http://127.0.0.1:9'"),
    ("load extension", "load httpfs"),
    ("load extension file", "load '{dir}/evil.duckdb_extension'"),
    ("set external access", "set enable_external_access = true"),
    ("reset lock", "reset lock_configuration"),
    ("set threads", "set threads = 1"),
    ("set search path", "use core"),
    ("pragma with assignment", "pragma threads = 1"),
    ("pragma profiling output", "pragma profiling_output = '{dir}/profile.json'"),
    ("pragma enable profiling", "pragma enable_profiling"),
    ("call", "call pragma_version()"),
    ("checkpoint", "checkpoint"),
    ("force checkpoint", "force checkpoint"),
    ("vacuum", "vacuum"),
    ("create secret", "create secret s (type s3, key_id 'k', secret 'v')"),
    ("two statements", "select 1; drop table core.series"),
    ("read then copy", "select 1; copy (select 1) to '{dir}/y.csv'"),
    ("write after a comment", "select 1 -- just a read\n; delete from core.observations"),
    ("write behind a comment", "/* select */ update core.series set name = 'x'"),
    ("write behind a line comment", "-- select 1\ndrop table core.series"),
    ("delete in a CTE", "with doomed as (select 1) delete from core.observations"),
    ("insert in a CTE", "with again as (select 1) insert into core.series select * from core.series"),
    ("update returning", "update core.series set name = 'x' returning *"),
    ("create table as", "create table results.x as select 1 as x"),
    ("create temp table", "create temp table t as select 1 as x"),
    ("create macro", "create macro leak() as 1"),
    ("delete", "delete from core.observations"),
    ("explain analyze copy", "explain analyze copy (select 'x' as x) to '{dir}/z.csv' (format csv)"),
    ("explain analyse delete", "explain analyse delete from core.observations"),
    ("explain analyze insert", "explain analyze insert into core.series select * from core.series"),
    ("explain analyze create", "explain analyze create table results.y as select 1 as y"),
    ("explain (analyze) export", "explain (analyze) export database '{dir}/dump2'"),
    ("explain (analyze, format) copy", "explain (analyze, format json) copy (select 1) to '{dir}/j.csv'"),
    ("explain analyze behind a comment", "explain /* plain */ analyze copy (select 1) to '{dir}/c.csv'"),
    ("plain explain of a write", "explain copy (select 1) to '{dir}/e.csv'"),
    ("read_csv outside", "select * from read_csv('/etc/passwd')"),
    ("read_text outside", "select * from read_text('/etc/passwd')"),
    ("read_text beside the warehouse", "select * from read_text('{dir}/" + DECOY + "')"),
    ("read_blob the warehouse", "select * from read_blob('{db}')"),
    ("read_blob prefect database", "select * from read_blob('.prefect/prefect.db')"),
    ("read_json outside", "select * from read_json_auto('/etc/passwd')"),
    ("read_parquet outside", "select * from read_parquet('{dir}/snapshot/../other.parquet')"),
    ("glob", "select * from glob('/etc/*')"),
    ("glob the warehouse folder", "select * from glob('{dir}/*')"),
    ("file as table", "from '/etc/passwd'"),
    ("query() of a file read", "select * from query('select * from read_csv(''/etc/passwd'')')"),
    ("summarize a file", "summarize select * from read_csv('/etc/passwd')"),
    ("describe a file", "describe select * from read_text('/etc/passwd')"),
    ("pivot a file", "pivot (select * from read_csv('/etc/passwd')) on column0 using count(*)"),
    ("getenv", "select getenv('HOME')"),
    ("httpfs auto-load", "select * from read_parquet('https://127.0.0.1:9/x.parquet')"),
    ("spatial auto-load", "select st_point(1, 2)"),
    ("sqlite auto-load", "select * from sqlite_scan('{dir}/x.db', 't')"),
    ("not SQL", "select from where"),
]

#: Read path -> what ``current_database()`` says there.
READ_PATHS = {"warehouse": "seesaw", "snapshot": "memory"}


def _build(folder: Path, publish: bool) -> Path:
    """A small warehouse with one correlation series and a decoy file beside it."""
    db = folder / "seesaw.duckdb"
    with connect(db) as con:
        con.execute("""insert into results.correlations
                (market, asset_a, asset_b, basis, method, freq, window_size, obs_date, corr, t_stat, p_value, n)
            select 'US', 'us_spx', 'us_10y', 'bond_return', 'rolling', 'M', 36,
                   date '2000-01-31' + to_months(i::integer), cos(i) * 0.8, null, null, 36 from range(24) t(i)""")
        if publish:
            publish_snapshot(con, db, run_id="run-1")
    (folder / DECOY).write_text("not for queries\n", encoding="utf-8")
    return db


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Read path -> a warehouse read that way (never published, published), checked to be."""
    found = {"warehouse": _build(tmp_path_factory.mktemp("unpublished"), publish=False),
             "snapshot": _build(tmp_path_factory.mktemp("published"), publish=True)}
    for path, db in found.items():
        assert run_read_only(db, "select current_database() as db")["db"][0] == READ_PATHS[path]
    return found


@pytest.fixture(params=list(READ_PATHS))
def warehouse(request: pytest.FixtureRequest, warehouses: dict[str, Path]) -> Path:
    return warehouses[request.param]


def _state(db: Path) -> tuple[str, list[tuple[str, int]], list[str]]:
    """The warehouse's hash, every path (and size) under its folder, and DuckDB's extension folder."""
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    listing = sorted((str(p.relative_to(db.parent)), p.lstat().st_size) for p in db.parent.rglob("*"))
    extensions = Path.home() / ".duckdb"
    return digest, listing, sorted(str(p) for p in extensions.rglob("*")) if extensions.exists() else []


def _query(db: Path, sql: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, list[str]]:
    capsys.readouterr()
    code = main(["--db", str(db), "query", sql])
    out, err = capsys.readouterr()
    return code, out, err.splitlines()


@pytest.mark.parametrize(("name", "sql"), BYPASSES, ids=[name for name, _ in BYPASSES])
def test_bypass_is_refused_and_changes_nothing(warehouse: Path, name: str, sql: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    before = _state(warehouse)
    code, out, err = _query(warehouse, sql.format(dir=warehouse.parent, db=warehouse), capsys)
    assert code == 1, f"{name}: exit {code}, printed {out[:200]!r}"
    assert len(err) == 1 and err[0].startswith("error: "), err
    assert "not for queries" not in out + err[0] and "root:" not in out + err[0]
    assert _state(warehouse) == before


def test_catalogue_covers_the_classes_of_bypass() -> None:
    assert len(BYPASSES) >= 30
    words = " ".join(sql.lower() for _, sql in BYPASSES)
    for needed in ("copy", "export", "attach", "install", "load", "set ", "reset", "pragma", "call", "checkpoint",
                   "; ", "with ", "/*", "explain analyze", "read_csv", "read_text", "read_blob", "glob",
                   "read_parquet", "getenv", "https://"):
        assert needed in words, needed


def test_reads_still_work(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = _state(warehouse)
    reads = {
        "select count(*) as n, round(sum(corr), 6) as total from results.correlations": "24",
        "describe results.correlations": "window_size",
        "show tables": "correlations",
        "show all tables": "model_fits",
        "summarize results.correlations": "approx_unique",
        "pivot results.correlations on freq using count(*) as n group by market": "US",
        "pivot results.correlations on freq in ('M') using count(*) group by market": "24",
        "explain select * from results.correlations": "physical_plan",
        "select current_setting('enable_external_access') as external_access": "False",
        "/* a comment; with a semicolon */ from results.correlations limit 1 -- trailing\n;": "us_spx",
    }
    for sql, expected in reads.items():
        code, out, err = _query(warehouse, sql, capsys)
        assert code == 0 and not err, (sql, err)
        assert expected in out, (sql, out[:300])
    assert _state(warehouse) == before


def test_show_tables_lists_the_warehouse_tables(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _query(warehouse, "show tables", capsys)
    assert code == 0
    rows = {tuple(line.split()[:2]) for line in out.splitlines()[1:]}
    assert {("results", "correlations"), ("core", "observations"), ("core", "series")} <= rows


def test_refused_in_a_separate_process(warehouses: dict[str, Path]) -> None:
    """The command as a user runs it: the original report's file write is refused."""
    warehouse = warehouses["snapshot"]
    target = warehouse.parent / "written.csv"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for sql in (f"EXPLAIN ANALYZE COPY (select 'x' as x) TO '{target}' (format csv)",
                "select * from read_csv('/etc/passwd')"):
        done = subprocess.run([sys.executable, "-m", "seesaw.flows.cli", "--db", str(warehouse), "query", sql],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert not done.stdout and not target.exists()
    done = subprocess.run([sys.executable, "-m", "seesaw.flows.cli", "--db", str(warehouse), "query",
                           "select count(*) as n from results.correlations", "--format", "csv"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.split() == ["n", "24"], done.stderr


def test_locked_down_warehouse_connection_holds_without_the_statement_check(warehouses: dict[str, Path]) -> None:
    """The connection guard alone (SQL sent straight to DuckDB) cannot write, not even the warehouse."""
    warehouse = warehouses["warehouse"]
    before = _state(warehouse)
    with connect(warehouse, read_only=True) as con:
        lock_down(con)
        for sql in (f"copy (select 'x' as x) to '{warehouse}' (format csv)",
                    f"copy results.correlations to '{warehouse.parent / 'straight.csv'}'",
                    f"select * from read_blob('{warehouse}')", "set lock_configuration = false"):
            with pytest.raises(duckdb.Error):
                con.execute(sql)
        assert con.execute("select count(*) from results.correlations").fetchone() == (24,)
    assert _state(warehouse) == before


def test_locked_down_snapshot_connection_holds_without_the_statement_check(warehouses: dict[str, Path]) -> None:
    """On the snapshot only its Parquet files stay reachable."""
    warehouse = warehouses["snapshot"]
    before = _state(warehouse)
    with open_snapshot(warehouse) as con:
        lock_down(con, con.files)
        for sql in (f"copy results.correlations to '{warehouse.parent / 'straight.csv'}'",
                    f"select * from read_text('{warehouse.parent / DECOY}')", "set enable_external_access = true"):
            with pytest.raises(duckdb.Error):
                con.execute(sql)
        assert con.execute("select count(*) from results.correlations").fetchone() == (24,)
    assert _state(warehouse) == before
