"""China's stock–bond correlation as Soochow Securities' macro team measures it (note of 2025-09-25):
3-month returns of CSI 300 / CSI 800 vs the ChinaBond treasury total-return index, 36- and
60-month windows, and the phases of the cycle, on the real files (skipped without ../shared/data)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from seesaw.transforms.correlation import overlap_effective_n
from support import query


def test_60_month_correlation_of_3_month_returns_in_2025_08_matches_the_note(china_db: Path) -> None:
    rows = query(china_db, """
        select asset_a, window_size, corr, p_value, n from results.correlations
        where market = 'CN' and asset_b = 'cn_bond_tr' and horizon_periods = 3 and obs_date = '2025-08-31'
        order by asset_a, window_size""").set_index(["asset_a", "window_size"])
    assert len(rows) == 4
    # the note: -0.238 on the CSI A500 total-return index; CSI 300 is a price index
    assert rows.loc[("cn_csi300", 60), "corr"] == pytest.approx(-0.238, abs=0.02)
    assert rows.loc[("cn_csi800", 60), "corr"] == pytest.approx(-0.238, abs=0.02)
    assert rows.loc[("cn_csi300", 60), "n"] == pytest.approx(overlap_effective_n(60, 3))
    assert rows.loc[("cn_csi300", 36), "n"] == pytest.approx(overlap_effective_n(36, 3))


def test_phases_of_the_60_month_cycle_turn_near_the_notes_dates(china_db: Path) -> None:
    phases = query(china_db, """
        select phase, start_date, end_date, ongoing from results.corr_phases
        where asset_a = 'cn_csi300' and asset_b = 'cn_bond_tr' and window_size = 60 and horizon_periods = 3
        order by start_date""")
    # the note: rising 2010Q1-2017Q2, falling 2017Q3-2022Q1, rising from 2022Q2 (this path starts in 2013-03)
    assert list(phases["phase"]) == ["rising", "falling", "rising"]
    peak, trough = pd.Timestamp(phases["end_date"].iloc[0]), pd.Timestamp(phases["end_date"].iloc[1])
    assert pd.Timestamp("2017-01-01") <= peak <= pd.Timestamp("2017-12-31")
    assert pd.Timestamp("2021-10-01") <= trough <= pd.Timestamp("2022-06-30")
    assert phases["ongoing"].iloc[-1]
