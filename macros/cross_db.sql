{#
  Small cross-database helpers. DuckDB (dev/test) and BigQuery (prod) differ here; everything else in the
  models is plain SQL or dbt's own cross-database macros (dbt.datediff, dbt.dateadd, dbt.type_*).
#}

{# A join key for player names: ASCII-fold accents, lowercase, hyphens to spaces, drop punctuation and
   generational suffixes (anywhere: the injury report writes "Oubre, Kelly Jr."), collapse spaces.
   "Kelly Oubre Jr." -> "kelly oubre" #}
{% macro name_key(expr) -%}
    {{ return(adapter.dispatch('name_key', 'nba_props')(expr)) }}
{%- endmacro %}

{% macro default__name_key(expr) -%}
    trim(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
        lower(strip_accents({{ expr }})), '-', ' ', 'g'), '[^a-z0-9 ]', '', 'g'),
        '\b(jr|sr|ii|iii|iv|v)\b', '', 'g'), '\s+', ' ', 'g'))
{%- endmacro %}

{% macro bigquery__name_key(expr) -%}
    trim(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
        lower(regexp_replace(normalize({{ expr }}, NFD), r'\p{M}', '')), r'-', ' '), r'[^a-z0-9 ]', ''),
        r'\b(jr|sr|ii|iii|iv|v)\b', ''), r'\s+', ' '))
{%- endmacro %}

{# The US/Eastern calendar date of a UTC timestamp (NBA game dates are local dates). #}
{% macro eastern_date(expr) -%}
    {{ return(adapter.dispatch('eastern_date', 'nba_props')(expr)) }}
{%- endmacro %}

{% macro default__eastern_date(expr) -%}
    cast(timezone('America/New_York', cast({{ expr }} as timestamptz)) as date)
{%- endmacro %}

{% macro bigquery__eastern_date(expr) -%}
    date(cast({{ expr }} as timestamp), 'America/New_York')
{%- endmacro %}

{# "MM:SS" (or "MM") minutes as a decimal number of minutes #}
{% macro minutes_from_mmss(expr) -%}
    {{ return(adapter.dispatch('minutes_from_mmss', 'nba_props')(expr)) }}
{%- endmacro %}

{% macro default__minutes_from_mmss(expr) -%}
    round(
        coalesce(try_cast(nullif(split_part({{ expr }}, ':', 1), '') as double), 0)
        + coalesce(try_cast(nullif(split_part({{ expr }}, ':', 2), '') as double), 0) / 60.0,
        2
    )
{%- endmacro %}

{% macro bigquery__minutes_from_mmss(expr) -%}
    round(
        coalesce(safe_cast(nullif(split({{ expr }}, ':')[safe_offset(0)], '') as float64), 0)
        + coalesce(safe_cast(nullif(split({{ expr }}, ':')[safe_offset(1)], '') as float64), 0) / 60.0,
        2
    )
{%- endmacro %}

{# Median as an aggregate: exact, the mean of the two middle values for an even count, NULL when every value
   is NULL. BigQuery has no exact median aggregate (APPROX_QUANTILES is approximate and, for an even count,
   returns one of the middle values), so it takes PERCENTILE_CONT over the group's values. #}
{% macro median(expr) -%}
    {{ return(adapter.dispatch('median', 'nba_props')(expr)) }}
{%- endmacro %}

{% macro default__median(expr) -%}
    median({{ expr }})
{%- endmacro %}

{% macro bigquery__median(expr) -%}
    (select percentile_cont(median_value, 0.5) over () from unnest(array_agg({{ expr }} ignore nulls)) as median_value limit 1)
{%- endmacro %}

{# Probability implied by American odds, e.g. -110 -> 0.5238 #}
{% macro implied_probability(price) -%}
    case
        when {{ price }} < 0 then (-1.0 * {{ price }}) / ((-1.0 * {{ price }}) + 100.0)
        when {{ price }} > 0 then 100.0 / ({{ price }} + 100.0)
    end
{%- endmacro %}

{# Profit per unit staked at American odds when the bet wins, e.g. -110 -> 0.9091 #}
{% macro american_payout(price) -%}
    case
        when {{ price }} < 0 then 100.0 / (-1.0 * {{ price }})
        when {{ price }} > 0 then {{ price }} / 100.0
    end
{%- endmacro %}

{# 64-bit floating point (dbt.type_float() is a 4-byte float on DuckDB) #}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'nba_props')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double
{%- endmacro %}

{% macro bigquery__type_double() -%}
    float64
{%- endmacro %}

