"""Read path: observations (current or as of a date) and catalog lookups for transforms."""
from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd


def observations(con: duckdb.DuckDBPyConnection, series_ids: list[str] | None = None,
                 as_of: date | None = None) -> pd.DataFrame:
    """Long frame (series_id, obs_date, value) of current values, or as known on ``as_of``.

    As of D: only observations dated <= D; for series with vintages (ALFRED), the latest vintage
    released on or before D, read from ``raw.observations`` (point-in-time).
    """
    ids_filter = "series_id in (select unnest(?::varchar[]))" if series_ids else "true"
    params: list = [series_ids] if series_ids else []
    if as_of is None:
        sql = f"select series_id, obs_date, value from core.observations where {ids_filter} order by 1, 2"
        return con.execute(sql, params).df()
    sql = f"""
        with vintaged as (
            select distinct series_id from raw.observations where vintage is not null
        ), point_in_time as (
            select series_id, obs_date, value from raw.observations
            where vintage is not null and vintage <= ?::date and obs_date <= ?::date
            qualify row_number() over (partition by series_id, obs_date order by vintage desc, fetched_at desc) = 1
        ), plain as (
            select series_id, obs_date, value from core.observations
            where obs_date <= ?::date and series_id not in (select series_id from vintaged)
        ), final as (
            select * from point_in_time union all select * from plain
        )
        select * from final where {ids_filter} order by 1, 2
    """
    return con.execute(sql, [as_of, as_of, as_of, *params]).df()


def catalog(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The series catalog ordered by id."""
    return con.execute("select * from core.series order by series_id").df()


def auctions(con: duckdb.DuckDBPyConnection, as_of: date | None = None) -> pd.DataFrame:
    """Current Treasury auction rows (``core.auctions``), auctions held on or before ``as_of``."""
    return con.execute(
        "select * exclude (run_id) from core.auctions where ?::date is null or auction_date <= ?::date"
        " order by auction_date, cusip", [as_of, as_of]
    ).df()


def model_fits(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Stored model fits (one row per fit id) with their filter state."""
    return con.execute("select * from results.model_fits").df()


HEADLINE_SQL = """
with ranked as (
    select *, row_number() over (partition by market, asset_a, asset_b, method, freq, window_size
                                 order by obs_date desc) as k,
           avg(corr) over (partition by market, asset_a, asset_b, method, freq, window_size) as mean_corr,
           avg(case when p_value < 0.05 then 1.0 else 0.0 end)
               over (partition by market, asset_a, asset_b, method, freq, window_size) as share_sig
    from results.correlations
)
select market, asset_a as equity, asset_b as bond, method, freq, window_size as "window",
       obs_date as latest, round(corr, 3) as corr, round(p_value, 4) as p_value,
       round(mean_corr, 3) as mean_corr, round(100 * share_sig, 1) as pct_significant
from ranked where k = 1 order by market, equity, bond, method, freq, "window"
"""


def headline(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Latest stock–bond correlation per pair, method, frequency and window, with its mean and
    the share of significant dates (p < 0.05) over the whole history."""
    return con.execute(HEADLINE_SQL).df()
