"""Shared network plumbing for the live sources: rate limits, retries with jittered backoff,
timeouts, and secret redaction — configured here, in one place, for every provider.

A provider asks for its limiter by name (``limiter("fred")``); retries wrap a call that raises
``SourceError(retryable=True)`` for what can succeed on retry (timeouts, connection errors,
HTTP 429 and 5xx) and anything else for what cannot (HTTP 400/404, bad payloads). This is the
only retry layer: the flows do not retry a fetch again. A ``Retry-After`` answer is honoured.

Each host has a circuit breaker: after ``BREAKER_THRESHOLD`` consecutive connection failures
(refused, DNS, timeouts; an HTTP error status is an answer, not a failure) its requests fail at
once with ``HostUnreachable`` for ``BREAKER_COOLDOWN_S``, so a run without network ends in
seconds instead of trying every series of every provider to the end of its retries. Client
libraries that do their own HTTP (yfinance, akshare) go through ``guarded``.
"""
from __future__ import annotations

import random
import re
import socket
import threading
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests

from seesaw.sources.base import SourceError

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
#: Consecutive connection failures to one host after which it counts as unreachable.
BREAKER_THRESHOLD = 3
#: Seconds an unreachable host is not tried; then requests go through again until one fails.
BREAKER_COOLDOWN_S = 120.0
#: Exception class names (anywhere in the MRO) of requests and curl_cffi (yfinance) that mean
#: the host was not reached or did not answer in time.
_CONNECTION_ERROR_NAMES = frozenset({"ConnectionError", "Timeout", "ProxyError"})
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

    def wait(self, check: Callable[[], None] | None = None) -> None:
        """Block until the next call is allowed, then take the slot.

        ``check`` runs after every sleep and may raise to give up waiting (an open circuit
        breaker), so callers queued behind a dead host fail at once instead of in turn.
        """
        while True:
            with self._lock:
                now = self._clock()
                delay = self._next_at - now
                if delay <= 0:
                    self._next_at = now + self.min_interval_s
                    return
            self._sleep(delay)
            if check is not None:
                check()


