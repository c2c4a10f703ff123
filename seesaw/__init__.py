"""seesaw: stock–bond cross-asset research as a scheduled pipeline with a DuckDB warehouse.

The distribution installs one namespace: ``seesaw.pipeline`` (the one orchestration every
entry point runs), ``seesaw.flows`` (Prefect flows and the CLI), ``seesaw.analyses``,
``seesaw.sources``, ``seesaw.warehouse``, ``seesaw.transforms``, ``seesaw.models`` and
``seesaw.reports``, with the SQL migrations, profiles and report templates as package data.
"""
