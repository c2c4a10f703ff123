"""Property-based tests (hypothesis) on every parser and on the loader: junk rows, encodings,
odd dates and numbers never crash (only the typed ``SourceError`` for unusable payloads), rejects
carry reasons, and nothing valid is lost."""
from __future__ import annotations

import itertools
import json
import math
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from seesaw.sources.acm import parse_acm_csv
from seesaw.sources.base import SeriesSpec, SourceError
from seesaw.sources.files import MISSING_MARKERS, FilesSource
from seesaw.sources.fred import parse_fredgraph_csv, parse_observations_json
from seesaw.sources.treasury import parse_auctions_json, parse_treasurydirect_csv
from seesaw.sources.yahoo import parse_history
from seesaw.transforms.quality import validate_observations
from seesaw.warehouse import load as wload
from seesaw.warehouse.db import connect

#: Bounded: no shrinking (a failure prints the generated example as found), so the module stays fast.
PHASES = (Phase.explicit, Phase.reuse, Phase.generate)
FAST = settings(max_examples=50, deadline=None, phases=PHASES, suppress_health_check=[HealthCheck.too_slow])
TODAY = date(2026, 11, 1)

GOOD_NUMBERS = st.one_of(
    st.floats(min_value=0.01, max_value=1e6, allow_nan=False).map(lambda x: f"{x:.4f}"),
    st.integers(1, 10**6).map(str),
    st.sampled_from(["1e3", "2.5E-1", " 7.25 ", "+3", "0.5%"]))
BAD_NUMBERS = st.sampled_from(["inf", "-inf", "1e999", "nan", "abc", "1,234.5", "\u22121", "--1", "1.2.3",
                               "0x1F", "１２", "€5", "TRUE", "-0", "0", "-3.5"])
MISSING = st.sampled_from(sorted(MISSING_MARKERS))
VALUE_TEXT = st.one_of(GOOD_NUMBERS, BAD_NUMBERS, MISSING)
ODD_DATES = st.sampled_from(["2021-02-30", "2021-13-01", "1677-01-01", "2262-04-12", "9999-12-31", "0000-00-00",
                             "yesterday", "", "  ", "2021/02/03", "20210203", "2021-02-03T25:00:00",
                             "1800-01-01", "31-Dec-2020", "\u00e9t\u00e9", "NaN", "2021-02-03 junk"])
ISO_DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)).map(date.isoformat)
JUNK_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"])
JSON_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False),
                        VALUE_TEXT, ODD_DATES, ISO_DATES)
JSON_JUNK = st.recursive(JSON_SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(["date", "value", "data", "observations", "x",
                                                                  "realtime_start", "auction_date", "cusip",
                                                                  "security_type", "meta"]), inner, max_size=5)),
    max_leaves=20)

TRIED = {"inputs": 0}


def _count() -> None:
    TRIED["inputs"] += 1


def _only_source_errors(call, *args, **kwargs):
    """Run a parser; a ``SourceError`` is the one acceptable failure (returns None then)."""
    _count()
    try:
        return call(*args, **kwargs)
    except SourceError:
        return None


# --- files source (read + parse), through its real fetch path -----------------------------------

@FAST
@given(rows=st.lists(st.tuples(st.one_of(ISO_DATES, ODD_DATES), VALUE_TEXT), max_size=30), encoding=ENCODINGS,
       header=st.sampled_from(["observation_date,X", "DATE,X", "Date,Close", "date,value"]))
def test_files_source_survives_junk_rows_encodings_and_dates(rows, encoding, header) -> None:
    text = header + "\n" + "\n".join(f"{d},{v}" for d, v in rows) + "\n"
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    frame = _fetch_file(data, {"encoding": encoding})
    if frame is not None:
        assert list(frame.columns) == ["obs_date", "value", "raw_value", "vintage"]
        assert frame["obs_date"].notna().all()


@FAST
@given(data=st.binary(max_size=300), encoding=ENCODINGS)
def test_files_source_survives_random_bytes(data, encoding) -> None:
    _fetch_file(data, {"encoding": encoding})


def _fetch_file(data: bytes, options: dict):
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "x.csv").write_bytes(data)
        spec = SeriesSpec("x", "x", "files", "x.csv", "D", "unit", "price", "US", options=options)
        return _only_source_errors(FilesSource(Path(tmp)).fetch, spec, None, None)


