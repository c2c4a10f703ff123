"""Named read queries behind the HTML report: results.*, ops.* and core.series, as frames.

Every query that shows observations takes ``cutoff`` (the as-of date; ``date.max`` style
stand-in when there is none) so a replayed report never sees a row dated after it. The
report's arithmetic and layout live in ``seesaw.reports``; this module only reads.
"""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from seesaw.warehouse.snapshot import ReadConnection


def _df(con: ReadConnection, sql: str, **params: object) -> pd.DataFrame:
    return con.execute(sql, params or None).df()


def latest_correlations(con: ReadConnection, cutoff: date) -> pd.DataFrame:
    """Latest value of every correlation path (market upper-cased) with the value one period
    earlier (``prev_corr``, ``prev_date``) and the change since (``corr_change``), the shares of
    positive and significant dates and the first date of its history; ordered by market, method
    (rolling first), frequency, window and pair."""
    return _df(con, """
        with c as (
            select upper(market) as market, asset_a, asset_b, method, freq, window_size, horizon_periods, obs_date,
                   corr, p_value, n
            from results.correlations
            where obs_date <= $cutoff
        ), ranked as (
            select *,
                   row_number() over newest as k,
                   lead(corr) over newest as prev_corr,
                   lead(obs_date) over newest as prev_date,
                   avg(case when corr > 0 then 1.0 else 0.0 end) over grp as share_positive,
                   avg(case when p_value < 0.05 then 1.0 else 0.0 end) over grp as share_significant,
                   min(obs_date) over grp as first_date
            from c
            window grp as (partition by market, asset_a, asset_b, method, freq, window_size, horizon_periods),
                   newest as (partition by market, asset_a, asset_b, method, freq, window_size, horizon_periods
                              order by obs_date desc)
        )
        select * exclude (k), corr - prev_corr as corr_change from ranked where k = 1
        order by market, method desc, freq, window_size, asset_a, asset_b""", cutoff=cutoff)


def rolling_paths(con: ReadConnection, cutoff: date, market: str, asset_a: str, asset_b: str,
                  freq: str | None = None) -> pd.DataFrame:
    """Rolling correlation paths of one pair (every window; one frequency when ``freq`` is given)."""
    return _df(con, """
        select freq, window_size, horizon_periods, obs_date, corr, p_value from results.correlations
        where method = 'rolling' and upper(market) = $market and asset_a = $a and asset_b = $b
          and ($freq is null or freq = $freq) and obs_date <= $cutoff
        order by freq, horizon_periods, window_size, obs_date""",
               cutoff=cutoff, market=market, a=asset_a, b=asset_b, freq=freq)


def panel_summary(con: ReadConnection, cutoff: date) -> pd.DataFrame:
    """``results.panel_summary`` (market upper-cased): per monthly rolling path, its latest value,
    p value, effective n, data cutoff, shares positive and significant, last sign change and
    current phase; paths whose data cutoff is after ``cutoff`` are left out."""
    return _df(con, """
        select * replace (upper(market) as market) from results.panel_summary
        where data_cutoff <= $cutoff
        order by market, asset_a, asset_b, window_size, horizon_periods""", cutoff=cutoff)


def corr_phases(con: ReadConnection, cutoff: date, market: str) -> pd.DataFrame:
    """Rising/falling phases (``results.corr_phases``) of one market's monthly rolling paths that
    start by ``cutoff``, by path and start date."""
    return _df(con, """
        select asset_a, asset_b, window_size, horizon_periods, phase, start_date, end_date, months, corr_start,
               corr_end, recognized_date, ongoing
        from results.corr_phases where upper(market) = $market and start_date <= $cutoff
        order by asset_a, asset_b, window_size, horizon_periods, start_date""", cutoff=cutoff, market=market)


def dcc_paths(con: ReadConnection, cutoff: date) -> pd.DataFrame:
    """DCC and ADCC conditional correlation paths (market upper-cased)."""
    return _df(con, """
        select upper(market) as market, asset_a, asset_b, method, freq, obs_date, corr, p_value, n
        from results.correlations where method in ('dcc', 'adcc') and obs_date <= $cutoff
        order by market, asset_a, asset_b, method, obs_date""", cutoff=cutoff)


