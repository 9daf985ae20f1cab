{#
  One row per game, shooting team and shooter (normalized name): his attempts and makes by zone (restricted
  area, paint, mid-range, three) from the play-by-play, with the game's date, season and the defending team
  (the schedule's opponent). The one place shots are tied to games and teams: the player shot profiles and
  the team defense by zone (precompute) aggregate it. Empty without play-by-play.
#}
{%- set zones = shot_zones() %}
with

shots as (
    select * from {{ ref('stg_bigdataball__shots') }}
    where shot_zone is not null
),

team_games as (
    select * from {{ ref('int_team_schedule') }}
),

final as (
    select
        team_games.nba_game_id,
        team_games.game_date,
        team_games.season,
        team_games.team_abbr,
        team_games.opponent_abbr,
        shots.player_name_key,
        {%- for zone in zones %}
            cast(sum(case when shots.shot_zone = '{{ zone }}' then 1 else 0 end) as {{ dbt.type_bigint() }})
                as {{ zone }}_attempts,
            cast(
                sum(case when shots.shot_zone = '{{ zone }}' and shots.is_made then 1 else 0 end)
                as {{ dbt.type_bigint() }}
            ) as {{ zone }}_makes,
        {%- endfor %}
        cast(count(*) as {{ dbt.type_bigint() }}) as shot_attempts
    from shots
    inner join team_games
        on
            shots.nba_game_id = team_games.nba_game_id
            and shots.team_abbr = team_games.team_abbr
    group by
        team_games.nba_game_id,
        team_games.game_date,
        team_games.season,
        team_games.team_abbr,
        team_games.opponent_abbr,
        shots.player_name_key
)

select * from final
