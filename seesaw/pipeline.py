"""The pipeline as plain functions (testable without Prefect).

``run`` is the whole production sequence, the one function the Prefect flows
(``seesaw.flows.prefect_flows``), the tests and the fault trials call; ``Hooks`` are where a
caller plugs in (Prefect tasks for fetches and fan-out, progress lines, a fault trial's marks).
Each function that touches the warehouse takes a path and opens one short connection, so the
single load step is the only writer while fetches run concurrently.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from seesaw.analyses.core import Context, Mapper, Output, run_chain, serial_map
from seesaw.analyses.steps import ANALYSES
from seesaw.incremental import SourceCheck, incremental_plan, reused, save_analysis_states, unchanged_load
from seesaw.reports.current import current_report
from seesaw.sources.base import SeriesSpec, SourceError, TableSpec, held_span, stamp_period_start
from seesaw.sources.catalog import Profile
from seesaw.sources.registry import make_source, make_table_source
from seesaw.transforms.alerts import Signals
from seesaw.transforms.quality import validate_observations
from seesaw.warehouse import load as wload
from seesaw.warehouse import ops as wops
from seesaw.warehouse import pit as wpit
from seesaw.warehouse import read as wread
from seesaw.warehouse import state as wstate
from seesaw.warehouse.db import checkpoint, connect
from seesaw.warehouse.lock import run_lock, update_holder
from seesaw.warehouse.publish import PublishError, publish_postgres, redact
from seesaw.warehouse.snapshot import publish_snapshot

#: How far back an incremental load re-fetches to pick up revisions, per frequency.
REVISION_WINDOW = {"D": timedelta(days=14), "W": timedelta(days=35), "M": timedelta(days=93),
                   "Q": timedelta(days=190), "A": timedelta(days=400)}
#: How far back a table-shaped input (auctions) is re-fetched to pick up late corrections.
TABLE_REVISION_WINDOW = timedelta(days=31)
#: A run whose rejected rows exceed this share of fetched rows is partial (0 = any reject).
REJECT_THRESHOLD = 0.0


@dataclass(frozen=True)
class FetchPlan:
    """One series or table-shaped input to fetch and the date range to ask for (None = open end)."""

    spec: SeriesSpec | TableSpec
    start: date | None
    end: date | None

    @property
    def load_id(self) -> str:
        """Its id in ``ops.loads``, progress lines and the run summary (``us_10y``, ``table:auctions``)."""
        return self.spec.load_id if isinstance(self.spec, TableSpec) else self.spec.series_id


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
    analyses: list[dict[str, Any]] = field(default_factory=list)
    checks: pd.DataFrame | None = None
    message: str = ""
    report: Path | None = None
    published: list[str] = field(default_factory=list)
    signals: Signals | None = None  # a nightly's alert lines for its newly stored pit day
    report_unchanged: bool = False  # the report of an earlier run still holds (``reports.current``): kept as it is

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
          parameters: dict[str, Any]) -> list[str]:
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
    """Record a run stopped by an interrupt (Ctrl-C, SIGINT) as ``cancelled``, unless it has
    finished already (the CLI's exit watchdog may record it too); what it committed stays."""
    with connect(db) as con:
        wops.cancel_run(con, run_id, "stopped by an interrupt (Ctrl-C); data loaded before it is kept", utc_now())


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
            since = _next_start(spec, last[spec.series_id])
        plans.append(FetchPlan(spec, since, end))
    return plans


def plan_tables(db: Path, profile: Profile, table_ids: Sequence[str] | None, start: date | None,
                end: date | None, full: bool = False) -> list[FetchPlan]:
    """Date range per table-shaped input of the profile (``table_ids``, all when None): as for
    series, from the last stored date minus ``TABLE_REVISION_WINDOW`` unless ``start`` or ``full``."""
    specs = [TableSpec.from_profile(table_id, entry) for table_id, entry in profile.tables.items()
             if table_ids is None or table_id in table_ids]
    if start is not None or full or not specs:
        return [FetchPlan(spec, start, end) for spec in specs]
    with connect(db) as con:
        last = {spec.table_id: wload.last_table_date(con, spec.table_id) for spec in specs}
    plans = []
    for spec in specs:
        since = last[spec.table_id]
        plans.append(FetchPlan(spec, since - TABLE_REVISION_WINDOW if since else None, end))
    return plans


def fetch(plan: FetchPlan, data_dir: Path | None = None) -> pd.DataFrame:
    """Fetch one series or table through its source (raises ``SourceError`` on failure)."""
    if isinstance(plan.spec, TableSpec):
        return make_table_source(plan.spec.source, data_dir=data_dir).fetch_table(plan.spec, plan.start, plan.end)
    source = make_source(plan.spec.source, data_dir=data_dir)
    return stamp_period_start(source.fetch(plan.spec, plan.start, plan.end), plan.spec.frequency)


def fetch_outcome(plan: FetchPlan, data_dir: Path | None = None) -> Fetched:
    """Fetch one plan; a source's failure is an outcome (``Fetched.error``), not an exception."""
    try:
        return Fetched(plan, fetch(plan, data_dir))
    except SourceError as exc:
        return Fetched(plan, None, f"{type(exc).__name__}: {exc}")


def fetch_serially(plans: Sequence[FetchPlan], data_dir: Path | None) -> list[Fetched | BaseException]:
    """The default ``Hooks.fetch``: one plan after another in this process."""
    outcomes: list[Fetched | BaseException] = []
    for plan in plans:
        try:
            outcomes.append(fetch_outcome(plan, data_dir))
        except Exception as exc:  # a bug in one fetch must not stop the others: it is that plan's outcome
            outcomes.append(exc)
    return outcomes


def load(db: Path, run_id: str, fetched: list[Fetched], today: date | None = None, replace: bool = False,
         on_loaded: Callable[[wload.LoadResult], None] | None = None,
         sources: SourceCheck | None = None) -> list[wload.LoadResult]:
    """The single writer: validate and load every fetched series and table, one transaction each,
    then CHECKPOINT. ``on_loaded`` is called after each load's transaction ends.

    ``replace`` (an explicit backfill) lets each fetch replace its whole window: stored dates it no
    longer lists are removed and large revisions accepted; otherwise they are kept and reported.
    With ``sources`` (a nightly run), the sources it skipped and every fetch whose payload equals
    that of its last ok load are recorded as ``unchanged`` loads, without a transaction, and the
    ok loads' states are recorded.
    """
    today = today or utc_now().date()
    now = utc_now()
    results = []
    with connect(db) as con:
        for load_id, (start, end, last_read) in (sources.skipped if sources else {}).items():
            result = unchanged_load(load_id, last_read)
            wload.record_result(con, run_id, result, start, end, now)
            results.append(result)
            if on_loaded is not None:
                on_loaded(result)
        for item in fetched:
            plan, spec = item.plan, item.plan.spec
            if item.frame is None:
                result = wload.record_failure(
                    con, run_id=run_id, series_id=plan.load_id, error=item.error or "fetch failed",
                    requested_start=plan.start, requested_end=plan.end, now=now)
            elif isinstance(spec, TableSpec):
                last_run = (sources.unchanged_payload(plan.load_id, spec, plan.start, plan.end, item.frame)
                            if sources else None)
                if last_run:
                    result = unchanged_load(plan.load_id, last_run, len(item.frame))
                    wload.record_result(con, run_id, result, plan.start, plan.end, now)
                else:
                    result = wload.load_table(con, run_id=run_id, spec=spec, frame=item.frame,
                                              requested_start=plan.start, requested_end=plan.end, now=now)
            else:
                validated = validate_observations(item.frame, spec.kind, today, unit=spec.unit, band=spec.band,
                                                  allow_non_positive=bool(spec.options.get("allow_non_positive")))
                last_run = (sources.unchanged_payload(plan.load_id, spec, plan.start, plan.end, validated.valid,
                                                      validated.rejects) if sources else None)
                if last_run:
                    result = unchanged_load(plan.load_id, last_run, len(item.frame))
                    wload.record_result(con, run_id, result, plan.start, plan.end, now)
                else:
                    result = wload.load_series(
                        con, run_id=run_id, spec=spec, validated=validated, rows_fetched=len(item.frame),
                        requested_start=plan.start, requested_end=plan.end, now=now, replace=replace,
                        held=held_span(item.frame))
            results.append(result)
            if on_loaded is not None:
                on_loaded(result)
        if sources is not None:
            sources.save(con, results, run_id, now)
        checkpoint(con)
    return results


def open_source_check(db: Path, profile: Profile, today: date, incremental: bool) -> SourceCheck:
    """What each source delivered when last loaded ok, and the stored rows now (``SourceCheck``);
    ``incremental``: the chunk's windows follow the stored data (``plan_fetches``), as the next run's will."""
    with connect(db) as con:
        return SourceCheck.open(con, profile.tables, today,
                                next_start=_next_start if incremental else None)


def _next_start(spec: SeriesSpec, last: date) -> date:
    """Where ``plan_fetches`` starts a series' incremental window, given its last stored date."""
    return last - REVISION_WINDOW[spec.frequency]


def analyze(db: Path, run_id: str, profile: Profile, as_of: date | None = None, refit: bool = False,
            out_db: Path | None = None, mapper: Mapper = serial_map,
            now: datetime | None = None) -> list[dict[str, Any]]:
    """Run every analysis (in the order their declarations give) and replace their results rows.

    Reads core data from ``db`` (as known on ``as_of`` when given) and writes results to
    ``out_db`` (default ``db``): an as-of replay writes into a scratch warehouse so the current
    results stay untouched. ``refit`` forces model refits (backfills, replays). ``mapper`` runs
    the independent pieces of an analysis (per-pair fits, Monte Carlo sweeps), e.g. as Prefect
    tasks. ``now`` is the run's time, which the model refit policy and ``fitted_at`` use, so the
    same inputs and ``now`` give the same warehouse (default: the current time).

    On the warehouse itself, without ``refit``, an analysis whose input fingerprint is that of
    its last run that did not fail is not recomputed (``seesaw.incremental``); observations are
    read only when some analysis runs.
    """
    target = out_db or db
    incremental = out_db is None and as_of is None and not refit
    with connect(db, read_only=out_db is not None) as con:
        ctx = Context(profile, wread.catalog(con), pd.DataFrame(), now or utc_now(), as_of,
                      auctions=wread.auctions(con, as_of), refit=refit or as_of is not None, map=mapper,
                      model_fits=wread.model_fits(con) if out_db is None else pd.DataFrame(),
                      results_reader=lambda table: _read_written(target, table))
        plan = incremental_plan(con, ctx, ANALYSES) if incremental else None
        if plan is None or len(plan.reuse) < len(ANALYSES):
            ctx.observations = wread.observations(con) if as_of is None else wpit.known_observations(con, as_of)

    def write(outputs: list[Output]) -> int:
        with connect(target) as con:
            return sum(wops.replace_results(con, out.table, out.frame, out.scope, out.since, out.date_column)
                       for out in outputs)

    outcomes = run_chain(ctx, ANALYSES, write, plan.reuse if plan else None)
    with connect(target) as con:
        if plan is not None:
            ctx.model_fits = wread.model_fits(con)
            save_analysis_states(con, ctx, ANALYSES, plan, outcomes, run_id, utc_now())
        wops.record_analyses(con, pd.DataFrame(outcomes).assign(run_id=run_id, finished_at=utc_now()))
    return outcomes


def _read_written(db: Path, table: str) -> pd.DataFrame:
    """Results ``table`` of ``db`` as the running analyses have written it so far."""
    with connect(db) as con:
        return wread.written(con, table)


#: What a published snapshot holds: everything readers query (``pit`` once a replay wrote it).
SNAPSHOT_SCHEMAS = ("raw", "core", "results", "ops", "pit")


def publish(db: Path, summary: RunSummary, postgres_url: str | None = None) -> None:
    """Publish the run's results for readers: the results tables to PostgreSQL (when a URL is
    given), then a Parquet snapshot beside the warehouse. Adds a line per target published to
    ``summary.published``; a failure is not raised (the run's data is already committed) but
    makes an ok run partial, its reason in the run's message and ``ops.runs`` (recorded before
    the snapshot, which shows it)."""
    if postgres_url:
        try:
            with connect(db, read_only=True) as con:
                tables = publish_postgres(con, postgres_url)
            summary.published.append(f"{redact(postgres_url)}: {len(tables)} tables, {sum(tables.values())} rows")
        except PublishError as exc:  # its text is redacted
            _publish_failed(db, summary, f"PostgreSQL publish failed: {exc}")
    try:
        with connect(db, read_only=True) as con:
            summary.published.append(str(publish_snapshot(con, db, schemas=SNAPSHOT_SCHEMAS,
                                                          run_id=summary.run_id)))
    except OSError as exc:
        _publish_failed(db, summary, f"snapshot failed: {exc}")


def _publish_failed(db: Path, summary: RunSummary, problem: str) -> None:
    """Record a failed publish: the run becomes partial (a failed run stays failed)."""
    summary.status = "partial" if summary.status == "ok" else summary.status
    summary.message = f"{summary.message}; {problem}"
    with connect(db) as con:
        wops.finish_run(con, summary.run_id, summary.status, summary.message, utc_now())


def notify(url: str, summary: RunSummary, db: Path) -> str:
    """POST the run's outcome as JSON to a webhook (Slack-style ``text`` plus fields, ``kind``
    ``run``).

    Never raises: a notification problem must not hide the run's own status.
    """
    payload = {"kind": "run", "text": f"seesaw run {summary.run_id} {summary.status}: {summary.message}",
               "run_id": summary.run_id, "status": summary.status, "message": summary.message,
               "warehouse": str(db.resolve()), "report": str(summary.report) if summary.report else None}
    return _post(url, payload)


def notify_signals(url: str, summary: RunSummary, signals: Signals, db: Path) -> str:
    """POST the run's signal alerts as JSON to a webhook (``kind`` ``signals``): ``text`` with one
    line per alert, ``lines``, ``as_of`` (the run's pit day) and ``since`` (the day compared with).
    Never raises."""
    text = "\n".join([f"seesaw signals {signals.as_of} (since {signals.since}):", *signals.lines])
    return _post(url, {"kind": "signals", "text": text, "run_id": summary.run_id, "status": summary.status,
                       "as_of": str(signals.as_of), "since": str(signals.since), "lines": list(signals.lines),
                       "warehouse": str(db.resolve()), "report": str(summary.report) if summary.report else None})


def _post(url: str, payload: dict[str, Any]) -> str:
    """POST ``payload`` as JSON; what the webhook answered, or why it failed (never the URL)."""
    import requests

    try:
        response = requests.post(url, json=payload, timeout=10)
        return f"webhook answered {response.status_code}"
    except requests.RequestException as exc:
        return f"webhook failed: {type(exc).__name__}"


def recompute_as_of(db: Path, profile: Profile, as_of: date, scratch: Path) -> list[dict[str, Any]]:
    """Recompute every analysis with only the data known on ``as_of`` into ``scratch`` (the
    warehouse ``seesaw report --as-of`` renders).

    The scratch warehouse gets the catalog, the observations known on ``as_of`` (the rule of
    ``seesaw replay``: periodic values once their period has ended, ALFRED vintages once
    released) and fresh results; ``db`` is only read.
    """
    run_id = f"replay-{as_of}"
    with connect(db, read_only=True) as con:
        known = wpit.known_observations(con, as_of)
    with connect(scratch) as con:
        wops.copy_core(con, db.resolve(), known)
    outcomes = analyze(db, run_id, profile, as_of=as_of, out_db=scratch)
    check(scratch, run_id)
    return outcomes


def check(db: Path, run_id: str, unchanged: bool = False) -> pd.DataFrame:
    """Run the SQL data-quality checks and record them in ``ops.checks``. ``unchanged`` (the run
    wrote no data: every load unchanged, every analysis reused) records the latest checks' outcomes
    for this run instead, as nothing they read has changed since."""
    with connect(db) as con:
        repeated = wstate.repeat_checks(con, run_id, utc_now()) if unchanged else None
        return repeated if repeated is not None else wops.run_checks(con, run_id, utc_now())


class RunFailed(RuntimeError):
    """The run failed (more data-quality checks failed than allowed); the flow run ends Failed
    with this exception, which carries the summary."""

    def __init__(self, summary: RunSummary) -> None:
        super().__init__(summary.message)
        self.summary = summary


def finish(db: Path, run_id: str, loads: list[wload.LoadResult], analyses: list[dict[str, Any]],
           checks: pd.DataFrame, max_failed_checks: int | None = None) -> RunSummary:
    """Decide the run status (ok / partial / failed), record it, and return the summary.

    With ``max_failed_checks``, a run whose failing data-quality checks exceed it is ``failed``.
    A ``no_data`` load (nothing in its window, nothing stored there) is no problem: the message
    names each series with no data in any of its windows and where its data is, and a run of
    only such loads is ok, with nothing new; so is an ``unchanged`` one (a source skipped because
    it delivered the same as at its last load), which the message counts.
    """
    failed = [r.series_id for r in loads if r.status == "failed"]
    empty_loads = [r for r in loads if r.status == "no_data"]
    with_data = {r.series_id for r in loads if r.status != "no_data"}
    where = {r.series_id: r.error for r in empty_loads if r.series_id not in with_data}  # the last window's note
    no_data = [f"{series_id} ({note})" for series_id, note in where.items()]
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
    unchanged = sum(r.status == "unchanged" for r in loads)
    if loads and len(empty_loads) == len(loads):
        message = "nothing new: no series had data in the requested range"
    elif loads and len(empty_loads) + unchanged == len(loads):
        message = f"nothing new: {unchanged} sources unchanged since their last load"
    else:
        message = (f"{len(loads) - len(failed) - len(empty_loads) - unchanged}/{len(loads)} series loaded, "
                   f"{inserted} rows new, {changed} revised, {rejected} rejected, {vanished} vanished"
                   + (f", {unchanged} unchanged since their last load" if unchanged else ""))
    if no_data:
        more = f", … ({len(no_data) - 5} more in ops.loads)" if len(no_data) > 5 else ""
        message += f"; {len(no_data)} series had no data in range: {', '.join(no_data[:5])}{more}"
    if problems:
        message += "; " + "; ".join(problems)
    with connect(db) as con:
        wops.finish_run(con, run_id, status, message, utc_now())
    return RunSummary(run_id, status, loads, analyses, checks, message)


def write_report(db: Path, summary: RunSummary) -> Path:
    """The default ``Hooks.report``: the HTML report beside the warehouse; returns its path. A
    report that still holds (``summary.report_unchanged``) is kept as it is, not rendered again."""
    if summary.report_unchanged and summary.report is not None:
        return summary.report
    from seesaw.reports.build import build_report, default_report_path  # the report stack loads only when used

    return build_report(db, default_report_path(db)).path


def _quiet(text: str) -> None:
    """Progress nobody listens to (the default ``Hooks.say`` and ``Hooks.stage``)."""


#: Runs the fetches of one chunk: each plan's ``Fetched``, or the exception its fetch raised, in order.
FetchRunner = Callable[[Sequence[FetchPlan], Path | None], list[Fetched | BaseException]]


@dataclass(frozen=True)
class Hooks:
    """Where a caller plugs into ``run``; the defaults run everything in this process, quietly.

    say
        Progress lines for people (the CLI prints them on stderr and to Prefect's run log).
    stage
        Called with each stage's name as it starts: ``begin``, ``fetch``, ``load``, ``analyze``,
        ``checks``, ``signals`` (nightly), ``publish``, ``report``, ``notify`` (the fault trials
        aim their kills by it).
    fetch
        Runs the fetches of one chunk (Prefect: one task per plan on the flow's task runner).
    fan_out
        Runs the independent pieces of an analysis (per-pair fits, Monte Carlo sweeps).
    loaded
        Called after each series' or table's load transaction ends, with its result.
    report
        Writes the report and returns its path (Prefect also publishes a markdown artifact).
    """

    say: Callable[[str], None] = _quiet
    stage: Callable[[str], None] = _quiet
    fetch: FetchRunner = fetch_serially
    fan_out: Mapper = serial_map
    loaded: Callable[[wload.LoadResult], None] | None = None
    report: Callable[[Path, RunSummary], Path | None] = write_report


def run(db: Path, profile: Profile, *, flow: str = "nightly",
        chunks: Sequence[tuple[date | None, date | None]] = ((None, None),), series: list[str] | None = None,
        tables: Sequence[str] | None = None, data_dir: Path | None = None, full: bool = False,
        replace: bool = False, publish_url: str | None = None, notify_url: str | None = None,
        max_failed_checks: int | None = None, now: datetime | None = None, hooks: Hooks | None = None) -> RunSummary:
    """One production run, start to end: the sequence the Prefect flows, the tests and the fault
    trials all run.

    Under the warehouse's run lock (re-entrant: the CLI may hold it already): open the run record,
    then per chunk ``(start, end)`` plan, fetch and load; analyse, check, decide the status,
    (nightly) store the run's pit day and its signal alerts (``seesaw.signals``), publish
    (PostgreSQL when ``publish_url``, the snapshot), write the report; after the lock, POST to
    ``notify_url`` when the run is not ok, and its signal alerts when there are any. An
    interrupt (Ctrl-C) records the run as ``cancelled`` and propagates.

    ``series`` selects series ids (all when None); ``tables`` selects the profile's table-shaped
    inputs (default: all of them when no series are selected, none otherwise). ``full`` fetches
    whole histories and refits models (backfills); ``replace`` lets fetches replace their windows
    (see ``load``). ``now`` is the run's time (its id, the analyses' refit policy, the future-date
    check); default the current time. ``hooks`` default to ``Hooks()``. A ``failed`` run is
    returned, not raised.
    """
    hooks = hooks or Hooks()
    specs = profile.select(series)
    table_ids = tables if tables is not None else (None if series is None else ())
    now = now or utc_now()
    with run_lock(db, command=f"seesaw {flow} --profile {profile.name}"):
        run_id = new_run_id(now)
        hooks.stage("begin")
        parameters = {"chunks": list(chunks), "series": series, "data_dir": data_dir, "replace": replace}
        crashed = begin(db, run_id, flow, profile, specs, parameters)
        update_holder(db, run_id=run_id, flow=flow, profile=profile.name)  # for `status` if this run dies
        hooks.say(f"seesaw {flow} {run_id}: profile {profile.name}, {len(specs)} series, warehouse {db}")
        for dead in crashed:
            hooks.say(f"  run {dead} ended without finishing (killed or crashed): recorded as crashed")
        try:
            loads: list[wload.LoadResult] = []
            for i, (start, end) in enumerate(chunks, 1):
                plans = [*plan_fetches(db, specs, start, end, full=full),
                         *plan_tables(db, profile, table_ids, start, end, full=full)]
                sources = None if full or replace else open_source_check(db, profile, now.date(),
                                                                         incremental=start is None)
                if sources is not None:
                    plans = [p for p in plans
                             if not sources.unchanged_files(p.load_id, p.spec, p.start, p.end, data_dir)]
                hooks.say(f"  fetching{f' chunk {i}/{len(chunks)} {start}..{end}' if len(chunks) > 1 else ''} ...")
                hooks.stage("fetch")
                fetched = [_settle(plan, outcome, hooks.say)
                           for plan, outcome in zip(plans, hooks.fetch(plans, data_dir), strict=True)]
                hooks.stage("load")
                loads += load(db, run_id, fetched, today=now.date(), replace=replace, on_loaded=hooks.loaded,
                              sources=sources)
            empty = sum(r.status == "no_data" for r in loads)
            same = sum(r.status == "unchanged" for r in loads)
            hooks.say(f"  loaded {sum(r.status not in ('failed', 'no_data', 'unchanged') for r in loads)}/{len(loads)}"
                      f" loads{f', {empty} had no data in range' if empty else ''}"
                      f"{f', {same} unchanged' if same else ''}; analysing ...")
            hooks.stage("analyze")
            analyses = analyze(db, run_id, profile, refit=full, mapper=hooks.fan_out, now=now)
            hooks.stage("checks")
            quiet = all(r.status in ("unchanged", "no_data") for r in loads) and all(map(reused, analyses))
            summary = finish(db, run_id, loads, analyses, check(db, run_id, unchanged=quiet), max_failed_checks)
            if flow == "nightly":
                hooks.stage("signals")
                summary.signals = _signals(db, summary, profile, now, hooks.say)
            hooks.say(f"  publishing {'PostgreSQL and ' if publish_url else ''}snapshot ...")
            hooks.stage("publish")
            publish(db, summary, publish_url)
            hooks.stage("report")
            try:
                if quiet:
                    summary.report = current_report(db)
                    summary.report_unchanged = summary.report is not None
                summary.report = hooks.report(db, summary)
                if summary.report_unchanged and summary.report is not None:
                    hooks.say(f"  report unchanged (nothing new since it was written): {summary.report}")
            except Exception as exc:  # the run's data is committed; say why the report is missing
                hooks.say(f"  ! report not written: {type(exc).__name__}: {exc}")
        except KeyboardInterrupt:
            cancel(db, run_id)
            hooks.say(f"  run {run_id} cancelled")
            raise
    hooks.say(f"  run {summary.status}: {summary.message}")
    alerts = summary.signals.lines if summary.signals else ()
    if notify_url and (summary.status != "ok" or alerts):
        hooks.stage("notify")
        if summary.status != "ok":
            hooks.say(f"  {notify(notify_url, summary, db)}")
        if summary.signals and alerts:
            hooks.say(f"  signals: {notify_signals(notify_url, summary, summary.signals, db)}")
    return summary


def _signals(db: Path, summary: RunSummary, profile: Profile, now: datetime,
             say: Callable[[str], None]) -> Signals | None:
    """Store the nightly's pit day and compute its alert lines (``seesaw.signals``), one progress
    line each; a failure is a line, not a failed run (the run's data is committed)."""
    from seesaw import signals  # it imports seesaw.replay, which imports this module

    try:
        stored = signals.stored_day_current(db, now.date())
        if stored is not None:
            say(f"  pit day {now.date()} unchanged: stored by run {stored}, nothing new since")
            return None
        found = signals.store_nightly_day(db, summary.run_id, profile, summary.analyses, now)
    except Exception as exc:
        say(f"  ! signals not computed: {type(exc).__name__}: {exc}")
        return None
    if found is not None:
        since = f" since {found.since}" if found.since else " (no earlier pit day to compare)"
        say(f"  pit day {found.as_of}: {len(found.lines)} signal{'' if len(found.lines) == 1 else 's'}{since}")
        for line in found.lines:
            say(f"    {line}")
    return found


def _settle(plan: FetchPlan, outcome: Fetched | BaseException, say: Callable[[str], None]) -> Fetched:
    """A fetch outcome as ``Fetched``: an exception (a bug, not a source failure) becomes the plan's
    error; each failure is one progress line."""
    if isinstance(outcome, BaseException):
        outcome = Fetched(plan, None, f"{type(outcome).__name__}: {outcome}")
    if outcome.error is not None:
        say(f"  ! {plan.load_id}: {outcome.error}")
    return outcome
