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


def _pair_ids(row: pd.Series) -> str:
    """``us_spx / us_10y``: the ids behind a pair, for tooltips and id columns."""
    return f"{row['asset_a']} / {row['asset_b']}"


def _corr_name(row: pd.Series) -> str:
    """``US 36-month``, ``CN 36-month of 3-month returns``, ``US DCC (D)``."""
    if row["method"] == "rolling":
        horizon = row.get("horizon_periods")
        returns = (f" of {int(horizon)}-{window_label(row['freq'], 1)[2:]} returns"
                   if horizon is not None and not pd.isna(horizon) and horizon > 1 else "")
        return f"{row['market']} {window_label(row['freq'], row['window_size'])}{returns}"
    return f"{row['market']} {str(row['method']).upper()} ({row['freq']})"


def _headline_path(r: Reader, h: pd.Series) -> pd.DataFrame:
    """The whole rolling path (obs_date, corr, p_value) behind a headline row."""
    paths = q.rolling_paths(r.con, r.cutoff, h["market"], h["asset_a"], h["asset_b"], h["freq"])
    return paths[(paths["window_size"] == h["window_size"])
                 & (paths["horizon_periods"] == h["horizon_periods"])].reset_index(drop=True)


def _blocks(reading: str, data_as_of: str, *blocks: Block) -> Content:
    """Content rendered by the generic section template: its blocks in order."""
    return Content(reading, data_as_of, {"blocks": list(blocks)})


# --------------------------------------------------------------------------- dashboard

