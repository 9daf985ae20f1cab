{#
  One row per player per game. Rest days count calendar days since the player's previous appearance.
#}
with

box_scores as (
    select * from {{ ref('stg_balldontlie__player_box_scores') }}
),

games as (
    select * from {{ ref('stg_balldontlie__games') }}
),

joined as (
    select
        box_scores.game_id,
        box_scores.game_date,
        box_scores.season,
        box_scores.player_id,
        box_scores.player_name,
        {{ name_key('box_scores.player_name') }} as player_name_key,
        box_scores.position,
        box_scores.team_abbr,
        case
            when box_scores.is_home then games.away_team_abbr else games.home_team_abbr
        end as opponent_abbr,
        box_scores.is_home,
        box_scores.minutes,
        box_scores.minutes > 0 as played,
        box_scores.points,
        box_scores.rebounds,
        box_scores.assists,
        box_scores.threes_made as threes,
        box_scores.points + box_scores.rebounds + box_scores.assists as points_rebounds_assists,
        box_scores.steals,
        box_scores.blocks,
        box_scores.turnovers,
        box_scores.field_goals_made,
        box_scores.field_goals_attempted,
        box_scores.threes_attempted,
        box_scores.free_throws_made,
        box_scores.free_throws_attempted
    from box_scores
    inner join games on box_scores.game_id = games.game_id
),

with_rest as (
    select
        *,
        lag(game_date) over (partition by player_id order by game_date) as previous_game_date
    from joined
)

select
    game_id,
    game_date,
    season,
    player_id,
    player_name,
    player_name_key,
    position,
    team_abbr,
    opponent_abbr,
    is_home,
    minutes,
    played,
    points,
    rebounds,
    assists,
    threes,
    points_rebounds_assists,
    steals,
    blocks,
    turnovers,
    field_goals_made,
    field_goals_attempted,
    threes_attempted,
    free_throws_made,
    free_throws_attempted,
    previous_game_date,
    {{ dbt.datediff('previous_game_date', 'game_date', 'day') }} - 1 as rest_days
from with_rest
