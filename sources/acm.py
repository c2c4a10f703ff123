"""NY Fed Adrian–Crump–Moench term structure: term premia ``ACMTPnn``, fitted zero yields
``ACMYnn`` and risk-neutral yields ``ACMRNYnn`` for maturities 1..10 years, percent.

``spec.source_code`` is the NY Fed column name (``ACMTP10``); ``options.sheet`` picks
``ACM Monthly`` (default) or ``ACM Daily`` of the live workbook. The live file is downloaded
once per source instance (30 series share it) with a timeout and retries, and parsed by the
same function as the CSV copy (dates ``DD-Mon-YYYY`` text such as ``30-Jun-1961``, or Excel
date cells).
"""
from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Literal

import pandas as pd
import requests

from seesaw.sources.base import EmptyResponse, SeriesSpec, SourceError, clip_range, observations
from seesaw.sources.files import read_csv_table, read_excel_table
from seesaw.sources.http import http_get, with_retries

ACM_URL = "https://www.newyorkfed.org/medialibrary/media/research/data_indicators/ACMTermPremium.xls"
Sheet = Literal["ACM Monthly", "ACM Daily"]
_COLUMN = re.compile(r"^ACM(TP|Y|RNY)(0[1-9]|10)$")


def parse_acm_table(table: pd.DataFrame) -> pd.DataFrame:
    """Wide ACM frame from an all-string table: index ``obs_date``, float columns ``ACM*``.

    Raises ``SourceError`` when the DATE column or every ACM column is missing, or a date does
    not parse (the layout changed).
    """
    columns = {c.strip().upper(): c for c in table.columns}
    if "DATE" not in columns:
        raise SourceError(f"ACM table has no DATE column (columns: {list(table.columns)[:5]}...)")
    acm_cols = [c for c in columns if _COLUMN.match(c)]
    if not acm_cols:
        raise SourceError("ACM table has no ACMTP/ACMY/ACMRNY columns")
    text = table[columns["DATE"]].str.strip()
    text = text[text != ""]
    dates = pd.to_datetime(text, format="%d-%b-%Y", errors="coerce")
    fallback = dates.isna()
    dates[fallback] = pd.to_datetime(text[fallback], format="ISO8601", errors="coerce")
    if dates.isna().any():
        raise SourceError(f"ACM date {text[dates.isna()].iloc[0]!r} does not parse")
    body = table.loc[text.index, [columns[c] for c in acm_cols]]
    wide = body.apply(lambda col: pd.to_numeric(col.str.strip(), errors="coerce"))
    wide.columns = acm_cols
    wide.index = pd.DatetimeIndex(dates.to_numpy(), name="obs_date").normalize()
    return wide.sort_index()


def parse_acm_csv(text: str) -> pd.DataFrame:
    """Parse the CSV export of the ACM workbook (see ``parse_acm_table``); text that is not
    CSV raises ``SourceError``."""
    try:
        table = read_csv_table(text)
    except ValueError as exc:  # pandas' ParserError and EmptyDataError
        raise SourceError(f"ACM CSV does not parse: {exc}") from None
    return parse_acm_table(table)


def parse_acm_xls(data: bytes, sheet: Sheet = "ACM Monthly") -> pd.DataFrame:
    """Parse one sheet of the NY Fed ``ACMTermPremium.xls`` (see ``parse_acm_table``)."""
    return parse_acm_table(read_excel_table(data, sheet=sheet, header_row=0))


class AcmSource:
    """ACM series from the NY Fed workbook (live download)."""

    name = "acm"

    def __init__(self, *, url: str = ACM_URL, session: requests.Session | None = None,
                 timeout: float | tuple[float, float] = (10.0, 120.0), tries: int = 4,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._url = url
        self._session = session
        self._timeout = timeout
        self._tries = tries
        self._sleep = sleep
        self._wide: dict[str, pd.DataFrame] = {}
        self._lock = threading.Lock()

    def fetch(self, spec: SeriesSpec, start: date | None, end: date | None) -> pd.DataFrame:
        """Observations of column ``spec.source_code`` in ``[start, end]``; a range outside the
        workbook's dates gives an empty frame carrying their span (``HELD_SPAN``)."""
        column = spec.source_code.strip().upper()
        if not _COLUMN.match(column):
            raise SourceError(f"ACM code {spec.source_code!r} is not ACMTPnn/ACMYnn/ACMRNYnn with nn in 01..10")
        wide = self.table(spec.options.get("sheet", "ACM Monthly"))
        if column not in wide.columns:
            raise SourceError(f"ACM workbook has no column {column}")
        series = wide[column].dropna()
        if series.empty:
            raise EmptyResponse(f"ACM {column}: the workbook's column holds no observations")
        return clip_range(observations(series.index, series.to_numpy()), start, end)  # empty range: no data

    def table(self, sheet: Sheet) -> pd.DataFrame:
        """The parsed sheet, downloaded once per instance."""
        with self._lock:
            if sheet not in self._wide:
                response = with_retries(
                    lambda: http_get(self._url, provider="nyfed", what="NY Fed ACM workbook",
                                     session=self._session, timeout=self._timeout),
                    what="NY Fed ACM workbook", tries=self._tries, sleep=self._sleep,
                )
                content = response.content
                if content[:4] == b"\xd0\xcf\x11\xe0" or content[:2] == b"PK":
                    self._wide[sheet] = parse_acm_xls(content, sheet)
                else:
                    self._wide[sheet] = parse_acm_csv(content.decode("utf-8-sig"))
            return self._wide[sheet]
