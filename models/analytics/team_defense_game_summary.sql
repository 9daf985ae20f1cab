{#
  One row per team per game, seen from the defense: what the opponent scored and shot against the team,
  possessions and pace of the game, defensive and net rating, and points allowed by the position of the scorer.

  - defensive_rating: points allowed per 100 possessions (the opponent's offensive rating: both teams share the
    game's possessions, see team_offense_game_summary).
  - net_rating: offensive minus defensive rating.
  - points_allowed_to_guards / _forwards / _centers: the opponent's points by the first letter of the scorer's
    box-score position (G-F counts as G, F-C as F); null when none of the opponent's lines has a position.
  - A team appears only when the opponent's box score is there too.

  Incremental: each row depends only on its own game; the final select is limited to the dates being rebuilt.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_strategy(),
        unique_key=['game_id', 'team_abbr'],
        on_schema_change='append_new_columns'
    )
}}

with

team_offense as (
    select * from {{ ref('team_offense_game_summary') }}
),

box_scores as (
    -- position_group (G/F/C from the box-score position) is defined once, in player_game_summary
    select
        game_id,
        team_abbr,
        points,
        position_group
    from {{ ref('player_game_summary') }}
),

scoring_by_position as (
    select
        game_id,
        team_abbr,
        count(position_group) as lines_with_position,
        cast(sum(case when position_group = 'G' then points else 0 end) as {{ dbt.type_int() }}) as points_by_guards,
        cast(sum(case when position_group = 'F' then points else 0 end) as {{ dbt.type_int() }}) as points_by_forwards,
        cast(sum(case when position_group = 'C' then points else 0 end) as {{ dbt.type_int() }}) as points_by_centers
    from box_scores
    group by game_id, team_abbr
),

joined as (
    select
        team.game_id,
        team.game_date,
        team.season,
        team.team_abbr,
        team.opponent_abbr,
        team.is_home,
        opponent.points as points_allowed,
        opponent.field_goals_made as opponent_field_goals_made,
        opponent.field_goals_attempted as opponent_field_goals_attempted,
        opponent.threes_made as opponent_threes_made,
        opponent.threes_attempted as opponent_threes_attempted,
        opponent.free_throws_made as opponent_free_throws_made,
        opponent.free_throws_attempted as opponent_free_throws_attempted,
        opponent.offensive_rebounds as opponent_offensive_rebounds,
        opponent.assists as opponent_assists,
        opponent.turnovers as opponent_turnovers,
        team.defensive_rebounds,
        team.steals,
        team.blocks,
        team.possessions,
        team.pace,
        team.offensive_rating,
        opponent.offensive_rating as defensive_rating,
        case when scoring.lines_with_position > 0 then scoring.points_by_guards end as points_allowed_to_guards,
        case when scoring.lines_with_position > 0 then scoring.points_by_forwards end as points_allowed_to_forwards,
        case when scoring.lines_with_position > 0 then scoring.points_by_centers end as points_allowed_to_centers
    from team_offense as team
    inner join team_offense as opponent
        on
            team.game_id = opponent.game_id
            and team.opponent_abbr = opponent.team_abbr
    left join scoring_by_position as scoring
        on
            opponent.game_id = scoring.game_id
            and opponent.team_abbr = scoring.team_abbr
)

select
    game_id,
    game_date,
    season,
    team_abbr,
    opponent_abbr,
    is_home,
    points_allowed,
    opponent_field_goals_made,
    opponent_field_goals_attempted,
    opponent_threes_made,
    opponent_threes_attempted,
    opponent_free_throws_made,
    opponent_free_throws_attempted,
    opponent_offensive_rebounds,
    opponent_assists,
    opponent_turnovers,
    defensive_rebounds,
    steals,
    blocks,
    possessions,
    pace,
    defensive_rating,
    offensive_rating - defensive_rating as net_rating,
    points_allowed_to_guards,
    points_allowed_to_forwards,
    points_allowed_to_centers
from joined
where {{ incremental_since('game_date') }}
