"""The nightly analyses: each reads core data, calls pure transforms and models, and returns rows
for results tables (``steps.ANALYSES`` declares them; ``core.chain`` derives their order)."""
