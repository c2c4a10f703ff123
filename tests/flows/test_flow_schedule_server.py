"""Schedules that fire, on a real Prefect server started here on loopback (with its services).

README's Scheduling walk-through, step by step: work pool, ``prefect --no-prompt deploy --all``,
the scheduler's runs at 06:30 New York time on weekdays (across both DST changes), a process
worker outside the checkout (``SEESAW_HOME`` a temporary folder) running one deployment on the
sample profile into the warehouse under it, and a run whose worker lacks ``SEESAW_HOME``
failing in one line naming it; and
``seesaw serve`` beside those deployments without touching them. Skipped only when the Prefect
server cannot start here at all.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import httpx
import pytest

from seesaw.flows.scheduling import ServerStartError, local_prefect_server

REPO = Path(__file__).resolve().parents[2]
PREFECT = [sys.executable, "-m", "prefect"]
NEW_YORK = ZoneInfo("America/New_York")
#: Two sample series make one stock–bond pair: a full analysis path in seconds.
RUN_PARAMETERS = {"profile": "sample", "series": ["us_spx", "us_aaa"]}


#: The server's scheduler and the runner's poll every 2 s instead of every 60 s and 10 s, so a run
#: due at the next minute starts then, not up to a loop later.
QUICK_LOOPS = {"PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2", "PREFECT_RUNNER_POLL_FREQUENCY": "2"}


def _clean_env(**extra: str) -> dict[str, str]:
    """This environment without Prefect or seesaw settings, plus ``extra``; telemetry off."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SEESAW_"))}
    return {**env, "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **extra}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Environment for commands against a Prefect server with its scheduler looping every 2 s."""
    base = tmp_path_factory.mktemp("prefect-server")
    with ExitStack() as stack:
        try:
            url = stack.enter_context(local_prefect_server(
                base / "server", env={"PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2"}))
        except ServerStartError as exc:
            pytest.skip(f"the Prefect server cannot start here: {exc}")
        yield _clean_env(PREFECT_HOME=str(base / "client"), PREFECT_API_URL=url)


def _prefect(env: dict[str, str], *args: str, cwd: Path = REPO) -> str:
    done = subprocess.run([*PREFECT, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"prefect {' '.join(args)}: {done.stdout[-2000:]}{done.stderr[-2000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def deployed(server: dict[str, str]) -> dict[str, str]:
    """README's first steps: a process work pool, then every deployment of prefect.yaml."""
    _prefect(server, "work-pool", "create", "seesaw", "--type", "process")
    _prefect(server, "--no-prompt", "deploy", "--all")
    return server


def _api(env: dict[str, str], method: str, path: str, body: dict | None = None) -> object:
    """One API call; a 503 (the server's SQLite busy under a loaded machine) is retried, as
    Prefect's own client does."""
    for attempt in range(6):
        response = httpx.request(method, env["PREFECT_API_URL"] + path, json=body, timeout=30)
        if response.status_code != 503:
            break
        time.sleep(0.5 * 2 ** attempt)
    response.raise_for_status()
    return response.json()


def _runs(env: dict[str, str], deployment_id: str, after: datetime, before: datetime) -> list[dict]:
    return _api(env, "POST", "/flow_runs/filter", {
        "deployments": {"id": {"any_": [deployment_id]}},
        "flow_runs": {"expected_start_time": {"after_": after.isoformat(), "before_": before.isoformat()}},
        "limit": 200})


def _new_york(run: dict) -> datetime:
    return datetime.fromisoformat(run["expected_start_time"]).astimezone(NEW_YORK)


def _dst_changes(after: date, count: int) -> list[date]:
    """The next ``count`` days on which New York's UTC offset changes."""
    changes, day = [], after
    offset = datetime.combine(day, clock(12), NEW_YORK).utcoffset()
    while len(changes) < count:
        day += timedelta(days=1)
        if datetime.combine(day, clock(12), NEW_YORK).utcoffset() != offset:
            changes.append(day)
            offset = datetime.combine(day, clock(12), NEW_YORK).utcoffset()
    return changes


def _assert_06_30_on_weekdays(runs: list[dict]) -> None:
    local = [_new_york(run) for run in runs]
    assert all((t.hour, t.minute) == (6, 30) and t.weekday() < 5 for t in local), sorted(local)


def test_prefect_yaml_schedules_fire_and_a_worker_runs_a_deployment(deployed: dict[str, str],
                                                                    tmp_path: Path) -> None:
    env = deployed
    nightly = _api(env, "GET", "/deployments/name/nightly/nightly")
    # The worker needs no checkout: the flow is imported from the installed package, no pull step.
    assert (nightly["entrypoint"], nightly["pull_steps"]) == ("seesaw.flows.prefect_flows:nightly", [])
    assert nightly["parameters"]["home"] == "$SEESAW_HOME"  # expanded by the run, not by deploy
    home, worker_dir = tmp_path / "home", tmp_path / "worker"
    home.mkdir()
    worker_dir.mkdir()
    out = _prefect(env, "deployment", "run", "nightly/nightly", "--params", json.dumps(RUN_PARAMETERS))
    run_id = re.search(r"flow-run/([0-9a-f-]{36})", out).group(1)
    # The same deployment where the worker's environment lacks SEESAW_HOME: it stops at once with
    # one line naming the variable (a home that does not exist: tests/flows/test_flow_deployments.py).
    unset_id = _api(env, "POST", f"/deployments/{nightly['id']}/create_flow_run", {
        "parameters": RUN_PARAMETERS, "job_variables": {"env": {"SEESAW_HOME": ""}}})["id"]
    worker = subprocess.Popen([*PREFECT, "worker", "start", "--pool", "seesaw", "--run-once"],
                              env={**env, "SEESAW_HOME": str(home)}, cwd=worker_dir, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        # While the worker runs: the scheduler service keeps the next runs on the calendar (at
        # least 3), every one at 06:30 New York time on a weekday.
        now = datetime.now(UTC)
        deadline = time.monotonic() + 60
        while len(scheduled := _runs(env, nightly["id"], now, now + timedelta(days=100))) < 3:
            assert time.monotonic() < deadline, f"the scheduler created {len(scheduled)} runs in 60 s"
            time.sleep(1)
        _assert_06_30_on_weekdays(scheduled)
        # Across the next two DST changes, as the server's scheduler computes them: still 06:30 in
        # New York, so 10:30 UTC on one side of the change and 11:30 UTC on the other.
        for change in _dst_changes(now.date() + timedelta(days=8), 2):
            start = datetime.combine(change - timedelta(days=7), clock(0), UTC)
            end = start + timedelta(days=14)
            _api(env, "POST", f"/deployments/{nightly['id']}/schedule",
                 {"start_time": start.isoformat(), "end_time": end.isoformat(), "min_runs": 50, "max_runs": 50})
            window = _runs(env, nightly["id"], start, end)
            assert len(window) == 10, [r["expected_start_time"] for r in window]
            _assert_06_30_on_weekdays(window)
            utc = {datetime.fromisoformat(r["expected_start_time"]).astimezone(UTC).strftime("%H:%M") for r in window}
            assert utc == {"10:30", "11:30"}
        log, _ = worker.communicate(timeout=300)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    run = _api(env, "GET", f"/flow_runs/{run_id}")
    assert run["state"]["type"] == "COMPLETED", log[-3000:]
    # The default db, warehouse/seesaw.duckdb, lands under $SEESAW_HOME, not in the worker's folder.
    with duckdb.connect(str(home / "warehouse" / "seesaw.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from results.correlations").fetchone()[0] > 0
        assert con.execute("select status from ops.runs").fetchall() in ([("ok",)], [("partial",)])
    assert not any(worker_dir.iterdir())
    line = ("$SEESAW_HOME is not set for this flow run: set it in the worker's environment to the folder "
            "for the warehouse, or pass the home parameter")
    state = _api(env, "GET", f"/flow_runs/{unset_id}")["state"]
    assert state["type"] == "FAILED" and state["message"].endswith(f"RunPathError: {line}"), state["message"]
    assert line in log


def test_serve_beside_the_yaml_deployments_registers_its_own_and_leaves_theirs(deployed: dict[str, str],
                                                                               tmp_path: Path) -> None:
    env = deployed
    theirs = ["/deployments/name/nightly/nightly", "/deployments/name/backfill/backfill"]
    before = [_api(env, "GET", path) for path in theirs]
    serve = subprocess.Popen([sys.executable, "-m", "seesaw.flows.cli", "--db", str(tmp_path / "w.duckdb"), "serve",
                              "--cron", "0 7 * * 1-5"], env=env, cwd=REPO, text=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while True:
            found = httpx.get(env["PREFECT_API_URL"] + "/deployments/name/nightly/nightly-serve", timeout=10)
            if found.status_code == 200:
                break
            if serve.poll() is not None or time.monotonic() > deadline:
                serve.kill()
                pytest.fail(f"serve registered nothing: {serve.communicate()[1][-3000:]}")
            time.sleep(1)
        time.sleep(2)  # let the runner start its loop, then stop it as a terminal would
        serve.send_signal(signal.SIGINT)
        serve.communicate(timeout=60)
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
    assert found.json()["schedules"][0]["schedule"]["cron"] == "0 7 * * 1-5"
    for name in ("nightly/nightly-serve", "backfill/backfill-serve"):  # serve pauses its own on exit
        assert _api(env, "GET", f"/deployments/name/{name}")["paused"], name
    after = [_api(env, "GET", path) for path in theirs]
    for old, new in zip(before, after, strict=True):
        assert not new["paused"]
        for key in ("id", "pull_steps", "parameters", "entrypoint", "schedules", "updated"):
            assert new[key] == old[key], (new["name"], key)
    assert [s["schedule"]["cron"] for s in after[0]["schedules"]] == ["30 6 * * 1-5"]


def test_serve_without_a_server_fires_a_one_minute_cron(tmp_path: Path) -> None:
    """No PREFECT_API_URL: serve supervises its own server, a run completes within two minutes,
    and stopping serve stops the server."""
    profile = tmp_path / "one.yaml"
    profile.write_text("""
profile: one
description: one sample series
series:
  - {series_id: us_aaa, name: AAA, source: sample, source_code: "arch.default:AAA", frequency: M,
     unit: percent p.a., kind: yield, country: US}
""")
    db = tmp_path / "w.duckdb"
    errors = tmp_path / "serve.err"
    started = time.monotonic()
    with errors.open("w") as sink:
        serve = subprocess.Popen([sys.executable, "-m", "seesaw.flows.cli", "--db", str(db), "serve", "--profile",
                                  "one.yaml", "--cron", "* * * * *"], env=_clean_env(**QUICK_LOOPS), cwd=tmp_path,
                                 stdout=subprocess.DEVNULL, stderr=sink)
    try:
        status = None
        while status is None:
            if serve.poll() is not None or time.monotonic() - started > 120:
                pytest.fail(f"no completed run within 2 minutes: {errors.read_text()[-3000:]}")
            time.sleep(2)
            status = _finished_run(db)
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
    assert status == "ok"
    url = re.search(r"Prefect server at (http://127\.0\.0\.1:\d+)", errors.read_text()).group(1)
    with pytest.raises(httpx.TransportError):
        httpx.get(url + "/api/health", timeout=5)
    assert (tmp_path / ".prefect" / "prefect.db").exists()  # run history kept in PREFECT_HOME


def _finished_run(db: Path) -> str | None:
    """The status of the first finished run in the warehouse, None while there is none (or the
    writer holds the file)."""
    if not db.exists():
        return None
    try:
        with duckdb.connect(str(db), read_only=True) as con:
            row = con.execute("select status from ops.runs where finished_at is not null limit 1").fetchone()
    except duckdb.Error:
        return None
    return row[0] if row else None
