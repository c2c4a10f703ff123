"""Shared network helpers: throttle spacing, jittered backoff, retry policy, Retry-After, per-host
circuit breakers (also for yfinance and akshare), redaction."""
from __future__ import annotations

import http.server
import random
import socket
import threading

import pytest
import requests

import seesaw.sources.http
from seesaw.sources.base import SourceError
from seesaw.sources.http import (
    BREAKER_THRESHOLD,
    CircuitBreaker,
    HostUnreachable,
    RateLimiter,
    backoff_delay,
    host_of,
    http_get,
    is_connection_failure,
    limiter,
    redact,
    retry_after_seconds,
    with_retries,
)


def test_rate_limiter_spaces_calls() -> None:
    now, slept = [100.0], []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    gate = RateLimiter(0.5, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        gate.wait()
    assert slept == pytest.approx([0.5] * 4)
    now[0] += 10
    gate.wait()
    assert len(slept) == 4


def test_one_limiter_per_provider() -> None:
    assert limiter("fred") is limiter("fred")
    assert limiter("fred").min_interval_s == 0.5


def test_backoff_is_jittered_exponential_and_capped() -> None:
    rng = random.Random(0)
    delays = [backoff_delay(n, base_s=1.0, cap_s=8.0, rng=rng) for n in range(1, 7)]
    for n, d in enumerate(delays, start=1):
        ceiling = min(8.0, 2 ** (n - 1))
        assert 0.5 * ceiling <= d <= ceiling
    assert len({round(d, 6) for d in delays}) == len(delays)


def test_retries_only_retryable_errors() -> None:
    tries, slept = [], []

    def flaky() -> str:
        tries.append(1)
        if len(tries) < 3:
            raise SourceError("HTTP 503", retryable=True)
        return "ok"

    assert with_retries(flaky, what="x", sleep=slept.append) == "ok" and len(slept) == 2

    def bad() -> str:
        tries.append(1)
        raise SourceError("HTTP 400")

    tries.clear()
    with pytest.raises(SourceError, match="HTTP 400"):
        with_retries(bad, what="x", sleep=slept.append)
    assert len(tries) == 1


def test_redact_query_keys_and_literals() -> None:
    text = ("GET https://api.stlouisfed.org/fred/series?series_id=GDP&api_key=abc123&file_type=json"
            " token=zz9 secretvalue")
    out = redact(text, "secretvalue")
    assert "abc123" not in out and "zz9" not in out and "secretvalue" not in out and "series_id=GDP" in out


class _Listener:
    """A loopback port that accepts each connection and drops it at once, counting them."""

    def __init__(self) -> None:
        self.connections = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/data"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()


class _Answer(http.server.BaseHTTPRequestHandler):
    """Answers every GET with the class's ``status`` and ``answer_headers``; counts requests."""

    status: int = 404
    answer_headers: dict[str, str] = {}
    hits = 0

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        type(self).hits += 1
        self.send_response(self.status)
        for name, value in self.answer_headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"no")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def answering():
    handler = type("Handler", (_Answer,), {"hits": 0})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}/data"
    server.shutdown()


@pytest.fixture(autouse=True)
def fresh_breakers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seesaw.sources.http, "_BREAKERS", {})
    monkeypatch.setitem(seesaw.sources.http._LIMITERS, "test", RateLimiter(0.0))


def test_breaker_opens_after_consecutive_connection_failures() -> None:
    listener = _Listener()
    errors = []
    for _ in range(6):
        with pytest.raises(SourceError) as caught:
            http_get(listener.url, provider="test", what="series X", timeout=2.0)
        errors.append(caught.value)
    assert listener.connections == BREAKER_THRESHOLD  # the rest were not sent
    assert [type(e) for e in errors[:BREAKER_THRESHOLD]] == [SourceError] * BREAKER_THRESHOLD
    assert all(e.retryable for e in errors[:BREAKER_THRESHOLD])
    refused = errors[BREAKER_THRESHOLD:]
    assert all(isinstance(e, HostUnreachable) and not e.retryable for e in refused)
    assert f"host {host_of(listener.url)} unreachable" in str(refused[0]) and "series X" in str(refused[0])


def test_refused_port_opens_the_breaker_and_retries_stop_at_once() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/x"
    sock.close()  # nothing listens: connection refused
    slept: list[float] = []
    with pytest.raises(HostUnreachable, match="unreachable"):
        with_retries(lambda: http_get(url, provider="test", what="x", timeout=2.0), what="x", tries=10,
                     sleep=slept.append)
    assert len(slept) == BREAKER_THRESHOLD  # three refused tries, then the open breaker ends the retries


def test_http_errors_are_answers_and_keep_the_breaker_closed(answering) -> None:
    handler, url = answering
    for _ in range(2 * BREAKER_THRESHOLD):
        with pytest.raises(SourceError, match="HTTP 404") as caught:
            http_get(url, provider="test", what="x")
        assert not isinstance(caught.value, HostUnreachable)
    assert handler.hits == 2 * BREAKER_THRESHOLD


def test_breaker_closes_after_cooldown_and_a_success() -> None:
    now = [0.0]
    gate = CircuitBreaker("h", threshold=2, cooldown_s=10.0, clock=lambda: now[0])
    gate.failed("ConnectionError")
    gate.check("x")
    gate.failed("ConnectionError")
    with pytest.raises(HostUnreachable, match="2 connection failures in a row, last: ConnectionError"):
        gate.check("x")
    now[0] = 10.0
    gate.check("x")  # cooled down: one more try goes through
    gate.failed("ConnectTimeout")
    with pytest.raises(HostUnreachable):
        gate.check("x")
    now[0] = 20.0
    gate.succeeded()
    gate.failed("ConnectionError")
    gate.check("x")  # one failure after a success is not enough


