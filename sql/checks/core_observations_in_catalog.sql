-- Every observed series is described in the catalog.
select distinct o.series_id
from core.observations o
anti join core.series s using (series_id)
