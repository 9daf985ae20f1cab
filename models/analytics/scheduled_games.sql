{#
  Every scheduled game (NBA.com schedule) with its tip-off and, once the box score has landed (BallDontLie),
  its final score: the one place the two providers' games are matched (by date and both teams). The publish
  layer's live feeds read it; the exporter decides "final" / "in progress" / "scheduled" at an as-of time.
#}
with

schedule as (
    select * from {{ ref('stg_nbacom__schedule') }}
),

results as (
    select * from {{ ref('stg_balldontlie__games') }}
),

final as (
    select
        schedule.game_date,
        schedule.nba_game_id,
        schedule.tipoff_at,
        schedule.home_team_abbr,
        schedule.away_team_abbr,
        results.game_id as bdl_game_id,
        results.home_score,
        results.away_score,
        coalesce(results.is_final, false) as has_final_box_score
    from schedule
    left join results
        on
            schedule.game_date = results.game_date
            and schedule.home_team_abbr = results.home_team_abbr
            and schedule.away_team_abbr = results.away_team_abbr
)

select * from final
