from datetime import date

import numpy as np

from sources.base import observations
from transforms.quality import validate_observations


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
