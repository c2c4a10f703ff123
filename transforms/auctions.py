"""Treasury auction quality: tails, bid-to-cover, bidder shares and their z-scores (after Sinolink
Securities macro, "US Treasuries are losing their safe-haven halo", April 2025).

Tail proxy: when-issued yields are rarely public, so the tail here is the auction high yield
minus the same-day constant-maturity (CMT) yield of the auction's maturity, in bp. The
reference is the CMT tenor nearest the auction's ``term_years`` when one lies within
``match_tolerance_years`` (reopenings such as a 9-year 10-month note use the 10-year), otherwise
the linear interpolation in maturity between the two bracketing CMT tenors present in the frame
(e.g. 3-year auctions when only ``us_2y`` and ``us_5y`` exist). CMT yields are end-of-day
(about 3:30 pm) while auctions close at 1 pm, so the proxy also carries the afternoon's move;
read z-scores of the tail, not its level. If the auction day has no CMT print the latest earlier
print (up to 5 days) is used.

Bidder shares are fractions (0–1) of the competitive amount allotted to direct, indirect and
primary-dealer bidders (their sum), which excludes SOMA add-ons and non-competitive awards; they
come from the accepted amounts, or from published percentages where a row has no amounts.
z-scores compare each auction with the previous ``n_prior`` auctions of the same security type
and term bucket (prior only, no look-ahead).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "AUCTION_METRICS_COLUMNS",
    "CMT_TENOR_YEARS",
    "auction_metrics",
    "reference_yields",
    "term_bucket",
]

CMT_TENOR_YEARS: dict[str, float] = {
    "us_1m": 1 / 12,
    "us_3m": 0.25,
    "us_6m": 0.5,
    "us_1y": 1.0,
    "us_2y": 2.0,
    "us_3y": 3.0,
    "us_5y": 5.0,
    "us_7y": 7.0,
    "us_10y": 10.0,
    "us_20y": 20.0,
    "us_30y": 30.0,
}
"""Maturity in years of each constant-maturity Treasury series id."""

AUCTION_METRICS_COLUMNS = [
    "auction_date",
    "cusip",
    "security_type",
    "security_term",
    "term_years",
    "high_yield_pct",
    "reference_yield_pct",
    "reference_series",
    "tail_bp",
    "bid_to_cover",
    "direct_share",
    "indirect_share",
    "dealer_share",
    "tail_z",
    "btc_z",
    "dealer_share_z",
    "indirect_share_z",
    "direct_share_z",
    "weak_auction",
    "n_prior",
]

_REQUIRED = [
    "auction_date",
    "cusip",
    "security_type",
    "security_term",
    "term_years",
    "high_yield_pct",
    "bid_to_cover",
    "direct_accepted_usd_bn",
    "indirect_accepted_usd_bn",
    "primary_dealer_accepted_usd_bn",
]
#: Share column (fraction) -> (accepted amount, published percentage) it comes from.
_SHARE_INPUTS = {
    "direct_share": ("direct_accepted_usd_bn", "direct_pct"),
    "indirect_share": ("indirect_accepted_usd_bn", "indirect_pct"),
    "dealer_share": ("primary_dealer_accepted_usd_bn", "primary_dealer_pct"),
}


def term_bucket(security_type: pd.Series, term_years: pd.Series) -> pd.Series:
    """Comparison group of each auction: bills by weeks, coupons by whole years.

    A 9-year 10-month reopening falls in the 10-year bucket with the original issues; bills
    keep their week count (4, 8, 13, 26, 52 weeks).
    """
    is_bill = security_type.str.lower().eq("bill")
    weeks = (term_years * 52).round().astype("Int64").astype(str) + "w"
    years = term_years.round().astype("Int64").astype(str) + "y"
    return security_type.str.cat(weeks.where(is_bill, years), sep=" ")


def reference_yields(
    auction_date: pd.Series,
    term_years: pd.Series,
    cmt_pct: pd.DataFrame,
    match_tolerance_years: float = 0.5,
    max_stale_days: int = 5,
) -> pd.DataFrame:
    """Same-day CMT reference yield (percent) for each auction; see the module docstring.

    Returns
    -------
    pd.DataFrame
        ``reference_yield_pct`` and ``reference_series`` (a series id, or ``"us_2y~us_5y"``
        for an interpolated reference), aligned with the inputs.
    """
    cols = sorted((c for c in cmt_pct.columns if c in CMT_TENOR_YEARS), key=CMT_TENOR_YEARS.__getitem__)
    if not cols:
        raise ValueError(f"no CMT series among {list(CMT_TENOR_YEARS)} in the reference frame")
    tenors = np.array([CMT_TENOR_YEARS[c] for c in cols])
    daily = cmt_pct[cols].sort_index().ffill(limit=max_stale_days)
    daily.index = pd.DatetimeIndex(daily.index).normalize()
    dates = pd.DatetimeIndex(pd.to_datetime(auction_date)).normalize()
    on_day = daily.reindex(dates, method="ffill").to_numpy(dtype=float, copy=True)
    if len(daily):
        on_day[dates < daily.index[0]] = np.nan

    term = term_years.to_numpy(dtype=float)
    nearest = np.abs(term[:, None] - tenors[None, :]).argmin(axis=1)
    exact = np.abs(tenors[nearest] - term) <= match_tolerance_years
    upper = np.clip(np.searchsorted(tenors, term), 1, len(tenors) - 1)
    lower = upper - 1
    if len(tenors) > 1:
        weight = np.clip((term - tenors[lower]) / (tenors[upper] - tenors[lower]), 0.0, 1.0)
    else:
        weight = np.zeros_like(term)
        upper = lower
    rows = np.arange(len(term))
    interpolated = (1 - weight) * on_day[rows, lower] + weight * on_day[rows, upper]
    value = np.where(exact, on_day[rows, nearest], interpolated)
    labels = np.array(cols, dtype=object)
    series = np.where(exact, labels[nearest], labels[lower] + "~" + labels[upper])
    series = np.where(np.isnan(term), None, series)
    return pd.DataFrame(
        {"reference_yield_pct": value, "reference_series": series}, index=term_years.index
    )


def _prior_z(values: pd.Series, groups: pd.Series, n_prior: int, min_prior: int) -> pd.Series:
    """z-score of each value vs the previous ``n_prior`` values of its group (prior only)."""
    prior = values.groupby(groups).shift(1)
    rolling = prior.groupby(groups).rolling(n_prior, min_periods=min_prior)
    mean = rolling.mean().droplevel(0).reindex(values.index)
    std = rolling.std().droplevel(0).reindex(values.index)
    return (values - mean) / std.where(std > 0)


def auction_metrics(
    auctions: pd.DataFrame,
    cmt_pct: pd.DataFrame,
    n_prior: int = 12,
    min_prior: int = 4,
    tail_z_min: float = 1.0,
    btc_z_max: float = -1.0,
    dealer_share_z_min: float = 1.5,
    match_tolerance_years: float = 0.5,
) -> pd.DataFrame:
    """``results.auction_metrics`` rows for each auction.

    Parameters
    ----------
    auctions : pd.DataFrame
        One row per auction: ``auction_date, cusip, security_type ('Bill'|'Note'|'Bond'),
        security_term, term_years, high_yield_pct, bid_to_cover, direct_accepted_usd_bn,
        indirect_accepted_usd_bn, primary_dealer_accepted_usd_bn`` and optionally
        ``direct_pct, indirect_pct, primary_dealer_pct`` (percent of competitive awards, used
        where the amounts are missing; other columns ignored). An
        optional boolean ``tips`` column marks inflation-indexed auctions: their high yield is
        real, so they get no nominal tail and form their own comparison groups. Coupon
        auctions without a high yield (floating-rate notes) likewise form their own groups.
    cmt_pct : pd.DataFrame
        Daily CMT yields in percent, columns among ``CMT_TENOR_YEARS``.
    n_prior, min_prior : int
        Window of previous same-bucket auctions for z-scores (default 12) and the minimum
        needed for a z-score.
    tail_z_min, btc_z_max, dealer_share_z_min : float
        Weak auction = (tail_z > tail_z_min and btc_z < btc_z_max) or
        dealer_share_z > dealer_share_z_min (defaults 1, -1, 1.5).
    match_tolerance_years : float
        Max distance to use the nearest CMT tenor rather than interpolate.

    Returns
    -------
    pd.DataFrame
        Columns ``AUCTION_METRICS_COLUMNS``, sorted by auction date; ``tail_bp`` in bp,
        shares as fractions.
    """
    missing = [c for c in _REQUIRED if c not in auctions.columns]
    if missing:
        raise ValueError(f"auction rows lack columns {missing}")
    df = auctions.copy()
    df["auction_date"] = pd.to_datetime(df["auction_date"]).dt.normalize()
    df = df.sort_values(["auction_date", "cusip"], kind="stable", ignore_index=True)
    df["term_years"] = df["term_years"].astype(float)
    df["high_yield_pct"] = df["high_yield_pct"].astype(float)

    tips = (
        df["tips"].fillna(False).astype(bool)
        if "tips" in df.columns
        else pd.Series(False, index=df.index)
    )
    is_bill = df["security_type"].str.lower().eq("bill")
    floating = ~is_bill & df["high_yield_pct"].isna()
    kind = pd.Series("", index=df.index).mask(tips, " tips").mask(floating & ~tips, " frn")
    groups = term_bucket(df["security_type"], df["term_years"]) + kind

    ref = reference_yields(df["auction_date"], df["term_years"], cmt_pct, match_tolerance_years)
    ref["reference_yield_pct"] = ref["reference_yield_pct"].mask(tips)
    ref["reference_series"] = ref["reference_series"].mask(tips)
    df = df.join(ref)
    df["tail_bp"] = (df["high_yield_pct"] - df["reference_yield_pct"]) * 100.0

    allotted = df[[amount for amount, _ in _SHARE_INPUTS.values()]].astype(float)
    competitive = allotted.sum(axis=1, min_count=3)
    competitive = competitive.where(competitive > 0)
    for share, (amount, pct) in _SHARE_INPUTS.items():
        published = df[pct].astype(float) / 100.0 if pct in df.columns else np.nan
        df[share] = (allotted[amount] / competitive).fillna(published)
    df["bid_to_cover"] = df["bid_to_cover"].astype(float)

    for src, dst in (
        ("tail_bp", "tail_z"),
        ("bid_to_cover", "btc_z"),
        ("dealer_share", "dealer_share_z"),
        ("indirect_share", "indirect_share_z"),
        ("direct_share", "direct_share_z"),
    ):
        df[dst] = _prior_z(df[src], groups, n_prior, min_prior)
    df["n_prior"] = groups.groupby(groups).cumcount().clip(upper=n_prior).astype(int)
    weak = ((df["tail_z"] > tail_z_min) & (df["btc_z"] < btc_z_max)) | (
        df["dealer_share_z"] > dealer_share_z_min
    )
    df["weak_auction"] = weak.fillna(False).astype(bool)
    return df[AUCTION_METRICS_COLUMNS]
