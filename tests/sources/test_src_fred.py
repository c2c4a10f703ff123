"""FRED/ALFRED against the recorded VCR cassettes, replayed by a local HTTP server on 127.0.0.1."""
from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest
import yaml

import seesaw.sources.http
from seesaw.sources.base import OBS_COLUMNS, EmptyResponse, SeriesSpec, SourceError, held_span
from seesaw.sources.fred import FredSource, parse_fredgraph_csv, parse_observations_json, point_in_time
from seesaw.sources.http import RateLimiter
from support import loopback_http

WIRE = Path(__file__).resolve().parents[2] / ".." / "shared" / "wire" / "fred"
DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
needs_wire = pytest.mark.skipif(not WIRE.is_dir(), reason="../shared/wire is absent")
KEY = "abcdef0123456789abcdef0123456789"


@functools.cache
def cassette_body(name: str, index: int = 0) -> str:
    doc = yaml.load((WIRE / name).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    return doc["interactions"][index]["response"]["body"]["string"]


@pytest.fixture(autouse=True)
def no_throttle(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests talk to 127.0.0.1: keep the real limiter code path, with a zero interval."""
    monkeypatch.setitem(seesaw.sources.http._LIMITERS, "fred", RateLimiter(0.0))


class Replay:
    """Routes: (path, frozenset of query items that must match) -> list of (status, body)."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, dict[str, str], list[tuple[int, str]]]] = []
        self.requests: list[str] = []

    def add(self, path: str, must: dict[str, str], *responses: tuple[int, str]) -> None:
        self.routes.append((path, must, list(responses)))

    def answer(self, raw_path: str) -> tuple[int, str]:
        self.requests.append(raw_path)
        url = urlparse(raw_path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        for path, must, responses in self.routes:
            if url.path == path and all(query.get(k) == v for k, v in must.items()):
                return responses.pop(0) if len(responses) > 1 else responses[0]
        return 404, '{"error_code":404,"error_message":"no route"}'


@pytest.fixture()
def server() -> Iterator[tuple[str, Replay]]:
    replay = Replay()

    def answer(path: str) -> tuple[int, str, bytes]:
        status, body = replay.answer(path)
        return status, "application/json" if body.startswith("{") else "text/csv", body.encode("utf-8")

    with loopback_http(answer) as url:
        yield url, replay


def source(base: str, **kwargs) -> FredSource:
    return FredSource(KEY, api_url=f"{base}/fred", graph_url=f"{base}/graph/fredgraph.csv",
                      sleep=lambda s: None, timeout=5.0, **kwargs)


def spec(code: str, **options) -> SeriesSpec:
    return SeriesSpec("x", "x", "fred", code, "D", "u", "yield", "US", options=options)


@needs_wire
def test_gdp_json_skips_the_four_missing_values() -> None:
    body = cassette_body("test_get_series[json].yaml")
    frame = parse_observations_json(body)
    assert len(frame) == 315 - 4
    assert frame["obs_date"].iloc[0] == pd.Timestamp("1947-01-01")
    assert frame["vintage"].isna().all()


@needs_wire
def test_t10y3m_holidays_are_missing_not_rejects(server) -> None:
    base, replay = server
    replay.add("/fred/series/observations", {"series_id": "T10Y3M"},
               (200, cassette_body("test_fred_treasury_constant_maturity_fetcher_urllib3_v2.yaml")))
    frame = source(base).fetch(spec("T10Y3M"), date(2023, 1, 1), date(2023, 6, 6))
    holidays = pd.to_datetime(["2023-01-02", "2023-01-16", "2023-02-20", "2023-05-29"])
    assert len(frame) == 112 - 4 and not frame["obs_date"].isin(holidays).any()
    assert frame["value"].notna().all() and (frame["value"] < 0).any()
    # Same values as the fredgraph CSV in the corpus.
    if (DATA / "fred_daily" / "T10Y3M.csv").is_file():
        csv = parse_fredgraph_csv((DATA / "fred_daily" / "T10Y3M.csv").read_text())
        merged = frame.merge(csv, on="obs_date")
        assert len(merged) == len(frame) and (merged["value_x"] == merged["value_y"]).all()
    query = parse_qs(urlparse(replay.requests[0]).query)
    assert query["observation_start"] == ["2023-01-01"] and query["observation_end"] == ["2023-06-06"]


@needs_wire
def test_point_in_time_reproduces_the_asof_cassette() -> None:
    vintages = parse_observations_json(cassette_body("test_get_series_all_releases[json].yaml"),
                                       keep_missing=True, with_vintage=True)
    asof = pd.DataFrame(json.loads(cassette_body("test_get_series_asof_date[json].yaml"))["observations"])
    known = asof[(asof["realtime_end"] == "2019-01-01") & (asof["value"] != ".")]
    got = point_in_time(vintages, date(2019, 1, 1))
    assert len(got) == len(known) > 250
    assert got["obs_date"].dt.strftime("%Y-%m-%d").tolist() == known["date"].tolist()
    assert got["value"].tolist() == known["value"].astype(float).tolist()
    # Quarters of 1946 existed in the 1992 vintages and were deleted in 1996: gone as of 2019,
    # present as of 1995.
    assert got["obs_date"].min() == pd.Timestamp("1947-01-01")
    assert point_in_time(vintages, date(1995, 1, 1))["obs_date"].min() == pd.Timestamp("1946-01-01")


@needs_wire
def test_point_in_time_of_latest_vintage_equals_current_series() -> None:
    vintages = parse_observations_json(cassette_body("test_get_series_all_releases[json].yaml"),
                                       keep_missing=True, with_vintage=True)
    current = parse_observations_json(cassette_body("test_get_series[json].yaml"))
    got = point_in_time(vintages, date(2024, 10, 30))
    assert got["obs_date"].tolist() == current["obs_date"].tolist()
    assert got["value"].tolist() == current["value"].tolist()


@needs_wire
def test_vintages_through_the_api_and_fetch_drops_tombstones(server) -> None:
    base, replay = server
    replay.add("/fred/series/observations", {"series_id": "GDP", "realtime_start": "1776-07-04"},
               (200, cassette_body("test_get_series_all_releases[json].yaml")))
    src = source(base)
    allv = src.fetch_vintages("GDP", None, None)
    assert len(allv) == 3199 and allv["value"].isna().sum() == 245
    fetched = src.fetch(spec("GDP", vintages=True), None, None)
    assert len(fetched) == 3199 - 245 and fetched["vintage"].notna().all()


def test_rate_limit_and_server_errors_are_retried_bad_series_is_not(server) -> None:
    base, replay = server
    ok = ('{"count":1,"offset":0,"limit":100000,"observations":[{"realtime_start":"2024-01-02",'
          '"realtime_end":"2024-01-02","date":"2024-01-01","value":"1.5"}]}')
    replay.add("/fred/series/observations", {"series_id": "DGS10"}, (429, "Too Many Requests"), (503, "busy"),
               (200, ok))
    replay.add("/fred/series/observations", {"series_id": "NOPE"},
               (400, '{"error_code":400,"error_message":"Bad Request.  The series does not exist."}'))
    frame = source(base).fetch(spec("DGS10"), None, None)
    assert frame["value"].tolist() == [1.5]
    assert sum("DGS10" in r for r in replay.requests) == 3
    with pytest.raises(SourceError, match="HTTP 400") as info:
        source(base).fetch(spec("NOPE"), None, None)
    assert info.value.retryable is False
    assert sum("NOPE" in r for r in replay.requests) == 1


def test_key_never_appears_in_errors(server) -> None:
    base, replay = server
    replay.add("/fred/series/observations", {"series_id": "DGS10"}, (500, f"echo api_key={KEY}"))
    with pytest.raises(SourceError) as info:
        source(base, tries=2).fetch(spec("DGS10"), None, None)
    assert KEY not in str(info.value) and info.value.retryable
    assert info.value.__cause__ is None and info.value.__suppress_context__
    with pytest.raises(SourceError) as info:  # connection refused: requests' message holds the URL
        FredSource(KEY, api_url="http://127.0.0.1:9/fred", sleep=lambda s: None, tries=1,
                   timeout=2.0).fetch(spec("DGS10"), None, None)
    assert KEY not in str(info.value) and "REDACTED" in str(info.value)


EMPTY = '{"count":0,"offset":0,"limit":100000,"observations":[]}'


@needs_wire
def test_an_empty_window_outside_the_series_is_no_data_and_inside_it_a_failure(server) -> None:
    """One more request, the series metadata, tells a window before GDP's first quarter (no data)
    from one FRED should have filled (a failure)."""
    base, replay = server
    replay.add("/fred/series/observations", {"series_id": "GDP"}, (200, EMPTY))
    replay.add("/fred/series", {"series_id": "GDP"}, (200, cassette_body("test_get_series_info.yaml")))
    gdp = SeriesSpec("us_gdp", "GDP", "fred", "GDP", "Q", "USD bn", "macro", "US")
    frame = source(base).fetch(gdp, date(1930, 1, 1), date(1939, 12, 31))
    assert frame.empty and list(frame.columns) == OBS_COLUMNS
    assert held_span(frame) == (date(1947, 1, 1), date(2024, 7, 1))
    assert len(replay.requests) == 2 and f"api_key={KEY}" in replay.requests[1]
    with pytest.raises(EmptyResponse, match=r"no observations in 2000-01-01\.\.2000-12-31 although it holds "
                                            r"1947-01-01\.\.2024-07-01 \(expected observations on 4 dates"):
        source(base).fetch(gdp, date(2000, 1, 1), date(2000, 12, 31))
    # a window between two quarterly stamps holds no date GDP could have
    assert held_span(source(base).fetch(gdp, date(2000, 1, 2), date(2000, 3, 31))) is not None


@needs_wire
def test_a_weekly_series_is_no_data_between_its_weekdays(server) -> None:
    base, replay = server
    replay.add("/fred/series/observations", {"series_id": "WGS10YR"}, (200, EMPTY))
    replay.add("/fred/series", {"series_id": "WGS10YR"}, (200, cassette_body("test_list_methods_diff.yaml")))
    weekly = SeriesSpec("us_10y_w", "10y weekly", "fred", "WGS10YR", "W", "percent p.a.", "yield", "US")
    frame = source(base).fetch(weekly, date(2024, 1, 8), date(2024, 1, 11))  # Mon-Thu; stamps are Fridays
    assert frame.empty and held_span(frame) == (date(1962, 1, 5), date(2024, 10, 25))
    with pytest.raises(EmptyResponse):
        source(base).fetch(weekly, date(2024, 1, 8), date(2024, 1, 12))


def test_a_series_fred_does_not_know_fails_on_its_metadata(server) -> None:
    base, replay = server
    replay.add("/fred/series/observations", {}, (200, EMPTY))
    replay.add("/fred/series", {},
               (400, '{"error_code":400,"error_message":"Bad Request.  The series does not exist."}'))
    with pytest.raises(SourceError, match="FRED series NOPE: HTTP 400"):
        source(base).fetch(spec("NOPE"), date(2030, 1, 1), None)


@pytest.fixture()
def t10y3m_csv(shared_data: Path) -> str:
    return (shared_data / "fred_daily" / "T10Y3M.csv").read_text()  # a fredgraph export, 1982-01-04..


def test_keyless_empty_window_learns_the_span_from_the_whole_csv(server, t10y3m_csv: str) -> None:
    base, replay = server
    header = t10y3m_csv.partition("\n")[0] + "\n"
    for cosd in ("1975-01-01", "2023-01-14"):
        replay.add("/graph/fredgraph.csv", {"id": "T10Y3M", "cosd": cosd}, (200, header))
    replay.add("/graph/fredgraph.csv", {"id": "T10Y3M"}, (200, t10y3m_csv))
    keyless = FredSource(None, use_key_lookup=False, api_url=f"{base}/fred", graph_url=f"{base}/graph/fredgraph.csv",
                         sleep=lambda s: None)
    spread = spec("T10Y3M")
    before = keyless.fetch(spread, date(1975, 1, 1), date(1979, 12, 31))
    assert before.empty and held_span(before) == (date(1982, 1, 4), date(2026, 7, 10))
    assert parse_qs(urlparse(replay.requests[1]).query) == {"id": ["T10Y3M"]}  # the unbounded CSV
    # Sat, Sun and Martin Luther King Day: no trading day, no data; one more day is a failure
    assert held_span(keyless.fetch(spread, date(2023, 1, 14), date(2023, 1, 16))) is not None
    with pytest.raises(EmptyResponse, match="expected observations on 1 dates there, from 2023-01-17"):
        keyless.fetch(spread, date(2023, 1, 14), date(2023, 1, 17))


def test_keyless_fredgraph_csv_both_layouts(server) -> None:
    base, replay = server
    replay.add("/graph/fredgraph.csv", {"id": "DGS10"},
               (200, "observation_date,DGS10\n2024-01-01,\n2024-01-02,3.95\n2024-01-03,3.91\n"))
    replay.add("/graph/fredgraph.csv", {"id": "DGS2"}, (200, "DATE,DGS2\n2024-01-01,.\n2024-01-02,4.33\n"))
    keyless = FredSource(None, use_key_lookup=False, api_url=f"{base}/fred", graph_url=f"{base}/graph/fredgraph.csv",
                         sleep=lambda s: None)
    assert not keyless.has_key
    frame = keyless.fetch(spec("DGS10"), date(2024, 1, 1), date(2024, 1, 3))
    assert frame["value"].tolist() == [3.95, 3.91]
    assert keyless.fetch(spec("DGS2"), None, None)["value"].tolist() == [4.33]
    query = parse_qs(urlparse(replay.requests[0]).query)
    assert query == {"id": ["DGS10"], "cosd": ["2024-01-01"], "coed": ["2024-01-03"]}
    with pytest.raises(SourceError, match="need a FRED API key"):
        keyless.fetch_vintages("CPIAUCSL", None, None)


def test_key_comes_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRED_API_KEY", KEY)
    assert FredSource().has_key
    monkeypatch.delenv("FRED_API_KEY")
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert not FredSource().has_key
