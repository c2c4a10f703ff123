"""Figures the report shows are stored in results tables: each table against an independent
computation on the warehouse's own inputs, and the report's reading against the table."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seesaw.models.acm import term_premium_tracking
from seesaw.reports.build import build_report
from support import query


@pytest.fixture(scope="module")
def readings(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    result = build_report(sample_db, tmp_path_factory.mktemp("figures") / "report.html")
    return {sid: note for sid, _, note in result.sections}


def test_sign_agreement_matches_month_end_signs(sample_db: Path) -> None:
    agreement = query(sample_db, "select * from results.correlation_sign_agreement order by window_size")
    assert len(agreement) == 2  # the sample's monthly DCC against its 36- and 60-month windows
    corr = query(sample_db, "select method, window_size, obs_date, corr from results.correlations "
                             "where asset_a = 'us_ff_mkt' and asset_b = 'us_aaa'")
    corr["month"] = pd.to_datetime(corr["obs_date"]).dt.strftime("%Y-%m")
    dcc = corr[corr["method"] == "dcc"].sort_values("obs_date").drop_duplicates("month", keep="last")
    for row in agreement.itertuples():
        rolling = corr[(corr["method"] == "rolling") & (corr["window_size"] == row.window_size)]
        rolling = rolling.sort_values("obs_date").drop_duplicates("month", keep="last")
        both = dcc.merge(rolling, on="month")
        same = np.sign(both["corr_x"].to_numpy()) == np.sign(both["corr_y"].to_numpy())
        assert row.months == len(both)
        assert row.same_sign_share == pytest.approx(same.sum() / len(both), abs=1e-12)
        assert str(row.end_date)[:7] == both["month"].max()


def test_rebalancing_summary_and_trailing_mean_by_hand(sample_db: Path) -> None:
    flows = query(sample_db, "select * from results.rebalancing_flows where scenario = 'history_M' order by obs_date")
    summary = query(sample_db, "select * from results.rebalancing_summary where scenario = 'history_M'").iloc[0]
    flow = flows["flow_usd_bn"].to_numpy()
    assert summary["periods"] == len(flow)
    assert summary["mean_abs_flow_usd_bn"] == pytest.approx(np.abs(flow).sum() / len(flow), rel=1e-12)
    assert summary["recent_periods"] == 36
    assert summary["recent_mean_abs_flow_usd_bn"] == pytest.approx(np.abs(flow[-36:]).sum() / 36, rel=1e-12)
    assert summary["recent_mean_flow_usd_bn"] == pytest.approx(flow[-36:].sum() / 36, rel=1e-12)
    trailing = [flow[max(0, i - 11): i + 1].mean() for i in range(len(flow))]
    np.testing.assert_allclose(flows["flow_12p_mean_usd_bn"].to_numpy(), trailing, rtol=1e-12)


def test_regime_run_starts_by_a_plain_loop(sample_db: Path) -> None:
    regimes = query(sample_db, "select framework, market, obs_date, label, run_start from results.regimes "
                                "order by framework, market, obs_date")
    expected, previous, start = [], None, None
    for row in regimes.itertuples():
        key = (row.framework, row.market, row.label)
        if key != previous:
            start, previous = row.obs_date, key
        expected.append(start)
    assert list(regimes["run_start"]) == expected
    assert regimes["run_start"].nunique() > 10


def test_least_drawdown_weight_is_the_argmax(sample_db: Path) -> None:
    mc = query(sample_db, "select * from results.mc_risk order by scenario, rho, equity_weight")
    for (_, _, _), group in mc.groupby(["scenario", "months", "rho"]):
        flagged = group[group["least_drawdown"]]
        assert len(flagged) == 1
        assert flagged["equity_weight"].iloc[0] == group["equity_weight"].to_numpy()[
            np.argmax(group["mdd_full_median"].to_numpy())]


def test_term_premium_tracking_known_answer() -> None:
    months = pd.date_range("2000-01-31", periods=48, freq="ME").date
    ref = np.sin(np.arange(48) / 5.0)
    ours = ref + 0.1 * np.cos(np.arange(48))
    rows = pd.concat([
        pd.DataFrame({"obs_date": months, "tenor_years": 10, "source": "nyfed_acm", "freq": "M",
                      "term_premium_pct": ref}),
        pd.DataFrame({"obs_date": months[6:], "tenor_years": 10, "source": "seesaw_acm", "freq": "M",
                      "term_premium_pct": ours[6:]}),
        pd.DataFrame({"obs_date": months, "tenor_years": 10, "source": "seesaw_acm", "freq": "D",
                      "term_premium_pct": 99.0}),  # daily rows are not compared
        pd.DataFrame({"obs_date": months[:2], "tenor_years": 1, "source": ["nyfed_acm", "seesaw_acm"], "freq": "M",
                      "term_premium_pct": 1.0})])  # one month apart: too few common months
    out = term_premium_tracking(rows)
    assert list(out["tenor_years"]) == [10]
    row = out.iloc[0]
    r = np.corrcoef(ours[6:], ref[6:])[0, 1]
    assert row["months"] == 42 and row["start_date"] == months[6] and row["end_date"] == months[-1]
    assert row["corr"] == pytest.approx(r, abs=1e-12)
    assert row["rmse_pp"] == pytest.approx(np.sqrt(np.mean((ours[6:] - ref[6:]) ** 2)), abs=1e-12)
    assert row["t_stat"] == pytest.approx(r * np.sqrt(40 / (1 - r**2)), rel=1e-9)


def test_report_readings_equal_the_tables(sample_db: Path, readings: dict[str, str]) -> None:
    agreement = query(sample_db, "select * from results.correlation_sign_agreement "
                                  "where method = 'dcc' order by window_size limit 1").iloc[0]
    assert (f"shares the sign of the {agreement['window_size']}-month rolling correlation at "
            f"{agreement['same_sign_share']:.0%} of month ends") in readings["dcc-vs-rolling"]
    summary = query(sample_db, "select * from results.rebalancing_summary where scenario = 'history_M'").iloc[0]
    assert (f"mean |flow| over the last {summary['recent_periods']} periods "
            f"${summary['recent_mean_abs_flow_usd_bn']:,.1f}bn") in readings["rebalancing"]
    safest = query(sample_db, "select rho, equity_weight from results.mc_risk where least_drawdown "
                               "and scenario = 'history_us_ff_mkt~us_aaa' and months = 120 order by rho")
    shown = ", ".join(f"{w:.0%} at ρ {r:+.2f}".replace("-", "−") for r, w in safest.itertuples(index=False))
    assert f"smallest at an equity weight of {shown} (scenario history_us_ff_mkt~us_aaa" in readings["monte-carlo"]

