-- Yields and rates stay within -5 .. 40 percent p.a.; index levels are positive.
-- (Prices are not checked for sign: futures such as WTI settled below zero on 2020-04-20.)
select o.series_id, o.obs_date, o.value, s.kind
from core.observations o
join core.series s using (series_id)
where (s.kind in ('yield', 'rate') and (o.value < -5 or o.value > 40))
   or (s.kind in ('index', 'level') and o.value <= 0)
