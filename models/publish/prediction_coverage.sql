{{ config(schema='nba_monitoring') }}
{#
  A monitoring view (schema nba_monitoring) built with phase 6, because it needs the day's features, lines
  and predictions. Per game: players with at least one pre-game line vs players the predictions cover (any
  system, any market), and the share covered. Players ruled out are not expected to be predicted.
#}
with

games as (
    select * from {{ ref('publish_games') }}
),

features as (
    select * from {{ ref('ml_feature_store') }}
),

lines as (
    select distinct
        game_date,
        player_name_key
    from {{ ref('player_prop_lines') }}
),

predicted as (
    select distinct
        game_date,
        player_id
    from {{ source('nba_predictions', 'player_prop_predictions') }}
),

per_player as (
    select
        features.game_date,
        features.nba_game_id,
        features.player_id,
        features.injury_status = 'Out' as ruled_out,
        predicted.player_id is not null as is_predicted
    from features
    inner join lines
        on
            features.game_date = lines.game_date
            and features.player_name_key = lines.player_name_key
    left join predicted
        on
            features.game_date = predicted.game_date
            and features.player_id = predicted.player_id
)

select
    games.game_date,
    games.nba_game_id,
    games.home_team_abbr,
    games.away_team_abbr,
    count(per_player.player_id) as players_with_lines,
    sum(case when per_player.ruled_out then 1 else 0 end) as players_ruled_out,
    sum(case when per_player.is_predicted then 1 else 0 end) as players_predicted,
    case
        when count(per_player.player_id) - sum(case when per_player.ruled_out then 1 else 0 end) > 0
            then
                1.0 * sum(case when per_player.is_predicted then 1 else 0 end)
                / (count(per_player.player_id) - sum(case when per_player.ruled_out then 1 else 0 end))
    end as coverage
from games
left join per_player
    on games.nba_game_id = per_player.nba_game_id
group by games.game_date, games.nba_game_id, games.home_team_abbr, games.away_team_abbr
