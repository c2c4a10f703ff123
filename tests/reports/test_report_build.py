"""``build_report`` on fixture warehouses: every section present, readings computed from the
data, missing inputs named, as-of filtering, one self-contained file, warehouse left untouched.
"""
from __future__ import annotations

import hashlib
import re
from datetime import date
from html import unescape
from pathlib import Path

import pytest

from seesaw.reports.build import MAX_BYTES, ReportResult, build_report
from seesaw.reports.sections import SECTION_IDS

AS_OF = date(2015, 6, 30)
LATE_EVENT_DETAIL = "FIXTURE late event after the as-of date"
#: Resource-loading attributes and CSS hooks that would reach outside the file.
EXTERNAL = re.compile(r"""(?:src|href|xlink:href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//"""
                      r"""|url\(\s*["']?\s*(?:https?:)?//|@import""", re.IGNORECASE)


@pytest.fixture(scope="module")
def full(full_report: ReportResult) -> tuple[ReportResult, str]:
    return full_report, full_report.path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def as_of(report_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[ReportResult, str]:
    out = tmp_path_factory.mktemp("report_asof") / "report.html"
    result = build_report(report_warehouse, out, as_of=AS_OF, title="Fixture replay")
    return result, out.read_text(encoding="utf-8")


def _section(html: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}"(.*?)</section>', html, re.DOTALL)
    assert match, f"section {section_id} not in the report"
    return match.group(1)


def test_report_result_and_every_section(full: tuple[ReportResult, str]) -> None:
    result, html = full
    assert result.path.exists() and result.size_bytes == result.path.stat().st_size
    assert result.seconds > 0
    assert [s[0] for s in result.sections] == [sid for sid, _ in SECTION_IDS]
    assert all(status == "ok" for _, status, _ in result.sections), result.sections
    for sid, _ in SECTION_IDS:
        assert f'<section id="{sid}"' in html and f'href="#{sid}"' in html


def test_report_readings_come_from_the_data(full: tuple[ReportResult, str]) -> None:
    notes = {sid: note for sid, _, note in full[0].sections}
    # Pinned in the fixture: +0.21 on 2020-12-31 with n = 36 → t = 1.252, p = 0.219.
    assert ("US 36-month stock–bond correlation (FIXTURE S&P 500 vs FIXTURE 10y yield) is +0.21 (p = 0.219, "
            "not significant) "
            "as of 2020-12-31") in notes["dashboard"]
    assert "since 1990-01-31" in notes["dashboard"]
    assert "CN" in notes["correlation-history"] and "since 2005-01-31" in notes["correlation-history"]
    assert "US DCC correlation (FIXTURE S&P 500 vs FIXTURE 10y yield)" in notes["dcc-vs-rolling"]
    assert "is flagged: GARCH us_10y: alpha+beta = 0.9996 >= 0.999: integrated variance" in notes["dcc-vs-rolling"]
    assert "(nyfed_acm, 2020-12-31)" in notes["term-premia"] and "RMSE 0.10 pp" in notes["term-premia"]
    assert "the implied 10-year yield is" in notes["erp-model"]
    assert "percentile of the past year" in notes["move"]
    assert "Latest 10-year note auction on 2020-12-10" in notes["auctions"]
    assert "fixture_two_cuts" in notes["rebalancing"]
    # vol is analytic in the fixture; the full drawdown (−1.5·vol + 0.002·w) is least negative at w = 10% for ρ = −0.6.
    assert "10% at ρ −0.60" in notes["monte-carlo"]
    assert "Granger-cause A: p = 0.027 (significant)" in notes["macro-drivers"]
    assert "1 whose latest load failed" in notes["data-freshness"]
    assert "yields_in_band (fail, 3 rows)" in notes["checks"]
    assert "china_regimes (needs series cn_pmi)" in notes["analyses"]


def test_report_what_changed_since_previous_run(full: tuple[ReportResult, str]) -> None:
    dashboard = _section(full[1], "dashboard")
    assert "fixture-run-2" in dashboard and "previous successful run <code>fixture-run-1</code>" in dashboard
    assert "4 new rows, 2 revised" in dashboard
    assert "checks newly failing: yields_in_band" in dashboard
    assert "china_regimes new → skipped" in dashboard
    assert "−0.05 (+0.26 on 2020-11-30 → +0.21 on 2020-12-31)" in dashboard


def test_report_is_self_contained_and_small(full: tuple[ReportResult, str]) -> None:
    result, html = full
    assert result.size_bytes <= MAX_BYTES
    assert not EXTERNAL.search(html), EXTERNAL.search(html)
    assert "http://" not in html and "https://" not in html
    assert "<script" not in html and "<link" not in html and "<img" not in html
    assert html.count("<svg") == 13
    # every chart's ids are prefixed, so no two charts define the same id
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_report_as_of_filters_every_query(full: tuple[ReportResult, str], as_of: tuple[ReportResult, str]) -> None:
    result, html = as_of
    notes = {sid: note for sid, _, note in result.sections}
    assert "<title>Fixture replay</title>" in html and ">as of 2015-06-30<" in html
    assert "+0.35 (p = 0.036, significant) as of 2015-06-30" in notes["dashboard"]
    assert LATE_EVENT_DETAIL in full[1] and LATE_EVENT_DETAIL not in html
    assert "2015-06-30" in notes["term-premia"] and "2020" not in notes["term-premia"]
    assert "Latest 10-year note auction on 2015-06-10" in notes["auctions"]
    assert "fixture_two_cuts" not in notes["rebalancing"]  # scenario rows are dated 2021
    assert "+0.16 3 months ahead" in notes["macro-drivers"]  # the forecast made at the 2015-06-30 origin
    assert "on 2015-06-30" in notes["data-freshness"]
    # no observation date in any reading is later than the as-of date
    for sid, _, note in result.sections:
        for found in re.findall(r"\b(\d{4}-\d{2}-\d{2})\b", note):
            assert date.fromisoformat(found) <= AS_OF, (sid, found)


def test_report_missing_sections_say_what_is_missing(empty_warehouse: Path, tmp_path: Path) -> None:
    before = hashlib.sha256(empty_warehouse.read_bytes()).hexdigest()
    result = build_report(empty_warehouse, tmp_path / "empty.html")
    html = (tmp_path / "empty.html").read_text(encoding="utf-8")
    status = {sid: (st, note) for sid, st, note in result.sections}
    assert [s[0] for s in result.sections] == [sid for sid, _ in SECTION_IDS]
    assert status["analyses"][0] == "ok"
    for sid, (st, note) in status.items():
        if sid != "analyses":
            assert st == "missing" and note.startswith("No "), (sid, note)
            assert note in unescape(html)
    assert status["move"][1] == ("No MOVE data in this warehouse: needs series us_move "
                                 "(step move_metrics skipped).")
    assert "needs series us_acm_tp_10y" in status["term-premia"][1]
    assert "dcc" in status["dcc-vs-rolling"][1]
    assert "us_cpi" in status["macro-drivers"][1]
    assert "core.series is empty" in status["data-freshness"][1]
    assert html.count('data-status="missing"') == len(SECTION_IDS) - 1
    assert hashlib.sha256(empty_warehouse.read_bytes()).hexdigest() == before, "the warehouse was written"


def test_report_never_writes_the_warehouse(report_warehouse: Path, tmp_path: Path) -> None:
    before = hashlib.sha256(report_warehouse.read_bytes()).hexdigest()
    result = build_report(report_warehouse, tmp_path / "early.html", as_of=date(2001, 1, 1))
    assert hashlib.sha256(report_warehouse.read_bytes()).hexdigest() == before
    status = {sid: (st, note) for sid, st, note in result.sections}
    assert status["erp-model"][0] == "missing"  # the ERP fixture starts in 2013
    assert status["dashboard"][0] == "ok" and "as of 2000-12-31" in status["dashboard"][1]
    assert not any("failed to render" in note for _, _, note in result.sections)


def test_header_states_the_common_cutoff_per_market_and_cards_say_stale_since(full_report) -> None:
    html = full_report.path.read_text(encoding="utf-8")
    assert ">common data cutoff US 2020-12-31 · CN 2020-12-31<" in html
    assert "US correlation regime" in html
    assert "stale since 2020-11-16 (us_10y not updated)" in html
