"""Files-profile mappings of China's money and credit, Wind All A and the extended ISM PMI, read
through the files source and spot-checked against the data corpus' MANIFEST."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from seesaw.sources.catalog import load_profile
from seesaw.sources.registry import make_source

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def read(shared_data: Path):  # type: ignore[no-untyped-def]
    specs = {s.series_id: s for s in load_profile("files").series}
    source = make_source("files", data_dir=shared_data)

    def series(series_id: str) -> pd.Series:
        return source.fetch(specs[series_id], None, None).set_index("obs_date")["value"]
    return series


def test_ism_pmi_extends_the_stored_history_without_changing_it(read) -> None:  # type: ignore[no-untyped-def]
    pmi = read("us_pmi")
    assert (str(pmi.index.min().date()), str(pmi.index.max().date()), len(pmi)) == ("1948-01-01", "2026-02-01", 938)
    assert pmi["1980-05-01"] == 29.4 and pmi["2008-12-01"] == 33.1 and pmi["2020-04-01"] == 41.5
    assert pmi["2025-09-01"] == 49.1
    assert pmi["2017-12-01"] == 59.3 and pmi["1970-01-01"] == 48.7  # the stored 2018 vintage, kept


def test_china_money_supply_spliced_with_the_revised_figures_winning(read) -> None:  # type: ignore[no-untyped-def]
    m2, m2_yoy, m1_yoy = read("cn_m2"), read("cn_m2_yoy"), read("cn_m1_yoy")
    assert m2["2000-12-01"] == 134610.26 and m2["2007-12-01"] == 403442.21  # tushare (Sina)
    assert m2["2008-01-01"] == 417846.2 and m2["2024-12-01"] == 3135322.3  # akshare (Eastmoney)
    assert m2["2017-12-01"] == 1690235.3  # PBoC's revision, not tushare's 1676768.54
    assert m2_yoy["2009-11-01"] == 29.7 and m2_yoy["2020-04-01"] == 11.1
    assert m2.index.is_unique and m2_yoy.index.is_unique
    # M1 growth as published across the 2025-01 definition change: no level-based jump in 2024.
    assert (m1_yoy["2023-12-01"], m1_yoy["2024-01-01"], m1_yoy["2024-12-01"], m1_yoy["2025-01-01"]) == (
        1.3, 5.9, -1.4, 0.4)
    assert str(m1_yoy.index.min().date()) == "1979-01-01"


def test_social_financing_on_the_current_basis_and_new_loans(read) -> None:  # type: ignore[no-untyped-def]
    tsf = read("cn_tsf")
    by_year = tsf.groupby(tsf.index.year).sum()
    assert (by_year[2002], by_year[2009], by_year[2013], by_year[2020]) == (20113, 139105, 173168, 348634)
    assert by_year[2017] == pytest.approx(261_500, rel=0.001)  # Wind's revised basis, not 19.44 tn
    assert (by_year[2023], by_year[2024], tsf["2024-04-01"], tsf["2002-01-01"]) == (355874, 322558, -658, -472)
    assert len(tsf) == 292 and tsf.index.is_unique
    loans = read("cn_credit")
    assert loans["2009-03-01"] == 18920 and loans[loans.index.year == 2009].sum() == 95943
    assert loans[loans.index.year == 2013].sum() == 88917 and loans["2025-07-01"] == -4296


def test_negative_monthly_flows_are_inside_their_band() -> None:
    specs = {s.series_id: s for s in load_profile("files").series}
    assert specs["cn_tsf"].band == specs["cn_credit"].band == (None, None)
    assert specs["cn_m2"].band == (0.0, None)


def test_wind_all_a_reads_the_english_header_of_the_wind_export(read) -> None:  # type: ignore[no-untyped-def]
    wind = read("cn_wind_all_a")
    assert (len(wind), str(wind.index.min().date()), str(wind.index.max().date())) == (3212, "2007-01-04", "2020-03-18")
    assert wind["2015-06-12"] == 7224.2644
    assert wind.pct_change()["2007-02-27"] == pytest.approx(-0.088736, abs=1e-6)
