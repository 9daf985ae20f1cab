"""Tests of the dbt project itself: the graph, docs, incremental models, idempotency, the BigQuery compile."""
