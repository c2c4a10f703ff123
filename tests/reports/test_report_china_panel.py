"""The China section reads like the Soochow Securities note (value, p, effective n and data cutoff
from results.correlations; the note's figures beside seesaw's), the panel draws one chart per
market on shared axes, and the dashboard keeps only the markets that declare a primary pair."""
from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from seesaw.analyses.settings import AnalysisSettings, parse_analysis
from seesaw.reports import sections
from seesaw.reports.build import ReportResult
from seesaw.reports.context import Content, Missing, Reader
from seesaw.reports.metrics import featured_markets, market_order, panel_paths, primary_paths
from seesaw.reports.render import day, num, pvalue, signed
from seesaw.warehouse import report_queries as q
from seesaw.warehouse.db import connect

#: Every market of the fixture warehouse: US and CN declare a primary pair, the panel markets do not.
ALL_MARKETS = {"US", "CN", "JP", "UK", "DE", "FR", "CA", "AU", "EZ"}


@contextmanager
def _reader(db: Path, settings: AnalysisSettings) -> Iterator[Reader]:
    with connect(db, read_only=True) as con:
        yield Reader(con, None, primary_paths(settings.primary_pairs()), featured_markets(settings.pairs))


def _section(html: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}"(.*?)</section>', html, re.DOTALL)
    assert match, section_id
    return match.group(1)


def test_china_reading_states_the_60_month_value_p_and_cutoff_from_the_table(report_warehouse: Path,
                                                                              full_report: ReportResult) -> None:
    with connect(report_warehouse, read_only=True) as con:
        row = con.execute("""
            select obs_date, corr, p_value, n from results.correlations
            where market = 'CN' and asset_a = 'cn_csi300' and asset_b = 'cn_bond_tr' and horizon_periods = 3
              and window_size = 60 order by obs_date desc limit 1""").df().iloc[0]
    assert round(row["corr"], 3) == -0.241  # pinned in the fixture
    reading = dict((sid, note) for sid, _, note in full_report.sections)["china-cycle"]
    assert reading.startswith(
        f"China's 60-month correlation of 3-month returns (FIXTURE CSI 300 vs FIXTURE ChinaBond treasury index) is "
        f"{signed(row['corr'])} ({pvalue(row['p_value'])}, effective n {num(row['n'], 1)}, not significant) "
        f"at the data cutoff {day(row['obs_date'])}"), reading
    assert "the VECM forecasts −0.250 to −0.270 for 2020-12..2021-02 from 2020-11-30" in reading
    body = _section(full_report.path.read_text(encoding="utf-8"), "china-cycle")
    assert "−0.216 to −0.229 for 2025-09..11" in body and "rising 2010Q1–2017Q2" in body
    assert "p = 0.041 (significant)" in body and "p = 0.003" in body  # the causality test, seesaw's and the note's


def test_panel_draws_one_chart_per_market_on_shared_axes(report_warehouse: Path, full_report: ReportResult,
                                                          fixture_settings: AnalysisSettings) -> None:
    with _reader(report_warehouse, fixture_settings) as r:
        declared = {mk: p for mk, p in r.primary.items() if mk in {"US", "CN"}}
        rows = panel_paths(q.panel_summary(r.con, r.cutoff), declared)
        fig = sections._panel_figure(r, rows)
    assert list(rows["market"]) == market_order(ALL_MARKETS)
    # CN's headline pair has no 60-month path: the panel shows its pair that has one
    assert rows.set_index("market").at["CN", "asset_b"] == "cn_bond_tr"
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_gid() for ax in axes] == [f"panel-{mk}" for mk in market_order(ALL_MARKETS)]
    for ax in axes:
        assert ax.get_ylim() == (-1.0, 1.0) and ax.get_xlim() == axes[0].get_xlim()
        assert axes[0].get_shared_y_axes().joined(axes[0], ax) and axes[0].get_shared_x_axes().joined(axes[0], ax)
    body = _section(full_report.path.read_text(encoding="utf-8"), "panel")
    assert body.count("<svg") == 1
    assert sorted(re.findall(r'id="panel-panel-([A-Z]+)"', body)) == sorted(ALL_MARKETS)
    assert body.count("<tr") == len(ALL_MARKETS) + 1  # header + one row per market
    assert "FIXTURE jp_nikkei" in body and ">jp_nikkei / jp_10y<" in body  # names, ids in their column


def test_dashboard_shows_only_markets_with_a_declared_primary_pair(report_warehouse: Path, full_report: ReportResult,
                                                                   fixture_settings: AnalysisSettings) -> None:
    assert featured_markets(fixture_settings.pairs) == {"US", "CN"}
    unmarked = parse_analysis({"pairs": [{"market": "JP", "equity": "jp_nikkei", "bond": "jp_10y", "freq": "M",
                                          "windows": [60]}]}, "x.yaml")
    assert featured_markets(unmarked.pairs) is None  # nothing declared: every market
    dashboard = _section(full_report.path.read_text(encoding="utf-8"), "dashboard")
    assert set(re.findall(r'data-market="([A-Z]+)"', dashboard)) == {"US", "CN"}
    assert "jp_nikkei" not in dashboard and "FIXTURE ftse" not in dashboard
    with _reader(report_warehouse, fixture_settings) as r:
        history = sections.correlation_history(r)
    assert isinstance(history, Content) and history.reading.startswith("US (") and "; CN (" in history.reading
    assert " JP " not in history.reading


def test_correlation_history_without_a_headline_is_missing_not_a_division_by_zero(report_warehouse: Path) -> None:
    settings = parse_analysis({"pairs": [{"market": "CN", "equity": "cn_shcomp", "bond": "cn_10y", "freq": "M",
                                          "windows": [36], "primary": True}]}, "x.yaml")
    with _reader(report_warehouse, settings) as r, warnings.catch_warnings():
        warnings.simplefilter("error")
        history = sections.correlation_history(r)
    assert isinstance(history, Missing)
    assert history.reading == ("No headline stock–bond correlation path in this warehouse: no headline pair has "
                               "rolling rows in results.correlations (declared: CN cn_shcomp / cn_10y (36-month)).")


def test_china_and_panel_sections_need_their_rows(empty_warehouse: Path, fixture_settings: AnalysisSettings) -> None:
    with _reader(empty_warehouse, fixture_settings) as r:
        china, panel = sections.china_cycle(r), sections.panel(r)
    assert isinstance(china, Missing) and "horizon_periods 3" in china.reading
    assert isinstance(panel, Missing) and "results.panel_summary" in panel.reading
