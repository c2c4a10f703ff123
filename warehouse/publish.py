"""Publish results tables to a team PostgreSQL database (SQLAlchemy engine, psycopg 3 ``COPY``).

One PostgreSQL transaction per publish: schema and tables are created when missing (re-created
when their columns changed), emptied with ``DELETE`` and refilled with ``COPY``. Other sessions
keep reading the previous content until the commit, and a failure leaves every table as it was.
Publishing the same content again leaves identical tables.
"""
from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal, cast

import duckdb
import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

#: DuckDB column types → PostgreSQL types, spelled as ``format_type`` returns them so an existing
#: table's columns compare equal when unchanged.
PG_TYPES = {
    "VARCHAR": "text", "DOUBLE": "double precision", "FLOAT": "double precision", "DATE": "date",
    "BOOLEAN": "boolean", "TINYINT": "bigint", "SMALLINT": "bigint", "INTEGER": "bigint", "BIGINT": "bigint",
    "UTINYINT": "bigint", "USMALLINT": "bigint", "UINTEGER": "bigint", "HUGEINT": "numeric",
    "UBIGINT": "numeric", "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
    "TIMESTAMP": "timestamp without time zone", "TIME": "time without time zone", "JSON": "jsonb",
    "UUID": "uuid", "INTERVAL": "interval", "BLOB": "bytea",
}
_DECIMAL = re.compile(r"DECIMAL\((\d+),(\d+)\)")
_COPY_CHUNK_BYTES = 1 << 20


class PublishError(RuntimeError):
    """Publishing to PostgreSQL failed; nothing was changed there (the transaction rolled back)."""


def postgres_type(duckdb_type: str) -> str:
    """PostgreSQL type for a DuckDB column type; ``ValueError`` for types without a mapping (lists, structs)."""
    decimal = _DECIMAL.fullmatch(duckdb_type)
    if decimal:
        return f"numeric({decimal[1]},{decimal[2]})"
    try:
        return PG_TYPES[duckdb_type]
    except KeyError:
        raise ValueError(f"no PostgreSQL mapping for DuckDB type {duckdb_type}") from None


def redact(url: str | URL) -> str:
    """The URL with its password replaced by ``***`` (safe for messages and logs)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<unparseable database URL>"


def _engine_url(url: str) -> URL:
    """``postgresql://`` / ``postgres://`` URLs go through psycopg 3 (its ``COPY`` API is used);
    anything else is a ``PublishError`` whose text never repeats the URL's password."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError:
        raise PublishError("publish needs a postgresql://user:password@host/database URL; "
                           "the one given does not parse") from None
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername != "postgresql+psycopg":
        raise PublishError(f"publish needs a postgresql:// URL (psycopg 3 driver), got {redact(parsed)}")
    return parsed


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _select_tables(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...],
                   tables: Iterable[str] | None) -> list[tuple[str, str]]:
    found = [tuple(row) for row in con.execute(
        "select table_schema, table_name from information_schema.tables"
        " where table_catalog = current_database() and table_type = 'BASE TABLE'"
        " and table_schema in (select unnest(?::varchar[])) order by 1, 2", [list(schemas)]).fetchall()]
    if tables is None:
        return found
    wanted = set(tables)
    chosen = [(s, t) for s, t in found if t in wanted or f"{s}.{t}" in wanted]
    missing = wanted - {t for _, t in chosen} - {f"{s}.{t}" for s, t in chosen}
    if missing:
        raise ValueError(f"no such table in schemas {', '.join(schemas)}: {', '.join(sorted(missing))}")
    return chosen


def _export_expr(column: str, duckdb_type: str) -> str:
    """Column as PostgreSQL's CSV ``COPY`` reads it (bytea in hex form; everything else as DuckDB writes it)."""
    if duckdb_type == "BLOB":
        return f"'\\x' || hex({_quote(column)})"
    return _quote(column)


