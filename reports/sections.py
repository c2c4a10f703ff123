"""Report sections: each reads its frames through ``seesaw.warehouse.report_queries``, computes
with ``seesaw.reports.metrics``, draws its charts and returns a one-line reading with the blocks
its template renders; an empty input table yields ``Missing``, saying which series or step is
absent. ``SECTIONS`` declares every section's id, title and template once, in display order.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from seesaw.reports import charts
from seesaw.reports import metrics as m
from seesaw.reports.context import Content, Missing, Reader
from seesaw.reports.render import (
    Block,
    Card,
    Chart,
    Column,
    Note,
    Table,
    day,
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
from seesaw.warehouse import report_queries as q

#: Correlation history for China starts here (the sample of the Zhongtai Securities
#: "Stock–bond relationship handbook", 2024-12-03).
CN_HISTORY_START = pd.Timestamp("2005-01-01")


def _chart(fig: Figure, chart_id: str, label: str, caption: str) -> Chart:
    """The figure as an inline SVG chart."""
    return Chart(charts.to_svg(fig, chart_id, label), caption)


def _pair_label(row: pd.Series) -> str:
    return f"{row['asset_a']} vs {row['asset_b']}"


def _corr_name(row: pd.Series) -> str:
    if row["method"] == "rolling":
        return f"{row['market']} {window_label(row['freq'], row['window_size'])}"
    return f"{row['market']} {str(row['method']).upper()} ({row['freq']})"


def _blocks(reading: str, data_as_of: str, *blocks: Block) -> Content:
    """Content rendered by the generic section template: its blocks in order."""
    return Content(reading, data_as_of, {"blocks": list(blocks)})


# --------------------------------------------------------------------------- dashboard

def correlation_sentence(row: pd.Series) -> str:
    """'US 36-month stock–bond correlation (a vs b) is +0.21 (p = 0.230, not significant) as of D; …'."""
    return (f"{_corr_name(row)} stock–bond correlation ({_pair_label(row)}) is {signed(row['corr'])} "
            f"({pvalue(row['p_value'])}, {significance(row['p_value'])}) as of {day(row['obs_date'])}; "
            f"it has been positive {row['share_positive']:.0%} of the time since {day(row['first_date'])}")


def _what_changed(r: Reader, latest: pd.DataFrame) -> dict[str, object] | None:
    """The latest run, its loads, what changed since the previous successful run and the largest
    correlation move; None when no run is recorded."""
    runs = q.runs(r.con)
    if runs.empty:
        return None
    now = runs.iloc[0]
    earlier = runs[(runs["started_at"] < now["started_at"]) & runs["status"].isin(["ok", "partial"])]
    loads = q.run_loads(r.con, now["run_id"])
    moved = loads[(loads["rows_inserted"] + loads["rows_changed"]) > 0].head(8)
    changes: dict[str, object] = {
        "run": now, "started": stamp(now["started_at"]), "loaded": len(loads),
        "new_rows": f"{int(loads['rows_inserted'].sum()):,}", "revised_rows": f"{int(loads['rows_changed'].sum()):,}",
        "rejected_rows": f"{int(loads['rows_rejected'].sum()):,}",
        "moved": [f"{row.series_id} (+{row.rows_inserted:,} new, {row.rows_changed:,} revised)"
                  for row in moved.itertuples()],
        "failed_loads": list(loads.loc[loads["status"] == "failed", "series_id"]),
        "previous": None, "big_move": None,
    }
    if len(earlier):
        prev = earlier.iloc[0]
        steps = q.step_status_changes(r.con, now["run_id"], prev["run_id"])
        changes["previous"] = {
            "run_id": prev["run_id"], "finished": stamp(prev["finished_at"]),
            "steps": [f"{s.step} {s.before or 'new'} → {s.after}" for s in steps.itertuples()],
            "checks": list(q.newly_failing_checks(r.con, now["run_id"], prev["run_id"])["check_name"]),
        }
    big = m.largest_move(latest)
    if big is not None:
        changes["big_move"] = (f"{_corr_name(big)} {_pair_label(big)} {signed(big['delta'])} "
                               f"({signed(big['prev_corr'])} on {day(big['prev_date'])} → "
                               f"{signed(big['corr'])} on {day(big['obs_date'])})")
    return changes


def dashboard(r: Reader) -> Content | Missing:
    """Latest correlations, regimes, term premium, MOVE, events and what changed since the last run."""
    latest = q.latest_correlations(r.con, r.cutoff)
    if latest.empty:
        return Missing("stock–bond correlations",
                       r.reason(["correlation", "returns"], "results.correlations is empty (run `seesaw run` first)"))
    heads = [h for h in (m.headline(latest, mk) for mk in m.market_order(latest["market"])) if h is not None]
    reading = "; ".join(correlation_sentence(h) for h in heads[:2]) if heads else correlation_sentence(latest.iloc[0])
    cards = []
    for h in heads:
        delta = "" if pd.isna(h["prev_corr"]) else f"; {signed(h['corr'] - h['prev_corr'])} vs {day(h['prev_date'])}"
        cards.append(Card(f"{_corr_name(h)} correlation", signed(h["corr"]),
                          [_pair_label(h), f"{pvalue(h['p_value'])}, {significance(h['p_value'])}",
                           f"as of {day(h['obs_date'])}{delta}"]))
    for _, d in latest[latest["method"] != "rolling"].iterrows():
        cards.append(Card(f"{_corr_name(d)} correlation", signed(d["corr"]),
                          [_pair_label(d), f"{pvalue(d['p_value'])} (effective n {num(d['n'], 0)})",
                           f"as of {day(d['obs_date'])}"]))
    regimes = m.regime_runs(q.regimes(r.con, r.cutoff))
    sign = regimes[regimes["framework"] == "corr_sign"]
    if len(sign):
        for _, g in sign.iterrows():
            cards.append(Card(f"{g['market']} correlation regime", g["label"],
                              [f"since {day(g['since'])}", f"as of {day(g['obs_date'])}"]))
    else:
        cards.append(Card("Correlation regime", "—", [r.reason(["regime"], "results.regimes is empty")]))
    tp = q.latest_term_premia(r.con, r.cutoff)
    ten = tp[tp["tenor_years"] == 10]
    cuts = tp[(tp["tenor_years"] == 1) & tp["priced_cuts"].notna()]
    if len(ten):
        t = ten.iloc[0]
        cut_line = ([f"priced 25bp cuts, next 12 months: {num(cuts.iloc[0]['priced_cuts'], 1)} "
                     f"({cuts.iloc[0]['source']})"] if len(cuts) else [])
        cards.append(Card("10y term premium", f"{signed(t['term_premium_pct'])}%",
                          [f"{t['source']}, as of {day(t['obs_date'])}", *cut_line]))
    else:
        cards.append(Card("10y term premium", "—", [r.reason(["term", "acm"], "needs series us_acm_tp_10y")]))
    move_now = q.latest_move(r.con, r.cutoff)
    if len(move_now):
        mv = move_now.iloc[0]
        cards.append(Card("MOVE (bp)", num(mv["move"], 1),
                          [f"{ordinal(mv['move_pct_rank_1y'])} percentile of the past year, "
                           f"z {signed(mv['move_z'], 1)}",
                           f"as of {day(mv['obs_date'])}"]))
    else:
        cards.append(Card("MOVE (bp)", "—", [r.reason(["move"], "needs series us_move")]))
    shown = latest.assign(window=[window_label(f, w) or f"{mt.upper()} ({f})"
                                  for f, w, mt in zip(latest["freq"], latest["window_size"], latest["method"],
                                                      strict=True)])
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
    regime_block: Block = (table(regimes, [("framework", "framework", text), ("market", "market", text),
                                           ("label", "label", text), ("since", "since", day),
                                           ("obs_date", "as of", day), ("detail", "detail", text)],
                                 caption="Latest regime labels")
                           if len(regimes) else
                           Note(f"No regime labels: {r.reason(['regime'], 'results.regimes is empty')}."))
    events = q.latest_events(r.con, r.cutoff)
    events_block: Block = (table(events, [("obs_date", "date", day), ("event_type", "event", text),
                                          ("market", "market", text),
                                          ("window_days", "window (days)", lambda v: num(v, 0)),
                                          ("score", "score (z)", lambda v: num(v, 1)), ("detail", "detail", text)],
                                 caption="Latest stress events")
                           if len(events) else
                           Note("No stress events: "
                                + r.reason(["event", "selloff", "spike"],
                                           "results.events is empty (needs us_10y, us_spx, us_dollar or us_move)")
                                + "."))
    return Content(reading, day(latest["obs_date"].max()),
                   {"cards": cards, "correlations": corr_table, "regimes": regime_block, "events": events_block,
                    "changes": _what_changed(r, latest)})


# --------------------------------------------------------------------------- correlation history

def _shading(r: Reader, market: str, primary: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Regime labels to shade by: ``corr_sign`` regimes, else the sign where p < 0.05 (computed here)."""
    regimes = q.corr_sign_regimes(r.con, r.cutoff, market)
    if len(regimes):
        return regimes, "shading: corr_sign regimes (results.regimes)"
    return (m.significance_labels(primary),
            "shading: sign of the primary window where p < 0.05 (no corr_sign regimes in results.regimes)")


