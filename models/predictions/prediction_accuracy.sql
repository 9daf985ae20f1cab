-- depends_on: {{ ref('prop_markets') }}
{#
  Grades every prediction whose game is final: error, over/under outcome, pick result and profit per unit
  at -110 and at the offered price.
#}
with

predictions as (
    select * from {{ ref('prop_predictions') }}
),

actuals as (
    select * from {{ ref('player_game_summary') }}
),

graded as (
    select
        predictions.game_date,
        predictions.player_id,
        predictions.player_name,
        predictions.team_abbr,
        predictions.market,
        predictions.bookmaker,
        predictions.system,
        predictions.model_version,
        predictions.line,
        predictions.over_price,
        predictions.under_price,
        predictions.predicted_value,
        predictions.prob_over,
        predictions.recommendation,
        predictions.edge,
        {{ market_stat('predictions.market', 'actuals') }} as actual_value,
        actuals.minutes as actual_minutes
    from predictions
    inner join actuals
        on
            predictions.player_id = actuals.player_id
            and predictions.game_date = actuals.game_date
    where actuals.played
),

outcomes as (
    select
        *,
        abs(predicted_value - actual_value) as absolute_error,
        case
            when actual_value > line then 'OVER'
            when actual_value < line then 'UNDER'
            else 'PUSH'
        end as outcome,
        case when actual_value > line then 1.0 when actual_value < line then 0.0 end as over_indicator
    from graded
)

select
    game_date,
    player_id,
    player_name,
    team_abbr,
    market,
    bookmaker,
    system,
    model_version,
    line,
    over_price,
    under_price,
    predicted_value,
    prob_over,
    recommendation,
    edge,
    actual_value,
    actual_minutes,
    absolute_error,
    outcome,
    (over_indicator - prob_over) * (over_indicator - prob_over) as brier,
    case
        when recommendation = 'PASS' or outcome = 'PUSH' then null
        else recommendation = outcome
    end as is_hit,
    case
        when recommendation = 'PASS' then null
        when outcome = 'PUSH' then 0.0
        when recommendation = outcome then 100.0 / 110.0
        else -1.0
    end as profit_at_110,
    case
        when recommendation = 'PASS' then null
        when outcome = 'PUSH' then 0.0
        when recommendation = outcome and recommendation = 'OVER' then {{ american_payout('over_price') }}
        when recommendation = outcome and recommendation = 'UNDER' then {{ american_payout('under_price') }}
        else -1.0
    end as profit_at_price
from outcomes
