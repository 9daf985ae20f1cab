{#
  The predictions feed (exports/<date>/predictions.json): every prediction for the date with the player's
  context and, once the game is final, its result.
#}
with

predictions as (
    select * from {{ ref('prop_predictions') }}
),

features as (
    select * from {{ ref('ml_feature_store') }}
),

graded as (
    select * from {{ ref('prediction_accuracy') }}
)

select
    predictions.game_date,
    predictions.player_id,
    predictions.player_name,
    predictions.team_abbr,
    features.opponent_abbr,
    features.is_home,
    features.injury_status,
    predictions.market,
    predictions.bookmaker,
    predictions.system,
    predictions.model_version,
    predictions.line,
    predictions.over_price,
    predictions.under_price,
    round(predictions.predicted_value, 2) as predicted_value,
    round(predictions.prob_over, 4) as prob_over,
    predictions.recommendation,
    round(predictions.edge, 4) as edge,
    round(predictions.confidence, 4) as confidence,
    graded.actual_value,
    graded.outcome,
    graded.is_hit
from predictions
left join features
    on
        predictions.player_id = features.player_id
        and predictions.game_date = features.game_date
left join graded
    on
        predictions.game_date = graded.game_date
        and predictions.player_id = graded.player_id
        and predictions.market = graded.market
        and predictions.bookmaker = graded.bookmaker
        and predictions.system = graded.system
        and predictions.model_version = graded.model_version
