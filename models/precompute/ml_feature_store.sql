{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_strategy(),
        unique_key=['player_id', 'game_date'],
        on_schema_change='fail'
    )
}}
{#
  One row per player per scheduled game: the model's inputs, all known before tip-off. The row is the
  analytics layer's upcoming_player_game_context (the player's game, team, opponent, injury status, teammates
  out, the team and opponent context, the consensus points line), for the players with form: those with a
  player_daily_cache row (a game played before the date; players known only from a roster page or without a
  played game have nothing to predict from). Form features come from player_daily_cache (games strictly
  before the game date); the composite factors and the shot-zone profiles are point in time as well; the
  injury report and the pre-game consensus line are published before tip-off and are legitimate features.
  Factor and zone features are left joins: missing means null.
  The column types are a contract (_precompute__models.yml); every column is cast to its declared type. The
  model inputs (meta feature: true) and feature_version (the model's meta) are declared there once; ml/
  reads both from dbt's manifest.
#}
{%- set zones = shot_zones() %}
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
{%- set context_doubles = [
    'team_offensive_rating', 'team_defensive_rating', 'team_pace', 'opponent_offensive_rating',
    'opponent_defensive_rating', 'opponent_net_rating', 'opponent_pace',
    'opponent_points_allowed_to_position_avg', 'minutes_share_for_team', 'teammates_out_minutes_share',
] %}
with

player_context as (
    select * from {{ ref('upcoming_player_game_context') }}
    where player_id is not null
),

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

features as (
    select
        cast(player_context.player_id as {{ dbt.type_bigint() }}) as player_id,
        cast(player_context.game_date as date) as game_date,
        cast(player_context.nba_game_id as {{ dbt.type_string() }}) as nba_game_id,
        cast(player_context.player_name as {{ dbt.type_string() }}) as player_name,
        cast(player_context.player_name_key as {{ dbt.type_string() }}) as player_name_key,
        cast(player_context.team_abbr as {{ dbt.type_string() }}) as team_abbr,
        cast(player_context.opponent_abbr as {{ dbt.type_string() }}) as opponent_abbr,
        cast(player_context.is_home as {{ dbt.type_boolean() }}) as is_home,
        cast(cache.last_game_date as date) as last_game_date,
        cast(
            {{ dbt.datediff('cache.last_game_date', 'cache.cache_date', 'day') }} - 1 as {{ dbt.type_bigint() }}
        ) as rest_days,
        cast(
            {{ dbt.datediff('cache.last_game_date', 'cache.cache_date', 'day') }} = 1 as {{ dbt.type_boolean() }}
        ) as is_back_to_back,
        cast(coalesce(player_context.injury_status, 'Available') as {{ dbt.type_string() }}) as injury_status,
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
        cast(player_context.points_line as {{ type_double() }}) as points_line_consensus,
        cast(coalesce(player_context.points_line_books, 0) as {{ dbt.type_bigint() }}) as points_line_books,
        cast(player_context.points_line_spread as {{ type_double() }}) as points_line_spread,
        cast(player_context.opponent_rest_days as {{ dbt.type_bigint() }}) as opponent_rest_days,
        {%- for column in context_doubles %}
            cast(player_context.{{ column }} as {{ type_double() }}) as {{ column }},
        {%- endfor %}
        cast('{{ model.config.meta.get("feature_version", "undeclared") }}' as {{ dbt.type_string() }})
            as feature_version
    from player_context
    inner join cache
        on
            player_context.player_id = cache.player_id
            and player_context.game_date = cache.cache_date
    left join factors
        on
            player_context.player_id = factors.player_id
            and player_context.game_date = factors.game_date
    left join player_zones
        on
            player_context.player_id = player_zones.player_id
            and player_context.game_date = player_zones.game_date
    left join defense_zones
        on
            player_context.opponent_abbr = defense_zones.team_abbr
            and player_context.game_date = defense_zones.game_date
)

select * from features
where {{ incremental_since('game_date') }}
