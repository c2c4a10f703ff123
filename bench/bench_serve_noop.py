"""A files-profile nightly with zero new data under `seesaw serve`, the Prefect server already up.

Builds a files-profile warehouse (one full load, untimed), starts a loopback Prefect server
(``local_prefect_server``, as `seesaw serve` does), then two serving processes beside it:
`seesaw serve --profile files` and, as the baseline, a trivial flow served the same way. Each
deployment is triggered through the API twice (the first run warms up: the nightly's writes the
report and the first snapshot); the second is measured:
  - the flow run's duration from the Prefect API (``end_time - start_time``: the run's own
    process, after the runner started it);
  - the wall from the trigger to ``Completed``, as seen by polling the API (the runner's poll
    for new runs included: ``PREFECT_RUNNER_POLL_FREQUENCY`` is 1 s here; a scheduled run is
    fetched before its start time, so it waits for no poll);
  - the nightly's pipeline work (``ops.runs`` finished - started).
Target (2-core machine): a scheduled run with no new data <= 4 s. Run:
`.venv/bin/python bench/bench_serve_noop.py [--data-dir ../shared/data]` (a few minutes).
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
from bench_nightly_noop import latest_work  # beside this script

from seesaw import pipeline
from seesaw.flows.scheduling import local_prefect_server
from seesaw.sources.catalog import load_profile
from seesaw.sources.registry import DEFAULT_DATA_DIR

#: The served flow's process imports this file to run the flow: it must not serve again there.
TRIVIAL_SERVE = ("from prefect import flow\n@flow\ndef trivial() -> int:\n    return 1\n"
                 "if __name__ == '__main__':\n    trivial.serve(name='trivial-serve')\n")
#: A schedule that does not fire while the bench runs (runs here are triggered through the API).
CRON = "0 0 1 1 *"
POLL_S = 0.1
TIMEOUT_S = 600.0


def api(url: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """One call to the Prefect API (a 503 from a busy SQLite is retried)."""
    for attempt in range(6):
        response = httpx.request(method, url + path, json=body, timeout=30)
        if response.status_code != 503:
            break
        time.sleep(0.5 * 2 ** attempt)
    response.raise_for_status()
    return response.json()


@contextmanager
def serving(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A serving process (its own process group), stopped with SIGINT, then SIGKILL, on exit."""
    with log.open("ab") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        yield process
    finally:
        for sig in (signal.SIGINT, signal.SIGKILL):
            try:
                os.killpg(process.pid, sig)
                process.wait(timeout=30)
                break
            except ProcessLookupError:
                break
            except subprocess.TimeoutExpired:
                continue


def deployment_id(url: str, name: str, process: subprocess.Popen[bytes], log: Path) -> str:
    """The id of deployment ``flow/name`` once its serving process registered it."""
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        found = httpx.get(f"{url}/deployments/name/{name}", timeout=10)
        if found.status_code == 200:
            return str(found.json()["id"])
        if process.poll() is not None:
            raise SystemExit(f"the process serving {name} exited: {log.read_text()[-2000:]}")
        time.sleep(0.5)
    raise SystemExit(f"{name} was not registered within {TIMEOUT_S:.0f} s")


def trigger(url: str, deployment: str) -> tuple[float, float, str]:
    """Run a deployment now: (wall seconds from the trigger to a final state, the flow run's
    ``end_time - start_time`` in seconds, its final state's name)."""
    started = time.perf_counter()
    run_id = api(url, "POST", f"/deployments/{deployment}/create_flow_run", {})["id"]
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        run = api(url, "GET", f"/flow_runs/{run_id}")
        if run["state"] and run["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            wall = time.perf_counter() - started
            duration = (datetime.fromisoformat(run["end_time"]) - datetime.fromisoformat(run["start_time"]))
            return wall, duration.total_seconds(), str(run["state"]["name"])
        time.sleep(POLL_S)
    raise SystemExit(f"flow run {run_id} did not finish within {TIMEOUT_S:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        base = Path(tmp)
        db = base / "w.duckdb"
        started = time.perf_counter()
        pipeline.run(db, load_profile("files"), data_dir=args.data_dir, hooks=pipeline.Hooks(report=lambda *_: None))
        print(f"(full load, untimed figure: {time.perf_counter() - started:.0f} s)")
        url = stack.enter_context(local_prefect_server(base / "server"))
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")},
               "PREFECT_API_URL": url, "PREFECT_HOME": str(base / "client"), "DO_NOT_TRACK": "1",
               "PREFECT_RUNNER_POLL_FREQUENCY": "1"}
        (base / "trivial.py").write_text(TRIVIAL_SERVE)
        nightly_log, trivial_log = base / "serve.log", base / "trivial.log"
        nightly_proc = stack.enter_context(serving(
            [sys.executable, "-m", "seesaw.flows.cli", "--db", str(db), "serve", "--profile", "files",
             "--data-dir", str(args.data_dir), "--cron", CRON], env, nightly_log))
        trivial_proc = stack.enter_context(serving([sys.executable, str(base / "trivial.py")], env, trivial_log))
        nightly = deployment_id(url, "nightly/nightly-serve", nightly_proc, nightly_log)
        trivial = deployment_id(url, "trivial/trivial-serve", trivial_proc, trivial_log)
        figures = {}
        for name, deployment in (("trivial", trivial), ("nightly", nightly)):
            trigger(url, deployment)  # warm-up
            figures[name] = trigger(url, deployment)
        work, message = latest_work(db)
    (n_wall, n_duration, n_state), (t_wall, t_duration, t_state) = figures["nightly"], figures["trivial"]
    print(f"served nightly with nothing new ({n_state}; trivial flow {t_state}): {message}")
    print(f"{'measure':52} {'nightly':>8} {'trivial':>8} {'ratio':>6} {'target':>7}  ok")
    for label, value, base_value, target in (
            ("flow run duration, API end_time - start_time (s)", n_duration, t_duration, 4.0),
            ("wall, trigger to Completed (runner poll 1 s) (s)", n_wall, t_wall, None)):
        verdict = "" if target is None else ("yes" if value <= target else "NO")
        print(f"{label:52} {value:8.2f} {base_value:8.2f} {value / base_value:6.2f} "
              f"{f'<= {target:g}' if target else '':>7}  {verdict}")
    print(f"pipeline work of that run, ops.runs finished - started: {work:.2f} s")
    print(f"(measured {date.today()}, {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
