"""Cutoffs and staleness on the sample profile: every step says why it wrote no rows, and the
report says "stale since" for inputs that stopped updating (the sample's histories end in 2018)."""
from __future__ import annotations

from pathlib import Path

import duckdb

from seesaw.reports.build import build_report


def _rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_no_step_is_ok_with_zero_rows_and_no_message(sample_db: Path) -> None:
    steps = _rows(sample_db, "select step, status, rows_written, message from ops.analyses")
    assert steps
    silent = [s for s in steps if s[2] == 0 and not s[3]]
    assert silent == []


def test_stale_steps_name_their_series_and_record_their_cutoffs(sample_db: Path) -> None:
    stale = dict(_rows(sample_db, "select step, message from ops.analyses where status = 'stale'"))
    assert "rebalancing_flows" in stale
    assert stale["rebalancing_flows"].startswith("stale since 2018-")
    assert "us_ff_mkt last observed 2018-11-01" in stale["rebalancing_flows"]
    recorded = {r[0] for r in _rows(sample_db, "select distinct analysis from results.analysis_cutoffs")}
    assert set(stale) <= recorded
    late = _rows(sample_db, """
        select count(*) from results.rebalancing_flows f
        where scenario like 'history%' and obs_date > (select max(common_cutoff) from results.analysis_cutoffs
                                                       where analysis = 'rebalancing_flows')""")
    assert late == [(0,)]


def test_report_says_stale_since_and_states_the_cutoff_per_market(sample_db: Path, tmp_path: Path) -> None:
    html = build_report(sample_db, tmp_path / "report.html").path.read_text(encoding="utf-8")
    assert "common data cutoff US 2018-" in html
    assert "latest data" not in html
    assert "stale since 2018-" in html
