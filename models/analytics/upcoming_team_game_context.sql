{#
  One row per team per scheduled game (stg_nbacom__schedule): what is known about the game before tip-off.

  Point in time: apart from the schedule itself and the injury report of the game date, everything comes from
  games strictly before game_date.
  - rest_days / is_back_to_back: from the team's previous scheduled game (null rest for its first one).
  - season-to-date form of the team and of the opponent: games of the same season before game_date; ratings
    are points per 100 possessions over the summed possessions, pace = possessions per 48 minutes.
  - players_out & co.: the team's entries on the injury report of game_date (null when no report was loaded
    for that date); out_minutes_share = the share of the team's minutes this season (before game_date) that
    the players listed Out played, matched by normalized name.
  - season: start year of the season the date falls in (August starts a new one), as in the box scores.
#}

with

team_offense as (
    select * from {{ ref('team_offense_game_summary') }}
),

team_defense as (
    select * from {{ ref('team_defense_game_summary') }}
),

injuries as (
    select * from {{ ref('stg_nbacom__injury_report') }}
),

team_slate as (
    select * from {{ ref('int_team_schedule') }}
),

with_rest as (
    select
        nba_game_id,
        game_date,
        tipoff_at,
        season,
        team_abbr,
        opponent_abbr,
        is_home,
        lag(game_date) over (partition by team_abbr order by game_date, tipoff_at, nba_game_id) as previous_game_date
    from team_slate
),

team_games as (
    select
        team_offense.team_abbr,
        team_offense.season,
        team_offense.game_date,
        team_offense.points,
        team_defense.points_allowed,
        team_offense.possessions,
        team_offense.game_minutes,
        team_defense.points_allowed_to_guards,
        team_defense.points_allowed_to_forwards,
        team_defense.points_allowed_to_centers
    from team_offense
    inner join team_defense
        on
            team_offense.game_id = team_defense.game_id
            and team_offense.team_abbr = team_defense.team_abbr
),

team_form as (
    select
        with_rest.nba_game_id,
        with_rest.team_abbr,
        count(team_games.game_date) as games_played,
        100.0 * sum(team_games.points) / nullif(sum(team_games.possessions), 0) as offensive_rating,
        100.0 * sum(team_games.points_allowed) / nullif(sum(team_games.possessions), 0) as defensive_rating,
        48.0 * sum(team_games.possessions) / nullif(sum(team_games.game_minutes), 0) as pace,
        avg(team_games.points_allowed_to_guards) as points_allowed_to_guards_avg,
        avg(team_games.points_allowed_to_forwards) as points_allowed_to_forwards_avg,
        avg(team_games.points_allowed_to_centers) as points_allowed_to_centers_avg
    from with_rest
    left join team_games
        on
            with_rest.team_abbr = team_games.team_abbr
            and with_rest.season = team_games.season
            and with_rest.game_date > team_games.game_date
    group by with_rest.nba_game_id, with_rest.team_abbr
),

player_minutes_share as (
    select * from {{ ref('int_player_minutes_share') }}
),

report_dates as (
    select distinct game_date from injuries
),

team_injuries as (
    select
        with_rest.nba_game_id,
        with_rest.team_abbr,
        cast(sum(case when injuries.injury_status = 'Out' then 1 else 0 end) as {{ dbt.type_int() }})
            as players_out,
        cast(sum(case when injuries.injury_status = 'Doubtful' then 1 else 0 end) as {{ dbt.type_int() }})
            as players_doubtful,
        cast(sum(case when injuries.injury_status = 'Questionable' then 1 else 0 end) as {{ dbt.type_int() }})
            as players_questionable,
        sum(case when injuries.injury_status = 'Out' then coalesce(player_minutes_share.minutes_share, 0) else 0 end)
            as out_minutes_share
    from with_rest
    inner join injuries
        on
            with_rest.game_date = injuries.game_date
            and with_rest.team_abbr = injuries.team_abbr
    left join player_minutes_share
        on
            with_rest.nba_game_id = player_minutes_share.nba_game_id
            and with_rest.team_abbr = player_minutes_share.team_abbr
            and injuries.player_name_key = player_minutes_share.player_name_key
    group by with_rest.nba_game_id, with_rest.team_abbr
),

