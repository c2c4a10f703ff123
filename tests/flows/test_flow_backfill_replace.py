"""`seesaw backfill --replace` through the CLI and the Prefect flow: a stored value the source no
longer lists survives a plain backfill (partial, exit 2) and is removed only with ``--replace``."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from seesaw.flows.cli import main

PROFILE = """
profile: replace
description: one FRED-shaped daily yield file
series:
  - {series_id: us_10y, name: 10y CMT, source: files, source_code: DGS10.csv, frequency: D,
     unit: percent p.a., kind: yield, country: US, options: {column: DGS10}}
"""
DAYS = pd.bdate_range("2026-03-02", "2026-04-17")


def _write(data: Path, days: pd.DatetimeIndex) -> None:
    rows = pd.DataFrame({"observation_date": days.strftime("%Y-%m-%d"),
                         "DGS10": [f"{4.0 + i / 100:.2f}" for i in range(len(days))]})
    (data / "DGS10.csv").write_text(rows.to_csv(index=False), encoding="utf-8")


def _stored(db: Path) -> set:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {d for (d,) in con.execute("select obs_date::varchar from core.observations").fetchall()}
    finally:
        con.close()


def test_backfill_keeps_vanished_values_unless_told_to_replace(prefect_harness, tmp_path: Path) -> None:
    data, db = tmp_path / "data", tmp_path / "w.duckdb"
    data.mkdir()
    profile = tmp_path / "replace.yaml"
    profile.write_text(PROFILE, encoding="utf-8")
    _write(data, DAYS)
    backfill = ["--db", str(db), "backfill", "--profile", str(profile), "--data-dir", str(data),
                "--start", "2026-03-02", "--end", "2026-04-17"]
    assert main(backfill) == 0
    _write(data, DAYS[DAYS != "2026-04-14"])
    assert main(backfill) == 2
    assert "2026-04-14" in _stored(db)
    assert main([*backfill, "--replace"]) == 0
    assert "2026-04-14" not in _stored(db) and len(_stored(db)) == len(DAYS) - 1
