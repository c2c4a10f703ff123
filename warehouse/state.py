"""What a run needs to skip unchanged work: digests of stored data, the ``ops.source_state`` and
``ops.analysis_state`` records (migration 015), and repeating the latest checks' outcomes."""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd

from seesaw.warehouse.db import CHECKS_DIR, one_row, quote_identifier


def series_digests(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[date, str]]:
    """Per series in ``core.observations``: its last date, and its row count, last date and a
    checksum of every (date, value, vintage) as one text that any stored change changes. One scan."""
    rows = con.execute("select series_id, max(obs_date), count(*) || '|' || max(obs_date) || '|'"
                       " || sum(hash(obs_date, value, vintage))::varchar from core.observations group by 1").fetchall()
    return {sid: (last, digest) for sid, last, digest in rows}


def table_digest(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """``schema.table`` (``core.auctions``) as one text: row count and a checksum of its rows
    (``run_id``, which says who wrote a row, left out)."""
    schema, name = table.split(".")
    source = f"{quote_identifier(schema)}.{quote_identifier(name)}"
    columns = [c for (c,) in con.execute("select column_name from duckdb_columns() where schema_name = ?"
                                         " and table_name = ? order by column_index", [schema, name]).fetchall()]
    if not columns:
        raise ValueError(f"the warehouse has no table {table}")
    keep = ", ".join(quote_identifier(c) for c in columns if c != "run_id")
    digest = one_row(con.execute(
        f"select count(*) || '|' || coalesce(sum(hash(t))::varchar, '') from (select {keep} from {source}) t"))[0]
    return str(digest)


@dataclass(frozen=True)
class SourceState:
    """The last ok load of one source (a row of ``ops.source_state``)."""

    load_id: str
    spec_digest: str
    requested_start: date | None
    requested_end: date | None
    files: list[tuple[str, int, int, str]] | None
    payload_digest: str | None
    stored_digest: str
    run_id: str


def source_states(con: duckdb.DuckDBPyConnection) -> dict[str, SourceState]:
    """Every ``ops.source_state`` row, by load id."""
    rows = con.execute("select load_id, spec_digest, requested_start, requested_end, files::varchar, payload_digest,"
                       " stored_digest, run_id from ops.source_state").fetchall()
    return {r[0]: SourceState(r[0], r[1], r[2], r[3], [tuple(f) for f in json.loads(r[4])] if r[4] else None,
                              r[5], r[6], r[7]) for r in rows}


def save_source_states(con: duckdb.DuckDBPyConnection, states: Iterable[SourceState], now: datetime) -> None:
    """Insert or replace ``ops.source_state`` rows, one statement."""
    frame = pd.DataFrame([(s.load_id, s.spec_digest, s.requested_start, s.requested_end,
                           None if s.files is None else json.dumps(s.files), s.payload_digest, s.stored_digest,
                           s.run_id) for s in states],
                         columns=["load_id", "spec_digest", "requested_start", "requested_end", "files",
                                  "payload_digest", "stored_digest", "run_id"])
    if frame.empty:
        return
    con.register("incoming_state", frame)
    try:
        con.execute("insert or replace into ops.source_state by name select load_id, spec_digest,"
                    " requested_start::date as requested_start, requested_end::date as requested_end,"
                    " files::json as files, payload_digest, stored_digest, run_id, ?::timestamptz as recorded_at"
                    " from incoming_state", [now])
    finally:
        con.unregister("incoming_state")


@dataclass(frozen=True)
class AnalysisState:
    """An analysis step's last computing run (a row of ``ops.analysis_state``)."""

    step: str
    fingerprint: str
    status: str
    message: str | None
    run_id: str


def analysis_states(con: duckdb.DuckDBPyConnection) -> dict[str, AnalysisState]:
    """Every ``ops.analysis_state`` row, by step."""
    rows = con.execute("select step, fingerprint, status, message, run_id from ops.analysis_state").fetchall()
    return {r[0]: AnalysisState(*r) for r in rows}


def save_analysis_states(con: duckdb.DuckDBPyConnection, states: Iterable[AnalysisState], now: datetime) -> None:
    """Insert or replace ``ops.analysis_state`` rows, one statement."""
    frame = pd.DataFrame([(s.step, s.fingerprint, s.status, s.message, s.run_id) for s in states],
                         columns=["step", "fingerprint", "status", "message", "run_id"])
    if frame.empty:
        return
    con.register("incoming_state", frame)
    try:
        con.execute("insert or replace into ops.analysis_state by name select step, fingerprint, status, message,"
                    " run_id, ?::timestamptz as recorded_at from incoming_state", [now])
    finally:
        con.unregister("incoming_state")


def repeat_checks(con: duckdb.DuckDBPyConnection, run_id: str, now: datetime) -> pd.DataFrame | None:
    """Record the latest run's ``ops.checks`` outcomes again under ``run_id`` (for a run that
    changed no data they read) and return them; None when no run has recorded checks."""
    latest = con.execute("select run_id from ops.checks order by checked_at desc limit 1").fetchone()
    if latest is None:
        return None
    names = {n for (n,) in con.execute("select check_name from ops.checks where run_id = ?", [latest[0]]).fetchall()}
    if names != {path.stem for path in CHECKS_DIR.glob("*.sql")}:
        return None  # the checks themselves changed
    con.execute("insert into ops.checks (run_id, check_name, status, failing_rows, detail, checked_at)"
                " select ?, check_name, status, failing_rows, detail, ?::timestamptz from ops.checks where run_id = ?",
                [run_id, now, latest[0]])
    return con.execute("select run_id, check_name, status, failing_rows, detail, checked_at from ops.checks"
                       " where run_id = ? order by check_name", [run_id]).df()


def quiet_since(con: duckdb.DuckDBPyConnection, run_id: str, reused_message: str) -> bool:
    """Whether ``run_id`` is a nightly run and every run started after it is a finished nightly that
    changed no data: each of its loads unchanged or without data, each analysis not recomputed
    (its ``ops.analyses`` message begins with ``reused_message``). Then what ``run_id`` left
    behind (its pit day, its report) still describes the data."""
    row = con.execute("""
        with base as (select started_at from ops.runs where run_id = $run and flow = 'nightly')
        select count(*) filter (where r.run_id = $run),
               count(*) filter (where r.run_id <> $run and (
                   r.flow <> 'nightly' or r.status not in ('ok', 'partial', 'failed')
                   or exists (select 1 from ops.loads l where l.run_id = r.run_id
                              and l.status not in ('unchanged', 'no_data'))
                   or exists (select 1 from ops.analyses a where a.run_id = r.run_id
                              and not starts_with(coalesce(a.message, ''), $reused))))
        from ops.runs r, base where r.started_at >= base.started_at""",
                      {"run": run_id, "reused": reused_message}).fetchone()
    return row is not None and row[0] == 1 and row[1] == 0
