"""Correlation steps: returns, rolling correlations, and DCC/ADCC paths (fit or extend)."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime

import numpy as np
import pandas as pd

from seesaw.analyses.core import Context, MissingInputs, Output, Upstream
from seesaw.analyses.settings import CorrPhasesSettings, DccModel, Pair
from seesaw.models.dcc import (
    DCCResult,
    StateError,
    corr_significance,
    dcc_correlations,
    effective_n,
    extend_dcc,
    fit_dcc,
    state_from_json,
    state_to_json,
)
from seesaw.transforms.correlation import CORRELATION_COLUMNS, rolling_correlation
from seesaw.transforms.phases import correlation_phases
from seesaw.transforms.returns import Freq, overlapping_returns, series_returns


def pair_series(pairs: list[Pair]) -> list[str]:
    """Series ids of the pairs' legs (what the returns and correlation analyses read)."""
    return list(dict.fromkeys(sid for p in pairs for sid in (p.equity, p.bond)))


def dcc_series(models: list[DccModel]) -> list[str]:
    """Series ids of the DCC models' assets."""
    return list(dict.fromkeys(sid for m in models for sid in m.assets))


def _available_pairs(ctx: Context, pairs: list[Pair]) -> list[Pair]:
    """Declared pairs whose both legs have data; raises ``MissingInputs`` when none has."""
    if not pairs:
        raise MissingInputs(f"profile {ctx.profile.name!r} declares no stock-bond pairs")
    ready = [p for p in pairs if ctx.has(p.equity, p.bond)]
    if not ready:
        missing = sorted({sid for p in pairs for sid in (p.equity, p.bond) if not ctx.has(sid)})
        raise MissingInputs(f"needs series {', '.join(missing)}")
    return ready


def aligned_returns(ctx: Context, legs: list[tuple[str, float | None]], freq: Freq, *, key: str,
                    market: str | None = None, output: str | None = None) -> list[pd.Series]:
    """Returns at ``freq`` of each ``(series id, bond maturity)`` leg over the legs' common
    periods (``Context.aligned``: no return spans a holiday of one leg, no period past their
    common cutoff): the bond return when a leg is a yield, else its price/total return."""
    levels = ctx.aligned([sid for sid, _ in legs], freq, key=key, market=market, output=output)
    return [leg_returns(ctx, levels[sid], sid, freq, maturity) for sid, maturity in legs]


def leg_returns(ctx: Context, levels: pd.Series, series_id: str, freq: Freq,
                maturity_years: float | None = None) -> pd.Series:
    """Returns at ``freq`` of one leg's (aligned) ``levels``: the bond return when the series is a
    yield, else its price/total return."""
    bases = ctx.memo(series_returns, levels, ctx.kind(series_id), freq, maturity_years)
    return bases.get("bond_return_from_yield", next(iter(bases.values())))


def pair_returns(ctx: Context, pair: Pair) -> tuple[pd.Series, pd.Series]:
    """Equity and bond returns of a declared pair at its frequency, over their common periods."""
    equity, bond = aligned_returns(ctx, [(pair.equity, None), (pair.bond, pair.bond_maturity_years)], pair.freq,
                                   key=f"{pair.equity}~{pair.bond} {pair.freq}", market=pair.market)
    return equity, bond


def returns_step(ctx: Context, pairs: list[Pair], upstream: Upstream) -> list[Output]:
    """``results.returns`` for every series used by a pair, at each pair's frequency, all bases,
    over the series' complete periods (a period its data stops inside is left out)."""
    rows = []
    seen: set[tuple[str, str]] = set()
    for pair in _available_pairs(ctx, pairs):
        for sid, maturity in ((pair.equity, None), (pair.bond, pair.bond_maturity_years)):
            if (sid, pair.freq) in seen:
                continue
            seen.add((sid, pair.freq))
            levels = ctx.aligned([sid], pair.freq, key=f"{sid} {pair.freq}", market=pair.market)[sid]
            for basis, ret in series_returns(levels, ctx.kind(sid), pair.freq, maturity).items():
                rows.append(pd.DataFrame({"series_id": sid, "freq": pair.freq, "obs_date": ret.index.date,
                                          "ret": ret.to_numpy(), "basis": basis}))
    frame = pd.concat(rows, ignore_index=True).sort_values(["series_id", "freq", "basis", "obs_date"])
    return [Output("returns", frame.reset_index(drop=True))]


