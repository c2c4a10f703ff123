"""Profiles: one shared catalog of series metadata, typed blocks, one-line errors at load."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from seesaw.flows.cli import main
from seesaw.sources.catalog import PROFILES_DIR, ProfileError, load_profile

CATALOG = """\
catalog:
  us_10y: {name: 10y CMT, unit: percent p.a., kind: yield, frequency: D, country: US}
  us_cpi: {name: CPI, unit: index 1982-84=100, kind: macro, frequency: M, country: US}
"""
BOUND = """\
profile: bound
include: [catalog.yaml]
series:
  - {series_id: us_10y, source: files, source_code: DGS10.csv, description: span 1962.., options: {column: DGS10}}
  - {series_id: us_cpi, source: fred, source_code: CPIAUCSL, name: CPI-U all items}
tables:
  auctions: {source: files, source_code: auctions.csv}
"""
INLINE = """\
profile: bound
series:
  - {series_id: us_10y, name: 10y CMT, unit: percent p.a., kind: yield, frequency: D, country: US,
     source: files, source_code: DGS10.csv, description: span 1962.., options: {column: DGS10}}
  - {series_id: us_cpi, name: CPI-U all items, unit: index 1982-84=100, kind: macro, frequency: M, country: US,
     source: fred, source_code: CPIAUCSL}
tables:
  auctions: {source: files, source_code: auctions.csv}
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path) -> str:
    with pytest.raises(ProfileError) as caught:
        load_profile(str(path))
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.fixture
def bound(tmp_path: Path) -> Path:
    write(tmp_path, "catalog.yaml", CATALOG)
    return write(tmp_path, "bound.yaml", BOUND)


def test_a_catalog_bound_profile_resolves_like_the_same_profile_written_inline(bound: Path, tmp_path: Path) -> None:
    inline = load_profile(str(write(tmp_path, "inline.yaml", INLINE)))
    assert load_profile(str(bound)) == inline
    assert inline.spec("us_cpi").name == "CPI-U all items"  # the entry's own name overrides the catalog's
    assert inline.spec("us_10y").band == (-5.0, 40.0)
    assert inline.tables == {"auctions": {"source": "files", "source_code": "auctions.csv"}}


def test_a_table_entry_is_kept_as_written(bound: Path) -> None:
    bound.write_text(BOUND.replace("source_code: auctions.csv}", "source_code: auctions.csv, options: {sheet: 2}}"),
                     encoding="utf-8")
    assert load_profile(str(bound)).tables == {
        "auctions": {"source": "files", "source_code": "auctions.csv", "options": {"sheet": 2}}}


def test_files_and_live_bind_the_one_shared_catalog() -> None:
    catalog = yaml.safe_load((PROFILES_DIR / "shared" / "catalog.yaml").read_text(encoding="utf-8"))["catalog"]
    files, live = load_profile("files"), load_profile("live")
    for profile in (files, live):
        assert {s.series_id for s in profile.series} <= set(catalog)
    shared = {s.series_id for s in files.series} & {s.series_id for s in live.series}
    assert len(shared) > 80
    for series_id in shared:
        a, b = files.spec(series_id), live.spec(series_id)
        assert (a.unit, a.kind, a.frequency, a.country) == (b.unit, b.kind, b.frequency, b.country)
    assert files.analysis == live.analysis and files.analysis != load_profile("sample").analysis
    auctions = files.tables["auctions"]
    pieces = [auctions["source_code"]] + [p["source_code"] for p in auctions["options"]["splice"]]
    assert auctions["source"] == "files" and pieces[-1] == "auctions/data.csv"  # the TreasuryDirect export wins
    assert live.tables == {"auctions": {"source": "treasury"}}


def test_the_profile_list_names_profiles_not_shared_files() -> None:
    with pytest.raises(ProfileError, match=r"\(known: files, live, sample\)$"):
        load_profile("nope")


