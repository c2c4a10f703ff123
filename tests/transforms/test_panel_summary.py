"""The panel summary of one correlation path (known answers), and the par bond off a non-US yield."""
import numpy as np
import pandas as pd
import pytest

from seesaw.transforms.panel import last_sign_change, path_summary
from seesaw.transforms.returns import bond_returns_from_yields


def _path(corr: list[float], p: list[float]) -> pd.DataFrame:
    idx = pd.date_range("2020-01-31", periods=len(corr), freq="ME")
    return pd.DataFrame({"corr": corr, "p_value": p, "n": 36.0}, index=idx)


def test_summary_of_a_known_path() -> None:
    path = _path([-0.3, -0.1, 0.0, 0.2, 0.4, -0.05, 0.1, 0.35], [0.01, 0.5, 1.0, 0.2, 0.01, 0.8, 0.6, 0.03])
    phases = pd.DataFrame({"phase": ["falling", "rising"], "start_date": pd.to_datetime(["2020-01-31", "2020-06-30"]),
                           "recognized_date": pd.to_datetime(["2020-03-31", "2020-08-31"])})
    got = path_summary(path, phases, significance_level=0.05)
    assert got["data_cutoff"] == pd.Timestamp("2020-08-31") and got["first_date"] == pd.Timestamp("2020-01-31")
    assert (got["corr_latest"], got["p_value_latest"], got["n_latest"], got["months"]) == (0.35, 0.03, 36.0, 8)
    assert got["share_positive"] == pytest.approx(4 / 8)
    assert got["share_significant"] == pytest.approx(3 / 8)
    # negative to 2020-02, zero keeps the sign, positive 04..05, negative 06, positive again from 07
    assert got["last_sign_change"] == pd.Timestamp("2020-07-31")
    assert (got["current_phase"], got["phase_start_date"], got["phase_recognized_date"]) == (
        "rising", pd.Timestamp("2020-06-30"), pd.Timestamp("2020-08-31"))


def test_no_phase_and_no_sign_change() -> None:
    got = path_summary(_path([0.1, 0.2, 0.3], [0.5, 0.5, 0.01]), None)
    assert got["last_sign_change"] is None and got["current_phase"] is None
    assert last_sign_change(pd.Series([0.0, -0.1, 0.0, 0.2], index=pd.date_range("2020-01-31", periods=4, freq="ME"))
                            ) == pd.Timestamp("2020-04-30")
    with pytest.raises(ValueError, match="significance_level"):
        path_summary(_path([0.1], [0.5]), None, significance_level=1.0)


def _reprice(y_prev: float, y: float, years: int = 10) -> float:
    k = np.arange(1, 2 * years + 1)
    cash = np.full(k.shape, y_prev / 100 / 2)
    cash[-1] += 1.0
    return float((cash * (1 + y / 100 / 2) ** -k).sum()) - 1.0 + y_prev / 100 / 12


def test_par_bond_return_off_a_negative_bund_yield() -> None:
    # OECD monthly Bund yields 2019-06..09 (IRLTLT01DEM156N, percent): below zero, through a −0.26 pp month
    y = pd.Series([-0.3153, -0.3883, -0.6491, -0.5948], index=pd.date_range("2019-06-30", periods=4, freq="ME"))
    ret = bond_returns_from_yields(y, 10, "M")
    exact = [_reprice(a, b) for a, b in zip(y.iloc[:-1], y.iloc[1:], strict=True)]
    assert ret.to_numpy() == pytest.approx(exact, abs=2e-5)
    assert ret.iloc[1] == pytest.approx(0.0267, abs=5e-4)  # duration ~10.2 years at a yield near zero: 0.26 pp ≈ 2.7 %
    assert ret.iloc[1] > ret.iloc[0] > 0 > ret.iloc[2]


def test_panel_pairs_map_to_sources_as_the_readme_states() -> None:
    """Every panel pair reads series the files profile maps; on live only the month-end ASX 200
    file and the daily foreign yields have no source (their pair and DCCs are skipped there)."""
    from seesaw.sources.catalog import load_profile

    files, live = load_profile("files"), load_profile("live")
    panel = {"US", "JP", "UK", "DE", "FR", "CA", "AU", "EZ", "CN"}
    pairs = [p for p in files.analysis.pairs if p.freq == "M" and p.market in panel]
    assert {p.market for p in pairs} == panel
    assert {(p.market, p.horizon_periods) for p in pairs if p.windows == [36, 60]} == {
        (m, k) for m in panel for k in (1, 3)}
    needed = {sid for p in pairs for sid in (p.equity, p.bond)}
    needed |= {sid for m in files.analysis.dcc if m.market in panel for sid in m.assets}
    files_ids = {s.series_id for s in files.series}
    live_ids = {s.series_id for s in live.series}
    assert needed <= files_ids
    files_only = {"au_asx200_m", "de_10y_daily", "fr_10y_daily", "jp_10y_daily", "uk_10y_daily",
                  "us_spx_shiller", "us_long_rate_shiller", "cn_wind_all_a"}  # the last three: other US/CN studies
    assert needed - live_ids == files_only & needed
    assert {"au_asx200_m", "de_10y_daily", "uk_10y_daily"} <= needed
    sources = {s.series_id: (s.source, s.source_code) for s in live.series}
    assert sources["jp_nikkei"] == ("yahoo", "^N225") and sources["uk_10y"] == ("fred", "IRLTLT01GBM156N")
