"""The ``pit`` schema: point-in-time history written by ``seesaw replay``, and its reads.

Each summary table (``transforms.pit.PIT_TABLES``) takes its columns, types and defaults from the
results table it summarizes, with ``as_of`` first (and ``stale`` on ``pit.regimes``); a column a
later migration adds to the results table is added here before the next day is written.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

import duckdb
import pandas as pd

from seesaw.transforms.pit import PIT_TABLES, PitTable, history_frame, known_on
from seesaw.transforms.pit import changes as pit_changes
from seesaw.warehouse.db import one_row, quote_identifier, rollback
from seesaw.warehouse.snapshot import ReadConnection

#: Columns a pit table has beyond its results table's (name, SQL type, comment).
EXTRA_COLUMNS = {"regimes": [("stale", "boolean")]}


def observation_history(con: ReadConnection, series_ids: list[str] | None = None) -> pd.DataFrame:
    """Every value a replay may use: ``series_id, obs_date, value, vintage, fetched_at``. Current
    values (``core``) of series without vintages; every ALFRED vintage (``raw``) of the others.
    ``series_ids`` limits it to those series (default: all)."""
    return con.execute("""
        with vintaged as (select distinct series_id from raw.observations where vintage is not null),
        history as (
            select series_id, obs_date, value, null::date as vintage, null::timestamptz as fetched_at
            from core.observations where series_id not in (select series_id from vintaged)
            union all
            select series_id, obs_date, value, vintage, fetched_at from raw.observations where vintage is not null
        )
        select * from history where $ids is null or series_id in (select unnest($ids::varchar[]))
    """, {"ids": series_ids}).df()


def known_observations(con: ReadConnection, as_of: date, series_ids: list[str] | None = None) -> pd.DataFrame:
    """``series_id, obs_date, value`` as known on ``as_of`` (``transforms.pit.known_on``: periodic
    values once their period has ended, ALFRED vintages once released). The one as-of rule of
    ``seesaw replay``, ``seesaw report --as-of`` and ``seesaw.open(...).series(as_of=...)``."""
    frequency = dict(con.execute("select series_id, frequency from core.series").fetchall())
    return known_on(history_frame(observation_history(con, series_ids), frequency), as_of)


def previous_day(con: ReadConnection, as_of: date) -> date | None:
    """The newest stored pit day before ``as_of`` (None when there is none)."""
    row = con.execute("select max(as_of) from pit.dates where as_of < ?", [as_of]).fetchone()
    return row[0] if row else None


def day_run(con: ReadConnection, as_of: date) -> str | None:
    """The run that stored pit day ``as_of`` (None when the day is not stored)."""
    row = con.execute("select run_id from pit.dates where as_of = ?", [as_of]).fetchone()
    return str(row[0]) if row else None


def days_stamp(con: ReadConnection) -> str:
    """The stored days, their newest and when the last was stored, as one text that any write of a
    day changes ("" when pit is absent)."""
    exists = one_row(con.execute("select count(*) from information_schema.tables"
                                 " where table_schema = 'pit' and table_name = 'dates'"))[0]
    if not exists:
        return ""
    return "|".join(map(str, one_row(con.execute("select count(*), max(as_of), max(stored_at) from pit.dates"))))


def results_tables(con: ReadConnection, tables: Iterable[str]) -> dict[str, pd.DataFrame]:
    """Whole ``results.<table>`` frames by name (what a nightly summarizes into its pit day)."""
    return {t: con.execute(f"select * from results.{quote_identifier(t)}").df() for t in tables}


def _results_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str, str | None]]:
    """(name, type, default) of ``results.<table>``'s columns, in order."""
    return [(str(name), str(typ), default) for name, typ, default in con.execute(
        "select column_name, data_type, column_default from duckdb_columns()"
        " where schema_name = 'results' and table_name = ? order by column_index", [table]).fetchall()]


