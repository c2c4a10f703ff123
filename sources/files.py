"""The ``files`` source: series read from a directory of exported files, mapped by a profile.

``spec.source_code`` is the file's path relative to the data directory (a path that leads out
of it, with ``..`` or as an absolute path, is refused); ``spec.options`` say how to read it (all
optional):

``layout``
    ``csv`` (default; FRED old and new layouts, ``date,value`` files, Yahoo and yfinance
    exports, investing.com en-US exports, akshare/Wind/Jin10 exports, Fed DDP, FRED-MD),
    ``investing_fr`` (investing.com French-locale export: decimal commas in unquoted fields,
    so each number spans two CSV fields) or ``excel`` (XLS/XLSX).
``column`` / ``date_column``
    Value and date column (header text, or position when ``header`` is null). Defaults: the
    first column is the date, the only other column is the value.
``date_format``
    ``strptime`` format (``%d-%b-%Y``, ``%m/%d/%Y``, ``%Y年%m月份`` ...), ``year_fraction``
    (Shiller's ``1871.01``/``1871.1`` = October) or ``yyyymm`` (``196106``); default ISO 8601.
``encoding`` (default ``utf-8-sig``), ``sep``, ``skiprows`` (int or list), ``header``
    (row number or null), ``sheet`` and ``header_row`` (excel), ``thousands`` (separator to
    strip), ``scale`` (multiplier), ``missing`` (extra missing-value markers, e.g. ``["0.0"]``).
``release_lag_months``
    Dates are release dates (Jin10 macro files): the observation month is the release month
    minus this many months; a later release of the same month wins.
``splice``
    A list of further pieces ``{source_code: ..., <options>}``; later pieces win on dates
    they share with earlier ones (e.g. an old 1979–2019 Yahoo download and a 2010–2025 one).

Nothing else drops a row: a date listed twice within one piece (or one release) reaches the
loader as it is, which loads identical repeats once and rejects differing ones as
``duplicate_date``.

Missing markers (``''``, ``.``, ``NA``, ``#N/A``, ``N/A``, ``null``, ``NaN``, ``ND``) are
dropped; a value that does not parse becomes NaN with its raw text kept, for the loader to
reject. Parsed tables are cached per file and read options, so many series from one file cost
one read.

Table-shaped inputs (``tables:`` in a profile) are read by ``fetch_table``: ``source_code`` is
the export file under the same data directory, parsed per table and ``options.layout``
(``TABLE_PARSERS``; auctions: ``treasurydirect`` by default, ``fiscaldata``, ``bidder_shares``).
``options.splice`` lists further files ``{source_code: ..., layout: ...}``; a later file's row
replaces an earlier one with the same key (an auction: its date and CUSIP).
"""
from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from seesaw.sources.base import OBS_COLUMNS, EmptyResponse, SeriesSpec, SourceError, TableSpec, clip_range, observations
from seesaw.sources.treasury import parse_bidder_shares_csv, parse_fiscaldata_csv, parse_treasurydirect_csv

Layout = Literal["csv", "investing_fr", "excel"]

MISSING_MARKERS = frozenset({"", ".", "NA", "#N/A", "N/A", "null", "NaN", "nan", "ND"})
_READ_OPTIONS = ("layout", "encoding", "sep", "skiprows", "header", "sheet", "header_row")


def read_csv_table(text: str, *, sep: str = ",", skiprows: int | list[int] | None = None,
                   header: int | None = 0) -> pd.DataFrame:
    """Read delimited text into an all-string table (nothing coerced, nothing treated as NA).

    Column names are stripped strings; with ``header=None`` they are ``"0"``, ``"1"``, ...
    """
    table = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                        skiprows=skiprows, header=header, skip_blank_lines=True)
    table.columns = [str(c).strip() for c in table.columns]
    return table


