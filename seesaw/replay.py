"""``seesaw replay``: what every analysis would have said on each day, stored in ``pit``.

For each day D of the range, the analyses run in memory on the observations known on D
(``transforms.pit.known_on``: daily values dated D or earlier, periodic ones whose period has
ended, ALFRED vintages released by D) and the auctions held by D, with models refitted; the
latest row per key of each results table is kept (``transforms.pit.PIT_TABLES``). Only the
analyses feeding those tables run (``replayed_analyses``). Days are
independent given their data, so they are computed by the caller's mapper (Prefect tasks on the
flow's task runner: threads or Dask) and written by this process alone, one transaction per day,
under the warehouse's run lock. A day already stored is skipped unless ``replace``, so a killed
replay resumes where it stopped and a rerun never duplicates rows.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as clock
from pathlib import Path
from typing import Any

import pandas as pd

from seesaw.analyses.core import Analysis, Context, Mapper, Output, run_chain, serial_map, with_consumed
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


@dataclass(frozen=True)
class DayResult:
    """One day's pit rows (pit table name → frame) and analysis outcomes."""

    as_of: date
    tables: dict[str, pd.DataFrame]
    analyses: pd.DataFrame  # step, status, rows_written, message
    seconds: float


def compute_results(day: DayInput) -> tuple[dict[str, pd.DataFrame], list[dict[str, Any]]]:
    """Every analysis on the day's data, in memory, models refitted: results frames by table
    name and the analyses' outcomes."""
    store = ResultsStore()
    ctx = Context(day.profile, day.catalog, day.observations, replay_time(day.as_of), day.as_of,
                  auctions=day.auctions, refit=True, map=serial_map, results_reader=store.read)
    outcomes = run_chain(ctx, replayed_analyses(), store.write)
    return store.tables, outcomes


def compute_day(day: DayInput) -> DayResult:
    """One replayed day: its pit rows (latest row per key of each results table) and outcomes."""
    started = time.perf_counter()
    results, outcomes = compute_results(day)
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

    def day(self, profile: Profile, as_of: date) -> DayInput:
        """The input of day ``as_of``."""
        auctions = self.auctions
        if len(auctions):
            auctions = auctions[pd.to_datetime(auctions["auction_date"]) <= pd.Timestamp(as_of)].reset_index(drop=True)
        return DayInput(as_of, profile, self.catalog, known_on(self.history, as_of), auctions)


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


def run(db: Path, profile: Profile, start: date, end: date, every: Every = "B", *, replace: bool = False,
        mapper: Mapper = serial_map, say: Callable[[str], None] = _quiet, batch_days: int = BATCH_DAYS,
        now: datetime | None = None) -> ReplaySummary:
    """Replay the days of [start, end] (``every``: B business days, W week ends, M month ends)
    into ``pit``, under the run lock, recorded in ``ops.runs`` as flow ``replay``.

    Days already stored are skipped unless ``replace``. ``mapper`` computes a batch of days
    (``batch_days``) at a time; each day is then written in its own transaction with a progress
    line. Raises ``ReplayError`` for an empty range or no observation known by ``start``.
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
        try:
            for batch in _batches(todo, batch_days):
                for result in mapper(compute_day, [data.day(profile, d) for d in batch]):
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
