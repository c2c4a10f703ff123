"""Sign agreement of conditional (DCC/ADCC) and rolling correlation paths of the same pair.

Runs after the analyses that write ``results.correlations`` and reads the table as they left it:
DCC paths are extended in place, so this run's outputs alone are not whole paths.
"""
from __future__ import annotations

import pandas as pd

from seesaw.analyses.core import Context, MissingInputs, Output, Upstream
from seesaw.transforms.correlation import sign_agreement

#: Columns of ``results.correlation_sign_agreement``.
AGREEMENT_COLUMNS = ["market", "asset_a", "asset_b", "method", "freq", "rolling_freq", "window_size", "start_date",
                     "end_date", "months", "same_sign_share"]


def _path(rows: pd.DataFrame) -> pd.Series:
    return pd.Series(rows["corr"].to_numpy(), index=pd.DatetimeIndex(pd.to_datetime(rows["obs_date"])))


def agreement_rows(correlations: pd.DataFrame) -> pd.DataFrame:
    """Sign agreement of every DCC/ADCC path with every rolling path of the same pair and market
    (``AGREEMENT_COLUMNS``; dates as ``datetime.date``)."""
    rows = []
    rolling = correlations[correlations["method"] == "rolling"]
    conditional = correlations[correlations["method"] != "rolling"]
    for (market, a, b, method, freq), dcc in conditional.groupby(["market", "asset_a", "asset_b", "method", "freq"]):
        same_pair = rolling[(rolling["market"] == market) & (rolling["asset_a"] == a) & (rolling["asset_b"] == b)]
        for (rolling_freq, window), path in same_pair.groupby(["freq", "window_size"]):
            agreement = sign_agreement(_path(dcc), _path(path))
            if agreement is not None:
                rows.append({"market": market, "asset_a": a, "asset_b": b, "method": method, "freq": freq,
                             "rolling_freq": rolling_freq, "window_size": int(window),
                             "start_date": agreement.start.date(), "end_date": agreement.end.date(),
                             "months": agreement.months, "same_sign_share": agreement.share})
    return pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)


def sign_agreement_step(ctx: Context, cfg: None, upstream: Upstream) -> list[Output]:
    """``results.correlation_sign_agreement`` from every stored DCC/ADCC and rolling path."""
    correlations = ctx.written("results.correlations")
    if not correlations["method"].isin(["dcc", "adcc"]).any():
        raise MissingInputs("needs DCC correlations (results.correlations has no dcc/adcc rows)")
    return [Output("correlation_sign_agreement", agreement_rows(correlations))]