final as (
    select
        with_rest.game_date,
        with_rest.nba_game_id,
        with_rest.tipoff_at,
        with_rest.season,
        with_rest.team_abbr,
        with_rest.opponent_abbr,
        with_rest.is_home,
        with_rest.previous_game_date,
        {{ dbt.datediff('with_rest.previous_game_date', 'with_rest.game_date', 'day') }} - 1 as rest_days,
        coalesce({{ dbt.datediff('with_rest.previous_game_date', 'with_rest.game_date', 'day') }} = 1, false)
            as is_back_to_back,
        opponent_rest.previous_game_date as opponent_previous_game_date,
        {{ dbt.datediff('opponent_rest.previous_game_date', 'with_rest.game_date', 'day') }} - 1
            as opponent_rest_days,
        team_form.games_played,
        team_form.offensive_rating,
        team_form.defensive_rating,
        team_form.offensive_rating - team_form.defensive_rating as net_rating,
        team_form.pace,
        opponent_form.games_played as opponent_games_played,
        opponent_form.offensive_rating as opponent_offensive_rating,
        opponent_form.defensive_rating as opponent_defensive_rating,
        opponent_form.offensive_rating - opponent_form.defensive_rating as opponent_net_rating,
        opponent_form.pace as opponent_pace,
        opponent_form.points_allowed_to_guards_avg as opponent_points_allowed_to_guards_avg,
        opponent_form.points_allowed_to_forwards_avg as opponent_points_allowed_to_forwards_avg,
        opponent_form.points_allowed_to_centers_avg as opponent_points_allowed_to_centers_avg,
        report_dates.game_date is not null as injury_report_available,
        case when report_dates.game_date is not null then coalesce(team_injuries.players_out, 0) end as players_out,
        case
            when report_dates.game_date is not null then coalesce(team_injuries.players_doubtful, 0)
        end as players_doubtful,
        case
            when report_dates.game_date is not null then coalesce(team_injuries.players_questionable, 0)
        end as players_questionable,
        case
            when report_dates.game_date is not null then coalesce(team_injuries.out_minutes_share, 0)
        end as out_minutes_share
    from with_rest
    inner join with_rest as opponent_rest
        on
            with_rest.nba_game_id = opponent_rest.nba_game_id
            and with_rest.opponent_abbr = opponent_rest.team_abbr
    inner join team_form
        on
            with_rest.nba_game_id = team_form.nba_game_id
            and with_rest.team_abbr = team_form.team_abbr
    inner join team_form as opponent_form
        on
            with_rest.nba_game_id = opponent_form.nba_game_id
            and with_rest.opponent_abbr = opponent_form.team_abbr
    left join team_injuries
        on
            with_rest.nba_game_id = team_injuries.nba_game_id
            and with_rest.team_abbr = team_injuries.team_abbr
    left join report_dates on with_rest.game_date = report_dates.game_date
)

select
    game_date,
    nba_game_id,
    tipoff_at,
    season,
    team_abbr,
    opponent_abbr,
    is_home,
    previous_game_date,
    rest_days,
    is_back_to_back,
    opponent_previous_game_date,
    opponent_rest_days,
    games_played,
    offensive_rating,
    defensive_rating,
    net_rating,
    pace,
    opponent_games_played,
    opponent_offensive_rating,
    opponent_defensive_rating,
    opponent_net_rating,
    opponent_pace,
    opponent_points_allowed_to_guards_avg,
    opponent_points_allowed_to_forwards_avg,
    opponent_points_allowed_to_centers_avg,
    injury_report_available,
    players_out,
    players_doubtful,
    players_questionable,
    out_minutes_share
from final
