"""The macro-drivers analysis takes A from the rolling-correlation analysis it consumes."""
from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd

from seesaw.analyses.core import Context, Output, run_chain
from seesaw.analyses.settings import AnalysisSettings, DriverMarket, DriversSettings, Pair
from seesaw.analyses.steps import ANALYSES
from seesaw.sources.catalog import Profile

BY_NAME = {a.name: a for a in ANALYSES}
CN = DriverMarket(market="CN", cpi="cn_cpi", ip="cn_indpro", stock="cn_csi300", bond="cn_bond_tr",
                  corr_horizon_periods=3, macro_input="yoy_pct", seasonal_adjustment="stl")


def _context(pairs: list[Pair]) -> Context:
    """200 months of CN CPI and IP YoY and of equity and bond total-return index levels."""
    rng = np.random.default_rng(11)
    months = pd.date_range("2005-01-31", periods=200, freq="ME")
    series = {
        "cn_cpi": 2 + np.cumsum(rng.normal(0, 0.3, 200)),
        "cn_indpro": 8 + np.cumsum(rng.normal(0, 0.5, 200)),
        "cn_csi300": 3000 * np.exp(np.cumsum(rng.normal(0.005, 0.07, 200))),
        "cn_bond_tr": 100 * np.exp(np.cumsum(rng.normal(0.003, 0.01, 200))),
    }
    catalog = pd.DataFrame({"series_id": list(series), "kind": ["macro", "macro", "index", "index"],
                            "frequency": "M"})
    observations = pd.concat([pd.DataFrame({"series_id": sid, "obs_date": months.date, "value": values})
                              for sid, values in series.items()], ignore_index=True)
    settings = AnalysisSettings(pairs=pairs, drivers=DriversSettings(markets=[CN]))
    return Context(Profile("test", "", (), settings), catalog, observations, datetime(2021, 9, 30, tzinfo=UTC))


def _run(ctx: Context) -> tuple[dict[str, dict], dict[str, pd.DataFrame]]:
    written: dict[str, list[pd.DataFrame]] = {}

    def write(outputs: list[Output]) -> int:
        for out in outputs:
            written.setdefault(out.table, []).append(out.frame)
        return sum(len(out.frame) for out in outputs)

    outcomes = run_chain(ctx, [BY_NAME["macro_drivers"], BY_NAME["rolling_correlations"]], write)
    return {o["step"]: o for o in outcomes}, {t: pd.concat(f, ignore_index=True) for t, f in written.items()}


def test_a_is_the_60_month_correlation_of_3_month_returns_from_upstream() -> None:
    pair = Pair(market="CN", equity="cn_csi300", bond="cn_bond_tr", freq="M", horizon_periods=3, windows=[36, 60])
    outcomes, written = _run(_context([pair]))
    assert outcomes["macro_drivers"]["status"] in "ok", outcomes
    corr = written["correlations"]
    path = corr[(corr["window_size"] == 60) & (corr["horizon_periods"] == 3)].set_index("obs_date")["corr"]
    drivers = written["macro_drivers"].set_index("obs_date")["a_stock_bond_corr"]
    assert len(drivers) > 60
    np.testing.assert_allclose(drivers.to_numpy(), path.loc[drivers.index].to_numpy())
    assert {"granger_xyz_to_a", "adf_level_a", "r2_a_level"} <= set(written["vecm_tests"]["test"])
    assert len(written["vecm_forecasts"]) == 3


def test_a_market_without_its_correlation_path_is_skipped_with_the_pair_to_declare() -> None:
    monthly = Pair(market="CN", equity="cn_csi300", bond="cn_bond_tr", freq="M", windows=[60])
    outcomes, written = _run(_context([monthly]))
    assert outcomes["macro_drivers"]["status"] == "skipped"
    assert "horizon_periods 3, windows [60]" in outcomes["macro_drivers"]["message"]
    assert "macro_drivers" not in written
