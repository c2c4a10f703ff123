"""The report shows the stored term-premium tracking and regime run start (fixture warehouse)."""
from __future__ import annotations

from pathlib import Path

import duckdb

from seesaw.reports.build import build_report


def _query(db: Path, sql: str):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def test_report_shows_the_stored_regime_start_and_tracking(report_warehouse: Path, tmp_path: Path) -> None:
    result = build_report(report_warehouse, tmp_path / "r.html")
    notes = {sid: note for sid, _, note in result.sections}
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    tracking = _query(report_warehouse, "select * from results.term_premium_tracking where tenor_years = 10").iloc[0]
    assert (f"correlation {tracking['corr']:.2f} (p < 0.001, RMSE {tracking['rmse_pp']:.2f} pp) over "
            f"{tracking['start_date']:%Y-%m-%d}–{tracking['end_date']:%Y-%m-%d}") in notes["term-premia"]
    start = _query(report_warehouse, "select run_start from results.regimes where framework = 'corr_sign' "
                                     "order by obs_date desc limit 1").iloc[0, 0]
    assert f"<td>{start:%Y-%m-%d}</td>" in html
