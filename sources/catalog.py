"""Profiles: YAML catalogs of series (and analysis settings) — adding a series is a YAML edit.

A profile binds series ids to sources (``source``, ``source_code``, ``options``, a
``description`` of the copy it reads). What a series *is* (name, unit, kind, frequency,
country) comes from the profile's ``catalog:`` block, usually the shared
``profiles/shared/catalog.yaml`` pulled in with ``include:``, so the profiles that read the
same series from different sources state its metadata once; a field an entry sets itself
overrides the catalog. Every block is validated at load (pydantic): an unknown key, a wrong
literal or a missing field is one ``ProfileError`` line naming the file, the entry and the field.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from seesaw.analyses.settings import AnalysisSettings, parse_analysis
from seesaw.sources.base import Frequency, Kind, SeriesSpec
from seesaw.sources.base import ProfileError as ProfileError  # defined beside SourceError: the CLI catches it unloaded
from seesaw.sources.registry import TABLE_SOURCES
from seesaw.transforms.quality import DEFAULT_BANDS, DEFAULT_MAX_REVISION_JUMP, Band, band_for

PROFILES_DIR = Path(__file__).resolve().parents[1] / "profiles"

Text = Annotated[str, StringConstraints(min_length=1)]
SeriesId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]  # ISO 3166 alpha-2; GL global, EZ euro area


class _Block(BaseModel):
    """A YAML block: unknown keys are errors, never silently ignored."""

    model_config = ConfigDict(extra="forbid")


class CatalogEntry(_Block):
    """What a series is, whichever source a profile reads it from."""

    name: Text
    unit: Text
    kind: Kind
    frequency: Frequency
    country: Country


class SeriesEntry(_Block):
    """A profile's binding of a series id to a source; metadata it sets overrides the catalog."""

    series_id: SeriesId
    source: Text
    source_code: Text
    name: Text | None = None
    unit: Text | None = None
    kind: Kind | None = None
    frequency: Frequency | None = None
    country: Country | None = None
    description: str = ""
    options: dict[str, Any] = Field(default_factory=dict)


class TableEntry(_Block):
    """Where a table-shaped input (Treasury auctions) comes from: a table source of the registry."""

    source: Text
    source_code: Text | None = None
    options: dict[str, Any] = Field(default_factory=dict)

    @field_validator("source")
    @classmethod
    def _known_source(cls, source: str) -> str:
        if source not in TABLE_SOURCES:
            raise ValueError(f"unknown table source; known: {', '.join(sorted(TABLE_SOURCES))}")
        return source

    @model_validator(mode="after")
    def _files_need_a_path(self) -> TableEntry:
        if self.source == "files" and self.source_code is None:
            raise ValueError("source 'files' needs source_code (a path under the data directory)")
        return self


class QualityBlock(_Block):
    """Input checks: bands (``kind`` or ``kind/unit prefix`` -> [low, high], null for an open
    side) merged over the defaults, and the revision jump limit."""

    bands: dict[str, tuple[StrictFloat | None, StrictFloat | None]] = Field(default_factory=dict)
    max_revision_jump: Annotated[StrictFloat, Field(gt=0)] = DEFAULT_MAX_REVISION_JUMP


class ProfileDoc(_Block):
    """A profile file after its ``include:`` files are merged in."""

    profile: Text | None = None
    description: str = ""
    include: list[Text] = Field(default_factory=list)
    catalog: dict[SeriesId, CatalogEntry] = Field(default_factory=dict)
    series: list[SeriesEntry] = Field(default_factory=list)
    tables: dict[Literal["auctions"], TableEntry] = Field(default_factory=dict)  # tables the warehouse stores
    analysis: dict[str, Any] | None = None  # validated by the analyses that read it
    quality: QualityBlock = Field(default_factory=QualityBlock)


@dataclass(frozen=True)
class Profile:
    """A parsed profile: its series catalog plus analysis settings (pairs, windows, ...)."""

    name: str
    description: str
    series: tuple[SeriesSpec, ...]
    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)
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


#: libyaml's safe loader when PyYAML was built with it (10x faster: a profile with its catalog
#: loads in 0.1 s instead of 0.7 s), else the pure-Python one; both accept exactly the same YAML.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> dict[str, Any]:
    """The mapping in ``path``; a YAML syntax error is one line naming the file and line."""
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ProfileError(f"{path}: {at}{exc.problem or exc.context} (not valid YAML)") from None
    except yaml.YAMLError as exc:
        raise ProfileError(f"{path}: not valid YAML ({' '.join(str(exc).split())})") from None
    except OSError as exc:
        raise ProfileError(f"{path}: cannot be read ({exc.strerror})") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ProfileError(f"{path}: a profile is a mapping (profile:, series:, ...), not a {type(doc).__name__}")
    return doc


