"""What every section builder shares: a read-only query helper bound to the as-of date, and the
``Section`` it returns.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Literal

import duckdb
import pandas as pd

from seesaw.reports.render import esc

#: Stand-in cutoff when no as-of date is given (every date passes).
NO_CUTOFF = date(9999, 12, 31)


@dataclass(frozen=True)
class Section:
    """One rendered report section.

    ``reading`` is the one-line plain-language reading (or, when ``status`` is ``missing``,
    what is missing); ``data_as_of`` the date of the newest data it shows; ``body`` HTML.
    """

    id: str
    title: str
    status: Literal["ok", "missing"]
    reading: str
    data_as_of: str = "—"
    body: str = ""


class Reader:
    """Queries against an open read-only connection, with ``$cutoff`` bound to the as-of date."""

    def __init__(self, con: duckdb.DuckDBPyConnection, as_of: date | None) -> None:
        self.con = con
        self.as_of = as_of

    @property
    def cutoff(self) -> date:
        """Latest observation date any query may see."""
        return self.as_of or NO_CUTOFF

    def df(self, sql: str, **params: object) -> pd.DataFrame:
        """Run ``sql`` with named ``$params``; ``$cutoff`` is bound to the as-of date."""
        if "$cutoff" in sql:
            params["cutoff"] = self.cutoff
        return self.con.execute(sql, params or None).df()

    @cached_property
    def series_names(self) -> dict[str, tuple[str, str]]:
        """series_id → (name, unit) from ``core.series``."""
        rows = self.con.execute("select series_id, name, unit from core.series").fetchall()
        return {sid: (name, unit) for sid, name, unit in rows}

    def name(self, series_id: str) -> str:
        """Human name of a series id (the id itself when it is not in the catalog)."""
        return self.series_names.get(series_id, (series_id, ""))[0]

    @cached_property
    def latest_steps(self) -> pd.DataFrame:
        """The latest ``ops.analyses`` row of every analysis step."""
        return self.df("""
            select step, status, message, run_id, finished_at from ops.analyses
            qualify row_number() over (partition by step order by finished_at desc) = 1
            order by step""")

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


def missing(section_id: str, title: str, what: str, reason: str) -> Section:
    """A section whose inputs are absent: says what is missing instead of breaking."""
    reading = f"No {what} in this warehouse: {reason}."
    body = f'<p class="missing-note">{esc(reading)}</p>'
    return Section(section_id, title, "missing", reading, "—", body)
