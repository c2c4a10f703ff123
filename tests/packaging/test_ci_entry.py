"""CI's entry point (.ci/run) passes the test command's exit code through: a run that collected no
tests (pytest exit 5) must fail CI, not pass it silently.

``make`` and the system tools .ci/run may call are stand-ins on PATH, so nothing is installed and
no test runs twice.
"""
from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _tool(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.mark.parametrize("code", [0, 1, 5])
def test_ci_exits_with_the_test_commands_code(tmp_path: Path, code: int) -> None:
    _tool(tmp_path, "make", f"exit {code}")
    _tool(tmp_path, "apt-get", "exit 0")  # never reach the network for the optional system packages
    _tool(tmp_path, "chromium", "exit 0")
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    done = subprocess.run(["bash", str(REPO / ".ci" / "run")], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == code, done.stderr
