"""Prefect flows: thin wrappers around ``seesaw.pipeline.run``, the one production sequence.

``nightly``: ingest (incremental, revision window) → analyses → checks → publish → report.
``backfill``: the same over an explicit date range, re-fetched in chunks with progress.
What Prefect adds comes in through ``pipeline.Hooks``: fetch tasks that run concurrently and only
return frames (the run's single load step writes), fan-out tasks on the chosen task runner, the
run log, and a markdown artifact of the report; the summary becomes the final state.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

from prefect import flow, get_run_logger, task
from prefect.client.schemas.objects import State
from prefect.context import FlowRunContext
from prefect.states import Completed
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from threadpoolctl import threadpool_limits

from seesaw import pipeline
from seesaw.flows import secret_refs
from seesaw.flows.scheduling import run_paths
from seesaw.flows.tables import markdown_table
from seesaw.replay import ReplaySummary
from seesaw.sources.catalog import load_profile
from seesaw.transforms.alerts import Signals
from seesaw.transforms.pit import Every
from seesaw.warehouse.db import connect


# Fetch tasks have no Prefect retries: sources retry in one layer (``seesaw.sources.http``: backoff,
# Retry-After, a circuit breaker per host). A source's failure is an outcome, not an exception,
# so it is reported in one line instead of a task-failure traceback.
@task(name="fetch", task_run_name="fetch {plan.load_id}")
def fetch_task(plan: pipeline.FetchPlan, data_dir: Path | None) -> pipeline.Fetched:
    return pipeline.fetch_outcome(plan, data_dir)


def fetch_as_tasks(plans: Sequence[pipeline.FetchPlan],
                   data_dir: Path | None) -> list[pipeline.Fetched | BaseException]:
    """``Hooks.fetch`` for a flow run: one concurrent task per plan on the flow's task runner."""
    futures = [fetch_task.submit(plan, data_dir) for plan in plans]
    return [future.result(raise_on_failure=False) for future in futures]


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
        from prefect_dask.task_runners import DaskTaskRunner

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
    context = FlowRunContext.get()
    if context is None:
        raise RuntimeError("fan_out_on needs a running flow")
    with make_task_runner(spec) as runner, context.model_copy(update={"task_runner": runner}):
        yield


def report_with_artifact(db: Path, summary: pipeline.RunSummary) -> Path:
    """``Hooks.report`` for a flow run: the HTML report, and a markdown artifact pointing at it."""
    from prefect.artifacts import create_markdown_artifact

    from seesaw.warehouse.read import headline

    path = pipeline.write_report(db, summary)
    with connect(db, read_only=True) as con:
        table = headline(con)
    create_markdown_artifact(
        key="seesaw-report",
        markdown=f"# seesaw {summary.status}\n\n{summary.message}\n\n{signals_markdown(summary.signals)}"
                 f"{markdown_table(table)}\n\nReport: [{path.name}]({path.resolve().as_uri()})",
        description=f"seesaw nightly {summary.run_id}",
    )
    return path


def signals_markdown(signals: Signals | None) -> str:
    """The artifact's signals section: one bullet per alert line of the run's pit day (nothing
    when the run stored no new day)."""
    if signals is None:
        return ""
    since = f"since {signals.since}" if signals.since else "no earlier pit day to compare"
    bullets = "".join(f"- {line}\n" for line in signals.lines) or "- no change\n"
    return f"## Signals {signals.as_of} ({since})\n\n{bullets}\n"


def _say(message: str) -> None:
    """Progress for people at a terminal (stderr) and for the Prefect run log."""
    print(message, file=sys.stderr, flush=True)
    get_run_logger().info(message)


def _run(flow_name: str, profile_name: str, db: Path, chunks: Sequence[tuple[date | None, date | None]],
         series: list[str] | None, data_dir: Path | None, full: bool, publish: str | None,
         notify: str | None, max_failed_checks: int | None, replace: bool = False) -> State[pipeline.RunSummary]:
    """``pipeline.run`` with Prefect's hooks; its summary as the flow run's final state."""
    # Secret URLs are resolved here, at run time, from references; they never enter logs.
    publish_url = secret_refs.resolve(publish, "publish") if publish else None
    notify_url = secret_refs.resolve(notify, "notify") if notify else os.environ.get(secret_refs.NOTIFY_ENV)
    hooks = pipeline.Hooks(say=_say, fetch=fetch_as_tasks, fan_out=task_map, report=report_with_artifact)
    summary = pipeline.run(db, load_profile(profile_name), flow=flow_name, chunks=chunks, series=series,
                           data_dir=data_dir, full=full, replace=replace, publish_url=publish_url,
                           notify_url=notify_url, max_failed_checks=max_failed_checks, hooks=hooks)
    if summary.status == "failed":
        raise pipeline.RunFailed(summary)  # the flow run's Prefect state becomes Failed
    return _final_state(summary)


