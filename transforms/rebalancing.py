"""Rebalancing flows of fixed-weight balanced funds (BofA Global Research on equity-rebalancing flows
and bond demand, summary of 2026-02-09; docs/methods.md, section 9).

A fund holds AUM ``N`` (USD bn) at the START of a period with equity weight ``w``. After
returns ``r_s`` (equities) and ``r_b`` (bonds) it holds ``N·w·(1+r_s)`` in equities out of
``N·(1 + w·r_s + (1−w)·r_b)``; restoring the weight ``w`` sells

    flow = execution · N · w · (1 − w) · (r_s − r_b)

of equities and buys the same amount of bonds (exact, in start-of-period dollars; positive =
equities sold, bonds bought). ``execution`` ∈ [0, 1] is the share of funds that rebalance in
the period. Periods are calendar months (``'M'``) or quarters (``'Q'``); monthly returns are
compounded to quarters before the formula is applied, as a quarterly rebalancer would see them.

Supply shares are ``flow_usd_bn / supply_usd_bn`` for the same period (signed: negative when
funds sell bonds). Each share uses the whole flow, as BofA does (14% of Treasury and 22% of IG
supply from the same ~$37bn a month).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

import numpy as np
import pandas as pd

from seesaw.transforms.returns import par_bond_risk

REBALANCING_COLUMNS = [
    "scenario",
    "obs_date",
    "aum_usd_bn",
    "equity_weight",
    "equity_return",
    "bond_return",
    "flow_usd_bn",
    "share_of_treasury_supply",
    "share_of_ig_supply",
]

Freq = Literal["M", "Q"]

#: Default monthly supplies (USD bn) are those implied by BofA's own ratios: ~$37bn a month is
#: 14% of Treasury and 22% of IG supply → 37/0.14 ≈ 264 (about gross coupon Treasury issuance,
#: 2-30y notes and bonds, per month in 2024-25) and 37/0.22 ≈ 168 (about US IG corporate gross
#: issuance per month). Pass auction totals per month as a Series to use actual supply.
DEFAULT_TREASURY_SUPPLY_USD_BN_PER_MONTH = 264.0
DEFAULT_IG_SUPPLY_USD_BN_PER_MONTH = 168.0

_MONTHS_PER_PERIOD = {"M": 1, "Q": 3}
_PERIOD_END = {"M": "ME", "Q": "QE"}


def rebalancing_flow(
    aum_usd_bn: float | pd.Series | np.ndarray,
    equity_weight: float,
    equity_return: float | pd.Series | np.ndarray,
    bond_return: float | pd.Series | np.ndarray,
    execution: float = 1.0,
) -> Any:
    """One-period flow out of equities, USD bn (positive = equities sold, bonds bought).

    ``execution·N·w·(1−w)·(r_s − r_b)`` with ``N`` the start-of-period AUM (USD bn) and
    returns as decimals. Works elementwise on arrays and aligned Series.
    """
    if not 0.0 <= equity_weight <= 1.0:
        raise ValueError(f"equity_weight must lie in [0, 1], got {equity_weight}")
    if not 0.0 <= execution <= 1.0:
        raise ValueError(f"execution must lie in [0, 1], got {execution}")
    return execution * aum_usd_bn * equity_weight * (1.0 - equity_weight) * (equity_return - bond_return)


def _supply_per_period(
    supply: float | pd.Series | None, default_per_month: float, index: pd.DatetimeIndex, freq: Freq
) -> pd.Series:
    """Supply in USD bn per period: a per-month constant, or a Series summed per period."""
    if supply is None:
        supply = default_per_month
    if isinstance(supply, pd.Series):
        per_period = supply.resample(_PERIOD_END[freq]).sum(min_count=1)
        return per_period.reindex(index)
    return pd.Series(float(supply) * _MONTHS_PER_PERIOD[freq], index=index)


def _compound(returns: pd.Series, freq: Freq) -> pd.Series:
    """Compound simple returns to period ends (month or quarter end)."""
    grouped = (1.0 + returns.dropna()).resample(_PERIOD_END[freq])
    return (grouped.prod() - 1.0).where(grouped.count() > 0)


def rebalancing_history(
    stock_ret: pd.Series,
    bond_ret: pd.Series,
    *,
    aum_usd_bn: float = 10_000.0,
    equity_weight: float = 0.6,
    freq: Freq = "M",
    execution: float = 1.0,
    aum_mode: Literal["constant", "compound"] = "constant",
    treasury_supply_usd_bn: float | pd.Series | None = None,
    ig_supply_usd_bn: float | pd.Series | None = None,
    scenario: str | None = None,
) -> pd.DataFrame:
    """Flows a fixed-weight fund would have made over realized history.

    Parameters
    ----------
    stock_ret, bond_ret : pd.Series
        Simple returns (decimals) indexed by date, at the rebalancing frequency or finer
        (they are compounded to month/quarter ends).
    aum_usd_bn : float
        AUM in USD bn: every period's start-of-period AUM when ``aum_mode='constant'`` (the
        "$10tn fund" convention), or the AUM at the start of the first period when
        ``'compound'`` (AUM then grows with the rebalanced portfolio's return).
    equity_weight : float
        Target equity weight ``w``.
    freq : {'M', 'Q'}
        Rebalancing frequency.
    execution : float
        Share of the flow actually executed, in [0, 1].
    treasury_supply_usd_bn, ig_supply_usd_bn : float or pd.Series, optional
        Supply per MONTH (float; defaults ``DEFAULT_*_PER_MONTH``) or a Series of supply
        amounts (e.g. auction totals) summed within each period.
    scenario : str, optional
        Defaults to ``'history_M'`` / ``'history_Q'``.

    Returns
    -------
    pd.DataFrame
        Columns ``REBALANCING_COLUMNS`` (``results.rebalancing_flows``), one row per period
        end where both returns exist.
    """
    both = pd.concat({"s": _compound(stock_ret, freq), "b": _compound(bond_ret, freq)}, axis=1, sort=True).dropna()
    if both.empty:
        raise ValueError("rebalancing_history: stock and bond returns share no period")
    if aum_mode == "constant":
        aum = pd.Series(float(aum_usd_bn), index=both.index)
    else:
        growth = 1.0 + equity_weight * both["s"] + (1.0 - equity_weight) * both["b"]
        aum = float(aum_usd_bn) * growth.cumprod().shift(1, fill_value=1.0)
    flow = rebalancing_flow(aum, equity_weight, both["s"], both["b"], execution)
    index = pd.DatetimeIndex(both.index)
    treasury = _supply_per_period(treasury_supply_usd_bn, DEFAULT_TREASURY_SUPPLY_USD_BN_PER_MONTH, index, freq)
    ig = _supply_per_period(ig_supply_usd_bn, DEFAULT_IG_SUPPLY_USD_BN_PER_MONTH, index, freq)
    return pd.DataFrame(
        {
            "scenario": scenario or f"history_{freq}",
            "obs_date": index,
            "aum_usd_bn": aum.to_numpy(),
            "equity_weight": equity_weight,
            "equity_return": both["s"].to_numpy(),
            "bond_return": both["b"].to_numpy(),
            "flow_usd_bn": flow.to_numpy(),
            "share_of_treasury_supply": (flow / treasury).to_numpy(),
            "share_of_ig_supply": (flow / ig).to_numpy(),
        },
        columns=REBALANCING_COLUMNS,
    )


@dataclass(frozen=True)
class RebalancingScenario:
    """A forward scenario of constant expected returns.

    Either give ``bond_return_ann`` directly or derive it as carry plus the price effect of
    the cuts: ``y/100 + D · cuts · cut_size_bp/10⁴ · pass_through`` with ``D`` the par-bond
    modified duration at ``bond_yield_pct`` (``bond_maturity_years``) unless
    ``bond_duration_years`` is given. Annual returns become per-period returns
    geometrically: ``(1 + r)^(months/12) − 1``. AUM is constant (start-of-period dollars).
    Supplies are per MONTH (USD bn).
    """

    name: str
    start: str
    aum_usd_bn: float = 10_000.0
    equity_weight: float = 0.6
    equity_return_ann: float = 0.045
    bond_return_ann: float | None = None
    bond_yield_pct: float | None = None
    cuts: float = 0.0
    cut_size_bp: float = 25.0
    pass_through: float = 1.0
    bond_maturity_years: float = 10.0
    bond_duration_years: float | None = None
    freq: Freq = "M"
    periods: int = 12
    execution: float = 1.0
    treasury_supply_usd_bn: float = DEFAULT_TREASURY_SUPPLY_USD_BN_PER_MONTH
    ig_supply_usd_bn: float = DEFAULT_IG_SUPPLY_USD_BN_PER_MONTH

    @classmethod
    def from_dict(cls, config: Mapping[str, Any]) -> RebalancingScenario:
        """Build from a config dict; unknown keys are an error (typos must not pass)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(config) - known)
        if unknown:
            raise ValueError(f"unknown rebalancing scenario keys {unknown}; allowed: {sorted(known)}")
        return cls(**dict(config))

    def bond_return(self) -> float:
        """Annual bond return (decimal), given or derived from yield, cuts and duration."""
        if self.bond_return_ann is not None:
            return float(self.bond_return_ann)
        if self.bond_yield_pct is None:
            raise ValueError(f"scenario {self.name!r}: give bond_return_ann or bond_yield_pct")
        duration = self.bond_duration_years
        if duration is None:
            duration = float(par_bond_risk(np.array([self.bond_yield_pct]), self.bond_maturity_years)[0][0])
        yield_fall = self.cuts * self.cut_size_bp / 10_000.0 * self.pass_through
        return self.bond_yield_pct / 100.0 + duration * yield_fall


