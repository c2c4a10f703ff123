"""Analysis steps: read core data, call pure transforms/models, hand results tables back.

Each step declares what it needs; a step whose inputs are absent is skipped with a
"needs series X" note, never faked. Steps run in order and may use earlier steps' outputs.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from sources.catalog import Profile
from transforms.correlation import CORRELATION_COLUMNS, rolling_correlation
from transforms.returns import series_returns


class MissingInputs(Exception):
    """A step cannot run because series or settings are absent (the message says which)."""


@dataclass
class Context:
    """Inputs shared by all steps of one run: catalog, observations, earlier outputs."""

    profile: Profile
    catalog: pd.DataFrame          # core.series
    observations: pd.DataFrame     # long: series_id, obs_date, value
    as_of: date | None = None
    outputs: dict[str, pd.DataFrame] = field(default_factory=dict)

    def series(self, series_id: str) -> pd.Series:
        """Observations of one series indexed by date; raises ``MissingInputs`` when absent."""
        rows = self.observations[self.observations["series_id"] == series_id]
        if rows.empty:
            raise MissingInputs(f"needs series {series_id}")
        return pd.Series(rows["value"].to_numpy(), index=pd.to_datetime(rows["obs_date"]), name=series_id)

    def kind(self, series_id: str) -> str:
        """Catalog kind of a series (yield, index, return, ...)."""
        match = self.catalog.loc[self.catalog["series_id"] == series_id, "kind"]
        if match.empty:
            raise MissingInputs(f"needs series {series_id} in the catalog")
        return str(match.iloc[0])


@dataclass(frozen=True)
class Output:
    """Rows for ``results.<table>`` replacing those matching ``scope`` (None = whole table)."""

    table: str
    frame: pd.DataFrame
    scope: dict[str, object] | None = None


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[Context], list[Output]]


def pair_returns(ctx: Context, pair: dict) -> tuple[pd.Series, pd.Series]:
    """Equity and bond returns of a declared pair at its frequency (bond: from the yield)."""
    freq = pair["freq"]
    equity = series_returns(ctx.series(pair["equity"]), ctx.kind(pair["equity"]), freq)
    bond = series_returns(ctx.series(pair["bond"]), ctx.kind(pair["bond"]), freq, pair.get("bond_maturity_years"))
    equity_ret = next(iter(equity.values()))
    bond_ret = bond.get("bond_return_from_yield", next(iter(bond.values())))
    return equity_ret, bond_ret


def _available_pairs(ctx: Context) -> list[dict]:
    """Declared pairs whose both legs have data; raises ``MissingInputs`` when none has."""
    pairs = ctx.profile.analysis.get("pairs", [])
    if not pairs:
        raise MissingInputs(f"profile {ctx.profile.name!r} declares no stock-bond pairs")
    have = set(ctx.observations["series_id"].unique())
    ready = [p for p in pairs if {p["equity"], p["bond"]} <= have]
    if not ready:
        missing = sorted({sid for p in pairs for sid in (p["equity"], p["bond"])} - have)
        raise MissingInputs(f"needs series {', '.join(missing)}")
    return ready


def returns_step(ctx: Context) -> list[Output]:
    """``results.returns`` for every series used by a pair, at each pair's frequency, all bases."""
    rows = []
    seen: set[tuple[str, str]] = set()
    for pair in _available_pairs(ctx):
        for sid, maturity in ((pair["equity"], None), (pair["bond"], pair.get("bond_maturity_years"))):
            if (sid, pair["freq"]) in seen:
                continue
            seen.add((sid, pair["freq"]))
            for basis, ret in series_returns(ctx.series(sid), ctx.kind(sid), pair["freq"], maturity).items():
                rows.append(pd.DataFrame({"series_id": sid, "freq": pair["freq"], "obs_date": ret.index.date,
                                          "ret": ret.to_numpy(), "basis": basis}))
    frame = pd.concat(rows, ignore_index=True).sort_values(["series_id", "freq", "basis", "obs_date"])
    return [Output("returns", frame.reset_index(drop=True))]


def rolling_correlations_step(ctx: Context) -> list[Output]:
    """Rolling stock–bond correlations (bond-return basis) for each pair and window."""
    rows = []
    for pair in _available_pairs(ctx):
        equity_ret, bond_ret = pair_returns(ctx, pair)
        for window in pair.get("windows", []):
            rc = rolling_correlation(equity_ret, bond_ret, int(window))
            rows.append(rc.assign(market=pair["market"], asset_a=pair["equity"], asset_b=pair["bond"],
                                  basis="bond_return", method="rolling", freq=pair["freq"],
                                  window_size=int(window), obs_date=rc.index.date))
    frame = pd.concat(rows, ignore_index=True)[CORRELATION_COLUMNS]
    return [Output("correlations", frame, {"method": "rolling"})]


#: The nightly analysis chain, in order.
STEPS: tuple[Step, ...] = (
    Step("returns", returns_step),
    Step("rolling_correlations", rolling_correlations_step),
)
