-- 014: the cross-market panel. One row per monthly rolling stock–bond correlation path of the
-- run (every market, pair, window and return horizon in results.correlations with method
-- 'rolling' and freq 'M'): where the path stands, how often it was positive and significant,
-- when it last changed sign and which phase of its cycle it is in (results.corr_phases).

create table if not exists results.panel_summary (
    market                varchar not null,  -- US, JP, UK, DE, FR, CA, AU, EZ, CN, ...
    asset_a               varchar not null,  -- series id of the equity leg
    asset_b               varchar not null,  -- series id of the bond leg (a yield: par-bond returns priced off it)
    basis                 varchar not null,  -- bond_return
    freq                  varchar not null,  -- M
    window_size           integer not null,  -- months per window
    horizon_periods       integer not null,  -- months each return spans (1 monthly, 3 = 3-month returns)
    first_date            date not null,     -- month end of the path's first value
    data_cutoff           date not null,     -- month end of its latest value: the last month complete in both legs
    corr_latest           double not null,   -- correlation at data_cutoff, -1..1
    p_value_latest        double not null,   -- its two-sided p value (t test with n_latest)
    n_latest              double not null,   -- observations of the test (effective n for 3-month returns)
    months                integer not null,  -- values in the path
    share_positive        double not null,   -- share of the path's months with a positive correlation, 0..1
    share_significant     double not null,   -- share of its months with p < significance_level, 0..1
    significance_level    double not null,   -- analysis.panel.significance_level (default 0.05)
    last_sign_change      date,              -- first month end of the current sign; NULL if it never changed
    current_phase         varchar,           -- rising, falling (the ongoing results.corr_phases row); NULL if none
    phase_start_date      date,              -- month end the current phase started (its turn)
    phase_recognized_date date               -- first month end whose change (analysis.corr_phases.change_months) had the phase's sign
);
