"""Tests of dbt_project.control: gates, the circuit breaker, backfill / heal / replay, picks, freshness."""
