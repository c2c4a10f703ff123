"""seesaw: stock–bond cross-asset research as a scheduled pipeline with a DuckDB warehouse.

The distribution installs one namespace: ``seesaw.pipeline`` (the one orchestration every
entry point runs), ``seesaw.flows`` (Prefect flows and the CLI), ``seesaw.analyses``,
``seesaw.sources``, ``seesaw.warehouse``, ``seesaw.transforms``, ``seesaw.models`` and
``seesaw.reports``, with the SQL migrations, profiles and report templates as package data.

From a notebook: ``wh = seesaw.open("warehouse/seesaw.duckdb")`` (see ``seesaw.api``).
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from seesaw.api import Warehouse

__all__ = ["open"]


def open(db: str | os.PathLike[str] | None = None) -> Warehouse:  # noqa: A001 - the API's entry point
    """Open the latest published snapshot of warehouse ``db`` for reading (``seesaw.api.open``;
    imported on first use, so ``import seesaw`` stays light)."""
    from seesaw import api

    return api.open(db)
