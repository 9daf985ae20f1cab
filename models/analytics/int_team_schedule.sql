{{ config(materialized='view') }}
{#
  The schedule (scheduled_games) from each team's side: one row per team per scheduled game, with its
  opponent and venue.
  Shared by the models that attach anything to "the team's game on date D". season: the start year of the
  season the date falls in (August starts a new one), as in the box scores.
#}
with

schedule as (
    select
        *,
        {{ season_of('game_date') }} as season
    from {{ ref('scheduled_games') }}
),

home_side as (
    select
        nba_game_id,
        game_date,
        season,
        tipoff_at,
        home_team_abbr as team_abbr,
        away_team_abbr as opponent_abbr,
        true as is_home
    from schedule
),

away_side as (
    select
        nba_game_id,
        game_date,
        season,
        tipoff_at,
        away_team_abbr as team_abbr,
        home_team_abbr as opponent_abbr,
        false as is_home
    from schedule
)

select * from home_side
union all
select * from away_side
