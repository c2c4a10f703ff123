"""Analysis framework: each analysis is a unit that declares what it reads and writes.

An ``Analysis`` names its settings (a section of the profile's typed ``analysis:`` block), the
series it reads (derived from those settings), the stored tables it reads, the analyses whose
outputs it consumes and the results tables it writes. ``chain`` orders analyses so that every
one runs after those it consumes (or fails loudly: an unknown name, a cycle); ``run_chain``
gives each analysis a view of the run's data restricted to its declarations, so nothing passes
between analyses except declared outputs. An analysis whose inputs are absent raises
``MissingInputs`` ("needs series X") and is recorded as skipped.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, Generic, TypeVar

import pandas as pd

from seesaw.analyses.settings import AnalysisSettings, MinimumSamples
from seesaw.sources.catalog import Profile


class MissingInputs(Exception):
    """An analysis cannot run because series or settings are absent (the message says which)."""


class UndeclaredInput(Exception):
    """An analysis read a series, table or analysis output it did not declare (a code error)."""


class ChainError(ValueError):
    """The analyses cannot be ordered: an unknown consumed analysis, a duplicate name or a cycle."""


Mapper = Callable[[Callable[[Any], Any], Iterable[Any]], list[Any]]


def serial_map(fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
    """Apply ``fn`` to each item in this process (the default fan-out)."""
    return [fn(item) for item in items]


#: Stored tables an analysis may declare it reads (besides core observations and the catalog).
STORED_TABLES = ("core.auctions", "results.model_fits")


@dataclass
class Context:
    """The run's data as one analysis sees it: catalog, observations, stored tables, the run's time.

    ``run_chain`` hands each analysis a view restricted to the series (``allowed``) and stored
    tables it declared; reading anything else raises ``UndeclaredInput``.
    """

    profile: Profile
    catalog: pd.DataFrame          # core.series
    observations: pd.DataFrame     # long: series_id, obs_date, value
    now: datetime                  # the run's time (model refit policy), never the clock
    as_of: date | None = None
    auctions: pd.DataFrame = field(default_factory=pd.DataFrame)   # core.auctions
    model_fits: pd.DataFrame = field(default_factory=pd.DataFrame)  # results.model_fits (latest per key)
    refit: bool = False            # force model refits (backfill)
    map: Mapper = serial_map       # fan-out of independent work (Prefect tasks on threads or Dask)
    notes: list[str] = field(default_factory=list)  # what the running analysis reports in its message
    allowed: frozenset[str] | None = None  # declared series of the running analysis (None = all)
    _by_id: dict[str, pd.Series] = field(default_factory=dict, repr=False)

    def view(self, series: Iterable[str], tables: Iterable[str]) -> Context:
        """This context restricted to ``series`` and the stored ``tables``, with fresh notes."""
        tables = set(tables)
        unknown = sorted(tables - set(STORED_TABLES))
        if unknown:
            raise UndeclaredInput(f"unknown stored tables {', '.join(unknown)} (known: {', '.join(STORED_TABLES)})")
        return replace(self, notes=[], allowed=frozenset(series),
                       auctions=self.auctions if "core.auctions" in tables else pd.DataFrame(),
                       model_fits=self.model_fits if "results.model_fits" in tables else pd.DataFrame())

    @property
    def min_samples(self) -> MinimumSamples:
        """Minimum sample sizes of the profile's analyses."""
        return self.profile.analysis.min_samples

    def _declared(self, series_id: str) -> None:
        if self.allowed is not None and series_id not in self.allowed:
            raise UndeclaredInput(f"series {series_id} is read but not among the analysis' declared series")

    def has(self, *series_ids: str) -> bool:
        """Whether every named series has observations."""
        for sid in series_ids:
            self._declared(sid)
        present = set(self.observations["series_id"].unique())
        return all(sid in present for sid in series_ids)

    def series(self, series_id: str) -> pd.Series:
        """Observations of one series indexed by date; raises ``MissingInputs`` when absent."""
        self._declared(series_id)
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
        self._declared(series_id)
        match = self.catalog.loc[self.catalog["series_id"] == series_id, "kind"]
        if match.empty:
            raise MissingInputs(f"needs series {series_id} in the catalog")
        return str(match.iloc[0])


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
class Upstream:
    """The outputs of the analyses the running analysis declared it consumes (read-only)."""

    consumes: tuple[str, ...]
    outputs: Mapping[str, tuple[Output, ...]]

    def frame(self, analysis: str, table: str) -> pd.DataFrame | None:
        """Rows ``analysis`` produced for ``table`` in this run; None when it was skipped or failed."""
        if analysis not in self.consumes:
            raise UndeclaredInput(f"output of {analysis!r} is read but not declared as consumed")
        parts = [out.frame for out in self.outputs.get(analysis, ()) if out.table == table]
        return pd.concat(parts, ignore_index=True) if parts else None


