"""Typed settings of every analysis: the profile's ``analysis:`` block, with all defaults here.

A profile states only what differs from these defaults. Each section is a frozen pydantic model
that refuses unknown keys and wrong literals, so a typo (``window:`` for ``windows:``) fails
when the profile loads, naming the file, the entry and the field, instead of a failed step later.
A market→series map (regimes, drivers, events) names every series it reads; a framework whose
series is not named (None) or not loaded is skipped with a "needs series" note.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from seesaw.models.acm import CMT_TENOR_MONTHS
from seesaw.transforms.events import DEFAULT_SELLOFFS, DEFAULT_SPIKES

Freq = Literal["D", "W", "M", "Q"]
MacroInput = Literal["index", "yoy_pct"]
CreditInput = Literal["level", "yoy_pct"]


class _Settings(BaseModel):
    """Frozen, and unknown keys are errors (typos must not pass)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class MinimumSamples(_Settings):
    """Minimum sample sizes below which an analysis is skipped with a note, in one place.

    Windows and warm-ups inside transforms and models (rolling windows, z-score histories) are
    parameters of those functions and documented there; these are the analysis-level gates.
    """

    #: Joint observations of a DCC model's assets after ``start`` (daily: about a year).
    dcc_joint_obs: int = Field(default=250, gt=0)
    #: Complete months of a market's X, Y, Z, A drivers before the Johansen test and VECM run.
    vecm_months: int = Field(default=60, gt=0)


class Pair(_Settings):
    """A stock–bond pair for returns and rolling correlations; the bond leg is a par bond of
    ``bond_maturity_years`` priced off the yield when the series is a yield."""

    market: str
    equity: str
    bond: str
    bond_maturity_years: float | None = None
    freq: Freq
    windows: list[int] = []


class DccModel(_Settings):
    """One DCC/ADCC model: refitted when older than ``refit_days`` (against the run's time) or
    when the sample grew by more than ``refit_growth`` since the fit, otherwise extended."""

    market: str
    assets: list[str] = Field(min_length=2)
    maturity_years: dict[str, float] = {}
    freq: Freq = "D"
    start: date | None = None
    model: Literal["dcc", "adcc"] = "dcc"
    dist: Literal["normal", "t"] = "normal"
    refit_days: int = Field(default=7, ge=0)
    refit_growth: float = Field(default=0.02, ge=0)


class TermPremiaSettings(_Settings):
    """NY Fed ACM series (``<nyfed_prefix>_{tp,y,rny}_<n>y``) and our ACM fitted on CMT yields."""

    nyfed_prefix: str = "us_acm"
    cmt: list[str] = list(CMT_TENOR_MONTHS)
    start: date = date(1962, 1, 1)
    daily_since: date = date(1990, 1, 1)
    tenors: list[int] = list(range(1, 11))


class ErpSettings(_Settings):
    """ERP–PMI regression inputs (CICC, "How many rate cuts do asset prices price in?")."""

    price: str = "us_spx_shiller"
    earnings: str = "us_earnings_shiller"
    y10: str = "us_10y"
    pmi: str = "us_pmi"
    start: date | None = date(2013, 1, 1)
    end: date | None = None


class MoveSettings(_Settings):
    move: str = "us_move"
    vix: str = "us_vix"


class SelloffLegSettings(_Settings):
    series: str
    label: str
    direction: Literal["down", "up"]
    unit: Literal["pct", "bp"]


class SelloffSettings(_Settings):
    """A joint sell-off detector: every leg moving the wrong way over the same k days."""

    event_type: str
    market: str
    legs: list[SelloffLegSettings] = Field(min_length=1)


class YieldSpikeSettings(_Settings):
    series: str
    label: str
    market: str


class EventsSettings(_Settings):
    """Stress-event detectors (Sinolink Securities, "US Treasuries are losing their safe-haven
    halo", April 2025); each runs when its series are loaded. MOVE spikes and weak auctions come
    from the ``move_metrics`` and ``auction_metrics`` analyses."""

    selloffs: list[SelloffSettings] = [
        SelloffSettings(event_type=event_type, market=market,
                        legs=[SelloffLegSettings(series=leg.series, label=leg.label, direction=leg.direction,
                                                 unit=leg.unit) for leg in legs])
        for legs, event_type, market in DEFAULT_SELLOFFS
    ]
    yield_spikes: list[YieldSpikeSettings] = [
        YieldSpikeSettings(series=series, label=label, market=market) for series, label, market in DEFAULT_SPIKES
    ]

    def series(self) -> list[str]:
        """Every series the detectors read, in first-use order."""
        ids = [leg.series for s in self.selloffs for leg in s.legs] + [s.series for s in self.yield_spikes]
        return list(dict.fromkeys(ids))


class RegimeMarket(_Settings):
    """One market's series for the regime frameworks (Zhongtai Securities, "Stock–bond
    relationship handbook", 2024-12-03); a framework whose series is None is skipped.
    ``macro_input`` says whether IP/CPI are index levels (YoY computed) or YoY percent changes."""

    market: str
    stock: str
    bond: str
    bond_maturity_years: float | None = None
    commodity: str | None = None
    ip: str | None = None
    cpi: str | None = None
    macro_input: MacroInput = "index"
    short_rate: str | None = None
    credit: str | None = None
    credit_input: CreditInput = "level"
    corr_window: int = Field(default=36, gt=1)


