"""ACM adapter: curve preparation, daily extension, results shape, and the NY Fed comparison."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seesaw.models.acm import (
    TERM_PREMIA_COLUMNS,
    acm_daily_yields,
    acm_term_premia,
    fit_acm,
    nyfed_term_premia,
    priced_cuts,
    zero_curve_from_cmt,
)

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def _synthetic_curve(n_months: int = 240, seed: int = 7) -> pd.DataFrame:
    """Nelson–Siegel curves (percent) with AR(1) level/slope/curvature, maturities 1..120."""
    rng = np.random.default_rng(seed)
    tau = np.arange(1, 121) / 12.0
    lam = 0.6
    slope_load = (1 - np.exp(-lam * tau)) / (lam * tau)
    curv_load = slope_load - np.exp(-lam * tau)
    factors = np.zeros((n_months, 3))
    factors[0] = [5.0, -1.5, 0.5]
    means = np.array([5.0, -1.5, 0.5])
    for t in range(1, n_months):
        factors[t] = means + 0.97 * (factors[t - 1] - means) + rng.normal(0, [0.25, 0.3, 0.4])
    yields = factors[:, [0]] + factors[:, [1]] * slope_load + factors[:, [2]] * curv_load
    yields += rng.normal(0, 0.02, yields.shape)
    idx = pd.date_range("2000-01-31", periods=n_months, freq="ME")
    return pd.DataFrame(yields, index=idx, columns=range(1, 121))


def test_priced_cuts_cicc_2019_convention() -> None:
    assert priced_cuts(-0.62) == pytest.approx(2.48)
    s = priced_cuts(pd.Series([-0.5, 0.25]))
    assert s.tolist() == pytest.approx([2.0, -1.0])


def test_fit_identities_and_daily_extension_reproduces_monthly() -> None:
    curve = _synthetic_curve()
    res = fit_acm(curve)
    assert res.n_obs == 240 and res.n_factors == 5
    tp = res.fitted_yield_pct - res.risk_neutral_yield_pct
    np.testing.assert_allclose(res.term_premium_pct.to_numpy(), tp.to_numpy(), atol=1e-12)
    # one-month bond carries no term premium: A_1, B_1 come from the short-rate equation alone
    assert res.term_premium_pct[1].abs().max() < 1e-10
    # five PCs fit the cross-section to well under 5bp
    fit_err = (res.fitted_yield_pct - curve).abs()
    assert fit_err.to_numpy().mean() < 0.05
    # pushing the monthly curve through the loadings reproduces pyacm's own yields
    daily = acm_daily_yields(res, curve)
    np.testing.assert_allclose(
        daily["term_premium_pct"].to_numpy(), res.term_premium_pct.to_numpy(), atol=1e-10
    )
    np.testing.assert_allclose(
        daily["fitted_yield_pct"].to_numpy(), res.fitted_yield_pct.to_numpy(), atol=1e-10
    )


def test_fit_rejects_bad_curves() -> None:
    curve = _synthetic_curve(60)
    with pytest.raises(ValueError, match="1..120"):
        fit_acm(curve.iloc[:, 1:])
    gappy = curve.drop(curve.index[30])
    with pytest.raises(ValueError, match="missing months"):
        fit_acm(gappy)
    # leading incomplete rows (Liu-Wu before 1971-08) are trimmed, not an error
    lead = curve.copy()
    lead.iloc[:3, -1] = np.nan
    assert fit_acm(lead).sample_start == curve.index[3]


def test_term_premia_frame_shape_and_priced_cuts() -> None:
    curve = _synthetic_curve()
    res = fit_acm(curve)
    daily_idx = pd.bdate_range("2019-01-01", "2019-12-31")
    daily = pd.DataFrame(
        np.repeat(curve.iloc[[-1]].to_numpy(), len(daily_idx), axis=0),
        index=daily_idx,
        columns=curve.columns,
    )
    out = acm_term_premia(res, daily_curve_pct=daily)
    assert list(out.columns) == TERM_PREMIA_COLUMNS
    assert set(out["freq"]) == {"M", "D"} and set(out["source"]) == {"seesaw_acm"}
    assert out["tenor_years"].dtype.kind == "i" and sorted(out["tenor_years"].unique()) == list(
        range(1, 11)
    )
    monthly = out[out.freq == "M"]
    assert len(monthly) == 240 * 10
    one = monthly[monthly.tenor_years == 1]
    np.testing.assert_allclose(one.priced_cuts, -one.term_premium_pct / 0.25)
    assert monthly.loc[monthly.tenor_years > 1, "priced_cuts"].isna().all()
    ten = monthly[monthly.tenor_years == 10].set_index("obs_date")["term_premium_pct"]
    np.testing.assert_allclose(ten.to_numpy(), res.term_premium_pct[120].to_numpy())


def test_nyfed_mapping() -> None:
    idx = pd.to_datetime(["2019-07-31", "2019-08-30"])
    frame = pd.DataFrame(
        {
            "us_acm_tp_1y": [-0.50, -0.62],
            "us_acm_y_1y": [1.90, 1.75],
            "us_acm_rny_1y": [2.40, 2.37],
            "us_acm_tp_10y": [-0.9, -1.1],
            "other": [1, 2],
        },
        index=idx,
    )
    out = nyfed_term_premia(frame)
    assert list(out.columns) == TERM_PREMIA_COLUMNS
    assert len(out) == 4 and set(out.source) == {"nyfed_acm"} and set(out.freq) == {"M"}
    # monthly rows sit on the month end: 2019-08-30 was the file's last business day
    assert set(pd.to_datetime(out.obs_date)) == {pd.Timestamp("2019-07-31"), pd.Timestamp("2019-08-31")}
    month_start = nyfed_term_premia(frame.set_axis(pd.to_datetime(["2019-07-01", "2019-08-01"])))
    assert set(pd.to_datetime(month_start.obs_date)) == set(pd.to_datetime(out.obs_date))
    last = out[(out.obs_date == pd.Timestamp("2019-08-31")) & (out.tenor_years == 1)].iloc[0]
    assert last.priced_cuts == pytest.approx(2.48)
    assert last.fitted_yield_pct == pytest.approx(1.75)
    assert out[out.tenor_years == 10].fitted_yield_pct.isna().all()
    with pytest.raises(ValueError, match="us_acm_tp"):
        nyfed_term_premia(frame[["other"]])


def test_zero_curve_from_cmt_known_answers() -> None:
    # flat 4% CMT curve: bills and par bonds both give a flat 2*ln(1.02) zero curve
    cmt = pd.DataFrame(
        {c: [4.0] for c in ["us_3m", "us_1y", "us_2y", "us_5y", "us_10y", "us_30y"]},
        index=pd.to_datetime(["2024-01-02"]),
    )
    flat = zero_curve_from_cmt(cmt)
    np.testing.assert_allclose(flat.to_numpy(), 200 * np.log(1.02), atol=1e-9)

    # par yields priced off a known zero curve are bootstrapped back to it (grid points)
    def zero_cc(m: np.ndarray) -> np.ndarray:
        return 0.02 + 0.025 * (1 - np.exp(-m / 40.0))

    tenors = {"us_1y": 12, "us_2y": 24, "us_5y": 60, "us_7y": 84, "us_10y": 120}
    row = {}
    for sid, m in tenors.items():
        times = np.arange(6, m + 1, 6)
        disc = np.exp(-zero_cc(times) * times / 12)
        if m <= 12:
            row[sid] = 200 * (np.exp(zero_cc(m) / 2) - 1)
        else:
            row[sid] = 200 * (1 - disc[-1]) / disc.sum()
    out = zero_curve_from_cmt(pd.DataFrame(row, index=pd.to_datetime(["2024-01-02"])))
    for m in (12, 24, 60, 84, 120):
        assert out.loc["2024-01-02", m] == pytest.approx(100 * zero_cc(m), abs=0.01)

    missing_long = cmt.drop(columns=["us_10y", "us_30y"])
    assert zero_curve_from_cmt(missing_long).isna().all().all()


@functools.cache
def _liu_wu_cached() -> pd.DataFrame:
    raw = pd.read_excel(
        DATA / "zero_curve" / "LW_monthly.xlsx",
        header=None,
        skiprows=9,
        usecols=range(121),
        engine="openpyxl",
    )
    raw = raw.dropna(subset=[0])
    idx = pd.to_datetime(raw[0].astype(int).astype(str), format="%Y%m")
    return pd.DataFrame(raw.iloc[:, 1:121].to_numpy(float), index=idx, columns=range(1, 121))


def _read_liu_wu() -> pd.DataFrame:
    """Liu-Wu monthly zero curve (percent, cont. comp.), maturities 1..120 months."""
    return _liu_wu_cached().copy()


def _read_nyfed() -> pd.DataFrame:
    acm = pd.read_csv(DATA / "term_premium" / "ACMTermPremium.csv")
    acm.index = pd.to_datetime(acm.pop("DATE"), format="%d-%b-%Y") + pd.offsets.MonthEnd(0)
    return acm


@pytest.mark.shared_data
def test_liu_wu_fit_matches_nyfed_acm() -> None:
    if not (DATA / "zero_curve" / "LW_monthly.xlsx").exists():
        pytest.skip("needs ../shared/data/zero_curve/LW_monthly.xlsx")
    res = fit_acm(_read_liu_wu())
    nyfed = _read_nyfed()
    both = pd.concat(
        {"ours": res.term_premium_pct[120], "nyfed": nyfed["ACMTP10"]}, axis=1, sort=True
    ).dropna()
    gap = both.ours - both.nyfed
    corr = both.corr().iloc[0, 1]
    rmse = float(np.sqrt((gap**2).mean()))
    worst = gap.abs().nlargest(3)
    print(f"ACM 10y TP vs NY Fed ACMTP10: n={len(both)} corr={corr:.4f} RMSE={rmse:.3f}pp")
    print("largest gaps (pp):", {f"{d:%Y-%m}": round(float(gap[d]), 3) for d in worst.index})
    assert len(both) > 600
    assert corr >= 0.9
    assert rmse < 0.5
    # the mapped NY Fed rows carry CICC-style priced cuts
    prefixes = {"ACMTP": "us_acm_tp", "ACMRNY": "us_acm_rny", "ACMY": "us_acm_y"}
    frame = nyfed.rename(columns=lambda c: f"{prefixes[c.rstrip('0123456789')]}_{int(c[-2:])}y")
    rows = nyfed_term_premia(frame)
    assert len(rows) == len(nyfed) * 10
    one = rows[rows.tenor_years == 1].set_index("obs_date")
    np.testing.assert_allclose(one.priced_cuts, -nyfed["ACMTP01"].reindex(one.index) / 0.25)


CMT_FILES = {
    "us_1m": "DGS1MO",
    "us_3m": "DGS3MO",
    "us_6m": "DGS6MO",
    "us_1y": "DGS1",
    "us_2y": "DGS2",
    "us_5y": "DGS5",
    "us_7y": "DGS7",
    "us_10y": "DGS10",
    "us_20y": "DGS20",
    "us_30y": "DGS30",
}


@pytest.mark.shared_data
def test_cmt_fallback_curve_tracks_liu_wu_and_nyfed() -> None:
    if not (DATA / "fred_daily" / "DGS10.csv").exists():
        pytest.skip("needs ../shared/data/fred_daily")
    cmt = pd.concat(
        {
            sid: pd.read_csv(DATA / "fred_daily" / f"{code}.csv", index_col=0, parse_dates=True)[
                code
            ]
            for sid, code in CMT_FILES.items()
        },
        axis=1,
        sort=True,
    )
    daily = zero_curve_from_cmt(cmt)
    monthly = daily.dropna().resample("ME").last()
    lw = _read_liu_wu()
    lw.index = lw.index + pd.offsets.MonthEnd(0)
    diff = (monthly[120] - lw[120]).dropna()
    print(
        f"CMT-bootstrapped 10y zero vs Liu-Wu: mean {diff.mean():+.3f}pp, "
        f"MAE {diff.abs().mean():.3f}pp"
    )
    assert abs(diff.mean()) < 0.1 and diff.abs().mean() < 0.25
    res = fit_acm(monthly)
    both = pd.concat(
        {"ours": res.term_premium_pct[120], "nyfed": _read_nyfed()["ACMTP10"]}, axis=1, sort=True
    ).dropna()
    corr = both.corr().iloc[0, 1]
    print(f"ACM on CMT fallback curve vs NY Fed: n={len(both)} corr={corr:.3f}")
    assert corr >= 0.9
    # daily extension on the CMT curve: April 2025 daily 10y term premium exists and is sane
    out = acm_term_premia(res, tenors=[1, 10], daily_curve_pct=daily.loc["2025-04"])
    april = out[(out.freq == "D") & (out.tenor_years == 10)]
    assert len(april) >= 20 and april.term_premium_pct.between(-2, 3).all()
