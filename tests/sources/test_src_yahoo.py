"""YahooSource offline: yfinance's Ticker is replaced by one that builds its frame from recorded
chart JSON with yfinance's own parsing steps (parse_quotes, set_df_tz, local-midnight dates)."""
from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
import yfinance
from yfinance import utils as yf_utils
from yfinance.exceptions import YFPricesMissingError, YFRateLimitError, YFTzMissingError

import seesaw.sources.http
from seesaw.sources.base import EmptyResponse, SeriesSpec, SourceError, held_span
from seesaw.sources.http import RateLimiter
from seesaw.sources.yahoo import YahooSource, download_history, parse_history

WIRE = Path(__file__).resolve().parents[2] / ".." / "shared" / "wire" / "yahoo"
DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
needs_wire = pytest.mark.skipif(not WIRE.is_dir(), reason="../shared/wire is absent")


def chart_body(name: str) -> dict[str, Any]:
    return json.loads((WIRE / name).read_text(encoding="utf-8"))["response"]["bodyJson"]


def gspc_body() -> dict[str, Any]:
    doc = yaml.load((WIRE / "test_y_finance_index_historical_fetcher_urllib3_v2.yaml").read_text(),
                    Loader=yaml.CSafeLoader)
    chart = [i for i in doc["interactions"] if "/v8/finance/chart/" in i["request"]["uri"]][0]
    return json.loads(chart["response"]["body"]["string"])


def yfinance_frame(body: dict[str, Any], ticker: str) -> pd.DataFrame:
    """What ``Ticker.history(interval='1d', raise_errors=True)`` returns for this chart body."""
    chart = body["chart"]
    if chart.get("error"):
        raise YFPricesMissingError(ticker, "", yahoo_reason=chart["error"]["description"])
    result = chart["result"][0]
    if "timestamp" not in result or not result["indicators"]["quote"][0]:
        raise YFPricesMissingError(ticker, "(1d)")
    tz = result["meta"]["exchangeTimezoneName"]
    quotes = yf_utils.set_df_tz(yf_utils.parse_quotes(result), "1d", tz)
    quotes.index = pd.to_datetime(quotes.index.date).tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
    return quotes.drop(columns=["Adj Close"])


class FakeTicker:
    bodies: dict[str, Any] = {}
    calls: list[dict[str, Any]] = []

    def __init__(self, ticker: str) -> None:
        self.ticker = ticker

    def history(self, **kwargs: Any) -> pd.DataFrame:
        FakeTicker.calls.append({"ticker": self.ticker, **kwargs})
        body = FakeTicker.bodies[self.ticker]
        if isinstance(body, BaseException):
            raise body
        if isinstance(body, list):
            item = body.pop(0)
            if isinstance(item, BaseException):
                raise item
            body = item
        return yfinance_frame(body, self.ticker)


