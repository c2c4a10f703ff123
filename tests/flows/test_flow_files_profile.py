"""Acceptance on real history: the `files` profile over ../shared/data (skipped when absent).

One warehouse is built once per session from a subset of the profile's series (enough for every
analysis), through the same plain functions the nightly flow wires.
"""
from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from support import fingerprint, fingerprint_differences, run_plain

SERIES = [
    "us_spx", "us_10y", "us_1m", "us_3m", "us_6m", "us_1y", "us_2y", "us_3y", "us_5y", "us_7y", "us_20y", "us_30y",
    *(f"us_acm_tp_{n}y" for n in range(1, 11)), "us_move", "us_vix", "us_dollar",
    "cn_csi300", "cn_10y", "gl_gsci", "us_cpi", "us_indpro", "us_fed_funds", "us_busloans",
    "us_spx_shiller", "us_earnings_shiller", "us_pmi",
]


FINGERPRINT = Path(__file__).with_name("files_profile_fingerprint.json")


@pytest.fixture(scope="session")
def files_db(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("files") / "seesaw.duckdb"
    summary = run_plain(db, "files", series=SERIES, data_dir=shared_data)
    failed = [a for a in summary.analyses if a["status"] == "failed"]
    assert not failed, failed
    return db


def _query(db: Path, sql: str, params: list | None = None) -> pd.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).df()
    finally:
        con.close()


def test_us_36_month_correlation_flips_in_1998_and_turns_positive_again(files_db: Path) -> None:
    row = _query(files_db, """
        select avg(corr) filter (where obs_date between '1966-01-01' and '1998-06-30') as pre,
               avg(corr) filter (where obs_date between '1998-07-01' and '2019-12-31') as post,
               avg(corr) filter (where obs_date between '2022-01-01' and '2025-12-31') as recent
        from results.correlations
        where market = 'US' and asset_a = 'us_spx' and asset_b = 'us_10y' and method = 'rolling'
          and freq = 'M' and window_size = 36""").iloc[0]
    assert row["pre"] > 0.2  # published: about +0.36
    assert row["post"] < -0.15  # published: about -0.27
    assert row["recent"] > 0


def test_dcc_significance_share_and_effective_n(files_db: Path) -> None:
    shares = _query(files_db, """
        select c.market, avg((c.p_value < 0.05)::int) as share_significant, count(*) as n_days,
               min(c.obs_date) as first_date, any_value(c.n) as n_eff, any_value(f.params) as params
        from results.correlations c
        join results.model_fits f on f.model = c.method and f.market = c.market and f.freq = c.freq
        where c.method = 'dcc' and c.freq = 'D'
        group by c.market order by c.market""")
    by_market = shares.set_index("market")
    assert set(by_market.index) == {"CN", "US"}
    assert by_market.loc["US", "first_date"] < pd.Timestamp(1962, 2, 1)
    assert by_market.loc["CN", "first_date"] < pd.Timestamp(2005, 2, 1)
    assert by_market.loc["US", "n_days"] > 16_000
    for _market, row in by_market.iterrows():
        b = pd.read_json(pd.io.common.StringIO(row["params"]), typ="series")["b"]
        assert row["n_eff"] == pytest.approx((1 + b) / (1 - b))
        assert 0.1 < row["share_significant"] < 1.0


def test_our_acm_tracks_the_ny_fed_term_premium(files_db: Path) -> None:
    both = _query(files_db, """
        select obs_date, source, term_premium_pct from results.term_premia
        where tenor_years = 10 and freq = 'M'""").pivot(index="obs_date", columns="source",
                                                        values="term_premium_pct").dropna()
    assert len(both) > 400
    assert both["seesaw_acm"].corr(both["nyfed_acm"]) >= 0.9
    one_year = _query(files_db, "select term_premium_pct, priced_cuts from results.term_premia "
                                "where tenor_years = 1 and source = 'nyfed_acm'")
    np.testing.assert_allclose(one_year["priced_cuts"], -one_year["term_premium_pct"] / 0.25)


def test_sinolink_april_2025_episode(files_db: Path) -> None:
    events = _query(files_db, "select event_type, obs_date from results.events "
                              "where obs_date between '2025-04-01' and '2025-04-30'")
    assert (events["event_type"] == "triple_selloff").any()
    assert (events["event_type"] == "yield_spike").any()
    move = _query(files_db, "select move, move_ytd_high from results.move_metrics where obs_date = '2025-04-07'")
    assert move["move"].iloc[0] > 125.7 and bool(move["move_ytd_high"].iloc[0])


