"""Offline ``sample`` source: real histories shipped inside installed packages.

``arch.data`` (S&P 500, NASDAQ, VIX, WTI, crude, Moody's AAA/BAA, core CPI, Fama-French) and
``statsmodels.datasets.macrodata`` (US quarterly macro 1959–2009). Needs no network.
``source_code`` is ``<dataset>:<column>``, e.g. ``arch.default:AAA`` or ``macrodata:tbilrate``.
"""
from __future__ import annotations

import importlib
from datetime import date
from functools import cache

import pandas as pd

from seesaw.sources.base import SeriesSpec, SourceError, clip_range, observations


@cache
def _dataset(name: str) -> pd.DataFrame:
    """Load a packaged dataset as a frame indexed by observation date (period start)."""
    if name == "macrodata":
        from statsmodels.datasets import macrodata

        data = macrodata.load_pandas().data
        index = pd.PeriodIndex.from_fields(
            year=data["year"].astype(int), quarter=data["quarter"].astype(int), freq="Q"
        ).to_timestamp(how="start")
        return data.set_index(index)
    if not name.startswith("arch."):
        raise SourceError(f"unknown sample dataset {name!r}")
    data = importlib.import_module(f"arch.data.{name.removeprefix('arch.')}").load()
    if name == "arch.frenchdata":
        # The packaged index holds YYYYMM integers stored as nanoseconds since the epoch.
        yyyymm = data.index.asi8
        data.index = pd.to_datetime({"year": yyyymm // 100, "month": yyyymm % 100, "day": 1})
        data["Mkt"] = data["Mkt-RF"] + data["RF"]
    return data


class SampleSource:
    """Reads ``<dataset>:<column>`` from packaged data; the date range clips the history."""

    name = "sample"

    def fetch(self, spec: SeriesSpec, start: date | None, end: date | None) -> pd.DataFrame:
        dataset, _, column = spec.source_code.partition(":")
        data = _dataset(dataset)
        if column not in data.columns:
            raise SourceError(f"{spec.series_id}: column {column!r} not in sample dataset {dataset!r}")
        values = data[column].dropna()
        frame = observations(values.index, values.to_numpy())
        return clip_range(frame, start, end)
