"""What scheduled runs need around the flows: the deployments' pull step and a local Prefect server.

``enter_checkout`` is the pull step of ``prefect.yaml``: a worker's flow-run process changes into
the checkout named by ``$SEESAW_HOME`` and fails at once, naming the variable, when it is unset or
wrong (Prefect's own ``set_working_directory`` turns an unset variable into "stay where you are",
and the run then dies later on a missing ``flows/prefect_flows.py``).

``local_prefect_server`` runs ``prefect server start`` as a supervised child for ``seesaw serve``:
Prefect's ephemeral API runs no background services, so without a server nothing is ever scheduled.
"""
from __future__ import annotations

import os
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


class ServerStartError(RuntimeError):
    """The local Prefect server did not come up (the message carries the end of its log)."""


def enter_checkout(variable: str = "SEESAW_HOME") -> dict[str, str]:
    """Pull step: change into the seesaw checkout named by ``$variable`` (the folder with
    ``prefect.yaml``); a one-line error naming the variable when it is unset or points elsewhere."""
    value = os.environ.get(variable, "").strip()
    if not value:
        raise RuntimeError(f"${variable} is not set for this flow run: set it in the worker's environment to "
                           "the seesaw checkout (the folder holding prefect.yaml) before `prefect worker start`")
    home = Path(value).expanduser()
    if not (home / "prefect.yaml").is_file():
        raise RuntimeError(f"${variable}={value} is not a seesaw checkout: no prefect.yaml there")
    os.chdir(home)
    return {"directory": os.getcwd()}


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


def _wait_healthy(process: subprocess.Popen, url: str, log_path: Path, timeout_s: float) -> None:
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


def _stop_group(process: subprocess.Popen) -> None:
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
