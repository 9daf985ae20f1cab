{{ config(schema='nba_monitoring') }}
{#
  A monitoring view (schema nba_monitoring) built with phase 6, because it needs the day's slate and
  predictions. Per game: players on the slate with a feature row (prediction_slate: a pre-game line in a
  predicted market) vs players the predictions cover (any system, any market), and the share covered.
  Players ruled out are on the slate but not expected to be predicted.
#}
with

games as (
    select * from {{ ref('publish_games') }}
),

slate as (
    select * from {{ ref('prediction_slate') }}
),

predictions as (
    select * from {{ ref('prop_predictions') }}
),

slate_players as (
    select distinct
        game_date,
        nba_game_id,
        player_id,
        is_ruled_out
    from slate
    where has_features
),

predicted as (
    select distinct
        game_date,
        player_id
    from predictions
),

per_player as (
    select
        slate_players.game_date,
        slate_players.nba_game_id,
        slate_players.player_id,
        slate_players.is_ruled_out as ruled_out,
        predicted.player_id is not null as is_predicted
    from slate_players
    left join predicted
        on
            slate_players.game_date = predicted.game_date
            and slate_players.player_id = predicted.player_id
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
