-- Point in time: the upcoming contexts use only games strictly before the game date.
-- 1. a team's games_played equals the number of its summarized games of the season before the date;
-- 2. no rostered player's last appearance or last game with minutes is on or after the game date.
with

team_context as (
    select * from {{ ref('upcoming_team_game_context') }}
),

player_context as (
    select * from {{ ref('upcoming_player_game_context') }}
),

team_defense as (
    select * from {{ ref('team_defense_game_summary') }}
),

games_before as (
    select
        team_context.nba_game_id,
        team_context.team_abbr,
        count(team_defense.game_id) as games_before
    from team_context
    left join team_defense
        on
            team_context.team_abbr = team_defense.team_abbr
            and team_context.season = team_defense.season
            and team_context.game_date > team_defense.game_date
    group by team_context.nba_game_id, team_context.team_abbr
)

select
    team_context.nba_game_id,
    team_context.team_abbr,
    cast(null as {{ dbt.type_string() }}) as player_name_key,
    'games_played counts games on or after the date' as problem
from team_context
inner join games_before
    on
        team_context.nba_game_id = games_before.nba_game_id
        and team_context.team_abbr = games_before.team_abbr
where team_context.games_played != games_before.games_before

union all

select
    nba_game_id,
    team_abbr,
    player_name_key,
    'player evidence on or after the date' as problem
from player_context
where last_appearance_date >= game_date or last_played_date >= game_date
