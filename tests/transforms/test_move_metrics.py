"""MOVE/VIX metrics: percentile, z without look-ahead, YTD highs; the 2025-04-07 MOVE of Sinolink (April 2025)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seesaw.transforms.move import (
    MOVE_METRICS_COLUMNS,
    expanding_z,
    move_metrics,
    rolling_pct_rank,
    ytd_high,
)

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def test_rolling_pct_rank_known_values() -> None:
    s = pd.Series([1.0, 2.0, 3.0, 4.0, 2.5])
    r = rolling_pct_rank(s, window=4, min_periods=4)
    assert r.iloc[:3].isna().all()
    assert r.iloc[3] == 100.0  # 4 is the max of [1,2,3,4]
    assert r.iloc[4] == pytest.approx(50.0)  # 2.5 is 2nd of [2,3,4,2.5]


def test_expanding_z_uses_only_earlier_values() -> None:
    s = pd.Series([1.0, 2.0, 3.0, 10.0])
    z = expanding_z(s, min_periods=3)
    assert z.iloc[:3].isna().all()
    assert z.iloc[3] == pytest.approx((10 - 2) / 1.0)
    changed = s.copy()
    changed.iloc[3] = 100.0
    pd.testing.assert_series_equal(expanding_z(changed, 3).iloc[:3], z.iloc[:3])


def test_ytd_high_resets_each_year() -> None:
    idx = pd.to_datetime(["2024-12-30", "2024-12-31", "2025-01-02", "2025-01-03", "2025-01-06"])
    s = pd.Series([5.0, 6.0, 3.0, 4.0, 4.0], index=idx)
    assert ytd_high(s).tolist() == [False, True, False, True, False]


def test_move_metrics_frame_skips_missing_days() -> None:
    idx = pd.bdate_range("2024-01-01", periods=400)
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {"us_move": 100 + rng.normal(0, 5, 400).cumsum(), "us_vix": 15 + rng.normal(0, 1, 400)},
        index=idx,
    )
    frame.iloc[10, 0] = np.nan
    out = move_metrics(frame, window=252, min_periods=126, z_min_periods=50)
    assert list(out.columns) == MOVE_METRICS_COLUMNS
    assert len(out) == 399 and out.move_ytd_high.dtype == bool
    assert out.move_pct_rank_1y.dropna().between(0, 100).all()
    assert out.vix.notna().all()
    with pytest.raises(ValueError, match="us_move"):
        move_metrics(frame[["us_vix"]])


@pytest.mark.shared_data
def test_sinolink_2025_move_ytd_high_2025_04_07() -> None:
    path = DATA / "move" / "date_move_2002-2026" / "move.csv"
    if not path.exists():
        pytest.skip("needs ../shared/data/move/date_move_2002-2026/move.csv")
    move = pd.read_csv(path, index_col=0, parse_dates=True)["move"]
    vix = pd.read_csv(DATA / "fred_daily" / "VIXCLS.csv", index_col=0, parse_dates=True)["VIXCLS"]
    frame = pd.concat({"us_move": move, "us_vix": vix}, axis=1, sort=True)
    out = move_metrics(frame).set_index("obs_date")
    day = out.loc["2025-04-07"]
    print(f"2025-04-07 MOVE {day.move} rank {day.move_pct_rank_1y:.1f} z {day.move_z:.2f}")
    assert day.move > 125.7 and bool(day.move_ytd_high)
    assert day.move_pct_rank_1y == 100.0
    assert day.vix_pct_rank_1y == 100.0  # VIX 46.98 on the same day
    jan_to_apr = out.loc["2025-01-01":"2025-04-06", "move"]
    assert jan_to_apr.max() < day.move
