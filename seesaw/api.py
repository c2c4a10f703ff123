"""Read the warehouse from Python (notebooks): ``wh = seesaw.open("warehouse/seesaw.duckdb")``.

``open`` reads the latest published snapshot (the Parquet copy each run publishes beside the
warehouse), never the warehouse file itself, so a notebook left open can neither delay nor fail
a nightly run. The view is consistent while it is open (it holds a read lease on that snapshot
version); call ``seesaw.open`` again to see a later run. The connection is locked down like
``seesaw query``'s: it reads the snapshot's files and nothing else.

Every method returns a pandas DataFrame indexed by a ``DatetimeIndex`` (``obs_date``; ``as_of``
for point-in-time tables) except ``catalog`` (by ``series_id``) and ``sql`` (as the query says).
Dates may be given as ``datetime.date`` or ISO strings (``"2025-04-11"``).
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Literal, Self

import pandas as pd

from seesaw.warehouse import api_queries as q
from seesaw.warehouse import pit, read
from seesaw.warehouse.db import db_path
from seesaw.warehouse.query import lock_down, read_only
from seesaw.warehouse.snapshot import SnapshotConnection, open_snapshot

#: A day: ``datetime.date``, an ISO string, or ``None`` for "no bound".
Day = date | str | None


class NotInWarehouse(LookupError):
    """A series id or point-in-time table the snapshot does not hold (the message says what to do)."""


def open(db: str | os.PathLike[str] | None = None) -> Warehouse:  # noqa: A001 - the API's entry point
    """Open the latest published snapshot of warehouse ``db`` (default ``$SEESAW_DB`` or
    ``./warehouse/seesaw.duckdb``) for reading.

    Raises
    ------
    seesaw.warehouse.snapshot.SnapshotError
        No snapshot has been published yet (a successful ``seesaw run`` publishes one).
    """
    path = db_path(db)
    con = open_snapshot(path)
    try:
        lock_down(con, con.files)
    except BaseException:
        con.close()
        raise
    return Warehouse(con, path)


class Warehouse:
    """A read-only view of one published snapshot; see the module docstring.

    Attributes
    ----------
    db
        The warehouse file the snapshot belongs to.
    created_at
        When the snapshot was published (UTC).
    run_id
        The run that published it (``None`` if it was published outside a run).
    """

    def __init__(self, con: SnapshotConnection, db: Path) -> None:
        self._con = con
        self.db = db
        self.created_at = pd.Timestamp(con.manifest["created_at"])
        self.run_id = con.manifest["run_id"]

    def __repr__(self) -> str:
        return f"<seesaw warehouse {self.db}: snapshot of {self.created_at:%Y-%m-%d %H:%M} UTC, run {self.run_id}>"

    def close(self) -> None:
        """Release the snapshot (later publishes may then prune it)."""
        self._con.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def catalog(self) -> pd.DataFrame:
        """The series catalog indexed by ``series_id``: human ``name``, ``unit``, ``frequency``
        (D, W, M, Q, A), ``kind``, ``country``, ``source``. ``frame.rename(columns=wh.catalog()["name"])``
        puts names on a ``series`` frame."""
        return q.catalog(self._con).set_index("series_id")

    def series(self, ids: str | Sequence[str], start: Day = None, end: Day = None,
               as_of: Day = None) -> pd.DataFrame:
        """Observations as a wide frame: one column per series id (in the order given), indexed
        by observation date, each value in its series' unit (``catalog()["unit"]``).

        ``as_of``: the values known on that day, as ``seesaw report --as-of`` sees them: only
        daily observations dated on or before it, monthly and quarterly ones (dated on the period's
        first day) once their period has ended, and for series loaded with vintages (ALFRED) the
        vintage released by then — the rule of ``seesaw replay``.
        """
        wanted = [ids] if isinstance(ids, str) else list(ids)
        unknown = sorted(set(wanted) - set(self.catalog().index))
        if not wanted or unknown:
            raise NotInWarehouse(f"unknown series id(s): {', '.join(unknown) or '(none given)'};"
                                 " wh.catalog() lists the ids")
        day = _day(as_of, "as_of")
        long = read.observations(self._con, wanted) if day is None else pit.known_observations(self._con, day, wanted)
        wide = long.pivot(index="obs_date", columns="series_id", values="value").reindex(columns=wanted)
        wide.index = pd.DatetimeIndex(wide.index, name="obs_date")
        wide.columns.name = "series_id"
        first, last = _day(start, "start"), _day(end, "end")
        return wide.loc[pd.Timestamp(first) if first else None:pd.Timestamp(last) if last else None]

    def correlations(self, market: str | None = None, method: Literal["rolling", "dcc", "adcc"] | None = None,
                     window: int | None = None, basis: Literal["bond_return", "yield_change"] | None = None,
                     freq: Literal["D", "W", "M", "Q"] | None = None,
                     equity: str | None = None, bond: str | None = None, start: Day = None,
                     end: Day = None) -> pd.DataFrame:
        """Stock–bond correlation paths, one row per path and window end (the index).

        Columns: ``market``; ``equity``/``bond`` (series ids) with ``equity_name``/``bond_name``;
        ``basis`` (bond_return: the bond's price return, or yield_change); ``method`` (rolling,
        dcc, adcc); ``freq``; ``window`` (periods; empty for DCC); ``corr`` (−1..1); ``t_stat``;
        ``p_value`` (two-sided; below 0.05 is significant); ``n`` (observations, effective n for
        DCC); ``data_cutoff`` (the path's newest window end: where its data stop).
        """
        frame = q.correlations(self._con, market, basis, method, window, freq, equity, bond,
                               _day(start, "start"), _day(end, "end"))
        return _dated(frame, "obs_date")

    def regimes(self, framework: str | None = None, market: str | None = None, start: Day = None,
                end: Day = None) -> pd.DataFrame:
        """Regime labels by month end: ``framework`` (pring, investment_clock, money_credit,
        stock_bond_quadrant, corr_sign), ``market``, ``label``, ``detail``."""
        return _dated(q.regimes(self._con, framework, market, _day(start, "start"), _day(end, "end")), "obs_date")

    def events(self, event_type: str | None = None, market: str | None = None, start: Day = None,
               end: Day = None) -> pd.DataFrame:
        """Stress events by date: ``event_type`` (triple_selloff, stock_bond_selloff, yield_spike,
        move_spike, weak_auction), ``market``, ``window_days`` (trading days the move spans),
        ``score`` (joint size vs history, sum of z-scores, or the event's z), ``detail``."""
        return _dated(q.events(self._con, event_type, market, _day(start, "start"), _day(end, "end")), "obs_date")

    def term_premia(self, source: str | None = None, tenor: int | None = None,
                    freq: Literal["M", "D"] | None = None, start: Day = None, end: Day = None) -> pd.DataFrame:
        """Term premia by date: ``source`` (nyfed_acm, seesaw_acm), ``freq``, ``tenor_years``,
        ``term_premium_pct``, ``fitted_yield_pct``, ``risk_neutral_yield_pct`` (percent p.a.),
        ``priced_cuts`` (1-year rows: 25 bp cuts priced over the next year)."""
        frame = q.term_premia(self._con, source, tenor, freq, _day(start, "start"), _day(end, "end"))
        return _dated(frame, "obs_date")

    def pit(self, table: str, as_of: Day = None) -> pd.DataFrame:
        """A point-in-time table (schema ``pit``, built by ``seesaw replay`` and each nightly run):
        what an analysis said on each past day with only the data known then, indexed by
        ``as_of``. With ``as_of``, the rows of the newest stored day on or before it (a
        backtest's no-look-ahead join)."""
        tables = q.schema_tables(self._con, "pit")
        if table not in tables:
            have = f" (it has {', '.join(tables)})" if tables else ""
            raise NotInWarehouse(f"no point-in-time table pit.{table} in the snapshot of {self.db}{have}:"
                                 " run `seesaw replay --start D1 --end D2` to build it")
        if "as_of" not in q.table_columns(self._con, "pit", table):
            raise NotInWarehouse(f"pit.{table} has no as_of column: not a point-in-time table")
        return _dated(q.pit_rows(self._con, table, _day(as_of, "as_of")), "as_of")

    def sql(self, query: str) -> pd.DataFrame:
        """One read-only SQL statement on the snapshot (the warehouse's schema and table names),
        with ``seesaw query``'s guards: anything but one read is refused with one line.

        Raises
        ------
        seesaw.warehouse.query.QueryError
            The SQL does not parse or fails; ``QueryRefused`` (a subclass) when it is not a read.
        """
        return read_only(self._con, query)


def _day(value: Day, what: str) -> date | None:
    """A ``date`` from a date or an ISO string; a bad string is a one-line error naming the argument."""
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{what}: not a date (YYYY-MM-DD): {value!r}") from None


def _dated(frame: pd.DataFrame, index: str) -> pd.DataFrame:
    """The frame indexed by its date column ``index`` as a ``DatetimeIndex`` (same name)."""
    return frame.set_index(pd.DatetimeIndex(frame.pop(index), name=index))
