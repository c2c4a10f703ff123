"""Read path: current observations, the catalog and auctions for the analyses and readers."""
from __future__ import annotations

from datetime import date

import pandas as pd

from seesaw.warehouse.snapshot import ReadConnection


def observations(con: ReadConnection, series_ids: list[str] | None = None) -> pd.DataFrame:
    """Long frame (series_id, obs_date, value) of current values (as known on a past day:
    ``warehouse.pit.known_observations``)."""
    ids_filter = "series_id in (select unnest(?::varchar[]))" if series_ids else "true"
    params: list[list[str]] = [series_ids] if series_ids else []
    sql = f"select series_id, obs_date, value from core.observations where {ids_filter} order by 1, 2"
    return con.execute(sql, params).df()


def catalog(con: ReadConnection) -> pd.DataFrame:
    """The series catalog ordered by id."""
    return con.execute("select * from core.series order by series_id").df()


def auctions(con: ReadConnection, as_of: date | None = None) -> pd.DataFrame:
    """Current Treasury auction rows (``core.auctions``), auctions held on or before ``as_of``."""
    return con.execute(
        "select * exclude (run_id) from core.auctions where ?::date is null or auction_date <= ?::date"
        " order by auction_date, cusip", [as_of, as_of]
    ).df()


def model_fits(con: ReadConnection) -> pd.DataFrame:
    """Stored model fits (one row per fit id) with their filter state."""
    return con.execute("select * from results.model_fits").df()


#: Results tables an analysis may read back during a run (``Context.written``), with their query.
WRITTEN_TABLES = {
    "results.correlations": "select * from results.correlations "
                            "order by market, asset_a, asset_b, method, freq, window_size, obs_date",
}


def written(con: ReadConnection, table: str) -> pd.DataFrame:
    """Every row of results ``table`` (one of ``WRITTEN_TABLES``) as stored now."""
    if table not in WRITTEN_TABLES:
        raise ValueError(f"{table} cannot be read back (readable: {', '.join(WRITTEN_TABLES)})")
    return con.execute(WRITTEN_TABLES[table]).df()


HEADLINE_SQL = """
with ranked as (
    select *, row_number() over newest as k, avg(corr) over path as mean_corr,
           avg(case when p_value < 0.05 then 1.0 else 0.0 end) over path as share_sig
    from results.correlations
    window path as (partition by market, asset_a, asset_b, method, freq, window_size, horizon_periods),
           newest as (partition by market, asset_a, asset_b, method, freq, window_size, horizon_periods
                      order by obs_date desc)
)
select market, asset_a as equity, asset_b as bond, method, freq, window_size as "window",
       horizon_periods as horizon, obs_date as latest, round(corr, 3) as corr, round(p_value, 4) as p_value,
       round(mean_corr, 3) as mean_corr, round(100 * share_sig, 1) as pct_significant
from ranked where k = 1 order by market, equity, bond, method, freq, "window", horizon
"""


def headline(con: ReadConnection) -> pd.DataFrame:
    """Latest stock–bond correlation per pair, method, frequency and window, with its mean and
    the share of significant dates (p < 0.05) over the whole history."""
    return con.execute(HEADLINE_SQL).df()


SERIES_STATUS_SQL = """
with last_load as (
    select series_id, status as last_load_status, error as last_error, loaded_at as last_loaded_at
    from ops.loads qualify row_number() over (partition by series_id order by loaded_at desc) = 1
), coverage as (
    select series_id, min(obs_date) as first_date, max(obs_date) as last_date, count(*) as n_obs
    from core.observations group by 1
), final as (
    select s.series_id, s.frequency, s.source, c.first_date, c.last_date, c.n_obs,
           date_diff('day', c.last_date, current_date) as age_days,
           case s.frequency when 'D' then 5 when 'W' then 14 when 'M' then 62 when 'Q' then 140 else 400 end
               as stale_after_days,
           l.last_load_status, l.last_error
    from core.series s left join coverage c using (series_id) left join last_load l using (series_id)
)
select *, coalesce(age_days > stale_after_days, true) as stale from final order by series_id
"""


def series_status(con: ReadConnection) -> pd.DataFrame:
    """Per catalog series: coverage, age in days of its last observation today, the age its
    frequency allows, its latest load's status and error, and whether it is stale."""
    return con.execute(SERIES_STATUS_SQL).df()


def recent_runs(con: ReadConnection, limit: int = 5) -> pd.DataFrame:
    """The ``limit`` newest runs with their status and message."""
    return con.execute("select run_id, flow, profile, started_at, finished_at, status, message"
                       " from ops.runs order by started_at desc limit ?", [limit]).df()


def failed_checks(con: ReadConnection) -> pd.DataFrame:
    """Checks that did not pass in the latest run that recorded checks."""
    return con.execute("""
        select check_name, status, failing_rows, detail from ops.checks
        where run_id = (select max(run_id) from ops.checks) and status <> 'pass'""").df()


def series_list(con: ReadConnection) -> pd.DataFrame:
    """The catalog's descriptive columns (no timestamps), by id."""
    return con.execute("select series_id, name, source, source_code, frequency, unit, kind, country"
                       " from core.series order by series_id").df()


def latest_profile(con: ReadConnection) -> str | None:
    """Profile of the newest recorded run, or None when no run is recorded."""
    row = con.execute("select profile from ops.runs order by started_at desc limit 1").fetchone()
    return row[0] if row else None

