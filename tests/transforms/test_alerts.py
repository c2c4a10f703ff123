"""Signal alerts from two pit days: each kind fires exactly when it should, none on an unchanged day."""
from __future__ import annotations

from datetime import date

import pandas as pd

from seesaw.transforms.alerts import AlertRules, alert_lines
from seesaw.transforms.correlation import CorrPath

NAMES = {"us_spx": "S&P 500", "us_10y": "US 10-year Treasury yield", "us_move": "ICE BofA MOVE index"}
PATH = CorrPath("US", "us_spx", "us_10y", "M", 36)
RULES = AlertRules(paths=(PATH,), names=NAMES, regime_pairs={"US": ("us_spx", "us_10y")},
                   frameworks=frozenset({"corr_sign", "pring"}))


def _day(as_of: str, *, event: str | None = "2025-03-10", label: str = "positive", pring: str = "stage 2",
         corr: float = 0.30, p: float = 0.01, move_date: str = "2025-04-01", ytd_high: bool = False,
         dcc: float = 0.2) -> dict[str, pd.DataFrame]:
    """One synthetic pit day (the tables and columns ``transforms.pit.summarize`` writes)."""
    day = date.fromisoformat(as_of)
    corr_rows = pd.DataFrame({
        "as_of": day, "market": "US", "asset_a": "us_spx", "asset_b": "us_10y", "basis": "bond_return",
        "method": ["rolling", "rolling", "dcc"], "freq": ["M", "M", "D"], "window_size": [36, 60, None],
        "horizon_periods": 1, "obs_date": pd.Timestamp("2025-03-31"), "corr": [corr, corr, dcc],
        "t_stat": 2.0, "p_value": [p, p, 0.001], "n": [36.0, 60.0, 500.0]})
    events = pd.DataFrame({"as_of": day, "event_type": ["triple_selloff"], "market": ["US"],
                           "obs_date": [pd.Timestamp(event)], "window_days": [3], "score": [9.5],
                           "detail": ["S&P 500 -10.5%, 10y +47 bp, DXY -3.1%"]}) if event else pd.DataFrame()
    regimes = pd.DataFrame({"as_of": day, "framework": ["corr_sign", "pring", "stock_bond_quadrant"],
                            "market": "US", "obs_date": pd.Timestamp("2025-03-31"),
                            "label": [label, pring, "double_bear" if label == "positive" else "double_bull"],
                            "detail": ["r=+0.300 p=0.0100", None, None], "run_start": None, "stale": False})
    move = pd.DataFrame({"as_of": [day], "obs_date": [pd.Timestamp(move_date)], "move": [137.26],
                         "move_pct_rank_1y": [99.6], "move_z": [3.1], "move_ytd_high": [ytd_high],
                         "vix": [45.3], "vix_pct_rank_1y": [99.0]})
    return {"correlations_latest": corr_rows, "events": events, "regimes": regimes, "move_latest": move}


def test_an_unchanged_day_alerts_nothing() -> None:
    day = _day("2025-04-01", ytd_high=True)
    assert alert_lines(day, _day("2025-04-02", ytd_high=True), RULES) == []
    assert alert_lines({}, {}, RULES) == []


def test_a_new_stress_event_is_one_line_with_its_detail() -> None:
    lines = alert_lines(_day("2025-04-08"), _day("2025-04-09", event="2025-04-09"), RULES)
    assert lines == ["US: new stress event, triple sell-off (stocks, Treasuries and the dollar down together) "
                     "on 2025-04-09: S&P 500 -10.5%, 10y +47 bp, DXY -3.1%"]
    assert len(alert_lines(_day("2025-04-08", event=None), _day("2025-04-09"), RULES)) == 1  # the first one
    only_spikes = AlertRules(paths=(PATH,), event_types=frozenset({"yield_spike"}))
    assert alert_lines(_day("2025-04-08"), _day("2025-04-09", event="2025-04-09"), only_spikes) == []


def test_a_regime_change_names_the_pair_and_only_watched_frameworks() -> None:
    lines = alert_lines(_day("2025-04-01"), _day("2025-04-02", label="insignificant", pring="stage 3"), RULES)
    assert lines == [
        "US: stock–bond correlation sign regime of S&P 500 vs US 10-year Treasury yield changed from positive to "
        "insignificant (period to 2025-03-31, r=+0.300 p=0.0100)",
        "US: Pring cycle stage regime of S&P 500 vs US 10-year Treasury yield changed from stage 2 to stage 3 "
        "(period to 2025-03-31)"]  # the return quadrant also flipped but is not watched
    new_framework = _day("2025-04-01")
    new_framework["regimes"] = new_framework["regimes"].iloc[:1]
    assert alert_lines(new_framework, _day("2025-04-02"), RULES) == []  # first seen: no change


def test_a_zero_crossing_needs_significance_and_a_primary_path() -> None:
    lines = alert_lines(_day("2025-04-01"), _day("2025-04-02", corr=-0.41, p=0.012), RULES)
    assert lines == ["US: S&P 500 vs US 10-year Treasury yield 36-month correlation crossed zero, +0.30 to -0.41 "
                     "(p 0.012, n 36, data to 2025-03-31)"]  # not the 60-month window: not watched
    assert alert_lines(_day("2025-04-01"), _day("2025-04-02", corr=-0.05, p=0.77), RULES) == []
    assert alert_lines(_day("2025-04-01"), _day("2025-04-02", corr=0.05, p=0.001), RULES) == []  # same sign
    assert alert_lines(_day("2025-04-01"), _day("2025-04-02", dcc=-0.3), RULES) == []  # DCC is not watched


def test_move_at_a_new_year_to_date_high() -> None:
    lines = alert_lines(_day("2025-04-07"), _day("2025-04-08", move_date="2025-04-08", ytd_high=True), RULES)
    assert lines == ["US: ICE BofA MOVE index at a year-to-date high, 137.3 on 2025-04-08, 1-year percentile 100"]
    stale_high = _day("2025-04-08", move_date="2025-04-01", ytd_high=True)
    assert alert_lines(_day("2025-04-07", ytd_high=True), stale_high, RULES) == []  # no new reading


def test_kinds_select_what_is_sent_in_a_fixed_order() -> None:
    busy = _day("2025-04-09", event="2025-04-09", label="negative", corr=-0.4, move_date="2025-04-09",
                ytd_high=True)
    kinds = [line.split(",")[0].split(" ")[1] for line in alert_lines(_day("2025-04-08"), busy, RULES)]
    assert kinds == ["new", "stock–bond", "S&P", "ICE"]  # event, regime, zero crossing, MOVE
    assert alert_lines(_day("2025-04-08"), busy, AlertRules(kinds=frozenset(), paths=(PATH,))) == []
    only_move = AlertRules(kinds=frozenset({"move_high"}), paths=(PATH,))
    assert alert_lines(_day("2025-04-08"), busy, only_move) == [
        "US: us_move at a year-to-date high, 137.3 on 2025-04-09, 1-year percentile 100"]  # no catalog name
