{#
  One row per team per game: the team's box-score totals (sum of its players' staging box-score lines), possessions, pace and
  offensive rating.

  - possessions_estimate: the team's own estimate, 0.96 * (FGA + TOV + 0.44 FTA - OREB).
  - possessions: the game's possessions, the average of both teams' estimates (the team's own estimate when the
    opponent's box score is missing), so one team's offensive rating is the other's defensive rating.
  - pace: possessions per 48 minutes. Game length = team minutes / 5, taking the larger of the two teams' minute
    totals and at least 48 (a box score missing a player's line must not shorten the game); overtimes count.
  - offensive_rating: points per 100 possessions.

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

box_scores as (
    select * from {{ ref('stg_balldontlie__player_box_scores') }}
),

games as (
    select * from {{ ref('stg_balldontlie__games') }}
),

team_totals as (
    select
        box_scores.game_id,
        box_scores.team_abbr,
        games.game_date,
        games.season,
        case
            when box_scores.team_abbr = games.home_team_abbr then games.away_team_abbr else games.home_team_abbr
        end as opponent_abbr,
        box_scores.team_abbr = games.home_team_abbr as is_home,
        cast(sum(case when box_scores.minutes > 0 then 1 else 0 end) as {{ dbt.type_int() }}) as players_used,
        sum(box_scores.minutes) as team_minutes,
        cast(sum(box_scores.points) as {{ dbt.type_int() }}) as points,
        cast(sum(box_scores.field_goals_made) as {{ dbt.type_int() }}) as field_goals_made,
        cast(sum(box_scores.field_goals_attempted) as {{ dbt.type_int() }}) as field_goals_attempted,
        cast(sum(box_scores.threes_made) as {{ dbt.type_int() }}) as threes_made,
        cast(sum(box_scores.threes_attempted) as {{ dbt.type_int() }}) as threes_attempted,
        cast(sum(box_scores.free_throws_made) as {{ dbt.type_int() }}) as free_throws_made,
        cast(sum(box_scores.free_throws_attempted) as {{ dbt.type_int() }}) as free_throws_attempted,
        cast(sum(box_scores.offensive_rebounds) as {{ dbt.type_int() }}) as offensive_rebounds,
        cast(sum(box_scores.defensive_rebounds) as {{ dbt.type_int() }}) as defensive_rebounds,
        cast(sum(box_scores.rebounds) as {{ dbt.type_int() }}) as rebounds,
        cast(sum(box_scores.assists) as {{ dbt.type_int() }}) as assists,
        cast(sum(box_scores.turnovers) as {{ dbt.type_int() }}) as turnovers,
        cast(sum(box_scores.steals) as {{ dbt.type_int() }}) as steals,
        cast(sum(box_scores.blocks) as {{ dbt.type_int() }}) as blocks
    from box_scores
    inner join games on box_scores.game_id = games.game_id
    group by
        box_scores.game_id,
        box_scores.team_abbr,
        games.game_date,
        games.season,
        games.home_team_abbr,
        games.away_team_abbr
),

with_estimate as (
    select
        *,
        0.96 * (field_goals_attempted + turnovers + 0.44 * free_throws_attempted - offensive_rebounds)
            as possessions_estimate
    from team_totals
),

with_possessions as (
    select
        team.*,
        cast(
            case
                when opponent.possessions_estimate is null then team.possessions_estimate
                else (team.possessions_estimate + opponent.possessions_estimate) / 2.0
            end as {{ type_double() }}
        ) as possessions,
        greatest(team.team_minutes, coalesce(opponent.team_minutes, 0), 240) / 5.0 as game_minutes
    from with_estimate as team
    left join with_estimate as opponent
        on
            team.game_id = opponent.game_id
            and team.team_abbr != opponent.team_abbr
),

final as (
    select
        game_id,
        game_date,
        season,
        team_abbr,
        opponent_abbr,
        is_home,
        players_used,
        team_minutes,
        game_minutes,
        points,
        field_goals_made,
        field_goals_attempted,
        threes_made,
        threes_attempted,
        free_throws_made,
        free_throws_attempted,
        offensive_rebounds,
        defensive_rebounds,
        rebounds,
        assists,
        turnovers,
        steals,
        blocks,
        cast(possessions_estimate as {{ type_double() }}) as possessions_estimate,
        possessions,
        case
            when possessions > 0 then possessions * 48.0 / game_minutes
        end as pace,
        case
            when possessions > 0 then 100.0 * points / possessions
        end as offensive_rating
    from with_possessions
)

select * from final
where {{ incremental_since('game_date') }}
