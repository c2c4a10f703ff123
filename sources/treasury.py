"""US Treasury auction results: a table (one row per auction), not a series.

Inputs normalised to the same columns (``AUCTION_COLUMNS``):

* the Fiscal Data API ``/v1/accounting/od/auctions_query`` (keyless, JSON, paginated; fields
  snake_case, amounts in USD, n/a fields as the string ``'null'``) via ``fetch_auctions`` and
  the pure ``parse_auctions_json``;
* a TreasuryDirect securities export (``parse_treasurydirect_csv``: UTF-16 with BOM, a
  PowerShell ``#TYPE`` line to skip, camelCase fields, ``'2022-05-11T00:00:00'`` dates,
  newest first);
* a Fiscal Data ``auctions_query`` export saved as CSV (``parse_fiscaldata_csv``: the API's
  fields as columns, ``'null'`` for n/a, rows in record-date order);
* a bidder-shares table of nominal note and bond auctions (``parse_bidder_shares_csv``: one row
  per auction with high and median yield, bid-to-cover, offering size and the dealer, direct and
  indirect shares of competitive awards, but no dollar amounts accepted; those columns are NaN).

``TreasurySource`` serves the API as the ``treasury`` table source; the ``files`` source reads
the files (``seesaw.sources.files.TABLE_PARSERS``).

Columns (dates are midnight ``datetime64``; ``_pct`` percent; ``_usd_bn`` USD billions):

==============================  ===========================================================
auction_date                    auction date
issue_date, maturity_date       settlement and maturity dates
cusip                           CUSIP of the security auctioned
security_type                   Bill, Note, Bond, TIPS, FRN or CMB (cash-management bill)
security_term                   term of the security at this auction ('9-Year 11-Month')
original_security_term          term when first issued ('10-Year'); equals security_term
                                for new issues
term_years                      term at this auction in years, from ``security_term`` (weeks/52,
                                days/365, months/12): a 10-year note reopened as a 3-year counts
                                as a 3-year, a '9-Year 11-Month' reopening as 9.92 years
reopening                       True when the auction reopens an existing CUSIP
interest_rate_pct               coupon (notes/bonds/TIPS); NaN for bills and FRNs
high_yield_pct                  stop-out yield (notes/bonds/TIPS); NaN for bills
high_rate_pct                   stop-out discount rate (bills) or FRN high discount margin
high_investment_rate_pct        bills: coupon-equivalent yield of the stop-out price
low_yield_pct, avg_med_yield_pct  lowest and median accepted yield (coupons)
high_price                      price per 100 at the stop-out
price_per100                    price per 100 paid by all accepted bidders
bid_to_cover                    tendered / accepted, both excluding SOMA (Treasury's ratio)
offering_amt_usd_bn             announced offering amount
total_tendered_usd_bn           all tenders
total_accepted_usd_bn           all accepted tenders (incl. SOMA add-ons)
competitive_accepted_usd_bn     competitive tenders accepted
noncompetitive_accepted_usd_bn  non-competitive tenders accepted
direct_accepted_usd_bn          direct bidders accepted
indirect_accepted_usd_bn        indirect bidders (foreign official etc.) accepted
primary_dealer_accepted_usd_bn  primary dealers accepted
primary_dealer_tendered_usd_bn  primary dealers tendered
soma_accepted_usd_bn            Fed SOMA rollover accepted (on top of the offering)
direct_pct, indirect_pct,       shares of the competitive awards to direct bidders, indirect
primary_dealer_pct              bidders and primary dealers, percent of their sum (excludes
                                SOMA and non-competitive awards; sums to 100); computed from
                                the accepted amounts, or as published where amounts are absent
==============================  ===========================================================
"""
from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import requests

from seesaw.sources.base import EmptyResponse, SourceError, TableSpec, json_records
from seesaw.sources.http import http_get, with_retries

FISCALDATA_URL = "https://api.fiscaldata.treasury.gov/services/api/fiscal_service/v1/accounting/od/auctions_query"
PAGE_SIZE = 10_000