def correlation_history(r: Reader) -> Content | Missing:
    """Rolling correlation history per market (US from its start, China from 2005) with regime shading."""
    latest = q.latest_correlations(r.con, r.cutoff)
    if latest[latest["method"] == "rolling"].empty:
        return Missing("rolling stock–bond correlations",
                       r.reason(["correlation", "returns"], "results.correlations has no rolling rows"))
    # market → its headline correlation path, for markets that have one
    heads = {mk: h for mk in m.market_order(latest["market"]) if (h := m.headline(latest, mk)) is not None}
    with charts.chart_style():
        fig, axes = charts.figure(len(heads), height=2.8)
        readings, notes = [], []
        for ax, (market, h) in zip(axes, heads.items(), strict=True):
            paths = q.rolling_paths(r.con, r.cutoff, market, h["asset_a"], h["asset_b"], h["freq"])
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
                            f"{(primary['corr'] > 0).mean():.0%} and significant "
                            f"{(primary['p_value'] < 0.05).mean():.0%} of {window_label(h['freq'], h['window_size'])} "
                            f"windows since {day(primary['obs_date'].min())}")
            notes.append(f"{market}: {h['asset_a']} = {r.name(h['asset_a'])}, {h['asset_b']} = "
                         f"{r.name(h['asset_b'])}; {note}")
        chart = _chart(fig, "corr-history", "stock–bond correlation history",
                       "Rolling Pearson correlation of equity and bond returns (−1..1, bond-return basis); "
                       + "; ".join(notes) + ".")
    return _blocks("; ".join(readings), day(latest["obs_date"].max()), chart)


