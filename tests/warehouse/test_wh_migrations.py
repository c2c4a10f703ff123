import threading
from pathlib import Path

import duckdb
import pytest

from seesaw.warehouse.db import connect, migrate, migrations, schema_version


def test_migrations_apply_once_and_are_idempotent(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with connect(db) as con:
        first = schema_version(con)
        tables = con.execute("select count(*) from information_schema.tables").fetchone()[0]
        assert migrate(con) == []  # second application does nothing
    with connect(db) as con:  # reopening applies nothing either
        assert schema_version(con) == first == max(v for v, _, _ in migrations())
        assert con.execute("select count(*) from ops.schema_version").fetchone()[0] == len(migrations())
        assert con.execute("select count(*) from information_schema.tables").fetchone()[0] == tables
        schemas = {r[0] for r in con.execute("select schema_name from information_schema.schemata").fetchall()}
    assert {"raw", "core", "results", "ops"} <= schemas


def test_failed_migration_rolls_back(tmp_path: Path, monkeypatch) -> None:
    db = tmp_path / "w.duckdb"
    with connect(db):
        pass
    bad = migrations() + [(999, "999_broken", "create table ops.half_done (a int); select * from no_such_table;")]
    monkeypatch.setattr("seesaw.warehouse.db.migrations", lambda: bad)
    con = duckdb.connect(str(db))
    try:
        try:
            migrate(con)
        except duckdb.Error:
            pass
        assert schema_version(con) < 999
        names = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        assert "half_done" not in names
    finally:
        con.close()


def test_an_interrupted_query_is_a_keyboard_interrupt_not_a_failure(tmp_path) -> None:
    """Ctrl-C landing inside a DuckDB query surfaces as KeyboardInterrupt (a cancelled run, exit
    130), not as DuckDB's InterruptException (which read as a failed run, exit 1)."""
    with pytest.raises(KeyboardInterrupt), connect(tmp_path / "w.duckdb") as con:
        threading.Timer(0.3, con.interrupt).start()
        con.execute("select count(*) from range(100000000000) a")


def test_an_interrupted_result_conversion_is_a_keyboard_interrupt(tmp_path) -> None:
    """DuckDB reports a Ctrl-C during ``.df()`` as RuntimeError("Query interrupted") caused by the
    KeyboardInterrupt (seen in CI: the run then failed with exit 1 instead of 130)."""
    def converting() -> None:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as interrupt:
            raise RuntimeError("Query interrupted") from interrupt

    with pytest.raises(KeyboardInterrupt), connect(tmp_path / "w.duckdb"):
        converting()
    with pytest.raises(RuntimeError, match="unrelated"), connect(tmp_path / "w.duckdb"):
        raise RuntimeError("unrelated")
