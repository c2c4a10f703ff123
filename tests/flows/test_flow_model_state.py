"""The nightly treats stored DCC state as data: unusable state means a refit, never a failure."""
from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from seesaw.warehouse.db import connect
from support import run_plain

SERIES = ["us_ff_mkt", "us_aaa"]  # the sample profile's DCC pair
FIT = "dcc-normal-US-us_ff_mkt~us_aaa-M"


class _Exploit:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def _fit(db: Path) -> tuple:
    with connect(db, read_only=True) as con:
        fit = con.execute("select params, loglik, nobs, path_end, state, fitted_at from results.model_fits"
                          " where fit_id = ?", [FIT]).fetchone()
        corr = con.execute("select obs_date, corr, t_stat from results.correlations where method = 'dcc'"
                           " order by obs_date").fetchall()
        step = con.execute("select status, message from ops.analyses where step = 'dcc'"
                           " order by finished_at desc limit 1").fetchone()
    return fit, corr, step


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple]:
    db = tmp_path_factory.mktemp("fresh") / "w.duckdb"
    assert run_plain(db, series=SERIES, tables=False).status == "ok"
    return db, _fit(db)


def _tamper_json(db: Path, state: str) -> None:
    with connect(db) as con:
        con.execute("update results.model_fits set state = ? where fit_id = ?", [state, FIT])


def _downgrade_to_pickled_state(db: Path, payload: bytes) -> None:
    """The warehouse as the previous release left it: a BLOB state column holding a pickle."""
    with connect(db) as con:
        con.execute("delete from ops.schema_version where name = '004_model_state_json'")
        con.execute("alter table results.model_fits drop column state")
        con.execute("alter table results.model_fits add column state blob")
        con.execute("update results.model_fits set state = ? where fit_id = ?", [payload, FIT])


def _copy(src: Path, dst: Path) -> Path:
    dst.write_bytes(src.read_bytes())
    return dst


@pytest.mark.parametrize("case", ["malicious pickle", "garbage", "old version", "null"])
def test_unusable_state_is_refitted_to_the_fresh_result(fresh, tmp_path: Path, case: str) -> None:
    fresh_db, (fit, corr, _) = fresh
    db = _copy(fresh_db, tmp_path / "w.duckdb")
    marker = tmp_path / "pwned"
    if case == "malicious pickle":
        _downgrade_to_pickled_state(db, pickle.dumps(_Exploit(marker)))
    elif case == "garbage":
        _tamper_json(db, '{"kind": "seesaw.dcc_state", "version": 1, "q_last": "rm -rf /"}')
    elif case == "old version":
        _tamper_json(db, json.dumps({**json.loads(fit[4]), "version": 0}))
    else:
        _tamper_json(db, None)
    summary = run_plain(db, series=SERIES, tables=False)
    assert summary.status == "ok", summary.message
    assert not marker.exists()
    new_fit, new_corr, (status, message) = _fit(db)
    assert status in ("ok", "stale") and FIT in message and "refitted" in message  # stale: sample data ends 2018
    assert new_fit[5] > fit[5]  # refitted now
    assert json.loads(new_fit[0]) == json.loads(fit[0]) and new_fit[1:4] == fit[1:4]
    assert json.loads(new_fit[4]) == json.loads(fit[4])
    assert new_corr == corr


def test_usable_state_is_kept_without_a_note(fresh, tmp_path: Path) -> None:
    fresh_db, (fit, corr, _) = fresh
    db = _copy(fresh_db, tmp_path / "w.duckdb")
    assert run_plain(db, series=SERIES, tables=False).status == "ok"
    new_fit, new_corr, (status, message) = _fit(db)
    assert status in ("ok", "stale") and "refitted" not in (message or "")  # kept (not even recomputed)
    assert new_fit == fit and new_corr == corr