# --------------------------------------------------------------------------- DCC vs rolling

def dcc_vs_rolling(r: Reader) -> Content | Missing:
    """DCC/ADCC conditional correlation paths against rolling windows of the same pair."""
    dcc = q.dcc_paths(r.con, r.cutoff)
    if dcc.empty:
        return Missing("DCC correlations",
                       r.reason(["dcc"], "results.correlations has no dcc/adcc rows (the DCC engine has not run; "
                                         "it needs daily equity and 10-year yield series such as us_spx and us_10y)"))
    latest = q.latest_correlations(r.con, r.cutoff)
    flagged = q.flagged_fits(r.con, r.cutoff)
    markets = m.market_order(dcc["market"])
    readings = []
    with charts.chart_style():
        fig, axes = charts.figure(len(markets), height=2.8)
        for ax, market in zip(axes, markets, strict=True):
            mine = dcc[dcc["market"] == market]
            pair = mine.groupby(["asset_a", "asset_b"]).size().idxmax()
            mine = mine[(mine["asset_a"] == pair[0]) & (mine["asset_b"] == pair[1])]
            rolling = q.rolling_paths(r.con, r.cutoff, market, pair[0], pair[1])
            h = m.headline(latest, market)
            if rolling.empty and h is not None:
                rolling = q.rolling_paths(r.con, r.cutoff, market, h["asset_a"], h["asset_b"])
            series = [(f"{mt.upper()} ({g['freq'].iloc[0]})", charts.thin(g)["obs_date"], charts.thin(g)["corr"])
                      for mt, g in mine.groupby("method")]
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
                agree = m.sign_agreement(main, first_window)
                if agree is not None:
                    text_ += ("; it shares the sign of the "
                              f"{window_label(first_window['freq'].iloc[0], first_window['window_size'].iloc[0])} "
                              f"rolling correlation at {agree:.0%} of month ends")
            for fit in flagged[flagged["market"] == market].itertuples():
                text_ += f" (the {str(fit.model).upper()} fit of {day(fit.sample_end)} is flagged: {fit.message})"
            readings.append(text_)
        chart = _chart(fig, "dcc", "DCC versus rolling correlation",
                       "Conditional correlation from DCC/ADCC-GARCH against rolling Pearson windows (−1..1, "
                       "bond-return basis); daily paths are shown weekly.")
    return _blocks("; ".join(readings), day(dcc["obs_date"].max()), chart)


# --------------------------------------------------------------------------- term premia

