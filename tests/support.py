"""Helpers shared by tests (importable because pytest puts tests/ on the path)."""
from __future__ import annotations

from datetime import date
from pathlib import Path


def run_plain(db: Path, profile_name: str = "sample", series: list[str] | None = None,
              start: date | None = None, end: date | None = None, data_dir: Path | None = None,
              tables: bool = True):
    """The nightly pipeline through its plain functions (no Prefect), as the flow wires them."""
    from seesaw import pipeline
    from seesaw.sources.catalog import load_profile

    profile = load_profile(profile_name)
    run_id = pipeline.new_run_id(pipeline.utc_now())
    specs = profile.select(series)
    pipeline.begin(db, run_id, "nightly", profile, specs, {})
    fetched = []
    for plan in pipeline.plan_fetches(db, specs, start, end):
        try:
            fetched.append(pipeline.Fetched(plan, pipeline.fetch(plan, data_dir)))
        except Exception as exc:
            fetched.append(pipeline.Fetched(plan, None, str(exc)))
    auctions = pipeline.plan_auctions(db, profile, start, end) if tables else None
    if auctions is not None:
        try:
            fetched.append(pipeline.Fetched(auctions, pipeline.fetch_auction_table(auctions, profile, data_dir)))
        except Exception as exc:
            fetched.append(pipeline.Fetched(auctions, None, str(exc)))
    loads = pipeline.load(db, run_id, fetched)
    analyses = pipeline.analyze(db, run_id, profile)
    checks = pipeline.check(db, run_id)
    return pipeline.finish(db, run_id, loads, analyses, checks)
