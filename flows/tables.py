"""Frames as text for people: the CLI's table, csv, json and markdown output, and the run artifact.

DuckDB hands pandas whole numbers as floats (a ``DOUBLE`` column such as ``n``, or an integer
column with NULLs before nullable types), model state as raw bytes and absent messages as NaN;
printed as they come they read ``36.0``, a screenful of ``b'\\x00…'`` and ``NaN``. ``tidy`` fixes
the values, ``table_text`` and ``markdown_table`` also print a missing value as an empty cell
and a midnight timestamp as its date.
"""
from __future__ import annotations

import pandas as pd

#: Floats beyond this are not all exactly representable integers; such columns stay floats.
_EXACT_INT = 2.0 ** 53


def tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with binary cells as ``<n bytes>`` and float columns holding only whole numbers as
    nullable integers (``36`` not ``36.0``); missing values stay missing."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if pd.api.types.is_float_dtype(column):
            values = column.dropna()
            if len(values) and values.abs().lt(_EXACT_INT).all() and (values == values.round()).all():
                out[name] = column.astype("Int64")
        elif column.dtype == object and column.map(_is_binary).any():
            out[name] = column.map(lambda v: f"<{len(v)} bytes>" if _is_binary(v) else v)
    return out


def _is_binary(value: object) -> bool:
    return isinstance(value, bytes | bytearray | memoryview)


def _cells(frame: pd.DataFrame) -> pd.DataFrame:
    """For printing: missing cells as empty strings (float columns keep their dtype and formatting,
    with ``na_rep``) and timestamps that are all midnight as dates."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if pd.api.types.is_datetime64_any_dtype(column) and (column.dropna() == column.dropna().dt.normalize()).all():
            column = column.dt.date
        if not pd.api.types.is_float_dtype(column):
            out[name] = column.astype(object).where(column.notna(), "")
    return out


def table_text(frame: pd.DataFrame) -> str:
    """An aligned plain-text table (no index), missing values empty, text left-aligned (a long
    message then runs to the right instead of pushing every short one far right) and no trailing
    blanks; ``(no rows)`` when empty."""
    if frame.empty:
        return "(no rows)"
    cells = _cells(tidy(frame))
    text = [name for name in cells.columns if cells[name].dtype == object]
    widths = {name: max(len(str(name)), *(len(str(v)) for v in cells[name])) for name in text}
    formatters = {name: (lambda v, w=widths[name]: str(v).ljust(w)) for name in text}
    with pd.option_context("display.max_rows", 200, "display.max_columns", 50, "display.width", 160):
        table = cells.to_string(index=False, na_rep="", formatters=formatters, justify="left")
    return "\n".join(line.rstrip() for line in str(table).splitlines())


def markdown_table(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured markdown table (no extra dependency); ``_no rows_`` when empty."""
    if frame.empty:
        return "_no rows_"
    cells = _cells(tidy(frame))
    header = "| " + " | ".join(_cell(c) for c in cells.columns) + " |"
    rule = "|" + "---|" * len(cells.columns)
    rows = ["| " + " | ".join("" if pd.isna(v) else _cell(v) for v in row) + " |"
            for row in cells.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def _cell(value: object) -> str:
    """One cell's text: a ``|`` escaped, line breaks as spaces."""
    return " ".join(str(value).splitlines()).replace("|", "\\|")
