-- 006: figures the report shows, stored for SQL users: DCC/rolling sign agreement, term-premium
-- tracking, rebalancing summaries and trailing flows, regime run starts and the Monte Carlo equity
-- weight with the smallest drawdown. Units as in 003: in the name or beside the column.

-- How often a DCC/ADCC path has the same sign as a rolling correlation of the same pair,
-- compared at month ends (the last value of each calendar month of both paths).
create table if not exists results.correlation_sign_agreement (
    market           varchar not null,
    asset_a          varchar not null,
    asset_b          varchar not null,
    method           varchar not null,  -- dcc, adcc
    freq             varchar not null,  -- frequency of the DCC path
    rolling_freq     varchar not null,  -- frequency of the rolling path
    window_size      integer not null,  -- window of the rolling path, periods
    start_date       date not null,     -- first common month end
    end_date         date not null,     -- last common month end (the data cutoff)
    months           integer not null,  -- common month ends compared
    same_sign_share  double not null    -- share of them with the same sign, 0-1
);

-- How closely seesaw's ACM term premium tracks the published NY Fed one, per tenor, over their
-- common month ends.
create table if not exists results.term_premium_tracking (
    tenor_years  integer not null,
    source       varchar not null,  -- seesaw_acm
    reference    varchar not null,  -- nyfed_acm
    freq         varchar not null,  -- M
    start_date   date not null,     -- first common month end
    end_date     date not null,     -- last common month end (the data cutoff)
    months       integer not null,
    corr         double,            -- Pearson correlation of the two term premia, -1..1
    t_stat       double,            -- r*sqrt((n-2)/(1-r^2))
    p_value      double,            -- two-sided, t(n-2)
    rmse_pp      double             -- root mean squared difference, percentage points
);

-- Per rebalancing scenario: coverage, last fund, mean flows and supply shares, and the trailing
-- window the report calls recent.
create table if not exists results.rebalancing_summary (
    scenario                       varchar not null,
    first_date                     date not null,     -- first period end
    last_date                      date not null,     -- last period end
    periods                        integer not null,
    aum_usd_bn                     double,            -- AUM of the last period
    equity_weight                  double,            -- equity weight of the last period, 0-1
    mean_flow_usd_bn               double,            -- per period; positive = equities sold
    mean_abs_flow_usd_bn           double,            -- mean of |flow| per period
    mean_share_of_treasury_supply  double,            -- 0-1
    mean_share_of_ig_supply        double,            -- 0-1
    recent_periods                 integer not null,  -- the last min(36, periods) periods
    recent_mean_flow_usd_bn        double,
    recent_mean_abs_flow_usd_bn    double
);

-- Trailing mean of the flow over the last 12 periods of its scenario (fewer at the start).
alter table results.rebalancing_flows add column if not exists flow_12p_mean_usd_bn double;

-- First month end of the run of identical labels each row belongs to (per framework and market).
alter table results.regimes add column if not exists run_start date;

-- True on the equity weight whose median full-horizon drawdown is smallest (least negative) for
-- its scenario and correlation.
alter table results.mc_risk add column if not exists least_drawdown boolean;
