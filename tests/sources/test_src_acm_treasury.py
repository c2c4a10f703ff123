"""NY Fed ACM parser and live path; Treasury auction parsers (Fiscal Data JSON, TreasuryDirect CSV/XML)."""
from __future__ import annotations

import gzip
import json
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

import seesaw.sources.http
from seesaw.sources.acm import AcmSource, parse_acm_csv, parse_acm_table
from seesaw.sources.base import EmptyResponse, SeriesSpec, SourceError, held_span
from seesaw.sources.http import RateLimiter
from seesaw.sources.treasury import (
    AUCTION_COLUMNS,
    fetch_auctions,
    parse_auctions_json,
    parse_treasurydirect_csv,
    term_years,
)

ROOT = Path(__file__).resolve().parents[2] / ".." / "shared"
ACM_CSV = ROOT / "data" / "term_premium" / "ACMTermPremium.csv"
TD_CSV = ROOT / "data" / "auctions" / "data.csv"
FISCAL = ROOT / "wire" / "fiscaldata"


class FakeResponse:
    def __init__(self, status: int, content: bytes) -> None:
        self.status_code, self.content = status, content
        self.text = content.decode("utf-8", "replace")
        self.headers: dict[str, str] = {}

    def json(self) -> Any:
        return json.loads(self.content)


class FakeSession:
    """A requests.Session stand-in: serves queued responses and records params."""

    def __init__(self, *responses: FakeResponse) -> None:
        self.responses, self.calls = list(responses), []

    def get(self, url: str, params: dict[str, Any] | None = None, timeout: Any = None) -> FakeResponse:
        self.calls.append({"url": url, "params": dict(params or {}), "timeout": timeout})
        return self.responses.pop(0)


