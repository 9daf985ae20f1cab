{#
  One row per player per scheduled game of his team (the player_daily_cache spine) with his shot profile by
  zone: season-to-date attempts, share of attempts and FG% in the restricted area, the paint, mid-range and
  from three. Point in time: only shots of games strictly before the game date. Shots per game (shot_zone_game_summary) are
  matched to players by game date, team and normalized name. Empty when there is no play-by-play (then the model still builds).
#}
{%- set zones = shot_zones() %}
with

spine as (
    select * from {{ ref('player_daily_cache') }}
),

shot_zones as (
    select * from {{ ref('shot_zone_game_summary') }}
),

player_games as (
    select * from {{ ref('player_game_summary') }}
),

player_game_zones as (
    select
        player_games.player_id,
        player_games.season,
        player_games.game_date,
        {%- for zone in zones %}
            sum(shot_zones.{{ zone }}_attempts) as {{ zone }}_attempts,
            sum(shot_zones.{{ zone }}_makes) as {{ zone }}_makes,
        {%- endfor %}
        sum(shot_zones.shot_attempts) as shot_attempts
    from shot_zones
    inner join player_games
        on
            shot_zones.game_date = player_games.game_date
            and shot_zones.team_abbr = player_games.team_abbr
            and shot_zones.player_name_key = player_games.player_name_key
    group by
        player_games.player_id,
        player_games.season,
        player_games.game_date
),

-- season to date after each game, valid from the day after it up to the player's next game with shots
cumulative as (
    select
        player_id,
        game_date as last_shot_game_date,
        lead(game_date) over (partition by player_id order by game_date) as next_shot_game_date,
        count(*) over season_to_date as games_with_shots,
        {%- for zone in zones %}
            cast(sum({{ zone }}_attempts) over season_to_date as {{ dbt.type_bigint() }}) as {{ zone }}_attempts,
            cast(sum({{ zone }}_makes) over season_to_date as {{ dbt.type_bigint() }}) as {{ zone }}_makes,
        {%- endfor %}
        cast(sum(shot_attempts) over season_to_date as {{ dbt.type_bigint() }}) as shot_attempts
    from player_game_zones
    window season_to_date as (
        partition by player_id, season order by game_date rows between unbounded preceding and current row
    )
)

select
    spine.player_id,
    spine.cache_date as game_date,
    spine.nba_game_id,
    spine.team_abbr,
    cumulative.last_shot_game_date,
    cumulative.games_with_shots,
    {%- for zone in zones %}
        cumulative.{{ zone }}_attempts,
        1.0 * cumulative.{{ zone }}_attempts / cumulative.shot_attempts as {{ zone }}_share,
        1.0 * cumulative.{{ zone }}_makes / nullif(cumulative.{{ zone }}_attempts, 0) as {{ zone }}_fg_pct,
    {%- endfor %}
    cumulative.shot_attempts
from spine
inner join cumulative
    on
        spine.player_id = cumulative.player_id
        and spine.cache_date > cumulative.last_shot_game_date
        and (cumulative.next_shot_game_date is null or spine.cache_date <= cumulative.next_shot_game_date)
