"""What every section builder shares: the open read-only connection with its as-of date, and the
``Content`` or ``Missing`` a builder returns (``Section`` once the report has placed it).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Literal

import pandas as pd

from seesaw.warehouse import report_queries as q
from seesaw.warehouse.snapshot import ReadConnection

#: Stand-in cutoff when no as-of date is given (every date passes).
NO_CUTOFF = date(9999, 12, 31)


@dataclass(frozen=True)
class Content:
    """What a section shows: its one-line ``reading``, the date of the newest data it shows and
    the values its template renders."""

    reading: str
    data_as_of: str
    values: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Missing:
    """A section whose inputs are absent: what is missing and why."""

    what: str
    reason: str

    @property
    def reading(self) -> str:
        return f"No {self.what} in this warehouse: {self.reason}."


@dataclass(frozen=True)
class Section:
    """One report section ready to render.

    ``reading`` is the one-line plain-language reading (or, when ``status`` is ``missing``,
    what is missing or why the section failed); ``data_as_of`` the date of the newest data it
    shows; ``template`` and ``values`` its body (none when missing).
    """

    id: str
    title: str
    status: Literal["ok", "missing"]
    reading: str
    data_as_of: str = "—"
    template: str | None = None
    values: Mapping[str, object] = field(default_factory=dict)
    failed: bool = False


class Reader:
    """An open read-only connection and the as-of date every query is cut off at."""

    def __init__(self, con: ReadConnection, as_of: date | None) -> None:
        self.con = con
        self.as_of = as_of

    @property
    def cutoff(self) -> date:
        """Latest observation date any query may see."""
        return self.as_of or NO_CUTOFF

    @cached_property
    def series_names(self) -> dict[str, tuple[str, str]]:
        """series_id → (name, unit) from ``core.series``."""
        return q.series_names(self.con)

    def name(self, series_id: str) -> str:
        """Human name of a series id (the id itself when it is not in the catalog)."""
        return self.series_names.get(series_id, (series_id, ""))[0]

    @cached_property
    def latest_steps(self) -> pd.DataFrame:
        """The latest ``ops.analyses`` row of every analysis step, by step."""
        return q.latest_steps(self.con)

    def reason(self, keywords: Sequence[str], default: str) -> str:
        """Why a results table is empty: the skip/failure messages of matching analysis steps,
        else ``default`` (e.g. ``needs series us_move``)."""
        steps = self.latest_steps
        hits = steps[steps["step"].str.contains("|".join(keywords), case=False, regex=True)
                     & (steps["status"] != "ok")]
        notes = []
        for _, row in hits.iterrows():
            message = row["message"] or "no message"
            notes.append(f"{message} (step {row['step']} {row['status']})")
        return "; ".join(notes) if notes else default