@pytest.fixture(autouse=True)
def no_throttle(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("nyfed", "fiscaldata"):
        monkeypatch.setitem(seesaw.sources.http._LIMITERS, name, RateLimiter(0.0))


def acm_spec(code: str) -> SeriesSpec:
    return SeriesSpec("us_acm", "acm", "acm", code, "M", "percent p.a.", "yield", "US")


@pytest.mark.skipif(not ACM_CSV.is_file(), reason="../shared/data is absent")
def test_acm_csv_dates_columns_and_known_values() -> None:
    wide = parse_acm_csv(ACM_CSV.read_text(encoding="utf-8"))
    assert wide.shape == (769, 30)
    assert wide.index[0] == pd.Timestamp("1961-06-30") and wide.index[-1] == pd.Timestamp("2025-06-30")
    assert wide.loc["2023-10-31", "ACMTP10"] == pytest.approx(0.419, abs=5e-4)
    assert np.max(np.abs(wide["ACMY10"] - wide["ACMTP10"] - wide["ACMRNY10"])) < 1e-9


@pytest.mark.skipif(not ACM_CSV.is_file(), reason="../shared/data is absent")
def test_acm_live_path_downloads_once_for_many_series() -> None:
    body = ACM_CSV.read_bytes()
    session = FakeSession(FakeResponse(503, b"busy"), FakeResponse(200, body))
    source = AcmSource(session=session, sleep=lambda s: None)
    tp = source.fetch(acm_spec("ACMTP10"), date(2020, 1, 1), date(2020, 12, 31))
    rny = source.fetch(acm_spec("acmrny01"), None, None)
    assert len(session.calls) == 2 and len(tp) == 12 and len(rny) == 769
    assert tp.loc[tp["obs_date"] == "2020-03-31", "value"].item() == pytest.approx(-1.155, abs=5e-4)
    with pytest.raises(SourceError, match="ACMTP11"):
        source.fetch(acm_spec("ACMTP11"), None, None)
    after = source.fetch(acm_spec("ACMTP10"), date(2030, 1, 1), None)  # a range after the workbook: no data
    assert after.empty and held_span(after) == (rny["obs_date"].min().date(), rny["obs_date"].max().date())


def test_acm_excel_date_cells_parse_too() -> None:
    table = pd.DataFrame({"DATE": ["1961-06-30T00:00:00", ""], "ACMTP10": ["0.5", ""]})
    wide = parse_acm_table(table)
    assert wide.index.tolist() == [pd.Timestamp("1961-06-30")] and wide["ACMTP10"].tolist() == [0.5]


def fiscal_page() -> bytes:
    doc = yaml.load((FISCAL / "test_treasury_auction_results_fetcher_urllib3_v2.yaml").read_text(),
                    Loader=yaml.CSafeLoader)
    return gzip.decompress(doc["interactions"][0]["response"]["body"]["string"])


@pytest.mark.skipif(not FISCAL.is_dir(), reason="../shared/wire is absent")
def test_fiscaldata_cassette_bills() -> None:
    table = parse_auctions_json(fiscal_page())
    assert list(table.columns) == AUCTION_COLUMNS and len(table) == 25
    assert (table["security_type"] == "Bill").all()
    assert table["auction_date"].between("2026-01-01", "2026-01-31").all()
    assert table["high_yield_pct"].isna().all() and table["high_rate_pct"].notna().all()
    row = table[(table["cusip"] == "912797SL2") & (table["auction_date"] == "2026-01-05")].iloc[0]
    assert row["high_rate_pct"] == 3.54 and row["bid_to_cover"] == 2.84 and row["offering_amt_usd_bn"] == 86.0
    assert row["reopening"] and row["security_term"] == "13-Week" and row["term_years"] == 0.25
    # Treasury's bid-to-cover excludes SOMA from both sides.
    ratio = ((table["total_tendered_usd_bn"] - table["soma_accepted_usd_bn"])
             / (table["total_accepted_usd_bn"] - table["soma_accepted_usd_bn"]))
    assert np.allclose(ratio, table["bid_to_cover"], atol=0.006)


@pytest.mark.skipif(not FISCAL.is_dir(), reason="../shared/wire is absent")
def test_fetch_auctions_walks_pages_and_filters() -> None:
    doc = json.loads(fiscal_page())
    first, second = dict(doc, data=doc["data"][:10]), dict(doc, data=doc["data"][10:])
    for page in (first, second):
        page["meta"] = dict(doc["meta"], **{"total-pages": 2})
    session = FakeSession(FakeResponse(429, b"slow down"), FakeResponse(200, json.dumps(first).encode()),
                          FakeResponse(200, json.dumps(second).encode()))
    table = fetch_auctions(date(2026, 1, 1), date(2026, 1, 31), session=session, sleep=lambda s: None)
    assert len(table) == 25 and table["auction_date"].is_monotonic_increasing
    params = session.calls[-1]["params"]
    assert params["page[number]"] == 2 and params["page[size]"] == 10000
    assert params["filter"] == "auction_date:gte:2026-01-01,auction_date:lte:2026-01-31"
    empty = dict(doc, data=[], meta=dict(doc["meta"], **{"total-pages": 0}))
    with pytest.raises(EmptyResponse):
        fetch_auctions(date(1900, 1, 1), date(1900, 1, 2),
                       session=FakeSession(FakeResponse(200, json.dumps(empty).encode())))


@pytest.mark.skipif(not TD_CSV.is_file(), reason="../shared/data is absent")
def test_treasurydirect_csv_ten_year_of_may_2022_matches_results_xml() -> None:
    table = parse_treasurydirect_csv(TD_CSV)
    assert list(table.columns) == AUCTION_COLUMNS and len(table) == 1657
    assert table["auction_date"].is_monotonic_increasing
    assert table["auction_date"].iloc[0] == pd.Timestamp("2008-04-14")
    assert table["auction_date"].iloc[-1] == pd.Timestamp("2022-08-09")
    assert table["security_type"].value_counts().to_dict() == {"Bill": 827, "Note": 584, "Bond": 126, "TIPS": 85,
                                                               "FRN": 35}
    row = table[(table["cusip"] == "91282CEP2") & (table["auction_date"] == "2022-05-11")].iloc[0]
    assert row["high_yield_pct"] == 2.943 and row["bid_to_cover"] == 2.49
    assert row["security_term"] == "10-Year" and row["term_years"] == 10.0 and not row["reopening"]
    xml_path = FISCAL / "R_20220511_2.xml"
    if xml_path.is_file():
        root = ET.parse(xml_path).getroot()
        results = {el.tag: (el.text or "") for el in root.iter()}
        assert float(results["HighYield"]) == row["high_yield_pct"]
        assert float(results["BidToCoverRatio"]) == row["bid_to_cover"]
        assert float(results["OfferingAmount"]) == row["offering_amt_usd_bn"]
        assert results["CUSIP"] == row["cusip"]
    reopened = table[(table["cusip"] == "91282CEP2") & table["reopening"]]
    assert reopened["security_term"].tolist() == ["9-Year 11-Month", "9-Year 10-Month"]
    assert reopened["term_years"].tolist() == pytest.approx([9 + 11 / 12, 9 + 10 / 12])


@pytest.mark.skipif(not TD_CSV.is_file(), reason="../shared/data is absent")
def test_a_reopening_is_measured_at_the_term_auctioned_not_the_original() -> None:
    """912828TY6, a 10-year note of 2012, was reopened on 2019-11-05 as the 3-year note."""
    table = parse_treasurydirect_csv(TD_CSV)
    row = table[(table["cusip"] == "912828TY6") & (table["auction_date"] == "2019-11-05")].iloc[0]
    assert (row["security_term"], row["original_security_term"], row["term_years"]) == ("3-Year", "10-Year", 3.0)


def test_term_years() -> None:
    assert term_years("9-Year 11-Month") == pytest.approx(9 + 11 / 12)
    assert term_years("13-Week") == 0.25 and term_years("119-Day") == pytest.approx(119 / 365)
    assert np.isnan(term_years(""))
