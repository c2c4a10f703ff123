"""Number and text formatting for the report, and the plain data its templates render.

Every helper returns plain text (the Jinja2 templates escape it); numbers follow the house rule:
every figure says its unit, signs use a typographic minus.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

import pandas as pd

MINUS = "\u2212"


def _missing(value: object) -> bool:
    """None, NaN, NaT or pandas NA (scalars only)."""
    return value is None or (not isinstance(value, str | bytes) and bool(pd.api.types.is_scalar(value))
                             and bool(pd.isna(value)))


def signed(value: float | None, digits: int = 2) -> str:
    """``+0.21`` / ``−0.13``; an em dash when missing."""
    if value is None or _missing(value):
        return "—"
    return f"{value:+.{digits}f}".replace("-", MINUS)


def num(value: float | None, digits: int = 2) -> str:
    """Fixed-point number with a typographic minus; an em dash when missing."""
    if value is None or _missing(value):
        return "—"
    return f"{value:,.{digits}f}".replace("-", MINUS)


def pct(decimal: float | None, digits: int = 1, sign: bool = False) -> str:
    """A decimal fraction as percent: ``0.0315`` → ``3.2%``."""
    if decimal is None or _missing(decimal):
        return "—"
    text = signed(100 * decimal, digits) if sign else num(100 * decimal, digits)
    return f"{text}%"


def usd_bn(value: float | None, digits: int = 1) -> str:
    """``-11.9`` → ``−$11.9bn``."""
    if value is None or _missing(value):
        return "—"
    return f"{MINUS if value < 0 else ''}${abs(value):,.{digits}f}bn"


def pvalue(p: float | None) -> str:
    """``p = 0.023`` style text (``p < 0.001`` for tiny values)."""
    if p is None or _missing(p):
        return "p = —"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def significance(p: float | None, alpha: float = 0.05) -> str:
    """``significant`` / ``not significant`` at ``alpha`` (two-sided)."""
    if p is None or _missing(p):
        return "significance unknown"
    return "significant" if p < alpha else "not significant"


def day(value: object) -> str:
    """ISO date of a date, datetime or pandas Timestamp; an em dash when missing."""
    if _missing(value):
        return "—"
    if isinstance(value, datetime):  # pd.Timestamp too (a datetime subclass)
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def stamp(value: object) -> str:
    """UTC timestamp to the minute (``2026-11-22 02:38 UTC``)."""
    if _missing(value):
        return "—"
    ts = pd.Timestamp(value)
    ts = ts.tz_convert("UTC") if ts.tzinfo else ts
    return f"{ts:%Y-%m-%d %H:%M} UTC"


def window_label(freq: str, window: float | None) -> str:
    """``36-month``, ``63-day``; ``DCC`` paths have no window."""
    if window is None or _missing(window):
        return ""
    unit = {"D": "day", "W": "week", "M": "month", "Q": "quarter"}.get(freq, freq)
    return f"{int(window)}-{unit}"


#: (frame column, header, formatter); the formatter gets a raw pandas cell, which has no static type.
Column = tuple[str, str, Callable[[Any], str]]


@dataclass(frozen=True)
class Row:
    """One table row: formatted cells and an optional CSS class (``sig``, ``flag``)."""

    cells: list[str]
    cls: str = ""


@dataclass(frozen=True)
class Table:
    """A table the ``table`` macro renders: caption, headers and formatted rows."""

    kind: ClassVar[str] = "table"
    headers: list[str]
    rows: list[Row]
    caption: str | None = None


@dataclass(frozen=True)
class Card:
    """A headline number with its label and lines of detail; ``title`` is the tooltip (the ids
    behind the names), ``market`` and ``pair`` (ids) tag a card that shows a stock–bond pair."""

    label: str
    value: str
    detail: list[str] = field(default_factory=list)
    title: str = ""
    market: str = ""
    pair: str = ""


@dataclass(frozen=True)
class Chart:
    """An inline SVG chart and its caption; ``svg`` is ``seesaw.reports.charts`` output, the one
    value the templates insert unescaped."""

    kind: ClassVar[str] = "chart"
    svg: str
    caption: str


@dataclass(frozen=True)
class Note:
    """A line saying what a part of a section lacks (shown instead of its table or chart)."""

    text: str
    kind: ClassVar[str] = "note"


Block = Table | Chart | Note


def table(frame: pd.DataFrame, columns: Sequence[Column], *, row_class: Callable[[pd.Series], str] | None = None,
          caption: str | None = None) -> Table:
    """``frame`` as a ``Table`` with (column, header, formatter) per column."""
    rows = [Row([fmt(row[col]) for col, _, fmt in columns], row_class(row) if row_class else "")
            for _, row in frame.iterrows()]
    return Table([header for _, header, _ in columns], rows, caption)


def ordinal(value: float | None) -> str:
    """``53`` → ``53rd``; an em dash when missing."""
    if value is None or _missing(value):
        return "—"
    n = round(value)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def text(value: object) -> str:
    """Text cell; an em dash when missing."""
    return "—" if _missing(value) else str(value)

