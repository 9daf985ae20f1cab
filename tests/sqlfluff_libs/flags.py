"""Stand-in for dbt's `flags` when sqlfluff lints: a normal run, with introspection (macros/incremental.sql)."""

INTROSPECT = True
