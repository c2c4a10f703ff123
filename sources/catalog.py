"""Profiles: YAML catalogs of series (and analysis settings) — adding a series is a YAML edit."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sources.base import SeriesSpec

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


def load_profile(name_or_path: str) -> Profile:
    """Load ``profiles/<name>.yaml`` (or a path to a YAML file) and validate every entry."""
    path = Path(name_or_path)
    if not path.suffix:
        path = PROFILES_DIR / f"{name_or_path}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in PROFILES_DIR.glob("*.yaml")))
        raise ProfileError(f"profile {name_or_path!r} not found (known: {known})")
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    specs = []
    for i, entry in enumerate(doc.get("series", [])):
        missing = sorted(_SPEC_FIELDS - {"description"} - set(entry))
        if missing:
            raise ProfileError(f"{path.name}: series #{i} lacks {', '.join(missing)}")
        extra = {k: v for k, v in entry.items() if k not in _SPEC_FIELDS}
        specs.append(SeriesSpec(**{k: entry[k] for k in _SPEC_FIELDS if k in entry}, options=extra.get("options", {})))
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
