"""Portfolio steps: regimes, rebalancing flows, macro drivers with VECM, Monte Carlo risk."""
from __future__ import annotations

import pandas as pd

from seesaw.analyses.core import Context, MissingInputs, Output
from seesaw.analyses.correlation import leg_returns
from seesaw.models.drivers import macro_drivers, vecm_analysis
from seesaw.models.montecarlo import SEED_004_PARAMS, AssetParams, estimate_params, simulate_risk
from seesaw.transforms.correlation import rolling_correlation
from seesaw.transforms.rebalancing import RebalancingScenario, rebalancing_history, rebalancing_scenario
from seesaw.transforms.regimes import (
    corr_sign_regimes, investment_clock, money_credit, pring_stages, stock_bond_quadrants,
)

#: One entry per market; a framework runs when its series exist. ``*_input`` says whether a
#: macro series is an index level (YoY computed here) or already a YoY percent change.
REGIME_MARKETS = [
    {"market": "US", "stock": "us_spx", "bond": "us_10y", "bond_maturity_years": 10, "commodity": "gl_gsci",
     "ip": "us_indpro", "cpi": "us_cpi", "macro_input": "index", "short_rate": "us_fed_funds",
     "credit": "us_busloans", "credit_input": "level", "corr_window": 36},
    {"market": "CN", "stock": "cn_csi300", "bond": "cn_10y", "bond_maturity_years": 10, "commodity": None,
     "ip": "cn_indpro", "cpi": "cn_cpi", "macro_input": "yoy_pct", "short_rate": "cn_10y",
     "credit": "cn_credit", "credit_input": "level", "corr_window": 36},
]
REBALANCING_DEFAULTS = {"stock": "us_spx", "bond": "us_10y", "bond_maturity_years": 10, "aum_usd_bn": 10_000.0,
                        "equity_weight": 0.6, "execution": 1.0, "freqs": ["M", "Q"], "since": "2000-01-01",
                        "scenarios": [{"name": "10tn_6040_spx4.5_2cuts", "equity_return_ann": 0.045,
                                       "cuts": 2, "periods": 12}]}
DRIVER_MARKETS = [
    {"market": "US", "cpi": "us_cpi", "ip": "us_indpro", "stock": "us_spx", "bond": "us_10y",
     "bond_maturity_years": 10, "macro_input": "index"},
    {"market": "CN", "cpi": "cn_cpi", "ip": "cn_indpro", "stock": "cn_csi300", "bond": "cn_10y",
     "bond_maturity_years": 10, "macro_input": "yoy_pct"},
]
#: Nightly-sized defaults (a few seconds); seed 004's 100,000 paths are one profile edit away.
MC_DEFAULTS = {"stock": "us_spx", "bond": "us_10y", "bond_maturity_years": 10, "paths": 20_000,
               "months": 120, "seed": 20241203, "rhos": [-0.6, -0.3, 0.0, 0.3],
               "equity_weights": [round(0.1 * i, 1) for i in range(11)], "estimate_since": "1998-07-01"}


def _monthly(ctx: Context, sid: str, maturity: float | None = None) -> pd.Series:
    return leg_returns(ctx, sid, "M", maturity)


def regimes_step(ctx: Context) -> list[Output]:
    """Pring stages, investment clock, money–credit, stock–bond quadrants, correlation sign."""
    cfg = ctx.settings("regimes", {"markets": REGIME_MARKETS})
    parts, missing = [], []
    for m in cfg["markets"]:
        market = m["market"]
        if ctx.has(m["stock"], m["bond"]):
            stock_m, bond_m = _monthly(ctx, m["stock"]), _monthly(ctx, m["bond"], m.get("bond_maturity_years"))
            parts.append(stock_bond_quadrants(stock_m, bond_m, market=market))
            rc = rolling_correlation(stock_m, bond_m, int(m.get("corr_window", 36)))
            if len(rc):
                parts.append(corr_sign_regimes(rc["corr"], rc["p_value"], market=market))
            else:
                missing.append(f"{market} corr sign: fewer joint months than the {m.get('corr_window', 36)}-month window")
            if m.get("commodity") and ctx.has(m["commodity"]):
                parts.append(pring_stages(ctx.series(m["bond"]), ctx.series(m["stock"]), ctx.series(m["commodity"]),
                                          market=market))
            else:
                missing.append(f"{market} pring: {m.get('commodity')}")
        else:
            missing.append(f"{market} quadrants: {m['stock']}, {m['bond']}")
        if ctx.has(m["ip"], m["cpi"]):
            parts.append(investment_clock(ctx.series(m["ip"]), ctx.series(m["cpi"]), market=market,
                                          inputs=m.get("macro_input", "index")))
        else:
            missing.append(f"{market} investment clock: {m['ip']}, {m['cpi']}")
        if ctx.has(m["short_rate"], m["credit"]):
            parts.append(money_credit(ctx.series(m["short_rate"]), ctx.series(m["credit"]), market=market,
                                      credit_input=m.get("credit_input", "level")))
        else:
            missing.append(f"{market} money-credit: {m['short_rate']}, {m['credit']}")
    if not parts:
        raise MissingInputs(f"needs series ({'; '.join(missing)})")
    frame = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    frame["obs_date"] = pd.to_datetime(frame["obs_date"]).dt.date
    return [Output("regimes", frame)]