def read_investing_fr_table(text: str) -> pd.DataFrame:
    """Read an investing.com French-locale export: ``Date,Close,...`` header, then rows where
    every number is written with a decimal comma and unquoted, so value ``i`` of a row is
    fields ``2i-1`` and ``2i`` joined by a dot (``2,7464`` -> ``2.7464``; ``0,89%`` -> ``0.89%``).

    A row whose field count does not match keeps its text in every value cell (NaN later).
    """
    lines = [line for line in text.splitlines() if line.strip()]
    names = [n.strip() for n in lines[0].split(",")]
    n_values = len(names) - 1
    rows = []
    for line in lines[1:]:
        fields = line.split(",")
        if len(fields) == 1 + 2 * n_values:
            values = [f"{fields[2 * i + 1]}.{fields[2 * i + 2]}" for i in range(n_values)]
        else:
            values = [",".join(fields[1:])] * n_values
        rows.append([fields[0], *values])
    return pd.DataFrame(rows, columns=names, dtype=str)


def _cell_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        iso: str = value.isoformat()
        return iso
    return str(value).strip()


def _excel_engine() -> str | None:
    """``calamine`` when installed (about 4x faster than openpyxl on the Liu–Wu workbook), else
    pandas' default engine for the file type."""
    try:
        import python_calamine  # noqa: F401
    except ImportError:
        return None
    return "calamine"


def read_excel_table(data: bytes, *, sheet: str | int = 0, header_row: int = 0) -> pd.DataFrame:
    """Read one sheet into an all-string table; ``header_row`` (0-based) holds the labels.

    Blank labels become ``col<i>`` and repeated labels get ``.1``, ``.2`` suffixes.
    """
    raw = pd.read_excel(io.BytesIO(data), sheet_name=sheet, header=None, dtype=object, engine=_excel_engine())
    labels: list[str] = []
    seen: dict[str, int] = {}
    for i, label in enumerate(raw.iloc[header_row]):
        name = _cell_text(label) or f"col{i}"
        count = seen.get(name, 0)
        seen[name] = count + 1
        labels.append(name if count == 0 else f"{name}.{count}")
    body = raw.iloc[header_row + 1:].map(_cell_text)
    body.columns = labels
    return body.reset_index(drop=True)


def read_table(data: bytes, options: dict[str, Any]) -> pd.DataFrame:
    """Read file bytes into an all-string table according to the layout options."""
    layout: Layout = options.get("layout", "csv")
    if layout == "excel":
        return read_excel_table(data, sheet=options.get("sheet", 0), header_row=options.get("header_row", 0))
    text = data.decode(options.get("encoding", "utf-8-sig"))
    if layout == "investing_fr":
        return read_investing_fr_table(text)
    if layout == "csv":
        return read_csv_table(text, sep=options.get("sep", ","), skiprows=options.get("skiprows"),
                              header=options.get("header", 0))
    raise SourceError(f"unknown files layout {layout!r}; use csv, investing_fr or excel")


def parse_dates(text: pd.Series, date_format: str | None = None) -> pd.Series:
    """Parse date strings; ``year_fraction`` and ``yyyymm`` are Shiller and Liu–Wu styles."""
    if date_format == "year_fraction":
        number = pd.to_numeric(text, errors="coerce")
        stamp = np.round(number * 100)
        year, month = stamp // 100, stamp % 100
        ok = number.notna() & month.between(1, 12)
        out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
        out[ok] = pd.to_datetime({"year": year[ok].astype(int), "month": month[ok].astype(int), "day": 1})
        return out
    if date_format == "yyyymm":
        number = pd.to_numeric(text, errors="coerce").round()
        return pd.to_datetime(number.astype("Int64").astype(str), format="%Y%m", errors="coerce")
    if date_format is None:
        return pd.to_datetime(text, format="ISO8601", errors="coerce")
    return pd.to_datetime(text, format=date_format, errors="coerce")


def _column(table: pd.DataFrame, name: Any, role: str, where: str) -> pd.Series:
    key = str(name).strip()
    if key not in table.columns:
        raise SourceError(f"{where}: no {role} column {key!r}; columns are {list(table.columns)}")
    return table[key]


