"""What scheduled runs need around the flows: where a run's files are, and a local Prefect server.

``run_paths`` turns a flow run's path parameters into absolute paths before anything runs. A
deployment's worker needs no checkout: the flow is imported from the installed package, and
relative paths (``db``, ``data_dir``, a profile file) are resolved against the ``home``
parameter, which may name an environment variable of the worker (``$SEESAW_HOME``, expanded when
the run starts). An unset variable or a missing folder stops the run at once with one line naming
it, instead of a warehouse created in the worker's temporary directory.

``local_prefect_server`` runs ``prefect server start`` as a supervised child for ``seesaw serve``:
Prefect's ephemeral API runs no background services, so without a server nothing is ever scheduled.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from seesaw.sources.catalog import load_profile
from seesaw.sources.registry import DEFAULT_DATA_DIR
from seesaw.warehouse.db import db_path


class ServerStartError(RuntimeError):
    """The local Prefect server did not come up (the message carries the end of its log)."""


class RunPathError(ValueError):
    """A flow run's home, warehouse or data directory cannot be used (one line, naming it)."""


class RunPaths(NamedTuple):
    """A flow run's paths, absolute: tasks may run in other processes and directories."""

    profile: str  # a profile name as given, or an absolute path to a profile file
    db: Path
    data_dir: Path | None


_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


def _expand_home(home: str) -> Path:
    """``home`` with ``$NAME`` / ``${NAME}`` and ``~`` expanded, absolute; a one-line error naming an
    unset (or empty) variable or a folder that does not exist."""
    def value_of(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        value = os.environ.get(name, "").strip()
        if not value:
            raise RunPathError(f"${name} is not set for this flow run: set it in the worker's environment "
                               "to the folder for the warehouse, or pass the home parameter")
        return value

    folder = Path(_VARIABLE.sub(value_of, home)).expanduser().resolve()
    if not folder.is_dir():
        raise RunPathError(f"home {folder} (from {home!r}) is not a directory: create it or pass another home")
    return folder


def run_paths(home: str | None, profile: str, db: str | None, data_dir: str | None,
              series: list[str] | None = None) -> RunPaths:
    """Resolve a run's paths against ``home`` (default: the current directory).

    ``db`` defaults to ``$SEESAW_DB``, else ``warehouse/seesaw.duckdb``; a profile given as a
    file (it has a suffix) is resolved like the paths. A ``data_dir`` that is not a directory, or
    a profile that reads files when neither ``data_dir`` nor the default data directory exists,
    is a one-line error.
    """
    base = _expand_home(home) if home else Path.cwd()
    profile_ref = str((base / profile).resolve()) if Path(profile).suffix else profile
    data = (base / data_dir).resolve() if data_dir else None
    if data is not None and not data.is_dir():
        raise RunPathError(f"data_dir {data} is not a directory")
    if data is None and not DEFAULT_DATA_DIR.is_dir() and _reads_files(profile_ref, series):
        raise RunPathError(f"profile {profile} reads files and the default data directory {DEFAULT_DATA_DIR} "
                           "does not exist: pass the data_dir parameter")
    return RunPaths(profile_ref, (base / db_path(db)).resolve(), data)


def _reads_files(profile: str, series: list[str] | None) -> bool:
    """Whether the run fetches any series (or, for a whole profile, its auctions) from files."""
    loaded = load_profile(profile)
    return any(spec.source == "files" for spec in loaded.select(series)) or (
        series is None and loaded.tables.get("auctions", {}).get("source") == "files")


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]  # an AF_INET address: (host, port)
        return port


@contextmanager
def local_prefect_server(home: Path, timeout_s: float = 180.0,
                         env: dict[str, str] | None = None) -> Iterator[str]:
    """Run ``prefect server start`` (API and services: scheduler, late runs, …) on a free loopback
    port with ``PREFECT_HOME=home``; yield its API URL; on exit stop it with its process group.

    ``env`` adds settings for the server (e.g. a shorter scheduler loop in tests). Its log is
    ``home/server.log``; the database ``home/prefect.db`` keeps run history across restarts.
    """
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    server_env = {**os.environ, "PREFECT_HOME": str(home), "DO_NOT_TRACK": "1",
                  "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **(env or {})}
    server_env.pop("PREFECT_API_URL", None)
    log_path = home / "server.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=server_env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)  # its own process group: stopped with everything it spawned
    try:
        _wait_healthy(process, url, log_path, timeout_s)
        yield url
    finally:
        _stop_group(process)


def _wait_healthy(process: subprocess.Popen[bytes], url: str, log_path: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerStartError(f"prefect server exited with code {process.returncode}: {_tail(log_path)}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise ServerStartError(f"prefect server not healthy at {url} after {timeout_s:.0f} s: {_tail(log_path)}")


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group, SIGKILL it after 15 s."""
    for sig, wait_s in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait_s)
            break
        except subprocess.TimeoutExpired:
            continue


def _tail(path: Path, lines: int = 5) -> str:
    text = path.read_text(errors="replace").strip().splitlines() if path.exists() else []
    return " | ".join(text[-lines:]) or "(no output)"