def publish_postgres(con: duckdb.DuckDBPyConnection, url: str, schemas: tuple[str, ...] = ("results",),
                     tables: Iterable[str] | None = None, *,
                     blobs: Literal["skip", "bytea"] = "skip") -> dict[str, int]:
    """Push warehouse tables to PostgreSQL in one transaction; return rows written per ``schema.table``.

    Parameters
    ----------
    con
        Warehouse connection (read-only is enough).
    url
        ``postgresql://user:password@host:port/database``; the password never appears in errors.
    schemas
        Warehouse schemas to publish; each becomes a PostgreSQL schema of the same name.
    tables
        Only these tables (``name`` or ``schema.name``); default all base tables of ``schemas``.
    blobs
        ``skip`` leaves out BLOB columns (opaque bytes, meaningless to SQL clients); ``bytea``
        copies them.

    Raises
    ------
    PublishError
        Not a PostgreSQL URL, the server refused, or a value did not fit; PostgreSQL is left
        exactly as before.
    """
    engine_url = _engine_url(url)
    chosen = _select_tables(con, schemas, tables)
    # (schema, table, [(column, DuckDB type, PostgreSQL type)])
    plans: list[tuple[str, str, list[tuple[str, str, str]]]] = []
    for schema, table in chosen:
        described = con.execute(f"describe {_quote(schema)}.{_quote(table)}").fetchall()
        kept = [(name, kind) for name, kind, *_ in described if not (blobs == "skip" and kind == "BLOB")]
        try:
            plans.append((schema, table, [(name, kind, postgres_type(kind)) for name, kind in kept]))
        except ValueError as exc:
            raise ValueError(f"{schema}.{table}: {exc}") from None
    engine = sa.create_engine(engine_url, connect_args={"client_encoding": "utf8"}, poolclass=sa.pool.NullPool)
    exporter = con.cursor()  # its own DuckDB transaction: every table from one committed state
    written: dict[str, int] = {}
    try:
        exporter.execute("set session timezone = 'UTC'")
        exporter.execute("begin transaction")
        with tempfile.TemporaryDirectory(prefix="seesaw-publish-") as scratch, engine.begin() as conn:
            # a psycopg 3 connection: ``_engine_url`` only lets the postgresql+psycopg driver through
            driver = cast("psycopg.Connection[Any]", conn.connection.driver_connection)
            cursor = driver.cursor()
            for schema in sorted({schema for schema, _, _ in plans}):
                cursor.execute(f"create schema if not exists {_quote(schema)}")
            for schema, table, columns in plans:
                name = f"{_quote(schema)}.{_quote(table)}"
                _ensure_table(cursor, schema, table, [(c, pg) for c, _, pg in columns])
                cursor.execute(f"delete from {name}")
                csv = Path(scratch) / f"{schema}.{table}.csv"
                select = ", ".join(_export_expr(c, kind) for c, kind, _ in columns)
                exporter.execute(f"copy (select {select} from {name}) to '{str(csv).replace(chr(39), chr(39) * 2)}'"
                                 " (format csv, header false)")
                column_list = ", ".join(_quote(c) for c, _, _ in columns)
                with cursor.copy(f"copy {name} ({column_list}) from stdin (format csv)") as copy, \
                        open(csv, "rb") as source:
                    while chunk := source.read(_COPY_CHUNK_BYTES):
                        copy.write(chunk)
                written[f"{schema}.{table}"] = cursor.rowcount
                csv.unlink()
    except (sa.exc.SQLAlchemyError, psycopg.Error, duckdb.Error, OSError) as exc:
        # the driver's own message (not SQLAlchemy's wrapper with its link), on one line
        text = " ".join(str(getattr(exc, "orig", None) or exc).split())
        if engine_url.password:
            text = text.replace(str(engine_url.password), "***")
        # ``from None``: the chained driver exception could carry the connection string
        raise PublishError(f"publishing to {redact(engine_url)} failed ({type(exc).__name__}): {text}") from None
    finally:
        exporter.close()
        engine.dispose()
    return written


def _ensure_table(cursor: psycopg.Cursor[Any], schema: str, table: str, columns: list[tuple[str, str]]) -> None:
    """Create the table, or re-create it when its columns or types differ from ``columns``."""
    cursor.execute(
        "select a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute a"
        " join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = %s and c.relname = %s and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped"
        " order by a.attnum", (schema, table))
    existing = [tuple(row) for row in cursor.fetchall()]
    if existing == columns:
        return
    name = f"{_quote(schema)}.{_quote(table)}"
    if existing:
        cursor.execute(f"drop table {name}")
    cursor.execute(f"create table {name} ({', '.join(f'{_quote(c)} {pg}' for c, pg in columns)})")
