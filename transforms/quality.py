"""Row-level validation of fetched observations: what loads and what is rejected, with a reason."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

#: Plausible bands per series kind, in the series' own unit. Yields and rates are percent p.a.
BANDS: dict[str, tuple[float, float]] = {
    "yield": (-5.0, 40.0),
    "rate": (-5.0, 40.0),
    "spread": (-20.0, 50.0),
}
#: Kinds whose values are prices or index levels: must be strictly positive.
POSITIVE_KINDS = frozenset({"price", "index", "level"})


@dataclass(frozen=True)
class Validated:
    """Rows that may load (``valid``: obs_date, value, vintage) and rejects with reasons."""

    valid: pd.DataFrame
    rejects: pd.DataFrame  # obs_date, raw_value, reason


def validate_observations(frame: pd.DataFrame, kind: str, today: date, *,
                          allow_non_positive: bool = False) -> Validated:
    """Split a source frame (``sources.base.OBS_COLUMNS``) into loadable rows and rejects.

    Reasons: ``unparseable`` (value text not a number), ``non_finite`` (inf), ``bad_date``,
    ``future_date`` (after ``today``), ``non_positive`` (price/index/level <= 0),
    ``out_of_band`` (yield, rate or spread outside ``BANDS``), ``duplicate_date`` (same date and
    vintage twice with different values; identical repeats are collapsed silently).
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
    if kind in BANDS:
        low, high = BANDS[kind]
        flag((values < low) | (values > high), "out_of_band")

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
