"""Point-in-time history (pure): which observations were known on a day, which days a replay
visits, and the latest row per key of each results table as of a day.

A replay asks, for each day D, what every analysis would have said then. An observation is
*known on D* once the time it covers has passed: a daily observation on its date, a weekly,
monthly, quarterly or annual one at the end of its period (``core`` stamps those on the period's
first day, so April's CPI is not known on April 1); a vintaged (ALFRED) value also needs its
vintage to be released on or before D, and the latest such vintage of each date wins.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

import pandas as pd

from seesaw.transforms.periods import PERIOD_ALIAS

Every = Literal["B", "W", "M"]


def replay_dates(start: date, end: date, every: Every) -> list[date]:
    """The days a replay visits in [start, end]: business days (``B``), week ends (``W``: each
    Friday) or month ends (``M``: the last business day of each month)."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    days = pd.bdate_range(start, end)
    if every in ("W", "M"):  # the last business day of its week (Friday) or month
        alias = "W-FRI" if every == "W" else "M"
        following = days + pd.offsets.BDay(1)
        days = days[days.to_period(alias) != following.to_period(alias)]
    elif every != "B":
        raise ValueError(f"unknown replay step {every!r}: use B, W or M")
    return [day.date() for day in days]


def known_from(obs_dates: pd.Series, frequency: pd.Series) -> pd.Series:
    """The first day each observation is known: its date for daily series, the end of the period
    it stamps otherwise (``frequency`` D, W, M, Q, A per row). Datetime64 in, datetime64 out."""
    stamps = pd.to_datetime(obs_dates)
    out = stamps.copy()
    for freq, alias in PERIOD_ALIAS.items():
        rows = frequency == freq
        if rows.any():
            out[rows] = stamps[rows].dt.to_period(alias).dt.end_time.dt.normalize()
    return out


def history_frame(observations: pd.DataFrame, frequency: Mapping[str, str]) -> pd.DataFrame:
    """Every stored value with the day it became known, sorted for ``known_on``.

    ``observations``: ``series_id, obs_date, value, vintage`` (vintage NULL where the series has
    no vintages, one row per date then; every vintage of the date otherwise) and ``fetched_at``.
    Returns ``series_id, obs_date, value, known_from`` (datetime64) ordered by series, date,
    vintage and fetch time, so the last row of a date known on D is the one known then.
    """
    frame = observations.assign(obs_date=pd.to_datetime(observations["obs_date"]),
                                vintage=pd.to_datetime(observations["vintage"]))
    native = frame["series_id"].map(dict(frequency)).fillna("D")
    period_end = known_from(frame["obs_date"], native)
    frame["known_from"] = period_end.where(frame["vintage"].isna() | (frame["vintage"] <= period_end),
                                           frame["vintage"])
    frame = frame.sort_values(["series_id", "obs_date", "vintage", "fetched_at"], na_position="first",
                              kind="stable", ignore_index=True)
    return frame[["series_id", "obs_date", "value", "known_from"]]


