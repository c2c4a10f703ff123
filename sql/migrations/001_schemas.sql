-- 001: schemas, catalog, observations, operations log.
-- Units and conventions are documented per column; README.md lists every table.

create schema if not exists raw;
create schema if not exists core;
create schema if not exists results;
create schema if not exists ops;

-- Series catalog: one row per series id of the active profile(s).
create table if not exists core.series (
    series_id    varchar primary key,  -- stable id naming the economic series, e.g. us_10y
    name         varchar not null,     -- human name
    source       varchar not null,     -- provider: sample, files, fred, yahoo, acm, china
    source_code  varchar not null,     -- provider code (DGS10, ^GSPC) or file path / column
    frequency    varchar not null,     -- D, W, M, Q, A
    unit         varchar not null,     -- e.g. 'percent p.a.', 'index points', 'percent per month'
    kind         varchar not null,     -- yield, price, index, level, rate, spread, macro, return
    country      varchar not null,     -- ISO-like code: US, CN, JP, ... ; GL for global
    description  varchar,
    updated_at   timestamptz not null  -- UTC, when the catalog row was last written
);

-- Append-only history of every value change, as fetched.
create table if not exists raw.observations (
    series_id   varchar not null,
    obs_date    date not null,         -- observation date; monthly/quarterly stamped on period start
    value       double not null,       -- in the series' unit (core.series.unit)
    vintage     date,                  -- ALFRED realtime_start; NULL when the source has no vintages
    fetched_at  timestamptz not null,  -- UTC
    run_id      varchar not null
);

-- Current value per (series_id, obs_date): the latest fetched (latest vintage for ALFRED series).
create table if not exists core.observations (
    series_id   varchar not null,
    obs_date    date not null,
    value       double not null,
    vintage     date,
    run_id      varchar not null       -- run that last wrote the row
);

create table if not exists ops.runs (
    run_id       varchar primary key,
    flow         varchar not null,     -- nightly, backfill
    profile      varchar not null,
    parameters   json,
    started_at   timestamptz not null, -- UTC
    finished_at  timestamptz,          -- UTC; NULL while running or after a crash
    status       varchar not null,     -- running, ok, partial, failed
    message      varchar
);

create table if not exists ops.loads (
    run_id           varchar not null,
    series_id        varchar not null,
    requested_start  date,             -- NULL = from the beginning of the source's history
    requested_end    date,
    rows_fetched     bigint not null,
    rows_inserted    bigint not null,  -- new (series_id, obs_date) keys
    rows_changed     bigint not null,  -- existing keys whose value was revised
    rows_rejected    bigint not null,
    min_date         date,
    max_date         date,
    status           varchar not null, -- ok, partial (some rows rejected), failed
    error            varchar,
    loaded_at        timestamptz not null
);

create table if not exists ops.rejects (
    run_id       varchar not null,
    series_id    varchar not null,
    obs_date     date,                 -- NULL when the date itself did not parse
    raw_value    varchar,
    reason       varchar not null,     -- non_finite, duplicate_date, future_date, out_of_range, ...
    rejected_at  timestamptz not null
);

create table if not exists ops.checks (
    run_id        varchar not null,
    check_name    varchar not null,    -- file name in sql/checks without .sql
    status        varchar not null,    -- pass, fail, error
    failing_rows  bigint not null,
    detail        varchar,             -- first failing rows or the error text
    checked_at    timestamptz not null
);

-- One row per analysis step per run: what ran, what it wrote, or what input it missed.
create table if not exists ops.analyses (
    run_id        varchar not null,
    step          varchar not null,    -- e.g. returns, rolling_correlations
    status        varchar not null,    -- ok, skipped (inputs missing), failed
    rows_written  bigint not null,
    message       varchar,             -- 'needs series X' when skipped; the error when failed
    seconds       double not null,     -- wall time of the step
    finished_at   timestamptz not null
);
