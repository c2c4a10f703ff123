"""Common periods: the one helper every analysis aligns its inputs with (known answers by hand)."""
from __future__ import annotations

import pandas as pd
import pytest

from seesaw.transforms.periods import age, common_periods, complete_through, data_through, is_stale


def _series(dates: list[str] | pd.DatetimeIndex, start: float = 100.0) -> pd.Series:
    index = pd.DatetimeIndex(dates)
    return pd.Series([start + i for i in range(len(index))], index=index, dtype=float)


def test_data_through_is_the_last_day_or_the_end_of_the_stamped_period() -> None:
    assert data_through(pd.Timestamp("2026-04-17"), "D") == pd.Timestamp("2026-04-17")
    assert data_through(pd.Timestamp("2018-07-01"), "M") == pd.Timestamp("2018-07-31")
    assert data_through(pd.Timestamp("2026-04-01"), "Q") == pd.Timestamp("2026-06-30")
    assert data_through(pd.Timestamp("2025-01-01"), "A") == pd.Timestamp("2025-12-31")


@pytest.mark.parametrize(("cutoff", "freq", "through"), [
    ("2026-04-17", "M", "2026-03-31"),   # mid-month: April is incomplete
    ("2026-04-17", "Q", "2026-03-31"),
    ("2026-05-29", "M", "2026-05-31"),   # Friday, the last business day of May: May is complete
    ("2026-05-28", "M", "2026-04-30"),
    ("2026-06-30", "Q", "2026-06-30"),
    ("2026-04-17", "D", "2026-04-17"),
    ("2026-04-16", "W", "2026-04-10"),   # a Thursday: its week ends on Friday the 17th
])
def test_complete_through_keeps_only_whole_periods(cutoff: str, freq: str, through: str) -> None:
    assert complete_through(pd.Timestamp(cutoff), freq) == pd.Timestamp(through)


def test_a_leg_ending_early_sets_the_common_cutoff_and_drops_later_periods() -> None:
    stock = _series(pd.bdate_range("2026-01-01", "2026-06-30"))
    bond = _series(pd.bdate_range("2026-01-01", "2026-04-17"), start=4.0)
    out = common_periods({"s": stock, "b": bond}, {"s": "D", "b": "D"}, "Q")
    assert out.cutoff == pd.Timestamp("2026-04-17")
    assert out.through == pd.Timestamp("2026-03-31")
    assert out.last_dates == {"s": pd.Timestamp("2026-06-30"), "b": pd.Timestamp("2026-04-17")}
    assert out.levels["s"].index[-1] == out.levels["b"].index[-1] == pd.Timestamp("2026-03-31")


def test_daily_pairs_keep_only_common_quote_dates() -> None:
    days = pd.bdate_range("2026-10-05", "2026-10-16")
    bond_days = days.drop(pd.Timestamp("2026-10-12"))  # a bond-market holiday the stock market trades
    out = common_periods({"s": _series(days), "b": _series(bond_days, 4.0)}, {"s": "D", "b": "D"}, "D")
    assert list(out.levels["s"].index) == list(bond_days)
    assert list(out.levels["b"].index) == list(bond_days)


def test_a_monthly_input_covers_its_whole_month() -> None:
    daily = _series(pd.bdate_range("2018-01-01", "2018-12-31"))
    monthly = _series(pd.date_range("2018-01-01", "2018-07-01", freq="MS"), 50.0)
    out = common_periods({"d": daily, "m": monthly}, {"d": "D", "m": "M"}, "M")
    assert out.cutoff == pd.Timestamp("2018-07-31")
    assert out.levels["d"].index[-1] == pd.Timestamp("2018-07-31")
    assert out.levels["m"].index[-1] == pd.Timestamp("2018-07-01")


def test_an_input_without_observations_is_an_error() -> None:
    with pytest.raises(ValueError, match="no observations of e"):
        common_periods({"e": pd.Series(dtype=float)}, {"e": "D"}, "D")


def test_age_and_staleness_count_business_days_for_daily_series() -> None:
    friday = pd.Timestamp("2026-04-17")
    assert age(friday, "D", pd.Timestamp("2026-05-01")) == 10
    assert not is_stale(friday, "D", pd.Timestamp("2026-05-01"), 10)
    assert is_stale(friday, "D", pd.Timestamp("2026-05-04"), 10)
    # monthly: counted from the end of the stamped month
    assert age(pd.Timestamp("2018-07-01"), "M", pd.Timestamp("2018-10-14")) == 75
    assert is_stale(pd.Timestamp("2018-07-01"), "M", pd.Timestamp("2018-10-15"), 75)
    assert age(pd.Timestamp("2026-04-17"), "D", pd.Timestamp("2026-04-01")) == 0
