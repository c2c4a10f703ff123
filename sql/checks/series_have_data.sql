-- Every catalog series holds at least one observation, unless its latest load found no data in
-- the range it asked for (a backfill of years before the series starts or after it ends).
with latest_load as (
    select series_id, status from ops.loads
    qualify row_number() over (partition by series_id order by loaded_at desc) = 1
), final as (
    select s.series_id
    from core.series s
    anti join core.observations o using (series_id)
    left join latest_load l using (series_id)
    where l.status is distinct from 'no_data'
)
select * from final
