{#
  Every scheduled game of every date with its tip-off and, once the box score has landed, its final score
  (the analytics model scheduled_games, where the schedule and the box scores are matched). The live feeds
  (live_scores, live_grading) read this; the exporter decides "final" / "in progress" / "scheduled" at an
  as-of time (in replay: any cut-off).
#}
with

scheduled as (
    select * from {{ ref('scheduled_games') }}
)

select
    game_date,
    nba_game_id,
    tipoff_at,
    home_team_abbr,
    away_team_abbr,
    bdl_game_id,
    home_score,
    away_score,
    has_final_box_score
from scheduled
