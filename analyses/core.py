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

import hashlib
import importlib.util
import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import date, datetime
from functools import cache, partial, update_wrapper
from pathlib import Path
from types import MappingProxyType
from typing import Any, Generic, TypeVar

import numpy as np
import pandas as pd

from seesaw.analyses.settings import AnalysisSettings, MinimumSamples
from seesaw.sources.catalog import Profile
from seesaw.transforms.periods import age, common_periods, data_through
from seesaw.transforms.returns import resample_last

R = TypeVar("R")


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
#: ``results.correlations`` is read when the analysis asks for it (``Context.written``), so an
#: analysis that consumes the analyses writing it sees their rows of this run.
STORED_TABLES = ("core.auctions", "results.model_fits", "results.correlations")


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
    tables: frozenset[str] | None = None  # declared stored tables of the running analysis (None = all)
    results_reader: Callable[[str], pd.DataFrame] | None = None  # results.<table> as written so far
    cutoffs: list[Cutoff] = field(default_factory=list)  # inputs aligned by the running analysis
    read: dict[str, None] = field(default_factory=dict)  # series the running analysis read, in order
    memo: Memo = field(default_factory=lambda: Memo(0))  # results of expensive pure calls (a replay's)
    _lookup: _Lookup = field(default_factory=lambda: _Lookup(), repr=False)  # shared by every view

    def view(self, series: Iterable[str], tables: Iterable[str]) -> Context:
        """This context restricted to ``series`` and the stored ``tables``, with fresh notes."""
        tables = set(tables)
        unknown = sorted(tables - set(STORED_TABLES))
        if unknown:
            raise UndeclaredInput(f"unknown stored tables {', '.join(unknown)} (known: {', '.join(STORED_TABLES)})")
        return replace(self, notes=[], cutoffs=[], read={}, allowed=frozenset(series), tables=frozenset(tables),
                       auctions=self.auctions if "core.auctions" in tables else pd.DataFrame(),
                       model_fits=self.model_fits if "results.model_fits" in tables else pd.DataFrame())

    @property
    def min_samples(self) -> MinimumSamples:
        """Minimum sample sizes of the profile's analyses."""
        return self.profile.analysis.min_samples

    def _declared(self, series_id: str) -> None:
        if self.allowed is not None and series_id not in self.allowed:
            raise UndeclaredInput(f"series {series_id} is read but not among the analysis' declared series")

    def written(self, table: str) -> pd.DataFrame:
        """Stored ``table`` (e.g. ``results.correlations``) as this run has written it so far."""
        if self.tables is not None and table not in self.tables:
            raise UndeclaredInput(f"table {table} is read but not among the analysis' declared tables")
        if self.results_reader is None:
            raise MissingInputs(f"needs {table} (no warehouse to read it from)")
        return self.results_reader(table)

    def has(self, *series_ids: str) -> bool:
        """Whether every named series has observations."""
        for sid in series_ids:
            self._declared(sid)
        present = self._lookup.series(self.observations)
        return all(sid in present for sid in series_ids)

    def series(self, series_id: str) -> pd.Series:
        """Observations of one series indexed by date; raises ``MissingInputs`` when absent."""
        self._declared(series_id)
        self.read[series_id] = None
        found = self._lookup.series(self.observations).get(series_id)
        if found is None:
            raise MissingInputs(f"needs series {series_id}")
        return found

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
        return self._catalog_field(series_id, "kind")

    def frequency(self, series_id: str) -> str:
        """Catalog frequency of a series (D, W, M, Q, A)."""
        return self._catalog_field(series_id, "frequency")

    def _catalog_field(self, series_id: str, column: str) -> str:
        self._declared(series_id)
        rows = self._lookup.catalog(self.catalog)
        if series_id not in rows:
            raise MissingInputs(f"needs series {series_id} in the catalog")
        return str(rows[series_id][column])

    def aligned(self, series_ids: Iterable[str], freq: str, *, key: str, market: str | None = None,
                output: str | None = None) -> dict[str, pd.Series]:
        """The named series restricted to their common periods at ``freq`` (``common_periods``):
        common quote dates for daily data, complete periods only, nothing past the common cutoff.

        Records each input's last date and the common cutoff under ``key`` (one combination of
        the analysis, e.g. a pair) for ``results.analysis_cutoffs``; ``output`` names the results
        table it feeds (default: the analysis' first).
        """
        ids = list(dict.fromkeys(series_ids))
        common = common_periods({sid: self.series(sid) for sid in ids},
                                {sid: self.frequency(sid) for sid in ids}, freq)
        self.cutoffs.extend(Cutoff(output, market, key, sid, common.last_dates[sid].date(), common.cutoff.date())
                            for sid in ids)
        return common.levels


