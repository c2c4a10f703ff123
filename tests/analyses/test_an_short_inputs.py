"""Analyses whose inputs are too short for them are skipped with "needs N …, has M", never failed:
a short backfill is an ok run."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from support import run_plain

SERIES = ["us_ff_mkt", "us_aaa"]  # the sample profile's rebalancing and Monte Carlo legs, both monthly


def _analyses(db: Path, run_id: str) -> dict[str, tuple[str, str | None]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("select step, status, message from ops.analyses where run_id = ?", [run_id]).fetchall()
    finally:
        con.close()
    return {step: (status, message) for step, status, message in rows}


def test_three_months_skip_the_monte_carlo_history_estimate(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    summary = run_plain(db, series=SERIES, start=date(2010, 1, 1), end=date(2010, 3, 31), tables=False)
    assert (summary.status, summary.exit_code) == ("ok", 0), summary.message
    assert _analyses(db, summary.run_id)["mc_risk"] == (
        "skipped", "needs at least 3 common months of us_ff_mkt and us_aaa returns since 1998-07-01, has 2")


def test_a_range_before_the_rebalancing_history_starts_is_skipped(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    summary = run_plain(db, series=SERIES, start=date(1985, 1, 1), end=date(1985, 12, 31), tables=False)
    assert (summary.status, summary.exit_code) == ("ok", 0), summary.message
    outcomes = _analyses(db, summary.run_id)
    assert outcomes["rebalancing_flows"] == (
        "skipped", "needs at least 1 common month of us_ff_mkt and us_aaa returns since 1990-01-01, has 0")
    assert outcomes["mc_risk"][0] == "skipped"
