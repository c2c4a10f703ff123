"""One writing run per warehouse: an exclusive advisory lock on ``<db>.lock`` naming its holder.

DuckDB's own file lock only covers an open connection, and a run opens many short ones, so a
second ``seesaw run`` could interleave with the first. ``run_lock`` spans the whole run. It uses
``flock``, which the kernel releases when the holder dies (even on ``kill -9``), so a lock file
left behind by a dead process never blocks anyone: its content is information, not the lock.

The lock belongs to the open file description: a child made by ``fork`` (not ``exec``) inherits
it and keeps it held after the parent exits, until the child exits too.

The lock is re-entrant within one process: the CLI takes it before Prefect starts (so a second
writer is refused at once) and the flow, which also runs without the CLI, takes it again inside.

A holder that dies without releasing leaves its information in the file (a clean release clears
it): ``stale_holder`` reads it, so ``status`` shows that run as crashed before the next run
records it so.
"""
from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypedDict, Unpack, cast

from seesaw.warehouse.db import WarehouseError

#: How long an acquirer retries, so a reader's momentary probe (``lock_holder``) never refuses a run.
ACQUIRE_GRACE_S = 0.25


class HolderInfo(TypedDict, total=False):
    """What the run lock file says about its holder (any key may be absent: read from a file)."""

    pid: int
    host: str
    command: str
    started_at: str
    warehouse: str
    # added by ``update_holder`` once the run is known
    run_id: str
    flow: str
    profile: str


class RunLockedError(WarehouseError):
    """Another process holds the run lock; ``holder`` is its information (empty if unreadable)."""

    def __init__(self, message: str, holder: HolderInfo) -> None:
        super().__init__(message)
        self.holder = holder


def lock_path(db: str | os.PathLike[str]) -> Path:
    """The sidecar lock file of a warehouse: ``<db>.lock``."""
    db = Path(db)
    return db.with_name(db.name + ".lock")


