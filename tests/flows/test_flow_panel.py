"""The cross-market panel on the real files (skipped without ../shared/data): ``results.panel_summary``
for Germany and the UK against the same statistics computed here, independently, from the CSV files
(month-end index closes, a par bond repriced exactly off the OECD monthly 10-year yield)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from support import query, run_plain

SERIES = ["de_dax", "de_10y", "de_10y_daily", "uk_ftse", "uk_10y"]
FILES = {"DE": ("intl/equity/^GDAXI.csv", "intl/bond10y/IRLTLT01DEM156N.csv"),
         "UK": ("intl/equity/^FTSE.csv", "intl/bond10y/IRLTLT01GBM156N.csv")}

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def panel_db(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("panel") / "seesaw.duckdb"
    summary = run_plain(db, "files", series=SERIES, data_dir=shared_data, tables=False)
    steps = {a["step"]: a for a in summary.analyses}
    assert {steps[name]["status"] for name in ("rolling_correlations", "corr_phases", "panel_summary", "dcc")
            } <= {"ok", "stale"}
    # the models whose series are not loaded say so (here every DCC but Germany's)
    assert "models skipped: needs series us_spx, us_10y;" in steps["dcc"]["message"]
    return db


def _par_bond_return(y_prev_pct: np.ndarray, y_pct: np.ndarray, years: int = 10) -> np.ndarray:
    """A month's return of a 10-year par bond bought at ``y_prev`` and repriced at ``y`` (plus a month's coupon)."""
    k = np.arange(1, 2 * years + 1)[None, :]
    coupon = y_prev_pct[:, None] / 100 / 2
    cash = np.broadcast_to(coupon, (len(y_prev_pct), k.shape[1])).copy()
    cash[:, -1] += 1.0
    price = (cash * (1 + y_pct[:, None] / 100 / 2) ** -k).sum(axis=1)
    return price - 1.0 + y_prev_pct / 100 / 12


def _independent(shared_data: Path, market: str) -> pd.DataFrame:
    """Monthly returns of both legs over their common complete months, from the CSV files."""
    equity_file, yield_file = FILES[market]
    eq = pd.read_csv(shared_data / equity_file, usecols=["Date", "Close"], parse_dates=["Date"]).dropna()
    eq = eq.set_index("Date")["Close"].resample("ME").last().dropna()
    yl = pd.read_csv(shared_data / yield_file, parse_dates=["observation_date"]).set_index("observation_date")
    yl = yl.iloc[:, 0].resample("ME").last().dropna()
    both = pd.concat({"eq": eq, "y": yl}, axis=1, join="inner").dropna()
    both = both.loc[both.index < eq.index[-1].to_period("M").to_timestamp()]  # the last equity month is partial
    return pd.DataFrame({"eq": both["eq"].pct_change(),
                        "bond": np.r_[np.nan, _par_bond_return(both["y"].to_numpy()[:-1], both["y"].to_numpy()[1:])]},
                        index=both.index).dropna()


@pytest.mark.parametrize("market", ["DE", "UK"])
def test_panel_summary_matches_an_independent_computation(panel_db: Path, shared_data: Path, market: str) -> None:
    ret = _independent(shared_data, market)
    rows = query(panel_db, f"select * from results.panel_summary where market = '{market}' and horizon_periods = 1"
                            " order by window_size").set_index("window_size")
    assert list(rows.index) == [36, 60]
    for window in (36, 60):
        corr = ret["eq"].rolling(window).corr(ret["bond"]).dropna()
        t = corr * np.sqrt((window - 2) / (1 - corr**2))
        p = pd.Series(2 * stats.t.sf(np.abs(t), window - 2), index=corr.index)
        sign = np.sign(corr)
        flips = corr.index[1:][sign.to_numpy()[1:] != sign.to_numpy()[:-1]]
        row = rows.loc[window]
        assert pd.Timestamp(row["data_cutoff"]) == corr.index[-1]
        assert pd.Timestamp(row["first_date"]) == corr.index[0]
        assert row["months"] == len(corr)
        assert row["corr_latest"] == pytest.approx(corr.iloc[-1], abs=2e-3)
        assert row["p_value_latest"] == pytest.approx(p.iloc[-1], abs=5e-3)
        assert row["share_positive"] == pytest.approx((corr > 0).mean(), abs=0.01)
        assert row["share_significant"] == pytest.approx((p < 0.05).mean(), abs=0.01)
        assert pd.Timestamp(row["last_sign_change"]) == flips[-1]
    phases = query(panel_db, f"select phase, start_date, recognized_date, window_size from results.corr_phases "
                              f"where market = '{market}' and horizon_periods = 1 and ongoing")
    for phase in phases.itertuples():
        row = rows.loc[phase.window_size]
        assert (row["current_phase"], row["phase_start_date"], row["phase_recognized_date"]) == (
            phase.phase, phase.start_date, phase.recognized_date)


def test_germany_has_its_own_daily_dcc(panel_db: Path) -> None:
    fit = query(panel_db, "select market, assets, sample_start, converged from results.model_fits")
    assert fit.to_dict("records") == [{"market": "DE", "assets": "de_dax,de_10y_daily",
                                       "sample_start": pd.Timestamp("1988-01-04"), "converged": True}]
    dcc = query(panel_db, "select count(*) as n, max(obs_date) as last from results.correlations where method = 'dcc'")
    assert dcc["n"].iloc[0] > 9000 and pd.Timestamp(dcc["last"].iloc[0]) == pd.Timestamp("2025-09-01")
