{#
  Schemas are the names in dbt_project.yml (nba_staging, nba_analytics, ...), used as-is: no
  "<target schema>_" prefix as dbt's default would add. The `test` target (replay / test environment)
  prefixes every schema with `test_` so that it can share a warehouse with dev without touching it.
#}
{% macro schema_prefix() -%}
    {{ return('test_' if target.name == 'test' else '') }}
{%- endmacro %}

{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ schema_prefix() }}{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
