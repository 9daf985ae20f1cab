{{ config(materialized='view') }}
{#
  The schedule from each team's side: one row per team per scheduled game, with its opponent and venue.
  Shared by the models that attach anything to "the team's game on date D".
#}
with

schedule as (
    select * from {{ ref('stg_nbacom__schedule') }}
),

home_side as (
    select
        nba_game_id,
        game_date,
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
        tipoff_at,
        away_team_abbr as team_abbr,
        home_team_abbr as opponent_abbr,
        false as is_home
    from schedule
)

select * from home_side
union all
select * from away_side