def _pair_rolling(job: tuple[Pair, pd.Series, pd.Series]) -> pd.DataFrame:
    """Rolling correlations of one pair for all its windows (one unit of fan-out)."""
    pair, equity_ret, bond_ret = job
    k = pair.horizon_periods
    if k > 1:
        equity_ret, bond_ret = overlapping_returns(equity_ret, k), overlapping_returns(bond_ret, k)
    rows = []
    for window in pair.windows:
        rc = rolling_correlation(equity_ret, bond_ret, window, horizon=k)
        rows.append(rc.assign(market=pair.market, asset_a=pair.equity, asset_b=pair.bond,
                              basis="bond_return", method="rolling", freq=pair.freq,
                              window_size=window, horizon_periods=k, obs_date=rc.index.date))
    if not rows:
        return pd.DataFrame(columns=CORRELATION_COLUMNS)
    return pd.concat(rows, ignore_index=True)[CORRELATION_COLUMNS]


def rolling_correlations_step(ctx: Context, pairs: list[Pair], upstream: Upstream) -> list[Output]:
    """Rolling stock–bond correlations (bond-return basis) for each pair and window."""
    jobs = [(pair, *pair_returns(ctx, pair)) for pair in _available_pairs(ctx, pairs)]
    frame = pd.concat(ctx.map(ctx.memo.of(_pair_rolling), jobs), ignore_index=True)
    return [Output("correlations", frame, {"method": "rolling"})]


#: What identifies one rolling correlation path (and its phases).
PATH_KEYS = ["market", "asset_a", "asset_b", "basis", "freq", "window_size", "horizon_periods"]


def corr_phases_step(ctx: Context, cfg: CorrPhasesSettings, upstream: Upstream) -> list[Output]:
    """``results.corr_phases``: rising/falling phases of every monthly rolling correlation path of
    this run (``transforms.phases``: sign of the ``change_months`` change, ``min_span_months``)."""
    paths = upstream.frame("rolling_correlations", "correlations")
    monthly = None if paths is None else paths[paths["freq"] == "M"]
    if monthly is None or monthly.empty:
        raise MissingInputs("needs monthly rolling correlations (an analysis.pairs entry with freq M)")
    parts = []
    for keys, path in monthly.groupby(PATH_KEYS, sort=True):
        corr = pd.Series(path["corr"].to_numpy(), index=pd.DatetimeIndex(pd.to_datetime(path["obs_date"])))
        phases = correlation_phases(corr.sort_index().asfreq("ME"), cfg.change_months, cfg.min_span_months)
        parts.append(phases.assign(**dict(zip(PATH_KEYS, keys, strict=True))))
    frame = pd.concat(parts, ignore_index=True).rename(columns={"periods": "months"})
    for col in ("start_date", "end_date", "recognized_date"):
        frame[col] = pd.to_datetime(frame[col]).dt.date
    return [Output("corr_phases", frame[[*PATH_KEYS, "phase", "start_date", "end_date", "months", "corr_start",
                                         "corr_end", "recognized_date", "ongoing"]])]


def _dcc_returns(ctx: Context, spec: DccModel) -> pd.DataFrame:
    """Returns in percent of the model's assets over their common periods (bond legs from yields)."""
    legs = aligned_returns(ctx, [(sid, spec.maturity_years.get(sid)) for sid in spec.assets], spec.freq,
                           key=f"{spec.model} {'~'.join(spec.assets)} {spec.freq}", market=spec.market)
    frame = pd.concat(dict(zip(spec.assets, legs, strict=True)), axis=1, join="inner").dropna() * 100.0
    if spec.start:
        frame = frame.loc[pd.Timestamp(spec.start):]
    need = ctx.min_samples.dcc_joint_obs
    if len(frame) < need:
        raise MissingInputs(f"needs at least {need} joint observations of {', '.join(spec.assets)}")
    return frame


