"""``publish_postgres`` against a real PostgreSQL server started on loopback by the fixture
(``tests/postgres_server.py``; skipped cleanly when the server binaries are absent).
"""
from __future__ import annotations

import json
import math
import secrets
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from seesaw.warehouse.db import connect
from seesaw.warehouse.publish import PublishError, postgres_type, publish_postgres, redact

psycopg = pytest.importorskip("psycopg")


def _pg(url: str):
    return psycopg.connect(url, autocommit=True)


def _pg_rows(url: str, table: str, order: str) -> list[tuple]:
    with _pg(url) as pg:
        return [tuple(r) for r in pg.execute(f"select * from {table} order by {order}").fetchall()]


def _pg_columns(url: str, schema: str, table: str) -> list[tuple[str, str]]:
    with _pg(url) as pg:
        return [tuple(r) for r in pg.execute(
            "select a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute a"
            " where a.attrelid = (%s || '.' || %s)::regclass and a.attnum > 0 and not a.attisdropped"
            " order by a.attnum", (schema, table)).fetchall()]


def _tricky(con: duckdb.DuckDBPyConnection) -> None:
    """A results table with every mapped type and values CSV gets wrong when careless."""
    con.execute("create schema if not exists results")
    con.execute("create schema if not exists core")
    con.execute("""create or replace table results.tricky (
        k integer, name varchar, x double, d date, flag boolean, big bigint, seen_at timestamptz, meta json,
        state blob)""")
    con.execute("""insert into results.tricky values
        (1, '', 0.1, date '1990-01-02', true, 9007199254740993, timestamptz '2026-04-17 21:30:00.123456+00',
         '{"a": 1, "b": [1, 2]}', '\\xAA\\x00\\x01'::blob),
        (2, null, null, null, null, null, null, null, null),
        (3, 'quote " comma , newline
        and ünïcödé ≥ 10bp', -1.2345678901234567e-300, date '2049-12-31', false, -1,
         timestamptz '1970-01-01 00:00:00+00', '[]', ''::blob),
        (4, '\\N', 'inf'::double, date '1900-03-01', true, 0, timestamptz '2000-02-29 12:00:00+05:30', '"s"',
         'abc'::blob),
        (5, 'NULL', '-inf'::double, date '2026-01-01', false, 2, null, 'null', null)""")
    con.execute("create or replace table results.big as select i::integer as k, (i * 0.37)::double as v,"
                " 'US' as market, date '2000-01-01' + (i % 9000)::integer as obs_date from range(200000) t(i)")
    con.execute("create or replace table core.not_published as select 1 as a")


def _normalise(row: tuple) -> tuple:
    out = []
    for value in row:
        if isinstance(value, memoryview):
            value = bytes(value)
        if isinstance(value, float) and math.isinf(value):
            value = str(value)
        out.append(value)
    return tuple(out)


def test_round_trip_every_type_and_value(pg_url: str) -> None:
    con = duckdb.connect()
    _tricky(con)
    written = publish_postgres(con, pg_url, blobs="bytea")
    assert written == {"results.big": 200000, "results.tricky": 5}
    assert _pg_columns(pg_url, "results", "tricky") == [
        ("k", "bigint"), ("name", "text"), ("x", "double precision"), ("d", "date"), ("flag", "boolean"),
        ("big", "bigint"), ("seen_at", "timestamp with time zone"), ("meta", "jsonb"), ("state", "bytea")]
    got = [_normalise(r) for r in _pg_rows(pg_url, "results.tricky", "k")]
    want = []
    for row in con.execute("select * from results.tricky order by k").fetchall():
        row = list(row)
        row[7] = None if row[7] is None else json.loads(row[7])  # jsonb comes back parsed
        want.append(_normalise(tuple(row)))
    assert got == want
    assert got[0][1] == "" and got[1][1] is None  # empty string and NULL stay distinct
    assert got[3][1] == "\\N" and got[4][1] == "NULL"
    assert got[0][6] == datetime(2026, 4, 17, 21, 30, 0, 123456, tzinfo=UTC)
    assert got[0][8] == b"\xaa\x00\x01" and got[2][8] == b""
    with _pg(pg_url) as pg:
        total, checksum, last = pg.execute("select count(*), sum(v), max(obs_date) from results.big").fetchone()
        assert pg.execute("select to_regclass('core.not_published')").fetchone()[0] is None
    assert total == 200000
    assert checksum == pytest.approx(con.execute("select sum(v) from results.big").fetchone()[0], rel=1e-12)
    assert last == date(2024, 8, 21)  # 2000-01-01 + 8999 days