_LIMITERS: dict[str, RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def limiter(provider: str) -> RateLimiter:
    """The process-wide limiter of ``provider`` (interval from ``MIN_INTERVAL_S``)."""
    with _LIMITERS_LOCK:
        if provider not in _LIMITERS:
            _LIMITERS[provider] = RateLimiter(MIN_INTERVAL_S.get(provider, 1.0))
        return _LIMITERS[provider]


class HostUnreachable(SourceError):
    """A host's circuit breaker is open: the request was not sent."""


def is_connection_failure(exc: BaseException) -> bool:
    """Whether ``exc`` says the host was not reached or did not answer in time (refused, DNS,
    timeouts, proxy failures of requests or curl_cffi), as opposed to an answer such as HTTP 404."""
    if isinstance(exc, (ConnectionError, TimeoutError, socket.gaierror)):
        return True
    return any(cls.__name__ in _CONNECTION_ERROR_NAMES for cls in type(exc).__mro__)


class CircuitBreaker:
    """Counts consecutive connection failures to one host; open after ``threshold`` of them.

    While open (``cooldown_s`` after the last failure) ``check`` raises ``HostUnreachable``;
    afterwards requests go through again, and one more failure re-opens it, a success closes it.
    """

    def __init__(self, host: str, *, threshold: int = BREAKER_THRESHOLD, cooldown_s: float = BREAKER_COOLDOWN_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.host = host
        self.threshold = threshold
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._last_error = ""
        self._opened_at: float | None = None

    def check(self, what: str) -> None:
        """Raise ``HostUnreachable`` naming ``what`` while the breaker is open."""
        with self._lock:
            if self._opened_at is None or self._clock() - self._opened_at >= self.cooldown_s:
                return
            failures, last = self._failures, self._last_error
        raise HostUnreachable(f"{what}: host {self.host} unreachable ({failures} connection failures in a row, "
                              f"last: {last}); not tried. Check the network, then rerun")

    def failed(self, error: str) -> None:
        """Count one connection failure (``error`` is a short, secret-free description)."""
        with self._lock:
            self._failures += 1
            self._last_error = error
            if self._failures >= self.threshold:
                self._opened_at = self._clock()

    def succeeded(self) -> None:
        """The host answered: close the breaker."""
        with self._lock:
            self._failures, self._opened_at = 0, None


_BREAKERS: dict[str, CircuitBreaker] = {}
_BREAKERS_LOCK = threading.Lock()


def breaker(host: str) -> CircuitBreaker:
    """The process-wide circuit breaker of ``host`` (``name`` or ``name:port``)."""
    with _BREAKERS_LOCK:
        if host not in _BREAKERS:
            _BREAKERS[host] = CircuitBreaker(host)
        return _BREAKERS[host]


def host_of(url: str) -> str:
    """The host (with its port when one is given) that ``url`` connects to."""
    parts = urlsplit(url)
    return parts.netloc.rpartition("@")[2].lower() or url


def error_host(exc: BaseException) -> str | None:
    """The host a requests error was about (from the request it carries), if it says."""
    url = getattr(getattr(exc, "request", None), "url", None)
    return host_of(url) if isinstance(url, str) and url else None


def guarded(host: str, what: str, call: Callable[[], T]) -> T:
    """Run ``call``, a request to ``host`` made by a client library, through ``host``'s breaker.

    Refused at once while the breaker is open (also when ``call`` itself finds it open while
    waiting for its turn); a connection failure counts against the host; a result or any other
    error (the host answered) closes the breaker.
    """
    gate = breaker(host)
    gate.check(what)
    try:
        result = call()
    except HostUnreachable:
        raise
    except Exception as exc:
        if is_connection_failure(exc):
            gate.failed(type(exc).__name__)
        else:
            gate.succeeded()
        raise
    gate.succeeded()
    return result


def backoff_delay(attempt: int, *, base_s: float = 1.0, cap_s: float = 30.0,
                  rng: random.Random | None = None) -> float:
    """Seconds to wait before retry ``attempt`` (1-based): full jitter on ``base * 2**(n-1)``.

    Full jitter spreads retries of many workers so they do not hit the provider in step.
    """
    ceiling = min(cap_s, base_s * 2 ** (attempt - 1))
    return (rng or random).uniform(0.5 * ceiling, ceiling)


def with_retries(call: Callable[[], T], *, what: str, tries: int = 4, base_s: float = 1.0,
                 cap_s: float = 30.0, sleep: Callable[[float], None] = time.sleep) -> T:
    """Run ``call``; retry a ``SourceError(retryable=True)`` up to ``tries`` times in all with
    backoff + jitter, waiting at least the error's ``retry_after_s`` (the provider's
    ``Retry-After``) when it has one.

    Other errors propagate at once, and so does a retryable one whose ``Retry-After`` is longer
    than ``cap_s`` (the provider asks for more patience than a run has). After the last try the
    error is re-raised as a ``SourceError(retryable=True)`` naming ``what`` and the number of tries.
    """
    for attempt in range(1, tries + 1):
        try:
            return call()
        except SourceError as exc:
            if not exc.retryable:
                raise
            if attempt == tries:
                raise SourceError(
                    f"{what} failed after {tries} tries: {exc}; rerun later", retryable=True
                ) from None
            delay = backoff_delay(attempt, base_s=base_s, cap_s=cap_s)
            if exc.retry_after_s is not None:
                if exc.retry_after_s > cap_s:
                    raise SourceError(f"{exc} (Retry-After {exc.retry_after_s:.0f} s); rerun later",
                                      retryable=True) from None
                delay = max(delay, exc.retry_after_s)
            sleep(delay)
    raise AssertionError("unreachable")


def retry_after_seconds(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds a ``Retry-After`` header value asks to wait (delta-seconds or an HTTP date), or
    None when absent or unreadable."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        return max(0.0, parsedate_to_datetime(text).timestamp() - now())
    except (TypeError, ValueError):
        return None


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
    """One rate-limited GET with a timeout, through the host's circuit breaker; failures become
    typed ``SourceError``.

    Timeouts, connection errors, 429 and 5xx are retryable (with the ``Retry-After`` of a 429 or
    503); other non-2xx statuses are not; an open breaker raises ``HostUnreachable`` without a
    request. Messages never contain the URL's query string secrets (``secrets`` are redacted
    too), and the original exception is not chained, because its text carries the full URL.
    """
    host = host_of(url)
    getter = session.get if session is not None else requests.get

    def request() -> requests.Response:
        limiter(provider).wait(check=lambda: breaker(host).check(what))
        return getter(url, params=params, timeout=timeout)

    try:
        response = guarded(host, what, request)
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
            retry_after_s=retry_after_seconds(response.headers.get("Retry-After")),
        )
    return response
