{#
  The BigQuery emulator (target bq_emulator, README "BigQuery") runs BigQuery SQL on DuckDB through SQLGlot.
  Where it cannot run what dbt-bigquery generates, the emulator target gets a variant here; prod keeps
  dbt-bigquery's own SQL.

  Contract-enforced tables (ml_feature_store): dbt-bigquery creates them with
  `create or replace table t (col type, ...) as (select ...)`, which BigQuery runs and the emulator cannot
  translate (DuckDB has no column list with AS). On the emulator the table is created from the same select
  without the column list. dbt's contract check (names and types of the query's columns against the
  contract, before the create) still runs, and the contract declares no constraints, so the table's schema
  is the same; a contract with constraints is refused here rather than created without them.
#}
{% macro bigquery__create_table_as(temporary, relation, compiled_code, language='sql') -%}
    {%- set contract_config = config.get('contract') -%}
    {%- if target.name == 'bq_emulator' and language == 'sql' and contract_config.enforced -%}
        {%- set column_constraints = model.columns.values() | map(attribute='constraints') | select | list -%}
        {%- if model.constraints or column_constraints -%}
            {{ exceptions.raise_compiler_error(
                model.name ~ ": the BigQuery emulator cannot create a table with contract constraints") }}
        {%- endif -%}
        {{ get_assert_columns_equivalent(compiled_code) }}
        create or replace table {{ relation }}
        {{ bigquery_table_options(config, model, temporary) }}
        as (
            {{ get_select_subquery(compiled_code) }}
        );
    {%- else -%}
        {{ return(dbt.bigquery__create_table_as(temporary, relation, compiled_code, language)) }}
    {%- endif -%}
{%- endmacro %}