class _Lookup:
    """Indexes of a context's observations and catalog, built once and shared by its views (an
    analysis asks whether a series is present, or its frequency, hundreds of times)."""

    def __init__(self) -> None:
        self._series: dict[str, pd.Series] | None = None
        self._catalog: dict[str, dict[str, Any]] | None = None

    def series(self, observations: pd.DataFrame) -> dict[str, pd.Series]:
        """Each series' observations indexed by date (sorted), by id: one pass over the long frame."""
        if self._series is None:
            dates = pd.DatetimeIndex(pd.to_datetime(observations["obs_date"]))
            codes, ids = pd.factorize(observations["series_id"], sort=False)
            order = np.lexsort((dates.asi8, codes))
            bounds = np.searchsorted(codes[order], np.arange(len(ids) + 1))
            values = observations["value"].to_numpy()[order]
            stamps = dates[order]
            self._series = {str(sid): pd.Series(values[lo:hi], index=stamps[lo:hi], name=str(sid))
                            for sid, lo, hi in zip(ids, bounds[:-1], bounds[1:], strict=True)}
        return self._series

    def catalog(self, catalog: pd.DataFrame) -> dict[str, dict[str, Any]]:
        """Catalog rows by series id (the first row of an id)."""
        if self._catalog is None:
            rows = catalog.drop_duplicates("series_id").to_dict("records")
            self._catalog = {str(row["series_id"]): row for row in rows}
        return self._catalog