def _monthly_then_daily(frame: pd.DataFrame) -> pd.DataFrame:
    """Monthly history extended by the daily rows after the last month end (thinned for charting)."""
    monthly = frame[frame["freq"] == "M"]
    daily = frame[frame["freq"] == "D"]
    if len(monthly):
        daily = daily[daily["obs_date"] > monthly["obs_date"].max()]
    return charts.thin(pd.concat([monthly, daily]).sort_values("obs_date"))


def term_premia(r: Reader) -> Content | Missing:
    """10-year term premium: seesaw's ACM estimate vs the NY Fed's, and priced cuts from the 1-year premium."""
    tp = q.term_premia(r.con, r.cutoff)
    ten = tp[(tp["tenor_years"] == 10) & tp["term_premium_pct"].notna()]
    if ten.empty:
        return Missing("10-year term premia",
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
        chart = _chart(fig, "term-premia", "term premia", "ACM term premium, percent p.a.; seesaw_acm is our "
                       "estimate, nyfed_acm the published NY Fed series; priced cuts = −(1-year term premium)/0.25.")
    reading = "10-year term premium is " + ", ".join(parts)
    tracking = m.acm_tracking(ten)
    if tracking is not None:
        reading += (f"; ours tracks the NY Fed with correlation {tracking.corr:.2f} "
                    f"(RMSE {tracking.rmse_pp:.2f} pp) over {day(tracking.start)}–{day(tracking.end)}")
    if len(cuts):
        c = cuts.sort_values("obs_date").iloc[-1]
        reading += (f"; {num(c['priced_cuts'], 1)} 25bp cuts priced over the next year "
                    f"({c['source']}, {day(c['obs_date'])})")
    return _blocks(reading, day(ten["obs_date"].max()), chart)


# --------------------------------------------------------------------------- ERP model

def erp_model(r: Reader) -> Content | Missing:
    """Equity risk premium vs its PMI fit and the implied 10-year yield (the CICC rate-cut pricing
    frame, "How many rate cuts do asset prices price in?", 2019)."""
    erp = q.erp_model(r.con, r.cutoff)
    if erp.dropna(subset=["erp_pct"]).empty:
        return Missing("ERP model results",
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
        chart = _chart(fig, "erp", "ERP model", "ERP = 100/PE − y10 (percentage points); fitted ERP = α + β·PMI "
                       "(grey: regression sample); implied y10 = earnings yield − fitted ERP (percent p.a.).")
    reading = (f"ERP is {num(last['erp_pct'])} pp vs a PMI-fitted {num(last['erp_fitted_pct'])} pp "
               f"(PMI {num(last['pmi'], 1)}, P/E {num(last['pe'], 1)}) as of {day(last['obs_date'])}; "
               f"the implied 10-year yield is {num(last['implied_y10_pct'])}% vs {num(last['y10_pct'])}% actual, i.e. "
               f"{num(last['implied_cuts'], 1)} 25bp cuts")
    fit = pd.DataFrame([{"sample": f"{day(last['sample_start'])} – {day(last['sample_end'])}",
                         "alpha": last["alpha"], "alpha_se": last["alpha_se_nw"], "beta": last["beta"],
                         "beta_se": last["beta_se_nw"], "adj_r2": last["adj_r2"]}])
    fit_table = table(fit, [("sample", "regression sample", text), ("alpha", "α (pp)", lambda v: num(v, 3)),
                            ("alpha_se", "α s.e. (Newey–West)", lambda v: num(v, 3)),
                            ("beta", "β (pp per PMI point)", lambda v: num(v, 3)),
                            ("beta_se", "β s.e. (Newey–West)", lambda v: num(v, 3)),
                            ("adj_r2", "adjusted R²", lambda v: num(v, 3))], caption="ERP = α + β·PMI")
    return _blocks(reading, day(last["obs_date"]), chart, fit_table)


# --------------------------------------------------------------------------- MOVE

def move(r: Reader) -> Content | Missing:
    """MOVE (and VIX) with the MOVE spikes (results.events) marked."""
    mm = q.move_metrics(r.con, r.cutoff)
    if mm.empty:
        return Missing("MOVE data", r.reason(["move"], "needs series us_move"))
    spikes = q.move_spikes(r.con, r.cutoff)
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
        chart = _chart(fig, "move", "MOVE index", "ICE BofA MOVE index (bp of normalized yield volatility), weekly "
                       "closes; dots = move_spike events (new year-to-date high near the top of the 1-year range or "
                       "an extreme one-day jump).")
    last = mm.iloc[-1]
    year_ago = pd.Timestamp(last["obs_date"]) - pd.DateOffset(years=1)
    recent = spikes[pd.to_datetime(spikes["obs_date"]) > year_ago]
    reading = (f"MOVE is {num(last['move'], 1)} bp ({ordinal(last['move_pct_rank_1y'])} percentile of the past year, "
               f"z {signed(last['move_z'], 1)}) as of {day(last['obs_date'])}; "
               f"{len(recent)} spike(s) in the past 12 months"
               + (f", latest {day(recent['obs_date'].iloc[-1])}" if len(recent) else ""))
    blocks: list[Block] = [chart]
    if len(spikes):
        blocks.append(table(spikes.sort_values("obs_date", ascending=False).head(10),
                            [("obs_date", "date", day), ("move", "MOVE (bp)", lambda v: num(v, 1)),
                             ("score", "score (z)", lambda v: num(v, 1)), ("detail", "detail", text)],
                            caption="Latest MOVE spikes"))
    return _blocks(reading, day(last["obs_date"]), *blocks)


# --------------------------------------------------------------------------- auctions

def auctions(r: Reader) -> Content | Missing:
    """10-year note auctions: tails and bidder shares over time, plus the latest auctions of any term."""
    am = q.auction_metrics(r.con, r.cutoff)
    if am.empty:
        return Missing("Treasury auction results",
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
        return _blocks(reading, day(am["auction_date"].max()), listing)
    with charts.chart_style():
        fig, axes = charts.figure(2, height=2.5, sharex=True)
        # numeric days, so the bar width is in days (matplotlib.dates ships without annotations)
        x = mdates.date2num(pd.to_datetime(ten["auction_date"]))  # type: ignore[no-untyped-call]
        weak = ten["weak_auction"].fillna(False).astype(bool).to_numpy()
        axes[0].bar(x, ten["tail_bp"].to_numpy(), width=20, color=np.where(weak, charts.PALETTE[1], charts.PALETTE[0]))
        axes[0].axhline(0, color="#6b7280", linewidth=0.8)
        axes[0].set_ylabel("tail, bp")
        axes[0].set_title("10-year note auction tails (orange = weak auction)")
        charts.date_axis(axes[0])
        charts.lines(axes[1], [(name, ten["auction_date"], 100 * ten[col]) for name, col in
                               (("indirect", "indirect_share"), ("direct", "direct_share"),
                                ("dealers", "dealer_share"))],
                     ylabel="percent of allotment", title="Bidder shares")
        chart = _chart(fig, "auctions", "10-year auctions", "10-year note auctions (new issues and reopenings): tail "
                       "in bp vs the same-day constant-maturity yield; shares of competitive allotment, percent.")
    last = ten.iloc[-1]
    year_ago = pd.Timestamp(last["auction_date"]) - pd.DateOffset(years=1)
    weak_year = int(ten.loc[pd.to_datetime(ten["auction_date"]) > year_ago, "weak_auction"]
                    .fillna(False).astype(bool).sum())
    reading = (f"Latest 10-year note auction on {day(last['auction_date'])}: tail {signed(last['tail_bp'], 1)} bp "
               f"(z {signed(last['tail_z'], 1)}), bid-to-cover {num(last['bid_to_cover'], 2)}, dealers took "
               f"{pct(last['dealer_share'], 0)}; {weak_year} weak 10-year auction(s) in the past 12 months")
    return _blocks(reading, day(am["auction_date"].max()), chart, listing)


# --------------------------------------------------------------------------- rebalancing flows

def rebalancing(r: Reader) -> Content | Missing:
    """Balanced-fund rebalancing flows: realized history and named forward scenarios (BofA Global
    Research on equity-rebalancing flows and bond demand, 2026-02-09)."""
    flows = q.rebalancing_flows(r.con, r.cutoff)
    if flows.empty:
        return Missing("rebalancing flows",
                       r.reason(["rebalanc"], "results.rebalancing_flows is empty (needs equity and bond returns)"))
    history = flows[flows["scenario"].str.startswith("history")]
    scenarios = flows[~flows["scenario"].str.startswith("history")]
    summary = m.flow_summary(flows)
    with charts.chart_style():
        fig, axes = charts.figure(2 if len(scenarios) else 1, height=2.6)
        parts = []
        if len(history):
            name = "history_M" if (history["scenario"] == "history_M").any() else history["scenario"].iloc[0]
            h = history[history["scenario"] == name]
            x = pd.to_datetime(h["obs_date"]).to_numpy()
            axes[0].fill_between(x, 0, h["flow_usd_bn"].to_numpy(), step="post", color=charts.PALETTE[0], alpha=0.55,
                                 linewidth=0, label=f"{name} flow")
            axes[0].plot(x, m.trailing_flows(h).to_numpy(), color=charts.PALETTE[1], label="12-period average")
            axes[0].axhline(0, color="#6b7280", linewidth=0.8)
            axes[0].set_ylabel("USD bn per period")
            axes[0].set_title("Realized rebalancing flow (positive = equities sold, bonds bought)")
            axes[0].legend(loc="upper left", ncols=2)
            charts.date_axis(axes[0])
            last = h.iloc[-1]
            recent = h.tail(36)
            parts.append(f"a ${num(last['aum_usd_bn'], 0)}bn fund at {pct(last['equity_weight'], 0)} equities "
                         "would have "
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
        chart = _chart(fig, "rebalancing", "rebalancing flows", "Flow out of equities of a fixed-weight balanced "
                       "fund, N·w·(1−w)·(r_s − r_b), USD bn per period (positive = equities sold, bonds bought).")
    summary_table = table(summary, [("scenario", "scenario", text), ("first", "from", day), ("last", "to", day),
                                    ("periods", "periods", lambda v: num(v, 0)),
                                    ("aum", "AUM (USD bn)", lambda v: num(v, 0)),
                                    ("weight", "equity weight", lambda v: pct(v, 0)),
                                    ("mean_flow", "mean flow (USD bn)", lambda v: signed(v, 1)),
                                    ("mean_abs_flow", "mean |flow| (USD bn)", lambda v: num(v, 1)),
                                    ("treasury", "share of Treasury supply", lambda v: pct(v, 1)),
                                    ("ig", "share of IG supply", lambda v: pct(v, 1))], caption="Flows by scenario")
    reading = "; ".join(parts)
    as_of = history["obs_date"].max() if len(history) else flows["obs_date"].max()
    return _blocks(reading[:1].upper() + reading[1:], day(as_of), chart, summary_table)


# --------------------------------------------------------------------------- Monte Carlo

def _mc_grid(sweep: pd.DataFrame, scenario: str) -> Table:
    """Volatility / max drawdown at a few equity weights (rows) by correlation (columns)."""
    shown = sweep[sweep["equity_weight"].isin(m.grid_weights(sweep))].assign(
        cell=lambda f: [f"{pct(v, 2)} / {pct(d, 1)}" for v, d in zip(f["vol_ann"], f["mdd_full_median"], strict=True)])
    grid = shown.pivot_table(index="equity_weight", columns="rho", values="cell", aggfunc="first").reset_index()
    grid.insert(1, "exp_return_ann", shown.groupby("equity_weight")["exp_return_ann"].mean().to_numpy())
    return table(grid, [("equity_weight", "equity weight", lambda v: pct(v, 0)),
                        ("exp_return_ann", "expected return (ann.)", lambda v: pct(v, 2))]
                 + [(rho, f"ρ = {signed(rho, 2)}", text) for rho in grid.columns[2:]],
                 caption=f"Scenario {scenario}: annualized volatility / median max drawdown by equity weight and "
                         "stock–bond correlation ρ (VaR 95% is in the chart)")


def monte_carlo(r: Reader) -> Content | Missing:
    """Two-asset portfolio risk by stock–bond correlation and equity weight (Soochow Securities
    macro team, stock–bond return correlation, 2025-09-25)."""
    mc = q.mc_risk(r.con)
    if mc.empty:
        return Missing("Monte Carlo risk results",
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
        chart = _chart(fig, "mc", "Monte Carlo sweep",
                       f"Scenario {scenario}: {int(sweep['paths'].iloc[0]):,} paths × "
                       f"{int(sweep['months'].iloc[0])} months, monthly rebalancing, "
                       f"seed {int(sweep['seed'].iloc[0])}; "
                       "percent, annualized where stated.")
    parts = [f"ρ {signed(b.rho, 2)}: {pct(b.equity_weight, 0)}" for b in m.safest_weights(sweep).itertuples()]
    reading = ("Median max drawdown is smallest at equity weight " + ", ".join(parts)
               + f" (scenario {scenario}, {int(sweep['paths'].iloc[0]):,} paths × "
                 f"{int(sweep['months'].iloc[0])} months)")
    grids = [_mc_grid(mc[mc["scenario"] == name], name)
             for name in [scenario, *sorted(set(mc["scenario"]) - {scenario})]]
    return _blocks(reading, "simulation (no observation date)", chart, *grids)


# --------------------------------------------------------------------------- macro drivers and VECM

def macro_drivers(r: Reader) -> Content | Missing:
    """Inflation/growth uncertainty drivers of the correlation, the VECM forecast of A and its tests
    (Soochow Securities macro team, stock–bond return correlation, 2025-09-25)."""
    md = q.macro_drivers(r.con, r.cutoff)
    if md.empty:
        return Missing("macro driver series",
                       r.reason(["driver", "vecm", "macro"], "needs series us_cpi and us_indpro (and cn_cpi, "
                                                             "cn_indpro for China)"))
    fc = q.latest_vecm_forecasts(r.con, r.cutoff)
    tests = q.vecm_tests(r.con)
    markets = m.market_order(md["market"].str.upper())
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
            charts.lines(ax, [(mk, g["obs_date"], g[col]) for mk, g in md.groupby("market")],
                         ylabel="pp" if col[0] in "xy" else "correlation", title=label, legend=len(markets) > 1)
        blocks: list[Block] = [_chart(fig, "drivers", "macro drivers", "Rolling macro uncertainty (X, Y, percentage "
                                      "points), their correlation (Z) and the 60-month stock–bond correlation (A), "
                                      "month ends.")]
        if len(fc):
            fig, axes = charts.figure(1, len(markets), height=2.8, width=10.5)
            for ax, market in zip(axes, markets, strict=True):
                hist = md[md["market"] == market].dropna(subset=["a_stock_bond_corr"])
                hist = hist[pd.to_datetime(hist["obs_date"])
                            >= pd.to_datetime(hist["obs_date"]).max() - pd.DateOffset(years=10)]
                f = fc[fc["market"] == market]
                ax.plot(pd.to_datetime(hist["obs_date"]).to_numpy(), hist["a_stock_bond_corr"].to_numpy(),
                        label="A (history)")
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
            blocks.append(_chart(fig, "vecm", "VECM forecast", "VECM(1) forecast of A with 95% intervals from the "
                                 "latest origin; history shows the last 10 years."))
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
            text_ += (f"; X, Y, Z jointly Granger-cause A: {pvalue(g.iloc[0]['p_value'])} "
                      f"({significance(g.iloc[0]['p_value'])})")
        readings.append(text_)
    if len(tests):
        blocks.append(table(tests, [("market", "market", text), ("test", "test", text),
                                    ("statistic", "statistic", lambda v: num(v, 3)),
                                    ("p_value", "p-value", lambda v: num(v, 4)),
                                    ("df", "df", lambda v: num(v, 0)), ("detail", "detail", text)],
                            row_class=lambda row: "sig" if pd.notna(row["p_value"]) and row["p_value"] < 0.05 else "",
                            caption="VECM diagnostics (results.vecm_tests)"))
    else:
        blocks.append(Note(f"No VECM tests: {r.reason(['vecm'], 'results.vecm_tests is empty')}."))
    return _blocks("; ".join(readings) or "No stock–bond correlation A in results.macro_drivers",
                   day(md["obs_date"].max()), *blocks)


# --------------------------------------------------------------------------- operations

def data_freshness(r: Reader) -> Content | Missing:
    """Per series: last observation vs what its frequency allows, and the latest load."""
    series = q.series_freshness(r.con, r.cutoff)
    if series.empty:
        return Missing("series catalog", "core.series is empty (run `seesaw run` first)")
    reference = pd.Timestamp(r.as_of or pd.Timestamp.now(tz="UTC").date())
    series = m.staleness(series, reference)
    stale = series[series["stale"]]
    failed = series[series["load_status"] == "failed"]
    reading = (f"{len(series)} series; {len(stale)} stale (last observation older than its frequency allows on "
               f"{day(reference)}); {len(failed)} whose latest load failed")
    series["age"] = [f"{num(a, 0)} / {num(b, 0)}"
                     for a, b in zip(series["age_days"], series["allowed_days"], strict=True)]
    series["load"] = [f"{s or '—'} +{num(i, 0)}/{num(c, 0)}" for s, i, c
                      in zip(series["load_status"], series["rows_inserted"], series["rows_changed"], strict=True)]
    columns: list[Column] = [("series_id", "series", text), ("name", "name", text), ("frequency", "freq", text),
                             ("unit", "unit", text), ("first_date", "first", day), ("last_date", "last", day),
                             ("n_obs", "obs.", lambda v: num(v, 0)), ("age", "age / allowed (days)", text),
                             ("load", "latest load (+new/revised)", text)]
    if series["error"].notna().any():
        columns.append(("error", "error", text))
    return _blocks(reading, day(series["last_date"].max()),
                   table(series, columns, row_class=lambda row: "flag" if row["stale"] else "",
                         caption=f"Freshness on {day(reference)} "
                                 "(highlighted = stale: older than its frequency allows)"))


def checks(r: Reader) -> Content | Missing:
    """Data-quality checks of the latest run that recorded any (highlighted when not passing)."""
    latest = q.latest_checks(r.con)
    if latest.empty:
        return Missing("data-quality check results", "ops.checks is empty (no run has checked yet)")
    bad = latest[latest["status"] != "pass"]
    run_id = latest["run_id"].iloc[0]
    reading = (f"All {len(latest)} data-quality checks passed in run {run_id}" if bad.empty else
               f"{len(bad)} of {len(latest)} data-quality checks did not pass in run {run_id}: "
               + ", ".join(f"{c.check_name} ({c.status}, {c.failing_rows} rows)" for c in bad.itertuples()))
    return _blocks(reading, stamp(latest["checked_at"].max()),
                   table(latest, [("check_name", "check", text), ("status", "status", text),
                                  ("failing_rows", "failing rows", lambda v: num(v, 0)), ("detail", "detail", text)],
                         row_class=lambda row: "flag" if row["status"] != "pass" else "",
                         caption=f"Checks of run {run_id} (SQL files in sql/checks select failing rows)"))


def analyses(r: Reader) -> Content | Missing:
    """Latest status of every analysis step, not-ok first; skipped steps say which series they need."""
    steps = r.latest_steps
    if steps.empty:
        return Missing("analysis log", "ops.analyses is empty (no run has analysed yet)")
    steps = steps.assign(ok=steps["status"] == "ok").sort_values(["ok", "step"], kind="stable")
    skipped = steps[steps["status"] == "skipped"]
    failed = steps[steps["status"] == "failed"]
    reading = f"{steps['ok'].sum()} of {len(steps)} analysis steps ran"
    if len(skipped):
        reading += "; skipped: " + ", ".join(f"{s.step} ({s.message})" for s in skipped.itertuples())
    if len(failed):
        reading += "; failed: " + ", ".join(s.step for s in failed.itertuples())
    return _blocks(reading, stamp(steps["finished_at"].max()),
                   table(steps, [("step", "step", text), ("status", "status", text),
                                 ("rows_written", "rows written", lambda v: num(v, 0)), ("message", "message", text),
                                 ("seconds", "seconds", lambda v: num(v, 2)), ("finished_at", "finished", stamp)],
                         row_class=lambda row: "flag" if row["status"] != "ok" else "",
                         caption="Latest run of each step"))


# --------------------------------------------------------------------------- the report's sections

@dataclass(frozen=True)
class SectionSpec:
    """A report section: its anchor id, title, builder and template."""

    id: str
    title: str
    build: Callable[[Reader], Content | Missing]
    template: str = "section.html"


#: Every report section, in display order: the one place their ids and titles are declared.
SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec("dashboard", "Dashboard", dashboard, "dashboard.html"),
    SectionSpec("correlation-history", "Stock–bond correlation history", correlation_history),
    SectionSpec("dcc-vs-rolling", "DCC vs rolling correlation", dcc_vs_rolling),
    SectionSpec("term-premia", "Term premia", term_premia),
    SectionSpec("erp-model", "Equity risk premium model", erp_model),
    SectionSpec("move", "MOVE: Treasury implied volatility", move),
    SectionSpec("auctions", "Treasury auctions", auctions),
    SectionSpec("rebalancing", "Rebalancing flows", rebalancing),
    SectionSpec("monte-carlo", "Portfolio risk Monte Carlo", monte_carlo),
    SectionSpec("macro-drivers", "Macro drivers and VECM forecast", macro_drivers),
    SectionSpec("data-freshness", "Data freshness", data_freshness),
    SectionSpec("checks", "Data-quality checks", checks),
    SectionSpec("analyses", "Analyses run and skipped", analyses),
)
#: (section id, title) in display order, for callers that need the list without building.
SECTION_IDS: tuple[tuple[str, str], ...] = tuple((s.id, s.title) for s in SECTIONS)
