{#
  Incremental models keyed by date rebuild a window of recent dates on every run:

    where {{ incremental_since('game_date') }}

  - full refresh or first build: every date (the macro renders `true`);
  - incremental run: dates from the latest date already built minus `incremental_lookback_days`
    (late or corrected data for the last few days is picked up), or from `rebuild_from` when the runner
    backfills an older date (`--vars '{rebuild_from: 2025-11-03}'`), whichever is earlier.

  Window functions must still read the whole history (the filter goes on the final select only), so a
  day-by-day incremental build and a full refresh give identical rows.

  `dbt compile --no-introspect` (no warehouse connection, e.g. compiling the prod target offline) cannot ask
  whether the table exists; it renders the incremental branch, the one with the lookback SQL to check.
#}
{% macro incremental_since(date_column) -%}
    {%- if (is_incremental() if flags.INTROSPECT else execute) -%}
        {%- set lookback = validated_var('incremental_lookback_days', 3, 'int') -%}
        {%- set rebuild_from = validated_var('rebuild_from', none, 'date') -%}
        ({{ date_column }} >= (
            select {{ dbt.dateadd('day', -lookback, 'max(' ~ date_column ~ ')') }} from {{ this }}
        )
        {%- if rebuild_from %}
            or {{ date_column }} >= cast('{{ rebuild_from }}' as date)
        {%- endif -%})
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{# delete+insert on DuckDB (dbt-duckdb has no merge for older DuckDB), merge on BigQuery #}
{% macro incremental_strategy() -%}
    {{ return('merge' if target.type == 'bigquery' else 'delete+insert') }}
{%- endmacro %}