def rebalancing_scenario(config: RebalancingScenario | Mapping[str, Any]) -> pd.DataFrame:
    """Expected flows of a scenario, one row per period (``results.rebalancing_flows``)."""
    sc = config if isinstance(config, RebalancingScenario) else RebalancingScenario.from_dict(config)
    months = _MONTHS_PER_PERIOD[sc.freq]
    index = pd.date_range(pd.Timestamp(sc.start), periods=sc.periods, freq=_PERIOD_END[sc.freq])
    r_s = (1.0 + sc.equity_return_ann) ** (months / 12.0) - 1.0
    r_b = (1.0 + sc.bond_return()) ** (months / 12.0) - 1.0
    flow = rebalancing_flow(sc.aum_usd_bn, sc.equity_weight, r_s, r_b, sc.execution)
    return pd.DataFrame(
        {
            "scenario": sc.name,
            "obs_date": index,
            "aum_usd_bn": float(sc.aum_usd_bn),
            "equity_weight": sc.equity_weight,
            "equity_return": r_s,
            "bond_return": r_b,
            "flow_usd_bn": flow,
            "share_of_treasury_supply": flow / (sc.treasury_supply_usd_bn * months),
            "share_of_ig_supply": flow / (sc.ig_supply_usd_bn * months),
        },
        columns=REBALANCING_COLUMNS,
    )


