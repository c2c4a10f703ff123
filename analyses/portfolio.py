"""Portfolio steps: regimes, rebalancing flows, macro drivers with VECM, Monte Carlo risk."""
from __future__ import annotations

import pandas as pd

from seesaw.analyses.core import Context, MissingInputs, Output, Upstream
from seesaw.analyses.correlation import aligned_returns, leg_returns
from seesaw.analyses.settings import (
    DriverMarket,
    DriversSettings,
    McRiskSettings,
    RebalancingSettings,
    RegimeMarket,
    RegimesSettings,
)
from seesaw.models.drivers import macro_drivers, vecm_analysis
from seesaw.models.montecarlo import (
    MIN_ESTIMATE_PERIODS,
    SOOCHOW_2025_PARAMS,
    AssetParams,
    estimate_params,
    least_drawdown,
    simulate_risk,
    weight_choice,
)
from seesaw.transforms.correlation import rolling_correlation
from seesaw.transforms.rebalancing import (
    RebalancingScenario,
    rebalancing_history,
    rebalancing_scenario,
    rebalancing_summary,
    with_trailing_mean,
)
from seesaw.transforms.regimes import (
    corr_sign_regimes,
    investment_clock,
    money_credit,
    pring_stages,
    run_starts,
    stock_bond_quadrants,
)

#: ``results.mc_risk`` scenario of the Soochow Securities calibration (``SOOCHOW_2025_PARAMS``).
SOOCHOW_SCENARIO = "soochow_2025_calibration"


def regimes_series(cfg: RegimesSettings) -> list[str]:
    ids = [getattr(m, name) for m in cfg.markets
           for name in ("stock", "bond", "commodity", "ip", "cpi", "money", "credit")]
    return [sid for sid in dict.fromkeys(ids) if sid]


def drivers_series(cfg: DriversSettings) -> list[str]:
    return list(dict.fromkeys(sid for m in cfg.markets for sid in (m.cpi, m.ip, m.stock, m.bond)))


def stock_bond_series(cfg: RebalancingSettings | McRiskSettings) -> list[str]:
    return [cfg.stock, cfg.bond]


