{{ config(severity='warn') }}
-- Box-score totals against the final score: a difference means player lines are missing or wrong (real
-- feeds do drop lines), which also understates possessions. A warning, not a gate.
with

team_offense as (
    select * from {{ ref('team_offense_game_summary') }}
),

games as (
    select * from {{ ref('stg_balldontlie__games') }}
)

select
    team_offense.game_id,
    team_offense.game_date,
    team_offense.team_abbr,
    team_offense.points,
    case when team_offense.is_home then games.home_score else games.away_score end as final_score
from team_offense
inner join games on team_offense.game_id = games.game_id
where
    games.is_final
    and team_offense.points != case when team_offense.is_home then games.home_score else games.away_score end
