"""Small HTML and number-formatting helpers for the report (no templating engine needed).

Numbers follow the house rule: every figure says its unit, signs use a typographic minus.
"""
from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import date, datetime

import pandas as pd

MINUS = "\u2212"


def esc(text: object) -> str:
    """HTML-escape any value's string form."""
    return html.escape("" if text is None else str(text), quote=True)


def _missing(value: object) -> bool:
    """None, NaN, NaT or pandas NA (scalars only)."""
    return value is None or (not isinstance(value, str | bytes) and bool(pd.api.types.is_scalar(value))
                             and bool(pd.isna(value)))


def signed(value: float | None, digits: int = 2) -> str:
    """``+0.21`` / ``−0.13``; an em dash when missing."""
    if _missing(value):
        return "—"
    return f"{value:+.{digits}f}".replace("-", MINUS)


def num(value: float | None, digits: int = 2) -> str:
    """Fixed-point number with a typographic minus; an em dash when missing."""
    if _missing(value):
        return "—"
    return f"{value:,.{digits}f}".replace("-", MINUS)


def pct(decimal: float | None, digits: int = 1, sign: bool = False) -> str:
    """A decimal fraction as percent: ``0.0315`` → ``3.2%``."""
    if _missing(decimal):
        return "—"
    text = signed(100 * decimal, digits) if sign else num(100 * decimal, digits)
    return f"{text}%"


def usd_bn(value: float | None, digits: int = 1) -> str:
    """``-11.9`` → ``−$11.9bn``."""
    if _missing(value):
        return "—"
    return f"{MINUS if value < 0 else ''}${abs(value):,.{digits}f}bn"


def pvalue(p: float | None) -> str:
    """``p = 0.023`` style text (``p < 0.001`` for tiny values)."""
    if _missing(p):
        return "p = —"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def significance(p: float | None, alpha: float = 0.05) -> str:
    """``significant`` / ``not significant`` at ``alpha`` (two-sided)."""
    if _missing(p):
        return "significance unknown"
    return "significant" if p < alpha else "not significant"


def day(value: object) -> str:
    """ISO date of a date, datetime or pandas Timestamp; an em dash when missing."""
    if _missing(value):
        return "—"
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, datetime):
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
    if _missing(window):
        return ""
    unit = {"D": "day", "W": "week", "M": "month", "Q": "quarter"}.get(freq, freq)
    return f"{int(window)}-{unit}"


Column = tuple[str, str, Callable[[object], str]]


def table(frame: pd.DataFrame, columns: Sequence[Column], *, row_class: Callable[[pd.Series], str] | None = None,
          caption: str | None = None) -> str:
    """An HTML table of ``frame`` with (column, header, formatter) per column."""
    head = "".join(f"<th>{esc(header)}</th>" for _, header, _ in columns)
    body = []
    for _, row in frame.iterrows():
        cls = row_class(row) if row_class else ""
        cells = "".join(_cell(fmt(row[col])) for col, _, fmt in columns)
        body.append(f'<tr class="{cls}">{cells}</tr>' if cls else f"<tr>{cells}</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return (f'<div class="table-wrap"><table>{cap}<thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def _cell(content: str) -> str:
    """Short cells (numbers, dates) never wrap; long text may."""
    return f'<td class="wrap">{content}</td>' if len(content) > 32 else f"<td>{content}</td>"


def ordinal(value: float | None) -> str:
    """``53`` → ``53rd``; an em dash when missing."""
    if _missing(value):
        return "—"
    n = round(value)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def text(value: object) -> str:
    """Escaped text cell; an em dash when missing."""
    return "—" if _missing(value) else esc(value)


def card(label: str, value: str, detail: str = "") -> str:
    """A headline number with its label and a line of detail (value and detail are HTML)."""
    return (f'<div class="card"><div class="card-label">{esc(label)}</div>'
            f'<div class="card-value">{value}</div><div class="card-detail">{detail}</div></div>')
