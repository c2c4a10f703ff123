"""One line per monthly stock–bond correlation path: where it stands and how it got there.

Soochow Securities' macro team (stock–bond return correlation, 2025-09-25) shows the correlation
cycle of the US, Australia, Canada, Japan, the UK, France and Germany side by side; this summary
makes such a panel a table: the latest value with its significance and data cutoff, the share of
months the correlation was positive and significant, the month it last changed sign, and the
current phase of its cycle (``transforms.phases``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

PANEL_STAT_COLUMNS = ["first_date", "data_cutoff", "corr_latest", "p_value_latest", "n_latest", "months",
                      "share_positive", "share_significant", "significance_level", "last_sign_change",
                      "current_phase", "phase_start_date", "phase_recognized_date"]


def last_sign_change(corr: pd.Series) -> pd.Timestamp | None:
    """First date of the path's current sign: the period after the last one with the other sign
    (an exact zero keeps the previous sign); None when the path never changed sign."""
    clean = corr.dropna().sort_index()
    sign = pd.Series(np.sign(clean.to_numpy()), index=clean.index).replace(0.0, np.nan).ffill().dropna()
    changed = sign.index[1:][sign.to_numpy()[1:] != sign.to_numpy()[:-1]]
    return pd.Timestamp(changed[-1]) if len(changed) else None


def path_summary(path: pd.DataFrame, phases: pd.DataFrame | None,
                 significance_level: float = 0.05) -> dict[str, object]:
    """Summary of one correlation path.

    Parameters
    ----------
    path : frame indexed by period-end date with ``corr`` (−1..1), ``p_value`` and ``n`` (the
        test's observation count or effective n), one row per period.
    phases : the path's ``transforms.phases.correlation_phases`` rows (None or empty: no phase yet).
    significance_level : a value is significant when its two-sided p value is below this.

    Returns
    -------
    ``PANEL_STAT_COLUMNS``: first and latest date (``data_cutoff``: nothing later is used), the
    latest ``corr``/``p_value``/``n``, ``months`` of values, the shares (0..1) of them positive and
    significant, ``last_sign_change`` (``last_sign_change``), and the ongoing phase with its start
    and recognition dates.
    """
    if not 0.0 < significance_level < 1.0:
        raise ValueError(f"significance_level must be in (0, 1), got {significance_level}")
    clean = path.dropna(subset=["corr"]).sort_index()
    if clean.empty:
        raise ValueError("an empty correlation path has no summary")
    latest = clean.iloc[-1]
    current = None if phases is None or phases.empty else phases.sort_values("start_date").iloc[-1]
    return {
        "first_date": clean.index[0], "data_cutoff": clean.index[-1], "corr_latest": float(latest["corr"]),
        "p_value_latest": float(latest["p_value"]), "n_latest": float(latest["n"]), "months": len(clean),
        "share_positive": float((clean["corr"] > 0).mean()),
        "share_significant": float((clean["p_value"] < significance_level).mean()),
        "significance_level": significance_level, "last_sign_change": last_sign_change(clean["corr"]),
        "current_phase": None if current is None else current["phase"],
        "phase_start_date": None if current is None else pd.Timestamp(current["start_date"]),
        "phase_recognized_date": None if current is None else pd.Timestamp(current["recognized_date"]),
    }
