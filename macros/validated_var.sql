{#
  A project var that is rendered into SQL, checked first: a var can come from the command line
  (`dbt build --vars '{publish_system: ...}'`), and text spliced into SQL must not be able to change the query.
  kind: 'name' (a lower-case identifier such as a system name), 'date' (YYYY-MM-DD) or 'int' (a whole number
  >= 0). Anything else stops the build with a compile error naming the var and its value. Checked when SQL is
  compiled to run (`execute`): dbt's parse, and sqlfluff's linting with placeholder vars, render it unchecked.
#}
{% macro validated_var(name, default=none, kind='name') -%}
    {%- set value = var(name, default) -%}
    {%- if value is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set patterns = {'name': '^[a-z][a-z0-9_]{0,63}$', 'date': '^\\d{4}-\\d{2}-\\d{2}$', 'int': '^\\d{1,9}$'} -%}
    {%- if kind not in patterns -%}
        {{ exceptions.raise_compiler_error("validated_var: unknown kind " ~ kind) }}
    {%- endif -%}
    {%- set text = value | string -%}
    {%- if not execute -%}
        {{ return(text | int if kind == 'int' else text) }}
    {%- endif -%}
    {%- if not modules.re.match(patterns[kind], text) -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ name ~ " = " ~ (text | tojson) ~ " is not a valid " ~ kind ~ " (" ~ patterns[kind] ~ ")") }}
    {%- endif -%}
    {%- if kind == 'date' -%}
        {#- a real calendar date, e.g. not 2025-02-30 (checked without letting Python raise an unnamed error) -#}
        {%- set y, m, d = text.split('-') | map('int') | list -%}
        {%- set valid_month = 1 <= m <= 12 and y >= 1 -%}
        {%- if valid_month -%}
            {%- set first = modules.datetime.date(y, m, 1) -%}
            {%- set days = ((first + modules.datetime.timedelta(days=32)).replace(day=1) - first).days -%}
        {%- endif -%}
        {%- if not valid_month or not 1 <= d <= days -%}
            {{ exceptions.raise_compiler_error("var " ~ name ~ " = " ~ (text | tojson) ~ " is not a calendar date") }}
        {%- endif -%}
    {%- endif -%}
    {{ return(text | int if kind == 'int' else text) }}
{%- endmacro %}
