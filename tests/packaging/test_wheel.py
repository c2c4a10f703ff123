"""The built wheel works outside the checkout: it installs only the ``seesaw`` namespace, ships
its SQL, profiles and report templates, and runs the nightly pipeline on the sample profile.

The wheel is built from a copy of the sources, so the checkout gains no ``build/`` folder, and
without build isolation (setuptools comes from the project's lock): no network in tests. It is
installed without dependencies into a fresh venv
outside the checkout; that venv sees the project venv's site-packages through a plain path in a
``.pth`` file, so the dependencies resolve while the project's editable seesaw does not (``.pth``
files inside a path added that way are never executed, so its import finder is never loaded).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
# What never belongs in a wheel build: caches and warehouse artifacts a local run leaves behind.
_LEFT_BEHIND = shutil.ignore_patterns("__pycache__", "*.duckdb*", "*.wal", "*.snapshot*", "*.lock", "*.read.duckdb")


def _run(argv: list[str], *, cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a copy of pyproject.toml, README.md and every mapped package folder."""
    src = tmp_path_factory.mktemp("src")
    shutil.copy2(REPO / "pyproject.toml", src)
    shutil.copy2(REPO / "README.md", src)
    package_dir = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    for folder in set(package_dir.values()):
        shutil.copytree(REPO / folder, src / folder, ignore=_LEFT_BEHIND)
    out = tmp_path_factory.mktemp("dist")
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
                  "-w", str(out), str(src)], cwd=out)
    assert built.returncode == 0, built.stderr[-3000:]
    wheels = list(out.glob("seesaw-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed (no dependencies) and the project venv's packages visible."""
    root = tmp_path_factory.mktemp("venv") / "v"
    made = _run([sys.executable, "-m", "venv", "--without-pip", str(root)], cwd=root.parent)
    assert made.returncode == 0, made.stderr
    python = root / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     cwd=root).stdout.strip())
    (site / "project_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                      "--no-index", str(wheel)], cwd=root)
    assert installed.returncode == 0, installed.stderr[-3000:]
    return root


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "SEESAW_DB")}
    return {**env, "PREFECT_HOME": str(tmp / "prefect"), "DO_NOT_TRACK": "1",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180"}


def test_wheel_ships_sql_profiles_and_templates_under_seesaw_only(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    packages = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert packages == {"seesaw"}
    assert any(n.startswith("seesaw/sql/migrations/") and n.endswith(".sql") for n in names)
    assert any(n.startswith("seesaw/sql/checks/") and n.endswith(".sql") for n in names)
    assert {"seesaw/profiles/sample.yaml", "seesaw/profiles/shared/catalog.yaml"} <= set(names)
    assert any(n.startswith("seesaw/reports/templates/") for n in names)


def test_installed_wheel_imports_only_the_namespace(venv: Path, tmp_path: Path) -> None:
    python = str(venv / "bin" / "python")
    generic = _run([python, "-c", "import models"], cwd=tmp_path, env=_env(tmp_path))
    assert generic.returncode != 0 and "ModuleNotFoundError" in generic.stderr
    found = _run([python, "-c", "import seesaw, seesaw.models.dcc; print(seesaw.__file__)"], cwd=tmp_path,
                 env=_env(tmp_path))
    assert found.returncode == 0, found.stderr
    assert Path(found.stdout.strip()).is_relative_to(venv), found.stdout  # the wheel's copy, not the checkout


def test_installed_wheel_runs_the_sample_pipeline_outside_the_checkout(venv: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    done = _run([str(venv / "bin" / "seesaw"), "--db", str(db), "run", "--profile", "sample"], cwd=tmp_path,
                env=_env(tmp_path), timeout=600)
    assert done.returncode in (0, 2), done.stdout[-2000:] + done.stderr[-2000:]
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'results'").fetchall()]
        filled = {t for t in tables if con.execute(f'select count(*) from results."{t}"').fetchone()[0] > 0}
        checks = con.execute("select count(*) from ops.checks").fetchone()[0]
    finally:
        con.close()
    assert {"returns", "correlations", "model_fits"} <= filled, filled
    assert checks > 0  # the SQL checks shipped as package data ran
