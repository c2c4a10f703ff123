"""Warehouse on a read-only or full disk (clear error, nothing corrupted) and a damaged WAL
after a kill -9 (the documented recovery path, exercised end to end)."""
from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from faults.fault_runner import (
    AFTER_SCALE,
    SERIES,
    Fixture,
    build_fixture,
    content_digests,
    run_pipeline,
    series_contents,
)

from seesaw.warehouse import load as wload
from seesaw.warehouse.db import WarehouseError, connect


@pytest.fixture(scope="module")
def fx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fixture]:
    fixture = build_fixture(Path(tmp_path_factory.mktemp("storage")))
    yield fixture
    fixture.server.close()


def _copy_before(fx: Fixture, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    db = directory / "w.duckdb"
    shutil.copy(fx.before_db, db)
    return db


def _run2(db: Path, fx: Fixture):
    return run_pipeline(db, fx.profile, full=True, scale=AFTER_SCALE)


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make ``path`` unwritable: ``chattr +i`` as root (root ignores modes), chmod otherwise."""
    if os.geteuid() == 0:
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)],
                                                             capture_output=True).returncode != 0:
            pytest.skip("running as root and chattr +i is unavailable here")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)


@pytest.mark.parametrize("what", ["file", "directory"])
def test_read_only_warehouse_gives_a_clear_error_and_stays_intact(what: str, fx: Fixture, tmp_path: Path) -> None:
    """A read-only warehouse file, or a writable file in a read-only directory (no WAL can be
    created), must fail with ``WarehouseError`` naming the warehouse, and change nothing."""
    db = _copy_before(fx, tmp_path / "ro")
    digests = content_digests(db)
    with read_only(db if what == "file" else db.parent):
        with pytest.raises(WarehouseError, match="w.duckdb"):
            _run2(db, fx)
    assert content_digests(db) == digests
    assert series_contents(db) == fx.before


def test_full_disk_fails_cleanly_and_loses_nothing(fx: Fixture, tmp_path: Path) -> None:
    """A real full disk: the warehouse on a tmpfs just larger than the file (needs mount rights)."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    size_kb = fx.before_db.stat().st_size // 1024 + 256
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(mnt)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        db = _copy_before(fx, mnt)
        digests = content_digests(db)
        outcome: BaseException | None = None
        try:
            summary = _run2(db, fx)
        except Exception as exc:  # the run may stop at its first write
            outcome = exc
        else:
            assert summary.status in ("partial", "failed"), summary.message
        if outcome is not None:
            assert isinstance(outcome, WarehouseError), f"{type(outcome).__name__}: {outcome}"
            assert "space" in str(outcome).lower()
        Path(f"{db}.wal").unlink(missing_ok=True)
        assert series_contents(db) == fx.before
        assert content_digests(db) == digests
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def test_no_space_inside_a_load_rolls_back_that_series_only(fx: Fixture, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """ENOSPC raised inside one series' load transaction: that series fails with the OS error
    recorded, keeps its before content; the others load (runs everywhere, no root needed)."""
    db = _copy_before(fx, tmp_path / "enospc")
    real = wload._write_core

    def write_core(con, series_id, *args, **kwargs):
        real(con, series_id, *args, **kwargs)
        if series_id == "us_aaa":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(wload, "_write_core", write_core)
    summary = _run2(db, fx)
    assert summary.exit_code == 2
    failed = {r.series_id: r.error for r in summary.loads if r.status == "failed"}
    assert list(failed) == ["us_aaa"] and "No space left on device" in failed["us_aaa"]
    contents = series_contents(db)
    assert contents["us_aaa"] == fx.before["us_aaa"]
    assert all(contents[s] == fx.after[s] for s in SERIES if s != "us_aaa")


def _crash_mid_load(fx: Fixture, db: Path) -> Path:
    """kill -9 the run after two series committed (their changes live only in the WAL)."""
    from faults.fault_runner import _kill

    tag, pid = fx.server.start(db, AFTER_SCALE, True)
    while fx.server.next(tag, timeout=120) != "loaded us_aaa":
        pass
    _kill(pid)
    wal = Path(f"{db}.wal")
    assert wal.stat().st_size > 0
    return wal


@pytest.mark.parametrize("damage", ["truncated", "corrupt_entry"])
def test_damaged_wal_recovery_path(damage: str, fx: Fixture, tmp_path: Path) -> None:
    """The documented recovery: if the warehouse refuses to open because of its WAL, move
    ``<db>.wal`` aside (the warehouse reverts to its last checkpoint, which only ever holds
    whole series loads), then run again: the run re-fetches and ends identical to a clean run."""
    db = _copy_before(fx, tmp_path / damage)
    wal = _crash_mid_load(fx, db)
    data = wal.read_bytes()
    half = len(data) // 2
    if damage == "truncated":
        wal.write_bytes(data[:half])
    else:
        wal.write_bytes(data[:half] + bytes(b ^ 0xFF for b in data[half:half + 64]) + data[half + 64:])

    try:
        with connect(db):
            pass
    except WarehouseError as exc:
        assert damage == "corrupt_entry", exc
        assert "WAL" in str(exc) and str(db) in str(exc)
        wal.rename(f"{wal}.damaged")  # step 1 of the recovery: set the damaged WAL aside
    contents = series_contents(db)
    assert all(contents[s] in (fx.before[s], fx.after[s]) for s in SERIES)
    summary = _run2(db, fx)  # step 2: run again
    assert summary.status == "ok", summary.message
    digests = content_digests(db)
    assert digests == fx.clean_digests
    assert {t: d for t, d in digests.items() if not t.startswith("raw.")} == fx.fresh_digests