def dcc_fit_id(spec: DccModel) -> str:
    """The model's key in ``results.model_fits``."""
    return f"{spec.model}-{spec.dist}-{spec.market}-{'~'.join(spec.assets)}-{spec.freq}"


def model_correlations(spec: DccModel, correlations: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``results.correlations`` that model ``spec`` writes (its paths)."""
    if correlations.empty:
        return correlations
    mine = ((correlations["method"] == spec.model) & (correlations["market"] == spec.market)
            & (correlations["freq"] == spec.freq) & correlations["asset_a"].isin(spec.assets)
            & correlations["asset_b"].isin(spec.assets))
    return correlations[mine]


def _stored(ctx: Context, spec: DccModel, fit_id: str) -> tuple[DCCResult, pd.Series] | None:
    """The stored model and its row, or None (a refit). A missing, unreadable or old-layout state
    is noted in the step message and refitted: stored bytes are data, never a reason to fail."""
    if ctx.model_fits.empty:
        return None
    rows = ctx.model_fits[ctx.model_fits["fit_id"] == fit_id]
    if rows.empty:
        return None
    row = rows.iloc[0]
    if pd.isna(row["state"]):
        ctx.notes.append(f"{fit_id}: no stored filter state, refitted")
        return None
    try:
        result = state_from_json(row["state"])
    except StateError as exc:
        ctx.notes.append(f"{fit_id}: stored state unusable ({exc}), refitted")
        return None
    if list(result.asset_names) != list(spec.assets):
        ctx.notes.append(f"{fit_id}: stored state is for assets {', '.join(map(str, result.asset_names))}, refitted")
        return None
    return result, row


def _needs_refit(ctx: Context, spec: DccModel, stored: tuple[DCCResult, pd.Series] | None,
                 returns: pd.DataFrame) -> bool:
    """Refit on backfill, on a new model, when the fit is older than ``refit_days`` at the run's
    time (``ctx.now``) or when the sample has grown by more than ``refit_growth`` since the fit;
    otherwise extend."""
    if ctx.refit or stored is None:
        return True
    result, row = stored
    if pd.Timestamp(result.state_end) not in returns.index:
        return True  # history changed under the stored state
    grown = (returns.index > pd.Timestamp(result.sample_end)).sum() / max(result.nobs, 1)
    return _refit_due(ctx, spec, row) or bool(grown > spec.refit_growth)


def _refit_due(ctx: Context, spec: DccModel, row: pd.Series) -> bool:
    """Whether the stored fit ``row`` is ``refit_days`` old or older at the run's time."""
    return bool((ctx.now - pd.Timestamp(row["fitted_at"]).to_pydatetime()).days >= spec.refit_days)


def dcc_clock(ctx: Context, models: list[DccModel]) -> list[tuple[str, bool, str]]:
    """Per stored fit: whether it is due for a refit at the run's time, and a digest of the stored
    fit and filter state the paths extend. What the DCC paths depend on beyond their input
    series: a run a week later, or a damaged state, recomputes them although no data changed."""
    if ctx.model_fits.empty:
        return []
    fits = ctx.model_fits.set_index("fit_id", drop=False)
    clock = []
    for spec in models:
        fit_id = dcc_fit_id(spec)
        if fit_id in fits.index:
            row = fits.loc[fit_id]
            stored = hashlib.sha256(f"{row['fitted_at']}|{row['path_end']}|{row['state']}".encode()).hexdigest()
            clock.append((fit_id, _refit_due(ctx, spec, row), stored))
    return clock


def _corr_rows(result: DCCResult, long: pd.DataFrame, spec: DccModel) -> pd.DataFrame:
    n_eff = effective_n(result.params["b"])
    t, p = corr_significance(long["corr"].clip(-1.0, 1.0).to_numpy(), n_eff)
    return pd.DataFrame({
        "market": spec.market, "asset_a": long["asset_a"], "asset_b": long["asset_b"], "basis": "bond_return",
        "method": spec.model, "freq": spec.freq, "window_size": None, "horizon_periods": 1,
        "obs_date": pd.to_datetime(long["obs_date"]).dt.date, "corr": long["corr"].clip(-1.0, 1.0),
        "t_stat": t, "p_value": p, "n": n_eff,
    })[CORRELATION_COLUMNS]


def _fit_row(result: DCCResult, spec: DccModel, fit_id: str, fitted_at: datetime) -> pd.DataFrame:
    clean = {name: {k: float(v) for k, v in params.items()} for name, params in result.univariate.items()}
    return pd.DataFrame([{
        "fit_id": fit_id, "model": result.model, "dist": result.dist, "market": spec.market,
        "assets": ",".join(map(str, result.asset_names)), "freq": spec.freq,
        "sample_start": pd.Timestamp(result.sample_start).date(), "sample_end": pd.Timestamp(result.sample_end).date(),
        "nobs": result.nobs, "params": json.dumps(result.params), "std_errors": json.dumps(
            {k: (None if not np.isfinite(v) else float(v)) for k, v in result.std_errors.items()}),
        "se_method": result.se_method, "loglik": result.loglik, "converged": result.converged,
        "message": result.message, "univariate": json.dumps(clean, default=str),
        "effective_n": effective_n(result.params["b"]), "fitted_at": fitted_at,
        "path_end": pd.Timestamp(result.state_end).date(), "state": state_to_json(result),
    }])


def _fit_or_extend(job: tuple[DccModel, pd.DataFrame, DCCResult | None]) -> tuple[DCCResult, pd.DataFrame, object]:
    """Fit a model (``previous`` None) or extend ``previous`` over the new dates: one unit of fan-out.

    Returns the result, its correlation rows and the first new date (None after a full fit).
    """
    spec, returns, previous = job
    if previous is None:
        result = fit_dcc(returns, model=spec.model, dist=spec.dist)
        return result, dcc_correlations(result, returns), None
    new = returns.loc[returns.index > pd.Timestamp(previous.state_end)]
    long, result = extend_dcc(previous, new)
    return result, long, new.index[0].date()


def dcc_step(ctx: Context, models: list[DccModel], upstream: Upstream) -> list[Output]:
    """DCC/ADCC correlation paths per ``analysis.dcc`` entry: refit on schedule, else extend."""
    if not models:
        raise MissingInputs(f"profile {ctx.profile.name!r} declares no DCC models (analysis.dcc)")
    jobs: list[tuple[DccModel, pd.DataFrame, DCCResult | None]] = []
    fitted_at, skipped, handled = {}, [], 0
    for spec in models:
        if not ctx.has(*spec.assets):
            skipped.append(", ".join(sid for sid in spec.assets if not ctx.has(sid)))
            continue
        handled += 1
        returns = _dcc_returns(ctx, spec)
        fit_id = dcc_fit_id(spec)
        stored = _stored(ctx, spec, fit_id)
        if _needs_refit(ctx, spec, stored, returns):
            jobs.append((spec, returns, None))
            fitted_at[fit_id] = ctx.now
        elif stored is not None and (returns.index > pd.Timestamp(stored[0].state_end)).any():
            jobs.append((spec, returns, stored[0]))
            fitted_at[fit_id] = pd.Timestamp(stored[1]["fitted_at"]).to_pydatetime()
        else:
            ctx.notes.append(f"{fit_id}: up to date through {returns.index[-1].date()} "
                             "(no new joint observation)")
    if not handled:
        raise MissingInputs(f"needs series {'; '.join(skipped)}")
    if skipped:
        ctx.notes.append(f"{len(skipped)} of {len(models)} models skipped: needs series {'; '.join(skipped)}")
    outputs = []
    for (spec, _, _), (result, long, since) in zip(jobs, ctx.map(_fit_or_extend, jobs), strict=True):
        rows = _corr_rows(result, long, spec)
        for (a, b), part in rows.groupby(["asset_a", "asset_b"], sort=False):
            scope = {"method": spec.model, "market": spec.market, "freq": spec.freq,
                     "asset_a": a, "asset_b": b}
            outputs.append(Output("correlations", part, scope, since))
        fit_id = dcc_fit_id(spec)
        outputs.append(Output("model_fits", _fit_row(result, spec, fit_id, fitted_at[fit_id]), {"fit_id": fit_id}))
    return outputs
