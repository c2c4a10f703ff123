"""Incremental cost follows new data: a nightly run skips sources whose payload did not change and
analyses whose inputs did not change since they last ran.

Sources (``SourceCheck``): after a load that ended ok, ``ops.source_state`` keeps a digest of the
profile entry, the window, the validated frame and the rows stored afterwards, and for the
``files`` source each file's modification time, size and sha256. A file source whose files are
unchanged (same time and size, or same sha256 when the time moved), whose entry is the same, whose
window lies inside that load's and whose stored rows are as that load left them is not read at all;
any source whose fetched payload equals that load's is not loaded (no transaction). Either way
``ops.loads`` records it as ``unchanged``. A ``full`` run (backfill) or ``replace`` reads everything.

Analyses (``incremental_plan``): each analysis' input fingerprint (``input_fingerprints``) is
compared with the one recorded in ``ops.analysis_state`` when it last computed; an unchanged
analysis keeps its stored results and status and says "inputs unchanged since run R".
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from seesaw.analyses.core import Analysis, Context, code_version, input_fingerprints, unchanged_steps
from seesaw.sources.base import SeriesSpec, SourceError, TableSpec
from seesaw.sources.files import FilesSource
from seesaw.sources.registry import make_source
from seesaw.warehouse import state as wstate
from seesaw.warehouse.load import LoadResult

FileStamp = tuple[str, int, int, str]  # path, mtime_ns, size in bytes, sha256


def spec_digest(spec: SeriesSpec | TableSpec) -> str:
    """sha256 of a profile entry as the run resolved it (source, code, options, kind, unit, bands)."""
    text = json.dumps({"type": type(spec).__name__, **dataclasses.asdict(spec)}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def frame_digest(*frames: pd.DataFrame) -> str:
    """sha256 of frames' column names and values (row order included, index ignored)."""
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(json.dumps([str(c) for c in frame.columns]).encode())
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def _covers(outer: tuple[date | None, date | None], inner: tuple[date | None, date | None]) -> bool:
    """Whether window ``outer`` holds ``inner`` (None = open end)."""
    starts = outer[0] is None or (inner[0] is not None and outer[0] <= inner[0])
    ends = outer[1] is None or (inner[1] is not None and outer[1] >= inner[1])
    return starts and ends


def payload_digest(spec: SeriesSpec | TableSpec, start: date | None, end: date | None, *frames: pd.DataFrame) -> str:
    """sha256 of what a source delivered for an entry and window (validated rows and rejects, or a table's rows)."""
    return hashlib.sha256(f"{spec_digest(spec)}|{start}|{end}|{frame_digest(*frames)}".encode()).hexdigest()


@dataclass
class _Pending:
    """What a source read in this run delivered, for its state once the load ends ok."""

    spec: SeriesSpec | TableSpec
    start: date | None
    end: date | None
    files: list[FileStamp] | None = None
    frames: tuple[pd.DataFrame, ...] = ()


