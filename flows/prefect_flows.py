"""Prefect flows: thin wrappers that wire the plain pipeline functions into tasks.

``nightly``: ingest (incremental, revision window) → analyses → checks → summary.
``backfill``: the same over an explicit date range, re-fetched in chunks with progress.
Fetch tasks run concurrently and only return frames; one load task per chunk is the single writer.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.context import FlowRunContext
from prefect.states import Completed, State
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from threadpoolctl import threadpool_limits

from seesaw.flows import secret_refs
from seesaw import pipeline
from seesaw.sources.base import SourceError
from seesaw.sources.catalog import load_profile
from seesaw.warehouse.db import connect, db_path
from seesaw.warehouse.lock import run_lock, update_holder


# Fetch tasks have no Prefect retries: sources retry in one layer (``seesaw.sources.http``: backoff,
# Retry-After, a circuit breaker per host). A source's failure is an outcome, not an exception,
# so it is reported in one line instead of a task-failure traceback.
@task(name="fetch", task_run_name="fetch {plan.spec.series_id}")
def fetch_task(plan: pipeline.FetchPlan, data_dir: Path | None) -> pipeline.Fetched:
    try:
        return pipeline.Fetched(plan, pipeline.fetch(plan, data_dir))
    except SourceError as exc:
        return pipeline.Fetched(plan, None, f"{type(exc).__name__}: {exc}")


@task(name="fetch auctions")
def fetch_auctions_task(plan: pipeline.FetchPlan, profile_name: str, data_dir: Path | None) -> pipeline.Fetched:
    try:
        return pipeline.Fetched(plan, pipeline.fetch_auction_table(plan, load_profile(profile_name), data_dir))
    except SourceError as exc:
        return pipeline.Fetched(plan, None, f"{type(exc).__name__}: {exc}")


@task(name="load")
def load_task(db: Path, run_id: str, fetched: list[pipeline.Fetched], replace: bool = False) -> list:
    return pipeline.load(db, run_id, fetched, replace=replace)


@task(name="fan-out", task_run_name="fan-out {fn.__name__}")
def fan_out_task(fn: Callable[[Any], Any], item: Any) -> Any:
    return fn(item)


def task_map(fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
    """Run ``fn`` over ``items`` as Prefect tasks on the flow's task runner (threads or Dask).

    BLAS stays at one thread for the whole fan-out: the limit is process-wide, so a fit that
    restored it on exit would change the arithmetic of fits still running in other threads
    (and results must not depend on the runner; Dask workers use one thread too).
    """
    with threadpool_limits(limits=1):
        futures = [fan_out_task.submit(fn, item) for item in items]
        return [future.result() for future in futures]


def make_task_runner(spec: str = "thread") -> TaskRunner:
    """``thread`` (default), ``dask`` (a local 2-worker cluster) or ``dask=ADDRESS`` (an existing
    scheduler, e.g. ``dask=tcp://10.0.0.5:8786``)."""
    name, _, address = spec.partition("=")
    if name == "thread":
        return ThreadPoolTaskRunner()
    if name == "dask":
        from prefect_dask import DaskTaskRunner

        if address:
            return DaskTaskRunner(address=address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True,
                                              "host": "127.0.0.1", "dashboard_address": None})
    raise ValueError(f"unknown task runner {spec!r}: use thread, dask or dask=ADDRESS")


@contextmanager
def fan_out_on(spec: str) -> Iterator[None]:
    """Send the running flow's tasks to the runner ``spec`` names (see ``make_task_runner``).

    A flow parameter, not the decorator's fixed runner, so a deployment run can choose it; the
    runner is started here and stopped when the block ends.
    """
    with make_task_runner(spec) as runner, FlowRunContext.get().model_copy(update={"task_runner": runner}):
        yield


@task(name="checks")
def checks_task(db: Path, run_id: str) -> pd.DataFrame:
    return pipeline.check(db, run_id)


