"""The nightly analyses and their declarations; ``chain`` derives the order from ``consumes``."""
from __future__ import annotations

from operator import attrgetter
from typing import Any

from seesaw.analyses.core import Analysis
from seesaw.analyses.correlation import (
    corr_phases_step,
    dcc_clock,
    dcc_series,
    dcc_step,
    pair_series,
    returns_step,
    rolling_correlations_step,
)
from seesaw.analyses.panel import panel_summary_step
from seesaw.analyses.portfolio import (
    drivers_series,
    drivers_step,
    mc_risk_step,
    rebalancing_step,
    regimes_series,
    regimes_step,
    stock_bond_series,
)
from seesaw.analyses.rates import (
    AUCTION_CMT,
    auctions_step,
    erp_series,
    erp_step,
    events_step,
    move_step,
    term_premia_series,
    term_premia_step,
)
from seesaw.analyses.sign_agreement import sign_agreement_step


def _no_settings(_: Any) -> None:
    return None


ANALYSES: tuple[Analysis[Any], ...] = (
    Analysis("returns", returns_step, attrgetter("pairs"), pair_series, writes=("returns",)),
    Analysis("rolling_correlations", rolling_correlations_step, attrgetter("pairs"), pair_series,
             writes=("correlations",)),
    Analysis("corr_phases", corr_phases_step, attrgetter("corr_phases"), lambda _: [], writes=("corr_phases",),
             consumes=("rolling_correlations",)),
    Analysis("panel_summary", panel_summary_step, attrgetter("panel"), lambda _: [], writes=("panel_summary",),
             consumes=("rolling_correlations", "corr_phases")),
    Analysis("dcc", dcc_step, attrgetter("dcc"), dcc_series, writes=("correlations", "model_fits"),
             tables=("results.model_fits",), clock=dcc_clock),
    Analysis("sign_agreement", sign_agreement_step, _no_settings, lambda _: (),
             writes=("correlation_sign_agreement",), consumes=("rolling_correlations", "dcc"),
             tables=("results.correlations",)),
    Analysis("term_premia", term_premia_step, attrgetter("term_premia"), term_premia_series,
             writes=("term_premia", "term_premium_tracking")),
    Analysis("erp_model", erp_step, attrgetter("erp"), erp_series, writes=("erp_model",)),
    Analysis("move_metrics", move_step, attrgetter("move"), lambda cfg: [cfg.move, cfg.vix],
             writes=("move_metrics",)),
    Analysis("auction_metrics", auctions_step, _no_settings, lambda _: AUCTION_CMT, writes=("auction_metrics",),
             tables=("core.auctions",)),
    Analysis("events", events_step, attrgetter("events"), lambda cfg: cfg.series(), writes=("events",),
             consumes=("move_metrics", "auction_metrics")),
    Analysis("regimes", regimes_step, attrgetter("regimes"), regimes_series, writes=("regimes",)),
    Analysis("rebalancing_flows", rebalancing_step, attrgetter("rebalancing"), stock_bond_series,
             writes=("rebalancing_flows", "rebalancing_summary")),
    Analysis("macro_drivers", drivers_step, attrgetter("drivers"), drivers_series,
             writes=("macro_drivers", "vecm_tests", "vecm_forecasts"), consumes=("rolling_correlations",)),
    Analysis("mc_risk", mc_risk_step, attrgetter("mc_risk"), stock_bond_series,
             writes=("mc_risk", "mc_weight_choice")),
)
