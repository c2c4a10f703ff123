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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from string import Template
from typing import Literal

from seesaw.reports.context import Reader, Section
from seesaw.reports.render import esc, stamp
from seesaw.reports.sections import SECTION_IDS, SECTIONS
from seesaw.warehouse.db import artifact_path, connect
from seesaw.warehouse.snapshot import connect_for_reading

TEMPLATES = Path(__file__).resolve().parent / "templates"
DEFAULT_TITLE = "seesaw — stock–bond research report"
#: A report larger than this is a bug (too many chart points): the file must stay easy to mail.
MAX_BYTES = 5 * 1024 * 1024


def default_report_path(db: Path, as_of: date | None = None) -> Path:
    """``<name>.report.html`` beside warehouse ``<name>.duckdb`` (``<name>.report-asof-D.html``
    for an as-of replay): named after the warehouse, so two warehouses can share a folder."""
    return artifact_path(db, f".report-asof-{as_of}.html" if as_of else ".report.html")


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


def _safe(builder: Callable[[Reader], Section], reader: Reader, section_id: str, title: str) -> Section:
    """Build one section; an unexpected error becomes a visible note instead of a broken report."""
    try:
        return builder(reader)
    except Exception as exc:  # noqa: BLE001 -- one bad table must not cost the 7am reader the whole report
        note = f"section failed to render: {type(exc).__name__}: {exc}"
        warnings.warn(f"report section {section_id}: {note}", ReportSectionWarning, stacklevel=2)
        return Section(section_id, title, "missing", note, "—", f'<p class="missing-note error">{esc(note)}</p>')


def _header(reader: Reader) -> tuple[str, str]:
    """(as-of text, latest-run text) for the report header."""
    if reader.as_of is not None:
        as_of = f"as of {reader.as_of.isoformat()}"
    else:
        last = reader.con.execute("select max(obs_date) from results.correlations").fetchone()[0]
        as_of = f"latest data {last.isoformat()}" if last else "no results yet"
    run = reader.con.execute("select run_id, profile, status, started_at from ops.runs "
                             "order by started_at desc limit 1").fetchone()
    run_text = (f"latest run {run[0]} · profile {run[1]} · {run[2]} · started {stamp(run[3])}" if run
                else "no runs recorded")
    return as_of, run_text


def _section_html(section: Section) -> str:
    if section.status == "ok":
        lead = f'<p class="reading">{esc(section.reading)}</p><p class="asof">data as of {esc(section.data_as_of)}</p>'
    else:
        lead = ""  # the body is the note saying what is missing
    return (f'<section id="{section.id}" class="report-section status-{section.status}" '
            f'data-status="{section.status}"><h2>{esc(section.title)}</h2>{lead}{section.body}</section>')


def render(sections: list[Section], *, title: str, as_of_text: str, run_text: str, warehouse: str) -> str:
    """The whole HTML document."""
    toc = "".join(f'<li class="toc-{s.status}"><a href="#{s.id}">{esc(s.title)}</a>'
                  f'{"" if s.status == "ok" else " <span class=badge>missing</span>"}</li>' for s in sections)
    page = Template((TEMPLATES / "report.html").read_text(encoding="utf-8"))
    return page.substitute(
        title=esc(title), css=(TEMPLATES / "report.css").read_text(encoding="utf-8"), as_of=esc(as_of_text),
        run=esc(run_text), warehouse=esc(warehouse), generated=stamp(datetime.now(UTC)), toc=toc,
        sections="".join(_section_html(s) for s in sections))


def build_report(db: Path, out: Path, *, as_of: date | None = None, title: str | None = None,
                 from_snapshot: bool = False) -> ReportResult:
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

    Returns
    -------
    ReportResult
        Path, size in bytes, per-section status and note, wall time in seconds.
    """
    started = time.perf_counter()
    out = Path(out)
    opener = connect_for_reading(db) if from_snapshot else connect(db, read_only=True)
    with opener as con:
        reader = Reader(con, as_of)
        sections = [_safe(builder, reader, sid, stitle)
                    for builder, (sid, stitle) in zip(SECTIONS, SECTION_IDS, strict=True)]
        as_of_text, run_text = _header(reader)
    html = render(sections, title=title or DEFAULT_TITLE, as_of_text=as_of_text, run_text=run_text,
                  warehouse=Path(db).name)
    data = html.encode("utf-8")
    if len(data) > MAX_BYTES:
        raise ValueError(f"report would be {len(data) / 1e6:.1f} MB, above the {MAX_BYTES / 1e6:.0f} MB limit; "
                         "a chart is carrying too many points")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return ReportResult(out, len(data), [(s.id, s.status, s.reading) for s in sections],
                        time.perf_counter() - started)
