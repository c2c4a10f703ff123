"""``seesaw replay``: what every analysis would have said on each day, stored in ``pit``.

For each day D of the range, the analyses run in memory on the observations known on D
(``transforms.pit.known_on``: daily values dated D or earlier, periodic ones whose period has
ended, ALFRED vintages released by D) and the auctions held by D; the latest row per key of each
results table is kept (``transforms.pit.PIT_TABLES``). Only the analyses feeding those tables run
(``replayed_analyses``).

DCC models follow the nightly's refit policy on a fixed calendar: refitted every ``refit_days``
days counted from Monday 1970-01-05 (``dcc_anchor``) on the data known that day, and extended
through D in between. The schedule does not depend on where a replay starts, so any split of its
days gives the same rows. Consecutive days are computed in order sharing the anchors' fits and a
``Memo`` of model fits whose inputs did not change (a monthly ACM or VECM between month ends):
exact reuse, never an approximation. Runs of consecutive days are independent of each other, so
they are computed by the caller's mapper (Prefect tasks on the flow's task runner: threads or
Dask) and written by this process alone, one transaction per day, under the warehouse's run
lock. A day already stored is skipped unless ``replace``, so a killed replay resumes where it
stopped and a rerun never duplicates rows.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

import pandas as pd

from seesaw.analyses.core import Analysis, Context, Mapper, Memo, Output, run_chain, serial_map, with_consumed
from seesaw.analyses.correlation import dcc_fit_id, model_correlations
from seesaw.analyses.steps import ANALYSES
from seesaw.pipeline import SNAPSHOT_SCHEMAS, new_run_id
from seesaw.sources.catalog import Profile
from seesaw.transforms.pit import PIT_TABLES, Every, history_frame, known_on, replay_dates, summarize
from seesaw.warehouse import ops as wops
from seesaw.warehouse import pit as wpit
from seesaw.warehouse import read as wread
from seesaw.warehouse.db import connect
from seesaw.warehouse.lock import run_lock
from seesaw.warehouse.snapshot import publish_snapshot


def replayed_analyses(analyses: Sequence[Analysis[Any]] = ANALYSES) -> tuple[Analysis[Any], ...]:
    """The analyses a replay runs: those writing a results table a pit table keeps, and those
    they consume (the others, e.g. the Monte Carlo sweep, would be computed and thrown away)."""
    kept = {table.source for table in PIT_TABLES}
    needed = with_consumed({a.name for a in analyses if kept & set(a.writes)}, analyses)
    return tuple(a for a in analyses if a.name in needed)


#: Days computed per round of the mapper before they are written (bounds the work a kill loses).
BATCH_DAYS = 8

#: Anchor days whose DCC fits a replay keeps (each holds full correlation paths): the nearest to the newest.
ANCHORS_KEPT = 4

#: The first day of the DCC refit calendar (a Monday): refits fall every ``refit_days`` days from it.
DCC_EPOCH = date(1970, 1, 5)


class ReplayError(ValueError):
    """The replay cannot start (an empty range, no data known by its first day)."""


def replay_time(as_of: date) -> datetime:
    """The run time a replayed day is computed at: the end of that day, UTC (models' ``fitted_at``)."""
    return datetime.combine(as_of, clock(23, 59, 59), tzinfo=UTC)


class ResultsStore:
    """Results tables of one in-memory run, written as ``warehouse.ops.replace_results`` writes
    the warehouse's (rows in an output's scope, dated on or after its ``since``, are replaced)."""

    def __init__(self) -> None:
        self.tables: dict[str, pd.DataFrame] = {}

    def write(self, outputs: list[Output]) -> int:
        """Store ``outputs``; returns the rows written."""
        for out in outputs:
            old = self.tables.get(out.table)
            if old is not None and len(old):
                hit = pd.Series(True, index=old.index)
                for column, value in (out.scope or {}).items():
                    hit &= old[column] == value
                if out.since is not None:
                    hit &= pd.to_datetime(old[out.date_column]) >= pd.Timestamp(out.since)
                old = old[~hit]
            parts = [frame for frame in (old, out.frame) if frame is not None and len(frame)]
            self.tables[out.table] = (pd.concat(parts, ignore_index=True) if parts
                                      else out.frame.iloc[0:0].reset_index(drop=True))
        return sum(len(out.frame) for out in outputs)

    def read(self, table: str) -> pd.DataFrame:
        """``results.<table>`` as written so far (``Context.written``), ordered as the warehouse
        read orders it."""
        name = table.removeprefix("results.")
        frame = self.tables.get(name, pd.DataFrame())
        if name == "correlations" and len(frame):
            frame = frame.sort_values(["market", "asset_a", "asset_b", "method", "freq", "window_size", "obs_date"],
                                      kind="stable", ignore_index=True)
        return frame


@dataclass(frozen=True)
class DayInput:
    """Everything one day's computation needs: the profile, catalog, and data known that day."""

    as_of: date
    profile: Profile
    catalog: pd.DataFrame
    observations: pd.DataFrame  # series_id, obs_date, value known on as_of
    auctions: pd.DataFrame      # core.auctions rows held on or before as_of
    dcc_fits: DccFits | None = None  # the DCC fits the day extends (None: every model refitted on the day)


@dataclass(frozen=True)
class DayResult:
    """One day's pit rows (pit table name → frame) and analysis outcomes."""

    as_of: date
    tables: dict[str, pd.DataFrame]
    analyses: pd.DataFrame  # step, status, rows_written, message
    seconds: float


def dcc_anchor(day: date, refit_days: int) -> date:
    """The day a replayed day's DCC fit was made on: the last day of the refit calendar (every
    ``refit_days`` days from ``DCC_EPOCH``) on or before ``day``; ``day`` itself when models refit daily."""
    if refit_days <= 1:
        return day
    return day - timedelta(days=(day - DCC_EPOCH).days % refit_days)


@dataclass(frozen=True)
class DccFits:
    """DCC fits a day extends: ``results.model_fits`` rows and the correlation paths each fit wrote
    on its anchor day."""

    model_fits: pd.DataFrame
    correlations: pd.DataFrame


def compute_results(day: DayInput, memo: Memo | None = None) -> tuple[dict[str, pd.DataFrame], list[dict[str, Any]]]:
    """Every analysis on the day's data, in memory: results frames by table name and the
    analyses' outcomes. DCC models extend ``day.dcc_fits`` (those due refit on the day)."""
    store = ResultsStore()
    fits = pd.DataFrame()
    if day.dcc_fits is not None:
        fits = day.dcc_fits.model_fits
        store.tables = {"model_fits": fits, "correlations": day.dcc_fits.correlations}
    ctx = Context(day.profile, day.catalog, day.observations, replay_time(day.as_of), day.as_of,
                  auctions=day.auctions, model_fits=fits, refit=day.dcc_fits is None, map=serial_map,
                  results_reader=store.read, memo=memo or Memo(0))
    outcomes = run_chain(ctx, replayed_analyses(), store.write)
    return store.tables, outcomes


def compute_day(day: DayInput, memo: Memo | None = None) -> DayResult:
    """One replayed day: its pit rows (latest row per key of each results table) and outcomes."""
    started = time.perf_counter()
    results, outcomes = compute_results(day, memo)
    analyses = pd.DataFrame(outcomes, columns=["step", "status", "rows_written", "message"])
    return DayResult(day.as_of, summarize(results, day.as_of), analyses, time.perf_counter() - started)


@dataclass(frozen=True)
class ReplayData:
    """The warehouse's data a replay reads once: catalog, every value with the day it became
    known, and the auctions."""

    catalog: pd.DataFrame
    history: pd.DataFrame
    auctions: pd.DataFrame

    @classmethod
    def read(cls, db: Path) -> ReplayData:
        """Read it from warehouse ``db``."""
        with connect(db, read_only=True) as con:
            catalog = wread.catalog(con)
            raw = wpit.observation_history(con)
            auctions = wread.auctions(con)
        frequency = dict(zip(catalog["series_id"], catalog["frequency"], strict=True))
        return cls(catalog, history_frame(raw, frequency), auctions)

    def first_known(self) -> date | None:
        """The first day any observation is known (None without observations)."""
        return None if self.history.empty else self.history["known_from"].min().date()

    def day(self, profile: Profile, as_of: date, dcc_fits: DccFits | None = None) -> DayInput:
        """The input of day ``as_of`` (DCC models refitted on it unless ``dcc_fits``)."""
        auctions = self.auctions
        if len(auctions):
            auctions = auctions[pd.to_datetime(auctions["auction_date"]) <= pd.Timestamp(as_of)].reset_index(drop=True)
        return DayInput(as_of, profile, self.catalog, known_on(self.history, as_of), auctions, dcc_fits)


class DccCalendar:
    """The DCC fits of the refit calendar's days, made once and kept for the days that extend them
    (shared by a replay's lanes; two lanes asking for the same day at once both fit it, equally)."""

    def __init__(self, data: ReplayData, profile: Profile) -> None:
        self.data, self.profile = data, profile
        self._fits: dict[date, DccFits] = {}

    def fits_on(self, anchor: date) -> DccFits:
        """Every DCC model fitted on the data known on ``anchor``."""
        found = self._fits.get(anchor)
        if found is None:
            store = ResultsStore()
            ctx = Context(self.profile, self.data.catalog, self.data.day(self.profile, anchor).observations,
                          replay_time(anchor), anchor, refit=True, results_reader=store.read)
            run_chain(ctx, [a for a in replayed_analyses() if a.name == "dcc"], store.write)
            found = DccFits(store.tables.get("model_fits", pd.DataFrame()),
                            store.tables.get("correlations", pd.DataFrame()))
            kept = sorted(self._fits, key=lambda day: abs((day - anchor).days))[:ANCHORS_KEPT - 1]
            self._fits = {**{day: self._fits[day] for day in kept}, anchor: found}
        return found

    def dcc_fits(self, as_of: date) -> DccFits:
        """The fits day ``as_of`` extends: each model's from its anchor day (``dcc_anchor``)."""
        fits, paths = [], []
        for spec in self.profile.analysis.dcc:
            anchored = self.fits_on(dcc_anchor(as_of, spec.refit_days))
            fits.append(_rows_of(anchored.model_fits, dcc_fit_id(spec)))
            paths.append(model_correlations(spec, anchored.correlations))
        return DccFits(_concat(fits), _concat(paths))


class DayRunner:
    """Computes replayed days on ``calendar``'s DCC fits, keeping a ``Memo`` between the days it is
    given (in order: consecutive days reuse the most)."""

    def __init__(self, calendar: DccCalendar, memo_size: int = 256) -> None:
        self.calendar = calendar
        self.memo = Memo(memo_size)

    def __call__(self, days: Sequence[date]) -> list[DayResult]:
        """The days, computed in the order given (a day's seconds include fitting its anchor's DCC)."""
        data, profile = self.calendar.data, self.calendar.profile
        results = []
        for day in days:
            started = time.perf_counter()
            result = compute_day(data.day(profile, day, self.calendar.dcc_fits(day)), self.memo)
            results.append(replace(result, seconds=time.perf_counter() - started))
        return results


def _rows_of(model_fits: pd.DataFrame, fit_id: str) -> pd.DataFrame:
    return model_fits[model_fits["fit_id"] == fit_id] if len(model_fits) else model_fits


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [f for f in frames if len(f)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


@dataclass
class ReplaySummary:
    """What a replay did."""

    run_id: str
    days: list[date]
    skipped: list[date] = field(default_factory=list)
    written: list[date] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)  # analyses that failed on some day
    rows: int = 0
    seconds: float = 0.0

    @property
    def status(self) -> str:
        """``ok``, or ``partial`` when an analysis failed on some day."""
        return "partial" if self.failed else "ok"


def _quiet(text: str) -> None:
    """Progress nobody listens to (the default ``say``)."""


def _batches(days: Sequence[date], size: int) -> Iterator[list[date]]:
    for i in range(0, len(days), size):
        yield list(days[i:i + size])


def _run_lane(job: tuple[DayRunner, list[date]]) -> list[DayResult]:
    """One unit of the mapper: a run of consecutive days on its lane's runner (a lane keeps its
    fits from one round to the next; its runs are consecutive in the range)."""
    runner, days = job
    return runner(days)


def run(db: Path, profile: Profile, start: date, end: date, every: Every = "B", *, replace: bool = False,
        mapper: Mapper = serial_map, say: Callable[[str], None] = _quiet, batch_days: int = BATCH_DAYS,
        lanes: int = 1, now: datetime | None = None) -> ReplaySummary:
    """Replay the days of [start, end] (``every``: B business days, W week ends, M month ends)
    into ``pit``, under the run lock, recorded in ``ops.runs`` as flow ``replay``.

    Days already stored are skipped unless ``replace``. ``mapper`` computes a batch of days
    (``batch_days``) at a time, split into ``lanes`` runs of consecutive days that it may run in
    parallel (worth it on processes, e.g. Dask workers; threads only contend for the interpreter),
    each lane keeping its fits from one batch to the next; each day is then written in its own
    transaction with a progress line. Raises ``ReplayError`` for an empty range or no observation
    known by ``start``.
    """
    days = replay_dates(start, end, every)
    if not days:
        raise ReplayError(f"no {'business day' if every == 'B' else 'week end' if every == 'W' else 'month end'}"
                          f" between {start} and {end}")
    now = now or datetime.now(UTC)
    run_id = new_run_id(now)
    with run_lock(db, command=f"seesaw replay --profile {profile.name} --start {start} --end {end}"):
        with connect(db) as con:  # applies migrations, so pit exists
            wpit.ensure_tables(con)
            done = wpit.stored_dates(con)
        data = ReplayData.read(db)
        first = data.first_known()
        if first is None or first > start:
            raise ReplayError(f"no observation in {db} is known on or before {start}"
                              + (f" (the first is known on {first})" if first else " (the warehouse has none)"))
        summary = ReplaySummary(run_id, days, skipped=[] if replace else [d for d in days if d in done])
        todo = [d for d in days if d not in set(summary.skipped)]
        with connect(db) as con:
            wops.mark_crashed(con, run_id, now)
            wops.start_run(con, run_id, "replay", profile.name,
                           {"start": start, "end": end, "every": every, "replace": replace}, now)
        say(f"seesaw replay {run_id}: {start}..{end} every {every}: {len(days)} days, "
            f"{len(summary.skipped)} already stored, {len(todo)} to compute")
        started = time.perf_counter()
        calendar = DccCalendar(data, profile)
        runners = [DayRunner(calendar) for _ in range(max(1, lanes))]
        run_days = -(-batch_days // len(runners))
        try:
            for batch in _batches(todo, batch_days):
                runs = [(lane, days) for lane, days in zip(runners, _batches(batch, run_days), strict=False)]
                for result in (r for results in mapper(_run_lane, runs) for r in results):
                    with connect(db) as con:
                        summary.rows += wpit.write_day(con, result.as_of, result.tables, result.analyses,
                                                       run_id=run_id, seconds=result.seconds, now=datetime.now(UTC))
                    summary.written.append(result.as_of)
                    bad = result.analyses[result.analyses["status"] == "failed"]["step"].tolist()
                    summary.failed.update(bad)
                    failed = f" (failed: {', '.join(bad)})" if bad else ""
                    say(f"  {result.as_of}: {len(result.analyses) - len(bad)}/{len(result.analyses)} analyses"
                        f"{failed}, {result.seconds:.1f} s [{len(summary.written)}/{len(todo)}]")
        except KeyboardInterrupt:
            with connect(db) as con:
                wops.finish_run(con, run_id, "cancelled", f"stopped after {len(summary.written)} of {len(todo)} days"
                                " (stored days are kept; rerun to resume)", datetime.now(UTC))
            raise
        summary.seconds = time.perf_counter() - started
        with connect(db) as con:
            failed = f"; failed on some days: {', '.join(sorted(summary.failed))}" if summary.failed else ""
            wops.finish_run(con, run_id, summary.status,
                            f"replayed {len(summary.written)} days ({start}..{end} every {every}), "
                            f"{len(summary.skipped)} already stored, {summary.rows} pit rows{failed}",
                            datetime.now(UTC))
        with connect(db, read_only=True) as con:  # readers (`seesaw query`, `seesaw.open`) see pit
            publish_snapshot(con, db, schemas=SNAPSHOT_SCHEMAS, run_id=run_id)
    return summary
