"""Common periods of combined inputs: the one place analyses align the series they combine.

Series end on different dates (a lagging FRED post, a holiday of one market, a monthly release
weeks after the month), so an analysis that combines series uses only the periods complete for
every input:

- A series covers time up to its *data-through* date: its last observation for daily series; the
  end of the period its last stamp opens for weekly, monthly, quarterly and annual series
  (``core`` stamps those on the period's first day).
- The *common cutoff* is the earliest data-through date of the inputs: nothing after it is used.
- At daily frequency the daily inputs keep only their common quote dates, so no return spans a
  holiday of one leg. At W/M/Q the last period kept is the last one whose final business day
  (Monday–Friday) is on or before the common cutoff, so every leg has its period-end observation.

A series is *stale* when its data-through date is older, at the reference date (the run's time
or as-of), than its frequency allows (business days for daily series, calendar days otherwise).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

Frequency = Literal["D", "W", "M", "Q", "A"]

#: pandas period aliases of the native and analysis frequencies (weeks end on Friday); every
#: transform that cuts time into periods uses these.
PERIOD_ALIAS = {"W": "W-FRI", "M": "M", "Q": "Q", "A": "Y"}


def data_through(last_obs: pd.Timestamp, native: str) -> pd.Timestamp:
    """The date a series covers time up to: ``last_obs`` for daily series, else the end of the
    period of ``native`` frequency that ``last_obs`` stamps."""
    if native == "D":
        return pd.Timestamp(last_obs).normalize()
    return pd.Period(pd.Timestamp(last_obs), PERIOD_ALIAS[native]).end_time.normalize()


def complete_through(cutoff: pd.Timestamp, freq: str) -> pd.Timestamp:
    """End of the last ``freq`` period complete by ``cutoff``: the cutoff itself for daily data,
    else the end of the period holding ``cutoff`` when ``cutoff`` reaches that period's last
    business day, otherwise the end of the previous period."""
    cutoff = pd.Timestamp(cutoff).normalize()
    if freq == "D":
        return cutoff
    period = pd.Period(cutoff, PERIOD_ALIAS[freq])
    end = period.end_time.normalize()
    if cutoff >= pd.offsets.BDay().rollback(end):
        return end
    return (period - 1).end_time.normalize()


@dataclass(frozen=True)
class CommonPeriods:
    """Inputs restricted to their common periods.

    ``levels``: each input's observations kept (by series id); ``last_dates``: each input's last
    observation before alignment; ``cutoff``: the common cutoff (earliest data-through date);
    ``through``: the end of the last complete period at the analysis frequency (<= ``cutoff``
    for daily data, the last complete period end otherwise).
    """

    levels: dict[str, pd.Series]
    last_dates: dict[str, pd.Timestamp]
    cutoff: pd.Timestamp
    through: pd.Timestamp


def common_periods(levels: Mapping[str, pd.Series], native: Mapping[str, str], freq: str) -> CommonPeriods:
    """Restrict ``levels`` (series id → observations by date) to the periods complete for every
    input at analysis frequency ``freq`` (D, W, M, Q); ``native`` gives each series' own frequency.

    Raises ``ValueError`` when an input has no observation.
    """
    clean = {sid: s.dropna().sort_index() for sid, s in levels.items()}
    empty = [sid for sid, s in clean.items() if s.empty]
    if empty or not clean:
        raise ValueError(f"common_periods: no observations of {', '.join(empty) or 'any input'}")
    last = {sid: pd.Timestamp(s.index[-1]) for sid, s in clean.items()}
    cutoff = min(data_through(last[sid], native[sid]) for sid in clean)
    through = complete_through(cutoff, freq)
    kept = {sid: s.loc[:through] for sid, s in clean.items()}
    daily = [sid for sid in kept if native[sid] == "D"]
    if freq == "D" and len(daily) > 1:
        common = kept[daily[0]].index
        for sid in daily[1:]:
            common = common.intersection(kept[sid].index)
        for sid in daily:
            kept[sid] = kept[sid].loc[kept[sid].index.isin(common)]
    return CommonPeriods(kept, last, cutoff, through)


def age(last_obs: pd.Timestamp, native: str, reference: pd.Timestamp) -> int:
    """Age of a series at ``reference``: business days (daily series) or calendar days (others)
    from its data-through date; 0 when it runs past ``reference``."""
    through = data_through(last_obs, native)
    reference = pd.Timestamp(reference).normalize()
    if through >= reference:
        return 0
    if native == "D":
        return int(np.busday_count(through.date(), reference.date()))
    return int((reference - through).days)


def is_stale(last_obs: pd.Timestamp, native: str, reference: pd.Timestamp, allowed: int) -> bool:
    """Whether a series' ``age`` at ``reference`` exceeds ``allowed`` (business days for daily
    series, calendar days otherwise)."""
    return age(last_obs, native, reference) > allowed
