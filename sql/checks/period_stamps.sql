-- One date-stamping convention: in core, monthly, quarterly and annual observations sit on the
-- first day of their period; in results, rows at freq M or Q sit on the period's last day.
select 'core' as layer, o.series_id as what, s.frequency as freq, o.obs_date
from core.observations o join core.series s using (series_id)
where (s.frequency = 'M' and o.obs_date <> date_trunc('month', o.obs_date))
   or (s.frequency = 'Q' and o.obs_date <> date_trunc('quarter', o.obs_date))
   or (s.frequency = 'A' and o.obs_date <> date_trunc('year', o.obs_date))
union all
select 'results.returns', series_id, freq, obs_date from results.returns
where (freq = 'M' and obs_date <> last_day(obs_date))
   or (freq = 'Q' and obs_date <> last_day(date_trunc('quarter', obs_date) + interval 2 month))
union all
select 'results.correlations', asset_a || '~' || asset_b, freq, obs_date from results.correlations
where (freq = 'M' and obs_date <> last_day(obs_date))
   or (freq = 'Q' and obs_date <> last_day(date_trunc('quarter', obs_date) + interval 2 month))
union all
select 'results.term_premia', source, freq, obs_date from results.term_premia
where freq = 'M' and obs_date <> last_day(obs_date)