@dataclass
class SourceCheck:
    """One chunk's record of what each source delivered when last loaded ok; says which sources
    need not be read (``unchanged_files``) or loaded (``unchanged_payload``) and records the
    states of this chunk's ok loads (``save``)."""

    previous: dict[str, wstate.SourceState]
    stored: dict[str, str]  # load id -> digest of its stored rows now
    last_dates: dict[str, date]  # series id -> last stored date
    today: date
    #: The start of a series' next incremental window given its last stored date; None when this
    #: chunk's window is explicit (then the next run asks for the same one).
    next_start: Callable[[SeriesSpec, date], date] | None = None
    skipped: dict[str, tuple[date | None, date | None, str]] = field(default_factory=dict)  # id -> window, run
    _pending: dict[str, _Pending] = field(default_factory=dict)
    _restamped: list[wstate.SourceState] = field(default_factory=list)
    _hashes: dict[tuple[str, int, int], str] = field(default_factory=dict)

    @classmethod
    def open(cls, con: duckdb.DuckDBPyConnection, tables: Iterable[str], today: date,
             next_start: Callable[[SeriesSpec, date], date] | None = None) -> SourceCheck:
        """The recorded states and the stored rows' digests now (series, and the ``tables``' ids)."""
        series = wstate.series_digests(con)
        stored = {sid: digest for sid, (_, digest) in series.items()}
        stored.update({f"table:{t}": wstate.table_digest(con, f"core.{t}") for t in tables})
        return cls(wstate.source_states(con), stored, {sid: last for sid, (last, _) in series.items()}, today,
                   next_start)

    def _stamps(self, paths: Sequence[Path], known: list[FileStamp] | None) -> list[FileStamp]:
        """Each file's stamp now; its sha256 taken from ``known`` when time and size match, else computed."""
        reuse = {(p, t, s): h for p, t, s, h in known or []}
        stamps = []
        for path in paths:
            info = path.stat()
            key = (str(path), info.st_mtime_ns, info.st_size)
            if key not in reuse and key not in self._hashes:
                self._hashes[key] = file_sha256(path)
            stamps.append((*key, reuse[key] if key in reuse else self._hashes[key]))
        return stamps

    def unchanged_files(self, load_id: str, spec: SeriesSpec | TableSpec, start: date | None, end: date | None,
                        data_dir: Path | None) -> bool:
        """Whether a ``files`` source need not be read (see the module docstring); it is then in
        ``skipped``. A source to read has its files' stamps taken now, before it is read."""
        if spec.source != "files":
            return False
        source = make_source("files", data_dir=data_dir)
        assert isinstance(source, FilesSource)
        try:
            paths = source.paths(spec)
        except SourceError:
            return False  # the fetch reports it
        before = self.previous.get(load_id)
        stamps = self._stamps(paths, before.files if before else None)
        same = (before is not None and before.files is not None
                and [(p, h) for p, _, _, h in stamps] == [(p, h) for p, _, _, h in before.files]
                and before.spec_digest == spec_digest(spec)
                and _covers((before.requested_start, before.requested_end), (start, end))
                and self.stored.get(load_id) == before.stored_digest
                # a row dated after today would now be rejected (a run's time may go backwards)
                and (isinstance(spec, TableSpec) or self.last_dates.get(load_id, date.max) <= self.today))
        if before is None or before.files is None or not same:
            self._pending[load_id] = _Pending(spec, start, end, stamps)
            return False
        if stamps != before.files:  # touched, same bytes: keep the new times so the next run hashes nothing
            self._restamped.append(dataclasses.replace(before, files=stamps))
        self.skipped[load_id] = (start, end, before.run_id)
        return True

    def unchanged_payload(self, load_id: str, spec: SeriesSpec | TableSpec, start: date | None, end: date | None,
                          *frames: pd.DataFrame) -> str | None:
        """The run that loaded this very payload (``frames``: the validated rows and rejects, or a
        table's rows) for this entry and window when the stored rows are as it left them, else
        None (then the load goes ahead and the payload is remembered for ``save``)."""
        before = self.previous.get(load_id)
        if (before is not None and before.payload_digest == payload_digest(spec, start, end, *frames)
                and self.stored.get(load_id) == before.stored_digest):
            return str(before.run_id)
        self._pending.setdefault(load_id, _Pending(spec, start, end)).frames = frames
        return None

    def save(self, con: duckdb.DuckDBPyConnection, loads: Iterable[LoadResult], run_id: str, now: datetime) -> None:
        """Record the state of every source of this chunk whose load ended ok (and new file
        times of unchanged files). A series' state vouches for the window the next incremental
        run will ask for (``next_start``), with the payload clipped to it, so that run can skip it."""
        ok = [r.series_id for r in loads if r.status == "ok" and r.series_id in self._pending]
        series: dict[str, tuple[date, str]] = {}
        if any(not load_id.startswith("table:") for load_id in ok):
            series = wstate.series_digests(con)
        states = list(self._restamped)
        for load_id in ok:
            item = self._pending[load_id]
            start, frames = item.start, item.frames
            if isinstance(item.spec, TableSpec):
                digest = wstate.table_digest(con, f"core.{item.spec.table_id}")
            elif load_id in series:
                last, digest = series[load_id]
                if self.next_start is not None and frames:
                    start = max(start or date.min, self.next_start(item.spec, last))
                    frames = tuple(f[pd.to_datetime(f["obs_date"]) >= pd.Timestamp(start)] for f in frames)
            else:
                continue
            payload = payload_digest(item.spec, start, item.end, *frames) if frames else None
            states.append(wstate.SourceState(load_id, spec_digest(item.spec), start, item.end, item.files,
                                             payload, digest, run_id))
        wstate.save_source_states(con, states, now)


