{{ config(materialized='view') }}
{#
  The prediction slate: who is predicted for a date. One row per game date, player, market and book over the
  main pre-game line of every book (player_prop_lines) in the predicted markets (seed prop_markets), with
  the market's consensus line (player_prop_consensus) and the player's feature row (ml_feature_store:
  the name on the line matched on the date and one of the two teams of the line's game).

  - has_history: the player (by name key) played a game before the date (player_game_summary); a player
    without one cannot have features (opening night is not a coverage failure).
  - has_features: the player has a feature-store row for the game.
  - is_ruled_out: the injury report rules the player out (injury_status 'Out' in the feature store).
  - is_predicted: has_features and not ruled out: the rows phase 5 predicts.

  The one definition read by the P4 -> P5 coverage gate (dbt_project/control/gates.py), `nba-props heal`
  (dbt_project/control/heal.py) and phase 5 (ml/store.py). A view: always what its inputs hold now.
#}
with

prop_lines as (
    select * from {{ ref('player_prop_lines') }}
),

markets as (
    select * from {{ ref('prop_markets') }}
),

consensus as (
    select * from {{ ref('player_prop_consensus') }}
),

features as (
    select * from {{ ref('ml_feature_store') }}
),

player_games as (
    select * from {{ ref('player_game_summary') }}
),

first_games as (
    select
        player_name_key,
        min(game_date) as first_game_date
    from player_games
    where played
    group by player_name_key
),

lines as (
    select prop_lines.*
    from prop_lines
    inner join markets
        on prop_lines.market = markets.market
),

final as (
    select
        lines.game_date,
        lines.event_id,
        lines.home_team_abbr,
        lines.away_team_abbr,
        lines.player_name,
        lines.player_name_key,
        lines.market,
        lines.bookmaker,
        lines.line,
        lines.over_price,
        lines.under_price,
        lines.no_vig_over_probability,
        consensus.line_consensus,
        consensus.books as consensus_books,
        features.player_id,
        features.team_abbr,
        features.nba_game_id,
        features.injury_status,
        coalesce(first_games.first_game_date < lines.game_date, false) as has_history,
        features.player_id is not null as has_features,
        coalesce(features.injury_status = 'Out', false) as is_ruled_out,
        features.player_id is not null and not coalesce(features.injury_status = 'Out', false) as is_predicted
    from lines
    left join consensus
        on
            lines.game_date = consensus.game_date
            and lines.player_name_key = consensus.player_name_key
            and lines.market = consensus.market
    left join features
        on
            lines.game_date = features.game_date
            and lines.player_name_key = features.player_name_key
            and features.team_abbr in (lines.home_team_abbr, lines.away_team_abbr)
    left join first_games
        on lines.player_name_key = first_games.player_name_key
)

select * from final
