"""Rates and stress steps: term premia (NY Fed and our ACM), ERP–PMI, MOVE, auctions, events."""
from __future__ import annotations

from datetime import date

import pandas as pd

from seesaw.analyses.core import Context, MissingInputs, Output, Upstream, month_end
from seesaw.analyses.settings import ErpSettings, EventsSettings, MoveSettings, TermPremiaSettings
from seesaw.models.acm import (
    CMT_TENOR_MONTHS,
    AcmResult,
    acm_daily_term_premia,
    acm_term_premia,
    fit_acm,
    nyfed_term_premia,
    term_premium_tracking,
    zero_curve_from_cmt,
)
from seesaw.models.erp import erp_model_frame
from seesaw.transforms.auctions import auction_metrics
from seesaw.transforms.events import SelloffLeg, detect_events
from seesaw.transforms.move import move_metrics
from seesaw.transforms.periods import complete_through

#: CMT yields the auction tails are measured against (the tenors ``auction_metrics`` maps to).
AUCTION_CMT = list(CMT_TENOR_MONTHS)


def _cmt(ctx: Context, ids: list[str]) -> pd.DataFrame:
    return ctx.frame(ids, required=3)


def nyfed_series(cfg: TermPremiaSettings) -> list[str]:
    """NY Fed ACM series ids: term premium, fitted yield and risk-neutral yield per tenor."""
    return [f"{cfg.nyfed_prefix}_{kind}_{n}y" for kind in ("tp", "y", "rny") for n in cfg.tenors]


def term_premia_series(cfg: TermPremiaSettings) -> list[str]:
    return [f"{cfg.nyfed_prefix}_tp_10y", *nyfed_series(cfg), *cfg.cmt]


def daily_cmt_term_premia(cmt_pct: pd.DataFrame, result: AcmResult, tenors: list[int]) -> pd.DataFrame:
    """Daily term-premium rows of our ACM from daily CMT yields: each date's zero curve
    (``zero_curve_from_cmt``) through the monthly fit. Row by row, so a replay extends it."""
    return acm_daily_term_premia(zero_curve_from_cmt(cmt_pct), result, tenors)


def term_premia_step(ctx: Context, cfg: TermPremiaSettings, upstream: Upstream) -> list[Output]:
    """NY Fed ACM as ingested, and our ACM fitted on a zero curve built from CMT yields."""
    parts, missing = [], []
    if ctx.has(f"{cfg.nyfed_prefix}_tp_10y"):
        frame = ctx.frame(nyfed_series(cfg), required=1)
        parts.append(nyfed_term_premia(frame, freq="M", prefix=cfg.nyfed_prefix))
    else:
        missing.append(f"{cfg.nyfed_prefix}_tp_10y")
    try:
        cmt_daily = _cmt(ctx, cfg.cmt).loc[pd.Timestamp(cfg.start):]
    except MissingInputs as exc:
        missing.append(str(exc).removeprefix("needs series "))
    else:
        # Fitted on complete months only: a month still open has no month-end curve yet.
        month_ends = cmt_daily.resample("ME").last().loc[:complete_through(cmt_daily.index[-1], "M")]
        result = ctx.memo(fit_acm, ctx.memo(zero_curve_from_cmt, month_ends))
        parts.append(acm_term_premia(result, cfg.tenors))
        daily_cmt = cmt_daily.loc[pd.Timestamp(cfg.daily_since):].dropna(how="all")
        parts.append(ctx.memo.rows(daily_cmt_term_premia, daily_cmt, result, list(cfg.tenors)))
    if not parts:
        raise MissingInputs(f"needs series {'; '.join(missing)}")
    frame = pd.concat(parts, ignore_index=True)
    frame["obs_date"] = pd.to_datetime(frame["obs_date"]).dt.date
    tracking = ctx.memo(term_premium_tracking, frame[frame["freq"] == "M"])  # monthly rows are all it reads
    for column in ("start_date", "end_date"):
        tracking[column] = pd.to_datetime(tracking[column]).dt.date
    return [Output("term_premia", frame), Output("term_premium_tracking", tracking)]


def erp_series(cfg: ErpSettings) -> list[str]:
    return [cfg.price, cfg.earnings, cfg.y10, cfg.pmi]


