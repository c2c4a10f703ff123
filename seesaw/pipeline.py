"""The pipeline as plain functions (testable without Prefect); ``flows/prefect_flows.py`` wraps them.

Each function that touches the warehouse takes a path and opens one short connection, so the
single load step is the only writer while fetches run concurrently.
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd

from seesaw.analyses.steps import STEPS
from seesaw.analyses.core import Context, Mapper, MissingInputs, serial_map
from seesaw.sources.base import SeriesSpec, stamp_period_start
from seesaw.sources.catalog import Profile
from seesaw.sources.registry import fetch_auctions, make_source
from seesaw.transforms.quality import validate_observations
from seesaw.warehouse import load as wload
from seesaw.warehouse import ops as wops
from seesaw.warehouse import read as wread
from seesaw.warehouse.db import connect
from seesaw.warehouse.publish import PublishError, publish_postgres, redact
from seesaw.warehouse.snapshot import publish_snapshot

#: How far back an incremental load re-fetches to pick up revisions, per frequency.
REVISION_WINDOW = {"D": timedelta(days=14), "W": timedelta(days=35), "M": timedelta(days=93),
                   "Q": timedelta(days=190), "A": timedelta(days=400)}
#: A run whose rejected rows exceed this share of fetched rows is partial (0 = any reject).
REJECT_THRESHOLD = 0.0


@dataclass(frozen=True)
class FetchPlan:
    """One series to fetch and the date range to ask for (None = open end)."""

    spec: SeriesSpec
    start: date | None
    end: date | None


@dataclass(frozen=True)
class Fetched:
    """A fetch outcome: the frame, or the error text (isolated to its series)."""

    plan: FetchPlan
    frame: pd.DataFrame | None
    error: str | None = None


@dataclass
class RunSummary:
    """What a run did, for the CLI and the flow's return value."""

    run_id: str
    status: str  # ok, partial, failed
    loads: list[wload.LoadResult] = field(default_factory=list)
    analyses: list[dict] = field(default_factory=list)
    checks: pd.DataFrame | None = None
    message: str = ""
    report: Path | None = None
    published: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 ok, 2 partial, 1 failed."""
        return {"ok": 0, "partial": 2}.get(self.status, 1)


def new_run_id(now: datetime) -> str:
    """Sortable, unique run id: UTC timestamp plus a random suffix."""
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def utc_now() -> datetime:
    return datetime.now(UTC)


def begin(db: Path, run_id: str, flow: str, profile: Profile, specs: tuple[SeriesSpec, ...],
          parameters: dict) -> list[str]:
    """Apply migrations, record runs left ``running`` by a dead process as ``crashed`` (the caller
    holds the run lock), write the catalog rows of the series in this run, open the run record.
    Returns the ids of the runs found crashed."""
    now = utc_now()
    with connect(db) as con:
        crashed = wops.mark_crashed(con, run_id, now)
        wops.start_run(con, run_id, flow, profile.name, parameters, now)
        wload.upsert_series(con, specs, now)
    return crashed


def cancel(db: Path, run_id: str) -> None:
    """Record a run stopped by an interrupt (Ctrl-C, SIGINT) as ``cancelled``; what it committed stays."""
    with connect(db) as con:
        wops.finish_run(con, run_id, "cancelled", "stopped by an interrupt (Ctrl-C); data loaded before it is kept",
                        utc_now())


def plan_fetches(db: Path, specs: tuple[SeriesSpec, ...], start: date | None, end: date | None,
                 full: bool = False) -> list[FetchPlan]:
    """Date range per series: explicit ``start`` wins; else incremental from the last stored
    date minus the revision window; else (new series or ``full``) the whole history."""
    with connect(db) as con:
        last = {} if full else wload.last_dates(con)
    plans = []
    for spec in specs:
        since = start
        if since is None and spec.series_id in last:
            since = last[spec.series_id] - REVISION_WINDOW[spec.frequency]
        plans.append(FetchPlan(spec, since, end))
    return plans


def fetch(plan: FetchPlan, data_dir: Path | None = None) -> pd.DataFrame:
    """Fetch one series through its source (raises ``SourceError`` on failure)."""
    source = make_source(plan.spec.source, data_dir=data_dir)
    return stamp_period_start(source.fetch(plan.spec, plan.start, plan.end), plan.spec.frequency)


AUCTIONS_ID = "table:auctions"  # how the auctions table appears in ops.loads


def plan_auctions(db: Path, profile: Profile, start: date | None, end: date | None,
                  full: bool = False) -> FetchPlan | None:
    """The auctions fetch of this run (None when the profile has no auctions table)."""
    table = profile.tables.get("auctions")
    if not table:
        return None
    since = start
    if since is None and not full:
        with connect(db) as con:
            last = con.execute("select max(auction_date) from core.auctions").fetchone()[0]
        since = last - timedelta(days=31) if last else None
    spec = SeriesSpec(AUCTIONS_ID, "US Treasury auctions", table["source"], table.get("source_code", ""),
                      "D", "table", "level", "US")
    return FetchPlan(spec, since, end)


def fetch_auction_table(plan: FetchPlan, profile: Profile, data_dir: Path | None = None) -> pd.DataFrame:
    """Fetch Treasury auctions per the profile's ``tables.auctions`` (raises ``SourceError``)."""
    return fetch_auctions(profile.tables["auctions"], plan.start, plan.end, data_dir=data_dir)