S = TypeVar("S")


@dataclass(frozen=True)
class Analysis(Generic[S]):
    """One analysis and its declarations.

    ``settings`` picks its typed section of the profile's ``analysis:`` block; ``series`` lists
    the series ids those settings name (all it may read); ``tables`` the stored tables it reads
    (``STORED_TABLES``); ``consumes`` the analyses whose outputs it reads (they run first);
    ``writes`` the results tables it replaces rows of.
    """

    name: str
    run: Callable[[Context, S, Upstream], list[Output]]
    settings: Callable[[AnalysisSettings], S]
    series: Callable[[S], Iterable[str]]
    writes: tuple[str, ...]
    consumes: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()


def chain(analyses: Iterable[Analysis[Any]]) -> tuple[Analysis[Any], ...]:
    """Order ``analyses`` so each runs after those it consumes, otherwise in the given order.

    Raises ``ChainError`` for a duplicate name, a consumed analysis that is not given, or a cycle.
    """
    listed = list(analyses)
    names = [a.name for a in listed]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ChainError(f"analyses named twice: {', '.join(dupes)}")
    for analysis in listed:
        unknown = [c for c in analysis.consumes if c not in names]
        if unknown:
            raise ChainError(f"analysis {analysis.name!r} consumes {', '.join(map(repr, unknown))}, "
                             "which is not in the chain")
    ordered: list[Analysis[Any]] = []
    done: set[str] = set()
    while len(ordered) < len(listed):
        ready = next((a for a in listed if a.name not in done and set(a.consumes) <= done), None)
        if ready is None:
            stuck = ", ".join(a.name for a in listed if a.name not in done)
            raise ChainError(f"analyses {stuck} consume each other (a cycle): no order runs them")
        ordered.append(ready)
        done.add(ready.name)
    return tuple(ordered)


def run_chain(ctx: Context, analyses: Iterable[Analysis[Any]],
              write: Callable[[list[Output]], int]) -> list[dict[str, Any]]:
    """Run ``analyses`` in ``chain`` order, each on its declared view of ``ctx``; ``write`` stores an
    analysis' outputs and returns the rows written. A failing analysis does not stop the others.

    Returns one outcome per analysis: ``step, status (ok/skipped/failed), rows_written, message, seconds``.
    """
    produced: dict[str, tuple[Output, ...]] = {}
    outcomes = []
    for analysis in chain(analyses):
        started = time.perf_counter()
        outputs: list[Output] = []
        try:
            settings = analysis.settings(ctx.profile.analysis)
            view = ctx.view(analysis.series(settings), analysis.tables)
            upstream = Upstream(analysis.consumes, MappingProxyType(
                {name: produced[name] for name in analysis.consumes if name in produced}))
            outputs = analysis.run(view, settings, upstream)
            undeclared = sorted({out.table for out in outputs} - set(analysis.writes))
            if undeclared:
                raise UndeclaredInput(f"wrote undeclared results tables {', '.join(undeclared)}")
            status, message = "ok", "; ".join(view.notes) or None
        except MissingInputs as exc:
            outputs, status, message = [], "skipped", str(exc)
        except Exception as exc:  # a failing analysis must not stop the others
            outputs, status, message = [], "failed", f"{type(exc).__name__}: {exc}"
        produced[analysis.name] = tuple(outputs)
        rows = write(outputs) if outputs else 0
        outcomes.append({"step": analysis.name, "status": status, "rows_written": rows, "message": message,
                         "seconds": time.perf_counter() - started})
    return outcomes


def month_end(series: pd.Series) -> pd.Series:
    """Last value of each calendar month, stamped on the month end."""
    return series.dropna().resample("ME").last().dropna()
