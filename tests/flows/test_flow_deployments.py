"""prefect.yaml: every deployment points at a real flow, with parameters it accepts and a valid
schedule; its pull step enters the checkout or names what is missing; serve's own deployments."""
from __future__ import annotations

import asyncio
import importlib.util
import inspect
from pathlib import Path

import pytest
import yaml
from prefect import Flow
from prefect.client.schemas.schedules import CronSchedule

REPO = Path(__file__).resolve().parents[2]


def test_deployments_resolve_to_flows_with_valid_parameters_and_schedules() -> None:
    doc = yaml.safe_load((REPO / "prefect.yaml").read_text())
    names = {d["name"] for d in doc["deployments"]}
    assert {"nightly", "backfill"} <= names
    for deployment in doc["deployments"]:
        path, _, attr = deployment["entrypoint"].partition(":")
        spec = importlib.util.spec_from_file_location("entry", REPO / path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        flow = getattr(module, attr)
        assert isinstance(flow, Flow)
        signature = inspect.signature(flow.fn)
        assert set(deployment.get("parameters", {})) <= set(signature.parameters)
        for schedule in deployment.get("schedules", []):
            cron = CronSchedule(cron=schedule["cron"], timezone=schedule["timezone"])
            assert cron.timezone == "America/New_York"
    nightly = next(d for d in doc["deployments"] if d["name"] == "nightly")
    assert nightly["schedules"][0]["cron"].endswith("1-5")  # weekdays
    for deployment in doc["deployments"]:  # explicit warehouse and task runner, relative to the checkout
        assert {"db", "task_runner"} <= set(deployment["parameters"])


def test_pull_step_enters_the_checkout_or_names_the_missing_variable(prefect_harness, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.deployments.steps.core import StepExecutionError, run_steps

    steps = yaml.safe_load((REPO / "prefect.yaml").read_text())["pull"]
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SEESAW_HOME", raising=False)
    with pytest.raises(StepExecutionError) as unset:
        asyncio.run(run_steps(steps))
    assert str(unset.value.__cause__).startswith("$SEESAW_HOME is not set for this flow run")
    monkeypatch.setenv("SEESAW_HOME", str(tmp_path))
    with pytest.raises(StepExecutionError) as elsewhere:
        asyncio.run(run_steps(steps))
    assert str(elsewhere.value.__cause__) == f"$SEESAW_HOME={tmp_path} is not a seesaw checkout: no prefect.yaml there"
    assert Path.cwd() == tmp_path
    monkeypatch.setenv("SEESAW_HOME", str(REPO))
    asyncio.run(run_steps(steps))
    assert Path.cwd() == REPO


def test_serve_builds_a_scheduled_nightly_and_an_on_demand_backfill(tmp_path: Path) -> None:
    from seesaw.flows.cli import build_parser, serve_deployments

    args = build_parser().parse_args(["--db", str(tmp_path / "w.duckdb"), "serve", "--profile", "sample",
                                      "--cron", "0 7 * * 1-5", "--timezone", "Asia/Shanghai"])
    nightly, backfill = serve_deployments(args)
    assert nightly.name == "nightly-serve" and backfill.name == "backfill-serve"  # never prefect.yaml's
    schedule = nightly.schedules[0].schedule
    assert (schedule.cron, schedule.timezone) == ("0 7 * * 1-5", "Asia/Shanghai")
    assert nightly.parameters["db"] == str(tmp_path / "w.duckdb") and not backfill.schedules