def load(db: Path, run_id: str, fetched: list[Fetched], today: date | None = None,
         replace: bool = False) -> list[wload.LoadResult]:
    """The single writer: validate and load every fetched series, one transaction each, then CHECKPOINT.

    ``replace`` (an explicit backfill) lets each fetch replace its whole window: stored dates it no
    longer lists are removed and large revisions accepted; otherwise they are kept and reported.
    """
    today = today or utc_now().date()
    now = utc_now()
    results = []
    with connect(db) as con:
        for item in fetched:
            plan = item.plan
            if item.frame is not None and plan.spec.series_id == AUCTIONS_ID:
                results.append(_load_auctions(con, run_id, item, now))
                continue
            if item.frame is None:
                results.append(wload.record_failure(
                    con, run_id=run_id, series_id=plan.spec.series_id, error=item.error or "fetch failed",
                    requested_start=plan.start, requested_end=plan.end, now=now))
                continue
            validated = validate_observations(item.frame, plan.spec.kind, today, unit=plan.spec.unit,
                                              band=plan.spec.band,
                                              allow_non_positive=bool(plan.spec.options.get("allow_non_positive")))
            results.append(wload.load_series(
                con, run_id=run_id, spec=plan.spec, validated=validated, rows_fetched=len(item.frame),
                requested_start=plan.start, requested_end=plan.end, now=now, replace=replace))
        con.execute("checkpoint")
    return results


def _load_auctions(con, run_id: str, item: Fetched, now: datetime) -> wload.LoadResult:
    """Load the auctions table and describe it as an ``ops.loads`` row."""
    plan, frame = item.plan, item.frame
    try:
        changed, rows = wload.load_auctions(con, run_id=run_id, frame=frame, now=now)
    except Exception as exc:
        return wload.record_failure(con, run_id=run_id, series_id=AUCTIONS_ID, error=f"{type(exc).__name__}: {exc}",
                                    requested_start=plan.start, requested_end=plan.end, now=now)
    dates = pd.to_datetime(frame["auction_date"])
    result = wload.LoadResult(AUCTIONS_ID, rows, changed, 0, 0, dates.min().date() if rows else None,
                              dates.max().date() if rows else None, "ok")
    wload.record_result(con, run_id, result, plan.start, plan.end, now)
    return result


def analyze(db: Path, run_id: str, profile: Profile, as_of: date | None = None, refit: bool = False,
            out_db: Path | None = None, mapper: Mapper = serial_map) -> list[dict]:
    """Run every analysis step and replace its results tables.

    Reads core data from ``db`` (as known on ``as_of`` when given) and writes results to
    ``out_db`` (default ``db``): an as-of replay writes into a scratch warehouse so the current
    results stay untouched. ``refit`` forces model refits (backfills, replays). ``mapper`` runs
    the independent pieces of a step (per-pair fits, Monte Carlo sweeps), e.g. as Prefect tasks.
    """
    target = out_db or db
    with connect(db, read_only=out_db is not None) as con:
        ctx = Context(profile, wread.catalog(con), wread.observations(con, as_of=as_of), as_of,
                      auctions=wread.auctions(con, as_of), refit=refit or as_of is not None, map=mapper,
                      model_fits=wread.model_fits(con) if out_db is None else pd.DataFrame())
    outcomes = []
    for step in STEPS:
        started = time.perf_counter()
        ctx.notes.clear()
        try:
            outputs = step.run(ctx)
            status, message = "ok", "; ".join(ctx.notes) or None
        except MissingInputs as exc:
            outputs, status, message = [], "skipped", str(exc)
        except Exception as exc:  # a failing step must not stop the others
            outputs, status, message = [], "failed", f"{type(exc).__name__}: {exc}"
        rows = 0
        if outputs:
            with connect(target) as con:
                for out in outputs:
                    rows += wops.replace_results(con, out.table, out.frame, out.scope, out.since, out.date_column)
        outcomes.append({"step": step.name, "status": status, "rows_written": rows, "message": message,
                         "seconds": time.perf_counter() - started})
    with connect(target) as con:
        frame = pd.DataFrame(outcomes).assign(run_id=run_id, finished_at=utc_now())
        con.register("incoming_analyses", frame)
        con.execute("insert into ops.analyses by name select * from incoming_analyses")
        con.execute("checkpoint")
    return outcomes


