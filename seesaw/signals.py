"""Signal alerts of a nightly run: its own point-in-time day, and what changed since the one before.

After its analyses a nightly run stores ``pit`` day D, the run's date: the day its analyses
judged staleness and complete periods at. Its rows are the latest rows per key of its results
tables, made by ``transforms.pit.summarize`` as a replay makes them, so a replay of D, which
sees the observations the nightly had (all of them known by D, bar a periodic value stamped in a
period still open), stores the same rows. The alerts of D (``transforms.alerts``) compare D with
the newest stored day before it, so a replayed day gives exactly the lines the live night sent.
"""
from __future__ import annotations

import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from seesaw.analyses.settings import AnalysisSettings
from seesaw.incremental import UNCHANGED_INPUTS
from seesaw.sources.catalog import Profile
from seesaw.transforms.alerts import ALERT_TABLES, AlertRules, Signals, alert_lines
from seesaw.transforms.correlation import CorrPath
from seesaw.transforms.pit import PIT_TABLES, summarize
from seesaw.warehouse import pit as wpit
from seesaw.warehouse import read as wread
from seesaw.warehouse import state as wstate
from seesaw.warehouse.db import connect
from seesaw.warehouse.snapshot import ReadConnection


def alert_rules(settings: AnalysisSettings, catalog: pd.DataFrame) -> AlertRules:
    """A profile's alert settings as ``AlertRules``: its primary pairs' rolling windows, the
    series its regimes read, and the catalog's names."""
    alerts = settings.alerts
    paths = tuple(CorrPath(p.market, p.equity, p.bond, p.freq, window, p.horizon_periods)
                  for p in settings.primary_pairs().values() for window in p.windows)
    return AlertRules(
        kinds=frozenset(alerts.kinds), paths=paths, significance_level=alerts.significance_level,
        event_types=None if alerts.event_types is None else frozenset(alerts.event_types),
        frameworks=frozenset(alerts.regime_frameworks),
        names=dict(zip(catalog["series_id"], catalog["name"], strict=True)),
        regime_pairs={m.market: (m.stock, m.bond) for m in settings.regimes.markets},
        move=settings.move.move)


def day_signals(con: ReadConnection, settings: AnalysisSettings, as_of: date) -> Signals:
    """The alert lines of stored pit day ``as_of`` against the newest stored day before it."""
    since = wpit.previous_day(con, as_of)
    if since is None:
        return Signals(as_of, None)
    catalog = wread.catalog(con)
    lines = alert_lines(wpit.day_tables(con, since, ALERT_TABLES), wpit.day_tables(con, as_of, ALERT_TABLES),
                        alert_rules(settings, catalog))
    return Signals(as_of, since, tuple(lines))


def newest_signals(con: ReadConnection, settings: AnalysisSettings) -> Signals | None:
    """The signals of the newest stored pit day (what the report shows as "in the markets since
    the previous day"); None when pit holds no day."""
    days = wpit.newest_days(con, 1)
    return day_signals(con, settings, days[0]) if days else None


def stored_day_current(db: Path, as_of: date) -> str | None:
    """The nightly run that stored pit day ``as_of`` when that day still holds (every run since,
    this one included, changed no data: ``warehouse.state.quiet_since``), so a run that found
    nothing new need not store it again; None otherwise (not stored, stored by a replay, or data
    changed since)."""
    with connect(db, read_only=True) as con:
        stored = wpit.day_run(con, as_of) if wpit.newest_days(con, 1) else None
        return stored if stored is not None and wstate.quiet_since(con, stored, UNCHANGED_INPUTS) else None


def store_nightly_day(db: Path, run_id: str, profile: Profile, outcomes: list[dict[str, Any]],
                      now: datetime) -> Signals | None:
    """Store the run's pit day (``now``'s date) and return its signals; None when that day was
    stored before (a second run that day rewrites it but alerts only once). ``outcomes`` are the
    run's analysis outcomes; ``pit.analyses`` and ``pit.cutoffs`` keep the analyses a replay
    runs, as a replayed day does.
    """
    from seesaw.replay import replayed_analyses  # the replay imports the pipeline, which calls this

    started = time.perf_counter()
    as_of = now.date()
    with connect(db) as con:
        wpit.ensure_tables(con)
        new = as_of not in wpit.stored_dates(con)
        results = wpit.results_tables(con, [t.source for t in PIT_TABLES])
        replayed = {a.name for a in replayed_analyses()}
        cutoffs = results["analysis_cutoffs"]
        results["analysis_cutoffs"] = cutoffs[cutoffs["analysis"].isin(replayed)]
        analyses = pd.DataFrame([o for o in outcomes if o["step"] in replayed],
                                columns=["step", "status", "rows_written", "message"])
        wpit.write_day(con, as_of, summarize(results, as_of), analyses, run_id=run_id,
                       seconds=time.perf_counter() - started, now=datetime.now(UTC))
        return day_signals(con, profile.analysis, as_of) if new else None