@pytest.mark.parametrize(("before", "after", "expected"), [
    ("source: fred, source_code: CPIAUCSL,", "source: fred, source_code: CPIAUCSL, frequency: Daily,",
     "bound.yaml: series us_cpi: frequency: must be one of 'D', 'W', 'M', 'Q' or 'A', got 'Daily'"),
    ("name: CPI-U all items", "name: CPI-U all items, kind: inflation",
     "bound.yaml: series us_cpi: kind: must be one of 'yield', "),
    ("options: {column: DGS10}", "option: {column: DGS10}", "bound.yaml: series us_10y: unknown field 'option'"),
    ("{series_id: us_cpi, source: fred, ", "{series_id: us_cpi, ", "bound.yaml: series us_cpi: missing field 'source'"),
    ("{series_id: us_cpi, ", "{", "bound.yaml: series entry 2: missing field 'series_id'"),
    ("{series_id: us_cpi, ", "{series_id: US-CPI, ", "bound.yaml: series US-CPI: series_id: String should match"),
    ("series_id: us_cpi, source: fred, source_code: CPIAUCSL, name: CPI-U all items",
     "series_id: us_pce, source: fred, source_code: PCE",
     "bound.yaml: series us_pce: missing name, unit, kind, frequency, country (not set here and the id is not"),
    ("series:", "seris:", "bound.yaml: unknown field 'seris'"),
    ("{source: files, source_code: auctions.csv}", "{source: treasuy}",
     "bound.yaml: tables auctions: source: unknown table source; known: files, treasury, got 'treasuy'"),
    ("source_code: auctions.csv}", "source_code: auctions.csv, options: {sheet: 2}, cusip: x}",
     "bound.yaml: tables auctions: unknown field 'cusip'"),
    ("{source: files, source_code: auctions.csv}", "{source: files}",
     "bound.yaml: tables auctions: source 'files' needs source_code (a path under the data directory), got {'source"),
    ("  auctions:", "  auction:", "bound.yaml: tables auction: must be one of 'auctions', got 'auction'"),
])
def test_a_wrong_entry_fails_at_load_naming_file_entry_and_field(bound: Path, before: str, after: str,
                                                                  expected: str) -> None:
    assert before in BOUND
    bound.write_text(BOUND.replace(before, after, 1), encoding="utf-8")
    assert expected in load_error(bound)


@pytest.mark.parametrize(("before", "after", "expected"), [
    ("frequency: M,", "frequency: Monthly,",
     "catalog.yaml: catalog us_cpi: frequency: must be one of 'D', 'W', 'M', 'Q' or 'A', got 'Monthly'"),
    ("country: US}\n", "country: USA}\n", "catalog.yaml: catalog us_10y: country: String should match"),
    ("kind: macro, ", "", "catalog.yaml: catalog us_cpi: missing field 'kind'"),
    ("{name: CPI,", "{name: CPI, source: fred,", "catalog.yaml: catalog us_cpi: unknown field 'source'"),
])
def test_a_wrong_catalog_entry_names_the_included_file(bound: Path, before: str, after: str, expected: str) -> None:
    catalog = bound.parent / "catalog.yaml"
    catalog.write_text(CATALOG.replace(before, after, 1), encoding="utf-8")
    assert f"{catalog.parent}/{expected}" in load_error(bound)


def test_a_block_set_twice_a_missing_or_a_nested_include_is_an_error(bound: Path) -> None:
    bound.write_text(BOUND + "catalog: {}\n", encoding="utf-8")
    assert re.search(r"catalog\.yaml: 'catalog' is already set by .*bound\.yaml$", load_error(bound))
    bound.write_text(BOUND.replace("[catalog.yaml]", "[catalogue.yaml]"), encoding="utf-8")
    assert "bound.yaml: included file 'catalogue.yaml' not found" in load_error(bound)
    (bound.parent / "catalog.yaml").write_text(CATALOG + "include: [other.yaml]\n", encoding="utf-8")
    bound.write_text(BOUND, encoding="utf-8")
    assert load_error(bound).endswith("catalog.yaml: an included file cannot include others")


def test_a_duplicate_series_id_is_an_error(bound: Path) -> None:
    bound.write_text(BOUND.replace("series_id: us_cpi", "series_id: us_10y"), encoding="utf-8")
    assert load_error(bound).endswith("bound.yaml: duplicate series ids us_10y")


def test_a_profile_that_is_not_yaml_names_file_and_line(bound: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bound.write_text(BOUND.replace("tables:", "tables: : [", 1), encoding="utf-8")
    error = load_error(bound)  # libyaml words it "… not allowed in this context", PyYAML "… here"
    assert "bound.yaml: line 6, column 9: mapping values are not allowed " in error
    assert error.endswith(" (not valid YAML)")
    assert main(["run", "--profile", str(bound)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bound}: line 6, column 9") and err.count("\n") == 1


def test_a_profile_with_a_control_character_is_one_line(bound: Path) -> None:
    bound.write_text(BOUND.replace("bound", "bo\x07und", 1), encoding="utf-8")
    assert "bound.yaml: not valid YAML (unacceptable character #x0007" in load_error(bound)


def test_a_profile_that_is_not_a_mapping_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "list.yaml", "- series_id: us_10y\n")
    assert load_error(path).endswith("list.yaml: a profile is a mapping (profile:, series:, ...), not a list")


def test_an_entry_with_a_wrong_frequency_never_reaches_a_run(bound: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """``frequency: Daily`` used to load, run once, and fail the second run with ``KeyError: 'Daily'``."""
    bound.write_text(BOUND.replace("source_code: DGS10.csv,", "source_code: DGS10.csv, frequency: Daily,"),
                     encoding="utf-8")
    assert main(["run", "--profile", str(bound), "--db", str(tmp_path / "w.duckdb")]) == 1
    assert "bound.yaml: series us_10y: frequency: must be one of" in capsys.readouterr().err
    assert not (tmp_path / "w.duckdb").exists()