AUCTION_COLUMNS = [
    "auction_date", "issue_date", "maturity_date", "cusip", "security_type", "security_term",
    "original_security_term", "term_years", "reopening", "interest_rate_pct", "high_yield_pct",
    "high_rate_pct", "high_investment_rate_pct", "low_yield_pct", "avg_med_yield_pct", "high_price",
    "price_per100", "bid_to_cover", "offering_amt_usd_bn", "total_tendered_usd_bn",
    "total_accepted_usd_bn", "competitive_accepted_usd_bn", "noncompetitive_accepted_usd_bn",
    "direct_accepted_usd_bn", "indirect_accepted_usd_bn", "primary_dealer_accepted_usd_bn",
    "primary_dealer_tendered_usd_bn", "soma_accepted_usd_bn", "direct_pct", "indirect_pct", "primary_dealer_pct",
]
#: Bidder classes of the competitive awards: share column -> accepted-amount column.
_SHARES = {
    "direct_pct": "direct_accepted_usd_bn",
    "indirect_pct": "indirect_accepted_usd_bn",
    "primary_dealer_pct": "primary_dealer_accepted_usd_bn",
}

#: Output column -> (Fiscal Data API field, TreasuryDirect field).
_FIELDS: dict[str, tuple[str, str]] = {
    "auction_date": ("auction_date", "auctionDate"),
    "issue_date": ("issue_date", "issueDate"),
    "maturity_date": ("maturity_date", "maturityDate"),
    "cusip": ("cusip", "cusip"),
    "security_term": ("security_term", "securityTerm"),
    "original_security_term": ("original_security_term", "originalSecurityTerm"),
    "reopening": ("reopening", "reopening"),
    "interest_rate_pct": ("int_rate", "interestRate"),
    "high_yield_pct": ("high_yield", "highYield"),
    "high_rate_pct": ("high_discnt_rate", "highDiscountRate"),
    "high_investment_rate_pct": ("high_investment_rate", "highInvestmentRate"),
    "low_yield_pct": ("low_yield", "lowYield"),
    "avg_med_yield_pct": ("avg_med_yield", "averageMedianYield"),
    "high_price": ("high_price", "highPrice"),
    "price_per100": ("price_per100", "pricePer100"),
    "bid_to_cover": ("bid_to_cover_ratio", "bidToCoverRatio"),
    "offering_amt_usd_bn": ("offering_amt", "offeringAmount"),
    "total_tendered_usd_bn": ("total_tendered", "totalTendered"),
    "total_accepted_usd_bn": ("total_accepted", "totalAccepted"),
    "competitive_accepted_usd_bn": ("comp_accepted", "competitiveAccepted"),
    "noncompetitive_accepted_usd_bn": ("noncomp_accepted", "noncompetitiveAccepted"),
    "direct_accepted_usd_bn": ("direct_bidder_accepted", "directBidderAccepted"),
    "indirect_accepted_usd_bn": ("indirect_bidder_accepted", "indirectBidderAccepted"),
    "primary_dealer_accepted_usd_bn": ("primary_dealer_accepted", "primaryDealerAccepted"),
    "primary_dealer_tendered_usd_bn": ("primary_dealer_tendered", "primaryDealerTendered"),
    "soma_accepted_usd_bn": ("soma_accepted", "somaAccepted"),
}
#: Flags that refine the base type (Bill/Note/Bond): API field, TreasuryDirect field.
_FLAGS = {
    "TIPS": ("inflation_index_security", "tips"),
    "FRN": ("floating_rate", "floatingRate"),
    "CMB": ("cash_management_bill_cmb", "cashManagementBillCMB"),
}
_TERM_PART = re.compile(r"(\d+)-(Year|Month|Week|Day)", re.IGNORECASE)
_YEARS_PER = {"year": 1.0, "month": 1 / 12, "week": 1 / 52, "day": 1 / 365}
_NULL = {"", "null", "None", "NaN"}
#: Fiscal Data fields without which a page is not an auctions page.
_API_REQUIRED = ("auction_date", "cusip", "security_type")


