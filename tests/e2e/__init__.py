"""End-to-end suites: the whole pipeline, the BigQuery emulator, the evaluation on real data."""
