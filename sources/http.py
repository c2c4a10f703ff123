"""Shared network plumbing for the live sources: rate limits, retries with jittered backoff,
timeouts, and secret redaction — configured here, in one place, for every provider.

A provider asks for its limiter by name (``limiter("fred")``); retries wrap a call that raises
``SourceError(retryable=True)`` for what can succeed on retry (timeouts, connection errors,
HTTP 429 and 5xx) and anything else for what cannot (HTTP 400/404, bad payloads).
"""
from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import requests

from sources.base import SourceError

T = TypeVar("T")

#: Minimum seconds between two requests to one provider from this process.
#: FRED allows about 120 requests/minute per key: 2 requests/s keeps well inside it.
MIN_INTERVAL_S: dict[str, float] = {
    "fred": 0.5,
    "yahoo": 1.0,
    "fiscaldata": 0.25,
    "nyfed": 1.0,
    "akshare": 1.0,
}
#: Seconds before a request is abandoned (connect, read).
DEFAULT_TIMEOUT_S: tuple[float, float] = (10.0, 60.0)
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_SECRET_QUERY = re.compile(r"(?i)(api_key|apikey|token|key)=[^&\s'\"]+")


class RateLimiter:
    """Spaces calls at least ``min_interval_s`` apart (thread-safe, per process)."""

    def __init__(self, min_interval_s: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.min_interval_s = min_interval_s
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_at = 0.0

    def wait(self) -> None:
        """Block until the next call is allowed, then reserve the slot after it."""
        with self._lock:
            now = self._clock()
            delay = self._next_at - now
            if delay > 0:
                self._sleep(delay)
                now += delay
            self._next_at = now + self.min_interval_s


_LIMITERS: dict[str, RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def limiter(provider: str) -> RateLimiter:
    """The process-wide limiter of ``provider`` (interval from ``MIN_INTERVAL_S``)."""
    with _LIMITERS_LOCK:
        if provider not in _LIMITERS:
            _LIMITERS[provider] = RateLimiter(MIN_INTERVAL_S.get(provider, 1.0))
        return _LIMITERS[provider]


def backoff_delay(attempt: int, *, base_s: float = 1.0, cap_s: float = 30.0,
                  rng: random.Random | None = None) -> float:
    """Seconds to wait before retry ``attempt`` (1-based): full jitter on ``base * 2**(n-1)``.

    Full jitter spreads retries of many workers so they do not hit the provider in step.
    """
    ceiling = min(cap_s, base_s * 2 ** (attempt - 1))
    return (rng or random).uniform(0.5 * ceiling, ceiling)


def with_retries(call: Callable[[], T], *, what: str, tries: int = 4, base_s: float = 1.0,
                 cap_s: float = 30.0, sleep: Callable[[float], None] = time.sleep,
                 is_retryable: Callable[[Exception], bool] | None = None) -> T:
    """Run ``call``; retry retryable failures up to ``tries`` times in all with backoff + jitter.

    Non-retryable errors propagate at once. After the last try the error is re-raised as a
    ``SourceError(retryable=True)`` naming ``what`` and the number of tries.
    """
    def default_retryable(exc: Exception) -> bool:
        return isinstance(exc, SourceError) and exc.retryable

    retryable = is_retryable or default_retryable
    for attempt in range(1, tries + 1):
        try:
            return call()
        except Exception as exc:
            if not retryable(exc):
                raise
            if attempt == tries:
                raise SourceError(
                    f"{what} failed after {tries} tries: {exc}; rerun later", retryable=True
                ) from None
            sleep(backoff_delay(attempt, base_s=base_s, cap_s=cap_s))
    raise AssertionError("unreachable")


def redact(text: str, *secrets: str | None) -> str:
    """Remove secrets from ``text``: every ``api_key=...``-style query value and each literal."""
    text = _SECRET_QUERY.sub(lambda m: f"{m.group(1)}=REDACTED", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "REDACTED")
    return text


def http_get(url: str, *, params: dict[str, Any] | None = None, provider: str, what: str,
             session: requests.Session | None = None,
             timeout: float | tuple[float, float] = DEFAULT_TIMEOUT_S,
             secrets: tuple[str | None, ...] = ()) -> requests.Response:
    """One rate-limited GET with a timeout; failures become typed ``SourceError``.

    Timeouts, connection errors, 429 and 5xx are retryable; other non-2xx statuses are not.
    Messages never contain the URL's query string secrets (``secrets`` are redacted too), and
    the original exception is not chained, because its text carries the full URL.
    """
    limiter(provider).wait()
    getter = session.get if session is not None else requests.get
    try:
        response = getter(url, params=params, timeout=timeout)
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise SourceError(f"{what}: {type(exc).__name__}: {redact(str(exc), *secrets)}",
                          retryable=True) from None
    except requests.RequestException as exc:
        raise SourceError(f"{what}: {type(exc).__name__}: {redact(str(exc), *secrets)}") from None
    if response.status_code >= 400:
        body = redact(response.text[:300].replace("\n", " "), *secrets)
        raise SourceError(
            f"{what}: HTTP {response.status_code} ({body})",
            retryable=response.status_code in RETRY_STATUS,
        )
    return response
