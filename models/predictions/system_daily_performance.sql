-- Per system, market and day: MAE, hit rate, Brier score and ROI of the recommended picks.
select
    game_date,
    system,
    model_version,
    market,
    count(*) as n_predictions,
    avg(absolute_error) as mae,
    avg(brier) as brier,
    sum(case when recommendation != 'PASS' then 1 else 0 end) as n_picks,
    sum(case when is_hit then 1 else 0 end) as n_hits,
    avg(case when is_hit is null then null when is_hit then 1.0 else 0.0 end) as hit_rate,
    avg(profit_at_110) as roi_at_110,
    avg(profit_at_price) as roi_at_price
from {{ ref('prediction_accuracy') }}
group by game_date, system, model_version, market
