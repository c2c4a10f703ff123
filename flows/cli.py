"""The ``seesaw`` command line: run, backfill, query, status, series, serve.

Exit codes: 0 ok, 2 partial (some series failed, rows rejected or checks failed), 1 error
(usage errors included). Expected errors print one line; ``--debug`` shows their traceback.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, cast

import pandas as pd

from seesaw.flows.process import ephemeral_api, prompt_exit_on_interrupt
from seesaw.flows.secret_refs import NOTIFY_ENV, PUBLISH_ENV, SecretError, check_env
from seesaw.flows.tables import markdown_table, table_text, tidy
from seesaw.sources.base import ProfileError, SourceError
from seesaw.sources.registry import DEFAULT_DATA_DIR
from seesaw.warehouse import read
from seesaw.warehouse.db import WAIT_FOR_READERS_ENV, WarehouseError, connect, db_path
from seesaw.warehouse.lock import clear_holder, lock_holder, locked_error, run_lock, stale_holder
from seesaw.warehouse.pit import changes as pit_changes
from seesaw.warehouse.query import QueryError, run_read_only
from seesaw.warehouse.snapshot import connect_for_reading

if TYPE_CHECKING:  # imported when used: they load Prefect, slow for the reading commands
    from prefect.deployments.runner import RunnerDeployment

    from seesaw.pipeline import RunSummary
    from seesaw.sources.catalog import Profile


def _prefect_env() -> None:
    """Ephemeral Prefect with a project-local home and no telemetry, unless the user set them."""
    os.environ.setdefault("PREFECT_HOME", str(Path.cwd() / ".prefect"))
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    # seesaw prints its own one-line errors and progress; Prefect's console log would add a
    # traceback per failure (the run records keep them; ``--debug`` shows them).
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
    # The ephemeral API server can need well over Prefect's 20 s default on a busy 2-core box.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"not a number of seconds >= 0: {text!r}")
    return seconds


def _series(text: str) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()]


#: A Dask scheduler address over TCP or TLS: ``[tcp://|tls://]HOST:PORT`` (IPv6 hosts in brackets).
_DASK_ADDRESS = re.compile(r"(?:(?P<scheme>tcp|tls)://)?(?P<host>\[[0-9a-fA-F:.]+\]|[^\s:/\[\]]+):(?P<port>\d{1,5})")


def _task_runner(text: str) -> str:
    name, _, address = text.partition("=")
    if (name == "thread" and not address) or text == "dask":
        return text
    if name == "dask" and address:
        if _DASK_ADDRESS.fullmatch(address):
            return text
        raise argparse.ArgumentTypeError(f"not a Dask scheduler address {address!r}: use dask=HOST:PORT"
                                         " (optionally tcp:// or tls:// before HOST)")
    raise argparse.ArgumentTypeError(f"unknown task runner {text!r}: use thread, dask or dask=ADDRESS")


def _check_task_runner(spec: str, timeout_s: float = 5.0) -> None:
    """A ``dask=ADDRESS`` scheduler must answer before Prefect starts: an unreachable one is one
    line now, not a traceback after Prefect's start and Dask's 30 s connect timeout."""
    match = _DASK_ADDRESS.fullmatch(spec.partition("=")[2]) if spec.startswith("dask=") else None
    if match is None:
        return
    host, port = match["host"].strip("[]"), int(match["port"])
    try:
        socket.create_connection((host, port), timeout=timeout_s).close()
    except OSError as exc:
        raise UsageError(f"--task-runner {spec}: no Dask scheduler answers at {match['host']}:{port}"
                         f" ({exc.strerror or type(exc).__name__})") from None


def _load_profile(name: str) -> Profile:
    """``sources.catalog.load_profile``, imported on first use: the profile and analysis models
    take a second to build, which a refused second writer or ``status`` need not wait for."""
    from seesaw.sources.catalog import load_profile

    return load_profile(name)


class UsageError(ValueError):
    """The command line names something that does not exist or does not fit together."""


def _check_run_args(args: argparse.Namespace) -> Path:
    """Check a run's profile, series, dates and paths before Prefect starts (which takes
    seconds), so a typo costs one line; return the warehouse path, its directory created."""
    profile = _load_profile(args.profile)
    specs = profile.select(args.series)
    if args.start is not None and args.end is not None and args.end < args.start:
        raise UsageError(f"--end {args.end} is before --start {args.start}")
    if args.data_dir is not None and not Path(args.data_dir).is_dir():
        raise UsageError(f"--data-dir {args.data_dir} is not a directory")
    uses_files = any(spec.source == "files" for spec in specs) or (
        args.series is None and any(table["source"] == "files" for table in profile.tables.values()))
    if uses_files and args.data_dir is None and not DEFAULT_DATA_DIR.is_dir():
        raise UsageError(f"profile {profile.name} reads files and the default data directory "
                         f"{DEFAULT_DATA_DIR} does not exist: pass --data-dir DIR")
    _check_task_runner(args.task_runner)
    return _warehouse_for_writing(args.db)


def _warehouse_for_writing(db_arg: str | None) -> Path:
    """The warehouse path; a missing directory is created, and said so."""
    db = db_path(db_arg)
    if not db.parent.is_dir():
        try:
            db.parent.mkdir(parents=True)
        except OSError as exc:  # a parent is a file, or not writable: an expected error, one line
            raise WarehouseError(f"cannot create directory {db.parent} for the warehouse: "
                                 f"{exc.strerror or exc}") from None
        print(f"created directory {db.parent.resolve()} for the warehouse", file=sys.stderr)
    return db


#: ``--format`` choices of the commands that print rows.
FORMATS = ["table", "csv", "json", "markdown"]


def _print_frame(frame: pd.DataFrame, fmt: str = "table") -> None:
    """Print rows for people (``tables``: whole numbers as integers, binary cells as ``<n bytes>``,
    missing values empty in table and markdown, null in json)."""
    if fmt == "csv":
        tidy(frame).to_csv(sys.stdout, index=False)
    elif fmt == "json":
        print(tidy(frame).to_json(orient="records", date_format="iso", indent=1))
    elif fmt == "markdown":
        print(markdown_table(frame))
    else:
        print(table_text(frame))


def _report_run(summary: RunSummary, db: Path) -> int:
    """Print what the run did, naming series by their catalog names beside their ids."""
    with connect_for_reading(db) as con:
        names = read.series_list(con).set_index("series_id")["name"]
        headline = read.headline(con)
    print(f"\nwarehouse: {db.resolve()}")
    print(f"run {summary.run_id}: {summary.status} — {summary.message}")
    loads = pd.DataFrame([vars(r) for r in summary.loads])
    if len(loads):
        print("\nloaded:")
        loads.insert(1, "name", loads["series_id"].map(names))
        _print_frame(loads[["series_id", "name", "rows_fetched", "rows_inserted", "rows_changed", "rows_rejected",
                            "rows_vanished", "min_date", "max_date", "status", "error"]])
    print("\nanalyses:")
    _print_frame(pd.DataFrame(summary.analyses)[["step", "status", "rows_written", "message"]])
    failed = summary.checks[summary.checks["status"] != "pass"] if summary.checks is not None else pd.DataFrame()
    if len(failed):
        print("\nfailed checks:")
        _print_frame(failed[["check_name", "status", "failing_rows", "detail"]])
    print("\nheadline: latest stock–bond correlations (bond-return basis; p < 0.05 counts as significant)")
    if headline.empty:
        print("(no rows)")
    for (market, equity, bond), rows in headline.groupby(["market", "equity", "bond"], sort=False):
        print(f"{market}: {names.get(equity, equity)} vs {names.get(bond, bond)} ({equity} / {bond})")
        _print_frame(rows.drop(columns=["market", "equity", "bond"]))
    if summary.report:
        print(f"\nreport: {summary.report}")
    for line in summary.published:
        print(f"published: {line}")
    return summary.exit_code


@contextmanager
def _writing(db: Path, wait_for_readers: float | None) -> Iterator[None]:
    """Be the warehouse's one writer from before Prefect starts to the end of the flow.

    The run lock is taken first, so a second writer is refused at once (the flow takes it again,
    re-entrantly, for runs started without the CLI). An outside process holding the warehouse
    file is waited for (``--wait-for-readers``) here, before Prefect's slow start; Ctrl-C ends
    the run within seconds.
    """
    previous = os.environ.get(WAIT_FOR_READERS_ENV)
    if wait_for_readers is not None:
        os.environ[WAIT_FOR_READERS_ENV] = repr(wait_for_readers)  # also read by the flow's connections
    try:
        with run_lock(db), prompt_exit_on_interrupt(on_expiry=lambda: _record_cancelled(db)):
            with connect(db):  # waits for an outside holder of the file, or fails with one line naming it
                pass
            yield
    finally:  # the CLI can run in-process (tests, notebooks): leave the environment as it was
        if previous is None:
            os.environ.pop(WAIT_FOR_READERS_ENV, None)
        else:
            os.environ[WAIT_FOR_READERS_ENV] = previous


def _record_cancelled(db: Path) -> None:
    """Record this process's run (the run lock's) as cancelled, if it is still open, and clear the
    lock's holder information (the exit skips the lock's release): no stale holder is left."""
    holder = lock_holder(db)
    if holder and holder.get("pid") == os.getpid() and holder.get("run_id"):
        from seesaw.pipeline import cancel

        cancel(db, str(holder["run_id"]))
        clear_holder(db)


def _secret_refs(args: argparse.Namespace) -> dict[str, str | None]:
    """The flows' ``publish`` and ``notify`` parameters: references to where the URLs are kept
    (never the URLs: Prefect stores parameters in plain text). An unset variable is refused
    here, before Prefect starts; a Secret block is read by the flow."""
    refs: dict[str, str | None] = {}
    for what, env in (("publish", PUBLISH_ENV), ("notify", NOTIFY_ENV)):
        block = getattr(args, f"{what}_secret")
        ref = f"secret:{block}" if block else f"env:{env}" if getattr(args, what) else None
        refs[what] = ref
        if ref:
            check_env(ref, f"--{what}-secret" if block else f"--{what}")
    return refs


def _refuse_a_second_writer(db_arg: str | None) -> None:
    """Refuse at once, before checking the arguments (loading a profile takes a second), when a
    run holds the warehouse; ``run_lock`` decides again when the run takes the lock."""
    db = db_path(db_arg)
    holder = lock_holder(db)
    if holder is not None:
        raise locked_error(db, holder)


def _run_flow(args: argparse.Namespace, flow_name: str, **parameters: Any) -> int:
    """Check the arguments, become the writer, start Prefect's API and run the flow ``flow_name``
    of ``seesaw.flows.prefect_flows`` with the run options every flow takes plus ``parameters``."""
    _refuse_a_second_writer(args.db)
    db = _check_run_args(args)
    refs = _secret_refs(args)
    with _writing(db, args.wait_for_readers):
        _prefect_env()
        api = ephemeral_api()  # it boots while the flows are imported
        from seesaw.flows import prefect_flows
        from seesaw.pipeline import RunFailed

        try:
            with api.serving():
                # called directly, a flow that returns a state returns that state's data: the summary
                summary = cast("RunSummary", getattr(prefect_flows, flow_name)(
                    profile=args.profile, db=str(db), series=args.series, data_dir=args.data_dir, **refs,
                    max_failed_checks=args.max_failed_checks, task_runner=args.task_runner, **parameters))
        except RunFailed as exc:
            summary = exc.summary
    return _report_run(summary, db)


def cmd_run(args: argparse.Namespace) -> int:
    return _run_flow(args, "nightly", start=args.start, end=args.end)


def cmd_backfill(args: argparse.Namespace) -> int:
    return _run_flow(args, "backfill", start=args.start, end=args.end, chunk_days=args.chunk_days,
                     replace=args.replace)


def cmd_replay(args: argparse.Namespace) -> int:
    """Replay the analyses day by day into the ``pit`` schema; print what changed on the last day."""
    _refuse_a_second_writer(args.db)
    if args.end < args.start:
        raise UsageError(f"--end {args.end} is before --start {args.start}")
    _load_profile(args.profile)
    _check_task_runner(args.task_runner)
    db = db_path(args.db)
    if not db.exists():
        raise UsageError(f"warehouse {db} does not exist: run `seesaw run` first")
    with _writing(db, args.wait_for_readers):
        _prefect_env()
        api = ephemeral_api()  # it boots while the flows are imported
        from seesaw.flows import prefect_flows
        from seesaw.replay import ReplayError

        try:
            with api.serving():
                summary = prefect_flows.replay(start=args.start, end=args.end, every=args.every,
                                               profile=args.profile, db=str(db), replace=args.replace,
                                               task_runner=args.task_runner)
        except ReplayError as exc:
            raise UsageError(str(exc)) from None
    print(f"replay {summary.run_id}: {summary.status}: {len(summary.written)} days written, "
          f"{len(summary.skipped)} already stored (--replace recomputes them), {summary.rows} pit rows, "
          f"{summary.seconds:.1f} s")
    if summary.failed:
        print(f"analyses failed on some days: {', '.join(sorted(summary.failed))} (see pit.analyses)")
    with connect(db, read_only=True) as con:
        changed = pit_changes(con)
    if changed is not None:
        newest, previous, frame = changed
        print(f"\nchanged on {newest} since {previous}:")
        _print_frame(frame)
    return 0 if summary.status == "ok" else 2


def cmd_query(args: argparse.Namespace) -> int:
    sql = sys.stdin.read() if args.sql == "-" else args.sql
    try:
        frame = run_read_only(db_path(args.db), sql)
    except QueryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    _print_frame(frame, args.format)
    return 0


def _runs_as_the_lock_sees_them(runs: pd.DataFrame, holder: Mapping[str, Any] | None,
                                dead: Mapping[str, Any] | None) -> pd.DataFrame:
    """The recorded runs corrected by the run lock: the run holding it is ``running``, and the run
    whose process died holding it is ``crashed`` (the next run records that in ``ops.runs``)."""
    for info, status in ((holder, "running"), (dead, "crashed")):
        if info is None or not info.get("run_id"):
            continue
        run_id = info["run_id"]
        if (runs["run_id"] == run_id).any():
            runs.loc[runs["run_id"] == run_id, "status"] = status
        else:  # begun after the snapshot being read was published
            row = {"run_id": run_id, "flow": info.get("flow"), "profile": info.get("profile"),
                   "started_at": pd.Timestamp(info["started_at"]), "status": status}
            runs = pd.concat([pd.DataFrame([row]), runs], ignore_index=True)
    if dead is not None:
        runs.loc[runs["run_id"] == dead.get("run_id"), "message"] = (
            f"pid {dead.get('pid', '?')} ended without finishing (killed or crashed)")
    return runs


def cmd_status(args: argparse.Namespace) -> int:
    db = db_path(args.db)
    holder, dead = lock_holder(db), stale_holder(db)
    with connect_for_reading(db) as con:
        series = read.series_status(con)
        runs = read.recent_runs(con)
        failed = read.failed_checks(con)
    runs = _runs_as_the_lock_sees_them(runs, holder, dead)
    if args.json:
        print(json.dumps({"warehouse": str(db.resolve()), "run_in_progress": holder, "crashed_run": dead,
                          "series": json.loads(series.to_json(orient="records", date_format="iso")),
                          "runs": json.loads(runs.to_json(orient="records", date_format="iso")),
                          "failed_checks": json.loads(failed.to_json(orient="records"))}, indent=1))
        return 0
    print(f"warehouse: {db.resolve()}\n\nseries (stale = last observation older than its frequency allows):")
    _print_frame(series.drop(columns=["last_error"]))
    print("\nlast runs:")
    _print_frame(runs)
    if dead is not None:
        print(f"\ncrashed: pid {dead.get('pid', '?')} ({dead.get('command', 'seesaw')}), started"
              f" {dead.get('started_at', '?')}, ended without finishing (killed or crashed)")
    print("\nfailed checks (latest run):")
    _print_frame(failed)
    return 0


def cmd_series(args: argparse.Namespace) -> int:
    with connect_for_reading(db_path(args.db)) as con:
        frame = read.series_list(con)
    _print_frame(frame, args.format)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Write the HTML report; with ``--as-of`` replay every analysis on the data known that day."""
    import tempfile

    from seesaw import pipeline
    from seesaw.reports.build import build_report, default_report_path
    from seesaw.sources.catalog import load_profile

    db = db_path(args.db)
    out = Path(args.out) if args.out else default_report_path(db, args.as_of)
    if args.as_of is None:
        settings = load_profile(args.profile).analysis if args.profile else None
        result = build_report(db, out, title=args.title, from_snapshot=True, settings=settings)
    else:
        profile_name = args.profile or _last_profile(db)
        profile = load_profile(profile_name)
        with tempfile.TemporaryDirectory(prefix="seesaw-replay-") as tmp:
            scratch = Path(tmp) / "replay.duckdb"
            print(f"replaying analyses of profile {profile_name} as of {args.as_of} ...", file=sys.stderr)
            pipeline.recompute_as_of(db, profile, args.as_of, scratch)
            result = build_report(scratch, out, as_of=args.as_of, title=args.title, settings=profile.analysis)
    missing = [f"{sid} ({note})" for sid, status, note in result.sections if status != "ok"]
    print(f"report: {result.path.resolve()} ({result.size_bytes / 1e6:.2f} MB, {result.seconds:.1f} s)")
    if missing:
        print("sections without data: " + "; ".join(missing))
    return 0