def sign_agreement(con: ReadConnection, cutoff: date) -> pd.DataFrame:
    """Month-end sign agreement of DCC/ADCC paths with the rolling paths of their pair (market
    upper-cased), whose common months end by ``cutoff``; shortest rolling window first."""
    return _df(con, """
        select upper(market) as market, asset_a, asset_b, method, freq, rolling_freq, window_size, start_date,
               end_date, months, same_sign_share
        from results.correlation_sign_agreement where end_date <= $cutoff
        order by market, asset_a, asset_b, method, freq, window_size, rolling_freq""", cutoff=cutoff)


def flagged_fits(con: ReadConnection, cutoff: date) -> pd.DataFrame:
    """The latest fit of each DCC/ADCC model (market upper-cased) whose sample ends by ``cutoff``,
    when it is not converged (e.g. a univariate GARCH on the stationarity boundary), with why."""
    return _df(con, """
        select upper(market) as market, model, assets, sample_end, message from results.model_fits
        where sample_end <= $cutoff
        qualify row_number() over (partition by model, market, assets order by sample_end desc, fitted_at desc) = 1
            and not converged
        order by market, model""", cutoff=cutoff)


def latest_regimes(con: ReadConnection, cutoff: date) -> pd.DataFrame:
    """The latest regime label per framework and market (market upper-cased) with the first date
    of its current run (``since``), in framework, market order."""
    return _df(con, """
        select framework, upper(market) as market, obs_date, label, run_start as since, detail
        from results.regimes where obs_date <= $cutoff
        qualify row_number() over (partition by framework, upper(market) order by obs_date desc) = 1
        order by framework, market""", cutoff=cutoff)


def latest_term_premia(con: ReadConnection, cutoff: date) -> pd.DataFrame:
    """Latest 1- and 10-year term premium (and priced cuts) per source."""
    return _df(con, """
        select source, tenor_years, obs_date, term_premium_pct, priced_cuts from results.term_premia
        where obs_date <= $cutoff and tenor_years in (1, 10)
        qualify row_number() over (partition by source, tenor_years order by obs_date desc, freq) = 1
        order by source desc""", cutoff=cutoff)


def term_premia(con: ReadConnection, cutoff: date) -> pd.DataFrame:
    """1- and 10-year term premium histories of every source and frequency."""
    return _df(con, """
        select obs_date, tenor_years, source, freq, term_premium_pct, priced_cuts from results.term_premia
        where obs_date <= $cutoff and tenor_years in (1, 10) order by source, tenor_years, obs_date""",
               cutoff=cutoff)


def term_premium_tracking(con: ReadConnection, cutoff: date, tenor_years: int) -> pd.DataFrame:
    """How seesaw's ACM tracks the NY Fed's at one tenor (at most one row), when its common
    months end by ``cutoff``."""
    return _df(con, """
        select source, reference, start_date, end_date, months, corr, p_value, rmse_pp
        from results.term_premium_tracking
        where tenor_years = $tenor and end_date <= $cutoff""", cutoff=cutoff, tenor=tenor_years)


def erp_model(con: ReadConnection, cutoff: date) -> pd.DataFrame:
    """The equity risk premium model rows, by date."""
    return _df(con, "select * from results.erp_model where obs_date <= $cutoff order by obs_date", cutoff=cutoff)


def move_metrics(con: ReadConnection, cutoff: date) -> pd.DataFrame:
    """MOVE (and VIX) metrics on days with a MOVE value, by date."""
    return _df(con, "select * from results.move_metrics where obs_date <= $cutoff and move is not null "
                    "order by obs_date", cutoff=cutoff)


def latest_move(con: ReadConnection, cutoff: date) -> pd.DataFrame:
    """The latest MOVE level with its 1-year percentile rank and z-score (at most one row)."""
    return _df(con, """
        select obs_date, move, move_pct_rank_1y, move_z from results.move_metrics
        where obs_date <= $cutoff and move is not null order by obs_date desc limit 1""", cutoff=cutoff)


