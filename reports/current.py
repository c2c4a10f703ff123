"""Whether the report beside a warehouse still describes it, so a run that found nothing new keeps it.

``build_report`` stamps the report with the run it describes and a key of what else it shows: the
code that renders it, the day it was rendered (its freshness table judges staleness on that day)
and the stored pit days (its signals). The report stays current while the key is the same and
every run since that one was a nightly that changed no data (``warehouse.state.quiet_since``):
such runs rewrite nothing the report shows, and its header says it describes its own run. This
module loads none of the report stack, so the check costs a file read and a query.
"""
from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path

from seesaw.analyses.core import source_digest
from seesaw.incremental import UNCHANGED_INPUTS
from seesaw.warehouse import pit as wpit
from seesaw.warehouse import state as wstate
from seesaw.warehouse.db import artifact_path, connect
from seesaw.warehouse.snapshot import ReadConnection

#: ``<name>.report.html`` beside warehouse ``<name>.duckdb``: the report a run writes.
REPORT_SUFFIX = ".report.html"
#: The ``<meta>`` name carrying ``<run id> <key>`` in the report's head.
STATE_META = "seesaw-state"
_STATE = re.compile(rb'<meta name="' + STATE_META.encode() + rb'" content="([^" ]+) ([0-9a-f]+)">')
#: The report's head, where the stamp sits (before the inline stylesheet).
_HEAD_BYTES = 2048
#: What the report's content depends on besides the warehouse: its own code and templates, the
#: alert rules and transforms it calls, the profiles whose settings pick its headlines.
_CODE = ("seesaw.reports", "seesaw.transforms", "seesaw.profiles", "seesaw.signals", "seesaw.warehouse.report_queries")


def state_key(con: ReadConnection) -> str:
    """The key of what a report rendered now shows beyond its run: code, UTC day, stored pit days."""
    text = f"{source_digest(_CODE, pattern='*')}|{datetime.now(UTC).date()}|{wpit.days_stamp(con)}"
    return hashlib.sha256(text.encode()).hexdigest()


def state_meta(run_id: str, key: str) -> str:
    """The ``content`` of the report's state ``<meta>``."""
    return f"{run_id} {key}"


def current_report(db: Path) -> Path | None:
    """The report beside warehouse ``db`` (``<name>.report.html``) when it still describes the
    warehouse as it is now (see the module docstring); None when it must be rendered again."""
    path = artifact_path(db, REPORT_SUFFIX)
    try:
        with path.open("rb") as handle:
            found = _STATE.search(handle.read(_HEAD_BYTES))
    except FileNotFoundError:
        return None
    if found is None:
        return None
    run_id, key = found.group(1).decode(), found.group(2).decode()
    with connect(db, read_only=True) as con:
        if key != state_key(con) or not wstate.quiet_since(con, run_id, UNCHANGED_INPUTS):
            return None
    return path
