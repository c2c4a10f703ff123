"""ChinaSource offline: akshare replaced by a module whose functions return frames in akshare's
real layouts, built from the akshare exports in ../shared/data/china."""
from __future__ import annotations

import sys
import types
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import seesaw.sources.http
from seesaw.sources.base import EmptyResponse, SeriesSpec, SourceError, held_span
from seesaw.sources.china import AKSHARE_CODES, ChinaSource, parse_akshare_frame, year_windows
from seesaw.sources.http import RateLimiter

CHINA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "china"
needs_data = pytest.mark.skipif(not CHINA.is_dir(), reason="../shared/data is absent")


def _read(name: str, date_col: str | None = None) -> pd.DataFrame:
    frame = pd.read_csv(CHINA / name, encoding="utf-8-sig")
    if date_col:  # akshare returns datetime.date objects in its date columns
        frame[date_col] = pd.to_datetime(frame[date_col]).dt.date
    return frame


@pytest.fixture()
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    log: list[tuple[str, dict[str, Any]]] = []
    module = types.ModuleType("akshare")

    def recorder(name: str, build):
        def function(**kwargs: Any) -> pd.DataFrame:
            log.append((name, kwargs))
            return build(**kwargs)
        return function

    def bond_china_yield(start_date: str, end_date: str) -> pd.DataFrame:
        frame = _read("cgb_yields.csv", "日期")
        lo, hi = pd.Timestamp(start_date).date(), pd.Timestamp(end_date).date()
        other = frame.assign(曲线名称="中债商业银行普通债收益率曲线(AAA)", **{"10年": 9.99})
        both = pd.concat([frame, other], ignore_index=True)
        return both[(both["日期"] >= lo) & (both["日期"] <= hi)].reset_index(drop=True)

    def stock_zh_index_daily(symbol: str) -> pd.DataFrame:
        assert symbol in {"sh000001", "sh000300"}
        return _read("sh000001.csv", "date")

    builders = {
        "bond_china_yield": bond_china_yield,
        "stock_zh_index_daily": stock_zh_index_daily,
        "bond_index_general_cbond": lambda **k: _read("treasury_idx.csv", "date").rename(columns={"close": "value"}),
        "macro_china_cpi_yearly": lambda: _read("macro_china_cpi_yearly_df.csv", "日期"),
        "macro_china_industrial_production_yoy": lambda: _read("macro_china_industrial_production_yoy_df.csv", "日期"),
        "macro_china_pmi": lambda: _read("macro_china_pmi_df.csv"),
        "macro_china_cpi": lambda: _read("china_cpi.csv"),
        "macro_china_new_financial_credit": lambda: pd.DataFrame(
            {"月份": ["2025年04月份", "2025年03月份"], "当月": [2800.0, 36400.0], "当月-同比增长": [-64.3, 17.1],
             "当月-环比增长": [-92.3, 2.5], "累计": [101300.0, 98500.0], "累计-同比增长": [-2.7, 3.4]}),
        "macro_china_money_supply": lambda: pd.DataFrame(
            {"月份": ["2025年01月份", "2024年12月份"], "货币和准货币(M2)-数量(亿元)": [3185247.2, 3135322.3],
             "货币和准货币(M2)-同比增长": [7.0, 7.3], "货币和准货币(M2)-环比增长": [1.59, 0.62],
             "货币(M1)-数量(亿元)": [1124457.4, 1113069.0], "货币(M1)-同比增长": [0.4, -1.4],
             "货币(M1)-环比增长": [1.02, 2.31], "流通中的现金(M0)-数量(亿元)": [136000.0, 128194.0],
             "流通中的现金(M0)-同比增长": [17.2, 13.0], "流通中的现金(M0)-环比增长": [6.1, 2.3]}),
        "macro_china_shrzgm": lambda: pd.DataFrame(
            _read("macro_china_shrzgm_df.csv").astype({"月份": str})),
        "macro_usa_ism_pmi": lambda: pd.DataFrame(
            {"商品": "美国ISM制造业PMI报告", "日期": [date(2025, 5, 1), date(2025, 6, 2), date(2025, 7, 1)],
             "今值": [48.7, 48.5, None], "预测值": [48.0, 49.5, 48.8], "前值": [49.0, 48.7, 48.5]}),
    }
    for name, build in builders.items():
        setattr(module, name, recorder(name, build))
    monkeypatch.setitem(sys.modules, "akshare", module)
    monkeypatch.setitem(seesaw.sources.http._LIMITERS, "akshare", RateLimiter(0.0))
    return log


def spec(code: str) -> SeriesSpec:
    return SeriesSpec("cn_x", "x", "china", code, "D", "u", "level", "CN")


def src() -> ChinaSource:
    return ChinaSource(sleep=lambda s: None, today=lambda: date(2021, 1, 22))


@needs_data
def test_cgb_curve_windows_and_filters_to_the_treasury_curve(calls) -> None:
    frame = src().fetch(spec("cgb_10y"), date(2020, 2, 1), date(2021, 1, 22))
    assert calls == [("bond_china_yield", {"start_date": "20200201", "end_date": "20210122"})]
    assert len(frame) == 246 and frame["value"].max() < 4  # the AAA bank curve (9.99) is excluded
    assert frame.loc[frame["obs_date"] == "2020-02-04", "value"].item() == 2.8551
    assert src().fetch(spec("cgb_30y"), date(2020, 2, 4), date(2020, 2, 4))["value"].item() == 3.4488


