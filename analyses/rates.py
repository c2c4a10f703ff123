"""Rates and stress steps: term premia (NY Fed and our ACM), ERP–PMI, MOVE, auctions, events."""
from __future__ import annotations

import pandas as pd

from seesaw.analyses.core import Context, MissingInputs, Output, month_end
from seesaw.models.acm import CMT_TENOR_MONTHS, acm_term_premia, fit_acm, nyfed_term_premia, zero_curve_from_cmt
from seesaw.models.erp import erp_model_frame
from seesaw.transforms.auctions import auction_metrics
from seesaw.transforms.events import detect_events
from seesaw.transforms.move import move_metrics

TERM_PREMIA_DEFAULTS = {"nyfed_prefix": "us_acm", "cmt": list(CMT_TENOR_MONTHS), "start": "1962-01-01",
                        "daily_since": "1990-01-01", "tenors": list(range(1, 11))}
ERP_DEFAULTS = {"price": "us_spx_shiller", "earnings": "us_earnings_shiller", "y10": "us_10y",
                "pmi": "us_pmi", "start": "2013-01-01", "end": None}
MOVE_DEFAULTS = {"move": "us_move", "vix": "us_vix"}
EVENT_SERIES = ["us_spx", "us_10y", "us_dollar", "cn_csi300", "cn_10y"]
#: Series sets of the event detectors (triple sell-off, China stock-bond sell-off, yield spikes).
EVENT_DETECTORS = [("us_spx", "us_10y", "us_dollar"), ("cn_csi300", "cn_10y"), ("us_10y",), ("cn_10y",)]


def _cmt(ctx: Context, ids: list[str]) -> pd.DataFrame:
    return ctx.frame(ids, required=3)


def term_premia_step(ctx: Context) -> list[Output]:
    """NY Fed ACM as ingested, and our ACM fitted on a zero curve built from CMT yields."""
    cfg = ctx.settings("term_premia", TERM_PREMIA_DEFAULTS)
    parts, missing = [], []
    nyfed_ids = [f"{cfg['nyfed_prefix']}_{kind}_{n}y" for kind in ("tp", "y", "rny") for n in cfg["tenors"]]
    if ctx.has(f"{cfg['nyfed_prefix']}_tp_10y"):
        frame = ctx.frame(nyfed_ids, required=1)
        parts.append(nyfed_term_premia(frame, freq="M", prefix=cfg["nyfed_prefix"]))
    else:
        missing.append(f"{cfg['nyfed_prefix']}_tp_10y")
    try:
        cmt_daily = _cmt(ctx, cfg["cmt"]).loc[pd.Timestamp(cfg["start"]):]
    except MissingInputs as exc:
        missing.append(str(exc).removeprefix("needs series "))
    else:
        monthly_curve = zero_curve_from_cmt(cmt_daily.resample("ME").last())
        result = fit_acm(monthly_curve)
        daily_curve = zero_curve_from_cmt(cmt_daily.loc[pd.Timestamp(cfg["daily_since"]):].dropna(how="all"))
        parts.append(acm_term_premia(result, cfg["tenors"], daily_curve_pct=daily_curve))
    if not parts:
        raise MissingInputs(f"needs series {'; '.join(missing)}")
    frame = pd.concat(parts, ignore_index=True)
    frame["obs_date"] = pd.to_datetime(frame["obs_date"]).dt.date
    return [Output("term_premia", frame)]


def erp_step(ctx: Context) -> list[Output]:
    """ERP (earnings yield − 10y) regressed on PMI with Newey–West errors; implied 10y and cuts."""
    cfg = ctx.settings("erp", ERP_DEFAULTS)
    ctx.frame([cfg["price"], cfg["earnings"], cfg["y10"], cfg["pmi"]])  # raises with what is missing
    pe = month_end(ctx.series(cfg["price"])) / month_end(ctx.series(cfg["earnings"]))
    frame = erp_model_frame(pe, month_end(ctx.series(cfg["y10"])), month_end(ctx.series(cfg["pmi"])),
                            start=cfg["start"], end=cfg["end"])
    for col in ("obs_date", "sample_start", "sample_end"):
        frame[col] = pd.to_datetime(frame[col]).dt.date
    return [Output("erp_model", frame)]


def move_step(ctx: Context) -> list[Output]:
    """MOVE level, 1-year percentile, z-score and year-to-date highs, with VIX beside it."""
    cfg = ctx.settings("move", MOVE_DEFAULTS)
    if not ctx.has(cfg["move"]):
        raise MissingInputs(f"needs series {cfg['move']}")
    frame = ctx.frame([cfg["move"], cfg["vix"]], required=1)
    if cfg["vix"] not in frame.columns:
        frame[cfg["vix"]] = float("nan")
    metrics = move_metrics(frame.dropna(subset=[cfg["move"]]), move_col=cfg["move"], vix_col=cfg["vix"])
    metrics["obs_date"] = pd.to_datetime(metrics["obs_date"]).dt.date
    ctx.outputs["move_metrics"] = metrics
    return [Output("move_metrics", metrics)]


def auctions_step(ctx: Context) -> list[Output]:
    """Per-auction tails vs same-day CMT yields, bidder shares, z-scores vs prior auctions."""
    if ctx.auctions.empty:
        raise MissingInputs("needs Treasury auctions (profile `tables: auctions:`)")
    cmt = _cmt(ctx, list(CMT_TENOR_MONTHS))
    auctions = ctx.auctions.assign(tips=ctx.auctions["security_type"].eq("TIPS"),
                                   auction_date=pd.to_datetime(ctx.auctions["auction_date"]))
    metrics = auction_metrics(auctions, cmt)
    metrics["auction_date"] = pd.to_datetime(metrics["auction_date"]).dt.date
    ctx.outputs["auction_metrics"] = metrics
    return [Output("auction_metrics", metrics)]


def events_step(ctx: Context) -> list[Output]:
    """Triple sell-offs, yield spikes, MOVE spikes and weak auctions (those whose inputs exist)."""
    present = [sid for sid in EVENT_SERIES if ctx.has(sid)]
    move = ctx.outputs.get("move_metrics")
    auctions = ctx.outputs.get("auction_metrics")
    detectors = [set(legs) <= set(present) for legs in EVENT_DETECTORS]
    if not any(detectors) and move is None and auctions is None:
        raise MissingInputs("needs series " + " or ".join("+".join(legs) for legs in EVENT_DETECTORS)
                            + ", or MOVE metrics, or auctions")
    frame = ctx.frame(present, required=0) if present else pd.DataFrame()
    events = detect_events(frame, move_metrics=_dated(move), auction_metrics=_dated(auctions, "auction_date"))
    events["obs_date"] = pd.to_datetime(events["obs_date"]).dt.date
    return [Output("events", events)]


def _dated(frame: pd.DataFrame | None, column: str = "obs_date") -> pd.DataFrame | None:
    """A copy of ``frame`` with its date column back as timestamps (transforms expect them)."""
    if frame is None:
        return None
    return frame.assign(**{column: pd.to_datetime(frame[column])})
