"""Run bookkeeping, results writes and data-quality checks (the rest of the write path)."""
from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from seesaw.warehouse.db import CHECKS_DIR, one_row, quote_literal, rollback


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, flow: str, profile: str,
              parameters: dict[str, Any], now: datetime) -> None:
    """Record a run as ``running``."""
    con.execute(
        "insert into ops.runs values (?, ?, ?, ?, ?, null, 'running', null)",
        [run_id, flow, profile, json.dumps(parameters, default=str, sort_keys=True), now],
    )


def mark_crashed(con: duckdb.DuckDBPyConnection, run_id: str, now: datetime) -> list[str]:
    """Record every run still ``running`` as ``crashed``; return their ids.

    Call only while holding the run lock: no other run can be live then, so a ``running`` row
    belongs to a process that died (killed, out of memory, power loss). ``finished_at`` stays
    NULL (when it died is unknown); the message says which run noticed.
    """
    rows = con.execute(
        "update ops.runs set status = 'crashed', message = ? where status = 'running' and run_id <> ?"
        " returning run_id",
        [f"ended without finishing (killed or crashed); found by run {run_id} at {now:%Y-%m-%dT%H:%MZ}", run_id],
    ).fetchall()
    return sorted(r[0] for r in rows)


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, message: str, now: datetime) -> None:
    """Close a run with its final status (ok, partial, failed) and a one-line message."""
    con.execute(
        "update ops.runs set finished_at = ?, status = ?, message = ? where run_id = ?",
        [now, status, message, run_id],
    )


def cancel_run(con: duckdb.DuckDBPyConnection, run_id: str, message: str, now: datetime) -> None:
    """Close a run still open as ``cancelled`` (a run already finished keeps its status)."""
    con.execute("update ops.runs set finished_at = ?, status = 'cancelled', message = ? "
                "where run_id = ? and finished_at is null", [now, message, run_id])


def record_analyses(con: duckdb.DuckDBPyConnection, outcomes: pd.DataFrame) -> None:
    """Append analysis step outcomes (``ops.analyses`` columns, matched by name) and checkpoint."""
    con.register("incoming_analyses", outcomes)
    try:
        con.execute("insert into ops.analyses by name select * from incoming_analyses")
    finally:
        con.unregister("incoming_analyses")
    con.execute("checkpoint")


def replace_results(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame,
                    scope: dict[str, Any] | None = None, since: date | None = None,
                    date_column: str = "obs_date") -> int:
    """Replace the rows of ``results.<table>`` in ``scope`` (column = value filters) by ``frame``.

    With ``since``, only scope rows dated on or after it are replaced (an incremental extension).
    One transaction: readers see the old rows or the new ones, never a mix. Columns are matched
    by name. Returns the number of rows written.
    """
    conditions = [f"{col} = ?" for col in (scope or {})]
    params = list((scope or {}).values())
    if since is not None:
        conditions.append(f"{date_column} >= ?")
        params.append(since)
    where = " and ".join(conditions) or "true"
    con.register("incoming_results", frame)
    try:
        con.execute("begin transaction")
        con.execute(f"delete from results.{table} where {where}", params)
        if len(frame):
            con.execute(f"insert into results.{table} by name select * from incoming_results")
        con.execute("commit")
    except Exception:
        rollback(con)
        raise
    finally:
        con.unregister("incoming_results")
    return len(frame)


def run_checks(con: duckdb.DuckDBPyConnection, run_id: str, now: datetime) -> pd.DataFrame:
    """Run every ``sql/checks/*.sql`` query (it selects failing rows) and record the outcomes.

    A check passes when its query returns no rows. Returns the ``ops.checks`` rows written.
    """
    outcomes = []
    for path in sorted(CHECKS_DIR.glob("*.sql")):
        sql = path.read_text(encoding="utf-8")
        try:
            failing = con.execute(f"select * from ({sql}) limit 1000").df()
            count = one_row(con.execute(f"select count(*) from ({sql})"))[0]
            detail = failing.head(5).to_csv(index=False).strip() if count else None
            outcomes.append((run_id, path.stem, "fail" if count else "pass", count, detail, now))
        except duckdb.Error as exc:
            outcomes.append((run_id, path.stem, "error", 0, str(exc), now))
    frame = pd.DataFrame(outcomes, columns=["run_id", "check_name", "status", "failing_rows", "detail", "checked_at"])
    if len(frame):
        con.register("incoming_checks", frame)
        try:
            con.execute("insert into ops.checks by name select * from incoming_checks")
        finally:
            con.unregister("incoming_checks")
    return frame


def copy_core(con: duckdb.DuckDBPyConnection, source_db: Path, known: pd.DataFrame) -> None:
    """Copy the catalog and the observations listed in ``known`` (``series_id, obs_date``: those
    known on a past day) from ``source_db``.

    Used to seed the scratch warehouse of an as-of replay, so a report built from it can name
    series and show data freshness as of that date.
    """
    con.execute(f"attach {quote_literal(str(source_db))} as source (read_only)")
    try:
        con.execute("insert into core.series select * from source.core.series")
        con.register("known_keys", known[["series_id", "obs_date"]])
        con.execute("insert into core.observations select o.* from source.core.observations o"
                    " semi join known_keys k on o.series_id = k.series_id and o.obs_date = k.obs_date")
        con.unregister("known_keys")
    finally:
        con.execute("detach source")
