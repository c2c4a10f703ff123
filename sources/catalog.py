"""Profiles: YAML catalogs of series (and analysis settings) — adding a series is a YAML edit."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from seesaw.sources.base import SeriesSpec
from seesaw.transforms.quality import DEFAULT_BANDS, DEFAULT_MAX_REVISION_JUMP, Band, band_for

PROFILES_DIR = Path(__file__).resolve().parents[1] / "profiles"
_SPEC_FIELDS = {"series_id", "name", "source", "source_code", "frequency", "unit", "kind", "country", "description"}


class ProfileError(ValueError):
    """A profile file is missing or malformed."""


@dataclass(frozen=True)
class Profile:
    """A parsed profile: its series catalog plus analysis settings (pairs, windows, ...)."""

    name: str
    description: str
    series: tuple[SeriesSpec, ...]
    analysis: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)  # e.g. auctions: {source, source_code}

    def spec(self, series_id: str) -> SeriesSpec:
        """Return the spec of ``series_id`` or raise ``KeyError`` naming the known ids."""
        for spec in self.series:
            if spec.series_id == series_id:
                return spec
        raise KeyError(f"series {series_id!r} is not in profile {self.name!r}")

    def select(self, series_ids: list[str] | None) -> tuple[SeriesSpec, ...]:
        """The specs named in ``series_ids`` (all when None), in catalog order."""
        if not series_ids:
            return self.series
        unknown = sorted(set(series_ids) - {s.series_id for s in self.series})
        if unknown:
            raise ProfileError(f"unknown series for profile {self.name!r}: {', '.join(unknown)}")
        return tuple(s for s in self.series if s.series_id in series_ids)


def _quality(doc: dict[str, Any], where: str) -> tuple[dict[str, Band], float]:
    """The profile's ``quality:`` block: bands (``kind`` or ``kind/unit prefix`` -> [low, high],
    null for an open side) merged over the defaults, and the revision jump limit."""
    quality = doc.get("quality") or {}
    bands = dict(DEFAULT_BANDS)
    for key, band in (quality.get("bands") or {}).items():
        if not (isinstance(band, list) and len(band) == 2
                and all(b is None or isinstance(b, (int, float)) for b in band)):
            raise ProfileError(f"{where}: quality band {key!r} must be [low, high] (numbers or null), got {band!r}")
        bands[str(key)] = (band[0], band[1])
    jump = quality.get("max_revision_jump", DEFAULT_MAX_REVISION_JUMP)
    if isinstance(jump, bool) or not isinstance(jump, (int, float)) or jump <= 0:
        raise ProfileError(f"{where}: quality max_revision_jump must be a positive number, got {jump!r}")
    return bands, float(jump)


def load_profile(name_or_path: str) -> Profile:
    """Load ``profiles/<name>.yaml`` (or a path to a YAML file) and validate every entry."""
    path = Path(name_or_path)
    if not path.suffix:
        path = PROFILES_DIR / f"{name_or_path}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in PROFILES_DIR.glob("*.yaml")))
        raise ProfileError(f"profile {name_or_path!r} not found (known: {known})")
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    bands, max_jump = _quality(doc, path.name)
    specs = []
    for i, entry in enumerate(doc.get("series", [])):
        missing = sorted(_SPEC_FIELDS - {"description"} - set(entry))
        if missing:
            raise ProfileError(f"{path.name}: series #{i} lacks {', '.join(missing)}")
        extra = {k: v for k, v in entry.items() if k not in _SPEC_FIELDS}
        specs.append(SeriesSpec(**{k: entry[k] for k in _SPEC_FIELDS if k in entry}, options=extra.get("options", {}),
                                band=band_for(entry["kind"], str(entry["unit"]), bands), max_revision_jump=max_jump))
    ids = [s.series_id for s in specs]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ProfileError(f"{path.name}: duplicate series ids {', '.join(dupes)}")
    return Profile(
        name=doc.get("profile", path.stem),
        description=doc.get("description", ""),
        series=tuple(specs),
        analysis=doc.get("analysis") or {},
        tables=doc.get("tables") or {},
    )
