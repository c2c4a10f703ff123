"""Analyses are units: the order follows their declarations, and only declared data passes."""
from __future__ import annotations

import random
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from seesaw.analyses.core import Analysis, ChainError, Context, Output, Upstream, chain
from seesaw.analyses.portfolio import _needs
from seesaw.analyses.settings import AnalysisSettings, RegimeMarket, RegimesSettings
from seesaw.analyses.steps import ANALYSES
from seesaw.sources.catalog import Profile
from support import run_analyses

NOW = datetime(2030, 1, 2, tzinfo=UTC)
BY_NAME = {a.name: a for a in ANALYSES}


def _context(series: dict[str, tuple[str, pd.Series]]) -> Context:
    """A run's context over in-memory series: id -> (catalog kind, values indexed by date)."""
    catalog = pd.DataFrame({"series_id": list(series), "kind": [kind for kind, _ in series.values()],
                            "frequency": ["D" if values.index.to_series().diff().median() < pd.Timedelta(days=7)
                                          else "M" for _, values in series.values()]})
    observations = pd.concat(
        [pd.DataFrame({"series_id": sid, "obs_date": values.index.date, "value": values.to_numpy()})
         for sid, (_, values) in series.items()], ignore_index=True)
    return Context(Profile("test", "", (), AnalysisSettings()), catalog, observations, NOW)


def _stress() -> Context:
    """Three years of daily MOVE, VIX and a 10-year yield, with a MOVE surge at the end."""
    rng = np.random.default_rng(7)
    dates = pd.bdate_range("2021-01-01", periods=780)
    move = 90 + np.cumsum(rng.normal(0, 1.0, len(dates)))
    move[-10:] += np.linspace(20, 60, 10)
    return _context({
        "us_move": ("index", pd.Series(move, index=dates)),
        "us_vix": ("index", pd.Series(18 + rng.normal(0, 1, len(dates)), index=dates)),
        "us_10y": ("yield", pd.Series(3 + np.cumsum(rng.normal(0, 0.03, len(dates))), index=dates)),
    })


def test_every_listing_order_runs_producers_before_their_consumers() -> None:
    orders = [list(ANALYSES), list(reversed(ANALYSES))]
    for seed in range(5):
        shuffled = list(ANALYSES)
        random.Random(seed).shuffle(shuffled)
        orders.append(shuffled)
    for listed in orders:
        names = [a.name for a in chain(listed)]
        assert sorted(names) == sorted(BY_NAME)
        for analysis in listed:
            for producer in analysis.consumes:
                assert names.index(producer) < names.index(analysis.name)


def test_reordering_gives_the_same_events_never_fewer() -> None:
    forward = [BY_NAME["move_metrics"], BY_NAME["auction_metrics"], BY_NAME["events"]]
    outcomes, written = run_analyses(_stress(), forward)
    _, reordered = run_analyses(_stress(), list(reversed(forward)))
    events = written["events"]
    assert (events["event_type"] == "move_spike").any()  # MOVE events reach `events` through the declaration
    assert (events["event_type"] == "yield_spike").any()
    pd.testing.assert_frame_equal(reordered["events"], events)
    assert [o["step"] for o in outcomes] == ["move_metrics", "auction_metrics", "events"]


def test_a_consumed_analysis_missing_from_the_chain_or_a_cycle_fails_loudly() -> None:
    with pytest.raises(ChainError, match="'events' consumes 'move_metrics', 'auction_metrics', which is not in"):
        chain([BY_NAME["events"]])
    a = Analysis("a", lambda ctx, cfg, up: [], lambda s: None, lambda cfg: [], writes=(), consumes=("b",))
    b = Analysis("b", lambda ctx, cfg, up: [], lambda s: None, lambda cfg: [], writes=(), consumes=("a",))
    with pytest.raises(ChainError, match="a, b consume each other"):
        chain([a, b])
    with pytest.raises(ChainError, match="named twice: a"):
        chain([a, a])


