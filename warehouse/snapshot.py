"""Published Parquet snapshots of the warehouse, so readers never wait for a writing run.

Layout next to the warehouse file ``<db_dir>/<name>.duckdb`` (everything carries the
warehouse's name, so two warehouses can share a folder)::

    <db_dir>/<name>.snapshots/<UTC timestamp>-<token>/manifest.json
    <db_dir>/<name>.snapshots/<UTC timestamp>-<token>/<schema>/<table>/part-0.parquet
    <db_dir>/<name>.snapshot -> <name>.snapshots/<UTC timestamp>-<token>   (relative symlink)
    <db_dir>/<name>.read.duckdb    views over the current version, for outside tools

A publish writes a new version directory, then swaps the ``<name>.snapshot`` symlink with
``rename`` (atomic on POSIX): a reader resolves the link once and sees either the old or the new
version, never a mix. seesaw's readers hold a shared ``flock`` on their version's
``manifest.json`` while they read; pruning takes an exclusive one and skips versions still being
read. The read catalog is rebuilt beside and renamed over the old one; outside tools holding the
old catalog keep reading its version, which stays for ``GRACE_S`` after it stops being current.

A table whose contents (row count and a checksum of its rows, recorded in the manifest) and
columns equal those in the current version is not exported again: its Parquet files are hard
links to that version's (a run that found nothing new rewrites only ``ops``). This is safe because
a version's files are written once, by the export into its unfinished directory, and never
opened for writing again; removing a version only drops its links.
"""
from __future__ import annotations

import fcntl
import io
import json
import os
import re
import secrets
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NotRequired, Self, TypeAlias, TypedDict

import duckdb

from seesaw.warehouse.db import (
    WarehouseError,
    WarehouseLockedError,
    artifact_path,
    connect,
    db_path,
    one_row,
    quote_identifier,
    quote_literal,
    read_catalog_path,
    schema_version,
)
from seesaw.warehouse.lock import describe_holder, lock_holder

LINK_SUFFIX = ".snapshot"
VERSIONS_SUFFIX = ".snapshots"
MANIFEST = "manifest.json"
#: Manifest layout version (bump when the layout changes).
FORMAT = 1
#: Unfinished version directories (a publisher that crashed) are removed after this age.
PARTIAL_MAX_AGE_S = 3600.0
#: A version stays this long after it stops being current, for outside tools still reading it
#: through an older read catalog (seesaw's own readers hold a lease instead).
GRACE_S = 3600.0
#: Column types a manifest may name (as DuckDB's DESCRIBE spells them: ``TIMESTAMP WITH TIME
#: ZONE``, ``DECIMAL(18,3)``, ``VARCHAR[]``); anything else is refused, not put into SQL.
COLUMN_TYPE = re.compile(r"[A-Z][A-Z0-9_]*( [A-Z][A-Z0-9_]*)*(\(\d+(, ?\d+)?\))?(\[\d*\])*")


class SnapshotError(WarehouseError):
    """No usable snapshot (none published yet, or it does not belong to this warehouse)."""


class ManifestTable(TypedDict):
    """One exported table in ``manifest.json``: its folder (relative to the version), Parquet
    files, row count, ``[name, DuckDB type]`` per column and ``digest`` (row count and a checksum
    of its rows, absent from older manifests), which lets the next version reuse its files."""

    path: str
    files: list[str]
    rows: int
    columns: list[list[str]]
    digest: NotRequired[str]


class Manifest(TypedDict):
    """A version's ``manifest.json``; ``warehouse`` and ``schemas`` may be absent from older ones."""

    format: int
    warehouse: NotRequired[str]
    created_at: str
    run_id: str | None
    schema_version: int
    schemas: NotRequired[list[str]]
    tables: dict[str, ManifestTable]


def snapshot_link(db: str | os.PathLike[str]) -> Path:
    """``<db_dir>/<name>.snapshot``: the symlink to the current version."""
    return artifact_path(db, LINK_SUFFIX)


