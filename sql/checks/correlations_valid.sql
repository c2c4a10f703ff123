-- Correlations lie in [-1, 1], p values in [0, 1], and every row has n > 2.
select market, asset_a, asset_b, method, freq, window_size, obs_date, corr, p_value, n
from results.correlations
where corr < -1 or corr > 1 or p_value < 0 or p_value > 1 or n <= 2 or corr is null