@FAST
@given(rows=st.lists(st.tuples(ISO_DATES, VALUE_TEXT), max_size=40, unique_by=lambda r: r[0]), encoding=ENCODINGS)
def test_files_source_keeps_every_valid_row_and_drops_only_missing_markers(rows, encoding) -> None:
    """Unique ISO dates: every row that is not a missing marker comes out (valid or NaN-for-reject)."""
    text = "date,value\n" + "".join(f'{d},"{v}"\n' for d, v in rows)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:  # '−' has no latin-1 code: write that file as UTF-8
        data, encoding = text.encode("utf-8"), "utf-8"
    frame = _fetch_file(data, {"encoding": encoding})
    kept = [(d, v) for d, v in rows if v.strip() not in MISSING_MARKERS]
    if not kept:
        assert frame is None  # an all-missing column is an EmptyResponse, a SourceError
        return
    assert frame is not None and len(frame) == len(kept)
    assert sorted(frame["obs_date"].dt.strftime("%Y-%m-%d")) == sorted(d for d, _ in kept)


# --- FRED ---------------------------------------------------------------------------------------

@FAST
@given(rows=st.lists(st.tuples(st.one_of(ISO_DATES, ODD_DATES), VALUE_TEXT), max_size=20),
       header=st.sampled_from(["observation_date,DGS10", "DATE,DGS10", "DATE", "a,b,c"]), junk=JUNK_TEXT)
def test_parse_fredgraph_csv_never_crashes(rows, header, junk) -> None:
    text = header + "\n" + "\n".join(f"{d},{v}" for d, v in rows)
    _only_source_errors(parse_fredgraph_csv, text)
    _only_source_errors(parse_fredgraph_csv, junk)


@FAST
@given(observations=st.lists(st.fixed_dictionaries(
    {"date": st.one_of(ISO_DATES, ODD_DATES), "value": VALUE_TEXT,
     "realtime_start": st.one_of(ISO_DATES, ODD_DATES), "realtime_end": ISO_DATES}), max_size=20),
    with_vintage=st.booleans())
def test_parse_observations_json_rejects_rows_not_payloads(observations, with_vintage) -> None:
    """Odd dates in single rows (2021-02-30, text) must not crash the whole payload with a
    non-``SourceError`` (today ``observations()`` raises pandas' ``DateParseError``)."""
    payload = json.dumps({"count": len(observations), "observations": observations})
    _only_source_errors(parse_observations_json, payload, with_vintage=with_vintage)


@FAST
@given(doc=JSON_JUNK)
def test_parse_observations_json_junk_payloads_raise_source_error(doc) -> None:
    """Any JSON document: a frame or a ``SourceError`` (not AttributeError/TypeError/KeyError)."""
    _only_source_errors(parse_observations_json, json.dumps(doc))
    if isinstance(doc, dict):
        _only_source_errors(parse_observations_json, {"observations": [doc]})


# --- Yahoo --------------------------------------------------------------------------------------

@FAST
@given(values=st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.none(), VALUE_TEXT),
                       min_size=0, max_size=20),
       tz=st.sampled_from([None, "UTC", "America/New_York", "Asia/Shanghai"]),
       column=st.sampled_from(["Close", "Adj Close", "Last"]), multi=st.booleans())
def test_parse_history_never_crashes(values, tz, column, multi) -> None:
    index = pd.date_range("2024-01-01", periods=len(values), freq="D", tz=tz, name="Date")
    frame = pd.DataFrame({column: pd.Series(values, index=index, dtype=object), "Open": 1.0}, index=index)
    if multi:
        frame.columns = pd.MultiIndex.from_product([frame.columns, ["^GSPC"]])
    out = _only_source_errors(parse_history, frame, exchange_tz="America/New_York")
    if out is not None:
        assert out["obs_date"].notna().all() and len(out) <= len(values)


# --- Treasury -----------------------------------------------------------------------------------

TD_HEADER = "cusip,issueDate,securityType,securityTerm,auctionDate,highYield,offeringAmount,reopening"


@FAST
@given(rows=st.lists(st.tuples(st.text("0123456789ABC", min_size=9, max_size=9), st.one_of(ISO_DATES, ODD_DATES),
                               st.sampled_from(["Bill", "Note", "Bond", "", "junk"]),
                               st.sampled_from(["10-Year", "13-Week", "", "x"]), VALUE_TEXT, VALUE_TEXT,
                               st.sampled_from(["Yes", "No", ""])), max_size=15),
       encoding=st.sampled_from(["utf-16", "utf-8-sig", "utf-8"]), type_line=st.booleans(),
       junk=st.binary(max_size=200))
def test_parse_treasurydirect_csv_never_crashes(rows, encoding, type_line, junk) -> None:
    lines = (["#TYPE Selected.Object"] if type_line else []) + [TD_HEADER] + [
        f"{c},{d},{t},{term},{d},{y},{amt},{r}" for c, d, t, term, y, amt, r in rows]
    _only_source_errors(parse_treasurydirect_csv, "\n".join(lines).encode(encoding))
    _only_source_errors(parse_treasurydirect_csv, junk)


@FAST
@given(doc=JSON_JUNK, rows=st.lists(st.dictionaries(
    st.sampled_from(["auction_date", "issue_date", "cusip", "security_type", "security_term", "high_yield",
                     "offering_amt", "reopening", "floating_rate"]),
    st.one_of(VALUE_TEXT, ODD_DATES, ISO_DATES, st.just("null")), max_size=9), max_size=10))