class Memo:
    """Results of expensive pure calls (model fits) by the content of their arguments, so a replay
    that meets the same inputs on the next day (a monthly model between month ends) does not fit
    again. Exact: a hit returns what the call returned for equal arguments. ``size`` bounds the
    entries kept (least recently used dropped); 0 keeps nothing (one run computes everything once).
    One thread uses a memo at a time (a replay lane computes its days in order).
    """

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self.hits = 0
        self._entries: dict[str, Any] = {}
        self._rows: dict[str, tuple[str, pd.DataFrame, pd.DataFrame]] = {}

    def __call__(self, fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        """``fn(*args, **kwargs)``, or the stored result of an equal call."""
        if self.size <= 0:
            return fn(*args, **kwargs)
        key = f"{fn.__module__}.{fn.__qualname__}:{content_digest((args, kwargs))}"
        if key in self._entries:
            self.hits += 1
            value: R = self._entries.pop(key)
        else:
            value = fn(*args, **kwargs)
        self._entries[key] = value  # newest last
        while len(self._entries) > self.size:
            del self._entries[next(iter(self._entries))]
        return value

    def rows(self, fn: Callable[..., pd.DataFrame], frame: pd.DataFrame, *args: Any) -> pd.DataFrame:
        """``fn(frame, *args)`` for a ``fn`` that maps each row of ``frame`` (a date index, numeric
        columns) on its own to output rows stamped ``obs_date`` = that date, in date order (a
        daily curve pushed through a monthly model). When the previous such call had equal
        ``args`` and a ``frame`` that is the start of this one, only the new rows are computed and
        appended to its output: a replay's next day costs its new day, not the whole history.
        Equal to the full call (up to floating-point rounding of batched linear algebra)."""
        if self.size <= 0:
            return fn(frame, *args)
        name, key = f"{fn.__module__}.{fn.__qualname__}", content_digest(args)
        before = self._rows.get(name)
        done = len(before[1]) if before is not None and before[0] == key and _starts(frame, before[1]) else 0
        if before is None or done == 0:
            out = fn(frame, *args)
        elif done == len(frame):
            out = before[2]
        else:
            out = pd.concat([before[2], fn(frame.iloc[done:], *args)], ignore_index=True)
        self._rows[name] = (key, frame, out)  # one chain per function: the next day continues it
        return out

    def of(self, fn: Callable[..., R]) -> Callable[..., R]:
        """``fn`` through this memo, under ``fn``'s name (a task runner names its tasks by it) and
        picklable (a Dask worker receives it)."""
        return update_wrapper(partial(self, fn), fn)


def _starts(frame: pd.DataFrame, start: pd.DataFrame) -> bool:
    """Whether ``start`` is ``frame``'s first rows: same columns and dtypes, index and values."""
    n = len(start)
    return (0 < n <= len(frame) and list(frame.columns) == list(start.columns)
            and list(frame.dtypes) == list(start.dtypes) and frame.index[:n].equals(start.index)
            and np.array_equal(frame.iloc[:n].to_numpy(), start.to_numpy(), equal_nan=True))


def content_digest(value: Any) -> str:
    """sha256 of a value's content: frames and series (values, index, columns, dtypes), arrays,
    settings models, dataclasses of these (a model fit), containers and plain scalars. Raises
    ``TypeError`` for anything else, so a memo never keys on an object's identity."""
    digest = hashlib.sha256()

    def feed(item: Any) -> None:
        if isinstance(item, pd.DataFrame):
            digest.update(f"frame|{item.shape}|{list(map(str, item.dtypes))}|{list(item.columns)}|".encode())
            digest.update(pd.util.hash_pandas_object(item, index=True).to_numpy().tobytes())
        elif isinstance(item, pd.Series):
            digest.update(f"series|{item.shape}|{item.dtype}|{item.name}|".encode())
            digest.update(pd.util.hash_pandas_object(item, index=True).to_numpy().tobytes())
        elif isinstance(item, np.ndarray):
            digest.update(f"ndarray|{item.shape}|{item.dtype}|".encode())
            digest.update(np.ascontiguousarray(item).tobytes())
        elif hasattr(item, "model_dump_json"):
            digest.update(f"{type(item).__qualname__}|{item.model_dump_json()}|".encode())
        elif isinstance(item, list | tuple):
            digest.update(f"{type(item).__name__}[{len(item)}]".encode())
            for part in item:
                feed(part)
        elif isinstance(item, dict):
            digest.update(f"dict[{len(item)}]".encode())
            for k in sorted(item, key=str):
                feed(k)
                feed(item[k])
        elif item is None or isinstance(item, str | int | float | bool | date):
            digest.update(f"{type(item).__name__}:{item!r}|".encode())
        elif is_dataclass(item) and not isinstance(item, type):
            digest.update(f"{type(item).__qualname__}|".encode())
            for part in fields(item):
                feed(part.name)
                feed(getattr(item, part.name))
        else:
            raise TypeError(f"cannot key a memo on a {type(item).__name__}")

    feed(value)
    return digest.hexdigest()


@dataclass(frozen=True)
class Cutoff:
    """One input of one combination an analysis aligned: its last observation and the common cutoff."""

    output: str | None
    market: str | None
    key: str
    series_id: str
    series_last_date: date
    common_cutoff: date


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
    ``writes`` the results tables it replaces rows of; ``clock`` the facts about the run's time
    (``Context.now``) its results depend on beyond its inputs' staleness (the DCC refit schedule),
    part of its input fingerprint.
    """

    name: str
    run: Callable[[Context, S, Upstream], list[Output]]
    settings: Callable[[AnalysisSettings], S]
    series: Callable[[S], Iterable[str]]
    writes: tuple[str, ...]
    consumes: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    clock: Callable[[Context, S], object] | None = None


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


def run_chain(ctx: Context, analyses: Iterable[Analysis[Any]], write: Callable[[list[Output]], int],
              reuse: Mapping[str, tuple[str, str]] | None = None) -> list[dict[str, Any]]:
    """Run ``analyses`` in ``chain`` order, each on its declared view of ``ctx``; ``write`` stores an
    analysis' outputs and returns the rows written. A failing analysis does not stop the others.
    An analysis in ``reuse`` (step -> status, message; see ``unchanged_steps``) is not run: its
    stored results stand and its outcome is that status and message.

    Returns one outcome per analysis: ``step, status (ok/stale/skipped/failed), rows_written, message,
    seconds``.
    """
    produced: dict[str, tuple[Output, ...]] = {}
    outcomes = []
    for analysis in chain(analyses):
        started = time.perf_counter()
        if reuse and analysis.name in reuse:
            status, message = reuse[analysis.name]
            outcomes.append({"step": analysis.name, "status": status, "rows_written": 0, "message": message,
                             "seconds": time.perf_counter() - started})
            continue
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
            cutoffs = cutoff_rows(view, analysis)
            stale = stale_note(view, cutoffs)
            status = "stale" if stale else "ok"
            notes = [n for n in (stale, *view.notes) if n]
        except MissingInputs as exc:
            outputs, status, notes, cutoffs = [], "skipped", [str(exc)], None
        except Exception as exc:  # a failing analysis must not stop the others
            outputs, status, notes, cutoffs = [], "failed", [f"{type(exc).__name__}: {exc}"], None
        produced[analysis.name] = tuple(outputs)
        rows = write(outputs) if outputs else 0
        if cutoffs is not None:
            write([Output("analysis_cutoffs", cutoffs, {"analysis": analysis.name})])
            if rows == 0 and not view.notes:
                notes.append("wrote no rows: its inputs give no new complete period ("
                             + ", ".join(f"{r.series_id} last {r.series_last_date}"
                                         for r in cutoffs.drop_duplicates("series_id").itertuples()) + ")")
        outcomes.append({"step": analysis.name, "status": status, "rows_written": rows,
                         "message": "; ".join(notes) or None, "seconds": time.perf_counter() - started})
    return outcomes


@cache
def code_version() -> str:
    """sha256 of the analysis code (the ``seesaw.analyses``, ``seesaw.transforms`` and
    ``seesaw.models`` sources): a changed computation changes every input fingerprint."""
    return source_digest(("seesaw.analyses", "seesaw.transforms", "seesaw.models"))


def source_digest(names: Iterable[str], pattern: str = "*.py") -> str:
    """sha256 of the installed sources of the named packages (their files matching ``pattern``,
    at any depth) and modules (their file), each with its path: a changed file changes it."""
    digest = hashlib.sha256()
    for name in names:
        found = importlib.util.find_spec(name)
        if found is None:
            continue
        if found.submodule_search_locations is None:
            if found.origin:
                digest.update(f"{name}\0".encode())
                digest.update(Path(found.origin).read_bytes())
            continue
        for folder in found.submodule_search_locations:
            for path in sorted(Path(folder).rglob(pattern)):
                if path.is_file() and "__pycache__" not in path.parts:
                    digest.update(f"{name}/{path.relative_to(folder).as_posix()}\0".encode())
                    digest.update(path.read_bytes())
    return digest.hexdigest()


def _plain(value: Any) -> Any:
    """Settings as JSON-ready data (pydantic models dumped, containers walked)."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def input_fingerprints(ctx: Context, analyses: Iterable[Analysis[Any]], stored: Mapping[str, tuple[date, str]],
                       table_digest: Callable[[str], str], code: str) -> dict[str, str | None]:
    """Per analysis, a sha256 of everything its results depend on: each declared series' stored
    state (``stored``: series id -> last date and a digest of its rows) and catalog row and
    whether it is stale at the run's time; the declared stored tables (``table_digest``) other
    than those it or the analyses it consumes write; the consumed analyses' fingerprints; its
    settings and the profile-wide ones it may read; the code version; its ``clock``; the as-of
    date. None when it cannot be told (its settings or clock fail): the analysis runs.

    ``ctx`` needs the catalog, model fits and time, not observations."""
    listed = chain(analyses)
    by_name = {a.name: a for a in listed}
    catalog = ctx.catalog.drop(columns=["updated_at"], errors="ignore").set_index("series_id")
    reference = pd.Timestamp(ctx.as_of or ctx.now.date())
    tolerance = ctx.profile.analysis.staleness
    fingerprints: dict[str, str | None] = {}
    for analysis in listed:
        upstream = {name: fingerprints[name] for name in analysis.consumes}
        try:
            settings = analysis.settings(ctx.profile.analysis)
            series = sorted(set(analysis.series(settings)))
            covered = {f"results.{t}" for name in (analysis.name, *analysis.consumes) for t in by_name[name].writes}
            inputs: dict[str, list[object]] = {}
            for sid in series:
                if sid not in stored or sid not in catalog.index:
                    inputs[sid] = [stored.get(sid), None]
                    continue
                last, digest = stored[sid]
                row = catalog.loc[sid].to_dict()
                stale = age(pd.Timestamp(last), row["frequency"], reference) > tolerance.allowed(row["frequency"])
                inputs[sid] = [digest, row, stale]
            parts = {
                "analysis": analysis.name, "code": code, "profile": ctx.profile.name, "as_of": ctx.as_of,
                "settings": _plain(settings), "min_samples": _plain(ctx.min_samples), "staleness": _plain(tolerance),
                "series": inputs, "upstream": upstream,
                "tables": {t: table_digest(t) for t in sorted(analysis.tables) if t not in covered},
                "clock": (_plain(analysis.clock(ctx.view(series, analysis.tables), settings))
                          if analysis.clock else None),
            }
        except Exception:  # an input that cannot be described is recomputed, never skipped
            fingerprints[analysis.name] = None
            continue
        if any(fp is None for fp in upstream.values()):
            fingerprints[analysis.name] = None
            continue
        text = json.dumps(parts, sort_keys=True, default=str)
        fingerprints[analysis.name] = hashlib.sha256(text.encode()).hexdigest()
    return fingerprints


