"""Helpers shared by tests (importable because pytest puts tests/ on the path)."""
from __future__ import annotations

import http.server
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from seesaw.analyses.core import Analysis, Context, Output, run_chain


def run_plain(db: Path, profile_name: str = "sample", series: list[str] | None = None,
              start: date | None = None, end: date | None = None, data_dir: Path | None = None,
              tables: bool = True, full: bool = False):
    """A nightly run without Prefect: ``seesaw.pipeline.run``, the function the flows call, with
    its default hooks (serial fetches, no progress output). ``tables`` loads the profile's
    table-shaped inputs (auctions) even when ``series`` selects some series; ``full`` reads and
    recomputes everything, as a backfill does (no incremental skipping)."""
    from seesaw import pipeline
    from seesaw.sources.catalog import load_profile

    profile = load_profile(profile_name)
    return pipeline.run(db, profile, chunks=[(start, end)], series=series, data_dir=data_dir,
                        tables=list(profile.tables) if tables else [], full=full)


#: Run-specific or opaque columns that a warehouse fingerprint leaves out (besides ``*_at``).
SKIP_COLUMNS = {"run_id", "state"}


def fingerprint(db: Path) -> dict[str, dict[str, float]]:
    """Per raw/core/results table: row count, and per column a sum (numbers), a day sum (dates)
    or a distinct count (text); run-specific columns (*_at, run_id, model state) left out."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out: dict[str, dict[str, float]] = {}
        for schema, table in con.execute(
                "select schema_name, table_name from duckdb_tables() where schema_name in ('raw', 'core', 'results')"
                " order by 1, 2").fetchall():
            cols = con.execute("select column_name, data_type from duckdb_columns() where schema_name = ? and"
                               " table_name = ? order by column_index", [schema, table]).fetchall()
            exprs = ["count(*)"]
            names = ["rows"]
            for name, typ in cols:
                if name.endswith("_at") or name in SKIP_COLUMNS:
                    continue
                q = '"' + name.replace('"', '""') + '"'
                if (typ in ("DOUBLE", "FLOAT", "BIGINT", "INTEGER", "HUGEINT", "SMALLINT", "UBIGINT")
                        or typ.startswith("DECIMAL")):
                    exprs.append(f"coalesce(sum({q})::double, 0)")
                elif typ == "DATE":
                    exprs.append(f"coalesce(sum(epoch({q}) / 86400)::double, 0)")
                elif typ == "BOOLEAN":
                    exprs.append(f"count(*) filter (where {q})")
                else:
                    exprs.append(f"count(distinct {q})")
                names.append(name)
            values = con.execute(f"select {', '.join(exprs)} from {schema}.{table}").fetchone()
            out[f"{schema}.{table}"] = {n: float(v) for n, v in zip(names, values, strict=True)}
        return out
    finally:
        con.close()


def fingerprint_differences(a: dict, b: dict, rel: float = 1e-6) -> list[str]:
    """What differs between two fingerprints, beyond ``rel`` relative to each figure."""
    diffs = []
    for table in sorted(set(a) | set(b)):
        if table not in a or table not in b:
            diffs.append(f"{table}: only in {'the second' if table not in a else 'the first'}")
            continue
        for col in sorted(set(a[table]) | set(b[table])):
            x, y = a[table].get(col), b[table].get(col)
            if x is None or y is None or abs(x - y) > rel * max(1.0, abs(x), abs(y)):
                diffs.append(f"{table}.{col}: {x} vs {y}")
    return diffs


def query(db: Path, sql: str) -> pd.DataFrame:
    """One read-only query against warehouse ``db`` (tests read the file directly)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


#: How an analysis a run did not recompute begins its ``ops.analyses`` message.
UNCHANGED = "inputs unchanged since run"


def copy_warehouse(db: Path, to: Path) -> Path:
    """A copy of a warehouse file (and its WAL) in folder ``to``, to write to; no snapshot, no report."""
    to.mkdir(parents=True, exist_ok=True)
    for suffix in ("", ".wal"):
        if Path(f"{db}{suffix}").exists():
            shutil.copy(f"{db}{suffix}", f"{to / db.name}{suffix}")
    return to / db.name


@contextmanager
def loopback_http(answer: Callable[[str], tuple[int, str, bytes]]) -> Iterator[str]:
    """A threaded HTTP server on 127.0.0.1 answering each GET with ``answer(path)`` = (status,
    content type, body); yields its base URL (no network leaves the machine)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server API)
            status, content_type, payload = answer(self.path)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def run_analyses(ctx: Context, analyses: list[Analysis[Any]]) -> tuple[list[dict[str, Any]], dict[str, pd.DataFrame]]:
    """``run_chain`` writing into memory: the outcomes and each results table's rows by name."""
    written: dict[str, list[pd.DataFrame]] = {}

    def write(outputs: list[Output]) -> int:
        for out in outputs:
            written.setdefault(out.table, []).append(out.frame)
        return sum(len(out.frame) for out in outputs)

    outcomes = run_chain(ctx, analyses, write)
    return outcomes, {table: pd.concat(frames, ignore_index=True) for table, frames in written.items()}
