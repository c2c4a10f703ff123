"""Benchmark how an N-asset DCC fit with standard errors scales with N (models/dcc.py).

Targets: a 16-asset daily DCC since 2008 with two-step standard errors in ≤ 10 s, and time
growing no faster than N^2.5 from 5 to 20 assets. Times ``fit_dcc`` for N = 2, 5, 10, 16, 20
twice in the same run: as it is, and with the former all-finite-difference covariance
(``tests/dcc_reference.py``, O(N⁴·T)) in its place; prints both times, their ratio, the
largest relative difference of the standard errors, and the fitted exponent of time in N.
Estimates must be identical. The standard errors differ by the former computation's
truncation error (a 1e-4 step in each GARCH parameter, large against a small omega); it
shrinks with the step squared.

Data: the first N daily series of ``bench/bench_scaleout.py`` from ../shared/data since 2008
(bond returns from yields, percent; common dates only) when present, else (or with
--synthetic) a simulated DCC(1,1)-GARCH(1,1) with known a = 0.03, b = 0.95 of 4,600 dates.

Run: python bench/bench_dcc_scaling.py [--synthetic] [--sizes 2,5,10,16,20] [--no-reference]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from dcc_reference import reference_vcov  # noqa: E402 - importable once tests/ is on sys.path

from seesaw.models import dcc  # noqa: E402

DATA = ROOT / ".." / "shared" / "data"
TARGET_N, TARGET_S = 16, 10.0
EXPONENT_RANGE, EXPONENT_TARGET = (5, 20), 2.5
N_OBS = 4_600  # about the trading days since 2008


def simulated(n_assets: int, n_obs: int = N_OBS) -> pd.DataFrame:
    """Returns of a DCC(1,1)-GARCH(1,1) with a = 0.03, b = 0.95 and a two-factor correlation target."""
    rng = np.random.default_rng(42)
    loadings = rng.uniform(-0.5, 0.5, size=(n_assets, 2))
    corr = loadings @ loadings.T
    np.fill_diagonal(corr, 1.0)
    ret, _ = dcc.simulate_dcc(n_obs, corr, a=0.03, b=0.95, garch=[(0.03, 0.02, 0.07, 0.91)] * n_assets, seed=1)
    return pd.DataFrame(ret, columns=[f"s{i}" for i in range(n_assets)])


def shared_daily(n_max: int) -> pd.DataFrame | None:
    """The first ``n_max`` daily series of the scale-out bench since 2008, common dates; None without data."""
    if not DATA.is_dir():
        return None
    from bench_scaleout import daily_returns  # Prefect import: only when the data is there

    frame = daily_returns(DATA, n_max).dropna()
    return frame if frame.shape[1] == n_max else None


def timed(returns: pd.DataFrame, reference: bool) -> tuple[dcc.DCCResult, float]:
    """One fit and its wall time; with ``reference`` the former covariance computation."""
    t0 = time.perf_counter()
    if reference:
        with mock.patch.object(dcc, "_two_step_vcov", reference_vcov):
            result = dcc.fit_dcc(returns)
    else:
        result = dcc.fit_dcc(returns)
    return result, time.perf_counter() - t0


def exponent(sizes: list[int], seconds: list[float]) -> float:
    """Least-squares slope of log(time) on log(N)."""
    return float(np.polyfit(np.log(sizes), np.log(seconds), 1)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", action="store_true", help="simulated data even when ../shared/data exists")
    parser.add_argument("--sizes", default="2,5,10,16,20", help="comma-separated numbers of assets")
    parser.add_argument("--no-reference", action="store_true", help="skip the (slow) former covariance")
    args = parser.parse_args()
    sizes = sorted(int(v) for v in args.sizes.split(","))

    real = None if args.synthetic else shared_daily(max(sizes))
    if real is None:
        print(f"data: simulated DCC(1,1), a=0.03, b=0.95, T={N_OBS}")
    else:
        print(f"data: {real.shape[0]} common dates {real.index[0]:%Y-%m-%d}..{real.index[-1]:%Y-%m-%d} of "
              f"{', '.join(map(str, real.columns))}")
    print(f"{'N':>3s} {'T':>6s} {'new_s':>7s} {'old_s':>7s} {'old/new':>7s} {'SE max rel diff':>15s}  a, b (± SE)")
    new_s: list[float] = []
    old_s: list[float] = []
    for n in sizes:
        returns = simulated(n) if real is None else real.iloc[:, :n]
        result, secs = timed(returns, reference=False)
        new_s.append(secs)
        line = f"{n:3d} {result.nobs:6d} {secs:7.2f}"
        if args.no_reference:
            line += f" {'':>7s} {'':>7s} {'':>15s}"
        else:
            old, old_secs = timed(returns, reference=True)
            old_s.append(old_secs)
            if old.params != result.params:
                raise SystemExit(f"N={n}: estimates differ from the reference run: {old.params} vs {result.params}")
            rel = max(abs(result.std_errors[k] / old.std_errors[k] - 1.0) for k in result.std_errors)
            line += f" {old_secs:7.2f} {old_secs / secs:7.1f} {rel:15.1e}"
        shown = ", ".join(f"{k}={v:.5f}±{result.std_errors[k]:.5f}" for k, v in result.params.items())
        print(f"{line}  {shown}")

    print()
    lo, hi = EXPONENT_RANGE
    span = [i for i, n in enumerate(sizes) if lo <= n <= hi]
    for name, secs_list in (("new", new_s), ("old", old_s)):
        if len(secs_list) == len(sizes) and len(span) >= 2:
            fitted = exponent([sizes[i] for i in span], [secs_list[i] for i in span])
            verdict = f" (target ≤ {EXPONENT_TARGET}: {'MEETS' if fitted <= EXPONENT_TARGET else 'MISSES'})"
            print(f"{name}: time ∝ N^{fitted:.2f} for N in {[sizes[i] for i in span]}" + verdict * (name == "new"))
    if TARGET_N in sizes:
        secs = new_s[sizes.index(TARGET_N)]
        print(f"target: {TARGET_N}-asset fit with standard errors ≤ {TARGET_S:.0f} s → {secs:.2f} s: "
              f"{'MEETS' if secs <= TARGET_S else 'MISSES'}")


if __name__ == "__main__":
    main()
