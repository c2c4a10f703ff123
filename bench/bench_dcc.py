"""Benchmark seesaw.models.dcc.fit_dcc against its targets and its peer (docs/methods.md, DCC).

Targets: the 16k-date bivariate DCC fit (with two-step standard errors) in ≤ 1 s and ≥ 40×
faster than PyPI pymgarch timed on the same data in the same run. Times fits on simulated data
(N = 2 and N = 5), on S&P 500 vs 10-year Treasury returns from ../shared/data when present, and
pymgarch when installed (skip it with --no-pymgarch: then no speed-up is printed).

Run: python bench/bench_dcc.py [--no-pymgarch] [--repeat 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seesaw.models.dcc import fit_dcc, simulate_dcc  # noqa: E402 - importable once ROOT is on sys.path

DATA = ROOT / ".." / "shared" / "data"
TARGET_S = 1.0
SPEED_UP_TARGET = 40.0  # times faster than pymgarch on the same data, timed in the same run
BOND_DURATION = 8.0  # modified duration of a 10-year par bond, years (approximation)


def stock_bond_returns() -> pd.DataFrame | None:
    """Daily S&P 500 and 10-year Treasury returns, percent, from 1962; None if files are absent."""
    spx_file, dgs_file = DATA / "equity" / "GSPC.csv", DATA / "fred_daily" / "DGS10.csv"
    if not (spx_file.exists() and dgs_file.exists()):
        return None
    spx = pd.read_csv(spx_file, usecols=["date", "close"], parse_dates=["date"]).set_index("date")["close"]
    y10 = pd.read_csv(dgs_file, parse_dates=["observation_date"]).set_index("observation_date")["DGS10"]
    levels = pd.concat({"spx": spx, "y10_pct": y10}, axis=1, join="inner").dropna()
    bond = levels["y10_pct"].shift() / 100 / 252 - BOND_DURATION * levels["y10_pct"].diff() / 100
    return pd.DataFrame({"spx_pct": levels["spx"].pct_change() * 100, "ust10_pct": bond * 100}).dropna()


def simulated(n_assets: int, n_obs: int = 16_000) -> pd.DataFrame:
    rng = np.random.default_rng(42)
    loadings = rng.uniform(-0.5, 0.5, size=(n_assets, 2))
    corr = loadings @ loadings.T
    np.fill_diagonal(corr, 1.0)
    garch = [(0.03, 0.02, 0.07, 0.91)] * n_assets
    ret, _ = simulate_dcc(n_obs, corr, a=0.03, b=0.95, garch=garch, seed=1)
    return pd.DataFrame(ret, columns=[f"s{i}" for i in range(n_assets)])


def timed_fit(returns: pd.DataFrame, repeat: int, **kwargs):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = fit_dcc(returns, **kwargs)
        times.append(time.perf_counter() - t0)
    return res, float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-pymgarch", action="store_true", help="skip the (slow) pymgarch comparison")
    parser.add_argument("--repeat", type=int, default=3, help="fits per case; the median time is reported")
    args = parser.parse_args()

    print(f"{'case':44s} {'T':>6s} {'N':>2s} {'time_s':>7s}  params")
    cases = [("simulated DCC, N=2", simulated(2), {}), ("simulated DCC, N=5", simulated(5), {})]
    real = stock_bond_returns()
    if real is not None:
        cases += [
            ("S&P 500 vs 10y Treasury, DCC normal", real, {}),
            ("S&P 500 vs 10y Treasury, ADCC normal", real, {"model": "adcc"}),
            ("S&P 500 vs 10y Treasury, DCC Student-t", real, {"dist": "t"}),
        ]
    else:
        print("(S&P 500 / DGS10 files not found under ../shared/data: real-data cases skipped)")
    timings = {}
    for name, frame, kwargs in cases:
        res, secs = timed_fit(frame, args.repeat, **kwargs)
        timings[name] = secs
        shown = ", ".join(f"{k}={v:.5f}±{res.std_errors[k]:.5f}" for k, v in res.params.items())
        print(f"{name:44s} {res.nobs:6d} {res.n_assets:2d} {secs:7.3f}  {shown}  converged={res.converged}")

    key = "S&P 500 vs 10y Treasury, DCC normal" if real is not None else "simulated DCC, N=2"
    secs = timings[key]
    verdict = "MEETS" if secs <= TARGET_S else "MISSES"
    print(f"\ntarget: bivariate 16k fit ≤ {TARGET_S:.1f} s → {secs:.3f} s ({key}): {verdict}")

    if args.no_pymgarch or importlib.util.find_spec("pymgarch") is None:
        print("pymgarch not run" + ("" if args.no_pymgarch else " (not installed)") + ": speed-up not measured")
        return
    import pymgarch as mg

    frame = real if real is not None else simulated(2)
    t0 = time.perf_counter()
    oracle = mg.DCC(dist="norm").fit(frame)
    pym_s = time.perf_counter() - t0
    print(
        f"pymgarch DCC on the same data (its percent-scale marginals): {pym_s:.1f} s, "
        f"a={oracle.params['alpha']:.5f}, b={oracle.params['beta']:.5f}"
    )
    speed_up = pym_s / secs
    print(f"speed-up vs pymgarch: {speed_up:.0f}× (target ≥ {SPEED_UP_TARGET:.0f}×): "
          f"{'MEETS' if speed_up >= SPEED_UP_TARGET else 'MISSES'}")


if __name__ == "__main__":
    main()
