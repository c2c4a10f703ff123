"""Report sections: each reads results.* / ops.* (and core.series for names), computes a
one-line reading and returns a ``Section``; an empty input table yields a "missing" section
that says which series or step is absent.
"""
from __future__ import annotations

from collections.abc import Callable

import matplotlib.dates as mdates
import numpy as np
import pandas as pd

from seesaw.reports import charts
from seesaw.reports.context import Reader, Section, missing
from seesaw.reports.render import (
    card,
    day,
    esc,
    num,
    ordinal,
    pct,
    pvalue,
    signed,
    significance,
    stamp,
    table,
    text,
    usd_bn,
    window_label,
)

#: Correlation history for China starts here (seed 003's sample).
CN_HISTORY_START = pd.Timestamp("2005-01-01")
#: Days a series may go without a new observation before it counts as stale (as ``seesaw status``).
STALE_AFTER_DAYS = {"D": 5, "W": 14, "M": 62, "Q": 140, "A": 400}


def _market_order(markets: pd.Series) -> list[str]:
    """US first, then the others alphabetically."""
    unique = sorted(set(markets))
    return sorted(unique, key=lambda m: (m != "US", m))


def _chart(fig, chart_id: str, label: str, caption: str) -> str:
    svg = charts.to_svg(fig, chart_id, label)
    return f'<figure class="chart">{svg}<figcaption>{esc(caption)}</figcaption></figure>'


def _pair_label(row: pd.Series) -> str:
    return f"{row['asset_a']} vs {row['asset_b']}"


def _corr_name(row: pd.Series) -> str:
    if row["method"] == "rolling":
        return f"{row['market']} {window_label(row['freq'], row['window_size'])}"
    return f"{row['market']} {str(row['method']).upper()} ({row['freq']})"


# --------------------------------------------------------------------------- dashboard

LATEST_CORR_SQL = """
with c as (
    select upper(market) as market, asset_a, asset_b, method, freq, window_size, obs_date, corr, p_value, n
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
    window grp as (partition by market, asset_a, asset_b, method, freq, window_size),
           newest as (partition by market, asset_a, asset_b, method, freq, window_size order by obs_date desc)
)
select * exclude (k) from ranked where k = 1
order by market, method desc, freq, window_size
"""


def latest_correlations(r: Reader) -> pd.DataFrame:
    """Latest value of every correlation path with the value one period earlier and history shares."""
    return r.df(LATEST_CORR_SQL)


def headline(latest: pd.DataFrame, market: str) -> pd.Series | None:
    """The market's headline rolling correlation: monthly 36-month if present, else the longest history."""
    rows = latest[(latest["market"] == market) & (latest["method"] == "rolling")]
    if rows.empty:
        return None
    key = pd.DataFrame({"not_m": rows["freq"] != "M", "gap": (rows["window_size"] - 36).abs(),
                        "first": rows["first_date"]}, index=rows.index)
    return rows.loc[key.sort_values(["not_m", "gap", "first"]).index[0]]


def correlation_sentence(row: pd.Series) -> str:
    """'US 36-month stock–bond correlation (a vs b) is +0.21 (p = 0.230, not significant) as of D; …'."""
    return (f"{_corr_name(row)} stock–bond correlation ({_pair_label(row)}) is {signed(row['corr'])} "
            f"({pvalue(row['p_value'])}, {significance(row['p_value'])}) as of {day(row['obs_date'])}; "
            f"it has been positive {row['share_positive']:.0%} of the time since {day(row['first_date'])}")


def _regime_runs(r: Reader) -> pd.DataFrame:
    """Latest label per framework and market with the date its current run began."""
    regimes = r.df("""select framework, upper(market) as market, obs_date, label, detail
                      from results.regimes where obs_date <= $cutoff order by framework, market, obs_date""")
    if regimes.empty:
        return regimes.assign(since=pd.Series(dtype="datetime64[ns]"))
    new_run = regimes.groupby(["framework", "market"])["label"].transform(lambda s: s.ne(s.shift()).cumsum())
    regimes["since"] = regimes.groupby(["framework", "market", new_run])["obs_date"].transform("min")
    return regimes.groupby(["framework", "market"], as_index=False).tail(1).reset_index(drop=True)


