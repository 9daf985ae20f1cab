{#
  One row per player per game (every box-score line, including 0-minute DNP lines).

  - rest_days: full calendar days off since the player's previous box-score line (0 = back-to-back).
  - is_starter: the box scores carry no starter flag, so the 5 players with the most minutes for their team in
    the game count as starters (ties broken by points, then player id); players without minutes never do.
  - usage_rate: share of the team's plays the player used while on the floor, the standard formula as a
    fraction: (FGA + 0.44 FTA + TOV) * (team minutes / 5) / (minutes * (team FGA + 0.44 team FTA + team TOV)),
    team totals from the team's box-score lines of the game; null without minutes or team plays. Capped at 1:
    the formula assumes the team's plays are spread evenly over the game, so a few seconds on the floor with a
    shot can give more than the possible 100%.
  - true_shooting_pct: points / (2 * (FGA + 0.44 FTA)); null without attempts.

  Incremental: team totals, starters and the previous game are computed over the whole history; only the final
  select is limited to the dates being (re)built (macros/incremental.sql).
#}
{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_strategy(),
        unique_key=['game_id', 'player_id'],
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
        game_id,
        team_abbr,
        sum(minutes) as team_minutes,
        cast(sum(field_goals_attempted) as {{ dbt.type_int() }}) as team_field_goals_attempted,
        cast(sum(free_throws_attempted) as {{ dbt.type_int() }}) as team_free_throws_attempted,
        cast(sum(turnovers) as {{ dbt.type_int() }}) as team_turnovers
    from box_scores
    group by game_id, team_abbr
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
        box_scores.free_throws_attempted,
        box_scores.offensive_rebounds,
        box_scores.defensive_rebounds,
        team_totals.team_minutes,
        team_totals.team_field_goals_attempted,
        team_totals.team_free_throws_attempted,
        team_totals.team_turnovers
    from box_scores
    inner join games on box_scores.game_id = games.game_id
    inner join team_totals
        on
            box_scores.game_id = team_totals.game_id
            and box_scores.team_abbr = team_totals.team_abbr
),

with_history as (
    select
        *,
        lag(game_date) over (partition by player_id order by game_date) as previous_game_date,
        row_number() over (
            partition by game_id, team_abbr
            order by minutes desc, points desc, player_id asc
        ) as minutes_rank
    from joined
),

final as (
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
        {{ dbt.datediff('previous_game_date', 'game_date', 'day') }} - 1 as rest_days,
        case upper(substr(trim(position), 1, 1))
            when 'G' then 'G'
            when 'F' then 'F'
            when 'C' then 'C'
        end as position_group,
        played and minutes_rank <= 5 as is_starter,
        offensive_rebounds,
        defensive_rebounds,
        team_minutes,
        case
            when team_minutes > 0 then minutes / team_minutes
        end as team_minutes_share,
        case
            when
                minutes > 0
                and (team_field_goals_attempted + 0.44 * team_free_throws_attempted + team_turnovers) > 0
                then least(
                    (field_goals_attempted + 0.44 * free_throws_attempted + turnovers) * (team_minutes / 5.0)
                    / (minutes * (team_field_goals_attempted + 0.44 * team_free_throws_attempted + team_turnovers)),
                    1.0
                )
        end as usage_rate,
        case
            when (field_goals_attempted + 0.44 * free_throws_attempted) > 0
                then points / (2.0 * (field_goals_attempted + 0.44 * free_throws_attempted))
        end as true_shooting_pct
    from with_history
)

select * from final
where {{ incremental_since('game_date') }}
