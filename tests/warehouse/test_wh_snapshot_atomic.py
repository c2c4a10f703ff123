"""Snapshot swap is atomic under a reader loop: real writer and reader processes, 20 publishes.

Generation g writes tables whose row counts follow known formulas and whose every row carries g;
the reader checks each opened snapshot against its manifest and against those formulas, so a
half-written or mixed snapshot (tables from two generations) is caught.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from seesaw.warehouse.snapshot import open_snapshot, publish_snapshot

REPO = Path(__file__).resolve().parents[2]
GENERATIONS = 20

COMMON = """
def expected_rows(table, g):
    return {"results.a": 100 + 997 * g % 4000, "results.b": 50 + 37 * g, "core.c": 3000 - 61 * g}[table]

def write_generation(con, g):
    con.execute("create schema if not exists results; create schema if not exists core")
    for table in ("results.a", "results.b", "core.c"):
        con.execute(f"create or replace table {table} as"
                    f" select {g} as gen, i, random() as noise from range({expected_rows(table, g)}) t(i)")
"""

WRITER = COMMON + """
import os, sys, time, duckdb
from seesaw.warehouse.snapshot import publish_snapshot
db, first, last, done, wait_for = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
deadline = time.monotonic() + 30
while not os.path.exists(wait_for) and time.monotonic() < deadline:  # the reader is looping
    time.sleep(0.01)
con = duckdb.connect(db)
for g in range(first, last + 1):
    write_generation(con, g)
    publish_snapshot(con, db, run_id=f"gen-{g}", grace_s=0)
con.close()
open(done, "w").close()
"""

READER = COMMON + """
import json, os, sys, time
import duckdb

from seesaw.warehouse.snapshot import open_snapshot, publish_snapshot
db, limit_s, done, started = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
reads, seen, errors = 0, [], []
deadline = time.monotonic() + limit_s
while time.monotonic() < deadline:
    writer_done = os.path.exists(done)
    try:
        with open_snapshot(db) as con:
            g = int(con.manifest["run_id"].split("-")[1])
            for table, entry in sorted(con.manifest["tables"].items()):
                n, low, high = con.execute(f"select count(*), min(gen), max(gen) from {table}").fetchone()
                if not (n == entry["rows"] == expected_rows(table, g) and low == high == g):
                    errors.append(f"gen {g} {table}: {n} rows (manifest {entry['rows']}), gen {low}..{high}")
        reads += 1
        if reads == 1:
            open(started, "w").close()
        if not seen or seen[-1] != g:
            seen.append(g)
    except Exception as exc:
        errors.append(repr(exc))
    if writer_done:
        break
print(json.dumps({"reads": reads, "seen": seen, "errors": errors[:20], "n_errors": len(errors)}))
"""


def _python(code: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=REPO, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_reader_never_sees_a_partial_or_mixed_snapshot(tmp_path: Path) -> None:
    db = tmp_path / "seesaw.duckdb"
    first = _python(WRITER, str(db), "0", "0", str(tmp_path / "first.done"), str(tmp_path))  # generation 0
    assert first.wait(60) == 0, first.stderr.read()

    done = tmp_path / "writer.done"
    started = tmp_path / "reader.started"
    reader = _python(READER, str(db), "60", str(done), str(started))
    writer = _python(WRITER, str(db), "1", str(GENERATIONS), str(done), str(started))
    _, writer_err = writer.communicate(timeout=120)
    assert writer.returncode == 0, writer_err
    reader_out, reader_err = reader.communicate(timeout=120)
    assert reader.returncode == 0, reader_err
    result = json.loads(reader_out)

    assert result["n_errors"] == 0, result["errors"]
    assert result["seen"] == sorted(result["seen"])  # generations only move forward
    assert result["seen"][-1] == GENERATIONS  # it read after the last publish
    assert len(result["seen"]) >= 3, result  # and overlapped with the writer
    assert result["reads"] >= len(result["seen"])

    with open_snapshot(db) as snap:
        assert snap.manifest["run_id"] == f"gen-{GENERATIONS}"
        assert snap.execute("select count(*) from core.c").fetchone()[0] == 3000 - 61 * GENERATIONS
    # a version the reader held during the last publish survives it; the next publish removes it
    assert len(list((tmp_path / "seesaw.snapshots").iterdir())) in (2, 3)
    con = duckdb.connect(str(db), read_only=True)
    publish_snapshot(con, db, run_id="gen-final", grace_s=0)
    con.close()
    assert len(list((tmp_path / "seesaw.snapshots").iterdir())) == 2
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary links