#: Periods in the trailing mean of ``flow_12p_mean_usd_bn``, and in a summary's recent window.
TRAILING_PERIODS = 12
RECENT_PERIODS = 36

#: Columns of ``results.rebalancing_summary``.
SUMMARY_COLUMNS = ["scenario", "first_date", "last_date", "periods", "aum_usd_bn", "equity_weight",
                   "mean_flow_usd_bn", "mean_abs_flow_usd_bn", "mean_share_of_treasury_supply",
                   "mean_share_of_ig_supply", "recent_periods", "recent_mean_flow_usd_bn",
                   "recent_mean_abs_flow_usd_bn"]


def with_trailing_mean(flows: pd.DataFrame, periods: int = TRAILING_PERIODS) -> pd.DataFrame:
    """``flows`` (``REBALANCING_COLUMNS`` rows, any scenarios) ordered by scenario and date, with
    ``flow_12p_mean_usd_bn``: the mean flow over each scenario's last ``periods`` periods (fewer
    at its start), USD bn per period."""
    ordered = flows.sort_values(["scenario", "obs_date"], kind="stable").reset_index(drop=True)
    ordered["flow_12p_mean_usd_bn"] = (ordered.groupby("scenario")["flow_usd_bn"]
                                       .transform(lambda s: s.rolling(periods, min_periods=1).mean()))
    return ordered


def rebalancing_summary(flows: pd.DataFrame, recent: int = RECENT_PERIODS) -> pd.DataFrame:
    """Per scenario of ``flows``: first and last period end, periods, the last AUM and equity
    weight, the mean flow and mean |flow| (USD bn per period), the mean supply shares (0–1), and
    the mean flow and mean |flow| over its last ``recent`` periods (``SUMMARY_COLUMNS``)."""
    ordered = flows.sort_values(["scenario", "obs_date"], kind="stable")
    abs_flow = ordered["flow_usd_bn"].abs()
    whole = ordered.assign(abs_flow=abs_flow).groupby("scenario").agg(
        first_date=("obs_date", "min"), last_date=("obs_date", "max"), periods=("obs_date", "size"),
        aum_usd_bn=("aum_usd_bn", "last"), equity_weight=("equity_weight", "last"),
        mean_flow_usd_bn=("flow_usd_bn", "mean"), mean_abs_flow_usd_bn=("abs_flow", "mean"),
        mean_share_of_treasury_supply=("share_of_treasury_supply", "mean"),
        mean_share_of_ig_supply=("share_of_ig_supply", "mean"))
    tail = ordered.assign(abs_flow=abs_flow).groupby("scenario").tail(recent).groupby("scenario").agg(
        recent_periods=("obs_date", "size"), recent_mean_flow_usd_bn=("flow_usd_bn", "mean"),
        recent_mean_abs_flow_usd_bn=("abs_flow", "mean"))
    return whole.join(tail).reset_index()[SUMMARY_COLUMNS]