def extract_series(table: pd.DataFrame, options: dict[str, Any], *, where: str = "file") -> pd.DataFrame:
    """Turn an all-string table into protocol observations (``OBS_COLUMNS``), sorted by date.

    Missing markers are dropped; unparseable values become NaN with their raw text; a date that
    does not parse raises ``SourceError`` (a wrong ``date_format`` must not lose rows silently);
    a repeated date stays repeated (the loader judges it), except that with
    ``release_lag_months`` the latest release of a month replaces earlier ones.
    """
    date_col = options.get("date_column", table.columns[0])
    if "column" in options:
        value_col = options["column"]
    elif table.shape[1] == 2:
        value_col = table.columns[1]
    else:
        raise SourceError(f"{where}: several value columns, set options.column to one of {list(table.columns[1:])}")
    dates_text = _column(table, date_col, "date", where).str.strip()
    raw = _column(table, value_col, "value", where).str.strip()
    missing = MISSING_MARKERS | {str(m) for m in options.get("missing", [])}
    keep = (dates_text != "") & ~raw.isin(missing)
    dates_text, raw = dates_text[keep], raw[keep]
    dates = parse_dates(dates_text, options.get("date_format"))
    if dates.isna().any():
        bad = dates_text[dates.isna()].iloc[0]
        raise SourceError(f"{where}: date {bad!r} does not match format {options.get('date_format') or 'ISO 8601'}")
    lag = int(options.get("release_lag_months", 0))
    released = dates
    if lag:
        dates = (dates.dt.to_period("M") - lag).dt.to_timestamp()
    cleaned = raw.str.rstrip("%")
    if options.get("thousands"):
        cleaned = cleaned.str.replace(str(options["thousands"]), "", regex=False)
    value = pd.to_numeric(cleaned, errors="coerce") * float(options.get("scale", 1.0))
    frame = observations(dates.to_numpy(), value.to_numpy(), raw_value=raw.to_numpy())
    if lag:
        frame = frame[(released == released.groupby(dates).transform("max")).to_numpy()]
    return frame.sort_values("obs_date", kind="stable").reset_index(drop=True)[OBS_COLUMNS]