def test_republish_is_idempotent_then_follows_changes(pg_url: str) -> None:
    con = duckdb.connect()
    _tricky(con)
    publish_postgres(con, pg_url, tables=["tricky"])
    with _pg(pg_url) as pg:
        oid = pg.execute("select 'results.tricky'::regclass::oid").fetchone()[0]
    before = _pg_rows(pg_url, "results.tricky", "k")
    assert publish_postgres(con, pg_url, tables=["results.tricky"]) == {"results.tricky": 5}
    assert _pg_rows(pg_url, "results.tricky", "k") == before
    assert _pg_columns(pg_url, "results", "tricky")[-1] == ("meta", "jsonb")  # blobs skipped by default
    with _pg(pg_url) as pg:  # same table kept (grants and dependent views survive)
        assert pg.execute("select 'results.tricky'::regclass::oid").fetchone()[0] == oid

    con.execute("delete from results.tricky where k > 2")
    con.execute("update results.tricky set x = 42.5 where k = 1")
    assert publish_postgres(con, pg_url, tables=["tricky"]) == {"results.tricky": 2}
    rows = _pg_rows(pg_url, "results.tricky", "k")
    assert [r[0] for r in rows] == [1, 2] and rows[0][2] == 42.5

    con.execute("alter table results.tricky add column note varchar default 'new'")
    publish_postgres(con, pg_url, tables=["tricky"])
    assert _pg_columns(pg_url, "results", "tricky")[-1] == ("note", "text")
    assert [r[-1] for r in _pg_rows(pg_url, "results.tricky", "k")] == ["new", "new"]


def test_failure_rolls_back_everything_and_hides_the_password(pg_url: str) -> None:
    con = duckdb.connect()
    _tricky(con)
    publish_postgres(con, pg_url)
    before = {t: _pg_rows(pg_url, f"results.{t}", "k") for t in ("big", "tricky")}
    con.execute("delete from results.big where k >= 1000")  # sorted first: replaced before the failure
    con.execute("insert into results.tricky (k, name) values (6, 'nul ' || chr(0) || ' byte')")
    with pytest.raises(PublishError) as caught:
        publish_postgres(con, pg_url)
    password = pg_url.split(":")[2].split("@")[0]
    assert password not in str(caught.value) and "***" in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert {t: _pg_rows(pg_url, f"results.{t}", "k") for t in ("big", "tricky")} == before


def test_wrong_password_is_a_clear_redacted_error(pg_url: str) -> None:
    wrong = secrets.token_urlsafe(10)
    bad_url = pg_url.replace(pg_url.split(":")[2].split("@")[0], wrong)
    con = duckdb.connect()
    _tricky(con)
    with pytest.raises(PublishError, match="password authentication failed") as caught:
        publish_postgres(con, bad_url)
    assert wrong not in str(caught.value) and "seesaw:***@127.0.0.1" in str(caught.value)


def test_every_warehouse_results_table_publishes(pg_url: str, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with connect(db) as con:
        con.execute("insert into results.correlations"
                    " (market, asset_a, asset_b, basis, method, freq, window_size, obs_date, corr, t_stat, p_value, n)"
                    " values ('US', 'us_spx', 'us_10y', 'bond_return', 'rolling',"
                    " 'M', 36, date '2026-03-31', -0.25, -1.5, 0.14, 36)")
        tables = {f"results.{t}" for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'results'").fetchall()}
        written = publish_postgres(con, pg_url)
    assert set(written) == tables and written["results.correlations"] == 1
    assert ("state", "jsonb") in _pg_columns(pg_url, "results", "model_fits")  # versioned JSON, no bytes
    assert ("params", "jsonb") in _pg_columns(pg_url, "results", "model_fits")
    assert _pg_rows(pg_url, "results.correlations", "obs_date")[0][:3] == ("US", "us_spx", "us_10y")


def test_type_mapping_and_url_handling() -> None:
    assert postgres_type("VARCHAR") == "text" and postgres_type("INTEGER") == "bigint"
    assert postgres_type("DECIMAL(18,3)") == "numeric(18,3)"
    assert postgres_type("TIMESTAMP WITH TIME ZONE") == "timestamp with time zone"
    with pytest.raises(ValueError, match="INTEGER\\[\\]"):
        postgres_type("INTEGER[]")
    assert redact("postgresql://u:s3cret@h:5432/db") == "postgresql://u:***@h:5432/db"
    con = duckdb.connect()
    _tricky(con)
    with pytest.raises(PublishError, match="psycopg 3") as caught:
        publish_postgres(con, "mysql://u:s3cret@h/db")
    assert "s3cret" not in str(caught.value)
    with pytest.raises(PublishError, match="does not parse") as caught:
        publish_postgres(con, "not a url s3cret")
    assert "s3cret" not in str(caught.value)
    with pytest.raises(ValueError, match="no such table"):
        publish_postgres(con, "postgresql://u:s3cret@h/db", tables=["nope"])
