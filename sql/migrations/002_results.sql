-- 002: first results tables (returns and correlations). Later migrations add more.

-- Per-period returns. Unit depends on basis:
--   price_return, total_return, bond_return_from_yield: decimal per period (0.01 = 1%);
--   yield_change_bp: change of the yield in basis points.
create table if not exists results.returns (
    series_id  varchar not null,
    freq       varchar not null,   -- D, W (Friday), M (month end), Q (quarter end)
    obs_date   date not null,      -- period end
    ret        double not null,
    basis      varchar not null    -- price_return, total_return, bond_return_from_yield, yield_change_bp
);

-- Stock–bond correlations: rolling Pearson (method 'rolling'); DCC paths join later.
create table if not exists results.correlations (
    market       varchar not null, -- US, CN, ...
    asset_a      varchar not null, -- series id of the equity leg
    asset_b      varchar not null, -- series id of the bond leg
    basis        varchar not null, -- bond_return (bond price return) or yield_change (opposite sign)
    method       varchar not null, -- rolling, dcc, adcc
    freq         varchar not null, -- D, W, M, Q
    window_size  integer,          -- periods in the window; NULL for DCC
    obs_date     date not null,    -- window end
    corr         double not null,  -- Pearson / conditional correlation, -1..1
    t_stat       double,           -- r*sqrt((n-2)/(1-r^2))
    p_value      double,           -- two-sided, t(n-2)
    n            double            -- observations (rolling) or effective n (DCC)
);
