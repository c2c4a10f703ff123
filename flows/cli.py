"""The ``seesaw`` command line: run, backfill, query, status, series, serve.

Exit codes: 0 ok, 2 partial (some series failed, rows rejected or checks failed), 1 error.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from warehouse.db import WarehouseError, db_path
from warehouse.lock import lock_holder, locked_error
from warehouse.read import headline
from warehouse.snapshot import connect_for_reading

#: Statement types ``seesaw query`` accepts; anything else is a write and is refused.
READ_STATEMENTS = {"SELECT", "EXPLAIN", "PRAGMA"}


def _prefect_env() -> None:
    """Ephemeral Prefect with a project-local home and no telemetry, unless the user set them."""
    os.environ.setdefault("PREFECT_HOME", str(Path.cwd() / ".prefect"))
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    # The ephemeral API server can need well over Prefect's 20 s default on a busy 2-core box.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _series(text: str) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()]


def _print_frame(frame: pd.DataFrame, fmt: str = "table") -> None:
    if fmt == "csv":
        frame.to_csv(sys.stdout, index=False)
    elif fmt == "json":
        print(frame.to_json(orient="records", date_format="iso", indent=1))
    elif frame.empty:
        print("(no rows)")
    else:
        with pd.option_context("display.max_rows", 200, "display.max_columns", 50, "display.width", 160):
            print(frame.to_string(index=False))


def _report_run(summary, db: Path) -> int:
    print(f"\nwarehouse: {db.resolve()}")
    print(f"run {summary.run_id}: {summary.status} — {summary.message}")
    loads = pd.DataFrame([vars(r) for r in summary.loads])
    if len(loads):
        print("\nloaded:")
        _print_frame(loads[["series_id", "rows_fetched", "rows_inserted", "rows_changed", "rows_rejected",
                            "min_date", "max_date", "status", "error"]].fillna(""))
    print("\nanalyses:")
    _print_frame(pd.DataFrame(summary.analyses)[["step", "status", "rows_written", "message"]].fillna(""))
    failed = summary.checks[summary.checks["status"] != "pass"] if summary.checks is not None else pd.DataFrame()
    if len(failed):
        print("\nfailed checks:")
        _print_frame(failed[["check_name", "status", "failing_rows", "detail"]])
    print("\nheadline: latest stock–bond correlations (bond-return basis; p < 0.05 counts as significant)")
    with connect_for_reading(db) as con:
        _print_frame(headline(con))
    if summary.report:
        print(f"\nreport: {summary.report}")
    for line in summary.published:
        print(f"published: {line}")
    return summary.exit_code


def _refuse_if_running(db: Path) -> None:
    """Refuse a second writer at once, before the slow Prefect import (the flow re-checks)."""
    holder = lock_holder(db)
    if holder is not None:
        raise locked_error(db, holder)


def cmd_run(args: argparse.Namespace) -> int:
    db = db_path(args.db)
    _refuse_if_running(db)
    _prefect_env()
    from flows.pipeline import RunFailed
    from flows.prefect_flows import make_task_runner, nightly

    nightly = nightly.with_options(task_runner=make_task_runner(args.task_runner))

    try:
        summary = nightly(profile=args.profile, db=str(db), start=args.start, end=args.end, series=args.series,
                          data_dir=args.data_dir, publish=args.publish, notify_url=args.notify,
                          max_failed_checks=args.max_failed_checks)
    except RunFailed as exc:
        summary = exc.summary
    return _report_run(summary, db)


def cmd_backfill(args: argparse.Namespace) -> int:
    db = db_path(args.db)
    _refuse_if_running(db)
    _prefect_env()
    from flows.pipeline import RunFailed
    from flows.prefect_flows import backfill, make_task_runner

    backfill = backfill.with_options(task_runner=make_task_runner(args.task_runner))

    try:
        summary = backfill(start=args.start, end=args.end, series=args.series, profile=args.profile, db=str(db),
                           data_dir=args.data_dir, chunk_days=args.chunk_days, publish=args.publish,
                           notify_url=args.notify, max_failed_checks=args.max_failed_checks)
    except RunFailed as exc:
        summary = exc.summary
    return _report_run(summary, db)


class QueryRefused(ValueError):
    """``seesaw query`` was given a statement that could change something."""


def run_query(db: Path, sql: str) -> pd.DataFrame:
    """Run read-only SQL against the warehouse; a write statement raises ``QueryRefused``."""
    with connect_for_reading(db) as con:
        try:
            statements = con.extract_statements(sql)
        except duckdb.Error as exc:
            raise ValueError(f"SQL does not parse: {exc}") from None
        kinds = {s.type.name for s in statements}
        if not statements or not kinds <= READ_STATEMENTS:
            writes = ", ".join(sorted(kinds - READ_STATEMENTS)) or "nothing"
            raise QueryRefused(
                f"seesaw query is read-only: refused a {writes} statement; nothing was changed. "
                "Data changes go through `seesaw run` / `seesaw backfill`."
            )
        result = None
        for statement in statements:
            result = con.execute(statement.query)
        return result.df() if result is not None else pd.DataFrame()


def cmd_query(args: argparse.Namespace) -> int:
    sql = sys.stdin.read() if args.sql == "-" else args.sql
    try:
        frame = run_query(db_path(args.db), sql)
    except (ValueError, duckdb.Error) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    _print_frame(frame, args.format)
    return 0


STATUS_SQL = """
with last_load as (
    select series_id, status as last_load_status, error as last_error, loaded_at as last_loaded_at
    from ops.loads qualify row_number() over (partition by series_id order by loaded_at desc) = 1
), coverage as (
    select series_id, min(obs_date) as first_date, max(obs_date) as last_date, count(*) as n_obs
    from core.observations group by 1
), final as (
    select s.series_id, s.frequency, s.source, c.first_date, c.last_date, c.n_obs,
           date_diff('day', c.last_date, current_date) as age_days,
           case s.frequency when 'D' then 5 when 'W' then 14 when 'M' then 62 when 'Q' then 140 else 400 end
               as stale_after_days,
           l.last_load_status, l.last_error
    from core.series s left join coverage c using (series_id) left join last_load l using (series_id)
)
select *, coalesce(age_days > stale_after_days, true) as stale from final order by series_id
"""


def cmd_status(args: argparse.Namespace) -> int:
    db = db_path(args.db)
    with connect_for_reading(db) as con:
        series = con.execute(STATUS_SQL).df()
        runs = con.execute("select run_id, flow, profile, started_at, finished_at, status, message"
                           " from ops.runs order by started_at desc limit 5").df()
        failed = con.execute("""
            select check_name, status, failing_rows, detail from ops.checks
            where run_id = (select max(run_id) from ops.checks) and status <> 'pass'""").df()
    if args.json:
        print(json.dumps({"warehouse": str(db.resolve()), "run_in_progress": lock_holder(db),
                          "series": json.loads(series.to_json(orient="records", date_format="iso")),
                          "runs": json.loads(runs.to_json(orient="records", date_format="iso")),
                          "failed_checks": json.loads(failed.to_json(orient="records"))}, indent=1))
        return 0
    print(f"warehouse: {db.resolve()}\n\nseries (stale = last observation older than its frequency allows):")
    _print_frame(series.drop(columns=["last_error"]))
    print("\nlast runs:")
    _print_frame(runs)
    print("\nfailed checks (latest run):")
    _print_frame(failed)
    return 0


def cmd_series(args: argparse.Namespace) -> int:
    with connect_for_reading(db_path(args.db)) as con:
        frame = con.execute("select series_id, name, source, source_code, frequency, unit, kind, country"
                            " from core.series order by series_id").df()
    _print_frame(frame, args.format)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Write the HTML report; with ``--as-of`` replay every analysis on the data known that day."""
    import tempfile

    from flows import pipeline
    from reports.build import build_report, default_report_path
    from sources.catalog import load_profile

    db = db_path(args.db)
    out = Path(args.out) if args.out else default_report_path(db, args.as_of)
    if args.as_of is None:
        result = build_report(db, out, title=args.title, snapshot_when_busy=True)
    else:
        profile_name = args.profile or _last_profile(db)
        with tempfile.TemporaryDirectory(prefix="seesaw-replay-") as tmp:
            scratch = Path(tmp) / "replay.duckdb"
            print(f"replaying analyses of profile {profile_name} as of {args.as_of} ...", file=sys.stderr)
            pipeline.replay(db, load_profile(profile_name), args.as_of, scratch)
            result = build_report(scratch, out, as_of=args.as_of, title=args.title)
    missing = [f"{sid} ({note})" for sid, status, note in result.sections if status != "ok"]
    print(f"report: {result.path.resolve()} ({result.size_bytes / 1e6:.2f} MB, {result.seconds:.1f} s)")
    if missing:
        print("sections without data: " + "; ".join(missing))
    return 0


