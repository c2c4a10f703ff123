"""Table-shaped inputs (Treasury auctions) behind their own small protocol: ``TableSpec`` from a
profile's ``tables:`` entry, ``TableSource.fetch_table`` from the files and treasury sources."""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from seesaw.sources.base import SourceError, TableSpec
from seesaw.sources.registry import make_table_source
from seesaw.sources.treasury import AUCTION_COLUMNS, TreasurySource


def test_a_tables_entry_becomes_a_spec_with_a_readable_load_id() -> None:
    spec = TableSpec.from_profile("auctions", {"source": "files", "source_code": "auctions/data.csv"})
    assert spec == TableSpec("auctions", "files", "auctions/data.csv", {})
    assert spec.load_id == "table:auctions"
    assert TableSpec.from_profile("auctions", {"source": "treasury"}).source_code == ""


def test_files_table_source_parses_and_clips_the_export(shared_data: Path, tmp_path: Path) -> None:
    (tmp_path / "auctions").mkdir()
    shutil.copy(shared_data / "auctions" / "data.csv", tmp_path / "auctions" / "data.csv")
    source = make_table_source("files", data_dir=tmp_path)
    spec = TableSpec("auctions", "files", "auctions/data.csv")
    whole = source.fetch_table(spec, None, None)
    assert list(whole.columns) == AUCTION_COLUMNS and len(whole) > 1000
    year = source.fetch_table(spec, date(2020, 1, 1), date(2020, 12, 31))
    assert 0 < len(year) < len(whole)
    assert year["auction_date"].between(pd.Timestamp("2020-01-01"), pd.Timestamp("2020-12-31")).all()


def test_files_table_source_refuses_paths_outside_the_data_directory_and_unknown_tables(tmp_path: Path) -> None:
    source = make_table_source("files", data_dir=tmp_path)
    with pytest.raises(SourceError, match="outside the data directory"):
        source.fetch_table(TableSpec("auctions", "files", "../auctions.csv"), None, None)
    with pytest.raises(SourceError, match="file not found"):
        source.fetch_table(TableSpec("auctions", "files", "auctions.csv"), None, None)
    with pytest.raises(SourceError, match="not 'holdings'"):
        source.fetch_table(TableSpec("holdings", "files", "auctions.csv"), None, None)


def test_table_sources_are_named_in_one_registry() -> None:
    assert isinstance(make_table_source("treasury"), TreasurySource)
    with pytest.raises(SourceError, match="unknown table source 'yahoo'; known: files, treasury"):
        make_table_source("yahoo")
    with pytest.raises(SourceError, match="auctions table, not 'holdings'"):
        TreasurySource().fetch_table(TableSpec("holdings", "treasury"), None, None)
