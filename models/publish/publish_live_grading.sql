{#
  The live-grading feed: every prediction of a date graded against the box scores landed so far, with its
  game's tip-off so the exporter can cut at an as-of time (only games final by then are graded).
#}
with

graded as (
    select * from {{ ref('prediction_accuracy') }}
),

features as (
    select * from {{ ref('ml_feature_store') }}
),

games as (
    select * from {{ ref('publish_games') }}
)

select
    graded.game_date,
    graded.player_id,
    graded.player_name,
    graded.team_abbr,
    graded.market,
    graded.bookmaker,
    graded.system,
    graded.model_version,
    graded.line,
    graded.predicted_value,
    graded.prob_over,
    graded.recommendation,
    graded.actual_value,
    graded.outcome,
    graded.is_hit,
    graded.absolute_error,
    graded.profit_at_110,
    games.nba_game_id,
    games.tipoff_at
from graded
inner join features
    on
        graded.player_id = features.player_id
        and graded.game_date = features.game_date
inner join games
    on
        features.nba_game_id = games.nba_game_id