def _last_profile(db: Path) -> str:
    with connect_for_reading(db) as con:
        row = con.execute("select profile from ops.runs order by started_at desc limit 1").fetchone()
    if row is None:
        raise WarehouseError(f"no run recorded in {db}: pass --profile")
    return row[0]


def serve_deployments(args: argparse.Namespace) -> list:
    """The deployments ``seesaw serve`` runs: the scheduled nightly and an on-demand backfill."""
    from prefect.schedules import Cron

    from flows.prefect_flows import backfill, nightly

    parameters = {"profile": args.profile, "db": str(db_path(args.db)), "data_dir": args.data_dir}
    return [nightly.to_deployment(name="nightly", schedule=Cron(args.cron, timezone=args.timezone),
                                  parameters=parameters),
            backfill.to_deployment(name="backfill", parameters=parameters)]


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the nightly schedule in this long-lived process (no work pool needed)."""
    _prefect_env()
    from prefect import serve

    deployments = serve_deployments(args)
    print(f"serving nightly ({args.cron}, {args.timezone}) and backfill; Ctrl-C to stop", file=sys.stderr)
    serve(*deployments)
    return 0


def _add_ops_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--notify", metavar="URL", help="POST a JSON message here when the run is not ok"
                        " (default: $SEESAW_WEBHOOK_URL)")
    parser.add_argument("--max-failed-checks", type=int, metavar="N",
                        help="fail the run (exit 1, Prefect state Failed) when more than N checks fail")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seesaw", description="Stock–bond cross-asset research pipeline.")
    parser.add_argument("--db", help="warehouse file (default $SEESAW_DB or ./warehouse/seesaw.duckdb)")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the nightly pipeline once (ingest, analyses, checks)")
    run.add_argument("--profile", default="sample", help="profile name or YAML path (default: sample)")
    run.add_argument("--start", type=_date, help="fetch from this date (default: incremental)")
    run.add_argument("--end", type=_date, help="fetch up to this date (default: latest)")
    run.add_argument("--series", type=_series, help="comma-separated series ids (default: all)")
    run.add_argument("--data-dir", help="directory of exported files for the files profile")
    run.add_argument("--publish", metavar="POSTGRES_URL", help="also push the results tables to PostgreSQL")
    run.add_argument("--task-runner", default="thread", metavar="thread|dask[=ADDRESS]",
                     help="where fan-out work runs: threads (default), a local Dask cluster, or a scheduler")
    _add_ops_options(run)
    run.set_defaults(func=cmd_run)

    bf = sub.add_parser("backfill", help="re-fetch a date range in chunks, then re-run analyses")
    bf.add_argument("--start", type=_date, required=True)
    bf.add_argument("--end", type=_date, required=True)
    bf.add_argument("--series", type=_series)
    bf.add_argument("--profile", default="sample")
    bf.add_argument("--data-dir")
    bf.add_argument("--chunk-days", type=int, default=3653, help="days per chunk (default: about 10 years)")
    bf.add_argument("--publish", metavar="POSTGRES_URL", help="also push the results tables to PostgreSQL")
    bf.add_argument("--task-runner", default="thread", metavar="thread|dask[=ADDRESS]")
    _add_ops_options(bf)
    bf.set_defaults(func=cmd_backfill)

    query = sub.add_parser("query", help="read-only SQL against the warehouse ('-' reads stdin)")
    query.add_argument("sql")
    query.add_argument("--format", choices=["table", "csv", "json"], default="table")
    query.set_defaults(func=cmd_query)

    status = sub.add_parser("status", help="freshness per series, last runs, failed checks")
    status.add_argument("--json", action="store_true", help="machine-readable output for monitoring")
    status.set_defaults(func=cmd_status)

    series = sub.add_parser("series", help="the series catalog")
    series.add_argument("--format", choices=["table", "csv", "json"], default="table")
    series.set_defaults(func=cmd_series)

    report = sub.add_parser("report", help="write the self-contained HTML research report")
    report.add_argument("--as-of", type=_date, help="replay every analysis with only the data known on this date")
    report.add_argument("--out", help="output file (default: report.html beside the warehouse)")
    report.add_argument("--profile", help="profile whose analysis settings to replay (default: last run's)")
    report.add_argument("--title")
    report.set_defaults(func=cmd_report)

    serve = sub.add_parser("serve", help="run the nightly schedule in one long-lived process")
    serve.add_argument("--profile", default="sample")
    serve.add_argument("--data-dir")
    serve.add_argument("--cron", default="30 6 * * 1-5", help="cron schedule (default: 06:30 on weekdays)")
    serve.add_argument("--timezone", default="America/New_York")
    serve.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except WarehouseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
