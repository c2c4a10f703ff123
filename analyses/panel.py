"""The cross-market panel: one ``results.panel_summary`` row per monthly rolling correlation path."""
from __future__ import annotations

import pandas as pd

from seesaw.analyses.core import Context, MissingInputs, Output, Upstream
from seesaw.analyses.correlation import PATH_KEYS
from seesaw.analyses.settings import PanelSettings
from seesaw.transforms.panel import PANEL_STAT_COLUMNS, path_summary

#: Columns of ``results.panel_summary``.
PANEL_COLUMNS = [*PATH_KEYS, *PANEL_STAT_COLUMNS]
_DATE_COLUMNS = ("first_date", "data_cutoff", "last_sign_change", "phase_start_date", "phase_recognized_date")


def panel_summary_step(ctx: Context, cfg: PanelSettings, upstream: Upstream) -> list[Output]:
    """``results.panel_summary``: latest value, shares positive/significant, last sign change and
    current phase of every monthly rolling correlation path this run wrote (all markets)."""
    paths = upstream.frame("rolling_correlations", "correlations")
    monthly = None if paths is None else paths[paths["freq"] == "M"]
    if monthly is None or monthly.empty:
        raise MissingInputs("needs monthly rolling correlations (an analysis.pairs entry with freq M)")
    phases = upstream.frame("corr_phases", "corr_phases")
    by_path = {} if phases is None else {keys: part for keys, part in phases.groupby(PATH_KEYS, sort=False)}
    rows = []
    for keys, part in monthly.groupby(PATH_KEYS, sort=True):
        path = part.set_index(pd.DatetimeIndex(pd.to_datetime(part["obs_date"])))[["corr", "p_value", "n"]]
        stats = path_summary(path, by_path.get(keys), cfg.significance_level)
        rows.append({**dict(zip(PATH_KEYS, keys, strict=True)), **stats})
    frame = pd.DataFrame(rows, columns=PANEL_COLUMNS)
    for col in _DATE_COLUMNS:
        frame[col] = [None if pd.isna(day) else pd.Timestamp(day).date() for day in frame[col]]
    return [Output("panel_summary", frame)]
