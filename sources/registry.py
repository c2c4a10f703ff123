"""Source registry: the one place that turns a profile's ``source:`` name into an instance."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path

import pandas as pd

from seesaw.sources.base import Source, SourceError

#: Default data directory of the ``files`` source: ``<repo>/../shared/data``.
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _sample(data_dir: Path | None) -> Source:
    from seesaw.sources.sample import SampleSource

    return SampleSource()


@cache
def _files(data_dir: Path | None) -> Source:
    """One FilesSource per directory, so a workbook feeding many series is parsed once."""
    from seesaw.sources.files import FilesSource

    return FilesSource(data_dir or DEFAULT_DATA_DIR)


def _yahoo(data_dir: Path | None) -> Source:
    from seesaw.sources.yahoo import YahooSource

    return YahooSource()


def _fred(data_dir: Path | None) -> Source:
    from seesaw.sources.fred import FredSource

    return FredSource()


def _acm(data_dir: Path | None) -> Source:
    from seesaw.sources.acm import AcmSource

    return AcmSource()


def _china(data_dir: Path | None) -> Source:
    from seesaw.sources.china import ChinaSource

    return ChinaSource()


#: Source name -> factory taking the optional data directory. Add a source with one line.
SOURCES: dict[str, Callable[[Path | None], Source]] = {
    "sample": _sample,
    "files": _files,
    "yahoo": _yahoo,
    "fred": _fred,
    "acm": _acm,
    "china": _china,
}


def make_source(name: str, *, data_dir: Path | None = None) -> Source:
    """A new instance of source ``name`` (``data_dir`` is used by file-based sources)."""
    try:
        factory = SOURCES[name]
    except KeyError:
        raise SourceError(f"unknown source {name!r}; known: {', '.join(sorted(SOURCES))}") from None
    return factory(data_dir)


def fetch_auctions(table: dict, start: date | None, end: date | None, *, data_dir: Path | None = None) -> pd.DataFrame:
    """Treasury auctions per a profile's ``tables.auctions`` entry, within ``[start, end]``.

    ``source: files`` parses a TreasuryDirect CSV export (``source_code`` relative to the data
    directory); ``source: treasury`` queries the Fiscal Data API (from 1979 when ``start`` is open).
    """
    from seesaw.sources.treasury import fetch_auctions as fetch_fiscaldata
    from seesaw.sources.treasury import parse_treasurydirect_csv

    if table["source"] == "files":
        frame = parse_treasurydirect_csv((data_dir or DEFAULT_DATA_DIR) / table["source_code"])
    elif table["source"] == "treasury":
        frame = fetch_fiscaldata(start or date(1979, 1, 1), end or date.today())
    else:
        raise SourceError(f"auctions come from 'files' or 'treasury', not {table['source']!r}")
    dates = pd.to_datetime(frame["auction_date"])
    keep = pd.Series(True, index=frame.index)
    if start is not None:
        keep &= dates >= pd.Timestamp(start)
    if end is not None:
        keep &= dates <= pd.Timestamp(end)
    return frame[keep].reset_index(drop=True)