def versions_dir(db: str | os.PathLike[str]) -> Path:
    """``<db_dir>/<name>.snapshots``: the published versions."""
    return artifact_path(db, VERSIONS_SUFFIX)


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
                     keep: int = 2, grace_s: float = GRACE_S) -> Path:
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
    grace_s
        An older version is removed only this long after it stopped being current, so outside
        tools reading it through an older read catalog are not cut off mid-query.

    Returns
    -------
    Path
        The new version directory (what ``<name>.snapshot`` now points to); the read catalog
        ``<name>.read.duckdb`` points to it too.
    """
    db = Path(db_path)
    versions = versions_dir(db)
    versions.mkdir(parents=True, exist_ok=True)
    created = datetime.now(UTC)
    name = f"{created:%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(4)}"
    partial = versions / f".{name}.partial"
    partial.mkdir()
    reader = con.cursor()  # its own transaction: every table from the same committed state
    try:
        with ExitStack() as stack:
            previous = _previous_version(stack, db)
            reader.execute("begin transaction")
            tables: dict[str, ManifestTable] = {}
            for schema, table in _tables(reader, schemas):
                key, folder = f"{schema}.{table}", partial / schema / table
                folder.mkdir(parents=True)
                qualified = f"{quote_identifier(schema)}.{quote_identifier(table)}"
                entry: ManifestTable = {
                    "path": f"{schema}/{table}", "files": ["part-0.parquet"], "rows": 0,
                    "columns": [[c[0], c[1]] for c in reader.execute(f"describe {qualified}").fetchall()],
                    "digest": str(one_row(reader.execute(
                        f"select count(*) || '|' || coalesce(sum(hash(t))::varchar, '') from {qualified} t"))[0])}
                tables[key] = _linked(previous, key, entry, folder) or _exported(reader, qualified, entry, folder)
            version = schema_version(reader) if ("ops", "schema_version") in _tables(reader, ("ops",)) else 0
            reader.execute("rollback")
    finally:
        reader.close()
    manifest: Manifest = {"format": FORMAT, "warehouse": db.name, "created_at": created.isoformat(timespec="seconds"),
                          "run_id": run_id, "schema_version": version, "schemas": list(schemas),
                          "tables": tables}
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    _fsync(partial / MANIFEST)
    final = versions / name
    os.rename(partial, final)
    _fsync(versions)
    _swap_link(snapshot_link(db), Path(versions.name) / name)
    _write_read_catalog(db, final, manifest)
    _prune(versions, keep=keep, current=name, now=created, grace_s=grace_s)
    return final


def _previous_version(stack: ExitStack, db: Path) -> tuple[Path, Manifest] | None:
    """The current version and its manifest, leased (``stack`` releases it) so it is not pruned
    while its files are linked; None when there is none, or it is another warehouse's."""
    try:
        version, handle = _lease(db)
    except SnapshotError:
        return None
    stack.enter_context(handle)
    try:
        manifest: Manifest = json.loads(handle.read().decode("utf-8"))
    except ValueError:
        return None
    return (version, manifest) if manifest.get("warehouse") == db.name else None


def _linked(previous: tuple[Path, Manifest] | None, key: str, entry: ManifestTable,
            folder: Path) -> ManifestTable | None:
    """``entry`` with the previous version's files of table ``key`` hard-linked into ``folder``
    when that table's digest and columns are the same; None when they differ or linking fails."""
    if previous is None:
        return None
    version, manifest = previous
    before = manifest["tables"].get(key)
    if before is None or before.get("digest") != entry["digest"] or before["columns"] != entry["columns"]:
        return None
    try:
        files = _table_files(version, key, before)
        for source in files:
            os.link(source, folder / source.name)
    except (OSError, SnapshotError):  # another file system, a file gone: export it instead
        for stale in folder.iterdir():
            stale.unlink()
        return None
    return {**entry, "files": [f.name for f in files], "rows": before["rows"]}


