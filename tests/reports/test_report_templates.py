"""The report's structure: sections declared once with a template each, Jinja2 autoescaping every
value the warehouse returns, and named queries that honour the as-of cutoff."""
from __future__ import annotations

import inspect
import shutil
from datetime import date
from pathlib import Path

import pandas as pd

from seesaw.reports.build import TEMPLATES, build_report
from seesaw.reports.sections import SECTION_IDS, SECTIONS
from seesaw.warehouse import report_queries as q
from seesaw.warehouse.db import connect


def _insert(con, table: str, frame: pd.DataFrame) -> None:
    con.register("incoming", frame)
    con.execute(f"insert into {table} by name select * from incoming")
    con.unregister("incoming")


HOSTILE = '<script>alert("x")</script> & <b>bold</b>'


def test_sections_are_declared_once_with_an_existing_template() -> None:
    ids = [s.id for s in SECTIONS]
    assert len(ids) == len(set(ids)) and SECTION_IDS == tuple((s.id, s.title) for s in SECTIONS)
    for spec in SECTIONS:
        assert (TEMPLATES / spec.template).is_file(), spec


def test_warehouse_text_is_escaped_everywhere(report_warehouse: Path, tmp_path: Path) -> None:
    db = tmp_path / "hostile.duckdb"
    shutil.copy(report_warehouse, db)
    with connect(db) as con:
        _insert(con, "results.events", pd.DataFrame({
            "event_type": ["triple_selloff"], "market": ["US"], "obs_date": [date(2020, 12, 31)],
            "window_days": [1], "score": [9.9], "detail": [HOSTILE]}))
        con.execute("update core.series set name = ? where series_id = 'us_spx'", [HOSTILE])
        con.execute("update ops.checks set status = ? where check_name = 'yields_in_band'", [HOSTILE])
    out = tmp_path / "hostile.html"
    result = build_report(db, out)
    html = out.read_text(encoding="utf-8")
    assert all(status == "ok" for _, status, _ in result.sections), result.sections
    assert "<script" not in html and "<b>bold" not in html
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
    # the events table, the freshness table and the history chart's caption (series name), the
    # checks reading and table
    assert html.count(escaped) >= 5, html.count(escaped)


def test_every_dated_query_honours_the_cutoff(report_warehouse: Path) -> None:
    cutoff = date(2015, 6, 30)
    dated = {"obs_date", "auction_date", "origin_date", "last_date", "end_date"}
    # summaries of whole histories (stored through 2020 here): rows only when they end by the cutoff
    summaries = {"sign_agreement", "term_premium_tracking", "rebalancing_summary", "panel_summary"}
    with connect(report_warehouse, read_only=True) as con:
        for name, query in inspect.getmembers(q, inspect.isfunction):
            params = inspect.signature(query).parameters
            if query.__module__ != q.__name__ or list(params)[:2] != ["con", "cutoff"]:
                continue
            if name == "rolling_paths":
                frame = query(con, cutoff, "US", "us_spx", "us_10y")
            elif name == "term_premium_tracking":
                frame = query(con, cutoff, 10)
            elif name == "corr_phases":
                frame = query(con, cutoff, "CN")
            else:
                frame = query(con, cutoff)
            if name in summaries:
                later = query(con, date(2020, 12, 31), *([10] if name == "term_premium_tracking" else []))
                assert len(later) and frame.empty, name
                continue
            assert len(frame), name
            # a forecast is dated after its origin by design: the origin is what the cutoff bounds
            # a model fit is dated by the end of its sample
            # a phase is dated by its start (it runs to the path's end)
            columns = ({"origin_date"} if name == "latest_vecm_forecasts" else {"sample_end"} if name == "flagged_fits"
                       else {"start_date"} if name == "corr_phases" else dated & set(frame.columns))
            assert columns, name
            for column in columns:
                assert pd.to_datetime(frame[column]).max() <= pd.Timestamp(cutoff), (name, column)


def test_latest_correlations_order_ties_by_pair(tmp_path: Path) -> None:
    rows = [("US", a, "us_10y", date(2020, 12, 31), c) for a, c in (("us_spx", 0.1), ("us_ndx", 0.2), ("us_dji", 0.3))]
    frame = pd.DataFrame(rows, columns=["market", "asset_a", "asset_b", "obs_date", "corr"]).assign(
        basis="bond_return", method="rolling", freq="M", window_size=36, t_stat=1.0, p_value=0.3, n=36.0)
    with connect(tmp_path / "w.duckdb") as con:
        _insert(con, "results.correlations", frame)
        latest = q.latest_correlations(con, date(2021, 1, 1))
    assert list(latest["asset_a"]) == ["us_dji", "us_ndx", "us_spx"]
