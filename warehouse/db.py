"""Open the DuckDB warehouse and keep its schema current (ordered, idempotent migrations)."""
from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"
MIGRATIONS_DIR = SQL_DIR / "migrations"
CHECKS_DIR = SQL_DIR / "checks"
DEFAULT_DB = Path("warehouse") / "seesaw.duckdb"


class WarehouseError(RuntimeError):
    """The warehouse cannot be opened or used (locked, read-only, corrupt)."""


class WarehouseLockedError(WarehouseError):
    """Another process holds the warehouse file (DuckDB allows one writer, or readers, at a time)."""


def db_path(db: str | os.PathLike[str] | None = None) -> Path:
    """Resolve the warehouse path: argument, else ``SEESAW_DB``, else ``./warehouse/seesaw.duckdb``."""
    return Path(db or os.environ.get("SEESAW_DB") or DEFAULT_DB)


def quote_identifier(name: str) -> str:
    """``name`` as a quoted SQL identifier (for schema, table and column names from data)."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """``text`` as a SQL string literal, for the few places DuckDB takes no parameter (ATTACH, COPY TO)."""
    return "'" + text.replace("'", "''") + "'"


def artifact_path(db: str | os.PathLike[str], suffix: str) -> Path:
    """A file or folder named after the warehouse, beside it: ``a.duckdb`` → ``a<suffix>``.

    Snapshots, the read catalog and the report carry the warehouse's name, so two warehouses
    can share a folder.
    """
    db = Path(db)
    return db.parent / f"{db.stem}{suffix}"


def read_catalog_path(db: str | os.PathLike[str]) -> Path:
    """``<db stem>.read.duckdb``: views over the current snapshot, the read path for outside tools."""
    return artifact_path(db, ".read.duckdb")


#: Environment variable: seconds a writer waits for other processes to release the warehouse file.
WAIT_FOR_READERS_ENV = "SEESAW_WAIT_FOR_READERS"
DEFAULT_WAIT_FOR_READERS_S = 60.0


def wait_for_readers_s() -> float:
    """How long a writer waits for outside readers: ``$SEESAW_WAIT_FOR_READERS``, default 60 s."""
    text = os.environ.get(WAIT_FOR_READERS_ENV, "").strip()
    if not text:
        return DEFAULT_WAIT_FOR_READERS_S
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise WarehouseError(f"{WAIT_FOR_READERS_ENV}={text!r} is not a number of seconds >= 0")
    return seconds


def _held_by(text: str) -> str:
    """Who holds the file, from DuckDB's lock error ("… lock is held in /usr/bin/python3 (PID 123) …")."""
    match = re.search(r"held in (.+?) \(PID (\d+)\)", text)
    return f"pid {match.group(2)} ({Path(match.group(1)).name})" if match else "another process"


