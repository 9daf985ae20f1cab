{{ config(materialized='view') }}
{#
  Every prediction the ML step (ml/predict.py) wrote, graded or not: one row per game date, player, market,
  book, system and model version. The one reader of the ML output table: grading and the publish models
  read this model, never the source. A view over it (no copy).
#}
with

predictions as (
    select * from {{ source('nba_predictions', 'player_prop_predictions') }}
),

final as (
    select
        game_date,
        player_id,
        player_name,
        team_abbr,
        market,
        bookmaker,
        line,
        over_price,
        under_price,
        system,
        model_version,
        feature_version,
        predicted_value,
        prob_over,
        edge,
        recommendation,
        confidence,
        run_id,
        created_at
    from predictions
)

select * from final
