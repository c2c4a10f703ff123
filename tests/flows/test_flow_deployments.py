"""prefect.yaml: every deployment points at a real flow, with parameters it accepts and a valid schedule."""
from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path

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


def test_serve_builds_a_scheduled_nightly_and_an_on_demand_backfill(tmp_path: Path) -> None:
    from flows.cli import build_parser, serve_deployments

    args = build_parser().parse_args(["--db", str(tmp_path / "w.duckdb"), "serve", "--profile", "sample",
                                      "--cron", "0 7 * * 1-5", "--timezone", "Asia/Shanghai"])
    nightly, backfill = serve_deployments(args)
    assert nightly.name == "nightly" and backfill.name == "backfill"
    schedule = nightly.schedules[0].schedule
    assert (schedule.cron, schedule.timezone) == ("0 7 * * 1-5", "Asia/Shanghai")
    assert nightly.parameters["db"] == str(tmp_path / "w.duckdb") and not backfill.schedules
