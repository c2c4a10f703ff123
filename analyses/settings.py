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

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from seesaw.models.acm import CMT_TENOR_MONTHS
from seesaw.models.drivers import SeasonalAdjustment
from seesaw.transforms.events import DEFAULT_SELLOFFS, DEFAULT_SPIKES

Freq = Literal["D", "W", "M", "Q"]
MacroInput = Literal["index", "yoy_pct"]
CreditInput = Literal["level", "yoy_pct", "flow"]
MoneyInput = Literal["rate", "level", "yoy_pct"]


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


class StalenessSettings(_Settings):
    """How long an analysis' input may go without a new observation before the analysis is
    ``stale``, counted from the series' data-through date (its last daily observation, or the
    end of the period its last weekly/monthly/quarterly/annual stamp opens) to the run's time or
    as-of date: daily series in business days, the others in calendar days."""

    daily_business_days: int = Field(default=10, ge=0)
    weekly_days: int = Field(default=21, ge=0)
    monthly_days: int = Field(default=75, ge=0)
    quarterly_days: int = Field(default=150, ge=0)
    annual_days: int = Field(default=450, ge=0)

    def allowed(self, frequency: str) -> int:
        """The allowance for a series of ``frequency`` (D, W, M, Q or A)."""
        return {"D": self.daily_business_days, "W": self.weekly_days, "M": self.monthly_days,
                "Q": self.quarterly_days, "A": self.annual_days}[frequency]


class Pair(_Settings):
    """A stock–bond pair for returns and rolling correlations; the bond leg is a par bond of
    ``bond_maturity_years`` priced off the yield when the series is a yield. With
    ``horizon_periods`` k > 1 the correlation is of overlapping k-period returns (each period end
    vs k periods earlier), tested with an effective n for the overlap."""

    market: str
    equity: str
    bond: str
    bond_maturity_years: float | None = None
    freq: Freq
    windows: list[int] = []
    horizon_periods: int = Field(default=1, ge=1)
    #: The market's headline pair: every dashboard card, regime label and headline sentence of
    #: the report for this market uses its first window (at most one per market; without one,
    #: the market's first listed pair).
    primary: bool = False


class CorrPhasesSettings(_Settings):
    """Rising/falling phases of every monthly rolling correlation path (``transforms.phases``):
    the direction is the sign of the ``change_months`` change of the correlation, and a run of one
    direction shorter than ``min_span_months`` does not count."""

    change_months: int = Field(default=12, ge=1)
    min_span_months: int = Field(default=6, ge=1)