def test_sinolink_april_2025_auctions_are_a_query(files_db: Path) -> None:
    shares = _query(files_db, "select direct_pct, indirect_pct, primary_dealer_pct from core.auctions "
                              "where auction_date = '2022-05-11' and cusip = '91282CEP2'").iloc[0]
    assert shares.tolist() == pytest.approx([18.2063, 70.2996, 11.4940], abs=1e-4)  # from the accepted amounts
    three = _query(files_db, "select bid_to_cover, direct_share, direct_share_z, weak_auction "
                             "from results.auction_metrics where auction_date = '2025-04-08'").iloc[0]
    assert (three["bid_to_cover"], round(three["direct_share"], 4), round(three["direct_share_z"], 2)) == (
        2.47, 0.0624, -2.61)
    assert three["weak_auction"]


def test_erp_pmi_model_runs_to_2026_on_the_extended_ism_pmi(files_db: Path) -> None:
    fit = _query(files_db, "select max(obs_date) as last, max(sample_end) as sample_end, "
                           "max(pmi) filter (where obs_date = '2025-09-30') as pmi_2025_09 from results.erp_model")
    assert fit["sample_end"].iloc[0] >= pd.Timestamp(2026, 1, 31)  # the 2018-vintage PMI file ended 2018-07
    assert fit["pmi_2025_09"].iloc[0] == 49.1


def test_auction_metrics_from_the_treasurydirect_file(files_db: Path) -> None:
    row = _query(files_db, "select * from results.auction_metrics where auction_date = '2022-05-11' "
                           "and security_term like '10-Year%'").iloc[0]
    assert row["high_yield_pct"] == pytest.approx(2.943)
    assert row["bid_to_cover"] == pytest.approx(2.49)
    assert abs(row["tail_bp"]) < 20
    reopened = _query(files_db, "select term_years, reference_series, tail_bp from results.auction_metrics"
                                " where cusip = '912828TY6' and auction_date = '2019-11-05'").iloc[0]
    assert reopened["term_years"] == 3.0 and reopened["reference_series"] == "us_3y"
    assert abs(reopened["tail_bp"]) < 10  # was -23 bp against the 10-year yield
    span = _query(files_db, "select min(auction_date) as lo, max(auction_date) as hi from results.auction_metrics")
    assert span["lo"].iloc[0] <= pd.Timestamp(2008, 12, 31) and span["hi"].iloc[0] >= pd.Timestamp(2022, 8, 1)


def test_regimes_show_the_1998_flip_and_the_2022_double_bear(files_db: Path) -> None:
    regimes = _query(files_db, "select framework, obs_date, label from results.regimes where market = 'US'")
    sign = regimes[regimes["framework"] == "corr_sign"].set_index("obs_date")["label"]
    before = sign[(sign.index >= pd.Timestamp(1990, 1, 1)) & (sign.index < pd.Timestamp(1998, 6, 1))]
    after = sign[(sign.index >= pd.Timestamp(2000, 1, 1)) & (sign.index < pd.Timestamp(2019, 12, 31))]
    assert (before == "positive").mean() > 0.5
    assert (after == "negative").mean() > (after == "positive").mean()
    quad = regimes[regimes["framework"] == "stock_bond_quadrant"].set_index("obs_date")["label"]
    in_2022 = quad[(quad.index >= pd.Timestamp(2022, 1, 1)) & (quad.index <= pd.Timestamp(2022, 12, 31))]
    assert in_2022.value_counts().idxmax() == "double_bear"
    stages = regimes.loc[regimes["framework"] == "pring", "label"]
    assert set(stages) <= {"I", "II", "III", "IV", "V", "VI", "transitional"} and len(stages) > 300


def test_vecm_tests_and_forecasts_for_the_us(files_db: Path) -> None:
    tests = _query(files_db, "select * from results.vecm_tests where market = 'US'")
    assert {"granger_xyz_to_a", "ljung_box_a", "arch_lm_a", "vif_x"} <= set(tests["test"])
    assert np.isfinite(tests["statistic"]).all()
    forecasts = _query(files_db, "select * from results.vecm_forecasts where market = 'US' order by step")
    widths = (forecasts["upper_95"] - forecasts["lower_95"]).to_numpy()
    assert list(forecasts["step"]) == [1, 2, 3] and np.all(np.diff(widths) > 0)


def test_rebalancing_history_and_scenario(files_db: Path) -> None:
    flows = _query(files_db, "select scenario, obs_date, flow_usd_bn from results.rebalancing_flows")
    history = flows[(flows["scenario"] == "history_M") & (flows["obs_date"] >= pd.Timestamp(2021, 1, 1))
                    & (flows["obs_date"] <= pd.Timestamp(2025, 12, 31))]
    mean_abs = history["flow_usd_bn"].abs().mean()
    assert 20 < mean_abs < 150  # BofA: ~$37bn a month for the $10tn 60/40 universe
    assert (flows["scenario"] == "10tn_6040_spx4.5_2cuts").sum() == 12


