"""FRED and ALFRED: latest observations and every vintage of a series.

With an API key (env ``FRED_API_KEY``, else a Prefect Secret block ``fred-api-key``) the source
calls the FRED JSON API (``/fred/series/observations``), which also serves ALFRED vintages;
without one it downloads the keyless ``fredgraph.csv``. The JSON API is called with
``requests`` rather than through fredapi because fredapi opens URLs with no timeout and no
retry and only reads XML; the wire format and parameters are the same ones fredapi sends.

Stages: ``_request_params`` (normalise) → ``_get`` (the only I/O: rate-limited to ~2 requests/s
per process by ``seesaw.sources.http``, timeouts, retries of 429/5xx/timeouts with backoff + jitter,
never of 400) → ``parse_observations_json`` / ``parse_fredgraph_csv`` (pure).
'.' and empty values are missing, not rejects. A window that comes back empty costs one more
request, for the span FRED holds (``FredSource.span``): outside that span, or without a date the
series could have, the window is "no data"; inside it, a failure (``seesaw.sources.base.empty_window``).
The key never appears in messages: URLs and exception texts are redacted and the original
exceptions are not chained.
"""
from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import requests

from seesaw.sources.base import (
    OBS_COLUMNS,
    EmptyResponse,
    SeriesSpec,
    SourceError,
    clip_range,
    empty_window,
    json_records,
    observations,
)
from seesaw.sources.files import extract_series, read_csv_table
from seesaw.sources.http import http_get, with_retries

FRED_API_URL = "https://api.stlouisfed.org/fred"
FREDGRAPH_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"
#: ALFRED's realtime bounds meaning "every vintage ever published".
REALTIME_ALL = ("1776-07-04", "9999-12-31")
_PAGE_LIMIT = 100_000
_MISSING = {".", ""}
_JSON_FIELDS = ["date", "value", "realtime_start", "realtime_end"]


def resolve_api_key() -> str | None:
    """The FRED key from ``FRED_API_KEY``, else Prefect Secret ``fred-api-key``, else None.

    Prefect is imported lazily and only consulted when ``PREFECT_API_URL`` is set, so a plain
    run never starts an ephemeral Prefect server just to look for a secret.
    """
    key = os.environ.get("FRED_API_KEY", "").strip()
    if key:
        return key
    if not os.environ.get("PREFECT_API_URL"):
        return None
    try:
        from prefect.blocks.system import Secret

        # prefect's async_dispatch types load() as "block | coroutine"; called from sync code it is the block
        return str(Secret.load("fred-api-key").get()).strip() or None  # type: ignore[union-attr]
    except Exception:  # no block, no server, no prefect: keyless mode
        return None


def parse_observations_json(payload: str | bytes | dict[str, Any], *, keep_missing: bool = False,
                            with_vintage: bool = False) -> pd.DataFrame:
    """Parse a ``/fred/series/observations`` JSON body into protocol observations.

    ``'.'`` values are dropped unless ``keep_missing`` (ALFRED tombstones: the observation
    did not exist in that vintage), which keeps them with value NaN. ``vintage`` is the row's
    ``realtime_start`` when ``with_vintage``, else NaT. Fields are read as text: a row whose
    date or vintage is not ``YYYY-MM-DD`` keeps obs_date NaT (the loader rejects it as
    ``bad_date``), one without a number keeps value NaN (``unparseable``). A payload that is not
    an object with a list of observation objects raises ``SourceError``.
    """
    doc = _load_json(payload)
    listed = json_records(doc, "observations", "FRED observations")
    rows = pd.DataFrame(listed, columns=_JSON_FIELDS)
    text = rows.astype("string")
    if not keep_missing:
        text = text[~text["value"].str.strip().isin(_MISSING).to_numpy(dtype=bool, na_value=False)]
    frame = observations(
        text["date"].to_numpy(dtype=object, na_value=None),
        text["value"].to_numpy(dtype=object, na_value=None),
        vintage=text["realtime_start"].to_numpy(dtype=object, na_value=None) if with_vintage else None,
        date_format="%Y-%m-%d",
    )
    return frame.sort_values(["obs_date", "vintage"], kind="stable").reset_index(drop=True)


