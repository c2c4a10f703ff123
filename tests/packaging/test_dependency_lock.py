"""The dependency lock (constraints.txt) satisfies every requirement pyproject.toml declares.

pyproject carries the ranges that are known to matter (Prefect's scheduler needs SQLAlchemy 2.0.x,
Prefect's API needs its FastAPI/Starlette pins); this test makes `make lock` fail loudly instead of
silently moving the lock outside them.
"""
from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]


def _locked() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        name, sep, version = line.strip().partition("==")
        if sep:
            pins[canonicalize_name(name)] = version
    return pins


def test_every_declared_dependency_is_locked_inside_its_range() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + [r for extra in ("test",) for r in project["optional-dependencies"][extra]]
    locked = _locked()
    problems = []
    for text in declared:
        req = Requirement(text)
        version = locked.get(canonicalize_name(req.name))
        if version is None:
            problems.append(f"{req.name}: not in constraints.txt")
        elif not req.specifier.contains(version, prereleases=True):
            problems.append(f"{req.name}=={version} outside {req.specifier}")
    assert not problems, "; ".join(problems)


def test_sqlalchemy_is_locked_to_a_release_prefects_scheduler_runs_on() -> None:
    assert _locked()["sqlalchemy"].startswith("2.0."), "Prefect 3.8's scheduler service fails on SQLAlchemy 2.1"
