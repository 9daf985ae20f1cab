-- The starter proxy: every team-game has 5 starters (fewer only when fewer than 5 players had minutes),
-- and no starter played fewer minutes than a bench player of the same team-game.
with

player_games as (
    select * from {{ ref('player_game_summary') }}
),

team_games as (
    select
        game_id,
        team_abbr,
        sum(case when is_starter then 1 else 0 end) as starters,
        sum(case when played then 1 else 0 end) as players_used,
        min(case when is_starter then minutes end) as least_starter_minutes,
        max(case when not is_starter then minutes end) as most_bench_minutes
    from player_games
    group by game_id, team_abbr
)

select
    game_id,
    team_abbr,
    starters,
    players_used,
    least_starter_minutes,
    most_bench_minutes
from team_games
where
    starters != least(players_used, 5)
    or least_starter_minutes < most_bench_minutes
