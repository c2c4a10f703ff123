"""China series (and the ISM PMI) through akshare, keyless.

``spec.source_code`` names an entry of ``AKSHARE_CODES``: which akshare function to call, with
which arguments, and which of its (Chinese) columns hold the date and the value. akshare is
imported lazily, so the package works without it (``pip install akshare``; extra ``china``).

Stages: normalise (code → ``AkshareCall``; ChinaBond curve requests split into windows under a
year, the most that ``bond_china_yield`` serves) → extract (``_call``: the only I/O, behind the
process-wide akshare throttle, retried on transport errors) → parse (``parse_akshare_frame``:
pure, on the frame akshare returns). akshare does its own HTTP to many hosts: the host of a
function is learned from its first connection error, and from then on its calls go through that
host's circuit breaker (``seesaw.sources.http``).

Jin10 macro tables (``macro_china_cpi_yearly``, ``macro_china_industrial_production_yoy``,
``macro_usa_ism_pmi``) are dated by RELEASE day; their observation month is the month before
release (``release_lag_months=1``), a later release of the same month winning. Eastmoney
tables (``macro_china_cpi``, ``macro_china_pmi``, ``macro_china_new_financial_credit``,
``macro_china_money_supply``) carry the reference month as ``'2025年04月份'``; MOFCOM's social
financing table (``macro_china_shrzgm``) as ``'202504'``.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd
import requests

from seesaw.sources.base import EmptyResponse, SeriesSpec, SourceError, clip_range, held_span
from seesaw.sources.files import extract_series
from seesaw.sources.http import (
    HostUnreachable,
    breaker,
    error_host,
    guarded,
    is_connection_failure,
    limiter,
    with_retries,
)

_EASTMONEY_MONTH = "%Y年%m月份"
#: akshare function name -> the host its connection errors named.
_FUNCTION_HOSTS: dict[str, str] = {}


@dataclass(frozen=True)
class AkshareCall:
    """How one series is read from one akshare function."""

    function: str
    value_column: str
    date_column: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    date_format: str | None = None
    release_lag_months: int = 0
    row_filter: tuple[str, str] | None = None
    windowed: bool = False


def _cgb(tenor: str) -> AkshareCall:
    return AkshareCall("bond_china_yield", tenor, "日期", row_filter=("曲线名称", "中债国债收益率曲线"), windowed=True)


#: Source codes usable in a profile with ``source: china``.
AKSHARE_CODES: dict[str, AkshareCall] = {
    **{f"cgb_{label}": _cgb(tenor) for label, tenor in
       [("3m", "3月"), ("6m", "6月"), ("1y", "1年"), ("3y", "3年"), ("5y", "5年"), ("7y", "7年"), ("10y", "10年"),
        ("30y", "30年")]},
    "csi300": AkshareCall("stock_zh_index_daily", "close", "date", {"symbol": "sh000300"}),
    "shcomp": AkshareCall("stock_zh_index_daily", "close", "date", {"symbol": "sh000001"}),
    "csi800": AkshareCall("stock_zh_index_daily", "close", "date", {"symbol": "sh000906"}),
    "chinabond_treasury_wealth": AkshareCall(
        "bond_index_general_cbond", "value", "date",
        {"index_category": "国债总指数", "indicator": "财富", "period": "总值"}),
    "cpi_yoy": AkshareCall("macro_china_cpi_yearly", "今值", "日期", release_lag_months=1),
    "cpi_index": AkshareCall("macro_china_cpi", "全国-当月", "月份", date_format=_EASTMONEY_MONTH),
    "indpro_yoy": AkshareCall("macro_china_industrial_production_yoy", "今值", "日期", release_lag_months=1),
    "pmi_mfg": AkshareCall("macro_china_pmi", "制造业-指数", "月份", date_format=_EASTMONEY_MONTH),
    "pmi_non_mfg": AkshareCall("macro_china_pmi", "非制造业-指数", "月份", date_format=_EASTMONEY_MONTH),
    "new_rmb_loans": AkshareCall("macro_china_new_financial_credit", "当月", "月份", date_format=_EASTMONEY_MONTH),
    **{code: AkshareCall("macro_china_money_supply", column, "月份", date_format=_EASTMONEY_MONTH) for code, column in
       [("m2", "货币和准货币(M2)-数量(亿元)"), ("m2_yoy", "货币和准货币(M2)-同比增长"),
        ("m1_yoy", "货币(M1)-同比增长")]},
    "tsf_flow": AkshareCall("macro_china_shrzgm", "社会融资规模增量", "月份", date_format="yyyymm"),
    "us_ism_pmi": AkshareCall("macro_usa_ism_pmi", "今值", "日期", release_lag_months=1),
}
#: ChinaBond serves curve history from 2002; default start of an unbounded curve request.
CGB_FIRST_DATE = date(2002, 1, 4)


def parse_akshare_frame(frame: pd.DataFrame, call: AkshareCall, *, where: str = "akshare") -> pd.DataFrame:
    """Protocol observations from the frame an akshare function returns (pure).

    Cells are read as text (``datetime.date`` → ISO, numbers → repr, NaN → missing), then
    parsed like a file column, so malformed values keep their raw text.
    """
    missing = [c for c in (call.date_column, call.value_column) if c not in frame.columns]
    if missing:
        raise SourceError(f"{where}: {call.function} returned no column {missing[0]!r} "
                          f"(columns: {list(frame.columns)}); akshare's layout may have changed")
    if call.row_filter is not None:
        column, wanted = call.row_filter
        frame = frame[frame[column].astype(str).str.strip() == wanted]
    table = pd.DataFrame({
        "date": frame[call.date_column].map(
            lambda v: "" if pd.isna(v) else str(v)[:10] if call.date_format is None else str(v)),
        "value": frame[call.value_column].map(lambda v: "" if pd.isna(v) else str(v)),
    })
    options: dict[str, Any] = {"date_column": "date", "column": "value",
                               "release_lag_months": call.release_lag_months}
    if call.date_format:
        options["date_format"] = call.date_format
    return extract_series(table, options, where=where)


def year_windows(start: date, end: date) -> list[tuple[date, date]]:
    """Split ``[start, end]`` into consecutive windows of at most 364 days."""
    windows, lo = [], start
    while lo <= end:
        hi = min(end, lo + timedelta(days=363))
        windows.append((lo, hi))
        lo = hi + timedelta(days=1)
    return windows


def _akshare_function(name: str) -> Callable[..., pd.DataFrame]:
    try:
        import akshare
    except ImportError:
        raise SourceError("akshare is not installed: pip install akshare (extra 'china')") from None
    function: Callable[..., pd.DataFrame] = getattr(akshare, name)
    return function


class ChinaSource:
    """China (and ISM PMI) series through akshare; ``spec.source_code`` in ``AKSHARE_CODES``."""

    name = "china"

    def __init__(self, *, tries: int = 3, sleep: Callable[[float], None] = time.sleep,
                 today: Callable[[], date] = date.today) -> None:
        self._tries = tries
        self._sleep = sleep
        self._today = today

    def fetch(self, spec: SeriesSpec, start: date | None, end: date | None) -> pd.DataFrame:
        """Observations of ``spec`` in ``[start, end]``; a range outside the dates of a table
        akshare returns whole gives an empty frame carrying their span (``HELD_SPAN``)."""
        code = spec.source_code.strip()
        if code not in AKSHARE_CODES:
            raise SourceError(f"unknown china code {code!r}; known: {', '.join(sorted(AKSHARE_CODES))}")
        call = AKSHARE_CODES[code]
        where = f"{spec.series_id} (akshare {call.function})"
        if call.windowed:
            lo, hi = start or CGB_FIRST_DATE, end or self._today()
            frames = [
                self._call(call, {"start_date": a.strftime("%Y%m%d"), "end_date": b.strftime("%Y%m%d")})
                for a, b in year_windows(lo, hi)
            ]
            raw = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        else:
            raw = self._call(call, call.kwargs)
        if raw is None or raw.empty:
            raise EmptyResponse(f"{where}: akshare returned an empty table")
        frame = clip_range(parse_akshare_frame(raw, call, where=where), start, end)
        if frame.empty and held_span(frame) is None:
            raise EmptyResponse(f"{where}: no observations in {start}..{end}")
        return frame

    def _call(self, call: AkshareCall, kwargs: dict[str, Any]) -> pd.DataFrame:
        what = f"akshare {call.function}({', '.join(f'{k}={v}' for k, v in kwargs.items())})"

        def attempt() -> pd.DataFrame:
            function = _akshare_function(call.function)
            host = _FUNCTION_HOSTS.get(call.function)
            try:
                if host is not None:
                    return guarded(host, what, lambda: self._request(function, kwargs, host, what))
                return self._request(function, kwargs, None, what)
            except HostUnreachable:
                raise
            except (requests.RequestException, OSError) as exc:
                learned = error_host(exc)
                if host is None and learned is not None and is_connection_failure(exc):
                    _FUNCTION_HOSTS[call.function] = learned
                    breaker(learned).failed(type(exc).__name__)
                raise SourceError(f"{what}: {type(exc).__name__}: {exc}", retryable=True) from None
            except Exception as exc:  # akshare scrapes pages: layout changes surface as anything
                raise SourceError(f"{what}: {type(exc).__name__}: {exc}") from None

        return with_retries(attempt, what=what, tries=self._tries, sleep=self._sleep)

    @staticmethod
    def _request(function: Callable[..., pd.DataFrame], kwargs: dict[str, Any], host: str | None,
                 what: str) -> pd.DataFrame:
        """One throttled akshare call; the wait gives up when ``host``'s breaker opens meanwhile."""
        limiter("akshare").wait(check=(lambda: breaker(host).check(what)) if host is not None else None)
        return function(**kwargs)
