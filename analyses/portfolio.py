"""Portfolio steps: regimes, rebalancing flows, macro drivers with VECM, Monte Carlo risk."""
from __future__ import annotations

import pandas as pd

from seesaw.analyses.core import Context, MissingInputs, Output, Upstream
from seesaw.analyses.correlation import leg_returns
from seesaw.analyses.settings import (
    DriversSettings,
    McRiskSettings,
    RebalancingSettings,
    RegimeMarket,
    RegimesSettings,
)
from seesaw.models.drivers import macro_drivers, vecm_analysis
from seesaw.models.montecarlo import SOOCHOW_2025_PARAMS, AssetParams, estimate_params, simulate_risk
from seesaw.transforms.correlation import rolling_correlation
from seesaw.transforms.rebalancing import RebalancingScenario, rebalancing_history, rebalancing_scenario
from seesaw.transforms.regimes import (
    corr_sign_regimes,
    investment_clock,
    money_credit,
    pring_stages,
    stock_bond_quadrants,
)

#: ``results.mc_risk`` scenario of the Soochow Securities calibration (``SOOCHOW_2025_PARAMS``).
SOOCHOW_SCENARIO = "soochow_2025_calibration"


def regimes_series(cfg: RegimesSettings) -> list[str]:
    ids = [getattr(m, name) for m in cfg.markets
           for name in ("stock", "bond", "commodity", "ip", "cpi", "short_rate", "credit")]
    return [sid for sid in dict.fromkeys(ids) if sid]


def drivers_series(cfg: DriversSettings) -> list[str]:
    return list(dict.fromkeys(sid for m in cfg.markets for sid in (m.cpi, m.ip, m.stock, m.bond)))


def stock_bond_series(cfg: RebalancingSettings | McRiskSettings) -> list[str]:
    return [cfg.stock, cfg.bond]


def _monthly(ctx: Context, sid: str, maturity: float | None = None) -> pd.Series:
    return leg_returns(ctx, sid, "M", maturity)


def _needs(ctx: Context, m: RegimeMarket, framework: str, *fields: str) -> str | None:
    """Why ``framework`` cannot run for market ``m`` (a "needs series" note), or None when it can."""
    unnamed = [f for f in fields if getattr(m, f) is None]
    if unnamed:
        return f"{m.market} {framework} needs series {', '.join(unnamed)} (none named in analysis.regimes)"
    absent = [getattr(m, f) for f in fields if not ctx.has(getattr(m, f))]
    return f"{m.market} {framework} needs series {', '.join(absent)}" if absent else None


def regimes_step(ctx: Context, cfg: RegimesSettings, upstream: Upstream) -> list[Output]:
    """Pring stages, investment clock, money–credit, stock–bond quadrants, correlation sign.

    A framework whose series are not named or not loaded is skipped with a note.
    """
    parts, missing = [], []
    for m in cfg.markets:
        market = m.market
        if (note := _needs(ctx, m, "quadrants", "stock", "bond")) is None:
            stock_m, bond_m = _monthly(ctx, m.stock), _monthly(ctx, m.bond, m.bond_maturity_years)
            parts.append(stock_bond_quadrants(stock_m, bond_m, market=market))
            rc = rolling_correlation(stock_m, bond_m, m.corr_window)
            if len(rc):
                parts.append(corr_sign_regimes(rc["corr"], rc["p_value"], market=market))
            else:
                missing.append(f"{market} corr sign: fewer joint months than the {m.corr_window}-month window")
            if (note := _needs(ctx, m, "pring", "commodity")) is None:
                assert m.commodity is not None  # _needs checked it is named
                parts.append(pring_stages(ctx.series(m.bond), ctx.series(m.stock), ctx.series(m.commodity),
                                          market=market))
            else:
                missing.append(note)
        else:
            missing.append(note)
        if (note := _needs(ctx, m, "investment clock", "ip", "cpi")) is None:
            assert m.ip is not None and m.cpi is not None  # _needs checked they are named
            parts.append(investment_clock(ctx.series(m.ip), ctx.series(m.cpi), market=market,
                                          inputs=m.macro_input))
        else:
            missing.append(note)
        if (note := _needs(ctx, m, "money-credit", "short_rate", "credit")) is None:
            assert m.short_rate is not None and m.credit is not None  # _needs checked they are named
            parts.append(money_credit(ctx.series(m.short_rate), ctx.series(m.credit), market=market,
                                      credit_input=m.credit_input))
        else:
            missing.append(note)
    if not parts:
        raise MissingInputs("; ".join(missing))
    ctx.notes.extend(missing)
    frame = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    frame["obs_date"] = pd.to_datetime(frame["obs_date"]).dt.date
    return [Output("regimes", frame)]


