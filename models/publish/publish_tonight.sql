{#
  The tonight feed: every player on the slate (a feature row for the date), each market with a pre-game
  line: the consensus line (player_prop_consensus), the ensemble's prediction and recommendation, and the
  game context. Players without any line are kept once, with market null.
#}
{%- set system = validated_var('publish_system', 'ensemble') %}
with

features as (
    select * from {{ ref('ml_feature_store') }}
),

predictions as (
    select * from {{ ref('prop_predictions') }}
),

consensus as (
    select * from {{ ref('player_prop_consensus') }}
),

by_market as (
    select
        game_date,
        player_id,
        market,
        avg(predicted_value) as predicted_value,
        avg(prob_over) as prob_over,
        max(edge) as best_edge,
        max(case when recommendation = 'OVER' then 1 else 0 end) as any_over,
        max(case when recommendation = 'UNDER' then 1 else 0 end) as any_under
    from predictions
    where system = '{{ system }}'
    group by game_date, player_id, market
)

select
    features.game_date,
    features.player_id,
    features.player_name,
    features.team_abbr,
    features.opponent_abbr,
    features.is_home,
    features.nba_game_id,
    features.injury_status,
    features.rest_days,
    features.is_back_to_back,
    features.teammates_out,
    features.games_played_season,
    features.points_avg_l10,
    features.minutes_avg_l10,
    by_market.market,
    consensus.line_consensus as consensus_line,
    consensus.books,
    by_market.predicted_value,
    by_market.prob_over,
    case
        when by_market.any_over = 1 and by_market.any_under = 0 then 'OVER'
        when by_market.any_under = 1 and by_market.any_over = 0 then 'UNDER'
        else 'PASS'
    end as recommendation,
    by_market.best_edge,
    '{{ system }}' as system
from features
left join by_market
    on
        features.game_date = by_market.game_date
        and features.player_id = by_market.player_id
left join consensus
    on
        by_market.game_date = consensus.game_date
        and by_market.market = consensus.market
        and features.player_name_key = consensus.player_name_key
        and features.team_abbr in (consensus.home_team_abbr, consensus.away_team_abbr)