def test_reading_or_writing_anything_undeclared_fails_the_analysis() -> None:
    def reads_vix(ctx: Context, cfg: None, up: Upstream) -> list[Output]:
        return [Output("move_metrics", ctx.series("us_vix").to_frame())]

    def reads_upstream(ctx: Context, cfg: None, up: Upstream) -> list[Output]:
        up.frame("move_metrics", "move_metrics")
        return []

    analyses = [
        Analysis("sneaky_series", reads_vix, lambda s: None, lambda cfg: ["us_move"], writes=("move_metrics",)),
        Analysis("sneaky_table", reads_vix, lambda s: None, lambda cfg: ["us_vix"], writes=("events",)),
        Analysis("sneaky_output", reads_upstream, lambda s: None, lambda cfg: [], writes=()),
    ]
    outcomes, written = run_analyses(_stress(), analyses)
    by_step = {o["step"]: o for o in outcomes}
    assert all(o["status"] == "failed" for o in outcomes)
    assert "series us_vix is read but not among the analysis' declared series" in by_step["sneaky_series"]["message"]
    assert "wrote undeclared results tables move_metrics" in by_step["sneaky_table"]["message"]
    assert "output of 'move_metrics' is read but not declared" in by_step["sneaky_output"]["message"]
    assert written == {}


def test_a_framework_without_a_named_series_is_skipped_with_a_note() -> None:
    """China's money–credit quadrant reads M2 growth and total social financing by default, so
    without them the framework is skipped and the note says which series it needs; a market that
    names none says so."""
    dates = pd.date_range("2010-01-31", periods=120, freq="ME")
    rng = np.random.default_rng(3)
    ctx = _context({
        "cn_10y": ("yield", pd.Series(3 + np.cumsum(rng.normal(0, 0.1, 120)), index=dates)),
        "cn_credit": ("level", pd.Series(np.exp(np.cumsum(rng.normal(0.01, 0.005, 120))), index=dates)),
    })
    outcomes, _ = run_analyses(ctx, [BY_NAME["regimes"]])
    assert outcomes[0]["status"] == "skipped"
    assert "CN money-credit needs series cn_m2_yoy, cn_tsf" in outcomes[0]["message"]
    unnamed = RegimesSettings(markets=[RegimeMarket(market="CN", stock="cn_csi300", bond="cn_10y", credit="cn_credit")])
    assert "CN money-credit needs series money (none named in analysis.regimes)" in _needs(
        ctx, unnamed.markets[0], "money-credit", "money", "credit")


@pytest.mark.shared_data
def test_china_money_credit_regime_on_m2_growth_and_social_financing(shared_data) -> None:  # type: ignore[no-untyped-def]
    """The default CN market reads M2 growth and total social financing from the files profile
    (Zhongtai Securities, "Stock–bond relationship handbook", 2024-12-03): rows with market CN."""
    from seesaw.sources.catalog import load_profile
    from seesaw.sources.registry import make_source

    specs = {s.series_id: s for s in load_profile("files").series}
    source = make_source("files", data_dir=shared_data)
    ctx = _context({sid: ("macro", source.fetch(specs[sid], None, None).set_index("obs_date")["value"])
                    for sid in ("cn_m2_yoy", "cn_tsf")})
    outcomes, written = run_analyses(ctx, [BY_NAME["regimes"]])
    assert outcomes[0]["status"] in ("ok", "stale"), outcomes  # stale: the test's clock is in 2030
    china = written["regimes"].query("framework == 'money_credit' and market == 'CN'").set_index("obs_date")
    assert (str(china.index.min()), str(china.index.max())) == ("2004-03-31", "2026-04-30")
    assert china.loc[pd.Timestamp("2026-04-30").date(), "label"] == "tight_money_tight_credit"
    assert china["detail"].str.startswith("money_yoy=").all()
