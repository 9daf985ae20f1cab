{#
  Generic test: the model holds at least `min_rows` rows (default 1), so a model that builds but comes out
  empty fails instead of passing every column test vacuously.

  expected_if (optional): a SQL condition (may use {{ ref(...) }}) saying when rows are expected at all, for
  models that are legitimately empty at times, e.g. point-in-time models on opening night, when no team on
  the schedule has played yet. Without it, rows are always expected. Scope the count to a date range with
  the test's `where` config, e.g. `config: {where: "game_date >= '2025-11-01'"}`.
  Returns one row (the count) on failure. Plain SQL, so it runs on DuckDB and BigQuery alike.
#}
{% test has_rows(model, min_rows=1, expected_if=none) %}
select n_rows
from (
    select count(*) as n_rows
    from {{ model }}
) as counted
where
    n_rows < {{ min_rows }}
    {%- if expected_if %}
        and ({{ expected_if }})
    {%- endif %}
{% endtest %}
