"""Named read queries behind the notebook API (``seesaw.open``): results and catalog as frames.

Every filter is optional (``None`` matches everything; ``start``/``end`` bound ``obs_date``,
inclusive); markets match case-insensitively. Rows come back in date order within each path, with
``obs_date`` as a column; ``seesaw.api`` turns it into the index.
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from seesaw.warehouse.db import quote_identifier
from seesaw.warehouse.snapshot import ReadConnection


def _df(con: ReadConnection, sql: str, **params: object) -> pd.DataFrame:
    return con.execute(sql, params or None).df()


def catalog(con: ReadConnection) -> pd.DataFrame:
    """One row per series: id, human name, unit, frequency, kind, country, source."""
    return _df(con, """
        select series_id, name, unit, frequency, kind, country, source
        from core.series order by series_id""")


def correlations(con: ReadConnection, market: str | None, basis: str | None, method: str | None,
                 window: int | None, freq: str | None, equity: str | None, bond: str | None, start: date | None,
                 end: date | None) -> pd.DataFrame:
    """Stock–bond correlation paths with both legs' names, significance and each path's data cutoff
    (its newest window end)."""
    return _df(con, """
        with names as (
            select series_id, name from core.series
        ), selected as (
            select * from results.correlations
            where ($market is null or upper(market) = upper($market))
              and ($basis is null or basis = $basis)
              and ($method is null or method = $method)
              and ($window is null or window_size = $window)
              and ($freq is null or freq = $freq)
              and ($equity is null or asset_a = $equity)
              and ($bond is null or asset_b = $bond)
        ), final as (
            select c.obs_date, upper(c.market) as market,
                   c.asset_a as equity, e.name as equity_name, c.asset_b as bond, b.name as bond_name,
                   c.basis, c.method, c.freq, c.window_size as "window", c.corr, c.t_stat, c.p_value, c.n,
                   max(c.obs_date) over (partition by c.market, c.asset_a, c.asset_b, c.basis, c.method, c.freq,
                                                      c.window_size) as data_cutoff
            from selected c left join names e on e.series_id = c.asset_a left join names b on b.series_id = c.asset_b
        )
        select * from final
        where ($start is null or obs_date >= $start) and ($end is null or obs_date <= $end)
        order by market, equity, bond, basis, method, freq, "window", obs_date""",
               market=market, basis=basis, method=method, window=window, freq=freq, equity=equity, bond=bond,
               start=start, end=end)


def regimes(con: ReadConnection, framework: str | None, market: str | None, start: date | None,
            end: date | None) -> pd.DataFrame:
    """Regime labels per framework and market, by date."""
    return _df(con, """
        select obs_date, framework, upper(market) as market, label, detail from results.regimes
        where ($framework is null or framework = $framework) and ($market is null or upper(market) = upper($market))
          and ($start is null or obs_date >= $start) and ($end is null or obs_date <= $end)
        order by framework, market, obs_date""", framework=framework, market=market, start=start, end=end)


def events(con: ReadConnection, event_type: str | None, market: str | None, start: date | None,
           end: date | None) -> pd.DataFrame:
    """Stress events, by date (highest score first within a day)."""
    return _df(con, """
        select obs_date, event_type, upper(market) as market, window_days, score, detail from results.events
        where ($event_type is null or event_type = $event_type) and ($market is null or upper(market) = upper($market))
          and ($start is null or obs_date >= $start) and ($end is null or obs_date <= $end)
        order by obs_date, score desc""", event_type=event_type, market=market, start=start, end=end)


def term_premia(con: ReadConnection, source: str | None, tenor: int | None, freq: str | None, start: date | None,
                end: date | None) -> pd.DataFrame:
    """Term premium rows (percent p.a.) per source, tenor and frequency, by date."""
    return _df(con, """
        select obs_date, source, freq, tenor_years, term_premium_pct, fitted_yield_pct, risk_neutral_yield_pct,
               priced_cuts
        from results.term_premia
        where ($source is null or source = $source) and ($tenor is null or tenor_years = $tenor)
          and ($freq is null or freq = $freq)
          and ($start is null or obs_date >= $start) and ($end is null or obs_date <= $end)
        order by source, freq, tenor_years, obs_date""", source=source, tenor=tenor, freq=freq, start=start, end=end)


def table_columns(con: ReadConnection, schema: str, table: str) -> list[str]:
    """The columns of ``schema.table`` in order; empty when there is no such table."""
    rows = con.execute("""
        select column_name from information_schema.columns
        where table_catalog = current_database() and table_schema = $schema and table_name = $table
        order by ordinal_position""", {"schema": schema, "table": table}).fetchall()
    return [row[0] for row in rows]


def schema_tables(con: ReadConnection, schema: str) -> list[str]:
    """The tables (or views) of ``schema``, sorted."""
    rows = con.execute("""
        select table_name from information_schema.tables
        where table_catalog = current_database() and table_schema = $schema order by 1""",
                       {"schema": schema}).fetchall()
    return [row[0] for row in rows]


def pit_rows(con: ReadConnection, table: str, as_of: date | None) -> pd.DataFrame:
    """The rows of ``pit.<table>`` (``table`` must be one of ``schema_tables(con, 'pit')``): all of
    them, or those of the newest ``as_of`` on or before the given day."""
    qualified = f"pit.{quote_identifier(table)}"
    return _df(con, f"""
        with chosen as (
            select max(as_of) as as_of from {qualified} where as_of <= $as_of
        )
        select * from {qualified}
        where $as_of is null or as_of = (select as_of from chosen)
        order by all""", as_of=as_of)
