-- 010: point-in-time history (`seesaw replay`). For each replayed day (`as_of`), what every
-- analysis said with only the observations known that day. The summary tables
-- (pit.correlations_latest, pit.regimes, pit.events, ...) take their columns from the results
-- table each summarizes, plus `as_of` first; the replay creates them and adds any column a later
-- migration gives its results table, so they stay in step. These two are fixed.

create schema if not exists pit;

-- One row per stored day: a day is written in one transaction, so a row here means every pit
-- table holds that day (a resumed replay skips it).
create table if not exists pit.dates (
    as_of              date not null,         -- the replayed day
    run_id             varchar not null,      -- the replay run (ops.runs) that stored it
    stored_at          timestamptz not null,
    seconds            double,                -- compute time of the day, seconds
    analyses_ok        integer,               -- analyses that ran ok (or stale) that day
    analyses_total     integer
);

-- Each analysis' outcome on each replayed day (as ops.analyses for a nightly run).
create table if not exists pit.analyses (
    as_of         date not null,
    step          varchar not null,   -- analysis name
    status        varchar not null,   -- ok, stale, skipped, failed
    rows_written  bigint,             -- results rows it produced that day
    message       varchar
);