def _last_profile(db: Path) -> str:
    with connect_for_reading(db) as con:
        profile = read.latest_profile(con)
    if profile is None:
        raise WarehouseError(f"no run recorded in {db}: pass --profile")
    return profile


#: Names of the deployments ``seesaw serve`` registers: its own, so it never overwrites the
#: ``prefect.yaml`` deployments (``nightly``, ``backfill``) nor pauses them when it stops.
SERVE_NAMES = {"nightly": "nightly-serve", "backfill": "backfill-serve"}


def serve_deployments(args: argparse.Namespace) -> list[RunnerDeployment]:
    """The deployments ``seesaw serve`` runs: the scheduled nightly and an on-demand backfill,
    with absolute paths (runs start in their own processes)."""
    from prefect.schedules import Cron

    from seesaw.flows.prefect_flows import backfill, nightly

    profile = str(Path(args.profile).resolve()) if Path(args.profile).suffix else args.profile
    parameters = {"profile": profile, "db": str(db_path(args.db).resolve()),
                  "data_dir": str(Path(args.data_dir).resolve()) if args.data_dir else None}
    # called outside an event loop, ``to_deployment`` returns the deployment (typed as it-or-coroutine)
    return [cast("RunnerDeployment",
                 nightly.to_deployment(name=SERVE_NAMES["nightly"], schedule=Cron(args.cron, timezone=args.timezone),
                                       parameters=parameters)),
            cast("RunnerDeployment", backfill.to_deployment(name=SERVE_NAMES["backfill"], parameters=parameters))]


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the nightly schedule in this long-lived process (no work pool needed).

    With ``PREFECT_API_URL`` set it registers with that server. Without, it starts and supervises
    a local Prefect server (Prefect's ephemeral API runs no scheduler, so nothing would fire),
    keeping its run history in ``PREFECT_HOME``, and stops it on exit.
    """
    _load_profile(args.profile)
    _warehouse_for_writing(args.db)
    _prefect_env()
    if os.environ.get("PREFECT_API_URL"):
        return _serve(args)
    from seesaw.flows.scheduling import ServerStartError, local_prefect_server

    # SIGTERM must unwind through the server's shutdown (Prefect's runner does the same once serving).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    home = Path(os.environ["PREFECT_HOME"]).resolve()
    print(f"starting a local Prefect server (PREFECT_HOME={home}) ...", file=sys.stderr)
    try:
        with local_prefect_server(home) as url:
            os.environ["PREFECT_API_URL"] = url  # before Prefect is imported: it reads settings once
            print(f"Prefect server at {url.removesuffix('/api')}", file=sys.stderr)
            return _serve(args)
    except ServerStartError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _serve(args: argparse.Namespace) -> int:
    from prefect import serve

    deployments = serve_deployments(args)
    names = ", ".join(f"{d.flow_name}/{d.name}" for d in deployments)
    print(f"serving {names} (nightly: {args.cron}, {args.timezone}); Ctrl-C to stop", file=sys.stderr)
    try:
        serve(*deployments)
    finally:  # Prefect pauses them too, unless the signal lands while its runner is still starting
        _pause_own(deployments)
    return 0


def _pause_own(deployments: list[RunnerDeployment]) -> None:
    """Pause the deployments this ``serve`` registered (never others): nothing fires while no
    process serves them."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        for deployment in deployments:
            client.pause_deployment(client.read_deployment_by_name(f"{deployment.flow_name}/{deployment.name}").id)


def _add_ops_options(parser: argparse.ArgumentParser) -> None:
    publish = parser.add_mutually_exclusive_group()
    publish.add_argument("--publish", action="store_true",
                         help=f"also push the results tables to the PostgreSQL URL in ${PUBLISH_ENV}")
    publish.add_argument("--publish-secret", metavar="BLOCK",
                         help="the same, with the URL in this Prefect Secret block")
    notify = parser.add_mutually_exclusive_group()
    notify.add_argument("--notify", action="store_true",
                        help=f"POST a JSON message to ${NOTIFY_ENV} when the run is not ok, and one"
                             " with the market's signal alerts when there are any (default: when set)")
    notify.add_argument("--notify-secret", metavar="BLOCK", help="the same, with the URL in this Prefect Secret block")
    parser.add_argument("--max-failed-checks", type=int, metavar="N",
                        help="fail the run (exit 1, Prefect state Failed) when more than N checks fail")
    parser.add_argument("--wait-for-readers", type=_seconds, metavar="SECONDS",
                        help=f"how long to wait for another process holding the warehouse file before giving"
                             f" up (default ${WAIT_FOR_READERS_ENV} or 60)")


class _Parser(argparse.ArgumentParser):
    """argparse with usage errors exiting 1 (its own 2 is seesaw's "partial")."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        if "://" in message and ("--task-runner" not in message or "@" in message):  # `--publish postgres://u:pw@…`
            message = _URL.sub("<a URL, not shown>", message) + (
                f"; URLs are not command-line arguments: set ${PUBLISH_ENV} / ${NOTIFY_ENV} and pass"
                " --publish / --notify, or name a Prefect Secret block with --publish-secret / --notify-secret")
        self.exit(1, f"{self.prog}: error: {message}\n")


#: A URL in a usage error: it may carry a password or a webhook token, so it is never echoed.
_URL = re.compile(r"[\w.+-]+://\S+")


def _add_global_options(parser: argparse.ArgumentParser, default: object = None) -> None:
    """``--db`` and ``--debug``, accepted before and after the command (``default`` SUPPRESS on
    a command, so its absence there keeps the value given before it)."""
    parser.add_argument("--db", default=default,
                        help="warehouse file (default $SEESAW_DB or ./warehouse/seesaw.duckdb)")
    parser.add_argument("--debug", action="store_true", default=default or False,
                        help="show the traceback of an error instead of one line")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="seesaw", description="Stock–bond cross-asset research pipeline.")
    _add_global_options(parser)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the nightly pipeline once (ingest, analyses, checks)")
    run.add_argument("--profile", default="sample", help="profile name or YAML path (default: sample)")
    run.add_argument("--start", type=_date, help="fetch from this date (default: incremental)")
    run.add_argument("--end", type=_date, help="fetch up to this date (default: latest)")
    run.add_argument("--series", type=_series, help="comma-separated series ids (default: all)")
    run.add_argument("--data-dir", help="directory of exported files for the files profile")
    run.add_argument("--task-runner", default="thread", type=_task_runner, metavar="thread|dask[=ADDRESS]",
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
    bf.add_argument("--replace", action="store_true",
                    help="the source is right: remove stored values it no longer lists, accept large revisions")
    bf.add_argument("--task-runner", default="thread", type=_task_runner, metavar="thread|dask[=ADDRESS]")
    _add_ops_options(bf)
    bf.set_defaults(func=cmd_backfill)

    rp = sub.add_parser("replay", help="point-in-time history: every analysis as of each day, into schema pit")
    rp.add_argument("--start", type=_date, required=True)
    rp.add_argument("--end", type=_date, required=True)
    rp.add_argument("--every", choices=["B", "W", "M"], default="B",
                    help="business days (default), week ends (Fridays) or month ends")
    rp.add_argument("--profile", default="sample", help="profile whose analysis settings to replay")
    rp.add_argument("--replace", action="store_true", help="recompute days already stored")
    rp.add_argument("--task-runner", default="thread", type=_task_runner, metavar="thread|dask[=ADDRESS]",
                    help="where the days are computed: threads (default), a local Dask cluster, or a scheduler")
    rp.add_argument("--wait-for-readers", type=_seconds, metavar="SECONDS",
                    help="how long to wait for another process holding the warehouse file")
    rp.set_defaults(func=cmd_replay)

    query = sub.add_parser("query", help="read-only SQL against the warehouse ('-' reads stdin)")
    query.add_argument("sql")
    query.add_argument("--format", choices=FORMATS, default="table")
    query.set_defaults(func=cmd_query)

    status = sub.add_parser("status", help="freshness per series, last runs, failed checks")
    status.add_argument("--json", action="store_true", help="machine-readable output for monitoring")
    status.set_defaults(func=cmd_status)

    series = sub.add_parser("series", help="the series catalog")
    series.add_argument("--format", choices=FORMATS, default="table")
    series.set_defaults(func=cmd_series)

    report = sub.add_parser("report", help="write the self-contained HTML research report")
    report.add_argument("--as-of", type=_date, help="replay every analysis with only the data known on this date")
    report.add_argument("--out", help="output file (default: <name>.report.html beside warehouse <name>.duckdb)")
    report.add_argument("--profile", help="profile whose analysis settings to replay and whose primary pairs "
                                          "head the report (default: last run's)")
    report.add_argument("--title")
    report.set_defaults(func=cmd_report)

    serve = sub.add_parser("serve", help="run the nightly schedule in one long-lived process")
    serve.add_argument("--profile", default="sample")
    serve.add_argument("--data-dir")
    serve.add_argument("--cron", default="30 6 * * 1-5", help="cron schedule (default: 06:30 on weekdays)")
    serve.add_argument("--timezone", default="America/New_York")
    serve.set_defaults(func=cmd_serve)
    for command in sub.choices.values():
        _add_global_options(command, default=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.debug:
        os.environ["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] = "NOTSET"
    try:
        code: int = args.func(args)
        return code
    except (WarehouseError, ProfileError, SourceError, UsageError, SecretError) as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` or a pager that quit: stop quietly, as `cat` does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush at exit
        return 128 + signal.SIGPIPE


if __name__ == "__main__":
    sys.exit(main())
