"""Rising and falling phases of a correlation cycle, dated by a stated rule.

Soochow Securities' macro team (stock–bond return correlation, 2025-09-25) reads China's 5-year
correlation of 3-month returns as a cycle: rising 2010Q1–2017Q2, falling 2017Q3–2022Q1, rising
from 2022Q2. The rule here makes such a reading reproducible:

1. direction: the sign of the ``change_periods`` change of the correlation (12 months: rising
   when it is above its value a year earlier); a zero change keeps the previous direction;
2. a run of one direction shorter than ``min_span`` periods does not count: it joins its
   neighbours (shortest first; a short last run is a turn not yet confirmed);
3. phases turn at the correlation's extreme between the previous turn and the period the new
   direction is recognized: a rising phase ends at that span's maximum, a falling one at its
   minimum.

A turn is only recognized some periods after it happened (``recognized_date``); once recognized
its date is the extreme, not the recognition.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

PHASE_COLUMNS = ["phase", "start_date", "end_date", "periods", "corr_start", "corr_end",
                 "recognized_date", "ongoing"]


def _runs(direction: np.ndarray) -> list[list[int]]:
    """Runs of equal direction as ``[sign, first index, last index]``."""
    runs: list[list[int]] = []
    for i, d in enumerate(direction):
        if runs and runs[-1][0] == d:
            runs[-1][2] = i
        else:
            runs.append([int(d), i, i])
    return runs


def _merge_short(runs: list[list[int]], min_span: int) -> list[list[int]]:
    """Absorb runs shorter than ``min_span`` into their neighbours, shortest first."""
    while len(runs) > 1:
        lengths = [last - first + 1 for _, first, last in runs]
        short = [i for i, n in enumerate(lengths) if n < min_span]
        if not short:
            break
        i = min(short, key=lambda j: (lengths[j], j))
        if i == 0:
            runs[1][1] = runs[0][1]
            del runs[0]
            continue
        runs[i - 1][2] = runs[i][2]
        del runs[i]
        if i < len(runs) and runs[i][0] == runs[i - 1][0]:
            runs[i - 1][2] = runs[i][2]
            del runs[i]
    return runs


def correlation_phases(corr: pd.Series, change_periods: int = 12, min_span: int = 6) -> pd.DataFrame:
    """Rising and falling phases of ``corr``, a correlation path on a regular index (one row per
    period; a missing value inside the path keeps the previous direction and is never a turn).

    Returns one row per phase, oldest first: ``phase`` (rising/falling), ``start_date`` (the
    previous turn, or the path's first date), ``end_date`` (the next turn, or the path's last
    date), ``periods`` between them, ``corr_start``, ``corr_end``, ``recognized_date`` (first
    period whose ``change_periods`` change had the phase's sign) and ``ongoing`` (the last
    phase). Empty when the path is not longer than ``change_periods``.
    """
    if change_periods < 1 or min_span < 1:
        raise ValueError(f"change_periods and min_span must be positive, got {change_periods}, {min_span}")
    path = corr.sort_index()
    present = np.flatnonzero(path.notna().to_numpy())
    path = path.iloc[present[0]:present[-1] + 1] if len(present) else path.iloc[:0]
    change = (path - path.shift(change_periods)).iloc[change_periods:]
    if change.empty:
        return pd.DataFrame(columns=PHASE_COLUMNS)
    sign = pd.Series(np.sign(change.to_numpy()), index=change.index).replace(0.0, np.nan).ffill().bfill()
    if sign.isna().all():
        return pd.DataFrame(columns=PHASE_COLUMNS)
    runs = _merge_short(_runs(sign.to_numpy()), min_span)
    values, dates = path.to_numpy(), path.index
    offset = change_periods  # position of change[i] in path
    start = 0
    rows = []
    for k, (direction, first, _) in enumerate(runs):
        if k + 1 < len(runs):
            recognized_next = runs[k + 1][1] + offset
            span = values[start:recognized_next + 1]
            end = start + int(np.nanargmax(span) if direction > 0 else np.nanargmin(span))
        else:
            end = len(values) - 1
        rows.append({"phase": "rising" if direction > 0 else "falling", "start_date": dates[start],
                     "end_date": dates[end], "periods": end - start, "corr_start": values[start],
                     "corr_end": values[end], "recognized_date": dates[first + offset],
                     "ongoing": k == len(runs) - 1})
        start = end
    return pd.DataFrame(rows, columns=PHASE_COLUMNS)