def _final_state(summary: pipeline.RunSummary) -> State[pipeline.RunSummary]:
    """The flow run's final state, carrying the summary: ``Completed``, or for a partial run
    ``Completed`` named ``Partial`` (visible in the UI, matchable by automations)."""
    if summary.status == "partial":
        return Completed(name="Partial", message=summary.message, data=summary)
    return Completed(message=summary.message, data=summary)


@flow(name="nightly", flow_run_name="nightly {profile}")
def nightly(profile: str = "sample", db: str | None = None, start: date | None = None,
            end: date | None = None, series: list[str] | None = None,
            data_dir: str | None = None, publish: str | None = None, notify: str | None = None,
            max_failed_checks: int | None = None, task_runner: str = "thread",
            home: str | None = None) -> State[pipeline.RunSummary]:
    """Nightly refresh: incremental ingest (or ``start``..``end`` when given), analyses, checks,
    PostgreSQL publish (when ``publish`` is given), snapshot, report.

    ``publish`` and ``notify`` are references to where a URL is kept, ``env:VARIABLE`` or
    ``secret:BLOCK`` (a Prefect Secret block), never the URL itself: parameters are stored in
    plain text. A run that is not ok (a failed publish included) POSTs to the ``notify`` URL
    (default ``$SEESAW_WEBHOOK_URL`` when set), and so do the signal alerts of a newly stored
    pit day (the artifact lists them too); with ``max_failed_checks``, more failing
    data-quality checks than that fail the flow run.

    The run ends ``Completed``, ``Completed`` named ``Partial``, or ``Failed``; called directly,
    the flow returns the run summary. ``task_runner``: ``thread``, ``dask`` or ``dask=ADDRESS``
    (where fan-out tasks run). ``home``: the folder relative ``db``, ``data_dir`` and profile
    files are resolved against (default: the current directory), e.g. ``$SEESAW_HOME``, a
    variable of the worker's environment; all are made absolute here, before dispatch.
    """
    paths = run_paths(home, profile, db, data_dir, series)
    with fan_out_on(task_runner):
        return _run("nightly", paths.profile, paths.db, [(start, end)], series, paths.data_dir, full=False,
                    publish=publish, notify=notify, max_failed_checks=max_failed_checks)


@flow(name="backfill", flow_run_name="backfill {start}..{end}")
def backfill(start: date, end: date, series: list[str] | None = None, profile: str = "sample",
             db: str | None = None, data_dir: str | None = None, chunk_days: int = 3653,
             publish: str | None = None, notify: str | None = None,
             max_failed_checks: int | None = None, task_runner: str = "thread",
             replace: bool = False, home: str | None = None) -> State[pipeline.RunSummary]:
    """Re-fetch [start, end] in chunks of ``chunk_days`` for the given series (all when omitted).

    Idempotent: a second backfill over the same range changes nothing. Stored values a fetch no
    longer lists are kept and reported, unless ``replace``: then each chunk replaces its range
    (those values are removed) and large revisions are accepted. ``publish``, ``notify``,
    ``max_failed_checks``, ``task_runner``, ``home`` and the final state as for ``nightly``.
    """
    if end < start:
        raise ValueError(f"backfill end {end} is before start {start}")
    paths = run_paths(home, profile, db, data_dir, series)
    with fan_out_on(task_runner):
        return _run("backfill", paths.profile, paths.db, date_chunks(start, end, chunk_days), series,
                    paths.data_dir, full=True, publish=publish, notify=notify,
                    max_failed_checks=max_failed_checks, replace=replace)


@flow(name="replay", flow_run_name="replay {start}..{end} every {every}")
def replay(start: date, end: date, every: str = "B", profile: str = "sample", db: str | None = None,
           replace: bool = False, task_runner: str = "thread", home: str | None = None) -> ReplaySummary:
    """Point-in-time history: every analysis as it would have run on each day of [start, end]
    (``every`` B, W or M) with the data known that day, into the ``pit`` schema. Days are
    computed as tasks on ``task_runner``, 8 consecutive days per round: one task per round on
    threads (two would contend for the interpreter), two of 4 days in parallel on Dask; this flow
    run writes them, one transaction per day. Days already stored are skipped unless ``replace``."""
    from seesaw.replay import run as run_replay

    paths = run_paths(home, profile, db, ".")  # a replay reads the warehouse, no data files
    if every not in ("B", "W", "M"):
        raise ValueError(f"unknown replay step {every!r}: use B, W or M")
    with fan_out_on(task_runner):
        return run_replay(paths.db, load_profile(paths.profile), start, end, cast(Every, every), replace=replace,
                          mapper=task_map, say=_say, lanes=1 if task_runner == "thread" else 2)


def date_chunks(start: date, end: date, days: int) -> list[tuple[date, date]]:
    """Split [start, end] into consecutive inclusive ranges of at most ``days`` days."""
    chunks, lo = [], start
    while lo <= end:
        hi = min(lo + timedelta(days=days - 1), end)
        chunks.append((lo, hi))
        lo = hi + timedelta(days=1)
    return chunks
