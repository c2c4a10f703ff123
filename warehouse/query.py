"""Ad-hoc read-only SQL (``seesaw query``): reads only, on a connection locked away from the outside.

Two independent guards:

- the SQL must be exactly one read: ``SELECT`` (which covers ``FROM …``, ``VALUES``,
  ``DESCRIBE``, ``SHOW``, ``SUMMARIZE`` and ``PIVOT``) or a plain ``EXPLAIN`` of one (not
  ``EXPLAIN ANALYZE``, which runs its statement);
- the connection itself cannot reach the file system, the network or its own settings:
  ``enable_external_access=false`` (only the snapshot's Parquet files stay readable, by exact
  path; on the warehouse file no other file at all), no extension auto-install or auto-load,
  and ``lock_configuration=true`` so no statement can undo any of it.
"""
from __future__ import annotations

import os
import re
from collections.abc import Sequence

import duckdb
import pandas as pd

from seesaw.warehouse.snapshot import SnapshotConnection, connect_for_reading

#: What ``SHOW TABLES`` answers: every table of the warehouse with its schema (DuckDB's own
#: ``SHOW TABLES`` lists the ``main`` schema only, which is empty here).
WAREHOUSE_TABLES_SQL = """
with tables as (
    select table_schema as schema, table_name as name
    from information_schema.tables
    where table_catalog = current_database() and table_schema not in ('information_schema', 'pg_catalog')
), columns as (
    select table_schema as schema, table_name as name, list(column_name order by ordinal_position) as column_names
    from information_schema.columns
    where table_catalog = current_database()
    group by all
)
select schema, name, column_names from tables left join columns using (schema, name) order by schema, name
"""

_EXPLAIN_ANALYZE = {"analyze", "analyse"}


class QueryError(ValueError):
    """The SQL does not parse or fails when run (the message is one line)."""


class QueryRefused(QueryError):
    """The SQL would write or change something, or reach outside the warehouse; nothing ran."""


def lock_down(con: duckdb.DuckDBPyConnection | SnapshotConnection, readable: Sequence[os.PathLike[str]] = ()) -> None:
    """Cut ``con`` off from files, the network and its own settings; only ``readable`` files stay readable.

    With external access off DuckDB still lets a connection reach its database's own files
    (the file, its WAL, its temp folder), writes included; so spilling to a temp folder is
    switched off, and a connection that needs no other file loses the local file system
    altogether (the attached warehouse keeps the handle it opened). The settings are
    database-wide and locked: apply this only to a connection opened for this purpose.
    """
    con.execute("set temp_directory = ''")
    if readable:
        con.execute("set allowed_paths = ?", [[str(p) for p in readable]])
    for setting in ("enable_external_access", "autoinstall_known_extensions", "autoload_known_extensions"):
        con.execute(f"set {setting} = false")
    if not readable:
        con.execute("set disabled_filesystems = 'LocalFileSystem'")
    con.execute("set lock_configuration = true")


def run_read_only(db: str | os.PathLike[str] | None, sql: str) -> pd.DataFrame:
    """Run one read statement against the warehouse (or its snapshot) and return its rows.

    Raises
    ------
    QueryRefused
        The SQL is not exactly one read, or it tried to reach files, extensions or settings.
    QueryError
        The SQL does not parse or fails (unknown table, bad cast, ...).
    """
    with connect_for_reading(db) as con:
        lock_down(con, con.files if isinstance(con, SnapshotConnection) else ())
        return read_only(con, sql)


def read_only(con: duckdb.DuckDBPyConnection | SnapshotConnection, sql: str) -> pd.DataFrame:
    """Run one read statement on a connection already passed through ``lock_down``; the same
    refusals and errors as ``run_read_only``."""
    _check_one_read(con, sql)
    if [word for word in _words(sql) if word != ";"] == ["show", "tables"]:
        sql = WAREHOUSE_TABLES_SQL
    try:
        return con.execute(sql).df()
    except duckdb.PermissionException as exc:
        raise QueryRefused(f"seesaw query reads only the warehouse: {_first_line(exc)}") from None
    except duckdb.Error as exc:
        raise QueryError(_first_line(exc)) from None


def _check_one_read(con: duckdb.DuckDBPyConnection | SnapshotConnection, sql: str) -> None:
    """Refuse (``QueryRefused``) anything but exactly one read statement or a plain EXPLAIN of one."""
    statements = _parse(con, sql)
    if _is_read(statements):
        return
    kinds = ", ".join(s.type.name for s in statements)
    if len(statements) != 1:
        raise QueryRefused(f"seesaw query is read-only and runs exactly one statement;"
                           f" got {len(statements)} ({kinds})")
    if kinds == "EXPLAIN":
        inner = _parse(con, _explained(statements[0].query))
        if not _is_read(inner):
            raise QueryRefused("seesaw query is read-only: refused EXPLAIN of the "
                               f"{', '.join(s.type.name for s in inner)} statement")
        return
    raise QueryRefused(f"seesaw query is read-only: refused the {kinds} statement; nothing was changed. "
                       "Data changes go through `seesaw run` / `seesaw backfill`")


def _parse(con: duckdb.DuckDBPyConnection | SnapshotConnection, sql: str) -> list[duckdb.Statement]:
    try:
        statements = con.extract_statements(sql)
    except duckdb.PermissionException as exc:  # IMPORT DATABASE reads its files while parsing
        raise QueryRefused(f"seesaw query reads only the warehouse: {_first_line(exc)}") from None
    except duckdb.Error as exc:
        raise QueryError(f"SQL does not parse: {_first_line(exc)}") from None
    if not statements:
        raise QueryError("no SQL statement given")
    return statements


def _is_read(statements: list[duckdb.Statement]) -> bool:
    """One SELECT, or a PIVOT without an ``IN`` list: DuckDB's own type-creating statements
    (they have no text of their own) followed by the SELECT."""
    return statements[-1].type.name == "SELECT" and all(
        s.type.name == "CREATE" and not s.query.strip() for s in statements[:-1])


def _explained(text: str) -> str:
    """The statement inside a plain ``EXPLAIN [(options)] <statement>``; ANALYZE is refused."""
    tokens = duckdb.tokenize(text)
    words = [_word(text, pos) for pos, _ in tokens]
    start = 1
    if start < len(words) and words[start] == "(":
        depth = 0
        for index in range(start, len(words)):
            depth += {"(": 1, ")": -1}.get(words[index], 0)
            if depth == 0:
                start = index + 1
                break
    if _EXPLAIN_ANALYZE & set(words[1:start + 1]):
        raise QueryRefused("seesaw query refuses EXPLAIN ANALYZE (it runs the statement); use plain EXPLAIN")
    if start >= len(tokens):
        raise QueryError("EXPLAIN of nothing")
    return text[tokens[start][0]:]


def _words(sql: str) -> list[str]:
    return [_word(sql, pos) for pos, _ in duckdb.tokenize(sql)]


def _word(text: str, pos: int) -> str:
    match = re.match(r"\w+|\S", text[pos:])
    return match.group(0).lower() if match else ""


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
