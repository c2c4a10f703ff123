-- Current values and raw history agree both ways: every current value is the latest value
-- recorded in raw history for its date (and vintage), and every date whose latest raw value is
-- not a removal (NULL) still has a current value.
with latest_raw as (
    select series_id, obs_date, vintage, value
    from raw.observations
    qualify row_number() over (partition by series_id, obs_date, vintage order by fetched_at desc) = 1
), latest_raw_per_date as (
    select series_id, obs_date, value
    from raw.observations
    qualify row_number() over (partition by series_id, obs_date order by fetched_at desc) = 1
), core_not_in_raw as (
    select c.series_id, c.obs_date, c.value, 'current value not in raw history' as problem
    from core.observations c
    anti join latest_raw r
        on r.series_id = c.series_id and r.obs_date = c.obs_date
       and r.vintage is not distinct from c.vintage and r.value = c.value
), raw_missing_from_core as (
    select r.series_id, r.obs_date, r.value, 'raw value missing from core' as problem
    from latest_raw_per_date r
    anti join core.observations c on c.series_id = r.series_id and c.obs_date = r.obs_date
    where r.value is not null
), final as (
    select * from core_not_in_raw
    union all
    select * from raw_missing_from_core
)
select * from final
