{#
  The player_game_summary column a prop market settles on, one `when` per row of the seed prop_markets
  (seeds/prop_markets.csv: the project's one market list; Python's ingestion/markets.py reads the same file):

    market_stat('predictions.market', 'actuals') -> case predictions.market when 'player_points' then
                                                     actuals.points ... end

  The branches come from the built seed (`run_query` when dbt executes, like dbt_utils.get_column_values), so
  a model calling this macro declares `-- depends_on: {{ ref('prop_markets') }}`: dbt then builds the seed
  first. At parse time, and when compiling without introspection (`dbt compile --no-introspect`, e.g. the prod
  target offline: no warehouse to ask), it renders a typed null placeholder. A seed that is not built or has
  no rows is a compile error that says so, never an empty case.
#}
{% macro market_stat(market_column, summary_alias) -%}
    {%- if not execute or not flags.INTROSPECT -%}
        cast(null as {{ type_double() }})
    {%- else -%}
        {%- set rows = prop_market_stat_columns() -%}
        case {{ market_column }}
        {%- for row in rows %}
            when '{{ row[0] }}' then {{ summary_alias }}.{{ row[1] }}
        {%- endfor %}
        end
    {%- endif -%}
{%- endmacro %}

{# (market, stat_column) of every row of the built seed prop_markets, ordered by market #}
{% macro prop_market_stat_columns() -%}
    {%- set seed = ref('prop_markets') -%}
    {%- set relation = adapter.get_relation(database=seed.database, schema=seed.schema,
                                            identifier=seed.identifier) -%}
    {%- if relation is none -%}
        {{ exceptions.raise_compiler_error(
            "market_stat: the seed prop_markets is not built (" ~ seed ~ " does not exist): build it first "
            ~ "(dbt seed --select prop_markets, or phase 2), and give the calling model "
            ~ "`-- depends_on: {{ ref('prop_markets') }}`") }}
    {%- endif -%}
    {%- set result = run_query("select market, stat_column from " ~ relation ~ " order by market") -%}
    {%- if result.rows | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "market_stat: the seed prop_markets (" ~ relation ~ ") has no rows: seeds/prop_markets.csv lists "
            ~ "the predicted markets") }}
    {%- endif -%}
    {%- for row in result.rows -%}
        {%- if not (row[1] is string and modules.re.match('^[a-z_][a-z0-9_]*$', row[1])) -%}
            {{ exceptions.raise_compiler_error(
                "market_stat: prop_markets.stat_column " ~ row[1] ~ " of market " ~ row[0]
                ~ " is not a column name") }}
        {%- endif -%}
        {%- if not (row[0] is string and modules.re.match('^[a-z0-9_]+$', row[0])) -%}
            {{ exceptions.raise_compiler_error(
                "market_stat: prop_markets.market " ~ row[0] ~ " is not a market key (lowercase, digits, _)") }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(result.rows) }}
{%- endmacro %}
