"""How a writing seesaw process ends: Prefect's ephemeral API dies with it, Ctrl-C ends it promptly.

Prefect 3 runs its ephemeral API as a child process (``python -m uvicorn …``, about 240 MB) and
stops it from an ``atexit`` hook, which never runs when its parent is killed (kill -9, out of
memory): the server was left behind after every kill. ``ephemeral_api`` starts the same server
itself, before Prefect is imported, with Linux's parent-death signal set, so the kernel stops it
when seesaw dies in any way, and in its own process group, so a Ctrl-C at the terminal reaches
seesaw (which records the run as cancelled) rather than the API it still needs to say so. It
boots (seconds) while seesaw imports its flows.
"""
from __future__ import annotations

import atexit
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: Seconds from a Ctrl-C to the latest exit (the run is recorded as cancelled before that),
#: leaving a margin below 5 s for a thread woken on a busy machine.
INTERRUPT_EXIT_S = 3.0
#: Seconds the exit after an interrupt waits at most for its last words (``on_expiry``).
EXPIRY_S = 1.5
#: Exit code after an interrupt (128 + SIGINT), as shells report it.
INTERRUPTED = 130
_PR_SET_PDEATHSIG = 1


def _bound_to(parent: int) -> Callable[[], None]:
    """A ``preexec_fn``: own process group, SIGTERM when the creating thread's process dies."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved before the fork

    def preexec() -> None:
        os.setpgid(0, 0)
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os.kill(os.getpid(), signal.SIGKILL)

    return preexec


#: The environment Prefect 3 gives its own ephemeral API server (``SubprocessASGIServer``):
#: no UI, the ephemeral server's settings.
_SERVER_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
#: Exit code of the server when its port was taken meanwhile (uvicorn's startup failure): start
#: again on another one.
_PORT_TAKEN = 3


def _server_command(port: int) -> list[str]:
    """Prefect's server app under uvicorn, as Prefect runs it (``flows/api_server.py``)."""
    return [sys.executable, "-m", "seesaw.flows.api_server", str(port)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EphemeralApi:
    """Prefect's ephemeral API, started at once and bound to this process.

    Prefect would start the same server (``python -m uvicorn … create_app``) on the flow's first
    API call, after importing its whole server package into this process first (4 s of a 2-core
    machine's time). Here the child is launched before anything of Prefect is imported, boots
    while seesaw imports its flows, and ``serving`` points the flow's clients at it.
    ``command`` (a port -> argv function) is for tests.
    """

    def __init__(self, command: Callable[[int], list[str]] = _server_command) -> None:
        self._command = command
        self._child: subprocess.Popen[bytes] | None = None
        self._port = 0

    def start(self) -> None:
        """Launch the child unless ``PREFECT_API_URL`` in the environment names a server."""
        if os.environ.get("PREFECT_API_URL"):
            return
        self._port = _free_port()
        self._child = subprocess.Popen(self._command(self._port), env={**os.environ, **_SERVER_ENV},
                                       preexec_fn=_bound_to(os.getpid()))
        atexit.register(self.stop)  # registered first, so it runs after Prefect's own exit hooks

    def stop(self) -> None:
        """Stop the child (SIGTERM, then SIGKILL after 5 s)."""
        if self._child is None:
            return
        child, self._child = self._child, None
        child.terminate()
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()

    @contextmanager
    def serving(self) -> Iterator[None]:
        """Wait until the child answers, then run the block with Prefect's clients pointed at it.
        A server configured in a Prefect profile wins: the child is stopped unused."""
        from prefect.settings import (
            PREFECT_API_URL,
            PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
            temporary_settings,
        )

        if self._child is None or PREFECT_API_URL.value():
            self.stop()
            yield
            return
        self._wait(float(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()))
        with temporary_settings({PREFECT_API_URL: f"http://127.0.0.1:{self._port}/api"}):
            yield

    def _wait(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self._child is not None
            code = self._child.poll()
            if code == _PORT_TAKEN:
                self._child = None
                self.start()
                continue
            if code is not None:
                raise RuntimeError(f"Prefect's ephemeral API server exited with code {code} while starting")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self._port}/api/health", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"Prefect's ephemeral API server did not answer within {timeout_s:g} s")


def ephemeral_api(command: Callable[[int], list[str]] = _server_command) -> EphemeralApi:
    """Start Prefect's ephemeral API now (see ``EphemeralApi``). It stops when this process exits,
    after Prefect has drained its log and event queues into it, or dies with it."""
    api = EphemeralApi(command)
    api.start()
    return api


def _quietly(call: Callable[[], object]) -> None:
    """``call()``, its failure ignored: the process is about to exit with 130 either way."""
    try:
        call()
    except Exception:  # nothing is left to tell: the exit follows
        pass


@contextmanager
def prompt_exit_on_interrupt(limit_s: float = INTERRUPT_EXIT_S,
                             on_expiry: Callable[[], object] | None = None) -> Iterator[None]:
    """Ctrl-C (SIGINT) raises ``KeyboardInterrupt`` as usual, so the run records itself as
    cancelled, and the process exits with 130 at the latest ``limit_s`` (plus at most
    ``EXPIRY_S``) after the signal.

    The bound matters because Prefect waits for running tasks (a model fit can take minutes)
    and the interpreter joins worker threads at exit. The signal is seen through a wake-up pipe
    the moment it arrives, even while the main thread is busy in C code. When the bound expires
    first (the main thread still inside a long database statement on a loaded machine),
    ``on_expiry`` runs before the exit, for up to ``EXPIRY_S``: the CLI records the run as
    cancelled there. Ending mid-write loses nothing: every warehouse write is a transaction (the
    kill -9 trials show it).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    previous = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)

    def watch() -> None:
        with os.fdopen(read_end, "rb", buffering=0) as signals:
            while chunk := signals.read(64):  # empty once the block has ended
                if signal.SIGINT in chunk:
                    time.sleep(limit_s)
                    if on_expiry is not None:
                        last = threading.Thread(target=_quietly, args=(on_expiry,), daemon=True)
                        last.start()
                        last.join(EXPIRY_S)
                    os._exit(INTERRUPTED)  # no flush: the main thread may hold the stream locks

    threading.Thread(target=watch, name="seesaw-interrupt-watch", daemon=True).start()
    try:
        yield
    finally:
        signal.set_wakeup_fd(previous)
        os.close(write_end)
