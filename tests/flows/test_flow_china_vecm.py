"""China's VECM on Soochow Securities' specification (macro team, stock–bond return correlation,
2025-09-25) on the real files (skipped without ../shared/data): the figures seesaw gets, recorded
with loose bounds beside the note's (README, "China's VECM beside the note")."""
from __future__ import annotations

from pathlib import Path

from support import query


def test_a_is_the_60_month_correlation_of_3_month_returns(china_db: Path) -> None:
    both = query(china_db, """
        select d.obs_date, d.a_stock_bond_corr, c.corr
        from results.macro_drivers d join results.correlations c using (market, obs_date)
        where d.market = 'CN' and c.asset_a = 'cn_csi300' and c.asset_b = 'cn_bond_tr' and c.method = 'rolling'
          and c.freq = 'M' and c.window_size = 60 and c.horizon_periods = 3""")
    assert len(both) >= 140 and (both["a_stock_bond_corr"] - both["corr"]).abs().max() < 1e-12


def test_vecm_figures_beside_the_note(china_db: Path) -> None:
    t = query(china_db, "select * from results.vecm_tests where market = 'CN'").set_index("test")
    assert "2013-03..2025-04" in t.loc["vecm_rank", "detail"]  # China's CPI/IP files end 2025-04
    assert t.loc["vecm_rank", "statistic"] == 1  # the note: one cointegrating relation
    assert 0.02 < t.loc["granger_xyz_to_a", "p_value"] < 0.25  # seesaw 0.09; the note 0.003
    assert 0.05 < t.loc["arch_lm_a", "p_value"] < 0.3  # seesaw 0.13; the note 0.14
    assert t.loc["ljung_box_a", "p_value"] < 0.05  # seesaw 0.005; the note 0.12
    assert t.loc["r2_a_level", "statistic"] > 0.98  # the note: 0.99
    assert 10 < t.loc["vif_a", "statistic"] < 40  # seesaw 19.8; the note 29.1
    assert t.loc["adf_level_a", "p_value"] > 0.05 and t.loc["adf_diff_x", "p_value"] < 0.05


def test_three_step_forecast_from_2025_04_brackets_what_followed(china_db: Path) -> None:
    fc = query(china_db, "select * from results.vecm_forecasts where market = 'CN' order by step")
    assert list(fc["origin_date"].astype(str).unique()) == ["2025-04-30"]
    assert fc["forecast"].between(-0.50, -0.38).all()  # seesaw -0.445, -0.439, -0.431
    realized = query(china_db, """
        select obs_date, corr from results.correlations
        where market = 'CN' and asset_a = 'cn_csi300' and asset_b = 'cn_bond_tr' and method = 'rolling'
          and window_size = 60 and horizon_periods = 3 and obs_date between '2025-05-01' and '2025-07-31'
        order by obs_date""")
    assert len(realized) == 3
    # realized -0.441, -0.426, -0.348: each inside its 95% band
    assert ((fc["lower_95"].to_numpy() < realized["corr"].to_numpy())
            & (realized["corr"].to_numpy() < fc["upper_95"].to_numpy())).all()
