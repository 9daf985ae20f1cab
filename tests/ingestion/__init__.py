"""Tests of ingestion (phase 1): the demo generator, the parquet converter, live fetching, dlt loads, quarantine."""
