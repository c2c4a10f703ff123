-- 015: what a nightly run needs to skip unchanged work. One row per load id (series, or
-- table:<name>) for its last load that ended ok, and one row per analysis step for
-- its last run that did not fail (ok, stale, or skipped for missing inputs). Bookkeeping only:
-- dropping a row makes the next run read that source or recompute that analysis.

create table if not exists ops.source_state (
    load_id          varchar primary key, -- series id, or table:<name>
    spec_digest      varchar not null,    -- sha256 of the profile entry (source, code, options, kind, bands, ...)
    requested_start  date,                -- the window of that load (NULL = open end)
    requested_end    date,
    files            json,                -- files source: [[path, mtime_ns, size_bytes, sha256], ...]; else NULL
    payload_digest   varchar,             -- sha256 of the validated frame (and window) that load received
    stored_digest    varchar not null,    -- the series' (table's) stored rows after that load: count, last date, checksum
    run_id           varchar not null,    -- the run that last read the source
    recorded_at      timestamptz not null -- UTC
);

create table if not exists ops.analysis_state (
    step          varchar primary key,    -- ops.analyses.step
    fingerprint   varchar not null,       -- sha256 of its inputs: series (row count, last date, checksum),
                                          -- stored tables, consumed analyses' fingerprints, settings,
                                          -- code version and the run's-time facts it depends on
    status        varchar not null,       -- ok, stale, skipped (what that run recorded)
    message       varchar,                -- that run's message
    run_id        varchar not null,       -- the run that computed the results now stored
    recorded_at   timestamptz not null    -- UTC
);
