-- 003: results of the correlation engine, rates and stress analytics, regimes, flows, drivers, risk.
-- Every column's unit is in its name (_pct percent, _bp basis points, _usd_bn USD billions,
-- _ann annualized) or in the comment beside it.

-- Fitted DCC/ADCC models (one row per fit) and the filter state for nightly extension.
create table if not exists results.model_fits (
    fit_id          varchar not null,  -- model-market-assets-end date, e.g. dcc-US-us_spx~us_10y-2026-04-17
    model           varchar not null,  -- dcc, adcc
    dist            varchar not null,  -- normal, t
    market          varchar not null,
    assets          varchar not null,  -- comma-separated series ids, in model order
    freq            varchar not null,
    sample_start    date not null,
    sample_end      date not null,
    nobs            integer not null,
    params          json not null,     -- a, b [, g] [, nu]
    std_errors      json,              -- same keys as params
    se_method       varchar,           -- how the standard errors were computed
    loglik          double,            -- second-step (correlation) log-likelihood
    converged       boolean not null,
    message         varchar,
    univariate      json,              -- per-series GARCH(1,1) parameters and scale
    effective_n     double,            -- (1+b)/(1-b): the n used for per-date t statistics
    fitted_at       timestamptz not null,
    path_end        date,              -- last date the stored filter state covers
    state           blob               -- model and filter state (JSON since migration 004)
);

-- Term premia: NY Fed ACM as ingested and seesaw's own ACM estimate.
create table if not exists results.term_premia (
    obs_date                date not null,   -- month end (freq M) or trading date (freq D)
    tenor_years             integer not null,
    source                  varchar not null, -- nyfed_acm, seesaw_acm
    freq                    varchar not null, -- M, D
    term_premium_pct        double,           -- percent p.a.
    fitted_yield_pct        double,           -- model-fitted zero yield, percent p.a.
    risk_neutral_yield_pct  double,           -- expected average short rate, percent p.a.
    priced_cuts             double            -- 1y rows only: -TP_1y / 0.25 (25bp cuts priced over the next year)
);

-- Equity risk premium vs PMI model with implied 10y yield (CICC 2019; docs/methods.md).
create table if not exists results.erp_model (
    obs_date            date not null,     -- month end
    pe                  double,            -- price / trailing earnings
    earnings_yield_pct  double,            -- 100 / pe
    y10_pct             double,            -- 10y Treasury yield, percent p.a.
    erp_pct             double,            -- earnings yield minus 10y yield, percentage points
    pmi                 double,            -- manufacturing PMI, index (50 = neutral)
    erp_fitted_pct      double,            -- alpha + beta * pmi
    implied_y10_pct     double,            -- earnings yield minus fitted ERP
    implied_cuts        double,            -- (y10 - implied y10) / 0.25
    sample_start        date,              -- regression sample
    sample_end          date,
    alpha               double,
    beta                double,
    alpha_se_nw         double,            -- Newey-West standard errors
    beta_se_nw          double,
    adj_r2              double
);

-- MOVE (Treasury implied volatility, bp) with VIX beside it.
create table if not exists results.move_metrics (
    obs_date          date not null,
    move              double,   -- ICE BofA MOVE index, bp of normalized yield vol
    move_pct_rank_1y  double,   -- percentile rank within the trailing 252 trading days, 0-100
    move_z            double,   -- z-score vs its own history up to the day before
    move_ytd_high     boolean,  -- a new year-to-date high that day
    vix               double,   -- CBOE VIX, percent annualized
    vix_pct_rank_1y   double    -- 0-100
);

-- Per-auction metrics: tail vs a reference yield, bidder shares and z-scores vs prior auctions.
create table if not exists results.auction_metrics (
    auction_date         date not null,
    cusip                varchar not null,
    security_type        varchar,
    security_term        varchar,
    term_years           double,
    high_yield_pct       double,
    reference_yield_pct  double,   -- same-day constant-maturity yield (nearest tenor or interpolated)
    reference_series     varchar,  -- which CMT series (or 'a~b' interpolation)
    tail_bp              double,   -- high yield minus reference, bp (positive = weak)
    bid_to_cover         double,
    direct_share         double,   -- share of direct+indirect+dealer allotments, 0-1
    indirect_share       double,
    dealer_share         double,
    tail_z               double,   -- z vs the previous N auctions of the same term
    btc_z                double,
    dealer_share_z       double,
    indirect_share_z     double,
    weak_auction         boolean,
    n_prior              integer   -- prior auctions used for the z-scores
);

-- Stress events: triple sell-offs, yield spikes, MOVE spikes, weak auctions.
create table if not exists results.events (
    event_type   varchar not null,  -- triple_selloff, stock_bond_selloff, yield_spike, move_spike, weak_auction
    market       varchar not null,
    obs_date     date not null,
    window_days  integer,           -- trading days the move spans
    score        double,            -- joint size vs history (sum of z-scores) or the event's z
    detail       varchar            -- human-readable moves in their units
);