@task(name="report")
def report_task(db: Path, summary: pipeline.RunSummary) -> Path | None:
    """Write the HTML report beside the warehouse and publish a markdown artifact pointing at it.

    A report failure is logged, never fatal: the data and results are already committed.
    """
    from prefect.artifacts import create_markdown_artifact

    from seesaw.reports.build import build_report, default_report_path
    from seesaw.warehouse.read import headline

    try:
        result = build_report(db, default_report_path(db))
    except Exception as exc:  # noqa: BLE001 - the run's data is committed; say why the report is missing
        _say(f"  ! report not written: {type(exc).__name__}: {exc}")
        return None
    with connect(db, read_only=True) as con:
        table = headline(con)
    create_markdown_artifact(
        key="seesaw-report",
        markdown=f"# seesaw {summary.status}\n\n{summary.message}\n\n{markdown_table(table)}\n\n"
                 f"Report: [{result.path.name}]({result.path.resolve().as_uri()})",
        description=f"seesaw nightly {summary.run_id}",
    )
    return result.path


def markdown_table(frame: pd.DataFrame) -> str:
    """A plain markdown table (no extra dependency)."""
    if frame.empty:
        return "_no rows_"
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def _say(message: str) -> None:
    """Progress for people at a terminal (stderr) and for the Prefect run log."""
    print(message, file=sys.stderr, flush=True)
    get_run_logger().info(message)


def _ingest(db: Path, run_id: str, plans: list[pipeline.FetchPlan], auctions: pipeline.FetchPlan | None,
            profile_name: str, data_dir: Path | None, replace: bool = False) -> list:
    futures = [fetch_task.submit(plan, data_dir) for plan in plans]
    if auctions is not None:
        plans = [*plans, auctions]
        futures.append(fetch_auctions_task.submit(auctions, profile_name, data_dir))
    fetched = []
    for plan, future in zip(plans, futures):
        outcome = future.result(raise_on_failure=False)
        if isinstance(outcome, BaseException):  # not a source failure: a bug, say what it was
            outcome = pipeline.Fetched(plan, None, f"{type(outcome).__name__}: {outcome}")
        if outcome.error is not None:
            _say(f"  ! {plan.spec.series_id}: {outcome.error}")
        fetched.append(outcome)
    return load_task(db, run_id, fetched, replace)


def _run(flow_name: str, profile_name: str, db: Path, chunks: list[tuple[date | None, date | None]],
         series: list[str] | None, data_dir: Path | None, full: bool, publish: str | None,
         notify: str | None, max_failed_checks: int | None, replace: bool = False) -> State:
    # Secret URLs are resolved here, at run time, from references; they never enter logs.
    publish_url = secret_refs.resolve(publish, "publish") if publish else None
    notify_url = secret_refs.resolve(notify, "notify") if notify else os.environ.get(secret_refs.NOTIFY_ENV)
    profile = load_profile(profile_name)
    specs = profile.select(series)
    # The CLI already holds the lock (taken before Prefect started); the lock is re-entrant.
    with run_lock(db, command=f"seesaw {flow_name} --profile {profile_name}"):
        run_id = pipeline.new_run_id(pipeline.utc_now())
        params = {"chunks": chunks, "series": series, "data_dir": data_dir, "replace": replace}
        crashed = pipeline.begin(db, run_id, flow_name, profile, specs, params)
        update_holder(db, run_id=run_id, flow=flow_name, profile=profile.name)  # for `status` if this run dies
        _say(f"seesaw {flow_name} {run_id}: profile {profile.name}, {len(specs)} series, warehouse {db}")
        for dead in crashed:
            _say(f"  run {dead} ended without finishing (killed or crashed): recorded as crashed")
        try:
            loads = []
            for i, (start, end) in enumerate(chunks, 1):
                plans = pipeline.plan_fetches(db, specs, start, end, full=full)
                auctions = pipeline.plan_auctions(db, profile, start, end, full=full) if series is None else None
                label = f" chunk {i}/{len(chunks)} {start}..{end}" if len(chunks) > 1 else ""
                _say(f"  fetching{label} ...")
                loads += _ingest(db, run_id, plans, auctions, profile_name, data_dir, replace)
            _say(f"  loaded {sum(r.status != 'failed' for r in loads)}/{len(loads)} loads; analysing ...")
            analyses = pipeline.analyze(db, run_id, profile, refit=full, mapper=task_map)
            checks = checks_task(db, run_id)
            summary = pipeline.finish(db, run_id, loads, analyses, checks, max_failed_checks)
            _say(f"  publishing {'PostgreSQL and ' if publish_url else ''}snapshot ...")
            pipeline.publish(db, summary, publish_url)
            summary.report = report_task(db, summary)
        except KeyboardInterrupt:
            pipeline.cancel(db, run_id)
            _say(f"  run {run_id} cancelled")
            raise
    _say(f"  run {summary.status}: {summary.message}")
    if notify_url and summary.status != "ok":
        _say(f"  {pipeline.notify(notify_url, summary, db)}")
    if summary.status == "failed":
        raise pipeline.RunFailed(summary)  # the flow run's Prefect state becomes Failed
    return _final_state(summary)


