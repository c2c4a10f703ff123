"""Published Parquet snapshots of the warehouse, so readers never wait for a writing run.

Layout next to the warehouse file::

    <db_dir>/snapshots/<UTC timestamp>-<token>/manifest.json
    <db_dir>/snapshots/<UTC timestamp>-<token>/<schema>/<table>/part-0.parquet
    <db_dir>/snapshot -> snapshots/<UTC timestamp>-<token>     (relative symlink)

A publish writes a new version directory, then swaps the ``snapshot`` symlink with ``rename``
(atomic on POSIX): a reader resolves the link once and sees either the old or the new version,
never a mix. A reader holds a shared ``flock`` on its version's ``manifest.json`` while it reads;
pruning old versions takes an exclusive one and skips versions still being read.
"""
from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import duckdb

from warehouse.db import (
    WarehouseError,
    WarehouseLockedError,
    connect,
    db_path,
    schema_version,
)
from warehouse.lock import describe_holder, lock_holder

LINK_NAME = "snapshot"
VERSIONS_DIR = "snapshots"
MANIFEST = "manifest.json"
#: Manifest layout version (bump when the layout changes).
FORMAT = 1
#: Unfinished version directories (a publisher that crashed) are removed after this age.
PARTIAL_MAX_AGE_S = 3600.0


class SnapshotError(WarehouseError):
    """No usable snapshot (none published yet, or it does not belong to this warehouse)."""


def snapshot_link(db: str | os.PathLike[str]) -> Path:
    """``<db_dir>/snapshot``: the symlink to the current version."""
    return Path(db).parent / LINK_NAME


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _tables(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]) -> list[tuple[str, str]]:
    return [tuple(row) for row in con.execute(
        "select table_schema, table_name from information_schema.tables"
        " where table_catalog = current_database() and table_type = 'BASE TABLE'"
        " and table_schema in (select unnest(?::varchar[])) order by 1, 2", [list(schemas)]).fetchall()]


def publish_snapshot(con: duckdb.DuckDBPyConnection, db_path: str | os.PathLike[str],
                     schemas: tuple[str, ...] = ("results", "core"), *, run_id: str | None = None,
                     keep: int = 2) -> Path:
    """Export every table of ``schemas`` to Parquet as a new snapshot version and make it current.

    Parameters
    ----------
    con
        An open warehouse connection (read-only is enough). The export reads one consistent
        state of committed data.
    db_path
        The warehouse file; snapshots live beside it.
    schemas
        Schemas whose base tables are exported.
    run_id
        Recorded in the manifest so readers can say which run they see.
    keep
        Versions kept after the swap (the newest ones; the current one is never removed, nor a
        version a reader is still reading).

    Returns
    -------
    Path
        The new version directory (what ``<db_dir>/snapshot`` now points to).
    """
    db = Path(db_path)
    versions = db.parent / VERSIONS_DIR
    versions.mkdir(parents=True, exist_ok=True)
    created = datetime.now(UTC)
    name = f"{created:%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(4)}"
    partial = versions / f".{name}.partial"
    partial.mkdir()
    reader = con.cursor()  # its own transaction: every table from the same committed state
    try:
        reader.execute("begin transaction")
        tables = {}
        for schema, table in _tables(reader, schemas):
            folder = partial / schema / table
            folder.mkdir(parents=True)
            target = folder / "part-0.parquet"
            columns = reader.execute(f"describe {_quote(schema)}.{_quote(table)}").fetchall()
            rows = reader.execute(
                f"copy {_quote(schema)}.{_quote(table)} to {_literal(str(target))} (format parquet, compression zstd)"
            ).fetchone()[0]
            _fsync(target)
            tables[f"{schema}.{table}"] = {"path": f"{schema}/{table}", "files": [target.name], "rows": rows,
                                           "columns": [[c[0], c[1]] for c in columns]}
        version = schema_version(reader) if ("ops", "schema_version") in _tables(reader, ("ops",)) else 0
        reader.execute("rollback")
    finally:
        reader.close()
    manifest = {"format": FORMAT, "warehouse": db.name, "created_at": created.isoformat(timespec="seconds"),
                "run_id": run_id, "schema_version": version, "schemas": list(schemas), "tables": tables}
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    _fsync(partial / MANIFEST)
    final = versions / name
    os.rename(partial, final)
    _fsync(versions)
    _swap_link(snapshot_link(db), Path(VERSIONS_DIR) / name)
    _prune(versions, keep=keep, current=name)
    return final


def _swap_link(link: Path, target: Path) -> None:
    if link.exists() and not link.is_symlink():
        raise SnapshotError(f"{link} exists and is not a symlink: move it away so snapshots can be published")
    temp = link.with_name(f".{link.name}-{secrets.token_hex(4)}")
    os.symlink(target, temp)
    os.replace(temp, link)
    _fsync(link.parent)


def _prune(versions: Path, keep: int, current: str) -> None:
    complete = sorted(p for p in versions.iterdir() if not p.name.startswith(".") and (p / MANIFEST).exists())
    for old in complete[:-keep] if keep > 0 else complete:
        if old.name != current:
            _remove_unread(old)
    for partial in versions.glob(".*.partial"):
        if time.time() - partial.stat().st_mtime > PARTIAL_MAX_AGE_S:
            shutil.rmtree(partial, ignore_errors=True)


