"""Write path: catalog upserts and per-series loads, each one transaction (delete range, bulk insert).

Only the single load step of a flow calls these; fetch tasks never touch the warehouse.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable

import duckdb
import pandas as pd

from sources.base import SeriesSpec
from transforms.quality import Validated
from warehouse.db import rollback


@dataclass(frozen=True)
class LoadResult:
    """What one series load did (mirrors a row of ``ops.loads``)."""

    series_id: str
    rows_fetched: int
    rows_inserted: int
    rows_changed: int
    rows_rejected: int
    min_date: date | None
    max_date: date | None
    status: str  # ok, partial, failed
    error: str | None = None


def upsert_series(con: duckdb.DuckDBPyConnection, specs: Iterable[SeriesSpec], now: datetime) -> None:
    """Write catalog rows for ``specs`` (insert or replace by series_id) in one statement."""
    frame = pd.DataFrame(
        [
            (s.series_id, s.name, s.source, s.source_code, s.frequency, s.unit, s.kind, s.country, s.description)
            for s in specs
        ],
        columns=["series_id", "name", "source", "source_code", "frequency", "unit", "kind", "country", "description"],
    )
    con.register("incoming_series", frame)
    try:
        con.execute(
            """
            insert or replace into core.series
            select i.*, coalesce(
                (select c.updated_at from core.series c
                 where c.series_id = i.series_id
                   and (c.name, c.source, c.source_code, c.frequency, c.unit, c.kind, c.country, c.description)
                       is not distinct from
                       (i.name, i.source, i.source_code, i.frequency, i.unit, i.kind, i.country, i.description)),
                ?::timestamptz)
            from incoming_series i
            """,
            [now],
        )
    finally:
        con.unregister("incoming_series")


def last_dates(con: duckdb.DuckDBPyConnection) -> dict[str, date]:
    """Last stored observation date per series (for incremental loads)."""
    rows = con.execute("select series_id, max(obs_date) from core.observations group by 1").fetchall()
    return dict(rows)


def _stage(con: duckdb.DuckDBPyConnection, valid: pd.DataFrame, rejects: pd.DataFrame) -> str:
    """Stage a series' rows as temp tables: every row, the current row per date, rejected dates.

    Arrow/pandas frames are bulk-copied once; the later statements only join temp tables.
    Returns the name of the table holding the current row per date.
    """
    con.register("incoming_rows", valid[["obs_date", "value", "vintage"]])
    con.register("incoming_rejects", rejects[["obs_date"]])
    try:
        con.execute("create or replace temp table staged_all as"
                    " select obs_date::date as obs_date, value, vintage::date as vintage from incoming_rows")
        # Current value per date: the latest vintage of each obs_date (validation already
        # left one row per date when there are no vintages).
        current = "staged_all"
        if valid["vintage"].notna().any():
            current = "staged_current"
            con.execute("create or replace temp table staged_current as select * from staged_all"
                        " qualify row_number() over (partition by obs_date order by vintage desc) = 1")
        con.execute("create or replace temp table staged_rejects as"
                    " select distinct obs_date::date as obs_date from incoming_rejects where obs_date is not null")
    finally:
        con.unregister("incoming_rows")
        con.unregister("incoming_rejects")
    return current


def _write_core(con: duckdb.DuckDBPyConnection, series_id: str, lo: date, hi: date, run_id: str,
                current: str) -> None:
    """Replace core rows of ``series_id`` in [lo, hi] (keeping rejected dates) by the staged rows."""
    con.execute(
        """
        delete from core.observations
        where series_id = ? and obs_date between ? and ?
          and obs_date not in (select obs_date from staged_rejects)
        """,
        [series_id, lo, hi],
    )
    con.execute(f"insert into core.observations select ?, obs_date, value, vintage, ? from {current}",
                [series_id, run_id])


def load_series(
    con: duckdb.DuckDBPyConnection,
    *,
    run_id: str,
    spec: SeriesSpec,
    validated: Validated,
    rows_fetched: int,
    requested_start: date | None,
    requested_end: date | None,
    now: datetime,
) -> LoadResult:
    """Load one series in one transaction: append changes to ``raw``, replace the range in ``core``.

    A value that differs from the current one is appended to ``raw.observations`` (the old one
    stays there), so ``raw`` is the full revision history; for vintaged series every vintage not
    yet in ``raw`` is appended. Reloading identical data changes no table but ``ops.loads``. On
    any error the transaction rolls back, the previous content stays intact, and the error is
    recorded as a failed load.
    """
    valid, rejects = validated.valid, validated.rejects
    sid = spec.series_id
    if valid.empty:
        result = LoadResult(sid, rows_fetched, 0, 0, len(rejects), None, None, "failed",
                            "no valid observations in the fetched range")
        _record(con, run_id, result, requested_start, requested_end, rejects, now)
        return result
    vintaged = bool(valid["vintage"].notna().any())
    first, last = pd.Timestamp(valid["obs_date"].min()).date(), pd.Timestamp(valid["obs_date"].max()).date()
    lo = min(requested_start or first, first)
    hi = max(requested_end or last, last)
    try:
        con.execute("begin transaction")
        current = _stage(con, valid, rejects)
        con.execute(
            "create or replace temp table existing as select obs_date, value, vintage from core.observations"
            " where series_id = ? and obs_date between ? and ?", [sid, lo, hi])
        inserted, changed, removed = con.execute(
            f"""
            select
                count(*) filter (where e.obs_date is null),
                count(*) filter (where s.obs_date is not null and e.obs_date is not null
                                 and (e.value <> s.value or e.vintage is distinct from s.vintage)),
                count(*) filter (where s.obs_date is null and r.obs_date is null)
            from {current} s
            full join existing e using (obs_date)
            left join staged_rejects r on r.obs_date = e.obs_date
            """
        ).fetchone()
        if vintaged:
            con.execute(
                """
                insert into raw.observations
                select ?, s.obs_date, s.value, s.vintage, ?::timestamptz, ? from staged_all s
                anti join (select obs_date, vintage, value from raw.observations
                           where series_id = ? and obs_date between ? and ?) r
                    on r.obs_date = s.obs_date and r.vintage is not distinct from s.vintage and r.value = s.value
                """,
                [sid, now, run_id, sid, lo, hi],
            )
        elif inserted or changed:
            con.execute(
                f"""
                insert into raw.observations
                select ?, s.obs_date, s.value, s.vintage, ?::timestamptz, ? from {current} s
                anti join existing e on e.obs_date = s.obs_date and e.value = s.value
                """,
                [sid, now, run_id],
            )
        if inserted or changed or removed:
            _write_core(con, sid, lo, hi, run_id, current)
        result = LoadResult(sid, rows_fetched, int(inserted), int(changed), len(rejects), first, last,
                            "partial" if len(rejects) else "ok")
        _record(con, run_id, result, requested_start, requested_end, rejects, now)
        con.execute("commit")
    except Exception as exc:
        rollback(con)
        result = LoadResult(sid, rows_fetched, 0, 0, 0, None, None, "failed", f"{type(exc).__name__}: {exc}")
        _record(con, run_id, result, requested_start, requested_end, rejects.iloc[0:0], now)
    return result


_NO_REJECTS = pd.DataFrame(columns=["obs_date", "raw_value", "reason"])


def record_failure(
    con: duckdb.DuckDBPyConnection, *, run_id: str, series_id: str, error: str,
    requested_start: date | None, requested_end: date | None, now: datetime,
) -> LoadResult:
    """Record a series whose fetch failed (nothing is written but the ``ops.loads`` row)."""
    result = LoadResult(series_id, 0, 0, 0, 0, None, None, "failed", error)
    record_result(con, run_id, result, requested_start, requested_end, now)
    return result


def record_result(con: duckdb.DuckDBPyConnection, run_id: str, result: LoadResult,
                  requested_start: date | None, requested_end: date | None, now: datetime) -> None:
    """Write the ``ops.loads`` row of a load without rejects (a failed fetch, the auctions table)."""
    _record(con, run_id, result, requested_start, requested_end, _NO_REJECTS, now)


def _record(
    con: duckdb.DuckDBPyConnection, run_id: str, result: LoadResult,
    requested_start: date | None, requested_end: date | None, rejects: pd.DataFrame, now: datetime,
) -> None:
    con.execute(
        "insert into ops.loads values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, result.series_id, requested_start, requested_end, result.rows_fetched, result.rows_inserted,
         result.rows_changed, result.rows_rejected, result.min_date, result.max_date, result.status,
         result.error, now],
    )
    if len(rejects):
        frame = rejects[["obs_date", "raw_value", "reason"]].assign(run_id=run_id, series_id=result.series_id)
        con.register("incoming_rejects", frame)
        try:
            con.execute(
                "insert into ops.rejects select run_id, series_id, obs_date, raw_value, reason, ?::timestamptz"
                " from incoming_rejects",
                [now],
            )
        finally:
            con.unregister("incoming_rejects")


def load_auctions(con: duckdb.DuckDBPyConnection, *, run_id: str, frame: pd.DataFrame, now: datetime) -> tuple[int, int]:
    """Load auction rows in one transaction; returns (new or revised rows, rows in the batch).

    Each row's normalised content is kept as JSON in ``raw.auctions`` when it is new or differs
    from the latest version of its (auction_date, cusip); ``core.auctions`` rows of the batch's
    keys are replaced. Reloading the same rows changes nothing but the count.
    """
    batch = frame.drop_duplicates(["auction_date", "cusip"], keep="last").reset_index(drop=True)
    staged = batch.assign(
        auction_date=pd.to_datetime(batch["auction_date"]).dt.date,
        payload=batch.to_json(orient="records", lines=True, date_format="iso").splitlines(),
    )
    con.register("staged_auctions", staged)
    try:
        con.execute("begin transaction")
        changed = con.execute(
            """
            with latest as (
                select auction_date, cusip, payload::varchar as payload from raw.auctions
                qualify row_number() over (partition by auction_date, cusip order by fetched_at desc) = 1
            )
            select count(*) from staged_auctions s
            where not exists (select 1 from latest l where l.auction_date = s.auction_date
                              and l.cusip = s.cusip and l.payload = s.payload)
            """
        ).fetchone()[0]
        if changed:
            con.execute(
                """
                insert into raw.auctions
                select s.auction_date, s.cusip, s.payload::json, ?::timestamptz, ?
                from staged_auctions s
                where not exists (
                    select 1 from (select auction_date, cusip, payload::varchar as payload from raw.auctions
                                   qualify row_number() over (partition by auction_date, cusip
                                                              order by fetched_at desc) = 1) l
                    where l.auction_date = s.auction_date and l.cusip = s.cusip and l.payload = s.payload)
                """,
                [now, run_id],
            )
            con.execute("delete from core.auctions c using staged_auctions s"
                        " where c.auction_date = s.auction_date and c.cusip = s.cusip")
            con.execute("insert into core.auctions by name select * exclude (payload), ? as run_id"
                        " from staged_auctions", [run_id])
        con.execute("commit")
    except Exception:
        rollback(con)
        raise
    finally:
        con.unregister("staged_auctions")
    return int(changed), len(staged)
