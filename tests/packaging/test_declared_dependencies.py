"""Every runtime dependency pyproject.toml declares is used: imported by library code, or listed
here with the reason it is needed without an import. A dependency nothing uses only costs install
time and lock churn (fredapi was one: the FRED source calls the JSON API through the shared HTTP
layer, see sources/fred.py)."""
from __future__ import annotations

import ast
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]

#: Needed at run time without an import of their own.
USED_WITHOUT_IMPORT = {
    "fastapi": "pinned: Prefect's API server breaks on newer releases",
    "starlette": "pinned with FastAPI for Prefect's API server",
    "pyarrow": "pandas and DuckDB exchange frames through Arrow; Parquet snapshots",
    "openpyxl": "pandas' engine for .xlsx files when python-calamine is absent",
    "xlrd": "pandas' engine for legacy .xls exports",
}


def _library_imports() -> set[str]:
    """Top-level module names imported anywhere in the installed packages' sources."""
    folders = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"].values()
    names: set[str] = set()
    for folder in folders:
        for path in (REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    names |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    return names


def test_every_declared_dependency_is_imported_or_needed_for_a_stated_reason() -> None:
    declared = {canonicalize_name(Requirement(text).name)
                for text in tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]}
    providers = packages_distributions()
    imported = {canonicalize_name(dist) for module in _library_imports() for dist in providers.get(module, [])}
    unused = declared - imported - {canonicalize_name(name) for name in USED_WITHOUT_IMPORT}
    assert not unused, f"declared but never imported: {sorted(unused)}"