def _exported(reader: duckdb.DuckDBPyConnection, qualified: str, entry: ManifestTable,
              folder: Path) -> ManifestTable:
    """``entry`` with table ``qualified`` exported to ``folder``/part-0.parquet."""
    target = folder / "part-0.parquet"
    rows: int = one_row(reader.execute(
        f"copy {qualified} to {quote_literal(str(target))} (format parquet, compression zstd)"))[0]
    _fsync(target)
    return {**entry, "files": [target.name], "rows": rows}


def _write_read_catalog(db: Path, version: Path, manifest: Manifest) -> None:
    """Build ``<name>.read.duckdb`` (views over ``version``) beside the old one and rename it over."""
    target = read_catalog_path(db)
    temp = target.with_name(f".{target.name}-{secrets.token_hex(4)}")
    try:
        con = duckdb.connect(str(temp))
        try:
            _create_views(con, version, manifest)
        finally:
            con.close()
        _fsync(temp)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
        Path(f"{temp}.wal").unlink(missing_ok=True)
    _fsync(target.parent)


def _swap_link(link: Path, target: Path) -> None:
    if link.exists() and not link.is_symlink():
        raise SnapshotError(f"{link} exists and is not a symlink: move it away so snapshots can be published")
    temp = link.with_name(f".{link.name}-{secrets.token_hex(4)}")
    os.symlink(target, temp)
    os.replace(temp, link)
    _fsync(link.parent)


