"""Control plane: the phase runner, gates, run lock, freshness, timeouts, dbt invocation, backfill/heal/replay."""
