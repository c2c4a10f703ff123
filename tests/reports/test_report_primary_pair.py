"""Each market's declared primary pair drives its cards, regime label and headline; names from the
catalog; the sample's first line says its bond leg is corporate; sections without data collapse
into one "needs data" list; VECM tests read in plain words."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from seesaw.analyses.settings import parse_analysis
from seesaw.reports.build import build_report
from seesaw.reports.metrics import headline, primary_paths, sign_regime, vecm_verdict
from seesaw.sources.catalog import load_profile
from seesaw.transforms.correlation import CorrPath


def _pairs(*flags: bool) -> list[dict[str, object]]:
    return [{"market": "US", "equity": f"eq{i}", "bond": "b", "freq": "M", "windows": [36, 60], "primary": flag}
            for i, flag in enumerate(flags)]


def test_primary_pair_is_the_flagged_one_else_the_first_listed() -> None:
    assert parse_analysis({"pairs": _pairs(False, True)}, "x.yaml").primary_pairs()["US"].equity == "eq1"
    assert parse_analysis({"pairs": _pairs(False, False)}, "x.yaml").primary_pairs()["US"].equity == "eq0"
    with pytest.raises(ValueError, match=r"^x.yaml: analysis.pairs: more than one primary pair for market US$"):
        parse_analysis({"pairs": _pairs(True, True)}, "x.yaml")


def test_shipped_profiles_declare_treasury_or_government_headlines() -> None:
    files = primary_paths(load_profile("files").analysis.primary_pairs())
    assert files["US"] == CorrPath("US", "us_spx", "us_10y", "M", 36)
    assert files["CN"] == CorrPath("CN", "cn_shcomp", "cn_10y", "M", 36)
    sample = load_profile("sample").analysis
    assert primary_paths(sample.primary_pairs())["US"] == CorrPath("US", "us_ff_mkt", "us_aaa", "M", 36)
    assert sample.report_note and "corporate" in sample.report_note and "--profile files" in sample.report_note


def _latest(rows: list[tuple[str, str, str, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["asset_a", "asset_b", "freq", "window_size", "first"]).assign(
        market="US", method="rolling", horizon_periods=1, first_date=lambda f: pd.to_datetime(f["first"], unit="D"))


def test_headline_follows_the_declared_pair_not_the_longest_history() -> None:
    latest = _latest([("us_spx_shiller", "us_long_rate_shiller", "M", 36, 0),
                      ("us_spx", "us_10y", "M", 36, 30000), ("us_spx", "us_10y", "M", 60, 30000)])
    assert headline(latest, "US")["asset_a"] == "us_spx_shiller"  # unknown profile: longest monthly 36
    chosen = headline(latest, "US", CorrPath("US", "us_spx", "us_10y", "M", 60))
    assert (chosen["asset_a"], chosen["window_size"]) == ("us_spx", 60)
    assert headline(latest, "US", CorrPath("US", "us_spx", "us_2y", "M", 36)) is None


def test_sign_regime_absorbs_short_runs_and_dates_the_current_run() -> None:
    dates = pd.date_range("2020-01-31", periods=8, freq="ME")
    path = pd.DataFrame({"obs_date": dates, "corr": [0.5, 0.5, 0.5, -0.5, 0.5, -0.4, -0.4, -0.4],
                         "p_value": [0.01] * 8})
    regime = sign_regime(path)
    assert list(regime["label"]) == ["positive"] * 5 + ["negative"] * 3
    assert regime["since"].iloc[-1] == dates[5]


def test_vecm_verdicts_are_plain_words() -> None:
    name, verdict = vecm_verdict("johansen_trace_r0", 58.2, None,
                                 '{"null": "rank<=0", "cv90": 44.5, "cv95": 47.85, "cv99": 54.7, "reject_5pct": true}')
    assert (name, verdict) == ("Johansen trace, H0 rank<=0", "rejected (statistic vs 5% critical value 47.85)")
    assert vecm_verdict("granger_xyz_to_a", 3.1, 0.027, "")[1] == "X, Y, Z jointly help predict A"
    assert vecm_verdict("ljung_box_a", 12.0, 0.44, "")[1] == "no residual autocorrelation"
    assert vecm_verdict("adf_diff_x", -5.0, 0.001, "")[0] == "ADF unit root, change in X (inflation uncertainty)"
    assert vecm_verdict("vif_y", 12.0, None, "")[1] == "high collinearity"


def test_sample_report_says_corporate_first_and_collapses_missing_sections(sample_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "sample.html"
    result = build_report(sample_db, out)
    html = out.read_text(encoding="utf-8")
    note = html.index('class="header-note"')
    assert note < html.index("<main>") and "Moody&#39;s Aaa corporate" in html[note:note + 400]
    missing = [sid for sid, status, _ in result.sections if status == "missing"]
    assert missing, "the sample lacks MOVE, auctions and term premia"
    needs = html[html.index('id="needs-data"'):]
    for sid in missing:
        assert f'<li id="{sid}" data-status="missing">' in needs
        assert f'<section id="{sid}"' not in html
    dashboard = html[html.index('<section id="dashboard"'):html.index("</section>", html.index('id="dashboard"'))]
    assert 'data-pair="us_ff_mkt / us_aaa"' in dashboard
    assert "Moody&#39;s seasoned Aaa corporate bond yield" in dashboard
    assert 'data-pair="us_spx / us_aaa"' not in dashboard  # the other sample pair stays in the table
    # cards without data are one "needs data" line, not empty boxes
    assert '<div class="card-value">—</div>' not in dashboard
    assert "Needs data: 10y term premium (needs series us_acm_tp_10y" in dashboard and "MOVE (bp) (" in dashboard
