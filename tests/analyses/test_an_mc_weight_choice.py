"""The Monte Carlo step writes both sweeps and each sweep's chosen weights (sample profile)."""
from __future__ import annotations

from pathlib import Path

import pytest

from seesaw.analyses.settings import McRiskSettings, parse_analysis
from support import query


def test_both_sweeps_and_their_weight_choices_are_stored(sample_db: Path) -> None:
    cfg = McRiskSettings()
    mc = query(sample_db, "select * from results.mc_risk")
    sizes = mc.groupby(["scenario", "months", "rho"]).size()
    assert set(sizes.index.get_level_values("months")) == {cfg.months, cfg.sweep_months}
    assert (sizes.xs(cfg.sweep_months, level="months") == len(cfg.sweep_equity_weights)).all()
    # The one-year loss VaR/CVaR: losses (positive = loss), CVaR beyond VaR; the horizon quantile is a return.
    assert (mc["loss_cvar95_1y"] >= mc["loss_var95_1y"]).all()
    equity = mc[mc["equity_weight"] == 1.0]
    assert (equity["loss_var95_1y"] > 0).all() and (equity["ann_return_q05"] < equity["exp_return_ann"]).all()

    choice = query(sample_db, "select * from results.mc_weight_choice")
    assert len(choice) == len(sizes)
    flagged = mc[mc["least_drawdown"]].set_index(["scenario", "months", "rho"])["equity_weight"]
    for row in choice.itertuples():
        assert row.min_drawdown_weight == flagged.loc[(row.scenario, row.months, row.rho)]
        assert row.return_gain_threshold_pp == cfg.return_gain_threshold_pp


def test_sweep_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="sweep_months must differ from months"):
        parse_analysis({"mc_risk": {"months": 36, "sweep_months": 36}}, "p.yaml")
    with pytest.raises(ValueError, match="at least two increasing weights"):
        parse_analysis({"mc_risk": {"sweep_equity_weights": [0.3, 0.1]}}, "p.yaml")
