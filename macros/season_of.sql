{#
  The season a date falls in, as its start year (August starts a new one), the way BallDontLie numbers
  seasons: season_of('game_date') -> 2025 for 2025-10-21 and for 2026-04-12. Python's twin for file names is
  ingestion.convert.parquet.season_of.
#}
{% macro season_of(date_expr) -%}
    cast(
        extract(year from {{ date_expr }}) - case when extract(month from {{ date_expr }}) < 8 then 1 else 0 end
        as {{ dbt.type_int() }}
    )
{%- endmacro %}