def _remove_unread(version: Path) -> None:
    """Delete a version unless a reader holds its manifest lock (it goes at a later publish)."""
    try:
        handle = open(version / MANIFEST, "rb")  # noqa: SIM115 - the lock must outlive the rmtree
    except FileNotFoundError:
        return
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return
        shutil.rmtree(version, ignore_errors=True)


class SnapshotConnection:
    """An in-memory DuckDB connection with one view per snapshot table, holding a read lease.

    Use it like a DuckDB connection (attribute access is forwarded: ``execute``, ``sql``, ...);
    ``close`` (or leaving a ``with`` block) releases the lease so the version can be pruned.

    Attributes
    ----------
    manifest
        The snapshot's ``manifest.json`` (``created_at`` UTC, ``run_id``, tables and row counts).
    path
        The version directory read.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, manifest: dict, path: Path, lease: Any) -> None:
        self.con = con
        self.manifest = manifest
        self.path = path
        self._lease = lease

    def __getattr__(self, name: str) -> Any:
        return getattr(self.con, name)

    def close(self) -> None:
        """Close the DuckDB connection and release the read lease."""
        self.con.close()
        self._lease.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _lease(db: Path) -> tuple[Path, Any]:
    """Resolve the current version and hold a shared lock on its manifest (retrying across swaps)."""
    link = snapshot_link(db)
    for _ in range(50):
        if not os.path.lexists(link):
            break
        version = Path(os.path.realpath(link))
        manifest = version / MANIFEST
        try:
            handle = open(manifest, "rb")  # noqa: SIM115 - returned to the caller, who closes it
        except FileNotFoundError:
            time.sleep(0.01)  # pruned between resolving the link and opening: resolve again
            continue
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
            if os.fstat(handle.fileno()).st_ino == os.stat(manifest).st_ino:
                return version, handle
        except (BlockingIOError, FileNotFoundError):
            pass  # being pruned right now
        handle.close()
        time.sleep(0.01)
    raise SnapshotError(f"no snapshot published next to warehouse {db} (expected {link}): "
                        "a successful `seesaw run` publishes one")


def open_snapshot(db: str | os.PathLike[str] | None = None) -> SnapshotConnection:
    """Open the current snapshot as an in-memory DuckDB with the warehouse's schema and table names.

    The same SQL works as on the warehouse (``select * from results.correlations``); column
    types are those of the warehouse tables.

    Raises
    ------
    SnapshotError
        No snapshot has been published, or it was published from another warehouse file.
    """
    db = db_path(db)
    version, handle = _lease(db)
    try:
        manifest = json.loads(handle.read().decode("utf-8"))
        if manifest.get("warehouse") not in (None, db.name):
            raise SnapshotError(f"snapshot {snapshot_link(db)} belongs to warehouse {manifest['warehouse']!r},"
                                f" not {db.name!r}: keep one warehouse per directory")
        con = duckdb.connect(":memory:")
        for schema in {key.split(".", 1)[0] for key in manifest["tables"]} | set(manifest.get("schemas", [])):
            con.execute(f"create schema if not exists {_quote(schema)}")
        for key, table in manifest["tables"].items():
            schema, name = key.split(".", 1)
            files = ", ".join(_literal(str(version / table["path"] / f)) for f in table["files"])
            # cast back to the warehouse types (Parquet has no HUGEINT, for instance)
            columns = ", ".join(f"cast({_quote(c)} as {t}) as {_quote(c)}" for c, t in table["columns"])
            con.execute(f"create view {_quote(schema)}.{_quote(name)} as"
                        f" select {columns} from read_parquet([{files}])")
    except BaseException:
        handle.close()
        raise
    return SnapshotConnection(con, manifest, version, handle)


@contextmanager
def connect_for_reading(db: str | os.PathLike[str] | None = None, *, tries: int = 3,
                        wait_s: float = 0.5) -> Iterator[duckdb.DuckDBPyConnection | SnapshotConnection]:
    """A read connection that works while a run writes: the warehouse if free, else its snapshot.

    While a run holds the run lock the snapshot is used at once (opening the warehouse between
    the run's short write connections would make the run wait). Otherwise the warehouse is
    opened read-only, retrying ``tries`` times ``wait_s`` apart while another process holds the
    file, then the snapshot is used. Falling back prints one line to stderr naming the
    snapshot's creation time (UTC) and run.

    Raises
    ------
    WarehouseLockedError
        The warehouse stays locked and no snapshot has been published.
    """
    path = db_path(db)
    holder = lock_holder(path)
    with ExitStack() as stack:
        con: duckdb.DuckDBPyConnection | SnapshotConnection | None = None
        if holder is None:
            for attempt in range(tries):
                try:
                    con = stack.enter_context(connect(path, read_only=True))
                    break
                except WarehouseLockedError:
                    if attempt + 1 < tries:
                        time.sleep(wait_s)
        if con is None:
            busy = (describe_holder(path, holder) if holder is not None
                    else f"warehouse {path} is locked by another process")
            try:
                con = stack.enter_context(open_snapshot(path))
            except SnapshotError as exc:
                raise WarehouseLockedError(f"{busy}, and {exc}; try again when the run has finished") from None
            print(f"note: {busy}; reading the snapshot of {con.manifest['created_at']}"
                  f" (run {con.manifest.get('run_id') or 'unknown'})", file=sys.stderr)
        yield con
