"""Auction metrics: tail proxy, bidder shares, prior-only z-scores; TreasuryDirect 2008–2022."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seesaw.transforms.auctions import (
    AUCTION_METRICS_COLUMNS,
    auction_metrics,
    reference_yields,
    term_bucket,
)

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def _auctions(n: int = 20, term: float = 10.0) -> pd.DataFrame:
    dates = pd.date_range("2020-01-08", periods=n, freq="MS") + pd.Timedelta(days=7)
    rng = np.random.default_rng(5)
    return pd.DataFrame(
        {
            "auction_date": dates,
            "cusip": [f"C{i:08d}" for i in range(n)],
            "security_type": "Note",
            "security_term": "10-Year",
            "term_years": term,
            "reopening": False,
            "high_yield_pct": 2.0 + rng.normal(0, 0.01, n),
            "bid_to_cover": 2.4 + rng.normal(0, 0.1, n),
            "offering_amt_usd_bn": 36.0,
            "total_accepted_usd_bn": 40.0,
            "direct_accepted_usd_bn": 6.0 + rng.normal(0, 0.5, n),
            "indirect_accepted_usd_bn": 24.0 + rng.normal(0, 0.5, n),
            "primary_dealer_accepted_usd_bn": 6.0 + rng.normal(0, 0.5, n),
        }
    )


def _cmt(dates: pd.DatetimeIndex) -> pd.DataFrame:
    idx = pd.bdate_range(dates.min() - pd.Timedelta(days=10), dates.max() + pd.Timedelta(days=3))
    return pd.DataFrame({"us_2y": 1.5, "us_5y": 1.8, "us_10y": 2.0}, index=idx)


def test_tail_shares_and_reference() -> None:
    auc = _auctions()
    out = auction_metrics(auc, _cmt(auc.auction_date))
    assert list(out.columns) == AUCTION_METRICS_COLUMNS
    np.testing.assert_allclose(out.tail_bp, (auc.high_yield_pct - 2.0) * 100)
    np.testing.assert_allclose(out.direct_share + out.indirect_share + out.dealer_share, 1.0)
    assert set(out.reference_series) == {"us_10y"}
    assert out.n_prior.tolist() == list(range(12)) + [12] * 8
    assert out.tail_z.iloc[:4].isna().all() and out.tail_z.iloc[4:].notna().all()


def test_z_scores_use_prior_auctions_only() -> None:
    auc = _auctions()
    cmt = _cmt(auc.auction_date)
    base = auction_metrics(auc, cmt)
    # z of auction 15 equals the z against the 12 auctions before it
    prior = base.tail_bp.iloc[3:15]
    expected = (base.tail_bp.iloc[15] - prior.mean()) / prior.std()
    assert base.tail_z.iloc[15] == pytest.approx(expected)
    # changing the last auction leaves every earlier z unchanged (no look-ahead)
    shocked = auc.copy()
    shocked.loc[19, "high_yield_pct"] += 0.10
    shocked.loc[19, "bid_to_cover"] -= 0.5
    out = auction_metrics(shocked, cmt)
    pd.testing.assert_frame_equal(out.iloc[:19], base.iloc[:19])
    last = out.iloc[19]
    assert last.tail_z > 1 and last.btc_z < -1 and bool(last.weak_auction)


def test_reference_interpolation_and_buckets() -> None:
    dates = pd.Series(pd.to_datetime(["2021-03-09", "2021-03-10", "2021-03-10"]))
    terms = pd.Series([3.0, 9.0 + 10 / 12, 10.0])
    cmt = _cmt(pd.DatetimeIndex(dates))
    ref = reference_yields(dates, terms, cmt)
    assert ref.reference_series.tolist() == ["us_2y~us_5y", "us_10y", "us_10y"]
    assert ref.reference_yield_pct.iloc[0] == pytest.approx(1.5 + 0.3 / 3)
    buckets = term_bucket(
        pd.Series(["Note", "Note", "Bill", "Bill"]), pd.Series([9.83, 10.0, 4 / 52, 1.0])
    )
    assert buckets.tolist() == ["Note 10y", "Note 10y", "Bill 4w", "Bill 52w"]
    with pytest.raises(ValueError, match="lack columns"):
        auction_metrics(_auctions().drop(columns="bid_to_cover"), cmt)


def _term_years(term: str) -> float:
    parts = {unit: int(num) for num, unit in re.findall(r"(\d+)-(Year|Month|Week|Day)", term)}
    return (
        parts.get("Year", 0)
        + parts.get("Month", 0) / 12
        + parts.get("Week", 0) / 52
        + parts.get("Day", 0) / 365
    )


CMT_FILES = {
    "us_1m": "DGS1MO",
    "us_3m": "DGS3MO",
    "us_6m": "DGS6MO",
    "us_1y": "DGS1",
    "us_2y": "DGS2",
    "us_5y": "DGS5",
    "us_7y": "DGS7",
    "us_10y": "DGS10",
    "us_20y": "DGS20",
    "us_30y": "DGS30",
}


def load_treasury_direct() -> tuple[pd.DataFrame, pd.DataFrame]:
    """TreasuryDirect auctions (UTF-16, PowerShell type line) and FRED CMT yields."""
    raw = pd.read_csv(DATA / "auctions" / "data.csv", encoding="utf-16", skiprows=1)

    def bn(col: str) -> pd.Series:
        return pd.to_numeric(raw[col], errors="coerce") / 1e9

    auctions = pd.DataFrame(
        {
            "auction_date": pd.to_datetime(raw["auctionDate"]),
            "cusip": raw["cusip"],
            "security_type": raw["securityType"],
            "security_term": raw["securityTerm"],
            "term_years": raw["securityTerm"].map(_term_years),
            "reopening": raw["reopening"].eq("Yes"),
            "high_yield_pct": pd.to_numeric(raw["highYield"], errors="coerce"),
            "bid_to_cover": pd.to_numeric(raw["bidToCoverRatio"], errors="coerce"),
            "offering_amt_usd_bn": bn("offeringAmount"),
            "total_accepted_usd_bn": bn("totalAccepted"),
            "direct_accepted_usd_bn": bn("directBidderAccepted"),
            "indirect_accepted_usd_bn": bn("indirectBidderAccepted"),
            "primary_dealer_accepted_usd_bn": bn("primaryDealerAccepted"),
            "tips": raw["tips"].eq("Yes"),
        }
    )
    cmt = pd.concat(
        {
            sid: pd.read_csv(DATA / "fred_daily" / f"{code}.csv", index_col=0, parse_dates=True)[
                code
            ]
            for sid, code in CMT_FILES.items()
        },
        axis=1,
        sort=True,
    )
    return auctions, cmt


@pytest.mark.shared_data
def test_treasury_direct_2008_2022() -> None:
    if not (DATA / "auctions" / "data.csv").exists():
        pytest.skip("needs ../shared/data/auctions/data.csv")
    auctions, cmt = load_treasury_direct()
    out = auction_metrics(auctions, cmt)
    assert len(out) == 1657
    assert out.auction_date.min() == pd.Timestamp("2008-04-14")
    assert out.auction_date.is_monotonic_increasing
    ten = out[(out.auction_date == "2022-05-11") & (out.security_term == "10-Year")].iloc[0]
    print(
        f"2022-05-11 10y: high {ten.high_yield_pct} vs DGS10 {ten.reference_yield_pct} -> tail "
        f"{ten.tail_bp:+.1f}bp (z {ten.tail_z:.2f}), BTC {ten.bid_to_cover} (z {ten.btc_z:.2f}), "
        f"dealers {ten.dealer_share:.1%}, weak={ten.weak_auction}"
    )
    assert ten.high_yield_pct == pytest.approx(2.943)
    assert ten.bid_to_cover == pytest.approx(2.49)
    assert ten.reference_series == "us_10y" and ten.reference_yield_pct == pytest.approx(2.91)
    assert ten.tail_bp == pytest.approx(3.3)
    assert ten.n_prior == 12
    # shares from the published allotments: direct 6.545, indirect 25.272, dealers 4.132 ($bn)
    assert ten.direct_share == pytest.approx(6.545 / 35.9490556, rel=1e-6)
    coupons = out[out.security_type != "Bill"]
    ordered = auctions.sort_values(["auction_date", "cusip"], kind="stable", ignore_index=True)
    assert (ordered.cusip == out.cusip).all()
    tips = ordered.loc[coupons.index, "tips"].to_numpy()
    assert coupons.loc[tips, "tail_bp"].isna().all()
    assert coupons.loc[~tips, "tail_bp"].notna().mean() > 0.95
    assert out.weak_auction.dtype == bool and 0.01 < out.weak_auction.mean() < 0.2


def test_published_shares_stand_in_for_missing_amounts_and_direct_share_has_a_z_score() -> None:
    auc = _auctions()
    amounts = auction_metrics(auc, _cmt(auc.auction_date))
    classes = ["direct_accepted_usd_bn", "indirect_accepted_usd_bn", "primary_dealer_accepted_usd_bn"]
    competitive = auc[classes].sum(axis=1)
    shares_only = auc.assign(
        direct_pct=auc.direct_accepted_usd_bn / competitive * 100,
        indirect_pct=auc.indirect_accepted_usd_bn / competitive * 100,
        primary_dealer_pct=auc.primary_dealer_accepted_usd_bn / competitive * 100,
        direct_accepted_usd_bn=np.nan, indirect_accepted_usd_bn=np.nan, primary_dealer_accepted_usd_bn=np.nan,
    )
    published = auction_metrics(shares_only, _cmt(auc.auction_date))
    for column in ("direct_share", "indirect_share", "dealer_share", "direct_share_z", "indirect_share_z"):
        np.testing.assert_allclose(published[column], amounts[column], err_msg=column)
    previous_12 = amounts.direct_share.iloc[7:19]
    expected = (amounts.direct_share.iloc[-1] - previous_12.mean()) / previous_12.std()
    assert amounts.direct_share_z.iloc[-1] == pytest.approx(expected)