def _what_changed(r: Reader, latest: pd.DataFrame) -> str:
    runs = r.df("select run_id, flow, profile, started_at, finished_at, status from ops.runs order by started_at desc")
    if runs.empty:
        return '<p class="muted">No runs recorded in ops.runs: nothing to compare.</p>'
    now = runs.iloc[0]
    earlier = runs[(runs["started_at"] < now["started_at"]) & runs["status"].isin(["ok", "partial"])]
    loads = r.df("""select series_id, rows_inserted, rows_changed, rows_rejected, status from ops.loads
                    where run_id = $run order by rows_inserted + rows_changed desc, series_id""", run=now["run_id"])
    items = [(f"Latest run <code>{esc(now['run_id'])}</code> ({esc(now['flow'])}, profile {esc(now['profile'])}, "
              f"<b>{esc(now['status'])}</b>) started {stamp(now['started_at'])}: {len(loads)} series loaded, "
              f"{int(loads['rows_inserted'].sum()):,} new rows, {int(loads['rows_changed'].sum()):,} revised, "
              f"{int(loads['rows_rejected'].sum()):,} rejected.")]
    moved = loads[(loads["rows_inserted"] + loads["rows_changed"]) > 0].head(8)
    if len(moved):
        parts = [f"{esc(row.series_id)} (+{row.rows_inserted:,} new, {row.rows_changed:,} revised)"
                 for row in moved.itertuples()]
        items.append("Series with new or revised rows: " + ", ".join(parts) + ".")
    failed = loads[loads["status"] == "failed"]
    if len(failed):
        items.append("Failed loads: " + ", ".join(esc(s) for s in failed["series_id"]) + ".")
    if earlier.empty:
        items.append("No earlier successful run to compare analyses and checks with.")
    else:
        prev = earlier.iloc[0]
        items.append(f"Compared with the previous successful run <code>{esc(prev['run_id'])}</code> "
                     f"(finished {stamp(prev['finished_at'])}):")
        steps = r.df("""select a.step, b.status as before, a.status as after
                        from ops.analyses a left join ops.analyses b on a.step = b.step and b.run_id = $prev
                        where a.run_id = $run and a.status is distinct from b.status order by a.step""",
                     run=now["run_id"], prev=prev["run_id"])
        items.append("analysis steps whose status changed: " + (", ".join(
            f"{esc(s.step)} {esc(s.before or 'new')} → {esc(s.after)}" for s in steps.itertuples()) or "none") + ";")
        checks = r.df("""select a.check_name from ops.checks a
                         left join ops.checks b on a.check_name = b.check_name and b.run_id = $prev
                         where a.run_id = $run and a.status <> 'pass' and coalesce(b.status, 'pass') = 'pass'
                         order by 1""", run=now["run_id"], prev=prev["run_id"])
        items.append("checks newly failing: " + (", ".join(esc(c) for c in checks["check_name"]) or "none") + ".")
    moves = latest.dropna(subset=["prev_corr"]).assign(delta=lambda f: f["corr"] - f["prev_corr"])
    if len(moves):
        big = moves.loc[moves["delta"].abs().idxmax()]
        items.append(f"Largest correlation move since the previous period: {esc(_corr_name(big))} "
                     f"{esc(_pair_label(big))} {signed(big['delta'])} ({signed(big['prev_corr'])} on "
                     f"{day(big['prev_date'])} → {signed(big['corr'])} on {day(big['obs_date'])}).")
    return "<ul class='changes'>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def dashboard(r: Reader) -> Section:
    """Latest correlations, regimes, term premium, MOVE, events and what changed since the last run."""
    sid, title = "dashboard", "Dashboard"
    latest = latest_correlations(r)
    if latest.empty:
        return missing(sid, title, "stock–bond correlations",
                       r.reason(["correlation", "returns"], "results.correlations is empty (run `seesaw run` first)"))
    markets = _market_order(latest["market"])
    heads = [h for h in (headline(latest, m) for m in markets) if h is not None]
    reading = "; ".join(correlation_sentence(h) for h in heads[:2]) if heads else correlation_sentence(latest.iloc[0])
    cards = []
    for h in heads:
        delta = "" if pd.isna(h["prev_corr"]) else f"; {signed(h['corr'] - h['prev_corr'])} vs {day(h['prev_date'])}"
        cards.append(card(f"{_corr_name(h)} correlation", signed(h["corr"]),
                          f"{esc(_pair_label(h))}<br>{pvalue(h['p_value'])}, {significance(h['p_value'])}<br>"
                          f"as of {day(h['obs_date'])}{delta}"))
    for _, d in latest[latest["method"] != "rolling"].iterrows():
        cards.append(card(f"{_corr_name(d)} correlation", signed(d["corr"]),
                          f"{esc(_pair_label(d))}<br>{pvalue(d['p_value'])} (effective n {num(d['n'], 0)})<br>"
                          f"as of {day(d['obs_date'])}"))
    regimes = _regime_runs(r)
    sign = regimes[regimes["framework"] == "corr_sign"]
    if len(sign):
        for _, g in sign.iterrows():
            cards.append(card(f"{g['market']} correlation regime", esc(g["label"]),
                              f"since {day(g['since'])}<br>as of {day(g['obs_date'])}"))
    else:
        cards.append(card("Correlation regime", "—", esc(r.reason(["regime"], "results.regimes is empty"))))
    tp = r.df("""select source, tenor_years, obs_date, term_premium_pct, priced_cuts from results.term_premia
                 where obs_date <= $cutoff and tenor_years in (1, 10)
                 qualify row_number() over (partition by source, tenor_years order by obs_date desc, freq) = 1
                 order by source desc""")
    ten = tp[tp["tenor_years"] == 10]
    cuts = tp[(tp["tenor_years"] == 1) & tp["priced_cuts"].notna()]
    if len(ten):
        t = ten.iloc[0]
        cut_text = (f"<br>priced 25bp cuts, next 12 months: {num(cuts.iloc[0]['priced_cuts'], 1)} "
                    f"({esc(cuts.iloc[0]['source'])})" if len(cuts) else "")
        cards.append(card("10y term premium", f"{signed(t['term_premium_pct'])}%",
                          f"{esc(t['source'])}, as of {day(t['obs_date'])}{cut_text}"))
    else:
        cards.append(card("10y term premium", "—", esc(r.reason(["term", "acm"], "needs series us_acm_tp_10y"))))
    move = r.df("""select obs_date, move, move_pct_rank_1y, move_z from results.move_metrics
                   where obs_date <= $cutoff and move is not null order by obs_date desc limit 1""")
    if len(move):
        m = move.iloc[0]
        cards.append(card("MOVE (bp)", num(m["move"], 1),
                          f"{ordinal(m['move_pct_rank_1y'])} percentile of the past year, z {signed(m['move_z'], 1)}"
                          f"<br>as of {day(m['obs_date'])}"))
    else:
        cards.append(card("MOVE (bp)", "—", esc(r.reason(["move"], "needs series us_move"))))
    shown = latest.assign(window=[window_label(f, w) or f"{m.upper()} ({f})"
                                  for f, w, m in zip(latest["freq"], latest["window_size"], latest["method"], strict=True)])
    corr_table = table(shown, [
        ("market", "market", text), ("asset_a", "equity", text), ("asset_b", "bond", text),
        ("window", "path", text), ("obs_date", "as of", day), ("corr", "corr", signed),
        ("p_value", "p-value", lambda v: num(v, 3)),
        ("p_value", "sig. 5%", lambda v: "yes" if v < 0.05 else "no"),
        ("prev_corr", "prev. period", signed),
        ("share_positive", "% positive", lambda v: pct(v, 0)),
        ("share_significant", "% significant", lambda v: pct(v, 0)),
    ], row_class=lambda row: "sig" if row["p_value"] < 0.05 else "", caption=(
        "Latest stock–bond correlations (bond-return basis: positive = stocks and bonds move together). "
        "Shares are over each path's whole history."))
    regime_html = (table(regimes, [("framework", "framework", text), ("market", "market", text),
                                   ("label", "label", text), ("since", "since", day), ("obs_date", "as of", day),
                                   ("detail", "detail", text)], caption="Latest regime labels")
                   if len(regimes) else f'<p class="missing-note">No regime labels: '
                   f'{esc(r.reason(["regime"], "results.regimes is empty"))}.</p>')
    events = r.df("""select obs_date, event_type, market, window_days, score, detail from results.events
                     where obs_date <= $cutoff order by obs_date desc, score desc limit 10""")
    events_html = (table(events, [("obs_date", "date", day), ("event_type", "event", text), ("market", "market", text),
                                  ("window_days", "window (days)", lambda v: num(v, 0)),
                                  ("score", "score (z)", lambda v: num(v, 1)), ("detail", "detail", text)],
                         caption="Latest stress events")
                   if len(events) else f'<p class="missing-note">No stress events: '
                   f'{esc(r.reason(["event", "selloff", "spike"], "results.events is empty (needs us_10y, us_spx, us_dollar or us_move)"))}.</p>')
    body = (f'<div class="cards">{"".join(cards)}</div>{corr_table}'
            f'<div class="two-col"><div>{regime_html}</div><div>{events_html}</div></div>'
            f"<h3>What changed since the previous run</h3>{_what_changed(r, latest)}")
    return Section(sid, title, "ok", reading, day(latest["obs_date"].max()), body)