-- Regime labels per framework and market.
create table if not exists results.regimes (
    framework  varchar not null,  -- pring, investment_clock, money_credit, stock_bond_quadrant, corr_sign
    market     varchar not null,
    obs_date   date not null,     -- month end
    label      varchar not null,
    detail     varchar
);

-- Balanced-fund rebalancing flows: history and named scenarios (BofA 2026; docs/methods.md).
create table if not exists results.rebalancing_flows (
    scenario                  varchar not null,  -- history_M, history_Q or a scenario name
    obs_date                  date not null,     -- period end
    aum_usd_bn                double,
    equity_weight             double,            -- target equity weight, 0-1
    equity_return             double,            -- decimal per period
    bond_return               double,            -- decimal per period
    flow_usd_bn               double,            -- positive = equities sold, bonds bought
    share_of_treasury_supply  double,            -- flow / Treasury supply in the period, 0-1
    share_of_ig_supply        double             -- flow / IG corporate supply in the period, 0-1
);

-- Macro drivers of the stock-bond correlation (Soochow Securities 2025; docs/methods.md).
create table if not exists results.macro_drivers (
    market             varchar not null,
    obs_date           date not null,   -- month end
    x_infl_unc         double,          -- rolling std of CPI YoY, pp
    y_growth_unc       double,          -- rolling std of industrial production YoY, pp
    z_xy_corr          double,          -- rolling correlation of the two YoY series
    a_stock_bond_corr  double           -- 60-month rolling stock-bond correlation
);

create table if not exists results.vecm_tests (
    market     varchar not null,
    test       varchar not null,   -- johansen_trace_r0, granger_xyz_to_a, ljung_box_a, arch_lm_a, vif_x, ...
    statistic  double,
    p_value    double,
    df         double,
    detail     varchar
);

create table if not exists results.vecm_forecasts (
    market       varchar not null,
    origin_date  date not null,
    step         integer not null,  -- months ahead
    obs_date     date not null,
    forecast     double,            -- forecast of A, the stock-bond correlation
    lower_95     double,
    upper_95     double
);

-- Monte Carlo portfolio risk (Soochow Securities 2025; docs/methods.md): two assets, monthly rebalancing.
create table if not exists results.mc_risk (
    scenario         varchar not null,
    rho              double not null,   -- stock-bond correlation of monthly returns
    equity_weight    double not null,   -- 0-1
    months           integer not null,
    paths            integer not null,
    seed             bigint not null,
    vol_ann          double,            -- median annualized volatility, decimal
    var95_ann        double,            -- 5% quantile of annualized return, decimal
    mdd_12m_median   double,            -- median worst 12-month drawdown, decimal (negative)
    mdd_full_median  double,            -- median full-horizon max drawdown, decimal (negative)
    exp_return_ann   double             -- mean annualized return, decimal
);

-- Treasury auctions: raw keeps every version fetched; core holds the current row per auction.
create table if not exists raw.auctions (
    auction_date                    date not null,
    cusip                           varchar not null,
    payload                         json not null,   -- the normalised row as fetched
    fetched_at                      timestamptz not null,
    run_id                          varchar not null
);

create table if not exists core.auctions (
    auction_date                    date not null,
    issue_date                      date,
    maturity_date                   date,
    cusip                           varchar not null,
    security_type                   varchar,   -- Bill, Note, Bond, TIPS, FRN, CMB
    security_term                   varchar,   -- term at this auction, e.g. '9-Year 11-Month'
    original_security_term          varchar,   -- term when first issued, e.g. '10-Year'
    term_years                      double,    -- original term in years
    reopening                       boolean,
    interest_rate_pct               double,    -- coupon
    high_yield_pct                  double,    -- stop-out yield (coupons)
    high_rate_pct                   double,    -- stop-out discount rate (bills) / FRN margin
    high_investment_rate_pct        double,    -- bills: coupon-equivalent yield
    low_yield_pct                   double,
    avg_med_yield_pct               double,
    high_price                      double,    -- per 100
    price_per100                    double,
    bid_to_cover                    double,    -- tendered / accepted, excluding SOMA
    offering_amt_usd_bn             double,
    total_tendered_usd_bn           double,
    total_accepted_usd_bn           double,
    competitive_accepted_usd_bn     double,
    noncompetitive_accepted_usd_bn  double,
    direct_accepted_usd_bn          double,
    indirect_accepted_usd_bn        double,
    primary_dealer_accepted_usd_bn  double,
    primary_dealer_tendered_usd_bn  double,
    soma_accepted_usd_bn            double,
    run_id                          varchar not null
);
