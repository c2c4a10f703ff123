"""A throw-away PostgreSQL server on loopback for tests (``pg_url`` fixture).

Skipped cleanly when the server binaries (Debian package ``postgresql``) are absent.
"""
from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

psycopg = pytest.importorskip("psycopg")


def _pg_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """URL (with a password) of a throw-away PostgreSQL server on 127.0.0.1, stopped at teardown."""
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries absent (Debian: apt-get install postgresql)")
    prefix: list[str] = []
    owner = None
    if os.geteuid() == 0:  # the server refuses to run as root
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run the server")
        prefix = ["runuser", "-u", "postgres", "--"]
    base = Path(tempfile.mkdtemp(prefix="seesaw-pg-"))
    password = secrets.token_urlsafe(12)
    (base / "pw").write_text(password + "\n")
    if owner is not None:
        for path in (base, base / "pw"):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    port = free_port()

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=60)

    run(str(bindir / "initdb"), "-D", str(base / "data"), "-U", "seesaw", f"--pwfile={base / 'pw'}",
        "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync")
    options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off"
               " -c full_page_writes=off -c synchronous_commit=off")
    run(str(bindir / "pg_ctl"), "-D", str(base / "data"), "-l", str(base / "log"), "-w", "-t", "30",
        "-o", options, "start")
    try:
        with psycopg.connect(host="127.0.0.1", port=port, user="seesaw", password=password, dbname="postgres",
                             autocommit=True) as admin:
            admin.execute("create database team")
        yield f"postgresql://seesaw:{password}@127.0.0.1:{port}/team"
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(base / "data"), "-m", "immediate", "stop"],
                       check=False, capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)