def _created(version: Path) -> datetime | None:
    """When a version was published (from its name ``<UTC timestamp>-<token>``), None if foreign."""
    try:
        return datetime.strptime(version.name.split("-", 1)[0], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def _prune(versions: Path, keep: int, current: str, now: datetime, grace_s: float) -> None:
    # (version, when published), oldest first
    complete = sorted((p, created) for p in versions.iterdir() if not p.name.startswith(".")
                      and (p / MANIFEST).exists() and (created := _created(p)) is not None)
    # strict=False: each older version pairs with the next one; the newest has none
    for (old, _), (_, superseded) in zip(complete[:-keep] if keep > 0 else complete, complete[1:], strict=False):
        # ``superseded``: the moment ``old`` stopped being current
        if old.name != current and (now - superseded).total_seconds() >= grace_s:
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

    def __init__(self, con: duckdb.DuckDBPyConnection, manifest: Manifest, path: Path,
                 lease: io.BufferedReader) -> None:
        self.con = con
        self.manifest = manifest
        self.path = path
        self._lease = lease

    def __getattr__(self, name: str) -> Any:  # forwarded to the DuckDB connection
        return getattr(self.con, name)

    def execute(self, query: duckdb.Statement | str, parameters: object = None) -> duckdb.DuckDBPyConnection:
        """``DuckDBPyConnection.execute`` on the snapshot's views (spelled out for type checkers)."""
        return self.con.execute(query, parameters)

    @property
    def files(self) -> list[Path]:
        """Every Parquet file behind the views: all a locked-down reader needs to reach."""
        return [f for key, table in self.manifest["tables"].items() for f in _table_files(self.path, key, table)]

    def close(self) -> None:
        """Close the DuckDB connection and release the read lease."""
        self.con.close()
        self._lease.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: What seesaw's readers accept: the warehouse itself or its published snapshot.
ReadConnection: TypeAlias = duckdb.DuckDBPyConnection | SnapshotConnection


def _lease(db: Path) -> tuple[Path, io.BufferedReader]:
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


def _table_files(version: Path, key: str, table: ManifestTable) -> list[Path]:
    """The Parquet files of one manifest table; a path leading out of ``version`` is refused."""
    files = [version / table["path"] / name for name in table["files"]]
    for path in files:
        if not path.resolve().is_relative_to(version.resolve()):
            raise SnapshotError(f"snapshot {version} is damaged: table {key} names a file outside it ({path})")
    return files


def _column_type(key: str, column_type: str) -> str:
    """A manifest column type, checked against ``COLUMN_TYPE`` before it goes into SQL."""
    if not COLUMN_TYPE.fullmatch(column_type):
        raise SnapshotError(f"snapshot manifest is damaged: table {key} has column type {column_type!r}")
    return column_type


def _create_views(con: duckdb.DuckDBPyConnection, version: Path, manifest: Manifest) -> None:
    """One view per manifest table, named as in the warehouse, over the Parquet files of ``version``."""
    for schema in {key.split(".", 1)[0] for key in manifest["tables"]} | set(manifest.get("schemas", [])):
        con.execute(f"create schema if not exists {quote_identifier(schema)}")
    for key, table in manifest["tables"].items():
        schema, name = key.split(".", 1)
        files = ", ".join(quote_literal(str(f)) for f in _table_files(version, key, table))
        # cast back to the warehouse types (Parquet has no HUGEINT, for instance)
        columns = ", ".join(f"cast({quote_identifier(c)} as {_column_type(key, t)}) as {quote_identifier(c)}"
                            for c, t in table["columns"])
        con.execute(f"create view {quote_identifier(schema)}.{quote_identifier(name)} as"
                    f" select {columns} from read_parquet([{files}])")


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
        manifest: Manifest = json.loads(handle.read().decode("utf-8"))
        if manifest.get("warehouse") not in (None, db.name):
            raise SnapshotError(f"snapshot {snapshot_link(db)} belongs to warehouse {manifest['warehouse']!r},"
                                f" not {db.name!r} (copied or renamed?): run `seesaw run` to publish this one's")
        con = duckdb.connect(":memory:")
        _create_views(con, version, manifest)
    except BaseException:
        handle.close()
        raise
    return SnapshotConnection(con, manifest, version, handle)


@contextmanager
def connect_for_reading(db: str | os.PathLike[str] | None = None, *, tries: int = 3,
                        wait_s: float = 0.5) -> Iterator[ReadConnection]:
    """A read connection that never makes a run wait: the latest published snapshot.

    seesaw's readers (``query``, ``status``, ``series``, ``report``) read the snapshot, so they
    never hold the warehouse file when a run starts. While a run holds the run lock, one line on
    stderr says the data is that of the snapshot (creation time UTC, run). Before the first
    publish there is no snapshot: then the warehouse itself is opened read-only, retrying
    ``tries`` times ``wait_s`` apart while another process holds the file, unless a run is
    writing it.

    Raises
    ------
    WarehouseLockedError
        No snapshot has been published yet and the warehouse is being written (the first run).
    """
    path = db_path(db)
    holder = lock_holder(path)
    link = snapshot_link(path)
    with ExitStack() as stack:
        if os.path.lexists(link):
            snap = stack.enter_context(open_snapshot(path))
            if holder is not None:
                print(f"note: {describe_holder(path, holder)}; reading the snapshot of"
                      f" {snap.manifest['created_at']} (run {snap.manifest.get('run_id') or 'unknown'})",
                      file=sys.stderr)
            con: ReadConnection = snap
        elif holder is not None:
            raise WarehouseLockedError(f"{describe_holder(path, holder)}, and no snapshot published next to warehouse"
                                       f" {path} yet (expected {link}): the run publishes one when it finishes;"
                                       " try again then")
        else:
            con = _open_unpublished(stack, path, tries, wait_s)
        yield con


def _open_unpublished(stack: ExitStack, path: Path, tries: int, wait_s: float) -> duckdb.DuckDBPyConnection:
    """The warehouse itself, read-only, for a warehouse that has no snapshot yet."""
    for attempt in range(tries):
        try:
            return stack.enter_context(connect(path, read_only=True))
        except WarehouseLockedError:
            if attempt + 1 < tries:
                time.sleep(wait_s)
    raise WarehouseLockedError(f"warehouse {path} is locked by another process, and no snapshot published next to"
                               f" warehouse {path} yet (expected {snapshot_link(path)}): a successful `seesaw run`"
                               " publishes one; try again later")
