"""Fault-injection figures: kill -9 trials, isolated source failures, junk inputs.

Usage: ``python bench/bench_faults.py [--trials 200] [--seed N]`` (the long local mode of
``tests/faults``; CI runs 20 kill trials). Prints the figures table against its targets:
rows lost 0, rows duplicated 0, failures isolated n/n, crashes 0.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from faults.fault_runner import kill_campaign  # noqa: E402


def _pytest(*paths: str) -> str:
    """Run pytest on ``paths`` (real subprocess) and return its combined output."""
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", *paths],
                          cwd=REPO, capture_output=True, text=True)
    return done.stdout + done.stderr


def _count(pattern: str, text: str) -> int:
    found = re.search(pattern, text)
    return int(found.group(1)) if found else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args()

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        trials = kill_campaign(Path(tmp), args.trials, seed=args.seed)
    kill_s = time.perf_counter() - started
    killed = sum(t.killed for t in trials)
    mixed = sum(len(set(t.series_state.values())) == 2 for t in trials)
    partial = sum("partial" in t.series_state.values() for t in trials)
    unopened = sum(not t.opened for t in trials)
    lost = sum(t.rows_lost for t in trials)
    duplicated = sum(t.rows_duplicated for t in trials)
    identical = sum(t.recovered_identical for t in trials)

    isolation = _pytest("tests/faults/test_fault_sources.py")
    cases_ok = _count(r"(\d+) passed", isolation)
    cases = cases_ok + _count(r"(\d+) failed", isolation) + _count(r"(\d+) errors?", isolation)

    props = _pytest("tests/property")
    junk = _count(r"junk inputs tried: (\d+)", props)
    crashes = _count(r"(\d+) failed", props)
    crashed = sorted(set(re.findall(r"FAILED \S+::(\w+)", props)))

    rows = [
        ("kill -9 trials run", f"{len(trials)} ({killed} killed mid-run, {mixed} between series commits)", ">= 20"),
        ("warehouse failed to open", unopened, 0),
        ("series caught with a partial range", partial, 0),
        ("rows lost", lost, 0),
        ("rows duplicated", duplicated, 0),
        ("next run identical to a clean run", f"{identical}/{len(trials)}", f"{len(trials)}/{len(trials)}"),
        ("source failures isolated", f"{cases_ok}/{cases}", f"{cases}/{cases}"),
        ("junk inputs tried (property tests)", junk, "> 0"),
        ("crashes (parser tests with an untyped error)", crashes, 0),
    ]
    print(f"\nfault-injection figures ({kill_s:.0f} s for the kill trials)\n")
    print(f"| {'figure':<46} | {'measured':<44} | target |")
    print(f"|{'-' * 48}|{'-' * 46}|--------|")
    for name, measured, target in rows:
        print(f"| {name:<46} | {str(measured):<44} | {target} |")
    if crashed:
        print(f"\nparser tests that crashed: {', '.join(crashed)}")
    for t in trials:
        if t.errors:
            print(f"trial {t.trial} ({t.last_phase}): {'; '.join(t.errors)}")
    return 0 if lost == duplicated == unopened == partial == crashes == 0 and identical == len(trials) else 1


if __name__ == "__main__":
    sys.exit(main())