def test_parse_auctions_json_never_crashes(doc, rows) -> None:
    _only_source_errors(parse_auctions_json, json.dumps(doc))
    _only_source_errors(parse_auctions_json, {"data": rows, "meta": {"total-pages": 1}})


# --- ACM ----------------------------------------------------------------------------------------

@FAST
@given(rows=st.lists(st.tuples(st.one_of(st.sampled_from(["30-Jun-1961", "31-Jan-2024"]), ISO_DATES, ODD_DATES),
                               VALUE_TEXT, VALUE_TEXT), max_size=20),
       header=st.sampled_from(["DATE,ACMTP10,ACMY10", "Date,ACMTP01,x", "when,ACMTP10,ACMY10", "DATE,foo,bar"]),
       junk=JUNK_TEXT)
def test_parse_acm_csv_never_crashes(rows, header, junk) -> None:
    text = header + "\n" + "\n".join(",".join(r) for r in rows)
    _only_source_errors(parse_acm_csv, text)
    _only_source_errors(parse_acm_csv, junk)


# --- the loader: validate_observations + load_series --------------------------------------------

@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory):
    db = tmp_path_factory.mktemp("prop") / "w.duckdb"
    with connect(db) as con:
        yield con


_IDS = itertools.count()
LOADER_VALUES = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.floats(-50, 80),
                          st.sampled_from([0.0, -1.0, 1e308, 4.25, 4.25, 101.5]))
LOADER_DATES = st.one_of(st.dates(date(1950, 1, 1), date(2030, 12, 31)), st.none(),
                         st.sampled_from([date(2024, 1, 2), date(2024, 1, 3)]))


@settings(max_examples=80, deadline=None, phases=PHASES, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(LOADER_DATES, LOADER_VALUES), max_size=25),
       kind=st.sampled_from(["yield", "index", "price", "macro", "spread"]))
def test_loader_loads_or_rejects_every_row_with_a_reason(warehouse, rows, kind) -> None:
    """loaded + rejected == fetched (less identical repeats); every valid row loads unless its
    date conflicts with a different value (then both are rejected as duplicate_date)."""
    _count()
    sid = f"p{next(_IDS)}"
    frame = pd.DataFrame({"obs_date": pd.to_datetime(pd.Series([d for d, _ in rows], dtype=object)),
                          "value": pd.Series([v for _, v in rows], dtype=float),
                          "raw_value": [repr(v) for _, v in rows],
                          "vintage": pd.Series(pd.NaT, index=range(len(rows)), dtype="datetime64[ns]")})
    validated = validate_observations(frame, kind, TODAY)
    spec = SeriesSpec(sid, sid, "test", sid, "D", "u", kind, "US")
    result = wload.load_series(warehouse, run_id="prop", spec=spec, validated=validated, rows_fetched=len(frame),
                               requested_start=None, requested_end=None, now=datetime.now(UTC))

    def ok(d, v) -> bool:
        if d is None or not math.isfinite(v) or d > TODAY:
            return False
        if kind in ("index", "price") and v <= 0:
            return False
        low, high = {"yield": (-5, 40), "spread": (-20, 50)}.get(kind, (-np.inf, np.inf))
        return low < v < high

    valid = {(d, v) for d, v in rows if ok(d, v)}
    per_date: dict[date, set] = {}
    for d, v in valid:
        per_date.setdefault(d, set()).add(v)
    expected = {d: next(iter(vs)) for d, vs in per_date.items() if len(vs) == 1}
    conflicted = sum(1 for d, v in rows if ok(d, v) and len(per_date[d]) > 1)
    repeats = sum(1 for d, v in rows if ok(d, v) and len(per_date[d]) == 1) - len(expected)

    loaded = dict(warehouse.execute("select obs_date, value from core.observations where series_id = ?",
                                    [sid]).fetchall())
    rejects = warehouse.execute("select reason, count(*) from ops.rejects where series_id = ? group by 1",
                                [sid]).fetchall()
    reasons = dict(rejects)
    assert loaded == expected
    assert reasons.get("duplicate_date", 0) == conflicted
    assert len(loaded) + sum(reasons.values()) == len(rows) - repeats
    assert set(reasons) <= {"bad_date", "unparseable", "non_finite", "future_date", "non_positive",
                            "out_of_band", "duplicate_date"}
    assert result.rows_rejected == sum(reasons.values())
    assert result.status == ("no_data" if not rows else "failed" if not expected else "partial" if reasons else "ok")


def test_zz_report_inputs_tried() -> None:
    """Not a check: prints how many junk inputs the module tried (for the figures table)."""
    print(f"\njunk inputs tried: {TRIED['inputs']}")
    assert TRIED["inputs"] > 0
