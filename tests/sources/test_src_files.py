"""FilesSource: every series of profiles/files.yaml against the real corpus, plus layout parsers."""
from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seesaw.sources.base import OBS_COLUMNS, EmptyResponse, SeriesSpec, SourceError, stamp_period_start
from seesaw.sources.catalog import load_profile
from seesaw.sources.files import FilesSource, extract_series, parse_dates, read_csv_table, read_investing_fr_table

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
needs_data = pytest.mark.skipif(not (DATA / "MANIFEST.csv").is_file(), reason="../shared/data is absent")
PROFILE = load_profile("files")


def _manifest() -> dict[str, dict[str, str]]:
    if not (DATA / "MANIFEST.csv").is_file():
        return {}
    with open(DATA / "MANIFEST.csv", encoding="utf-8") as fh:
        return {row["path"]: row for row in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def source() -> FilesSource:
    return FilesSource(DATA)


def spec(code: str, **options) -> SeriesSpec:
    return SeriesSpec("t", "t", "files", code, "D", "u", "level", "US", options=options)


def value_on(frame: pd.DataFrame, day: str) -> float:
    return float(frame.loc[frame["obs_date"] == pd.Timestamp(day), "value"].iloc[0])


@needs_data
@pytest.mark.shared_data
@pytest.mark.parametrize("series", PROFILE.series, ids=lambda s: s.series_id)
def test_every_profile_series_loads_with_plausible_values(source: FilesSource, series: SeriesSpec) -> None:
    frame = source.fetch(series, None, None)
    assert list(frame.columns) == OBS_COLUMNS
    assert len(frame) >= 50
    assert frame["obs_date"].is_monotonic_increasing and frame["obs_date"].is_unique
    assert np.isfinite(frame["value"]).mean() > 0.99
    manifest = _manifest()
    codes = [series.source_code] + [p["source_code"] for p in series.options.get("splice", [])]
    rows = [manifest[c] for c in codes if c in manifest]
    assert rows, f"{series.source_code} is not in MANIFEST.csv"
    first = min(pd.Timestamp(r["first_date"]) for r in rows)
    last = max(pd.Timestamp(r["last_date"]) for r in rows)
    # Leading/trailing missing values, release-date shifts and later-starting Excel columns
    # (Liu-Wu long maturities, CAPE; China's M2 from 1990 and money growth a year after its stock
    # in a table starting 1978) move the bounds; anything else must match the MANIFEST.
    late_start = series.series_id.startswith("us_zero_lw_") or series.series_id in (
        "us_cape_shiller", "cn_m2", "cn_m2_yoy", "cn_m1_yoy")
    assert abs(frame["obs_date"].iloc[0] - first) <= pd.Timedelta(days=45) or late_start
    assert abs(frame["obs_date"].iloc[-1] - last) <= pd.Timedelta(days=100)


@needs_data
@pytest.mark.parametrize(
    ("series_id", "day", "expected"),
    [
        ("us_10y", "1981-09-30", 15.84),
        ("us_10y", "2020-03-09", 0.54),
        ("us_3m", "2023-10-19", 5.6),
        ("us_fed_funds", "1981-01-01", 22.0),
        ("us_ig_oas", "1998-10-15", 1.41),
        ("us_spx", "1987-10-19", 224.84),
        ("us_vix", "2020-03-16", 82.69),
        ("us_move", "1988-04-04", 128.34),
        ("us_move", "2023-03-15", 198.71),  # Bloomberg wins over Yahoo's stale 169.65
        ("us_cpi", "2022-06-01", 294.957),
        ("us_pmi", "2008-12-01", 33.1),
        ("us_acm_tp_10y", "2023-10-31", 0.419),
        ("us_acm_tp_10y", "2020-03-31", -1.155),
        ("us_spx_shiller", "2020-03-01", 2652.39),
        ("gl_wti", "2020-04-20", -36.98),
        ("cn_10y", "2013-11-20", 4.7222),
        ("cn_csi300", "2008-11-04", 1627.759),
        ("de_10y_daily", "2019-08-28", -0.71),
        ("fr_10y_daily", "2022-10-12", 2.954),
        ("jp_10y_daily", "2016-07-27", -0.291),
        ("uk_10y_daily", "2022-10-12", 4.413),
        ("jp_nikkei", "1989-12-29", 38915.87),
        ("ca_tsx", "2008-06-18", 15073.1),
        ("ca_tsx", "2020-03-23", 11228.5),
        ("ez_stoxx50", "2000-03-06", 5464.43),
        ("us_10y_monthly", "1981-09-01", 15.32),
    ],
)
def test_manifest_spot_checks(source: FilesSource, series_id: str, day: str, expected: float) -> None:
    frame = source.fetch(PROFILE.spec(series_id), None, None)
    assert value_on(frame, day) == pytest.approx(expected, abs=0.006)


@needs_data
def test_shiller_october_is_not_january(source: FilesSource) -> None:
    frame = source.fetch(PROFILE.spec("us_spx_shiller"), date(1871, 1, 1), date(1871, 12, 31))
    assert list(frame["obs_date"].dt.month) == list(range(1, 13))


@needs_data
def test_acm_identity_yield_is_premium_plus_risk_neutral(source: FilesSource) -> None:
    y, tp, rny = (source.fetch(PROFILE.spec(f"us_acm_{k}_10y"), None, None)["value"] for k in ("y", "tp", "rny"))
    assert np.max(np.abs(y - tp - rny)) < 1e-9


@needs_data
def test_legacy_layout_matches_new_layout_and_drops_dots(source: FilesSource) -> None:
    legacy = source.fetch(spec("fred_daily/legacy_DATE_layout/DGS10.csv", column="DGS10"), None, date(2024, 11, 29))
    new = source.fetch(PROFILE.spec("us_10y"), None, date(2024, 11, 29))
    assert not legacy["raw_value"].eq(".").any()
    merged = legacy.merge(new, on="obs_date")
    assert len(merged) == len(legacy) == len(new)
    assert np.allclose(merged["value_x"], merged["value_y"])


@needs_data
def test_range_is_clipped_and_out_of_range_is_empty(source: FilesSource) -> None:
    frame = source.fetch(PROFILE.spec("us_10y"), date(2020, 3, 2), date(2020, 3, 6))
    assert list(frame["obs_date"].dt.day) == [2, 3, 4, 5, 6]
    assert source.fetch(PROFILE.spec("us_10y"), date(2030, 1, 1), None).empty


@needs_data
def test_missing_file_and_column_raise_clear_errors(source: FilesSource) -> None:
    with pytest.raises(SourceError, match="file not found"):
        source.fetch(spec("nope/absent.csv"), None, None)
    with pytest.raises(SourceError, match="no value column 'DGS99'"):
        source.fetch(spec("fred_daily/DGS10.csv", column="DGS99"), None, None)


def test_unparseable_value_is_nan_with_raw_text_and_markers_are_dropped() -> None:
    table = read_csv_table("DATE,X\n2020-01-01,1.5\n2020-01-02,.\n2020-01-03,\n2020-01-06,#N/A\n"
                           "2020-01-07,abc\n2020-01-08,NA\n")
    frame = extract_series(table, {})
    assert list(frame["obs_date"].dt.day) == [1, 7]
    assert frame["value"].iloc[0] == 1.5
    assert np.isnan(frame["value"].iloc[1]) and frame["raw_value"].iloc[1] == "abc"


def test_bad_date_raises_instead_of_losing_rows() -> None:
    with pytest.raises(SourceError, match="31/12/2020"):
        extract_series(read_csv_table("d,v\n31/12/2020,1\n"), {})


def test_investing_french_locale_pairs_fields() -> None:
    text = ("\ufeffDate,Close,Open,High,Low,Change_pct\n01/09/2025,2,7464,2,7244,2,7584,2,7242,0,89%\n"
            "29/08/2025,-0,7100,2,7010,2,7240,2,6930,-1,37%\n")
    table = read_investing_fr_table(text.lstrip("\ufeff"))
    assert table.loc[0, "Close"] == "2.7464" and table.loc[1, "Change_pct"] == "-1.37%"
    frame = extract_series(table, {"column": "Close", "date_format": "%d/%m/%Y"})
    assert frame["obs_date"].tolist() == [pd.Timestamp("2025-08-29"), pd.Timestamp("2025-09-01")]
    assert frame["value"].tolist() == [-0.71, 2.7464]


def test_investing_en_us_thousands_and_percent() -> None:
    table = read_csv_table('"Date","Price","Change %"\n"03/15/2024","38,707.64","-2.63%"\n')
    series = extract_series(table, {"column": "Price", "date_format": "%m/%d/%Y", "thousands": ","})
    assert series["value"].iloc[0] == 38707.64
    assert extract_series(table, {"column": "Change %", "date_format": "%m/%d/%Y"})["value"].iloc[0] == -2.63


def test_year_fraction_and_yyyymm_dates() -> None:
    got = parse_dates(pd.Series(["1871.01", "1871.1", "1871.11", "2026.07"]), "year_fraction")
    assert [(d.year, d.month) for d in got] == [(1871, 1), (1871, 10), (1871, 11), (2026, 7)]
    assert parse_dates(pd.Series(["196106", "202212.0"]), "yyyymm").tolist() == [pd.Timestamp("1961-06-01"),
                                                                                 pd.Timestamp("2022-12-01")]


def test_fred_md_layout_via_options() -> None:
    text = ("sasdate,RPI,INDPRO\r\nTransform:,5,5\r\n1/1/1959,2442.158,21.9665\r\n2/1/1959,2451.778,22.4018\r\n"
            ",,\r\n,,\r\n")
    frame = extract_series(read_csv_table(text, skiprows=[1]), {"column": "INDPRO", "date_format": "%m/%d/%Y"})
    assert frame["obs_date"].tolist() == [pd.Timestamp("1959-01-01"), pd.Timestamp("1959-02-01")]
    assert frame["value"].tolist() == [21.9665, 22.4018]


def test_release_dates_map_to_previous_month_last_release_wins() -> None:
    table = read_csv_table("商品,日期,今值\nx,2025-01-09,0.1\nx,2025-01-12,\nx,2019-05-15,5.4\nx,2019-05-22,5.5\n")
    frame = extract_series(table, {"column": "今值", "date_column": "日期", "release_lag_months": 1})
    assert frame["obs_date"].tolist() == [pd.Timestamp("2019-04-01"), pd.Timestamp("2024-12-01")]
    assert frame["value"].tolist() == [5.5, 0.1]


def test_splice_later_piece_wins_on_shared_dates(tmp_path: Path) -> None:
    (tmp_path / "old.csv").write_text("Date,Close\n2019-01-02,1\n2019-01-03,2\n2019-01-04,null\n")
    (tmp_path / "new.csv").write_text("Date,Close\n2019-01-03,20\n2019-01-07,30\n")
    frame = FilesSource(tmp_path).fetch(
        spec("old.csv", column="Close", splice=[{"source_code": "new.csv", "column": "Close"}]), None, None)
    assert frame["value"].tolist() == [1.0, 20.0, 30.0]


def test_all_missing_column_is_an_empty_response(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("date,v\n2020-01-01,.\n")
    with pytest.raises(EmptyResponse):
        FilesSource(tmp_path).fetch(spec("x.csv"), None, None)


def test_monthly_and_quarterly_dates_are_stamped_on_the_period_start() -> None:
    frame = pd.DataFrame({"obs_date": pd.to_datetime(["2025-06-30", "2025-07-15", None]),
                          "value": [1.0, 2.0, 3.0], "raw_value": None, "vintage": pd.NaT})
    monthly = stamp_period_start(frame, "M")["obs_date"]
    assert monthly.iloc[:2].tolist() == [pd.Timestamp("2025-06-01"), pd.Timestamp("2025-07-01")]
    assert pd.isna(monthly.iloc[2])  # an unparsed date stays for the loader's bad_date reject
    assert stamp_period_start(frame, "Q")["obs_date"].iloc[1] == pd.Timestamp("2025-07-01")
    assert stamp_period_start(frame, "D")["obs_date"].equals(frame["obs_date"])
