"""Signal alerts end to end: a nightly stores its pit day and notifies a loopback webhook with the
market's changes since the previous stored day, and a replay of that day gives the same lines."""
from __future__ import annotations

import html
import json
import shutil
import threading
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
import yaml

from seesaw import pipeline, replay, signals
from seesaw.flows.prefect_flows import signals_markdown
from seesaw.reports.build import build_report
from seesaw.sources.catalog import Profile, load_profile
from seesaw.transforms.alerts import Signals
from seesaw.transforms.pit import PIT_TABLES
from seesaw.warehouse import pit as wpit
from seesaw.warehouse.db import connect

PREVIOUS = date(2017, 12, 29)  # the sample's primary 36-month correlation was negative then
NOW = datetime(2025, 6, 2, 11, 30, tzinfo=UTC)  # the nightly's time (a Monday): its pit day
DAY = NOW.date()
PIT_NAMES = [table.name for table in PIT_TABLES]


class Hook(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        Hook.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Profile:
    """The sample profile, watching the return quadrant too and a lax significance level, so the
    sample's last years (no events, no MOVE) have a regime change and a zero crossing."""
    doc = yaml.safe_load((Path(__file__).parents[2] / "profiles" / "sample.yaml").read_text())
    doc["analysis"]["alerts"] = {"regime_frameworks": ["corr_sign", "stock_bond_quadrant"],
                                 "significance_level": 0.5}
    path = tmp_path_factory.mktemp("alerting") / "alerting.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return load_profile(str(path))


@pytest.fixture(scope="module")
def nightly(sample_db: Path, profile: Profile, tmp_path_factory: pytest.TempPathFactory
            ) -> tuple[Path, pipeline.RunSummary, list[dict[str, Any]], dict[str, pd.DataFrame]]:
    """A copy of the sample warehouse with a replayed earlier day, then a nightly run notifying a
    loopback webhook: the warehouse, the run's summary, what the webhook got, the run's pit rows."""
    db = tmp_path_factory.mktemp("alerts") / "seesaw.duckdb"
    shutil.copy(sample_db, db)
    with duckdb.connect(str(db)) as con:  # forget the day the sample's own nightly stored
        for (table,) in con.execute("select table_name from duckdb_tables() where schema_name = 'pit'").fetchall():
            con.execute(f"delete from pit.{table}")
    replay.run(db, profile, PREVIOUS, PREVIOUS)
    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Hook.received = []
    try:
        summary = pipeline.run(db, profile, notify_url=f"http://127.0.0.1:{server.server_port}/hook", now=NOW,
                               hooks=pipeline.Hooks(report=lambda db, summary: None))
    finally:
        server.shutdown()
    with connect(db, read_only=True) as con:
        rows = wpit.day_tables(con, DAY, PIT_NAMES)
    return db, summary, Hook.received, rows


def test_the_nightly_notifies_its_signals_on_an_ok_run(nightly: tuple[Path, pipeline.RunSummary,
                                                                    list[dict[str, Any]], dict[str, Any]]) -> None:
    db, summary, received, _ = nightly
    assert summary.status == "ok", summary.message
    pair = "US equity market total return (Fama-French Mkt-RF + RF) vs Moody's seasoned Aaa corporate bond yield"
    lines = [f"US: stock–bond return quadrant regime of {pair} changed from double bull to seesaw risk on "
             "(period to 2018-11-30, stock=+1.87% bond=-0.73%)",
             f"US: {pair} 36-month correlation crossed zero, -0.09 to +0.21 (p 0.229, n 36, data to 2018-11-30)"]
    assert summary.signals == Signals(DAY, PREVIOUS, tuple(lines))
    (message,) = received  # the run is ok: no failure message, one signals message
    assert message["kind"] == "signals" and message["status"] == "ok" and message["lines"] == lines
    assert message["as_of"] == str(DAY) and message["since"] == str(PREVIOUS)
    assert message["text"].splitlines() == [f"seesaw signals {DAY} (since {PREVIOUS}):", *lines]
    with duckdb.connect(str(db), read_only=True) as con:  # the nightly's day, under its run id
        assert con.execute("select as_of, run_id from pit.dates order by as_of").fetchall() == [
            (PREVIOUS, con.execute("select run_id from ops.runs where flow = 'replay'").fetchone()[0]),  # type: ignore[index]
            (DAY, summary.run_id)]
        steps = {r[0] for r in con.execute("select step from pit.analyses where as_of = ?", [DAY]).fetchall()}
    assert steps == {a.name for a in replay.replayed_analyses()}  # as a replayed day keeps them


def test_the_report_shows_the_signals_the_webhook_got(nightly: tuple[Path, pipeline.RunSummary,
                                                                   list[dict[str, Any]], dict[str, Any]],
                                                       profile: Profile, tmp_path: Path) -> None:
    db, summary, received, _ = nightly
    out = tmp_path / "report.html"
    build_report(db, out, settings=profile.analysis)
    text = html.unescape(out.read_text(encoding="utf-8"))
    assert f"In the markets, {PREVIOUS} → {DAY}" in text
    assert all(line in text for line in received[0]["lines"])
    build_report(db, out, settings=profile.analysis, as_of=PREVIOUS)  # an as-of report has no "newest day"
    assert "In the markets," not in out.read_text(encoding="utf-8")


def test_a_replayed_day_alerts_as_the_nightly_did(nightly: tuple[Path, pipeline.RunSummary,
                                                                 list[dict[str, Any]], dict[str, pd.DataFrame]],
                                                  profile: Profile) -> None:
    db, summary, _, rows = nightly
    replay.run(db, profile, DAY, DAY, replace=True)
    with connect(db, read_only=True) as con:
        assert signals.day_signals(con, profile.analysis, DAY) == summary.signals
        replayed = wpit.day_tables(con, DAY, PIT_NAMES)
    for name in PIT_NAMES:  # the same rows, staleness included
        ours, theirs = rows[name], replayed[name]
        if name == "correlations_latest":  # DCC paths are extended by a nightly, refitted by a replay
            ours, theirs = (frame[frame["method"] == "rolling"].reset_index(drop=True) for frame in (ours, theirs))
        pd.testing.assert_frame_equal(ours, theirs, check_dtype=False, obj=name)


def test_a_second_run_the_same_day_alerts_once(nightly: tuple[Path, pipeline.RunSummary, list[dict[str, Any]],
                                                               dict[str, Any]], profile: Profile) -> None:
    db, summary, _, _ = nightly
    later = NOW.replace(hour=23)  # a second run the same day
    assert signals.store_nightly_day(db, "rerun", profile, summary.analyses, later) is None  # rewritten, not resent
    with connect(db, read_only=True) as con:
        assert con.execute("select run_id from pit.dates where as_of = ?", [DAY]).fetchone() == ("rerun",)


def test_the_artifact_lists_the_signals() -> None:
    assert signals_markdown(Signals(DAY, PREVIOUS, ("US: a change", "US: another"))) == (
        f"## Signals {DAY} (since {PREVIOUS})\n\n- US: a change\n- US: another\n\n")
    assert signals_markdown(Signals(DAY, None)).startswith(f"## Signals {DAY} (no earlier pit day")
    assert signals_markdown(None) == ""


def test_alert_settings_are_typed_and_become_rules() -> None:
    from seesaw.analyses.settings import parse_analysis

    with pytest.raises(ValueError, match=r"^mine.yaml: analysis.alerts.kinds\[0\]: must be one of .*got 'moves'$"):
        parse_analysis({"alerts": {"kinds": ["moves"]}}, "mine.yaml")
    files = load_profile("files")
    catalog = pd.DataFrame({"series_id": ["us_spx"], "name": ["S&P 500"]})
    rules = signals.alert_rules(files.analysis, catalog)
    primary = files.analysis.primary_pairs()
    assert {(p.market, p.equity, p.bond, p.window) for p in rules.paths} == {
        (pair.market, pair.equity, pair.bond, window) for pair in primary.values() for window in pair.windows}
    assert rules.regime_pairs["US"] == (files.analysis.regimes.markets[0].stock, files.analysis.regimes.markets[0].bond)
    assert rules.name("us_spx") == "S&P 500" and rules.kinds == {"event", "regime", "zero_cross", "move_high"}
    assert "stock_bond_quadrant" not in rules.frameworks and rules.significance_level == 0.05