def term_years(term: str) -> float:
    """Years in a Treasury term string: '10-Year' -> 10, '9-Year 11-Month' -> 9.9167,
    '13-Week' -> 0.25, '119-Day' -> 0.326; NaN when nothing matches."""
    parts = _TERM_PART.findall(term or "")
    if not parts:
        return float("nan")
    return float(sum(int(n) * _YEARS_PER[unit.lower()] for n, unit in parts))


def _normalise(raw: pd.DataFrame, source: int) -> pd.DataFrame:
    """Map raw string fields (``source`` 0 = API, 1 = TreasuryDirect) to ``AUCTION_COLUMNS``."""
    def field(name: str) -> pd.Series:
        key = _FIELDS[name][source]
        col = raw[key] if key in raw.columns else pd.Series("", index=raw.index)
        col = col.astype(str).fillna("").str.strip()
        return col.where(~col.isin(_NULL), "")

    out = pd.DataFrame(index=raw.index)
    for name in ("auction_date", "issue_date", "maturity_date"):
        out[name] = pd.to_datetime(field(name).str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    out["cusip"] = field("cusip")
    base_key = "security_type" if source == 0 else "securityType"
    security_type = raw[base_key].astype(str).fillna("").str.strip().str.title()
    for label, keys in _FLAGS.items():
        key = keys[source]
        if key in raw.columns:
            security_type = security_type.mask(raw[key].astype(str).str.strip().isin({"Yes", "Y"}), label)
    out["security_type"] = security_type
    out["security_term"] = field("security_term")
    original = field("original_security_term")
    out["original_security_term"] = original.where(original != "", out["security_term"])
    # The term that is auctioned is the remaining one: 912828TY6 (a 10-year note of 2012) was
    # reopened on 2019-11-05 as the 3-year; its tail belongs beside the 3-year yield.
    out["term_years"] = out["security_term"].map(term_years).astype(float)
    out["reopening"] = field("reopening").isin({"Yes", "Y"})
    for name in _FIELDS:
        if name in out.columns:
            continue
        values = pd.to_numeric(field(name), errors="coerce").astype(float)
        out[name] = values / 1e9 if name.endswith("_usd_bn") else values
    awarded = out[list(_SHARES.values())].sum(axis=1, min_count=len(_SHARES))
    awarded = awarded.where(awarded > 0)
    for share, amount in _SHARES.items():
        out[share] = out[amount] / awarded * 100.0
    out = out[AUCTION_COLUMNS].sort_values(["auction_date", "cusip"], kind="stable")
    return out.reset_index(drop=True)


def _read_csv_text(path: str | Path, what: str) -> pd.DataFrame:
    """An all-string table of a UTF-8 CSV file (nothing treated as missing yet)."""
    try:
        return pd.read_csv(io.StringIO(Path(path).read_bytes().decode("utf-8-sig")), dtype=str,
                           keep_default_na=False)
    except (ValueError, UnicodeDecodeError) as exc:  # ParserError, EmptyDataError, bad bytes
        raise SourceError(f"{what}: does not parse as UTF-8 CSV: {exc}") from None


def parse_fiscaldata_csv(path: str | Path) -> pd.DataFrame:
    """Parse a Fiscal Data ``auctions_query`` export saved as CSV (the API's records, one per
    row, its field names as header) into the table, oldest auction first."""
    raw = _read_csv_text(path, f"Fiscal Data CSV {path}")
    missing = [f for f in _API_REQUIRED if f not in raw.columns]
    if missing:
        raise SourceError(f"Fiscal Data CSV {path}: lacks columns {missing} (columns: {list(raw.columns)[:6]}...)")
    return _normalise(raw, 0)


#: Columns of a bidder-shares file (``parse_bidder_shares_csv``).
BIDDER_SHARES_COLUMNS = ("date", "tenor", "term", "reopening", "cusip", "size_bn", "high_yield", "median_yield",
                         "bid_to_cover", "dealer_pct", "direct_pct", "indirect_pct")


def parse_bidder_shares_csv(path: str | Path) -> pd.DataFrame:
    """Parse a bidder-shares file of nominal note and bond auctions into the table.

    Header ``date,tenor,term,reopening,cusip,size_bn,high_yield,median_yield,bid_to_cover,
    dealer_pct,direct_pct,indirect_pct`` (further columns ignored): ``tenor`` is the original
    term, ``term`` the term at this auction, ``reopening`` ``True``/``False``, ``size_bn`` the
    offering in USD bn, yields in percent, shares in percent of competitive awards. Terms over
    10 years are Bonds, the rest Notes; columns the file lacks (amounts, dates other than the
    auction's, prices) are NaN.
    """
    raw = _read_csv_text(path, f"bidder-shares CSV {path}")
    missing = [c for c in BIDDER_SHARES_COLUMNS if c not in raw.columns]
    if missing:
        raise SourceError(f"bidder-shares CSV {path}: lacks columns {missing} (columns: {list(raw.columns)[:6]}...)")
    text = raw.apply(lambda col: col.str.strip())
    out = pd.DataFrame({c: pd.Series(float("nan"), index=raw.index) for c in AUCTION_COLUMNS})
    out["auction_date"] = pd.to_datetime(text["date"], format="%Y-%m-%d", errors="coerce")
    out["issue_date"] = out["maturity_date"] = pd.Series(pd.NaT, index=raw.index, dtype=out["auction_date"].dtype)
    out["cusip"] = text["cusip"]
    out["security_term"] = text["term"]
    out["original_security_term"] = text["tenor"]
    out["term_years"] = text["term"].map(term_years).astype(float)
    out["security_type"] = text["tenor"].map(term_years).gt(10).map({True: "Bond", False: "Note"})
    out["reopening"] = text["reopening"].str.lower().eq("true")
    numbers = {"high_yield_pct": "high_yield", "avg_med_yield_pct": "median_yield", "bid_to_cover": "bid_to_cover",
               "offering_amt_usd_bn": "size_bn", "direct_pct": "direct_pct", "indirect_pct": "indirect_pct",
               "primary_dealer_pct": "dealer_pct"}
    for name, column in numbers.items():
        out[name] = pd.to_numeric(text[column].where(~text[column].isin(_NULL)), errors="coerce").astype(float)
    if out["auction_date"].isna().any():
        bad = text["date"][out["auction_date"].isna()].iloc[0]
        raise SourceError(f"bidder-shares CSV {path}: auction date {bad!r} is not YYYY-MM-DD")
    return out.sort_values(["auction_date", "cusip"], kind="stable").reset_index(drop=True)


def parse_auctions_json(payload: str | bytes | dict[str, Any]) -> pd.DataFrame:
    """Parse one Fiscal Data ``auctions_query`` page (``{data, meta, links}``) into the table.

    Raises ``SourceError`` when the payload is not JSON, not an object, its ``data`` is not a
    list of objects, or a field every auction needs (``_API_REQUIRED``) is absent from the page.
    """
    if isinstance(payload, (str, bytes)):
        try:
            doc = json.loads(payload)
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
            raise SourceError(f"Fiscal Data auctions: payload is not JSON ({exc})") from None
    else:
        doc = payload
    raw = pd.DataFrame(json_records(doc, "data", "Fiscal Data auctions"), dtype=str)
    if raw.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in AUCTION_COLUMNS})
    missing = [f for f in _API_REQUIRED if f not in raw.columns]
    if missing:
        raise SourceError(f"Fiscal Data auctions: records lack required fields {missing} "
                          f"(fields: {list(raw.columns)[:8]})")
    return _normalise(raw, 0)


