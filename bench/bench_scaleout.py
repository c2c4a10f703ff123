"""Scale-out benchmark: all pair DCC fits among 20 daily series, thread runner vs 2-worker Dask.

Usage: `.venv/bin/python bench/bench_scaleout.py [DATA_DIR] [N_SERIES]` (default ../shared/data,
20 series = 190 pairs). Prints wall times and the speed-up; results must be identical.
"""
from __future__ import annotations

import itertools
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")

import pandas as pd  # noqa: E402
from prefect import flow  # noqa: E402

from seesaw.analyses.correlation import _fit_or_extend  # noqa: E402
from seesaw.analyses.settings import DccModel  # noqa: E402
from seesaw.flows.prefect_flows import make_task_runner, task_map  # noqa: E402
from seesaw.sources.catalog import load_profile  # noqa: E402
from seesaw.sources.registry import make_source  # noqa: E402
from seesaw.transforms.returns import series_returns  # noqa: E402

SERIES = ["us_spx", "us_nasdaq", "us_tlt", "us_vix", "us_1y", "us_2y", "us_5y", "us_7y", "us_10y", "us_20y",
          "us_30y", "us_3m", "us_6m", "us_dollar", "us_ig_oas", "gl_wti", "gl_gold", "cn_csi300", "cn_10y",
          "cn_shcomp", "de_dax", "uk_ftse", "jp_nikkei", "fr_cac"]


def daily_returns(data_dir: Path, n_series: int) -> pd.DataFrame:
    """Daily returns (percent) of the first ``n_series`` ids: yields as 10y-duration bond returns."""
    profile = load_profile("files")
    source = make_source("files", data_dir=data_dir)
    legs = {}
    for sid in SERIES:
        spec = profile.spec(sid)
        if spec.frequency != "D":
            continue
        frame = source.fetch(spec, None, None).set_index("obs_date")["value"].dropna()
        bases = series_returns(frame, spec.kind, "D", 10 if spec.kind == "yield" else None)
        legs[sid] = bases.get("bond_return_from_yield", next(iter(bases.values()))).loc["2008-01-01":] * 100
        if len(legs) == n_series:
            break
    return pd.concat(legs, axis=1, sort=True)


@flow(name="bench-scaleout")
def fit_all(jobs_file: str) -> list:
    """Fit every pair. The jobs travel as a file path: a script's flow is pickled by value with
    every task sent to Dask, so it must not reference the data through globals or parameters."""
    jobs = pickle.loads(Path(jobs_file).read_bytes())
    return [(r.params["a"], r.params["b"]) for r, _, _ in task_map(_fit_or_extend, jobs)]


def main() -> None:
    data_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "data"
    n_series = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    returns = daily_returns(data_dir, n_series)
    jobs = []
    for a, b in itertools.combinations(returns.columns, 2):
        pair = returns[[a, b]].dropna()
        jobs.append((DccModel(market="bench", assets=[a, b]), pair, None))
    print(f"{len(jobs)} pair DCC fits over {returns.shape[1]} series, ~{len(returns)} days each")
    timings, outputs = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        jobs_file = Path(tmp) / "jobs.pkl"
        jobs_file.write_bytes(pickle.dumps(jobs))
        warm_up = Path(tmp) / "none.pkl"  # an empty flow run first: Prefect's start is timed by neither runner
        warm_up.write_bytes(pickle.dumps([]))
        fit_all.with_options(task_runner=make_task_runner("thread"))(str(warm_up))
        for runner in ("thread", "dask"):
            started = time.perf_counter()
            outputs[runner] = fit_all.with_options(task_runner=make_task_runner(runner))(str(jobs_file))
            timings[runner] = time.perf_counter() - started
    identical = outputs["thread"] == outputs["dask"]
    print(f"{'runner':10} {'wall s':>8}")
    for runner, seconds in timings.items():
        print(f"{runner:10} {seconds:8.1f}")
    print(f"speed-up dask/thread: {timings['thread'] / timings['dask']:.2f}x; identical results: {identical}")


if __name__ == "__main__":
    main()
