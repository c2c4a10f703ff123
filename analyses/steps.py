"""The nightly analysis chain, in order (later steps may use earlier steps' outputs)."""
from __future__ import annotations

from seesaw.analyses.core import Step
from seesaw.analyses.correlation import dcc_step, returns_step, rolling_correlations_step
from seesaw.analyses.portfolio import drivers_step, mc_risk_step, rebalancing_step, regimes_step
from seesaw.analyses.rates import auctions_step, erp_step, events_step, move_step, term_premia_step

STEPS: tuple[Step, ...] = (
    Step("returns", returns_step),
    Step("rolling_correlations", rolling_correlations_step),
    Step("dcc", dcc_step),
    Step("term_premia", term_premia_step),
    Step("erp_model", erp_step),
    Step("move_metrics", move_step),
    Step("auction_metrics", auctions_step),
    Step("events", events_step),
    Step("regimes", regimes_step),
    Step("rebalancing_flows", rebalancing_step),
    Step("macro_drivers", drivers_step),
    Step("mc_risk", mc_risk_step),
)
