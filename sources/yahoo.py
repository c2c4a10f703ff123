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

import logging
import re
import threading
import time
import warnings
from collections.abc import Callable
from datetime import date, timedelta

import pandas as pd

from seesaw.sources.base import SeriesSpec, SourceError, clip_range, empty_window, observations
from seesaw.sources.http import HostUnreachable, breaker, guarded, is_connection_failure, limiter, with_retries

#: yfinance does its own HTTP to several Yahoo hosts; their connection failures count against
#: one circuit breaker under this name.
YAHOO_HOST = "finance.yahoo.com"
#: How Yahoo's chart API words a window before a symbol's first bar (HTTP 400, ``chart.error``):
#: an answer that the window is empty, not a refusal.
NO_BARS_REASON = "Data doesn't exist for startDate"


#: Transport failures in the reason yfinance logs when it swallows one ("Failed to get ticker 'X'
#: reason: Failed to perform, curl: (56) Proxy CONNECT aborted") before raising "no time zone".
_TRANSPORT_FAILURE = re.compile(r"curl: \((5|6|7|28|35|52|56)\)|Could not resolve|Connection refused|timed out"
                                r"|ProxyError|ConnectionError", re.IGNORECASE)


class _SwallowedFailures(logging.Handler):
    """Collects the errors yfinance logs (not raises) in the calling thread."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.messages.append(record.getMessage())


def download_history(symbol: str, start: date | None, end_exclusive: date | None, *,
                     auto_adjust: bool) -> pd.DataFrame:
    """One yfinance call for daily bars of ``symbol`` (raises yfinance's exceptions).

    yfinance logs a transport failure and then raises "no time zone" or "no prices"; that is
    raised here as ``ConnectionError`` instead, so the host's circuit breaker counts it and an
    unreachable Yahoo is not read as an unknown symbol or an empty window.
    """
    import yfinance as yf
    from yfinance.exceptions import YFPricesMissingError, YFTzMissingError

    limiter("yahoo").wait(check=lambda: breaker(YAHOO_HOST).check(f"Yahoo {symbol}"))
    # Without a start yfinance would fetch one month; "max" is the whole history.
    since: dict[str, object] = {"start": start} if start is not None else {"period": "max"}
    swallowed = _SwallowedFailures()
    log = logging.getLogger("yfinance")
    log.addHandler(swallowed)
    try:
        with warnings.catch_warnings():
            # raise_errors is deprecated in favour of a process-global switch we do not want to flip.
            warnings.simplefilter("ignore", DeprecationWarning)
            return yf.Ticker(symbol).history(
                **since, end=end_exclusive, interval="1d", auto_adjust=auto_adjust,
                actions=False, raise_errors=True,
            )
    except (YFTzMissingError, YFPricesMissingError):
        failure = next((m for m in swallowed.messages if _TRANSPORT_FAILURE.search(m)), None)
        if failure is None:
            raise
        raise ConnectionError(failure) from None
    finally:
        log.removeHandler(swallowed)


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
        """Closes of ``spec.source_code`` in ``[start, end]`` (trading dates, exchange local).

        An empty window costs one more request, the symbol's whole history, for the span Yahoo
        holds: outside it, or on non-trading days only, the window is "no data"; inside it, a
        failure (``seesaw.sources.base.empty_window``).
        """
        symbol = spec.source_code.strip().upper()
        what = f"Yahoo {symbol}"
        parsed = self._closes(symbol, start, end, spec, what)
        if parsed.empty:
            whole = self._closes(symbol, None, None, spec, what)
            span = None if whole.empty else (whole["obs_date"].min().date(), whole["obs_date"].max().date())
            return empty_window(spec, start, end, span, what)
        parsed["value"] = parsed["value"] * float(spec.options.get("scale", 1.0))
        return parsed

    def _closes(self, symbol: str, start: date | None, end: date | None, spec: SeriesSpec,
                what: str) -> pd.DataFrame:
        """Closes in ``[start, end]`` (either open), empty when Yahoo has none there; one call with retries."""
        from yfinance.exceptions import YFException, YFPricesMissingError, YFRateLimitError, YFTzMissingError

        auto_adjust = bool(spec.options.get("auto_adjust", True))
        end_exclusive = end + timedelta(days=1) if end is not None else None

        def call() -> pd.DataFrame | None:
            try:
                return guarded(YAHOO_HOST, what,
                               lambda: self._download(symbol, start, end_exclusive, auto_adjust=auto_adjust))
            except HostUnreachable:
                raise
            except YFRateLimitError:
                raise SourceError(f"{what}: rate limited (HTTP 429)", retryable=True) from None
            except YFPricesMissingError as exc:
                if exc.yahoo_reason and not exc.yahoo_reason.startswith(NO_BARS_REASON):
                    raise SourceError(f"{what}: Yahoo refused the request: {exc.yahoo_reason}") from None
                return None  # no bars in the window
            except YFTzMissingError:
                raise SourceError(f"{what}: unknown or delisted symbol (Yahoo has no time zone for it)") from None
            except YFException as exc:
                raise SourceError(f"{what}: {exc}") from None
            except Exception as exc:  # transport errors of requests/curl_cffi, malformed JSON
                transient = isinstance(exc, OSError) or is_connection_failure(exc)
                raise SourceError(f"{what}: {type(exc).__name__}: {exc}", retryable=transient) from None

        frame = with_retries(call, what=what, tries=self._tries, sleep=self._sleep)
        if frame is None or frame.empty:
            return observations([], [])
        return clip_range(parse_history(frame, column=spec.options.get("column", "Close")), start, end)