def _final_state(summary: pipeline.RunSummary) -> State:
    """The flow run's final state, carrying the summary: ``Completed``, or for a partial run
    ``Completed`` named ``Partial`` (visible in the UI, matchable by automations)."""
    if summary.status == "partial":
        return Completed(name="Partial", message=summary.message, data=summary)
    return Completed(message=summary.message, data=summary)


@flow(name="nightly", flow_run_name="nightly {profile}")
def nightly(profile: str = "sample", db: str | None = None, start: date | None = None,
            end: date | None = None, series: list[str] | None = None,
            data_dir: str | None = None, publish: str | None = None, notify: str | None = None,
            max_failed_checks: int | None = None, task_runner: str = "thread") -> State:
    """Nightly refresh: incremental ingest (or ``start``..``end`` when given), analyses, checks,
    PostgreSQL publish (when ``publish`` is given), snapshot, report.

    ``publish`` and ``notify`` are references to where a URL is kept, ``env:VARIABLE`` or
    ``secret:BLOCK`` (a Prefect Secret block), never the URL itself: parameters are stored in
    plain text. A run that is not ok (a failed publish included) POSTs to the ``notify`` URL
    (default ``$SEESAW_WEBHOOK_URL`` when set); with ``max_failed_checks``, more failing
    data-quality checks than that fail the flow run.

    The run ends ``Completed``, ``Completed`` named ``Partial``, or ``Failed``; called directly,
    the flow returns the run summary. ``task_runner``: ``thread``, ``dask`` or ``dask=ADDRESS``
    (where fan-out tasks run); ``db`` and ``data_dir`` are made absolute here, before dispatch.
    """
    with fan_out_on(task_runner):
        return _run("nightly", _profile_ref(profile), db_path(db).resolve(), [(start, end)], series,
                    _opt_path(data_dir), full=False, publish=publish, notify=notify,
                    max_failed_checks=max_failed_checks)


@flow(name="backfill", flow_run_name="backfill {start}..{end}")
def backfill(start: date, end: date, series: list[str] | None = None, profile: str = "sample",
             db: str | None = None, data_dir: str | None = None, chunk_days: int = 3653,
             publish: str | None = None, notify: str | None = None,
             max_failed_checks: int | None = None, task_runner: str = "thread",
             replace: bool = False) -> State:
    """Re-fetch [start, end] in chunks of ``chunk_days`` for the given series (all when omitted).

    Idempotent: a second backfill over the same range changes nothing. Stored values a fetch no
    longer lists are kept and reported, unless ``replace``: then each chunk replaces its range
    (those values are removed) and large revisions are accepted. ``publish``, ``notify``,
    ``max_failed_checks``, ``task_runner`` and the final state as for ``nightly``.
    """
    if end < start:
        raise ValueError(f"backfill end {end} is before start {start}")
    with fan_out_on(task_runner):
        return _run("backfill", _profile_ref(profile), db_path(db).resolve(), date_chunks(start, end, chunk_days),
                    series, _opt_path(data_dir), full=True, publish=publish, notify=notify,
                    max_failed_checks=max_failed_checks, replace=replace)


def date_chunks(start: date, end: date, days: int) -> list[tuple[date, date]]:
    """Split [start, end] into consecutive inclusive ranges of at most ``days`` days."""
    chunks, lo = [], start
    while lo <= end:
        hi = min(lo + timedelta(days=days - 1), end)
        chunks.append((lo, hi))
        lo = hi + timedelta(days=1)
    return chunks


def _opt_path(value: str | None) -> Path | None:
    """An absolute path: tasks may run on Dask workers started in another directory."""
    return Path(value).resolve() if value else None


def _profile_ref(profile: str) -> str:
    """A profile name as given, a profile YAML path made absolute (tasks load it on workers)."""
    return str(Path(profile).resolve()) if Path(profile).suffix else profile
