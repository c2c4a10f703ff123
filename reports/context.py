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

from seesaw.reports.metrics import headline
from seesaw.transforms.alerts import Signals
from seesaw.transforms.correlation import CorrPath
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
    """An open read-only connection, the as-of date every query is cut off at, each market's
    declared headline path (``primary``; empty when the warehouse's profile is unknown), the
    markets the dashboard features (``featured``; None: every market) and the market signals of
    the newest point-in-time day (``signals``, the lines ``--notify`` sent)."""

    def __init__(self, con: ReadConnection, as_of: date | None,
                 primary: Mapping[str, CorrPath] | None = None,
                 featured: frozenset[str] | None = None, signals: Signals | None = None) -> None:
        self.con = con
        self.as_of = as_of
        self.primary = dict(primary or {})
        self.featured = featured
        self.signals = signals  # the newest pit day's market signals (None: no pit day, or an as-of report)

    def is_featured(self, market: str) -> bool:
        """Whether the dashboard and the correlation history show ``market`` (every market when
        the profile marks no primary pair; ``metrics.featured_markets``)."""
        return self.featured is None or market in self.featured

    def headline(self, latest: pd.DataFrame, market: str) -> pd.Series | None:
        """The market's headline correlation row: its declared primary path when the profile
        declares one, else the fallback choice of ``metrics.headline``."""
        return headline(latest, market, self.primary.get(market))

    def pair_label(self, equity: str, bond: str) -> str:
        """``S&P 500 index close vs US Treasury 10-year …``: catalog names, for people."""
        return f"{self.name(equity)} vs {self.name(bond)}"

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
    def stale(self) -> pd.DataFrame:
        """Input combinations with a stale input (``results.analysis_cutoffs``)."""
        return q.stale_cutoffs(self.con)

    def stale_since(self, analysis: str, market: str | None = None, key: str | None = None) -> str | None:
        """"stale since D (series …)" when the analysis' combination (``market``, ``key``; any when
        None) has an input older than its frequency allows at the run's time (or as-of), else None."""
        rows = self.stale[self.stale["analysis"] == analysis]
        if market is not None:
            rows = rows[rows["market"] == market.upper()]
        if key is not None:
            rows = rows[rows["key"] == key]
        if rows.empty:
            return None
        return (f"stale since {pd.Timestamp(rows['common_cutoff'].min()).date().isoformat()} "
                f"({', '.join(sorted(set(rows['series'])))} not updated)")

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