def _merge_includes(path: Path, doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Path]]:
    """``doc`` with the top-level blocks of its ``include:`` files (paths relative to the
    profile) merged in, and the file each block came from. A block set twice is an error."""
    merged, origin = dict(doc), {key: path for key in doc}
    includes = doc.get("include") or []
    if not isinstance(includes, list) or not all(isinstance(i, str) for i in includes):
        raise ProfileError(f"{path}: include must be a list of file paths, got {includes!r}")
    for name in includes:
        included_path = path.parent / name
        if not included_path.is_file():
            raise ProfileError(f"{path}: included file {name!r} not found (looked for {included_path})")
        for key, value in _read_yaml(included_path).items():
            if key == "include":
                raise ProfileError(f"{included_path}: an included file cannot include others")
            if key in origin:
                raise ProfileError(f"{included_path}: {key!r} is already set by {origin[key]}")
            merged[key], origin[key] = value, included_path
    return merged, origin


def _entry_label(doc: dict[str, Any], block: str, key: Any) -> str:
    """How an error names an entry: a series by its id (else its position), others by key."""
    if block != "series":
        return f"{block} {key}"
    entries = doc.get("series")
    entry = entries[key] if isinstance(entries, list) and isinstance(key, int) else None
    if isinstance(entry, dict) and isinstance(entry.get("series_id"), str):
        return f"series {entry['series_id']}"
    return f"series entry {key + 1}" if isinstance(key, int) else "series"


def _error_line(exc: ValidationError, doc: dict[str, Any], origin: dict[str, Path], path: Path) -> str:
    """The first validation error as one line: file, entry, field, what is wrong, what it got."""
    errors = exc.errors()
    first = errors[0]
    loc = [part for part in first["loc"] if part != "[key]"]  # a bad mapping key is named as the entry
    block = str(loc[0])
    kind = first["type"]
    name = loc.pop() if kind in ("extra_forbidden", "missing") else None
    if block in ("series", "catalog", "tables") and len(loc) > 1:
        entry, fields = _entry_label(doc, block, loc[1]), loc[2:]
    else:
        entry, fields = "", loc
    if kind == "extra_forbidden":
        what = f"unknown field {name!r}"
    elif kind == "missing":
        what = f"missing field {name!r}"
    else:
        got = repr(first["input"])
        problem = (f"must be one of {first['ctx']['expected']}" if kind == "literal_error"
                   else first["msg"].removeprefix("Value error, "))
        what = f"{problem}, got {got if len(got) <= 60 else got[:57] + '...'}"
    parts = [str(origin.get(block, path)), entry, ".".join(str(f) for f in fields), what]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return ": ".join(p for p in parts if p) + more


def _resolve(entry: SeriesEntry, catalog: dict[str, CatalogEntry], where: str) -> dict[str, Any]:
    """The entry's catalog metadata overridden by the fields it sets itself."""
    listed = catalog.get(entry.series_id)
    fields = listed.model_dump() if listed else {}
    fields.update(entry.model_dump(exclude_none=True))
    missing = [name for name in CatalogEntry.model_fields if name not in fields]
    if missing:
        raise ProfileError(f"{where}: series {entry.series_id}: missing {', '.join(missing)} "
                           "(not set here and the id is not in the profile's catalog)")
    return fields


def load_profile(name_or_path: str) -> Profile:
    """Load ``profiles/<name>.yaml`` (or a path to a YAML file) and validate every entry."""
    path = Path(name_or_path)
    if not path.suffix:
        path = PROFILES_DIR / f"{name_or_path}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in PROFILES_DIR.glob("*.yaml")))
        raise ProfileError(f"profile {name_or_path!r} not found (known: {known})")
    doc, origin = _merge_includes(path, _read_yaml(path))
    try:
        parsed = ProfileDoc.model_validate(doc)
    except ValidationError as exc:
        raise ProfileError(_error_line(exc, doc, origin, path)) from None
    bands: dict[str, Band] = {**DEFAULT_BANDS, **parsed.quality.bands}
    max_jump = float(parsed.quality.max_revision_jump)
    specs = []
    for entry in parsed.series:
        fields = _resolve(entry, parsed.catalog, str(origin.get("series", path)))
        specs.append(SeriesSpec(**fields, band=band_for(fields["kind"], fields["unit"], bands),
                                max_revision_jump=max_jump))
    ids = [s.series_id for s in specs]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ProfileError(f"{path}: duplicate series ids {', '.join(dupes)}")
    return Profile(
        name=parsed.profile or path.stem,
        description=parsed.description,
        series=tuple(specs),
        analysis=parse_analysis(doc.get("analysis"), str(origin.get("analysis", path)), ProfileError),
        tables={name: table.model_dump(exclude_unset=True) for name, table in parsed.tables.items()},
    )
