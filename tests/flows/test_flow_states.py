"""What Prefect sees of a run: its final state (Completed, Partial, Failed) and the task runner
chosen by a flow parameter, as a deployment run would pass it."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from prefect.client.orchestration import get_client

PROFILE = """
profile: one_gone
description: one sample series and one whose column does not exist (its fetch fails)
series:
  - {series_id: us_aaa, name: AAA, source: sample, source_code: "arch.default:AAA", frequency: M,
     unit: percent p.a., kind: yield, country: US}
  - {series_id: gone_idx, name: gone, source: sample, source_code: "arch.default:NOPE", frequency: M,
     unit: points, kind: index, country: US}
"""


def _server_state(state) -> tuple[str, str]:
    with get_client(sync_client=True) as client:
        stored = client.read_flow_run(state.state_details.flow_run_id).state
    return stored.type.value, stored.name


def test_partial_run_ends_in_a_completed_state_named_partial(prefect_harness, tmp_path: Path) -> None:
    from seesaw.flows.prefect_flows import nightly

    profile = tmp_path / "one_gone.yaml"
    profile.write_text(PROFILE)
    ok = nightly(profile=str(profile), series=["us_aaa"], db=str(tmp_path / "ok.duckdb"), return_state=True)
    assert _server_state(ok) == ("COMPLETED", "Completed") and ok.result().status == "ok"

    partial = nightly(profile=str(profile), db=str(tmp_path / "w.duckdb"), return_state=True)
    assert _server_state(partial) == ("COMPLETED", "Partial")
    assert partial.result().status == "partial" and "gone_idx" in partial.message
    # called directly (as the CLI does), the flow still returns the summary
    assert nightly(profile=str(profile), db=str(tmp_path / "w.duckdb")).status == "partial"

    # gone_idx has a catalog entry and no data: a failing check; tolerating none fails the run
    failed = nightly(profile=str(profile), db=str(tmp_path / "w.duckdb"), max_failed_checks=0, return_state=True)
    assert _server_state(failed)[0] == "FAILED"


def test_task_runner_is_a_flow_parameter_and_paths_reach_it_absolute(prefect_harness, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("prefect_dask")
    from prefect_dask import DaskTaskRunner

    from seesaw.flows.prefect_flows import nightly

    started = []
    enter = DaskTaskRunner.__enter__
    monkeypatch.setattr(DaskTaskRunner, "__enter__", lambda self: started.append(self) or enter(self))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "exports").mkdir()
    # what a deployment run passes: plain parameters, relative paths, the runner by name
    summary = nightly(profile="sample", series=["us_spx", "us_aaa"], db="w.duckdb", data_dir="exports",
                      task_runner="dask")
    assert summary.status in ("ok", "partial") and len(started) == 1
    fan_out = [a for a in summary.analyses if a["step"] == "rolling_correlations"]
    assert fan_out and fan_out[0]["status"] in ("ok", "stale")  # the sample data ends in 2018
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from results.correlations").fetchone()[0] > 0
        parameters = json.loads(con.execute("select parameters from ops.runs").fetchone()[0])
    assert parameters["data_dir"] == str(tmp_path / "exports")  # made absolute before dispatch