def _stock_bond(ctx: Context, stock: str, bond: str, maturity: float | None, *, key: str,
                market: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Monthly stock and bond returns over their common months (``Context.aligned``)."""
    stock_m, bond_m = aligned_returns(ctx, [(stock, None), (bond, maturity)], "M", key=key, market=market)
    return stock_m, bond_m


def _add(parts: list[pd.DataFrame], notes: list[str], ctx: Context, frame: pd.DataFrame, what: str) -> None:
    """Keep a framework's rows, or note why it has none (its inputs' common cutoff named)."""
    if frame.empty:
        cutoff = ctx.cutoffs[-1].common_cutoff if ctx.cutoffs else None
        notes.append(f"{what}: no month has every input defined after its warm-up (inputs through {cutoff})")
    else:
        parts.append(frame)


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
    parts: list[pd.DataFrame] = []
    missing: list[str] = []
    for m in cfg.markets:
        market = m.market
        if (note := _needs(ctx, m, "quadrants", "stock", "bond")) is None:
            stock_m, bond_m = _stock_bond(ctx, m.stock, m.bond, m.bond_maturity_years, key="stock_bond_quadrant",
                                          market=market)
            _add(parts, missing, ctx, ctx.memo(stock_bond_quadrants, stock_m, bond_m, market=market),
                 f"{market} quadrants")
            stock_m, bond_m = _stock_bond(ctx, m.stock, m.bond, m.bond_maturity_years, key="corr_sign", market=market)
            rc = ctx.memo(rolling_correlation, stock_m, bond_m, m.corr_window)
            if len(rc):
                parts.append(ctx.memo(corr_sign_regimes, rc["corr"], rc["p_value"], market=market))
            else:
                missing.append(f"{market} corr sign: fewer joint months than the {m.corr_window}-month window")
            if (note := _needs(ctx, m, "pring", "commodity")) is None:
                assert m.commodity is not None  # _needs checked it is named
                levels = ctx.aligned([m.bond, m.stock, m.commodity], "M", key="pring", market=market)
                _add(parts, missing, ctx, ctx.memo(pring_stages, levels[m.bond], levels[m.stock], levels[m.commodity],
                                                       market=market), f"{market} pring")
            else:
                missing.append(note)
        else:
            missing.append(note)
        if (note := _needs(ctx, m, "investment clock", "ip", "cpi")) is None:
            assert m.ip is not None and m.cpi is not None  # _needs checked they are named
            levels = ctx.aligned([m.ip, m.cpi], "M", key="investment_clock", market=market)
            _add(parts, missing, ctx, ctx.memo(investment_clock, levels[m.ip], levels[m.cpi], market=market,
                                                       inputs=m.macro_input), f"{market} investment clock")
        else:
            missing.append(note)
        if (note := _needs(ctx, m, "money-credit", "money", "credit")) is None:
            assert m.money is not None and m.credit is not None  # _needs checked they are named
            levels = ctx.aligned([m.money, m.credit], "M", key="money_credit", market=market)
            _add(parts, missing, ctx, ctx.memo(money_credit, levels[m.money], levels[m.credit], market=market,
                                                   money_input=m.money_input, credit_input=m.credit_input),
                 f"{market} money-credit")
        else:
            missing.append(note)
    if not parts:
        raise MissingInputs("; ".join(missing))
    ctx.notes.extend(missing)
    frame = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    frame["obs_date"] = pd.to_datetime(frame["obs_date"])
    frame["run_start"] = run_starts(frame).dt.date
    frame["obs_date"] = frame["obs_date"].dt.date
    return [Output("regimes", frame)]


def rebalancing_step(ctx: Context, cfg: RebalancingSettings, upstream: Upstream) -> list[Output]:
    """Balanced-fund rebalancing flows over realized history and in configured scenarios."""
    if not ctx.has(cfg.stock, cfg.bond):
        raise MissingInputs(f"needs series {cfg.stock}, {cfg.bond}")
    since = pd.Timestamp(cfg.since)
    parts = []
    for freq in cfg.freqs:
        # Complete periods of ``freq`` for both legs; monthly returns compounded within them.
        levels = ctx.aligned([cfg.stock, cfg.bond], freq, key=f"history_{freq}")
        stock_m = leg_returns(ctx, levels[cfg.stock], cfg.stock, "M").loc[since:]
        bond_m = leg_returns(ctx, levels[cfg.bond], cfg.bond, "M", cfg.bond_maturity_years).loc[since:]
        _need_common_months(stock_m, bond_m, 1, f"{cfg.stock} and {cfg.bond} returns since {cfg.since}")
        parts.append(rebalancing_history(stock_m, bond_m, aum_usd_bn=cfg.aum_usd_bn, equity_weight=cfg.equity_weight,
                                         freq=freq, execution=cfg.execution, scenario=f"history_{freq}"))
    bond_level = ctx.series(cfg.bond)
    start = (bond_level.index[-1] + pd.offsets.MonthBegin(1)).strftime("%Y-%m-%d")
    for scenario in cfg.scenarios:
        config = {"start": start, "aum_usd_bn": cfg.aum_usd_bn, "equity_weight": cfg.equity_weight,
                  "bond_maturity_years": cfg.bond_maturity_years, **scenario.model_dump(exclude_none=True)}
        if ctx.kind(cfg.bond) == "yield" and "bond_return_ann" not in config:
            config.setdefault("bond_yield_pct", float(bond_level.iloc[-1]))
        parts.append(rebalancing_scenario(RebalancingScenario.from_dict(config)))
    frame = with_trailing_mean(pd.concat(parts, ignore_index=True))
    summary = rebalancing_summary(frame)
    for column in ("first_date", "last_date"):
        summary[column] = pd.to_datetime(summary[column]).dt.date
    frame["obs_date"] = pd.to_datetime(frame["obs_date"]).dt.date
    return [Output("rebalancing_flows", frame), Output("rebalancing_summary", summary)]


def _stock_bond_corr(paths: pd.DataFrame | None, m: DriverMarket) -> pd.Series | None:
    """A of market ``m``: its monthly rolling correlation path from ``rolling_correlations``."""
    if paths is None:
        return None
    path = paths[(paths["market"] == m.market) & (paths["asset_a"] == m.stock) & (paths["asset_b"] == m.bond)
                 & (paths["method"] == "rolling") & (paths["freq"] == "M")
                 & (paths["window_size"] == m.corr_window_months)
                 & (paths["horizon_periods"] == m.corr_horizon_periods)]
    if path.empty:
        return None
    return pd.Series(path["corr"].to_numpy(), index=pd.DatetimeIndex(pd.to_datetime(path["obs_date"]))).sort_index()


def drivers_step(ctx: Context, cfg: DriversSettings, upstream: Upstream) -> list[Output]:
    """X, Y, Z per market and A from the rolling correlations; Johansen, VECM(1), causality,
    diagnostics, 3-step forecasts of A."""
    paths = upstream.frame("rolling_correlations", "correlations")
    drivers, tests, forecasts, missing = [], [], [], []
    for m in cfg.markets:
        needed = [m.cpi, m.ip, m.stock, m.bond]
        if not ctx.has(*needed):
            missing.append("series " + ", ".join(sid for sid in needed if not ctx.has(sid)))
            continue
        corr = _stock_bond_corr(paths, m)
        if corr is None:
            missing.append(f"the {m.corr_window_months}-month rolling correlation of {m.corr_horizon_periods}-month "
                           f"{m.stock}/{m.bond} returns (an analysis.pairs entry for market {m.market}, freq M, "
                           f"horizon_periods {m.corr_horizon_periods}, windows [{m.corr_window_months}])")
            continue
        # Aligning all four records their common cutoff; A's months past the macro series' drop out.
        levels = ctx.aligned(needed, "M", key="drivers", market=m.market)
        frame = ctx.memo(macro_drivers, levels[m.cpi], levels[m.ip], corr, market=m.market,
                         inputs=m.macro_input, seasonal_adjustment=m.seasonal_adjustment)
        drivers.append(frame)
        if frame.dropna().shape[0] >= ctx.min_samples.vecm_months:
            result = ctx.memo(vecm_analysis, frame, market=m.market)
            tests.append(result.tests)
            forecasts.append(result.forecasts)
    if not drivers:
        raise MissingInputs(f"needs {'; '.join(missing)}")
    if missing:
        ctx.notes.append(f"skipped markets needing {'; '.join(missing)}")
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
        stock_m, bond_m = _stock_bond(ctx, cfg.stock, cfg.bond, cfg.bond_maturity_years,
                                      key=f"history_{cfg.stock}~{cfg.bond}")
        _need_common_months(stock_m.loc[since:], bond_m.loc[since:], MIN_ESTIMATE_PERIODS,
                            f"{cfg.stock} and {cfg.bond} returns since {cfg.estimate_since}")
        est = estimate_params(stock_m.loc[since:], bond_m.loc[since:])
        scenarios[f"history_{cfg.stock}~{cfg.bond}"] = est.params
        rhos.append(round(est.rho, 4))
    # One job per (scenario, horizon, rho); the same seed gives every job the same draws (common
    # random numbers). The second horizon is the fine equity-weight sweep.
    grids = [(cfg.months, cfg.equity_weights), (cfg.sweep_months, cfg.sweep_equity_weights)]
    jobs = [(name, params, rho, months, weights, cfg) for name, params in scenarios.items()
            for months, weights in grids for rho in rhos]
    sweep = pd.concat(ctx.map(_simulate_job, jobs), ignore_index=True)
    return [Output("mc_risk", sweep.assign(least_drawdown=least_drawdown(sweep))),
            Output("mc_weight_choice", weight_choice(sweep, cfg.return_gain_threshold_pp))]


def _need_common_months(stock_m: pd.Series, bond_m: pd.Series, need: int, what: str) -> None:
    """Skip the analysis (``MissingInputs``: "needs N …, has M") when the two monthly return series
    share fewer than ``need`` months, as a short backfill gives."""
    have = len(pd.concat([stock_m, bond_m], axis=1).dropna())
    if have < need:
        raise MissingInputs(f"needs at least {need} common month{'s' if need > 1 else ''} of {what}, has {have}")


def _simulate_job(job: tuple[str, AssetParams, float, int, list[float], McRiskSettings]) -> pd.DataFrame:
    """One Monte Carlo sweep over equity weights at one ρ and horizon (one unit of fan-out)."""
    name, params, rho, months, weights, cfg = job
    return simulate_risk(params, [rho], weights, months=months, paths=cfg.paths, seed=cfg.seed, scenario=name)


def _dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    return frame.assign(**{c: pd.to_datetime(frame[c]).dt.date for c in columns})