def unchanged_steps(analyses: Iterable[Analysis[Any]], fingerprints: Mapping[str, str | None],
                    previous: Mapping[str, str]) -> set[str]:
    """Analyses that need not run: their fingerprint equals ``previous`` (that of their last
    computing run) and no analysis that runs consumes their outputs (a consumer that runs needs
    them produced in this run, so its inputs run too)."""
    listed = chain(analyses)
    changed = {a.name for a in listed if fingerprints.get(a.name) is None
               or previous.get(a.name) != fingerprints[a.name]}
    return {a.name for a in listed} - with_consumed(changed, listed)


def with_consumed(names: Iterable[str], analyses: Iterable[Analysis[Any]]) -> set[str]:
    """``names`` and every analysis they consume, transitively: what must run for them to run."""
    by_name = {a.name: a for a in analyses}
    needed = set(names)
    pending = list(needed)
    while pending:
        for name in by_name[pending.pop()].consumes:
            if name not in needed:
                needed.add(name)
                pending.append(name)
    return needed


#: Columns of ``results.analysis_cutoffs``.
CUTOFF_COLUMNS = ["analysis", "output", "market", "key", "series_id", "series_last_date", "common_cutoff", "stale"]


def cutoff_rows(ctx: Context, analysis: Analysis[Any]) -> pd.DataFrame:
    """``results.analysis_cutoffs`` rows of the analysis that just ran on ``ctx``: every input
    combination it aligned, else the series it read as one combination (key ''), each input
    marked ``stale`` when it is older at the run's time (or as-of) than its frequency allows."""
    cutoffs = list(ctx.cutoffs)
    if not cutoffs and ctx.read:
        last = {sid: pd.Timestamp(ctx.series(sid).index[-1]) for sid in ctx.read}
        common = min(data_through(day, ctx.frequency(sid)) for sid, day in last.items()).date()
        cutoffs = [Cutoff(None, None, "", sid, day.date(), common) for sid, day in last.items()]
    reference = pd.Timestamp(ctx.as_of or ctx.now.date())
    tolerance = ctx.profile.analysis.staleness
    rows = [{"analysis": analysis.name, "output": c.output or analysis.writes[0], "market": c.market, "key": c.key,
             "series_id": c.series_id, "series_last_date": c.series_last_date, "common_cutoff": c.common_cutoff,
             "stale": age(pd.Timestamp(c.series_last_date), ctx.frequency(c.series_id), reference)
             > tolerance.allowed(ctx.frequency(c.series_id))}
            for c in cutoffs]
    frame = pd.DataFrame(rows, columns=CUTOFF_COLUMNS)
    return frame.drop_duplicates(["output", "market", "key", "series_id"], ignore_index=True)


def stale_note(ctx: Context, cutoffs: pd.DataFrame) -> str | None:
    """"stale since D: <series> last observed <date> (<age> old, <allowed> allowed)" for the stale
    inputs in ``cutoffs`` (D = the earliest common cutoff they hold back), or None."""
    stale = cutoffs[cutoffs["stale"]]
    if stale.empty:
        return None
    reference = pd.Timestamp(ctx.as_of or ctx.now.date())
    named = []
    for sid, day in stale.drop_duplicates("series_id")[["series_id", "series_last_date"]].itertuples(index=False):
        native = ctx.frequency(sid)
        unit = "business days" if native == "D" else "days"
        allowed = ctx.profile.analysis.staleness.allowed(native)
        named.append(f"{sid} last observed {day} ({age(pd.Timestamp(day), native, reference)} {unit} old at "
                     f"{reference.date()}, {allowed} allowed)")
    return f"stale since {min(stale['common_cutoff'])}: " + ", ".join(named)


def month_end(series: pd.Series) -> pd.Series:
    """Last value of each calendar month, stamped on the month end."""
    return resample_last(series, "M")
