"""Build the self-contained HTML research report from results.* and ops.* tables.

One file, no external resources (inline CSS, inline SVG charts, no scripts), so it opens offline
and can be mailed or archived as it is. The warehouse is opened read-only and never written.

Usage::

    from seesaw.reports.build import build_report
    result = build_report(Path("warehouse/seesaw.duckdb"), Path("report.html"), as_of=date(2019, 8, 28))
"""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Literal

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from seesaw.analyses.settings import AnalysisSettings
from seesaw.reports.context import Missing, Reader, Section
from seesaw.reports.current import REPORT_SUFFIX, state_key, state_meta
from seesaw.reports.metrics import featured_markets, market_order, primary_paths
from seesaw.reports.render import stamp
from seesaw.reports.sections import SECTIONS, SectionSpec
from seesaw.signals import newest_signals
from seesaw.sources.catalog import ProfileError, load_profile
from seesaw.warehouse import report_queries as q
from seesaw.warehouse.db import artifact_path, connect
from seesaw.warehouse.snapshot import ReadConnection, connect_for_reading

TEMPLATES = Path(__file__).resolve().parent / "templates"
DEFAULT_TITLE = "seesaw — stock–bond research report"
#: A report larger than this is a bug (too many chart points): the file must stay easy to mail.
MAX_BYTES = 5 * 1024 * 1024


def default_report_path(db: Path, as_of: date | None = None) -> Path:
    """``<name>.report.html`` beside warehouse ``<name>.duckdb`` (``<name>.report-asof-D.html``
    for an as-of replay): named after the warehouse, so two warehouses can share a folder."""
    return artifact_path(db, f".report-asof-{as_of}.html" if as_of else REPORT_SUFFIX)


class ReportSectionWarning(UserWarning):
    """A section raised while rendering; the report shows the error in its place."""


@dataclass(frozen=True)
class ReportResult:
    """What ``build_report`` wrote.

    ``sections`` holds (section id, status, note) in display order: status ``ok`` with the
    one-line reading, or ``missing`` with what is missing.
    """

    path: Path
    size_bytes: int
    sections: list[tuple[str, Literal["ok", "missing"], str]]
    seconds: float


def _build(spec: SectionSpec, reader: Reader) -> Section:
    """Build one section; an unexpected error becomes a visible note instead of a broken report."""
    try:
        content = spec.build(reader)
    except Exception as exc:  # noqa: BLE001 -- one bad table must not cost the 7am reader the whole report
        note = f"section failed to render: {type(exc).__name__}: {exc}"
        warnings.warn(f"report section {spec.id}: {note}", ReportSectionWarning, stacklevel=2)
        return Section(spec.id, spec.title, "missing", note, failed=True)
    if isinstance(content, Missing):
        return Section(spec.id, spec.title, "missing", content.reading)
    return Section(spec.id, spec.title, "ok", content.reading, content.data_as_of, spec.template, content.values)


def _header(reader: Reader) -> tuple[str, str]:
    """(as-of text, run text) for the report header: the report describes the latest run when it
    was rendered; runs after it that find nothing new leave it as it is (``reports.current``)."""
    if reader.as_of is not None:
        as_of = f"as of {reader.as_of.isoformat()}"
    else:
        cutoffs = q.market_cutoffs(reader.con).set_index("market")
        markets = [f"{mk} {pd.Timestamp(cutoffs.at[mk, 'cutoff']).date().isoformat()}"
                   + (" (stale)" if cutoffs.at[mk, "stale"] else "") for mk in market_order(cutoffs.index)]
        as_of = "common data cutoff " + " · ".join(markets) if markets else "no results yet"
    run = q.latest_run(reader.con)
    run_text = (f"report of run {run[0]} · profile {run[1]} · {run[2]} · started {stamp(run[3])}"
                " (later runs that find nothing new keep this report; `seesaw status` lists every run)" if run
                else "no runs recorded")
    return as_of, run_text


@cache
def _templates() -> Environment:
    """The report's Jinja2 templates, every value HTML-escaped unless marked safe."""
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                       undefined=StrictUndefined)


def render(sections: list[Section], *, title: str, as_of_text: str, run_text: str, warehouse: str,
           note: str | None = None, state: str | None = None) -> str:
    """The whole HTML document: ``note`` (the profile's ``report_note``) first, then every
    section with data, then one list of the sections that need data. ``state`` (``reports.current``)
    goes into the head, so a later run can tell whether the report still holds."""
    return _templates().get_template("report.html").render(
        title=title, as_of=as_of_text, run=run_text, warehouse=warehouse, generated=stamp(datetime.now(UTC)),
        note=note, sections=sections, state=state)


def _profile_settings(con: ReadConnection) -> AnalysisSettings | None:
    """The analysis settings of the profile the latest run used, or None when no run is recorded
    or that profile no longer loads (a moved file): the report then picks headlines itself."""
    run = q.latest_run(con)
    if run is None:
        return None
    try:
        return load_profile(run[1]).analysis
    except ProfileError:
        return None


def build_report(db: Path, out: Path, *, as_of: date | None = None, title: str | None = None,
                 from_snapshot: bool = False, settings: AnalysisSettings | None = None) -> ReportResult:
    """Write the HTML report for warehouse ``db`` to ``out``.

    Parameters
    ----------
    db : Path
        DuckDB warehouse; opened read-only (results.*, ops.*, core.series/observations).
    out : Path
        HTML file to write (parent directories are created).
    as_of : date, optional
        Show only observations dated on or before this day; the header says "as of D".
    title : str, optional
        Report title (default ``DEFAULT_TITLE``).
    from_snapshot : bool
        Read the published snapshot, so a run starting meanwhile never waits (the CLI); the
        nightly flow, which holds the run lock itself, reads the warehouse directly.
    settings : AnalysisSettings, optional
        The profile's analysis settings: each market's primary pair (its cards, regime label
        and headline; only markets with a pair marked ``primary`` get cards, the others appear
        in the panel section) and the ``report_note`` shown first. Default: those of the
        profile the latest run used.

    Returns
    -------
    ReportResult
        Path, size in bytes, per-section status and note, wall time in seconds.
    """
    started = time.perf_counter()
    out = Path(out)
    opener = connect_for_reading(db) if from_snapshot else connect(db, read_only=True)
    with opener as con:
        settings = settings or _profile_settings(con)
        signals = newest_signals(con, settings) if settings and as_of is None else None
        reader = Reader(con, as_of, primary_paths(settings.primary_pairs()) if settings else None,
                        featured_markets(settings.pairs) if settings else None, signals)
        sections = [_build(spec, reader) for spec in SECTIONS]
        as_of_text, run_text = _header(reader)
        run = q.latest_run(con)
        state = state_meta(run[0], state_key(con)) if run and as_of is None and not from_snapshot else None
    html = render(sections, title=title or DEFAULT_TITLE, as_of_text=as_of_text, run_text=run_text,
                  warehouse=Path(db).name, note=settings.report_note if settings else None, state=state)
    data = html.encode("utf-8")
    if len(data) > MAX_BYTES:
        raise ValueError(f"report would be {len(data) / 1e6:.1f} MB, above the {MAX_BYTES / 1e6:.0f} MB limit; "
                         "a chart is carrying too many points")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return ReportResult(out, len(data), [(s.id, s.status, s.reading) for s in sections],
                        time.perf_counter() - started)
