-- Every catalog series holds at least one observation.
select s.series_id
from core.series s
anti join core.observations o using (series_id)
