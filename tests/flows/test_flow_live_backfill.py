"""The default ``backfill`` deployment (live profile, prefect.yaml's 1990–1999 parameters) on series
some of which start after 1999: FRED answers from a loopback server replaying fredgraph exports,
Yahoo from those exports through yfinance's ``Ticker``. Series that start later are ``no_data``
and the run ends ``Completed``, not ``Partial``."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import duckdb
import pandas as pd
import pytest
import yaml
import yfinance
from prefect.client.orchestration import get_client
from yfinance.exceptions import YFPricesMissingError

import seesaw.sources.http
import seesaw.sources.registry
from seesaw.sources.fred import FredSource
from seesaw.sources.http import RateLimiter
from seesaw.sources.yahoo import NO_BARS_REASON
from support import loopback_http

REPO = Path(__file__).resolve().parents[2]
#: us_real_10y (DFII10) starts 2003, us_tlt (TLT) is listed in 2002.
SERIES = ["us_10y", "us_real_10y", "us_spx", "us_tlt"]
YAHOO_FILES = {"^GSPC": "GSPC.csv", "TLT": "TLT.csv"}


@pytest.fixture()
def fredgraph(shared_data: Path) -> Iterator[str]:
    """A loopback fredgraph.csv: the export of ``id`` under fred_daily/, rows in ``cosd``..``coed``."""

    def answer(path: str) -> tuple[int, str, bytes]:
        query = {k: v[0] for k, v in parse_qs(urlparse(path).query).items()}
        lines = (shared_data / "fred_daily" / f"{query['id']}.csv").read_text().splitlines()
        rows = [r for r in lines[1:] if query.get("cosd", "") <= r[:10] <= query.get("coed", "9999")]
        return 200, "text/csv", "\n".join([lines[0], *rows, ""]).encode()

    with loopback_http(answer) as url:
        yield f"{url}/graph/fredgraph.csv"


class ExportTicker:
    """``yfinance.Ticker`` over the equity exports: bars in the window, Yahoo's "Data doesn't
    exist" error for a window before the first bar, the whole history for ``period='max'``."""

    equity: Path

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol

    def history(self, start: date | None = None, end: date | None = None, **kwargs: Any) -> pd.DataFrame:
        table = pd.read_csv(self.equity / YAHOO_FILES[self.symbol], parse_dates=["date"])
        if end is not None and pd.Timestamp(end) <= table["date"].min():
            raise YFPricesMissingError(self.symbol, "", yahoo_reason=f"{NO_BARS_REASON} = 0, endDate = 1")
        keep = table["date"].between(pd.Timestamp(start or date.min), pd.Timestamp(end or date.max), inclusive="left")
        index = pd.DatetimeIndex(table.loc[keep, "date"]).tz_localize("America/New_York")
        return pd.DataFrame({"Close": table.loc[keep, "close"].to_numpy()}, index=index)


def test_default_backfill_deployment_is_ok_with_series_that_start_later(
        prefect_harness, shared_data: Path, fredgraph: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from seesaw.flows.prefect_flows import backfill

    monkeypatch.setattr(seesaw.sources.http, "_BREAKERS", {})
    for provider in ("fred", "yahoo"):
        monkeypatch.setitem(seesaw.sources.http._LIMITERS, provider, RateLimiter(0.0))
    monkeypatch.setitem(seesaw.sources.registry.SOURCES, "fred", lambda data_dir: FredSource(
        None, use_key_lookup=False, graph_url=fredgraph, sleep=lambda s: None, timeout=5.0))
    ExportTicker.equity = shared_data / "equity"
    monkeypatch.setattr(yfinance, "Ticker", ExportTicker)
    monkeypatch.setenv("SEESAW_HOME", str(tmp_path))

    deployment = next(d for d in yaml.safe_load((REPO / "prefect.yaml").read_text())["deployments"]
                      if d["name"] == "backfill")
    parameters = {**deployment["parameters"], "series": SERIES}
    assert (parameters["profile"], parameters["start"], parameters["end"]) == ("live", "1990-01-01", "1999-12-31")
    state = backfill(**parameters, return_state=True)

    with get_client(sync_client=True) as client:
        stored = client.read_flow_run(state.state_details.flow_run_id).state
    summary = state.result()
    assert (stored.type.value, stored.name) == ("COMPLETED", "Completed"), summary.message
    assert summary.status == "ok" and summary.exit_code == 0
    assert "2 series had no data in range: us_real_10y (starts 2003-01-02), us_tlt (starts 2002-07-30)" \
        in summary.message
    con = duckdb.connect(str(tmp_path / parameters["db"]), read_only=True)
    try:
        loads = dict(con.execute("select series_id, status from ops.loads").fetchall())
        failed = con.execute("select step, message from ops.analyses where status = 'failed'").fetchall()
    finally:
        con.close()
    assert loads == {"us_10y": "ok", "us_real_10y": "no_data", "us_spx": "ok", "us_tlt": "no_data"}
    assert failed == []
