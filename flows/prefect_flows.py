"""Prefect flows: thin wrappers that wire the plain pipeline functions into tasks.

``nightly``: ingest (incremental, revision window) → analyses → checks → summary.
``backfill``: the same over an explicit date range, re-fetched in chunks with progress.
Fetch tasks run concurrently and only return frames; one load task per chunk is the single writer.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.states import State
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from threadpoolctl import threadpool_limits

from flows import pipeline
from sources.base import SourceError
from sources.catalog import load_profile
from warehouse.db import connect, db_path
from warehouse.lock import run_lock


def _retryable(task_obj: object, task_run: object, state: State) -> bool:
    """Retry only what can succeed on retry: timeouts, 429 and 5xx (``SourceError.retryable``)."""
    try:
        state.result()
    except SourceError as exc:
        return exc.retryable
    except Exception:
        return False
    return False


@task(name="fetch", retries=2, retry_delay_seconds=[2, 10], retry_condition_fn=_retryable,
      task_run_name="fetch {plan.spec.series_id}")
def fetch_task(plan: pipeline.FetchPlan, data_dir: Path | None) -> pd.DataFrame:
    return pipeline.fetch(plan, data_dir)


@task(name="fetch auctions", retries=2, retry_delay_seconds=[2, 10], retry_condition_fn=_retryable)
def fetch_auctions_task(plan: pipeline.FetchPlan, profile_name: str, data_dir: Path | None) -> pd.DataFrame:
    return pipeline.fetch_auction_table(plan, load_profile(profile_name), data_dir)


@task(name="load")
def load_task(db: Path, run_id: str, fetched: list[pipeline.Fetched]) -> list:
    return pipeline.load(db, run_id, fetched)


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


@task(name="checks")
def checks_task(db: Path, run_id: str) -> pd.DataFrame:
    return pipeline.check(db, run_id)


@task(name="report")
def report_task(db: Path, summary: pipeline.RunSummary) -> Path | None:
    """Write the HTML report beside the warehouse and publish a markdown artifact pointing at it.

    A report failure is logged, never fatal: the data and results are already committed.
    """
    from prefect.artifacts import create_markdown_artifact

    from reports.build import build_report, default_report_path
    from warehouse.read import headline

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
            profile_name: str, data_dir: Path | None) -> list:
    futures = [fetch_task.submit(plan, data_dir) for plan in plans]
    if auctions is not None:
        plans = [*plans, auctions]
        futures.append(fetch_auctions_task.submit(auctions, profile_name, data_dir))
    fetched = []
    for plan, future in zip(plans, futures):
        outcome = future.result(raise_on_failure=False)
        if isinstance(outcome, BaseException):
            _say(f"  ! {plan.spec.series_id}: {type(outcome).__name__}: {outcome}")
            fetched.append(pipeline.Fetched(plan, None, f"{type(outcome).__name__}: {outcome}"))
        else:
            fetched.append(pipeline.Fetched(plan, outcome))
    return load_task(db, run_id, fetched)


def _run(flow_name: str, profile_name: str, db: Path, chunks: list[tuple[date | None, date | None]],
         series: list[str] | None, data_dir: Path | None, full: bool, publish: str | None,
         notify_url: str | None, max_failed_checks: int | None) -> pipeline.RunSummary:
    profile = load_profile(profile_name)
    specs = profile.select(series)
    with run_lock(db, command=f"seesaw {flow_name} --profile {profile_name}"):
        run_id = pipeline.new_run_id(pipeline.utc_now())
        params = {"chunks": chunks, "series": series, "data_dir": data_dir}
        pipeline.begin(db, run_id, flow_name, profile, specs, params)
        _say(f"seesaw {flow_name} {run_id}: profile {profile.name}, {len(specs)} series, warehouse {db}")
        loads = []
        for i, (start, end) in enumerate(chunks, 1):
            plans = pipeline.plan_fetches(db, specs, start, end, full=full)
            auctions = pipeline.plan_auctions(db, profile, start, end, full=full) if series is None else None
            label = f" chunk {i}/{len(chunks)} {start}..{end}" if len(chunks) > 1 else ""
            _say(f"  fetching{label} ...")
            loads += _ingest(db, run_id, plans, auctions, profile_name, data_dir)
        _say(f"  loaded {sum(r.status != 'failed' for r in loads)}/{len(loads)} loads; analysing ...")
        analyses = pipeline.analyze(db, run_id, profile, refit=full, mapper=task_map)
        checks = checks_task(db, run_id)
        summary = pipeline.finish(db, run_id, loads, analyses, checks, max_failed_checks)
        summary.report = report_task(db, summary)
        _say(f"  publishing snapshot{' and PostgreSQL' if publish else ''} ...")
        summary.published = pipeline.publish(db, run_id, publish)
    _say(f"  run {summary.status}: {summary.message}")
    notify_url = notify_url or os.environ.get("SEESAW_WEBHOOK_URL")
    if notify_url and summary.status != "ok":
        _say(f"  {pipeline.notify(notify_url, summary, db)}")
    if summary.status == "failed":
        raise pipeline.RunFailed(summary)  # the flow run's Prefect state becomes Failed
    return summary


@flow(name="nightly", flow_run_name="nightly {profile}")
def nightly(profile: str = "sample", db: str | None = None, start: date | None = None,
            end: date | None = None, series: list[str] | None = None,
            data_dir: str | None = None, publish: str | None = None, notify_url: str | None = None,
            max_failed_checks: int | None = None) -> pipeline.RunSummary:
    """Nightly refresh: incremental ingest (or ``start``..``end`` when given), analyses, checks,
    report, snapshot (and a PostgreSQL publish when ``publish`` is a URL).

    A run that is not ok notifies ``notify_url`` (or ``$SEESAW_WEBHOOK_URL``); with
    ``max_failed_checks``, more failing data-quality checks than that fail the flow run.
    """
    return _run("nightly", profile, db_path(db), [(start, end)], series, _opt_path(data_dir), full=False,
                publish=publish, notify_url=notify_url, max_failed_checks=max_failed_checks)


@flow(name="backfill", flow_run_name="backfill {start}..{end}")
def backfill(start: date, end: date, series: list[str] | None = None, profile: str = "sample",
             db: str | None = None, data_dir: str | None = None, chunk_days: int = 3653,
             publish: str | None = None, notify_url: str | None = None,
             max_failed_checks: int | None = None) -> pipeline.RunSummary:
    """Re-fetch [start, end] in chunks of ``chunk_days`` for the given series (all when omitted).

    Idempotent: a second backfill over the same range changes nothing.
    """
    if end < start:
        raise ValueError(f"backfill end {end} is before start {start}")
    return _run("backfill", profile, db_path(db), date_chunks(start, end, chunk_days), series,
                _opt_path(data_dir), full=True, publish=publish, notify_url=notify_url,
                max_failed_checks=max_failed_checks)


def date_chunks(start: date, end: date, days: int) -> list[tuple[date, date]]:
    """Split [start, end] into consecutive inclusive ranges of at most ``days`` days."""
    chunks, lo = [], start
    while lo <= end:
        hi = min(lo + timedelta(days=days - 1), end)
        chunks.append((lo, hi))
        lo = hi + timedelta(days=1)
    return chunks


def _opt_path(value: str | None) -> Path | None:
    return Path(value) if value else None
