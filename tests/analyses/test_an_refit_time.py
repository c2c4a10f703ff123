"""The DCC refit policy uses the run's time passed in, never the clock: same inputs, same warehouse."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

from seesaw import pipeline
from seesaw.sources.catalog import load_profile
from seesaw.warehouse.db import connect
from support import run_plain

FIT = "dcc-normal-US-us_ff_mkt~us_aaa-M"  # the sample profile's DCC model (refit_days 7)


def _fitted_at(db: Path) -> pd.Timestamp:
    with connect(db, read_only=True) as con:
        value = con.execute("select fitted_at from results.model_fits where fit_id = ?", [FIT]).fetchone()[0]
    return pd.Timestamp(value).tz_convert(UTC) if pd.Timestamp(value).tzinfo else pd.Timestamp(value, tz=UTC)


def test_refit_follows_the_run_time_not_the_clock(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    assert run_plain(db, series=["us_ff_mkt", "us_aaa"], tables=False).status == "ok"
    profile = load_profile("sample")
    later = datetime(2031, 3, 4, 6, 30, tzinfo=UTC)  # years after the first fit: a refit, stamped with it
    pipeline.analyze(db, "t1", profile, now=later)
    assert _fitted_at(db) == pd.Timestamp(later)
    pipeline.analyze(db, "t2", profile, now=later + timedelta(days=6))  # younger than refit_days: kept
    assert _fitted_at(db) == pd.Timestamp(later)
    pipeline.analyze(db, "t3", profile, now=later + timedelta(days=7))  # refit_days old: refitted
    assert _fitted_at(db) == pd.Timestamp(later + timedelta(days=7))
