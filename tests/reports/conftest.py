"""Fixture warehouses for the report tests: every results/ops table filled with small,
deterministic, clearly-labelled FIXTURE rows (not research results), plus an empty one.

Known answers the tests check are pinned here: the US 36-month correlation ends at +0.21
(p = 0.229) on 2020-12-31 after +0.26 on 2020-11-30, and is +0.35 (p = 0.036) on 2015-06-30.
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from seesaw.analyses.settings import AnalysisSettings, parse_analysis
from seesaw.analyses.sign_agreement import agreement_rows
from seesaw.models.acm import term_premium_tracking
from seesaw.models.montecarlo import least_drawdown, weight_choice
from seesaw.transforms.panel import path_summary
from seesaw.transforms.phases import correlation_phases
from seesaw.transforms.rebalancing import rebalancing_summary, with_trailing_mean
from seesaw.transforms.regimes import run_starts
from seesaw.warehouse.db import connect

LATE_EVENT_DETAIL = "FIXTURE late event after the as-of date"
#: The cross-market panel markets beside US and CN (monthly 60-month paths only).
PANEL_MARKETS = {"JP": ("jp_nikkei", "jp_10y"), "UK": ("uk_ftse", "uk_10y"), "DE": ("de_dax", "de_10y"),
                 "FR": ("fr_cac", "fr_10y"), "CA": ("ca_tsx", "ca_10y"), "AU": ("au_asx200", "au_10y"),
                 "EZ": ("ez_stoxx50", "ez_10y")}
_PATH_KEYS = ["market", "asset_a", "asset_b", "basis", "freq", "window_size", "horizon_periods"]
#: The fixture's profile settings: US and CN declare their headline pair, the panel markets do not.
FIXTURE_SETTINGS = parse_analysis({"pairs": [
    {"market": "US", "equity": "us_spx", "bond": "us_10y", "freq": "M", "windows": [36, 60], "primary": True},
    {"market": "CN", "equity": "cn_csi300", "bond": "cn_10y", "freq": "M", "windows": [36], "primary": True},
    {"market": "CN", "equity": "cn_csi300", "bond": "cn_bond_tr", "freq": "M", "horizon_periods": 3,
     "windows": [36, 60]},
    *({"market": mk, "equity": eq, "bond": bd, "freq": "M", "windows": [60]} for mk, (eq, bd) in PANEL_MARKETS.items()),
]}, "fixture")


def _p_value(r: np.ndarray, n: int) -> np.ndarray:
    t = r * np.sqrt((n - 2) / (1 - r**2))
    return 2 * stats.t.sf(np.abs(t), n - 2)


def _insert(con, table: str, frame: pd.DataFrame) -> None:
    con.register("incoming", frame)
    con.execute(f"insert into {table} by name select * from incoming")
    con.unregister("incoming")


def _rolling(market: str, a: str, b: str, freq: str, window: int, dates: pd.DatetimeIndex,
             corr: np.ndarray) -> pd.DataFrame:
    corr = np.clip(corr, -0.95, 0.95)
    return pd.DataFrame({"market": market, "asset_a": a, "asset_b": b, "basis": "bond_return", "method": "rolling",
                         "freq": freq, "window_size": window, "obs_date": dates.date, "corr": corr,
                         "t_stat": corr * np.sqrt((window - 2) / (1 - corr**2)), "p_value": _p_value(corr, window),
                         "n": float(window)})


def populate(con) -> None:
    """Fill every table the report reads with fixture rows."""
    rng = np.random.default_rng(20240611)
    now = datetime(2021, 1, 4, 7, 0, tzinfo=UTC)
    months = pd.date_range("1990-01-31", "2020-12-31", freq="ME")
    days = pd.bdate_range("2000-01-03", "2020-12-31")
    t = np.arange(len(months))

    us36 = 0.45 * np.sin(t / 30.0) + 0.05 * rng.standard_normal(len(months))
    us36[months.get_loc(pd.Timestamp("2015-06-30"))] = 0.35
    us36[-2:] = [0.26, 0.21]
    cn_months = months[months >= "2003-01-31"]
    corr = pd.concat([
        _rolling("US", "us_spx", "us_10y", "M", 36, months, us36),
        _rolling("US", "us_spx", "us_10y", "M", 60, months, 0.8 * us36),
        _rolling("CN", "cn_csi300", "cn_10y", "M", 36, cn_months, -0.3 + 0.2 * np.cos(np.arange(len(cn_months)) / 12)),
        _rolling("US", "us_spx", "us_10y", "D", 63, days, 0.5 * np.sin(np.arange(len(days)) / 600.0)),
    ])
    # China as the Soochow Securities note measures it: 3-month returns vs the ChinaBond treasury
    # index (effective n of the overlap), and the panel: 60-month paths of monthly returns.
    three = np.arange(len(months[months >= "2011-03-31"]))
    cn3 = pd.concat([
        _rolling("CN", "cn_csi300", "cn_bond_tr", "M", w, months[months >= start],
                 -0.2 + 0.3 * np.sin(three[k:] / 20.0))
        .assign(horizon_periods=3, n=n_eff, p_value=lambda f, n_eff=n_eff: _p_value(f["corr"].to_numpy(), round(n_eff)))
        for w, start, k, n_eff in ((36, "2011-03-31", 0, 17.58), (60, "2013-03-31", 24, 28.93))])
    for day_, value in ((date(2020, 11, 30), -0.236), (date(2020, 12, 31), -0.241)):
        cn3.loc[(cn3["window_size"] == 60) & (cn3["obs_date"] == day_), "corr"] = value
    cn3["p_value"] = np.where(cn3["window_size"] == 60, _p_value(cn3["corr"].to_numpy(), 29), cn3["p_value"])
    panel = pd.concat([_rolling("CN", "cn_csi300", "cn_bond_tr", "M", 60, months[months >= "2008-01-31"],
                                -0.3 + 0.2 * np.sin(np.arange(len(months[months >= "2008-01-31"])) / 15.0))]
                      + [_rolling(mk, eq, bd, "M", 60, months[months >= f"{1994 + i}-01-31"],
                                  0.5 * np.cos(np.arange(len(months[months >= f"{1994 + i}-01-31"])) / (25.0 + 3 * i)))
                         for i, (mk, (eq, bd)) in enumerate(PANEL_MARKETS.items())])
    corr = pd.concat([corr.assign(horizon_periods=1), cn3, panel.assign(horizon_periods=1)])
    monthly = corr[corr["freq"] == "M"].assign(basis="bond_return")
    phases, summaries = [], []
    for keys, part in monthly.groupby(_PATH_KEYS, sort=True):
        path = part.set_index(pd.DatetimeIndex(pd.to_datetime(part["obs_date"])))[["corr", "p_value", "n"]]
        mine = correlation_phases(path["corr"].asfreq("ME"), 12, 6)
        phases.append(mine.assign(**dict(zip(_PATH_KEYS, keys, strict=True))))
        summaries.append({**dict(zip(_PATH_KEYS, keys, strict=True)), **path_summary(path, mine, 0.05)})
    phases_frame = pd.concat(phases, ignore_index=True).rename(columns={"periods": "months"})
    for col in ("start_date", "end_date", "recognized_date"):
        phases_frame[col] = pd.to_datetime(phases_frame[col]).dt.date
    _insert(con, "results.corr_phases", phases_frame)
    summary = pd.DataFrame(summaries)
    for col in ("first_date", "data_cutoff", "last_sign_change", "phase_start_date", "phase_recognized_date"):
        summary[col] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in summary[col]]
    _insert(con, "results.panel_summary", summary)
    dcc_corr = np.clip(0.5 * np.sin(np.arange(len(days)) / 600.0) + 0.1 * np.sin(np.arange(len(days)) / 20.0),
                       -0.9, 0.9)
    dcc = pd.DataFrame({"market": "US", "asset_a": "us_spx", "asset_b": "us_10y", "basis": "bond_return",
                        "method": "dcc", "freq": "D", "window_size": None, "obs_date": days.date, "corr": dcc_corr,
                        "t_stat": None, "p_value": _p_value(dcc_corr, 60), "n": 60.0})
    _insert(con, "results.correlations", pd.concat([corr, dcc]))
    _insert(con, "results.correlation_sign_agreement", agreement_rows(pd.concat([corr, dcc])))
    _insert(con, "results.model_fits", pd.DataFrame({
        "fit_id": "dcc-US-us_spx~us_10y-fixture", "model": "dcc", "dist": "normal", "market": "US",
        "assets": "us_spx,us_10y", "freq": "D", "sample_start": days[0].date(),
        "sample_end": [date(2014, 12, 31), days[-1].date()],  # an earlier fit, for as-of reports
        "nobs": len(days), "params": '{"a": 0.03, "b": 0.96}', "converged": False,
        "message": "GARCH us_10y: alpha+beta = 0.9996 >= 0.999: integrated variance (FIXTURE)",
        "fitted_at": datetime(2021, 1, 1, tzinfo=UTC)}))

    label = np.where(us36 > 0.3, "positive", np.where(us36 < -0.3, "negative", "insignificant"))
    quadrant = rng.choice(["double_bull", "double_bear", "seesaw_risk_on", "seesaw_risk_off"], len(months))
    regimes = pd.concat([
        pd.DataFrame({"framework": "corr_sign", "market": "us", "obs_date": months, "label": label,
                      "detail": "FIXTURE corr_sign"}),
        pd.DataFrame({"framework": "stock_bond_quadrant", "market": "us", "obs_date": months, "label": quadrant,
                      "detail": "FIXTURE quadrant"})], ignore_index=True)
    _insert(con, "results.regimes", regimes.assign(run_start=run_starts(regimes).dt.date,
                                                   obs_date=regimes["obs_date"].dt.date))

    tp10 = 1.5 - 0.04 * t / 12 + 0.3 * np.sin(t / 20)
    tp1 = -0.2 + 0.3 * np.sin(t / 15)
    tp_rows = []
    for source, shift in (("nyfed_acm", 0.0), ("seesaw_acm", 0.1)):
        for tenor, tp in ((10, tp10 + shift), (1, tp1 + shift / 2)):
            tp_rows.append(pd.DataFrame({"obs_date": months.date, "tenor_years": tenor, "source": source, "freq": "M",
                                         "term_premium_pct": tp, "fitted_yield_pct": tp + 3,
                                         "risk_neutral_yield_pct": 3.0,
                                         "priced_cuts": -tp / 0.25 if tenor == 1 else None}))
    _insert(con, "results.term_premia", pd.concat(tp_rows))
    _insert(con, "results.term_premium_tracking", term_premium_tracking(pd.concat(tp_rows)))

    erp_months = months[months >= "2013-01-31"]
    pmi = 52 + 3 * np.sin(np.arange(len(erp_months)) / 8)
    pe = 18 + np.sin(np.arange(len(erp_months)) / 10)
    y10 = 2.4 + 0.5 * np.cos(np.arange(len(erp_months)) / 9)
    fitted = 9.0 - 0.1 * pmi
    _insert(con, "results.erp_model", pd.DataFrame({
        "obs_date": erp_months.date, "pe": pe, "earnings_yield_pct": 100 / pe, "y10_pct": y10,
        "erp_pct": 100 / pe - y10, "pmi": pmi, "erp_fitted_pct": fitted, "implied_y10_pct": 100 / pe - fitted,
        "implied_cuts": (y10 - (100 / pe - fitted)) / 0.25, "sample_start": date(2013, 1, 31),
        "sample_end": date(2020, 12, 31), "alpha": 9.0, "beta": -0.1, "alpha_se_nw": 1.2, "beta_se_nw": 0.02,
        "adj_r2": 0.563}))

    move_level = 80 + 25 * np.sin(np.arange(len(days)) / 250.0) + rng.standard_normal(len(days))
    _insert(con, "results.move_metrics", pd.DataFrame({
        "obs_date": days.date, "move": move_level, "move_pct_rank_1y": 50 + 40 * np.sin(np.arange(len(days)) / 250.0),
        "move_z": np.sin(np.arange(len(days)) / 250.0), "move_ytd_high": False,
        "vix": 18 + 5 * np.sin(np.arange(len(days)) / 300.0), "vix_pct_rank_1y": 50.0}))
    spike_days = days[[1000, 2000, 3000, 4000, len(days) - 30]]
    _insert(con, "results.events", pd.DataFrame({
        "event_type": ["move_spike"] * 5 + ["triple_selloff", "triple_selloff"], "market": "US",
        "obs_date": list(spike_days.date) + [date(2013, 6, 20), date(2020, 3, 9)], "window_days": [1] * 5 + [3, 1],
        "score": [3.1, 2.8, 4.0, 3.3, 5.2, 6.1, 7.4],
        "detail": ["FIXTURE MOVE spike"] * 5 + ["FIXTURE S&P −3.5%, 10y +6bp, dollar −1.2%", LATE_EVENT_DETAIL]}))

    auction_days = pd.date_range("2010-01-12", "2020-12-10", freq="MS") + pd.Timedelta(days=9)
    n_auc = len(auction_days)
    tails = 0.8 * np.sin(np.arange(n_auc) / 5.0)
    weak = tails > 0.7
    ten = pd.DataFrame({
        "auction_date": auction_days.date, "cusip": [f"FIXT10{i:04d}" for i in range(n_auc)], "security_type": "Note",
        "security_term": "10-Year", "term_years": 10.0, "high_yield_pct": 2.5 + tails / 100,
        "reference_yield_pct": 2.5, "reference_series": "us_10y", "tail_bp": tails, "bid_to_cover": 2.5 - tails / 5,
        "direct_share": 0.15, "indirect_share": 0.65 - tails / 20, "dealer_share": 0.20 + tails / 20,
        "tail_z": tails / 0.5, "btc_z": 0.0, "dealer_share_z": 0.0, "indirect_share_z": 0.0,
        "weak_auction": weak, "n_prior": 12})
    two = ten.assign(cusip=[f"FIXT02{i:04d}" for i in range(n_auc)], security_term="2-Year", term_years=2.0,
                     auction_date=(auction_days + pd.Timedelta(days=14)).date, weak_auction=False)
    _insert(con, "results.auction_metrics", pd.concat([ten, two]))

    eq = 0.007 + 0.04 * rng.standard_normal(len(months))
    bd = 0.004 + 0.015 * rng.standard_normal(len(months))
    hist = pd.DataFrame({"scenario": "history_M", "obs_date": months.date, "aum_usd_bn": 10_000.0, "equity_weight": 0.6,
                         "equity_return": eq, "bond_return": bd, "flow_usd_bn": 10_000 * 0.24 * (eq - bd)})
    future = pd.date_range("2021-01-31", "2021-12-31", freq="ME")
    scen = pd.concat([pd.DataFrame({"scenario": name, "obs_date": future.date, "aum_usd_bn": 10_000.0,
                                    "equity_weight": 0.6, "equity_return": er, "bond_return": 0.003,
                                    "flow_usd_bn": 10_000 * 0.24 * (er - 0.003)})
                      for name, er in (("fixture_base", 0.0037), ("fixture_two_cuts", 0.006))])
    flows = pd.concat([hist, scen])
    flows["share_of_treasury_supply"] = flows["flow_usd_bn"] / 250
    flows["share_of_ig_supply"] = flows["flow_usd_bn"] / 160
    _insert(con, "results.rebalancing_flows", with_trailing_mean(flows))
    _insert(con, "results.rebalancing_summary", rebalancing_summary(flows))

    weights = np.round(np.arange(0, 1.0001, 0.05), 2)
    rows = []
    for rho in (-0.6, -0.3, 0.0, 0.3, 0.6):
        vol = np.sqrt((weights * 0.196) ** 2 + ((1 - weights) * 0.0241) ** 2
                      + 2 * weights * (1 - weights) * rho * 0.196 * 0.0241)
        mu = 0.035 + weights * (0.0775 - 0.035)
        rows.append(pd.DataFrame({"scenario": "fixture_soochow", "rho": rho, "equity_weight": weights, "months": 120,
                                  "paths": 10_000, "seed": 4, "vol_ann": vol, "ann_return_q05": mu - 1.645 * vol,
                                  "loss_var95_1y": 1.645 * vol - mu, "loss_cvar95_1y": 2.063 * vol - mu,
                                  "mdd_12m_median": -0.9 * vol, "mdd_full_median": -1.5 * vol + 0.002 * weights,
                                  "exp_return_ann": mu}))
    # The 36-month sweep: 1 pp steps to 30%; expected return peaks at 21% for ρ = −0.6 and keeps rising for ρ = 0.
    fine = np.round(np.arange(0, 0.3001, 0.01), 2)
    for rho, curve in ((-0.6, 0.1), (0.0, 0.0)):
        vol = np.sqrt((fine * 0.196) ** 2 + ((1 - fine) * 0.0241) ** 2 + 2 * fine * (1 - fine) * rho * 0.196 * 0.0241)
        mu = 0.035 + 0.0425 * fine - curve * fine**2
        rows.append(pd.DataFrame({"scenario": "fixture_soochow", "rho": rho, "equity_weight": fine, "months": 36,
                                  "paths": 10_000, "seed": 4, "vol_ann": vol, "ann_return_q05": mu - 1.645 * vol,
                                  "loss_var95_1y": 1.645 * vol - mu, "loss_cvar95_1y": 2.063 * vol - mu,
                                  "mdd_12m_median": -0.9 * vol, "mdd_full_median": -1.5 * vol, "exp_return_ann": mu}))
    sweep = pd.concat(rows, ignore_index=True)
    _insert(con, "results.mc_risk", sweep.assign(least_drawdown=least_drawdown(sweep)))
    _insert(con, "results.mc_weight_choice", weight_choice(sweep))

    drv_months = months[months >= "1995-01-31"]
    k = np.arange(len(drv_months))
    _insert(con, "results.macro_drivers", pd.DataFrame({
        "market": "US", "obs_date": drv_months.date, "x_infl_unc": 0.5 + 0.2 * np.sin(k / 24),
        "y_growth_unc": 1.0 + 0.4 * np.cos(k / 30), "z_xy_corr": 0.3 * np.sin(k / 40),
        "a_stock_bond_corr": 0.4 * np.sin(k / 35)}))
    _insert(con, "results.vecm_tests", pd.DataFrame({
        "market": "US", "test": ["johansen_trace_r0", "granger_xyz_to_a", "ljung_box_a", "arch_lm_a", "vif_x"],
        "statistic": [58.2, 3.1, 12.0, 4.2, 1.8], "p_value": [0.01, 0.027, 0.44, 0.52, None],
        "df": [None, 9.0, 12.0, 4.0, None],
        "detail": ['{"null": "rank<=0", "cv90": 44.4936, "cv95": 47.8545, "cv99": 54.6815, "reject_5pct": true}',
                   *["FIXTURE test row"] * 4]}))
    fc = []
    for origin, base in ((date(2015, 6, 30), 0.1), (date(2020, 12, 31), 0.2)):
        steps = np.arange(1, 4)
        ends = pd.date_range(origin, periods=4, freq="ME")[1:]
        fc.append(pd.DataFrame({"market": "US", "origin_date": origin, "step": steps, "obs_date": ends.date,
                                "forecast": base + 0.02 * steps, "lower_95": base - 0.2 * steps,
                                "upper_95": base + 0.2 * steps}))
    fc.append(pd.DataFrame({"market": "CN", "origin_date": date(2020, 11, 30), "step": [1, 2, 3],
                            "obs_date": pd.date_range("2020-12-31", periods=3, freq="ME").date,
                            "forecast": [-0.25, -0.26, -0.27], "lower_95": [-0.3, -0.35, -0.4],
                            "upper_95": [-0.2, -0.17, -0.14]}))
    _insert(con, "results.vecm_forecasts", pd.concat(fc))
    _insert(con, "results.vecm_tests", pd.DataFrame({"market": ["CN"], "test": ["granger_xyz_to_a"],
                                                     "statistic": [2.4], "p_value": [0.041], "df": [9.0],
                                                     "detail": ["FIXTURE test row"]}))

    series = pd.DataFrame({
        "series_id": ["us_spx", "us_10y", "us_cpi", "cn_10y"], "name": ["FIXTURE S&P 500", "FIXTURE 10y yield",
                                                                     "FIXTURE CPI", "FIXTURE CGB 10y"],
        "source": "fixture", "source_code": "fixture", "frequency": ["D", "D", "M", "D"],
        "unit": ["index points", "percent p.a.", "index", "percent p.a."], "kind": ["index", "yield", "macro", "yield"],
        "country": ["US", "US", "US", "CN"], "description": "FIXTURE row", "updated_at": now})
    extra = [("cn_csi300", "FIXTURE CSI 300", "CN"), ("cn_bond_tr", "FIXTURE ChinaBond treasury index", "CN")] + [
        (sid, f"FIXTURE {sid}", mk) for mk, ids in PANEL_MARKETS.items() for sid in ids]
    series = pd.concat([series, pd.DataFrame({
        "series_id": [e[0] for e in extra], "name": [e[1] for e in extra], "source": "fixture",
        "source_code": "fixture", "frequency": "M", "unit": "fixture", "kind": "index",
        "country": [e[2] for e in extra], "description": "FIXTURE row", "updated_at": now})], ignore_index=True)
    _insert(con, "core.series", series)
    obs = pd.concat([
        pd.DataFrame({"series_id": "us_spx", "obs_date": days.date, "value": 1000.0, "vintage": None,
                      "run_id": "fixture-run-2"}),
        pd.DataFrame({"series_id": "us_10y", "obs_date": days.date, "value": 2.5, "vintage": None,
                      "run_id": "fixture-run-2"}),
        pd.DataFrame({"series_id": "us_cpi", "obs_date": pd.date_range("1990-01-01", "2020-12-01", freq="MS").date,
                      "value": 100.0, "vintage": None, "run_id": "fixture-run-2"})])
    _insert(con, "core.observations", obs)
    _insert(con, "ops.runs", pd.DataFrame({
        "run_id": ["fixture-run-1", "fixture-run-2"], "flow": "nightly", "profile": "fixture", "parameters": "{}",
        "started_at": [datetime(2021, 1, 1, 11, 30, tzinfo=UTC), now],
        "finished_at": [datetime(2021, 1, 1, 11, 31, tzinfo=UTC), datetime(2021, 1, 4, 7, 1, tzinfo=UTC)],
        "status": ["ok", "partial"], "message": "FIXTURE run"}))
    _insert(con, "ops.loads", pd.DataFrame({
        "run_id": "fixture-run-2", "series_id": ["us_spx", "us_10y", "us_cpi", "cn_10y"],
        "requested_start": None, "requested_end": None, "rows_fetched": [10, 10, 3, 0], "rows_inserted": [2, 2, 0, 0],
        "rows_changed": [0, 1, 1, 0], "rows_rejected": 0, "min_date": None, "max_date": None,
        "status": ["ok", "ok", "ok", "failed"], "error": [None, None, None, "FIXTURE source timed out"],
        "loaded_at": now}))
    checks = pd.DataFrame({"check_name": ["yields_in_band", "correlations_valid"], "failing_rows": [0, 0],
                           "detail": None, "checked_at": now})
    _insert(con, "ops.checks", pd.concat([
        checks.assign(run_id="fixture-run-1", status="pass", checked_at=datetime(2021, 1, 1, 11, 31, tzinfo=UTC)),
        checks.assign(run_id="fixture-run-2", status=["fail", "pass"], failing_rows=[3, 0],
                      detail=["FIXTURE 3 yields out of band", None])]))
    _insert(con, "ops.analyses", pd.DataFrame({
        "run_id": "fixture-run-2", "step": ["returns", "rolling_correlations", "china_regimes"],
        "status": ["ok", "ok", "skipped"], "rows_written": [100, 50, 0],
        "message": [None, None, "needs series cn_pmi"], "seconds": 0.1, "finished_at": now}))
    _insert(con, "results.analysis_cutoffs", pd.DataFrame({
        "analysis": ["rolling_correlations"] * 4 + ["regimes"] * 2, "output": ["correlations"] * 4 + ["regimes"] * 2,
        "market": ["US", "US", "CN", "CN", "US", "US"],
        "key": ["us_spx~us_10y M", "us_spx~us_10y M", "cn_csi300~cn_10y M", "cn_csi300~cn_10y M", "corr_sign",
                "corr_sign"],
        "series_id": ["us_spx", "us_10y", "cn_csi300", "cn_10y", "us_spx", "us_10y"],
        "series_last_date": [date(2020, 12, 31)] * 4 + [date(2020, 12, 31), date(2020, 11, 16)],
        "common_cutoff": [date(2020, 12, 31)] * 4 + [date(2020, 11, 16)] * 2,
        "stale": [False] * 5 + [True]}))


@pytest.fixture(scope="session")
def report_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse with every results/ops table filled with FIXTURE rows (read it, do not write)."""
    db = tmp_path_factory.mktemp("report_wh") / "w.duckdb"
    with connect(db) as con:
        populate(con)
    return db


@pytest.fixture(scope="session")
def fixture_settings() -> AnalysisSettings:
    """The analysis settings the fixture warehouse's report is built with (``FIXTURE_SETTINGS``)."""
    return FIXTURE_SETTINGS


@pytest.fixture(scope="session")
def full_report(report_warehouse: Path, tmp_path_factory: pytest.TempPathFactory):
    """The report built once from ``report_warehouse`` (into a nested, not yet existing directory),
    with the fixture's profile settings (US and CN declare their headline pairs)."""
    from seesaw.reports.build import build_report

    return build_report(report_warehouse, tmp_path_factory.mktemp("report_full") / "nested" / "report.html",
                        settings=FIXTURE_SETTINGS)


@pytest.fixture(scope="session")
def empty_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated schema, no results; one skipped MOVE step saying what it needs."""
    db = tmp_path_factory.mktemp("report_empty") / "w.duckdb"
    with connect(db) as con:
        _insert(con, "ops.analyses", pd.DataFrame({
            "run_id": ["fixture-empty"], "step": ["move_metrics"], "status": ["skipped"], "rows_written": [0],
            "message": ["needs series us_move"], "seconds": [0.0], "finished_at": [datetime(2021, 1, 4, tzinfo=UTC)]}))
    return db
