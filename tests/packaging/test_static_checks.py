"""Lint (ruff: pyflakes, pycodestyle, import order, bugbear, pyupgrade) over the repository, and
strict typing (mypy --strict) over the library as it installs, under the ``seesaw`` namespace.

mypy cannot read setuptools' package-dir mapping, so the test lays the installed layout out as
symlinks (``seesaw/flows`` -> ``flows/`` …) in a temporary directory and checks ``-p seesaw``.
"""
from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _tool(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def test_ruff_finds_nothing() -> None:
    done = subprocess.run([_tool("ruff"), "check", "--no-cache", str(REPO)], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]


def test_library_is_strictly_typed(tmp_path: Path) -> None:
    mapping = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    root = tmp_path / "seesaw"
    root.mkdir()
    for module in (REPO / mapping["seesaw"]).glob("*.py"):
        (root / module.name).symlink_to(module)
    for package, folder in mapping.items():
        if package != "seesaw" and any((REPO / folder).glob("*.py")):
            (root / package.removeprefix("seesaw.")).symlink_to(REPO / folder, target_is_directory=True)
    done = subprocess.run([_tool("mypy"), "--config-file", str(REPO / "pyproject.toml"), "--no-incremental",
                           "-p", "seesaw"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-2000:]
