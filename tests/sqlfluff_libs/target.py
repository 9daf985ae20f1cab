"""Stand-in for dbt's `target` when sqlfluff renders models with the plain jinja templater (DuckDB dialect)."""

type = "duckdb"  # noqa: A001 - mirrors dbt's target.type
name = "dev"