def _load_json(payload: str | bytes | dict[str, Any]) -> Any:
    """The decoded document of a JSON body (a dict passes through)."""
    if not isinstance(payload, (str, bytes)):
        return payload
    try:
        return json.loads(payload)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise SourceError(f"FRED: payload is not JSON ({exc})") from None


def parse_fredgraph_csv(text: str) -> pd.DataFrame:
    """Parse a keyless ``fredgraph.csv`` download (``observation_date,ID`` or legacy ``DATE,ID``;
    missing values empty or ``'.'``) into protocol observations."""
    try:
        table = read_csv_table(text)
    except ValueError as exc:  # pandas' ParserError and EmptyDataError
        first = text.partition("\n")[0][:80] if isinstance(text, str) else ""
        raise SourceError(f"fredgraph CSV (header {first!r}) does not parse: {exc}") from None
    if table.shape[1] != 2:
        raise SourceError(f"fredgraph CSV has columns {list(table.columns)}, expected date and one series")
    return extract_series(table, {}, where=f"fredgraph {table.columns[1]}")


def point_in_time(frame: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Each observation's value as known on ``as_of``: the latest vintage with
    ``vintage <= as_of``. Observations whose latest such vintage is a tombstone (value NaN with
    raw ``'.'``: absent in that vintage) and those not yet published are left out.

    Parameters
    ----------
    frame : DataFrame with ``OBS_COLUMNS`` where ``vintage`` is the ALFRED realtime_start.
    as_of : the information date.

    Returns
    -------
    DataFrame with ``OBS_COLUMNS``, one row per ``obs_date``, sorted by date.
    """
    known = frame[frame["vintage"] <= pd.Timestamp(as_of)]
    latest = known.sort_values(["obs_date", "vintage"], kind="stable").drop_duplicates("obs_date", keep="last")
    alive = ~(latest["value"].isna() & latest["raw_value"].str.strip().isin(_MISSING))
    return latest[alive].reset_index(drop=True)[OBS_COLUMNS]


class FredSource:
    """FRED observations; ALFRED vintages for specs with ``options: {vintages: true}``."""

    name = "fred"

    def __init__(self, api_key: str | None = None, *, use_key_lookup: bool = True,
                 session: requests.Session | None = None, api_url: str = FRED_API_URL,
                 graph_url: str = FREDGRAPH_URL, timeout: float | tuple[float, float] = (10.0, 60.0),
                 tries: int = 4, sleep: Callable[[float], None] = time.sleep) -> None:
        self._api_key = api_key or (resolve_api_key() if use_key_lookup else None)
        self._session = session
        self._api_url = api_url.rstrip("/")
        self._graph_url = graph_url
        self._timeout = timeout
        self._tries = tries
        self._sleep = sleep

    @property
    def has_key(self) -> bool:
        """Whether calls go to the keyed JSON API (needed for vintages)."""
        return bool(self._api_key)

    def fetch(self, spec: SeriesSpec, start: date | None, end: date | None) -> pd.DataFrame:
        """Latest observations of ``spec.source_code`` in ``[start, end]``; every vintage when
        ``spec.options['vintages']`` and a key is available (tombstones dropped)."""
        code = spec.source_code
        if spec.options.get("vintages") and self.has_key:
            frame = self._observations(code, start, end, realtime=REALTIME_ALL, keep_missing=True)
            frame = frame[~(frame["value"].isna() & frame["raw_value"].isin(_MISSING))].reset_index(drop=True)
        elif self.has_key:
            frame = self._observations(code, start, end, realtime=None, keep_missing=False)
        else:
            frame = self._fredgraph(code, start, end)
        if frame.empty:
            return empty_window(spec, start, end, self.span(code), f"FRED {code.strip().upper()}")
        return frame

    def span(self, series_id: str) -> tuple[date, date] | None:
        """The first and last observation dates FRED holds for ``series_id`` (one request): the
        series metadata's ``observation_start``/``observation_end`` with a key, else the dates of
        the whole keyless CSV. None when it holds none.

        An empty window asks for it, to tell a window outside the series (no data) from one
        inside it (a failure).
        """
        code = series_id.strip().upper()
        what = f"FRED series {code}"
        if not self.has_key:
            dates = parse_fredgraph_csv(self._get(self._graph_url, {"id": code}, what).text)["obs_date"].dropna()
            return None if dates.empty else (dates.min().date(), dates.max().date())
        params = {"series_id": code, "file_type": "json", "api_key": self._api_key}
        listed = json_records(self._decode(self._get(f"{self._api_url}/series", params, what), what), "seriess", what)
        if not listed:
            return None
        try:
            return date.fromisoformat(listed[0]["observation_start"]), date.fromisoformat(listed[0]["observation_end"])
        except (KeyError, TypeError, ValueError):
            raise SourceError(f"{what}: no observation_start/observation_end dates in {str(listed[0])[:200]}") from None

    def fetch_vintages(self, series_id: str, start: date | None, end: date | None) -> pd.DataFrame:
        """Every ALFRED vintage of ``series_id`` for observations in ``[start, end]``.

        One row per (obs_date, realtime_start); ``vintage`` is realtime_start. Rows whose value
        is ``'.'`` are kept as tombstones (value NaN) so ``point_in_time`` can tell a value
        deleted in a later vintage from one never revised. Needs an API key.
        """
        if not self.has_key:
            raise SourceError(
                f"ALFRED vintages of {series_id} need a FRED API key; set FRED_API_KEY or the "
                "Prefect Secret 'fred-api-key'"
            )
        frame = self._observations(series_id, start, end, realtime=REALTIME_ALL, keep_missing=True)
        if frame.empty:
            raise EmptyResponse(f"ALFRED returned no vintages for {series_id} in {start}..{end}")
        return frame

    def _request_params(self, series_id: str, start: date | None, end: date | None,
                        realtime: tuple[str, str] | None, offset: int) -> dict[str, Any]:
        params: dict[str, Any] = {"series_id": series_id.strip().upper(), "file_type": "json",
                                  "limit": _PAGE_LIMIT, "offset": offset, "api_key": self._api_key}
        if start is not None:
            params["observation_start"] = pd.Timestamp(start).date().isoformat()
        if end is not None:
            params["observation_end"] = pd.Timestamp(end).date().isoformat()
        if realtime is not None:
            params["realtime_start"], params["realtime_end"] = realtime
        return params

    def _get(self, url: str, params: dict[str, Any], what: str) -> requests.Response:
        return with_retries(
            lambda: http_get(url, params=params, provider="fred", what=what, session=self._session,
                             timeout=self._timeout, secrets=(self._api_key,)),
            what=what, tries=self._tries, sleep=self._sleep,
        )

    def _observations(self, series_id: str, start: date | None, end: date | None,
                      realtime: tuple[str, str] | None, keep_missing: bool) -> pd.DataFrame:
        frames, offset = [], 0
        while True:
            params = self._request_params(series_id, start, end, realtime, offset)
            what = f"FRED observations {params['series_id']}"
            doc = self._decode(self._get(f"{self._api_url}/series/observations", params, what), what)
            frames.append(parse_observations_json(doc, keep_missing=keep_missing, with_vintage=realtime is not None))
            try:
                count, page = int(doc.get("count", 0)), len(doc["observations"])
            except (TypeError, ValueError):
                raise SourceError(f"{what}: 'count' {doc.get('count')!r} is not a number") from None
            offset += page
            if page == 0 or offset >= count:
                break
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]

    @staticmethod
    def _decode(response: requests.Response, what: str) -> dict[str, Any]:
        try:
            doc: dict[str, Any] = response.json()
            return doc
        except ValueError:
            raise SourceError(f"{what}: response is not JSON ({response.text[:120]!r})") from None

    def _fredgraph(self, series_id: str, start: date | None, end: date | None) -> pd.DataFrame:
        params = {"id": series_id.strip().upper()}
        if start is not None:
            params["cosd"] = pd.Timestamp(start).date().isoformat()
        if end is not None:
            params["coed"] = pd.Timestamp(end).date().isoformat()
        response = self._get(self._graph_url, params, f"fredgraph {params['id']}")
        return clip_range(parse_fredgraph_csv(response.text), start, end)