def unchanged_load(load_id: str, run: str, rows_fetched: int = 0) -> LoadResult:
    """The ``ops.loads`` result of a source skipped because it is unchanged since ``run``."""
    return LoadResult(load_id, rows_fetched, 0, 0, 0, None, None, "unchanged", f"source unchanged since run {run}")


#: How the outcome of an analysis that was not recomputed begins (then the run that computed it).
UNCHANGED_INPUTS = "inputs unchanged since run"


def reused(outcome: dict[str, Any]) -> bool:
    """Whether an analysis outcome (``run_chain``) is one not recomputed because its inputs were unchanged."""
    return str(outcome.get("message") or "").startswith(UNCHANGED_INPUTS)


@dataclass(frozen=True)
class AnalysisPlan:
    """The analyses not to recompute (step -> the status and message ``run_chain`` records for
    them), and the stored series' digests the fingerprints were taken on."""

    reuse: dict[str, tuple[str, str]]
    stored: dict[str, tuple[date, str]]


def incremental_plan(con: duckdb.DuckDBPyConnection, ctx: Context,
                     analyses: Sequence[Analysis[Any]]) -> AnalysisPlan:
    """Fingerprint every analysis' inputs (``ctx`` needs no observations) and compare them with
    ``ops.analysis_state``: an unchanged one keeps the status it computed, with the message
    "inputs unchanged since run R, not recomputed" (and that run's message)."""
    stored = wstate.series_digests(con)
    fingerprints = _fingerprints(con, ctx, analyses, stored)
    previous = wstate.analysis_states(con)
    reuse = {}
    for step in unchanged_steps(analyses, fingerprints, {s: p.fingerprint for s, p in previous.items()}):
        before = previous[step]
        reuse[step] = (before.status, f"{UNCHANGED_INPUTS} {before.run_id}, not recomputed"
                       + (f" (then: {before.message})" if before.message else ""))
    return AnalysisPlan(reuse, stored)


def _fingerprints(con: duckdb.DuckDBPyConnection, ctx: Context, analyses: Sequence[Analysis[Any]],
                  stored: dict[str, tuple[date, str]]) -> dict[str, str | None]:
    return input_fingerprints(ctx, analyses, stored, lambda table: wstate.table_digest(con, table), code_version())


def save_analysis_states(con: duckdb.DuckDBPyConnection, ctx: Context, analyses: Sequence[Analysis[Any]],
                         plan: AnalysisPlan, outcomes: Iterable[dict[str, Any]], run_id: str, now: datetime) -> None:
    """Record the fingerprint of every analysis this run computed (status ok or stale) or found
    without its inputs (skipped: it stays so until they change); a failed one runs again.

    The fingerprints are of the inputs as the run leaves them (``ctx`` with the stored tables
    re-read): an analysis reading what it writes (the DCC its stored fits) is compared next time
    with its own output, so it is not recomputed merely because it ran."""
    fingerprints = _fingerprints(con, ctx, analyses, plan.stored)
    states = [wstate.AnalysisState(o["step"], fingerprint, o["status"], o["message"], run_id) for o in outcomes
              if o["step"] not in plan.reuse and o["status"] in ("ok", "stale", "skipped")
              and (fingerprint := fingerprints.get(o["step"]))]
    wstate.save_analysis_states(con, states, now)