def known_on(history: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Observations as known on ``as_of`` from a ``history_frame``: ``series_id, obs_date, value``,
    the latest known value of each date (a removal, NULL value, drops the date)."""
    known = history[history["known_from"] <= pd.Timestamp(as_of)]
    known = known.drop_duplicates(["series_id", "obs_date"], keep="last")
    known = known[known["value"].notna()]
    return known[["series_id", "obs_date", "value"]].reset_index(drop=True)


@dataclass(frozen=True)
class PitTable:
    """``pit.<name>``: from ``results.<source>``, the row with the newest ``date_column`` per
    ``keys`` as of each day (every row when ``date_column`` is None), plus an ``as_of`` column.
    ``prefix`` (column, text) keeps only rows whose column starts with the text."""

    name: str
    source: str
    keys: tuple[str, ...]
    date_column: str | None = "obs_date"
    prefix: tuple[str, str] | None = None


#: Every point-in-time table a replay writes, in order.
PIT_TABLES = (
    PitTable("correlations_latest", "correlations",
             ("market", "asset_a", "asset_b", "basis", "method", "freq", "window_size", "horizon_periods")),
    PitTable("regimes", "regimes", ("framework", "market")),
    PitTable("events", "events", ("event_type", "market")),
    PitTable("term_premia_latest", "term_premia", ("tenor_years", "source", "freq")),
    # realized flows only: the named scenarios project forward from the data's end
    PitTable("flows_latest", "rebalancing_flows", ("scenario",), prefix=("scenario", "history_")),
    PitTable("erp_latest", "erp_model", ()),
    PitTable("move_latest", "move_metrics", ()),
    PitTable("drivers_latest", "macro_drivers", ("market",)),
    PitTable("cutoffs", "analysis_cutoffs", (), None),
)


def latest_rows(frame: pd.DataFrame, keys: tuple[str, ...], date_column: str) -> pd.DataFrame:
    """The row with the newest ``date_column`` per ``keys`` (missing key values form their own
    group), ordered by the keys."""
    if frame.empty:
        return frame.reset_index(drop=True)
    # by date alone (stable: equal dates keep their order), then the small result by its keys
    ordered = frame.sort_values(date_column, kind="stable", na_position="first")
    if not keys:
        return ordered.tail(1).reset_index(drop=True)
    latest = ordered.drop_duplicates(list(keys), keep="last")
    return latest.sort_values(list(keys), kind="stable", na_position="first").reset_index(drop=True)


def summarize(results: Mapping[str, pd.DataFrame], as_of: date) -> dict[str, pd.DataFrame]:
    """Each ``PIT_TABLES`` entry of one day from that day's results frames (by results table
    name; an absent table gives no rows), with ``as_of`` first; ``regimes`` also gets ``stale``:
    whether any input of its framework and market was stale (``analysis_cutoffs``)."""
    out: dict[str, pd.DataFrame] = {}
    for table in PIT_TABLES:
        frame = results.get(table.source, pd.DataFrame())
        if table.prefix is not None and not frame.empty:
            frame = frame[frame[table.prefix[0]].astype(str).str.startswith(table.prefix[1])]
        rows = frame.reset_index(drop=True) if table.date_column is None or frame.empty else \
            latest_rows(frame, table.keys, table.date_column)
        out[table.name] = rows.copy()
        out[table.name].insert(0, "as_of", as_of)
    cutoffs = results.get("analysis_cutoffs", pd.DataFrame())
    regimes = out["regimes"]
    if not regimes.empty:
        stale: set[tuple[str, str]] = set()
        if not cutoffs.empty:
            of_regimes = cutoffs[(cutoffs["analysis"] == "regimes") & cutoffs["stale"].astype(bool)]
            stale = set(zip(of_regimes["key"], of_regimes["market"], strict=True))
        regimes["stale"] = [(f, m) in stale for f, m in zip(regimes["framework"], regimes["market"], strict=True)]
    return out


def changes(previous: Mapping[str, pd.DataFrame], newest: Mapping[str, pd.DataFrame],
            corr_move: float = 0.05) -> pd.DataFrame:
    """What changed between two pit days: regime labels that differ, events newer than the
    previous day's latest, correlations that moved by at least ``corr_move``.

    Inputs are ``regimes``, ``events`` and ``correlations_latest`` frames of each day. Returns
    ``kind, market, what, before, after`` (text), one row per change.
    """
    rows: list[dict[str, object]] = []
    keys = ["framework", "market"]
    regimes = _pair(previous.get("regimes"), newest.get("regimes"), keys)
    for r in regimes[regimes["label_new"] != regimes["label_old"]].itertuples():
        rows.append({"kind": "regime", "market": r.market, "what": r.framework,
                     "before": _text(r.label_old), "after": _text(r.label_new)})
    events = _pair(previous.get("events"), newest.get("events"), ["event_type", "market"])
    for r in events[events["obs_date_old"].isna() | (events["obs_date_new"] > events["obs_date_old"])].itertuples():
        if pd.notna(r.obs_date_new):
            rows.append({"kind": "event", "market": r.market, "what": r.event_type,
                         "before": _text(r.obs_date_old), "after": f"{r.obs_date_new} ({_text(r.detail_new)})"})
    corr_keys = ["market", "asset_a", "asset_b", "method", "freq", "window_size", "horizon_periods"]
    corr = _pair(previous.get("correlations_latest"), newest.get("correlations_latest"), corr_keys)
    moved = corr[(corr["corr_new"] - corr["corr_old"]).abs() >= corr_move]
    for r in moved.itertuples():
        window = "" if pd.isna(r.window_size) else f" {int(r.window_size)}"
        rows.append({"kind": "correlation", "market": r.market,
                     "what": f"{r.asset_a}~{r.asset_b} {r.method} {r.freq}{window}",
                     "before": f"{r.corr_old:+.3f} ({r.obs_date_old})",
                     "after": f"{r.corr_new:+.3f} ({r.obs_date_new}, p {r.p_value_new:.3f}, n {r.n_new:.0f})"})
    return pd.DataFrame(rows, columns=["kind", "market", "what", "before", "after"])


def _pair(old: pd.DataFrame | None, new: pd.DataFrame | None, keys: list[str]) -> pd.DataFrame:
    """Outer join of two days' rows on ``keys``, the other columns suffixed ``_old`` and ``_new``."""
    frames = []
    for frame, suffix in ((old, "_old"), (new, "_new")):
        if frame is None or not set(keys) <= set(frame.columns):  # no rows that day
            frame = pd.DataFrame(columns=keys)
        values = [c for c in frame.columns if c not in keys and c != "as_of"]
        frame = frame[[*keys, *values]].rename(columns={c: c + suffix for c in values})
        frames.append(frame)  # pandas matches missing keys (a DCC path's window) with each other
    merged = frames[0].merge(frames[1], on=keys, how="outer")
    for column in ("label", "obs_date", "detail", "corr", "p_value", "n"):
        for suffix in ("_old", "_new"):
            if column + suffix not in merged:
                merged[column + suffix] = None
    return merged


def _text(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
