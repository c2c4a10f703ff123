-- 011: Monte Carlo risk under plain names, a one-year loss VaR/CVaR, and the equity-weight sweep's
-- answers. Units as in 003: decimals (0.05 = 5% of the starting portfolio value).

-- The 5% quantile of the annualized return over the whole horizon (what the Soochow Securities
-- note calls the "95% VaR of the annualized return"): a return, positive = gain, not a loss VaR.
alter table results.mc_risk rename column var95_ann to ann_return_q05;

-- One-year 95% loss VaR and CVaR: L = 1 - W_12, the loss over the first 12 months as a fraction of
-- the starting value (positive = loss); VaR = 95% quantile of L, CVaR = mean of the worst 5% of L.
-- NULL for horizons shorter than 12 months.
alter table results.mc_risk add column if not exists loss_var95_1y double;
alter table results.mc_risk add column if not exists loss_cvar95_1y double;

-- Per sweep (scenario, horizon, correlation): the equity weight with the least negative median
-- full-horizon drawdown, the one with the lowest median volatility (lowest weight among ties), and
-- the return plateau: the smallest weight from which every further step of the sweep gains at most
-- return_gain_threshold_pp percentage points of expected annual return per +1 pp of equity (NULL:
-- expected return still rises at the largest weight simulated).
create table if not exists results.mc_weight_choice (
    scenario                  varchar not null,
    months                    integer not null,  -- horizon simulated, months
    rho                       double not null,   -- stock-bond correlation of monthly returns
    paths                     integer not null,
    seed                      bigint not null,
    weights                   integer not null,  -- equity weights simulated (rows of results.mc_risk)
    min_drawdown_weight       double not null,   -- equity weight, 0-1
    min_vol_weight            double not null,   -- equity weight, 0-1
    return_plateau_weight     double,            -- equity weight, 0-1; NULL = still rising
    return_gain_threshold_pp  double not null    -- pp of expected annual return per +1 pp equity
);