@pytest.fixture(autouse=True)
def fake_yfinance(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeTicker.bodies, FakeTicker.calls = {}, []
    monkeypatch.setattr(yfinance, "Ticker", FakeTicker)
    monkeypatch.setitem(seesaw.sources.http._LIMITERS, "yahoo", RateLimiter(0.0))


def spec(symbol: str, **options: Any) -> SeriesSpec:
    return SeriesSpec("x", "x", "yahoo", symbol, "D", "index points", "index", "US", options=options)


def src() -> YahooSource:
    return YahooSource(sleep=lambda s: None)


@needs_wire
def test_gspc_cassette_dates_and_closes_match_the_corpus() -> None:
    FakeTicker.bodies["^GSPC"] = gspc_body()
    frame = src().fetch(spec("^GSPC"), date(2023, 1, 3), date(2024, 6, 28))
    assert len(frame) == 374
    assert frame["obs_date"].iloc[0] == pd.Timestamp("2023-01-03")
    assert frame["obs_date"].iloc[-1] == pd.Timestamp("2024-06-28")
    call = FakeTicker.calls[0]
    assert call["auto_adjust"] is True and call["end"] == date(2024, 6, 29) and call["interval"] == "1d"
    if (DATA / "equity" / "GSPC.csv").is_file():
        ref = pd.read_csv(DATA / "equity" / "GSPC.csv", parse_dates=["date"])
        merged = frame.merge(ref, left_on="obs_date", right_on="date")
        assert len(merged) == 374
        assert (merged["value"] - merged["close"]).abs().max() < 1e-6


@needs_wire
def test_xetra_bars_get_their_local_trading_date_not_gmtoffset() -> None:
    body = chart_body("chart-WSU.DE-2023-08-04-to-2023-08-09.json")
    assert body["chart"]["result"][0]["meta"]["gmtoffset"] == 3600  # winter offset at request time
    FakeTicker.bodies["WSU.DE"] = body
    frame = src().fetch(spec("WSU.DE"), date(2023, 8, 4), date(2023, 8, 9))
    assert frame["obs_date"].dt.strftime("%Y-%m-%d").tolist() == ["2023-08-04", "2023-08-07", "2023-08-08"]


def test_utc_stamps_near_midnight_take_the_exchange_date() -> None:
    # 00:00 London in July is 23:00 UTC the previous day.
    index = pd.DatetimeIndex(["2023-07-02 23:00", "2023-07-03 23:00"], tz="UTC")
    frame = pd.DataFrame({"Close": [1.1, 1.2]}, index=index)
    assert parse_history(frame, exchange_tz="Europe/London")["obs_date"].dt.day.tolist() == [3, 4]


def test_multiindex_columns_are_flattened() -> None:
    index = pd.DatetimeIndex(["2024-01-02", "2024-01-03"])
    frame = pd.DataFrame([[1.0, 2.0], [3.0, 4.0]], index=index,
                         columns=pd.MultiIndex.from_tuples([("Close", "^GSPC"), ("Open", "^GSPC")],
                                                           names=["Price", "Ticker"]))
    assert parse_history(frame)["value"].tolist() == [1.0, 3.0]


@needs_wire
def test_currency_and_future_fixtures() -> None:
    FakeTicker.bodies["EURUSD=X"] = chart_body("chart-EURUSD=X-2020-01-01-to-2020-01-03.json")
    FakeTicker.bodies["GC=F"] = chart_body("chart-GC=F-2020-01-01-to-2020-01-03.json")
    fx = src().fetch(spec("EURUSD=X"), date(2020, 1, 1), date(2020, 1, 3))
    assert fx["obs_date"].dt.day.tolist() == [1, 2, 3]
    gold = src().fetch(spec("GC=F"), date(2020, 1, 1), date(2020, 1, 3))
    assert gold["obs_date"].tolist() == [pd.Timestamp("2020-01-02")]


@needs_wire
def test_empty_chart_raises_empty_response() -> None:
    FakeTicker.bodies["AAPL"] = chart_body("chart-AAPL-2025-02-01-to-2025-02-02-includePrePost-false-interval-1m.json")
    with pytest.raises(EmptyResponse):
        src().fetch(spec("AAPL"), date(2025, 2, 1), date(2025, 2, 2))


NO_BARS = "Data doesn't exist for startDate = 631152000, endDate = 946771200"  # Yahoo's HTTP 400 wording


@needs_wire
def test_a_window_before_the_first_bar_is_no_data_from_the_whole_history() -> None:
    """Yahoo answers a window before a symbol's listing with a ``chart.error``; one more call, the
    whole history, shows the symbol starts after the window."""
    FakeTicker.bodies["TLT"] = [YFPricesMissingError("TLT", "", yahoo_reason=NO_BARS), gspc_body()]
    frame = src().fetch(spec("TLT"), date(1990, 1, 1), date(1999, 12, 31))
    assert frame.empty and held_span(frame) == (date(2023, 1, 3), date(2024, 6, 28))
    window, whole = FakeTicker.calls
    assert window["start"] == date(1990, 1, 1) and window["end"] == date(2000, 1, 1)
    assert whole["period"] == "max" and whole["end"] is None and "start" not in whole


@needs_wire
def test_an_empty_window_inside_the_history_fails_unless_it_has_no_trading_day() -> None:
    empty = chart_body("chart-AAPL-2025-02-01-to-2025-02-02-includePrePost-false-interval-1m.json")
    FakeTicker.bodies["^GSPC"] = [empty, gspc_body()]
    with pytest.raises(EmptyResponse, match=r"although it holds 2023-01-03\.\.2024-06-28 \(expected observations "
                                            r"on 5 dates there, from 2023-06-05\)"):
        src().fetch(spec("^GSPC"), date(2023, 6, 5), date(2023, 6, 9))
    FakeTicker.bodies["^GSPC"] = [empty, gspc_body()]  # Saturday to Christmas Day, a Monday
    assert held_span(src().fetch(spec("^GSPC"), date(2023, 12, 23), date(2023, 12, 25))) is not None


def test_empty_frame_raises_empty_response() -> None:
    class Empty(FakeTicker):
        def history(self, **kwargs: Any) -> pd.DataFrame:
            return yf_utils.empty_df()

    source = YahooSource(download=lambda *a, **k: Empty("X").history(), sleep=lambda s: None)
    with pytest.raises(EmptyResponse):
        source.fetch(spec("X"), None, None)


@needs_wire
def test_error_envelope_raises_source_error() -> None:
    error = chart_body("quoteSummary-assetProfile-^VXAPL.json")["quoteSummary"]["error"]
    FakeTicker.bodies["^VXAPL"] = {"chart": {"result": None, "error": error}}
    with pytest.raises(SourceError, match="No fundamentals data found") as info:
        src().fetch(spec("^VXAPL"), None, None)
    assert not isinstance(info.value, EmptyResponse) and not info.value.retryable


@needs_wire
def test_rate_limit_is_retried_then_succeeds() -> None:
    FakeTicker.bodies["^GSPC"] = [YFRateLimitError(), YFRateLimitError(), gspc_body()]
    frame = src().fetch(spec("^GSPC"), date(2024, 6, 1), date(2024, 6, 28))
    assert len(FakeTicker.calls) == 3 and frame["obs_date"].iloc[-1] == pd.Timestamp("2024-06-28")


def test_persistent_rate_limit_gives_up_retryable() -> None:
    FakeTicker.bodies["^GSPC"] = YFRateLimitError()
    with pytest.raises(SourceError, match="after 4 tries") as info:
        src().fetch(spec("^GSPC"), None, None)
    assert info.value.retryable and len(FakeTicker.calls) == 4


def test_download_history_passes_explicit_options() -> None:
    FakeTicker.bodies["^VIX"] = YFRateLimitError()
    with pytest.raises(YFRateLimitError):
        download_history("^VIX", date(2024, 1, 1), date(2024, 2, 1), auto_adjust=False)
    call = FakeTicker.calls[0]
    assert call["auto_adjust"] is False and call["actions"] is False and call["raise_errors"] is True


class LoggingThenTzMissing:
    """yfinance offline: it logs the transport failure, then raises "no time zone"."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def history(self, **kwargs: Any) -> pd.DataFrame:
        logging.getLogger("yfinance").error("Failed to get ticker '^GSPC' reason: %s", self.reason)
        raise YFTzMissingError("^GSPC")


def test_a_transport_failure_yfinance_swallows_is_a_connection_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    """Offline, yfinance logs "curl: (56) Proxy CONNECT aborted" and raises "no time zone": that is
    an unreachable host (counted by the breaker, retried), not an unknown symbol."""
    offline = "Failed to perform, curl: (56) Proxy CONNECT aborted."
    monkeypatch.setattr(yfinance, "Ticker", lambda symbol: LoggingThenTzMissing(offline))
    with pytest.raises(ConnectionError, match="curl: \\(56\\)"):
        download_history("^GSPC", date(2024, 1, 1), date(2024, 2, 1), auto_adjust=True)
    monkeypatch.setattr(yfinance, "Ticker", lambda symbol: LoggingThenTzMissing("symbol may be delisted"))
    with pytest.raises(YFTzMissingError):  # a real "no time zone" stays what it is
        download_history("^GSPC", date(2024, 1, 1), date(2024, 2, 1), auto_adjust=True)
