"""prefect.yaml: every deployment is a module path into the installed package, with parameters
its flow accepts and a valid schedule; a run's paths resolve against ``home`` or name what is
missing; serve's own deployments."""
from __future__ import annotations

import inspect
from datetime import date
from pathlib import Path

import pytest
import yaml
from prefect import Flow
from prefect.client.schemas.schedules import CronSchedule
from prefect.utilities.importtools import import_object

from seesaw.flows import scheduling
from seesaw.flows.scheduling import RunPathError, run_paths

REPO = Path(__file__).resolve().parents[2]
UNSET = ("$SEESAW_HOME is not set for this flow run: set it in the worker's environment to the folder "
         "for the warehouse, or pass the home parameter")


def test_deployments_import_from_the_installed_package_with_valid_parameters_and_schedules() -> None:
    doc = yaml.safe_load((REPO / "prefect.yaml").read_text())
    assert doc["pull"] == []  # nothing to fetch or enter on the worker
    names = {d["name"] for d in doc["deployments"]}
    assert {"nightly", "backfill"} <= names
    for deployment in doc["deployments"]:
        assert deployment["entrypoint"] == f"seesaw.flows.prefect_flows:{deployment['name']}"
        flow = import_object(deployment["entrypoint"])  # what a worker does
        assert isinstance(flow, Flow)
        signature = inspect.signature(flow.fn)
        assert set(deployment.get("parameters", {})) <= set(signature.parameters)
        for schedule in deployment.get("schedules", []):
            cron = CronSchedule(cron=schedule["cron"], timezone=schedule["timezone"])
            assert cron.timezone == "America/New_York"
        # explicit home, warehouse and task runner; the warehouse is relative to home
        assert deployment["parameters"]["home"] == "$SEESAW_HOME"
        assert deployment["parameters"]["db"] == "warehouse/seesaw.duckdb"
        assert "task_runner" in deployment["parameters"]
    nightly = next(d for d in doc["deployments"] if d["name"] == "nightly")
    assert nightly["schedules"][0]["cron"].endswith("1-5")  # weekdays


def test_run_paths_resolve_against_home_from_the_environment(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "data").mkdir()
    monkeypatch.setenv("SEESAW_HOME", str(tmp_path))
    monkeypatch.delenv("SEESAW_DB", raising=False)
    monkeypatch.chdir(REPO)
    paths = run_paths("$SEESAW_HOME", "mine.yaml", None, "data")
    assert paths == (str(tmp_path / "mine.yaml"), tmp_path / "warehouse" / "seesaw.duckdb", tmp_path / "data")
    assert run_paths("${SEESAW_HOME}/data", "sample", "w.duckdb", None).db == tmp_path / "data" / "w.duckdb"
    assert run_paths("$SEESAW_HOME", "sample", "/srv/w.duckdb", None).db == Path("/srv/w.duckdb")


def test_run_paths_without_home_use_the_current_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SEESAW_HOME", raising=False)
    paths = run_paths(None, "sample", "w.duckdb", None)
    assert (paths.profile, paths.db, paths.data_dir) == ("sample", tmp_path / "w.duckdb", None)


@pytest.mark.parametrize("value", [None, "", "  "])
def test_an_unset_home_variable_is_one_line_naming_it(value: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    if value is None:
        monkeypatch.delenv("SEESAW_HOME", raising=False)
    else:
        monkeypatch.setenv("SEESAW_HOME", value)
    with pytest.raises(RunPathError) as error:
        run_paths("$SEESAW_HOME", "sample", "/srv/w.duckdb", None)
    assert str(error.value) == UNSET


def test_a_missing_home_or_data_dir_is_one_line_naming_the_path(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    nowhere = tmp_path / "nowhere"
    monkeypatch.setenv("SEESAW_HOME", str(nowhere))
    with pytest.raises(RunPathError, match=rf"^home {nowhere} \(from '\$SEESAW_HOME'\) is not a directory: "):
        run_paths("$SEESAW_HOME", "sample", None, None)
    with pytest.raises(RunPathError, match=rf"^data_dir {tmp_path / 'exports'} is not a directory$"):
        run_paths(str(tmp_path), "files", None, "exports")
    assert not nowhere.exists()


def test_a_files_profile_without_a_data_dir_needs_the_default_one(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduling, "DEFAULT_DATA_DIR", tmp_path / "shared" / "data")
    with pytest.raises(RunPathError, match=r"^profile files reads files and the default data directory .* "
                                           r"does not exist: pass the data_dir parameter$"):
        run_paths(str(tmp_path), "files", None, None)
    assert run_paths(str(tmp_path), "sample", None, None).data_dir is None  # sample reads no files


def test_the_flows_check_their_paths_before_anything_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from seesaw.flows.prefect_flows import backfill, nightly

    monkeypatch.delenv("SEESAW_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    for run in (lambda: nightly.fn(profile="sample", db="w.duckdb", home="$SEESAW_HOME"),
                lambda: backfill.fn(date(2000, 1, 1), date(2000, 12, 31), profile="sample", db="w.duckdb",
                                    home="$SEESAW_HOME")):
        with pytest.raises(RunPathError, match=r"^\$SEESAW_HOME is not set for this flow run"):
            run()
    assert not any(tmp_path.iterdir())


def test_serve_builds_a_scheduled_nightly_and_an_on_demand_backfill(tmp_path: Path) -> None:
    from seesaw.flows.cli import build_parser, serve_deployments

    args = build_parser().parse_args(["--db", str(tmp_path / "w.duckdb"), "serve", "--profile", "sample",
                                      "--cron", "0 7 * * 1-5", "--timezone", "Asia/Shanghai"])
    nightly, backfill = serve_deployments(args)
    assert nightly.name == "nightly-serve" and backfill.name == "backfill-serve"  # never prefect.yaml's
    schedule = nightly.schedules[0].schedule
    assert (schedule.cron, schedule.timezone) == ("0 7 * * 1-5", "Asia/Shanghai")
    assert nightly.parameters["db"] == str(tmp_path / "w.duckdb") and not backfill.schedules
