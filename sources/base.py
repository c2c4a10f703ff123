"""The protocols data sources implement: spec + date range in, observations (``Source``) or the
rows of a table-shaped input (``TableSource``) out.

Sources never write. They return a frame or raise a typed ``SourceError``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, Protocol

import pandas as pd

Frequency = Literal["D", "W", "M", "Q", "A"]
Kind = Literal["yield", "price", "index", "level", "rate", "spread", "macro", "return"]

#: Columns of the frame a source returns. ``value`` is float (NaN where the raw text did not
#: parse, with the text kept in ``raw_value`` so the loader can reject it with a reason).
#: ``vintage`` is the ALFRED ``realtime_start`` (NaT when the source has no vintages).
OBS_COLUMNS = ["obs_date", "value", "raw_value", "vintage"]


@dataclass(frozen=True)
class SeriesSpec:
    """One catalog entry of a profile (see ``profiles/*.yaml``).

    ``band`` (plausible value range) and ``max_revision_jump`` are the quality rules the
    profile resolves for the series (``seesaw.transforms.quality`` defaults when None).
    """

    series_id: str
    name: str
    source: str
    source_code: str
    frequency: Frequency
    unit: str
    kind: Kind
    country: str
    description: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    band: tuple[float | None, float | None] | None = None
    max_revision_jump: float | None = None


class ProfileError(ValueError):
    """A profile file is missing or malformed."""


class SourceError(Exception):
    """A source could not deliver a series.

    ``retryable`` says whether trying again can help (timeouts, 429, 5xx) or not (bad key,
    unknown code, malformed payload); ``retry_after_s`` is how long the provider asked to wait
    first (its ``Retry-After``), when it said.
    """

    def __init__(self, message: str, *, retryable: bool = False, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after_s = retry_after_s


class EmptyResponse(SourceError):
    """The provider answered with no observations although it holds some around the window (or
    holds none at all): a failure, never "no data" (see ``empty_window``)."""


class Source(Protocol):
    """A provider of observations."""

    name: str

    def fetch(self, spec: SeriesSpec, start: date | None, end: date | None) -> pd.DataFrame:
        """Return observations of ``spec`` in ``[start, end]`` with columns ``OBS_COLUMNS``."""
        ...


@dataclass(frozen=True)
class TableSpec:
    """One table-shaped input of a profile's ``tables:`` block: rows of events (one per Treasury
    auction), not a dated series of values, so it has its own protocol and loader.

    ``table_id`` names the warehouse table it feeds (``auctions`` -> ``core.auctions``).
    """

    table_id: str
    source: str
    source_code: str = ""
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def load_id(self) -> str:
        """How the table's loads appear in ``ops.loads`` beside series ids: ``table:auctions``."""
        return f"table:{self.table_id}"

    @classmethod
    def from_profile(cls, table_id: str, entry: dict[str, Any]) -> TableSpec:
        """The spec of one ``tables:`` entry (``source``, optional ``source_code``, ``options``)."""
        return cls(table_id, entry["source"], entry.get("source_code") or "", dict(entry.get("options") or {}))


class TableSource(Protocol):
    """A provider of table-shaped inputs."""

    name: str

    def fetch_table(self, spec: TableSpec, start: date | None, end: date | None) -> pd.DataFrame:
        """Return the rows of ``spec`` dated in ``[start, end]`` (columns per table, e.g.
        ``seesaw.sources.treasury.AUCTION_COLUMNS``), or raise ``SourceError``."""
        ...


def observations(
    obs_date: Any, value: Any, raw_value: Any = None, vintage: Any = None, *, date_format: str | None = None
) -> pd.DataFrame:
    """Build a frame in the protocol's shape: dates normalised, values coerced to float.

    ``raw_value`` defaults to the text of ``value``; a value that does not parse becomes NaN
    and the loader rejects it with its raw text. A date (or a given vintage) that does not
    parse never fails the series: the row keeps ``obs_date`` NaT, for the loader's
    ``bad_date`` reject, and its ``raw_value`` becomes ``obs_date=<text>; value=<text>``
    (plus ``; vintage=<text>`` when the vintage is the bad part), so the reject says what
    arrived. ``date_format`` is a ``strptime`` format for date and vintage text (default:
    inferred by pandas).
    """
    date_in = pd.Series(obs_date, dtype="object").reset_index(drop=True)
    dates = pd.to_datetime(date_in, format=date_format, errors="coerce").dt.normalize()
    raw = pd.Series(value if raw_value is None else raw_value, dtype="object").reset_index(drop=True).astype(str)
    numeric = pd.to_numeric(pd.Series(value, dtype="object").reset_index(drop=True), errors="coerce")
    bad_date = dates.isna() & date_in.notna()
    bad_vintage = pd.Series(False, index=dates.index)
    if vintage is None:
        vintages = pd.Series(pd.NaT, index=dates.index, dtype="datetime64[ns]")
    else:
        vintage_in = pd.Series(vintage, dtype="object").reset_index(drop=True)
        vintages = pd.to_datetime(vintage_in, format=date_format, errors="coerce")
        bad_vintage = vintages.isna() & vintage_in.notna()
    bad = bad_date | bad_vintage
    if bad.any():
        note = "obs_date=" + date_in[bad].astype(str).fillna("") + "; value=" + raw[bad].fillna("")
        if bad_vintage.any():
            note = note.mask(bad_vintage[bad], note + "; vintage=" + vintage_in[bad].astype(str).fillna(""))
        raw = raw.mask(bad, note)
        dates = dates.mask(bad)
    frame = pd.DataFrame(
        {
            "obs_date": dates,
            "value": numeric.astype(float),
            "raw_value": raw,
            "vintage": vintages,
        }
    )
    return frame[OBS_COLUMNS]


#: ``frame.attrs`` key of a fetch that is empty because the range falls outside or between the
#: dates the source holds: their ``(first, last)`` dates. A fetch empty for that reason is a
#: normal result ("no data in range"), not an ``EmptyResponse``.
HELD_SPAN = "held_span"


def clip_range(frame: pd.DataFrame, start: date | None, end: date | None, column: str = "obs_date") -> pd.DataFrame:
    """Keep rows with ``start <= frame[column] <= end`` (either bound optional); when none is left
    of a frame that had dated rows, the result carries their span (``HELD_SPAN``)."""
    dates = pd.to_datetime(frame[column])
    mask = pd.Series(True, index=frame.index)
    if start is not None:
        mask &= dates >= pd.Timestamp(start)
    if end is not None:
        mask &= dates <= pd.Timestamp(end)
    clipped = frame.loc[mask].reset_index(drop=True)
    if clipped.empty and dates.notna().any():
        clipped.attrs[HELD_SPAN] = (dates.min().date(), dates.max().date())
    return clipped


def held_span(frame: pd.DataFrame) -> tuple[date, date] | None:
    """The ``(first, last)`` dates the source holds, as an empty fetch reports them (``HELD_SPAN``)."""
    span: tuple[date, date] | None = frame.attrs.get(HELD_SPAN)
    return span


def _closed_days(start: date, end: date, country: str) -> pd.DatetimeIndex:
    """Weekdays in ``[start, end]`` on which a market of ``country`` does not trade: for the US the
    federal holidays (as observed; Treasury market) and Good Friday (NYSE); elsewhere New Year's Day."""
    from pandas.tseries.holiday import GoodFriday, USFederalHolidayCalendar

    if country == "US":
        days = USFederalHolidayCalendar().holidays(start, end).union(GoodFriday.dates(start, end))
    else:
        days = pd.date_range(start, end, freq="YS")
    return pd.DatetimeIndex(days)


def expected_dates(spec: SeriesSpec, first: date, start: date, end: date) -> pd.DatetimeIndex:
    """Dates in ``[start, end]`` on which ``spec`` could have an observation: trading days for a
    daily series, its weekday (that of ``first``, its first observation) for a weekly one, period
    starts for monthly, quarterly and annual ones (the warehouse's stamp)."""
    if spec.frequency == "D":
        days = pd.bdate_range(start, end)
        return days.difference(_closed_days(start, end, spec.country))
    if spec.frequency == "W":
        days = pd.date_range(start, end, freq="D")
        return days[days.weekday == first.weekday()]
    return pd.date_range(start, end, freq={"M": "MS", "Q": "QS", "A": "YS"}[spec.frequency])


def empty_window(spec: SeriesSpec, start: date | None, end: date | None, span: tuple[date, date] | None,
                 what: str) -> pd.DataFrame:
    """What a network source answers when a window came back empty, given the span the provider
    says it holds (``span``, learnt by one more request; None when it holds nothing).

    An empty frame carrying ``span`` (a ``no_data`` load) when the window lies outside the span (the
    series starts after it or ends before it) or holds no date the series could have (weekends,
    holidays, between two monthly stamps). Otherwise the provider holds data around the window and
    sent none for it, which cannot be told from a silent failure: ``EmptyResponse``.
    """
    window = f"{start or '…'}..{end or '…'}"
    if span is None:
        raise EmptyResponse(f"{what}: no observations in {window}, and the provider lists none at all")
    first, last = span
    lo, hi = max(start or first, first), min(end or last, last)
    if lo <= hi and len(expected := expected_dates(spec, first, lo, hi)):
        raise EmptyResponse(f"{what}: no observations in {window} although it holds {first}..{last} "
                            f"(expected observations on {len(expected)} dates there, from {expected[0]:%Y-%m-%d})")
    frame = observations([], [])
    frame.attrs[HELD_SPAN] = (first, last)
    return frame


def stamp_period_start(frame: pd.DataFrame, frequency: Frequency) -> pd.DataFrame:
    """Stamp monthly, quarterly and annual observations on the first day of their period.

    The warehouse's one convention for ``core`` (FRED's): sources stamp months differently
    (NY Fed ACM on the last business day, some commodity files on the 15th). Daily and weekly
    dates are kept; unparsed dates (NaT) stay NaT for the loader's ``bad_date`` reject.
    """
    period = {"M": "M", "Q": "Q", "A": "Y"}.get(frequency)
    if period is None or frame.empty:
        return frame
    dates = pd.to_datetime(frame["obs_date"])
    return frame.assign(obs_date=dates.dt.to_period(period).dt.start_time.where(dates.notna()))


def json_records(doc: Any, key: str, what: str) -> list[dict[str, Any]]:
    """The list of objects under ``doc[key]``; ``SourceError`` when the payload has any other
    shape (not an object, no ``key``, not a list of objects)."""
    if not isinstance(doc, dict):
        raise SourceError(f"{what}: payload is not an object (got {type(doc).__name__})")
    if key not in doc:
        raise SourceError(f"{what}: payload has no {key}: {str(doc.get('error_message', doc))[:200]}")
    listed = doc[key]
    if not isinstance(listed, list) or not all(isinstance(item, dict) for item in listed):
        raise SourceError(f"{what}: {key!r} is not a list of objects: {str(listed)[:200]}")
    return listed
