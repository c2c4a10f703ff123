"""Yahoo Finance daily closes through yfinance, one symbol per call.

Stages: normalise (symbol, inclusive ``[start, end]`` → yfinance's exclusive end) → extract
(``download_history``: the only I/O, behind the process-wide Yahoo throttle and Yahoo's circuit
breaker in ``seesaw.sources.http``, retried on ``YFRateLimitError`` and transport errors with backoff +
jitter) → parse
(``parse_history``: flatten columns, pick the close, turn exchange-local bar stamps into trading
dates).

``Ticker.history`` is used rather than ``yf.download`` because ``download`` swallows every
error (rate limits included) into an empty frame; ``auto_adjust`` is passed explicitly and
columns are flattened in case a MultiIndex comes back. yfinance stamps daily bars at midnight in
the exchange's time zone (``meta.exchangeTimezoneName``), so the trading date is the local date
of the stamp; ``meta.gmtoffset`` is the offset at request time, not at the bar, and is never
used (a July bar at 00:00 London is 23:00 UTC the day before).

Options: ``column`` (default ``Close``; ``Adj Close`` with ``auto_adjust: false``),
``auto_adjust`` (default true), ``scale`` (multiplier).
"""
from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from datetime import date, timedelta

import pandas as pd

from seesaw.sources.base import EmptyResponse, SeriesSpec, SourceError, clip_range, observations
from seesaw.sources.http import HostUnreachable, breaker, guarded, is_connection_failure, limiter, with_retries

#: yfinance does its own HTTP to several Yahoo hosts; their connection failures count against
#: one circuit breaker under this name.
YAHOO_HOST = "finance.yahoo.com"


def download_history(symbol: str, start: date | None, end_exclusive: date | None, *,
                     auto_adjust: bool) -> pd.DataFrame:
    """One yfinance call for daily bars of ``symbol`` (raises yfinance's exceptions)."""
    import yfinance as yf

    limiter("yahoo").wait(check=lambda: breaker(YAHOO_HOST).check(f"Yahoo {symbol}"))
    with warnings.catch_warnings():
        # raise_errors is deprecated in favour of a process-global switch we do not want to flip.
        warnings.simplefilter("ignore", DeprecationWarning)
        return yf.Ticker(symbol).history(
            start=start, end=end_exclusive, interval="1d", auto_adjust=auto_adjust,
            actions=False, raise_errors=True,
        )


def parse_history(frame: pd.DataFrame, *, column: str = "Close", exchange_tz: str | None = None) -> pd.DataFrame:
    """Turn a yfinance history/download frame into protocol observations.

    Parameters
    ----------
    frame : yfinance frame indexed by bar time (tz-aware exchange-local, tz-aware UTC, or naive
        exchange-local as ``yf.download`` returns for daily bars).
    column : price column; MultiIndex columns (``('Close', '^GSPC')``) are flattened first.
    exchange_tz : IANA zone of the exchange; converts tz-aware stamps before taking the date.
    """
    if isinstance(frame.columns, pd.MultiIndex):
        level = 0 if column in frame.columns.get_level_values(0) else -1
        frame = frame.copy()
        frame.columns = frame.columns.get_level_values(level)
    if column not in frame.columns:
        raise SourceError(f"Yahoo frame has no {column!r} column (columns: {list(frame.columns)})")
    index = pd.DatetimeIndex(frame.index)
    if index.tz is not None:
        if exchange_tz:
            index = index.tz_convert(exchange_tz)
        index = index.tz_localize(None)
    values = frame[column].to_numpy()
    keep = ~pd.isna(values)
    return observations(index.normalize()[keep], values[keep])


class YahooSource:
    """Daily closes of Yahoo symbols (``spec.source_code`` = ``^GSPC``, ``^MOVE``, ...)."""

    name = "yahoo"

    def __init__(self, *, download: Callable[..., pd.DataFrame] = download_history, tries: int = 4,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._download = download
        self._tries = tries
        self._sleep = sleep

    def fetch(self, spec: SeriesSpec, start: date | None, end: date | None) -> pd.DataFrame:
        """Closes of ``spec.source_code`` in ``[start, end]`` (trading dates, exchange local)."""
        from yfinance.exceptions import YFException, YFPricesMissingError, YFRateLimitError, YFTzMissingError

        symbol = spec.source_code.strip().upper()
        auto_adjust = bool(spec.options.get("auto_adjust", True))
        end_exclusive = end + timedelta(days=1) if end is not None else None
        what = f"Yahoo {symbol}"

        def call() -> pd.DataFrame:
            try:
                return guarded(YAHOO_HOST, what,
                               lambda: self._download(symbol, start, end_exclusive, auto_adjust=auto_adjust))
            except HostUnreachable:
                raise
            except YFRateLimitError:
                raise SourceError(f"{what}: rate limited (HTTP 429)", retryable=True) from None
            except YFPricesMissingError as exc:
                if exc.yahoo_reason:
                    raise SourceError(f"{what}: Yahoo refused the request: {exc.yahoo_reason}") from None
                raise EmptyResponse(f"{what}: no prices in {start}..{end} ({exc.rationale})") from None
            except YFTzMissingError:
                raise SourceError(f"{what}: unknown or delisted symbol (Yahoo has no time zone for it)") from None
            except YFException as exc:
                raise SourceError(f"{what}: {exc}") from None
            except Exception as exc:  # transport errors of requests/curl_cffi, malformed JSON
                transient = isinstance(exc, OSError) or is_connection_failure(exc)
                raise SourceError(f"{what}: {type(exc).__name__}: {exc}", retryable=transient) from None

        frame = with_retries(call, what=what, tries=self._tries, sleep=self._sleep)
        if frame is None or frame.empty:
            raise EmptyResponse(f"{what}: empty result for {start}..{end}")
        parsed = parse_history(frame, column=spec.options.get("column", "Close"))
        parsed["value"] = parsed["value"] * float(spec.options.get("scale", 1.0))
        parsed = clip_range(parsed, start, end)
        if parsed.empty:
            raise EmptyResponse(f"{what}: no closes in {start}..{end}")
        return parsed