def test_year_windows_cover_the_range_without_gaps() -> None:
    windows = year_windows(date(2002, 1, 4), date(2004, 6, 1))
    assert windows[0][0] == date(2002, 1, 4) and windows[-1][1] == date(2004, 6, 1)
    assert all((b - a).days <= 363 for a, b in windows)
    # consecutive pairs: the shifted list is one shorter
    assert all((n[0] - p[1]).days == 1 for p, n in zip(windows, windows[1:], strict=False))


@needs_data
def test_index_and_bond_total_return(calls) -> None:
    shcomp = src().fetch(spec("shcomp"), None, None)
    assert shcomp.loc[shcomp["obs_date"] == "2015-06-12", "value"].item() == 5166.35
    assert calls[-1] == ("stock_zh_index_daily", {"symbol": "sh000001"})
    src().fetch(spec("csi300"), None, None)
    assert calls[-1] == ("stock_zh_index_daily", {"symbol": "sh000300"})
    bond = src().fetch(spec("chinabond_treasury_wealth"), date(2008, 1, 1), date(2008, 1, 31))
    assert bond["value"].iloc[0] == 100.1752
    assert calls[-1][1] == {"index_category": "国债总指数", "indicator": "财富", "period": "总值"}


@needs_data
def test_macro_tables_month_formats_and_release_lag(calls) -> None:
    pmi = src().fetch(spec("pmi_mfg"), None, None)
    assert pmi["obs_date"].iloc[-1] == pd.Timestamp("2025-07-01") and pmi["value"].iloc[-1] == 49.3
    assert pmi["obs_date"].is_monotonic_increasing  # the table is newest first
    cpi = src().fetch(spec("cpi_yoy"), None, None)
    # Released 2025-05-10 -> April 2025; the 2025-06-09 row (future release, empty) is dropped.
    assert cpi["obs_date"].iloc[-1] == pd.Timestamp("2025-04-01") and cpi["value"].iloc[-1] == -0.1
    index = src().fetch(spec("cpi_index"), None, None)
    assert index["obs_date"].iloc[0] == pd.Timestamp("2008-01-01") and index["value"].iloc[0] == 107.0781
    indpro = src().fetch(spec("indpro_yoy"), None, None)
    assert indpro["obs_date"].is_unique and indpro["obs_date"].iloc[-1] == pd.Timestamp("2025-04-01")


def test_credit_and_ism_pmi(calls) -> None:
    loans = src().fetch(spec("new_rmb_loans"), None, None)
    assert loans["obs_date"].tolist() == [pd.Timestamp("2025-03-01"), pd.Timestamp("2025-04-01")]
    before = src().fetch(spec("new_rmb_loans"), date(1990, 1, 1), date(1999, 12, 31))  # before the table: no data
    assert before.empty and held_span(before) == (date(2025, 3, 1), date(2025, 4, 1))
    ism = src().fetch(spec("us_ism_pmi"), None, None)
    assert ism["obs_date"].tolist() == [pd.Timestamp("2025-04-01"), pd.Timestamp("2025-05-01")]
    assert ism["value"].tolist() == [48.7, 48.5]


def test_unknown_code_layout_change_and_empty(calls, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SourceError, match="unknown china code"):
        src().fetch(spec("nope"), None, None)
    with pytest.raises(SourceError, match="no column '今值'"):
        parse_akshare_frame(pd.DataFrame({"日期": [date(2025, 1, 1)], "value": [1.0]}), AKSHARE_CODES["cpi_yoy"])
    monkeypatch.setattr(sys.modules["akshare"], "macro_china_pmi", lambda: pd.DataFrame())
    with pytest.raises(EmptyResponse):
        src().fetch(spec("pmi_mfg"), None, None)


def test_transport_errors_are_retried(monkeypatch: pytest.MonkeyPatch, calls) -> None:
    import requests

    attempts = []

    def flaky() -> pd.DataFrame:
        attempts.append(1)
        if len(attempts) < 3:
            raise requests.ConnectionError("reset by peer")
        return pd.DataFrame({"月份": ["2025年07月份"], "制造业-指数": [49.3], "非制造业-指数": [50.1]})

    monkeypatch.setattr(sys.modules["akshare"], "macro_china_pmi", flaky)
    assert src().fetch(spec("pmi_mfg"), None, None)["value"].tolist() == [49.3]
    assert len(attempts) == 3


def test_missing_akshare_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "akshare", None)
    with pytest.raises(SourceError, match="pip install akshare"):
        src().fetch(spec("pmi_mfg"), None, None)


@needs_data
def test_money_supply_and_social_financing(calls) -> None:
    m2 = src().fetch(spec("m2"), None, None)
    assert m2["obs_date"].tolist() == [pd.Timestamp("2024-12-01"), pd.Timestamp("2025-01-01")]
    assert m2["value"].tolist() == [3135322.3, 3185247.2]
    assert src().fetch(spec("m2_yoy"), None, None)["value"].tolist() == [7.3, 7.0]
    assert src().fetch(spec("m1_yoy"), None, None)["value"].tolist() == [-1.4, 0.4]
    tsf = src().fetch(spec("tsf_flow"), None, None).set_index("obs_date")["value"]
    assert tsf.index[0] == pd.Timestamp("2015-01-01") and tsf.iloc[0] == 20516
    assert tsf[tsf.index.year == 2020].sum() == 348634  # PBoC: 34.86 tn yuan in 2020
