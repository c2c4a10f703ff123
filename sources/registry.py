"""Source registry: the one place that turns a profile's ``source:`` name into an instance."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sources.base import Source, SourceError

#: Default data directory of the ``files`` source: ``<repo>/../shared/data``.
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _sample(data_dir: Path | None) -> Source:
    from sources.sample import SampleSource

    return SampleSource()


def _files(data_dir: Path | None) -> Source:
    from sources.files import FilesSource

    return FilesSource(data_dir or DEFAULT_DATA_DIR)


def _yahoo(data_dir: Path | None) -> Source:
    from sources.yahoo import YahooSource

    return YahooSource()


def _fred(data_dir: Path | None) -> Source:
    from sources.fred import FredSource

    return FredSource()


def _acm(data_dir: Path | None) -> Source:
    from sources.acm import AcmSource

    return AcmSource()


def _china(data_dir: Path | None) -> Source:
    from sources.china import ChinaSource

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
