-- 008: the return horizon of every correlation, and the phases of the correlation cycles.

-- Periods of `freq` each return spans: 1 for per-period returns (every row before this migration,
-- and every DCC row), k for overlapping k-period returns (freq M, 3 = each month end vs 3 months
-- earlier). For k > 1, n is the effective n of the overlapping window, not the window size.
alter table results.correlations add column if not exists horizon_periods integer default 1;
update results.correlations set horizon_periods = 1 where horizon_periods is null;

-- Rising/falling phases of each monthly rolling correlation path: the direction is the sign of the
-- change of the correlation over `change_months` (analysis.corr_phases, default 12), runs shorter than
-- `min_span_months` (6) do not count, and a phase turns at the extreme before the new direction is recognized.
create table if not exists results.corr_phases (
    market          varchar not null,  -- US, CN, ...
    asset_a         varchar not null,  -- series id of the equity leg
    asset_b         varchar not null,  -- series id of the bond leg
    basis           varchar not null,  -- bond_return
    freq            varchar not null,  -- M
    window_size     integer not null,  -- months per window
    horizon_periods integer not null,  -- months each return spans (3 = 3-month returns)
    phase           varchar not null,  -- rising, falling
    start_date      date not null,     -- the previous turn (month end), or the path's first date
    end_date        date not null,     -- the next turn (month end), or the path's last date
    months          integer not null,  -- months from start_date to end_date
    corr_start      double not null,   -- correlation at start_date, -1..1
    corr_end        double not null,   -- correlation at end_date, -1..1
    recognized_date date not null,     -- first month end whose change had the phase's sign
    ongoing         boolean not null   -- the path's last phase (its end is not a confirmed turn)
);