def _command_line() -> str:
    return " ".join([Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python", *sys.argv[1:]])


def _read_info(fd: int) -> HolderInfo:
    """Holder information; retried briefly because the holder writes it just after locking."""
    for _ in range(20):
        text = os.pread(fd, 65536, 0).decode("utf-8", "replace")
        try:
            info = json.loads(text)
        except ValueError:
            time.sleep(0.01)
            continue
        if isinstance(info, dict):
            return cast(HolderInfo, info)  # JSON this module wrote (see ``run_lock``)
    return {}


def describe_holder(db: str | os.PathLike[str], holder: HolderInfo) -> str:
    """One human sentence naming who writes the warehouse and since when (UTC)."""
    if not holder:
        return f"warehouse {db} is being written by another process"
    started = holder.get("started_at", "")
    try:
        started = datetime.fromisoformat(started).astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
    except (TypeError, ValueError):
        started = started or "an unknown time"
    host = holder.get("host")
    where = f" on {host}" if host and host != socket.gethostname() else ""
    command = f" ({holder['command']})" if holder.get("command") else ""
    return f"warehouse {db} is being written by pid {holder.get('pid', '?')}{where}{command} since {started}"


def locked_error(db: str | os.PathLike[str], holder: HolderInfo) -> RunLockedError:
    """The error a second writer gets: who holds the warehouse, and what to do instead."""
    return RunLockedError(f"{describe_holder(db, holder)}; try again later or read the published snapshot", holder)


def _probe(db: str | os.PathLike[str]) -> tuple[bool, HolderInfo]:
    """(held, information in the file), probing with a shared lock taken and dropped at once."""
    try:
        fd = os.open(lock_path(db), os.O_RDONLY)
    except (FileNotFoundError, NotADirectoryError):  # no lock file, or no directory that could hold one
        return False, {}
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True, _read_info(fd)
        try:
            text = os.pread(fd, 65536, 0).decode("utf-8", "replace")
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
        try:
            info = json.loads(text) if text else {}
        except ValueError:
            info = {}
        return False, cast(HolderInfo, info) if isinstance(info, dict) else {}
    finally:
        os.close(fd)


def lock_holder(db: str | os.PathLike[str]) -> HolderInfo | None:
    """Information about the process holding the run lock, or None when no run holds it.

    ``run_lock`` retries for ``ACQUIRE_GRACE_S`` so this probe never refuses a run that starts
    at that instant.
    """
    held, info = _probe(db)
    return info if held else None


def stale_holder(db: str | os.PathLike[str]) -> HolderInfo | None:
    """The information a run left when it died holding the lock (killed, crashed), else None.

    Gone once the next run takes the lock (that run records the dead one as ``crashed``).
    """
    held, info = _probe(db)
    return None if held or not info else info


@dataclass
class _Held:
    """A run lock this process holds: its descriptor, information and nesting depth."""

    fd: int
    info: HolderInfo
    depth: int = 1


#: Run locks held by this process, by lock file (resolved), so nested ``run_lock`` calls re-enter.
_held: dict[Path, _Held] = {}
_held_guard = threading.Lock()


def update_holder(db: str | os.PathLike[str], **fields: Unpack[HolderInfo]) -> None:
    """Add ``fields`` (e.g. the run id) to the information of a run lock this process holds."""
    with _held_guard:
        held = _held.get(lock_path(db).resolve())
        if held is None:
            raise WarehouseError(f"run lock of {db} is not held by this process")
        held.info.update(fields)
        _write_info(held.fd, held.info)


def clear_holder(db: str | os.PathLike[str]) -> None:
    """Clear the information of a run lock this process holds, as releasing it would: for a
    process about to exit without unwinding (its run already closed), so it leaves no stale holder."""
    with _held_guard:
        held = _held.get(lock_path(db).resolve())
        if held is None:
            raise WarehouseError(f"run lock of {db} is not held by this process")
        os.ftruncate(held.fd, 0)


def _write_info(fd: int, info: HolderInfo) -> None:
    data = json.dumps(info).encode("utf-8")
    os.pwrite(fd, data, 0)
    os.ftruncate(fd, len(data))


@contextmanager
def run_lock(db: str | os.PathLike[str], command: str | None = None) -> Iterator[HolderInfo]:
    """Hold the warehouse's run lock for the ``with`` block; yield the holder information written.

    Re-entrant within one process: a nested call yields the outer holder information and the
    lock stays held until the outermost block ends.

    Parameters
    ----------
    db
        Warehouse path; the lock is the sidecar file ``<db>.lock`` (created if missing, never removed,
        so every process locks the same inode).
    command
        What to show other processes; defaults to this process's command line.

    Raises
    ------
    RunLockedError
        At once (after ``ACQUIRE_GRACE_S``) when another live process holds the lock; the message
        names its pid, command and start time (UTC).
    """
    db = Path(db)
    path = lock_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = path.resolve()
    with _held_guard:
        held = _held.get(key)
        if held is not None:
            held.depth += 1
    if held is not None:
        try:
            yield held.info
        finally:
            with _held_guard:
                held.depth -= 1
        return
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:  # a read-only or full directory: the warehouse could not be written either
        raise WarehouseError(f"warehouse {db} is not writable: cannot open its run lock {path} ({exc.strerror}); "
                             "check permissions and free space, then run again") from None
    try:
        deadline = time.monotonic() + ACQUIRE_GRACE_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise locked_error(db, _read_info(fd)) from None
                time.sleep(0.02)
        info: HolderInfo = {"pid": os.getpid(), "host": socket.gethostname(), "command": command or _command_line(),
                            "started_at": datetime.now(UTC).isoformat(timespec="seconds"), "warehouse": str(db)}
        _write_info(fd, info)
        with _held_guard:
            _held[key] = _Held(fd, info)
        try:
            yield info
        finally:
            with _held_guard:
                del _held[key]
            os.ftruncate(fd, 0)  # cleared while still held: a released lock shows no holder
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