# --------------------------------------------------------------------------- correlation history

def _shading(r: Reader, market: str, primary: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Regime labels to shade by: ``corr_sign`` regimes, else the sign where p < 0.05 (computed here)."""
    regimes = r.df("""select obs_date, label from results.regimes
                      where framework = 'corr_sign' and upper(market) = $market and obs_date <= $cutoff
                      order by obs_date""", market=market)
    if len(regimes):
        return regimes, "shading: corr_sign regimes (results.regimes)"
    label = np.select([(primary["p_value"] < 0.05) & (primary["corr"] > 0),
                       (primary["p_value"] < 0.05) & (primary["corr"] < 0)], ["positive", "negative"], "insignificant")
    return (pd.DataFrame({"obs_date": primary["obs_date"].to_numpy(), "label": label}),
            "shading: sign of the primary window where p < 0.05 (no corr_sign regimes in results.regimes)")


def correlation_history(r: Reader) -> Section:
    """Rolling correlation history per market (US from its start, China from 2005) with regime shading."""
    sid, title = "correlation-history", "Stock–bond correlation history"
    latest = latest_correlations(r)
    if latest[latest["method"] == "rolling"].empty:
        return missing(sid, title, "rolling stock–bond correlations",
                       r.reason(["correlation", "returns"], "results.correlations has no rolling rows"))
    markets = [m for m in _market_order(latest["market"]) if headline(latest, m) is not None]
    with charts.chart_style():
        fig, axes = charts.figure(len(markets), height=2.8)
        readings, notes = [], []
        for ax, market in zip(axes, markets, strict=True):
            h = headline(latest, market)
            paths = r.df("""select window_size, obs_date, corr, p_value from results.correlations
                            where upper(market) = $market and method = 'rolling' and asset_a = $a and asset_b = $b
                              and freq = $freq and obs_date <= $cutoff
                            order by window_size, obs_date""",
                         market=market, a=h["asset_a"], b=h["asset_b"], freq=h["freq"])
            if market == "CN":
                paths = paths[paths["obs_date"] >= CN_HISTORY_START]
            primary = paths[paths["window_size"] == h["window_size"]]
            shading, note = _shading(r, market, primary)
            shading = shading[shading["obs_date"] >= paths["obs_date"].min()]
            charts.shade(ax, shading["obs_date"], shading["label"])
            series = [(f"{window_label(h['freq'], w)} window", g["obs_date"], g["corr"])
                      for w, g in paths.groupby("window_size")]
            charts.lines(ax, series, ylabel="correlation", zero=True,
                         title=f"{market}: {h['asset_a']} vs {h['asset_b']} (bond returns, {h['freq']})", legend=False)
            ax.set_ylim(-1, 1)
            ax.legend(loc="lower left", ncols=6)
            readings.append(f"{market}: {signed(h['corr'])} as of {day(h['obs_date'])}, positive "
                            f"{(primary['corr'] > 0).mean():.0%} and significant {(primary['p_value'] < 0.05).mean():.0%} "
                            f"of {window_label(h['freq'], h['window_size'])} windows since {day(primary['obs_date'].min())}")
            notes.append(f"{market}: {h['asset_a']} = {r.name(h['asset_a'])}, {h['asset_b']} = "
                         f"{r.name(h['asset_b'])}; {note}")
        body = _chart(fig, "corr-history", "stock–bond correlation history",
                      "Rolling Pearson correlation of equity and bond returns (−1..1, bond-return basis); "
                      + "; ".join(notes) + ".")
    return Section(sid, title, "ok", "; ".join(readings), day(latest["obs_date"].max()), body)


# --------------------------------------------------------------------------- DCC vs rolling

def _month_end(frame: pd.DataFrame) -> pd.Series:
    return frame.set_index(pd.to_datetime(frame["obs_date"]).dt.to_period("M"))["corr"].groupby(level=0).last()


ROLLING_PAIR_SQL = """
select freq, window_size, obs_date, corr from results.correlations
where method = 'rolling' and upper(market) = $market and asset_a = $a and asset_b = $b and obs_date <= $cutoff
order by freq, window_size, obs_date
"""


def dcc_vs_rolling(r: Reader) -> Section:
    """DCC/ADCC conditional correlation paths against rolling windows of the same pair."""
    sid, title = "dcc-vs-rolling", "DCC vs rolling correlation"
    dcc = r.df("""select upper(market) as market, asset_a, asset_b, method, freq, obs_date, corr, p_value, n
                  from results.correlations where method in ('dcc', 'adcc') and obs_date <= $cutoff
                  order by market, asset_a, asset_b, method, obs_date""")
    if dcc.empty:
        return missing(sid, title, "DCC correlations",
                       r.reason(["dcc"], "results.correlations has no dcc/adcc rows (the DCC engine has not run; "
                                         "it needs daily equity and 10-year yield series such as us_spx and us_10y)"))
    latest = latest_correlations(r)
    markets = _market_order(dcc["market"])
    readings = []
    with charts.chart_style():
        fig, axes = charts.figure(len(markets), height=2.8)
        for ax, market in zip(axes, markets, strict=True):
            mine = dcc[dcc["market"] == market]
            pair = mine.groupby(["asset_a", "asset_b"]).size().idxmax()
            mine = mine[(mine["asset_a"] == pair[0]) & (mine["asset_b"] == pair[1])]
            rolling = r.df(ROLLING_PAIR_SQL, market=market, a=pair[0], b=pair[1])
            h = headline(latest, market)
            if rolling.empty and h is not None:
                rolling = r.df(ROLLING_PAIR_SQL, market=market, a=h["asset_a"], b=h["asset_b"])
            series = [(f"{m.upper()} ({g['freq'].iloc[0]})", charts.thin(g)["obs_date"], charts.thin(g)["corr"])
                      for m, g in mine.groupby("method")]
            series += [(f"rolling {window_label(f, w)}", charts.thin(g)["obs_date"], charts.thin(g)["corr"])
                       for (f, w), g in rolling.groupby(["freq", "window_size"])]
            charts.lines(ax, series, ylabel="correlation", zero=True, title=f"{market}: {pair[0]} vs {pair[1]}")
            ax.set_ylim(-1, 1)
            main = mine[mine["method"] == "dcc"] if (mine["method"] == "dcc").any() else mine
            last = main.iloc[-1]
            text_ = (f"{market} {str(last['method']).upper()} correlation ({pair[0]} vs {pair[1]}) is "
                     f"{signed(last['corr'])} ({pvalue(last['p_value'])}, effective n {num(last['n'], 0)}) "
                     f"as of {day(last['obs_date'])}")
            if len(rolling):
                first_window = rolling[rolling["window_size"] == rolling["window_size"].min()]
                both = pd.concat({"d": _month_end(main), "r": _month_end(first_window)}, axis=1).dropna()
                if len(both):
                    agree = (np.sign(both["d"]) == np.sign(both["r"])).mean()
                    text_ += (f"; it shares the sign of the {window_label(first_window['freq'].iloc[0], first_window['window_size'].iloc[0])} "
                              f"rolling correlation at {agree:.0%} of month ends")
            readings.append(text_)
        body = _chart(fig, "dcc", "DCC versus rolling correlation",
                      "Conditional correlation from DCC/ADCC-GARCH against rolling Pearson windows (−1..1, "
                      "bond-return basis); daily paths are shown weekly.")
    return Section(sid, title, "ok", "; ".join(readings), day(dcc["obs_date"].max()), body)


# --------------------------------------------------------------------------- term premia

def _monthly_then_daily(frame: pd.DataFrame) -> pd.DataFrame:
    """Monthly history extended by the daily rows after the last month end."""
    monthly = frame[frame["freq"] == "M"]
    daily = frame[frame["freq"] == "D"]
    if len(monthly):
        daily = daily[daily["obs_date"] > monthly["obs_date"].max()]
    return charts.thin(pd.concat([monthly, daily]).sort_values("obs_date"))


def term_premia(r: Reader) -> Section:
    """10-year term premium: seesaw's ACM estimate vs the NY Fed's, and priced cuts from the 1-year premium."""
    sid, title = "term-premia", "Term premia"
    tp = r.df("""select obs_date, tenor_years, source, freq, term_premium_pct, priced_cuts from results.term_premia
                 where obs_date <= $cutoff and tenor_years in (1, 10) order by source, tenor_years, obs_date""")
    ten = tp[(tp["tenor_years"] == 10) & tp["term_premium_pct"].notna()]
    if ten.empty:
        return missing(sid, title, "10-year term premia",
                       r.reason(["term", "acm"], "needs series us_acm_tp_10y (NY Fed ACM) or a zero-coupon curve "
                                                 "for seesaw's own ACM estimate"))
    cuts = tp[(tp["tenor_years"] == 1) & tp["priced_cuts"].notna()]
    parts = []
    with charts.chart_style():
        fig, axes = charts.figure(2 if len(cuts) else 1, height=2.6)
        series = []
        for source, g in ten.groupby("source"):
            path = _monthly_then_daily(g)
            series.append((source, path["obs_date"], path["term_premium_pct"]))
            parts.append(f"{signed(path['term_premium_pct'].iloc[-1])}% ({source}, {day(path['obs_date'].iloc[-1])})")
        charts.lines(axes[0], series, ylabel="percent p.a.", zero=True, title="10-year term premium")
        if len(cuts):
            cut_series = []
            for source, g in cuts.groupby("source"):
                path = _monthly_then_daily(g)
                cut_series.append((source, path["obs_date"], path["priced_cuts"]))
            charts.lines(axes[1], cut_series, ylabel="25bp cuts", zero=True,
                         title="Priced 25bp cuts over the next year (−TP 1y / 0.25)")
        body = _chart(fig, "term-premia", "term premia", "ACM term premium, percent p.a.; seesaw_acm is our "
                      "estimate, nyfed_acm the published NY Fed series; priced cuts = −(1-year term premium)/0.25.")
    reading = "10-year term premium is " + ", ".join(parts)
    monthly = ten[ten["freq"] == "M"].pivot_table(index="obs_date", columns="source", values="term_premium_pct")
    if {"seesaw_acm", "nyfed_acm"} <= set(monthly.columns):
        both = monthly[["seesaw_acm", "nyfed_acm"]].dropna()
        if len(both) > 2:
            rmse = float(np.sqrt(((both["seesaw_acm"] - both["nyfed_acm"]) ** 2).mean()))
            reading += (f"; ours tracks the NY Fed with correlation {both.corr().iloc[0, 1]:.2f} "
                        f"(RMSE {rmse:.2f} pp) over {day(both.index.min())}–{day(both.index.max())}")
    if len(cuts):
        c = cuts.sort_values("obs_date").iloc[-1]
        reading += f"; {num(c['priced_cuts'], 1)} 25bp cuts priced over the next year ({c['source']}, {day(c['obs_date'])})"
    return Section(sid, title, "ok", reading, day(ten["obs_date"].max()), body)


# --------------------------------------------------------------------------- ERP model

def erp_model(r: Reader) -> Section:
    """Equity risk premium vs its PMI fit and the implied 10-year yield (seed 002)."""
    sid, title = "erp-model", "Equity risk premium model"
    erp = r.df("select * from results.erp_model where obs_date <= $cutoff order by obs_date")
    if erp.dropna(subset=["erp_pct"]).empty:
        return missing(sid, title, "ERP model results",
                       r.reason(["erp"], "needs a P/E series (us_spx_pe or Shiller's us_spx_shiller earnings), "
                                         "us_10y and us_pmi"))
    # The reading needs a PMI: use the latest month that has one (PMI files can end early).
    with_pmi = erp.dropna(subset=["erp_pct", "erp_fitted_pct"])
    last = (with_pmi if len(with_pmi) else erp.dropna(subset=["erp_pct"])).iloc[-1]
    with charts.chart_style():
        fig, axes = charts.figure(2, height=2.5, sharex=True)
        charts.lines(axes[0], [("ERP (earnings yield − 10y)", erp["obs_date"], erp["erp_pct"]),
                               ("fitted α + β·PMI", erp["obs_date"], erp["erp_fitted_pct"])],
                     ylabel="percentage points", title="Equity risk premium vs PMI fit")
        charts.lines(axes[1], [("10y yield", erp["obs_date"], erp["y10_pct"]),
                               ("implied 10y yield", erp["obs_date"], erp["implied_y10_pct"])],
                     ylabel="percent p.a.", title="Actual vs implied 10-year yield")
        if pd.notna(last["sample_start"]):
            for ax in axes:
                ax.axvspan(pd.Timestamp(last["sample_start"]), pd.Timestamp(last["sample_end"]),
                           color="#f3f4f6", zorder=0, label="_regression sample")
        body = _chart(fig, "erp", "ERP model", "ERP = 100/PE − y10 (percentage points); fitted ERP = α + β·PMI "
                      "(grey: regression sample); implied y10 = earnings yield − fitted ERP (percent p.a.).")
    reading = (f"ERP is {num(last['erp_pct'])} pp vs a PMI-fitted {num(last['erp_fitted_pct'])} pp "
               f"(PMI {num(last['pmi'], 1)}, P/E {num(last['pe'], 1)}) as of {day(last['obs_date'])}; the implied 10-year "
               f"yield is {num(last['implied_y10_pct'])}% vs {num(last['y10_pct'])}% actual, i.e. "
               f"{num(last['implied_cuts'], 1)} 25bp cuts")
    fit = pd.DataFrame([{"sample": f"{day(last['sample_start'])} – {day(last['sample_end'])}",
                         "alpha": last["alpha"], "alpha_se": last["alpha_se_nw"], "beta": last["beta"],
                         "beta_se": last["beta_se_nw"], "adj_r2": last["adj_r2"]}])
    body += table(fit, [("sample", "regression sample", text), ("alpha", "α (pp)", lambda v: num(v, 3)),
                        ("alpha_se", "α s.e. (Newey–West)", lambda v: num(v, 3)),
                        ("beta", "β (pp per PMI point)", lambda v: num(v, 3)),
                        ("beta_se", "β s.e. (Newey–West)", lambda v: num(v, 3)),
                        ("adj_r2", "adjusted R²", lambda v: num(v, 3))], caption="ERP = α + β·PMI")
    return Section(sid, title, "ok", reading, day(last["obs_date"]), body)


# --------------------------------------------------------------------------- MOVE

def move(r: Reader) -> Section:
    """MOVE (and VIX) with the MOVE spikes from results.events marked."""
    sid, title = "move", "MOVE: Treasury implied volatility"
    mm = r.df("select * from results.move_metrics where obs_date <= $cutoff and move is not null order by obs_date")
    if mm.empty:
        return missing(sid, title, "MOVE data", r.reason(["move"], "needs series us_move"))
    spikes = r.df("""select obs_date, score, detail from results.events
                     where event_type = 'move_spike' and obs_date <= $cutoff order by obs_date""")
    spikes = spikes.merge(mm[["obs_date", "move"]], on="obs_date", how="left").dropna(subset=["move"])
    has_vix = mm["vix"].notna().any()
    with charts.chart_style():
        fig, axes = charts.figure(2 if has_vix else 1, height=2.6, sharex=True)
        weekly = charts.thin(mm)
        charts.lines(axes[0], [("MOVE", weekly["obs_date"], weekly["move"])], ylabel="bp (MOVE)",
                     title="MOVE index with spikes", legend=False)
        if len(spikes):
            axes[0].scatter(pd.to_datetime(spikes["obs_date"]).to_numpy(), spikes["move"].to_numpy(), s=16,
                            color=charts.PALETTE[1], zorder=3, label="move_spike event")
        axes[0].legend(loc="upper left", labels=["MOVE", "move_spike event"][: 1 + bool(len(spikes))])
        if has_vix:
            vix = weekly.dropna(subset=["vix"])
            charts.lines(axes[1], [("VIX", vix["obs_date"], vix["vix"])], ylabel="percent (VIX)", title="VIX",
                         legend=False)
        body = _chart(fig, "move", "MOVE index", "ICE BofA MOVE index (bp of normalized yield volatility), weekly "
                      "closes; dots = move_spike events (new year-to-date high near the top of the 1-year range or "
                      "an extreme one-day jump).")
    last = mm.iloc[-1]
    year_ago = pd.Timestamp(last["obs_date"]) - pd.DateOffset(years=1)
    recent = spikes[pd.to_datetime(spikes["obs_date"]) > year_ago]
    reading = (f"MOVE is {num(last['move'], 1)} bp ({ordinal(last['move_pct_rank_1y'])} percentile of the past year, "
               f"z {signed(last['move_z'], 1)}) as of {day(last['obs_date'])}; {len(recent)} spike(s) in the past 12 months"
               + (f", latest {day(recent['obs_date'].iloc[-1])}" if len(recent) else ""))
    if len(spikes):
        body += table(spikes.sort_values("obs_date", ascending=False).head(10),
                      [("obs_date", "date", day), ("move", "MOVE (bp)", lambda v: num(v, 1)),
                       ("score", "score (z)", lambda v: num(v, 1)), ("detail", "detail", text)],
                      caption="Latest MOVE spikes")
    return Section(sid, title, "ok", reading, day(last["obs_date"]), body)


# --------------------------------------------------------------------------- auctions

def auctions(r: Reader) -> Section:
    """10-year note auctions: tails and bidder shares over time, plus the latest auctions of any term."""
    sid, title = "auctions", "Treasury auctions"
    am = r.df("select * from results.auction_metrics where auction_date <= $cutoff order by auction_date")
    if am.empty:
        return missing(sid, title, "Treasury auction results",
                       r.reason(["auction"], "core.auctions is empty (needs the Treasury fiscal-data auctions source)"))
    ten = am[(am["term_years"].round() == 10) & am["tail_bp"].notna()]
    latest_any = am.sort_values("auction_date", ascending=False).head(10)
    listing = table(latest_any, [
        ("auction_date", "date", day), ("security_term", "term", text), ("cusip", "CUSIP", text),
        ("high_yield_pct", "high yield (%)", lambda v: num(v, 3)), ("tail_bp", "tail (bp)", lambda v: signed(v, 1)),
        ("bid_to_cover", "bid-to-cover", lambda v: num(v, 2)), ("indirect_share", "indirect", lambda v: pct(v, 0)),
        ("direct_share", "direct", lambda v: pct(v, 0)), ("dealer_share", "dealers", lambda v: pct(v, 0)),
        ("weak_auction", "weak", lambda v: "yes" if v is True else "no")],
        row_class=lambda row: "flag" if row["weak_auction"] is True else "",
        caption="Latest auctions (tail = high yield − same-day constant-maturity yield; positive = weak)")
    if ten.empty:
        reading = (f"No 10-year note auctions up to {day(am['auction_date'].max())}; latest auction "
                   f"{day(latest_any.iloc[0]['auction_date'])} ({latest_any.iloc[0]['security_term']})")
        return Section(sid, title, "ok", reading, day(am["auction_date"].max()), listing)
    with charts.chart_style():
        fig, axes = charts.figure(2, height=2.5, sharex=True)
        x = mdates.date2num(pd.to_datetime(ten["auction_date"]))  # numeric days, so the bar width is in days
        weak = ten["weak_auction"].fillna(False).astype(bool).to_numpy()
        axes[0].bar(x, ten["tail_bp"].to_numpy(), width=20, color=np.where(weak, charts.PALETTE[1], charts.PALETTE[0]))
        axes[0].axhline(0, color="#6b7280", linewidth=0.8)
        axes[0].set_ylabel("tail, bp")
        axes[0].set_title("10-year note auction tails (orange = weak auction)")
        charts.date_axis(axes[0])
        charts.lines(axes[1], [(name, ten["auction_date"], 100 * ten[col]) for name, col in
                               (("indirect", "indirect_share"), ("direct", "direct_share"), ("dealers", "dealer_share"))],
                     ylabel="percent of allotment", title="Bidder shares")
        body = _chart(fig, "auctions", "10-year auctions", "10-year note auctions (new issues and reopenings): tail in "
                      "bp vs the same-day constant-maturity yield; shares of competitive allotment, percent.")
    last = ten.iloc[-1]
    year_ago = pd.Timestamp(last["auction_date"]) - pd.DateOffset(years=1)
    weak_year = int(ten.loc[pd.to_datetime(ten["auction_date"]) > year_ago, "weak_auction"].fillna(False).astype(bool).sum())
    reading = (f"Latest 10-year note auction on {day(last['auction_date'])}: tail {signed(last['tail_bp'], 1)} bp "
               f"(z {signed(last['tail_z'], 1)}), bid-to-cover {num(last['bid_to_cover'], 2)}, dealers took "
               f"{pct(last['dealer_share'], 0)}; {weak_year} weak 10-year auction(s) in the past 12 months")
    return Section(sid, title, "ok", reading, day(am["auction_date"].max()), body + listing)


# --------------------------------------------------------------------------- rebalancing flows

def rebalancing(r: Reader) -> Section:
    """Balanced-fund rebalancing flows: realized history and named forward scenarios (seed 000)."""
    sid, title = "rebalancing", "Rebalancing flows"
    flows = r.df("select * from results.rebalancing_flows where obs_date <= $cutoff order by scenario, obs_date")
    if flows.empty:
        return missing(sid, title, "rebalancing flows",
                       r.reason(["rebalanc"], "results.rebalancing_flows is empty (needs equity and bond returns)"))
    history = flows[flows["scenario"].str.startswith("history")]
    scenarios = flows[~flows["scenario"].str.startswith("history")]
    summary = flows.groupby("scenario").agg(
        first=("obs_date", "min"), last=("obs_date", "max"), periods=("obs_date", "size"),
        aum=("aum_usd_bn", "last"), weight=("equity_weight", "last"), mean_flow=("flow_usd_bn", "mean"),
        mean_abs_flow=("flow_usd_bn", lambda s: s.abs().mean()), treasury=("share_of_treasury_supply", "mean"),
        ig=("share_of_ig_supply", "mean")).reset_index()
    with charts.chart_style():
        fig, axes = charts.figure(2 if len(scenarios) else 1, height=2.6)
        parts = []
        if len(history):
            name = "history_M" if (history["scenario"] == "history_M").any() else history["scenario"].iloc[0]
            h = history[history["scenario"] == name]
            x = pd.to_datetime(h["obs_date"]).to_numpy()
            axes[0].fill_between(x, 0, h["flow_usd_bn"].to_numpy(), step="post", color=charts.PALETTE[0], alpha=0.55,
                                 linewidth=0, label=f"{name} flow")
            trailing = h["flow_usd_bn"].rolling(12, min_periods=1).mean()
            axes[0].plot(x, trailing.to_numpy(), color=charts.PALETTE[1], label="12-period average")
            axes[0].axhline(0, color="#6b7280", linewidth=0.8)
            axes[0].set_ylabel("USD bn per period")
            axes[0].set_title("Realized rebalancing flow (positive = equities sold, bonds bought)")
            axes[0].legend(loc="upper left", ncols=2)
            charts.date_axis(axes[0])
            last = h.iloc[-1]
            recent = h.tail(36)
            parts.append(f"a ${num(last['aum_usd_bn'], 0)}bn fund at {pct(last['equity_weight'], 0)} equities would have "
                         f"{'sold' if last['flow_usd_bn'] > 0 else 'bought'} ${num(abs(last['flow_usd_bn']), 1)}bn of "
                         f"equities in the period to {day(last['obs_date'])} (mean |flow| over the last {len(recent)} "
                         f"periods ${num(recent['flow_usd_bn'].abs().mean(), 1)}bn)")
        if len(scenarios):
            ax = axes[-1]
            ss = summary[~summary["scenario"].str.startswith("history")]
            names, values = list(ss["scenario"]), list(ss["mean_flow"])
            if len(history):
                names.append(f"{name}, last {len(recent)} periods")
                values.append(recent["flow_usd_bn"].mean())
            ax.bar(names, values, color=[charts.PALETTE[2]] * len(ss) + [charts.PALETTE[0]] * (len(names) - len(ss)),
                   width=0.5)
            ax.axhline(0, color="#6b7280", linewidth=0.8)
            ax.set_ylabel("USD bn per period")
            ax.set_title("Scenarios: mean expected flow per period (positive = equities sold) vs recent history")
            for row in ss.itertuples():
                parts.append(f"scenario {row.scenario} expects {usd_bn(row.mean_flow)} per period "
                             f"({pct(row.treasury, 0)} of Treasury, {pct(row.ig, 0)} of IG supply)")
        body = _chart(fig, "rebalancing", "rebalancing flows", "Flow out of equities of a fixed-weight balanced fund, "
                      "N·w·(1−w)·(r_s − r_b), USD bn per period (positive = equities sold, bonds bought).")
    body += table(summary, [("scenario", "scenario", text), ("first", "from", day), ("last", "to", day),
                            ("periods", "periods", lambda v: num(v, 0)), ("aum", "AUM (USD bn)", lambda v: num(v, 0)),
                            ("weight", "equity weight", lambda v: pct(v, 0)),
                            ("mean_flow", "mean flow (USD bn)", lambda v: signed(v, 1)),
                            ("mean_abs_flow", "mean |flow| (USD bn)", lambda v: num(v, 1)),
                            ("treasury", "share of Treasury supply", lambda v: pct(v, 1)),
                            ("ig", "share of IG supply", lambda v: pct(v, 1))], caption="Flows by scenario")
    reading = "; ".join(parts)
    as_of = history["obs_date"].max() if len(history) else flows["obs_date"].max()
    return Section(sid, title, "ok", reading[:1].upper() + reading[1:], day(as_of), body)


# --------------------------------------------------------------------------- Monte Carlo

def _mc_grid(sweep: pd.DataFrame, scenario: str) -> str:
    """Volatility / max drawdown at a few equity weights (rows) by correlation (columns)."""
    near = sweep["equity_weight"].to_numpy()
    picks = sorted({float(near[np.abs(near - w).argmin()]) for w in (0.0, 0.05, 0.2, 0.4, 0.6, 0.8, 1.0)})
    shown = sweep[sweep["equity_weight"].isin(picks)].assign(
        cell=lambda f: [f"{pct(v, 2)} / {pct(d, 1)}" for v, d in zip(f["vol_ann"], f["mdd_full_median"], strict=True)])
    grid = shown.pivot_table(index="equity_weight", columns="rho", values="cell", aggfunc="first").reset_index()
    grid.insert(1, "exp_return_ann", shown.groupby("equity_weight")["exp_return_ann"].mean().to_numpy())
    return table(grid, [("equity_weight", "equity weight", lambda v: pct(v, 0)),
                        ("exp_return_ann", "expected return (ann.)", lambda v: pct(v, 2))]
                 + [(rho, f"ρ = {signed(rho, 2)}", text) for rho in grid.columns[2:]],
                 caption=f"Scenario {scenario}: annualized volatility / median max drawdown by equity weight and "
                         "stock–bond correlation ρ (VaR 95% is in the chart)")


def monte_carlo(r: Reader) -> Section:
    """Two-asset portfolio risk by stock–bond correlation and equity weight (seed 004)."""
    sid, title = "monte-carlo", "Portfolio risk Monte Carlo"
    mc = r.df("select * from results.mc_risk order by scenario, rho, equity_weight")
    if mc.empty:
        return missing(sid, title, "Monte Carlo risk results",
                       r.reason(["mc", "monte", "risk"], "results.mc_risk is empty (the risk step has not run)"))
    scenario = mc.groupby("scenario").size().idxmax()
    sweep = mc[mc["scenario"] == scenario]
    metrics = (("vol_ann", "annualized volatility"), ("var95_ann", "VaR 95% (annual return)"),
               ("mdd_full_median", "median max drawdown"))
    with charts.chart_style():
        fig, axes = charts.figure(1, 3, height=3.0, width=10.5)
        for ax, (col, label) in zip(axes, metrics, strict=True):
            for rho, g in sweep.groupby("rho"):
                ax.plot(100 * g["equity_weight"].to_numpy(), 100 * g[col].to_numpy(), label=f"ρ = {signed(rho, 2)}")
            ax.set_title(label)
            ax.set_xlabel("equity weight, %")
            ax.set_ylabel("percent")
        axes[0].legend(loc="upper left")
        body = _chart(fig, "mc", "Monte Carlo sweep", f"Scenario {scenario}: {int(sweep['paths'].iloc[0]):,} paths × "
                      f"{int(sweep['months'].iloc[0])} months, monthly rebalancing, seed {int(sweep['seed'].iloc[0])}; "
                      "percent, annualized where stated.")
    best = sweep.loc[sweep.groupby("rho")["mdd_full_median"].idxmax()]
    parts = [f"ρ {signed(b.rho, 2)}: {pct(b.equity_weight, 0)}" for b in best.itertuples()]
    reading = ("Median max drawdown is smallest at equity weight " + ", ".join(parts)
               + f" (scenario {scenario}, {int(sweep['paths'].iloc[0]):,} paths × {int(sweep['months'].iloc[0])} months)")
    for name in [scenario, *sorted(set(mc["scenario"]) - {scenario})]:
        body += _mc_grid(mc[mc["scenario"] == name], name)
    return Section(sid, title, "ok", reading, "simulation (no observation date)", body)


# --------------------------------------------------------------------------- macro drivers and VECM

def macro_drivers(r: Reader) -> Section:
    """Inflation/growth uncertainty drivers of the correlation, the VECM forecast of A and its tests (seed 004)."""
    sid, title = "macro-drivers", "Macro drivers and VECM forecast"
    md = r.df("select * from results.macro_drivers where obs_date <= $cutoff order by market, obs_date")
    if md.empty:
        return missing(sid, title, "macro driver series",
                       r.reason(["driver", "vecm", "macro"], "needs series us_cpi and us_indpro (and cn_cpi, "
                                                             "cn_indpro for China)"))
    fc = r.df("""select * from results.vecm_forecasts where origin_date <= $cutoff
                 qualify origin_date = max(origin_date) over (partition by market) order by market, step""")
    tests = r.df("select * from results.vecm_tests order by market, test")
    markets = _market_order(md["market"].str.upper())
    md["market"] = md["market"].str.upper()
    fc["market"] = fc["market"].str.upper()
    drivers = (("x_infl_unc", "X: inflation uncertainty (std of CPI YoY, pp)"),
               ("y_growth_unc", "Y: growth uncertainty (std of IP YoY, pp)"),
               ("z_xy_corr", "Z: correlation of CPI and IP YoY"),
               ("a_stock_bond_corr", "A: 60-month stock–bond correlation"))
    readings = []
    with charts.chart_style():
        fig, axes = charts.figure(2, 2, height=2.3, width=10.5)
        for ax, (col, label) in zip(axes, drivers, strict=True):
            charts.lines(ax, [(m, g["obs_date"], g[col]) for m, g in md.groupby("market")],
                         ylabel="pp" if col[0] in "xy" else "correlation", title=label, legend=len(markets) > 1)
        body = _chart(fig, "drivers", "macro drivers", "Rolling macro uncertainty (X, Y, percentage points), their "
                      "correlation (Z) and the 60-month stock–bond correlation (A), month ends.")
        if len(fc):
            fig, axes = charts.figure(1, len(markets), height=2.8, width=10.5)
            for ax, market in zip(axes, markets, strict=True):
                hist = md[md["market"] == market].dropna(subset=["a_stock_bond_corr"])
                hist = hist[pd.to_datetime(hist["obs_date"]) >= pd.to_datetime(hist["obs_date"]).max() - pd.DateOffset(years=10)]
                f = fc[fc["market"] == market]
                ax.plot(pd.to_datetime(hist["obs_date"]).to_numpy(), hist["a_stock_bond_corr"].to_numpy(), label="A (history)")
                if len(f):
                    fx = pd.to_datetime(f["obs_date"]).to_numpy()
                    ax.fill_between(fx, f["lower_95"].to_numpy(), f["upper_95"].to_numpy(), color=charts.PALETTE[1],
                                    alpha=0.2, linewidth=0, label="95% interval")
                    ax.plot(fx, f["forecast"].to_numpy(), color=charts.PALETTE[1], marker="o", markersize=3,
                            label="VECM forecast")
                ax.axhline(0, color="#6b7280", linewidth=0.8)
                ax.set_ylabel("correlation")
                ax.set_title(f"{market}: forecast of A")
                charts.date_axis(ax)
                ax.legend(loc="lower left")
            body += _chart(fig, "vecm", "VECM forecast", "VECM(1) forecast of A with 95% intervals from the latest "
                           "origin; history shows the last 10 years.")
    for market in markets:
        hist = md[(md["market"] == market)].dropna(subset=["a_stock_bond_corr"])
        if hist.empty:
            continue
        last = hist.iloc[-1]
        text_ = f"{market}: A = {signed(last['a_stock_bond_corr'])} as of {day(last['obs_date'])}"
        f = fc[fc["market"] == market]
        if len(f):
            end = f.iloc[-1]
            text_ += (f"; the VECM forecasts {signed(end['forecast'])} {int(end['step'])} months ahead (95%: "
                      f"{signed(end['lower_95'])} to {signed(end['upper_95'])})")
        g = tests[(tests["market"].str.upper() == market) & (tests["test"] == "granger_xyz_to_a")]
        if len(g):
            text_ += f"; X, Y, Z jointly Granger-cause A: {pvalue(g.iloc[0]['p_value'])} ({significance(g.iloc[0]['p_value'])})"
        readings.append(text_)
    if len(tests):
        body += table(tests, [("market", "market", text), ("test", "test", text),
                              ("statistic", "statistic", lambda v: num(v, 3)), ("p_value", "p-value", lambda v: num(v, 4)),
                              ("df", "df", lambda v: num(v, 0)), ("detail", "detail", text)],
                      row_class=lambda row: "sig" if pd.notna(row["p_value"]) and row["p_value"] < 0.05 else "",
                      caption="VECM diagnostics (results.vecm_tests)")
    else:
        body += f'<p class="missing-note">No VECM tests: {esc(r.reason(["vecm"], "results.vecm_tests is empty"))}.</p>'
    return Section(sid, title, "ok", "; ".join(readings) or "No stock–bond correlation A in results.macro_drivers",
                   day(md["obs_date"].max()), body)


# --------------------------------------------------------------------------- operations

def data_freshness(r: Reader) -> Section:
    """Per series: last observation vs what its frequency allows, and the latest load."""
    sid, title = "data-freshness", "Data freshness"
    series = r.df("""
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
        order by s.series_id""")
    if series.empty:
        return missing(sid, title, "series catalog", "core.series is empty (run `seesaw run` first)")
    reference = pd.Timestamp(r.as_of or pd.Timestamp.now(tz="UTC").date())
    series["age_days"] = (reference - pd.to_datetime(series["last_date"])).dt.days
    series["allowed_days"] = series["frequency"].map(STALE_AFTER_DAYS).fillna(400)
    series["stale"] = series["age_days"].isna() | (series["age_days"] > series["allowed_days"])
    stale = series[series["stale"]]
    failed = series[series["load_status"] == "failed"]
    reading = (f"{len(series)} series; {len(stale)} stale (last observation older than its frequency allows on "
               f"{day(reference)}); {len(failed)} whose latest load failed")
    series["age"] = [f"{num(a, 0)} / {num(b, 0)}" for a, b in zip(series["age_days"], series["allowed_days"], strict=True)]
    series["load"] = [f"{s or '—'} +{num(i, 0)}/{num(c, 0)}" for s, i, c
                      in zip(series["load_status"], series["rows_inserted"], series["rows_changed"], strict=True)]
    columns = [("series_id", "series", text), ("name", "name", text), ("frequency", "freq", text),
               ("unit", "unit", text), ("first_date", "first", day), ("last_date", "last", day),
               ("n_obs", "obs.", lambda v: num(v, 0)), ("age", "age / allowed (days)", text),
               ("load", "latest load (+new/revised)", text)]
    if series["error"].notna().any():
        columns.append(("error", "error", text))
    body = table(series, columns, row_class=lambda row: "flag" if row["stale"] else "",
                 caption=f"Freshness on {day(reference)} (highlighted = stale: older than its frequency allows)")
    return Section(sid, title, "ok", reading, day(series["last_date"].max()), body)


def checks(r: Reader) -> Section:
    """Data-quality checks of the latest run that recorded any (highlighted when not passing)."""
    sid, title = "checks", "Data-quality checks"
    latest = r.df("""select run_id, check_name, status, failing_rows, detail, checked_at from ops.checks
                     where run_id = (select run_id from ops.checks order by checked_at desc limit 1)
                     order by status = 'pass', check_name""")
    if latest.empty:
        return missing(sid, title, "data-quality check results", "ops.checks is empty (no run has checked yet)")
    bad = latest[latest["status"] != "pass"]
    run_id = latest["run_id"].iloc[0]
    reading = (f"All {len(latest)} data-quality checks passed in run {run_id}" if bad.empty else
               f"{len(bad)} of {len(latest)} data-quality checks did not pass in run {run_id}: "
               + ", ".join(f"{c.check_name} ({c.status}, {c.failing_rows} rows)" for c in bad.itertuples()))
    body = table(latest, [("check_name", "check", text), ("status", "status", text),
                          ("failing_rows", "failing rows", lambda v: num(v, 0)), ("detail", "detail", text)],
                 row_class=lambda row: "flag" if row["status"] != "pass" else "",
                 caption=f"Checks of run {run_id} (SQL files in sql/checks select failing rows)")
    return Section(sid, title, "ok", reading, stamp(latest["checked_at"].max()), body)


def analyses(r: Reader) -> Section:
    """Latest status of every analysis step; skipped steps say which series they need."""
    sid, title = "analyses", "Analyses run and skipped"
    steps = r.df("""select step, status, rows_written, message, seconds, run_id, finished_at from ops.analyses
                    qualify row_number() over (partition by step order by finished_at desc) = 1
                    order by status = 'ok', step""")
    if steps.empty:
        return missing(sid, title, "analysis log", "ops.analyses is empty (no run has analysed yet)")
    skipped = steps[steps["status"] == "skipped"]
    failed = steps[steps["status"] == "failed"]
    reading = f"{(steps['status'] == 'ok').sum()} of {len(steps)} analysis steps ran"
    if len(skipped):
        reading += "; skipped: " + ", ".join(f"{s.step} ({s.message})" for s in skipped.itertuples())
    if len(failed):
        reading += "; failed: " + ", ".join(s.step for s in failed.itertuples())
    body = table(steps, [("step", "step", text), ("status", "status", text),
                         ("rows_written", "rows written", lambda v: num(v, 0)), ("message", "message", text),
                         ("seconds", "seconds", lambda v: num(v, 2)), ("finished_at", "finished", stamp)],
                 row_class=lambda row: "flag" if row["status"] != "ok" else "", caption="Latest run of each step")
    return Section(sid, title, "ok", reading, stamp(steps["finished_at"].max()), body)


#: Report sections in display order.
SECTIONS: tuple[Callable[[Reader], Section], ...] = (
    dashboard, correlation_history, dcc_vs_rolling, term_premia, erp_model, move, auctions, rebalancing,
    monte_carlo, macro_drivers, data_freshness, checks, analyses,
)
#: (section id, title) in display order, for callers that need the list without building.
SECTION_IDS: tuple[tuple[str, str], ...] = (
    ("dashboard", "Dashboard"), ("correlation-history", "Stock–bond correlation history"),
    ("dcc-vs-rolling", "DCC vs rolling correlation"), ("term-premia", "Term premia"),
    ("erp-model", "Equity risk premium model"), ("move", "MOVE: Treasury implied volatility"),
    ("auctions", "Treasury auctions"), ("rebalancing", "Rebalancing flows"),
    ("monte-carlo", "Portfolio risk Monte Carlo"), ("macro-drivers", "Macro drivers and VECM forecast"),
    ("data-freshness", "Data freshness"), ("checks", "Data-quality checks"), ("analyses", "Analyses run and skipped"),
)
