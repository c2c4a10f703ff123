-- Every current value is the latest value recorded in raw history for its date (and vintage).
with latest_raw as (
    select series_id, obs_date, vintage, value
    from raw.observations
    qualify row_number() over (partition by series_id, obs_date, vintage order by fetched_at desc) = 1
)
select c.series_id, c.obs_date, c.value
from core.observations c
anti join latest_raw r
    on r.series_id = c.series_id and r.obs_date = c.obs_date
   and r.vintage is not distinct from c.vintage and r.value = c.value