def test_retry_after_is_honoured(answering) -> None:
    handler, url = answering
    handler.status, handler.answer_headers = 429, {"Retry-After": "7"}
    slept: list[float] = []
    with pytest.raises(SourceError, match="failed after 3 tries"):
        with_retries(lambda: http_get(url, provider="test", what="x"), what="x", tries=3, sleep=slept.append)
    assert handler.hits == 3 and slept == [7.0, 7.0]  # backoff alone would wait 0.5..2 s


def test_retry_after_beyond_the_cap_gives_up_at_once(answering) -> None:
    handler, url = answering
    handler.status, handler.answer_headers = 503, {"Retry-After": "3600"}
    slept: list[float] = []
    with pytest.raises(SourceError, match="Retry-After 3600 s"):
        with_retries(lambda: http_get(url, provider="test", what="x"), what="x", tries=4, sleep=slept.append)
    assert handler.hits == 1 and slept == []


def test_retry_after_values() -> None:
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:30 GMT", now=lambda: 1445412480.0) == pytest.approx(30.0)
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None


def test_queued_callers_stop_waiting_when_the_breaker_opens() -> None:
    now, slept = [0.0], []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    gate = RateLimiter(1.0, clock=lambda: now[0], sleep=sleep)
    gate.wait()

    def check() -> None:
        raise HostUnreachable("x: host h unreachable")

    with pytest.raises(HostUnreachable):
        gate.wait(check=check)
    assert slept == [1.0]


def test_connection_failures_are_told_from_answers() -> None:
    from curl_cffi.requests.exceptions import HTTPError as CurlHTTPError
    from curl_cffi.requests.exceptions import ProxyError
    from yfinance.exceptions import YFRateLimitError

    assert is_connection_failure(requests.ConnectionError("refused"))
    assert is_connection_failure(requests.ConnectTimeout("slow"))
    assert is_connection_failure(ProxyError("curl: (56) Proxy CONNECT aborted"))
    assert is_connection_failure(ConnectionRefusedError()) and is_connection_failure(socket.gaierror())
    assert not is_connection_failure(requests.HTTPError("404"))
    assert not is_connection_failure(CurlHTTPError("404"))
    assert not is_connection_failure(YFRateLimitError())


def test_yahoo_respects_the_breaker(monkeypatch: pytest.MonkeyPatch) -> None:
    from curl_cffi.requests.exceptions import ProxyError

    from seesaw.sources.base import SeriesSpec
    from seesaw.sources.yahoo import YahooSource

    calls = []

    def download(symbol, start, end_exclusive, *, auto_adjust):
        calls.append(symbol)
        raise ProxyError("curl: (56) Proxy CONNECT aborted")

    source = YahooSource(download=download, tries=2, sleep=lambda s: None)
    errors = []
    for symbol in ["^GSPC", "^VIX", "^MOVE", "^IXIC"]:
        spec = SeriesSpec(symbol, symbol, "yahoo", symbol, "D", "index points", "index", "US")
        with pytest.raises(SourceError) as caught:
            source.fetch(spec, None, None)
        errors.append(caught.value)
    assert len(calls) == BREAKER_THRESHOLD
    assert isinstance(errors[-1], HostUnreachable) and "finance.yahoo.com unreachable" in str(errors[-1])


def test_akshare_connection_errors_count_against_their_host(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types

    import seesaw.sources.china
    from seesaw.sources.base import SeriesSpec
    from seesaw.sources.china import ChinaSource

    monkeypatch.setattr(seesaw.sources.china, "_FUNCTION_HOSTS", {})
    monkeypatch.setitem(seesaw.sources.http._LIMITERS, "akshare", RateLimiter(0.0))
    calls = []

    def macro_china_pmi(**kwargs):
        calls.append(kwargs)
        request = requests.Request("GET", "https://datacenter-web.eastmoney.com/api/data/v1/get").prepare()
        raise requests.ConnectionError("Failed to establish a new connection", request=request)

    monkeypatch.setitem(sys.modules, "akshare", types.SimpleNamespace(macro_china_pmi=macro_china_pmi))
    source = ChinaSource(tries=2, sleep=lambda s: None)
    errors = []
    for code in ["pmi_mfg", "pmi_non_mfg", "pmi_mfg"]:
        with pytest.raises(SourceError) as caught:
            source.fetch(SeriesSpec(code, code, "china", code, "M", "index", "macro", "CN"), None, None)
        errors.append(caught.value)
    assert len(calls) == BREAKER_THRESHOLD
    assert isinstance(errors[-1], HostUnreachable)
    assert "datacenter-web.eastmoney.com unreachable" in str(errors[-1])


def test_missing_akshare_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from seesaw.sources.base import SeriesSpec
    from seesaw.sources.china import ChinaSource

    monkeypatch.setitem(sys.modules, "akshare", None)  # import fails as if not installed
    with pytest.raises(SourceError, match=r"^akshare is not installed: pip install akshare \(extra 'china'\)$"):
        ChinaSource(sleep=lambda s: None).fetch(SeriesSpec("cn_pmi", "PMI", "china", "pmi_mfg", "M", "index", "macro",
                                                           "CN"), None, None)