def rebalancing_step(ctx: Context) -> list[Output]:
    """Balanced-fund rebalancing flows over realized history and in configured scenarios."""
    cfg = ctx.settings("rebalancing", REBALANCING_DEFAULTS)
    if not ctx.has(cfg["stock"], cfg["bond"]):
        raise MissingInputs(f"needs series {cfg['stock']}, {cfg['bond']}")
    stock_m = _monthly(ctx, cfg["stock"]).loc[pd.Timestamp(cfg["since"]):]
    bond_m = _monthly(ctx, cfg["bond"], cfg["bond_maturity_years"]).loc[pd.Timestamp(cfg["since"]):]
    parts = [rebalancing_history(stock_m, bond_m, aum_usd_bn=cfg["aum_usd_bn"], equity_weight=cfg["equity_weight"],
                                 freq=freq, execution=cfg["execution"], scenario=f"history_{freq}")
             for freq in cfg["freqs"]]
    bond_level = ctx.series(cfg["bond"])
    start = (bond_level.index[-1] + pd.offsets.MonthBegin(1)).strftime("%Y-%m-%d")
    for scenario in cfg["scenarios"]:
        config = {"start": start, "aum_usd_bn": cfg["aum_usd_bn"], "equity_weight": cfg["equity_weight"],
                  "bond_maturity_years": cfg["bond_maturity_years"], **scenario}
        if ctx.kind(cfg["bond"]) == "yield" and "bond_return_ann" not in config:
            config.setdefault("bond_yield_pct", float(bond_level.iloc[-1]))
        parts.append(rebalancing_scenario(RebalancingScenario.from_dict(config)))
    frame = pd.concat(parts, ignore_index=True)
    frame["obs_date"] = pd.to_datetime(frame["obs_date"]).dt.date
    return [Output("rebalancing_flows", frame)]


def drivers_step(ctx: Context) -> list[Output]:
    """X, Y, Z, A per market; Johansen, VECM(1), causality, diagnostics, 3-step forecasts of A."""
    cfg = ctx.settings("drivers", {"markets": DRIVER_MARKETS})
    drivers, tests, forecasts, missing = [], [], [], []
    for m in cfg["markets"]:
        needed = [m["cpi"], m["ip"], m["stock"], m["bond"]]
        if not ctx.has(*needed):
            missing.append(", ".join(sid for sid in needed if not ctx.has(sid)))
            continue
        frame = macro_drivers(ctx.series(m["cpi"]), ctx.series(m["ip"]), _monthly(ctx, m["stock"]),
                              _monthly(ctx, m["bond"], m["bond_maturity_years"]), market=m["market"],
                              inputs=m.get("macro_input", "index"))
        drivers.append(frame)
        if frame.dropna().shape[0] >= 60:
            result = vecm_analysis(frame, market=m["market"])
            tests.append(result.tests)
            forecasts.append(result.forecasts)
    if not drivers:
        raise MissingInputs(f"needs series {'; '.join(missing)}")
    out = [Output("macro_drivers", _dates(pd.concat(drivers, ignore_index=True), "obs_date"))]
    if tests:
        out.append(Output("vecm_tests", pd.concat(tests, ignore_index=True)))
        out.append(Output("vecm_forecasts", _dates(pd.concat(forecasts, ignore_index=True), "obs_date", "origin_date")))
    return out


def mc_risk_step(ctx: Context) -> list[Output]:
    """Monte Carlo risk sweeps over ρ and equity weight: seed 004's parameters and history's."""
    cfg = ctx.settings("mc_risk", MC_DEFAULTS)
    scenarios: dict[str, AssetParams] = {"seed004": SEED_004_PARAMS}
    rhos = list(cfg["rhos"])
    if ctx.has(cfg["stock"], cfg["bond"]):
        since = pd.Timestamp(cfg["estimate_since"])
        est = estimate_params(_monthly(ctx, cfg["stock"]).loc[since:],
                              _monthly(ctx, cfg["bond"], cfg["bond_maturity_years"]).loc[since:])
        scenarios[f"history_{cfg['stock']}~{cfg['bond']}"] = est.params
        rhos.append(round(est.rho, 4))
    # One job per (scenario, rho); the same seed gives every job the same draws (common random numbers).
    jobs = [(name, params, rho, cfg) for name, params in scenarios.items() for rho in rhos]
    return [Output("mc_risk", pd.concat(ctx.map(_simulate_job, jobs), ignore_index=True))]


def _simulate_job(job: tuple[str, AssetParams, float, dict]) -> pd.DataFrame:
    """One Monte Carlo sweep over equity weights at one ρ (one unit of fan-out)."""
    name, params, rho, cfg = job
    return simulate_risk(params, [rho], cfg["equity_weights"], months=cfg["months"], paths=cfg["paths"],
                         seed=cfg["seed"], scenario=name)


def _dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    return frame.assign(**{c: pd.to_datetime(frame[c]).dt.date for c in columns})
