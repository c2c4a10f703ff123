"""Benchmark: Monte Carlo risk and regime labelling, measured against targets.

Run: ``python bench/bench_risk.py`` from the repo root. Prints measured figures vs targets.
Targets: one scenario 100,000 × 120 months ≤ 1.5 s and ≤ 2 GB peak; a 101-point equity-weight
sweep at 100,000 × 36 ≤ 10 s; all five regime frameworks over US monthly history ≤ 5 s.
Baseline, timed in the same run: drawing the scenario's 100,000 × 120 × 2 standard normals alone
(numpy PCG64, float32); the ratio is what pricing the paths costs on top of the draws.
"""
from __future__ import annotations

import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seesaw.models.montecarlo import SOOCHOW_2025_PARAMS, simulate_risk  # noqa: E402
from seesaw.transforms.regimes import (  # noqa: E402
    corr_sign_regimes,
    investment_clock,
    money_credit,
    pring_stages,
    regime_summary,
    stock_bond_quadrants,
)

DATA = ROOT / ".." / "shared" / "data"


def _report(name: str, value: float, target: float, unit: str) -> None:
    status = "OK" if value <= target else "MISS"
    print(f"{name:<52} {value:9.3f} {unit:<3} target <= {target:g} {unit}  {status}")


def bench_single_scenario() -> None:
    simulate_risk(SOOCHOW_2025_PARAMS, [-0.6], [0.2], months=12, paths=1_000)  # warm-up
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    out = simulate_risk(SOOCHOW_2025_PARAMS, [-0.6], [0.2], months=120, paths=100_000, seed=4)
    elapsed = time.perf_counter() - t0
    maxrss_delta_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - maxrss_before) / 1024
    # Python-level peak in a second, identical run: tracemalloc slows allocation-heavy code.
    tracemalloc.start()
    simulate_risk(SOOCHOW_2025_PARAMS, [-0.6], [0.2], months=120, paths=100_000, seed=4)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    _report("MC one scenario 100,000 x 120 months: time", elapsed, 1.5, "s")
    t0 = time.perf_counter()
    np.random.Generator(np.random.PCG64(4)).standard_normal((100_000, 120, 2), dtype=np.float32)
    draws = time.perf_counter() - t0
    print(f"{'MC baseline: the draws alone':<52} {draws:9.3f} s    scenario / draws: {elapsed / draws:.1f}")
    _report("MC one scenario: tracemalloc peak", peak / 2**20, 2048, "MB")
    print(f"{'MC one scenario: ru_maxrss growth':<52} {maxrss_delta_mb:9.1f} MB")
    row = out.iloc[0]
    print(f"  rho=-0.6, 20% equity: vol {row.vol_ann:.4%} (Soochow 3.15%), 5% quantile of the annualized "
          f"return {row.ann_return_q05:.4%} (Soochow \"VaR\" 2.72%), "
          f"MDD 10y {row.mdd_full_median:.4%} (Soochow -3.60%), MDD 12m {row.mdd_12m_median:.4%}")


def bench_sweep() -> None:
    t0 = time.perf_counter()
    out = simulate_risk(SOOCHOW_2025_PARAMS, [-0.2], np.linspace(0, 1, 101), months=36, paths=100_000, seed=4)
    elapsed = time.perf_counter() - t0
    _report("MC sweep 101 equity weights, 100,000 x 36: time", elapsed, 10.0, "s")
    best = out.loc[out["mdd_full_median"].idxmax(), "equity_weight"]
    print(f"  smallest median drawdown at equity weight {best:.2f} (rho=-0.2, Soochow calibration)")


def _us_inputs() -> dict[str, pd.Series]:
    def fred(rel: str) -> pd.Series:
        return pd.read_csv(DATA / rel, parse_dates=[0], index_col=0).iloc[:, 0].astype(float).dropna()

    spx = pd.read_csv(DATA / "equity" / "GSPC.csv", parse_dates=[0], index_col=0)["close"].astype(float)
    return {
        "spx": spx,
        "y10": fred("fred_daily/DGS10.csv"),
        "gsci": fred("commodities/^SPGSCI.csv"),
        "cpi": fred("fred_monthly/CPIAUCSL.csv"),
        "indpro": fred("fred_monthly/INDPRO.csv"),
        "fedfunds": fred("fred_monthly/FEDFUNDS.csv"),
        "busloans": fred("fred_monthly/BUSLOANS.csv"),
    }


def bench_regimes() -> None:
    if not DATA.is_dir():
        print("regimes: skipped (needs ../shared/data)")
        return
    x = _us_inputs()
    t0 = time.perf_counter()
    spx_m, y_m = x["spx"].resample("ME").last(), x["y10"].resample("ME").last()
    prev = y_m.shift(1) / 100
    bond = prev / 12 - (1 - (1 + prev / 2) ** -20) / prev * y_m.diff() / 100
    stock = spx_m.pct_change()
    corr = stock.rolling(36).corr(bond)
    p = pd.Series(2 * stats.t.sf(np.abs(corr * np.sqrt(34 / (1 - corr**2))), 34), index=corr.index)
    regimes = pd.concat(
        [
            pring_stages(x["y10"], x["spx"], x["gsci"]),
            investment_clock(x["indpro"], x["cpi"]),
            money_credit(x["fedfunds"], x["busloans"]),
            stock_bond_quadrants(stock, bond),
            corr_sign_regimes(corr, p),
        ],
        ignore_index=True,
    )
    summary = regime_summary(regimes, stock, bond)
    elapsed = time.perf_counter() - t0
    _report(f"regimes: 5 frameworks, {len(regimes)} rows, US history", elapsed, 5.0, "s")
    pring = summary[summary["framework"] == "pring"].set_index("label")["share_of_time"]
    print("  Pring stage shares (US, DGS10 / S&P 500 / GSCI, 1984-12..2024-05): "
          + ", ".join(f"{k} {v:.1%}" for k, v in pring.items()))


if __name__ == "__main__":
    bench_single_scenario()
    bench_sweep()
    bench_regimes()
