"""Incremental cost follows new data: a rerun with nothing new reads no unchanged file, writes no
data table and recomputes no analysis; a change reaches exactly the analyses downstream of it."""
from __future__ import annotations

import os
import shutil
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from seesaw import pipeline
from seesaw.analyses.steps import ANALYSES
from seesaw.sources.catalog import load_profile
from seesaw.sources.files import FilesSource
from seesaw.sources.sample import SampleSource
from support import UNCHANGED, copy_warehouse, fingerprint, fingerprint_differences, query


def _run(db: Path, profile_name: str = "sample", **kwargs: Any) -> pipeline.RunSummary:
    """A nightly run without the report (not what is measured here)."""
    profile = load_profile(profile_name)
    return pipeline.run(db, profile, hooks=pipeline.Hooks(report=lambda *_: None), **kwargs)


@pytest.fixture()
def writes(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts the calls that open a data-table transaction: series and table loads, results writes."""
    counts: Counter[str] = Counter()

    def counting(module: Any, name: str) -> None:
        original = getattr(module, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            counts[name] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    counting(pipeline.wload, "load_series")
    counting(pipeline.wload, "load_table")
    counting(pipeline.wops, "replace_results")
    return counts


def test_a_rerun_with_nothing_new_writes_and_recomputes_nothing(sample_db: Path, tmp_path: Path,
                                                                writes: Counter[str]) -> None:
    db = copy_warehouse(sample_db, tmp_path)
    before = fingerprint(db)
    summary = _run(db)
    assert summary.status == "ok", summary.message
    assert sum(writes.values()) == 0, writes  # no load transaction, no results write
    assert {r.status for r in summary.loads} == {"unchanged"}
    assert summary.message.startswith(f"nothing new: {len(summary.loads)} sources unchanged since their last load")
    assert {a["status"] for a in summary.analyses} >= {"ok", "skipped"}
    assert all(a["message"].startswith(UNCHANGED) and a["rows_written"] == 0 for a in summary.analyses)
    assert not fingerprint_differences(before, fingerprint(db))
    loads = query(db, f"select status, error from ops.loads where run_id = '{summary.run_id}'")
    assert set(loads["status"]) == {"unchanged"} and loads["error"].str.startswith("source unchanged since run").all()
    checks = query(db, f"select check_name, status from ops.checks where run_id = '{summary.run_id}'")
    assert len(checks) == len(summary.checks) > 0  # the previous outcomes, recorded again: nothing they read changed


def _to_recompute(series_id: str, profile_name: str = "sample") -> set[str]:
    """Analyses declaring ``series_id``, every analysis consuming one of them (transitively), and
    the analyses those consume (a consumer that runs needs their outputs of this run)."""
    settings = load_profile(profile_name).analysis
    found = {a.name for a in ANALYSES if series_id in set(a.series(a.settings(settings)))}
    grew = True
    while grew:
        more = {a.name for a in ANALYSES if set(a.consumes) & found} - found
        found |= more
        grew = bool(more)
    by_name = {a.name: a for a in ANALYSES}
    pending = list(found)
    while pending:
        for name in by_name[pending.pop()].consumes:
            if name not in found:
                found.add(name)
                pending.append(name)
    return found


def test_a_revised_series_recomputes_only_what_depends_on_it_as_a_full_recompute_would(
        sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = copy_warehouse(sample_db, tmp_path / "incremental")
    now = datetime.now(UTC)
    failed = {a["step"] for a in _run(db, now=now).analyses if a["status"] == "failed"}  # those run every time
    fetch = SampleSource.fetch

    def revised(self: SampleSource, spec: Any, start: Any, end: Any) -> pd.DataFrame:
        frame = fetch(self, spec, start, end)
        if spec.series_id == "us_vix":
            frame.loc[frame.index[-1], "value"] *= 1.01
        return frame

    monkeypatch.setattr(SampleSource, "fetch", revised)
    summary = _run(db, now=now)
    assert [r.series_id for r in summary.loads if r.status != "unchanged"] == ["us_vix"]
    recomputed = {a["step"] for a in summary.analyses if not (a["message"] or "").startswith(UNCHANGED)}
    expected = _to_recompute("us_vix")
    assert "move_metrics" in expected and {"returns", "dcc", "mc_risk"}.isdisjoint(expected)
    assert recomputed == expected | failed

    full = copy_warehouse(db, tmp_path / "full")
    con = duckdb.connect(str(full))
    con.execute("delete from ops.analysis_state")
    con.close()
    outcomes = pipeline.analyze(full, "full-recompute", load_profile("sample"), now=now)
    assert not any((a["message"] or "").startswith(UNCHANGED) for a in outcomes)
    assert fingerprint_differences(fingerprint(full), fingerprint(db)) == []


def test_a_refit_falling_due_recomputes_the_dcc_although_no_data_changed(sample_db: Path, tmp_path: Path) -> None:
    db = copy_warehouse(sample_db, tmp_path)
    fitted = query(db, "select max(fitted_at) as t from results.model_fits")["t"].iloc[0].to_pydatetime()
    days = {m.refit_days for m in load_profile("sample").analysis.dcc}
    same_week = _run(db, now=fitted + timedelta(days=min(days) - 1))
    assert next(a for a in same_week.analyses if a["step"] == "dcc")["message"].startswith(UNCHANGED)
    later = _run(db, now=fitted + timedelta(days=max(days)))
    steps = {a["step"]: a for a in later.analyses}
    assert not (steps["dcc"]["message"] or "").startswith(UNCHANGED)
    assert steps["returns"]["message"].startswith(UNCHANGED)
    refit = query(db, "select fitted_at from results.model_fits")["fitted_at"]
    assert (refit > pd.Timestamp(fitted)).all()


def test_full_and_replace_runs_read_and_recompute_everything(sample_db: Path, tmp_path: Path) -> None:
    db = copy_warehouse(sample_db, tmp_path)
    summary = _run(db, full=True)
    assert "unchanged" not in {r.status for r in summary.loads}
    assert not any((a["message"] or "").startswith(UNCHANGED) for a in summary.analyses)


FILES_SERIES = ["us_10y", "us_3m"]


def test_an_unchanged_file_is_not_read_a_touched_one_is_hashed_a_changed_one_is_read(
        shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    profile = load_profile("files")
    data = tmp_path / "data"
    for spec in profile.select(FILES_SERIES):
        for path in FilesSource(shared_data).paths(spec):
            target = data / path.relative_to(shared_data)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)
    reads: Counter[str] = Counter()
    fetch = FilesSource.fetch

    def counted(self: FilesSource, spec: Any, start: Any, end: Any) -> pd.DataFrame:
        reads[spec.series_id] += 1
        return fetch(self, spec, start, end)

    monkeypatch.setattr(FilesSource, "fetch", counted)
    db = tmp_path / "w.duckdb"

    def nightly() -> dict[str, str]:
        reads.clear()
        summary = _run(db, "files", series=FILES_SERIES, data_dir=data)
        return {r.series_id: r.status for r in summary.loads}

    assert nightly() == {"us_10y": "ok", "us_3m": "ok"}
    assert nightly() == {"us_10y": "unchanged", "us_3m": "unchanged"} and not reads
    ten_year = FilesSource(data).paths(profile.select(["us_10y"])[0])[0]
    stat = ten_year.stat()
    os.utime(ten_year, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # touched, same bytes
    assert nightly() == {"us_10y": "unchanged", "us_3m": "unchanged"} and not reads
    lines = ten_year.read_text().splitlines()
    date_text, value = lines[-1].split(",")
    lines[-1] = f"{date_text},{float(value) + 0.01:.2f}"  # a revision of the last value
    ten_year.write_text("\n".join(lines) + "\n")
    os.utime(ten_year, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2 * 10**9))
    assert nightly() == {"us_10y": "ok", "us_3m": "unchanged"} and reads == {"us_10y": 1}
    revised = query(db, f"select value from core.observations where series_id = 'us_10y'"
                         f" and obs_date = '{date_text}'")["value"].iloc[0]
    assert revised == pytest.approx(float(value) + 0.01)
