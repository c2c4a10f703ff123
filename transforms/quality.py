"""Row-level validation of fetched observations: what loads and what is rejected, with a reason.

Also the rule for revisions of stored values (``implausible_revisions``): the loader applies it
with the series' stored history, which it reads; the rule itself stays a pure function.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

#: A plausible value range (low, high) in the series' own unit; ``None`` leaves that side open.
Band = tuple[float | None, float | None]

#: Default bands, keyed by kind or by ``kind/unit prefix`` (the longest key matching a series
#: wins; a profile's ``quality: bands:`` adds or overrides keys). A value must lie strictly
#: inside its band. Yields and rates are percent p.a.; macro levels (CPI, IP indexes, money
#: stocks) must be positive, and an index (base period = 100) above 10,000 is a corrupt value.
DEFAULT_BANDS: dict[str, Band] = {
    "yield": (-5.0, 40.0),
    "rate": (-5.0, 40.0),
    "spread": (-20.0, 50.0),
    "macro/index": (0.0, 10_000.0),
    "macro/USD": (0.0, None),
    "macro/CNY": (0.0, None),
    # Monthly flows (total social financing, new loans) turn negative in some months.
    "macro/CNY 100 million per month": (None, None),
    "macro/diffusion index": (0.0, 100.0),
    "macro/percent": (-100.0, 1_000.0),
}
#: Kinds whose values are prices or index levels: must be strictly positive.
POSITIVE_KINDS = frozenset({"price", "index", "level"})

#: A revision that moves a stored value by more than this many robust scales of the series'
#: changes is rejected as ``implausible_revision`` (a profile's ``quality: max_revision_jump:``
#: overrides it).
DEFAULT_MAX_REVISION_JUMP = 10.0
#: How many of the latest stored values give the scale of a series' changes, and how many
#: changes at least the jump check needs (with fewer it does not judge).
REVISION_SCALE_VALUES = 260
MIN_SCALE_CHANGES = 12


def band_for(kind: str, unit: str, bands: Mapping[str, Band] = DEFAULT_BANDS) -> Band | None:
    """The band of a series of ``kind`` and ``unit``: the longest key of ``bands`` that is the
    kind itself or ``kind/<a prefix of unit>``; None when no key matches."""
    matches = [key for key in bands
               if key == kind or (key.startswith(f"{kind}/") and unit.startswith(key[len(kind) + 1:]))]
    return bands[max(matches, key=len)] if matches else None


def change_scale(history: np.ndarray) -> float:
    """Robust scale of a series' period-to-period changes, in its unit: 1.4826 x the median
    absolute change (the mean absolute change for step-like series whose median change is 0);
    NaN with fewer than ``MIN_SCALE_CHANGES`` changes or when the series never moves.

    ``history`` holds stored values in date order.
    """
    changes = np.abs(np.diff(np.asarray(history, dtype=float)))
    if len(changes) < MIN_SCALE_CHANGES:
        return float("nan")
    median = float(np.median(changes))
    scale = 1.4826 * median if median > 0 else float(np.mean(changes))
    return scale if scale > 0 else float("nan")


def implausible_revisions(old: np.ndarray, new: np.ndarray, history: np.ndarray,
                          max_jump: float = DEFAULT_MAX_REVISION_JUMP) -> np.ndarray:
    """Which revisions ``old -> new`` move a value by more than ``max_jump`` times the scale of
    the series' changes (``change_scale(history)``). All False when the scale is unknown."""
    moved: np.ndarray = np.abs(np.asarray(new, dtype=float) - np.asarray(old, dtype=float))
    scale = change_scale(history)
    if np.isnan(scale):
        return np.zeros(len(moved), dtype=bool)
    return moved > max_jump * scale


@dataclass(frozen=True)
class Validated:
    """Rows that may load (``valid``: obs_date, value, vintage) and rejects with reasons."""

    valid: pd.DataFrame
    rejects: pd.DataFrame  # obs_date, raw_value, reason


def validate_observations(frame: pd.DataFrame, kind: str, today: date, *, unit: str = "",
                          band: Band | None = None, allow_non_positive: bool = False) -> Validated:
    """Split a source frame (``seesaw.sources.base.OBS_COLUMNS``) into loadable rows and rejects.

    Reasons: ``unparseable`` (value text not a number), ``non_finite`` (inf), ``bad_date``,
    ``future_date`` (after ``today``), ``non_positive`` (price/index/level <= 0),
    ``out_of_band`` (not strictly inside ``band``, by default ``band_for(kind, unit)``),
    ``duplicate_date`` (same date and vintage twice with different values: every such row is
    rejected, none wins; identical repeats are collapsed silently).
    ``allow_non_positive`` lifts the positivity rule for prices that really can go negative
    (WTI futures settled at −37.63 USD on 2020-04-20).
    Vectorized: one boolean mask per rule.
    """
    df = frame.reset_index(drop=True)
    values = df["value"].to_numpy(dtype=float)
    reason = pd.Series(pd.NA, index=df.index, dtype="object")

    def flag(mask: np.ndarray | pd.Series, why: str) -> None:
        reason[np.asarray(mask) & reason.isna().to_numpy()] = why

    flag(df["obs_date"].isna(), "bad_date")
    flag(np.isnan(values), "unparseable")
    flag(np.isinf(values), "non_finite")
    flag(df["obs_date"] > pd.Timestamp(today), "future_date")
    if kind in POSITIVE_KINDS and not allow_non_positive:
        flag(values <= 0, "non_positive")
    low, high = band if band is not None else (band_for(kind, unit) or (None, None))
    if low is not None:
        flag(values <= low, "out_of_band")
    if high is not None:
        flag(values >= high, "out_of_band")

    key = ["obs_date", "vintage"]
    ok = reason.isna()
    candidates = df.loc[ok, key + ["value"]].copy()
    candidates["vintage"] = candidates["vintage"].fillna(pd.Timestamp(0))
    distinct = candidates.drop_duplicates()
    conflicted = distinct.duplicated(key, keep=False)
    bad_keys = distinct.loc[conflicted, key].drop_duplicates()
    if len(bad_keys):
        merged = candidates.reset_index().merge(bad_keys, on=key)["index"]
        flag(df.index.isin(merged), "duplicate_date")

    ok = reason.isna()
    valid = df.loc[ok, ["obs_date", "value", "vintage"]].drop_duplicates(["obs_date", "vintage"])
    rejects = df.loc[~ok, ["obs_date", "raw_value"]].assign(reason=reason[~ok].astype(str))
    return Validated(valid.reset_index(drop=True), rejects.reset_index(drop=True))