class RegimesSettings(_Settings):
    """A profile's ``markets`` list replaces the default one. China's money leg is the ChinaBond
    3-month yield (``cn_3m``, a money-market proxy; a 10-year yield is not one): a profile
    without it skips China's money–credit quadrant with a "needs series" note."""

    markets: list[RegimeMarket] = [
        RegimeMarket(market="US", stock="us_spx", bond="us_10y", bond_maturity_years=10, commodity="gl_gsci",
                     ip="us_indpro", cpi="us_cpi", macro_input="index", short_rate="us_fed_funds",
                     credit="us_busloans", credit_input="level"),
        RegimeMarket(market="CN", stock="cn_csi300", bond="cn_10y", bond_maturity_years=10, ip="cn_indpro",
                     cpi="cn_cpi", macro_input="yoy_pct", short_rate="cn_3m", credit="cn_credit",
                     credit_input="level"),
    ]


class RebalancingScenarioSettings(_Settings):
    """A forward scenario (``transforms.rebalancing.RebalancingScenario``); unset fields take the
    section's values (AUM, weight, maturity) or that class's defaults. Without ``bond_return_ann``
    a yield-based bond leg starts from the last stored yield."""

    name: str
    aum_usd_bn: float | None = None
    equity_weight: float | None = None
    equity_return_ann: float | None = None
    bond_return_ann: float | None = None
    bond_yield_pct: float | None = None
    cuts: float | None = None
    cut_size_bp: float | None = None
    pass_through: float | None = None
    bond_maturity_years: float | None = None
    bond_duration_years: float | None = None
    freq: Literal["M", "Q"] | None = None
    periods: int | None = None
    execution: float | None = None
    treasury_supply_usd_bn: float | None = None
    ig_supply_usd_bn: float | None = None


class RebalancingSettings(_Settings):
    """Balanced-fund rebalancing flows (BofA Global Research, equity-rebalancing flows and bond
    demand, summary of 2026-02-09): a $10tn 60/40 universe by default."""

    stock: str = "us_spx"
    bond: str = "us_10y"
    bond_maturity_years: float = 10
    aum_usd_bn: float = 10_000.0
    equity_weight: float = 0.6
    execution: float = 1.0
    freqs: list[Literal["M", "Q"]] = ["M", "Q"]
    since: date = date(2000, 1, 1)
    scenarios: list[RebalancingScenarioSettings] = [
        RebalancingScenarioSettings(name="10tn_6040_spx4.5_2cuts", equity_return_ann=0.045, cuts=2, periods=12),
    ]


class DriverMarket(_Settings):
    market: str
    cpi: str
    ip: str
    stock: str
    bond: str
    bond_maturity_years: float | None = None
    macro_input: MacroInput = "index"


class DriversSettings(_Settings):
    """Macro drivers and VECM per market (Soochow Securities macro team, stock–bond return
    correlation, 2025-09-25); a profile's ``markets`` list replaces the default one."""

    markets: list[DriverMarket] = [
        DriverMarket(market="US", cpi="us_cpi", ip="us_indpro", stock="us_spx", bond="us_10y",
                     bond_maturity_years=10, macro_input="index"),
        DriverMarket(market="CN", cpi="cn_cpi", ip="cn_indpro", stock="cn_csi300", bond="cn_10y",
                     bond_maturity_years=10, macro_input="yoy_pct"),
    ]


class McRiskSettings(_Settings):
    """Monte Carlo risk sweeps: nightly-sized (a few seconds); the Soochow calibration's
    100,000 paths are one profile edit away (``paths: 100000``)."""

    stock: str = "us_spx"
    bond: str = "us_10y"
    bond_maturity_years: float = 10
    paths: int = Field(default=20_000, gt=0)
    months: int = Field(default=120, gt=0)
    seed: int = 20241203
    rhos: list[float] = [-0.6, -0.3, 0.0, 0.3]
    equity_weights: list[float] = [round(0.1 * i, 1) for i in range(11)]
    estimate_since: date = date(1998, 7, 1)


class AnalysisSettings(_Settings):
    """A profile's ``analysis:`` block."""

    pairs: list[Pair] = []
    dcc: list[DccModel] = []
    term_premia: TermPremiaSettings = TermPremiaSettings()
    erp: ErpSettings = ErpSettings()
    move: MoveSettings = MoveSettings()
    events: EventsSettings = EventsSettings()
    regimes: RegimesSettings = RegimesSettings()
    rebalancing: RebalancingSettings = RebalancingSettings()
    drivers: DriversSettings = DriversSettings()
    mc_risk: McRiskSettings = McRiskSettings()
    min_samples: MinimumSamples = MinimumSamples()


def parse_analysis(block: object, where: str, error: Callable[[str], Exception] = ValueError) -> AnalysisSettings:
    """Validate a profile's ``analysis:`` block (None = all defaults).

    Raises ``error`` with one line naming ``where`` (the file), the entry and the field, e.g.
    ``files.yaml: analysis.pairs[3]: unknown field 'window'``.
    """
    try:
        return AnalysisSettings.model_validate(block or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise error(f"{where}: {_describe(first)}") from None


def _describe(err: Any) -> str:
    """One pydantic error as ``analysis.<entry>: <problem>``."""
    loc = list(err["loc"])
    kind = err["type"]
    field = loc.pop() if kind in ("extra_forbidden", "missing") and loc else None
    path = "analysis" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)
    if kind == "extra_forbidden":
        return f"{path}: unknown field {field!r}"
    if kind == "missing":
        return f"{path}: missing field {field!r}"
    if kind == "literal_error":
        allowed = err.get("ctx", {}).get("expected", "")
        return f"{path}: must be one of {allowed}, got {err['input']!r}"
    return f"{path}: {err['msg'][0].lower()}{err['msg'][1:]}, got {err['input']!r}"