def _column_sql(name: str, typ: str, default: str | None) -> str:
    return f"{quote_identifier(name)} {typ}" + (f" default {default}" if default is not None else "")


def ensure_tables(con: duckdb.DuckDBPyConnection, tables: Iterable[PitTable] = PIT_TABLES) -> None:
    """Create each pit summary table from its results table, or add the columns it lacks."""
    for table in tables:
        columns = [*_results_columns(con, table.source),
                   *((name, typ, None) for name, typ in EXTRA_COLUMNS.get(table.name, []))]
        if not columns:
            raise ValueError(f"results.{table.source} does not exist: cannot derive pit.{table.name}")
        target = f"pit.{quote_identifier(table.name)}"
        con.execute(f"create table if not exists {target} (as_of date not null, "
                    + ", ".join(_column_sql(*column) for column in columns) + ")")
        have = {row[0] for row in con.execute(
            "select column_name from duckdb_columns() where schema_name = 'pit' and table_name = ?",
            [table.name]).fetchall()}
        for column in columns:
            if column[0] not in have:
                con.execute(f"alter table {target} add column {_column_sql(*column)}")


def stored_dates(con: ReadConnection) -> set[date]:
    """Days already stored in ``pit``."""
    return {row[0] for row in con.execute("select as_of from pit.dates").fetchall()}


def write_day(con: duckdb.DuckDBPyConnection, as_of: date, frames: Mapping[str, pd.DataFrame],
              analyses: pd.DataFrame, *, run_id: str, seconds: float, now: datetime) -> int:
    """Replace day ``as_of`` in every pit table by ``frames`` (pit table name → rows, columns by
    name) and ``analyses`` (``pit.analyses`` rows), in one transaction. Returns the rows written."""
    written = 0
    ok = int(analyses["status"].isin(["ok", "stale"]).sum()) if len(analyses) else 0
    day = pd.DataFrame([{"as_of": as_of, "run_id": run_id, "stored_at": now, "seconds": seconds,
                         "analyses_ok": ok, "analyses_total": len(analyses)}])
    parts = {**{quote_identifier(name): frame for name, frame in frames.items()},
             "analyses": analyses.assign(as_of=as_of), "dates": day}
    try:
        con.execute("begin transaction")
        for name, frame in parts.items():
            con.execute(f"delete from pit.{name} where as_of = ?", [as_of])
            if len(frame):
                con.register("incoming_pit", frame)
                try:
                    con.execute(f"insert into pit.{name} by name select * from incoming_pit")
                finally:
                    con.unregister("incoming_pit")
                written += len(frame) if name != "dates" else 0
        con.execute("commit")
    except Exception:
        rollback(con)
        raise
    return written


def day_tables(con: ReadConnection, as_of: date, names: Iterable[str]) -> dict[str, pd.DataFrame]:
    """Rows of the named pit tables for one day."""
    return {name: con.execute(f"select * from pit.{quote_identifier(name)} where as_of = ?", [as_of]).df()
            for name in names}


def newest_days(con: ReadConnection, count: int = 2) -> list[date]:
    """The ``count`` newest stored days, newest first (empty when pit holds none or is absent)."""
    exists = con.execute("select count(*) from duckdb_tables() where schema_name = 'pit' and table_name = 'dates'")
    row = exists.fetchone()
    if not row or not row[0]:
        return []
    return [r[0] for r in con.execute("select as_of from pit.dates order by as_of desc limit ?", [count]).fetchall()]


def changes(con: ReadConnection) -> tuple[date, date, pd.DataFrame] | None:
    """What changed between the two newest stored days (``transforms.pit.changes``): the newest
    day, the one before it and the changes; None with fewer than two days stored."""
    days = newest_days(con, 2)
    if len(days) < 2:
        return None
    names = ("regimes", "events", "correlations_latest")
    return days[0], days[1], pit_changes(day_tables(con, days[1], names), day_tables(con, days[0], names))