def parse_treasurydirect_csv(path_or_bytes: str | Path | bytes) -> pd.DataFrame:
    """Parse a TreasuryDirect securities CSV (UTF-16 with ``#TYPE`` line) into the table,
    oldest auction first. Bytes that do not decode or parse as that export raise ``SourceError``."""
    what = "TreasuryDirect CSV" if isinstance(path_or_bytes, bytes) else f"TreasuryDirect CSV {path_or_bytes}"
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
    try:
        text = data.decode("utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{what}: not UTF-16 (with BOM) or UTF-8 text: {exc}") from None
    lines = text.splitlines()
    skip = 1 if lines and lines[0].startswith("#TYPE") else 0
    try:
        raw = pd.read_csv(io.StringIO("\n".join(lines[skip:])), dtype=str, keep_default_na=False)
    except ValueError as exc:  # pandas' ParserError and EmptyDataError
        raise SourceError(f"{what}: does not parse as CSV: {exc}") from None
    if "securityType" not in raw.columns:
        raise SourceError(f"not a TreasuryDirect securities export (columns: {list(raw.columns)[:6]}...)")
    return _normalise(raw, 1)


def fetch_auctions(start: date, end: date, *, url: str = FISCALDATA_URL,
                   session: requests.Session | None = None, tries: int = 4,
                   sleep: Callable[[float], None] = time.sleep,
                   timeout: float | tuple[float, float] = (10.0, 60.0)) -> pd.DataFrame:
    """All auctions with ``start <= auction_date <= end`` from the Fiscal Data API.

    Walks ``page[number]`` until ``meta['total-pages']``; raises ``EmptyResponse`` when the
    API returns no auction in the range.
    """
    if end < start:
        raise SourceError(f"auction range {start}..{end} is empty (end before start)")
    pages, number, total_pages = [], 1, 1
    while number <= total_pages:
        params = {
            "filter": f"auction_date:gte:{start.isoformat()},auction_date:lte:{end.isoformat()}",
            "sort": "auction_date",
            "page[number]": number,
            "page[size]": PAGE_SIZE,
        }
        what = f"Fiscal Data auctions {start}..{end} page {number}"
        response = with_retries(
            partial(http_get, url, params=params, provider="fiscaldata", what=what, session=session, timeout=timeout),
            what=what, tries=tries, sleep=sleep,
        )
        try:
            doc = response.json()
        except ValueError:
            raise SourceError(f"{what}: response is not JSON") from None
        pages.append(parse_auctions_json(doc))
        meta = doc.get("meta")
        try:
            total_pages = int((meta.get("total-pages", 1) if isinstance(meta, dict) else 1) or 1)
        except (TypeError, ValueError):
            raise SourceError(f"{what}: meta 'total-pages' {meta.get('total-pages')!r} is not a number") from None
        number += 1
    table = pd.concat(pages, ignore_index=True)
    if table.empty:
        raise EmptyResponse(f"Fiscal Data returned no auctions in {start}..{end}")
    mask = table["auction_date"].between(pd.Timestamp(start), pd.Timestamp(end))
    return table[mask].sort_values(["auction_date", "cusip"], kind="stable").reset_index(drop=True)


#: The Fiscal Data auctions query starts in 1979: the range an open start asks for.
FISCALDATA_FIRST_AUCTION = date(1979, 1, 1)


class TreasurySource:
    """The ``treasury`` table source (``TableSource``): the auctions table from the Fiscal Data API."""

    name = "treasury"

    def fetch_table(self, spec: TableSpec, start: date | None, end: date | None) -> pd.DataFrame:
        """Auctions dated in ``[start, end]`` (an open start from 1979, an open end up to today)."""
        if spec.table_id != "auctions":
            raise SourceError(f"the treasury source delivers the auctions table, not {spec.table_id!r}")
        return fetch_auctions(start or FISCALDATA_FIRST_AUCTION, end or date.today())


__all__ = ["AUCTION_COLUMNS", "TreasurySource", "fetch_auctions", "parse_auctions_json", "parse_bidder_shares_csv",
           "parse_fiscaldata_csv", "parse_treasurydirect_csv", "term_years"]