def publish(db: Path, summary: RunSummary, postgres_url: str | None = None) -> None:
    """Publish the run's results for readers: the results tables to PostgreSQL (when a URL is
    given), then a Parquet snapshot beside the warehouse. Adds a line per target to
    ``summary.published``; a failure is not raised (the run's data is already committed) but
    makes an ok run partial, recorded in ``ops.runs`` (before the snapshot, which shows it)."""
    if postgres_url:
        try:
            with connect(db, read_only=True) as con:
                tables = publish_postgres(con, postgres_url)
            summary.published.append(f"{redact(postgres_url)}: {len(tables)} tables, {sum(tables.values())} rows")
        except PublishError as exc:  # its text is redacted
            _publish_failed(db, summary, f"PostgreSQL publish failed: {exc}")
    try:
        with connect(db, read_only=True) as con:
            summary.published.append(str(publish_snapshot(con, db, schemas=("raw", "core", "results", "ops"),
                                                          run_id=summary.run_id)))
    except OSError as exc:
        _publish_failed(db, summary, f"snapshot failed: {exc}")


def _publish_failed(db: Path, summary: RunSummary, problem: str) -> None:
    """Record a failed publish: the run becomes partial (a failed run stays failed)."""
    summary.published.append(problem)
    summary.status = "partial" if summary.status == "ok" else summary.status
    summary.message = f"{summary.message}; {problem}"
    with connect(db) as con:
        wops.finish_run(con, summary.run_id, summary.status, summary.message, utc_now())


def notify(url: str, summary: RunSummary, db: Path) -> str:
    """POST the run's outcome as JSON to a webhook (Slack-style ``text`` plus fields).

    Never raises: a notification problem must not hide the run's own status.
    """
    import requests

    payload = {"text": f"seesaw run {summary.run_id} {summary.status}: {summary.message}",
               "run_id": summary.run_id, "status": summary.status, "message": summary.message,
               "warehouse": str(db.resolve()), "report": str(summary.report) if summary.report else None}
    try:
        response = requests.post(url, json=payload, timeout=10)
        return f"webhook answered {response.status_code}"
    except requests.RequestException as exc:
        return f"webhook failed: {type(exc).__name__}"


def replay(db: Path, profile: Profile, as_of: date, scratch: Path) -> list[dict]:
    """Recompute every analysis with only the data known on ``as_of`` into ``scratch``.

    The scratch warehouse gets the catalog, the observations up to ``as_of`` and fresh results;
    ``db`` is only read. Vintaged series use the vintage known on ``as_of``.
    """
    run_id = f"replay-{as_of}"
    with connect(scratch) as con:
        wops.copy_core(con, db.resolve(), as_of)
    outcomes = analyze(db, run_id, profile, as_of=as_of, out_db=scratch)
    check(scratch, run_id)
    return outcomes


def check(db: Path, run_id: str) -> pd.DataFrame:
    """Run the SQL data-quality checks and record them in ``ops.checks``."""
    with connect(db) as con:
        return wops.run_checks(con, run_id, utc_now())


class RunFailed(RuntimeError):
    """The run failed (more data-quality checks failed than allowed); the flow run ends Failed
    with this exception, which carries the summary."""

    def __init__(self, summary: RunSummary) -> None:
        super().__init__(summary.message)
        self.summary = summary


def finish(db: Path, run_id: str, loads: list[wload.LoadResult], analyses: list[dict],
           checks: pd.DataFrame, max_failed_checks: int | None = None) -> RunSummary:
    """Decide the run status (ok / partial / failed), record it, and return the summary.

    With ``max_failed_checks``, a run whose failing data-quality checks exceed it is ``failed``.
    """
    failed = [r.series_id for r in loads if r.status == "failed"]
    fetched = sum(r.rows_fetched for r in loads)
    rejected = sum(r.rows_rejected for r in loads)
    failed_steps = [a["step"] for a in analyses if a["status"] == "failed"]
    failed_checks = checks.loc[checks["status"] != "pass", "check_name"].tolist() if len(checks) else []
    problems = []
    if failed:
        problems.append(f"{len(failed)} series failed ({', '.join(failed[:8])})")
    if rejected > REJECT_THRESHOLD * fetched:
        problems.append(f"{rejected} of {fetched} rows rejected (see ops.rejects)")
    incomplete = [f"{r.series_id}: {r.error}" for r in loads if r.status == "partial" and r.error]
    if incomplete:
        problems.append("incomplete fetch: " + "; ".join(incomplete[:8]))
    if failed_steps:
        problems.append(f"analysis failed: {', '.join(failed_steps)}")
    if failed_checks:
        problems.append(f"checks failed: {', '.join(failed_checks)}")
    too_many = max_failed_checks is not None and len(failed_checks) > max_failed_checks
    if too_many:
        problems.append(f"more than {max_failed_checks} failed checks: run failed")
    # Every series failing (no network, say) is partial, not failed: the run did all it could,
    # the warehouse is intact, and the message names each failure.
    if too_many:
        status = "failed"
    elif problems:
        status = "partial"
    else:
        status = "ok"
    inserted = sum(r.rows_inserted for r in loads)
    changed = sum(r.rows_changed for r in loads)
    vanished = sum(r.rows_vanished for r in loads)
    message = (f"{len(loads) - len(failed)}/{len(loads)} series loaded, {inserted} rows new, "
               f"{changed} revised, {rejected} rejected, {vanished} vanished"
               + ("; " + "; ".join(problems) if problems else ""))
    with connect(db) as con:
        wops.finish_run(con, run_id, status, message, utc_now())
    return RunSummary(run_id, status, loads, analyses, checks, message)
