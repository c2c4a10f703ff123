"""The analyses of the nightly chain: each reads core data, calls pure transforms and models,
and returns rows for results tables (see ``steps.STEPS`` for the chain)."""
