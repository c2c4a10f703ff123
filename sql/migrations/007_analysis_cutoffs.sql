-- 007: cutoffs and staleness as data. Every analysis combines its inputs only over the periods
-- complete for all of them (common quote dates for daily data, complete periods otherwise) and
-- emits nothing after their common cutoff; this table records, per analysis and input
-- combination, each input's last observation and that cutoff, and whether the input is stale.

create table if not exists results.analysis_cutoffs (
    analysis          varchar not null,  -- analysis step (ops.analyses.step), e.g. rebalancing_flows
    output            varchar not null,  -- results table the combination feeds, e.g. correlations
    market            varchar,           -- US, CN, ...; NULL when the analysis is not per market
    key               varchar not null,  -- the combination, e.g. 'us_spx~us_10y M', 'investment_clock'; '' = all inputs
    series_id         varchar not null,  -- one input of the combination
    series_last_date  date not null,     -- its last observation (as stamped in core.observations)
    common_cutoff     date not null,     -- earliest data-through date of the combination's inputs: nothing later is used
    stale             boolean not null   -- the input is older at the run's time (or as-of) than its frequency allows
);

-- ops.analyses.status gains 'stale': the analysis ran, but an input stopped updating for longer
-- than its frequency allows (the message names the series and says "stale since <common cutoff>").