def splice_pieces(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Join the pieces of a spliced series: a date any later piece lists is taken from that
    piece only; rows within a piece are kept as they are (repeats included)."""
    kept, covered = [], pd.DatetimeIndex([])
    for frame in reversed(frames):
        kept.append(frame[~frame["obs_date"].isin(covered)])
        covered = covered.union(pd.DatetimeIndex(frame["obs_date"]))
    return pd.concat(kept[::-1], ignore_index=True).sort_values("obs_date", kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class TableParsers:
    """How the files source reads one table: a parser per ``options.layout`` (the first is the
    default), the date column ``fetch_table`` clips on, and the columns that key a row."""

    layouts: dict[str, Callable[[Path], pd.DataFrame]]
    date_column: str
    key: tuple[str, ...]


TABLE_PARSERS: dict[str, TableParsers] = {
    "auctions": TableParsers({"treasurydirect": parse_treasurydirect_csv,  # a TreasuryDirect securities export
                              "fiscaldata": parse_fiscaldata_csv,  # a Fiscal Data auctions_query export
                              "bidder_shares": parse_bidder_shares_csv},  # coupon auctions with bidder shares
                             "auction_date", ("auction_date", "cusip")),
}


class FilesSource:
    """Series from exported files under ``data_dir`` (see the module docstring for options)."""

    name = "files"

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self._tables: dict[tuple[str, int, str], pd.DataFrame] = {}
        self._lock = threading.Lock()

    def fetch(self, spec: SeriesSpec, start: date | None, end: date | None) -> pd.DataFrame:
        """Observations of ``spec`` in ``[start, end]``.

        Raises ``EmptyResponse`` when the mapped column holds no observation at all (a mapping
        error); a range outside the file's coverage gives an empty frame (the file is a
        snapshot, not a feed).
        """
        options = {k: v for k, v in spec.options.items() if k != "splice"}
        pieces = [(spec.source_code, options)]
        for extra in spec.options.get("splice", []):
            extra = dict(extra)
            pieces.append((extra.pop("source_code"), extra))
        frames = [self._piece(code, opts, spec.series_id) for code, opts in pieces]
        return clip_range(splice_pieces(frames), start, end)

    def _piece(self, source_code: str, options: dict[str, Any], series_id: str) -> pd.DataFrame:
        where = f"{series_id} ({source_code})"
        frame = extract_series(self.table(source_code, options), options, where=where)
        if frame.empty:
            raise EmptyResponse(f"{where}: no observations in the mapped column; check the profile's options")
        return frame

    def fetch_table(self, spec: TableSpec, start: date | None, end: date | None) -> pd.DataFrame:
        """Rows of a table-shaped input dated in ``[start, end]``, parsed from its export file
        (``TABLE_PARSERS`` says how, per table)."""
        if spec.table_id not in TABLE_PARSERS:
            raise SourceError(f"the files source reads the tables {', '.join(sorted(TABLE_PARSERS))}, "
                              f"not {spec.table_id!r}")
        parsers = TABLE_PARSERS[spec.table_id]
        pieces = [(spec.source_code, spec.options), *((p["source_code"], p) for p in spec.options.get("splice", []))]
        frames = []
        for source_code, options in pieces:
            layout = options.get("layout", next(iter(parsers.layouts)))
            if layout not in parsers.layouts:
                raise SourceError(f"{source_code}: the {spec.table_id} table reads layouts "
                                  f"{', '.join(parsers.layouts)}, not {layout!r}")
            frames.append(parsers.layouts[layout](self._path(source_code)))
        kept, covered = [], pd.MultiIndex.from_arrays([[]] * len(parsers.key), names=parsers.key)
        for frame in reversed(frames):  # a later piece's row replaces an earlier one with its key
            keys = pd.MultiIndex.from_frame(frame[list(parsers.key)])
            kept.append(frame[~keys.isin(covered)])
            covered = covered.union(keys)
        table = pd.concat([k for k in kept[::-1] if not k.empty] or kept[:1], ignore_index=True)
        table = table.sort_values(list(parsers.key), kind="stable", ignore_index=True)
        return clip_range(table, start, end, parsers.date_column)

    def paths(self, spec: SeriesSpec | TableSpec) -> list[Path]:
        """The files ``fetch`` or ``fetch_table`` reads for ``spec`` (its file, then its splice
        pieces'), so a caller can tell whether they changed since it last read them."""
        codes = [spec.source_code, *(piece["source_code"] for piece in spec.options.get("splice", []))]
        return [self._path(code) for code in codes]

    def _path(self, source_code: str) -> Path:
        """The file ``source_code`` names under the data directory; one leading out of it is refused."""
        path = (self.data_dir / source_code).resolve()
        if not path.is_relative_to(self.data_dir.resolve()):
            raise SourceError(f"{source_code}: outside the data directory {self.data_dir}; "
                              "a files source code is a path relative to it")
        if not path.is_file():
            raise SourceError(f"{source_code}: file not found under {self.data_dir}")
        return path

    def table(self, source_code: str, options: dict[str, Any]) -> pd.DataFrame:
        """The parsed all-string table of one file (cached per path, modification time and read
        options, so an updated file is read again)."""
        path = self._path(source_code)
        read_opts = {k: options[k] for k in _READ_OPTIONS if k in options}
        key = (str(path), path.stat().st_mtime_ns, json.dumps(read_opts, sort_keys=True, default=str))
        with self._lock:
            if key not in self._tables:
                try:
                    self._tables[key] = read_table(path.read_bytes(), read_opts)
                except (ValueError, UnicodeDecodeError) as exc:
                    raise SourceError(f"{source_code}: cannot read as {read_opts or 'csv'}: {exc}") from exc
            return self._tables[key]
