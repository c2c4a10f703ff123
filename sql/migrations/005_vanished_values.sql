-- 005: nothing lost silently. A stored value that a later fetch no longer lists is kept and
-- counted per load; an explicit replace (backfill --replace) that removes it records the removal
-- in raw history as a NULL value.

-- Stored dates inside a load's requested window that its fetch no longer lists (kept, unless the
-- load replaced the range; then removed).
alter table ops.loads add column if not exists rows_vanished bigint default 0;

-- NULL value = the date was removed from the source (only by an explicit replace).
alter table raw.observations alter column value drop not null;