class PanelSettings(_Settings):
    """The cross-market panel summary (``results.panel_summary``) of every monthly rolling
    correlation path: a value counts as significant when its p value is below
    ``significance_level``."""

    significance_level: float = Field(default=0.05, gt=0, lt=1)


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
    ``macro_input`` says whether IP/CPI are index levels (YoY computed) or YoY percent changes;
    the money–credit quadrant's ``money`` is a short rate (``money_input: rate``, loose when it
    fell) or a money supply (``level`` or ``yoy_pct``, loose when its growth rose), its
    ``credit`` a stock (``level``), a monthly flow (``flow``) or YoY growth (``yoy_pct``)."""

    market: str
    stock: str
    bond: str
    bond_maturity_years: float | None = None
    commodity: str | None = None
    ip: str | None = None
    cpi: str | None = None
    macro_input: MacroInput = "index"
    money: str | None = None
    money_input: MoneyInput = "rate"
    credit: str | None = None
    credit_input: CreditInput = "level"
    corr_window: int = Field(default=36, gt=1)


class RegimesSettings(_Settings):
    """A profile's ``markets`` list replaces the default one. China's money–credit quadrant
    reads money as M2 growth and credit as total social financing, both as Zhongtai Securities'
    handbook does (M2 rather than M1: PBoC's M1 changed definition in 2024)."""

    markets: list[RegimeMarket] = [
        RegimeMarket(market="US", stock="us_spx", bond="us_10y", bond_maturity_years=10, commodity="gl_gsci",
                     ip="us_indpro", cpi="us_cpi", macro_input="index", money="us_fed_funds",
                     credit="us_busloans", credit_input="level"),
        RegimeMarket(market="CN", stock="cn_csi300", bond="cn_10y", bond_maturity_years=10, ip="cn_indpro",
                     cpi="cn_cpi", macro_input="yoy_pct", money="cn_m2_yoy", money_input="yoy_pct",
                     credit="cn_tsf", credit_input="flow"),
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
    """One market's drivers: X, Y, Z from ``cpi`` and ``ip``; A is the rolling correlation path of
    ``stock`` and ``bond`` returns that ``rolling_correlations`` writes (an ``analysis.pairs``
    entry with freq M, ``horizon_periods`` = ``corr_horizon_periods`` and ``corr_window_months``
    among its windows)."""

    market: str
    cpi: str
    ip: str
    stock: str
    bond: str
    corr_window_months: int = Field(default=60, gt=1)
    corr_horizon_periods: int = Field(default=1, ge=1)
    macro_input: MacroInput = "index"
    seasonal_adjustment: SeasonalAdjustment = "none"


class DriversSettings(_Settings):
    """Macro drivers and VECM per market (Soochow Securities macro team, stock–bond return
    correlation, 2025-09-25); a profile's ``markets`` list replaces the default one. China
    follows the note: A is the 5-year correlation of 3-month CSI 300 and ChinaBond treasury
    total-return returns, X and Y from STL-adjusted CPI and industrial production YoY."""

    markets: list[DriverMarket] = [
        DriverMarket(market="US", cpi="us_cpi", ip="us_indpro", stock="us_spx", bond="us_10y",
                     macro_input="index"),
        DriverMarket(market="CN", cpi="cn_cpi", ip="cn_indpro", stock="cn_csi300", bond="cn_bond_tr",
                     corr_horizon_periods=3, macro_input="yoy_pct", seasonal_adjustment="stl"),
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
    #: The equity-weight sweep (``results.mc_weight_choice``): horizon, a grid fine where the note's
    #: answers lie (1 pp to 30%, then 5 pp) and the return-plateau threshold, pp per +1 pp of equity.
    sweep_months: int = Field(default=36, ge=2)
    sweep_equity_weights: list[float] = ([round(0.01 * i, 2) for i in range(31)]
                                         + [round(0.05 * i, 2) for i in range(7, 21)])
    return_gain_threshold_pp: float = 0.0

    @model_validator(mode="after")
    def _distinct_horizons(self) -> McRiskSettings:
        """Rows of both sweeps share ``results.mc_risk``, told apart by their horizon."""
        if self.sweep_months == self.months:
            raise ValueError(f"sweep_months must differ from months ({self.months})")
        if sorted(set(self.sweep_equity_weights)) != self.sweep_equity_weights or len(self.sweep_equity_weights) < 2:
            raise ValueError("sweep_equity_weights must be at least two increasing weights")
        return self


AlertKind = Literal["event", "regime", "zero_cross", "move_high"]
RegimeFramework = Literal["pring", "investment_clock", "money_credit", "stock_bond_quadrant", "corr_sign"]


class AlertSettings(_Settings):
    """Signal alerts a nightly run sends with its notification and shows in its Prefect artifact:
    what changed in the market between the run's point-in-time day and the previous stored day
    (``transforms.alerts``). ``kinds``: a new stress event (of ``event_types``, None = every
    type), a regime label change (of ``regime_frameworks``; the monthly stock–bond return
    quadrant flips most months, so it is off by default), the primary pair's rolling correlation
    changing sign with p below ``significance_level``, MOVE at a new year-to-date high. An empty
    ``kinds`` turns alerts off."""

    kinds: list[AlertKind] = ["event", "regime", "zero_cross", "move_high"]
    event_types: list[str] | None = None
    regime_frameworks: list[RegimeFramework] = ["corr_sign", "pring", "investment_clock", "money_credit"]
    significance_level: float = Field(default=0.05, gt=0, lt=1)


class AnalysisSettings(_Settings):
    """A profile's ``analysis:`` block."""

    pairs: list[Pair] = []
    corr_phases: CorrPhasesSettings = CorrPhasesSettings()
    panel: PanelSettings = PanelSettings()
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
    staleness: StalenessSettings = StalenessSettings()
    alerts: AlertSettings = AlertSettings()
    #: A sentence the report shows first, above the dashboard: what this profile's data can and
    #: cannot show (the offline sample says its bond leg is a corporate yield).
    report_note: str | None = None

    @field_validator("pairs")
    @classmethod
    def _one_primary_per_market(cls, pairs: list[Pair]) -> list[Pair]:
        """Two headline pairs for one market would let the report contradict itself."""
        flagged = [p.market for p in pairs if p.primary]
        doubled = sorted({mk for mk in flagged if flagged.count(mk) > 1})
        if doubled:
            raise ValueError(f"more than one primary pair for market {', '.join(doubled)}")
        return pairs

    def primary_pairs(self) -> dict[str, Pair]:
        """Market → its headline pair: the one marked ``primary``, else its first listed pair."""
        primary: dict[str, Pair] = {}
        for pair in self.pairs:
            if pair.primary or pair.market not in primary:
                primary[pair.market] = pair
        return primary


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
    if kind == "value_error":
        return f"{path}: {err['ctx']['error']}"
    if kind == "literal_error":
        allowed = err.get("ctx", {}).get("expected", "")
        return f"{path}: must be one of {allowed}, got {err['input']!r}"
    return f"{path}: {err['msg'][0].lower()}{err['msg'][1:]}, got {err['input']!r}"