def test_erp_model_and_monte_carlo_rows(files_db: Path) -> None:
    erp = _query(files_db, "select * from results.erp_model")
    assert len(erp) > 100 and erp["beta"].notna().all()
    mc = _query(files_db, "select * from results.mc_risk"
                          " where scenario = 'soochow_2025_calibration' and equity_weight = 0.2 and months = 120")
    vol = mc.set_index("rho")["vol_ann"]
    assert vol.loc[-0.6] < vol.loc[0.0]  # negative correlation lowers portfolio volatility


def test_dcc_extends_one_day_like_a_full_filter_pass(shared_data: Path, tmp_path: Path) -> None:
    from seesaw.models.dcc import dcc_correlations, state_from_json
    from seesaw.transforms.periods import common_periods
    from seesaw.transforms.returns import series_returns

    db = tmp_path / "w.duckdb"
    run_plain(db, "files", series=["us_spx", "us_10y"], end=date(2026, 4, 16), data_dir=shared_data, tables=False)
    first = _query(db, "select fitted_at, path_end from results.model_fits where fit_id like 'dcc-%US%'").iloc[0]
    run_plain(db, "files", series=["us_spx", "us_10y"], data_dir=shared_data, tables=False)
    fit = _query(db, "select fitted_at, path_end, state from results.model_fits where fit_id like 'dcc-%US%'").iloc[0]
    assert fit["fitted_at"] == first["fitted_at"]  # extended, not refitted
    assert fit["path_end"] > first["path_end"]
    result = state_from_json(fit["state"])
    stored = _query(db, "select obs_date, corr from results.correlations where method = 'dcc' and market = 'US' "
                        "order by obs_date")
    # The model's returns: both legs on their common quote dates.
    obs = _query(db, "select series_id, obs_date, value from core.observations where series_id in ('us_spx', 'us_10y')")
    levels = {sid: g.set_index(pd.to_datetime(g["obs_date"]))["value"] for sid, g in obs.groupby("series_id")}
    common = common_periods(levels, {"us_spx": "D", "us_10y": "D"}, "D").levels
    wide = pd.DataFrame({"us_spx": series_returns(common["us_spx"], "index", "D")["price_return"],
                         "us_10y": series_returns(common["us_10y"], "yield", "D", 10)["bond_return_from_yield"]}
                        ).dropna() * 100
    full = dcc_correlations(result, wide.loc[pd.Timestamp(result.sample_start):])
    assert stored["corr"].iloc[-1] == pytest.approx(full["corr"].iloc[-1], abs=1e-10)
    assert len(stored) == len(full)


def test_warehouse_matches_the_recorded_fingerprint(files_db: Path) -> None:
    """Every raw, core and results table as recorded: a restructuring must not change one number.

    After an intended change of results, rewrite the record with
    ``SEESAW_RECORD_FINGERPRINT=1 pytest tests/flows/test_flow_files_profile.py`` and say why in the commit.
    """
    got = fingerprint(files_db)
    if os.environ.get("SEESAW_RECORD_FINGERPRINT") == "1":
        FINGERPRINT.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
    assert fingerprint_differences(json.loads(FINGERPRINT.read_text()), got) == []


def test_our_acm_is_fitted_on_complete_months_only(files_db: Path) -> None:
    """Mid-month the open month has no month-end curve: our ACM's monthly rows stop at the last
    complete month, and a day's new quotes inside the open month leave the fit unchanged."""
    from seesaw import replay
    from seesaw.analyses.core import Context, run_chain
    from seesaw.analyses.steps import ANALYSES
    from seesaw.sources.catalog import load_profile
    from seesaw.transforms.pit import known_on

    profile = load_profile("files")
    data = replay.ReplayData.read(files_db)

    def ours(day: date) -> pd.DataFrame:
        store = replay.ResultsStore()
        ctx = Context(profile, data.catalog, known_on(data.history, day), replay.replay_time(day), day,
                      results_reader=store.read)
        run_chain(ctx, [a for a in ANALYSES if a.name == "term_premia"], store.write)
        rows = store.tables["term_premia"]
        return rows[(rows["source"] == "seesaw_acm") & (rows["freq"] == "M")].reset_index(drop=True)

    first, second = ours(date(2025, 4, 15)), ours(date(2025, 4, 16))
    assert pd.to_datetime(first["obs_date"]).max() == pd.Timestamp("2025-03-31")
    pd.testing.assert_frame_equal(first, second)