def latest_events(con: ReadConnection, cutoff: date, limit: int = 10) -> pd.DataFrame:
    """The ``limit`` latest stress events of any type, newest and highest-scoring first."""
    return _df(con, """
        select obs_date, event_type, market, window_days, score, detail from results.events
        where obs_date <= $cutoff order by obs_date desc, score desc limit $limit""", cutoff=cutoff, limit=limit)


def move_spikes(con: ReadConnection, cutoff: date) -> pd.DataFrame:
    """``move_spike`` events by date."""
    return _df(con, """
        select obs_date, score, detail from results.events
        where event_type = 'move_spike' and obs_date <= $cutoff order by obs_date""", cutoff=cutoff)


def auction_metrics(con: ReadConnection, cutoff: date) -> pd.DataFrame:
    """Auction metrics of every auction held on or before ``cutoff``, by date."""
    return _df(con, "select * from results.auction_metrics where auction_date <= $cutoff order by auction_date",
               cutoff=cutoff)


def rebalancing_flows(con: ReadConnection, cutoff: date) -> pd.DataFrame:
    """Rebalancing flows of every scenario (realized ``history_*`` and forward), by scenario and date."""
    return _df(con, "select * from results.rebalancing_flows where obs_date <= $cutoff order by scenario, obs_date",
               cutoff=cutoff)


def rebalancing_summary(con: ReadConnection, cutoff: date) -> pd.DataFrame:
    """Per rebalancing scenario whose last period ends by ``cutoff``: coverage, last fund, mean
    flows and supply shares, and the recent-window means, by scenario."""
    return _df(con, "select * from results.rebalancing_summary where last_date <= $cutoff order by scenario",
               cutoff=cutoff)


def mc_risk(con: ReadConnection) -> pd.DataFrame:
    """The Monte Carlo risk sweeps (simulations carry no observation date)."""
    return _df(con, "select * from results.mc_risk order by scenario, months, rho, equity_weight")


def mc_weight_choice(con: ReadConnection) -> pd.DataFrame:
    """Per Monte Carlo sweep: the least-drawdown, least-volatility and return-plateau equity weights."""
    return _df(con, "select * from results.mc_weight_choice order by scenario, months, rho")


def macro_drivers(con: ReadConnection, cutoff: date) -> pd.DataFrame:
    """Macro uncertainty drivers and the stock–bond correlation A, by market and date."""
    return _df(con, "select * from results.macro_drivers where obs_date <= $cutoff order by market, obs_date",
               cutoff=cutoff)


def latest_vecm_forecasts(con: ReadConnection, cutoff: date) -> pd.DataFrame:
    """Per market, the VECM forecast path from the latest origin on or before ``cutoff``."""
    return _df(con, """
        select * from results.vecm_forecasts where origin_date <= $cutoff
        qualify origin_date = max(origin_date) over (partition by market) order by market, step""", cutoff=cutoff)


def vecm_tests(con: ReadConnection) -> pd.DataFrame:
    """VECM diagnostics by market and test."""
    return _df(con, "select * from results.vecm_tests order by market, test")


def series_freshness(con: ReadConnection, cutoff: date) -> pd.DataFrame:
    """Per catalog series: coverage up to ``cutoff`` and its latest load."""
    return _df(con, """
        with coverage as (
            select series_id, min(obs_date) as first_date, max(obs_date) as last_date, count(*) as n_obs
            from core.observations where obs_date <= $cutoff group by 1
        ), last_load as (
            select series_id, status as load_status, error, loaded_at, rows_inserted, rows_changed from ops.loads
            qualify row_number() over (partition by series_id order by loaded_at desc) = 1
        )
        select s.series_id, s.name, s.frequency, s.unit, s.source, c.first_date, c.last_date, c.n_obs,
               l.load_status, l.error, l.loaded_at, l.rows_inserted, l.rows_changed
        from core.series s left join coverage c using (series_id) left join last_load l using (series_id)
        order by s.series_id""", cutoff=cutoff)


