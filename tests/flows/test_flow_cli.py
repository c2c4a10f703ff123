"""CLI contract: read-only query, status, series, formats and exit codes."""
import json
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from seesaw.flows.cli import main
from seesaw.warehouse.query import run_read_only


def test_query_formats(sample_db: Path, capsys) -> None:
    assert main(["--db", str(sample_db), "query", "select series_id from core.series order by 1 limit 2",
                 "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["series_id"] for r in rows] == ["gl_brent_m", "gl_wti"]
    assert main(["--db", str(sample_db), "query", "select 1 as one", "--format", "csv"]) == 0
    assert capsys.readouterr().out.split() == ["one", "1"]


@pytest.mark.parametrize("sql", [
    "delete from core.observations",
    "select 1; drop table core.series",
    "create table results.x as select 1",
    "copy core.series to 'out.csv'",
    "attach 'other.duckdb' as o",
])
def test_query_refuses_writes_and_changes_nothing(sample_db: Path, sql: str, capsys) -> None:
    count = run_read_only(sample_db, "select count(*) as n from core.observations")["n"][0]
    assert main(["--db", str(sample_db), "query", sql]) == 1
    assert "read-only" in capsys.readouterr().err
    assert run_read_only(sample_db, "select count(*) as n from core.observations")["n"][0] == count


def test_status_and_series(sample_db: Path, capsys) -> None:
    assert main(["--db", str(sample_db), "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    by_id = {s["series_id"]: s for s in status["series"]}
    assert by_id["us_aaa"]["last_date"].startswith("2018-12-01")
    assert by_id["us_aaa"]["stale"] is True  # sample data ends in 2018
    assert status["runs"][0]["status"] == "ok"
    assert main(["--db", str(sample_db), "series"]) == 0
    assert "us_ff_mkt" in capsys.readouterr().out


def test_missing_warehouse_is_a_clear_error(tmp_path: Path, capsys) -> None:
    assert main(["--db", str(tmp_path / "none.duckdb"), "status"]) == 1
    assert "seesaw run" in capsys.readouterr().err


TYPOS = """
import contextlib, io, json, sys
from seesaw.flows.cli import main
out = []
for argv in json.loads(sys.argv[1]):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code
    out.append([code, err.getvalue()])
print(json.dumps({"results": out, "prefect_imported": "prefect" in sys.modules}))
"""


def test_typos_fail_in_one_line_before_prefect_starts(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys
    import time

    db = str(tmp_path / "new" / "w.duckdb")
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    cases = {
        "profile 'smaple' not found": ["--db", db, "run", "--profile", "smaple"],
        "unknown series for profile 'sample': bogus": ["run", "--db", db, "--series", "us_aaa,bogus"],
        "--end 2019-01-01 is before --start 2020-01-02": ["--db", db, "run", "--start", "2020-01-02",
                                                          "--end", "2019-01-01"],
        "before --start": ["--db", db, "backfill", "--start", "2020-01-02", "--end", "2019-01-01"],
        "is not a directory": ["--db", db, "run", "--profile", "files", "--data-dir", str(tmp_path / "none")],
        "not a date (YYYY-MM-DD): '2020-13-01'": ["--db", db, "run", "--start", "2020-13-01"],
        "unknown task runner 'threads'": ["--db", db, "backfill", "--start", "2020-01-01", "--end", "2020-02-01",
                                          "--task-runner", "threads"],
        "unrecognized arguments: --bogus": ["--db", db, "run", "--bogus"],
        "not a Dask scheduler address 'notanaddress'": ["--db", db, "run", "--task-runner", "dask=notanaddress"],
        f"no Dask scheduler answers at 127.0.0.1:{closed_port}": [
            "--db", db, "run", "--task-runner", f"dask=tcp://127.0.0.1:{closed_port}"],
        f"--task-runner dask=127.0.0.1:{closed_port}: no Dask scheduler answers": [
            "--db", db, "replay", "--start", "2020-01-01", "--end", "2020-02-01",
            "--task-runner", f"dask=127.0.0.1:{closed_port}"],
    }
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", TYPOS, json.dumps(list(cases.values()))], capture_output=True,
                          text=True, timeout=120, env={**os.environ})
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["prefect_imported"] is False  # refused before the slow Prefect start
    for (words, argv), (code, err) in zip(cases.items(), report["results"], strict=True):
        assert code == 1, (argv, err)
        assert words in err and "Traceback" not in err, (argv, err)
        if "usage" not in err:
            assert len(err.strip().splitlines()) == 1, err
    assert elapsed < 5 * len(cases)
    assert not (tmp_path / "new").exists()  # nothing created for a refused command


def test_db_is_accepted_before_and_after_the_command(sample_db: Path, capsys) -> None:
    from seesaw.flows.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["--db", "a.duckdb", "run"]).db == "a.duckdb"
    assert parser.parse_args(["run", "--db", "b.duckdb"]).db == "b.duckdb"
    assert parser.parse_args(["--db", "a.duckdb", "run", "--db", "b.duckdb"]).db == "b.duckdb"
    assert parser.parse_args(["status"]).db is None and parser.parse_args(["status", "--debug"]).debug
    assert main(["status", "--db", str(sample_db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["warehouse"] == str(sample_db.resolve())


def test_usage_errors_exit_1_not_the_partial_code(capsys) -> None:
    for argv in (["run", "--bogus"], ["nosuchcommand"], [], ["backfill", "--start", "2020-01-01"]):
        with pytest.raises(SystemExit) as caught:
            main(argv)
        assert caught.value.code == 1, argv
        assert "error:" in capsys.readouterr().err


def test_a_url_given_as_an_argument_is_never_echoed(capsys) -> None:
    """The old `--publish URL` form is a usage error whose message must not repeat the password."""
    for argv in (["run", "--publish", "postgresql://seesaw:hunter2-secret@db.example/warehouse"],
                 ["run", "--notify", "https://hooks.example/services/T0/B0/hunter2-secret"]):
        with pytest.raises(SystemExit) as caught:
            main(argv)
        err = capsys.readouterr().err
        assert caught.value.code == 1 and "hunter2" not in err
        assert "URLs are not command-line arguments" in err and "SEESAW_PUBLISH_URL" in err


def test_debug_shows_the_traceback_of_an_expected_error(capsys) -> None:
    from seesaw.sources.catalog import ProfileError

    assert main(["run", "--profile", "smaple"]) == 1
    assert capsys.readouterr().err.startswith("error: profile 'smaple' not found")
    with pytest.raises(ProfileError, match="smaple"):
        main(["run", "--profile", "smaple", "--debug"])


def test_a_warehouse_directory_that_cannot_be_created_is_one_line(tmp_path: Path, capsys) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    db = tmp_path / "a-file" / "sub" / "w.duckdb"
    assert main(["run", "--db", str(db), "--series", "us_aaa"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot create directory {db.parent} for the warehouse: ") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_output_piped_into_head_ends_quietly(tmp_path: Path) -> None:
    """`seesaw query … | head`: the reader closing the pipe is no error worth a traceback."""
    from seesaw.warehouse.db import connect

    db = tmp_path / "w.duckdb"
    with connect(db):
        pass
    proc = subprocess.Popen([sys.executable, "-m", "seesaw.flows.cli", "--db", str(db), "query",
                             "select range as n from range(500000)", "--format", "csv"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline() == "n\n"
    proc.stdout.close()  # what `head -1` does after its line
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 141 and "Traceback" not in err and "Error" not in err, err


def test_missing_warehouse_directory_is_created_and_said(tmp_path: Path, capsys) -> None:
    from seesaw.flows.cli import _warehouse_for_writing

    db = _warehouse_for_writing(str(tmp_path / "a" / "b" / "w.duckdb"))
    assert db.parent.is_dir()
    assert capsys.readouterr().err == f"created directory {db.parent.resolve()} for the warehouse\n"
    _warehouse_for_writing(str(db))
    assert capsys.readouterr().err == ""


def test_query_prints_integers_empty_missing_values_and_byte_counts(sample_db: Path, capsys) -> None:
    sql = ("select n, null::integer as k, 'abc'::blob as state, null::varchar as message from results.correlations"
           " where window_size = 36 limit 1")
    assert main(["--db", str(sample_db), "query", sql]) == 0
    out = capsys.readouterr().out
    assert out.split("\n")[1].split() == ["36", "<3", "bytes>"]
    assert "36.0" not in out and "NaN" not in out and "<NA>" not in out and "abc" not in out
    assert main(["--db", str(sample_db), "query", sql, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"n": 36, "k": None, "state": "<3 bytes>", "message": None}]
    assert main(["--db", str(sample_db), "query", sql, "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["n,k,state,message", "36,,<3 bytes>,"]


def test_query_markdown_format(sample_db: Path, capsys) -> None:
    sql = "select 'a|b' as pair, 36.0 as n, null as note union all select 'c', 12, 'x'"
    assert main(["--db", str(sample_db), "query", sql, "--format", "markdown"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "| pair | n | note |", "|---|---|---|", "| a\\|b | 36 |  |", "| c | 12 | x |"]


def test_series_and_run_summary_name_series_beside_their_ids(sample_db: Path, capsys) -> None:
    from datetime import date

    from seesaw.flows.cli import _report_run
    from seesaw.pipeline import RunSummary
    from seesaw.warehouse.load import LoadResult

    aaa = "Moody's seasoned Aaa corporate bond yield"
    assert main(["--db", str(sample_db), "series"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert any(line.split()[:2] == ["us_aaa", "Moody's"] and aaa in line for line in listed)
    summary = RunSummary(run_id="r1", status="ok", message="1/1 series loaded",
                         loads=[LoadResult("us_aaa", 1200, 1200, 0, 0, date(1919, 1, 1), date(2018, 12, 1), "ok")],
                         analyses=[{"step": "returns", "status": "ok", "rows_written": 3746, "message": None}])
    assert _report_run(summary, sample_db) == 0
    lines = capsys.readouterr().out.splitlines()
    loaded = lines[lines.index("loaded:") + 2]
    assert loaded.split()[:2] == ["us_aaa", "Moody's"] and aaa in loaded and "NaN" not in loaded
    assert lines[lines.index("analyses:") + 2].split() == ["returns", "ok", "3746"]
    assert f"US: S&P 500 index (adjusted close) vs {aaa} (us_spx / us_aaa)" in lines


def test_text_columns_are_left_aligned_without_trailing_blanks() -> None:
    """A long message must not push every short one far to the right (the run summary's analyses)."""
    from seesaw.flows.tables import table_text

    frame = pd.DataFrame({"step": ["dcc", "sign_agreement"], "rows_written": [1110.0, 2.0],
                          "message": ["stale since 2018-11-30: " + "x" * 300, None]})
    lines = table_text(frame).splitlines()
    assert lines[0].split() == ["step", "rows_written", "message"]
    assert lines[1].startswith("dcc            1110") and lines[2] == "sign_agreement 2"
    assert all(line == line.rstrip() for line in lines)
