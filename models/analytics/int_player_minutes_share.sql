{#
  For every team's scheduled game: each player's share of the team's minutes in the same season, over the
  games strictly before the game date (point in time), and how many of those games he played. Feeds the
  "teammates out" counts of the upcoming-game contexts and, through them, the usage boost.
#}
with

team_games as (
    select * from {{ ref('int_team_schedule') }}
),

player_games as (
    select * from {{ ref('player_game_summary') }}
),

player_minutes as (
    select
        team_games.nba_game_id,
        team_games.team_abbr,
        player_games.player_name_key,
        sum(player_games.minutes) as minutes_before,
        cast(sum(case when player_games.played then 1 else 0 end) as {{ dbt.type_int() }}) as games_played
    from team_games
    inner join player_games
        on
            team_games.team_abbr = player_games.team_abbr
            and team_games.season = player_games.season
            and team_games.game_date > player_games.game_date
    group by team_games.nba_game_id, team_games.team_abbr, player_games.player_name_key
)

select
    nba_game_id,
    team_abbr,
    player_name_key,
    games_played,
    minutes_before,
    minutes_before / nullif(sum(minutes_before) over (partition by nba_game_id, team_abbr), 0) as minutes_share
from player_minutes