def series_names(con: ReadConnection) -> dict[str, tuple[str, str]]:
    """series_id → (name, unit) from the catalog."""
    rows = con.execute("select series_id, name, unit from core.series").fetchall()
    return {sid: (name, unit) for sid, name, unit in rows}


def runs(con: ReadConnection) -> pd.DataFrame:
    """Every recorded run, newest first."""
    return _df(con, "select run_id, flow, profile, started_at, finished_at, status from ops.runs "
                    "order by started_at desc")


def latest_run(con: ReadConnection) -> tuple[str, str, str, datetime] | None:
    """(run_id, profile, status, started_at) of the newest run, or None."""
    return con.execute("select run_id, profile, status, started_at from ops.runs "
                       "order by started_at desc limit 1").fetchone()


def market_cutoffs(con: ReadConnection) -> pd.DataFrame:
    """Per market (upper-cased): the common cutoff of its freshest stock–bond pair (``cutoff``,
    from ``results.analysis_cutoffs`` of the rolling correlations) and whether every pair of the
    market has a stale input (``stale``)."""
    return _df(con, """
        with pairs as (
            select upper(market) as market, key, min(common_cutoff) as cutoff, bool_or(stale) as stale
            from results.analysis_cutoffs
            where analysis = 'rolling_correlations' and market is not null
            group by all
        )
        select market, max(cutoff) as cutoff, bool_and(stale) as stale from pairs group by market""")


def stale_cutoffs(con: ReadConnection) -> pd.DataFrame:
    """Input combinations of the latest analyses with a stale input: ``analysis, market``
    (upper-cased), ``key``, ``common_cutoff`` and the stale ``series`` (comma-separated)."""
    return _df(con, """
        select analysis, upper(market) as market, key, min(common_cutoff) as common_cutoff,
               string_agg(distinct series_id, ', ' order by series_id) filter (where stale) as series
        from results.analysis_cutoffs
        group by all having bool_or(stale)""")


def run_loads(con: ReadConnection, run_id: str) -> pd.DataFrame:
    """The loads of one run, most new or revised rows first."""
    return _df(con, """
        select series_id, rows_inserted, rows_changed, rows_rejected, status from ops.loads
        where run_id = $run order by rows_inserted + rows_changed desc, series_id""", run=run_id)


def step_status_changes(con: ReadConnection, run_id: str, previous_run_id: str) -> pd.DataFrame:
    """Analysis steps whose status differs between two runs (``before`` NULL: new step)."""
    return _df(con, """
        select a.step, b.status as before, a.status as after
        from ops.analyses a left join ops.analyses b on a.step = b.step and b.run_id = $prev
        where a.run_id = $run and a.status is distinct from b.status order by a.step""",
               run=run_id, prev=previous_run_id)


def newly_failing_checks(con: ReadConnection, run_id: str, previous_run_id: str) -> pd.DataFrame:
    """Checks not passing in ``run_id`` that passed (or did not exist) in ``previous_run_id``."""
    return _df(con, """
        select a.check_name from ops.checks a
        left join ops.checks b on a.check_name = b.check_name and b.run_id = $prev
        where a.run_id = $run and a.status <> 'pass' and coalesce(b.status, 'pass') = 'pass'
        order by 1""", run=run_id, prev=previous_run_id)


def latest_checks(con: ReadConnection) -> pd.DataFrame:
    """Data-quality checks of the latest run that recorded any, failing ones first."""
    return _df(con, """
        select run_id, check_name, status, failing_rows, detail, checked_at from ops.checks
        where run_id = (select run_id from ops.checks order by checked_at desc limit 1)
        order by status = 'pass', check_name""")


def latest_steps(con: ReadConnection) -> pd.DataFrame:
    """The latest ``ops.analyses`` row of every analysis step, by step."""
    return _df(con, """
        select step, status, rows_written, message, seconds, run_id, finished_at from ops.analyses
        qualify row_number() over (partition by step order by finished_at desc) = 1
        order by step""")
