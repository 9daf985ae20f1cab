{#
  The test materialization. dbt's own, unless the opt-in elementary package is enabled (var elementary_enabled,
  README "Data quality"): then elementary's wrapper, which records every test's result for `edr report`.
  Declared here because dbt ignores a package's override of a built-in materialization unless the project sets
  require_explicit_package_overrides_for_builtin_materializations: false (deprecated, warns on every test).
  `elementary` is only looked up when the var is true, so the default path needs no package.
#}
{% materialization test, default %}
    {%- if var('elementary_enabled', false) -%}
        {% do return(elementary.materialize_test(dbt.materialization_test_default)) %}
    {%- else -%}
        {% do return(dbt.materialization_test_default()) %}
    {%- endif -%}
{% endmaterialization %}
