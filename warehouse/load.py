"""Write path: catalog upserts and per-series loads, each one transaction (delete range, bulk insert).

Only the single load step of a flow calls these; fetch tasks never touch the warehouse.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd

from seesaw.sources.base import SeriesSpec, TableSpec
from seesaw.transforms.quality import DEFAULT_MAX_REVISION_JUMP, REVISION_SCALE_VALUES, Validated, implausible_revisions
from seesaw.warehouse.db import one_row, rollback


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
    status: str  # ok, partial, no_data, failed
    error: str | None = None  # the error (failed), why the load is partial, or where the data is (no_data)
    rows_vanished: int = 0  # stored dates in the fetched window the source no longer lists


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
                current: str, replace: bool) -> None:
    """Write the staged rows of ``series_id`` into core, replacing the stored rows of their dates.

    With ``replace`` the whole range [lo, hi] is replaced: stored dates the fetch no longer lists
    are removed too (rejected dates always keep their stored value).
    """
    con.execute(
        f"""
        delete from core.observations
        where series_id = ? and obs_date between ? and ?
          and (obs_date in (select obs_date from {current})
               or (? and obs_date not in (select obs_date from staged_rejects)))
        """,
        [series_id, lo, hi, replace],
    )
    con.execute(f"insert into core.observations select ?, obs_date, value, vintage, ? from {current}",
                [series_id, run_id])


def _reject_implausible(con: duckdb.DuckDBPyConnection, spec: SeriesSpec, current: str,
                        rejects: pd.DataFrame) -> pd.DataFrame:
    """Unstage revisions that move a stored value implausibly far (the rule is
    ``seesaw.transforms.quality.implausible_revisions``, judged on the series' latest stored values):
    their stored values stay. Returns ``rejects`` plus these, as ``implausible_revision``."""
    revised = con.execute(
        f"select s.obs_date, e.value as old, s.value as new from {current} s join existing e using (obs_date)"
        " where s.value <> e.value").df()
    if revised.empty:
        return rejects
    history = con.execute(
        "select value from (select obs_date, value from core.observations where series_id = ?"
        " order by obs_date desc limit ?) order by obs_date", [spec.series_id, REVISION_SCALE_VALUES]
    ).fetchnumpy()["value"]
    max_jump = spec.max_revision_jump or DEFAULT_MAX_REVISION_JUMP
    bad = revised[implausible_revisions(revised["old"], revised["new"], history, max_jump)]
    if bad.empty:
        return rejects
    con.register("implausible", bad[["obs_date"]])
    try:
        for table in sorted({"staged_all", current}):
            con.execute(f"delete from {table} where obs_date in (select obs_date::date from implausible)")
        con.execute("create or replace temp table staged_rejects as select obs_date from staged_rejects"
                    " union select obs_date::date from implausible")
    finally:
        con.unregister("implausible")
    found = bad.assign(raw_value=[f"{v:.15g}" for v in bad["new"]], reason="implausible_revision")
    return pd.concat([rejects, found[["obs_date", "raw_value", "reason"]]], ignore_index=True)


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
    replace: bool = False,
    held: tuple[date, date] | None = None,
) -> LoadResult:
    """Load one series in one transaction: append changes to ``raw``, write them to ``core``.

    A value that differs from the current one is appended to ``raw.observations`` (the old one
    stays there), so ``raw`` is the full revision history; for vintaged series every vintage not
    yet in ``raw`` is appended. A revision that jumps implausibly far is rejected
    (``implausible_revision``) and the stored value stays. A stored date inside the requested
    window (open ends unbounded) that the fetch no longer lists has vanished: it is counted
    (``rows_vanished``), kept, and the load is partial. Only ``replace`` (an explicit backfill)
    removes vanished dates, recording each removal in ``raw`` as a NULL value, and accepts large
    revisions. Reloading identical data changes no table but ``ops.loads``. On any error the
    transaction rolls back, the previous content stays intact, and the error is recorded as a
    failed load.

    A fetch with no rows where nothing is stored either (the series ended before the window,
    starts after it, or the window holds only non-trading days) is ``no_data``, not a failure;
    ``error`` then says where the data is, from ``held`` (the span the source holds, when it
    said) and the stored dates. A fetch with no valid rows where dates are stored, or whose
    every row was rejected, is a failure.
    """
    valid, rejects = validated.valid, validated.rejects
    sid = spec.series_id
    lo, hi = requested_start or date.min, requested_end or date.max
    if valid.empty:
        stored = con.execute("select obs_date from core.observations where series_id = ? and obs_date between ? and ?",
                             [sid, lo, hi]).df()["obs_date"]
        kept = int((~stored.isin(rejects["obs_date"])).sum())
        if rows_fetched or kept:
            error = "no valid observations in the fetched range" + (f"; {kept} stored dates there kept" if kept else "")
            result = LoadResult(sid, rows_fetched, 0, 0, len(rejects), None, None, "failed", error, kept)
        else:
            result = LoadResult(sid, 0, 0, 0, 0, None, None, "no_data", _where_the_data_is(con, spec, lo, hi, held))
        _record(con, run_id, result, requested_start, requested_end, rejects, now)
        return result
    vintaged = bool(valid["vintage"].notna().any())
    first, last = pd.Timestamp(valid["obs_date"].min()).date(), pd.Timestamp(valid["obs_date"].max()).date()
    lo, hi = min(lo, first), max(hi, last)
    try:
        con.execute("begin transaction")
        current = _stage(con, valid, rejects)
        con.execute(
            "create or replace temp table existing as select obs_date, value, vintage from core.observations"
            " where series_id = ? and obs_date between ? and ?", [sid, lo, hi])
        if not replace:
            rejects = _reject_implausible(con, spec, current, rejects)
        inserted, changed, vanished, vanished_from, vanished_to = one_row(con.execute(
            f"""
            select
                count(*) filter (where e.obs_date is null),
                count(*) filter (where s.obs_date is not null and e.obs_date is not null
                                 and (e.value <> s.value or e.vintage is distinct from s.vintage)),
                count(*) filter (where s.obs_date is null and r.obs_date is null),
                min(e.obs_date) filter (where s.obs_date is null and r.obs_date is null),
                max(e.obs_date) filter (where s.obs_date is null and r.obs_date is null)
            from {current} s
            full join existing e using (obs_date)
            left join staged_rejects r on r.obs_date = e.obs_date
            """
        ))
        if vintaged:
            con.execute(
                """
                insert into raw.observations
                select ?, s.obs_date, s.value, s.vintage, ?::timestamptz, ? from staged_all s
                anti join (select obs_date, vintage, value from raw.observations
                           where series_id = ? and obs_date between ? and ?
                           qualify row_number() over (partition by obs_date, vintage order by fetched_at desc) = 1) r
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
        if replace and vanished:
            con.execute(
                f"""
                insert into raw.observations
                select ?, e.obs_date, null, e.vintage, ?::timestamptz, ? from existing e
                anti join {current} s using (obs_date)
                anti join staged_rejects r using (obs_date)
                """,
                [sid, now, run_id],
            )
        if inserted or changed or (replace and vanished):
            _write_core(con, sid, lo, hi, run_id, current, replace)
        reason = None
        if vanished and not replace:
            reason = (f"{vanished} stored dates ({vanished_from}..{vanished_to}) missing from the fetch: kept "
                      "(a backfill with --replace removes them)")
        result = LoadResult(sid, rows_fetched, int(inserted), int(changed), len(rejects), first, last,
                            "partial" if len(rejects) or reason else "ok", reason, int(vanished))
        _record(con, run_id, result, requested_start, requested_end, rejects, now)
        con.execute("commit")
    except Exception as exc:
        rollback(con)
        result = LoadResult(sid, rows_fetched, 0, 0, 0, None, None, "failed", f"{type(exc).__name__}: {exc}")
        _record(con, run_id, result, requested_start, requested_end, rejects.iloc[0:0], now)
    return result


def _where_the_data_is(con: duckdb.DuckDBPyConnection, spec: SeriesSpec, lo: date, hi: date,
                       held: tuple[date, date] | None) -> str:
    """Why a window [lo, hi] has no data, in a few words: the series ``ends …`` before it,
    ``starts …`` after it, or has ``no dates in range`` (weekend, holidays: a gap in its span);
    from the span the source holds and the stored dates together."""
    stored = one_row(con.execute("select min(obs_date), max(obs_date) from core.observations where series_id = ?",
                                 [spec.series_id]))
    spans = [span for span in (held, stored) if span is not None and span[0] is not None]
    if not spans:
        return "none listed or stored"
    first, last = min(span[0] for span in spans), max(span[1] for span in spans)
    if last < lo:
        return f"ends {_period(last, spec.frequency)}"
    if first > hi:
        return f"starts {_period(first, spec.frequency)}"
    return "no dates in range"


def _period(day: date, frequency: str) -> str:
    """A date as its period: ``2018-07`` for a monthly observation, ``2018Q3``, ``2018``, else the day."""
    stamp = pd.Timestamp(day)
    if frequency == "M":
        return f"{stamp:%Y-%m}"
    if frequency == "Q":
        return f"{stamp.year}Q{stamp.quarter}"
    if frequency == "A":
        return str(stamp.year)
    return f"{stamp:%Y-%m-%d}"


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
    """Write the ``ops.loads`` row of a load without rejects (a failed fetch, a table input)."""
    _record(con, run_id, result, requested_start, requested_end, _NO_REJECTS, now)


def _record(
    con: duckdb.DuckDBPyConnection, run_id: str, result: LoadResult,
    requested_start: date | None, requested_end: date | None, rejects: pd.DataFrame, now: datetime,
) -> None:
    con.execute(
        "insert into ops.loads (run_id, series_id, requested_start, requested_end, rows_fetched, rows_inserted,"
        " rows_changed, rows_rejected, min_date, max_date, status, error, loaded_at, rows_vanished)"
        " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, result.series_id, requested_start, requested_end, result.rows_fetched, result.rows_inserted,
         result.rows_changed, result.rows_rejected, result.min_date, result.max_date, result.status,
         result.error, now, result.rows_vanished],
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


def last_table_date(con: duckdb.DuckDBPyConnection, table_id: str) -> date | None:
    """Latest stored date of a table-shaped input (None when it holds nothing yet)."""
    last: date | None = one_row(con.execute(_table(table_id).last_date_sql))[0]
    return last


def load_table(con: duckdb.DuckDBPyConnection, *, run_id: str, spec: TableSpec, frame: pd.DataFrame,
               requested_start: date | None, requested_end: date | None, now: datetime) -> LoadResult:
    """Load a table-shaped input in one transaction and record it in ``ops.loads`` under
    ``spec.load_id``; an error rolls the table back and is recorded as a failed load."""
    try:
        table = _table(spec.table_id)
        changed, rows = table.load(con, run_id=run_id, frame=frame, now=now)
    except Exception as exc:
        return record_failure(con, run_id=run_id, series_id=spec.load_id, error=f"{type(exc).__name__}: {exc}",
                              requested_start=requested_start, requested_end=requested_end, now=now)
    dates = pd.to_datetime(frame[table.date_column])
    result = LoadResult(spec.load_id, rows, changed, 0, 0, dates.min().date() if rows else None,
                        dates.max().date() if rows else None, "ok")
    record_result(con, run_id, result, requested_start, requested_end, now)
    return result


def load_auctions(con: duckdb.DuckDBPyConnection, *, run_id: str, frame: pd.DataFrame,
                  now: datetime) -> tuple[int, int]:
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
        changed = one_row(con.execute(
            """
            with latest as (
                select auction_date, cusip, payload::varchar as payload from raw.auctions
                qualify row_number() over (partition by auction_date, cusip order by fetched_at desc) = 1
            )
            select count(*) from staged_auctions s
            where not exists (select 1 from latest l where l.auction_date = s.auction_date
                              and l.cusip = s.cusip and l.payload = s.payload)
            """
        ))[0]
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


@dataclass(frozen=True)
class _Table:
    """Where a table-shaped input is stored: its loader, the column dating a fetched row, and
    the query for its latest stored date."""

    load: Callable[..., tuple[int, int]]
    date_column: str
    last_date_sql: str


_TABLES = {"auctions": _Table(load_auctions, "auction_date", "select max(auction_date) from core.auctions")}


def _table(table_id: str) -> _Table:
    if table_id not in _TABLES:
        raise ValueError(f"the warehouse has no table for {table_id!r}; known: {', '.join(sorted(_TABLES))}")
    return _TABLES[table_id]
