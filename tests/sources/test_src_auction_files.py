"""Auction files beyond the TreasuryDirect export: Fiscal Data ``auctions_query`` CSV exports,
a bidder-shares file of coupon auctions, and the files profile's splice of all of them."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from seesaw.sources.base import SourceError, TableSpec
from seesaw.sources.catalog import load_profile
from seesaw.sources.registry import make_source, make_table_source
from seesaw.sources.treasury import (
    AUCTION_COLUMNS,
    parse_bidder_shares_csv,
    parse_fiscaldata_csv,
    parse_treasurydirect_csv,
)
from seesaw.transforms.auctions import CMT_TENOR_YEARS, auction_metrics

HEADER = ("date,tenor,term,reopening,cusip,size_bn,high_yield,median_yield,bid_to_cover,dealer_pct,direct_pct,"
          "indirect_pct\n")


def _row(day: str, cusip: str, high_yield: float) -> str:
    return f"{day},30-Year,29-Year 10-Month,True,{cusip},22.0,{high_yield},4.7,2.43,12.3,25.8,61.9\n"


def test_bidder_shares_rows_are_typed_and_a_later_spliced_file_wins_per_auction(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(HEADER + _row("2025-04-10", "912810UG1", 4.813) + _row("2025-05-15", "X1", 5.0))
    (tmp_path / "b.csv").write_text(HEADER + _row("2025-04-10", "912810UG1", 4.9))
    table = parse_bidder_shares_csv(tmp_path / "a.csv")
    assert list(table.columns) == AUCTION_COLUMNS
    first = table.iloc[0]
    assert (first.security_type, first.original_security_term, first.reopening) == ("Bond", "30-Year", True)
    assert first.term_years == pytest.approx(29 + 10 / 12) and first.direct_pct == 25.8
    assert pd.isna(first.direct_accepted_usd_bn) and pd.isna(first.issue_date)
    spec = TableSpec("auctions", "files", "a.csv", {"layout": "bidder_shares",
                                                    "splice": [{"source_code": "b.csv", "layout": "bidder_shares"}]})
    spliced = make_table_source("files", data_dir=tmp_path).fetch_table(spec, None, None)
    assert spliced["high_yield_pct"].tolist() == [4.9, 5.0]
    with pytest.raises(SourceError, match="layouts treasurydirect, fiscaldata, bidder_shares, not 'wind'"):
        make_table_source("files", data_dir=tmp_path).fetch_table(
            TableSpec("auctions", "files", "a.csv", {"layout": "wind"}), None, None)
    (tmp_path / "bad.csv").write_text("date,cusip\n2025-04-10,X\n")
    with pytest.raises(SourceError, match="lacks columns"):
        parse_bidder_shares_csv(tmp_path / "bad.csv")


@pytest.mark.shared_data
def test_fiscal_data_exports_match_the_manifest_spot_checks(shared_data: Path) -> None:
    folder = shared_data / "auctions" / "fiscaldata_auctions_query"
    y2022 = parse_fiscaldata_csv(folder / "treasury_data_2022_to_2023.csv").set_index(["auction_date", "cusip"])
    y2023 = parse_fiscaldata_csv(folder / "treasury_data_2023_to_2024.csv").set_index(["auction_date", "cusip"])
    assert (len(y2022), len(y2023)) == (380, 428)
    may = y2022.loc[(pd.Timestamp("2022-05-11"), "91282CEP2")]
    assert (may.high_yield_pct, may.bid_to_cover) == (2.943, 2.49)
    assert may.competitive_accepted_usd_bn == pytest.approx(35.9490556)
    assert may.direct_pct + may.indirect_pct + may.primary_dealer_pct == pytest.approx(100)
    reopening = y2022.loc[(pd.Timestamp("2022-06-08"), "91282CEP2")]
    assert (reopening.high_yield_pct, reopening.bid_to_cover, reopening.reopening) == (3.03, 2.41, True)
    feb = y2023.loc[(pd.Timestamp("2023-02-08"), "91282CGM7")]
    assert (feb.high_yield_pct, feb.bid_to_cover, round(feb.indirect_pct, 2)) == (3.613, 2.66, 79.45)
    assert y2023.loc[(pd.Timestamp("2023-10-19"))].query("security_term == '4-Week'").high_rate_pct.iloc[0] == 5.305


@pytest.mark.shared_data
def test_bidder_shares_file_matches_the_manifest_spot_checks(shared_data: Path) -> None:
    table = parse_bidder_shares_csv(shared_data / "auctions" / "ust_coupon_auctions_bidder_shares_2022-2026.csv")
    assert len(table) == 400 and str(table.auction_date.max().date()) == "2026-10-06"
    rows = table.set_index(["auction_date", "cusip"])
    ten = rows.loc[(pd.Timestamp("2025-04-09"), "91282CMM0")]
    assert (ten.high_yield_pct, ten.bid_to_cover, ten.reopening) == (4.435, 2.67, True)
    assert (round(ten.indirect_pct, 1), round(ten.direct_pct, 1), round(ten.primary_dealer_pct, 1)) == (87.9, 1.4, 10.7)
    feb = rows.loc[(pd.Timestamp("2025-02-12"), "91282CMM0")]
    assert (round(feb.primary_dealer_pct, 3), round(feb.direct_pct, 3), round(feb.indirect_pct, 3)) == (
        14.838, 13.615, 71.547)


@pytest.fixture(scope="module")
def files_auctions(shared_data: Path) -> pd.DataFrame:
    """The auctions table as the files profile maps it (every auction file spliced)."""
    profile = load_profile("files")
    spec = TableSpec.from_profile("auctions", profile.tables["auctions"])
    return make_table_source("files", data_dir=shared_data).fetch_table(spec, None, None)


@pytest.mark.shared_data
def test_files_profile_splices_every_auction_file_and_keeps_treasurydirect_rows(
        shared_data: Path, files_auctions: pd.DataFrame) -> None:
    assert not files_auctions.duplicated(["auction_date", "cusip"]).any()
    assert (str(files_auctions.auction_date.min().date()), str(files_auctions.auction_date.max().date())) == (
        "2008-04-14", "2026-10-06")
    export = parse_treasurydirect_csv(shared_data / "auctions" / "data.csv")
    kept = files_auctions.merge(export[["auction_date", "cusip"]], on=["auction_date", "cusip"])
    pd.testing.assert_frame_equal(kept, export.reset_index(drop=True), check_dtype=False)
    in_2023 = files_auctions[files_auctions.auction_date.dt.year == 2023]
    bills_2023 = in_2023[in_2023.security_type == "Bill"]
    assert len(bills_2023) > 200  # the Fiscal Data export of 2023 issues, not only the coupon file


@pytest.mark.shared_data
def test_april_2025_auctions_scored_against_the_previous_12_of_their_term(
        shared_data: Path, files_auctions: pd.DataFrame) -> None:
    """Sinolink Securities macro, "US Treasuries are losing their safe-haven halo" (April 2025):
    the 3-year of 2025-04-08 and the 10- and 30-year reopenings of 04-09 and 04-10."""
    profile = load_profile("files")
    source = make_source("files", data_dir=shared_data)
    specs = {s.series_id: s for s in profile.series if s.series_id in ("us_3y", "us_10y", "us_30y")}
    cmt = pd.DataFrame({sid: source.fetch(spec, None, None).set_index("obs_date")["value"]
                        for sid, spec in specs.items() if sid in CMT_TENOR_YEARS})
    metrics = auction_metrics(files_auctions.assign(tips=files_auctions.security_type.eq("TIPS")), cmt)
    april = metrics[metrics.auction_date.between("2025-04-08", "2025-04-10")].set_index("cusip")
    april = april.drop(columns="auction_date").round(4)
    three, ten, thirty = april.loc["91282CMW8"], april.loc["91282CMM0"], april.loc["912810UG1"]
    assert (three.reference_series, three.bid_to_cover, three.direct_share, three.tail_bp) == (
        "us_3y", 2.47, 0.0624, 7.4)
    assert (three.n_prior, round(three.direct_share_z, 2), round(three.tail_z, 2), three.weak_auction) == (
        12, -2.61, 2.62, True)
    assert (ten.bid_to_cover, ten.indirect_share, round(ten.direct_share_z, 2), round(ten.indirect_share_z, 2)) == (
        2.67, 0.879, -3.47, 3.46)
    assert (thirty.bid_to_cover, thirty.tail_bp, round(thirty.tail_z, 2), round(thirty.direct_share_z, 2)) == (
        2.43, -4.7, -3.73, 1.43)
