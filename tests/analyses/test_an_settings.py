"""The profile's `analysis:` block is typed: mistakes fail at load, naming file, entry and field."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from seesaw.analyses.settings import AnalysisSettings, parse_analysis
from seesaw.sources.catalog import PROFILES_DIR, ProfileError, load_profile

PAIR = {"market": "US", "equity": "us_spx", "bond": "us_10y", "bond_maturity_years": 10, "freq": "M",
        "windows": [36]}


def _profile_with(tmp_path: Path, change) -> Path:
    """The sample profile with its analysis block changed by ``change`` (a function of the block)."""
    doc = yaml.safe_load((PROFILES_DIR / "sample.yaml").read_text(encoding="utf-8"))
    change(doc["analysis"])
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def test_a_typo_in_a_pair_fails_at_load_naming_file_entry_and_field(tmp_path: Path) -> None:
    def typo(block: dict) -> None:
        block["pairs"][1]["window"] = block["pairs"][1].pop("windows")

    with pytest.raises(ProfileError) as err:
        load_profile(str(_profile_with(tmp_path, typo)))
    assert str(err.value).endswith("bad.yaml: analysis.pairs[1]: unknown field 'window'")


@pytest.mark.parametrize(("block", "message"), [
    ({"pairs": [{**PAIR, "freq": "Daily"}]},
     "analysis.pairs[0].freq: must be one of 'D', 'W', 'M' or 'Q', got 'Daily'"),
    ({"pairs": [{k: v for k, v in PAIR.items() if k != "bond"}]}, "analysis.pairs[0]: missing field 'bond'"),
    ({"dcc": [{"market": "US", "assets": ["us_spx", "us_10y"], "model": "garch"}]},
     "analysis.dcc[0].model: must be one of 'dcc' or 'adcc', got 'garch'"),
    ({"regimes": {"markets": [{"market": "CN", "stock": "cn_csi300", "bond": "cn_10y", "macro_input": "yoy"}]}},
     "analysis.regimes.markets[0].macro_input: must be one of 'index' or 'yoy_pct', got 'yoy'"),
    ({"mc_risk": {"paths": "many"}}, "analysis.mc_risk.paths: input should be a valid integer"),
    ({"min_samples": {"dcc_joint_obs": 0}}, "analysis.min_samples.dcc_joint_obs: input should be greater than 0"),
    ({"moves": {}}, "analysis: unknown field 'moves'"),
])
def test_wrong_literals_missing_fields_and_unknown_sections_are_one_line(block: dict, message: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_analysis(block, "p.yaml")
    assert str(err.value).startswith(f"p.yaml: {message}")
    assert "\n" not in str(err.value)


def test_defaults_live_in_the_settings_and_a_profile_states_only_differences() -> None:
    settings = parse_analysis({"mc_risk": {"paths": 1000}}, "p.yaml")
    assert settings.mc_risk.paths == 1000 and settings.mc_risk.months == 120
    assert settings == AnalysisSettings(mc_risk={"paths": 1000})
    assert settings.min_samples.dcc_joint_obs == 250 and settings.min_samples.vecm_months == 60
    china = {m.market: m for m in settings.regimes.markets}["CN"]
    assert (china.money, china.money_input, china.credit, china.credit_input) == (
        "cn_m2_yoy", "yoy_pct", "cn_tsf", "flow")  # M2 growth and social financing, as the handbook reads China
    assert parse_analysis(None, "p.yaml") == AnalysisSettings()


def test_every_shipped_profile_validates() -> None:
    for name in ("sample", "files", "live"):
        assert isinstance(load_profile(name).analysis, AnalysisSettings)
