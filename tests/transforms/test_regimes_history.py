"""Regimes on real US history: the 1998 correlation flip, the 2022 double bear, Pring shares."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from seesaw.transforms.regimes import corr_sign_regimes, pring_stages, stock_bond_quadrants

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
pytestmark = pytest.mark.shared_data


def _read(rel: str, column: int | str = 0) -> pd.Series:
    if not DATA.is_dir():
        pytest.skip("needs ../shared/data")
    frame = pd.read_csv(DATA / rel, parse_dates=[0], index_col=0)
    col = frame[column] if isinstance(column, str) else frame.iloc[:, column]
    return col.astype(float).dropna()


def _bond_return(y: pd.Series, periods_per_year: int) -> pd.Series:
    """Par 10y bond return from yields (percent): carry − D·Δy, D = par modified duration."""
    prev = y.shift(1) / 100
    duration = (1 - (1 + prev / 2) ** -20) / prev
    return prev / periods_per_year - duration * y.diff() / 100


def test_1998_correlation_sign_flip() -> None:
    spx = _read("equity/GSPC.csv", "close")["1985":"2008"]
    y10 = _read("fred_daily/DGS10.csv").reindex(spx.index).ffill()
    stock, bond = spx.pct_change(), _bond_return(y10, 252)
    corr = stock.rolling(252).corr(bond)
    t = corr * np.sqrt(250 / (1 - corr**2))
    p = pd.Series(2 * stats.t.sf(np.abs(t), 250), index=corr.index)
    month_end = corr.dropna().resample("ME").last()
    regimes = corr_sign_regimes(month_end, p.resample("ME").last()).set_index("obs_date")["label"]
    before, after = regimes["1990-01":"1998-04"], regimes["1998-08":"2007-12"]
    assert (before == "positive").mean() > 0.8
    assert (after == "negative").mean() > 0.5
    assert (after == "positive").mean() < 0.15
    first_negative = regimes[regimes == "negative"]["1990":].index[0]
    assert pd.Timestamp("1998-05-01") <= first_negative <= pd.Timestamp("1998-10-31")


def test_2022_double_bear() -> None:
    spx = _read("equity/GSPC.csv", "close").resample("ME").last()
    y10 = _read("fred_daily/DGS10.csv").resample("ME").last()
    q = stock_bond_quadrants(spx.pct_change(), _bond_return(y10, 12)).set_index("obs_date")["label"]
    year = q["2022"]
    assert len(year) == 12
    assert year.value_counts().idxmax() == "double_bear"
    annual = stock_bond_quadrants(spx.resample("YE").last().pct_change(), _bond_return(y10.resample("YE").last(), 1))
    assert annual.set_index("obs_date").loc["2022-12-31", "label"] == "double_bear"


def test_pring_stage_shares_us() -> None:
    spx = _read("equity/GSPC.csv", "close")
    y10 = _read("fred_daily/DGS10.csv")
    gsci = _read("commodities/^SPGSCI.csv")
    out = pring_stages(y10, spx, gsci)
    shares = out["label"].value_counts(normalize=True)
    assert out["obs_date"].min() == pd.Timestamp("1984-12-31")
    assert set(shares.index) == {"I", "II", "III", "IV", "V", "VI", "transitional"}
    # Stocks trend up most of the time: stock-bull stages II-IV dominate (~70% over 1984-2024).
    assert shares[["II", "III", "IV"]].sum() > 0.55
    # 2008-12: yields falling, stocks and oil collapsed → stage I (only bonds bullish).
    assert out.set_index("obs_date").loc["2008-12-31", "label"] == "I"
