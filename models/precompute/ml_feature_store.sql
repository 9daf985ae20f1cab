{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_strategy(),
        unique_key=['player_id', 'game_date'],
        on_schema_change='fail'
    )
}}
{#
  One row per player per scheduled game: the model's inputs, all known before tip-off. Form features come
  from player_daily_cache (games strictly before the game date); the composite factors and the shot-zone
  profiles are point in time as well; the injury report and the pre-game consensus line are published before
  tip-off and are legitimate features. Factor and zone features are left joins: missing means null.
  The column types are a contract (_precompute__models.yml); every column is cast to its declared type.
#}
{%- set zones = ['restricted_area', 'paint', 'mid_range', 'three'] %}
{%- set cache_doubles = [
    'points_avg_season', 'points_avg_l5', 'points_avg_l10', 'points_std_l10',
    'minutes_avg_l5', 'minutes_avg_l10', 'minutes_avg_season',
    'rebounds_avg_l10', 'assists_avg_l10', 'threes_avg_l10', 'pra_avg_l10',
    'points_std_l5', 'points_std_season',
    'rebounds_avg_l5', 'rebounds_avg_season', 'rebounds_std_l10',
    'assists_avg_l5', 'assists_avg_season', 'assists_std_l10',
    'threes_avg_l5', 'threes_avg_season', 'threes_std_l10',
    'pra_avg_l5', 'pra_avg_season', 'pra_std_l10',
    'minutes_std_l10', 'minutes_trend', 'minutes_slope_l10',
] %}
{%- set factor_doubles = [
    'minutes_avg_l3', 'fatigue_factor', 'team_pace_l10', 'opponent_pace_l10', 'pace_factor',
    'opponent_defensive_rating_l10', 'defense_factor', 'absent_minutes_share', 'absent_points_share',
    'usage_boost_factor', 'composite_factor',
] %}
with

cache as (
    select * from {{ ref('player_daily_cache') }}
),

factors as (
    select * from {{ ref('player_composite_factors') }}
),

player_zones as (
    select * from {{ ref('player_shot_zone_analysis') }}
),

defense_zones as (
    select * from {{ ref('team_defense_zone_analysis') }}
),

injuries as (
    select * from {{ ref('stg_nbacom__injury_report') }}
),

points_lines as (
    select
        game_date,
        player_name_key,
        {{ median('line') }} as points_line_consensus,
        count(*) as points_line_books
    from {{ ref('player_prop_lines') }}
    where market = 'player_points'
    group by game_date, player_name_key
),

features as (
    select
        cast(cache.player_id as {{ dbt.type_bigint() }}) as player_id,
        cast(cache.cache_date as date) as game_date,
        cast(cache.nba_game_id as {{ dbt.type_string() }}) as nba_game_id,
        cast(cache.player_name as {{ dbt.type_string() }}) as player_name,
        cast(cache.player_name_key as {{ dbt.type_string() }}) as player_name_key,
        cast(cache.team_abbr as {{ dbt.type_string() }}) as team_abbr,
        cast(cache.opponent_abbr as {{ dbt.type_string() }}) as opponent_abbr,
        cast(cache.is_home as {{ dbt.type_boolean() }}) as is_home,
        cast(cache.last_game_date as date) as last_game_date,
        cast(
            {{ dbt.datediff('cache.last_game_date', 'cache.cache_date', 'day') }} - 1 as {{ dbt.type_bigint() }}
        ) as rest_days,
        cast(
            {{ dbt.datediff('cache.last_game_date', 'cache.cache_date', 'day') }} = 1 as {{ dbt.type_boolean() }}
        ) as is_back_to_back,
        cast(coalesce(injuries.injury_status, 'Available') as {{ dbt.type_string() }}) as injury_status,
        cast(cache.games_played_season as {{ dbt.type_bigint() }}) as games_played_season,
        cast(cache.games_played_l10 as {{ dbt.type_bigint() }}) as games_played_l10,
        {%- for column in cache_doubles %}
            cast(cache.{{ column }} as {{ type_double() }}) as {{ column }},
        {%- endfor %}
        cast(factors.games_last_7_days as {{ dbt.type_bigint() }}) as games_last_7_days,
        cast(factors.teammates_out as {{ dbt.type_bigint() }}) as teammates_out,
        {%- for column in factor_doubles %}
            cast(factors.{{ column }} as {{ type_double() }}) as {{ column }},
        {%- endfor %}
        {%- for zone in zones %}
            cast(player_zones.{{ zone }}_share as {{ type_double() }}) as {{ zone }}_share,
            cast(player_zones.{{ zone }}_fg_pct as {{ type_double() }}) as {{ zone }}_fg_pct,
            cast(
                defense_zones.{{ zone }}_fg_pct_vs_league as {{ type_double() }}
            ) as opponent_{{ zone }}_fg_pct_vs_league,
        {%- endfor %}
        cast(points_lines.points_line_consensus as {{ type_double() }}) as points_line_consensus,
        cast(coalesce(points_lines.points_line_books, 0) as {{ dbt.type_bigint() }}) as points_line_books,
        cast('v2' as {{ dbt.type_string() }}) as feature_version
    from cache
    left join factors
        on
            cache.player_id = factors.player_id
            and cache.cache_date = factors.game_date
    left join player_zones
        on
            cache.player_id = player_zones.player_id
            and cache.cache_date = player_zones.game_date
    left join defense_zones
        on
            cache.opponent_abbr = defense_zones.team_abbr
            and cache.cache_date = defense_zones.game_date
    left join injuries
        on
            cache.cache_date = injuries.game_date
            and cache.team_abbr = injuries.team_abbr
            and cache.player_name_key = injuries.player_name_key
    left join points_lines
        on
            cache.cache_date = points_lines.game_date
            and cache.player_name_key = points_lines.player_name_key
)

select * from features
where {{ incremental_since('game_date') }}
