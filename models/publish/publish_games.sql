{#
  Every scheduled game of every date with its tip-off and, once the box score has landed, its final score.
  The live feeds (live_scores, live_grading) read this; the exporter decides "final" / "in progress" /
  "scheduled" at an as-of time (in replay: any cut-off).
#}
with

schedule as (
    select * from {{ ref('stg_nbacom__schedule') }}
),

results as (
    select * from {{ ref('stg_balldontlie__games') }}
)

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