def rebalancing_step(ctx: Context, cfg: RebalancingSettings, upstream: Upstream) -> list[Output]:
    """Balanced-fund rebalancing flows over realized history and in configured scenarios."""
    if not ctx.has(cfg.stock, cfg.bond):
        raise MissingInputs(f"needs series {cfg.stock}, {cfg.bond}")
    since = pd.Timestamp(cfg.since)
    stock_m = _monthly(ctx, cfg.stock).loc[since:]
    bond_m = _monthly(ctx, cfg.bond, cfg.bond_maturity_years).loc[since:]
    parts = [rebalancing_history(stock_m, bond_m, aum_usd_bn=cfg.aum_usd_bn, equity_weight=cfg.equity_weight,
                                 freq=freq, execution=cfg.execution, scenario=f"history_{freq}")
             for freq in cfg.freqs]
    bond_level = ctx.series(cfg.bond)
    start = (bond_level.index[-1] + pd.offsets.MonthBegin(1)).strftime("%Y-%m-%d")
    for scenario in cfg.scenarios:
        config = {"start": start, "aum_usd_bn": cfg.aum_usd_bn, "equity_weight": cfg.equity_weight,
                  "bond_maturity_years": cfg.bond_maturity_years, **scenario.model_dump(exclude_none=True)}
        if ctx.kind(cfg.bond) == "yield" and "bond_return_ann" not in config:
            config.setdefault("bond_yield_pct", float(bond_level.iloc[-1]))
        parts.append(rebalancing_scenario(RebalancingScenario.from_dict(config)))
    frame = pd.concat(parts, ignore_index=True)
    frame["obs_date"] = pd.to_datetime(frame["obs_date"]).dt.date
    return [Output("rebalancing_flows", frame)]


def drivers_step(ctx: Context, cfg: DriversSettings, upstream: Upstream) -> list[Output]:
    """X, Y, Z, A per market; Johansen, VECM(1), causality, diagnostics, 3-step forecasts of A."""
    drivers, tests, forecasts, missing = [], [], [], []
    for m in cfg.markets:
        needed = [m.cpi, m.ip, m.stock, m.bond]
        if not ctx.has(*needed):
            missing.append(", ".join(sid for sid in needed if not ctx.has(sid)))
            continue
        frame = macro_drivers(ctx.series(m.cpi), ctx.series(m.ip), _monthly(ctx, m.stock),
                              _monthly(ctx, m.bond, m.bond_maturity_years), market=m.market,
                              inputs=m.macro_input)
        drivers.append(frame)
        if frame.dropna().shape[0] >= ctx.min_samples.vecm_months:
            result = vecm_analysis(frame, market=m.market)
            tests.append(result.tests)
            forecasts.append(result.forecasts)
    if not drivers:
        raise MissingInputs(f"needs series {'; '.join(missing)}")
    out = [Output("macro_drivers", _dates(pd.concat(drivers, ignore_index=True), "obs_date"))]
    if tests:
        out.append(Output("vecm_tests", pd.concat(tests, ignore_index=True)))
        out.append(Output("vecm_forecasts", _dates(pd.concat(forecasts, ignore_index=True), "obs_date", "origin_date")))
    return out


def mc_risk_step(ctx: Context, cfg: McRiskSettings, upstream: Upstream) -> list[Output]:
    """Monte Carlo risk sweeps over ρ and equity weight: the Soochow calibration and history's."""
    scenarios: dict[str, AssetParams] = {SOOCHOW_SCENARIO: SOOCHOW_2025_PARAMS}
    rhos = list(cfg.rhos)
    if ctx.has(cfg.stock, cfg.bond):
        since = pd.Timestamp(cfg.estimate_since)
        est = estimate_params(_monthly(ctx, cfg.stock).loc[since:],
                              _monthly(ctx, cfg.bond, cfg.bond_maturity_years).loc[since:])
        scenarios[f"history_{cfg.stock}~{cfg.bond}"] = est.params
        rhos.append(round(est.rho, 4))
    # One job per (scenario, rho); the same seed gives every job the same draws (common random numbers).
    jobs = [(name, params, rho, cfg) for name, params in scenarios.items() for rho in rhos]
    return [Output("mc_risk", pd.concat(ctx.map(_simulate_job, jobs), ignore_index=True))]


def _simulate_job(job: tuple[str, AssetParams, float, McRiskSettings]) -> pd.DataFrame:
    """One Monte Carlo sweep over equity weights at one ρ (one unit of fan-out)."""
    name, params, rho, cfg = job
    return simulate_risk(params, [rho], cfg.equity_weights, months=cfg.months, paths=cfg.paths,
                         seed=cfg.seed, scenario=name)


def _dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    return frame.assign(**{c: pd.to_datetime(frame[c]).dt.date for c in columns})
