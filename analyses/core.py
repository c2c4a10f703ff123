"""Analysis-step framework: the context steps read from, the outputs they hand back.

A step reads core data through ``Context`` (already filtered as of a date when replaying),
calls pure transforms/models, and returns ``Output`` rows for results tables. A step whose
inputs are absent raises ``MissingInputs`` ("needs series X") and is recorded as skipped.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from seesaw.sources.catalog import Profile


class MissingInputs(Exception):
    """A step cannot run because series or settings are absent (the message says which)."""


Mapper = Callable[[Callable[[Any], Any], Iterable[Any]], list[Any]]


def serial_map(fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
    """Apply ``fn`` to each item in this process (the default fan-out)."""
    return [fn(item) for item in items]


@dataclass
class Context:
    """Inputs shared by all steps of one run: catalog, observations, stored state, outputs."""

    profile: Profile
    catalog: pd.DataFrame          # core.series
    observations: pd.DataFrame     # long: series_id, obs_date, value
    as_of: date | None = None
    auctions: pd.DataFrame = field(default_factory=pd.DataFrame)   # core.auctions
    model_fits: pd.DataFrame = field(default_factory=pd.DataFrame)  # results.model_fits (latest per key)
    refit: bool = False            # force model refits (backfill)
    map: Mapper = serial_map       # fan-out of independent work (Prefect tasks on threads or Dask)
    outputs: dict[str, pd.DataFrame] = field(default_factory=dict)  # frames later steps reuse (MOVE, auctions)
    notes: list[str] = field(default_factory=list)  # what the running step reports in its message (e.g. a refit)
    _by_id: dict[str, pd.Series] = field(default_factory=dict, repr=False)

    def has(self, *series_ids: str) -> bool:
        """Whether every named series has observations."""
        present = set(self.observations["series_id"].unique())
        return all(sid in present for sid in series_ids)

    def series(self, series_id: str) -> pd.Series:
        """Observations of one series indexed by date; raises ``MissingInputs`` when absent."""
        if series_id not in self._by_id:
            rows = self.observations[self.observations["series_id"] == series_id]
            if rows.empty:
                raise MissingInputs(f"needs series {series_id}")
            self._by_id[series_id] = pd.Series(
                rows["value"].to_numpy(), index=pd.DatetimeIndex(pd.to_datetime(rows["obs_date"])), name=series_id
            ).sort_index()
        return self._by_id[series_id]

    def frame(self, series_ids: list[str], *, required: int | None = None) -> pd.DataFrame:
        """Wide frame (dates × ids) of the series present; needs at least ``required`` of them."""
        present = [sid for sid in series_ids if self.has(sid)]
        need = len(series_ids) if required is None else required
        if len(present) < need:
            missing = [sid for sid in series_ids if sid not in present]
            raise MissingInputs(f"needs series {', '.join(missing)}")
        return pd.concat({sid: self.series(sid) for sid in present}, axis=1).sort_index()

    def kind(self, series_id: str) -> str:
        """Catalog kind of a series (yield, index, return, ...)."""
        match = self.catalog.loc[self.catalog["series_id"] == series_id, "kind"]
        if match.empty:
            raise MissingInputs(f"needs series {series_id} in the catalog")
        return str(match.iloc[0])

    def settings(self, section: str, defaults: dict[str, Any]) -> dict[str, Any]:
        """The profile's ``analysis.<section>`` merged over ``defaults`` (profile wins)."""
        given = self.profile.analysis.get(section) or {}
        if not isinstance(given, dict):
            raise MissingInputs(f"analysis.{section} in profile {self.profile.name!r} must be a mapping")
        return {**defaults, **given}


@dataclass(frozen=True)
class Output:
    """Rows for ``results.<table>`` replacing those matching ``scope`` (None = whole table).

    With ``since``, only rows of the scope dated on or after it are replaced (incremental paths).
    """

    table: str
    frame: pd.DataFrame
    scope: dict[str, object] | None = None
    since: date | None = None
    date_column: str = "obs_date"


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[Context], list[Output]]


def month_end(series: pd.Series) -> pd.Series:
    """Last value of each calendar month, stamped on the month end."""
    return series.dropna().resample("ME").last().dropna()
