"""Charts as inline SVG strings (matplotlib, no pyplot state, glyphs as paths so no fonts needed).

Every chart is drawn on its own ``Figure``, saved to SVG text, stripped of the XML prolog and
metadata, and its element ids are prefixed so many charts can live in one HTML document.
Long daily series are downsampled to weekly (last value of each week) to keep the file small.
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.rcsetup import cycler
from matplotlib.typing import RcKeyType

#: Colour-blind-safe palette (Okabe–Ito, reordered), used in this order for lines.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
#: Background shading per regime label (corr_sign and stock_bond_quadrant frameworks).
REGIME_COLORS = {
    "positive": "#fde2d6", "negative": "#d6e8f7", "insignificant": "#f1f1f1",
    "double_bull": "#dcefe4", "double_bear": "#fde2d6", "seesaw_risk_on": "#fff1cc", "seesaw_risk_off": "#d6e8f7",
}
#: Background shading per phase of a correlation cycle (``results.corr_phases``).
PHASE_COLORS = {"rising": "#fde2d6", "falling": "#d6e8f7"}
#: Above this many points a series is downsampled to weekly.
MAX_POINTS = 1500

STYLE: dict[RcKeyType, Any] = {
    "svg.fonttype": "path",
    "svg.hashsalt": "seesaw",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 8.5,
    "axes.labelcolor": "#374151",
    "axes.edgecolor": "#9ca3af",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "axes.prop_cycle": cycler(color=PALETTE),
    "grid.color": "#e5e7eb",
    "grid.linewidth": 0.6,
    "xtick.color": "#4b5563",
    "ytick.color": "#4b5563",
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.frameon": True,
    "legend.framealpha": 0.85,
    "legend.facecolor": "white",
    "legend.edgecolor": "none",
    "legend.fontsize": 8,
    "lines.linewidth": 1.3,
    "figure.facecolor": "white",
}


@contextmanager
def chart_style() -> Iterator[None]:
    """The report's matplotlib style, scoped to the chart being drawn."""
    with matplotlib.rc_context(STYLE):
        yield


def figure(rows: int = 1, cols: int = 1, *, height: float = 2.6, width: float = 10.0,
           sharex: bool = False, sharey: bool = False) -> tuple[Figure, np.ndarray]:
    """A figure with a grid of axes (always returned as a flat array); ``sharex``/``sharey``
    give every panel the same axis (small multiples)."""
    total = height * rows
    fig = Figure(figsize=(width, total))
    # Fixed margins in inches: constrained layout would double the drawing time.
    fig.subplots_adjust(left=0.75 / width, right=1 - 0.15 / width, top=1 - 0.32 / total, bottom=0.42 / total,
                        hspace=0.7 / (height - 0.74 / rows), wspace=0.75 * cols / (width - 0.9))
    axes = fig.subplots(rows, cols, sharex=sharex, sharey=sharey, squeeze=False)
    return fig, axes.ravel()


def to_svg(fig: Figure, chart_id: str, label: str) -> str:
    """Inline-ready SVG text of ``fig`` with ids prefixed by ``chart_id``."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)
    svg = re.sub(r'\s+xmlns(?::xlink)?="[^"]*"', "", svg)  # namespaces are implied for SVG inside HTML
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{chart_id}-\1"', svg)
    svg = re.sub(r'((?:xlink:)?href)="#([^"]+)"', rf'\1="#{chart_id}-\2"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{chart_id}-\1)", svg)
    return svg.replace("<svg", f'<svg role="img" aria-label="{label}" data-chart="{chart_id}"', 1)


def date_axis(ax: Axes) -> None:
    """Concise year/month tick labels."""
    # matplotlib.dates ships without annotations (matplotlib 3.11 has no stub for it)
    locator = mdates.AutoDateLocator(minticks=4, maxticks=12)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]


def thin(frame: pd.DataFrame, date_col: str = "obs_date", max_points: int = MAX_POINTS) -> pd.DataFrame:
    """Keep the last row of each week when a series has more than ``max_points`` rows."""
    if len(frame) <= max_points:
        return frame
    week = pd.to_datetime(frame[date_col]).dt.to_period("W-FRI")
    return frame.groupby(week.to_numpy(), sort=False).tail(1)


def shade(ax: Axes, dates: pd.Series, labels: pd.Series, colors: Mapping[str, str] = REGIME_COLORS) -> list[str]:
    """Shade the background by regime label (each label holds until the next date).

    Returns the labels drawn, in order of first appearance, for the legend.
    """
    x = pd.to_datetime(dates).to_numpy()
    lab = labels.to_numpy(dtype=object)
    drawn = []
    for name in dict.fromkeys(lab):
        starts = lab == name
        mask = starts | np.r_[False, starts[:-1]]  # a run holds until the next label starts
        ax.fill_between(x, 0, 1, where=mask, step="post", transform=ax.get_xaxis_transform(),
                        color=colors.get(name, "#eeeeee"), linewidth=0, label=f"regime: {name}".replace("_", " "))
        drawn.append(name)
    return drawn


def spans(ax: Axes, starts: pd.Series, ends: pd.Series, labels: pd.Series, colors: Mapping[str, str]) -> None:
    """Shade each [start, end] span by its label (phases of a cycle), one legend entry per label."""
    seen: set[str] = set()
    for start, end, name in zip(pd.to_datetime(starts), pd.to_datetime(ends), labels, strict=True):
        ax.axvspan(start, end, color=colors.get(name, "#eeeeee"), linewidth=0, zorder=0,
                   label=f"{name} phase" if name not in seen else "_nolegend_")
        seen.add(name)


def lines(ax: Axes, series: Sequence[tuple[str, pd.Series, pd.Series]], *, ylabel: str, title: str | None = None,
          zero: bool = False, legend: bool = True) -> None:
    """Plot (label, dates, values) lines on a date axis with a labelled y axis."""
    for label, dates, values in series:
        ax.plot(pd.to_datetime(dates).to_numpy(), values.to_numpy(dtype=float), label=label)
    if zero:
        ax.axhline(0, color="#6b7280", linewidth=0.8)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    date_axis(ax)
    if legend and series:
        ax.legend(loc="upper left", ncols=min(len(series), 4))
