{#
  As of each date a player's team is scheduled to play: his season, last-5 and last-10 form.
  Point in time: a row for date D only aggregates games played strictly before D. Each played game's
  rolling stats stay valid from the day after that game up to and including the player's next game date,
  and are attached to the scheduled games of his team in that interval.
#}
with

played_games as (
    select * from {{ ref('player_game_summary') }}
    where played
),

schedule as (
    select * from {{ ref('stg_nbacom__schedule') }}
),

rolling as (
    select
        player_id,
        player_name,
        player_name_key,
        team_abbr,
        season,
        game_date as last_game_date,
        lead(game_date) over (partition by player_id order by game_date) as next_game_date,
        count(*) over season_to_date as games_played_season,
        avg(points) over season_to_date as points_avg_season,
        avg(points) over last_5 as points_avg_l5,
        avg(points) over last_10 as points_avg_l10,
        stddev_samp(points) over last_10 as points_std_l10,
        avg(minutes) over last_5 as minutes_avg_l5,
        avg(minutes) over last_10 as minutes_avg_l10,
        avg(minutes) over season_to_date as minutes_avg_season,
        avg(rebounds) over last_10 as rebounds_avg_l10,
        avg(assists) over last_10 as assists_avg_l10,
        avg(threes) over last_10 as threes_avg_l10,
        avg(points_rebounds_assists) over last_10 as pra_avg_l10
    from played_games
    window
        season_to_date as (
            partition by player_id, season order by game_date rows between unbounded preceding and current row
        ),
        last_5 as (partition by player_id order by game_date rows between 4 preceding and current row),
        last_10 as (partition by player_id order by game_date rows between 9 preceding and current row)
),

team_slate as (
    select
        game_date,
        nba_game_id,
        home_team_abbr as team_abbr,
        away_team_abbr as opponent_abbr,
        true as is_home
    from schedule
    union all
    select
        game_date,
        nba_game_id,
        away_team_abbr as team_abbr,
        home_team_abbr as opponent_abbr,
        false as is_home
    from schedule
)

select
    rolling.player_id,
    team_slate.game_date as cache_date,
    team_slate.nba_game_id,
    rolling.player_name,
    rolling.player_name_key,
    team_slate.team_abbr,
    team_slate.opponent_abbr,
    team_slate.is_home,
    rolling.last_game_date,
    rolling.games_played_season,
    rolling.points_avg_season,
    rolling.points_avg_l5,
    rolling.points_avg_l10,
    rolling.points_std_l10,
    rolling.minutes_avg_l5,
    rolling.minutes_avg_l10,
    rolling.minutes_avg_season,
    rolling.rebounds_avg_l10,
    rolling.assists_avg_l10,
    rolling.threes_avg_l10,
    rolling.pra_avg_l10
from rolling
inner join team_slate
    on
        rolling.team_abbr = team_slate.team_abbr
        and rolling.last_game_date < team_slate.game_date
        and (rolling.next_game_date is null or rolling.next_game_date >= team_slate.game_date)
