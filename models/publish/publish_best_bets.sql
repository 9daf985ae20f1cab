{#
  The best-bets feed: per date, the top `best_bets_count` recommendations of `publish_system` by calibrated
  edge (P(side) - the book's no-vig probability), one per player and market (the book with the largest
  edge), with the reasons a reader can check, and its game (id and tip-off) for the terminal's `nba-props picks`.
#}
{%- set system = validated_var('publish_system', 'ensemble') %}
with

predictions as (
    select * from {{ ref('prop_predictions') }}
),

features as (
    select * from {{ ref('ml_feature_store') }}
),

games as (
    select * from {{ ref('publish_games') }}
),

picks as (
    select
        *,
        row_number() over (
            partition by game_date, player_id, market order by edge desc, bookmaker asc
        ) as book_rank
    from predictions
    where system = '{{ system }}' and recommendation in ('OVER', 'UNDER')
),

ranked as (
    select
        picks.*,
        row_number() over (
            partition by picks.game_date order by picks.edge desc, picks.player_id asc, picks.market asc
        ) as bet_rank
    from picks
    where picks.book_rank = 1
)

select
    ranked.game_date,
    ranked.bet_rank,
    ranked.player_id,
    ranked.player_name,
    ranked.team_abbr,
    features.opponent_abbr,
    features.is_home,
    features.nba_game_id,
    games.tipoff_at,
    ranked.market,
    ranked.bookmaker,
    ranked.line,
    ranked.recommendation,
    case when ranked.recommendation = 'OVER' then ranked.over_price else ranked.under_price end as price,
    ranked.predicted_value,
    ranked.prob_over,
    ranked.confidence,
    ranked.edge,
    ranked.system,
    ranked.model_version,
    features.points_avg_l10,
    features.points_avg_season,
    features.rest_days,
    features.is_back_to_back,
    features.teammates_out,
    features.defense_factor,
    features.injury_status
from ranked
left join features
    on
        ranked.player_id = features.player_id
        and ranked.game_date = features.game_date
left join games
    on features.nba_game_id = games.nba_game_id
where ranked.bet_rank <= {{ validated_var('best_bets_count', 10, 'int') }}
