"""Helpers shared by the test modules (no test module imports another): environments on the test target
(`env`), the fault-injection harness (`faults`), a local Slack webhook (`webhook`), BallDontLie payloads and
mocks (`balldontlie`) and synthetic parquet inputs of the converter (`parquet`)."""