def _open(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    # A reader holding the file between two short write connections of a run would fail the run:
    # writers wait for it (bounded, configurable); readers fail fast (``seesaw.warehouse.snapshot`` reads
    # the snapshot instead).
    waited_s = 0.0 if read_only else wait_for_readers_s()
    deadline = time.monotonic() + waited_s
    delay_s = 0.05
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            # No progress bar: it would draw on the terminal of whoever runs a long query.
            con.execute("set enable_progress_bar = false")
            return con
        except duckdb.IOException as exc:
            text = str(exc)
            if "lock" not in text.lower():
                raise WarehouseError(f"cannot open warehouse {path}: {text}") from exc
            if time.monotonic() >= deadline:
                if read_only:
                    raise WarehouseLockedError(
                        f"warehouse {path} is locked by another process (a run in progress?): {text}") from exc
                raise WarehouseLockedError(
                    f"warehouse {path} is held open by {_held_by(text)}; waited {waited_s:g} s"
                    f" (--wait-for-readers / ${WAIT_FOR_READERS_ENV}); outside tools should read"
                    f" {read_catalog_path(path)} instead, which never blocks a run") from None
        time.sleep(delay_s)
        delay_s = min(2 * delay_s, 0.5)


@contextmanager
def connect(db: str | os.PathLike[str] | None = None, *,
            read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse; a writable connection first applies pending migrations.

    Keep write connections short: DuckDB allows one writing process at a time.
    """
    path = db_path(db)
    if read_only and not path.exists():
        raise WarehouseError(f"warehouse {path} does not exist yet: run `seesaw run` first")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(path, read_only)
    try:
        if not read_only:
            migrate(con)
        yield con
    except (duckdb.Error, OSError, RuntimeError) as exc:
        if _interrupted(exc):
            # DuckDB turns a Ctrl-C that lands inside a query into its own error (InterruptException,
            # or RuntimeError "Query interrupted" from a result conversion): it is still Ctrl-C
            # (the run is recorded cancelled, the command exits 130), never a failure.
            raise KeyboardInterrupt from None
        if isinstance(exc, RuntimeError):
            raise
        storage = storage_problem(exc)
        if storage is None:
            raise
        raise WarehouseError(f"warehouse {path} is not writable ({storage}): {exc}; "
                             "check permissions and free space, then run again") from None
    finally:
        con.close()


def _interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` is DuckDB's report of a Ctrl-C (directly, or caused by a KeyboardInterrupt)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, (KeyboardInterrupt, duckdb.InterruptException)) or str(seen) == "Query interrupted":
            return True
        seen = seen.__cause__ or seen.__context__
    return False


#: Error texts that mean the warehouse's storage refused a write (not a bug in a query).
_STORAGE_ERRORS = {"no space left": "disk full", "read-only": "read-only", "permission denied": "permission denied",
                   "operation not permitted": "permission denied", "could not write": "write failed",
                   "cannot open file": "cannot open file"}


def storage_problem(exc: BaseException) -> str | None:
    """A short name of the storage problem behind ``exc`` (disk full, read-only, …), or None."""
    text = str(exc).lower()
    return next((name for marker, name in _STORAGE_ERRORS.items() if marker in text), None)


def checkpoint(con: duckdb.DuckDBPyConnection) -> None:
    """Write the WAL into the database file (after a batch of loads, so a kill loses nothing)."""
    con.execute("checkpoint")


def one_row(result: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """The row of a statement that always returns exactly one (an aggregate, ``COPY``)."""
    row = result.fetchone()
    if row is None:
        raise WarehouseError("a single-row query returned no row")
    return row


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back the open transaction, if any: a failed COMMIT has already ended it, and a
    second error from ROLLBACK must not hide the first."""
    try:
        con.execute("rollback")
    except duckdb.TransactionException:
        pass


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migration file ``NNN_name.sql``, in order."""
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9]_*.sql")):
        found.append((int(path.name[:3]), path.stem, path.read_text(encoding="utf-8")))
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise WarehouseError(f"duplicate migration numbers in {MIGRATIONS_DIR}")
    return found


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply migrations not yet recorded in ``ops.schema_version``; return the names applied."""
    con.execute("create schema if not exists ops")
    con.execute(
        "create table if not exists ops.schema_version ("
        " version integer primary key, name varchar not null, applied_at timestamptz not null)"
    )
    done = {row[0] for row in con.execute("select version from ops.schema_version").fetchall()}
    applied = []
    for version, name, sql in migrations():
        if version in done:
            continue
        con.execute("begin transaction")
        try:
            con.execute(sql)
            con.execute(
                "insert into ops.schema_version values (?, ?, now())", [version, name]
            )
            con.execute("commit")
        except Exception:
            rollback(con)
            raise
        applied.append(name)
    return applied


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """Highest applied migration number (0 for an empty warehouse)."""
    version: int = one_row(con.execute("select coalesce(max(version), 0) from ops.schema_version"))[0]
    return version
