{#
  The shot zones of the play-by-play (stg_bigdataball__shots.shot_zone), in the order the zone features are
  listed: one list for every model that has a column per zone.
#}
{% macro shot_zones() -%}
    {{ return(['restricted_area', 'paint', 'mid_range', 'three']) }}
{%- endmacro %}