def correlation_sentence(r: Reader, row: pd.Series) -> str:
    """'US 36-month stock–bond correlation (S&P 500 … vs US Treasury 10-year …) is +0.21 (p = 0.230,
    not significant) as of D; …'."""
    return (f"{_corr_name(row)} stock–bond correlation ({r.pair_label(row['asset_a'], row['asset_b'])}) is "
            f"{signed(row['corr'])} "
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
        "previous": None, "big_move": None, "signals": r.signals,
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
        changes["big_move"] = (f"{_corr_name(big)} {r.pair_label(big['asset_a'], big['asset_b'])} "
                               f"{signed(big['corr_change'])} "
                               f"({signed(big['prev_corr'])} on {day(big['prev_date'])} → "
                               f"{signed(big['corr'])} on {day(big['obs_date'])})")
    return changes


def dashboard(r: Reader) -> Content | Missing:
    """Latest correlations of the featured markets (those with a declared primary pair), regimes,
    term premium, MOVE, events and what changed since the last run."""
    latest = q.latest_correlations(r.con, r.cutoff)
    latest = latest[latest["market"].map(r.is_featured).astype(bool)]
    if latest.empty:
        return Missing("stock–bond correlations",
                       r.reason(["correlation", "returns"], "results.correlations is empty (run `seesaw run` first)"))
    heads = [h for mk in m.market_order(latest["market"]) if (h := r.headline(latest, mk)) is not None]
    reading = ("; ".join(correlation_sentence(r, h) for h in heads[:2]) if heads
               else correlation_sentence(r, latest.iloc[0]))
    cards = []
    # Each market's cards all show its headline pair and name it: the correlation, its sign
    # regime (computed on that very path) and the DCC of the same two series.
    for h in heads:
        pair, ids, market = r.pair_label(h["asset_a"], h["asset_b"]), _pair_ids(h), h["market"]
        delta = "" if pd.isna(h["prev_corr"]) else f"; {signed(h['corr_change'])} vs {day(h['prev_date'])}"
        stale = r.stale_since("rolling_correlations", market, f"{h['asset_a']}~{h['asset_b']} {h['freq']}")
        cards.append(Card(f"{_corr_name(h)} correlation", signed(h["corr"]),
                          [pair, f"{pvalue(h['p_value'])}, {significance(h['p_value'])}",
                           stale or f"as of {day(h['obs_date'])}{delta}"], title=ids, market=market, pair=ids))
        regime = m.sign_regime(_headline_path(r, h)).iloc[-1]
        cards.append(Card(f"{market} correlation regime", regime["label"],
                          [pair, f"sign of the {window_label(h['freq'], h['window_size'])} correlation where "
                                 f"p < 0.05, since {day(regime['since'])}", f"as of {day(regime['obs_date'])}"],
                          title=ids, market=market, pair=ids))
        same_pair = latest[(latest["method"] != "rolling") & (latest["market"] == market)
                           & (latest["asset_a"] == h["asset_a"]) & (latest["asset_b"] == h["asset_b"])]
        for _, d in same_pair.iterrows():
            stale = r.stale_since("dcc", market, f"{d['method']} {d['asset_a']}~{d['asset_b']} {d['freq']}")
            cards.append(Card(f"{_corr_name(d)} correlation", signed(d["corr"]),
                              [pair, f"{pvalue(d['p_value'])} (effective n {num(d['n'], 0)})",
                               stale or f"as of {day(d['obs_date'])}"], title=ids, market=market, pair=ids))
    regimes = q.latest_regimes(r.con, r.cutoff)
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
    shown = latest.assign(path=[_corr_name(row).split(" ", 1)[1] for _, row in latest.iterrows()],
                          equity=[r.name(a) for a in latest["asset_a"]], bond=[r.name(b) for b in latest["asset_b"]],
                          ids=[_pair_ids(row) for _, row in latest.iterrows()])
    corr_table = table(shown, [
        ("market", "market", text), ("equity", "equity", text), ("bond", "bond", text),
        ("path", "path", text), ("obs_date", "as of", day), ("corr", "corr", signed),
        ("p_value", "p-value", lambda v: num(v, 3)),
        ("p_value", "sig. 5%", lambda v: "yes" if v < 0.05 else "no"),
        ("prev_corr", "prev. period", signed),
        ("share_positive", "% positive", lambda v: pct(v, 0)),
        ("share_significant", "% significant", lambda v: pct(v, 0)), ("ids", "id", text),
    ], row_class=lambda row: "sig" if row["p_value"] < 0.05 else "", caption=(
        "Every stock–bond correlation path of the markets above (bond-return basis: positive = stocks and bonds "
        "move together); the cards show each market's headline pair, the panel section the other markets. "
        "Shares are over each path's whole history."))
    regimes = regimes.assign(status=[r.stale_since("regimes", mk, fw) or "current"
                                     for fw, mk in zip(regimes["framework"], regimes["market"], strict=True)])
    regime_block: Block = (table(regimes, [("framework", "framework", text), ("market", "market", text),
                                           ("label", "label", text), ("since", "since", day),
                                           ("obs_date", "as of", day), ("status", "status", text),
                                           ("detail", "detail", text)],
                                 caption="Latest regime labels (corr_sign here comes from each market's "
                                         "regime series in the profile, which may be another pair than the "
                                         "headline cards)")
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

def correlation_history(r: Reader) -> Content | Missing:
    """Each featured market's headline pair: its rolling correlation history (US from its start,
    China from 2005), shaded by the sign regime of the headline window of that same pair."""
    latest = q.latest_correlations(r.con, r.cutoff)
    if latest[latest["method"] == "rolling"].empty:
        return Missing("rolling stock–bond correlations",
                       r.reason(["correlation", "returns"], "results.correlations has no rolling rows"))
    # market → its headline correlation path, for featured markets that have one
    heads = {mk: h for mk in m.market_order(latest["market"])
             if r.is_featured(mk) and (h := r.headline(latest, mk)) is not None}
    if not heads:
        declared = "; ".join(f"{p.market} {p.equity} / {p.bond} ({window_label(p.freq, p.window)})"
                             for p in r.primary.values() if r.is_featured(p.market))
        return Missing("headline stock–bond correlation path",
                       "no headline pair has rolling rows in results.correlations"
                       + (f" (declared: {declared})" if declared else ""))
    with charts.chart_style():
        fig, axes = charts.figure(len(heads), height=2.8)
        readings, notes = [], []
        for ax, (market, h) in zip(axes, heads.items(), strict=True):
            paths = q.rolling_paths(r.con, r.cutoff, market, h["asset_a"], h["asset_b"], h["freq"])
            paths = paths[paths["horizon_periods"] == h["horizon_periods"]]
            if market == "CN":
                paths = paths[paths["obs_date"] >= CN_HISTORY_START]
            primary = paths[paths["window_size"] == h["window_size"]]
            regime = m.sign_regime(primary)
            charts.shade(ax, regime["obs_date"], regime["label"])
            series = [(f"{window_label(h['freq'], w)} window", g["obs_date"], g["corr"])
                      for w, g in paths.groupby("window_size")]
            pair = r.pair_label(h["asset_a"], h["asset_b"])
            charts.lines(ax, series, ylabel="correlation", zero=True, title=f"{market}: {pair}", legend=False)
            ax.set_ylim(-1, 1)
            ax.legend(loc="lower left", ncols=6)
            window = window_label(h["freq"], h["window_size"])
            readings.append(f"{market} ({pair}): {signed(h['corr'])} as of {day(h['obs_date'])}, positive "
                            f"{(primary['corr'] > 0).mean():.0%} and significant "
                            f"{(primary['p_value'] < 0.05).mean():.0%} of {window} windows since "
                            f"{day(primary['obs_date'].min())}")
            notes.append(f"{market} ({_pair_ids(h)}) shaded by the sign regime of its {window} window")
        chart = _chart(fig, "corr-history", "stock–bond correlation history",
                       "Rolling Pearson correlation of equity and bond returns (−1..1, bond-return basis) of each "
                       "market's headline pair. Shading is the sign regime of the same pair and window as the "
                       "line: positive or negative where p < 0.05, else insignificant, runs under 3 periods "
                       "absorbed; " + "; ".join(notes) + ".")
    return _blocks("; ".join(readings), day(latest["obs_date"].max()), chart)


# --------------------------------------------------------------------------- China as the Soochow note reads it

#: The Soochow Securities macro team's note on the stock–bond return correlation (2025-09-25):
#: China's 60-month correlation of 3-month returns (CSI A500 total return vs the ChinaBond
#: treasury index), its forecast and its cycle, shown beside seesaw's own figures.
SOOCHOW_NOTE = "Soochow Securities macro team, stock–bond return correlation (2025-09-25)"
SOOCHOW_HORIZON_MONTHS = 3
SOOCHOW_CN_DATE = pd.Timestamp("2025-08-31")
SOOCHOW_CN_CORR = -0.238
SOOCHOW_CN_FORECAST = "−0.216 to −0.229 for 2025-09..11"
SOOCHOW_CN_GRANGER_P = 0.003
SOOCHOW_CN_PHASES = "rising 2010Q1–2017Q2, falling 2017Q3–2022Q1, rising from 2022Q2 (faster in 2025Q3)"


def _month(value: object) -> str:
    """``2025-08`` of a date."""
    return day(value)[:7]


def _phase_text(phases: pd.DataFrame) -> str:
    """``rising 2013-03–2017-07, falling 2017-07–2022-02, rising from 2022-02``."""
    return ", ".join(f"{p.phase} from {_month(p.start_date)}" if p.ongoing
                     else f"{p.phase} {_month(p.start_date)}–{_month(p.end_date)}" for p in phases.itertuples())


def _vecm_comparison(r: Reader) -> tuple[str, list[dict[str, str]]]:
    """China's VECM forecast of A and its joint causality test: a reading clause and the rows of
    the comparison table (empty when the VECM has not run for China)."""
    fc = q.latest_vecm_forecasts(r.con, r.cutoff)
    fc = fc[fc["market"].str.upper() == "CN"]
    if fc.empty:
        return "", []
    tests = q.vecm_tests(r.con)
    granger = tests[(tests["market"].str.upper() == "CN") & (tests["test"] == "granger_xyz_to_a")]
    span = f"{_month(fc['obs_date'].iloc[0])}..{_month(fc['obs_date'].iloc[-1])}"
    path = f"{signed(fc['forecast'].iloc[0], 3)} to {signed(fc['forecast'].iloc[-1], 3)} for {span}"
    last = fc.iloc[-1]
    band = f"95%: {signed(last['lower_95'])} to {signed(last['upper_95'])} at {_month(last['obs_date'])}"
    rows = [{"figure": "VECM(1) forecast of A", "note": SOOCHOW_CN_FORECAST,
             "seesaw": f"{path} ({band}; origin {day(fc['origin_date'].iloc[0])})"}]
    clause = f"; the VECM forecasts {path} from {day(fc['origin_date'].iloc[0])} (the note: {SOOCHOW_CN_FORECAST})"
    if len(granger):
        p = granger["p_value"].iloc[0]
        rows.append({"figure": "X, Y, Z jointly → A (causality test)", "note": pvalue(SOOCHOW_CN_GRANGER_P),
                     "seesaw": f"{pvalue(p)} ({significance(p)})"})
    return clause, rows


def china_cycle(r: Reader) -> Content | Missing:
    """China's 3- and 5-year rolling correlation of 3-month returns (CSI 300 / CSI 800 vs the
    ChinaBond treasury total-return index), its phases and the VECM forecast, beside the figures
    of the Soochow Securities macro team's note (2025-09-25)."""
    latest = q.latest_correlations(r.con, r.cutoff)
    cn = latest[(latest["market"] == "CN") & (latest["method"] == "rolling") & (latest["freq"] == "M")
                & (latest["horizon_periods"] == SOOCHOW_HORIZON_MONTHS)]
    if cn.empty:
        return Missing("China correlations of 3-month returns",
                       r.reason(["correlation"], "results.correlations has no CN rows of 3-month returns (an "
                                                 "analysis.pairs entry for CN with freq M and horizon_periods 3, "
                                                 "e.g. cn_csi300 vs cn_bond_tr)"))
    # The headline: the longest window of the pair with the longest history (CSI 300 before CSI 800).
    h = cn.sort_values(["window_size", "first_date", "asset_a"], ascending=[False, True, True]).iloc[0]
    pairs = list(dict.fromkeys(zip(cn["asset_a"], cn["asset_b"], strict=True)))
    phases = q.corr_phases(r.con, r.cutoff, "CN")
    phases = phases[phases["horizon_periods"] == SOOCHOW_HORIZON_MONTHS]
    window = window_label("M", h["window_size"])
    pair = r.pair_label(h["asset_a"], h["asset_b"])
    reading = (f"China's {window} correlation of 3-month returns ({pair}) is {signed(h['corr'])} "
               f"({pvalue(h['p_value'])}, effective n {num(h['n'], 1)}, {significance(h['p_value'])}) at the data "
               f"cutoff {day(h['obs_date'])}")
    mine = phases[(phases["asset_a"] == h["asset_a"]) & (phases["asset_b"] == h["asset_b"])
                  & (phases["window_size"] == h["window_size"])]
    if len(mine):
        now = mine.iloc[-1]
        reading += (f", in a {now['phase']} phase since {day(now['start_date'])} "
                    f"(recognized {day(now['recognized_date'])})")
    compare: list[dict[str, str]] = []
    panels = []
    for a, b in pairs:
        paths = q.rolling_paths(r.con, r.cutoff, "CN", a, b, "M")
        paths = paths[paths["horizon_periods"] == SOOCHOW_HORIZON_MONTHS]
        at_note = paths[(pd.to_datetime(paths["obs_date"]) == SOOCHOW_CN_DATE)
                        & (paths["window_size"] == h["window_size"])]
        if len(at_note):
            compare.append({"figure": f"{window} correlation of 3-month returns, {_month(SOOCHOW_CN_DATE)}",
                            "note": f"{signed(SOOCHOW_CN_CORR, 3)} (CSI A500 total return)",
                            "seesaw": f"{signed(at_note['corr'].iloc[0], 3)} ({r.name(a)}; "
                                      f"{pvalue(at_note['p_value'].iloc[0])})"})
            if (a, b) == (h["asset_a"], h["asset_b"]):
                reading += (f"; {signed(at_note['corr'].iloc[0], 3)} in {_month(SOOCHOW_CN_DATE)} "
                            f"(the note: {signed(SOOCHOW_CN_CORR, 3)})")
        panels.append((a, b, paths))
    if len(mine):
        compare.append({"figure": f"phases of the cycle ({r.name(h['asset_a'])}, {window})", "note": SOOCHOW_CN_PHASES,
                        "seesaw": _phase_text(mine)})
    clause, vecm_rows = _vecm_comparison(r)
    reading += clause
    compare += vecm_rows
    with charts.chart_style():
        fig, axes = charts.figure(len(panels), height=2.6, sharex=True)
        for ax, (a, b, paths) in zip(axes, panels, strict=True):
            longest = int(paths["window_size"].max())
            shaded = phases[(phases["asset_a"] == a) & (phases["asset_b"] == b) & (phases["window_size"] == longest)]
            charts.spans(ax, shaded["start_date"], shaded["end_date"], shaded["phase"], charts.PHASE_COLORS)
            charts.lines(ax, [(f"{window_label('M', w)} window", g["obs_date"], g["corr"])
                              for w, g in paths.groupby("window_size")],
                         ylabel="correlation", zero=True, title=f"CN: {r.pair_label(a, b)}", legend=False)
            ax.set_ylim(-1, 1)
            ax.legend(loc="lower left", ncols=4)
        chart = _chart(fig, "china-cycle", "China stock–bond correlation of 3-month returns",
                       "Rolling Pearson correlation (−1..1) of 3-month returns (each month end vs 3 months earlier) "
                       "of the equity index and the ChinaBond treasury total-return index, 36- and 60-month windows; "
                       "p values use the effective n of overlapping returns. Shading: rising and falling phases of "
                       "the 60-month path (results.corr_phases: sign of its 12-month change, short runs absorbed). "
                       f"Ids: {'; '.join(f'{a} / {b}' for a, b in pairs)}.")
    summary = q.panel_summary(r.con, r.cutoff)
    summary = summary[(summary["market"] == "CN") & (summary["horizon_periods"] == SOOCHOW_HORIZON_MONTHS)]
    blocks: list[Block] = [chart, table(pd.DataFrame(compare), [
        ("figure", "figure", text), ("note", "Soochow Securities note", text), ("seesaw", "seesaw", text)],
        caption=f"seesaw beside the {SOOCHOW_NOTE}; the note's equity leg is the CSI A500 total-return index, "
                "seesaw's the price indexes named, so the figures differ by data, not by method.")]
    if len(summary):
        blocks.append(_path_table(r, summary, "Each path at its data cutoff (the last month complete in both legs); "
                                              "shares over its whole history."))
    if len(phases):
        shown = phases.assign(equity=[r.name(a) for a in phases["asset_a"]],
                              window=[window_label("M", w) for w in phases["window_size"]],
                              ids=[f"{a} / {b}" for a, b in zip(phases["asset_a"], phases["asset_b"], strict=True)])
        blocks.append(table(shown, [
            ("equity", "equity index", text), ("window", "window", text), ("phase", "phase", text),
            ("start_date", "from", day), ("end_date", "to", day), ("months", "months", lambda v: num(v, 0)),
            ("corr_start", "corr. at start", signed), ("corr_end", "corr. at end", signed),
            ("recognized_date", "recognized", day), ("ongoing", "ongoing", lambda v: "yes" if v else ""),
            ("ids", "id", text)],
            caption="Phases of each path: a phase turns at the extreme before the new direction is recognized."))
    return _blocks(reading, day(cn["obs_date"].max()), *blocks)


# --------------------------------------------------------------------------- the cross-market panel

#: The panel shows the 60-month correlation of monthly returns (Soochow Securities' figures 4–5).
PANEL_WINDOW_MONTHS = 60
PANEL_COLUMNS = 3


def _path_table(r: Reader, summary: pd.DataFrame, caption: str) -> Table:
    """``results.panel_summary`` rows as a table: latest value, p, data cutoff, shares, last sign
    change and phase, with names and ids."""
    shown = summary.assign(
        equity=[r.name(a) for a in summary["asset_a"]], bond=[r.name(b) for b in summary["asset_b"]],
        path=[window_label("M", w) + (f" of {int(k)}-month returns" if k > 1 else "")
              for w, k in zip(summary["window_size"], summary["horizon_periods"], strict=True)],
        phase=[f"{p} since {day(s)}" if isinstance(p, str) else "—"
               for p, s in zip(summary["current_phase"], summary["phase_start_date"], strict=True)],
        ids=[f"{a} / {b}" for a, b in zip(summary["asset_a"], summary["asset_b"], strict=True)])
    return table(shown, [
        ("market", "market", text), ("equity", "equity", text), ("bond", "bond", text), ("path", "path", text),
        ("corr_latest", "latest corr.", signed), ("p_value_latest", "p-value", lambda v: num(v, 3)),
        ("n_latest", "n (effective)", lambda v: num(v, 1)), ("data_cutoff", "data cutoff", day),
        ("share_positive", "% positive", lambda v: pct(v, 0)),
        ("share_significant", "% significant", lambda v: pct(v, 0)),
        ("last_sign_change", "last sign change", day), ("phase", "phase", text), ("ids", "id", text)],
        row_class=lambda row: "sig" if row["p_value_latest"] < row["significance_level"] else "", caption=caption)


def _panel_figure(r: Reader, rows: pd.DataFrame) -> Figure:
    """One small chart per market on a shared y axis (−1..1) and a shared time axis: the market's
    panel paths (``metrics.panel_paths``), each axes tagged ``panel-<market>``."""
    markets = list(dict.fromkeys(rows["market"]))
    grid_rows = -(-len(markets) // PANEL_COLUMNS)
    fig, axes = charts.figure(grid_rows, PANEL_COLUMNS, height=2.0, width=10.5, sharex=True, sharey=True)
    for ax, market in zip(axes, markets, strict=False):
        mine = rows[rows["market"] == market]
        for p in mine.itertuples():
            path = q.rolling_paths(r.con, r.cutoff, market, p.asset_a, p.asset_b, "M")
            path = path[(path["window_size"] == p.window_size) & (path["horizon_periods"] == p.horizon_periods)]
            ax.plot(pd.to_datetime(path["obs_date"]).to_numpy(), path["corr"].to_numpy(float), label=r.name(p.asset_a))
        ax.axhline(0, color="#6b7280", linewidth=0.8)
        ax.set_title(f"{market}: {' / '.join(r.name(a) for a in mine['asset_a'])}", fontsize=7.5)
        ax.set_gid(f"panel-{market}")
        if len(mine) > 1:
            ax.legend(loc="lower left", fontsize=6.5)
    for ax in axes[len(markets):]:
        ax.set_visible(False)
    axes[0].set_ylim(-1, 1)
    axes[0].set_xlim(pd.Timestamp(rows["first_date"].min()), pd.Timestamp(rows["data_cutoff"].max()))
    charts.date_axis(axes[0])
    return fig


def panel(r: Reader) -> Content | Missing:
    """The cross-market panel: every market's 60-month correlation of monthly stock and 10-year
    bond returns, one small chart per market on shared axes, and where each stands."""
    # Declared headlines only: a market without one shows every pair (Australia's index in two files).
    declared = {mk: p for mk, p in r.primary.items() if r.featured is not None and mk in r.featured}
    rows = m.panel_paths(q.panel_summary(r.con, r.cutoff), declared, PANEL_WINDOW_MONTHS)
    if rows.empty:
        return Missing("cross-market panel",
                       r.reason(["panel"], "results.panel_summary has no 60-month path of monthly returns "
                                           "(analysis.pairs entries with freq M and a 60-month window per market)"))
    sig = rows[rows["p_value_latest"] < rows["significance_level"]]
    reading = (f"The {PANEL_WINDOW_MONTHS}-month stock–bond correlation of monthly returns is positive and "
               f"significant in {(sig['corr_latest'] > 0).sum()} and negative and significant in "
               f"{(sig['corr_latest'] < 0).sum()} of {len(rows)} paths ({rows['market'].nunique()} markets) at "
               "their data cutoffs: "
               + "; ".join(f"{p.market} {signed(p.corr_latest)} ({pvalue(p.p_value_latest)}, {day(p.data_cutoff)})"
                           for p in rows.itertuples()))
    with charts.chart_style():
        chart = _chart(_panel_figure(r, rows), "panel", "cross-market stock–bond correlations",
                       f"Rolling {PANEL_WINDOW_MONTHS}-month Pearson correlation (−1..1, bond-return basis) of monthly "
                       "equity index and 10-year government bond returns (par bond priced off the yield; China: the "
                       "ChinaBond treasury total-return index), one chart per market, same axes; each market's "
                       "primary pair where it has this path, else every pair that has one.")
    return _blocks(reading, day(rows["data_cutoff"].max()), chart,
                   _path_table(r, rows, f"Where each market stands (significant at "
                                        f"{num(rows['significance_level'].iloc[0], 2)} highlighted); shares over "
                                        "each path's whole history; phase as stored in the corr_phases table."))


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
    agreement = q.sign_agreement(r.con, r.cutoff)
    markets = m.market_order(dcc["market"])
    readings, panels, notes = [], [], []
    for market in markets:
        mine = dcc[dcc["market"] == market]
        pair = mine.groupby(["asset_a", "asset_b"]).size().idxmax()
        mine = mine[(mine["asset_a"] == pair[0]) & (mine["asset_b"] == pair[1])]
        rolling = q.rolling_paths(r.con, r.cutoff, market, pair[0], pair[1])
        rolling = rolling[rolling["horizon_periods"] == 1]
        h = r.headline(latest, market)
        if rolling.empty and h is not None:
            rolling = _headline_path(r, h).assign(freq=h["freq"], window_size=h["window_size"])
        for method, g in mine.groupby("method"):
            same_freq = rolling[rolling["freq"] == g["freq"].iloc[0]]
            pool = same_freq if len(same_freq) else rolling
            longest = pool[pool["window_size"] == pool["window_size"].max()] if len(pool) else pool
            panels.append((market, pair, str(method), g, longest))
        main = mine[mine["method"] == "dcc"] if (mine["method"] == "dcc").any() else mine
        last = main.iloc[-1]
        text_ = (f"{market} {str(last['method']).upper()} correlation ({r.pair_label(*pair)}) is "
                 f"{signed(last['corr'])} ({pvalue(last['p_value'])}, effective n {num(last['n'], 0)}) "
                 f"as of {day(last['obs_date'])}")
        agree = agreement[(agreement["market"] == market) & (agreement["asset_a"] == pair[0])
                          & (agreement["asset_b"] == pair[1]) & (agreement["method"] == last["method"])
                          & (agreement["freq"] == last["freq"])]
        if len(agree):
            shortest = agree.iloc[0]
            text_ += ("; it shares the sign of the "
                      f"{window_label(shortest['rolling_freq'], shortest['window_size'])} "
                      f"rolling correlation at {shortest['same_sign_share']:.0%} of month ends")
        for fit in flagged[flagged["market"] == market].itertuples():
            text_ += f" (the {str(fit.model).upper()} fit of {day(fit.sample_end)} is flagged: {fit.message})"
        readings.append(text_)
        if len(longest):
            notes.append(f"{market}: the {window_label(longest['freq'].iloc[0], longest['window_size'].iloc[0])} "
                         f"rolling correlation of the same pair ({pair[0]} / {pair[1]})")
    with charts.chart_style():
        fig, axes = charts.figure(len(panels), height=2.4)
        for ax, (market, pair, method, g, comparator) in zip(axes, panels, strict=True):
            model = charts.thin(g)
            series = [(f"{method.upper()} ({g['freq'].iloc[0]})", model["obs_date"], model["corr"])]
            if len(comparator):
                shown = charts.thin(comparator)
                regime = m.sign_regime(shown)
                charts.shade(ax, regime["obs_date"], regime["label"])
                window = window_label(comparator["freq"].iloc[0], comparator["window_size"].iloc[0])
                series.append((f"rolling {window}", shown["obs_date"], shown["corr"]))
            charts.lines(ax, series, ylabel="correlation", zero=True,
                         title=f"{market} {method.upper()}: {r.pair_label(*pair)}", legend=False)
            ax.set_ylim(-1, 1)
            ax.legend(handles=ax.get_lines()[: len(series)], loc="lower left", ncols=len(series))
        chart = _chart(fig, "dcc", "DCC versus rolling correlation",
                       "One model per panel: conditional correlation from DCC/ADCC-GARCH against the longest "
                       "rolling Pearson window of the same pair (−1..1, bond-return basis); shading is the sign "
                       "regime of that rolling window (positive or negative where p < 0.05, else insignificant); "
                       + "; ".join(notes) + "; daily paths are shown weekly.")
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
    tracking = q.term_premium_tracking(r.con, r.cutoff, 10)
    if len(tracking):
        t = tracking.iloc[0]
        reading += (f"; ours tracks the NY Fed with correlation {t['corr']:.2f} ({pvalue(t['p_value'])}, "
                    f"RMSE {t['rmse_pp']:.2f} pp) over {day(t['start_date'])}–{day(t['end_date'])}")
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
    stale = r.stale_since("erp_model")
    if stale:
        reading = f"{stale[0].upper()}{stale[1:]}: {reading}"
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
    summary = q.rebalancing_summary(r.con, r.cutoff)
    with charts.chart_style():
        fig, axes = charts.figure(2 if len(scenarios) else 1, height=2.6)
        parts = []
        if len(history):
            name = "history_M" if (history["scenario"] == "history_M").any() else history["scenario"].iloc[0]
            h = history[history["scenario"] == name]
            x = pd.to_datetime(h["obs_date"]).to_numpy()
            axes[0].fill_between(x, 0, h["flow_usd_bn"].to_numpy(), step="post", color=charts.PALETTE[0], alpha=0.55,
                                 linewidth=0, label=f"{name} flow")
            axes[0].plot(x, h["flow_12p_mean_usd_bn"].to_numpy(), color=charts.PALETTE[1], label="12-period average")
            axes[0].axhline(0, color="#6b7280", linewidth=0.8)
            axes[0].set_ylabel("USD bn per period")
            axes[0].set_title("Realized rebalancing flow (positive = equities sold, bonds bought)")
            axes[0].legend(loc="upper left", ncols=2)
            charts.date_axis(axes[0])
            last = h.iloc[-1]
            recent = summary[summary["scenario"] == name]
            parts.append(f"a ${num(last['aum_usd_bn'], 0)}bn fund at {pct(last['equity_weight'], 0)} equities "
                         "would have "
                         f"{'sold' if last['flow_usd_bn'] > 0 else 'bought'} ${num(abs(last['flow_usd_bn']), 1)}bn of "
                         f"equities in the period to {day(last['obs_date'])}"
                         + "".join(f" (mean |flow| over the last {row.recent_periods} periods "
                                   f"${num(row.recent_mean_abs_flow_usd_bn, 1)}bn)" for row in recent.itertuples()))
        if len(scenarios):
            ax = axes[-1]
            ss = summary[~summary["scenario"].str.startswith("history")]
            names, values = list(ss["scenario"]), list(ss["mean_flow_usd_bn"])
            if len(history):
                for row in recent.itertuples():
                    names.append(f"{name}, last {row.recent_periods} periods")
                    values.append(row.recent_mean_flow_usd_bn)
            ax.bar(names, values, color=[charts.PALETTE[2]] * len(ss) + [charts.PALETTE[0]] * (len(names) - len(ss)),
                   width=0.5)
            ax.axhline(0, color="#6b7280", linewidth=0.8)
            ax.set_ylabel("USD bn per period")
            ax.set_title("Scenarios: mean expected flow per period (positive = equities sold) vs recent history")
            for row in ss.itertuples():
                parts.append(f"scenario {row.scenario} expects {usd_bn(row.mean_flow_usd_bn)} per period "
                             f"({pct(row.mean_share_of_treasury_supply, 0)} of Treasury, "
                             f"{pct(row.mean_share_of_ig_supply, 0)} of IG supply)")
        chart = _chart(fig, "rebalancing", "rebalancing flows", "Flow out of equities of a fixed-weight balanced "
                       "fund, N·w·(1−w)·(r_s − r_b), USD bn per period (positive = equities sold, bonds bought).")
    summary_table = table(summary, [("scenario", "scenario", text), ("first_date", "from", day),
                                    ("last_date", "to", day), ("periods", "periods", lambda v: num(v, 0)),
                                    ("aum_usd_bn", "AUM (USD bn)", lambda v: num(v, 0)),
                                    ("equity_weight", "equity weight", lambda v: pct(v, 0)),
                                    ("mean_flow_usd_bn", "mean flow (USD bn)", lambda v: signed(v, 1)),
                                    ("mean_abs_flow_usd_bn", "mean |flow| (USD bn)", lambda v: num(v, 1)),
                                    ("mean_share_of_treasury_supply", "share of Treasury supply", lambda v: pct(v, 1)),
                                    ("mean_share_of_ig_supply", "share of IG supply", lambda v: pct(v, 1))],
                          caption="Flows by scenario")
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
    months = int(sweep["months"].iloc[0])
    return table(grid, [("equity_weight", "equity weight", lambda v: pct(v, 0)),
                        ("exp_return_ann", "expected return (ann.)", lambda v: pct(v, 2))]
                 + [(rho, f"ρ = {signed(rho, 2)}", text) for rho in grid.columns[2:]],
                 caption=f"Scenario {scenario}, {months} months: annualized volatility / median max drawdown by "
                         "equity weight and stock–bond correlation ρ (the 5% quantile of the annualized return "
                         "and the one-year loss VaR and CVaR are in the chart)")


#: Panels of the horizon chart: column, title (what the number is, its unit and sign).
MC_HORIZON_PANELS = (
    ("vol_ann", "annualized volatility\n(median), %"),
    ("ann_return_q05", "5% quantile of the annualized return\nover {months} months, %"),
    ("loss_var95_1y", "one-year 95% loss VaR (solid) and CVaR\n(dashed), % of portfolio, loss > 0"),
    ("mdd_full_median", "median max drawdown\nover {months} months, %"),
)

#: Panels of the equity-weight sweep chart.
MC_SWEEP_PANELS = (
    ("exp_return_ann", "expected annualized return\nover {months} months, %"),
    ("mdd_full_median", "median max drawdown\nover {months} months, %"),
    ("vol_ann", "annualized volatility\n(median), %"),
)


def _mc_plateau(weight: float | None) -> str:
    """A return-plateau weight, or what its absence means."""
    return "still rising at the largest weight" if weight is None or pd.isna(weight) else pct(weight, 0)


def _per_rho(items: list[tuple[float, str]]) -> str:
    """Values by correlation ρ, said once when every ρ gives the same ("30% at every ρ")."""
    if len({value for _, value in items}) == 1:
        return f"{items[0][1]} at every ρ"
    return ", ".join(f"{value} at ρ {signed(rho, 2)}" for rho, value in items)


def monte_carlo(r: Reader) -> Content | Missing:
    """Two-asset portfolio risk by stock–bond correlation and equity weight, and the equity-weight
    sweep (Soochow Securities macro team, stock–bond return correlation, 2025-09-25)."""
    mc = q.mc_risk(r.con)
    if mc.empty:
        return Missing("Monte Carlo risk results",
                       r.reason(["mc", "monte", "risk"], "results.mc_risk is empty (the risk step has not run)"))
    choice = q.mc_weight_choice(r.con)
    scenario = mc.groupby("scenario").size().idxmax()
    horizon = int(mc["months"].max())
    sweep = mc[(mc["scenario"] == scenario) & (mc["months"] == horizon)]
    short = mc[(mc["scenario"] == scenario) & (mc["months"] < horizon)]
    paths, seed = int(sweep["paths"].iloc[0]), int(sweep["seed"].iloc[0])
    with charts.chart_style():
        fig, axes = charts.figure(1, len(MC_HORIZON_PANELS), height=3.0, width=12.0)
        for ax, (col, title) in zip(axes, MC_HORIZON_PANELS, strict=True):
            for i, (rho, g) in enumerate(sweep.groupby("rho")):
                x = 100 * g["equity_weight"].to_numpy()
                ax.plot(x, 100 * g[col].to_numpy(), color=charts.PALETTE[i % len(charts.PALETTE)],
                        label=f"ρ = {signed(rho, 2)}")
                if col == "loss_var95_1y":
                    ax.plot(x, 100 * g["loss_cvar95_1y"].to_numpy(), color=charts.PALETTE[i % len(charts.PALETTE)],
                            linestyle="--")
            ax.set_title(title.format(months=horizon), fontsize=8)
            ax.set_xlabel("equity weight, %")
        axes[0].legend(loc="upper left")
        blocks: list[Block] = [_chart(fig, "mc", "Monte Carlo risk by equity weight",
                                      f"Scenario {scenario}: {paths:,} paths × {horizon} months, monthly "
                                      f"rebalancing, seed {seed}. The 5% quantile of the annualized return is a "
                                      "return (positive = gain), not a loss VaR; the one-year VaR and CVaR are "
                                      "losses over the first 12 months (positive = loss).")]
    safest = sweep[sweep["least_drawdown"].fillna(False).astype(bool)].drop_duplicates("rho")
    reading = ("Median max drawdown is smallest at an equity weight of "
               + _per_rho([(b.rho, pct(b.equity_weight, 0)) for b in safest.itertuples()])
               + f" (scenario {scenario}, {paths:,} paths × {horizon} months)")
    at20 = sweep[np.isclose(sweep["equity_weight"], 0.2)]
    if len(at20):
        row = at20.sort_values("rho").iloc[0]
        reading += (f"; at 20% equities and ρ {signed(row['rho'], 2)} the 5% quantile of the annualized "
                    f"{horizon}-month return is {pct(row['ann_return_q05'], 2)} and the one-year 95% loss VaR "
                    f"is {pct(row['loss_var95_1y'], 2)} of the portfolio (CVaR {pct(row['loss_cvar95_1y'], 2)})")
    if len(short):
        months = int(short["months"].max())
        short = short[short["months"] == months]
        picks = choice[(choice["scenario"] == scenario) & (choice["months"] == months)]
        with charts.chart_style():
            fig, axes = charts.figure(1, len(MC_SWEEP_PANELS), height=3.0, width=12.0)
            for ax, (col, title) in zip(axes, MC_SWEEP_PANELS, strict=True):
                for rho, g in short.groupby("rho"):
                    ax.plot(100 * g["equity_weight"].to_numpy(), 100 * g[col].to_numpy(), label=f"ρ = {signed(rho, 2)}")
                ax.set_title(title.format(months=months), fontsize=8)
                ax.set_xlabel("equity weight, %")
            axes[0].legend(loc="lower right")
            blocks.append(_chart(fig, "mc-sweep", "equity-weight sweep",
                                 f"Scenario {scenario}: {int(short['paths'].iloc[0]):,} paths × {months} months, "
                                 f"{int(short.groupby('rho').size().iloc[0])} equity weights, common random numbers."))
        plateaus = [(p.rho, _mc_plateau(p.return_plateau_weight)) for p in picks.itertuples()]
        reading += (f". Over {months} months the least drawdown is at an equity weight of "
                    + _per_rho([(p.rho, pct(p.min_drawdown_weight, 0)) for p in picks.itertuples()])
                    + ("; expected return is still rising at the largest weight simulated, at every ρ"
                       if all(value == _mc_plateau(None) for _, value in plateaus)
                       else "; expected return stops rising past " + _per_rho(plateaus)))
    if len(choice):
        blocks.append(table(choice, [
            ("scenario", "scenario", text), ("months", "horizon (months)", lambda v: num(v, 0)),
            ("rho", "ρ", lambda v: signed(v, 2)), ("weights", "weights simulated", lambda v: num(v, 0)),
            ("min_drawdown_weight", "least median max drawdown at", lambda v: pct(v, 0)),
            ("min_vol_weight", "least volatility at", lambda v: pct(v, 0)),
            ("return_plateau_weight", "expected return stops rising past", _mc_plateau)],
            caption="Equity weights chosen by each sweep. Expected return stops rising past the smallest weight "
                    "from which every further step of the sweep gains at most "
                    f"{num(choice['return_gain_threshold_pp'].iloc[0], 2)} pp of expected annual return per "
                    "+1 pp of equity."))
    grids = [_mc_grid(mc[(mc["scenario"] == name) & (mc["months"] == horizon)], name)
             for name in [scenario, *sorted(set(mc["scenario"]) - {scenario})]]
    return _blocks(reading, "simulation (no observation date)", *blocks, *grids)


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
               ("a_stock_bond_corr", "A: 60-month stock–bond return correlation"))
    readings = []
    with charts.chart_style():
        fig, axes = charts.figure(2, 2, height=2.3, width=10.5)
        for ax, (col, label) in zip(axes, drivers, strict=True):
            charts.lines(ax, [(mk, g["obs_date"], g[col]) for mk, g in md.groupby("market")],
                         ylabel="pp" if col[0] in "xy" else "correlation", title=label, legend=len(markets) > 1)
        blocks: list[Block] = [_chart(fig, "drivers", "macro drivers", "Rolling macro uncertainty (X, Y, percentage "
                                      "points), their correlation (Z) and the 60-month stock–bond return "
                                      "correlation (A: of monthly returns for the US, of 3-month returns vs "
                                      "the ChinaBond treasury total-return index for China), month ends.")]
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
        plain = [m.vecm_verdict(t.test, t.statistic, t.p_value, t.detail) for t in tests.itertuples()]
        tests = tests.assign(name=[name for name, _ in plain], verdict=[verdict for _, verdict in plain])
        blocks.append(table(tests, [("market", "market", text), ("name", "test", text),
                                    ("statistic", "statistic", lambda v: num(v, 2)),
                                    ("p_value", "p-value", lambda v: num(v, 3)),
                                    ("verdict", "reading at 5%", text), ("test", "id", text)],
                            caption="VECM tests: unit roots (ADF), cointegration rank (Johansen), whether the "
                                    "macro drivers help predict the correlation (Granger), and residual checks"))
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
    stale = steps[steps["status"] == "stale"]
    reading = f"{steps['status'].isin(['ok', 'stale']).sum()} of {len(steps)} analysis steps ran"
    if len(stale):
        reading += "; stale (an input stopped updating): " + ", ".join(stale["step"])
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
    SectionSpec("china-cycle", "China: stock–bond correlation of 3-month returns", china_cycle),
    SectionSpec("panel", "Cross-market panel", panel),
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
