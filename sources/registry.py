"""Source registry: the one place that turns a profile's ``source:`` name (of a series or a table)
into an instance."""
from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from seesaw.sources.base import Source, SourceError, TableSource

if TYPE_CHECKING:
    from seesaw.sources.files import FilesSource

#: Default data directory of the ``files`` source: ``<repo>/../shared/data``.
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _sample(data_dir: Path | None) -> Source:
    from seesaw.sources.sample import SampleSource

    return SampleSource()


@cache
def _files(data_dir: Path | None) -> FilesSource:
    """One FilesSource per directory, so a workbook feeding many series (or tables) is parsed once."""
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


def _treasury(data_dir: Path | None) -> TableSource:
    from seesaw.sources.treasury import TreasurySource

    return TreasurySource()


#: Table source name -> factory, as ``SOURCES`` (a profile's ``tables:`` entries name these).
TABLE_SOURCES: dict[str, Callable[[Path | None], TableSource]] = {
    "files": _files,
    "treasury": _treasury,
}


def make_table_source(name: str, *, data_dir: Path | None = None) -> TableSource:
    """An instance of table source ``name`` (``data_dir`` is used by file-based sources)."""
    try:
        factory = TABLE_SOURCES[name]
    except KeyError:
        raise SourceError(f"unknown table source {name!r}; known: {', '.join(sorted(TABLE_SOURCES))}") from None
    return factory(data_dir)
