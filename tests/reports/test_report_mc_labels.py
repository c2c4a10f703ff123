"""The Monte Carlo section says what each number is: the note's statistic as a return quantile,
the one-year loss VaR/CVaR as losses, and the sweep's chosen weights (FIXTURE rows)."""
from __future__ import annotations

import re

from seesaw.reports.build import ReportResult


def _section(html: str, sid: str) -> str:
    return html.split(f'<section id="{sid}"', 1)[1].split("</section>", 1)[0]


def test_monte_carlo_labels_say_what_each_number_is(full_report: ReportResult) -> None:
    html = _section(full_report.path.read_text(encoding="utf-8"), "monte-carlo")
    assert not re.search(r"VaR 95% \(annual return\)", html)
    assert "5% quantile of the annualized return" in html and "over 120 months, %" in html
    assert "one-year 95% loss VaR (solid) and CVaR" in html and "(dashed), % of portfolio, loss &gt; 0" in html
    assert "expected return stops rising past" in html and "least median max drawdown at" in html


def test_monte_carlo_reading_gives_the_sweep_answers(full_report: ReportResult) -> None:
    note = dict((sid, note) for sid, _, note in full_report.sections)["monte-carlo"]
    # Fixture: at 20% equity and ρ −0.6 the quantile is μ − 1.645σ, the loss VaR its negative.
    assert "the 5% quantile of the annualized 120-month return is" in note
    assert "the one-year 95% loss VaR is" in note and "of the portfolio (CVaR" in note
    # Fixture sweep: E = 3.5% + 4.25%·α − 10%·α² stops rising at 21% for ρ −0.6; linear for ρ 0.
    assert "expected return stops rising past 21% at ρ −0.60, still rising at the largest weight at ρ +0.00" in note


def test_values_equal_at_every_rho_are_said_once() -> None:
    from seesaw.reports.sections import _per_rho

    assert _per_rho([(-0.6, "30%"), (0.0, "30%")]) == "30% at every ρ"
    assert _per_rho([(-0.6, "30%"), (0.3, "10%")]) == "30% at ρ −0.60, 10% at ρ +0.30"
