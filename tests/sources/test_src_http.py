"""Shared network helpers: throttle spacing, jittered backoff, retry policy, redaction."""
from __future__ import annotations

import random

import pytest

from sources.base import SourceError
from sources.http import RateLimiter, backoff_delay, limiter, redact, with_retries


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
    text = "GET https://api.stlouisfed.org/fred/series?series_id=GDP&api_key=abc123&file_type=json token=zz9 secretvalue"
    out = redact(text, "secretvalue")
    assert "abc123" not in out and "zz9" not in out and "secretvalue" not in out and "series_id=GDP" in out
