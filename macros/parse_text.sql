{#
  Numbers inside provider text fields (Basketball-Reference heights, BigDataBall clocks), cross-database like
  macros/cross_db.sql. Text that does not parse gives null, never an error.
#}

{# Whole number or null #}
{% macro safe_integer(expr) -%}
    {{ return(adapter.dispatch('safe_integer', 'nba_props')(expr)) }}
{%- endmacro %}

{% macro default__safe_integer(expr) -%}
    try_cast({{ expr }} as integer)
{%- endmacro %}

{% macro bigquery__safe_integer(expr) -%}
    safe_cast({{ expr }} as int64)
{%- endmacro %}

{# A height in feet and inches, "6-3", as inches (75) #}
{% macro feet_inches_to_inches(expr) -%}
    {{ return(adapter.dispatch('feet_inches_to_inches', 'nba_props')(expr)) }}
{%- endmacro %}

{% macro default__feet_inches_to_inches(expr) -%}
    (try_cast(split_part({{ expr }}, '-', 1) as integer) * 12 + try_cast(split_part({{ expr }}, '-', 2) as integer))
{%- endmacro %}

{% macro bigquery__feet_inches_to_inches(expr) -%}
    (safe_cast(split({{ expr }}, '-')[safe_offset(0)] as int64) * 12
        + safe_cast(split({{ expr }}, '-')[safe_offset(1)] as int64))
{%- endmacro %}

{# A clock, "H:MM:SS" (BigDataBall) or "MM:SS", as seconds #}
{% macro clock_seconds(expr) -%}
    {{ return(adapter.dispatch('clock_seconds', 'nba_props')(expr)) }}
{%- endmacro %}

{% macro default__clock_seconds(expr) -%}
    case
        when length({{ expr }}) - length(replace({{ expr }}, ':', '')) = 2
            then try_cast(split_part({{ expr }}, ':', 1) as integer) * 3600
                + try_cast(split_part({{ expr }}, ':', 2) as integer) * 60
                + try_cast(split_part({{ expr }}, ':', 3) as integer)
        else try_cast(split_part({{ expr }}, ':', 1) as integer) * 60
            + try_cast(split_part({{ expr }}, ':', 2) as integer)
    end
{%- endmacro %}

{% macro bigquery__clock_seconds(expr) -%}
    case
        when length({{ expr }}) - length(replace({{ expr }}, ':', '')) = 2
            then safe_cast(split({{ expr }}, ':')[safe_offset(0)] as int64) * 3600
                + safe_cast(split({{ expr }}, ':')[safe_offset(1)] as int64) * 60
                + safe_cast(split({{ expr }}, ':')[safe_offset(2)] as int64)
        else safe_cast(split({{ expr }}, ':')[safe_offset(0)] as int64) * 60
            + safe_cast(split({{ expr }}, ':')[safe_offset(1)] as int64)
    end
{%- endmacro %}
