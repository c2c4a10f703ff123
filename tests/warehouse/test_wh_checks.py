"""Data-quality checks in sql/checks catch what they are named for."""
from datetime import UTC, date, datetime
from pathlib import Path

from seesaw.sources.base import SeriesSpec, observations
from seesaw.transforms.quality import validate_observations
from seesaw.warehouse import load as wload
from seesaw.warehouse.db import connect
from seesaw.warehouse.ops import run_checks

NOW = datetime(2025, 8, 10, tzinfo=UTC)


def test_period_stamps_flags_a_month_stamped_off_its_first_day(tmp_path: Path) -> None:
    spec = SeriesSpec("us_acm_tp_10y", "ACM 10y", "test", "X", "M", "percent p.a.", "spread", "US")
    with connect(tmp_path / "w.duckdb") as con:
        wload.upsert_series(con, [spec], NOW)
        frame = observations(["2025-05-01", "2025-06-27"], [0.5, 0.6])  # the second: a last business day
        wload.load_series(con, run_id="r1", spec=spec,
                          validated=validate_observations(frame, spec.kind, date(2025, 8, 10)),
                          rows_fetched=2, requested_start=None, requested_end=None, now=NOW)
        checks = run_checks(con, "r1", NOW).set_index("check_name")
    assert checks.loc["period_stamps", "status"] == "fail"
    assert checks.loc["period_stamps", "failing_rows"] == 1
    assert "2025-06-27" in checks.loc["period_stamps", "detail"]
