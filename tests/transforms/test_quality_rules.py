from datetime import date

import numpy as np
import pytest

from seesaw.sources.base import observations
from seesaw.transforms.quality import validate_observations


def test_each_rule_gives_its_reason_and_valid_rows_survive() -> None:
    frame = observations(
        ["2020-01-01", "2020-01-02", "2020-01-02", "2020-01-03", "2020-01-04", "2030-01-01", "2020-01-05",
         "2020-01-06", "2020-01-06"],
        [1.0, 2.0, 3.0, "abc", np.inf, 1.0, -1.0, 5.0, 5.0],
    )
    result = validate_observations(frame, "index", date(2026, 1, 1))
    assert result.valid["obs_date"].dt.strftime("%Y-%m-%d").tolist() == ["2020-01-01", "2020-01-06"]
    assert result.rejects["reason"].tolist() == [
        "duplicate_date", "duplicate_date", "unparseable", "non_finite", "future_date", "non_positive"]


def test_yield_band_applies_to_yields_only() -> None:
    frame = observations(["2020-01-01", "2020-01-02"], [-1.0, 55.0])
    assert validate_observations(frame, "yield", date(2026, 1, 1)).rejects["reason"].tolist() == ["out_of_band"]
    assert len(validate_observations(frame, "macro", date(2026, 1, 1)).valid) == 2


def test_bands_follow_kind_and_unit_and_the_longest_key_wins() -> None:
    from seesaw.transforms.quality import DEFAULT_BANDS, band_for

    assert band_for("macro", "index 1982-84=100") == (0.0, 10_000.0)
    assert band_for("macro", "USD bn") == (0.0, None)
    assert band_for("macro", "percent y/y") == (-100.0, 1_000.0)
    assert band_for("macro", "ratio") is None and band_for("return", "percent per month") is None
    assert band_for("macro", "index 2015=100", DEFAULT_BANDS | {"macro/index 2015": (50.0, 200.0)}) == (50.0, 200.0)
    frame = observations(["2020-01-01", "2020-02-01", "2020-03-01", "2020-04-01"], [-5.0, 0.0, 99999.0, 258.1])
    result = validate_observations(frame, "macro", date(2026, 1, 1), unit="index 1982-84=100")
    assert result.rejects["reason"].tolist() == ["out_of_band"] * 3 and result.valid["value"].tolist() == [258.1]


def test_the_revision_jump_is_judged_against_the_scale_of_changes() -> None:
    from seesaw.transforms.quality import change_scale, implausible_revisions

    cpi = 250.0 + 0.8 * np.arange(40)
    assert change_scale(cpi) == pytest.approx(1.4826 * 0.8)
    assert implausible_revisions(np.array([281.0, 281.0]), np.array([281.5, 400.0]), cpi).tolist() == [False, True]
    assert not implausible_revisions(np.array([4.0]), np.array([99.0]), cpi[:5]).any()  # too little history
    policy_rate = np.repeat([5.25, 5.5, 5.25], 20)  # a step series: median change 0, the mean change judges
    assert change_scale(policy_rate) == pytest.approx(0.5 / 59)
    assert implausible_revisions(np.array([5.5, 5.5]), np.array([5.75, 5.5001]), policy_rate).tolist() == [True, False]
    assert not implausible_revisions(np.array([2.0]), np.array([9.0]), np.full(30, 2.0)).any()  # never moves