def erp_step(ctx: Context, cfg: ErpSettings, upstream: Upstream) -> list[Output]:
    """ERP (earnings yield − 10y) regressed on PMI with Newey–West errors; implied 10y and cuts."""
    ctx.frame(erp_series(cfg))  # raises with what is missing
    levels = {sid: month_end(s) for sid, s in ctx.aligned(erp_series(cfg), "M", key="erp_pmi").items()}
    pe = levels[cfg.price] / levels[cfg.earnings]
    frame = erp_model_frame(pe, levels[cfg.y10], levels[cfg.pmi], start=_timestamp(cfg.start), end=_timestamp(cfg.end))
    for col in ("obs_date", "sample_start", "sample_end"):
        frame[col] = pd.to_datetime(frame[col]).dt.date
    return [Output("erp_model", frame)]


def _timestamp(day: date | None) -> pd.Timestamp | None:
    return None if day is None else pd.Timestamp(day)


def move_step(ctx: Context, cfg: MoveSettings, upstream: Upstream) -> list[Output]:
    """MOVE level, 1-year percentile, z-score and year-to-date highs, with VIX beside it."""
    if not ctx.has(cfg.move):
        raise MissingInputs(f"needs series {cfg.move}")
    frame = ctx.frame([cfg.move, cfg.vix], required=1)
    if cfg.vix not in frame.columns:
        frame[cfg.vix] = float("nan")
    metrics = move_metrics(frame.dropna(subset=[cfg.move]), move_col=cfg.move, vix_col=cfg.vix)
    metrics["obs_date"] = pd.to_datetime(metrics["obs_date"]).dt.date
    return [Output("move_metrics", metrics)]


def auctions_step(ctx: Context, cfg: None, upstream: Upstream) -> list[Output]:
    """Per-auction tails vs same-day CMT yields, bidder shares, z-scores vs prior auctions."""
    if ctx.auctions.empty:
        raise MissingInputs("needs Treasury auctions (profile `tables: auctions:`)")
    cmt = _cmt(ctx, AUCTION_CMT)
    auctions = ctx.auctions.assign(tips=ctx.auctions["security_type"].eq("TIPS"),
                                   auction_date=pd.to_datetime(ctx.auctions["auction_date"]))
    metrics = auction_metrics(auctions, cmt)
    metrics["auction_date"] = pd.to_datetime(metrics["auction_date"]).dt.date
    return [Output("auction_metrics", metrics)]


def events_step(ctx: Context, cfg: EventsSettings, upstream: Upstream) -> list[Output]:
    """Joint sell-offs, yield spikes, MOVE spikes and weak auctions (those whose inputs exist)."""
    present = [sid for sid in cfg.series() if ctx.has(sid)]
    move = upstream.frame("move_metrics", "move_metrics")
    auctions = upstream.frame("auction_metrics", "auction_metrics")
    detectors = [[leg.series for leg in s.legs] for s in cfg.selloffs] + [[s.series] for s in cfg.yield_spikes]
    if not any(set(ids) <= set(present) for ids in detectors) and move is None and auctions is None:
        raise MissingInputs("needs series " + " or ".join("+".join(ids) for ids in detectors)
                            + ", or MOVE metrics, or auctions")
    # Each detector on its own inputs' common quote dates (nothing past their common cutoff).
    parts = [detect_events(pd.DataFrame(), move_metrics=_dated(move), auction_metrics=_dated(auctions, "auction_date"),
                           selloffs=[], spikes=[])]
    for s in cfg.selloffs:
        ids = [leg.series for leg in s.legs]
        if set(ids) <= set(present):
            legs = tuple(SelloffLeg(leg.series, leg.label, leg.direction, leg.unit) for leg in s.legs)
            frame = pd.concat(ctx.aligned(ids, "D", key=s.event_type, market=s.market), axis=1)
            parts.append(detect_events(frame, selloffs=[(legs, s.event_type, s.market)], spikes=[]))
    for spike in cfg.yield_spikes:
        if spike.series in present:
            frame = pd.concat(ctx.aligned([spike.series], "D", key=f"yield_spike {spike.series}", market=spike.market),
                              axis=1)
            parts.append(detect_events(frame, selloffs=[], spikes=[(spike.series, spike.label, spike.market)]))
    nonempty = [p for p in parts if not p.empty]
    events = (pd.concat(nonempty, ignore_index=True).sort_values(["obs_date", "event_type", "window_days"],
                                                                 ignore_index=True)
              if nonempty else parts[0])
    if events.empty:
        ctx.notes.append("no stress event in the inputs' history")
    events["obs_date"] = pd.to_datetime(events["obs_date"]).dt.date
    return [Output("events", events)]


def _dated(frame: pd.DataFrame | None, column: str = "obs_date") -> pd.DataFrame | None:
    """A copy of ``frame`` with its date column back as timestamps (transforms expect them)."""
    if frame is None:
        return None
    return frame.assign(**{column: pd.to_datetime(frame[column])})
