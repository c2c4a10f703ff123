"""How a writing seesaw process ends: Prefect's ephemeral API dies with it, Ctrl-C ends it promptly.

Prefect 3 runs its ephemeral API as a child process (``python -m uvicorn …``, about 240 MB) and
stops it from an ``atexit`` hook, which never runs when its parent is killed (kill -9, out of
memory): the server was left behind after every kill. ``ephemeral_api`` starts it before the
flow, with Linux's parent-death signal set, so the kernel stops it when seesaw dies in any way,
and in its own process group, so a Ctrl-C at the terminal reaches seesaw (which records the run
as cancelled) rather than the API it still needs to say so. It boots (seconds) while seesaw
imports its flows.
"""
from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

#: Seconds from a Ctrl-C to the latest exit (the run is recorded as cancelled before that),
#: leaving a margin below 5 s for a thread woken on a busy machine.
INTERRUPT_EXIT_S = 3.0
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


class _ParentBoundSubprocess:
    """The ``subprocess`` module as Prefect's server module sees it: its children die with us."""

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)

    def Popen(self, args: str | Sequence[str], **kwargs: Any) -> subprocess.Popen[Any]:  # noqa: N802 - mirrors subprocess.Popen
        return subprocess.Popen(args, preexec_fn=_bound_to(os.getpid()), **kwargs)


@contextmanager
def ephemeral_api() -> Iterator[None]:
    """Start Prefect's ephemeral API (unless ``PREFECT_API_URL`` names a server) while the block
    runs, bound to this process, and wait at the block's end until it answers.

    Its child process boots while the block imports the flows. The starting thread stays, blocked,
    for the life of the process: the parent-death signal follows the thread that forks.
    """
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        yield
        return
    from prefect.server.api import server

    if sys.platform == "linux":
        # the module's own ``subprocess`` global (not exported, so set through its namespace)
        vars(server)["subprocess"] = _ParentBoundSubprocess()
    answered = threading.Event()
    failed: list[BaseException] = []

    def start() -> None:
        try:
            server.SubprocessASGIServer().start()  # a singleton: the flow's clients reuse it
        except BaseException as exc:  # raised in the caller's thread below
            failed.append(exc)
        finally:
            answered.set()
        threading.Event().wait()

    threading.Thread(target=start, name="seesaw-prefect-api", daemon=True).start()
    yield
    answered.wait()
    if failed:
        raise failed[0]


@contextmanager
def prompt_exit_on_interrupt(limit_s: float = INTERRUPT_EXIT_S) -> Iterator[None]:
    """Ctrl-C (SIGINT) raises ``KeyboardInterrupt`` as usual, so the run records itself as
    cancelled, and the process exits with 130 at the latest ``limit_s`` after the signal.

    The bound matters because Prefect waits for running tasks (a model fit can take minutes)
    and the interpreter joins worker threads at exit. The signal is seen through a wake-up pipe
    the moment it arrives, even while the main thread is busy in C code. Ending mid-write loses
    nothing: every warehouse write is a transaction (the kill -9 trials show it).
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
                    os._exit(INTERRUPTED)  # no flush: the main thread may hold the stream locks

    threading.Thread(target=watch, name="seesaw-interrupt-watch", daemon=True).start()
    try:
        yield
    finally:
        signal.set_wakeup_fd(previous)
        os.close(write_end)
