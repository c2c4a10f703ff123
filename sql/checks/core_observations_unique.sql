-- Each (series_id, obs_date) has exactly one current value.
select series_id, obs_date, count(*) as copies
from core.observations
group by 1, 2
having count(*) > 1
