{#
  One row per player per scheduled game: the model's inputs, all known before tip-off. Form features come
  from player_daily_cache (games strictly before the game date); the injury report and the pre-game
  consensus line are published before tip-off and are legitimate features.
#}
with

cache as (
    select * from {{ ref('player_daily_cache') }}
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
)

select
    cache.player_id,
    cache.cache_date as game_date,
    cache.nba_game_id,
    cache.player_name,
    cache.player_name_key,
    cache.team_abbr,
    cache.opponent_abbr,
    cache.is_home,
    cache.last_game_date,
    {{ dbt.datediff('cache.last_game_date', 'cache.cache_date', 'day') }} - 1 as rest_days,
    {{ dbt.datediff('cache.last_game_date', 'cache.cache_date', 'day') }} = 1 as is_back_to_back,
    coalesce(injuries.injury_status, 'Available') as injury_status,
    cache.games_played_season,
    cache.points_avg_season,
    cache.points_avg_l5,
    cache.points_avg_l10,
    cache.points_std_l10,
    cache.minutes_avg_l5,
    cache.minutes_avg_l10,
    cache.minutes_avg_season,
    cache.rebounds_avg_l10,
    cache.assists_avg_l10,
    cache.threes_avg_l10,
    cache.pra_avg_l10,
    points_lines.points_line_consensus,
    coalesce(points_lines.points_line_books, 0) as points_line_books,
    'v1' as feature_version
from cache
left join injuries
    on
        cache.cache_date = injuries.game_date
        and cache.team_abbr = injuries.team_abbr
        and cache.player_name_key = injuries.player_name_key
left join points_lines
    on
        cache.cache_date = points_lines.game_date
        and cache.player_name_key = points_lines.player_name_key
